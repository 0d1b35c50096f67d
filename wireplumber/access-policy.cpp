/* SPDX-License-Identifier: MIT */
#include "access-policy.hpp"

#include <charconv>

#include "announcement-book.hpp"

namespace cabin {

namespace {

constexpr std::uint32_t kNone = 0;
constexpr std::uint32_t kSee = PW_PERM_R;
constexpr std::uint32_t kUse = PW_PERM_R | PW_PERM_X;
constexpr std::uint32_t kOwn = PW_PERM_R | PW_PERM_W | PW_PERM_X | PW_PERM_M;
/*
 * A client's own client object: W lets it update its properties (the
 * server refuses pipewire.sec.* and pipewire.access) and only lower its own
 * permissions. M lets it set metadata with itself as subject: that is
 * where it writes share requests (docs/sharing.md).
 */
constexpr std::uint32_t kOwnClient = PW_PERM_R | PW_PERM_W | PW_PERM_X | PW_PERM_M;

/* Defaults, graph settings and WirePlumber's settings (cabin.default-seat). */
bool isAdministeredMetadata(std::string_view name)
{
	return name == "default" || name == "settings" || name == "sm-settings" ||
	       name == "persistent-sm-settings";
}

/* Factories a seat's applications need: streams (client-node) and their own links. */
bool isClientFactory(std::string_view name)
{
	return name == "client-node" || name == "link-factory";
}

std::uint32_t idOf(const Properties &props, std::string_view key)
{
	auto it = props.find(key);
	std::uint32_t value = 0;
	if (it != props.end())
		std::from_chars(it->second.data(), it->second.data() + it->second.size(), value);
	return value;
}

std::string valueOf(const Properties &props, std::string_view key)
{
	auto it = props.find(key);
	return it == props.end() ? std::string() : it->second;
}

} // namespace

GraphObject describeGlobal(ObjectKind kind, const Properties &globalProps)
{
	GraphObject object;
	object.kind = kind;
	switch (kind) {
	case ObjectKind::Factory:
		object.name = valueOf(globalProps, "factory.name");
		break;
	case ObjectKind::Metadata:
		object.name = valueOf(globalProps, "metadata.name");
		break;
	case ObjectKind::Port:
		object.nodeId = idOf(globalProps, "node.id");
		break;
	case ObjectKind::Link:
		object.nodeId = idOf(globalProps, "link.output.node");
		object.peerNodeId = idOf(globalProps, "link.input.node");
		break;
	default:
		break;
	}
	return object;
}

std::string seatMetadataName(std::string_view seat)
{
	return "cabin.seat." + std::string(seat);
}

AccessPolicy::AccessPolicy(const SeatZoneModel &model) : model_(model)
{
	/* The core is not announced like other globals, yet every client needs it. */
	objects_[PW_ID_CORE] = GraphObject{ObjectKind::Core, {}, 0, 0};
}

void AccessPolicy::addObject(std::uint32_t id, GraphObject object)
{
	objects_[id] = std::move(object);
	dirty_.insert(id);
}

void AccessPolicy::removeObject(std::uint32_t id)
{
	if (id == PW_ID_CORE)
		return;
	objects_.erase(id);
	dirty_.erase(id);
	/* The server forgets a destroyed global's entries; a reused id starts afresh. */
	for (auto &[client, granted] : granted_)
		granted.erase(id);
}

void AccessPolicy::nodeChanged(std::uint32_t nodeId)
{
	dirty_.insert(nodeId);
	for (const auto &[id, object] : objects_)
		if ((object.kind == ObjectKind::Port || object.kind == ObjectKind::Link) &&
		    (object.nodeId == nodeId || object.peerNodeId == nodeId))
			dirty_.insert(id);
}

std::uint32_t AccessPolicy::nodePermissions(const ClientState &client, std::uint32_t nodeId) const
{
	const NodeState *node = model_.node(nodeId);
	if (!node)
		return kNone;
	/* What a client made is its own, whatever its seat. */
	if (node->clientId == client.id)
		return kOwn;
	switch (client.role) {
	case ClientRole::Administrator:
		return kOwn;
	case ClientRole::Announcer: {
		/* The fan-out sink of its own announcement: it links its stream there. */
		auto owner = node->props.find(kNodeAnnouncementClientProperty);
		return owner != node->props.end() && owner->second == std::to_string(client.id) &&
				       model_.ownedBySessionManager(*node)
			       ? kSee
			       : kNone;
	}
	case ClientRole::Seat:
		break;
	}
	if (client.seat.empty() || !model_.seatMaySee(client.seat, *node))
		return kNone;
	/*
	 * An announcement's output in the seat's zone, and a level probe on one
	 * of its streams, are the car's: seen, never muted, turned down or
	 * destroyed by a passenger.
	 */
	if (model_.ownedBySessionManager(*node) &&
	    (node->props.contains(kNodeAnnouncementProperty) ||
	     node->props.contains(kNodeProbeProperty)))
		return kSee;
	return kOwn;
}

std::uint32_t AccessPolicy::permissions(const ClientState &client, std::uint32_t id) const
{
	if (id == PW_ID_CORE)
		/* M on the core is what writing default.audio.sink and friends needs. */
		return client.role == ClientRole::Administrator ? kUse | PW_PERM_M : kUse;
	auto it = objects_.find(id);
	if (it == objects_.end())
		return kNone;
	const GraphObject &object = it->second;
	switch (object.kind) {
	case ObjectKind::Node:
		return nodePermissions(client, id);
	case ObjectKind::Port:
		return nodePermissions(client, object.nodeId) ? kUse : kNone;
	case ObjectKind::Link:
		/* No X: a link has no methods, and R|X would let the client destroy it. */
		return nodePermissions(client, object.nodeId) &&
				       nodePermissions(client, object.peerNodeId)
			       ? kSee
			       : kNone;
	default:
		break;
	}
	switch (client.role) {
	case ClientRole::Administrator:
		return administratorPermissions(client, object, id);
	case ClientRole::Announcer:
		return announcerPermissions(client, object, id);
	case ClientRole::Seat:
		break;
	}
	return seatPermissions(client, object, id);
}

std::uint32_t AccessPolicy::seatPermissions(const ClientState &client, const GraphObject &object,
					    std::uint32_t id) const
{
	switch (object.kind) {
	case ObjectKind::Client: {
		if (id == client.id)
			return kOwnClient;
		/* Sight of a client reveals its pid, uid and application: same seat only. */
		const ClientState *other = model_.client(id);
		return other && !client.seat.empty() && other->seat == client.seat ? kSee : kNone;
	}
	case ObjectKind::Factory:
		return isClientFactory(object.name) ? kSee : kNone;
	case ObjectKind::Metadata:
		if (object.name == "default")
			return kSee;
		/* The seat's own metadata: its state, and requests about its own objects. */
		if (!client.seat.empty() && object.name == seatMetadataName(client.seat))
			return kUse | PW_PERM_W;
		return kNone;
	default:
		/* Devices, modules and anything unknown stay hidden. */
		return kNone;
	}
}

std::uint32_t AccessPolicy::administratorPermissions(const ClientState &client,
						     const GraphObject &object,
						     std::uint32_t id) const
{
	switch (object.kind) {
	case ObjectKind::Client:
		/* W on another client object would let it re-permission that client. */
		return id == client.id ? kOwnClient : kSee;
	case ObjectKind::Device:
		return kOwn;
	case ObjectKind::Factory:
		/* Objects inside the daemon are made through the manager socket, not here. */
		return isClientFactory(object.name) ? kSee : kNone;
	case ObjectKind::Metadata:
		return isAdministeredMetadata(object.name) ? kUse | PW_PERM_W : kSee;
	default:
		return kSee;
	}
}

std::uint32_t AccessPolicy::announcerPermissions(const ClientState &client,
						 const GraphObject &object, std::uint32_t id) const
{
	switch (object.kind) {
	case ObjectKind::Client:
		return id == client.id ? kOwnClient : kNone;
	case ObjectKind::Factory:
		return object.name == "client-node" ? kSee : kNone;
	case ObjectKind::Metadata:
		/* The state, where deliveries are reported. */
		return object.name == "cabin" ? kSee : kNone;
	default:
		return kNone;
	}
}

void AccessPolicy::diffObject(const ClientState &client,
			      std::map<std::uint32_t, std::uint32_t> &granted, std::uint32_t id,
			      PermissionList &changes) const
{
	std::uint32_t wanted = permissions(client, id);
	auto it = granted.find(id);
	std::uint32_t old = it == granted.end() ? kNone : it->second;
	if (wanted == old)
		return;
	changes.push_back(PW_PERMISSION_INIT(id, wanted));
	if (wanted == kNone)
		granted.erase(it);
	else
		granted[id] = wanted;
}

PermissionList AccessPolicy::admit(const ClientState &client)
{
	auto &granted = granted_[client.id];
	granted.clear();
	PermissionList list;
	list.push_back(PW_PERMISSION_INIT(PW_ID_ANY, kNone));
	/*
	 * Every known object gets an entry, "none" included: a client admitted
	 * again (WirePlumber restarted) may still hold entries from before,
	 * and the default does not override them.
	 */
	for (const auto &[id, object] : objects_) {
		if (id == PW_ID_CORE)
			continue;
		std::uint32_t wanted = permissions(client, id);
		list.push_back(PW_PERMISSION_INIT(id, wanted));
		if (wanted != kNone)
			granted[id] = wanted;
	}
	std::uint32_t core = permissions(client, PW_ID_CORE);
	list.push_back(PW_PERMISSION_INIT(PW_ID_CORE, core));
	granted[PW_ID_CORE] = core;
	return list;
}

std::vector<std::pair<std::uint32_t, PermissionList>> AccessPolicy::takeUpdates()
{
	std::vector<std::pair<std::uint32_t, PermissionList>> updates;
	for (auto &[clientId, granted] : granted_) {
		const ClientState *client = model_.client(clientId);
		if (!client)
			continue;
		PermissionList changes;
		if (allDirty_) {
			for (const auto &[id, object] : objects_)
				diffObject(*client, granted, id, changes);
		} else {
			for (std::uint32_t id : dirty_)
				diffObject(*client, granted, id, changes);
		}
		if (!changes.empty())
			updates.emplace_back(clientId, std::move(changes));
	}
	dirty_.clear();
	allDirty_ = false;
	return updates;
}

} // namespace cabin
