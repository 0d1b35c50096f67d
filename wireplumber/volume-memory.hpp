/* SPDX-License-Identifier: MIT */
/*
 * The volumes and mutes Cabin remembers, and for whom. WirePlumber's own
 * stream restore keeps one table for the whole graph, keyed by what an
 * application calls itself, so one seat's saved volume reached every
 * seat's next stream of the same role, and one seat's muted emergency
 * muted the car's. Here a stream's memory is its seat's: the seat module-
 * cabin decided from the socket or uid comes first in every key, and only
 * the rest comes from the application. Streams of announcement classes are
 * never remembered: they always start at the level their application asks.
 * Zone devices are remembered by name. Plain C++; module-cabin reads the
 * volumes, restores them and keeps them in WirePlumber's state
 * (docs/module-cabin.md#volume-memory).
 *
 * \context main thread (WirePlumber's GMainContext) for every member.
 */
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "role-policy.hpp"
#include "seat-zone-model.hpp"

namespace cabin {

/* A node's own volume, as the user sets it: its channels and mute (not Cabin's gain). */
struct SavedVolume {
	std::vector<float> channelVolumes;
	bool mute = false;

	bool operator==(const SavedVolume &) const = default;
	std::string toJson() const;
	/* Parses toJson()'s form; nullopt when it is not that, or out of range. */
	static std::optional<SavedVolume> fromJson(std::string_view text);
};

class VolumeMemory
{
public:
	/* Keys per seat at most; a seat's new keys past it are not remembered. */
	static constexpr std::size_t kMaxKeysPerSeat = 128;

	VolumeMemory(const SeatZoneModel &model, const RolePolicy &roles)
	    : model_(model), roles_(roles)
	{
	}

	/*
	 * The key \a node's volume is remembered under: for a seat's stream,
	 * its seat, direction and the first of `media.role`,
	 * `application.id`, `application.name`; for a device in a zone, its
	 * name. None for streams of no seat, of the session manager or of an
	 * announcement class, and for other nodes.
	 */
	std::optional<std::string> keyOf(const NodeState &node) const;

	std::optional<SavedVolume> recall(const std::string &key) const;
	/* Remembers \a volume; false when nothing changed or the seat has no room left. */
	bool remember(const std::string &key, const SavedVolume &volume);

	/* Every entry as key -> toJson(), to save. */
	std::map<std::string, std::string> entries() const;
	/* Takes saved entries; returns a message for each one dropped. */
	std::vector<std::string> load(const std::map<std::string, std::string> &saved);

private:
	/* The seat a key belongs to ("" for devices). */
	static std::string seatOf(const std::string &key);

	const SeatZoneModel &model_;
	const RolePolicy &roles_;
	std::map<std::string, SavedVolume> entries_;
	std::map<std::string, std::size_t> keysPerSeat_;
};

/*
 * The volume to restore on a node whose own has \a channels channels:
 * \a saved as it is when the counts match, spread when it was one level
 * for all channels; nullopt otherwise.
 */
std::optional<SavedVolume> fitChannels(const SavedVolume &saved, std::size_t channels);

} // namespace cabin
