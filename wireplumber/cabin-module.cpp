/* SPDX-License-Identifier: MIT */
#include "cabin-module.hpp"

#include <cmath>
#include <time.h>
#include <unistd.h>

#include <glib-unix.h>
#include <pipewire/keys.h>
#include <pipewire/module.h>
#include <spa/param/audio/format-utils.h>
#include <spa/param/audio/raw.h>
#include <spa/pod/iter.h>

WP_DEFINE_LOCAL_LOG_TOPIC("m-cabin")

namespace cabin {

namespace {

constexpr const char *kMetadataName = "cabin";
constexpr const char *kDefaultSeatSetting = "cabin.default-seat";
constexpr const char *kDuckRampSetting = "cabin.duck-ramp-ms";
constexpr const char *kRestoreRampSetting = "cabin.restore-ramp-ms";
/*
 * Steps per gain ramp. PipeWire's converter may end a ramp one step short
 * of its target, so a duck lands one step above its level: with 300 steps
 * a duck to 0.1 ends at 0.103 and a mute leaves -50 dB. Fewer steps would
 * leave more, more would make each ramp's control sequence larger.
 */
constexpr int kRampSteps = 300;
/* The graph rate the step length is worked out for; other rates only change the count. */
constexpr int kRampRate = 48000;
/* PipeWire's own metadata with the clock's settings (`clock.quantum`, ...). */
constexpr const char *kClockSettingsName = "settings";
/* The WirePlumber state file of the remembered volumes (docs/module-cabin.md#volume-memory). */
constexpr const char *kVolumeStateName = "cabin-volumes";
/* How long after restoring a volume its node's echoes may still carry the old one. */
constexpr std::int64_t kRestoreEchoUsec = 500 * 1000;
/* The WirePlumber state file of the Bluetooth bindings (address = seat). */
constexpr const char *kBluetoothStateName = "cabin-bluetooth";
/* Marks the metadata objects module-cabin exports itself. */
constexpr const char *kOwnMetadataKey = "cabin.metadata.owner";

WpProperties *ownMetadataProperties()
{
	return wp_properties_new(kOwnMetadataKey, "module-cabin", nullptr);
}

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

/* What a WirePlumber state file holds, key by key. */
std::map<std::string, std::string> loadStateEntries(WpState *state)
{
	std::map<std::string, std::string> entries;
	g_autoptr(WpProperties) props = wp_state_load(state);
	g_autoptr(WpIterator) it = wp_properties_new_iterator(props);
	g_auto(GValue) item = G_VALUE_INIT;
	for (; wp_iterator_next(it, &item); g_value_unset(&item)) {
		auto *entry = static_cast<WpPropertiesItem *>(g_value_get_boxed(&item));
		entries[wp_properties_item_get_key(entry)] = wp_properties_item_get_value(entry);
	}
	return entries;
}

/* \a entries as the properties a state file is saved from. */
WpProperties *stateProperties(const std::map<std::string, std::string> &entries)
{
	WpProperties *props = wp_properties_new_empty();
	for (const auto &[key, value] : entries)
		wp_properties_set(props, key.c_str(), value.c_str());
	return props;
}

/* A node's mute and channel volumes from its cached Props; false when it has none. */
bool readVolume(WpNode *node, bool &mute, std::vector<float> &volumes)
{
	g_autoptr(WpIterator) it =
		wp_pipewire_object_enum_params_sync(WP_PIPEWIRE_OBJECT(node), "Props", nullptr);
	g_auto(GValue) item = G_VALUE_INIT;
	for (; it && wp_iterator_next(it, &item); g_value_unset(&item)) {
		auto *pod = static_cast<WpSpaPod *>(g_value_get_boxed(&item));
		g_autoptr(WpSpaPod) channelVolumes = nullptr;
		gboolean muted = FALSE;
		if (!wp_spa_pod_get_object(pod, nullptr, "mute", "?b", &muted, "channelVolumes",
					   "?P", &channelVolumes, nullptr) ||
		    !channelVolumes)
			continue;
		float values[SPA_AUDIO_MAX_CHANNELS];
		std::uint32_t n =
			spa_pod_copy_array(wp_spa_pod_get_spa_pod(channelVolumes), SPA_TYPE_Float,
					   values, SPA_AUDIO_MAX_CHANNELS);
		if (n == 0)
			continue;
		mute = muted;
		volumes.assign(values, values + n);
		return true;
	}
	return false;
}

ObjectKind kindOf(WpGlobalProxy *global)
{
	if (WP_IS_NODE(global))
		return ObjectKind::Node;
	if (WP_IS_PORT(global))
		return ObjectKind::Port;
	if (WP_IS_LINK(global))
		return ObjectKind::Link;
	if (WP_IS_CLIENT(global))
		return ObjectKind::Client;
	if (WP_IS_DEVICE(global))
		return ObjectKind::Device;
	if (WP_IS_METADATA(global))
		return ObjectKind::Metadata;
	if (WP_IS_FACTORY(global))
		return ObjectKind::Factory;
	const gchar *type = wp_proxy_get_interface_type(WP_PROXY(global), nullptr);
	if (type && g_str_equal(type, PW_TYPE_INTERFACE_Module))
		return ObjectKind::Module;
	return ObjectKind::Other;
}

} // namespace

CabinModule::CabinModule(WpCore *core, WpPlugin *plugin, CabinConfig config, RolePolicyConfig roles)
    : core_(core), plugin_(plugin), model_(std::move(config)), roles_(std::move(roles))
{
	/* The role policy's errors are among them (module-cabin.cpp). */
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
	/* Modules loaded here (share loopbacks) connect as clients of their own. */
	model_.setSessionManagerPid(static_cast<std::uint32_t>(getpid()),
				    static_cast<std::uint32_t>(getuid()));

	settings_ = wp_settings_find(core_, nullptr);
	if (settings_) {
		readDefaultSeat();
		readArbiterTiming();
		settingsSubscription_ =
			wp_settings_subscribe(settings_, "cabin.*", onSettingChanged, this);
	} else {
		wp_warning_object(plugin_, "no settings instance; %s is not available",
				  kDefaultSeatSetting);
	}

	watchLogin();
	loadBluetoothBindings();
	loadVolumes();

	pending_ = 4 + static_cast<int>(model_.config().seats.size());
	metadata_ = wp_impl_metadata_new_full(core_, kMetadataName, ownMetadataProperties());
	wp_object_activate(WP_OBJECT(metadata_), WP_OBJECT_FEATURES_ALL, nullptr,
			   onMetadataActivated, this);
	createSeatMetadata();

	/*
	 * Registry properties are enough here; binding is only for the id. Our
	 * own metadata is left out: binding it would echo every state we
	 * publish back to us. Its ids are known once exported.
	 */
	globals_ = wp_object_manager_new();
	wp_object_manager_add_interest(globals_, WP_TYPE_GLOBAL_PROXY,
				       WP_CONSTRAINT_TYPE_PW_GLOBAL_PROPERTY, kOwnMetadataKey, "-",
				       nullptr);
	wp_object_manager_request_object_features(globals_, WP_TYPE_GLOBAL_PROXY,
						  WP_PROXY_FEATURE_BOUND);
	g_signal_connect(globals_, "object-added", G_CALLBACK(onGlobalAdded), this);
	g_signal_connect(globals_, "object-removed", G_CALLBACK(onGlobalRemoved), this);
	g_signal_connect(globals_, "installed", G_CALLBACK(onManagerInstalled), this);
	wp_core_install_object_manager(core_, globals_);

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
	/* Props too: a stream's `volume` echo says a duck is in effect. */
	wp_object_manager_request_object_features(nodes_, WP_TYPE_NODE,
						  WP_PIPEWIRE_OBJECT_FEATURES_MINIMAL |
							  WP_PIPEWIRE_OBJECT_FEATURE_PARAM_PROPS);
	g_signal_connect(nodes_, "object-added", G_CALLBACK(onNodeAdded), this);
	g_signal_connect(nodes_, "object-removed", G_CALLBACK(onNodeRemoved), this);
	g_signal_connect(nodes_, "installed", G_CALLBACK(onManagerInstalled), this);
	wp_core_install_object_manager(core_, nodes_);

	/* The graph's quantum and rate: how late a confirmed duck is heard. */
	clockSettings_ = wp_object_manager_new();
	wp_object_manager_add_interest(clockSettings_, WP_TYPE_METADATA,
				       WP_CONSTRAINT_TYPE_PW_GLOBAL_PROPERTY, "metadata.name", "=s",
				       kClockSettingsName, nullptr);
	wp_object_manager_request_object_features(clockSettings_, WP_TYPE_METADATA,
						  WP_OBJECT_FEATURES_ALL);
	g_signal_connect(clockSettings_, "object-added", G_CALLBACK(onClockSettingsAdded), this);
	wp_core_install_object_manager(core_, clockSettings_);
}

void CabinModule::disable()
{
	/* A device must not stay raised for an emergency that nobody will end. */
	for (const auto &[zone, override] : floorOverrides_)
		if (override.applied && nodes_)
			setNodeVolume(override.device, override.mute, override.volumes);
	floorOverrides_.clear();
	for (GSource *watch : loginWatches_) {
		g_source_destroy(watch);
		g_source_unref(watch);
	}
	loginWatches_.clear();
	model_.setLoginLookup({});
	model_.setDeviceSeatLookup({});
	probes_.clear();
	outputProbes_.clear();
	if (probeCore_)
		pw_core_disconnect(probeCore_);
	probeCore_ = nullptr;
	probeCandidates_.clear();
	seenVolumes_.clear();
	restoreOnFirstVolume_.clear();
	if (probeTimer_) {
		g_source_destroy(probeTimer_);
		g_clear_pointer(&probeTimer_, g_source_unref);
	}
	if (clockSettings_) {
		g_signal_handlers_disconnect_by_data(clockSettings_, this);
		g_autoptr(WpIterator) it = wp_object_manager_new_iterator(clockSettings_);
		g_auto(GValue) item = G_VALUE_INIT;
		for (; wp_iterator_next(it, &item); g_value_unset(&item))
			g_signal_handlers_disconnect_by_data(g_value_get_object(&item), this);
		g_clear_object(&clockSettings_);
	}
	if (settings_ && settingsSubscription_)
		wp_settings_unsubscribe(settings_, settingsSubscription_);
	settingsSubscription_ = 0;
	g_clear_object(&settings_);
	g_clear_object(&bluetoothState_);
	if (volumeState_) {
		/* A change in the last second would otherwise be lost with its timer. */
		g_autoptr(WpProperties) props = stateProperties(volumes_.entries());
		wp_state_save(volumeState_, props, nullptr);
	}
	g_clear_object(&volumeState_);
	if (clients_)
		g_signal_handlers_disconnect_by_data(clients_, this);
	if (nodes_) {
		g_signal_handlers_disconnect_by_data(nodes_, this);
		g_autoptr(WpIterator) it = wp_object_manager_new_iterator(nodes_);
		g_auto(GValue) item = G_VALUE_INIT;
		for (; wp_iterator_next(it, &item); g_value_unset(&item))
			g_signal_handlers_disconnect_by_data(g_value_get_object(&item), this);
	}
	if (arbiterTimer_) {
		g_source_destroy(arbiterTimer_);
		g_clear_pointer(&arbiterTimer_, g_source_unref);
	}
	if (globals_)
		g_signal_handlers_disconnect_by_data(globals_, this);
	g_clear_object(&clients_);
	g_clear_object(&nodes_);
	g_clear_object(&globals_);
	managedClients_.clear();
	for (auto &[seat, entry] : seatMetadata_) {
		if (entry.metadata)
			g_signal_handlers_disconnect_by_data(entry.metadata, this);
		g_clear_object(&entry.metadata);
	}
	seatMetadata_.clear();
	if (idlePublish_) {
		g_source_destroy(idlePublish_);
		g_source_unref(idlePublish_);
		idlePublish_ = nullptr;
	}
	g_clear_object(&metadata_);
	shareLoopbacks_.clear();
	shares_.clear();
	fanOuts_.clear();
	announcements_.clear();
	loopbacksGeneration_.reset();
	inbox_.take();
	replies_.clear();
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
	/*
	 * Clients that were waiting for us when we started: admitted only now
	 * that every object manager has listed what exists, so that their one
	 * update already grants the factories they were about to use.
	 */
	for (auto &[id, client] : managedClients_)
		if (const ClientState *state = model_.client(id))
			admit(client, *state);
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
	GraphObject metadata;
	metadata.kind = ObjectKind::Metadata;
	g_autoptr(WpProperties) props =
		wp_global_proxy_get_global_properties(WP_GLOBAL_PROXY(object));
	if (const gchar *name = props ? wp_properties_get(props, "metadata.name") : nullptr)
		metadata.name = name;
	module->access_.addObject(boundId(object), std::move(metadata));
	module->stepReady();
}

void CabinModule::onClientAdded(WpObjectManager *, WpClient *client, gpointer self)
{
	auto *module = static_cast<CabinModule *>(self);
	guint32 id = boundId(client);
	module->model_.addClient(id, objectProperties(client));
	const ClientState *state = module->model_.client(id);
	wp_info_object(module->plugin_, "client %u -> seat '%s' (%s, %s%s)", id,
		       state->seat.c_str(), toString(state->role), toString(state->source),
		       state->managed ? ", managed" : "");
	/* Other clients of the seat may now see this one. */
	module->access_.objectChanged(id);
	if (state->managed && !module->ready_)
		/* Admitted once everything is listed (stepReady). */
		module->managedClients_[id] = client;
	else if (state->managed)
		module->admit(client, *state);
	else if (state->source == SeatSource::SessionManager)
		module->admitSessionManager(client);
	module->commit();
}

void CabinModule::admitSessionManager(WpClient *client)
{
	/*
	 * A module loaded in this process (a share loopback) connects on the
	 * default socket; when that socket is Cabin's, it waits for us like
	 * any client. It is the session manager itself: allow everything.
	 */
	g_autoptr(WpProperties) props =
		wp_pipewire_object_get_properties(WP_PIPEWIRE_OBJECT(client));
	const gchar *access = props ? wp_properties_get(props, "pipewire.access") : nullptr;
	if (g_strcmp0(access, kCabinAccess) == 0)
		wp_client_update_permissions(client, 1, PW_ID_ANY, PW_PERM_ALL);
}

void CabinModule::onClientRemoved(WpObjectManager *, WpClient *client, gpointer self)
{
	auto *module = static_cast<CabinModule *>(self);
	guint32 id = boundId(client);
	/* Whatever it wrote on its own id, and our replies there, go with it. */
	for (const auto &[seat, entry] : module->seatMetadata_)
		module->setSeatKey(seat, id, nullptr, nullptr);
	module->model_.removeClient(id);
	module->access_.forgetClient(id);
	module->managedClients_.erase(id);
	module->commit();
}

void CabinModule::admit(WpClient *client, const ClientState &state)
{
	/*
	 * The client is suspended until it has R on the core, so this one
	 * update decides everything it can ever see before it sends anything.
	 */
	PermissionList list = access_.admit(state);
	if (state.role == ClientRole::Seat && state.seat.empty())
		wp_notice_object(plugin_,
				 "client %u (%s) has no seat: admitted without access to any "
				 "device",
				 state.id, state.application.c_str());
	wp_client_update_permissions_array(client, list.size(), list.data());
	managedClients_[state.id] = client;
	wp_debug_object(plugin_, "client %u admitted with %zu entries", state.id, list.size());
	for (const struct pw_permission &entry : list)
		wp_debug_object(plugin_, "  client %u: object %u -> %04o", state.id, entry.id,
				entry.permissions);
}

void CabinModule::sendPermissionUpdates()
{
	for (auto &[clientId, changes] : access_.takeUpdates()) {
		auto it = managedClients_.find(clientId);
		if (it == managedClients_.end())
			continue;
		wp_client_update_permissions_array(it->second, changes.size(), changes.data());
	}
}

void CabinModule::onGlobalAdded(WpObjectManager *, WpGlobalProxy *global, gpointer self)
{
	auto *module = static_cast<CabinModule *>(self);
	g_autoptr(WpProperties) props = wp_global_proxy_get_global_properties(global);
	GraphObject object = describeGlobal(kindOf(global), toProperties(props));
	module->access_.addObject(boundId(global), std::move(object));
	module->commit();
}

void CabinModule::onGlobalRemoved(WpObjectManager *, WpGlobalProxy *global, gpointer self)
{
	auto *module = static_cast<CabinModule *>(self);
	module->access_.removeObject(boundId(global));
	module->commit();
}

void CabinModule::createSeatMetadata()
{
	for (const SeatConfig &seat : model_.config().seats) {
		std::string name = seatMetadataName(seat.name);
		WpImplMetadata *metadata =
			wp_impl_metadata_new_full(core_, name.c_str(), ownMetadataProperties());
		seatMetadata_[seat.name].metadata = metadata;
		g_signal_connect(metadata, "changed", G_CALLBACK(onSeatMetadataChanged), this);
		wp_object_activate(WP_OBJECT(metadata), WP_OBJECT_FEATURES_ALL, nullptr,
				   onMetadataActivated, this);
	}
}

void CabinModule::setSeatKey(const std::string &seat, guint32 subject, const char *key,
			     const char *value)
{
	auto entry = seatMetadata_.find(seat);
	if (entry == seatMetadata_.end() || !entry->second.metadata)
		return;
	writingSeatMetadata_ = true;
	wp_metadata_set(WP_METADATA(entry->second.metadata), subject, key,
			value ? "Spa:String:JSON" : nullptr, value);
	writingSeatMetadata_ = false;
}

/*
 * A client of the seat wrote in its metadata (only the seat's own clients
 * can write there, so the seat is the requester). WirePlumber's metadata
 * tells us synchronously, so a key we remove never outlives this call.
 */
void CabinModule::onSeatMetadataChanged(WpMetadata *metadata, guint32 subject, const gchar *key,
					const gchar *, const gchar *value, gpointer self)
{
	auto *module = static_cast<CabinModule *>(self);
	if (module->writingSeatMetadata_)
		return;
	for (auto &[seat, entry] : module->seatMetadata_) {
		if (WP_METADATA(entry.metadata) != metadata)
			continue;
		std::string why;
		switch (module->inbox_.receive(seat, subject, key, value,
					       module->model_.client(subject) != nullptr, &why)) {
		case SeatInbox::Verdict::Keep:
			return;
		case SeatInbox::Verdict::Queued:
			break;
		case SeatInbox::Verdict::Remove:
			wp_notice_object(module->plugin_, "%s", why.c_str());
			module->setSeatKey(seat, subject, key, nullptr);
			return;
		case SeatInbox::Verdict::Republish:
			/* A seat client cleared or overwrote the state: put it back. */
			if (value && entry.published == value)
				return;
			entry.published.clear();
			break;
		}
		module->commit();
		return;
	}
}

void CabinModule::publishSeatStates()
{
	for (auto &[seat, entry] : seatMetadata_) {
		std::string state = model_.stateJson(seat, stateExtras());
		if (state == entry.published)
			continue;
		entry.published = state;
		setSeatKey(seat, 0, kSeatStateKey, state.c_str());
	}
}

void CabinModule::onNodeAdded(WpObjectManager *, WpNode *node, gpointer self)
{
	auto *module = static_cast<CabinModule *>(self);
	module->model_.addNode(boundId(node), objectProperties(node));
	module->access_.nodeChanged(boundId(node));
	const NodeState *state = module->model_.node(boundId(node));
	if (state && state->role != NodeRole::Other)
		wp_info_object(module->plugin_, "node %u '%s' -> seat '%s' zone '%s'", state->id,
			       state->name.c_str(), state->seat.c_str(), state->zone.c_str());
	g_signal_connect(node, "params-changed", G_CALLBACK(onNodeParamsChanged), self);
	if (state && (module->ready_ || state->role == NodeRole::Device))
		module->restoreOnFirstVolume_.insert(state->id);
	if (state)
		module->followVolume(node, *state);
	if (state && !module->addAnnouncementNode(*state, node))
		module->addToArbiter(*state, node);
	/*
	 * A share loopback's end is granted now rather than on idle:
	 * WirePlumber may link it before that, and PipeWire refuses a link
	 * whose stream owner (the sharer) cannot see the peer.
	 */
	if (state &&
	    (state->props.contains(kNodeShareProperty) ||
	     state->props.contains(kNodeProbeProperty)) &&
	    module->model_.ownedBySessionManager(*state))
		module->sendPermissionUpdates();
	module->commit();
}

void CabinModule::onNodeRemoved(WpObjectManager *, WpNode *node, gpointer self)
{
	auto *module = static_cast<CabinModule *>(self);
	g_signal_handlers_disconnect_by_data(node, self);
	module->removeAnnouncementNode(boundId(node));
	module->arbiter_.removeStream(boundId(node));
	module->probes_.erase(boundId(node));
	module->outputProbes_.erase(boundId(node));
	module->probeCandidates_.erase(boundId(node));
	module->seenVolumes_.erase(boundId(node));
	module->restoreOnFirstVolume_.erase(boundId(node));
	module->model_.removeNode(boundId(node));
	if (module->shares_.removeStream(boundId(node)))
		wp_info_object(module->plugin_, "stream %u went away: its shares end",
			       boundId(node));
	module->commit();
}

void CabinModule::onSettingChanged(WpSettings *, const gchar *, WpSpaJson *, gpointer self)
{
	auto *module = static_cast<CabinModule *>(self);
	module->readDefaultSeat();
	module->readArbiterTiming();
	module->access_.allChanged();
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
	handleRequests();
	syncBluetooth();
	syncShareLoopbacks();
	arbitrate();

	/* Grants go out before the metadata that names the objects they cover. */
	for (const auto &[id, node] : model_.nodes()) {
		auto entry = published_.find(id);
		if (entry != published_.end() &&
		    entry->second != std::make_pair(node.seat, node.zone))
			access_.nodeChanged(id);
	}
	sendPermissionUpdates();
	publishSeatStates();
	publishCabinState();

	/* Replies last: a client that reads one finds the state it led to. */
	for (const SeatMessage &reply : std::exchange(replies_, {}))
		setSeatKey(reply.seat, reply.subject, kSeatReplyKey, reply.json.c_str());
}

void CabinModule::publishCabinState()
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

	std::string state = model_.stateJson({}, stateExtras());
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
		/* A device that changed zone (a Bluetooth binding) draws streams to it or away. */
		if (node.role == NodeRole::Device && !added)
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

	wp_metadata_set(md, 0, kSeatStateKey, "Spa:String:JSON", state.c_str());
	publishedState_ = std::move(state);
	/* Devices coming and going already trigger a rescan; seat changes do not. */
	if (streamsChanged)
		scheduleRescan();
}

void CabinModule::handleRequests()
{
	for (SeatMessage &request : inbox_.take()) {
		const char *seat = request.seat.c_str();
		/* Cleared once read, so that the metadata shows no stale request. */
		setSeatKey(request.seat, request.subject, kSeatRequestKey, nullptr);
		if (!request.refusal.empty()) {
			wp_notice_object(plugin_, "seat %s: refused a request on subject %u: %s",
					 seat, request.subject, request.refusal.c_str());
			ShareReply reply;
			reply.error = request.refusal;
			replies_.push_back({request.seat, request.subject, reply.toJson(), {}});
			continue;
		}
		if (isBluetoothRequest(request.json)) {
			BluetoothReply reply = bluetooth_.handle(request.seat, request.json);
			if (reply.ok)
				wp_info_object(plugin_, "seat %s: %s -> %s %s", seat,
					       request.json.c_str(), reply.address.c_str(),
					       reply.state.c_str());
			else
				wp_notice_object(plugin_, "seat %s: refused %s: %s", seat,
						 request.json.c_str(), reply.error.c_str());
			replies_.push_back({request.seat, request.subject, reply.toJson(), {}});
			continue;
		}
		ShareReply reply = shares_.handle(request.seat, request.json);
		if (reply.ok)
			wp_info_object(plugin_, "seat %s: %s -> share %u %s", seat,
				       request.json.c_str(), *reply.share, toString(*reply.state));
		else
			wp_notice_object(plugin_, "seat %s: refused %s: %s", seat,
					 request.json.c_str(), reply.error.c_str());
		replies_.push_back({request.seat, request.subject, reply.toJson(), {}});
	}
}

CabinModule::ShareLoopback::~ShareLoopback()
{
	if (!module)
		return;
	/* Unloading destroys its two streams, and their links with them. */
	spa_hook_remove(&listener);
	pw_impl_module_destroy(module);
}

void CabinModule::onShareLoopbackDestroyed(void *data)
{
	auto *loopback = static_cast<ShareLoopback *>(data);
	CabinModule *self = loopback->owner;
	spa_hook_remove(&loopback->listener);
	loopback->module = nullptr;
	/* A seat destroyed its end: the share cannot play any more. */
	if (self->shares_.stopAccepted(loopback->share))
		wp_notice_object(self->plugin_,
				 "share %u: its loopback went away (a seat destroyed its end); "
				 "the share is stopped",
				 loopback->share);
	self->commit();
}

void CabinModule::syncShareLoopbacks()
{
	/* Most publications are about other graph events: nothing to do here then. */
	if (loopbacksGeneration_ == shares_.generation())
		return;
	loopbacksGeneration_ = shares_.generation();
	std::erase_if(shareLoopbacks_, [&](const auto &entry) {
		const Share *share = shares_.find(entry.first);
		bool keep = share && share->state == ShareState::Accepted && entry.second->module;
		if (!keep)
			wp_info_object(plugin_, "share %u: loopback removed", entry.first);
		return !keep;
	});
	for (const Share &share : shares_.shares()) {
		if (share.state != ShareState::Accepted || shareLoopbacks_.contains(share.id))
			continue;
		if (std::unique_ptr<ShareLoopback> loopback = loadShareLoopback(share))
			shareLoopbacks_[share.id] = std::move(loopback);
	}
}

std::unique_ptr<CabinModule::ShareLoopback> CabinModule::loadShareLoopback(const Share &share)
{
	static const struct pw_impl_module_events kEvents = {
		.version = PW_VERSION_IMPL_MODULE_EVENTS,
		.destroy = onShareLoopbackDestroyed,
	};
	const std::string id = std::to_string(share.id);
	const std::string name = "cabin.share." + id;
	JsonWriter args;
	args.beginObject();
	args.key("node.description")
		.value("Cabin share " + id + " from " + share.from + " to " + share.zone);
	/*
	 * Both sides are scheduled asynchronously: a loopback that joins a
	 * running graph may be slow in its first cycles, and the driver must
	 * not wait for it, or the sharer's own zone misses a cycle.
	 */
	args.key("capture.props").beginObject();
	args.key("node.name").value(name + ".capture");
	args.key("node.async").value(true);
	args.key("media.class").value("Stream/Input/Audio");
	args.key(kNodeShareProperty).value(id);
	args.key(kNodeSeatProperty).value(share.from);
	args.key(kNodeTargetStreamProperty).value(std::to_string(share.stream));
	args.endObject();
	args.key("playback.props").beginObject();
	args.key("node.name").value(name + ".playback");
	args.key("node.async").value(true);
	args.key("media.class").value("Stream/Output/Audio");
	args.key("media.name")
		.value((share.media.empty() ? share.application : share.media) + " (from " +
		       share.from + ")");
	args.key(kNodeShareProperty).value(id);
	args.key(kNodeZoneProperty).value(share.zone);
	args.endObject();
	args.endObject();

	/* Loaded in WirePlumber's own context: its clients carry our pid. */
	struct pw_impl_module *module =
		pw_context_load_module(wp_core_get_pw_context(core_), "libpipewire-module-loopback",
				       args.str().c_str(), nullptr);
	if (!module) {
		wp_warning_object(
			plugin_,
			"share %u: cannot load libpipewire-module-loopback (%s); the share "
			"stays accepted but silent",
			share.id, g_strerror(errno));
		return nullptr;
	}
	auto loopback = std::make_unique<ShareLoopback>();
	loopback->owner = this;
	loopback->share = share.id;
	loopback->module = module;
	pw_impl_module_add_listener(module, &loopback->listener, &kEvents, loopback.get());
	wp_info_object(plugin_, "share %u: loopback %s -> zone %s", share.id, name.c_str(),
		       share.zone.c_str());
	return loopback;
}

void CabinModule::readArbiterTiming()
{
	ArbiterTiming timing = arbiter_.timing();
	for (auto [name, field] : {std::pair{kDuckRampSetting, &ArbiterTiming::duckRampMs},
				   std::pair{kRestoreRampSetting, &ArbiterTiming::restoreRampMs}}) {
		g_autoptr(WpSpaJson) value = wp_settings_get(settings_, name);
		gint ms = 0;
		if (!value)
			continue;
		if (!wp_spa_json_parse_int(value, &ms) || ms < 0 || ms > 10000) {
			g_autofree gchar *text = wp_spa_json_to_string(value);
			wp_warning_object(
				plugin_,
				"invalid setting %s = %s: expected milliseconds from 0 to "
				"10000; keeping %d",
				name, text, timing.*field);
			continue;
		}
		timing.*field = ms;
	}
	arbiter_.setTiming(timing);
}

void CabinModule::onClockSettingsAdded(WpObjectManager *, WpMetadata *metadata, gpointer self)
{
	g_signal_connect(metadata, "changed", G_CALLBACK(onClockSettingsChanged), self);
	static_cast<CabinModule *>(self)->readGraphPeriod(metadata);
}

void CabinModule::onClockSettingsChanged(WpMetadata *metadata, guint32 subject, const gchar *key,
					 const gchar *, const gchar *, gpointer self)
{
	if (subject == 0 && (!key || g_str_has_prefix(key, "clock.")))
		static_cast<CabinModule *>(self)->readGraphPeriod(metadata);
}

namespace {

/* A clock setting of PipeWire's `settings` metadata; 0 when unset or not a number. */
std::uint32_t clockSetting(WpMetadata *settings, const char *key)
{
	const gchar *value = wp_metadata_find(settings, 0, key, nullptr);
	gchar *end = nullptr;
	guint64 number = value ? g_ascii_strtoull(value, &end, 10) : 0;
	if (!value || end == value || *end || number > G_MAXUINT32)
		return 0;
	return static_cast<std::uint32_t>(number);
}

} // namespace

void CabinModule::readGraphPeriod(WpMetadata *settings)
{
	/*
	 * The graph runs at the forced quantum and rate when they are set,
	 * else at the configured ones (a client asking for less latency only
	 * makes the period shorter, and the wait a little longer than needed).
	 */
	std::uint32_t quantum = clockSetting(settings, "clock.force-quantum");
	if (quantum == 0)
		quantum = clockSetting(settings, "clock.quantum");
	std::uint32_t rate = clockSetting(settings, "clock.force-rate");
	if (rate == 0)
		rate = clockSetting(settings, "clock.rate");
	if (quantum == 0 || rate == 0)
		return;
	ArbiterTiming timing = arbiter_.timing();
	/* Rounded up: the wait must not fall short of the period. */
	std::int64_t period = (static_cast<std::int64_t>(quantum) * 1000000 + rate - 1) / rate;
	if (period == timing.periodUs)
		return;
	timing.periodUs = period;
	arbiter_.setTiming(timing);
	wp_info_object(plugin_, "graph period %.1f ms (quantum %u at %u Hz)", period / 1000.0,
		       quantum, rate);
}

void CabinModule::addToArbiter(const NodeState &node, WpNode *proxy)
{
	/* Playback streams that land in a zone: seat streams and share loopbacks' receiving side.
	 */
	if (node.role != NodeRole::Stream || node.direction != Direction::Playback ||
	    node.targetStream || node.zone.empty())
		return;
	auto mediaRole = node.props.find("media.role");
	const RoleClass &role =
		roles_.classify(mediaRole == node.props.end() ? "" : mediaRole->second);
	arbiter_.addStream(node.id, role.name, {node.zone});
	if (role.priority > 0 && !model_.ownedBySessionManager(node))
		probeCandidates_.insert(node.id);
	gint64 now = g_get_monotonic_time();
	arbiter_.setRunning(node.id, wp_node_get_state(proxy, nullptr) == WP_NODE_STATE_RUNNING,
			    now);
	followNode(proxy);
	wp_debug_object(plugin_, "stream %u: role %s in zone %s", node.id, role.name.c_str(),
			node.zone.c_str());
}

void CabinModule::followNode(WpNode *proxy)
{
	g_signal_connect(proxy, "state-changed", G_CALLBACK(onNodeStateChanged), this);
}

void CabinModule::onNodeStateChanged(WpNode *node, WpNodeState, WpNodeState state, gpointer self)
{
	auto *module = static_cast<CabinModule *>(self);
	module->noteRunning(boundId(node), state == WP_NODE_STATE_RUNNING);
	module->commit();
}

namespace {

/* The announcement a session-manager node belongs to, from its trusted property. */
std::optional<std::uint32_t> announcementOf(const SeatZoneModel &model, const NodeState *node)
{
	if (!node || !model.ownedBySessionManager(*node))
		return std::nullopt;
	auto it = node->props.find(kNodeAnnouncementProperty);
	if (it == node->props.end())
		return std::nullopt;
	return static_cast<std::uint32_t>(std::strtoul(it->second.c_str(), nullptr, 10));
}

} // namespace

void CabinModule::noteRunning(std::uint32_t id, bool running)
{
	arbiter_.setRunning(id, running, g_get_monotonic_time());
	/* A resumed stream gets the probe's full wait before it counts as silent. */
	if (auto probe = probes_.find(id); probe != probes_.end() && running) {
		probe->second->lastSound.store(g_get_monotonic_time(), std::memory_order_relaxed);
		probe->second->silent = false;
	}
	if (announcements_.findByStream(id)) {
		announcements_.setStreamRunning(id, running, g_get_real_time());
		return;
	}
	const NodeState *node = model_.node(id);
	std::optional<std::uint32_t> announcement = announcementOf(model_, node);
	if (!announcement || node->role != NodeRole::Stream)
		return;
	announcements_.setOutputRunning(*announcement, node->zone, running, g_get_real_time());
	if (auto fan = fanOuts_.find(*announcement); fan != fanOuts_.end()) {
		if (running)
			fan->second->runningOutputs.insert(id);
		else
			fan->second->runningOutputs.erase(id);
		checkFanOutReady(*announcement);
	}
}

bool CabinModule::addAnnouncementNode(const NodeState &node, WpNode *proxy)
{
	if (std::optional<std::uint32_t> id = announcementOf(model_, &node)) {
		auto fan = fanOuts_.find(*id);
		const Announcement *announcement = announcements_.find(*id);
		if (fan == fanOuts_.end() || !announcement)
			return true;
		if (node.role == NodeRole::Device) {
			/* The announcer must see the sink before its stream is linked there. */
			fan->second->sink = node.id;
			access_.nodeChanged(node.id);
			sendPermissionUpdates();
		} else if (node.role == NodeRole::Stream && !node.zone.empty()) {
			fan->second->outputs[node.zone] = node.id;
			/* The report says a zone heard it only if its output carried sound. */
			if (std::unique_ptr<LevelProbe> probe = createLevelProbe(node))
				outputProbes_[node.id] = std::move(probe);
			arbiter_.addStream(node.id, announcement->role, {node.zone},
					   announcement->stream);
			followNode(proxy);
			noteRunning(node.id,
				    wp_node_get_state(proxy, nullptr) == WP_NODE_STATE_RUNNING);
		}
		checkFanOutReady(*id);
		return true;
	}
	if (node.role != NodeRole::Stream || node.direction != Direction::Playback)
		return false;
	std::string warning;
	const Announcement *announcement = announcements_.addStream(node, &warning);
	if (!warning.empty())
		wp_notice_object(plugin_, "%s", warning.c_str());
	if (!announcement)
		return false;
	if (announcement->state == AnnouncementState::Refused) {
		/* A seat's stream still plays in its own zone; the announcer's plays nowhere. */
		const ClientState *client = model_.client(announcement->client);
		return client && client->role == ClientRole::Announcer;
	}
	std::vector<std::string> zones;
	for (const ZoneDelivery &zone : announcement->zones)
		if (zone.state != DeliveryState::NoDevice)
			zones.push_back(zone.zone);
	/* It decides in its zones from now on, and waits for its outputs. */
	arbiter_.addStream(node.id, announcement->role, zones, {}, false);
	arbiter_.setBlocked(node.id, true);
	followNode(proxy);
	noteRunning(node.id, wp_node_get_state(proxy, nullptr) == WP_NODE_STATE_RUNNING);
	wp_info_object(plugin_, "announcement %u: stream %u, %s, to %zu zones with a device",
		       announcement->id, node.id, announcement->role.c_str(), zones.size());
	if (!zones.empty())
		if (std::unique_ptr<FanOut> fan = loadFanOut(*announcement))
			fanOuts_[announcement->id] = std::move(fan);
	return true;
}

void CabinModule::removeAnnouncementNode(std::uint32_t id)
{
	gint64 now = g_get_real_time();
	if (const Announcement *announcement = announcements_.findByStream(id)) {
		std::uint32_t announcementId = announcement->id;
		if (auto fan = fanOuts_.find(announcementId); fan != fanOuts_.end())
			for (const auto &[zone, output] : fan->second->outputs)
				reportOutput(*announcement, zone, output);
		announcements_.removeStream(id, now);
		fanOuts_.erase(announcementId);
		wp_info_object(plugin_, "announcement %u: over", announcementId);
		return;
	}
	const NodeState *node = model_.node(id);
	std::optional<std::uint32_t> announcement = announcementOf(model_, node);
	if (!announcement)
		return;
	if (auto fan = fanOuts_.find(*announcement); fan != fanOuts_.end()) {
		if (fan->second->sink == id)
			fan->second->sink.reset();
		std::erase_if(fan->second->outputs,
			      [&](const auto &entry) { return entry.second == id; });
		fan->second->runningOutputs.erase(id);
	}
	if (node->role == NodeRole::Stream)
		announcements_.outputLost(*announcement, node->zone, now);
}

void CabinModule::reportOutput(const Announcement &announcement, const std::string &zone,
			       std::uint32_t output)
{
	auto probe = outputProbes_.find(output);
	if (probe == outputProbes_.end())
		return;
	bool deviceMuted = false;
	for (const ZoneDelivery &delivery : announcement.zones) {
		g_autoptr(WpNode) device =
			delivery.zone == zone && delivery.deviceId
				? static_cast<WpNode *>(wp_object_manager_lookup(
					  nodes_, WP_TYPE_NODE, WP_CONSTRAINT_TYPE_G_PROPERTY,
					  "bound-id", "=u", delivery.deviceId, nullptr))
				: nullptr;
		SavedVolume volume;
		if (device && readVolume(device, volume.mute, volume.channelVolumes))
			deviceMuted = volume.mute ||
				      *std::max_element(volume.channelVolumes.begin(),
							volume.channelVolumes.end()) <= 0.0f;
	}
	bool heard = probe->second->heard.load(std::memory_order_relaxed);
	if (!heard || deviceMuted)
		wp_notice_object(plugin_, "announcement %u: zone %s %s", announcement.id,
				 zone.c_str(),
				 !heard ? "got no sound from its output" : "has its device muted");
	announcements_.setOutputHeard(announcement.id, zone, heard, deviceMuted);
}

CabinModule::FanOut::~FanOut()
{
	if (giveUp) {
		g_source_destroy(giveUp);
		g_source_unref(giveUp);
	}
	if (!module)
		return;
	spa_hook_remove(&listener);
	pw_impl_module_destroy(module);
}

void CabinModule::onFanOutDestroyed(void *data)
{
	auto *fan = static_cast<FanOut *>(data);
	spa_hook_remove(&fan->listener);
	fan->module = nullptr;
	fan->owner->commit();
}

gboolean CabinModule::onFanOutGiveUp(gpointer data)
{
	auto *fan = static_cast<FanOut *>(data);
	g_clear_pointer(&fan->giveUp, g_source_unref);
	fan->owner->checkFanOutReady(fan->announcement, true);
	return G_SOURCE_REMOVE;
}

std::unique_ptr<CabinModule::FanOut> CabinModule::loadFanOut(const Announcement &announcement)
{
	static const struct pw_impl_module_events kEvents = {
		.version = PW_VERSION_IMPL_MODULE_EVENTS,
		.destroy = onFanOutDestroyed,
	};
	const std::string id = std::to_string(announcement.id);
	const std::string name = "cabin.announcement." + id;
	JsonWriter args;
	args.beginObject();
	args.key("node.name").value(name);
	args.key("node.description")
		.value("Cabin announcement " + id + " (" + announcement.role + ")");
	args.key("combine.mode").value("sink");
	args.key("combine.props").beginObject();
	args.key(kNodeAnnouncementProperty).value(id);
	args.key(kNodeAnnouncementClientProperty).value(std::to_string(announcement.client));
	args.key("audio.position").beginArray().value("FL").value("FR").endArray();
	args.endObject();
	args.key("stream.props").beginObject();
	args.key(kNodeAnnouncementProperty).value(id);
	args.key("media.role").value(announcement.role);
	args.endObject();
	/* One output per zone, on the device the zone uses now. */
	args.key("stream.rules").beginArray();
	for (const ZoneDelivery &zone : announcement.zones) {
		if (zone.state == DeliveryState::NoDevice)
			continue;
		args.beginObject();
		args.key("matches").beginArray().beginObject();
		args.key("node.name").value(zone.device);
		args.endObject().endArray();
		args.key("actions").beginObject().key("create-stream").beginObject();
		args.key(kNodeZoneProperty).value(zone.zone);
		args.key("node.name").value(name + "." + zone.zone);
		args.key("media.name")
			.value((announcement.media.empty() ? announcement.role
							   : announcement.media) +
			       " (announcement " + id + ")");
		args.endObject().endObject();
		args.endObject();
	}
	args.endArray();
	args.endObject();

	struct pw_impl_module *module = pw_context_load_module(wp_core_get_pw_context(core_),
							       "libpipewire-module-combine-stream",
							       args.str().c_str(), nullptr);
	if (!module) {
		wp_warning_object(plugin_,
				  "announcement %u: cannot load libpipewire-module-combine-stream "
				  "(%s); it is not played",
				  announcement.id, g_strerror(errno));
		return nullptr;
	}
	auto fan = std::make_unique<FanOut>();
	fan->owner = this;
	fan->announcement = announcement.id;
	fan->module = module;
	pw_impl_module_add_listener(module, &fan->listener, &kEvents, fan.get());
	/* Outputs that never come up must not keep the announcement from the others. */
	fan->giveUp = g_timeout_source_new(1000);
	g_source_set_callback(fan->giveUp, onFanOutGiveUp, fan.get(), nullptr);
	g_autoptr(GMainContext) context = wp_core_get_g_main_context(core_);
	g_source_attach(fan->giveUp, context);
	return fan;
}

void CabinModule::checkFanOutReady(std::uint32_t id, bool givingUp)
{
	auto fan = fanOuts_.find(id);
	const Announcement *announcement = announcements_.find(id);
	if (fan == fanOuts_.end() || !announcement || !announcement->live())
		return;
	bool ready = fan->second->sink.has_value();
	for (const ZoneDelivery &zone : announcement->zones) {
		if (zone.state == DeliveryState::NoDevice)
			continue;
		auto output = fan->second->outputs.find(zone.zone);
		if (output == fan->second->outputs.end() ||
		    !fan->second->runningOutputs.contains(output->second))
			ready = false;
	}
	if (!ready && !(givingUp && fan->second->sink))
		return;
	if (!ready)
		wp_warning_object(plugin_,
				  "announcement %u: not every zone's output is up after 1 s; "
				  "starting without the missing ones",
				  id);
	if (fan->second->giveUp) {
		g_source_destroy(fan->second->giveUp);
		g_clear_pointer(&fan->second->giveUp, g_source_unref);
	}
	arbiter_.setBlocked(announcement->stream, false);
	commit();
}

std::optional<std::uint32_t> CabinModule::selectTarget(std::uint32_t streamId) const
{
	if (const Announcement *announcement = announcements_.findByStream(streamId)) {
		if (announcement->state == AnnouncementState::Refused)
			return std::nullopt;
		auto fan = fanOuts_.find(announcement->id);
		return fan == fanOuts_.end() ? std::nullopt : fan->second->sink;
	}
	return model_.selectTarget(streamId);
}

void CabinModule::onNodeParamsChanged(WpPipewireObject *node, const gchar *id, gpointer self)
{
	auto *module = static_cast<CabinModule *>(self);
	if (g_strcmp0(id, "Props") != 0)
		return;
	g_autoptr(WpIterator) it = wp_pipewire_object_enum_params_sync(node, "Props", nullptr);
	g_auto(GValue) item = G_VALUE_INIT;
	for (; it && wp_iterator_next(it, &item); g_value_unset(&item)) {
		auto *pod = static_cast<WpSpaPod *>(g_value_get_boxed(&item));
		float volume = 1.0f;
		if (wp_spa_pod_get_object(pod, nullptr, "volume", "?f", &volume, nullptr))
			module->arbiter_.confirmGain(boundId(node), volume, g_get_monotonic_time());
	}
	if (const NodeState *state = module->model_.node(boundId(node))) {
		module->confirmFloor(*state, WP_NODE(node));
		module->followVolume(WP_NODE(node), *state);
	}
	module->commit();
}

gboolean CabinModule::onArbiterDeadline(gpointer self)
{
	auto *module = static_cast<CabinModule *>(self);
	g_clear_pointer(&module->arbiterTimer_, g_source_unref);
	module->arbitrate();
	module->commit();
	return G_SOURCE_REMOVE;
}

void CabinModule::sendGain(const GainCommand &command)
{
	g_autoptr(WpNode) node = static_cast<WpNode *>(
		wp_object_manager_lookup(nodes_, WP_TYPE_NODE, WP_CONSTRAINT_TYPE_G_PROPERTY,
					 "bound-id", "=u", command.node, nullptr));
	if (!node)
		return;
	/*
	 * `volume` is the stream's own factor, under the user's channel
	 * volumes, which stay as the user set them. The converter ramps it.
	 */
	g_autoptr(WpSpaPodBuilder) builder =
		wp_spa_pod_builder_new_object("Spa:Pod:Object:Param:Props", "Props");
	wp_spa_pod_builder_add_property(builder, "volume");
	wp_spa_pod_builder_add_float(builder, command.gain);
	if (command.rampMs > 0) {
		wp_spa_pod_builder_add_property(builder, "volumeRampTime");
		wp_spa_pod_builder_add_int(builder, command.rampMs);
		wp_spa_pod_builder_add_property(builder, "volumeRampStepSamples");
		wp_spa_pod_builder_add_int(
			builder, std::max(1, command.rampMs * (kRampRate / 1000) / kRampSteps));
	}
	wp_pipewire_object_set_param(WP_PIPEWIRE_OBJECT(node), "Props", 0,
				     wp_spa_pod_builder_end(builder));
	wp_info_object(plugin_, "stream %u: gain %.3f over %d ms (%s by %s)", command.node,
		       command.gain, command.rampMs,
		       toString(arbiter_.verdict(command.node).action),
		       arbiter_.verdict(command.node).by.c_str());
}

void CabinModule::setNodeVolume(std::uint32_t id, bool mute, const std::vector<float> &volumes)
{
	g_autoptr(WpNode) node = static_cast<WpNode *>(
		wp_object_manager_lookup(nodes_, WP_TYPE_NODE, WP_CONSTRAINT_TYPE_G_PROPERTY,
					 "bound-id", "=u", id, nullptr));
	if (!node)
		return;
	g_autoptr(WpSpaPodBuilder) builder =
		wp_spa_pod_builder_new_object("Spa:Pod:Object:Param:Props", "Props");
	wp_spa_pod_builder_add(builder, "channelVolumes", "a", sizeof(float), SPA_TYPE_Float,
			       static_cast<guint>(volumes.size()), volumes.data(), "mute", "b",
			       mute, nullptr);
	wp_pipewire_object_set_param(WP_PIPEWIRE_OBJECT(node), "Props", 0,
				     wp_spa_pod_builder_end(builder));
}

void CabinModule::prepareFloors(const std::map<std::string, ZoneArbiter::FloorRequest> &floors)
{
	/* Emergencies that ended: the user's settings come back. */
	for (auto it = floorOverrides_.begin(); it != floorOverrides_.end();) {
		if (floors.contains(it->first)) {
			++it;
			continue;
		}
		if (it->second.applied)
			setNodeVolume(it->second.device, it->second.mute, it->second.volumes);
		wp_info_object(plugin_,
			       "zone %s: emergency over; device %u back to the user's volume",
			       it->first.c_str(), it->second.device);
		arbiter_.setZoneFactor(it->first, 1.0f);
		arbiter_.setFloorPending(it->first, false);
		it = floorOverrides_.erase(it);
	}
	for (const auto &[zone, request] : floors) {
		if (floorOverrides_.contains(zone))
			continue;
		std::optional<std::uint32_t> device = model_.bestDevice(zone, Direction::Playback);
		g_autoptr(WpNode) node =
			device ? static_cast<WpNode *>(wp_object_manager_lookup(
					 nodes_, WP_TYPE_NODE, WP_CONSTRAINT_TYPE_G_PROPERTY,
					 "bound-id", "=u", *device, nullptr))
			       : nullptr;
		FloorOverride override;
		if (!node || !readVolume(node, override.mute, override.volumes))
			continue;
		float level = override.mute ? 0.0f
					    : *std::max_element(override.volumes.begin(),
								override.volumes.end());
		if (level >= request.floor)
			continue;
		override.device = *device;
		override.floor = request.floor;
		/* The others stay where the user put them, relative to the raised device. */
		arbiter_.setZoneFactor(zone, level / request.floor);
		wp_info_object(plugin_,
			       "zone %s: device %u is at %.3f%s, below an emergency's floor %.3f; "
			       "raising it while the emergency plays",
			       zone.c_str(), *device, level, override.mute ? " (muted)" : "",
			       request.floor);
		floorOverrides_[zone] = std::move(override);
		/* The emergency waits until the raised device is heard, not only sent. */
		arbiter_.setFloorPending(zone, true);
	}
}

void CabinModule::applyFloors(const std::map<std::string, ZoneArbiter::FloorRequest> &floors)
{
	/* Once the others are down: the emergency starts when the raise is heard. */
	for (auto &[zone, override] : floorOverrides_) {
		auto request = floors.find(zone);
		if (override.applied || request == floors.end() || !request->second.released)
			continue;
		setNodeVolume(override.device, false,
			      std::vector<float>(override.volumes.size(), override.floor));
		override.applied = true;
		arbiter_.floorRaised(zone, g_get_monotonic_time());
	}
}

void CabinModule::confirmFloor(const NodeState &device, WpNode *proxy)
{
	for (auto &[zone, override] : floorOverrides_) {
		SavedVolume volume;
		if (override.device != device.id || !override.applied || override.confirmed ||
		    !readVolume(proxy, volume.mute, volume.channelVolumes) || volume.mute ||
		    *std::max_element(volume.channelVolumes.begin(), volume.channelVolumes.end()) <
			    override.floor - 1e-3f)
			continue;
		wp_info_object(plugin_,
			       "zone %s: device %u is raised to the emergency's floor; it starts "
			       "once that is heard",
			       zone.c_str(), device.id);
		override.confirmed = true;
		arbiter_.confirmFloor(zone, g_get_monotonic_time());
	}
}

namespace {

/* Louder than this (-60 dBFS) counts as sound. */
constexpr float kSoundThreshold = 0.001f;
/* A stream silent this long stops ducking; sound makes it duck again. */
constexpr std::int64_t kSilenceUsec = 500 * 1000;
constexpr guint kProbeIntervalMs = 100;

/* The clock g_get_monotonic_time() reads, without GLib on the data thread. */
std::int64_t monotonicUsec()
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return static_cast<std::int64_t>(now.tv_sec) * 1000000 + now.tv_nsec / 1000;
}

} // namespace

/*
 * \context data thread: no allocation, no locks, no logging. Finds the
 * buffer's peak and notes the time when it is above the threshold.
 */
void CabinModule::onProbeProcess(void *data)
{
	auto *probe = static_cast<LevelProbe *>(data);
	struct pw_buffer *buffer = pw_stream_dequeue_buffer(probe->pwStream);
	if (!buffer)
		return;
	const struct spa_data &plane = buffer->buffer->datas[0];
	if (plane.data && plane.chunk) {
		std::uint32_t offset = std::min(plane.chunk->offset, plane.maxsize);
		std::uint32_t size = std::min(plane.chunk->size, plane.maxsize - offset);
		const auto *samples = reinterpret_cast<const float *>(
			static_cast<const char *>(plane.data) + offset);
		float peak = 0.0f;
		for (std::uint32_t i = 0; i < size / sizeof(float); i++)
			peak = std::max(peak, std::fabs(samples[i]));
		if (peak > kSoundThreshold) {
			probe->lastSound.store(monotonicUsec(), std::memory_order_relaxed);
			probe->heard.store(true, std::memory_order_relaxed);
		}
	}
	pw_stream_queue_buffer(probe->pwStream, buffer);
}

CabinModule::LevelProbe::~LevelProbe()
{
	if (!pwStream)
		return;
	spa_hook_remove(&listener);
	pw_stream_destroy(pwStream);
}

/*
 * The probes' own connection, made on first use. Not WirePlumber's: the
 * daemon serves one connection's requests in order, and WirePlumber asks
 * for the params of every node, so a probe node it owned on that same
 * connection would have to answer a request queued behind the asking one.
 */
struct pw_core *CabinModule::levelProbeCore()
{
	if (probeCore_)
		return probeCore_;
	struct pw_core *wpCore = wp_core_get_pw_core(core_);
	if (!wpCore)
		return nullptr;
	const struct pw_properties *wpProps = pw_core_get_properties(wpCore);
	struct pw_properties *props = pw_properties_new(nullptr, nullptr);
	for (const char *key : {PW_KEY_REMOTE_NAME, PW_KEY_REMOTE_INTENTION})
		if (const char *value = pw_properties_get(wpProps, key))
			pw_properties_set(props, key, value);
	probeCore_ = pw_context_connect(wp_core_get_pw_context(core_), props, 0);
	if (!probeCore_)
		wp_warning_object(plugin_, "cannot connect for the level probes: %s",
				  g_strerror(errno));
	return probeCore_;
}

std::unique_ptr<CabinModule::LevelProbe> CabinModule::createLevelProbe(const NodeState &stream)
{
	static const struct pw_stream_events kEvents = {
		.version = PW_VERSION_STREAM_EVENTS,
		.process = onProbeProcess,
	};
	struct pw_core *core = levelProbeCore();
	if (!core)
		return nullptr;
	const std::string id = std::to_string(stream.id);
	/* Passive and asynchronous: it never keeps the graph up or makes it wait. */
	struct pw_properties *props = pw_properties_new(
		PW_KEY_MEDIA_TYPE, "Audio", PW_KEY_MEDIA_CATEGORY, "Capture", PW_KEY_MEDIA_CLASS,
		"Stream/Input/Audio", PW_KEY_NODE_PASSIVE, "true", "node.async", "true",
		PW_KEY_NODE_DESCRIPTION, "Cabin level probe", kNodeSeatProperty,
		stream.seat.c_str(), kNodeTargetStreamProperty, id.c_str(), kNodeProbeProperty,
		id.c_str(), nullptr);
	pw_properties_set(props, PW_KEY_NODE_NAME, ("cabin.probe." + id).c_str());
	auto probe = std::make_unique<LevelProbe>();
	probe->lastSound.store(g_get_monotonic_time());
	probe->pwStream = pw_stream_new(core, "cabin level probe", props);
	if (!probe->pwStream)
		return nullptr;
	pw_stream_add_listener(probe->pwStream, &probe->listener, &kEvents, probe.get());
	std::uint8_t buffer[512];
	struct spa_pod_builder builder = SPA_POD_BUILDER_INIT(buffer, sizeof(buffer));
	struct spa_audio_info_raw info = {};
	info.format = SPA_AUDIO_FORMAT_F32;
	const struct spa_pod *params[] = {
		spa_format_audio_raw_build(&builder, SPA_PARAM_EnumFormat, &info)};
	if (pw_stream_connect(probe->pwStream, PW_DIRECTION_INPUT, PW_ID_ANY,
			      static_cast<pw_stream_flags>(PW_STREAM_FLAG_AUTOCONNECT |
							   PW_STREAM_FLAG_MAP_BUFFERS |
							   PW_STREAM_FLAG_RT_PROCESS),
			      params, 1) < 0) {
		wp_warning_object(plugin_, "stream %u: cannot connect a level probe", stream.id);
		return nullptr;
	}
	wp_debug_object(plugin_, "stream %u: level probe connected", stream.id);
	return probe;
}

void CabinModule::syncLevelProbes()
{
	for (std::uint32_t id : probeCandidates_) {
		const NodeState *node = model_.node(id);
		if (probes_.contains(id) || !node || !arbiter_.released(id))
			continue;
		if (std::unique_ptr<LevelProbe> probe = createLevelProbe(*node))
			probes_[id] = std::move(probe);
	}
	if (probes_.empty() || probeTimer_)
		return;
	probeTimer_ = g_timeout_source_new(kProbeIntervalMs);
	g_source_set_callback(probeTimer_, onProbeTimer, this, nullptr);
	g_autoptr(GMainContext) context = wp_core_get_g_main_context(core_);
	g_source_attach(probeTimer_, context);
}

gboolean CabinModule::onProbeTimer(gpointer self)
{
	auto *module = static_cast<CabinModule *>(self);
	if (module->probes_.empty()) {
		g_clear_pointer(&module->probeTimer_, g_source_unref);
		return G_SOURCE_REMOVE;
	}
	std::int64_t now = g_get_monotonic_time();
	bool changed = false;
	for (auto &[id, probe] : module->probes_) {
		bool silent = now - probe->lastSound.load(std::memory_order_relaxed) > kSilenceUsec;
		if (silent == probe->silent)
			continue;
		probe->silent = silent;
		module->arbiter_.setSilent(id, silent);
		wp_info_object(module->plugin_, "stream %u: %s", id,
			       silent ? "silent; it ducks nothing while so" : "makes sound again");
		changed = true;
	}
	if (changed)
		module->commit();
	return G_SOURCE_CONTINUE;
}

void CabinModule::arbitrate()
{
	prepareFloors(arbiter_.floors(g_get_monotonic_time()));
	for (const GainCommand &command : arbiter_.update(g_get_monotonic_time()))
		sendGain(command);
	applyFloors(arbiter_.floors(g_get_monotonic_time()));
	syncLevelProbes();
	/* Held streams released and corks set or lifted take effect through linking. */
	if (arbiter_.generation() != arbiterGeneration_) {
		arbiterGeneration_ = arbiter_.generation();
		scheduleRescan();
	}
	if (arbiterTimer_) {
		g_source_destroy(arbiterTimer_);
		g_clear_pointer(&arbiterTimer_, g_source_unref);
	}
	if (std::optional<std::int64_t> deadline = arbiter_.nextDeadline()) {
		std::int64_t wait = std::max<std::int64_t>(0, *deadline - g_get_monotonic_time());
		arbiterTimer_ = g_timeout_source_new(static_cast<guint>((wait + 999) / 1000));
		g_source_set_callback(arbiterTimer_, onArbiterDeadline, this, nullptr);
		g_autoptr(GMainContext) context = wp_core_get_g_main_context(core_);
		g_source_attach(arbiterTimer_, context);
	}
}

bool CabinModule::mayPlay(std::uint32_t streamId)
{
	if (!arbiter_.contains(streamId))
		return true;
	arbitrate();
	return arbiter_.mayPlay(streamId);
}

void CabinModule::loadVolumes()
{
	volumeState_ = wp_state_new(kVolumeStateName);
	for (const std::string &message : volumes_.load(loadStateEntries(volumeState_)))
		wp_warning_object(plugin_, "%s (in %s)", message.c_str(),
				  wp_state_get_location(volumeState_));
}

void CabinModule::followVolume(WpNode *proxy, const NodeState &node)
{
	std::optional<std::string> key = volumes_.keyOf(node);
	SavedVolume volume;
	if (!key || !readVolume(proxy, volume.mute, volume.channelVolumes))
		return;
	auto [seen, first] = seenVolumes_.try_emplace(node.id, SeenVolume{volume, 0});
	if (first) {
		std::optional<SavedVolume> saved = volumes_.recall(*key);
		std::optional<SavedVolume> fitted =
			saved && restoreOnFirstVolume_.erase(node.id)
				? fitChannels(*saved, volume.channelVolumes.size())
				: std::nullopt;
		if (!fitted || *fitted == volume)
			return;
		wp_info_object(plugin_, "node %u '%s': volume %s as remembered for %s", node.id,
			       node.name.c_str(), fitted->toJson().c_str(), key->c_str());
		seen->second = {*fitted, g_get_monotonic_time() + kRestoreEchoUsec};
		setNodeVolume(node.id, fitted->mute, fitted->channelVolumes);
		return;
	}
	if (volume == seen->second.volume) {
		seen->second.restoring = 0;
		return;
	}
	/* Echoes from before a restore took effect are not the user's. */
	if (g_get_monotonic_time() < seen->second.restoring)
		return;
	seen->second = {volume, 0};
	/* A device raised to an emergency's floor is not at the user's volume. */
	for (const auto &[zone, override] : floorOverrides_)
		if (override.device == node.id)
			return;
	if (!volumes_.remember(*key, volume))
		return;
	wp_debug_object(plugin_, "node %u: remembering %s for %s", node.id, volume.toJson().c_str(),
			key->c_str());
	g_autoptr(WpProperties) props = stateProperties(volumes_.entries());
	wp_state_save_after_timeout(volumeState_, core_, props);
}

void CabinModule::loadBluetoothBindings()
{
	model_.setBluetoothSeatLookup(
		[this](std::string_view address) { return bluetooth_.seatOf(address); });
	bluetoothState_ = wp_state_new(kBluetoothStateName);
	for (const std::string &message : bluetooth_.load(loadStateEntries(bluetoothState_)))
		wp_warning_object(plugin_, "%s (in %s)", message.c_str(),
				  wp_state_get_location(bluetoothState_));
	bluetoothBindingsApplied_ = bluetooth_.bindingsGeneration();
}

void CabinModule::syncBluetooth()
{
	bluetooth_.dropClaimsOnAbsentDevices();
	if (bluetooth_.bindingsGeneration() == bluetoothBindingsApplied_)
		return;
	bluetoothBindingsApplied_ = bluetooth_.bindingsGeneration();
	model_.reassignDevices();

	g_autoptr(WpProperties) props = stateProperties(bluetooth_.bindings());
	g_autoptr(GError) error = nullptr;
	/* Saved at once: a binding is rare, and must survive a crash right after. */
	if (!wp_state_save(bluetoothState_, props, &error))
		wp_warning_object(plugin_, "could not save the Bluetooth bindings in %s: %s",
				  wp_state_get_location(bluetoothState_), error->message);
}

StateExtras CabinModule::stateExtras() const
{
	StateExtras extras;
	extras.shares = &shares_;
	extras.node = [this](JsonWriter &json, const NodeState &node) {
		if (!arbiter_.contains(node.id))
			return;
		RoleVerdict verdict = arbiter_.verdict(node.id);
		json.key("role-class").value(arbiter_.role(node.id));
		json.key("action").value(toString(verdict.action));
		json.key("gain").raw(std::to_string(verdict.gain));
		if (!verdict.by.empty())
			json.key("by").value(verdict.by);
		if (!arbiter_.released(node.id))
			json.key("held").value(true);
		if (arbiter_.silent(node.id))
			json.key("silent").value(true);
	};
	extras.zone = [this](JsonWriter &json, const ZoneConfig &zone) {
		json.key("active-roles").beginArray();
		auto roles = arbiter_.activeRoles().find(zone.name);
		if (roles != arbiter_.activeRoles().end())
			for (const std::string &role : roles->second)
				json.value(role);
		json.endArray();
	};
	extras.sections = [this](JsonWriter &json, std::string_view onlySeat) {
		json.key("announcements").beginArray();
		announcements_.writeJson(json, onlySeat);
		json.endArray();
		json.key("bluetooth").beginArray();
		bluetooth_.writeJson(json, onlySeat);
		json.endArray();
		json.key("roles").beginArray();
		for (const RoleClass &role : roles_.config().roles) {
			json.beginObject();
			json.key("name").value(role.name);
			json.key("priority").value(role.priority);
			json.key("announcement").value(role.announcement);
			json.key("media-roles").beginArray();
			for (const std::string &mediaRole : role.mediaRoles)
				json.value(mediaRole);
			json.endArray();
			json.endObject();
		}
		json.endArray();
	};
	return extras;
}

/*
 * Where logind puts clients counts only for seats with a `logind-seat`;
 * without any, logind is never asked. Without logind's directories the
 * lookup finds nothing and nothing is watched. udev's view of cards (seat
 * tags, Cabin's shared marker) is read in any car: where nothing marks a
 * card, it changes nothing.
 */
void CabinModule::watchLogin()
{
	model_.setDeviceSeatLookup(
		[this](const Properties &props) { return login_.placeOfDevice(props); });
	g_autoptr(GMainContext) context = wp_core_get_g_main_context(core_);
	std::string error;
	if (login_.watchDevices(&error)) {
		GSource *watch = g_unix_fd_source_new(login_.deviceWatchFd(), G_IO_IN);
		g_source_set_callback(watch, G_SOURCE_FUNC(onDevicesChanged), this, nullptr);
		g_source_attach(watch, context);
		loginWatches_.push_back(watch);
	} else {
		wp_warning_object(plugin_,
				  "%s; a card udev moves is followed once its node is made again",
				  error.c_str());
	}

	const auto &seats = model_.config().seats;
	if (std::none_of(seats.begin(), seats.end(),
			 [](const SeatConfig &seat) { return !seat.logindSeat.empty(); }))
		return;
	model_.setLoginLookup(
		[this](std::uint32_t pid, std::uint32_t uid) { return login_.placeOf(pid, uid); });
	if (!login_.watch(&error)) {
		wp_warning_object(plugin_, "%s; a session that moves seats is not followed",
				  error.c_str());
		return;
	}
	for (int fd : login_.watchFds()) {
		GSource *watch = g_unix_fd_source_new(fd, G_IO_IN);
		g_source_set_callback(watch, G_SOURCE_FUNC(onLoginChanged), this, nullptr);
		g_source_attach(watch, context);
		loginWatches_.push_back(watch);
	}
}

/*
 * A session moved seats, became active or went to the background: every
 * client's seat is decided again. Grants go out first, then the links
 * follow: the stream is moved, never recreated, so the application does
 * not notice.
 */
gboolean CabinModule::onLoginChanged(gint, GIOCondition, gpointer self)
{
	auto *module = static_cast<CabinModule *>(self);
	module->login_.flush();
	std::vector<std::uint32_t> changed = module->model_.reassignClients();
	if (changed.empty())
		return G_SOURCE_CONTINUE;
	for (std::uint32_t id : changed) {
		const ClientState *client = module->model_.client(id);
		wp_info_object(module->plugin_, "client %u -> seat '%s' (%s) after a logind change",
			       id, client->seat.c_str(), toString(client->source));
	}
	module->access_.allChanged();
	if (module->ready_)
		module->publish();
	module->scheduleRescan();
	return G_SOURCE_CONTINUE;
}

/*
 * udev tagged a card for another seat, or marked it shared, while its node
 * exists: every device is placed again, and the links follow on publication.
 */
gboolean CabinModule::onDevicesChanged(gint, GIOCondition, gpointer self)
{
	auto *module = static_cast<CabinModule *>(self);
	if (!module->login_.takeDeviceChanges())
		return G_SOURCE_CONTINUE;
	wp_info_object(module->plugin_, "udev changed a sound device: placing devices again");
	module->model_.reassignDevices();
	module->commit();
	return G_SOURCE_CONTINUE;
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
