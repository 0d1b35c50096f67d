/* SPDX-License-Identifier: MIT */
/*
 * The `cabinctl status` report: module-cabin's published state joined with
 * the graph's links, rendered as a tree or as JSON. Plain C++ without
 * libpipewire so unit tests can feed it canned input.
 */
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "json.hpp"

namespace cabin {

/* Version of the `cabinctl status --json` schema. */
inline constexpr int kStatusSchemaVersion = 1;

struct StatusLink {
	std::uint32_t outputNode = 0;
	std::uint32_t inputNode = 0;
};

struct StreamReport {
	std::uint32_t id = 0;
	std::string name;
	std::string direction; /* "playback" or "capture" */
	/* Nodes the stream plays to (playback) or records from (capture), sorted unique. */
	std::vector<std::uint32_t> linkedTo;
};

struct DeviceReport {
	std::uint32_t id = 0;
	std::string name;
	std::string direction;
	/* Index of the zone's device rule the node matched: 0 is the best. */
	std::optional<std::int64_t> rank;
	/* Streams linked to this device, sorted unique. */
	std::vector<std::uint32_t> streams;
};

struct SeatReport {
	std::string name;
	std::string homeZone;
	std::vector<std::string> zones;
	std::vector<StreamReport> streams;
};

struct ZoneReport {
	std::string name;
	std::string kind; /* "shared" or "personal" */
	/* Owner of a shared zone, seat of a personal one. */
	std::string seat;
	/* Present devices, by rank then id. */
	std::vector<DeviceReport> devices;
};

struct StatusReport {
	std::string defaultSeat;
	std::vector<SeatReport> seats;
	std::vector<ZoneReport> zones;
	std::vector<DeviceReport> unassignedDevices;
	std::vector<StreamReport> unseatedStreams;
	std::vector<std::string> errors;
	/* Names of every node known, for labelling link peers. */
	std::map<std::uint32_t, std::string> names;
};

/*
 * Joins the `cabin.state` document with the links of the graph.
 * \a nodeNames (from the registry) names nodes the state does not list.
 */
StatusReport buildStatusReport(const JsonValue &state, const std::vector<StatusLink> &links,
			       const std::map<std::uint32_t, std::string> &nodeNames);

std::string formatStatusText(const StatusReport &report);
/* One strict JSON document, without a trailing newline. */
std::string formatStatusJson(const StatusReport &report);

} // namespace cabin
