/* SPDX-License-Identifier: MIT */
/*
 * cabinctl: inspect Cabin's seats and zones on a running PipeWire graph.
 *
 * The libpipewire part only gathers input (nodes, links and the `cabin`
 * metadata) in two roundtrips; everything shown is built by status-report.
 */
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <pipewire/extensions/metadata.h>
#include <pipewire/pipewire.h>
#include <spa/utils/string.h>

#include "json.hpp"
#include "status-report.hpp"

namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

constexpr const char *kMetadataName = "cabin";
constexpr const char *kStateKey = "cabin.state";
constexpr std::string_view kSeatMetadataPrefix = "cabin.seat.";
/* Long enough for a loaded system, short enough for scripts not to hang. */
constexpr time_t kTimeoutSeconds = 5;

constexpr const char *kUsage =
	"Usage: cabinctl [--remote NAME] COMMAND [OPTIONS]\n"
	"\n"
	"Commands:\n"
	"  status [--json]      Show seats, zones, their devices and streams\n"
	"  help                 Show this help\n"
	"\n"
	"Options:\n"
	"  -r, --remote NAME    PipeWire remote to connect to\n"
	"                       (default: $PIPEWIRE_REMOTE, else pipewire-0)\n"
	"  -h, --help           Show this help\n";

/* What the graph holds, as far as `status` needs it. */
struct GraphSnapshot {
	std::map<std::uint32_t, std::string> nodeNames;
	std::map<std::uint32_t, cabin::StatusLink> links;
	std::optional<std::string> state;
};

class GraphReader
{
public:
	GraphReader() = default;
	~GraphReader();
	GraphReader(const GraphReader &) = delete;
	GraphReader &operator=(const GraphReader &) = delete;

	/* Fills \a snapshot; on failure prints why and returns false. */
	bool read(const char *remote, GraphSnapshot &snapshot);

private:
	enum class Phase { Registry, Metadata, Done };

	static void onGlobal(void *data, std::uint32_t id, std::uint32_t permissions,
			     const char *type, std::uint32_t version, const struct spa_dict *props);
	static void onGlobalRemove(void *data, std::uint32_t id);
	static void onCoreDone(void *data, std::uint32_t id, int seq);
	static void onCoreError(void *data, std::uint32_t id, int seq, int res,
				const char *message);
	static int onMetadataProperty(void *data, std::uint32_t subject, const char *key,
				      const char *type, const char *value);
	static void onTimeout(void *data, std::uint64_t expirations);

	void fail(std::string message);
	void finish();

	static const struct pw_registry_events kRegistryEvents;
	static const struct pw_core_events kCoreEvents;
	static const struct pw_metadata_events kMetadataEvents;

	struct pw_main_loop *loop_ = nullptr;
	struct pw_context *context_ = nullptr;
	struct pw_core *core_ = nullptr;
	struct pw_registry *registry_ = nullptr;
	struct pw_metadata *metadata_ = nullptr;
	struct spa_source *timer_ = nullptr;
	struct spa_hook coreListener_ = {};
	struct spa_hook registryListener_ = {};
	struct spa_hook metadataListener_ = {};

	GraphSnapshot *snapshot_ = nullptr;
	std::optional<std::uint32_t> metadataId_;
	std::optional<std::uint32_t> seatMetadataId_;
	Phase phase_ = Phase::Registry;
	int pendingSeq_ = 0;
	std::string error_;
};

const struct pw_registry_events GraphReader::kRegistryEvents = {
	.version = PW_VERSION_REGISTRY_EVENTS,
	.global = onGlobal,
	.global_remove = onGlobalRemove,
};

const struct pw_core_events GraphReader::kCoreEvents = {
	.version = PW_VERSION_CORE_EVENTS,
	.done = onCoreDone,
	.error = onCoreError,
};

const struct pw_metadata_events GraphReader::kMetadataEvents = {
	.version = PW_VERSION_METADATA_EVENTS,
	.property = onMetadataProperty,
};

GraphReader::~GraphReader()
{
	if (metadata_) {
		spa_hook_remove(&metadataListener_);
		pw_proxy_destroy(reinterpret_cast<struct pw_proxy *>(metadata_));
	}
	if (registry_) {
		spa_hook_remove(&registryListener_);
		pw_proxy_destroy(reinterpret_cast<struct pw_proxy *>(registry_));
	}
	if (core_) {
		spa_hook_remove(&coreListener_);
		pw_core_disconnect(core_);
	}
	if (timer_)
		pw_loop_destroy_source(pw_main_loop_get_loop(loop_), timer_);
	if (context_)
		pw_context_destroy(context_);
	if (loop_)
		pw_main_loop_destroy(loop_);
}

bool GraphReader::read(const char *remote, GraphSnapshot &snapshot)
{
	snapshot_ = &snapshot;

	loop_ = pw_main_loop_new(nullptr);
	if (!loop_) {
		std::fprintf(stderr, "cabinctl: cannot create main loop: %s\n",
			     std::strerror(errno));
		return false;
	}
	struct pw_loop *loop = pw_main_loop_get_loop(loop_);

	context_ = pw_context_new(loop, nullptr, 0);
	if (!context_) {
		std::fprintf(stderr, "cabinctl: cannot create PipeWire context: %s\n",
			     std::strerror(errno));
		return false;
	}

	/*
	 * Without a name libpipewire picks $PIPEWIRE_REMOTE or its default; it
	 * prefers that variable to remote.name, so --remote sets it too.
	 */
	if (remote)
		setenv("PIPEWIRE_REMOTE", remote, 1);
	struct pw_properties *props =
		remote ? pw_properties_new(PW_KEY_REMOTE_NAME, remote, nullptr) : nullptr;
	core_ = pw_context_connect(context_, props, 0);
	if (!core_) {
		int err = errno;
		const char *name = remote ? remote : std::getenv("PIPEWIRE_REMOTE");
		std::fprintf(
			stderr,
			"cabinctl: cannot connect to PipeWire%s%s%s: %s (is PipeWire running?)\n",
			name ? " remote '" : "", name ? name : "", name ? "'" : "",
			std::strerror(err));
		return false;
	}
	pw_core_add_listener(core_, &coreListener_, &kCoreEvents, this);

	registry_ = pw_core_get_registry(core_, PW_VERSION_REGISTRY, 0);
	pw_registry_add_listener(registry_, &registryListener_, &kRegistryEvents, this);
	pendingSeq_ = pw_core_sync(core_, PW_ID_CORE, 0);

	timer_ = pw_loop_add_timer(loop, onTimeout, this);
	struct timespec timeout = {kTimeoutSeconds, 0};
	pw_loop_update_timer(loop, timer_, &timeout, nullptr, false);

	pw_main_loop_run(loop_);

	if (!error_.empty()) {
		std::fprintf(stderr, "cabinctl: %s\n", error_.c_str());
		return false;
	}
	return true;
}

void GraphReader::onGlobal(void *data, std::uint32_t id, [[maybe_unused]] std::uint32_t permissions,
			   const char *type, [[maybe_unused]] std::uint32_t version,
			   const struct spa_dict *props)
{
	auto *self = static_cast<GraphReader *>(data);
	GraphSnapshot &snapshot = *self->snapshot_;

	if (spa_streq(type, PW_TYPE_INTERFACE_Node)) {
		const char *name = props ? spa_dict_lookup(props, PW_KEY_NODE_NAME) : nullptr;
		if (!name && props)
			name = spa_dict_lookup(props, PW_KEY_NODE_DESCRIPTION);
		snapshot.nodeNames[id] = name ? name : "";
	} else if (spa_streq(type, PW_TYPE_INTERFACE_Link)) {
		cabin::StatusLink link;
		if (props &&
		    spa_atou32(spa_dict_lookup(props, PW_KEY_LINK_OUTPUT_NODE), &link.outputNode,
			       10) &&
		    spa_atou32(spa_dict_lookup(props, PW_KEY_LINK_INPUT_NODE), &link.inputNode, 10))
			snapshot.links[id] = link;
	} else if (spa_streq(type, PW_TYPE_INTERFACE_Metadata) && props) {
		/*
		 * The whole car's state is for administrators; a seat's client
		 * sees only its own seat's metadata, and shows that.
		 */
		const char *name = spa_dict_lookup(props, PW_KEY_METADATA_NAME);
		if (spa_streq(name, kMetadataName))
			self->metadataId_ = id;
		else if (name && std::string_view(name).starts_with(kSeatMetadataPrefix) &&
			 !self->seatMetadataId_)
			self->seatMetadataId_ = id;
	}
}

void GraphReader::onGlobalRemove(void *data, std::uint32_t id)
{
	auto *self = static_cast<GraphReader *>(data);
	self->snapshot_->nodeNames.erase(id);
	self->snapshot_->links.erase(id);
}

void GraphReader::onCoreDone(void *data, std::uint32_t id, int seq)
{
	auto *self = static_cast<GraphReader *>(data);
	if (id != PW_ID_CORE || seq != self->pendingSeq_)
		return;

	switch (self->phase_) {
	case Phase::Registry:
		if (!self->metadataId_)
			self->metadataId_ = self->seatMetadataId_;
		if (!self->metadataId_) {
			self->fail(std::string("no \"") + kMetadataName +
				   "\" metadata found: is WirePlumber running with module-cabin "
				   "(api.cabin), and does this client have a seat?");
			return;
		}
		/* The server replays every property to a new listener; sync once more. */
		self->metadata_ = static_cast<struct pw_metadata *>(
			pw_registry_bind(self->registry_, *self->metadataId_,
					 PW_TYPE_INTERFACE_Metadata, PW_VERSION_METADATA, 0));
		if (!self->metadata_) {
			self->fail(std::string("cannot bind the \"") + kMetadataName +
				   "\" metadata: " + std::strerror(errno));
			return;
		}
		pw_metadata_add_listener(self->metadata_, &self->metadataListener_,
					 &kMetadataEvents, self);
		self->phase_ = Phase::Metadata;
		self->pendingSeq_ = pw_core_sync(self->core_, PW_ID_CORE, self->pendingSeq_);
		break;
	case Phase::Metadata:
		if (!self->snapshot_->state) {
			self->fail(std::string("the \"") + kMetadataName + "\" metadata has no " +
				   kStateKey + " yet");
			return;
		}
		self->finish();
		break;
	case Phase::Done:
		break;
	}
}

void GraphReader::onCoreError(void *data, std::uint32_t id, [[maybe_unused]] int seq, int res,
			      const char *message)
{
	auto *self = static_cast<GraphReader *>(data);
	/* Errors on other objects (a vanished link, say) do not spoil the report. */
	if (id != PW_ID_CORE &&
	    !(self->metadata_ &&
	      id == pw_proxy_get_id(reinterpret_cast<struct pw_proxy *>(self->metadata_))))
		return;
	std::string text = message ? message : "";
	if (res == -EPIPE)
		text = "lost connection to PipeWire";
	else if (res < 0)
		text += (text.empty() ? "" : ": ") + std::string(std::strerror(-res));
	self->fail("PipeWire error: " + text);
}

int GraphReader::onMetadataProperty(void *data, std::uint32_t subject, const char *key,
				    [[maybe_unused]] const char *type, const char *value)
{
	auto *self = static_cast<GraphReader *>(data);
	if (subject != PW_ID_CORE)
		return 0;
	/* A null key clears the whole subject, a null value the key. */
	if (!key || spa_streq(key, kStateKey)) {
		if (key && value)
			self->snapshot_->state = value;
		else
			self->snapshot_->state.reset();
	}
	return 0;
}

void GraphReader::onTimeout(void *data, [[maybe_unused]] std::uint64_t expirations)
{
	auto *self = static_cast<GraphReader *>(data);
	self->fail("timed out after " + std::to_string(kTimeoutSeconds) +
		   " s waiting for PipeWire");
}

void GraphReader::fail(std::string message)
{
	if (error_.empty())
		error_ = std::move(message);
	finish();
}

void GraphReader::finish()
{
	phase_ = Phase::Done;
	pw_main_loop_quit(loop_);
}

int usageError(const std::string &message)
{
	std::fprintf(stderr, "cabinctl: %s\n\n%s", message.c_str(), kUsage);
	return kExitUsage;
}

int runStatus(const char *remote, bool json)
{
	GraphSnapshot snapshot;
	{
		GraphReader reader;
		if (!reader.read(remote, snapshot))
			return kExitFailure;
	}

	std::string error;
	std::optional<cabin::JsonValue> state = cabin::JsonValue::parse(*snapshot.state, &error);
	if (!state || !state->isObject()) {
		std::fprintf(stderr, "cabinctl: cannot parse %s: %s\n", kStateKey,
			     state ? "not a JSON object" : error.c_str());
		return kExitFailure;
	}
	std::optional<std::int64_t> version;
	if (const cabin::JsonValue *member = state->find("version"))
		version = member->toInt();
	if (version != 1)
		std::fprintf(stderr,
			     "cabinctl: warning: %s version %s is not 1; output may be "
			     "incomplete\n",
			     kStateKey, version ? std::to_string(*version).c_str() : "(missing)");

	std::vector<cabin::StatusLink> links;
	for (const auto &[id, link] : snapshot.links)
		links.push_back(link);
	cabin::StatusReport report = cabin::buildStatusReport(*state, links, snapshot.nodeNames);

	std::string out =
		json ? cabin::formatStatusJson(report) + "\n" : cabin::formatStatusText(report);
	std::fwrite(out.data(), 1, out.size(), stdout);
	if (std::fflush(stdout) != 0) {
		std::fprintf(stderr, "cabinctl: cannot write output: %s\n", std::strerror(errno));
		return kExitFailure;
	}
	return kExitOk;
}

} // namespace

int main(int argc, char *argv[])
{
	const char *remote = nullptr;
	std::string command;
	bool json = false;

	for (int i = 1; i < argc; i++) {
		std::string_view arg = argv[i];
		if (arg == "-h" || arg == "--help") {
			std::fputs(kUsage, stdout);
			return kExitOk;
		} else if (arg == "-r" || arg == "--remote") {
			if (i + 1 >= argc)
				return usageError("option '" + std::string(arg) +
						  "' needs a value");
			remote = argv[++i];
		} else if (arg.starts_with("--remote=")) {
			remote = argv[i] + std::strlen("--remote=");
		} else if (command == "status" && arg == "--json") {
			json = true;
		} else if (arg.starts_with("-") && arg != "-") {
			return usageError("unknown option '" + std::string(arg) + "'");
		} else if (command.empty()) {
			command = arg;
			if (command != "status" && command != "help")
				return usageError("unknown command '" + command + "'");
		} else {
			return usageError("unexpected argument '" + std::string(arg) + "'");
		}
	}

	if (command.empty())
		return usageError("no command given");
	if (command == "help") {
		std::fputs(kUsage, stdout);
		return kExitOk;
	}

	pw_init(&argc, &argv);
	int ret = runStatus(remote, json);
	pw_deinit();
	return ret;
}
