/* SPDX-License-Identifier: MIT */
#include <gtest/gtest.h>

#include "json.hpp"
#include "seat-zone-model.hpp"
#include "share-book.hpp"

namespace cabin {
namespace {

/*
 * The sedan, plus a second personal zone of rear-right (so that a zone
 * named in an offer differs from the receiving seat's home zone), and two
 * auto-accept rules.
 */
constexpr const char *kSeats = R"([
  { name = driver, accept-shares-from = [ "rear-right" ] }
  { name = front-passenger }
  { name = rear-left }
  { name = rear-right, accept-shares-from = [ "front-passenger" ] }
])";

constexpr const char *kZones = R"([
  { name = cabin, owner = driver
    devices = [ { matches = [ { node.name = "cabin.speakers" } ] } ] }
  { name = front-passenger, seat = front-passenger
    devices = [ { matches = [ { node.name = "fp.headphones" } ] } ] }
  { name = rear-left, seat = rear-left
    devices = [ { matches = [ { node.name = "rl.headphones" } ] } ] }
  { name = rear-right, seat = rear-right
    devices = [ { matches = [ { node.name = "rr.headphones" } ] } ] }
  { name = rear-right-night, seat = rear-right
    devices = [ { matches = [ { node.name = "rr.pillow" } ] } ] }
])";

constexpr std::uint32_t kSessionManagerPid = 4242;

/* Clients. */
constexpr std::uint32_t kSessionManager = 5;
constexpr std::uint32_t kLoopbackClient = 6; /* a module of the session manager's process */
constexpr std::uint32_t kDriver = 10;
constexpr std::uint32_t kFrontPassenger = 11;
constexpr std::uint32_t kRearLeft = 12;
constexpr std::uint32_t kRearRight = 13;

/* Streams. */
constexpr std::uint32_t kFilm = 100;	     /* rear-left playback */
constexpr std::uint32_t kMic = 101;	     /* rear-left capture */
constexpr std::uint32_t kPrivateCall = 102;  /* rear-left playback, cabin.shareable = false */
constexpr std::uint32_t kPodcast = 110;	     /* front-passenger playback */
constexpr std::uint32_t kNavigation = 120;   /* driver playback */
constexpr std::uint32_t kGame = 130;	     /* rear-right playback */
constexpr std::uint32_t kAnnouncement = 140; /* session manager playback placed in rear-left */

::testing::AssertionResult refused(const ShareReply &reply, std::string_view needle)
{
	if (reply.ok)
		return ::testing::AssertionFailure() << "the request succeeded: " << reply.toJson();
	if (reply.error.find(needle) == std::string::npos)
		return ::testing::AssertionFailure()
		       << "error \"" << reply.error << "\" does not contain \"" << needle << "\"";
	return ::testing::AssertionSuccess();
}

::testing::AssertionResult succeeded(const ShareReply &reply, ShareState state)
{
	if (!reply.ok)
		return ::testing::AssertionFailure() << "refused: " << reply.error;
	if (!reply.share)
		return ::testing::AssertionFailure() << "no share id in " << reply.toJson();
	if (reply.state != state)
		return ::testing::AssertionFailure()
		       << "state " << (reply.state ? toString(*reply.state) : "(none)")
		       << ", expected " << toString(state);
	return ::testing::AssertionSuccess();
}

class ShareBookTest : public ::testing::Test
{
protected:
	ShareBookTest() : model_(parseCabinConfig(kSeats, kZones)), book_(model_)
	{
		EXPECT_TRUE(model_.config().errors.empty());
		model_.setSessionManagerClient(kSessionManager);
		model_.setSessionManagerPid(kSessionManagerPid);
		model_.addClient(kSessionManager,
				 {{"pipewire.sec.pid", std::to_string(kSessionManagerPid)}});
		model_.addClient(kLoopbackClient,
				 {{"pipewire.sec.pid", std::to_string(kSessionManagerPid)},
				  {"application.name", "WirePlumber"}});
		addSeatClient(kDriver, "driver", "Maps");
		addSeatClient(kFrontPassenger, "front-passenger", "Podcasts");
		addSeatClient(kRearLeft, "rear-left", "Films");
		addSeatClient(kRearRight, "rear-right", "Games");

		addStream(kFilm, kRearLeft, "Stream/Output/Audio",
			  {{"media.name", "Big Buck Bunny"}});
		addStream(kMic, kRearLeft, "Stream/Input/Audio");
		addStream(kPrivateCall, kRearLeft, "Stream/Output/Audio",
			  {{kShareableProperty, "false"}});
		addStream(kPodcast, kFrontPassenger);
		addStream(kNavigation, kDriver);
		addStream(kGame, kRearRight);
		/* A session-manager stream the model places in rear-left's zone. */
		addStream(kAnnouncement, kLoopbackClient, "Stream/Output/Audio",
			  {{kNodeZoneProperty, "rear-left"}, {kNodeSeatProperty, "rear-left"}});
	}

	void addSeatClient(std::uint32_t id, const std::string &seat, const std::string &app)
	{
		model_.addClient(id, {{kSeatSocketProperty, seat},
				      {"pipewire.sec.pid", std::to_string(1000 + id)},
				      {"application.name", app}});
	}

	void addStream(std::uint32_t id, std::uint32_t client,
		       const std::string &mediaClass = "Stream/Output/Audio",
		       const Properties &extra = {})
	{
		Properties props = {{"node.name", "stream" + std::to_string(id)},
				    {"media.class", mediaClass},
				    {"client.id", std::to_string(client)},
				    {"object.serial", std::to_string(9000 + id)}};
		for (const auto &[key, value] : extra)
			props[key] = value;
		model_.addNode(id, props);
	}

	ShareReply offer(std::string_view seat, std::uint32_t stream, std::string_view to,
			 std::string_view token = "t")
	{
		return book_.handle(seat, "{ \"request\": \"" + std::string(token) +
						  "\", \"action\": \"offer\", \"stream\": " +
						  std::to_string(stream) + ", \"to\": \"" +
						  std::string(to) + "\" }");
	}

	ShareReply decide(std::string_view seat, std::string_view action, std::uint32_t share)
	{
		return book_.handle(seat, "{ \"request\": \"d\", \"action\": \"" +
						  std::string(action) +
						  "\", \"share\": " + std::to_string(share) + " }");
	}

	/* Offers and returns the new share's id; fails the test if refused. */
	std::uint32_t offered(std::string_view seat, std::uint32_t stream, std::string_view to)
	{
		ShareReply reply = offer(seat, stream, to);
		EXPECT_TRUE(reply.ok) << reply.error;
		return reply.share.value_or(0);
	}

	/* The shares listed for \a seat (all when empty), parsed from writeJson. */
	std::vector<JsonValue> listed(std::string_view seat = {})
	{
		JsonWriter json;
		json.beginArray();
		book_.writeJson(json, seat);
		json.endArray();
		std::optional<JsonValue> parsed = JsonValue::parse(json.str());
		EXPECT_TRUE(parsed && parsed->isArray()) << json.str();
		return parsed ? parsed->items() : std::vector<JsonValue>{};
	}

	static std::vector<std::int64_t> ids(const std::vector<JsonValue> &shares)
	{
		std::vector<std::int64_t> out;
		for (const JsonValue &share : shares)
			out.push_back(share.find("id") ? share.find("id")->toInt().value_or(-1)
						       : -1);
		return out;
	}

	SeatZoneModel model_;
	ShareBook book_;
};

/* ---- offers and who decides ---- */

TEST_F(ShareBookTest, OfferToASeatPlaysInItsHomeZoneAndThatSeatDecides)
{
	ShareReply reply = offer("rear-left", kFilm, "driver");
	ASSERT_TRUE(succeeded(reply, ShareState::Offered));
	const Share *share = book_.find(*reply.share);
	ASSERT_NE(share, nullptr);
	EXPECT_EQ(share->stream, kFilm);
	EXPECT_EQ(share->from, "rear-left");
	EXPECT_EQ(share->to, "driver");
	EXPECT_EQ(share->zone, "cabin");
	EXPECT_EQ(share->receiver, "driver");
	EXPECT_EQ(share->application, "Films");
	EXPECT_EQ(share->media, "Big Buck Bunny");
	EXPECT_EQ(share->decidedBy, "");
}

TEST_F(ShareBookTest, OfferToAPersonalZoneIsDecidedByItsSeat)
{
	ShareReply reply = offer("rear-left", kFilm, "rear-right-night");
	ASSERT_TRUE(succeeded(reply, ShareState::Offered));
	const Share *share = book_.find(*reply.share);
	ASSERT_NE(share, nullptr);
	EXPECT_EQ(share->to, "rear-right-night");
	EXPECT_EQ(share->zone, "rear-right-night");
	EXPECT_EQ(share->receiver, "rear-right");
}

TEST_F(ShareBookTest, OfferToTheSharedCabinIsDecidedByItsOwner)
{
	ShareReply reply = offer("rear-left", kFilm, "cabin");
	ASSERT_TRUE(succeeded(reply, ShareState::Offered));
	const Share *share = book_.find(*reply.share);
	ASSERT_NE(share, nullptr);
	EXPECT_EQ(share->to, "cabin");
	EXPECT_EQ(share->zone, "cabin");
	EXPECT_EQ(share->receiver, "driver");
	EXPECT_TRUE(succeeded(decide("driver", "accept", *reply.share), ShareState::Accepted));
}

TEST_F(ShareBookTest, ReceiverAcceptsThenEitherSideStops)
{
	std::uint32_t id = offered("rear-left", kFilm, "rear-right");
	ASSERT_TRUE(succeeded(decide("rear-right", "accept", id), ShareState::Accepted));
	EXPECT_EQ(book_.find(id)->state, ShareState::Accepted);
	EXPECT_EQ(book_.find(id)->decidedBy, "rear-right");

	ShareReply stop = decide("rear-left", "stop", id);
	ASSERT_TRUE(succeeded(stop, ShareState::Stopped));
	EXPECT_EQ(*stop.share, id);
	EXPECT_EQ(book_.find(id)->state, ShareState::Stopped);
	EXPECT_EQ(book_.find(id)->decidedBy, "rear-left");

	std::uint32_t second = offered("rear-left", kFilm, "front-passenger");
	ASSERT_TRUE(succeeded(decide("front-passenger", "accept", second), ShareState::Accepted));
	ASSERT_TRUE(succeeded(decide("front-passenger", "stop", second), ShareState::Stopped));
	EXPECT_EQ(book_.find(second)->decidedBy, "front-passenger");
}

TEST_F(ShareBookTest, ReceiverDeclines)
{
	std::uint32_t id = offered("rear-left", kFilm, "rear-right");
	ASSERT_TRUE(succeeded(decide("rear-right", "decline", id), ShareState::Declined));
	EXPECT_EQ(book_.find(id)->state, ShareState::Declined);
	EXPECT_EQ(book_.find(id)->decidedBy, "rear-right");
	EXPECT_FALSE(book_.find(id)->live());
}

TEST_F(ShareBookTest, EitherSideMayStopAnOfferedShare)
{
	std::uint32_t byReceiver = offered("rear-left", kFilm, "rear-right");
	EXPECT_TRUE(succeeded(decide("rear-right", "stop", byReceiver), ShareState::Stopped));
	std::uint32_t bySharer = offered("rear-left", kFilm, "cabin");
	EXPECT_TRUE(succeeded(decide("rear-left", "stop", bySharer), ShareState::Stopped));
}

TEST_F(ShareBookTest, SharerCannotAcceptOrDeclineItsOwnOffer)
{
	std::uint32_t id = offered("rear-left", kFilm, "rear-right");
	const std::string name = "share " + std::to_string(id);
	ShareReply accept = decide("rear-left", "accept", id);
	EXPECT_TRUE(refused(accept, name + " is for seat rear-right to accept"));
	EXPECT_TRUE(refused(accept, "seat rear-left may only stop it"));
	EXPECT_TRUE(refused(decide("rear-left", "decline", id),
			    name + " is for seat rear-right to decline"));
	EXPECT_EQ(book_.find(id)->state, ShareState::Offered);
	EXPECT_EQ(book_.find(id)->decidedBy, "");
}

TEST_F(ShareBookTest, ThirdSeatCannotTellAShareExists)
{
	std::uint32_t id = offered("rear-left", kFilm, "rear-right");
	const std::string existing =
		"share = " + std::to_string(id) + ": no share of seat front-passenger has this id";
	const std::string missing = "share = 99: no share of seat front-passenger has this id";
	for (const char *action : {"accept", "decline", "stop"}) {
		SCOPED_TRACE(action);
		ShareReply forExisting = decide("front-passenger", action, id);
		ShareReply forMissing = decide("front-passenger", action, 99);
		EXPECT_FALSE(forExisting.ok);
		EXPECT_EQ(forExisting.error, existing);
		EXPECT_EQ(forMissing.error, missing);
	}
	/* The driver owns the cabin, but this share is not the cabin's either. */
	EXPECT_EQ(decide("driver", "stop", id).error,
		  "share = " + std::to_string(id) + ": no share of seat driver has this id");
	EXPECT_EQ(book_.find(id)->state, ShareState::Offered);
}

/* ---- what cannot be offered ---- */

TEST_F(ShareBookTest, StreamOfAnotherSeatIsRefusedLikeAnUnknownId)
{
	ShareReply other = offer("rear-left", kPodcast, "rear-right");
	EXPECT_TRUE(refused(other, "stream = 110: no stream of seat rear-left has this id"));
	ShareReply unknown = offer("rear-left", 999, "rear-right");
	EXPECT_TRUE(refused(unknown, "stream = 999: no stream of seat rear-left has this id"));
	/* A device is not a stream either. */
	model_.addNode(50, {{"node.name", "rl.headphones"}, {"media.class", "Audio/Sink"}});
	EXPECT_TRUE(refused(offer("rear-left", 50, "rear-right"), "stream = 50: no stream"));
	EXPECT_TRUE(book_.shares().empty());
}

TEST_F(ShareBookTest, CaptureStreamIsRefused)
{
	EXPECT_TRUE(refused(offer("rear-left", kMic, "rear-right"),
			    "stream = 101: a capture stream cannot be shared"));
	EXPECT_TRUE(book_.shares().empty());
}

TEST_F(ShareBookTest, StreamThatRefusesSharingIsRefused)
{
	EXPECT_TRUE(refused(offer("rear-left", kPrivateCall, "rear-right"),
			    "stream = 102: the stream does not allow sharing (cabin.shareable = "
			    "false)"));
	EXPECT_TRUE(book_.shares().empty());
	/* Any other value does not opt out. */
	addStream(103, kRearLeft, "Stream/Output/Audio", {{kShareableProperty, "true"}});
	EXPECT_TRUE(succeeded(offer("rear-left", 103, "rear-right"), ShareState::Offered));
}

TEST_F(ShareBookTest, SessionManagerStreamIsRefusedEvenWhenPlacedInTheSeat)
{
	/* The model puts it in rear-left, but it is not rear-left's to share. */
	ASSERT_EQ(model_.node(kAnnouncement)->seat, "rear-left");
	EXPECT_TRUE(refused(offer("rear-left", kAnnouncement, "rear-right"),
			    "stream = 140: no stream of seat rear-left has this id"));
	EXPECT_TRUE(book_.shares().empty());
}

TEST_F(ShareBookTest, OfferToItselfOrItsOwnZoneIsRefused)
{
	EXPECT_TRUE(refused(offer("rear-left", kFilm, "rear-left"),
			    "to = \"rear-left\": that is seat rear-left itself"));
	EXPECT_TRUE(refused(offer("driver", kNavigation, "cabin"),
			    "to = \"cabin\": it belongs to seat driver itself"));
	EXPECT_TRUE(refused(offer("driver", kNavigation, "driver"),
			    "to = \"driver\": that is seat driver itself"));
	EXPECT_TRUE(refused(offer("rear-right", kGame, "rear-right-night"),
			    "to = \"rear-right-night\": it belongs to seat rear-right itself"));
	EXPECT_TRUE(book_.shares().empty());
}

TEST_F(ShareBookTest, UnknownOrMissingReceiverIsRefused)
{
	EXPECT_TRUE(refused(offer("rear-left", kFilm, "trunk"),
			    "to = \"trunk\": no seat or zone with this name"));
	EXPECT_TRUE(refused(book_.handle("rear-left", R"({ "action": "offer", "stream": 100 })"),
			    "to = (missing): no seat or zone with this name"));
	EXPECT_TRUE(book_.shares().empty());
}

TEST_F(ShareBookTest, DuplicateLiveOfferNamesTheExistingShare)
{
	std::uint32_t id = offered("rear-left", kFilm, "rear-right");
	const std::string existing = "(share " + std::to_string(id) + ", offered)";
	EXPECT_TRUE(refused(offer("rear-left", kFilm, "rear-right"),
			    "stream = 100: already shared to rear-right " + existing));
	ASSERT_TRUE(succeeded(decide("rear-right", "accept", id), ShareState::Accepted));
	EXPECT_TRUE(refused(offer("rear-left", kFilm, "rear-right"),
			    "(share " + std::to_string(id) + ", accepted)"));
	EXPECT_EQ(book_.shares().size(), 1u);
}

TEST_F(ShareBookTest, ReOfferAfterDeclineOrStopReplacesTheOldShare)
{
	std::uint32_t first = offered("rear-left", kFilm, "rear-right");
	ASSERT_TRUE(succeeded(decide("rear-right", "decline", first), ShareState::Declined));
	std::uint32_t second = offered("rear-left", kFilm, "rear-right");
	EXPECT_NE(second, first);
	EXPECT_EQ(book_.find(first), nullptr);
	ASSERT_NE(book_.find(second), nullptr);
	EXPECT_EQ(book_.find(second)->state, ShareState::Offered);
	EXPECT_EQ(book_.find(second)->decidedBy, "");
	EXPECT_EQ(book_.shares().size(), 1u);

	ASSERT_TRUE(succeeded(decide("rear-left", "stop", second), ShareState::Stopped));
	std::uint32_t third = offered("rear-left", kFilm, "rear-right");
	EXPECT_NE(third, second);
	EXPECT_NE(third, first);
	EXPECT_EQ(book_.find(second), nullptr);
	EXPECT_EQ(book_.shares().size(), 1u);
	/* The old id is gone for everybody. */
	EXPECT_TRUE(refused(decide("rear-right", "accept", second),
			    "share = " + std::to_string(second) + ": no share of seat rear-right"));
}

TEST_F(ShareBookTest, DeclinedShareStaysListedUntilReplaced)
{
	std::uint32_t id = offered("rear-left", kFilm, "rear-right");
	ASSERT_TRUE(succeeded(decide("rear-right", "decline", id), ShareState::Declined));
	std::vector<JsonValue> shares = listed("rear-left");
	ASSERT_EQ(shares.size(), 1u);
	EXPECT_EQ(shares[0].stringOr("state"), "declined");
}

TEST_F(ShareBookTest, OneStreamSharedToSeveralReceivers)
{
	std::uint32_t toRearRight = offered("rear-left", kFilm, "rear-right");
	std::uint32_t toPassenger = offered("rear-left", kFilm, "front-passenger");
	std::uint32_t toCabin = offered("rear-left", kFilm, "cabin");
	EXPECT_NE(toRearRight, toPassenger);
	EXPECT_NE(toPassenger, toCabin);
	EXPECT_NE(toRearRight, toCabin);
	EXPECT_EQ(book_.shares().size(), 3u);

	ASSERT_TRUE(
		succeeded(decide("front-passenger", "accept", toPassenger), ShareState::Accepted));
	ASSERT_TRUE(succeeded(decide("driver", "decline", toCabin), ShareState::Declined));
	EXPECT_EQ(book_.find(toRearRight)->state, ShareState::Offered);
	EXPECT_EQ(book_.find(toPassenger)->state, ShareState::Accepted);
	EXPECT_EQ(book_.find(toCabin)->state, ShareState::Declined);
	/* Each receiver decides only its own. */
	EXPECT_TRUE(refused(decide("rear-right", "accept", toPassenger), "no share of seat"));
}

TEST_F(ShareBookTest, RemoveStreamEndsItsSharesOnly)
{
	std::uint32_t a = offered("rear-left", kFilm, "rear-right");
	std::uint32_t b = offered("rear-left", kFilm, "cabin");
	std::uint32_t other = offered("front-passenger", kPodcast, "rear-left");
	const std::uint64_t before = book_.generation();

	EXPECT_TRUE(book_.removeStream(kFilm));
	EXPECT_GT(book_.generation(), before);
	EXPECT_EQ(book_.find(a), nullptr);
	EXPECT_EQ(book_.find(b), nullptr);
	ASSERT_NE(book_.find(other), nullptr);
	EXPECT_EQ(ids(listed()), std::vector<std::int64_t>{other});
	EXPECT_TRUE(refused(decide("rear-right", "accept", a), "no share of seat rear-right"));

	const std::uint64_t after = book_.generation();
	EXPECT_FALSE(book_.removeStream(kFilm));
	EXPECT_FALSE(book_.removeStream(999));
	EXPECT_EQ(book_.generation(), after);
}

/* ---- decisions by rule and repeated decisions ---- */

TEST_F(ShareBookTest, OfferFromATrustedSeatStartsAccepted)
{
	ShareReply reply = offer("front-passenger", kPodcast, "rear-right");
	ASSERT_TRUE(succeeded(reply, ShareState::Accepted));
	EXPECT_EQ(book_.find(*reply.share)->state, ShareState::Accepted);
	EXPECT_EQ(book_.find(*reply.share)->decidedBy, "auto");
	/* Also when it names another zone of that seat. */
	ShareReply night = offer("front-passenger", kPodcast, "rear-right-night");
	EXPECT_TRUE(succeeded(night, ShareState::Accepted));
	/* The owner of a shared zone applies its own rule. */
	ShareReply cabin = offer("rear-right", kGame, "cabin");
	ASSERT_TRUE(succeeded(cabin, ShareState::Accepted));
	EXPECT_EQ(book_.find(*cabin.share)->decidedBy, "auto");
}

TEST_F(ShareBookTest, RuleAppliesOnlyToTheSeatsItNames)
{
	/* rear-right trusts front-passenger, not rear-left. */
	EXPECT_TRUE(succeeded(offer("rear-left", kFilm, "rear-right"), ShareState::Offered));
	/* front-passenger trusts nobody, and rules are not mutual. */
	EXPECT_TRUE(succeeded(offer("rear-right", kGame, "front-passenger"), ShareState::Offered));
	/* The driver trusts rear-right, not front-passenger. */
	EXPECT_TRUE(succeeded(offer("front-passenger", kPodcast, "cabin"), ShareState::Offered));
}

TEST_F(ShareBookTest, AcceptingAnAcceptedShareChangesNothing)
{
	ShareReply reply = offer("front-passenger", kPodcast, "rear-right");
	ASSERT_TRUE(succeeded(reply, ShareState::Accepted));
	const std::uint64_t before = book_.generation();
	ShareReply again = decide("rear-right", "accept", *reply.share);
	EXPECT_TRUE(succeeded(again, ShareState::Accepted));
	EXPECT_EQ(again.share, reply.share);
	EXPECT_EQ(book_.find(*reply.share)->decidedBy, "auto");
	EXPECT_EQ(book_.generation(), before);
}

TEST_F(ShareBookTest, AcceptedShareCannotBeDeclined)
{
	std::uint32_t id = offered("rear-left", kFilm, "rear-right");
	ASSERT_TRUE(succeeded(decide("rear-right", "accept", id), ShareState::Accepted));
	EXPECT_TRUE(refused(decide("rear-right", "decline", id),
			    "share " + std::to_string(id) +
				    " is accepted; only an offered share can be declined"));
	EXPECT_EQ(book_.find(id)->state, ShareState::Accepted);
}

TEST_F(ShareBookTest, EndedShareCannotBeStoppedOrDecidedAgain)
{
	std::uint32_t id = offered("rear-left", kFilm, "rear-right");
	const std::string name = "share " + std::to_string(id);
	ASSERT_TRUE(succeeded(decide("rear-right", "stop", id), ShareState::Stopped));
	EXPECT_TRUE(refused(decide("rear-right", "stop", id), name + " is already stopped"));
	EXPECT_TRUE(refused(decide("rear-left", "stop", id), name + " is already stopped"));
	EXPECT_TRUE(refused(decide("rear-right", "accept", id), name + " is stopped"));

	std::uint32_t declined = offered("rear-left", kFilm, "cabin");
	ASSERT_TRUE(succeeded(decide("driver", "decline", declined), ShareState::Declined));
	EXPECT_TRUE(refused(decide("rear-left", "stop", declined),
			    "share " + std::to_string(declined) + " is already declined"));
	EXPECT_TRUE(refused(decide("driver", "accept", declined),
			    "share " + std::to_string(declined) + " is declined"));
	EXPECT_EQ(book_.find(declined)->state, ShareState::Declined);
}

TEST_F(ShareBookTest, AtMostSixteenLiveSharesPerSeat)
{
	/* rear-left can offer each stream to four places: 5 streams, 20 places. */
	const std::vector<std::string> places = {"rear-right", "front-passenger", "cabin",
						 "rear-right-night"};
	std::vector<std::uint32_t> streams = {kFilm};
	for (std::uint32_t id = 200; id < 204; id++) {
		addStream(id, kRearLeft);
		streams.push_back(id);
	}
	std::vector<std::uint32_t> shares;
	for (std::uint32_t stream : streams)
		for (const std::string &place : places)
			if (shares.size() < ShareBook::kMaxLiveSharesPerSeat)
				shares.push_back(offered("rear-left", stream, place));
	ASSERT_EQ(shares.size(), 16u);

	ShareReply seventeenth = offer("rear-left", 203, "front-passenger");
	EXPECT_TRUE(refused(seventeenth, "seat rear-left already has 16 shares"));
	EXPECT_EQ(book_.shares().size(), 16u);

	/* Other seats have their own allowance. */
	EXPECT_TRUE(succeeded(offer("driver", kNavigation, "rear-left"), ShareState::Offered));

	/* Accepted shares count; declined and stopped ones do not. */
	ASSERT_TRUE(succeeded(decide("rear-right", "accept", shares[0]), ShareState::Accepted));
	EXPECT_FALSE(offer("rear-left", 203, "front-passenger").ok);
	ASSERT_TRUE(
		succeeded(decide("front-passenger", "decline", shares[1]), ShareState::Declined));
	EXPECT_TRUE(succeeded(offer("rear-left", 203, "front-passenger"), ShareState::Offered));
	EXPECT_FALSE(offer("rear-left", 203, "rear-right").ok);
	ASSERT_TRUE(succeeded(decide("rear-left", "stop", shares[0]), ShareState::Stopped));
	EXPECT_TRUE(succeeded(offer("rear-left", 203, "rear-right"), ShareState::Offered));
}

/* ---- malformed requests ---- */

TEST_F(ShareBookTest, RequestThatIsNoJsonObjectIsRefusedWithAnEmptyToken)
{
	for (const char *text : {"not json", "[ 1, 2 ]", "{ \"action\": ", "", "17"}) {
		SCOPED_TRACE(text);
		ShareReply reply = book_.handle("rear-left", text);
		EXPECT_TRUE(refused(reply, "the request is not a JSON object"));
		EXPECT_EQ(reply.request, "");
		EXPECT_FALSE(reply.share);
	}
}

TEST_F(ShareBookTest, RequestTooDeepOrTooLargeIsRefusedNamingTheLimit)
{
	/* 100 KB of nested arrays once overflowed WirePlumber's stack. */
	std::string deep = "{ \"action\": \"offer\", \"stream\": " + std::string(50000, '[') +
			   std::string(50000, ']') + " }";
	EXPECT_TRUE(refused(book_.handle("rear-left", deep),
			    "the request has " + std::to_string(deep.size()) +
				    " bytes, more than the 4096 allowed"));
	std::string nested = R"({ "action": "offer", "stream": [[[[1]]]] })";
	EXPECT_TRUE(refused(book_.handle("rear-left", nested),
			    "the request is nested deeper than the 4 levels allowed"));
	EXPECT_TRUE(book_.shares().empty());
}

TEST_F(ShareBookTest, MissingOrUnknownActionIsRefusedNamingIt)
{
	ShareReply missing = book_.handle("rear-left", R"({ "request": "a1", "share": 1 })");
	EXPECT_TRUE(refused(missing, "action = (missing): expected \"offer\", \"accept\", "
				     "\"decline\" or \"stop\""));
	EXPECT_EQ(missing.request, "a1");
	EXPECT_TRUE(refused(book_.handle("rear-left", R"({ "action": "share", "stream": 100 })"),
			    "action = \"share\": expected"));
	EXPECT_TRUE(refused(book_.handle("rear-left", R"({ "action": 3 })"), "action = 3"));
}

TEST_F(ShareBookTest, BadShareOrStreamIdIsRefusedNamingIt)
{
	std::uint32_t id = offered("rear-left", kFilm, "rear-right");
	EXPECT_TRUE(refused(book_.handle("rear-right", R"({ "action": "accept", "share": -1 })"),
			    "share = -1: expected a share id"));
	EXPECT_TRUE(refused(book_.handle("rear-right", R"({ "action": "accept", "share": "x" })"),
			    "share = \"x\": expected a share id"));
	/* A quoted id is a string, even when it spells the id. */
	EXPECT_TRUE(refused(book_.handle("rear-right", "{ \"action\": \"accept\", \"share\": \"" +
							       std::to_string(id) + "\" }"),
			    "expected a share id"));
	EXPECT_TRUE(refused(book_.handle("rear-right", R"({ "action": "accept" })"),
			    "share = (missing): expected a share id"));
	EXPECT_TRUE(refused(book_.handle("rear-right", R"({ "action": "accept", "share": 1.5 })"),
			    "share = 1.5"));
	EXPECT_TRUE(refused(
		book_.handle("rear-right", R"({ "action": "accept", "share": 4294967296 })"),
		"share = 4294967296"));
	EXPECT_EQ(book_.find(id)->state, ShareState::Offered);

	EXPECT_TRUE(refused(book_.handle("rear-left", R"({ "action": "offer", "to": "cabin" })"),
			    "stream = (missing): expected the node id of a playback stream"));
	EXPECT_TRUE(refused(book_.handle("rear-left",
					 R"({ "action": "offer", "stream": -100, "to": "cabin" })"),
			    "stream = -100: expected the node id"));
	EXPECT_EQ(book_.shares().size(), 1u);
}

TEST_F(ShareBookTest, RequestTokenOfAtMost64Characters)
{
	const std::string longest(64, 'k');
	ShareReply ok = offer("rear-left", kFilm, "rear-right", longest);
	EXPECT_TRUE(ok.ok) << ok.error;
	EXPECT_EQ(ok.request, longest);

	const std::string tooLong(65, 'k');
	ShareReply reply = offer("rear-left", kFilm, "cabin", tooLong);
	EXPECT_TRUE(
		refused(reply, "request = \"" + tooLong + "\": expected a string of at most 64"));
	EXPECT_EQ(reply.request, "");
	EXPECT_EQ(book_.shares().size(), 1u);

	EXPECT_TRUE(refused(book_.handle("rear-left", R"({ "request": [ 1 ], "action": "stop" })"),
			    "request = [1]: expected a string"));
}

TEST_F(ShareBookTest, RequestFromNoConfiguredSeatIsRefused)
{
	ShareReply reply = book_.handle("trunk", R"({ "request": "z", "action": "offer",
	                                             "stream": 100, "to": "rear-right" })");
	EXPECT_TRUE(refused(reply, "the request came from no configured seat"));
	EXPECT_EQ(reply.request, "z");
	ShareReply empty =
		book_.handle("", R"({ "action": "offer", "stream": 100, "to": "cabin" })");
	EXPECT_FALSE(empty.ok);
	EXPECT_TRUE(book_.shares().empty());
}

/* ---- replies and listings ---- */

TEST_F(ShareBookTest, ReplyJsonCarriesTheRequestToken)
{
	ShareReply reply = offer("rear-left", kFilm, "rear-right", "4711-1");
	std::optional<JsonValue> ok = JsonValue::parse(reply.toJson());
	ASSERT_TRUE(ok && ok->isObject()) << reply.toJson();
	EXPECT_EQ(ok->stringOr("request"), "4711-1");
	EXPECT_EQ(ok->stringOr("ok"), "true");
	ASSERT_NE(ok->find("share"), nullptr) << reply.toJson();
	EXPECT_EQ(ok->find("share")->toInt(), *reply.share);
	EXPECT_EQ(ok->stringOr("state"), "offered");
	EXPECT_EQ(ok->find("error"), nullptr);

	ShareReply bad = book_.handle("front-passenger",
				      R"({ "request": "4711-2", "action": "accept", "share": 1 })");
	std::optional<JsonValue> error = JsonValue::parse(bad.toJson());
	ASSERT_TRUE(error && error->isObject()) << bad.toJson();
	EXPECT_EQ(error->stringOr("request"), "4711-2");
	EXPECT_EQ(error->stringOr("ok"), "false");
	EXPECT_EQ(error->stringOr("error"),
		  "share = 1: no share of seat front-passenger has this id");
	EXPECT_EQ(error->find("share"), nullptr);
	EXPECT_EQ(error->find("state"), nullptr);

	/* Quotes in the token and in the error survive the round trip. */
	ShareReply quoted = book_.handle("rear-left", R"({ "request": "a\"b", "action": "nope" })");
	std::optional<JsonValue> parsed = JsonValue::parse(quoted.toJson());
	ASSERT_TRUE(parsed && parsed->isObject()) << quoted.toJson();
	EXPECT_EQ(parsed->stringOr("request"), "a\"b");
	EXPECT_EQ(parsed->stringOr("error"), quoted.error);
}

TEST_F(ShareBookTest, ListingForASeatShowsWhatItOfferedOrDecides)
{
	std::uint32_t film = offered("rear-left", kFilm, "rear-right");
	std::uint32_t podcast = offered("front-passenger", kPodcast, "cabin");
	std::uint32_t navigation = offered("driver", kNavigation, "front-passenger");

	EXPECT_EQ(ids(listed()), (std::vector<std::int64_t>{film, podcast, navigation}));
	EXPECT_EQ(ids(listed("rear-left")), std::vector<std::int64_t>{film});
	EXPECT_EQ(ids(listed("rear-right")), std::vector<std::int64_t>{film});
	EXPECT_EQ(ids(listed("driver")), (std::vector<std::int64_t>{podcast, navigation}));
	EXPECT_EQ(ids(listed("front-passenger")), (std::vector<std::int64_t>{podcast, navigation}));

	std::vector<JsonValue> shares = listed("rear-right");
	ASSERT_EQ(shares.size(), 1u);
	const JsonValue &share = shares[0];
	ASSERT_NE(share.find("stream"), nullptr);
	EXPECT_EQ(share.find("stream")->toInt(), kFilm);
	EXPECT_EQ(share.stringOr("application"), "Films");
	EXPECT_EQ(share.stringOr("media"), "Big Buck Bunny");
	EXPECT_EQ(share.stringOr("from"), "rear-left");
	EXPECT_EQ(share.stringOr("to"), "rear-right");
	EXPECT_EQ(share.stringOr("zone"), "rear-right");
	EXPECT_EQ(share.stringOr("receiver"), "rear-right");
	EXPECT_EQ(share.stringOr("state"), "offered");
	EXPECT_EQ(share.stringOr("decided-by"), "");
	ASSERT_NE(share.find("node"), nullptr);
	EXPECT_TRUE(share.find("node")->isNull());
}

TEST_F(ShareBookTest, NodeIsTheSessionManagersPlaybackSideOfTheShare)
{
	std::uint32_t id = offered("rear-left", kFilm, "rear-right");
	ASSERT_TRUE(succeeded(decide("rear-right", "accept", id), ShareState::Accepted));
	const std::string shareId = std::to_string(id);
	auto nodeOf = [&]() {
		std::vector<JsonValue> shares = listed("rear-right");
		EXPECT_EQ(shares.size(), 1u);
		const JsonValue *node = shares.empty() ? nullptr : shares[0].find("node");
		EXPECT_NE(node, nullptr);
		/* A missing member reads as a number, so that it never passes as null. */
		return node ? *node : *JsonValue::parse("-1");
	};
	EXPECT_TRUE(nodeOf().isNull());

	/* A seat's own stream claiming to be the share is not it. */
	addStream(310, kRearRight, "Stream/Output/Audio",
		  {{kNodeShareProperty, shareId}, {kNodeZoneProperty, "rear-right"}});
	EXPECT_TRUE(nodeOf().isNull());

	/* Nor is the loopback's capture side. */
	addStream(300, kLoopbackClient, "Stream/Input/Audio",
		  {{kNodeShareProperty, shareId},
		   {kNodeTargetStreamProperty, std::to_string(kFilm)},
		   {kNodeSeatProperty, "rear-left"}});
	EXPECT_TRUE(nodeOf().isNull());

	/* Nor a session-manager playback node of another share. */
	addStream(
		302, kLoopbackClient, "Stream/Output/Audio",
		{{kNodeShareProperty, std::to_string(id + 1)}, {kNodeZoneProperty, "rear-right"}});
	EXPECT_TRUE(nodeOf().isNull());

	addStream(301, kLoopbackClient, "Stream/Output/Audio",
		  {{kNodeShareProperty, shareId}, {kNodeZoneProperty, "rear-right"}});
	EXPECT_EQ(nodeOf().toInt(), 301);

	model_.removeNode(301);
	EXPECT_TRUE(nodeOf().isNull());
}

TEST_F(ShareBookTest, GenerationCountsChangesOnly)
{
	std::uint64_t generation = book_.generation();
	auto changed = [&]() {
		bool grew = book_.generation() > generation;
		generation = book_.generation();
		return grew;
	};

	std::uint32_t id = offered("rear-left", kFilm, "rear-right");
	EXPECT_TRUE(changed());
	EXPECT_FALSE(offer("rear-left", kFilm, "rear-right").ok);
	EXPECT_FALSE(changed());
	EXPECT_FALSE(offer("rear-left", kMic, "rear-right").ok);
	EXPECT_FALSE(decide("rear-left", "accept", id).ok);
	EXPECT_FALSE(decide("front-passenger", "stop", id).ok);
	EXPECT_FALSE(book_.handle("rear-left", "garbage").ok);
	EXPECT_FALSE(book_.handle("rear-left", R"({ "action": "fly" })").ok);
	EXPECT_FALSE(changed());

	EXPECT_TRUE(decide("rear-right", "accept", id).ok);
	EXPECT_TRUE(changed());
	EXPECT_TRUE(decide("rear-right", "accept", id).ok);
	EXPECT_FALSE(changed());
	EXPECT_TRUE(decide("rear-left", "stop", id).ok);
	EXPECT_TRUE(changed());
	EXPECT_FALSE(decide("rear-left", "stop", id).ok);
	EXPECT_FALSE(changed());

	std::uint32_t again = offered("rear-left", kFilm, "rear-right");
	EXPECT_TRUE(changed());
	EXPECT_TRUE(decide("rear-right", "decline", again).ok);
	EXPECT_TRUE(changed());
	EXPECT_TRUE(book_.removeStream(kFilm));
	EXPECT_TRUE(changed());
	EXPECT_FALSE(book_.removeStream(kFilm));
	EXPECT_FALSE(changed());
}

} // namespace
} // namespace cabin
