/* SPDX-License-Identifier: MIT */
/*
 * The zone node's properties: what a valid zone turns into, and the message
 * each invalid property gets (it names the key and the value).
 */
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "zone-node.hpp"

namespace cabin::test {
namespace {

using zone::Direction;
using zone::ZoneSettings;

struct Parsed {
	bool ok;
	ZoneSettings settings;
	std::string error;
};

Parsed parse(const std::map<std::string, std::string> &props,
	     Direction direction = Direction::Playback)
{
	std::vector<spa_dict_item> items;
	for (const auto &[key, value] : props)
		items.push_back(SPA_DICT_ITEM_INIT(key.c_str(), value.c_str()));
	spa_dict dict = SPA_DICT_INIT(items.data(), static_cast<std::uint32_t>(items.size()));
	Parsed parsed;
	parsed.ok = zone::parseZoneSettings(&dict, direction, &parsed.settings, &parsed.error);
	return parsed;
}

const std::map<std::string, std::string> kHeadphones = {
	{"api.alsa.path", "hw:Amp"},
	{"cabin.alsa.channels", "[ 4 5 ]"},
	{"audio.position", "[ FL FR ]"},
	{"node.name", "rear-left.headphones"},
};

std::map<std::string, std::string> with(std::map<std::string, std::string> props,
					const std::string &key, const std::string &value)
{
	props[key] = value;
	return props;
}

std::map<std::string, std::string> without(std::map<std::string, std::string> props,
					   const std::string &key)
{
	props.erase(key);
	return props;
}

TEST(ZoneSettings, ValidZone)
{
	Parsed parsed = parse(with(kHeadphones, "api.alsa.headroom", "128"));
	ASSERT_TRUE(parsed.ok) << parsed.error;
	const ZoneSettings &s = parsed.settings;
	EXPECT_EQ(s.device.path, "hw:Amp");
	EXPECT_EQ(s.deviceChannels, (std::vector<std::uint32_t>{4, 5}));
	EXPECT_EQ(s.positions,
		  (std::vector<std::uint32_t>{SPA_AUDIO_CHANNEL_FL, SPA_AUDIO_CHANNEL_FR}));
	EXPECT_EQ(s.device.rate, 48000u);
	EXPECT_EQ(s.device.headroom, 128u);
	EXPECT_EQ(s.device.bufferFrames, 16384u);
	/* Without cabin.zone the node name labels the zone. */
	EXPECT_EQ(s.zone, "rear-left.headphones");
	/* Zones of one PCM get one group unless the config names one. */
	EXPECT_EQ(s.group, "cabin.alsa.p.hw:Amp");
	EXPECT_EQ(parse(kHeadphones, Direction::Capture).settings.group, "cabin.alsa.c.hw:Amp");
	EXPECT_EQ(parse(with(kHeadphones, "node.group", "amp")).settings.group, "amp");
}

TEST(ZoneSettings, DeviceFormatNames)
{
	EXPECT_EQ(parse(with(kHeadphones, "audio.format", "S32")).settings.device.format, "S32_LE");
	EXPECT_EQ(parse(with(kHeadphones, "audio.format", "FLOAT_LE")).settings.device.format,
		  "F32_LE");
	EXPECT_EQ(parse(kHeadphones).settings.device.format, "");
}

struct BadCase {
	std::map<std::string, std::string> props;
	std::string message;
};

TEST(ZoneSettings, InvalidPropertiesNameKeyAndValue)
{
	const std::vector<BadCase> cases = {
		{without(kHeadphones, "api.alsa.path"),
		 "api.alsa.path = \"\": required (the ALSA PCM the zone plays on)"},
		{without(kHeadphones, "cabin.alsa.channels"),
		 "cabin.alsa.channels = \"\": required (the device channels of the zone)"},
		/* A bare number is a one-channel list, as in PipeWire's relaxed JSON. */
		{with(kHeadphones, "cabin.alsa.channels", "4"),
		 "audio.position = \"[ FL FR ]\": has 2 positions but cabin.alsa.channels = \"4\" "
		 "has 1"},
		{with(kHeadphones, "cabin.alsa.channels", "[ ]"),
		 "cabin.alsa.channels = \"[ ]\": not an array of channel numbers"},
		{with(kHeadphones, "cabin.alsa.channels", "[ 4 x ]"),
		 "cabin.alsa.channels = \"[ 4 x ]\": \"x\" is not a channel number"},
		{with(kHeadphones, "cabin.alsa.channels", "[ 4 64 ]"),
		 "cabin.alsa.channels = \"[ 4 64 ]\": channel 64 is out of range 0..63"},
		{with(kHeadphones, "cabin.alsa.channels", "[ 4 4 ]"),
		 "cabin.alsa.channels = \"[ 4 4 ]\": channel 4 is listed twice"},
		{with(kHeadphones, "audio.position", "[ FL XX ]"),
		 "audio.position = \"[ FL XX ]\": position 1 is not a channel name"},
		{with(kHeadphones, "audio.position", "[ FL ]"),
		 "audio.position = \"[ FL ]\": has 1 positions but cabin.alsa.channels = \"[ 4 5 "
		 "]\" "
		 "has 2"},
		{with(kHeadphones, "audio.rate", "fast"),
		 "audio.rate = \"fast\": not a sample rate in 8000..768000"},
		{with(kHeadphones, "audio.format", "S24_3LE"),
		 "audio.format = \"S24_3LE\": not one of S16_LE, S32_LE, F32_LE"},
		{with(kHeadphones, "api.alsa.headroom", "-1"),
		 "api.alsa.headroom = \"-1\": not a frame count in 0..8192"},
		{with(kHeadphones, "api.alsa.buffer-size", "64"),
		 "api.alsa.buffer-size = \"64\": not a frame count of at least 128"},
		{with(kHeadphones, "cabin.alsa.device-channels", "65"),
		 "cabin.alsa.device-channels = \"65\": not a channel count in 0..64 (0: all "
		 "channels of the PCM)"},
	};
	for (const BadCase &bad : cases) {
		Parsed parsed = parse(bad.props);
		EXPECT_FALSE(parsed.ok) << bad.message;
		EXPECT_EQ(parsed.error, bad.message);
	}
}

} // namespace
} // namespace cabin::test
