/* SPDX-License-Identifier: MIT */
#include "cabin-config.hpp"

#include <algorithm>
#include <limits>

namespace cabin {

namespace {

std::string entryKey(std::string_view section, std::size_t index, std::string_view name)
{
	return sectionEntryKey(section, index, name);
}

std::string describe(const JsonValue *value)
{
	return value ? value->toJson() : std::string("(missing)");
}

/* A name must be a non-empty scalar made of characters safe in node and socket names. */
bool isValidName(const JsonValue *value)
{
	if (!value || !(value->isString() || value->isNumber()) || value->text().empty())
		return false;
	return std::all_of(value->text().begin(), value->text().end(), [](char c) {
		return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		       c == '-' || c == '_' || c == '.';
	});
}

class ConfigParser
{
public:
	CabinConfig parse(std::string_view seatsJson, std::string_view zonesJson)
	{
		std::vector<JsonValue> seats =
			parseArraySection("cabin.seats", seatsJson, config_.errors, kMaxSeats);
		std::vector<JsonValue> zones =
			parseArraySection("cabin.zones", zonesJson, config_.errors, kMaxZones);
		for (std::size_t i = 0; i < seats.size(); i++)
			parseSeat(i, seats[i]);
		for (std::size_t i = 0; i < zones.size(); i++)
			parseZone(i, zones[i]);
		resolveHomeZones();
		resolveAutoAccept();
		capErrors(config_.errors);
		return std::move(config_);
	}

private:
	void error(std::string message) { config_.errors.push_back(std::move(message)); }

	void parseSeat(std::size_t index, const JsonValue &entry)
	{
		if (!entry.isObject()) {
			error(entryKey("cabin.seats", index, {}) + " = " + entry.toJson() +
			      ": expected an object; seat skipped");
			return;
		}
		const JsonValue *name = entry.find("name");
		if (!isValidName(name)) {
			error(entryKey("cabin.seats", index, {}) + ".name = " + describe(name) +
			      ": expected a name of letters, digits, '-', '_' or '.'; seat "
			      "skipped");
			return;
		}
		std::string key = entryKey("cabin.seats", index, name->text());
		if (config_.findSeat(name->text())) {
			error(key + ".name = " + name->toJson() +
			      ": a seat with this name already exists; seat skipped");
			return;
		}
		SeatConfig seat;
		seat.name = name->text();
		if (const JsonValue *uids = entry.find("uids")) {
			if (!uids->isArray()) {
				error(key + ".uids = " + uids->toJson() +
				      ": expected an array of uids; uids ignored");
			} else {
				for (const JsonValue &uid : uids->items())
					addUid(key, seat, uid);
			}
		}
		if (const JsonValue *logind = entry.find("logind-seat"))
			setLogindSeat(key, seat, *logind);
		if (const JsonValue *home = entry.find("home-zone"))
			homeZoneRequests_.push_back({seat.name, key, *home});
		if (const JsonValue *from = entry.find("accept-shares-from"))
			autoAcceptRequests_.push_back({seat.name, key, *from});
		for (const auto &[member, value] : entry.members())
			if (member != "name" && member != "uids" && member != "home-zone" &&
			    member != "accept-shares-from" && member != "logind-seat")
				error(key + "." + member + " = " + value.toJson() +
				      ": unknown key; ignored");
		config_.seats.push_back(std::move(seat));
	}

	void setLogindSeat(const std::string &key, SeatConfig &seat, const JsonValue &logind)
	{
		if (!isValidName(&logind)) {
			error(key + ".logind-seat = " + logind.toJson() +
			      ": expected a logind seat name (seat0, seat1, ...); ignored");
			return;
		}
		if (const SeatConfig *other = config_.seatOfLogindSeat(logind.text())) {
			error(key + ".logind-seat = " + logind.toJson() +
			      ": already mapped to seat \"" + other->name + "\"; ignored");
			return;
		}
		seat.logindSeat = logind.text();
	}

	void addUid(const std::string &key, SeatConfig &seat, const JsonValue &uid)
	{
		std::optional<std::int64_t> number = uid.isNumber() ? uid.toInt() : std::nullopt;
		if (!number || *number < 0 ||
		    *number >= std::numeric_limits<std::uint32_t>::max()) {
			error(key + ".uids: " + uid.toJson() + ": not a uid; ignored");
			return;
		}
		auto value = static_cast<std::uint32_t>(*number);
		if (const SeatConfig *other = config_.seatOfUid(value)) {
			error(key + ".uids: " + uid.toJson() + ": already mapped to seat \"" +
			      other->name + "\"; ignored");
			return;
		}
		if (std::find(seat.uids.begin(), seat.uids.end(), value) == seat.uids.end())
			seat.uids.push_back(value);
	}

	void parseZone(std::size_t index, const JsonValue &entry)
	{
		if (!entry.isObject()) {
			error(entryKey("cabin.zones", index, {}) + " = " + entry.toJson() +
			      ": expected an object; zone skipped");
			return;
		}
		const JsonValue *name = entry.find("name");
		if (!isValidName(name)) {
			error(entryKey("cabin.zones", index, {}) + ".name = " + describe(name) +
			      ": expected a name of letters, digits, '-', '_' or '.'; zone "
			      "skipped");
			return;
		}
		std::string key = entryKey("cabin.zones", index, name->text());
		if (config_.findZone(name->text())) {
			error(key + ".name = " + name->toJson() +
			      ": a zone with this name already exists; zone skipped");
			return;
		}
		const JsonValue *seat = entry.find("seat");
		const JsonValue *owner = entry.find("owner");
		if ((seat != nullptr) == (owner != nullptr)) {
			error(key +
			      ": a zone needs exactly one of \"seat\" (personal) or "
			      "\"owner\" (shared), got seat = " +
			      describe(seat) + ", owner = " + describe(owner) + "; zone skipped");
			return;
		}
		const JsonValue *who = seat ? seat : owner;
		const char *whoKey = seat ? ".seat" : ".owner";
		if (!(who->isString() || who->isNumber()) || !config_.findSeat(who->text())) {
			error(key + whoKey + " = " + who->toJson() +
			      ": no seat with this name; zone skipped");
			return;
		}
		ZoneConfig zone;
		zone.name = name->text();
		zone.kind = seat ? ZoneKind::Personal : ZoneKind::Shared;
		zone.seat = who->text();
		const JsonValue *devices = entry.find("devices");
		if (!devices || !devices->isArray()) {
			error(key + ".devices = " + describe(devices) +
			      ": expected an array of { matches = [ ... ] }; the zone has no "
			      "devices");
		} else {
			for (std::size_t d = 0; d < devices->items().size(); d++)
				addDevice(key + ".devices[" + std::to_string(d) + "]", zone,
					  devices->items()[d]);
		}
		for (const auto &[member, value] : entry.members())
			if (member != "name" && member != "seat" && member != "owner" &&
			    member != "devices")
				error(key + "." + member + " = " + value.toJson() +
				      ": unknown key; ignored");
		config_.zones.push_back(std::move(zone));
	}

	void addDevice(const std::string &key, ZoneConfig &zone, const JsonValue &entry)
	{
		const JsonValue *matches = entry.isObject() ? entry.find("matches") : nullptr;
		if (!matches) {
			error(key + " = " + entry.toJson() +
			      ": expected { matches = [ ... ] }; device skipped");
			return;
		}
		DeviceRule rule;
		std::string ruleError;
		if (!rule.rules.parse(*matches, &ruleError)) {
			error(key + "." + ruleError + "; device skipped");
			return;
		}
		zone.devices.push_back(std::move(rule));
	}

	void resolveHomeZones()
	{
		for (SeatConfig &seat : config_.seats) {
			const SeatValue *request = nullptr;
			for (const SeatValue &r : homeZoneRequests_)
				if (r.seat == seat.name)
					request = &r;
			if (request) {
				const ZoneConfig *zone =
					request->value.isString()
						? config_.findZone(request->value.text())
						: nullptr;
				if (zone && config_.seatMayUse(seat.name, *zone)) {
					seat.homeZone = zone->name;
					continue;
				}
				error(request->key + ".home-zone = " + request->value.toJson() +
				      (zone ? ": the seat may not play to this zone"
					    : ": no zone with this name") +
				      "; using the seat's own zone");
			}
			/* Default: the seat's first personal zone, else the first zone it owns. */
			for (ZoneKind kind : {ZoneKind::Personal, ZoneKind::Shared}) {
				for (const ZoneConfig &zone : config_.zones) {
					if (zone.kind == kind && zone.seat == seat.name) {
						seat.homeZone = zone.name;
						break;
					}
				}
				if (!seat.homeZone.empty())
					break;
			}
			if (seat.homeZone.empty())
				error("cabin.seats (" + seat.name +
				      "): the seat has no zone to play to; its streams stay "
				      "unlinked");
		}
	}

	/* Seat names are checked once every seat is known, so order does not matter. */
	void resolveAutoAccept()
	{
		for (const SeatValue &request : autoAcceptRequests_) {
			SeatConfig *seat = findSeat(request.seat);
			std::string key = request.key + ".accept-shares-from";
			if (!request.value.isArray()) {
				error(key + " = " + request.value.toJson() +
				      ": expected an array of seat names; ignored");
				continue;
			}
			for (const JsonValue &from : request.value.items()) {
				if (!from.isString() || !config_.findSeat(from.text())) {
					error(key + ": " + from.toJson() +
					      ": no seat with this name; ignored");
					continue;
				}
				if (from.text() == seat->name) {
					error(key + ": " + from.toJson() +
					      ": a seat cannot share with itself; ignored");
					continue;
				}
				seat->acceptSharesFrom.push_back(from.text());
			}
		}
	}

	SeatConfig *findSeat(std::string_view name)
	{
		for (SeatConfig &seat : config_.seats)
			if (seat.name == name)
				return &seat;
		return nullptr;
	}

	/* A per-seat key whose value can only be checked once all seats are parsed. */
	struct SeatValue {
		std::string seat;
		std::string key;
		JsonValue value;
	};

	CabinConfig config_;
	std::vector<SeatValue> homeZoneRequests_;
	std::vector<SeatValue> autoAcceptRequests_;
};

} // namespace

std::vector<JsonValue> parseArraySection(std::string_view name, std::string_view text,
					 std::vector<std::string> &errors, std::size_t maxEntries)
{
	if (text.empty())
		return {};
	std::string parseError;
	std::optional<JsonValue> value =
		JsonValue::parse(text, &parseError, JsonLimits{.maxBytes = kMaxSectionBytes});
	if (!value) {
		errors.push_back(std::string(name) + ": " + parseError + "; section ignored");
		return {};
	}
	if (!value->isArray()) {
		std::string shown = value->toJson();
		if (shown.size() > 80)
			shown = shown.substr(0, 80) + "...";
		errors.push_back(std::string(name) + " = " + shown +
				 ": expected an array; section ignored");
		return {};
	}
	std::vector<JsonValue> entries = value->items();
	if (entries.size() > maxEntries) {
		errors.push_back(std::string(name) + ": " + std::to_string(entries.size()) +
				 " entries, more than the " + std::to_string(maxEntries) +
				 " allowed; those after " +
				 sectionEntryKey(name, maxEntries - 1, {}) + " ignored");
		entries.resize(maxEntries);
	}
	return entries;
}

void capErrors(std::vector<std::string> &errors)
{
	if (errors.size() <= kMaxConfigErrors)
		return;
	std::size_t more = errors.size() - (kMaxConfigErrors - 1);
	errors.resize(kMaxConfigErrors - 1);
	errors.push_back(std::to_string(more) + " more config errors not shown");
}

std::vector<std::string> checkConfigFragments(const std::vector<ConfigFile> &files,
					      const std::vector<std::string> &sections)
{
	std::vector<std::string> messages;
	for (const ConfigFile &file : files) {
		bool ours =
			std::any_of(sections.begin(), sections.end(), [&](const std::string &name) {
				return file.text.find(name) != std::string::npos;
			});
		if (!ours)
			continue;
		/* A fragment is the inside of an object: `section = value ...`. */
		std::string error;
		if (JsonValue::parse("{" + file.text + "}", &error,
				     JsonLimits{.maxBytes = kMaxSectionBytes + 2}))
			continue;
		messages.push_back(file.path + ": " + error +
				   "; WirePlumber ignores this fragment, or the rest of it");
	}
	return messages;
}

std::string sectionEntryKey(std::string_view section, std::size_t index, std::string_view name)
{
	std::string key = std::string(section) + "[" + std::to_string(index) + "]";
	if (!name.empty())
		key += " (" + std::string(name) + ")";
	return key;
}

const SeatConfig *CabinConfig::findSeat(std::string_view name) const
{
	for (const SeatConfig &seat : seats)
		if (seat.name == name)
			return &seat;
	return nullptr;
}

const ZoneConfig *CabinConfig::findZone(std::string_view name) const
{
	for (const ZoneConfig &zone : zones)
		if (zone.name == name)
			return &zone;
	return nullptr;
}

const ZoneConfig *CabinConfig::personalZoneOf(std::string_view seat) const
{
	const SeatConfig *config = findSeat(seat);
	if (!config)
		return nullptr;
	const ZoneConfig *home = findZone(config->homeZone);
	if (home && home->kind == ZoneKind::Personal && home->seat == seat)
		return home;
	for (const ZoneConfig &zone : zones)
		if (zone.kind == ZoneKind::Personal && zone.seat == seat)
			return &zone;
	return nullptr;
}

const SeatConfig *CabinConfig::seatOfUid(std::uint32_t uid) const
{
	for (const SeatConfig &seat : seats)
		if (std::find(seat.uids.begin(), seat.uids.end(), uid) != seat.uids.end())
			return &seat;
	return nullptr;
}

const SeatConfig *CabinConfig::seatOfLogindSeat(std::string_view logindSeat) const
{
	for (const SeatConfig &seat : seats)
		if (!seat.logindSeat.empty() && seat.logindSeat == logindSeat)
			return &seat;
	return nullptr;
}

bool CabinConfig::seatMayUse(std::string_view seat, const ZoneConfig &zone) const
{
	return zone.seat == seat;
}

CabinConfig parseCabinConfig(std::string_view seatsJson, std::string_view zonesJson)
{
	return ConfigParser().parse(seatsJson, zonesJson);
}

} // namespace cabin
