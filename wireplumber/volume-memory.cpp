/* SPDX-License-Identifier: MIT */
#include "volume-memory.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "json.hpp"

namespace cabin {

namespace {

/* Nothing louder than this is restored (+20 dB); PipeWire's own mixers stop at 10 too. */
constexpr float kMaxVolume = 10.0f;
/* As many channels as SPA knows. */
constexpr std::size_t kMaxChannels = 64;
constexpr char kSeparator = '|';
constexpr const char *kDevicePrefix = "device|";

std::string propOr(const Properties &props, const char *key)
{
	auto it = props.find(key);
	return it == props.end() ? std::string() : it->second;
}

} // namespace

std::string SavedVolume::toJson() const
{
	JsonWriter json;
	json.beginObject();
	json.key("mute").value(mute);
	json.key("channelVolumes").beginArray();
	for (float volume : channelVolumes)
		json.raw(std::to_string(volume));
	json.endArray();
	json.endObject();
	return json.str();
}

std::optional<SavedVolume> SavedVolume::fromJson(std::string_view text)
{
	std::optional<JsonValue> value =
		JsonValue::parse(text, nullptr, JsonLimits{.maxDepth = 2, .maxBytes = 4096});
	const JsonValue *volumes =
		value && value->isObject() ? value->find("channelVolumes") : nullptr;
	const JsonValue *mute = value && value->isObject() ? value->find("mute") : nullptr;
	if (!volumes || !volumes->isArray() || volumes->items().empty() ||
	    volumes->items().size() > kMaxChannels || !mute || !mute->toBool())
		return std::nullopt;
	SavedVolume saved;
	saved.mute = *mute->toBool();
	for (const JsonValue &item : volumes->items()) {
		char *end = nullptr;
		float volume = item.isNumber() ? std::strtof(item.text().c_str(), &end) : NAN;
		if (!end || *end || !(volume >= 0.0f && volume <= kMaxVolume))
			return std::nullopt;
		saved.channelVolumes.push_back(volume);
	}
	return saved;
}

std::optional<std::string> VolumeMemory::keyOf(const NodeState &node) const
{
	if (node.role == NodeRole::Device) {
		/* Devices with routes are WirePlumber's to restore (device/state-routes.lua). */
		if (node.zone.empty() || node.props.contains("device.routes"))
			return std::nullopt;
		return kDevicePrefix + node.name;
	}
	if (node.role != NodeRole::Stream || node.seat.empty() ||
	    model_.ownedBySessionManager(node))
		return std::nullopt;
	const RoleClass &role = roles_.classify(propOr(node.props, "media.role"));
	if (role.announcement || role.floor > 0.0f)
		return std::nullopt;
	for (const char *key : {"media.role", "application.id", "application.name"}) {
		std::string value = propOr(node.props, key);
		if (value.empty())
			continue;
		return node.seat + kSeparator +
		       (node.direction == Direction::Playback ? "Output" : "Input") + kSeparator +
		       key + "=" + value;
	}
	return std::nullopt;
}

std::optional<SavedVolume> VolumeMemory::recall(const std::string &key) const
{
	auto it = entries_.find(key);
	if (it == entries_.end())
		return std::nullopt;
	return it->second;
}

std::string VolumeMemory::seatOf(const std::string &key)
{
	if (key.starts_with(kDevicePrefix))
		return {};
	return key.substr(0, key.find(kSeparator));
}

bool VolumeMemory::remember(const std::string &key, const SavedVolume &volume)
{
	auto it = entries_.find(key);
	if (it != entries_.end()) {
		if (it->second == volume)
			return false;
		it->second = volume;
		return true;
	}
	std::string seat = seatOf(key);
	if (!seat.empty() && keysPerSeat_[seat] >= kMaxKeysPerSeat)
		return false;
	if (!seat.empty())
		keysPerSeat_[seat]++;
	entries_.emplace(key, volume);
	return true;
}

std::map<std::string, std::string> VolumeMemory::entries() const
{
	std::map<std::string, std::string> out;
	for (const auto &[key, volume] : entries_)
		out.emplace(key, volume.toJson());
	return out;
}

std::vector<std::string> VolumeMemory::load(const std::map<std::string, std::string> &saved)
{
	std::vector<std::string> messages;
	for (const auto &[key, text] : saved) {
		std::string seat = seatOf(key);
		bool known = key.starts_with(kDevicePrefix)
				     ? key.size() > std::string_view(kDevicePrefix).size()
				     : key.find(kSeparator) != std::string::npos;
		std::optional<SavedVolume> volume = SavedVolume::fromJson(text);
		if (!known || !volume) {
			messages.push_back(
				"saved volume " + JsonValue::makeString(key).toJson() + " = " +
				JsonValue::makeString(text).toJson() +
				": expected a seat's or a device's key and "
				"{\"mute\": bool, \"channelVolumes\": [0..10, ...]}; dropped");
			continue;
		}
		if (!remember(key, *volume))
			messages.push_back("saved volume " + JsonValue::makeString(key).toJson() +
					   ": seat " + seat + " has " +
					   std::to_string(kMaxKeysPerSeat) +
					   " remembered already; dropped");
	}
	return messages;
}

std::optional<SavedVolume> fitChannels(const SavedVolume &saved, std::size_t channels)
{
	if (channels == 0 || saved.channelVolumes.empty())
		return std::nullopt;
	if (saved.channelVolumes.size() == channels)
		return saved;
	bool uniform = std::all_of(saved.channelVolumes.begin(), saved.channelVolumes.end(),
				   [&](float v) { return v == saved.channelVolumes.front(); });
	if (!uniform)
		return std::nullopt;
	SavedVolume fitted = saved;
	fitted.channelVolumes.assign(channels, saved.channelVolumes.front());
	return fitted;
}

} // namespace cabin
