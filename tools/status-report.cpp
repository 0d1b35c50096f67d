/* SPDX-License-Identifier: MIT */
#include "status-report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <string_view>

namespace cabin {

namespace {

std::optional<std::uint32_t> toNodeId(const JsonValue *value)
{
	if (!value)
		return std::nullopt;
	std::optional<std::int64_t> number = value->toInt();
	if (!number || *number < 0 || *number > std::numeric_limits<std::uint32_t>::max())
		return std::nullopt;
	return static_cast<std::uint32_t>(*number);
}

std::vector<std::string> stringItems(const JsonValue *array)
{
	std::vector<std::string> out;
	if (!array)
		return out;
	for (const JsonValue &item : array->items())
		if (item.isString())
			out.push_back(item.text());
	return out;
}

void sortUnique(std::vector<std::uint32_t> &ids)
{
	std::sort(ids.begin(), ids.end());
	ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
}

/* Times are informative: a missing or malformed one is just not known. */
std::optional<std::int64_t> toTime(const JsonValue *value)
{
	if (!value || !value->isNumber())
		return std::nullopt;
	return value->toInt();
}

std::optional<double> toGain(const JsonValue &value)
{
	if (!value.isNumber())
		return std::nullopt;
	char *end = nullptr;
	double gain = std::strtod(value.text().c_str(), &end);
	if (end == value.text().c_str() || *end || !std::isfinite(gain) || gain < 0)
		return std::nullopt;
	return gain;
}

/* Role arbitration, on a stream's entry in `nodes[]`, where "role" is taken by "stream". */
void readArbitration(const JsonValue &node, StreamReport &stream)
{
	stream.roleClass = node.stringOr("role-class");
	stream.action = node.stringOr("action");
	stream.by = node.stringOr("by");
	if (const JsonValue *gain = node.find("gain"))
		stream.gain = toGain(*gain);
	if (const JsonValue *silent = node.find("silent"))
		stream.silent = silent->toBool().value_or(false);
}

std::string joined(const std::vector<std::string> &items, std::string_view separator = ", ")
{
	std::string out;
	for (std::size_t i = 0; i < items.size(); i++)
		out += (i ? std::string(separator) : std::string()) + items[i];
	return out;
}

std::string_view trimBlanks(std::string_view text)
{
	std::size_t first = text.find_first_not_of(" \t");
	if (first == std::string_view::npos)
		return {};
	return text.substr(first, text.find_last_not_of(" \t") - first + 1);
}

std::vector<std::string> namesOf(const JsonValue &state, std::string_view list)
{
	std::vector<std::string> names;
	if (const JsonValue *array = state.find(list))
		for (const JsonValue &item : array->items())
			if (item.isObject() && !item.stringOr("name").empty())
				names.push_back(item.stringOr("name"));
	return names;
}

/* A capture stream records from the node feeding it; a playback stream plays into its peer. */
std::vector<std::uint32_t> peersOf(std::uint32_t id, bool capture,
				   const std::vector<StatusLink> &links)
{
	std::vector<std::uint32_t> peers;
	for (const StatusLink &link : links) {
		if (capture && link.inputNode == id)
			peers.push_back(link.outputNode);
		else if (!capture && link.outputNode == id)
			peers.push_back(link.inputNode);
	}
	sortUnique(peers);
	return peers;
}

/*
 * Applications and media names come from other clients: keep terminal
 * control characters (C0, DEL and UTF-8 encoded C1) out of the text output.
 */
std::string printable(std::string_view text)
{
	std::string out;
	for (std::size_t i = 0; i < text.size(); i++) {
		unsigned char c = static_cast<unsigned char>(text[i]);
		if (c < 0x20 || c == 0x7f) {
			out += '?';
		} else if (c == 0xc2 && i + 1 < text.size() &&
			   (static_cast<unsigned char>(text[i + 1]) & 0xe0) == 0x80) {
			out += '?';
			i++;
		} else {
			out += static_cast<char>(c);
		}
	}
	return out;
}

/* "application: media", either alone, or "" when the stream told neither. */
std::string describeMedia(const ShareReport &share)
{
	if (share.application.empty() || share.media.empty())
		return printable(share.application + share.media);
	return printable(share.application) + ": " + printable(share.media);
}

/* An offset in microseconds, as "1.234 s". */
std::string seconds(std::int64_t microseconds)
{
	char text[32];
	std::snprintf(text, sizeof(text), "%.3f s", static_cast<double>(microseconds) / 1e6);
	return text;
}

/* "Role, media" or "Role, application: media", as far as they are known. */
std::string describeAnnouncement(const AnnouncementReport &announcement, bool withApplication)
{
	std::string media = printable(announcement.media);
	if (withApplication && !announcement.application.empty())
		media = media.empty() ? printable(announcement.application)
				      : printable(announcement.application) + ": " + media;
	std::string role = printable(announcement.role);
	if (role.empty() || media.empty())
		return role + media;
	return role + ", " + media;
}

std::string announcementHeading(const AnnouncementReport &announcement, bool inStatus)
{
	std::string text = "announcement " + std::to_string(announcement.id);
	std::string what = describeAnnouncement(announcement, inStatus);
	if (!what.empty())
		text += " (" + what + ")";
	if (inStatus && !announcement.to.empty()) {
		std::vector<std::string> to;
		for (const std::string &name : announcement.to)
			to.push_back(printable(name));
		text += " to " + joined(to);
	}
	text += ": " + printable(announcement.state);
	if (!announcement.error.empty())
		text += ": " + printable(announcement.error);
	return text;
}

/* One aligned line per zone: zone, device, and how far it got. */
std::vector<std::string> announcementZoneLines(const AnnouncementReport &announcement)
{
	/* Times count from the announcement's start, or else the first zone's. */
	std::optional<std::int64_t> origin = announcement.started;
	if (!origin)
		for (const AnnouncementZoneReport &zone : announcement.zones)
			if (zone.started && (!origin || *zone.started < *origin))
				origin = zone.started;

	struct Columns {
		std::string zone;
		std::string device;
		std::string progress;
	};
	std::vector<Columns> rows;
	std::size_t zoneWidth = 0;
	std::size_t deviceWidth = 0;
	for (const AnnouncementZoneReport &zone : announcement.zones) {
		Columns row;
		row.zone = printable(zone.zone);
		row.device = zone.device.empty() ? "(no device)" : printable(zone.device);

		std::optional<std::int64_t> since;
		std::optional<std::int64_t> until;
		if (origin && zone.started)
			since = *zone.started - *origin;
		if (origin && zone.ended)
			until = *zone.ended - *origin;
		std::string times =
			since && until ? seconds(*since) + " - " + seconds(*until) : std::string();

		if (zone.state == "playing")
			row.progress = since ? "playing since " + seconds(*since) : "playing";
		else if (zone.state == "done" && !times.empty())
			row.progress = times;
		else if (zone.state == "no-device" && zone.device.empty())
			row.progress = times;
		else
			row.progress = printable(zone.state) + (times.empty() ? "" : "  " + times);

		zoneWidth = std::max(zoneWidth, row.zone.size());
		deviceWidth = std::max(deviceWidth, row.device.size());
		rows.push_back(std::move(row));
	}

	std::vector<std::string> lines;
	for (Columns &row : rows) {
		std::string text = row.zone;
		text.append(zoneWidth + 2 - row.zone.size(), ' ');
		text += row.device;
		if (!row.progress.empty()) {
			text.append(deviceWidth + 2 - row.device.size(), ' ');
			text += row.progress;
		}
		lines.push_back(std::move(text));
	}
	return lines;
}

/* Text layout. */

constexpr std::string_view kBranch = "├─ ";
constexpr std::string_view kLastBranch = "└─ ";
constexpr std::string_view kStem = "│   ";
constexpr std::string_view kNoStem = "    ";

std::string_view branch(bool last)
{
	return last ? kLastBranch : kBranch;
}

std::string_view stem(bool last)
{
	return last ? kNoStem : kStem;
}

class TextFormatter
{
public:
	explicit TextFormatter(const StatusReport &report) : report_(report) {}

	std::string format()
	{
		out_ += "Cabin (";
		out_ += report_.defaultSeat.empty() ? "no default seat"
						    : "default seat: " + report_.defaultSeat;
		out_ += ")\n";
		formatSeats();
		formatZones();
		formatShares();
		formatAnnouncements();
		formatUnassigned();
		formatUnseated();
		formatErrors();
		return std::move(out_);
	}

private:
	std::string label(std::uint32_t id, std::string_view fallback = "node") const
	{
		auto it = report_.names.find(id);
		std::string name = it != report_.names.end() && !it->second.empty()
					   ? it->second
					   : std::string(fallback);
		return name + " [" + std::to_string(id) + "]";
	}

	std::string labels(const std::vector<std::uint32_t> &ids) const
	{
		std::string out;
		for (std::uint32_t id : ids)
			out += (out.empty() ? "" : ", ") + label(id);
		return out;
	}

	std::string streamLine(const StreamReport &stream) const
	{
		std::string line = label(stream.id);
		if (stream.linkedTo.empty())
			line += " (not linked)";
		else
			line += (stream.direction == "capture" ? " ← " : " → ") +
				labels(stream.linkedTo);
		return line + arbitration(stream);
	}

	/* "  role Media, ducked to 30 % by Navigation"; nothing for a plain mix. "silent" after the
	 * role. */
	static std::string arbitration(const StreamReport &stream)
	{
		std::vector<std::string> parts;
		if (!stream.roleClass.empty())
			parts.push_back("role " + printable(stream.roleClass));
		if (stream.silent)
			parts.push_back("silent");
		std::string effect;
		if (stream.action == "duck") {
			effect = "ducked";
			if (stream.gain)
				effect += " to " + std::to_string(std::lround(*stream.gain * 100)) +
					  " %";
		} else if (stream.action == "cork") {
			effect = "corked";
		} else if (!stream.action.empty() && stream.action != "mix") {
			effect = printable(stream.action);
		}
		if (!effect.empty()) {
			if (!stream.by.empty())
				effect += " by " + printable(stream.by);
			parts.push_back(effect);
		}
		return parts.empty() ? std::string() : "  " + joined(parts);
	}

	void line(std::string_view prefix, std::string_view text)
	{
		out_ += prefix;
		out_ += text;
		out_ += '\n';
	}

	void none(std::string_view text)
	{
		line(std::string("  ") + std::string(kLastBranch), text);
	}

	static std::string pad(std::string text, std::size_t width)
	{
		if (text.size() < width)
			text.append(width - text.size(), ' ');
		return text;
	}

	static std::string homeZone(const SeatReport &seat)
	{
		return seat.homeZone.empty() ? "(none)" : seat.homeZone;
	}

	void formatSeats()
	{
		out_ += " Seats\n";
		if (report_.seats.empty()) {
			none("(none)");
			return;
		}
		/* Two aligned columns: seat name and home zone. */
		std::size_t nameWidth = 0;
		std::size_t homeWidth = 0;
		for (const SeatReport &seat : report_.seats) {
			nameWidth = std::max(nameWidth, seat.name.size());
			homeWidth = std::max(homeWidth, homeZone(seat).size());
		}

		for (std::size_t i = 0; i < report_.seats.size(); i++) {
			const SeatReport &seat = report_.seats[i];
			bool last = i + 1 == report_.seats.size();
			std::string text = pad(seat.name, nameWidth + 2) + "home zone: ";
			if (seat.zones.empty()) {
				text += homeZone(seat);
			} else {
				text += pad(homeZone(seat), homeWidth + 2) + "zones: ";
				for (std::size_t z = 0; z < seat.zones.size(); z++)
					text += (z ? ", " : "") + seat.zones[z];
			}
			line(std::string("  ") + std::string(branch(last)), text);

			std::string prefix = std::string("  ") + std::string(stem(last));
			if (seat.streams.empty()) {
				line(prefix + std::string(kLastBranch), "(no streams)");
				continue;
			}
			for (std::size_t s = 0; s < seat.streams.size(); s++)
				line(prefix + std::string(branch(s + 1 == seat.streams.size())),
				     streamLine(seat.streams[s]));
		}
	}

	void formatZones()
	{
		out_ += " Zones\n";
		if (report_.zones.empty()) {
			none("(none)");
			return;
		}
		for (std::size_t i = 0; i < report_.zones.size(); i++) {
			const ZoneReport &zone = report_.zones[i];
			bool last = i + 1 == report_.zones.size();
			std::string text = zone.name + " (" + zone.kind;
			if (!zone.seat.empty())
				text += (zone.kind == "shared" ? ", owner " : ", seat ") +
					zone.seat;
			text += ")";
			if (!zone.activeRoles.empty()) {
				std::vector<std::string> roles;
				for (const std::string &role : zone.activeRoles)
					roles.push_back(printable(role));
				text += "  active roles: " + joined(roles);
			}
			line(std::string("  ") + std::string(branch(last)), text);

			std::string prefix = std::string("  ") + std::string(stem(last));
			if (zone.devices.empty()) {
				line(prefix + std::string(kLastBranch), "(no device present)");
				continue;
			}
			for (std::size_t d = 0; d < zone.devices.size(); d++) {
				const DeviceReport &device = zone.devices[d];
				/* Number by rank, so a missing better device shows as a gap. */
				std::string deviceText =
					(device.rank ? std::to_string(*device.rank + 1) : "?") +
					". " + label(device.id);
				if (!device.streams.empty())
					deviceText +=
						(device.direction == "capture" ? "  ▶ " : "  ◀ ") +
						labels(device.streams);
				line(prefix + std::string(branch(d + 1 == zone.devices.size())),
				     deviceText);
			}
		}
	}

	std::string shareLine(const ShareReport &share) const
	{
		/* A receiver may not see the sharer's stream: the registry has no name for it. */
		std::string text =
			"share " + std::to_string(share.id) + "  " + label(share.stream, "stream");
		std::string media = describeMedia(share);
		if (!media.empty())
			text += " (" + media + ")";
		const std::string &zone = share.zone.empty() ? share.to : share.zone;
		text += "  " + share.from + " → " + zone;
		if (share.to != zone)
			text += " (to " + share.to + ")";
		text += "  receiver " + share.receiver + "  " + share.state;
		if (!share.decidedBy.empty())
			text += " by " + share.decidedBy;
		if (share.node)
			text += "  node " + label(*share.node);
		else if (share.state == "accepted")
			text += "  no node yet";
		return text;
	}

	void formatShares()
	{
		if (report_.shares.empty())
			return;
		out_ += " Shares\n";
		for (std::size_t i = 0; i < report_.shares.size(); i++)
			line(std::string("  ") +
				     std::string(branch(i + 1 == report_.shares.size())),
			     shareLine(report_.shares[i]));
	}

	void formatAnnouncements()
	{
		if (report_.announcements.empty())
			return;
		out_ += " Announcements\n";
		for (std::size_t i = 0; i < report_.announcements.size(); i++) {
			const AnnouncementReport &announcement = report_.announcements[i];
			bool last = i + 1 == report_.announcements.size();
			line(std::string("  ") + std::string(branch(last)),
			     announcementHeading(announcement, true));

			std::string prefix = std::string("  ") + std::string(stem(last));
			std::vector<std::string> zones = announcementZoneLines(announcement);
			/* A seat's view lists only the seat's zones of each announcement. */
			if (zones.empty() && announcement.state != "refused")
				zones.push_back("(none of the zones shown)");
			for (std::size_t z = 0; z < zones.size(); z++)
				line(prefix + std::string(branch(z + 1 == zones.size())), zones[z]);
		}
	}

	void formatUnassigned()
	{
		if (report_.unassignedDevices.empty())
			return;
		out_ += " Unassigned devices\n";
		for (std::size_t i = 0; i < report_.unassignedDevices.size(); i++)
			line(std::string("  ") +
				     std::string(branch(i + 1 == report_.unassignedDevices.size())),
			     label(report_.unassignedDevices[i].id));
	}

	void formatUnseated()
	{
		if (report_.unseatedStreams.empty())
			return;
		out_ += " No seat\n";
		for (std::size_t i = 0; i < report_.unseatedStreams.size(); i++)
			line(std::string("  ") +
				     std::string(branch(i + 1 == report_.unseatedStreams.size())),
			     streamLine(report_.unseatedStreams[i]));
	}

	void formatErrors()
	{
		if (report_.errors.empty())
			return;
		out_ += " Errors\n";
		for (std::size_t i = 0; i < report_.errors.size(); i++)
			line(std::string("  ") +
				     std::string(branch(i + 1 == report_.errors.size())),
			     report_.errors[i]);
	}

	const StatusReport &report_;
	std::string out_;
};

void writeIds(JsonWriter &json, const std::vector<std::uint32_t> &ids)
{
	json.beginArray();
	for (std::uint32_t id : ids)
		json.value(id);
	json.endArray();
}

/* The same members as in `cabin.state`, so scripts can read either. */
void writeShare(JsonWriter &json, const ShareReport &share)
{
	json.beginObject();
	json.key("id").value(share.id);
	json.key("stream").value(share.stream);
	json.key("application").value(share.application);
	json.key("media").value(share.media);
	json.key("from").value(share.from);
	json.key("to").value(share.to);
	json.key("zone").value(share.zone);
	json.key("receiver").value(share.receiver);
	json.key("state").value(share.state);
	json.key("decided-by").value(share.decidedBy);
	json.key("node");
	if (share.node)
		json.value(*share.node);
	else
		json.null();
	json.endObject();
}

void writeTime(JsonWriter &json, const std::optional<std::int64_t> &time)
{
	if (time)
		json.value(*time);
	else
		json.null();
}

void writeStream(JsonWriter &json, const StreamReport &stream)
{
	json.beginObject();
	json.key("id").value(stream.id);
	json.key("name").value(stream.name);
	json.key("direction").value(stream.direction);
	json.key("linked-to");
	writeIds(json, stream.linkedTo);
	json.key("role").value(stream.roleClass);
	json.key("action").value(stream.action);
	json.key("gain");
	if (stream.gain) {
		char number[32];
		std::snprintf(number, sizeof(number), "%.6g", *stream.gain);
		json.raw(number);
	} else {
		json.null();
	}
	json.key("by").value(stream.by);
	json.key("silent").value(stream.silent);
	json.endObject();
}

/* The members of `cabin.state`, every one present: unknown times are null. */
void writeAnnouncement(JsonWriter &json, const AnnouncementReport &announcement)
{
	json.beginObject();
	json.key("id").value(announcement.id);
	json.key("stream").value(announcement.stream);
	json.key("client");
	if (announcement.client)
		json.value(*announcement.client);
	else
		json.null();
	json.key("application").value(announcement.application);
	json.key("media").value(announcement.media);
	json.key("role").value(announcement.role);
	json.key("to").beginArray();
	for (const std::string &to : announcement.to)
		json.value(to);
	json.endArray();
	json.key("state").value(announcement.state);
	json.key("error").value(announcement.error);
	json.key("started");
	writeTime(json, announcement.started);
	json.key("ended");
	writeTime(json, announcement.ended);
	json.key("zones").beginArray();
	for (const AnnouncementZoneReport &zone : announcement.zones) {
		json.beginObject();
		json.key("zone").value(zone.zone);
		json.key("device").value(zone.device);
		json.key("state").value(zone.state);
		json.key("started");
		writeTime(json, zone.started);
		json.key("ended");
		writeTime(json, zone.ended);
		json.endObject();
	}
	json.endArray();
	json.endObject();
}

} // namespace

StatusReport buildStatusReport(const JsonValue &state, const std::vector<StatusLink> &links,
			       const std::map<std::uint32_t, std::string> &nodeNames)
{
	StatusReport report;
	report.defaultSeat = state.stringOr("default-seat");
	report.names = nodeNames;
	report.errors = stringItems(state.find("errors"));
	report.shares = readShares(state, report.errors);
	report.announcements = readAnnouncements(state, report.errors);

	if (const JsonValue *seats = state.find("seats")) {
		for (const JsonValue &seat : seats->items()) {
			if (!seat.isObject())
				continue;
			SeatReport &entry = report.seats.emplace_back();
			entry.name = seat.stringOr("name");
			entry.homeZone = seat.stringOr("home-zone");
			entry.zones = stringItems(seat.find("zones"));
		}
	}

	if (const JsonValue *zones = state.find("zones")) {
		for (const JsonValue &zone : zones->items()) {
			if (!zone.isObject())
				continue;
			ZoneReport &entry = report.zones.emplace_back();
			entry.name = zone.stringOr("name");
			entry.kind = zone.stringOr("kind");
			entry.seat = zone.stringOr(entry.kind == "shared" ? "owner" : "seat");
			entry.activeRoles = stringItems(zone.find("active-roles"));
		}
	}

	auto findSeat = [&](const std::string &name) -> SeatReport * {
		for (SeatReport &seat : report.seats)
			if (!name.empty() && seat.name == name)
				return &seat;
		return nullptr;
	};
	auto findZone = [&](const std::string &name) -> ZoneReport * {
		for (ZoneReport &zone : report.zones)
			if (!name.empty() && zone.name == name)
				return &zone;
		return nullptr;
	};

	std::vector<StreamReport> streams;
	if (const JsonValue *nodes = state.find("nodes")) {
		for (const JsonValue &node : nodes->items()) {
			std::optional<std::uint32_t> id = toNodeId(node.find("id"));
			if (!node.isObject() || !id)
				continue;
			std::string name = node.stringOr("name");
			/* The state names cabin's nodes even when the registry lost them. */
			if (!name.empty())
				report.names[*id] = name;
			std::string role = node.stringOr("role");
			std::string direction = node.stringOr("direction", "playback");

			if (role == "stream") {
				StreamReport stream{*id, name, direction,
						    peersOf(*id, direction == "capture", links)};
				readArbitration(node, stream);
				if (SeatReport *seat = findSeat(node.stringOr("seat")))
					seat->streams.push_back(stream);
				else
					report.unseatedStreams.push_back(stream);
				streams.push_back(std::move(stream));
			} else if (role == "device") {
				DeviceReport device{*id, name, direction, std::nullopt, {}};
				if (const JsonValue *rank = node.find("rank"))
					device.rank = rank->toInt();
				if (ZoneReport *zone = findZone(node.stringOr("zone")))
					zone->devices.push_back(std::move(device));
				else
					report.unassignedDevices.push_back(std::move(device));
			}
		}
	}

	auto byId = [](const auto &a, const auto &b) { return a.id < b.id; };
	for (ZoneReport &zone : report.zones) {
		for (DeviceReport &device : zone.devices) {
			for (const StreamReport &stream : streams)
				if (std::binary_search(stream.linkedTo.begin(),
						       stream.linkedTo.end(), device.id))
					device.streams.push_back(stream.id);
			sortUnique(device.streams);
		}
		/* Devices without a rank (not expected) sort last. */
		std::sort(zone.devices.begin(), zone.devices.end(),
			  [](const DeviceReport &a, const DeviceReport &b) {
				  std::int64_t rankA =
					  a.rank.value_or(std::numeric_limits<std::int64_t>::max());
				  std::int64_t rankB =
					  b.rank.value_or(std::numeric_limits<std::int64_t>::max());
				  return rankA != rankB ? rankA < rankB : a.id < b.id;
			  });
	}
	for (SeatReport &seat : report.seats)
		std::sort(seat.streams.begin(), seat.streams.end(), byId);
	std::sort(report.unseatedStreams.begin(), report.unseatedStreams.end(), byId);
	std::sort(report.unassignedDevices.begin(), report.unassignedDevices.end(), byId);
	return report;
}

std::string formatStatusText(const StatusReport &report)
{
	return TextFormatter(report).format();
}

std::string formatStatusJson(const StatusReport &report)
{
	JsonWriter json;
	json.beginObject();
	json.key("version").value(kStatusSchemaVersion);
	json.key("default-seat").value(report.defaultSeat);

	json.key("seats").beginArray();
	for (const SeatReport &seat : report.seats) {
		json.beginObject();
		json.key("name").value(seat.name);
		json.key("home-zone").value(seat.homeZone);
		json.key("zones").beginArray();
		for (const std::string &zone : seat.zones)
			json.value(zone);
		json.endArray();
		json.key("streams").beginArray();
		for (const StreamReport &stream : seat.streams)
			writeStream(json, stream);
		json.endArray();
		json.endObject();
	}
	json.endArray();

	json.key("zones").beginArray();
	for (const ZoneReport &zone : report.zones) {
		json.beginObject();
		json.key("name").value(zone.name);
		json.key("kind").value(zone.kind);
		json.key("seat").value(zone.seat);
		json.key("devices").beginArray();
		for (const DeviceReport &device : zone.devices) {
			json.beginObject();
			json.key("id").value(device.id);
			json.key("name").value(device.name);
			json.key("rank");
			if (device.rank)
				json.value(*device.rank);
			else
				json.null();
			json.key("streams");
			writeIds(json, device.streams);
			json.endObject();
		}
		json.endArray();
		json.key("active-roles").beginArray();
		for (const std::string &role : zone.activeRoles)
			json.value(role);
		json.endArray();
		json.endObject();
	}
	json.endArray();

	json.key("shares").beginArray();
	for (const ShareReport &share : report.shares)
		writeShare(json, share);
	json.endArray();

	json.key("announcements").beginArray();
	for (const AnnouncementReport &announcement : report.announcements)
		writeAnnouncement(json, announcement);
	json.endArray();

	json.key("unassigned-devices").beginArray();
	for (const DeviceReport &device : report.unassignedDevices) {
		json.beginObject();
		json.key("id").value(device.id);
		json.key("name").value(device.name);
		json.endObject();
	}
	json.endArray();

	json.key("unseated-streams").beginArray();
	for (const StreamReport &stream : report.unseatedStreams)
		writeStream(json, stream);
	json.endArray();

	json.key("errors").beginArray();
	for (const std::string &error : report.errors)
		json.value(error);
	json.endArray();
	json.endObject();
	return json.str();
}

std::vector<ShareReport> readShares(const JsonValue &state, std::vector<std::string> &notes)
{
	std::vector<ShareReport> shares;
	const JsonValue *array = state.find("shares");
	if (!array)
		return shares;
	if (!array->isArray()) {
		notes.push_back("cabin.state shares = " + array->toJson() +
				": expected an array; shares not shown");
		return shares;
	}

	const std::vector<JsonValue> &items = array->items();
	for (std::size_t i = 0; i < items.size(); i++) {
		const JsonValue &item = items[i];
		std::string where = "cabin.state shares[" + std::to_string(i) + "]";
		if (!item.isObject()) {
			notes.push_back(where + " = " + item.toJson() +
					": expected an object; share skipped");
			continue;
		}
		auto skip = [&](std::string_view key, std::string_view expected) {
			const JsonValue *value = item.find(key);
			notes.push_back(where + "." + std::string(key) + " = " +
					(value ? value->toJson() : "(missing)") + ": expected " +
					std::string(expected) + "; share skipped");
		};

		ShareReport share;
		std::optional<std::uint32_t> id = toNodeId(item.find("id"));
		if (!id) {
			skip("id", "a share id");
			continue;
		}
		share.id = *id;
		where += " (share " + std::to_string(share.id) + ")";

		std::optional<std::uint32_t> stream = toNodeId(item.find("stream"));
		if (!stream) {
			skip("stream", "a node id");
			continue;
		}
		share.stream = *stream;

		const JsonValue *shareState = item.find("state");
		if (!shareState || !shareState->isString() || shareState->text().empty()) {
			skip("state", "a state name");
			continue;
		}
		share.state = shareState->text();

		/* Absent or null until the share plays. */
		if (const JsonValue *node = item.find("node"); node && !node->isNull()) {
			share.node = toNodeId(node);
			if (!share.node) {
				skip("node", "a node id or null");
				continue;
			}
		}

		share.application = item.stringOr("application");
		share.media = item.stringOr("media");
		share.from = item.stringOr("from");
		share.to = item.stringOr("to");
		share.zone = item.stringOr("zone");
		share.receiver = item.stringOr("receiver");
		share.decidedBy = item.stringOr("decided-by");
		shares.push_back(std::move(share));
	}

	std::stable_sort(shares.begin(), shares.end(),
			 [](const ShareReport &a, const ShareReport &b) { return a.id < b.id; });
	return shares;
}

std::vector<ShareReport> selectOffers(const std::vector<ShareReport> &shares, std::string_view seat)
{
	std::vector<ShareReport> offers;
	for (const ShareReport &share : shares)
		if (share.receiver == seat &&
		    (share.state == "offered" || share.state == "accepted"))
			offers.push_back(share);
	return offers;
}

std::string formatOffersText(const std::vector<ShareReport> &offers)
{
	if (offers.empty())
		return "no offers\n";
	std::string out;
	for (const ShareReport &share : offers) {
		std::string media = describeMedia(share);
		out += "share " + std::to_string(share.id) + " from " + share.from + " (" +
		       (media.empty() ? "stream " + std::to_string(share.stream) : media) +
		       "): " + share.state;
		if (share.node)
			out += ", node " + std::to_string(*share.node);
		else if (share.state == "accepted")
			out += ", no node yet";
		out += '\n';
	}
	return out;
}

std::string formatOffersJson(const std::vector<ShareReport> &offers)
{
	JsonWriter json;
	json.beginArray();
	for (const ShareReport &share : offers)
		writeShare(json, share);
	json.endArray();
	return json.str();
}

std::vector<BluetoothReport> readBluetooth(const JsonValue &state, std::vector<std::string> &notes)
{
	std::vector<BluetoothReport> devices;
	const JsonValue *array = state.find("bluetooth");
	if (!array)
		return devices;
	if (!array->isArray()) {
		notes.push_back("cabin.state bluetooth = " + array->toJson() +
				": expected an array; Bluetooth devices not shown");
		return devices;
	}
	const std::vector<JsonValue> &items = array->items();
	for (std::size_t i = 0; i < items.size(); i++) {
		const JsonValue &item = items[i];
		const JsonValue *address = item.isObject() ? item.find("address") : nullptr;
		if (!address || !address->isString() || address->text().empty()) {
			notes.push_back("cabin.state bluetooth[" + std::to_string(i) +
					"] = " + item.toJson() +
					": expected an object with an address; device skipped");
			continue;
		}
		BluetoothReport device;
		device.address = address->text();
		device.name = item.stringOr("name");
		device.state = item.stringOr("state");
		device.seat = item.stringOr("seat");
		device.zone = item.stringOr("zone");
		const JsonValue *present = item.find("present");
		device.present = present && present->toBool() == true;
		devices.push_back(std::move(device));
	}
	return devices;
}

std::string formatBluetoothText(const std::vector<BluetoothReport> &devices)
{
	if (devices.empty())
		return "no Bluetooth devices\n";
	std::string out;
	for (const BluetoothReport &device : devices) {
		out += device.address;
		if (!device.name.empty())
			out += " (" + device.name + ")";
		out += ": " + device.state;
		if (device.state == "claimed")
			out += " by " + device.seat + ", waiting for its confirmation";
		else if (device.state == "bound")
			out += " to " + device.seat +
			       (device.zone.empty() ? std::string() : ", zone " + device.zone);
		if (!device.present)
			out += ", not connected";
		out += '\n';
	}
	return out;
}

std::string formatBluetoothJson(const std::vector<BluetoothReport> &devices)
{
	JsonWriter json;
	json.beginArray();
	for (const BluetoothReport &device : devices) {
		json.beginObject();
		json.key("address").value(device.address);
		json.key("name").value(device.name);
		json.key("state").value(device.state);
		json.key("seat").value(device.seat);
		json.key("zone").value(device.zone);
		json.key("present").value(device.present);
		json.endObject();
	}
	json.endArray();
	return json.str();
}

std::string formatShareRequest(const ShareRequest &request, std::string_view token)
{
	JsonWriter json;
	json.beginObject();
	json.key("request").value(token);
	json.key("action").value(request.action);
	if (request.action.starts_with("bluetooth-")) {
		json.key("address").value(request.address);
	} else if (request.action == "offer") {
		json.key("stream").value(request.id);
		json.key("to").value(request.to);
	} else {
		json.key("share").value(request.id);
	}
	json.endObject();
	return json.str();
}

std::optional<ShareResult> parseShareReply(std::string_view reply, std::string_view token)
{
	std::optional<JsonValue> value = JsonValue::parse(reply);
	if (!value || !value->isObject() || value->stringOr("request") != token)
		return std::nullopt;

	ShareResult result;
	const JsonValue *ok = value->find("ok");
	result.ok = ok && ok->kind() == JsonValue::Kind::Bool && ok->toBool() == true;
	result.error = value->stringOr("error");
	result.share = toNodeId(value->find("share"));
	result.state = value->stringOr("state");
	return result;
}

std::string formatShareResult(const ShareRequest &request, const ShareResult &result)
{
	if (request.action.starts_with("bluetooth-")) {
		if (result.state == "claimed")
			return request.address +
			       ": claimed; confirm with 'cabinctl bluetooth confirm " +
			       request.address + "'";
		if (result.state == "bound")
			return request.address + ": bound to this seat";
		return request.address + ": " + (result.state.empty() ? "released" : result.state);
	}
	std::string id = result.share		     ? std::to_string(*result.share)
			 : request.action == "offer" ? std::string("?")
						     : std::to_string(request.id);
	std::string state = result.state;
	/* The protocol promises a state; fall back on what the action does. */
	if (state.empty())
		state = request.action == "offer"     ? "offered"
			: request.action == "accept"  ? "accepted"
			: request.action == "decline" ? "declined"
						      : "stopped";
	if (request.action == "offer" && state == "offered")
		return "share " + id + ": offered to " + request.to;
	return "share " + id + ": " + state;
}

std::optional<std::vector<std::string>> splitAnnounceTargets(std::string_view to,
							     std::string &error)
{
	std::string quoted = "--to '" + std::string(to) + "'";
	if (to.empty()) {
		error = quoted + ": expected 'all' or seat and zone names separated by commas";
		return std::nullopt;
	}
	std::vector<std::string> targets;
	for (std::size_t start = 0;;) {
		std::size_t comma = to.find(',', start);
		std::string_view name = to.substr(start, comma - start);
		/* module-cabin reads "rear-left, rear-right" as two names too. */
		name = trimBlanks(name);
		if (name.empty()) {
			error = quoted + ": empty name in the list";
			return std::nullopt;
		}
		targets.emplace_back(name);
		if (comma == std::string_view::npos)
			break;
		start = comma + 1;
	}
	if (targets.size() > 1 &&
	    std::find(targets.begin(), targets.end(), "all") != targets.end()) {
		error = quoted + ": 'all' cannot be combined with seat or zone names";
		return std::nullopt;
	}
	return targets;
}

std::optional<std::string> checkAnnounceTargets(const JsonValue &state,
						const std::vector<std::string> &targets)
{
	if (targets == std::vector<std::string>{"all"})
		return std::nullopt;
	std::vector<std::string> seats = namesOf(state, "seats");
	std::vector<std::string> zones = namesOf(state, "zones");
	for (const std::string &target : targets) {
		if (std::find(seats.begin(), seats.end(), target) != seats.end() ||
		    std::find(zones.begin(), zones.end(), target) != zones.end())
			continue;
		return "--to: no seat or zone is named '" + printable(target) +
		       "' (seats: " + (seats.empty() ? "none" : joined(seats)) +
		       "; zones: " + (zones.empty() ? "none" : joined(zones)) + ")";
	}
	return std::nullopt;
}

std::optional<std::string> checkAnnounceRole(const JsonValue &state, std::string_view role)
{
	/* Before role arbitration module-cabin knows no classes, and takes any role. */
	const JsonValue *roles = state.find("roles");
	if (!roles || !roles->isArray())
		return std::nullopt;
	std::vector<std::string> classes;
	for (const JsonValue &entry : roles->items()) {
		if (!entry.isObject())
			continue;
		std::string name = entry.stringOr("name");
		if (name == role)
			return std::nullopt;
		std::vector<std::string> mediaRoles = stringItems(entry.find("media-roles"));
		if (std::find(mediaRoles.begin(), mediaRoles.end(), role) != mediaRoles.end())
			return std::nullopt;
		if (!name.empty())
			classes.push_back(name);
	}
	return "--role '" + printable(role) +
	       "': not a role class or media role of one (classes: " +
	       (classes.empty() ? "none" : joined(classes)) + ")";
}

std::vector<AnnouncementReport> readAnnouncements(const JsonValue &state,
						  std::vector<std::string> &notes)
{
	std::vector<AnnouncementReport> announcements;
	const JsonValue *array = state.find("announcements");
	if (!array)
		return announcements;
	if (!array->isArray()) {
		notes.push_back("cabin.state announcements = " + array->toJson() +
				": expected an array; announcements not shown");
		return announcements;
	}

	const std::vector<JsonValue> &items = array->items();
	for (std::size_t i = 0; i < items.size(); i++) {
		const JsonValue &item = items[i];
		std::string where = "cabin.state announcements[" + std::to_string(i) + "]";
		if (!item.isObject()) {
			notes.push_back(where + " = " + item.toJson() +
					": expected an object; announcement skipped");
			continue;
		}
		auto skip = [&](std::string_view key, std::string_view expected) {
			const JsonValue *value = item.find(key);
			notes.push_back(where + "." + std::string(key) + " = " +
					(value ? value->toJson() : "(missing)") + ": expected " +
					std::string(expected) + "; announcement skipped");
		};

		AnnouncementReport announcement;
		std::optional<std::uint32_t> id = toNodeId(item.find("id"));
		if (!id) {
			skip("id", "an announcement id");
			continue;
		}
		announcement.id = *id;
		where += " (announcement " + std::to_string(announcement.id) + ")";

		std::optional<std::uint32_t> stream = toNodeId(item.find("stream"));
		if (!stream) {
			skip("stream", "a node id");
			continue;
		}
		announcement.stream = *stream;

		const JsonValue *announcementState = item.find("state");
		if (!announcementState || !announcementState->isString() ||
		    announcementState->text().empty()) {
			skip("state", "a state name");
			continue;
		}
		announcement.state = announcementState->text();

		if (const JsonValue *client = item.find("client"); client && !client->isNull())
			announcement.client = toNodeId(client);
		announcement.application = item.stringOr("application");
		announcement.media = item.stringOr("media");
		announcement.role = item.stringOr("role");
		if (const JsonValue *to = item.find("to"); to && to->isString())
			announcement.to = {to->text()};
		else
			announcement.to = stringItems(to);
		announcement.error = item.stringOr("error");
		announcement.started = toTime(item.find("started"));
		announcement.ended = toTime(item.find("ended"));

		if (const JsonValue *zones = item.find("zones")) {
			for (std::size_t z = 0; z < zones->items().size(); z++) {
				const JsonValue &entry = zones->items()[z];
				if (!entry.isObject()) {
					notes.push_back(where + ".zones[" + std::to_string(z) +
							"] = " + entry.toJson() +
							": expected an object; zone skipped");
					continue;
				}
				AnnouncementZoneReport &zone = announcement.zones.emplace_back();
				zone.zone = entry.stringOr("zone");
				zone.device = entry.stringOr("device");
				zone.state = entry.stringOr("state");
				zone.started = toTime(entry.find("started"));
				zone.ended = toTime(entry.find("ended"));
			}
		}
		announcements.push_back(std::move(announcement));
	}

	std::stable_sort(announcements.begin(), announcements.end(),
			 [](const AnnouncementReport &a, const AnnouncementReport &b) {
				 return a.id < b.id;
			 });
	return announcements;
}

std::optional<AnnouncementReport>
findAnnouncement(const std::vector<AnnouncementReport> &announcements, std::uint32_t stream,
		 std::uint32_t client, const std::vector<std::uint32_t> &earlier)
{
	const AnnouncementReport *found = nullptr;
	for (const AnnouncementReport &announcement : announcements) {
		if (announcement.stream != stream ||
		    (announcement.client && *announcement.client != client) ||
		    std::find(earlier.begin(), earlier.end(), announcement.id) != earlier.end())
			continue;
		if (!found || announcement.id > found->id)
			found = &announcement;
	}
	if (!found)
		return std::nullopt;
	return *found;
}

bool announcementSettled(const AnnouncementReport &announcement)
{
	if (announcement.state == "done" || announcement.state == "refused")
		return true;
	if (announcement.zones.empty())
		return false;
	return std::none_of(announcement.zones.begin(), announcement.zones.end(),
			    [](const AnnouncementZoneReport &zone) {
				    return zone.state == "waiting" || zone.state == "playing";
			    });
}

bool announcementDelivered(const AnnouncementReport &announcement)
{
	return announcement.state != "refused" && !announcement.zones.empty() &&
	       std::all_of(announcement.zones.begin(), announcement.zones.end(),
			   [](const AnnouncementZoneReport &zone) { return zone.state == "done"; });
}

std::string formatAnnouncementText(const AnnouncementReport &announcement)
{
	std::string out = announcementHeading(announcement, false) + "\n";
	std::vector<std::string> zones = announcementZoneLines(announcement);
	if (zones.empty() && announcement.state != "refused")
		zones.push_back("(none of the zones shown)");
	for (const std::string &zone : zones)
		out += "  " + zone + "\n";
	return out;
}

std::string formatAnnouncementJson(const AnnouncementReport &announcement)
{
	JsonWriter json;
	writeAnnouncement(json, announcement);
	return json.str();
}

} // namespace cabin
