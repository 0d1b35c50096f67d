/* SPDX-License-Identifier: MIT */
#include "seat-zone-model.hpp"

#include <algorithm>
#include <charconv>

#include "share-book.hpp"

namespace cabin {

namespace {

std::optional<std::uint32_t> parseId(const Properties &props, std::string_view key)
{
	auto it = props.find(key);
	if (it == props.end())
		return std::nullopt;
	std::uint32_t value = 0;
	const char *begin = it->second.data();
	const char *end = begin + it->second.size();
	auto [ptr, ec] = std::from_chars(begin, end, value);
	if (ec != std::errc() || ptr != end)
		return std::nullopt;
	return value;
}

std::string propOr(const Properties &props, std::string_view key, std::string_view fallback = {})
{
	auto it = props.find(key);
	return it == props.end() ? std::string(fallback) : it->second;
}

bool isHexDigit(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

} // namespace

std::optional<std::string> normalizeBluetoothAddress(std::string_view text)
{
	/* Six pairs of hex digits separated by colons: 17 characters. */
	if (text.size() != 17)
		return std::nullopt;
	std::string address(text);
	for (std::size_t i = 0; i < address.size(); i++) {
		char &c = address[i];
		if (i % 3 == 2) {
			if (c != ':')
				return std::nullopt;
		} else if (!isHexDigit(c)) {
			return std::nullopt;
		} else if (c >= 'a' && c <= 'f') {
			c = static_cast<char>(c - 'a' + 'A');
		}
	}
	return address;
}

const char *toString(SeatSource source)
{
	switch (source) {
	case SeatSource::Socket:
		return "socket";
	case SeatSource::Uid:
		return "uid";
	case SeatSource::Session:
		return "session";
	case SeatSource::ActiveUser:
		return "active-user";
	case SeatSource::Default:
		return "default";
	case SeatSource::SessionManager:
		return "session-manager";
	case SeatSource::None:
		break;
	}
	return "none";
}

const char *toString(ClientRole role)
{
	switch (role) {
	case ClientRole::Administrator:
		return "administrator";
	case ClientRole::Announcer:
		return "announcer";
	case ClientRole::Seat:
		break;
	}
	return "seat";
}

SeatZoneModel::SeatZoneModel(CabinConfig config) : config_(std::move(config))
{
}

bool SeatZoneModel::setDefaultSeat(const std::string &seat)
{
	std::erase_if(runtimeErrors_,
		      [](const std::string &e) { return e.starts_with("cabin.default-seat"); });
	bool valid = seat.empty() || config_.findSeat(seat);
	if (!valid) {
		std::string message = "cabin.default-seat = \"" + seat +
				      "\": no seat with this name; clients without a seat stay "
				      "unassigned";
		runtimeErrors_.push_back(message);
		warnings_.push_back(std::move(message));
	}
	defaultSeat_ = valid ? seat : std::string();
	for (auto &[id, client] : clients_)
		if (client.role == ClientRole::Seat &&
		    (client.source == SeatSource::Default || client.source == SeatSource::None)) {
			client.seat = defaultSeat_;
			client.source =
				defaultSeat_.empty() ? SeatSource::None : SeatSource::Default;
			reassignNodesOf(id);
		}
	return valid;
}

void SeatZoneModel::assignClient(ClientState &client, const Properties &props)
{
	client.application = propOr(props, "application.name");
	client.managed = propOr(props, "pipewire.access") == kCabinAccess;
	client.role = ClientRole::Seat;
	bool sessionManager = sessionManagerClient_ && client.id == *sessionManagerClient_;
	if (sessionManagerPid_ && parseId(props, "pipewire.sec.pid") == sessionManagerPid_ &&
	    (!sessionManagerUid_ || parseId(props, "pipewire.sec.uid") == sessionManagerUid_))
		sessionManager = true;
	if (sessionManager) {
		client.seat.clear();
		client.source = SeatSource::SessionManager;
		client.managed = false;
		return;
	}
	auto role = props.find(kRoleSocketProperty);
	if (role != props.end()) {
		if (role->second == "administrator" || role->second == "announcer") {
			client.role = role->second == "administrator" ? ClientRole::Administrator
								      : ClientRole::Announcer;
			client.seat.clear();
			client.source = SeatSource::Socket;
			return;
		}
		warnings_.push_back("client " + std::to_string(client.id) + ": " +
				    kRoleSocketProperty + " = \"" + role->second +
				    "\" is not \"administrator\" or \"announcer\"; treating it as "
				    "a seat client");
	}
	/* Only server-set keys count: pipewire.sec.* cannot be written by the client. */
	auto socketSeat = props.find(kSeatSocketProperty);
	if (socketSeat != props.end()) {
		if (config_.findSeat(socketSeat->second)) {
			client.seat = socketSeat->second;
			client.source = SeatSource::Socket;
			return;
		}
		warnings_.push_back("client " + std::to_string(client.id) + ": " +
				    kSeatSocketProperty + " = \"" + socketSeat->second +
				    "\" names no configured seat; trying its uid");
	}
	std::optional<std::uint32_t> uid = parseId(props, "pipewire.sec.uid");
	if (uid) {
		if (const SeatConfig *seat = config_.seatOfUid(*uid)) {
			client.seat = seat->name;
			client.source = SeatSource::Uid;
			return;
		}
	}
	std::optional<std::uint32_t> pid = parseId(props, "pipewire.sec.pid");
	if (loginLookup_ && uid && pid) {
		if (std::optional<LoginPlace> place = loginLookup_(*pid, *uid)) {
			if (const SeatConfig *seat = config_.seatOfLogindSeat(place->logindSeat)) {
				client.seat = place->active ? seat->name : std::string();
				client.source = place->fromSession ? SeatSource::Session
								   : SeatSource::ActiveUser;
				return;
			}
		}
	}
	client.seat = defaultSeat_;
	client.source = defaultSeat_.empty() ? SeatSource::None : SeatSource::Default;
}

void SeatZoneModel::addClient(std::uint32_t id, const Properties &props)
{
	ClientState &client = clients_[id];
	client.id = id;
	client.props = props;
	assignClient(client, props);
	reassignNodesOf(id);
}

std::vector<std::uint32_t> SeatZoneModel::reassignClients()
{
	std::vector<std::uint32_t> changed;
	for (auto &[id, client] : clients_) {
		std::string seat = client.seat;
		assignClient(client, client.props);
		if (client.seat != seat) {
			changed.push_back(id);
			reassignNodesOf(id);
		}
	}
	return changed;
}

void SeatZoneModel::removeClient(std::uint32_t id)
{
	clients_.erase(id);
}

void SeatZoneModel::assignNode(NodeState &node)
{
	node.zone.clear();
	node.seat.clear();
	node.rank = 0;
	node.logindSeat.clear();
	node.sharedCard = false;
	node.bluetoothAddress.clear();
	const std::string mediaClass = propOr(node.props, "media.class");
	if (mediaClass == "Audio/Sink" || mediaClass == "Audio/Source" ||
	    mediaClass == "Audio/Source/Virtual") {
		node.role = NodeRole::Device;
		node.direction =
			mediaClass == "Audio/Sink" ? Direction::Playback : Direction::Capture;
		/* A seat client's own sink stays its own, whatever name it gave it. */
		if (!placedByHardware(node))
			return;
		for (const ZoneConfig &zone : config_.zones) {
			for (std::size_t rank = 0; rank < zone.devices.size(); rank++) {
				if (zone.devices[rank].rules.matches(node.props)) {
					node.zone = zone.name;
					node.rank = rank;
					node.seat = zone.seat;
					return;
				}
			}
		}
		if (!placeBluetooth(node))
			placeByDeviceSeat(node);
		return;
	}
	if (mediaClass.starts_with("Stream/Output/Audio") ||
	    mediaClass.starts_with("Stream/Input/Audio")) {
		node.role = NodeRole::Stream;
		node.direction = mediaClass.starts_with("Stream/Output") ? Direction::Playback
									 : Direction::Capture;
		node.targetStream.reset();
		if (node.clientId) {
			auto client = clients_.find(*node.clientId);
			if (client != clients_.end() &&
			    client->second.source == SeatSource::SessionManager) {
				placeSessionManagerStream(node);
				return;
			}
			if (client != clients_.end())
				node.seat = client->second.seat;
		}
		if (const SeatConfig *seat = config_.findSeat(node.seat))
			node.zone = seat->homeZone;
		return;
	}
	node.role = NodeRole::Other;
}

void SeatZoneModel::placeSessionManagerStream(NodeState &node)
{
	/* Trusted: only the session manager's own streams get here. */
	const std::string zoneName = propOr(node.props, kNodeZoneProperty);
	const std::string seatName = propOr(node.props, kNodeSeatProperty);
	if (const ZoneConfig *zone = config_.findZone(zoneName)) {
		node.zone = zone->name;
		node.seat = zone->seat;
	}
	if (config_.findSeat(seatName))
		node.seat = seatName;
	node.targetStream = parseId(node.props, kNodeTargetStreamProperty);
}

/*
 * A seat client could make a node that claims a card of another seat and
 * so receive that seat's audio: only nodes of the daemon itself, of the
 * session manager (its ALSA monitor) and of clients without a seat (the
 * manager socket, administrators) are placed by udev.
 */
bool SeatZoneModel::placedByHardware(const NodeState &node) const
{
	if (!node.clientId)
		return true;
	/* Placed again once its client is known (addClient). */
	const ClientState *owner = client(*node.clientId);
	if (!owner)
		return false;
	return !owner->managed || owner->source == SeatSource::SessionManager ||
	       owner->role == ClientRole::Administrator;
}

/*
 * A Bluetooth device joins the personal zone of the seat it is bound to;
 * unbound, or bound to a seat without one, it is held in no zone, so that
 * no seat hears, sees or records it. Returns whether it is Bluetooth.
 */
bool SeatZoneModel::placeBluetooth(NodeState &node)
{
	std::string address = propOr(node.props, kBluetoothAddressProperty);
	if (address.empty())
		return false;
	/* Bindings are kept by the normalized address; a malformed one is held for good. */
	node.bluetoothAddress = normalizeBluetoothAddress(address).value_or(address);
	std::optional<std::string> seat =
		bluetoothSeatLookup_ ? bluetoothSeatLookup_(node.bluetoothAddress) : std::nullopt;
	const ZoneConfig *zone = seat ? config_.personalZoneOf(*seat) : nullptr;
	if (!zone)
		return true;
	node.zone = zone->name;
	node.seat = zone->seat;
	node.rank = 0;
	return true;
}

void SeatZoneModel::placeByDeviceSeat(NodeState &node)
{
	if (!deviceSeatLookup_)
		return;
	std::optional<DevicePlace> place = deviceSeatLookup_(node.props);
	if (!place)
		return;
	if (place->shared) {
		placeSharedCard(node, place->zone);
		return;
	}
	const SeatConfig *seat = config_.seatOfLogindSeat(place->logindSeat);
	const ZoneConfig *zone = seat ? config_.findZone(seat->homeZone) : nullptr;
	if (!zone)
		return;
	node.zone = zone->name;
	node.seat = zone->seat;
	node.rank = 0;
	node.logindSeat = place->logindSeat;
}

/* A card no seat owns: the shared zone the marker names, else the first shared zone. */
void SeatZoneModel::placeSharedCard(NodeState &node, const std::string &zoneName)
{
	const ZoneConfig *zone = nullptr;
	for (const ZoneConfig &candidate : config_.zones)
		if (candidate.kind == ZoneKind::Shared &&
		    (zoneName.empty() || candidate.name == zoneName)) {
			zone = &candidate;
			break;
		}
	if (!zone) {
		warnings_.push_back("node " + std::to_string(node.id) + " (" + node.name +
				    "): udev " + kUdevZoneProperty + " = \"" + zoneName + "\"" +
				    (zoneName.empty() ? ": no shared zone is configured"
						      : ": no shared zone with this name") +
				    "; the shared card joins no zone");
		return;
	}
	node.zone = zone->name;
	node.seat = zone->seat;
	node.rank = 0;
	node.sharedCard = true;
}

/* A client's seat or trust changed: its streams, and the devices it made, are placed again. */
void SeatZoneModel::reassignNodesOf(std::uint32_t clientId)
{
	for (auto &[id, node] : nodes_)
		if (node.role != NodeRole::Other && node.clientId == clientId)
			assignNode(node);
}

void SeatZoneModel::reassignDevices()
{
	for (auto &[id, node] : nodes_)
		if (node.role == NodeRole::Device)
			assignNode(node);
}

void SeatZoneModel::addNode(std::uint32_t id, const Properties &props)
{
	NodeState &node = nodes_[id];
	node.id = id;
	node.props = props;
	node.name = propOr(props, "node.name");
	node.clientId = parseId(props, "client.id");
	assignNode(node);
}

void SeatZoneModel::removeNode(std::uint32_t id)
{
	nodes_.erase(id);
}

const NodeState *SeatZoneModel::node(std::uint32_t id) const
{
	auto it = nodes_.find(id);
	return it == nodes_.end() ? nullptr : &it->second;
}

const ClientState *SeatZoneModel::client(std::uint32_t id) const
{
	auto it = clients_.find(id);
	return it == clients_.end() ? nullptr : &it->second;
}

bool SeatZoneModel::ownedBySessionManager(const NodeState &node) const
{
	const ClientState *owner = node.clientId ? client(*node.clientId) : nullptr;
	return owner && owner->source == SeatSource::SessionManager;
}

std::optional<std::uint32_t> SeatZoneModel::selectTarget(std::uint32_t streamId) const
{
	const NodeState *stream = node(streamId);
	if (!stream || stream->role != NodeRole::Stream)
		return std::nullopt;
	if (stream->targetStream) {
		/* A share's capture side: the shared stream, while it is there and playing. */
		const NodeState *source = node(*stream->targetStream);
		if (!source || source->role != NodeRole::Stream ||
		    source->direction != Direction::Playback || source->seat != stream->seat)
			return std::nullopt;
		return source->id;
	}
	return bestDevice(stream->zone, stream->direction);
}

std::optional<std::uint32_t> SeatZoneModel::bestDevice(std::string_view zone,
						       Direction direction) const
{
	if (zone.empty())
		return std::nullopt;
	const NodeState *best = nullptr;
	for (const auto &[id, candidate] : nodes_) {
		if (candidate.role != NodeRole::Device || candidate.zone != zone ||
		    candidate.direction != direction)
			continue;
		/*
		 * Lower rank is a better device; a device attached to the seat
		 * (plugged into its port, or a Bluetooth headset bound to it)
		 * beats the zone's own of the same rank;
		 * among equals the oldest node wins.
		 */
		if (!best || candidate.rank < best->rank ||
		    (candidate.rank == best->rank && candidate.attachedToSeat() &&
		     !best->attachedToSeat()))
			best = &candidate;
	}
	if (!best)
		return std::nullopt;
	return best->id;
}

bool SeatZoneModel::mayTarget(std::uint32_t streamId, std::uint32_t targetId) const
{
	const NodeState *stream = node(streamId);
	const NodeState *target = node(targetId);
	if (!stream || !target || stream->seat.empty())
		return false;
	if (target->role == NodeRole::Stream)
		return target->seat == stream->seat;
	if (target->role != NodeRole::Device || target->zone.empty())
		return false;
	const ZoneConfig *zone = config_.findZone(target->zone);
	return zone && config_.seatMayUse(stream->seat, *zone);
}

std::vector<std::string> SeatZoneModel::takeWarnings()
{
	return std::exchange(warnings_, {});
}

bool SeatZoneModel::seatMaySee(std::string_view seat, const NodeState &node) const
{
	if (node.role == NodeRole::Stream)
		return !node.seat.empty() && node.seat == seat;
	if (node.role != NodeRole::Device || node.zone.empty())
		return false;
	const ZoneConfig *zone = config_.findZone(node.zone);
	return zone && config_.seatMayUse(seat, *zone);
}

std::string SeatZoneModel::stateJson(std::string_view onlySeat, const ShareBook *shares) const
{
	StateExtras extras;
	extras.shares = shares;
	return stateJson(onlySeat, extras);
}

std::string SeatZoneModel::stateJson(std::string_view onlySeat, const StateExtras &extras) const
{
	const bool all = onlySeat.empty();
	JsonWriter json;
	json.beginObject();
	json.key("version").value(1);
	json.key("default-seat").value(defaultSeat_);

	json.key("seats").beginArray();
	for (const SeatConfig &seat : config_.seats) {
		if (!all && seat.name != onlySeat)
			continue;
		json.beginObject();
		json.key("name").value(seat.name);
		json.key("home-zone").value(seat.homeZone);
		json.key("zones").beginArray();
		for (const ZoneConfig &zone : config_.zones)
			if (config_.seatMayUse(seat.name, zone))
				json.value(zone.name);
		json.endArray();
		json.key("uids").beginArray();
		for (std::uint32_t uid : seat.uids)
			json.value(uid);
		json.endArray();
		if (!seat.logindSeat.empty())
			json.key("logind-seat").value(seat.logindSeat);
		json.key("clients").beginArray();
		for (const auto &[id, client] : clients_)
			if (client.seat == seat.name)
				json.value(id);
		json.endArray();
		json.endObject();
	}
	json.endArray();

	json.key("zones").beginArray();
	for (const ZoneConfig &zone : config_.zones) {
		if (!all && !config_.seatMayUse(onlySeat, zone))
			continue;
		json.beginObject();
		json.key("name").value(zone.name);
		json.key("kind").value(zone.kind == ZoneKind::Personal ? "personal" : "shared");
		json.key(zone.kind == ZoneKind::Personal ? "seat" : "owner").value(zone.seat);
		json.key("devices").beginArray();
		for (const DeviceRule &rule : zone.devices) {
			json.beginObject();
			json.key("matches").raw(rule.rules.source());
			json.endObject();
		}
		json.endArray();
		if (extras.zone)
			extras.zone(json, zone);
		json.endObject();
	}
	json.endArray();

	json.key("clients").beginArray();
	for (const auto &[id, client] : clients_) {
		if (!all && client.seat != onlySeat)
			continue;
		json.beginObject();
		json.key("id").value(id);
		json.key("seat").value(client.seat);
		json.key("role").value(toString(client.role));
		json.key("identity").value(toString(client.source));
		json.key("application").value(client.application);
		json.endObject();
	}
	json.endArray();

	json.key("nodes").beginArray();
	for (const auto &[id, node] : nodes_) {
		if (node.role == NodeRole::Other || (!all && !seatMaySee(onlySeat, node)))
			continue;
		json.beginObject();
		json.key("id").value(id);
		json.key("name").value(node.name);
		json.key("role").value(node.role == NodeRole::Device ? "device" : "stream");
		json.key("direction")
			.value(node.direction == Direction::Playback ? "playback" : "capture");
		json.key("seat").value(node.seat);
		json.key("zone").value(node.zone);
		if (node.role == NodeRole::Device) {
			json.key("rank").value(static_cast<std::int64_t>(node.rank));
			if (!node.logindSeat.empty())
				json.key("logind-seat").value(node.logindSeat);
			if (node.sharedCard)
				json.key("shared-card").value(true);
			if (!node.bluetoothAddress.empty())
				json.key("bluetooth-address").value(node.bluetoothAddress);
		} else if (node.clientId) {
			json.key("client").value(*node.clientId);
		}
		if (extras.node)
			extras.node(json, node);
		json.endObject();
	}
	json.endArray();

	json.key("shares").beginArray();
	if (extras.shares)
		extras.shares->writeJson(json, onlySeat);
	json.endArray();
	if (extras.sections)
		extras.sections(json, onlySeat);

	json.key("errors").beginArray();
	for (const std::string &error : config_.errors)
		json.value(error);
	for (const std::string &error : runtimeErrors_)
		json.value(error);
	json.endArray();
	json.endObject();
	return json.str();
}

} // namespace cabin
