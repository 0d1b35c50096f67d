/* SPDX-License-Identifier: MIT */
#include <gtest/gtest.h>

#include "role-policy.hpp"
#include "seat-zone-model.hpp"
#include "volume-memory.hpp"

namespace cabin {
namespace {

constexpr const char *kSeats = R"([
  { name = driver }
  { name = rear-left }
  { name = rear-right }
])";

constexpr const char *kZones = R"([
  { name = cabin, owner = driver
    devices = [ { matches = [ { node.name = "cabin.speakers" } ] } ] }
  { name = rear-left, seat = rear-left
    devices = [ { matches = [ { node.name = "rl.headphones" } ] } ] }
  { name = rear-right, seat = rear-right
    devices = [ { matches = [ { node.name = "rr.headphones" } ] } ] }
])";

constexpr std::uint32_t kDriver = 10;
constexpr std::uint32_t kRearLeft = 12;
constexpr std::uint32_t kRearRight = 13;
constexpr std::uint32_t kSessionManager = 2;
constexpr std::uint32_t kSpeakers = 30;
constexpr std::uint32_t kUnplaced = 31;

const SavedVolume kQuiet{{0.2f, 0.2f}, false};
const SavedVolume kMuted{{1.0f, 1.0f}, true};

class VolumeMemoryTest : public ::testing::Test
{
protected:
	VolumeMemoryTest()
	    : model_(parseCabinConfig(kSeats, kZones)), roles_(defaultRolePolicy()),
	      memory_(model_, roles_)
	{
		model_.setSessionManagerClient(kSessionManager);
		model_.addClient(kSessionManager, {{"pipewire.sec.pid", "1"}});
		for (auto [id, seat] :
		     {std::pair{kDriver, "driver"}, std::pair{kRearLeft, "rear-left"},
		      std::pair{kRearRight, "rear-right"}})
			model_.addClient(id, {{kSeatSocketProperty, seat},
					      {"pipewire.sec.pid", std::to_string(1000 + id)}});
		model_.addNode(kSpeakers,
			       {{"node.name", "cabin.speakers"}, {"media.class", "Audio/Sink"}});
		model_.addNode(kUnplaced,
			       {{"node.name", "usb.dongle"}, {"media.class", "Audio/Sink"}});
	}

	/* The key of a new stream of \a client with \a props. */
	std::optional<std::string> streamKey(std::uint32_t client, Properties props,
					     const char *mediaClass = "Stream/Output/Audio")
	{
		props["node.name"] = "stream" + std::to_string(next_);
		props["media.class"] = mediaClass;
		props["client.id"] = std::to_string(client);
		model_.addNode(next_, props);
		return memory_.keyOf(*model_.node(next_++));
	}

	SeatZoneModel model_;
	RolePolicy roles_;
	VolumeMemory memory_;
	std::uint32_t next_ = 100;
};

TEST_F(VolumeMemoryTest, ASeatsStreamIsRememberedUnderItsSeatFirst)
{
	EXPECT_EQ(streamKey(kRearRight, {{"media.role", "Music"}}),
		  "rear-right|Output|media.role=Music");
	EXPECT_EQ(streamKey(kDriver, {{"media.role", "Music"}}), "driver|Output|media.role=Music");
	EXPECT_EQ(streamKey(kRearLeft, {{"application.name", "Film"}}, "Stream/Input/Audio"),
		  "rear-left|Input|application.name=Film");
	EXPECT_EQ(streamKey(kRearLeft, {{"application.id", "org.film"}, {"application.name", "F"}}),
		  "rear-left|Output|application.id=org.film");
	EXPECT_EQ(streamKey(kRearLeft, {}), std::nullopt) << "nothing to know it by";
}

TEST_F(VolumeMemoryTest, OneSeatsVolumeNeverReachesAnotherSeat)
{
	/* rear-right's quiet music once started the driver's next music at -58.9 dBFS. */
	std::string rearRight = *streamKey(kRearRight, {{"media.role", "Music"}});
	ASSERT_TRUE(memory_.remember(rearRight, kQuiet));
	EXPECT_EQ(memory_.recall(rearRight), kQuiet);
	EXPECT_EQ(memory_.recall(*streamKey(kDriver, {{"media.role", "Music"}})), std::nullopt);
	EXPECT_EQ(memory_.recall(*streamKey(kRearRight, {{"media.role", "Music"}})), kQuiet)
		<< "the seat's own next music";
	/* Properties a client sets cannot name another seat's memory. */
	EXPECT_EQ(streamKey(kRearLeft, {{"media.role", "rear-right|Output|media.role=Music"}}),
		  "rear-left|Output|media.role=rear-right|Output|media.role=Music");
}

TEST_F(VolumeMemoryTest, AnnouncementClassesAndTheSessionManagersStreamsAreNotRemembered)
{
	/* A seat's muted emergency once muted every later emergency of the car. */
	for (const char *role : {"Emergency", "Announcement", "Navigation", "Notification"})
		EXPECT_EQ(streamKey(kRearLeft, {{"media.role", role}}), std::nullopt) << role;
	EXPECT_EQ(streamKey(kSessionManager, {{"media.role", "Music"}}), std::nullopt);
	model_.addClient(40, {{"pipewire.sec.uid", "4242"}});
	EXPECT_EQ(streamKey(40, {{"media.role", "Music"}}), std::nullopt) << "no seat";
}

TEST_F(VolumeMemoryTest, ZoneDevicesAreRememberedByName)
{
	EXPECT_EQ(memory_.keyOf(*model_.node(kSpeakers)), "device|cabin.speakers");
	EXPECT_EQ(memory_.keyOf(*model_.node(kUnplaced)), std::nullopt) << "in no zone";
	model_.addNode(32, {{"node.name", "rl.headphones"},
			    {"media.class", "Audio/Sink"},
			    {"device.routes", "2"}});
	EXPECT_EQ(memory_.keyOf(*model_.node(32)), std::nullopt) << "WirePlumber keeps routes";
}

TEST_F(VolumeMemoryTest, RememberSaysWhetherAnythingChangedAndEachSeatHasItsRoom)
{
	EXPECT_TRUE(memory_.remember("rear-left|Output|media.role=Music", kQuiet));
	EXPECT_FALSE(memory_.remember("rear-left|Output|media.role=Music", kQuiet));
	EXPECT_TRUE(memory_.remember("rear-left|Output|media.role=Music", kMuted));
	for (std::size_t i = 1; i < VolumeMemory::kMaxKeysPerSeat; i++)
		EXPECT_TRUE(memory_.remember(
			"rear-left|Output|application.name=" + std::to_string(i), kQuiet));
	EXPECT_FALSE(memory_.remember("rear-left|Output|application.name=one-more", kQuiet));
	EXPECT_TRUE(memory_.remember("rear-left|Output|media.role=Music", kQuiet))
		<< "known keys still change";
	EXPECT_TRUE(memory_.remember("driver|Output|media.role=Music", kQuiet))
		<< "another seat's room";
	EXPECT_TRUE(memory_.remember("device|cabin.speakers", kQuiet));
}

TEST_F(VolumeMemoryTest, SavedEntriesRoundTripAndBadOnesAreDroppedByName)
{
	memory_.remember("rear-left|Output|media.role=Music", kQuiet);
	memory_.remember("device|cabin.speakers", kMuted);
	std::map<std::string, std::string> saved = memory_.entries();
	EXPECT_EQ(saved.at("device|cabin.speakers"),
		  R"({"mute":true,"channelVolumes":[1.000000,1.000000]})");

	saved["rear-right|Output|media.role=Music"] = R"({"mute":false,"channelVolumes":[11]})";
	saved["nonsense"] = R"({"mute":false,"channelVolumes":[0.5]})";
	saved["driver|Output|media.role=Game"] = "[[[[[[";
	VolumeMemory loaded(model_, roles_);
	std::vector<std::string> messages = loaded.load(saved);
	ASSERT_EQ(messages.size(), 3u);
	EXPECT_EQ(messages[0], R"(saved volume "driver|Output|media.role=Game" = "[[[[[[": )"
			       R"(expected a seat's or a device's key and {"mute": bool, )"
			       R"("channelVolumes": [0..10, ...]}; dropped)");
	EXPECT_EQ(loaded.recall("rear-left|Output|media.role=Music"), kQuiet);
	EXPECT_EQ(loaded.recall("device|cabin.speakers"), kMuted);
	EXPECT_EQ(loaded.recall("rear-right|Output|media.role=Music"), std::nullopt);
}

TEST_F(VolumeMemoryTest, AVolumeFitsAnotherChannelCountOnlyWhenItIsOneLevel)
{
	EXPECT_EQ(fitChannels(kQuiet, 2), kQuiet);
	EXPECT_EQ(fitChannels(kQuiet, 4), (SavedVolume{{0.2f, 0.2f, 0.2f, 0.2f}, false}));
	EXPECT_EQ(fitChannels(SavedVolume{{0.2f, 0.5f}, false}, 1), std::nullopt);
	EXPECT_EQ(fitChannels(kQuiet, 0), std::nullopt);
}

} // namespace
} // namespace cabin
