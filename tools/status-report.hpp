/* SPDX-License-Identifier: MIT */
/*
 * What cabinctl shows: the `status` report (module-cabin's published state
 * joined with the graph's links, rendered as a tree or as JSON), the
 * `offers` list, the sharing requests and replies of docs/sharing.md, and
 * the checks and delivery report of `announce`.
 * Plain C++ without libpipewire so unit tests can feed it canned input.
 */
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
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
	/* Role arbitration, "" and nullopt while module-cabin publishes none. */
	std::string roleClass;
	std::string action; /* "mix", "duck" or "cork" */
	/* Linear gain of a ducked stream. */
	std::optional<double> gain;
	/* The role class that ducks or corks it. */
	std::string by;
	/* Running but silent for a while: it ducks nobody. */
	bool silent = false;
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
	/* The highest-priority role classes playing in the zone now. */
	std::vector<std::string> activeRoles;
};

/* One entry of `shares` in `cabin.state` (docs/sharing.md). */
struct ShareReport {
	std::uint32_t id = 0;
	/* Node id of the shared stream. */
	std::uint32_t stream = 0;
	std::string application;
	std::string media;
	std::string from;
	/* The seat or zone named in the offer, and the zone that resolved to. */
	std::string to;
	std::string zone;
	std::string receiver;
	std::string state; /* "offered", "accepted", "declined" or "stopped" */
	/* The seat that last changed the state, "auto", or "". */
	std::string decidedBy;
	/* While accepted: the node that plays the share in the zone, once it exists. */
	std::optional<std::uint32_t> node;
};

/* One zone of an announcement: where it played, and how far it got. */
struct AnnouncementZoneReport {
	std::string zone;
	/* The device it played on, "" when none. */
	std::string device;
	/* "waiting", "playing", "done", "no-device", "lost", "silent" or "muted" */
	std::string state;
	/* Microseconds, CLOCK_REALTIME. */
	std::optional<std::int64_t> started;
	std::optional<std::int64_t> ended;
};

/* One entry of `announcements` in `cabin.state`. */
struct AnnouncementReport {
	std::uint32_t id = 0;
	/* Node id of the announcing stream. */
	std::uint32_t stream = 0;
	std::optional<std::uint32_t> client;
	std::string application;
	std::string media;
	std::string role;
	/* The seats and zones as requested; {"all"} for all. */
	std::vector<std::string> to;
	std::string state; /* "waiting", "playing", "done" or "refused" */
	/* Why it was refused. */
	std::string error;
	std::optional<std::int64_t> started;
	std::optional<std::int64_t> ended;
	std::vector<AnnouncementZoneReport> zones;
};

struct StatusReport {
	std::string defaultSeat;
	std::vector<SeatReport> seats;
	std::vector<ZoneReport> zones;
	/* By id. */
	std::vector<ShareReport> shares;
	/* By id. */
	std::vector<AnnouncementReport> announcements;
	std::vector<DeviceReport> unassignedDevices;
	std::vector<StreamReport> unseatedStreams;
	/* module-cabin's errors, then the entries of the state that could not be read. */
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

/*
 * The `shares` of a `cabin.state` document, by id; none when the member is
 * absent (a state from before sharing). An entry that cannot be read is
 * skipped, and a line saying why is appended to \a notes.
 */
std::vector<ShareReport> readShares(const JsonValue &state, std::vector<std::string> &notes);

/* What `cabinctl offers` lists: the offered or accepted shares \a seat decides. */
std::vector<ShareReport> selectOffers(const std::vector<ShareReport> &shares,
				      std::string_view seat);
/* One line per share, or "no offers". */
std::string formatOffersText(const std::vector<ShareReport> &offers);
/* A JSON array of `cabin.state` share entries, without a trailing newline. */
std::string formatOffersJson(const std::vector<ShareReport> &offers);

/* One request of the sharing protocol (docs/sharing.md). */
struct ShareRequest {
	/* "offer", "accept", "decline", "stop", or "bluetooth-claim", "-confirm", "-release" */
	std::string action;
	/* The stream to offer, or the share to decide on or stop. */
	std::uint32_t id = 0;
	/* Offer only: the seat or zone to offer to. */
	std::string to;
	/* Bluetooth actions only: the device's address. */
	std::string address;
};

/* A `cabin.reply` to one of our requests. */
struct ShareResult {
	bool ok = false;
	std::string error;
	std::optional<std::uint32_t> share;
	std::string state;
};

/* A Bluetooth device in the state's `bluetooth` array. */
struct BluetoothReport {
	std::string address;
	std::string name;
	/* "held", "claimed" or "bound". */
	std::string state;
	std::string seat;
	std::string zone;
	bool present = false;
};

/* The `bluetooth` array of a `cabin.state`; unreadable entries are skipped with a note. */
std::vector<BluetoothReport> readBluetooth(const JsonValue &state, std::vector<std::string> &notes);
/* `cabinctl bluetooth`: one line per device, or "no Bluetooth devices". */
std::string formatBluetoothText(const std::vector<BluetoothReport> &devices);
std::string formatBluetoothJson(const std::vector<BluetoothReport> &devices);

/* The `cabin.request` value for \a request, tagged with \a token. */
std::string formatShareRequest(const ShareRequest &request, std::string_view token);

/*
 * Reads a `cabin.reply` value. Every client of the seat sees every reply, so
 * anything that is not the reply to \a token gives nullopt.
 */
std::optional<ShareResult> parseShareReply(std::string_view reply, std::string_view token);

/* What cabinctl prints when \a result is ok, e.g. "share 3: offered to rear-right". */
std::string formatShareResult(const ShareRequest &request, const ShareResult &result);

/*
 * The seats and zones of `announce --to`: "all", or names separated by
 * commas, each non-empty once blanks around it are dropped. On a bad list
 * returns nullopt and sets \a error.
 */
std::optional<std::vector<std::string>> splitAnnounceTargets(std::string_view to,
							     std::string &error);

/*
 * Checks the names of splitAnnounceTargets() against the `seats` and
 * `zones` of \a state; returns why the first unknown one is refused.
 */
std::optional<std::string> checkAnnounceTargets(const JsonValue &state,
						const std::vector<std::string> &targets);

/*
 * Checks `announce --role` against the `roles` of \a state: a class name or
 * one of its media roles. Any role passes a state without `roles`.
 */
std::optional<std::string> checkAnnounceRole(const JsonValue &state, std::string_view role);

/*
 * The `announcements` of a `cabin.state` document, by id; none when the
 * member is absent. Entries that cannot be read are skipped, as by readShares().
 */
std::vector<AnnouncementReport> readAnnouncements(const JsonValue &state,
						  std::vector<std::string> &notes);

/*
 * The announcement of our stream \a stream, made by client \a client:
 * node ids are reused, so entries listed before the stream existed (ids
 * in \a earlier) and other clients' entries are not ours. The newest wins.
 */
std::optional<AnnouncementReport>
findAnnouncement(const std::vector<AnnouncementReport> &announcements, std::uint32_t stream,
		 std::uint32_t client, const std::vector<std::uint32_t> &earlier);

/* Whether module-cabin is done with it: refused, done, or no zone still waiting or playing. */
bool announcementSettled(const AnnouncementReport &announcement);
/* Whether it played to the end in every zone it was for. */
bool announcementDelivered(const AnnouncementReport &announcement);

/* The delivery report of `announce`: a heading and one line per zone. */
std::string formatAnnouncementText(const AnnouncementReport &announcement);
/* The announcement as a JSON object, without a trailing newline. */
std::string formatAnnouncementJson(const AnnouncementReport &announcement);

} // namespace cabin
