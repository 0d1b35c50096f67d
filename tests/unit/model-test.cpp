/* SPDX-License-Identifier: MIT */
#include <map>

#include <gtest/gtest.h>

#include "json.hpp"
#include "seat-zone-model.hpp"
#include "share-book.hpp"

namespace cabin {
namespace {

constexpr const char *kSeats = R"([
  { name = driver }
  { name = front-passenger }
  { name = rear-left, uids = [ 1001 ] }
  { name = rear-right }
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
  { name = rear-right, seat = rear-right
    devices = [
      { matches = [ { node.name = "rr.headphones" } ] }
      { matches = [ { node.name = "rr.headrest" } ] }
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

/* Seats mapped to logind seats; where logind puts each process is the test's to say. */
class LoginModelTest : public ::testing::Test
{
protected:
	LoginModelTest()
	    : model_(parseCabinConfig(R"([
		    { name = driver, logind-seat = seat0 }
		    { name = rear-left, logind-seat = seat1, uids = [ 1001 ] }
		    { name = rear-right, logind-seat = seat2 }
		  ])",
				      kZones))
	{
		model_.setLoginLookup([this](std::uint32_t pid, std::uint32_t uid) {
			if (auto it = byPid_.find(pid); it != byPid_.end())
				return std::optional<LoginPlace>(it->second);
			if (auto it = byUid_.find(uid); it != byUid_.end())
				return std::optional<LoginPlace>(it->second);
			return std::optional<LoginPlace>();
		});
	}

	void addClient(std::uint32_t id, std::uint32_t pid, std::uint32_t uid)
	{
		model_.addClient(id, {{"pipewire.sec.pid", std::to_string(pid)},
				      {"pipewire.sec.uid", std::to_string(uid)}});
	}

	void addStream(std::uint32_t id, std::uint32_t client)
	{
		model_.addNode(id, {{"node.name", "stream" + std::to_string(id)},
				    {"media.class", "Stream/Output/Audio"},
				    {"client.id", std::to_string(client)}});
	}

	SeatZoneModel model_;
	std::map<std::uint32_t, LoginPlace> byPid_;
	std::map<std::uint32_t, LoginPlace> byUid_;
};

TEST_F(LoginModelTest, SessionSeatPlacesTheClient)
{
	byPid_[500] = {"seat2", true, true};
	addClient(60, 500, 1002);
	EXPECT_EQ(model_.client(60)->seat, "rear-right");
	EXPECT_EQ(model_.client(60)->source, SeatSource::Session);
	auto state = JsonValue::parse(model_.stateJson());
	ASSERT_TRUE(state);
	EXPECT_NE(state->toJson().find(R"("identity":"session")"), std::string::npos)
		<< state->toJson();
	EXPECT_EQ(state->find("seats")->items()[2].stringOr("logind-seat"), "seat2");
}

TEST_F(LoginModelTest, ActiveUserSeatPlacesAProcessOutsideASession)
{
	byUid_[1003] = {"seat0", false, true};
	addClient(61, 501, 1003);
	EXPECT_EQ(model_.client(61)->seat, "driver");
	EXPECT_EQ(model_.client(61)->source, SeatSource::ActiveUser);
}

TEST_F(LoginModelTest, UidTableWinsOverLogind)
{
	/* Configuration wins where both speak. */
	byPid_[502] = {"seat2", true, true};
	addClient(62, 502, 1001);
	EXPECT_EQ(model_.client(62)->seat, "rear-left");
	EXPECT_EQ(model_.client(62)->source, SeatSource::Uid);
}

TEST_F(LoginModelTest, BackgroundSessionPlaysNowhere)
{
	byPid_[503] = {"seat1", true, false};
	model_.setDefaultSeat("driver");
	addClient(63, 503, 1004);
	addStream(70, 63);
	EXPECT_EQ(model_.client(63)->seat, "") << "not the default seat either";
	EXPECT_EQ(model_.client(63)->source, SeatSource::Session);
	EXPECT_EQ(model_.node(70)->zone, "");
}

TEST_F(LoginModelTest, UnmappedLogindSeatFallsBackToTheDefault)
{
	byPid_[504] = {"seat7", true, true};
	model_.setDefaultSeat("driver");
	addClient(64, 504, 1005);
	EXPECT_EQ(model_.client(64)->seat, "driver");
	EXPECT_EQ(model_.client(64)->source, SeatSource::Default);
}

TEST_F(LoginModelTest, SocketSeatWinsOverLogind)
{
	byPid_[505] = {"seat2", true, true};
	model_.addClient(65, {{kSeatSocketProperty, "driver"},
			      {"pipewire.sec.pid", "505"},
			      {"pipewire.sec.uid", "1006"}});
	EXPECT_EQ(model_.client(65)->seat, "driver");
	EXPECT_EQ(model_.client(65)->source, SeatSource::Socket);
}

TEST_F(LoginModelTest, SessionMovingSeatsTakesItsStreamsAlong)
{
	byPid_[506] = {"seat1", true, true};
	addClient(66, 506, 1007);
	addStream(71, 66);
	addClient(67, 507, 1008);
	EXPECT_EQ(model_.node(71)->zone, "rear-left");
	EXPECT_TRUE(model_.reassignClients().empty()) << "nothing changed yet";

	byPid_[506] = {"seat2", true, true};
	EXPECT_EQ(model_.reassignClients(), std::vector<std::uint32_t>{66});
	EXPECT_EQ(model_.client(66)->seat, "rear-right");
	EXPECT_EQ(model_.node(71)->seat, "rear-right");
	EXPECT_EQ(model_.node(71)->zone, "rear-right");

	/* In the background, then active again. */
	byPid_[506].active = false;
	EXPECT_EQ(model_.reassignClients(), std::vector<std::uint32_t>{66});
	EXPECT_EQ(model_.node(71)->seat, "");
	byPid_[506].active = true;
	EXPECT_EQ(model_.reassignClients(), std::vector<std::uint32_t>{66});
	EXPECT_EQ(model_.node(71)->zone, "rear-right");
}

/* Devices that udev puts on a seat; the card numbers and their seats are the test's. */
class DeviceSeatModelTest : public LoginModelTest
{
protected:
	static constexpr std::uint32_t kWirePlumber = 5;

	DeviceSeatModelTest()
	{
		model_.setDeviceSeatLookup([this](const Properties &props) {
			auto card = props.find("api.alsa.card");
			if (card == props.end())
				return std::optional<DevicePlace>();
			if (sharedCards_.contains(card->second))
				return std::optional<DevicePlace>(
					DevicePlace{{}, true, sharedCards_.at(card->second)});
			if (!cards_.contains(card->second))
				return std::optional<DevicePlace>();
			return std::optional<DevicePlace>(DevicePlace{cards_.at(card->second)});
		});
		model_.setSessionManagerClient(kWirePlumber);
		model_.addClient(kWirePlumber, {{"pipewire.sec.uid", "0"}});
	}

	void addCardSink(std::uint32_t id, const std::string &name, const std::string &card,
			 std::optional<std::uint32_t> client = kWirePlumber)
	{
		Properties props{{"node.name", name},
				 {"media.class", "Audio/Sink"},
				 {"api.alsa.card", card}};
		if (client)
			props["client.id"] = std::to_string(*client);
		model_.addNode(id, props);
	}

	std::map<std::string, std::string> cards_;
	/* Cards with Cabin's shared marker, and the zone it names. */
	std::map<std::string, std::string> sharedCards_;
};

TEST_F(DeviceSeatModelTest, ACardOnASeatJoinsItsHomeZoneAheadOfItsOwnDevices)
{
	cards_["3"] = "seat1";
	model_.addNode(30, {{"node.name", "rl.headphones"}, {"media.class", "Audio/Sink"}});
	addCardSink(31, "usb.headset", "3");
	EXPECT_EQ(model_.node(31)->zone, "rear-left");
	EXPECT_EQ(model_.node(31)->seat, "rear-left");
	EXPECT_EQ(model_.node(31)->logindSeat, "seat1");
	EXPECT_EQ(model_.bestDevice("rear-left", Direction::Playback), 31u);
	auto state = JsonValue::parse(model_.stateJson());
	ASSERT_TRUE(state);
	EXPECT_NE(state->toJson().find(R"("name":"usb.headset","role":"device")"),
		  std::string::npos)
		<< state->toJson();
	EXPECT_NE(state->toJson().find(R"("logind-seat":"seat1")"), std::string::npos);

	/* Unplugged: the zone's own device again. */
	model_.removeNode(31);
	EXPECT_EQ(model_.bestDevice("rear-left", Direction::Playback), 30u);
}

TEST_F(DeviceSeatModelTest, AZoneRuleWinsOverUdev)
{
	cards_["4"] = "seat2";
	addCardSink(32, "rl.headrest", "4");
	EXPECT_EQ(model_.node(32)->zone, "rear-left");
	EXPECT_EQ(model_.node(32)->rank, 1u);
	EXPECT_TRUE(model_.node(32)->logindSeat.empty());
}

TEST_F(DeviceSeatModelTest, CardsOnNoMappedSeatStayOutOfZones)
{
	cards_["5"] = "seat9";
	addCardSink(33, "usb.speaker", "5");
	addCardSink(34, "hdmi.out", "6");
	EXPECT_EQ(model_.node(33)->zone, "");
	EXPECT_EQ(model_.node(34)->zone, "");
	/* A device's entry in the state names no client, whoever made it. */
	auto state = JsonValue::parse(model_.stateJson());
	ASSERT_TRUE(state);
	for (const JsonValue &entry : state->find("nodes")->items()) {
		if (entry.stringOr("role") == "device") {
			EXPECT_EQ(entry.find("client"), nullptr) << entry.toJson();
		}
	}
}

TEST_F(DeviceSeatModelTest, ASeatClientCannotClaimACard)
{
	/* A seat client's own sink naming another seat's card must not receive that seat's audio.
	 */
	cards_["3"] = "seat2";
	model_.addClient(70, {{kSeatSocketProperty, "rear-left"},
			      {"pipewire.access", "cabin"},
			      {"pipewire.sec.uid", "1002"}});
	addCardSink(35, "fake.headset", "3", 70);
	EXPECT_EQ(model_.node(35)->zone, "");
	/* Nor can the announcer, whose role socket is for playing, not for devices. */
	model_.addClient(72, {{kRoleSocketProperty, "announcer"},
			      {"pipewire.access", "cabin"},
			      {"pipewire.sec.uid", "1003"}});
	addCardSink(38, "announcer.headset", "3", 72);
	EXPECT_EQ(model_.node(38)->zone, "");
	/* An administrator may. */
	model_.addClient(73, {{kRoleSocketProperty, "administrator"},
			      {"pipewire.access", "cabin"},
			      {"pipewire.sec.uid", "1004"}});
	addCardSink(39, "admin.headset", "3", 73);
	EXPECT_EQ(model_.node(39)->zone, "rear-right");
}

TEST_F(DeviceSeatModelTest, ADeviceOfAClientNotSeenYetIsPlacedWhenItIs)
{
	cards_["3"] = "seat2";
	addCardSink(36, "usb.headset", "3", 71);
	EXPECT_EQ(model_.node(36)->zone, "") << "whose it is is not known yet";
	/* The manager socket's client: no seat, not managed. */
	model_.addClient(71, {{"pipewire.sec.uid", "0"}});
	EXPECT_EQ(model_.node(36)->zone, "rear-right");
}

TEST_F(DeviceSeatModelTest, ACardMarkedSharedJoinsASharedZone)
{
	sharedCards_["10"] = "cabin";
	sharedCards_["11"] = "";
	addCardSink(40, "amp.rear", "10");
	addCardSink(41, "amp.spare", "11");
	EXPECT_EQ(model_.node(40)->zone, "cabin");
	EXPECT_EQ(model_.node(40)->seat, "driver") << "the shared zone's owner";
	EXPECT_TRUE(model_.node(40)->sharedCard);
	EXPECT_EQ(model_.node(41)->zone, "cabin") << "no zone named: the first shared zone";
	EXPECT_TRUE(model_.seatMaySee("driver", *model_.node(40)));
	EXPECT_FALSE(model_.seatMaySee("rear-left", *model_.node(40)));
	auto state = JsonValue::parse(model_.stateJson());
	ASSERT_TRUE(state);
	EXPECT_NE(state->toJson().find(R"("shared-card":true)"), std::string::npos);
}

TEST_F(DeviceSeatModelTest, AMarkedCardNamingNoSharedZoneJoinsNoneAndSaysWhy)
{
	sharedCards_["12"] = "rear-left";
	addCardSink(42, "amp.rear", "12");
	EXPECT_EQ(model_.node(42)->zone, "") << "a personal zone is not shared";
	std::vector<std::string> warnings = model_.takeWarnings();
	ASSERT_EQ(warnings.size(), 1u);
	EXPECT_EQ(warnings[0], "node 42 (amp.rear): udev CABIN_ZONE = \"rear-left\": no shared "
			       "zone with this name; the shared card joins no zone");
}

TEST_F(DeviceSeatModelTest, AZoneRuleWinsOverTheSharedMarker)
{
	sharedCards_["13"] = "cabin";
	addCardSink(43, "rl.headrest", "13");
	EXPECT_EQ(model_.node(43)->zone, "rear-left");
	EXPECT_FALSE(model_.node(43)->sharedCard);
}

TEST_F(DeviceSeatModelTest, TheDaemonsOwnDevicesArePlaced)
{
	cards_["8"] = "seat0";
	addCardSink(37, "usb.speaker", "8", std::nullopt);
	EXPECT_EQ(model_.node(37)->zone, "cabin");
	EXPECT_EQ(model_.node(37)->seat, "driver");
}

TEST_F(LoginModelTest, WithoutALookupLogindIsNotAsked)
{
	model_.setLoginLookup({});
	byPid_[508] = {"seat1", true, true};
	addClient(68, 508, 1009);
	EXPECT_EQ(model_.client(68)->source, SeatSource::None);
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
	EXPECT_EQ(state->find("seats")->items().size(), 4u);
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

/* ---- the session manager's own streams (share and announcement loopbacks) ---- */

class SessionManagerStreamTest : public ModelTest
{
protected:
	static constexpr std::uint32_t kPid = 4242;
	/* A module loaded by WirePlumber connects as a client of its own. */
	static constexpr std::uint32_t kLoopback = 7;
	static constexpr std::uint32_t kRearLeftClient = 46;
	static constexpr std::uint32_t kRearLeftFilm = 80;

	SessionManagerStreamTest()
	{
		model_.setSessionManagerPid(kPid);
		model_.addClient(kLoopback, {{"pipewire.sec.pid", std::to_string(kPid)},
					     {"pipewire.sec.uid", "1001"},
					     {"pipewire.access", kCabinAccess},
					     {"application.name", "WirePlumber"}});
		addSocketClient(kRearLeftClient, "rear-left");
		addStream(kRearLeftFilm, kRearLeftClient);
	}

	void addLoopbackStream(std::uint32_t id, const std::string &mediaClass,
			       const Properties &cabinProps, std::uint32_t client = kLoopback)
	{
		Properties props = {{"node.name", "cabin.share.1.x"},
				    {"media.class", mediaClass},
				    {"client.id", std::to_string(client)}};
		props.insert(cabinProps.begin(), cabinProps.end());
		model_.addNode(id, props);
	}
};

TEST_F(SessionManagerStreamTest, ClientWithTheSessionManagersPidIsTheSessionManager)
{
	/* Its pid wins over a uid that maps to a seat. */
	EXPECT_EQ(model_.client(kLoopback)->source, SeatSource::SessionManager);
	EXPECT_EQ(model_.client(kLoopback)->seat, "");
	EXPECT_FALSE(model_.client(kLoopback)->managed);
	/* Another process of the same uid is an ordinary client. */
	model_.addClient(8, {{"pipewire.sec.pid", "4243"}, {"pipewire.sec.uid", "1001"}});
	EXPECT_EQ(model_.client(8)->source, SeatSource::Uid);
	EXPECT_EQ(model_.client(8)->seat, "rear-left");
	/* A pid written by the client itself does not count. */
	model_.addClient(9, {{"application.process.id", std::to_string(kPid)},
			     {"pipewire.sec.pid", "77"},
			     {kSeatSocketProperty, "rear-left"}});
	EXPECT_EQ(model_.client(9)->source, SeatSource::Socket);

	auto state = JsonValue::parse(model_.stateJson());
	ASSERT_TRUE(state);
	bool found = false;
	for (const JsonValue &client : state->find("clients")->items())
		if (client.find("id")->toInt() == kLoopback) {
			found = true;
			EXPECT_EQ(client.stringOr("identity"), "session-manager");
			EXPECT_EQ(client.stringOr("seat"), "");
		}
	EXPECT_TRUE(found);
}

TEST_F(SessionManagerStreamTest, PlaybackSideWithAZonePlaysOnThatZonesBestDevice)
{
	addSink(63, "rr.headrest");
	addSink(64, "rr.headphones");
	addSink(60, "rl.headphones");
	addSink(30, "cabin.speakers");
	addLoopbackStream(90, "Stream/Output/Audio", {{kNodeZoneProperty, "rear-right"}});
	EXPECT_EQ(model_.node(90)->seat, "rear-right");
	EXPECT_EQ(model_.node(90)->zone, "rear-right");
	EXPECT_EQ(model_.selectTarget(90), 64u);
	model_.removeNode(64);
	EXPECT_EQ(model_.selectTarget(90), 63u);

	/* A shared zone's stream belongs to its owner. */
	addLoopbackStream(91, "Stream/Output/Audio", {{kNodeZoneProperty, "cabin"}});
	EXPECT_EQ(model_.node(91)->seat, "driver");
	EXPECT_EQ(model_.selectTarget(91), 30u);

	/* Without a known zone it goes nowhere. */
	addLoopbackStream(92, "Stream/Output/Audio", {{kNodeZoneProperty, "trunk"}});
	EXPECT_EQ(model_.node(92)->zone, "");
	EXPECT_FALSE(model_.selectTarget(92));
}

TEST_F(SessionManagerStreamTest, CaptureSideFollowsTheSharedStreamOfItsSeat)
{
	/* A microphone the capture side would take if it ignored its target. */
	model_.addNode(62, {{"node.name", "rl.mic"}, {"media.class", "Audio/Source"}});
	addLoopbackStream(93, "Stream/Input/Audio",
			  {{kNodeTargetStreamProperty, std::to_string(kRearLeftFilm)},
			   {kNodeSeatProperty, "rear-left"}});
	EXPECT_EQ(model_.node(93)->seat, "rear-left");
	EXPECT_EQ(model_.node(93)->targetStream, kRearLeftFilm);
	EXPECT_EQ(model_.selectTarget(93), kRearLeftFilm);

	/* Gone: nothing, not the microphone. */
	model_.removeNode(kRearLeftFilm);
	EXPECT_FALSE(model_.selectTarget(93));
	/* The id comes back as a stream of another seat: still nothing. */
	addSocketClient(47, "rear-right");
	addStream(kRearLeftFilm, 47);
	EXPECT_FALSE(model_.selectTarget(93));
}

TEST_F(SessionManagerStreamTest, CaptureSideOfAnotherSeatGetsNothing)
{
	addLoopbackStream(94, "Stream/Input/Audio",
			  {{kNodeTargetStreamProperty, std::to_string(kRearLeftFilm)},
			   {kNodeSeatProperty, "front-passenger"}});
	EXPECT_FALSE(model_.selectTarget(94));
	/* Nor may it capture a capture stream. */
	addStream(81, kRearLeftClient, "Stream/Input/Audio");
	addLoopbackStream(95, "Stream/Input/Audio",
			  {{kNodeTargetStreamProperty, "81"}, {kNodeSeatProperty, "rear-left"}});
	EXPECT_FALSE(model_.selectTarget(95));
}

TEST_F(SessionManagerStreamTest, StreamAddedBeforeTheSessionManagerClientIsPlacedLater)
{
	addSink(64, "rr.headphones");
	addLoopbackStream(96, "Stream/Output/Audio", {{kNodeZoneProperty, "rear-right"}}, 8);
	model_.addClient(8, {{"pipewire.sec.pid", std::to_string(kPid)}});
	EXPECT_EQ(model_.node(96)->zone, "rear-right");
	EXPECT_EQ(model_.selectTarget(96), 64u);
}

TEST_F(SessionManagerStreamTest, TrustEndsWhenTheClientIsNoLongerTheSessionManager)
{
	addSink(60, "rl.headphones");
	addLoopbackStream(99, "Stream/Input/Audio",
			  {{kNodeTargetStreamProperty, std::to_string(kRearLeftFilm)},
			   {kNodeSeatProperty, "rear-left"}},
			  8);
	model_.addClient(8, {{"pipewire.sec.pid", std::to_string(kPid)}});
	ASSERT_EQ(model_.selectTarget(99), kRearLeftFilm);
	/* The id is announced again for a rear-left process: its properties no longer count. */
	addSocketClient(8, "rear-left");
	EXPECT_EQ(model_.client(8)->source, SeatSource::Socket);
	EXPECT_FALSE(model_.node(99)->targetStream);
	EXPECT_NE(model_.selectTarget(99), kRearLeftFilm);
}

TEST_F(SessionManagerStreamTest, SeatClientsCannotPlaceTheirStreamsThemselves)
{
	addSink(60, "rl.headphones");
	addSink(64, "rr.headphones");
	addSink(30, "cabin.speakers");
	model_.addNode(62, {{"node.name", "rl.mic"}, {"media.class", "Audio/Source"}});
	addLoopbackStream(97, "Stream/Output/Audio",
			  {{kNodeZoneProperty, "rear-right"},
			   {kNodeSeatProperty, "driver"},
			   {kNodeTargetStreamProperty, std::to_string(kRearLeftFilm)}},
			  kRearLeftClient);
	EXPECT_EQ(model_.node(97)->seat, "rear-left");
	EXPECT_EQ(model_.node(97)->zone, "rear-left");
	EXPECT_FALSE(model_.node(97)->targetStream);
	EXPECT_EQ(model_.selectTarget(97), 60u);

	/* A capture stream naming another seat's stream records its own microphone. */
	addSocketClient(47, "rear-right");
	addStream(85, 47);
	addLoopbackStream(98, "Stream/Input/Audio",
			  {{kNodeTargetStreamProperty, "85"}, {kNodeSeatProperty, "rear-right"}},
			  kRearLeftClient);
	EXPECT_EQ(model_.node(98)->seat, "rear-left");
	EXPECT_EQ(model_.selectTarget(98), 62u);
}

TEST_F(ModelTest, StateJsonListsShares)
{
	auto state = JsonValue::parse(model_.stateJson());
	ASSERT_TRUE(state);
	ASSERT_NE(state->find("shares"), nullptr);
	EXPECT_TRUE(state->find("shares")->isArray());
	EXPECT_TRUE(state->find("shares")->items().empty());

	addSocketClient(46, "rear-left");
	addStream(53, 46);
	ShareBook book(model_);
	ASSERT_TRUE(book.handle("rear-left",
				R"({ "action": "offer", "stream": 53, "to": "rear-right" })")
			    .ok);
	auto sizeFor = [&](std::string_view seat) {
		auto seatState = JsonValue::parse(model_.stateJson(seat, &book));
		EXPECT_TRUE(seatState && seatState->find("shares"));
		return seatState ? seatState->find("shares")->items().size() : 0u;
	};
	EXPECT_EQ(sizeFor(""), 1u);
	EXPECT_EQ(sizeFor("rear-left"), 1u);
	EXPECT_EQ(sizeFor("rear-right"), 1u);
	EXPECT_EQ(sizeFor("front-passenger"), 0u);
	/* Without the book, still an empty array. */
	auto noBook = JsonValue::parse(model_.stateJson("rear-left"));
	ASSERT_TRUE(noBook);
	EXPECT_TRUE(noBook->find("shares")->items().empty());
}

} // namespace
} // namespace cabin
