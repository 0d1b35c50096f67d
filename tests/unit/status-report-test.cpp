/* SPDX-License-Identifier: MIT */
#include <gtest/gtest.h>

#include "status-report.hpp"

namespace cabin {
namespace {

constexpr const char *kState = R"({"version":1,"default-seat":"driver",
 "seats":[{"name":"driver","home-zone":"cabin","zones":["cabin"]},
          {"name":"rear-left","home-zone":"rear-left","zones":["rear-left"]}],
 "zones":[{"name":"cabin","kind":"shared","owner":"driver","devices":[]},
          {"name":"rear-left","kind":"personal","seat":"rear-left","devices":[]}],
 "nodes":[{"id":30,"name":"cabin.speakers","role":"device","direction":"playback","seat":"driver","zone":"cabin","rank":0},
          {"id":33,"name":"rl.headrest","role":"device","direction":"playback","seat":"rear-left","zone":"rear-left","rank":1},
          {"id":32,"name":"rl.headphones","role":"device","direction":"playback","seat":"rear-left","zone":"rear-left","rank":0},
          {"id":40,"name":"spare","role":"device","direction":"playback","seat":"","zone":""},
          {"id":75,"name":"music","role":"stream","direction":"playback","seat":"driver","zone":"cabin"},
          {"id":88,"name":"film","role":"stream","direction":"playback","seat":"rear-left","zone":"rear-left"},
          {"id":90,"name":"orphan","role":"stream","direction":"playback","seat":"","zone":""}],
 "errors":["cabin.zones[4] (trunk).owner = \"nobody\": no seat with this name; zone skipped"]})";

TEST(StatusReport, JoinsStateWithLinks)
{
	auto state = JsonValue::parse(kState);
	ASSERT_TRUE(state);
	/* One link per port: the film is linked twice to the same device. */
	std::vector<StatusLink> links = {{75, 30}, {88, 32}, {88, 32}};
	StatusReport report = buildStatusReport(*state, links, {});

	ASSERT_EQ(report.seats.size(), 2u);
	ASSERT_EQ(report.seats[1].streams.size(), 1u);
	EXPECT_EQ(report.seats[1].streams[0].linkedTo, std::vector<std::uint32_t>{32});

	ASSERT_EQ(report.zones.size(), 2u);
	const ZoneReport &rearLeft = report.zones[1];
	ASSERT_EQ(rearLeft.devices.size(), 2u);
	EXPECT_EQ(rearLeft.devices[0].name, "rl.headphones"); /* rank order, not id order */
	EXPECT_EQ(rearLeft.devices[0].streams, std::vector<std::uint32_t>{88});
	EXPECT_TRUE(rearLeft.devices[1].streams.empty());

	ASSERT_EQ(report.unassignedDevices.size(), 1u);
	EXPECT_EQ(report.unassignedDevices[0].name, "spare");
	ASSERT_EQ(report.unseatedStreams.size(), 1u);
	EXPECT_EQ(report.unseatedStreams[0].name, "orphan");
	ASSERT_EQ(report.errors.size(), 1u);
}

TEST(StatusReport, JsonAndTextShowTheRouting)
{
	auto state = JsonValue::parse(kState);
	ASSERT_TRUE(state);
	StatusReport report = buildStatusReport(*state, {{88, 32}}, {});

	auto json = JsonValue::parse(formatStatusJson(report));
	ASSERT_TRUE(json);
	EXPECT_EQ(json->find("version")->toInt(), kStatusSchemaVersion);
	const JsonValue &zone = json->find("zones")->items()[1];
	EXPECT_EQ(zone.stringOr("kind"), "personal");
	EXPECT_EQ(zone.find("devices")->items()[0].find("streams")->toJson(), "[88]");

	std::string text = formatStatusText(report);
	EXPECT_NE(text.find("film [88]"), std::string::npos) << text;
	EXPECT_NE(text.find("rl.headphones [32]"), std::string::npos) << text;
	EXPECT_NE(text.find("trunk"), std::string::npos) << text;
}

} // namespace
} // namespace cabin
