/* SPDX-License-Identifier: MIT */
#include "status-report.hpp"

#include <algorithm>
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
		formatUnassigned();
		formatUnseated();
		formatErrors();
		return std::move(out_);
	}

private:
	std::string label(std::uint32_t id) const
	{
		auto it = report_.names.find(id);
		std::string name =
			it != report_.names.end() && !it->second.empty() ? it->second : "node";
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
			return line + " (not linked)";
		line += stream.direction == "capture" ? " ← " : " → ";
		return line + labels(stream.linkedTo);
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
			line(std::string("  ") + std::string(branch(last)), text + ")");

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

void writeStream(JsonWriter &json, const StreamReport &stream)
{
	json.beginObject();
	json.key("id").value(stream.id);
	json.key("name").value(stream.name);
	json.key("direction").value(stream.direction);
	json.key("linked-to");
	writeIds(json, stream.linkedTo);
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
		json.endObject();
	}
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

} // namespace cabin
