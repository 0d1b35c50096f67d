/* SPDX-License-Identifier: MIT */
/*
 * AccessPolicy: which PipeWire objects each client that Cabin manages may
 * see and touch. Plain C++ over the SeatZoneModel; the module glue feeds it
 * every global and sends what it computes with
 * wp_client_update_permissions_array().
 *
 * Fail closed: a managed client's default (PW_ID_ANY) is no permission, and
 * every object it may use is granted explicitly once Cabin has seen it, so
 * an object created between two policy passes stays hidden, never exposed.
 *
 * \context main thread (WirePlumber's GMainContext) for every member.
 */
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <pipewire/core.h>
#include <pipewire/permission.h>

#include "seat-zone-model.hpp"

namespace cabin {

enum class ObjectKind { Core, Client, Node, Port, Link, Device, Factory, Metadata, Module, Other };

/* A global as the registry announced it; only the keys permissions depend on. */
struct GraphObject {
	ObjectKind kind = ObjectKind::Other;
	/* Factory: factory.name; metadata: metadata.name. */
	std::string name;
	/* Port: its node. Link: its output node. */
	std::uint32_t nodeId = 0;
	/* Link: its input node. */
	std::uint32_t peerNodeId = 0;
};

/* Builds a GraphObject from a global's type and its registry properties. */
GraphObject describeGlobal(ObjectKind kind, const Properties &globalProps);

/* The per-seat metadata object a seat's clients may read and write. */
std::string seatMetadataName(std::string_view seat);

using PermissionList = std::vector<struct pw_permission>;

class AccessPolicy
{
public:
	explicit AccessPolicy(const SeatZoneModel &model);

	void addObject(std::uint32_t id, GraphObject object);
	void removeObject(std::uint32_t id);
	/* Something the permissions of object \a id depend on changed. */
	void objectChanged(std::uint32_t id) { dirty_.insert(id); }
	/* A node's seat or zone changed: its ports and links are re-evaluated with it. */
	void nodeChanged(std::uint32_t nodeId);
	/* Re-evaluates everything (config or default seat changed). */
	void allChanged() { allDirty_ = true; }

	/* Permission bits (PW_PERM_*) of \a client on object \a id. */
	std::uint32_t permissions(const ClientState &client, std::uint32_t id) const;

	/*
	 * The whole list for a client Cabin has just seen, in one update: the
	 * default (nothing) first and the core last, since the core's R is what
	 * lets the server start processing the client.
	 */
	PermissionList admit(const ClientState &client);
	void forgetClient(std::uint32_t clientId) { granted_.erase(clientId); }

	/* For each admitted client, the entries that changed since the last call. */
	std::vector<std::pair<std::uint32_t, PermissionList>> takeUpdates();

	std::size_t objectCount() const { return objects_.size(); }

private:
	std::uint32_t nodePermissions(const ClientState &client, std::uint32_t nodeId) const;
	std::uint32_t seatPermissions(const ClientState &client, const GraphObject &object,
				      std::uint32_t id) const;
	std::uint32_t administratorPermissions(const ClientState &client, const GraphObject &object,
					       std::uint32_t id) const;
	std::uint32_t announcerPermissions(const ClientState &client, const GraphObject &object,
					   std::uint32_t id) const;
	void diffObject(const ClientState &client, std::map<std::uint32_t, std::uint32_t> &granted,
			std::uint32_t id, PermissionList &changes) const;

	const SeatZoneModel &model_;
	std::map<std::uint32_t, GraphObject> objects_;
	/* Per admitted client: the permission last sent for each object (0 = none). */
	std::map<std::uint32_t, std::map<std::uint32_t, std::uint32_t>> granted_;
	std::set<std::uint32_t> dirty_;
	bool allDirty_ = false;
};

} // namespace cabin
