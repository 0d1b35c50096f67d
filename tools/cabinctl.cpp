/* SPDX-License-Identifier: MIT */
/*
 * cabinctl: inspect Cabin's seats and zones on a running PipeWire graph, and
 * share playback streams between seats (docs/sharing.md).
 *
 * The libpipewire part only gathers input (nodes, links, metadata
 * properties) and writes requests; what is shown, and the requests and
 * replies themselves, are built by status-report.
 */
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unistd.h>
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
constexpr const char *kRequestKey = "cabin.request";
constexpr const char *kReplyKey = "cabin.reply";
constexpr const char *kJsonType = "Spa:String:JSON";
constexpr std::string_view kSeatMetadataPrefix = "cabin.seat.";
/* Long enough for a loaded system, short enough for scripts not to hang. */
constexpr time_t kTimeoutSeconds = 5;

constexpr const char *kUsage =
	"Usage: cabinctl [--remote NAME] [--seat NAME] COMMAND [ARGUMENTS] [OPTIONS]\n"
	"\n"
	"Commands:\n"
	"  status [--json]       Show seats, zones, their devices, streams and shares\n"
	"  share STREAM-ID TO    Offer playback stream STREAM-ID to seat or zone TO\n"
	"  offers [--json]       List the shares this seat is offered or has accepted\n"
	"  accept SHARE-ID       Accept a share offered to this seat\n"
	"  decline SHARE-ID      Decline a share offered to this seat\n"
	"  stop SHARE-ID         Stop a share this seat offered or receives\n"
	"  help                  Show this help\n"
	"\n"
	"Options:\n"
	"  -r, --remote NAME     PipeWire remote to connect to\n"
	"                        (default: $PIPEWIRE_REMOTE, else pipewire-0)\n"
	"  -s, --seat NAME       Seat to act as, or whose view status shows\n"
	"                        (default: the one seat this client sees)\n"
	"  -h, --help            Show this help\n";

/* What the registry lists, as far as cabinctl needs it. */
struct Globals {
	std::map<std::uint32_t, std::string> nodeNames;
	std::map<std::uint32_t, cabin::StatusLink> links;
	/* metadata.name of each metadata object, by id: registry order. */
	std::map<std::uint32_t, std::string> metadata;
};

/*
 * One connection to PipeWire, its registry, and one deadline for the whole
 * command. The waits return false, with error() set, on a PipeWire error, a
 * lost connection or the deadline.
 */
class Connection
{
public:
	Connection() = default;
	~Connection();
	Connection(const Connection &) = delete;
	Connection &operator=(const Connection &) = delete;

	/* Connects to \a remote (null: libpipewire's default) and lists the registry. */
	bool connect(const char *remote);
	/* Waits until the server has handled all we sent, and we all it sent before. */
	bool roundtrip();
	/* Runs the loop until \a done holds; \a what is awaited, for the timeout message. */
	bool waitFor(const std::function<bool()> &done, std::string_view what);
	/* Makes the current wait check its condition again. */
	void wake();
	/* Records the first error; every wait fails from then on. */
	void fail(std::string message, int res = 0);
	/* Errors on \a proxy (described as \a what) end the command; other objects' do not. */
	void watchErrors(struct pw_proxy *proxy, std::string what);

	struct pw_registry *registry() const { return registry_; }
	/* Our own client object's id, known once connected. */
	std::uint32_t clientId() const
	{
		return pw_proxy_get_bound_id(
			reinterpret_cast<struct pw_proxy *>(pw_core_get_client(core_)));
	}
	const Globals &globals() const { return globals_; }
	std::optional<std::uint32_t> findMetadata(std::string_view name) const;
	const std::string &error() const { return error_; }
	/* The negative errno PipeWire gave with the error, or 0. */
	int errorCode() const { return errorCode_; }

private:
	static void onGlobal(void *data, std::uint32_t id, std::uint32_t permissions,
			     const char *type, std::uint32_t version, const struct spa_dict *props);
	static void onGlobalRemove(void *data, std::uint32_t id);
	static void onCoreDone(void *data, std::uint32_t id, int seq);
	static void onCoreError(void *data, std::uint32_t id, int seq, int res,
				const char *message);
	static void onTimeout(void *data, std::uint64_t expirations);

	static const struct pw_registry_events kRegistryEvents;
	static const struct pw_core_events kCoreEvents;

	struct pw_main_loop *loop_ = nullptr;
	struct pw_context *context_ = nullptr;
	struct pw_core *core_ = nullptr;
	struct pw_registry *registry_ = nullptr;
	struct spa_source *timer_ = nullptr;
	struct spa_hook coreListener_ = {};
	struct spa_hook registryListener_ = {};

	Globals globals_;
	std::map<std::uint32_t, std::string> watched_;
	int pendingSeq_ = 0;
	bool synced_ = false;
	bool timedOut_ = false;
	std::string error_;
	int errorCode_ = 0;
};

const struct pw_registry_events Connection::kRegistryEvents = {
	.version = PW_VERSION_REGISTRY_EVENTS,
	.global = onGlobal,
	.global_remove = onGlobalRemove,
};

const struct pw_core_events Connection::kCoreEvents = {
	.version = PW_VERSION_CORE_EVENTS,
	.done = onCoreDone,
	.error = onCoreError,
};

Connection::~Connection()
{
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

bool Connection::connect(const char *remote)
{
	loop_ = pw_main_loop_new(nullptr);
	if (!loop_) {
		fail(std::string("cannot create main loop: ") + std::strerror(errno));
		return false;
	}
	struct pw_loop *loop = pw_main_loop_get_loop(loop_);

	context_ = pw_context_new(loop, nullptr, 0);
	if (!context_) {
		fail(std::string("cannot create PipeWire context: ") + std::strerror(errno));
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
		fail(std::string("cannot connect to PipeWire") +
		     (name ? std::string(" remote '") + name + "'" : std::string()) + ": " +
		     std::strerror(err) + " (is PipeWire running?)");
		return false;
	}
	pw_core_add_listener(core_, &coreListener_, &kCoreEvents, this);

	registry_ = pw_core_get_registry(core_, PW_VERSION_REGISTRY, 0);
	pw_registry_add_listener(registry_, &registryListener_, &kRegistryEvents, this);

	timer_ = pw_loop_add_timer(loop, onTimeout, this);
	struct timespec timeout = {kTimeoutSeconds, 0};
	pw_loop_update_timer(loop, timer_, &timeout, nullptr, false);

	return roundtrip();
}

bool Connection::roundtrip()
{
	synced_ = false;
	pendingSeq_ = pw_core_sync(core_, PW_ID_CORE, pendingSeq_);
	return waitFor([this] { return synced_; }, "PipeWire");
}

bool Connection::waitFor(const std::function<bool()> &done, std::string_view what)
{
	for (;;) {
		if (!error_.empty())
			return false;
		if (done())
			return true;
		if (timedOut_) {
			fail("timed out after " + std::to_string(kTimeoutSeconds) +
			     " s waiting for " + std::string(what));
			return false;
		}
		pw_main_loop_run(loop_);
	}
}

void Connection::wake()
{
	if (loop_)
		pw_main_loop_quit(loop_);
}

void Connection::fail(std::string message, int res)
{
	if (error_.empty()) {
		error_ = std::move(message);
		errorCode_ = res;
	}
	wake();
}

void Connection::watchErrors(struct pw_proxy *proxy, std::string what)
{
	watched_[pw_proxy_get_id(proxy)] = std::move(what);
}

std::optional<std::uint32_t> Connection::findMetadata(std::string_view name) const
{
	for (const auto &[id, metadataName] : globals_.metadata)
		if (metadataName == name)
			return id;
	return std::nullopt;
}

void Connection::onGlobal(void *data, std::uint32_t id, [[maybe_unused]] std::uint32_t permissions,
			  const char *type, [[maybe_unused]] std::uint32_t version,
			  const struct spa_dict *props)
{
	auto *self = static_cast<Connection *>(data);
	Globals &globals = self->globals_;

	if (spa_streq(type, PW_TYPE_INTERFACE_Node)) {
		const char *name = props ? spa_dict_lookup(props, PW_KEY_NODE_NAME) : nullptr;
		if (!name && props)
			name = spa_dict_lookup(props, PW_KEY_NODE_DESCRIPTION);
		globals.nodeNames[id] = name ? name : "";
	} else if (spa_streq(type, PW_TYPE_INTERFACE_Link)) {
		cabin::StatusLink link;
		if (props &&
		    spa_atou32(spa_dict_lookup(props, PW_KEY_LINK_OUTPUT_NODE), &link.outputNode,
			       10) &&
		    spa_atou32(spa_dict_lookup(props, PW_KEY_LINK_INPUT_NODE), &link.inputNode, 10))
			globals.links[id] = link;
	} else if (spa_streq(type, PW_TYPE_INTERFACE_Metadata) && props) {
		if (const char *name = spa_dict_lookup(props, PW_KEY_METADATA_NAME))
			globals.metadata[id] = name;
	}
}

void Connection::onGlobalRemove(void *data, std::uint32_t id)
{
	auto *self = static_cast<Connection *>(data);
	self->globals_.nodeNames.erase(id);
	self->globals_.links.erase(id);
	/* A wait on a metadata object must notice that it went away. */
	if (self->globals_.metadata.erase(id))
		self->wake();
}

void Connection::onCoreDone(void *data, std::uint32_t id, int seq)
{
	auto *self = static_cast<Connection *>(data);
	if (id != PW_ID_CORE || seq != self->pendingSeq_)
		return;
	self->synced_ = true;
	self->wake();
}

void Connection::onCoreError(void *data, std::uint32_t id, [[maybe_unused]] int seq, int res,
			     const char *message)
{
	auto *self = static_cast<Connection *>(data);
	/* Errors on other objects (a vanished link, say) do not spoil the command. */
	auto watched = self->watched_.find(id);
	if (id != PW_ID_CORE && watched == self->watched_.end())
		return;

	std::string text = message ? message : "";
	if (res == -EPIPE) {
		text = "lost connection to PipeWire";
	} else if (res < 0) {
		/* PipeWire's messages often end with the errno text already. */
		std::string reason = std::strerror(-res);
		if (!text.ends_with(reason))
			text += (text.empty() ? "" : ": ") + reason;
	}
	if (id == PW_ID_CORE || res == -EPIPE)
		self->fail("PipeWire error: " + text, res);
	else
		self->fail("PipeWire error on " + watched->second + ": " + text, res);
}

void Connection::onTimeout(void *data, [[maybe_unused]] std::uint64_t expirations)
{
	auto *self = static_cast<Connection *>(data);
	self->timedOut_ = true;
	self->wake();
}

/* A bound metadata object and the properties of its subject 0. */
class MetadataProxy
{
public:
	/* One change of \a subject: a null \a key clears all, a null \a value the key. */
	using ChangeHandler =
		std::function<void(std::uint32_t subject, const char *key, const char *value)>;

	explicit MetadataProxy(Connection &connection) : connection_(connection) {}
	~MetadataProxy();
	MetadataProxy(const MetadataProxy &) = delete;
	MetadataProxy &operator=(const MetadataProxy &) = delete;

	/* Called for every change from now on, including the replay on bind(). */
	void setChangeHandler(ChangeHandler handler) { handler_ = std::move(handler); }

	/*
	 * Binds metadata \a id, named \a name, and waits until the server has
	 * replayed the properties it holds to the new listener.
	 */
	bool bind(std::uint32_t id, const std::string &name);
	std::optional<std::string> property(const std::string &key) const;
	/* Sets \a key on \a subject; a refusal comes back as an error event. */
	bool set(std::uint32_t subject, const char *key, const char *type, const char *value);

private:
	static int onProperty(void *data, std::uint32_t subject, const char *key, const char *type,
			      const char *value);

	static const struct pw_metadata_events kMetadataEvents;

	Connection &connection_;
	struct pw_metadata *metadata_ = nullptr;
	struct spa_hook listener_ = {};
	std::string name_;
	std::map<std::string, std::string> properties_;
	ChangeHandler handler_;
};

const struct pw_metadata_events MetadataProxy::kMetadataEvents = {
	.version = PW_VERSION_METADATA_EVENTS,
	.property = onProperty,
};

MetadataProxy::~MetadataProxy()
{
	if (metadata_) {
		spa_hook_remove(&listener_);
		pw_proxy_destroy(reinterpret_cast<struct pw_proxy *>(metadata_));
	}
}

bool MetadataProxy::bind(std::uint32_t id, const std::string &name)
{
	name_ = name;
	metadata_ = static_cast<struct pw_metadata *>(pw_registry_bind(
		connection_.registry(), id, PW_TYPE_INTERFACE_Metadata, PW_VERSION_METADATA, 0));
	if (!metadata_) {
		connection_.fail("cannot bind the \"" + name +
				 "\" metadata: " + std::strerror(errno));
		return false;
	}
	pw_metadata_add_listener(metadata_, &listener_, &kMetadataEvents, this);
	connection_.watchErrors(reinterpret_cast<struct pw_proxy *>(metadata_),
				"the \"" + name + "\" metadata");
	return connection_.roundtrip();
}

std::optional<std::string> MetadataProxy::property(const std::string &key) const
{
	auto it = properties_.find(key);
	if (it == properties_.end())
		return std::nullopt;
	return it->second;
}

bool MetadataProxy::set(std::uint32_t subject, const char *key, const char *type, const char *value)
{
	int res = pw_metadata_set_property(metadata_, subject, key, type, value);
	if (res < 0) {
		connection_.fail("cannot set " + std::string(key) + " in the \"" + name_ +
					 "\" metadata: " + std::strerror(-res),
				 res);
		return false;
	}
	return true;
}

int MetadataProxy::onProperty(void *data, std::uint32_t subject, const char *key,
			      [[maybe_unused]] const char *type, const char *value)
{
	auto *self = static_cast<MetadataProxy *>(data);
	if (subject == PW_ID_CORE) {
		if (!key)
			self->properties_.clear();
		else if (!value)
			self->properties_.erase(key);
		else
			self->properties_[key] = value;
	}
	if (self->handler_)
		self->handler_(subject, key, value);
	self->connection_.wake();
	return 0;
}

/* The metadata the sharing commands write to, and the seat it belongs to. */
struct SeatMetadata {
	std::string seat;
	std::string name;
	std::uint32_t id = 0;
};

int failure(const std::string &message)
{
	std::fprintf(stderr, "cabinctl: %s\n", message.c_str());
	return kExitFailure;
}

int printOutput(const std::string &out)
{
	std::fwrite(out.data(), 1, out.size(), stdout);
	if (std::fflush(stdout) != 0)
		return failure(std::string("cannot write output: ") + std::strerror(errno));
	return kExitOk;
}

/*
 * --seat names the metadata. Without it, a seat's client sees exactly one
 * seat metadata, its own; more than one (the manager socket) is ambiguous.
 */
std::optional<SeatMetadata> findSeatMetadata(const Connection &connection,
					     const std::optional<std::string> &seat,
					     std::string &error)
{
	if (seat) {
		std::string name = std::string(kSeatMetadataPrefix) + *seat;
		if (std::optional<std::uint32_t> id = connection.findMetadata(name))
			return SeatMetadata{*seat, name, *id};
		error = "seat '" + *seat + "': no \"" + name +
			"\" metadata is visible: no such seat, or this client may not act as it";
		return std::nullopt;
	}

	std::vector<SeatMetadata> found;
	for (const auto &[id, name] : connection.globals().metadata)
		if (name.starts_with(kSeatMetadataPrefix))
			found.push_back({name.substr(kSeatMetadataPrefix.size()), name, id});
	if (found.size() == 1)
		return found.front();
	if (found.empty()) {
		error = "this client has no seat: no \"cabin.seat.*\" metadata is visible (is "
			"WirePlumber running with module-cabin, and is this client placed in a "
			"seat?)";
	} else {
		error = "this client sees the metadata of several seats (";
		for (std::size_t i = 0; i < found.size(); i++)
			error += (i ? ", " : "") + found[i].seat;
		error += "): choose one with --seat NAME";
	}
	return std::nullopt;
}

/* Parses a cabin.state document; prints why it cannot, or warns of a newer version. */
std::optional<cabin::JsonValue> parseState(const std::string &text)
{
	std::string error;
	std::optional<cabin::JsonValue> state = cabin::JsonValue::parse(text, &error);
	if (!state || !state->isObject()) {
		std::fprintf(stderr, "cabinctl: cannot parse %s: %s\n", kStateKey,
			     state ? "not a JSON object" : error.c_str());
		return std::nullopt;
	}
	std::optional<std::int64_t> version;
	if (const cabin::JsonValue *member = state->find("version"))
		version = member->toInt();
	if (version != 1)
		std::fprintf(stderr,
			     "cabinctl: warning: %s version %s is not 1; output may be "
			     "incomplete\n",
			     kStateKey, version ? std::to_string(*version).c_str() : "(missing)");
	return state;
}

/* Binds \a name and reads its cabin.state; prints why it cannot. */
std::optional<cabin::JsonValue> readState(Connection &connection, std::uint32_t id,
					  const std::string &name)
{
	MetadataProxy metadata(connection);
	if (!metadata.bind(id, name)) {
		failure(connection.error());
		return std::nullopt;
	}
	std::optional<std::string> text = metadata.property(kStateKey);
	if (!text) {
		failure("the \"" + name + "\" metadata has no " + kStateKey + " yet");
		return std::nullopt;
	}
	return parseState(*text);
}

struct Options {
	const char *remote = nullptr;
	std::optional<std::string> seat;
	std::string command;
	std::vector<std::string> arguments;
	bool json = false;
};

int runStatus(const Options &options)
{
	Connection connection;
	if (!connection.connect(options.remote))
		return failure(connection.error());

	/*
	 * The whole car's state is for administrators; a seat's client sees
	 * only its own seat's metadata, and shows that. --seat asks for a seat's.
	 */
	std::string name;
	std::optional<std::uint32_t> id;
	if (options.seat) {
		std::string error;
		std::optional<SeatMetadata> seat =
			findSeatMetadata(connection, options.seat, error);
		if (!seat)
			return failure(error);
		name = seat->name;
		id = seat->id;
	} else if ((id = connection.findMetadata(kMetadataName))) {
		name = kMetadataName;
	} else {
		for (const auto &[metadataId, metadataName] : connection.globals().metadata) {
			if (metadataName.starts_with(kSeatMetadataPrefix)) {
				name = metadataName;
				id = metadataId;
				break;
			}
		}
	}
	if (!id)
		return failure(std::string("no \"") + kMetadataName +
			       "\" metadata found: is WirePlumber running with module-cabin "
			       "(api.cabin), and does this client have a seat?");

	std::optional<cabin::JsonValue> state = readState(connection, *id, name);
	if (!state)
		return kExitFailure;

	const Globals &globals = connection.globals();
	std::vector<cabin::StatusLink> links;
	for (const auto &[linkId, link] : globals.links)
		links.push_back(link);
	cabin::StatusReport report = cabin::buildStatusReport(*state, links, globals.nodeNames);

	return printOutput(options.json ? cabin::formatStatusJson(report) + "\n"
					: cabin::formatStatusText(report));
}

int runOffers(const Options &options)
{
	Connection connection;
	if (!connection.connect(options.remote))
		return failure(connection.error());

	std::string error;
	std::optional<SeatMetadata> seat = findSeatMetadata(connection, options.seat, error);
	if (!seat)
		return failure(error);

	std::optional<cabin::JsonValue> state = readState(connection, seat->id, seat->name);
	if (!state)
		return kExitFailure;

	std::vector<std::string> notes;
	std::vector<cabin::ShareReport> offers =
		cabin::selectOffers(cabin::readShares(*state, notes), seat->seat);
	for (const std::string &note : notes)
		std::fprintf(stderr, "cabinctl: warning: %s\n", note.c_str());

	return printOutput(options.json ? cabin::formatOffersJson(offers) + "\n"
					: cabin::formatOffersText(offers));
}

/* Unique among the requests of all clients of a seat, which all see every reply. */
std::string requestToken()
{
	struct timespec now = {};
	clock_gettime(CLOCK_MONOTONIC, &now);
	std::uint64_t ns = static_cast<std::uint64_t>(now.tv_sec) * 1000000000u +
			   static_cast<std::uint64_t>(now.tv_nsec);
	return std::to_string(getpid()) + "-" + std::to_string(ns);
}

int runRequest(const Options &options, const cabin::ShareRequest &request)
{
	Connection connection;
	if (!connection.connect(options.remote))
		return failure(connection.error());

	std::string error;
	std::optional<SeatMetadata> seat = findSeatMetadata(connection, options.seat, error);
	if (!seat)
		return failure(error);

	const std::string token = requestToken();
	std::optional<cabin::ShareResult> result;
	MetadataProxy metadata(connection);
	/* Replies to other requests, of this or other clients of the seat, are not ours. */
	/*
	 * Requests go on our own client id: PipeWire lets a client set keys
	 * only on subjects it has M on, and module-cabin gives a seat client M
	 * on its own client object (docs/sharing.md). The reply comes there too.
	 */
	const std::uint32_t subject = connection.clientId();
	if (subject == SPA_ID_INVALID)
		return failure("PipeWire did not tell this client its own id");
	metadata.setChangeHandler([&](std::uint32_t from, const char *key, const char *value) {
		if (!result && from == subject && value && spa_streq(key, kReplyKey))
			result = cabin::parseShareReply(value, token);
	});

	/*
	 * Listen first, and let the replay of what the metadata holds pass,
	 * so that the reply cannot come before we are ready for it.
	 */
	bool ok = metadata.bind(seat->id, seat->name) &&
		  metadata.set(subject, kRequestKey, kJsonType,
			       cabin::formatShareRequest(request, token).c_str()) &&
		  connection.waitFor(
			  [&] {
				  return result.has_value() ||
					 !connection.globals().metadata.contains(seat->id);
			  },
			  "module-cabin's reply (is WirePlumber running with module-cabin?)");
	if (!ok) {
		failure(connection.error());
		int res = connection.errorCode();
		if (res == -EACCES || res == -EPERM)
			std::fprintf(
				stderr,
				"cabinctl: only clients of seat %s, and of the manager socket, "
				"may write to \"%s\"\n",
				seat->seat.c_str(), seat->name.c_str());
		return kExitFailure;
	}
	if (!result)
		return failure("the \"" + seat->name +
			       "\" metadata went away before module-cabin replied (did "
			       "WirePlumber stop?)");
	if (!result->ok)
		return failure(result->error.empty() ? "module-cabin refused the request"
						     : result->error);

	return printOutput(cabin::formatShareResult(request, *result) + "\n");
}

int usageError(const std::string &message)
{
	std::fprintf(stderr, "cabinctl: %s\n\n%s", message.c_str(), kUsage);
	return kExitUsage;
}

/* A command and the arguments it takes. */
struct CommandSpec {
	std::string_view name;
	std::vector<std::string_view> arguments;
	bool json;
};

const CommandSpec *findCommand(std::string_view name)
{
	static const std::vector<CommandSpec> commands = {
		{"status", {}, true},
		{"share", {"STREAM-ID", "TO"}, false},
		{"offers", {}, true},
		{"accept", {"SHARE-ID"}, false},
		{"decline", {"SHARE-ID"}, false},
		{"stop", {"SHARE-ID"}, false},
		{"help", {}, false},
	};
	for (const CommandSpec &command : commands)
		if (command.name == name)
			return &command;
	return nullptr;
}

/* Node and share ids: what the protocol takes, so that typos fail here. */
std::optional<std::uint32_t> parseId(std::string_view text)
{
	std::uint32_t id = 0;
	if (text.empty() || text.find_first_not_of("0123456789") != std::string_view::npos)
		return std::nullopt;
	auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
	if (ec != std::errc() || end != text.data() + text.size())
		return std::nullopt;
	return id;
}

/* Parses the command line into \a options; returns an exit code when done. */
std::optional<int> parseArguments(int argc, char *argv[], Options &options)
{
	const CommandSpec *command = nullptr;

	for (int i = 1; i < argc; i++) {
		std::string_view arg = argv[i];
		if (arg == "-h" || arg == "--help") {
			std::fputs(kUsage, stdout);
			return kExitOk;
		} else if (arg == "-r" || arg == "--remote") {
			if (i + 1 >= argc)
				return usageError("option '" + std::string(arg) +
						  "' needs a value");
			options.remote = argv[++i];
		} else if (arg == "-s" || arg == "--seat") {
			if (i + 1 >= argc || !*argv[i + 1])
				return usageError("option '" + std::string(arg) +
						  "' needs a value");
			options.seat = argv[++i];
		} else if (arg.starts_with("--remote=")) {
			options.remote = argv[i] + std::strlen("--remote=");
		} else if (arg.starts_with("--seat=")) {
			if (arg.size() == std::strlen("--seat="))
				return usageError("option '--seat' needs a value");
			options.seat = std::string(arg.substr(std::strlen("--seat=")));
		} else if (command && command->json && arg == "--json") {
			options.json = true;
		} else if (arg.size() > 1 && arg[0] == '-' && !(arg[1] >= '0' && arg[1] <= '9')) {
			/* "-1" is a (bad) id, and reported as such below. */
			return usageError("unknown option '" + std::string(arg) + "'");
		} else if (!command) {
			command = findCommand(arg);
			if (!command)
				return usageError("unknown command '" + std::string(arg) + "'");
			options.command = arg;
		} else if (options.arguments.size() < command->arguments.size()) {
			options.arguments.emplace_back(arg);
		} else {
			return usageError("unexpected argument '" + std::string(arg) + "'");
		}
	}

	if (!command)
		return usageError("no command given");
	if (options.arguments.size() < command->arguments.size())
		return usageError("'" + options.command + "' needs " +
				  std::string(command->arguments[options.arguments.size()]));
	if (options.command == "help") {
		std::fputs(kUsage, stdout);
		return kExitOk;
	}
	return std::nullopt;
}

/* The request of a sharing command; an exit code on a bad argument. */
std::optional<int> makeRequest(const Options &options, cabin::ShareRequest &request)
{
	const CommandSpec *command = findCommand(options.command);
	request.action = options.command == "share" ? "offer" : options.command;

	std::optional<std::uint32_t> id = parseId(options.arguments[0]);
	if (!id)
		return usageError(std::string(command->arguments[0]) + " '" + options.arguments[0] +
				  "': expected a decimal number from 0 to 4294967295");
	request.id = *id;

	if (request.action == "offer") {
		request.to = options.arguments[1];
		if (request.to.empty())
			return usageError("TO '': expected a seat or zone name");
	}
	return std::nullopt;
}

} // namespace

int main(int argc, char *argv[])
{
	Options options;
	if (std::optional<int> exitCode = parseArguments(argc, argv, options))
		return *exitCode;

	cabin::ShareRequest request;
	bool sharing = options.command != "status" && options.command != "offers";
	if (sharing) {
		if (std::optional<int> exitCode = makeRequest(options, request))
			return *exitCode;
	}

	pw_init(&argc, &argv);
	int ret = options.command == "status"	? runStatus(options)
		  : options.command == "offers" ? runOffers(options)
						: runRequest(options, request);
	pw_deinit();
	return ret;
}
