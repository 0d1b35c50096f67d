/* SPDX-License-Identifier: MIT */
/*
 * cabinctl: inspect Cabin's seats and zones on a running PipeWire graph,
 * share playback streams between seats (docs/sharing.md), and play
 * announcements.
 *
 * The libpipewire part only gathers input (nodes, links, metadata
 * properties), writes requests and plays the announcement's stream; what
 * is shown, the checks, and the requests and replies themselves, are
 * built by status-report.
 */
#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unistd.h>
#include <vector>

#include <pipewire/extensions/metadata.h>
#include <pipewire/pipewire.h>
#include <spa/param/audio/format-utils.h>
#include <spa/utils/result.h>
#include <spa/utils/string.h>

#include "json.hpp"
#include "status-report.hpp"
#include "wav-file.hpp"

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
constexpr std::uint64_t kTimeoutMs = 5000;

/* Only clients of this socket may address other seats' zones. */
constexpr const char *kAnnouncerRemote = "cabin-announcer";
constexpr const char *kAnnounceToKey = "cabin.announce.to";
/*
 * The session manager holds an announcement unlinked until what plays in
 * its zones is ducked (a few hundred ms); this is for a busy system.
 */
constexpr std::uint64_t kAnnounceStartMs = 10000;
/* How much longer than the file playing may take before it counts as stalled. */
constexpr std::uint64_t kAnnounceStallMs = 5000;
/* For module-cabin to report the delivery once the stream is gone. */
constexpr std::uint64_t kAnnounceReportMs = 3000;

constexpr const char *kUsage =
	"Usage: cabinctl [--remote NAME] [--seat NAME] COMMAND [ARGUMENTS] [OPTIONS]\n"
	"\n"
	"Commands:\n"
	"  status [--json]       Show seats, zones, streams, shares and announcements\n"
	"  share STREAM-ID TO    Offer playback stream STREAM-ID to seat or zone TO\n"
	"  offers [--json]       List the shares this seat is offered or has accepted\n"
	"  accept SHARE-ID       Accept a share offered to this seat\n"
	"  decline SHARE-ID      Decline a share offered to this seat\n"
	"  stop SHARE-ID         Stop a share this seat offered or receives\n"
	"  bluetooth [--json]    List the Bluetooth devices this seat may claim or owns\n"
	"  bluetooth claim ADDRESS\n"
	"                        Claim a Bluetooth device that waits for a seat\n"
	"  bluetooth confirm ADDRESS\n"
	"                        Confirm this seat's claim: the device becomes its own\n"
	"  bluetooth release ADDRESS\n"
	"                        Give up this seat's claim on, or binding of, a device\n"
	"  announce [--to SEATS] [--role ROLE] [--json] FILE\n"
	"                        Play WAV FILE as an announcement and report where\n"
	"                        it played. SEATS: seat and zone names separated\n"
	"                        by commas, or all (default); ROLE: its media.role\n"
	"                        (default: Announcement)\n"
	"  help                  Show this help\n"
	"\n"
	"Options:\n"
	"  -r, --remote NAME     PipeWire remote to connect to (default:\n"
	"                        $PIPEWIRE_REMOTE, else pipewire-0; for announce\n"
	"                        cabin-announcer)\n"
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

	enum class Wait { Done, Failed, TimedOut };
	/* Moves the deadline to \a milliseconds from now. */
	void setDeadline(std::uint64_t milliseconds);
	/* Like waitFor(), but the deadline passing is an answer, not an error. */
	Wait waitUntil(const std::function<bool()> &done);
	/* Makes the current wait check its condition again. */
	void wake();
	/* Records the first error; every wait fails from then on. */
	void fail(std::string message, int res = 0);
	/* Errors on \a proxy (described as \a what) end the command; other objects' do not. */
	void watchErrors(struct pw_proxy *proxy, std::string what);

	struct pw_registry *registry() const { return registry_; }
	struct pw_core *core() const { return core_; }
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
	std::uint64_t deadlineMs_ = 0;
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
	setDeadline(kTimeoutMs);

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
	Wait result = waitUntil(done);
	if (result == Wait::TimedOut)
		fail("timed out after " + std::to_string(deadlineMs_ / 1000) + " s waiting for " +
		     std::string(what));
	return result == Wait::Done;
}

void Connection::setDeadline(std::uint64_t milliseconds)
{
	timedOut_ = false;
	deadlineMs_ = milliseconds;
	/* A zero timespec would disarm the timer. */
	milliseconds = std::max<std::uint64_t>(milliseconds, 1);
	struct timespec timeout = {static_cast<time_t>(milliseconds / 1000),
				   static_cast<long>(milliseconds % 1000) * 1000000};
	pw_loop_update_timer(pw_main_loop_get_loop(loop_), timer_, &timeout, nullptr, false);
}

Connection::Wait Connection::waitUntil(const std::function<bool()> &done)
{
	for (;;) {
		if (!error_.empty())
			return Wait::Failed;
		if (done())
			return Wait::Done;
		if (timedOut_)
			return Wait::TimedOut;
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
	/* The command's own options that take a value, such as --to. */
	std::map<std::string, std::string, std::less<>> values;
	bool json = false;
};

/*
 * The metadata whose state status shows and announce checks: the whole
 * car's state is for administrators and the announcer; a seat's client
 * sees only its own seat's metadata, and uses that. --seat asks for a
 * seat's. The seat is "" for the whole car's.
 */
std::optional<SeatMetadata> findStateMetadata(const Connection &connection,
					      const std::optional<std::string> &seat,
					      std::string &error)
{
	if (seat)
		return findSeatMetadata(connection, seat, error);
	if (std::optional<std::uint32_t> id = connection.findMetadata(kMetadataName))
		return SeatMetadata{"", kMetadataName, *id};
	for (const auto &[id, name] : connection.globals().metadata)
		if (name.starts_with(kSeatMetadataPrefix))
			return SeatMetadata{name.substr(kSeatMetadataPrefix.size()), name, id};
	error = std::string("no \"") + kMetadataName +
		"\" metadata found: is WirePlumber running with module-cabin "
		"(api.cabin), and does this client have a seat?";
	return std::nullopt;
}

int runStatus(const Options &options)
{
	Connection connection;
	if (!connection.connect(options.remote))
		return failure(connection.error());

	std::string error;
	std::optional<SeatMetadata> source = findStateMetadata(connection, options.seat, error);
	if (!source)
		return failure(error);

	std::optional<cabin::JsonValue> state = readState(connection, source->id, source->name);
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

/* What offers and bluetooth list from: this seat and the state in its own metadata. */
struct SeatView {
	SeatMetadata seat;
	cabin::JsonValue state;
};

/* Connects and reads the seat's view; nullopt, with the reason printed, on failure. */
std::optional<SeatView> readSeatView(Connection &connection, const Options &options)
{
	if (!connection.connect(options.remote)) {
		failure(connection.error());
		return std::nullopt;
	}
	std::string error;
	std::optional<SeatMetadata> seat = findSeatMetadata(connection, options.seat, error);
	if (!seat) {
		failure(error);
		return std::nullopt;
	}
	std::optional<cabin::JsonValue> state = readState(connection, seat->id, seat->name);
	if (!state)
		return std::nullopt;
	return SeatView{std::move(*seat), std::move(*state)};
}

void printNotes(const std::vector<std::string> &notes)
{
	for (const std::string &note : notes)
		std::fprintf(stderr, "cabinctl: warning: %s\n", note.c_str());
}

int runOffers(const Options &options)
{
	Connection connection;
	std::optional<SeatView> view = readSeatView(connection, options);
	if (!view)
		return kExitFailure;
	std::vector<std::string> notes;
	std::vector<cabin::ShareReport> offers =
		cabin::selectOffers(cabin::readShares(view->state, notes), view->seat.seat);
	printNotes(notes);
	return printOutput(options.json ? cabin::formatOffersJson(offers) + "\n"
					: cabin::formatOffersText(offers));
}

int runBluetoothList(const Options &options)
{
	Connection connection;
	std::optional<SeatView> view = readSeatView(connection, options);
	if (!view)
		return kExitFailure;
	std::vector<std::string> notes;
	std::vector<cabin::BluetoothReport> devices = cabin::readBluetooth(view->state, notes);
	printNotes(notes);
	return printOutput(options.json ? cabin::formatBluetoothJson(devices) + "\n"
					: cabin::formatBluetoothText(devices));
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

/* What announce was asked to play, and where. */
struct AnnounceRequest {
	std::string file;
	/* As given, once checked: "all", or seat and zone names separated by commas. */
	std::string to;
	std::vector<std::string> targets;
	std::string role = "Announcement";
};

/*
 * The announcement's playback stream: plays the file once, then drains.
 * Its callbacks run on the main loop (no RT_PROCESS): the file is in
 * memory, and one thread keeps the bookkeeping simple.
 */
class AnnouncePlayer
{
public:
	AnnouncePlayer(Connection &connection, cabin::WavData wav)
	    : connection_(connection), wav_(std::move(wav))
	{
	}
	~AnnouncePlayer();
	AnnouncePlayer(const AnnouncePlayer &) = delete;
	AnnouncePlayer &operator=(const AnnouncePlayer &) = delete;

	bool connect(const AnnounceRequest &request);
	/* Ends the stream: its node goes away, and with it the announcement. */
	void disconnect();

	/* The stream's node id once the server made the node; kept after disconnect(). */
	std::uint32_t nodeId() const { return nodeId_; }
	bool started() const { return started_; }
	bool drained() const { return drained_; }
	/* Why the stream failed, "" while it did not. */
	const std::string &error() const { return error_; }
	double secondsQueued() const { return static_cast<double>(position_) / wav_.info.rate; }
	double seconds() const { return static_cast<double>(wav_.frames()) / wav_.info.rate; }

private:
	static void onStateChanged(void *data, enum pw_stream_state old, enum pw_stream_state state,
				   const char *error);
	static void onProcess(void *data);
	static void onDrained(void *data);

	static const struct pw_stream_events kStreamEvents;

	Connection &connection_;
	cabin::WavData wav_;
	struct pw_stream *stream_ = nullptr;
	struct spa_hook listener_ = {};
	std::uint32_t nodeId_ = SPA_ID_INVALID;
	std::size_t position_ = 0;
	bool connected_ = false;
	bool started_ = false;
	bool draining_ = false;
	bool drained_ = false;
	std::string error_;
};

const struct pw_stream_events AnnouncePlayer::kStreamEvents = {
	.version = PW_VERSION_STREAM_EVENTS,
	.state_changed = onStateChanged,
	.process = onProcess,
	.drained = onDrained,
};

AnnouncePlayer::~AnnouncePlayer()
{
	if (stream_) {
		spa_hook_remove(&listener_);
		pw_stream_destroy(stream_);
	}
}

/* The usual layouts of a WAV file's channels; others play unpositioned. */
void setChannelPositions(struct spa_audio_info_raw &info)
{
	static const std::map<unsigned, std::vector<std::uint32_t>> layouts = {
		{1, {SPA_AUDIO_CHANNEL_MONO}},
		{2, {SPA_AUDIO_CHANNEL_FL, SPA_AUDIO_CHANNEL_FR}},
		{4,
		 {SPA_AUDIO_CHANNEL_FL, SPA_AUDIO_CHANNEL_FR, SPA_AUDIO_CHANNEL_RL,
		  SPA_AUDIO_CHANNEL_RR}},
		{6,
		 {SPA_AUDIO_CHANNEL_FL, SPA_AUDIO_CHANNEL_FR, SPA_AUDIO_CHANNEL_FC,
		  SPA_AUDIO_CHANNEL_LFE, SPA_AUDIO_CHANNEL_RL, SPA_AUDIO_CHANNEL_RR}},
		{8,
		 {SPA_AUDIO_CHANNEL_FL, SPA_AUDIO_CHANNEL_FR, SPA_AUDIO_CHANNEL_FC,
		  SPA_AUDIO_CHANNEL_LFE, SPA_AUDIO_CHANNEL_RL, SPA_AUDIO_CHANNEL_RR,
		  SPA_AUDIO_CHANNEL_SL, SPA_AUDIO_CHANNEL_SR}},
	};
	auto layout = layouts.find(info.channels);
	if (layout == layouts.end()) {
		info.flags |= SPA_AUDIO_FLAG_UNPOSITIONED;
		return;
	}
	std::copy(layout->second.begin(), layout->second.end(), info.position);
}

bool AnnouncePlayer::connect(const AnnounceRequest &request)
{
	std::string media = std::filesystem::path(request.file).filename().string();
	struct pw_properties *props = pw_properties_new(
		PW_KEY_MEDIA_TYPE, "Audio", PW_KEY_MEDIA_CATEGORY, "Playback", PW_KEY_MEDIA_ROLE,
		request.role.c_str(), PW_KEY_MEDIA_NAME, media.c_str(), PW_KEY_APP_NAME, "cabinctl",
		PW_KEY_NODE_NAME, "cabinctl.announce", kAnnounceToKey, request.to.c_str(), nullptr);
	stream_ = pw_stream_new(connection_.core(), "cabinctl.announce", props);
	if (!stream_) {
		connection_.fail(std::string("cannot create the announcement's stream: ") +
				 std::strerror(errno));
		return false;
	}
	pw_stream_add_listener(stream_, &listener_, &kStreamEvents, this);

	std::uint8_t podBuffer[1024];
	struct spa_pod_builder builder = SPA_POD_BUILDER_INIT(podBuffer, sizeof(podBuffer));
	struct spa_audio_info_raw info = {};
	info.format = SPA_AUDIO_FORMAT_F32;
	info.rate = wav_.info.rate;
	info.channels = wav_.info.channels;
	setChannelPositions(info);
	const struct spa_pod *params[1] = {
		spa_format_audio_raw_build(&builder, SPA_PARAM_EnumFormat, &info)};

	int res = pw_stream_connect(stream_, PW_DIRECTION_OUTPUT, PW_ID_ANY,
				    static_cast<enum pw_stream_flags>(PW_STREAM_FLAG_AUTOCONNECT |
								      PW_STREAM_FLAG_MAP_BUFFERS),
				    params, 1);
	if (res < 0) {
		connection_.fail(std::string("cannot connect the announcement's stream: ") +
				 spa_strerror(res));
		return false;
	}
	connected_ = true;
	return true;
}

void AnnouncePlayer::disconnect()
{
	if (stream_ && connected_) {
		connected_ = false;
		pw_stream_disconnect(stream_);
	}
}

void AnnouncePlayer::onStateChanged(void *data, [[maybe_unused]] enum pw_stream_state old,
				    enum pw_stream_state state, const char *error)
{
	auto *self = static_cast<AnnouncePlayer *>(data);
	if (std::uint32_t id = pw_stream_get_node_id(self->stream_); id != SPA_ID_INVALID)
		self->nodeId_ = id;
	if (state == PW_STREAM_STATE_STREAMING) {
		self->started_ = true;
	} else if (state == PW_STREAM_STATE_ERROR && self->error_.empty()) {
		self->error_ = error && *error ? error : "unknown error";
	} else if (state == PW_STREAM_STATE_UNCONNECTED && self->connected_ &&
		   self->error_.empty()) {
		/* Not our disconnect(): the server or the session manager ended it. */
		self->error_ = "the stream was disconnected";
	}
	self->connection_.wake();
}

void AnnouncePlayer::onProcess(void *data)
{
	auto *self = static_cast<AnnouncePlayer *>(data);
	if (self->draining_)
		return;
	struct pw_buffer *buffer = pw_stream_dequeue_buffer(self->stream_);
	if (!buffer)
		return;
	struct spa_data &plane = buffer->buffer->datas[0];
	const std::uint32_t stride = sizeof(float) * self->wav_.info.channels;
	std::size_t frames = 0;
	if (plane.data) {
		frames = std::min<std::size_t>(plane.maxsize / stride,
					       self->wav_.frames() - self->position_);
		if (buffer->requested)
			frames = std::min<std::size_t>(frames, buffer->requested);
		std::memcpy(plane.data,
			    self->wav_.samples.data() + self->position_ * self->wav_.info.channels,
			    frames * stride);
	}
	plane.chunk->offset = 0;
	plane.chunk->stride = stride;
	plane.chunk->size = static_cast<std::uint32_t>(frames * stride);
	pw_stream_queue_buffer(self->stream_, buffer);
	self->position_ += frames;

	/* The last samples are queued: let them play out, then "drained". */
	if (self->position_ >= self->wav_.frames()) {
		self->draining_ = true;
		pw_stream_flush(self->stream_, true);
	}
}

void AnnouncePlayer::onDrained(void *data)
{
	auto *self = static_cast<AnnouncePlayer *>(data);
	self->drained_ = true;
	self->connection_.wake();
}

/* The file announce plays, if a stream can carry it; \a error names the file. */
std::optional<cabin::WavData> readAnnouncement(const std::string &file, std::string &error)
{
	/* Say why it cannot be opened: the WAV reader only says that it cannot. */
	if (std::FILE *probe = std::fopen(file.c_str(), "rb")) {
		std::fclose(probe);
	} else {
		error = file + ": " + std::strerror(errno);
		return std::nullopt;
	}
	std::optional<cabin::WavData> wav = cabin::readWav(file, &error);
	if (!wav)
		return std::nullopt;
	if (wav->info.channels > SPA_AUDIO_MAX_CHANNELS || wav->info.rate == 0) {
		error = file + ": " + std::to_string(wav->info.channels) + " channels at " +
			std::to_string(wav->info.rate) + " Hz: expected 1 to " +
			std::to_string(SPA_AUDIO_MAX_CHANNELS) + " channels at a rate above 0";
		return std::nullopt;
	}
	if (wav->frames() == 0) {
		error = file + ": no samples to play";
		return std::nullopt;
	}
	return wav;
}

int runAnnounce(const Options &options, const AnnounceRequest &request)
{
	std::string error;
	std::optional<cabin::WavData> wav = readAnnouncement(request.file, error);
	if (!wav)
		return failure("cannot play " + error);

	/* Only the announcer socket's clients may address other seats. */
	Connection connection;
	if (!connection.connect(options.remote ? options.remote : kAnnouncerRemote)) {
		failure(connection.error());
		if (!options.remote)
			std::fprintf(stderr,
				     "cabinctl: announce connects to the announcer socket %s "
				     "(group %s); --remote NAME picks another\n",
				     kAnnouncerRemote, kAnnouncerRemote);
		return kExitFailure;
	}

	std::optional<SeatMetadata> source = findStateMetadata(connection, std::nullopt, error);
	if (!source)
		return failure(error);
	MetadataProxy metadata(connection);
	if (!metadata.bind(source->id, source->name))
		return failure(connection.error());
	std::optional<std::string> text = metadata.property(kStateKey);
	if (!text)
		return failure("the \"" + source->name + "\" metadata has no " + kStateKey +
			       " yet");
	std::optional<cabin::JsonValue> state = parseState(*text);
	if (!state)
		return kExitFailure;

	std::optional<std::string> refusal = cabin::checkAnnounceTargets(*state, request.targets);
	if (refusal && !source->seat.empty())
		*refusal += "; this client sees only seat " + source->seat +
			    "'s state: only clients of the " + kAnnouncerRemote +
			    " socket may address other seats";
	if (!refusal)
		refusal = cabin::checkAnnounceRole(*state, request.role);
	if (refusal)
		return usageError(*refusal);

	/* Node ids are reused: what is listed now is not ours. */
	std::vector<std::string> notes;
	std::vector<std::uint32_t> earlier;
	for (const cabin::AnnouncementReport &entry : cabin::readAnnouncements(*state, notes))
		earlier.push_back(entry.id);

	const std::uint32_t client = connection.clientId();
	AnnouncePlayer player(connection, std::move(*wav));
	if (!player.connect(request))
		return failure(connection.error());

	/* module-cabin's account of our announcement, reread on every change of the state. */
	std::optional<cabin::AnnouncementReport> announcement;
	std::string seen;
	auto refresh = [&] {
		std::optional<std::string> current = metadata.property(kStateKey);
		if (!current || *current == seen || player.nodeId() == SPA_ID_INVALID)
			return;
		seen = *current;
		if (std::optional<cabin::JsonValue> parsed = cabin::JsonValue::parse(seen)) {
			std::vector<std::string> ignored;
			announcement =
				cabin::findAnnouncement(cabin::readAnnouncements(*parsed, ignored),
							player.nodeId(), client, earlier);
		}
	};
	auto settled = [&] { return announcement && cabin::announcementSettled(*announcement); };
	/*
	 * Nothing will play any more: the announcer's refused stream is never
	 * linked, but a seat's still plays in the seat's own zone.
	 */
	auto over = [&] {
		return settled() && (announcement->state != "refused" || source->seat.empty());
	};
	auto gone = [&] { return !connection.globals().metadata.contains(source->id); };

	std::string problem;
	connection.setDeadline(kAnnounceStartMs);
	Connection::Wait wait = connection.waitUntil([&] {
		refresh();
		return player.started() || !player.error().empty() || over() || gone();
	});
	if (wait == Connection::Wait::TimedOut)
		problem = "the announcement did not start within " +
			  std::to_string(kAnnounceStartMs / 1000) + " s: the session manager " +
			  "kept its stream unlinked (is WirePlumber running with module-cabin, "
			  "and is there a device in the zones it addresses?)";

	if (wait == Connection::Wait::Done && player.started() && !over()) {
		connection.setDeadline(static_cast<std::uint64_t>(player.seconds() * 1000) +
				       kAnnounceStallMs);
		wait = connection.waitUntil([&] {
			refresh();
			return player.drained() || !player.error().empty() || over() || gone();
		});
		if (wait == Connection::Wait::TimedOut) {
			char played[96];
			std::snprintf(played, sizeof(played), "%.3f s of %.3f s",
				      player.secondsQueued(), player.seconds());
			problem = std::string("playback stalled after ") + played;
		}
	}
	if (wait == Connection::Wait::Failed)
		return failure(connection.error());
	if (!player.error().empty())
		problem = "the announcement's stream failed: " + player.error();

	/* Its node gone, module-cabin ends the announcement and says where it played. */
	player.disconnect();
	if (player.nodeId() != SPA_ID_INVALID && !gone()) {
		connection.setDeadline(kAnnounceReportMs);
		wait = connection.waitUntil([&] {
			refresh();
			return settled() || gone();
		});
		if (wait == Connection::Wait::Failed)
			return failure(connection.error());
	}

	if (announcement) {
		int written = printOutput(
			options.json ? cabin::formatAnnouncementJson(*announcement) + "\n"
				     : cabin::formatAnnouncementText(*announcement));
		if (written != kExitOk)
			return written;
	}
	if (!problem.empty())
		failure(problem);
	if (gone())
		return failure("the \"" + source->name +
			       "\" metadata went away before module-cabin reported the "
			       "announcement (did WirePlumber stop?)");
	if (!announcement) {
		/* Without a node there is nothing module-cabin could have listed. */
		if (player.nodeId() != SPA_ID_INVALID)
			failure("module-cabin listed no announcement for stream " +
				std::to_string(player.nodeId()) + " in \"" + source->name + "\"" +
				(source->seat.empty()
					 ? " (does it handle announcements?)"
					 : ": a seat's stream for its own zones plays as one of "
					   "its "
					   "ordinary streams, not as an announcement"));
		return kExitFailure;
	}
	if (!settled())
		return failure("announcement " + std::to_string(announcement->id) + " still " +
			       announcement->state + " " +
			       std::to_string(kAnnounceReportMs / 1000) +
			       " s after its stream ended");
	return problem.empty() && cabin::announcementDelivered(*announcement) ? kExitOk
									      : kExitFailure;
}

/* A command, the arguments it takes, and its own options. */
struct CommandSpec {
	std::string_view name;
	std::vector<std::string_view> arguments;
	bool json;
	/* Options that take a value, written "--to VALUE" or "--to=VALUE". */
	std::vector<std::string_view> valueOptions = {};
	/* Arguments after the required ones that may be left out. */
	std::vector<std::string_view> optionalArguments = {};

	/* The value option \a arg is, or sets; nullptr for none. */
	const std::string_view *findValueOption(std::string_view arg) const
	{
		for (const std::string_view &option : valueOptions)
			if (arg == option ||
			    (arg.starts_with(option) && arg.substr(option.size()).starts_with('=')))
				return &option;
		return nullptr;
	}
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
		{"announce", {"FILE"}, true, {"--to", "--role"}},
		{"bluetooth", {}, true, {}, {"ACTION", "ADDRESS"}},
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
		} else if (const std::string_view *option =
				   command ? command->findValueOption(arg) : nullptr) {
			std::string name(*option);
			if (arg.size() > option->size())
				options.values[name] = std::string(arg.substr(option->size() + 1));
			else if (i + 1 < argc)
				options.values[name] = argv[++i];
			else
				return usageError("option '" + name + "' needs a value");
		} else if (arg.size() > 1 && arg[0] == '-' && !(arg[1] >= '0' && arg[1] <= '9')) {
			/* "-1" is a (bad) id, and reported as such below. */
			return usageError("unknown option '" + std::string(arg) + "'");
		} else if (!command) {
			command = findCommand(arg);
			if (!command)
				return usageError("unknown command '" + std::string(arg) + "'");
			options.command = arg;
		} else if (options.arguments.size() <
			   command->arguments.size() + command->optionalArguments.size()) {
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
	if (options.command == "bluetooth" && !options.arguments.empty()) {
		const std::string &action = options.arguments[0];
		if (action != "claim" && action != "confirm" && action != "release")
			return usageError("bluetooth ACTION '" + action +
					  "': expected claim, confirm or release");
		if (options.arguments.size() < 2)
			return usageError("'bluetooth " + action + "' needs ADDRESS");
		if (options.json)
			return usageError("option '--json' applies only to the list, "
					  "'cabinctl bluetooth --json'");
	}
	/* An announcement is the car's, not a seat's: there is no seat to act as. */
	if (options.command == "announce" && options.seat)
		return usageError("option '--seat' does not apply to 'announce'");
	return std::nullopt;
}

/* What announce is to play and where; an exit code on a bad argument. */
std::optional<int> makeAnnounceRequest(const Options &options, AnnounceRequest &request)
{
	request.file = options.arguments[0];
	if (auto to = options.values.find("--to"); to != options.values.end())
		request.to = to->second;
	else
		request.to = "all";
	std::string error;
	std::optional<std::vector<std::string>> targets =
		cabin::splitAnnounceTargets(request.to, error);
	if (!targets)
		return usageError(error);
	request.targets = std::move(*targets);

	if (auto role = options.values.find("--role"); role != options.values.end())
		request.role = role->second;
	if (request.role.empty())
		return usageError("--role '': expected a media role, such as Announcement");
	return std::nullopt;
}

/* The request of a sharing command; an exit code on a bad argument. */
std::optional<int> makeRequest(const Options &options, cabin::ShareRequest &request)
{
	const CommandSpec *command = findCommand(options.command);
	if (options.command == "bluetooth") {
		request.action = "bluetooth-" + options.arguments[0];
		/* module-cabin checks the address; it names the value it refuses. */
		request.address = options.arguments[1];
		return std::nullopt;
	}
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
	AnnounceRequest announcement;
	const bool listBluetooth = options.command == "bluetooth" && options.arguments.empty();
	bool sharing = options.command != "status" && options.command != "offers" &&
		       options.command != "announce" && !listBluetooth;
	if (sharing) {
		if (std::optional<int> exitCode = makeRequest(options, request))
			return *exitCode;
	} else if (options.command == "announce") {
		if (std::optional<int> exitCode = makeAnnounceRequest(options, announcement))
			return *exitCode;
	}

	pw_init(&argc, &argv);
	int ret = options.command == "status"	  ? runStatus(options)
		  : options.command == "offers"	  ? runOffers(options)
		  : listBluetooth		  ? runBluetoothList(options)
		  : options.command == "announce" ? runAnnounce(options, announcement)
						  : runRequest(options, request);
	pw_deinit();
	return ret;
}
