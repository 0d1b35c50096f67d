/* SPDX-License-Identifier: MIT */
/*
 * module-cabin: the WirePlumber entry point and GObject shim. Everything
 * here only forwards to cabin::CabinModule; the API that Lua scripts use is
 * the action signals below (docs/module-cabin.md).
 *
 * \context main thread
 */
#include <memory>
#include <new>
#include <string>
#include <vector>

#include <wp/wp.h>

#include "cabin-module.hpp"

WP_DEFINE_LOCAL_LOG_TOPIC("m-cabin")

G_BEGIN_DECLS
#define CABIN_TYPE_PLUGIN (cabin_plugin_get_type())
G_DECLARE_FINAL_TYPE(CabinPlugin, cabin_plugin, CABIN, PLUGIN, WpPlugin)
G_END_DECLS

struct _CabinPlugin {
	WpPlugin parent;
	/* Handed to the module on first enable. */
	cabin::CabinConfig *config;
	cabin::RolePolicyConfig *roles;
	cabin::CabinModule *module;
};

G_DEFINE_TYPE(CabinPlugin, cabin_plugin, WP_TYPE_PLUGIN)

namespace {

/* The model's entry for \a nodeId, or nullptr (noting the query when the node is unknown). */
const cabin::NodeState *findNode(CabinPlugin *self, guint nodeId)
{
	if (!self->module)
		return nullptr;
	const cabin::NodeState *node = self->module->model().node(nodeId);
	if (!node)
		self->module->noteUnknownNode(nodeId);
	return node;
}

void cabin_plugin_enable(WpPlugin *plugin, WpTransition *transition)
{
	auto *self = CABIN_PLUGIN(plugin);
	g_autoptr(WpCore) core = wp_object_get_core(WP_OBJECT(plugin));
	if (!self->module) {
		self->module = new (std::nothrow) cabin::CabinModule(
			core, plugin, std::move(*self->config), std::move(*self->roles));
		delete self->config;
		self->config = nullptr;
		delete self->roles;
		self->roles = nullptr;
	}
	if (!self->module) {
		wp_transition_return_error(transition,
					   g_error_new(WP_DOMAIN_LIBRARY,
						       WP_LIBRARY_ERROR_OPERATION_FAILED,
						       "out of memory"));
		return;
	}
	self->module->enable(transition);
}

void cabin_plugin_disable(WpPlugin *plugin)
{
	if (cabin::CabinModule *module = CABIN_PLUGIN(plugin)->module)
		module->disable();
}

void cabin_plugin_finalize(GObject *object)
{
	auto *self = CABIN_PLUGIN(object);
	delete self->module;
	delete self->config;
	delete self->roles;
	G_OBJECT_CLASS(cabin_plugin_parent_class)->finalize(object);
}

/* select-target(stream id) -> device id, or 0 when the seat has no device present. */
guint selectTarget(CabinPlugin *self, guint streamId)
{
	if (!self->module)
		return 0;
	return self->module->selectTarget(streamId).value_or(0);
}

/*
 * may-play(stream id) -> whether the role policy lets the stream be linked
 * now; false while it waits for the streams it ducks, or while corked.
 */
gboolean mayPlay(CabinPlugin *self, guint streamId)
{
	return !self->module || self->module->mayPlay(streamId);
}

/* may-target(stream id, target id) -> whether the stream's seat may be linked there. */
gboolean mayTarget(CabinPlugin *self, guint streamId, guint targetId)
{
	return self->module && self->module->model().mayTarget(streamId, targetId);
}

/* get-seat(node id) -> seat name, "" for nodes of no seat, NULL for unknown nodes. */
gchar *getSeat(CabinPlugin *self, guint nodeId)
{
	const cabin::NodeState *node = findNode(self, nodeId);
	return node ? g_strdup(node->seat.c_str()) : nullptr;
}

/* get-zone(node id) -> zone name, "" for nodes in no zone, NULL for unknown nodes. */
gchar *getZone(CabinPlugin *self, guint nodeId)
{
	const cabin::NodeState *node = findNode(self, nodeId);
	return node ? g_strdup(node->zone.c_str()) : nullptr;
}

/*
 * get-identity(node id) -> how the seat of the node's client was decided:
 * "socket", "uid", "default", "none" or "session-manager"; NULL for unknown nodes.
 */
gchar *getIdentity(CabinPlugin *self, guint nodeId)
{
	const cabin::NodeState *node = findNode(self, nodeId);
	if (!node)
		return nullptr;
	const cabin::ClientState *client =
		node->clientId ? self->module->model().client(*node->clientId) : nullptr;
	return g_strdup(client ? cabin::toString(client->source) : "none");
}

/* get-state() -> the whole state as JSON (docs/module-cabin.md). */
gchar *getState(CabinPlugin *self)
{
	return self->module ? g_strdup(self->module->stateJson().c_str()) : nullptr;
}

} // namespace

static void cabin_plugin_init(CabinPlugin *)
{
}

static void cabin_plugin_class_init(CabinPluginClass *klass)
{
	GObjectClass *objectClass = G_OBJECT_CLASS(klass);
	WpPluginClass *pluginClass = WP_PLUGIN_CLASS(klass);
	objectClass->finalize = cabin_plugin_finalize;
	pluginClass->enable = cabin_plugin_enable;
	pluginClass->disable = cabin_plugin_disable;

	auto flags = static_cast<GSignalFlags>(G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION);
	GType type = G_TYPE_FROM_CLASS(klass);
	g_signal_new_class_handler("select-target", type, flags, G_CALLBACK(selectTarget), nullptr,
				   nullptr, nullptr, G_TYPE_UINT, 1, G_TYPE_UINT);
	g_signal_new_class_handler("may-play", type, flags, G_CALLBACK(mayPlay), nullptr, nullptr,
				   nullptr, G_TYPE_BOOLEAN, 1, G_TYPE_UINT);
	g_signal_new_class_handler("may-target", type, flags, G_CALLBACK(mayTarget), nullptr,
				   nullptr, nullptr, G_TYPE_BOOLEAN, 2, G_TYPE_UINT, G_TYPE_UINT);
	g_signal_new_class_handler("get-seat", type, flags, G_CALLBACK(getSeat), nullptr, nullptr,
				   nullptr, G_TYPE_STRING, 1, G_TYPE_UINT);
	g_signal_new_class_handler("get-zone", type, flags, G_CALLBACK(getZone), nullptr, nullptr,
				   nullptr, G_TYPE_STRING, 1, G_TYPE_UINT);
	g_signal_new_class_handler("get-identity", type, flags, G_CALLBACK(getIdentity), nullptr,
				   nullptr, nullptr, G_TYPE_STRING, 1, G_TYPE_UINT);
	g_signal_new_class_handler("get-state", type, flags, G_CALLBACK(getState), nullptr, nullptr,
				   nullptr, G_TYPE_STRING, 0);
}

namespace {

std::string sectionText(WpConf *conf, const char *name)
{
	if (!conf)
		return {};
	g_autoptr(WpSpaJson) section = wp_conf_get_section(conf, name);
	if (!section)
		return {};
	return std::string(wp_spa_json_get_data(section), wp_spa_json_get_size(section));
}

} // namespace

namespace {

/* The fragments WirePlumber read its configuration from, as it finds them. */
std::vector<cabin::ConfigFile> configFragments(WpConf *conf)
{
	std::vector<cabin::ConfigFile> files;
	if (!conf)
		return files;
	g_autofree gchar *dir = g_strdup_printf("%s.d", wp_conf_get_name(conf));
	g_autoptr(WpIterator) it =
		wp_base_dirs_new_files_iterator(WP_BASE_DIRS_CONFIGURATION, dir, ".conf");
	g_auto(GValue) item = G_VALUE_INIT;
	for (; it && wp_iterator_next(it, &item); g_value_unset(&item)) {
		const gchar *path = g_value_get_string(&item);
		g_autofree gchar *text = nullptr;
		gsize length = 0;
		if (g_file_get_contents(path, &text, &length, nullptr))
			files.push_back({path, std::string(text, length)});
	}
	return files;
}

/*
 * Config errors, as the state shows them: the sections' own, the role
 * policy's, and fragments WirePlumber could not read, which otherwise
 * would only leave a section missing.
 */
void addConfigErrors(WpConf *conf, cabin::CabinConfig &config, const cabin::RolePolicyConfig &roles)
{
	for (const char *section : {"cabin.seats", "cabin.zones"})
		if (sectionText(conf, section).empty())
			config.errors.push_back(std::string(section) +
						": not in WirePlumber's configuration; every "
						"stream stays unlinked");
	config.errors.insert(config.errors.end(), roles.errors.begin(), roles.errors.end());
	for (std::string &message : cabin::checkConfigFragments(
		     configFragments(conf),
		     {"cabin.seats", "cabin.zones", "cabin.roles", "cabin.role-rules"}))
		config.errors.push_back(std::move(message));
	cabin::capErrors(config.errors);
}

GObject *createPlugin(WpCore *core)
{
	g_autoptr(WpConf) conf = wp_core_get_conf(core);
	auto config = std::make_unique<cabin::CabinConfig>(cabin::parseCabinConfig(
		sectionText(conf, "cabin.seats"), sectionText(conf, "cabin.zones")));
	auto roles = std::make_unique<cabin::RolePolicyConfig>(cabin::parseRolePolicy(
		sectionText(conf, "cabin.roles"), sectionText(conf, "cabin.role-rules")));
	addConfigErrors(conf, *config, *roles);
	if (config->seats.empty())
		wp_warning("cabin.seats defines no seat: every stream stays unlinked");
	auto *plugin = static_cast<CabinPlugin *>(
		g_object_new(CABIN_TYPE_PLUGIN, "name", "cabin", "core", core, nullptr));
	plugin->config = config.release();
	plugin->roles = roles.release();
	return G_OBJECT(plugin);
}

} // namespace

extern "C" WP_PLUGIN_EXPORT GObject *wireplumber__module_init(WpCore *core, WpSpaJson *args,
							      GError **error) noexcept;

extern "C" GObject *wireplumber__module_init(WpCore *core, WpSpaJson *, GError **error) noexcept
{
	/* No exception may cross into WirePlumber's C code. */
	try {
		return createPlugin(core);
	} catch (const std::exception &e) {
		g_set_error(error, WP_DOMAIN_LIBRARY, WP_LIBRARY_ERROR_OPERATION_FAILED,
			    "module-cabin: %s", e.what());
	}
	return nullptr;
}
