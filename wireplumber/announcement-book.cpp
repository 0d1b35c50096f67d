/* SPDX-License-Identifier: MIT */
#include "announcement-book.hpp"

#include <algorithm>

namespace cabin {

namespace {

std::string propOr(const Properties &props, const char *key)
{
	auto it = props.find(key);
	return it == props.end() ? std::string() : it->second;
}

std::string_view trim(std::string_view text)
{
	while (!text.empty() && (text.front() == ' ' || text.front() == '\t'))
		text.remove_prefix(1);
	while (!text.empty() && (text.back() == ' ' || text.back() == '\t'))
		text.remove_suffix(1);
	return text;
}

std::vector<std::string_view> splitNames(std::string_view address)
{
	std::vector<std::string_view> names;
	while (!address.empty()) {
		std::size_t comma = address.find(',');
		std::string_view name = trim(address.substr(0, comma));
		if (!name.empty())
			names.push_back(name);
		if (comma == std::string_view::npos)
			break;
		address.remove_prefix(comma + 1);
	}
	return names;
}

} // namespace

const char *toString(AnnouncementState state)
{
	switch (state) {
	case AnnouncementState::Waiting:
		return "waiting";
	case AnnouncementState::Playing:
		return "playing";
	case AnnouncementState::Done:
		return "done";
	case AnnouncementState::Refused:
		return "refused";
	}
	return "waiting";
}

const char *toString(DeliveryState state)
{
	switch (state) {
	case DeliveryState::Waiting:
		return "waiting";
	case DeliveryState::Playing:
		return "playing";
	case DeliveryState::Done:
		return "done";
	case DeliveryState::NoDevice:
		return "no-device";
	case DeliveryState::Lost:
		return "lost";
	case DeliveryState::Silent:
		return "silent";
	case DeliveryState::Muted:
		return "muted";
	}
	return "waiting";
}

std::vector<std::string> AnnouncementBook::resolveAddress(const Announcement &announcement,
							  std::string_view address,
							  std::string *warning) const
{
	std::vector<std::string> zones;
	auto add = [&](const std::string &zone) {
		if (!zone.empty() && std::find(zones.begin(), zones.end(), zone) == zones.end())
			zones.push_back(zone);
	};
	address = trim(address);
	/* As in the announcement's `to`: an address without names means all zones. */
	if (splitNames(address).empty() || address == "all") {
		for (const ZoneConfig &zone : model_.config().zones)
			add(zone.name);
		return zones;
	}
	for (std::string_view name : splitNames(address)) {
		if (const ZoneConfig *zone = model_.config().findZone(name))
			add(zone->name);
		else if (const SeatConfig *seat = model_.config().findSeat(name))
			add(seat->homeZone);
		else if (warning)
			*warning += "stream " + std::to_string(announcement.stream) + ": " +
				    kAnnounceToProperty + " = " + jsonQuote(address) + ": " +
				    jsonQuote(name) + " is no seat or zone; ignored. ";
	}
	return zones;
}

const Announcement *AnnouncementBook::addStream(const NodeState &stream, std::string *warning)
{
	if (stream.role != NodeRole::Stream || stream.direction != Direction::Playback)
		return nullptr;
	const ClientState *client = stream.clientId ? model_.client(*stream.clientId) : nullptr;
	const bool announcer = client && client->role == ClientRole::Announcer;
	auto to = stream.props.find(kAnnounceToProperty);
	if (!announcer && to == stream.props.end())
		return nullptr;

	Announcement announcement;
	announcement.stream = stream.id;
	announcement.client = client ? client->id : 0;
	announcement.application = propOr(stream.props, "application.name");
	announcement.media = propOr(stream.props, "media.name");
	announcement.role = roles_.classify(propOr(stream.props, "media.role")).name;
	std::string address = to == stream.props.end() ? "all" : to->second;
	for (std::string_view name : splitNames(address))
		announcement.to.emplace_back(name);
	if (announcement.to.empty())
		announcement.to.emplace_back("all");

	std::string problems;
	std::vector<std::string> zones = resolveAddress(announcement, address, &problems);
	auto refuse = [&](std::string error) {
		announcement.state = AnnouncementState::Refused;
		announcement.error = std::move(error);
		if (warning)
			*warning = problems + announcement.error;
	};

	if (!announcer) {
		/* A seat may name its own zones; anything else is not its to address. */
		const std::string seat = client ? client->seat : std::string();
		bool own = std::all_of(zones.begin(), zones.end(), [&](const std::string &zone) {
			const ZoneConfig *config = model_.config().findZone(zone);
			return config && !seat.empty() && model_.config().seatMayUse(seat, *config);
		});
		if (own && address != "all" && problems.empty())
			return nullptr;
		refuse("stream " + std::to_string(stream.id) + ": " + kAnnounceToProperty + " = " +
		       jsonQuote(address) + ": only the announcer may address other seats; it " +
		       (seat.empty() ? std::string("plays nowhere")
				     : "plays in seat " + jsonQuote(seat) + "'s own zone"));
	} else if (!roles_.find(announcement.role)->announcement) {
		std::string classes;
		for (const RoleClass &role : roles_.config().roles)
			if (role.announcement)
				classes += (classes.empty() ? "" : ", ") + role.name;
		refuse("stream " + std::to_string(stream.id) +
		       ": media.role = " + jsonQuote(propOr(stream.props, "media.role")) +
		       " is not an announcement class (" + classes + "); not played");
	} else if (zones.empty()) {
		refuse("stream " + std::to_string(stream.id) + ": " + kAnnounceToProperty + " = " +
		       jsonQuote(address) + ": names no seat or zone; not played");
	} else {
		for (const std::string &zone : zones) {
			ZoneDelivery delivery;
			delivery.zone = zone;
			if (std::optional<std::uint32_t> device =
				    model_.bestDevice(zone, Direction::Playback)) {
				delivery.deviceId = *device;
				delivery.device = model_.node(*device)->name;
			} else {
				delivery.state = DeliveryState::NoDevice;
			}
			announcement.zones.push_back(std::move(delivery));
		}
		if (warning)
			*warning = problems;
	}

	announcement.id = nextId_++;
	announcements_.push_back(std::move(announcement));
	generation_++;
	trimFinished();
	return &announcements_.back();
}

Announcement *AnnouncementBook::findMutable(std::uint32_t id)
{
	for (Announcement &announcement : announcements_)
		if (announcement.id == id)
			return &announcement;
	return nullptr;
}

const Announcement *AnnouncementBook::find(std::uint32_t id) const
{
	return const_cast<AnnouncementBook *>(this)->findMutable(id);
}

const Announcement *AnnouncementBook::findByStream(std::uint32_t stream) const
{
	for (const Announcement &announcement : announcements_)
		if (announcement.stream == stream && announcement.live())
			return &announcement;
	return nullptr;
}

void AnnouncementBook::updateZone(Announcement &announcement, ZoneDelivery &zone, std::int64_t now)
{
	const Running &running = running_[announcement.id];
	bool zoneRuns = std::find(running.zones.begin(), running.zones.end(), zone.zone) !=
			running.zones.end();
	/* Heard in a zone once both its input and that zone's output run. */
	if (zone.state != DeliveryState::Waiting || !running.stream || !zoneRuns)
		return;
	zone.state = DeliveryState::Playing;
	zone.started = now;
	if (!announcement.started)
		announcement.started = now;
	announcement.state = AnnouncementState::Playing;
	generation_++;
}

void AnnouncementBook::setStreamRunning(std::uint32_t stream, bool running, std::int64_t now)
{
	const Announcement *found = findByStream(stream);
	if (!found || found->state == AnnouncementState::Refused)
		return;
	Announcement &announcement = *findMutable(found->id);
	running_[announcement.id].stream = running;
	for (ZoneDelivery &zone : announcement.zones)
		updateZone(announcement, zone, now);
}

void AnnouncementBook::setOutputRunning(std::uint32_t id, std::string_view zoneName, bool running,
					std::int64_t now)
{
	Announcement *announcement = findMutable(id);
	if (!announcement || !announcement->live())
		return;
	std::vector<std::string> &zones = running_[id].zones;
	std::erase(zones, zoneName);
	if (running)
		zones.emplace_back(zoneName);
	for (ZoneDelivery &zone : announcement->zones)
		if (zone.zone == zoneName)
			updateZone(*announcement, zone, now);
}

void AnnouncementBook::setOutputHeard(std::uint32_t id, std::string_view zoneName, bool heard,
				      bool deviceMuted)
{
	Announcement *announcement = findMutable(id);
	if (!announcement)
		return;
	for (ZoneDelivery &zone : announcement->zones)
		if (zone.zone == zoneName) {
			zone.heard = heard;
			zone.deviceMuted = deviceMuted;
		}
}

void AnnouncementBook::outputLost(std::uint32_t id, std::string_view zoneName, std::int64_t now)
{
	Announcement *announcement = findMutable(id);
	if (!announcement || !announcement->live())
		return;
	std::erase(running_[id].zones, zoneName);
	for (ZoneDelivery &zone : announcement->zones) {
		if (zone.zone != zoneName ||
		    (zone.state != DeliveryState::Waiting && zone.state != DeliveryState::Playing))
			continue;
		zone.state = DeliveryState::Lost;
		zone.ended = now;
		generation_++;
	}
}

bool AnnouncementBook::removeStream(std::uint32_t stream, std::int64_t now)
{
	const Announcement *found = findByStream(stream);
	if (!found)
		return false;
	Announcement &announcement = *findMutable(found->id);
	for (ZoneDelivery &zone : announcement.zones) {
		if (zone.state == DeliveryState::Playing) {
			/* Unheard by a probe that listened, it was not heard there. */
			zone.state = zone.heard == false ? DeliveryState::Silent
				     : zone.deviceMuted	 ? DeliveryState::Muted
							 : DeliveryState::Done;
			zone.ended = now;
		} else if (zone.state == DeliveryState::Waiting) {
			/* The announcement ended before this zone ever heard it. */
			zone.state = DeliveryState::Lost;
		}
	}
	announcement.state = AnnouncementState::Done;
	announcement.ended = now;
	running_.erase(announcement.id);
	generation_++;
	trimFinished();
	return true;
}

void AnnouncementBook::clear()
{
	announcements_.clear();
	running_.clear();
	generation_++;
}

void AnnouncementBook::trimFinished()
{
	std::size_t finished = std::count_if(announcements_.begin(), announcements_.end(),
					     [](const Announcement &a) { return !a.live(); });
	for (auto it = announcements_.begin(); finished > kMaxFinished;) {
		if (it->live()) {
			++it;
			continue;
		}
		it = announcements_.erase(it);
		finished--;
	}
}

void AnnouncementBook::writeJson(JsonWriter &json, std::string_view onlySeat) const
{
	auto visible = [&](const ZoneDelivery &zone) {
		const ZoneConfig *config = model_.config().findZone(zone.zone);
		return onlySeat.empty() ||
		       (config && model_.config().seatMayUse(onlySeat, *config));
	};
	for (const Announcement &announcement : announcements_) {
		const ClientState *client = model_.client(announcement.client);
		bool own = client && !onlySeat.empty() && client->seat == onlySeat;
		if (!onlySeat.empty() && !own &&
		    std::none_of(announcement.zones.begin(), announcement.zones.end(), visible))
			continue;
		json.beginObject();
		json.key("id").value(announcement.id);
		json.key("stream").value(announcement.stream);
		json.key("client").value(announcement.client);
		json.key("application").value(announcement.application);
		json.key("media").value(announcement.media);
		json.key("role").value(announcement.role);
		json.key("to").beginArray();
		for (const std::string &name : announcement.to)
			json.value(name);
		json.endArray();
		json.key("state").value(toString(announcement.state));
		if (!announcement.error.empty())
			json.key("error").value(announcement.error);
		if (announcement.started)
			json.key("started").value(*announcement.started);
		if (announcement.ended)
			json.key("ended").value(*announcement.ended);
		json.key("zones").beginArray();
		for (const ZoneDelivery &zone : announcement.zones) {
			if (!visible(zone))
				continue;
			json.beginObject();
			json.key("zone").value(zone.zone);
			json.key("device").value(zone.device);
			json.key("state").value(toString(zone.state));
			if (zone.started)
				json.key("started").value(*zone.started);
			if (zone.ended)
				json.key("ended").value(*zone.ended);
			json.endObject();
		}
		json.endArray();
		json.endObject();
	}
}

} // namespace cabin
