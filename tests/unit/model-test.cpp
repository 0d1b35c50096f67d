/* SPDX-License-Identifier: MIT */
#include <gtest/gtest.h>

#include "json.hpp"
#include "seat-zone-model.hpp"

namespace cabin {
namespace {

constexpr const char *kSeats = R"([
  { name = driver }
  { name = front-passenger }
  { name = rear-left, uids = [ 1001 ] }
])";

constexpr const char *kZones = R"([
  { name = cabin, owner = driver
    devices = [ { matches = [ { node.name = "cabin.speakers" } ] } ] }
  { name = front-passenger, seat = front-passenger
    devices = [ { matches = [ { node.name = "fp.headphones" } ] } ] }
  { name = rear-left, seat = rear-left
    devices = [
      { matches = [ { node.name = "rl.headphones" } ] }
      { matches = [ { node.name = "rl.headrest" } ] }
      { matches = [ { node.name = "rl.mic" } ] }
    ] }
])";

class ModelTest : public ::testing::Test
{
protected:
	ModelTest() : model_(parseCabinConfig(kSeats, kZones))
	{
		model_.setSessionManagerClient(kSessionManager);
		model_.addClient(kSessionManager, {{"pipewire.sec.uid", "0"}});
	}

	void addSink(std::uint32_t id, const std::string &name)
	{
		model_.addNode(id, {{"node.name", name}, {"media.class", "Audio/Sink"}});
	}

	void addStream(std::uint32_t id, std::uint32_t client,
		       const std::string &mediaClass = "Stream/Output/Audio")
	{
		model_.addNode(id, {{"node.name", "stream" + std::to_string(id)},
				    {"media.class", mediaClass},
				    {"client.id", std::to_string(client)}});
	}

	void addSocketClient(std::uint32_t id, const std::string &seat)
	{
		model_.addClient(id, {{kSeatSocketProperty, seat}, {"pipewire.sec.uid", "0"}});
	}

	static constexpr std::uint32_t kSessionManager = 5;
	SeatZoneModel model_;
};

TEST_F(ModelTest, DevicesJoinTheZoneWhoseRuleMatches)
{
	addSink(30, "cabin.speakers");
	addSink(31, "rl.headrest");
	addSink(32, "unknown.sink");
	EXPECT_EQ(model_.node(30)->zone, "cabin");
	EXPECT_EQ(model_.node(30)->seat, "driver");
	EXPECT_EQ(model_.node(31)->zone, "rear-left");
	EXPECT_EQ(model_.node(31)->rank, 1u);
	EXPECT_EQ(model_.node(32)->role, NodeRole::Device);
	EXPECT_EQ(model_.node(32)->zone, "");
}

TEST_F(ModelTest, SocketSeatWinsOverUid)
{
	model_.addClient(40,
			 {{kSeatSocketProperty, "front-passenger"}, {"pipewire.sec.uid", "1001"}});
	EXPECT_EQ(model_.client(40)->seat, "front-passenger");
	EXPECT_EQ(model_.client(40)->source, SeatSource::Socket);
}

TEST_F(ModelTest, UidTableMapsClientsOfTheSharedSocket)
{
	model_.addClient(41, {{"pipewire.sec.uid", "1001"}});
	EXPECT_EQ(model_.client(41)->seat, "rear-left");
	EXPECT_EQ(model_.client(41)->source, SeatSource::Uid);
}

TEST_F(ModelTest, ClientSettablePropertiesAreIgnored)
{
	/* Only pipewire.sec.* counts; a client can write any other key itself. */
	model_.addClient(42, {{"cabin.seat", "driver"}, {"pipewire.sec.uid", "4242"}});
	EXPECT_EQ(model_.client(42)->seat, "");
	EXPECT_EQ(model_.client(42)->source, SeatSource::None);
}

TEST_F(ModelTest, UnknownSocketSeatFallsBackAndWarns)
{
	model_.setDefaultSeat("driver");
	model_.takeWarnings();
	model_.addClient(43, {{kSeatSocketProperty, "trunk"}, {"pipewire.sec.uid", "4242"}});
	EXPECT_EQ(model_.client(43)->seat, "driver");
	EXPECT_EQ(model_.client(43)->source, SeatSource::Default);
	auto warnings = model_.takeWarnings();
	ASSERT_EQ(warnings.size(), 1u);
	EXPECT_NE(warnings[0].find("pipewire.sec.cabin.seat = \"trunk\""), std::string::npos);
}

TEST_F(ModelTest, DefaultSeatAppliesToSeatlessClientsAndFollowsChanges)
{
	model_.addClient(44, {{"pipewire.sec.uid", "4242"}});
	addStream(50, 44);
	EXPECT_EQ(model_.node(50)->seat, "");
	EXPECT_TRUE(model_.setDefaultSeat("front-passenger"));
	EXPECT_EQ(model_.node(50)->seat, "front-passenger");
	EXPECT_EQ(model_.node(50)->zone, "front-passenger");
	EXPECT_FALSE(model_.setDefaultSeat("nobody"));
	EXPECT_EQ(model_.node(50)->seat, "");
	auto state = JsonValue::parse(model_.stateJson());
	ASSERT_TRUE(state);
	EXPECT_NE(state->find("errors")->toJson().find("cabin.default-seat = \\\"nobody\\\""),
		  std::string::npos);
}

TEST_F(ModelTest, SessionManagerStreamsHaveNoSeat)
{
	model_.setDefaultSeat("driver");
	addStream(51, kSessionManager);
	EXPECT_EQ(model_.node(51)->seat, "");
	EXPECT_EQ(model_.client(kSessionManager)->source, SeatSource::SessionManager);
}

TEST_F(ModelTest, StreamAddedBeforeItsClientIsAssignedWhenClientArrives)
{
	addStream(52, 45);
	EXPECT_EQ(model_.node(52)->seat, "");
	addSocketClient(45, "rear-left");
	EXPECT_EQ(model_.node(52)->seat, "rear-left");
}

TEST_F(ModelTest, SelectTargetPicksBestPresentDeviceOfHomeZone)
{
	addSocketClient(46, "rear-left");
	addStream(53, 46);
	EXPECT_FALSE(model_.selectTarget(53));
	addSink(61, "rl.headrest");
	EXPECT_EQ(model_.selectTarget(53), 61u);
	addSink(60, "rl.headphones");
	EXPECT_EQ(model_.selectTarget(53), 60u);
	model_.removeNode(60);
	EXPECT_EQ(model_.selectTarget(53), 61u);
}

TEST_F(ModelTest, SelectTargetMatchesDirection)
{
	addSocketClient(47, "rear-left");
	addStream(54, 47, "Stream/Input/Audio");
	addSink(60, "rl.headphones");
	EXPECT_FALSE(model_.selectTarget(54));
	model_.addNode(62, {{"node.name", "rl.mic"}, {"media.class", "Audio/Source"}});
	EXPECT_EQ(model_.selectTarget(54), 62u);
}

TEST_F(ModelTest, MayTargetOnlyZonesOfTheSeat)
{
	addSink(30, "cabin.speakers");
	addSink(60, "rl.headphones");
	addSink(61, "rl.headrest");
	addSink(70, "unzoned");
	addSocketClient(48, "rear-left");
	addSocketClient(49, "driver");
	addStream(55, 48);
	addStream(56, 49);
	EXPECT_TRUE(model_.mayTarget(55, 61));
	EXPECT_FALSE(model_.mayTarget(55, 30));
	EXPECT_FALSE(model_.mayTarget(55, 70));
	EXPECT_TRUE(model_.mayTarget(56, 30));
	EXPECT_FALSE(model_.mayTarget(56, 60));
	/* Streams may target streams of their own seat only. */
	EXPECT_FALSE(model_.mayTarget(55, 56));
	EXPECT_FALSE(model_.mayTarget(999, 30));
}

TEST_F(ModelTest, StateJsonDescribesSeatsZonesAndNodes)
{
	addSink(30, "cabin.speakers");
	addSocketClient(49, "driver");
	addStream(56, 49);
	auto state = JsonValue::parse(model_.stateJson());
	ASSERT_TRUE(state);
	EXPECT_EQ(state->find("version")->toInt(), 1);
	EXPECT_EQ(state->find("seats")->items().size(), 3u);
	EXPECT_EQ(state->find("zones")->items()[0].stringOr("kind"), "shared");
	EXPECT_EQ(state->find("zones")->items()[0].stringOr("owner"), "driver");
	bool sawStream = false;
	for (const JsonValue &node : state->find("nodes")->items()) {
		if (node.find("id")->toInt() == 56) {
			sawStream = true;
			EXPECT_EQ(node.stringOr("role"), "stream");
			EXPECT_EQ(node.stringOr("seat"), "driver");
			EXPECT_EQ(node.stringOr("zone"), "cabin");
		}
	}
	EXPECT_TRUE(sawStream);
}

} // namespace
} // namespace cabin
