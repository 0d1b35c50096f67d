/* SPDX-License-Identifier: MIT */
/*
 * The live seat/zone model: which client belongs to which seat, which device
 * node belongs to which zone, which stream to which seat, and where a
 * stream may and should be linked. Plain C++, no GObject, driven by the
 * module glue on WirePlumber's main thread.
 */
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cabin-config.hpp"

namespace cabin {

class ShareBook;
class JsonWriter;

/* Client property set by the server from the per-seat socket; clients cannot write it. */
inline constexpr const char *kSeatSocketProperty = "pipewire.sec.cabin.seat";
/* Server-set role of a client ("administrator", "announcer"), from its socket. */
inline constexpr const char *kRoleSocketProperty = "pipewire.sec.cabin.role";
/* The `pipewire.access` value of clients whose permissions module-cabin decides. */
inline constexpr const char *kCabinAccess = "cabin";

/*
 * Node properties that place the session manager's own streams (share and
 * announcement loopbacks). They count only on nodes of session-manager
 * clients: anybody else can set them.
 */
inline constexpr const char *kNodeSeatProperty = "cabin.seat";
inline constexpr const char *kNodeZoneProperty = "cabin.zone";
inline constexpr const char *kNodeTargetStreamProperty = "cabin.target.stream";
/* Marks module-cabin's level probes (docs/announcements.md). */
inline constexpr const char *kNodeProbeProperty = "cabin.probe.stream";
/* The address PipeWire's Bluetooth nodes carry (docs/bluetooth.md). */
inline constexpr const char *kBluetoothAddressProperty = "api.bluez5.address";

/*
 * "AA:BB:CC:DD:EE:FF" in upper case for a Bluetooth device address in any
 * case; nullopt for anything else.
 */
std::optional<std::string> normalizeBluetoothAddress(std::string_view text);

enum class NodeRole { Device, Stream, Other };
enum class Direction { Playback, Capture };

/* How a client's seat was decided, most trusted first. */
enum class SeatSource { Socket, Uid, Session, ActiveUser, Default, None, SessionManager };

const char *toString(SeatSource source);

/*
 * What a client may do. Seat clients see their seat's objects; the two
 * system roles come only from a server-set socket property.
 */
enum class ClientRole { Seat, Administrator, Announcer };

const char *toString(ClientRole role);

/*
 * Where logind puts a client's process (login-seats.hpp reads it): the
 * seat of its session, or, for a process outside any session, the one
 * seat where its uid has the active session.
 */
struct LoginPlace {
	std::string logindSeat;
	/* From the process's own session (else from its uid's active session). */
	bool fromSession = true;
	/* A session in the background on its seat plays nowhere until it is active. */
	bool active = true;
};

/* Looks up a client's place by its kernel-given pid and uid. */
using LoginLookup = std::function<std::optional<LoginPlace>(std::uint32_t pid, std::uint32_t uid)>;

/* udev property of Cabin's shared-card marker: "1" on a card no seat owns
 * (docs/seats-from-logind.md). */
inline constexpr const char *kUdevSharedProperty = "CABIN_SHARED";
/* udev property naming the shared zone a marked card joins; unset: the first shared zone. */
inline constexpr const char *kUdevZoneProperty = "CABIN_ZONE";

/* Where udev puts a device node's card. */
struct DevicePlace {
	/* The logind seat of a card tagged for one; "" for a shared card. */
	std::string logindSeat;
	/* Cabin's marker: the card belongs to no seat, but to a shared zone. */
	bool shared = false;
	/* The shared zone the marker names, "" for the first one. */
	std::string zone;
};

/* Where udev puts a device node (from its node properties), if anywhere. */
using DeviceSeatLookup = std::function<std::optional<DevicePlace>(const Properties &props)>;

/* The seat a Bluetooth device is bound to, by its address, if any. */
using BluetoothSeatLookup = std::function<std::optional<std::string>(std::string_view address)>;

struct ClientState {
	std::uint32_t id = 0;
	std::string seat;
	SeatSource source = SeatSource::None;
	ClientRole role = ClientRole::Seat;
	/* Whether module-cabin sets its permissions (pipewire.access = "cabin"). */
	bool managed = false;
	std::string application;
	/* Its properties as connected, to decide its seat again when logind's view changes. */
	Properties props;
};

struct NodeState {
	std::uint32_t id = 0;
	std::string name;
	NodeRole role = NodeRole::Other;
	Direction direction = Direction::Playback;
	Properties props;
	std::optional<std::uint32_t> clientId;
	/* Devices: zone and rank (index of the first matching device rule). */
	std::string zone;
	std::size_t rank = 0;
	/* Streams: the seat of the owning client. */
	std::string seat;
	/* Session-manager streams that capture another stream: that stream. */
	std::optional<std::uint32_t> targetStream;
	/* Devices no zone rule matched that udev put on a seat: that logind seat. */
	std::string logindSeat;
	/* Devices no zone rule matched whose card udev marked shared: placed in a shared zone. */
	bool sharedCard = false;
	/*
	 * Bluetooth devices (`api.bluez5.address`) no zone rule matched: their
	 * address. Such a device is held in no zone until it is bound to a seat.
	 */
	std::string bluetoothAddress;

	/* Plugged into the seat's port or bound to it: preferred over the zone's own devices. */
	bool attachedToSeat() const { return !logindSeat.empty() || !bluetoothAddress.empty(); }
	/* A Bluetooth device waiting for a seat to claim it. */
	bool heldBluetooth() const { return !bluetoothAddress.empty() && zone.empty(); }
};

/* What other parts add to the state JSON; every member may be empty. */
struct StateExtras {
	const ShareBook *shares = nullptr;
	/* Members added to a node's object. */
	std::function<void(JsonWriter &, const NodeState &)> node;
	/* Members added to a zone's object. */
	std::function<void(JsonWriter &, const ZoneConfig &)> zone;
	/* Top-level members, after the shares, for the view of \a onlySeat ("" for all). */
	std::function<void(JsonWriter &, std::string_view onlySeat)> sections;
};

class SeatZoneModel
{
public:
	explicit SeatZoneModel(CabinConfig config);

	const CabinConfig &config() const { return config_; }

	/*
	 * The seat for clients that have no trusted seat. Returns false, and
	 * keeps no default, when \a seat names no configured seat.
	 */
	bool setDefaultSeat(const std::string &seat);
	const std::string &defaultSeat() const { return defaultSeat_; }

	/*
	 * The session manager's own client, and its process: every client
	 * with this kernel-given pid (modules it loads connect on their own)
	 * is the session manager. Its streams are not seat streams.
	 */
	void setSessionManagerClient(std::uint32_t id) { sessionManagerClient_ = id; }
	void setSessionManagerPid(std::uint32_t pid, std::optional<std::uint32_t> uid = {})
	{
		sessionManagerPid_ = pid;
		sessionManagerUid_ = uid;
	}

	/*
	 * Where logind puts clients (nothing: no logind). Seats are matched by
	 * their `logind-seat`. Call reassignClients() when logind's view changes.
	 */
	void setLoginLookup(LoginLookup lookup) { loginLookup_ = std::move(lookup); }
	/*
	 * Where udev puts device nodes that no zone rule matches: such a
	 * device joins the home zone of the seat with that `logind-seat`, ahead
	 * of the zone's own devices; a card marked shared joins the shared
	 * zone it names, or the first one. Asked only for nodes of the
	 * daemon, of the session manager, or of clients that are not seat
	 * clients.
	 */
	void setDeviceSeatLookup(DeviceSeatLookup lookup) { deviceSeatLookup_ = std::move(lookup); }
	/*
	 * Which seat each Bluetooth device is bound to: a bound device no zone
	 * rule matches joins that seat's personal zone, ahead of the zone's own
	 * devices; an unbound one is held in no zone. Same trust as udev's
	 * seats. Call reassignDevices() when a binding changes.
	 */
	void setBluetoothSeatLookup(BluetoothSeatLookup lookup)
	{
		bluetoothSeatLookup_ = std::move(lookup);
	}
	/* Places every device node again. */
	void reassignDevices();
	/* Decides every client's seat again; returns the clients whose seat changed. */
	std::vector<std::uint32_t> reassignClients();

	void addClient(std::uint32_t id, const Properties &props);
	void removeClient(std::uint32_t id);
	void addNode(std::uint32_t id, const Properties &props);
	void removeNode(std::uint32_t id);

	const NodeState *node(std::uint32_t id) const;
	const std::map<std::uint32_t, NodeState> &nodes() const { return nodes_; }
	const ClientState *client(std::uint32_t id) const;
	/* Whether the node belongs to the session manager (its properties are trusted). */
	bool ownedBySessionManager(const NodeState &node) const;

	/* Best present device of \a zone in \a direction, or nothing. */
	std::optional<std::uint32_t> bestDevice(std::string_view zone, Direction direction) const;
	/* Best present device of the stream's home zone, or nothing. */
	std::optional<std::uint32_t> selectTarget(std::uint32_t streamId) const;
	/* Whether the stream's seat may be linked to \a targetId. */
	bool mayTarget(std::uint32_t streamId, std::uint32_t targetId) const;

	/* Messages for the log, naming the offending key and value, since the last call. */
	std::vector<std::string> takeWarnings();

	/* Whether \a seat may see \a node: its own streams and the devices of its zones. */
	bool seatMaySee(std::string_view seat, const NodeState &node) const;

	/*
	 * The state as JSON (schema in docs/module-cabin.md): everything, or
	 * only what \a onlySeat may see when it is not empty.
	 */
	std::string stateJson(std::string_view onlySeat = {},
			      const ShareBook *shares = nullptr) const;
	std::string stateJson(std::string_view onlySeat, const StateExtras &extras) const;
	const std::map<std::uint32_t, ClientState> &clients() const { return clients_; }

private:
	void assignClient(ClientState &client, const Properties &props);
	void assignNode(NodeState &node);
	void placeSessionManagerStream(NodeState &node);
	void reassignNodesOf(std::uint32_t clientId);
	void placeByDeviceSeat(NodeState &node);
	void placeSharedCard(NodeState &node, const std::string &zoneName);
	bool placeBluetooth(NodeState &node);
	/* Whether udev's seats and Bluetooth bindings may place this device (who made it). */
	bool placedByHardware(const NodeState &node) const;

	CabinConfig config_;
	std::string defaultSeat_;
	std::optional<std::uint32_t> sessionManagerClient_;
	std::optional<std::uint32_t> sessionManagerPid_;
	/* Its uid too, so that a pid alone (reused, say) never names the session manager. */
	std::optional<std::uint32_t> sessionManagerUid_;
	LoginLookup loginLookup_;
	DeviceSeatLookup deviceSeatLookup_;
	BluetoothSeatLookup bluetoothSeatLookup_;
	std::map<std::uint32_t, ClientState> clients_;
	std::map<std::uint32_t, NodeState> nodes_;
	std::vector<std::string> warnings_;
	/* Runtime problems shown in the state (an unknown cabin.default-seat). */
	std::vector<std::string> runtimeErrors_;
};

} // namespace cabin
