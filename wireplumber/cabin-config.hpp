/* SPDX-License-Identifier: MIT */
/*
 * The static seat/zone configuration: the `cabin.seats` and `cabin.zones`
 * sections of the WirePlumber config, parsed and validated. Invalid entries
 * are reported in `errors` and skipped; everything valid is kept.
 */
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "json.hpp"
#include "match-rules.hpp"

namespace cabin {

struct SeatConfig {
	std::string name;
	std::vector<std::uint32_t> uids;
	/* Resolved after validation: the zone streams of this seat go to. */
	std::string homeZone;
	/* Seats whose share offers this seat accepts without asking. */
	std::vector<std::string> acceptSharesFrom;
	/* The logind seat (`seat1`) whose sessions and devices are this seat's; "" for none. */
	std::string logindSeat;
};

enum class ZoneKind { Personal, Shared };

struct DeviceRule {
	MatchRules rules;
};

struct ZoneConfig {
	std::string name;
	ZoneKind kind = ZoneKind::Personal;
	/* The seat of a personal zone, or the owner of a shared one. */
	std::string seat;
	/* Candidate devices, best first. */
	std::vector<DeviceRule> devices;
};

struct CabinConfig {
	std::vector<SeatConfig> seats;
	std::vector<ZoneConfig> zones;
	/* One line per rejected entry, naming the key and the value. */
	std::vector<std::string> errors;

	const SeatConfig *findSeat(std::string_view name) const;
	const ZoneConfig *findZone(std::string_view name) const;
	/* The seat a uid is statically mapped to, if any. */
	const SeatConfig *seatOfUid(std::uint32_t uid) const;
	/* The seat a logind seat is mapped to, if any. */
	const SeatConfig *seatOfLogindSeat(std::string_view logindSeat) const;
	/*
	 * The personal zone a device bound to \a seat (a Bluetooth headset)
	 * joins: its home zone when that is personal, else its first personal
	 * zone; nullptr when it has none.
	 */
	const ZoneConfig *personalZoneOf(std::string_view seat) const;
	/* Zones \a seat may play to: its personal zones and the shared zones it owns. */
	bool seatMayUse(std::string_view seat, const ZoneConfig &zone) const;
};

/* How much of a car's config is read: past these, a message names what is left out. */
inline constexpr std::size_t kMaxSeats = 64;
inline constexpr std::size_t kMaxZones = 128;
inline constexpr std::size_t kMaxSectionBytes = 1u << 20;
/* Messages kept; the last one says how many more there were. */
inline constexpr std::size_t kMaxConfigErrors = 100;

/*
 * Parses one config section that must be an array, given as SPA-JSON text,
 * of at most kMaxSectionBytes: its first \a maxEntries entries; none for
 * an absent (empty) section; none plus a message in \a errors when it does
 * not parse or is not an array, and a message when entries are left out.
 */
std::vector<JsonValue> parseArraySection(std::string_view name, std::string_view text,
					 std::vector<std::string> &errors, std::size_t maxEntries);

/* Keeps the first kMaxConfigErrors - 1 messages and one that counts the rest. */
void capErrors(std::vector<std::string> &errors);

/* A config file as WirePlumber reads it: its path and its text. */
struct ConfigFile {
	std::string path;
	std::string text;
};

/*
 * What WirePlumber would not tell the car: fragments that define one of
 * \a sections but do not parse (WirePlumber skips such a fragment whole,
 * or the rest of it), one message each, naming the file and where.
 */
std::vector<std::string> checkConfigFragments(const std::vector<ConfigFile> &files,
					      const std::vector<std::string> &sections);

/* "section[index] (name)": how messages name an entry. */
std::string sectionEntryKey(std::string_view section, std::size_t index, std::string_view name);

/*
 * Parses the two sections, given as SPA-JSON text (an empty view means the
 * section is absent).
 */
CabinConfig parseCabinConfig(std::string_view seatsJson, std::string_view zonesJson);

} // namespace cabin
