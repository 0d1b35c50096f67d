/* SPDX-License-Identifier: MIT */
/*
 * Announcements: playback streams of the announcer, addressed to all zones
 * or to named seats and zones, and the report of where each was heard and
 * when. The book decides who may address whom and keeps the delivery
 * states; module-cabin fans the audio out to the zones and tells the book
 * what happened. Plain C++, no GObject (docs/announcements.md).
 *
 * \context main thread (WirePlumber's GMainContext) for every member.
 */
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "json.hpp"
#include "role-policy.hpp"
#include "seat-zone-model.hpp"

namespace cabin {

/* Stream property with the address: "all", or seat and zone names separated by commas. */
inline constexpr const char *kAnnounceToProperty = "cabin.announce.to";
/* Node property of an announcement's fan-out sink and outputs (set by module-cabin only). */
inline constexpr const char *kNodeAnnouncementProperty = "cabin.announcement.id";
/* Node property of the fan-out sink: the announcer client that may link to it. */
inline constexpr const char *kNodeAnnouncementClientProperty = "cabin.announcement.client";

enum class AnnouncementState { Waiting, Playing, Done, Refused };
/*
 * Silent: its output ran but carried no sound (a level probe listened);
 * Muted: it carried sound, but the zone's device was muted or at zero
 * when the announcement ended.
 */
enum class DeliveryState { Waiting, Playing, Done, NoDevice, Lost, Silent, Muted };

const char *toString(AnnouncementState state);
const char *toString(DeliveryState state);

struct ZoneDelivery {
	std::string zone;
	/* The device node chosen when the announcement started ("" for none). */
	std::string device;
	std::uint32_t deviceId = 0;
	DeliveryState state = DeliveryState::Waiting;
	/* What module-cabin heard in the zone, if it listened (see setOutputHeard). */
	std::optional<bool> heard;
	bool deviceMuted = false;
	/* Wall-clock microseconds. */
	std::optional<std::int64_t> started;
	std::optional<std::int64_t> ended;
};

struct Announcement {
	std::uint32_t id = 0;
	std::uint32_t stream = 0;
	std::uint32_t client = 0;
	std::string application;
	std::string media;
	std::string role;
	std::vector<std::string> to;
	AnnouncementState state = AnnouncementState::Waiting;
	std::string error;
	std::optional<std::int64_t> started;
	std::optional<std::int64_t> ended;
	std::vector<ZoneDelivery> zones;

	bool live() const
	{
		return state == AnnouncementState::Waiting || state == AnnouncementState::Playing;
	}
};

class AnnouncementBook
{
public:
	/* Finished and refused announcements kept for the report. */
	static constexpr std::size_t kMaxFinished = 16;

	AnnouncementBook(const SeatZoneModel &model, const RolePolicy &roles)
	    : model_(model), roles_(roles)
	{
	}

	/*
	 * Looks at a new playback stream. Streams of the announcer become
	 * announcements (or are refused, with the reason); a seat stream that
	 * addresses other seats is recorded as refused and plays in its own
	 * zone only. Returns the announcement, or nullptr for ordinary streams.
	 * \a warning receives a message for the log when something was refused
	 * or ignored.
	 */
	const Announcement *addStream(const NodeState &stream, std::string *warning);

	/* The announcement of a live announcer stream, or nullptr. */
	const Announcement *findByStream(std::uint32_t stream) const;
	const Announcement *find(std::uint32_t id) const;
	const std::vector<Announcement> &announcements() const { return announcements_; }

	/* The announcer's stream runs (it is linked and produces) or stopped running. */
	void setStreamRunning(std::uint32_t stream, bool running, std::int64_t now);
	/* A zone's output runs on its device, or stopped running. */
	void setOutputRunning(std::uint32_t id, std::string_view zone, bool running,
			      std::int64_t now);
	/*
	 * What a zone got, as the announcement ends: whether its output
	 * carried sound, and whether its device was muted or at zero. Its
	 * delivery is then `done` only if it was heard and not muted.
	 */
	void setOutputHeard(std::uint32_t id, std::string_view zone, bool heard, bool deviceMuted);
	/* A zone's output went away while the announcement lasted. */
	void outputLost(std::uint32_t id, std::string_view zone, std::int64_t now);
	/* The announcer's stream went away: the announcement is over. */
	bool removeStream(std::uint32_t stream, std::int64_t now);
	void clear();

	/* Announcements as JSON array items; a seat sees only its zones' deliveries. */
	void writeJson(JsonWriter &json, std::string_view onlySeat = {}) const;

	std::uint64_t generation() const { return generation_; }

private:
	Announcement *findMutable(std::uint32_t id);
	void updateZone(Announcement &announcement, ZoneDelivery &zone, std::int64_t now);
	void trimFinished();
	std::vector<std::string> resolveAddress(const Announcement &announcement,
						std::string_view address,
						std::string *warning) const;

	const SeatZoneModel &model_;
	const RolePolicy &roles_;
	std::vector<Announcement> announcements_;
	/* Running state of streams and outputs, to tell when a zone really plays. */
	struct Running {
		bool stream = false;
		std::vector<std::string> zones;
	};
	std::map<std::uint32_t, Running> running_;
	std::uint32_t nextId_ = 1;
	std::uint64_t generation_ = 0;
};

} // namespace cabin
