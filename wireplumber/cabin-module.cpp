/* SPDX-License-Identifier: MIT */
#include "cabin-module.hpp"

WP_DEFINE_LOCAL_LOG_TOPIC("m-cabin")

namespace cabin {

namespace {

constexpr const char *kMetadataName = "cabin";
constexpr const char *kDefaultSeatSetting = "cabin.default-seat";

Properties toProperties(WpProperties *props)
{
	Properties result;
	if (!props)
		return result;
	g_autoptr(WpIterator) it = wp_properties_new_iterator(props);
	g_auto(GValue) item = G_VALUE_INIT;
	for (; wp_iterator_next(it, &item); g_value_unset(&item)) {
		auto *pair = static_cast<WpPropertiesItem *>(g_value_get_boxed(&item));
		result.emplace(wp_properties_item_get_key(pair),
			       wp_properties_item_get_value(pair));
	}
	return result;
}

Properties objectProperties(gpointer object)
{
	g_autoptr(WpProperties) props =
		wp_pipewire_object_get_properties(WP_PIPEWIRE_OBJECT(object));
	return toProperties(props);
}

guint32 boundId(gpointer proxy)
{
	return wp_proxy_get_bound_id(WP_PROXY(proxy));
}

} // namespace

CabinModule::CabinModule(WpCore *core, WpPlugin *plugin, CabinConfig config)
    : core_(core), plugin_(plugin), model_(std::move(config))
{
	for (const std::string &error : model_.config().errors)
		wp_warning_object(plugin_, "invalid config: %s", error.c_str());
}

CabinModule::~CabinModule()
{
	disable();
}

void CabinModule::enable(WpTransition *transition)
{
	enabling_ = transition;
	model_.setSessionManagerClient(wp_core_get_own_bound_id(core_));

	settings_ = wp_settings_find(core_, nullptr);
	if (settings_) {
		readDefaultSeat();
		settingsSubscription_ = wp_settings_subscribe(settings_, kDefaultSeatSetting,
							      onSettingChanged, this);
	} else {
		wp_warning_object(plugin_, "no settings instance; %s is not available",
				  kDefaultSeatSetting);
	}

	pending_ = 3;
	metadata_ = wp_impl_metadata_new_full(core_, kMetadataName, nullptr);
	wp_object_activate(WP_OBJECT(metadata_), WP_OBJECT_FEATURES_ALL, nullptr,
			   onMetadataActivated, this);

	clients_ = wp_object_manager_new();
	wp_object_manager_add_interest(clients_, WP_TYPE_CLIENT, nullptr);
	wp_object_manager_request_object_features(clients_, WP_TYPE_CLIENT,
						  WP_PIPEWIRE_OBJECT_FEATURES_MINIMAL);
	g_signal_connect(clients_, "object-added", G_CALLBACK(onClientAdded), this);
	g_signal_connect(clients_, "object-removed", G_CALLBACK(onClientRemoved), this);
	g_signal_connect(clients_, "installed", G_CALLBACK(onManagerInstalled), this);
	wp_core_install_object_manager(core_, clients_);

	nodes_ = wp_object_manager_new();
	wp_object_manager_add_interest(nodes_, WP_TYPE_NODE, nullptr);
	wp_object_manager_request_object_features(nodes_, WP_TYPE_NODE,
						  WP_PIPEWIRE_OBJECT_FEATURES_MINIMAL);
	g_signal_connect(nodes_, "object-added", G_CALLBACK(onNodeAdded), this);
	g_signal_connect(nodes_, "object-removed", G_CALLBACK(onNodeRemoved), this);
	g_signal_connect(nodes_, "installed", G_CALLBACK(onManagerInstalled), this);
	wp_core_install_object_manager(core_, nodes_);
}

void CabinModule::disable()
{
	if (settings_ && settingsSubscription_)
		wp_settings_unsubscribe(settings_, settingsSubscription_);
	settingsSubscription_ = 0;
	g_clear_object(&settings_);
	if (clients_)
		g_signal_handlers_disconnect_by_data(clients_, this);
	if (nodes_)
		g_signal_handlers_disconnect_by_data(nodes_, this);
	g_clear_object(&clients_);
	g_clear_object(&nodes_);
	if (idlePublish_) {
		g_source_destroy(idlePublish_);
		g_source_unref(idlePublish_);
		idlePublish_ = nullptr;
	}
	g_clear_object(&metadata_);
	askedWhileUnknown_.clear();
	published_.clear();
	publishedState_.clear();
	ready_ = false;
}

void CabinModule::stepReady()
{
	if (--pending_ > 0)
		return;
	ready_ = true;
	publish();
	if (enabling_) {
		wp_object_update_features(WP_OBJECT(plugin_), WP_PLUGIN_FEATURE_ENABLED, 0);
		enabling_ = nullptr;
	}
}

void CabinModule::onManagerInstalled(WpObjectManager *, gpointer self)
{
	static_cast<CabinModule *>(self)->stepReady();
}

void CabinModule::onMetadataActivated(GObject *object, GAsyncResult *res, gpointer self)
{
	auto *module = static_cast<CabinModule *>(self);
	g_autoptr(GError) error = nullptr;
	if (!wp_object_activate_finish(WP_OBJECT(object), res, &error)) {
		if (module->enabling_)
			wp_transition_return_error(module->enabling_, g_steal_pointer(&error));
		module->enabling_ = nullptr;
		return;
	}
	module->stepReady();
}

void CabinModule::onClientAdded(WpObjectManager *, WpClient *client, gpointer self)
{
	auto *module = static_cast<CabinModule *>(self);
	module->model_.addClient(boundId(client), objectProperties(client));
	const ClientState *state = module->model_.client(boundId(client));
	wp_info_object(module->plugin_, "client %u -> seat '%s' (%s)", boundId(client),
		       state->seat.c_str(), toString(state->source));
	module->commit();
}

void CabinModule::onClientRemoved(WpObjectManager *, WpClient *client, gpointer self)
{
	auto *module = static_cast<CabinModule *>(self);
	module->model_.removeClient(boundId(client));
	module->commit();
}

void CabinModule::onNodeAdded(WpObjectManager *, WpNode *node, gpointer self)
{
	auto *module = static_cast<CabinModule *>(self);
	module->model_.addNode(boundId(node), objectProperties(node));
	if (const NodeState *state = module->model_.node(boundId(node)))
		if (state->role != NodeRole::Other)
			wp_info_object(module->plugin_, "node %u '%s' -> seat '%s' zone '%s'",
				       state->id, state->name.c_str(), state->seat.c_str(),
				       state->zone.c_str());
	module->commit();
}

void CabinModule::onNodeRemoved(WpObjectManager *, WpNode *node, gpointer self)
{
	auto *module = static_cast<CabinModule *>(self);
	module->model_.removeNode(boundId(node));
	module->commit();
}

void CabinModule::onSettingChanged(WpSettings *, const gchar *, WpSpaJson *, gpointer self)
{
	auto *module = static_cast<CabinModule *>(self);
	module->readDefaultSeat();
	module->commit();
}

void CabinModule::readDefaultSeat()
{
	std::string seat;
	if (g_autoptr(WpSpaJson) value = wp_settings_get(settings_, kDefaultSeatSetting)) {
		g_autofree gchar *text = wp_spa_json_parse_string(value);
		if (text)
			seat = text;
	}
	model_.setDefaultSeat(seat);
}

void CabinModule::logWarnings()
{
	for (const std::string &warning : model_.takeWarnings())
		wp_warning_object(plugin_, "%s", warning.c_str());
}

void CabinModule::commit()
{
	logWarnings();
	if (!ready_ || idlePublish_)
		return;
	/* Many graph events arrive together; publish once they are all in. */
	wp_core_idle_add(core_, &idlePublish_, onIdlePublish, this, nullptr);
}

gboolean CabinModule::onIdlePublish(gpointer self)
{
	auto *module = static_cast<CabinModule *>(self);
	g_clear_pointer(&module->idlePublish_, g_source_unref);
	module->publish();
	return G_SOURCE_REMOVE;
}

void CabinModule::publish()
{
	WpMetadata *md = WP_METADATA(metadata_);
	bool streamsChanged = false;

	/* Drop entries of nodes that are gone. */
	for (auto it = published_.begin(); it != published_.end();) {
		if (model_.node(it->first)) {
			++it;
			continue;
		}
		wp_metadata_set(md, it->first, "cabin.seat", nullptr, nullptr);
		wp_metadata_set(md, it->first, "cabin.zone", nullptr, nullptr);
		it = published_.erase(it);
	}

	std::string state = model_.stateJson();
	if (state == publishedState_)
		return;

	for (const auto &[id, node] : model_.nodes()) {
		if (node.role == NodeRole::Other)
			continue;
		std::pair<std::string, std::string> wanted{node.seat, node.zone};
		auto [entry, added] = published_.try_emplace(id);
		if (!added && entry->second == wanted)
			continue;
		/*
		 * Re-run linking for a stream that moved seat, or that the hook
		 * deferred because it was not known yet. A stream that is simply
		 * new needs nothing: its session item triggers the rescan.
		 */
		if (node.role == NodeRole::Stream && (!added || askedWhileUnknown_.erase(id) > 0))
			streamsChanged = true;
		bool wasPublished =
			!added && !(entry->second.first.empty() && entry->second.second.empty());
		entry->second = wanted;
		if (!wanted.first.empty() || !wanted.second.empty()) {
			wp_metadata_set(md, id, "cabin.seat", "Spa:String", node.seat.c_str());
			wp_metadata_set(md, id, "cabin.zone", "Spa:String", node.zone.c_str());
		} else if (wasPublished) {
			wp_metadata_set(md, id, "cabin.seat", nullptr, nullptr);
			wp_metadata_set(md, id, "cabin.zone", nullptr, nullptr);
		}
	}

	wp_metadata_set(md, 0, "cabin.state", "Spa:String:JSON", state.c_str());
	publishedState_ = std::move(state);
	/* Devices coming and going already trigger a rescan; seat changes do not. */
	if (streamsChanged)
		scheduleRescan();
}

void CabinModule::scheduleRescan()
{
	g_autoptr(WpPlugin) source = wp_plugin_find(core_, "standard-event-source");
	if (!source)
		return;
	/* The signal takes an enum; look its "linking" value up instead of hard-coding it. */
	guint signalId = g_signal_lookup("schedule-rescan", G_OBJECT_TYPE(source));
	if (!signalId)
		return;
	GSignalQuery query;
	g_signal_query(signalId, &query);
	if (query.n_params != 1 || !G_TYPE_IS_ENUM(query.param_types[0]))
		return;
	g_autoptr(GEnumClass) enumClass =
		static_cast<GEnumClass *>(g_type_class_ref(query.param_types[0]));
	GEnumValue *linking = g_enum_get_value_by_nick(enumClass, "linking");
	if (linking)
		g_signal_emit(source, signalId, 0, linking->value);
}

} // namespace cabin
