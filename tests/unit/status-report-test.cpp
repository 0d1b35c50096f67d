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

constexpr const char *kSharesState = R"({"version":1,"default-seat":"driver",
 "seats":[{"name":"driver","home-zone":"cabin","zones":["cabin"]},
          {"name":"rear-left","home-zone":"rear-left","zones":["rear-left"]}],
 "zones":[{"name":"cabin","kind":"shared","owner":"driver","devices":[]},
          {"name":"rear-left","kind":"personal","seat":"rear-left","devices":[]}],
 "nodes":[{"id":75,"name":"music","role":"stream","direction":"playback","seat":"driver","zone":"cabin"},
          {"id":88,"name":"film","role":"stream","direction":"playback","seat":"rear-left","zone":"rear-left"}],
 "shares":[{"id":4,"stream":88,"application":"Player","media":"Film","from":"rear-left","to":"driver",
            "zone":"cabin","receiver":"driver","state":"accepted","decided-by":"auto","node":121},
           {"id":"four","stream":88,"state":"offered"},
           {"id":3,"stream":75,"application":"Radio","media":"News","from":"driver","to":"rear-left",
            "zone":"rear-left","receiver":"rear-left","state":"offered","decided-by":"","node":null},
           {"id":5,"stream":75,"application":"Radio","media":"","from":"driver","to":"cabin",
            "zone":"cabin","receiver":"driver","state":"declined","decided-by":"driver","node":null},
           {"id":6,"stream":75,"from":"driver","to":"cabin","zone":"cabin","receiver":"driver",
            "state":"accepted","decided-by":"driver","node":"soon"}],
 "errors":[]})";

TEST(StatusReport, ReadsSharesAndSkipsMalformedEntries)
{
	auto state = JsonValue::parse(kSharesState);
	ASSERT_TRUE(state);
	StatusReport report = buildStatusReport(*state, {}, {});

	/* By id, whatever the order in the state. */
	ASSERT_EQ(report.shares.size(), 3u);
	EXPECT_EQ(report.shares[0].id, 3u);
	EXPECT_EQ(report.shares[0].receiver, "rear-left");
	EXPECT_FALSE(report.shares[0].node);
	EXPECT_EQ(report.shares[1].id, 4u);
	EXPECT_EQ(report.shares[1].decidedBy, "auto");
	EXPECT_EQ(report.shares[1].node, 121u);
	EXPECT_EQ(report.shares[2].id, 5u);

	/* Each skipped entry is named, with the member and value at fault. */
	ASSERT_EQ(report.errors.size(), 2u);
	EXPECT_EQ(report.errors[0],
		  "cabin.state shares[1].id = \"four\": expected a share id; share skipped");
	EXPECT_EQ(report.errors[1], "cabin.state shares[4] (share 6).node = \"soon\": expected a "
				    "node id or null; share skipped");
}

TEST(StatusReport, SharesInTextAndJson)
{
	auto state = JsonValue::parse(kSharesState);
	ASSERT_TRUE(state);
	StatusReport report = buildStatusReport(*state, {}, {{121, "cabin.share.4.playback"}});

	std::string text = formatStatusText(report);
	EXPECT_NE(
		text.find(" Shares\n"
			  "  ├─ share 3  music [75] (Radio: News)  driver → rear-left  receiver "
			  "rear-left  offered\n"
			  "  ├─ share 4  film [88] (Player: Film)  rear-left → cabin (to driver)  "
			  "receiver driver  accepted by auto  node cabin.share.4.playback [121]\n"
			  "  └─ share 5  music [75] (Radio)  driver → cabin  receiver driver  "
			  "declined by driver\n"
			  " Errors\n"),
		std::string::npos)
		<< text;
	EXPECT_NE(text.find("shares[1].id = \"four\""), std::string::npos) << text;

	auto json = JsonValue::parse(formatStatusJson(report));
	ASSERT_TRUE(json);
	const JsonValue *shares = json->find("shares");
	ASSERT_TRUE(shares && shares->isArray());
	ASSERT_EQ(shares->items().size(), 3u);
	EXPECT_EQ(shares->items()[1].toJson(),
		  R"({"id":4,"stream":88,"application":"Player","media":"Film","from":"rear-left",)"
		  R"("to":"driver","zone":"cabin","receiver":"driver","state":"accepted",)"
		  R"("decided-by":"auto","node":121})");
	EXPECT_TRUE(shares->items()[0].find("node")->isNull());
	EXPECT_EQ(json->find("errors")->items().size(), 2u);
}

TEST(StatusReport, StateWithoutSharesShowsNone)
{
	auto state = JsonValue::parse(kState);
	ASSERT_TRUE(state);
	StatusReport report = buildStatusReport(*state, {}, {});
	EXPECT_TRUE(report.shares.empty());
	EXPECT_EQ(report.errors.size(), 1u);
	EXPECT_EQ(formatStatusText(report).find("Shares"), std::string::npos);
	auto json = JsonValue::parse(formatStatusJson(report));
	ASSERT_TRUE(json);
	EXPECT_EQ(json->find("shares")->toJson(), "[]");

	std::vector<std::string> notes;
	auto bad = JsonValue::parse(R"({"shares":{"id":1}})");
	ASSERT_TRUE(bad);
	EXPECT_TRUE(readShares(*bad, notes).empty());
	ASSERT_EQ(notes.size(), 1u);
	EXPECT_EQ(notes[0], "cabin.state shares = {\"id\":1}: expected an array; shares not shown");
}

TEST(StatusReport, OffersAreTheLiveSharesTheSeatDecides)
{
	auto state = JsonValue::parse(kSharesState);
	ASSERT_TRUE(state);
	std::vector<std::string> notes;
	std::vector<ShareReport> shares = readShares(*state, notes);
	EXPECT_EQ(notes.size(), 2u);

	/* Share 5 was declined; share 3 is driver's own offer, rear-left decides it. */
	std::vector<ShareReport> offers = selectOffers(shares, "driver");
	ASSERT_EQ(offers.size(), 1u);
	EXPECT_EQ(offers[0].id, 4u);
	EXPECT_EQ(formatOffersText(offers),
		  "share 4 from rear-left (Player: Film): accepted, node 121\n");
	auto json = JsonValue::parse(formatOffersJson(offers));
	ASSERT_TRUE(json && json->isArray());
	ASSERT_EQ(json->items().size(), 1u);
	EXPECT_EQ(json->items()[0].find("id")->toInt(), 4);

	offers = selectOffers(shares, "rear-left");
	EXPECT_EQ(formatOffersText(offers), "share 3 from driver (Radio: News): offered\n");

	EXPECT_EQ(formatOffersText({}), "no offers\n");
	EXPECT_EQ(formatOffersJson({}), "[]");
}

TEST(StatusReport, OffersKeepControlCharactersOffTheTerminal)
{
	ShareReport share;
	share.id = 7;
	share.stream = 90;
	share.from = "driver";
	share.application = "App\x1b]0;pwned\x07";
	share.media = "x\xc2\x9b"
		      "2J\xc3\xa9";
	share.state = "offered";
	EXPECT_EQ(formatOffersText({share}),
		  "share 7 from driver (App?]0;pwned?: x?2J\xc3\xa9): offered\n");

	/* A stream that told neither name shows as its id. */
	share.application.clear();
	share.media.clear();
	EXPECT_EQ(formatOffersText({share}), "share 7 from driver (stream 90): offered\n");
}

TEST(StatusReport, ShareRequestsAndReplies)
{
	ShareRequest offer{"offer", 87, "rear-right"};
	EXPECT_EQ(formatShareRequest(offer, "4711-1"),
		  R"({"request":"4711-1","action":"offer","stream":87,"to":"rear-right"})");
	ShareRequest accept{"accept", 3, ""};
	EXPECT_EQ(formatShareRequest(accept, "4711-2"),
		  R"({"request":"4711-2","action":"accept","share":3})");

	/* Replies to other requests, and what is not a reply, are not ours. */
	EXPECT_FALSE(parseShareReply(R"({"request":"4711-9","ok":true,"share":3})", "4711-1"));
	EXPECT_FALSE(parseShareReply(R"({"request":"","ok":false,"error":"x"})", "4711-1"));
	EXPECT_FALSE(parseShareReply("not json [", "4711-1"));

	auto offered = parseShareReply(
		R"({"request":"4711-1","ok":true,"share":3,"state":"offered"})", "4711-1");
	ASSERT_TRUE(offered);
	EXPECT_TRUE(offered->ok);
	EXPECT_EQ(formatShareResult(offer, *offered), "share 3: offered to rear-right");

	auto autoAccepted = parseShareReply(
		R"({"request":"4711-1","ok":true,"share":3,"state":"accepted"})", "4711-1");
	ASSERT_TRUE(autoAccepted);
	EXPECT_EQ(formatShareResult(offer, *autoAccepted), "share 3: accepted");

	auto accepted = parseShareReply(
		R"({"request":"4711-2","ok":true,"share":3,"state":"accepted"})", "4711-2");
	ASSERT_TRUE(accepted);
	EXPECT_EQ(formatShareResult(accept, *accepted), "share 3: accepted");

	auto refused = parseShareReply(
		R"({"request":"4711-2","ok":false,"error":"share = 3: no share of seat rear-left has this id"})",
		"4711-2");
	ASSERT_TRUE(refused);
	EXPECT_FALSE(refused->ok);
	EXPECT_EQ(refused->error, "share = 3: no share of seat rear-left has this id");

	/* Only a JSON true is success. */
	auto stringly = parseShareReply(R"({"request":"4711-2","ok":"true"})", "4711-2");
	ASSERT_TRUE(stringly);
	EXPECT_FALSE(stringly->ok);
}

} // namespace
} // namespace cabin
