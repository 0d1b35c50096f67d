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

constexpr const char *kAnnouncementState = R"({"version":1,"default-seat":"driver",
 "seats":[{"name":"driver","home-zone":"cabin","zones":["cabin"]},
          {"name":"rear-right","home-zone":"rear-right","zones":["rear-right"]}],
 "zones":[{"name":"cabin","kind":"shared","owner":"driver","devices":[],"active-roles":["Navigation"]},
          {"name":"rear-right","kind":"personal","seat":"rear-right","devices":[],"active-roles":[]}],
 "roles":[{"name":"Emergency","priority":100,"announcement":true,"media-roles":["Emergency","Alarm"]},
          {"name":"Announcement","priority":80,"announcement":true,"media-roles":["Announcement"]},
          {"name":"Media","priority":0,"announcement":false,"media-roles":["Music","Movie"]}],
 "nodes":[{"id":30,"name":"cabin.speakers","role":"device","direction":"playback","seat":"driver","zone":"cabin","rank":0},
          {"id":34,"name":"rear-right.headphones","role":"device","direction":"playback","seat":"rear-right","zone":"rear-right","rank":0},
          {"id":75,"name":"music","role":"stream","direction":"playback","seat":"driver","zone":"cabin",
           "role-class":"Media","action":"duck","gain":0.3,"by":"Navigation"},
          {"id":76,"name":"nav","role":"stream","direction":"playback","seat":"driver","zone":"cabin",
           "role-class":"Navigation","action":"mix","gain":1},
          {"id":77,"name":"radio","role":"stream","direction":"playback","seat":"rear-right","zone":"rear-right",
           "role-class":"Media","action":"cork","by":"Emergency"}],
 "announcements":[
   {"id":5,"stream":93,"client":88,"application":"cabinctl","media":"fire.wav","role":"Emergency",
    "to":["all"],"state":"playing","started":1763800010000000,
    "zones":[{"zone":"cabin","device":"cabin.speakers","state":"playing","started":1763800010000000},
             {"zone":"rear-right","device":"","state":"no-device"}]},
   {"id":"five","stream":93,"state":"done"},
   {"id":4,"stream":93,"client":88,"application":"cabinctl","media":"seatbelt.wav","role":"Announcement",
    "to":["rear-right"],"state":"done","started":1763800000123456,"ended":1763800002136456,
    "zones":[{"zone":"rear-right","device":"rear-right.headphones","state":"done",
              "started":1763800000123456,"ended":1763800002136456}]},
   {"id":6,"stream":95,"client":90,"application":"nav","media":"turn.wav","role":"Navigation",
    "to":["rear-right"],"state":"refused","error":"role Navigation is not an announcement role","zones":[]}],
 "errors":[]})";

TEST(StatusReport, AnnounceTargetsAreAllOrNamesSeparatedByCommas)
{
	std::string error;
	EXPECT_EQ(splitAnnounceTargets("all", error), std::vector<std::string>{"all"});
	EXPECT_EQ(splitAnnounceTargets("rear-right,cabin", error),
		  (std::vector<std::string>{"rear-right", "cabin"}));
	EXPECT_EQ(splitAnnounceTargets(" rear-right,\tcabin ", error),
		  (std::vector<std::string>{"rear-right", "cabin"}));

	for (std::string_view bad : {"", "a,,b", ",a", "a,", "a, ,b", " "}) {
		error.clear();
		EXPECT_FALSE(splitAnnounceTargets(bad, error)) << bad;
		EXPECT_NE(error.find("--to '" + std::string(bad) + "'"), std::string::npos)
			<< error;
	}
	EXPECT_FALSE(splitAnnounceTargets("all,driver", error));
	EXPECT_EQ(error, "--to 'all,driver': 'all' cannot be combined with seat or zone names");
}

TEST(StatusReport, AnnounceTargetsAreSeatsOrZonesOfTheState)
{
	auto state = JsonValue::parse(kAnnouncementState);
	ASSERT_TRUE(state);
	EXPECT_FALSE(checkAnnounceTargets(*state, {"all"}));
	/* A seat (driver), a zone (cabin), and both at once (rear-right). */
	EXPECT_FALSE(checkAnnounceTargets(*state, {"driver", "cabin", "rear-right"}));
	EXPECT_EQ(checkAnnounceTargets(*state, {"cabin", "trunk"}),
		  "--to: no seat or zone is named 'trunk' (seats: driver, rear-right; zones: "
		  "cabin, rear-right)");
}

TEST(StatusReport, AnnounceRoleIsAClassOrOneOfItsMediaRoles)
{
	auto state = JsonValue::parse(kAnnouncementState);
	ASSERT_TRUE(state);
	EXPECT_FALSE(checkAnnounceRole(*state, "Emergency"));
	EXPECT_FALSE(checkAnnounceRole(*state, "Alarm"));
	EXPECT_FALSE(checkAnnounceRole(*state, "Movie"));
	EXPECT_EQ(checkAnnounceRole(*state, "emergency"),
		  "--role 'emergency': not a role class or media role of one (classes: "
		  "Emergency, Announcement, Media)");

	/* A state from before role arbitration takes any role. */
	auto old = JsonValue::parse(kState);
	ASSERT_TRUE(old);
	EXPECT_FALSE(checkAnnounceRole(*old, "Whatever"));
}

TEST(StatusReport, ReadsAnnouncementsAndSkipsMalformedEntries)
{
	auto state = JsonValue::parse(kAnnouncementState);
	ASSERT_TRUE(state);
	std::vector<std::string> notes;
	std::vector<AnnouncementReport> announcements = readAnnouncements(*state, notes);

	ASSERT_EQ(announcements.size(), 3u);
	EXPECT_EQ(announcements[0].id, 4u);
	EXPECT_EQ(announcements[0].client, 88u);
	EXPECT_EQ(announcements[0].to, std::vector<std::string>{"rear-right"});
	EXPECT_EQ(announcements[0].started, 1763800000123456);
	ASSERT_EQ(announcements[0].zones.size(), 1u);
	EXPECT_EQ(announcements[0].zones[0].device, "rear-right.headphones");
	EXPECT_EQ(announcements[1].id, 5u);
	EXPECT_FALSE(announcements[1].ended);
	ASSERT_EQ(announcements[1].zones.size(), 2u);
	EXPECT_FALSE(announcements[1].zones[1].started);
	EXPECT_EQ(announcements[2].error, "role Navigation is not an announcement role");

	ASSERT_EQ(notes.size(), 1u);
	EXPECT_EQ(notes[0], "cabin.state announcements[1].id = \"five\": expected an "
			    "announcement id; announcement skipped");

	/* A state from before announcements has none, and says nothing about it. */
	auto old = JsonValue::parse(kState);
	ASSERT_TRUE(old);
	notes.clear();
	EXPECT_TRUE(readAnnouncements(*old, notes).empty());
	EXPECT_TRUE(notes.empty());
}

TEST(StatusReport, OwnAnnouncementIsTheNewEntryOfOurStreamAndClient)
{
	auto state = JsonValue::parse(kAnnouncementState);
	ASSERT_TRUE(state);
	std::vector<std::string> notes;
	std::vector<AnnouncementReport> announcements = readAnnouncements(*state, notes);

	/* Node 93 was reused: the newest entry of our client is ours. */
	auto own = findAnnouncement(announcements, 93, 88, {});
	ASSERT_TRUE(own);
	EXPECT_EQ(own->id, 5u);
	/* Entries listed before our stream existed are an earlier stream's. */
	EXPECT_FALSE(findAnnouncement(announcements, 93, 88, {4, 5}));
	own = findAnnouncement(announcements, 93, 88, {5});
	ASSERT_TRUE(own);
	EXPECT_EQ(own->id, 4u);
	/* Another client's, or another stream's, are not ours. */
	EXPECT_FALSE(findAnnouncement(announcements, 93, 89, {}));
	EXPECT_FALSE(findAnnouncement(announcements, 94, 88, {}));
	/* An entry that does not name its client is taken by its stream alone. */
	announcements[0].client.reset();
	EXPECT_EQ(findAnnouncement(announcements, 93, 89, {5})->id, 4u);
}

TEST(StatusReport, AnnouncementIsSettledWhenNoZoneWaitsOrPlays)
{
	AnnouncementReport announcement;
	announcement.state = "waiting";
	EXPECT_FALSE(announcementSettled(announcement));
	EXPECT_FALSE(announcementDelivered(announcement));

	announcement.state = "playing";
	announcement.zones = {{"cabin", "cabin.speakers", "playing", 1, {}},
			      {"rear-right", "", "no-device", {}, {}}};
	EXPECT_FALSE(announcementSettled(announcement));
	announcement.zones[0].state = "lost";
	EXPECT_TRUE(announcementSettled(announcement));
	EXPECT_FALSE(announcementDelivered(announcement));

	announcement.state = "done";
	announcement.zones = {{"cabin", "cabin.speakers", "done", 1, 2}};
	EXPECT_TRUE(announcementSettled(announcement));
	EXPECT_TRUE(announcementDelivered(announcement));
	announcement.zones.clear();
	EXPECT_FALSE(announcementDelivered(announcement)) << "played nowhere";
	announcement.id = 9;
	announcement.role = "Announcement";
	EXPECT_EQ(formatAnnouncementText(announcement),
		  "announcement 9 (Announcement): done\n  (none of the zones shown)\n");

	announcement.state = "refused";
	EXPECT_TRUE(announcementSettled(announcement));
	EXPECT_FALSE(announcementDelivered(announcement));
}

TEST(StatusReport, AnnouncementDeliveryReport)
{
	auto state = JsonValue::parse(kAnnouncementState);
	ASSERT_TRUE(state);
	std::vector<std::string> notes;
	std::vector<AnnouncementReport> announcements = readAnnouncements(*state, notes);

	EXPECT_EQ(formatAnnouncementText(announcements[0]),
		  "announcement 4 (Announcement, seatbelt.wav): done\n"
		  "  rear-right  rear-right.headphones  0.000 s - 2.013 s\n");
	EXPECT_EQ(formatAnnouncementText(announcements[1]),
		  "announcement 5 (Emergency, fire.wav): playing\n"
		  "  cabin       cabin.speakers  playing since 0.000 s\n"
		  "  rear-right  (no device)\n");
	EXPECT_EQ(formatAnnouncementText(announcements[2]),
		  "announcement 6 (Navigation, turn.wav): refused: role Navigation is not an "
		  "announcement role\n");

	/* A zone lost on the way shows how far it got; times count from the start. */
	AnnouncementReport lost = announcements[0];
	lost.state = "done";
	lost.zones.push_back(
		{"cabin", "cabin.speakers", "lost", 1763800000623456, 1763800001123456});
	lost.media = "x\x1b[2J";
	EXPECT_EQ(formatAnnouncementText(lost),
		  "announcement 4 (Announcement, x?[2J): done\n"
		  "  rear-right  rear-right.headphones  0.000 s - 2.013 s\n"
		  "  cabin       cabin.speakers         lost  0.500 s - 1.000 s\n");

	EXPECT_EQ(
		formatAnnouncementJson(announcements[0]),
		R"({"id":4,"stream":93,"client":88,"application":"cabinctl","media":"seatbelt.wav",)"
		R"("role":"Announcement","to":["rear-right"],"state":"done","error":"",)"
		R"("started":1763800000123456,"ended":1763800002136456,"zones":[{"zone":"rear-right",)"
		R"("device":"rear-right.headphones","state":"done","started":1763800000123456,)"
		R"("ended":1763800002136456}]})");
	auto json = JsonValue::parse(formatAnnouncementJson(announcements[1]));
	ASSERT_TRUE(json);
	EXPECT_TRUE(json->find("ended")->isNull());
	EXPECT_TRUE(json->find("zones")->items()[1].find("started")->isNull());
}

TEST(StatusReport, StatusShowsRolesDuckingAndAnnouncements)
{
	auto state = JsonValue::parse(kAnnouncementState);
	ASSERT_TRUE(state);
	StatusReport report = buildStatusReport(*state, {{75, 30}, {76, 30}}, {});

	ASSERT_EQ(report.seats[0].streams.size(), 2u);
	EXPECT_EQ(report.seats[0].streams[0].gain, 0.3);
	EXPECT_EQ(report.zones[0].activeRoles, std::vector<std::string>{"Navigation"});
	ASSERT_EQ(report.announcements.size(), 3u);
	ASSERT_EQ(report.errors.size(), 1u);

	std::string text = formatStatusText(report);
	EXPECT_NE(text.find("  │   ├─ music [75] → cabin.speakers [30]  role Media, ducked to 30 % "
			    "by Navigation\n"
			    "  │   └─ nav [76] → cabin.speakers [30]  role Navigation\n"),
		  std::string::npos)
		<< text;
	EXPECT_NE(text.find("      └─ radio [77] (not linked)  role Media, corked by Emergency\n"),
		  std::string::npos)
		<< text;
	EXPECT_NE(text.find("  ├─ cabin (shared, owner driver)  active roles: Navigation\n"),
		  std::string::npos)
		<< text;
	EXPECT_NE(text.find("  └─ rear-right (personal, seat rear-right)\n"), std::string::npos)
		<< text;
	EXPECT_NE(text.find(" Announcements\n"
			    "  ├─ announcement 4 (Announcement, cabinctl: seatbelt.wav) to "
			    "rear-right: done\n"
			    "  │   └─ rear-right  rear-right.headphones  0.000 s - 2.013 s\n"
			    "  ├─ announcement 5 (Emergency, cabinctl: fire.wav) to all: playing\n"
			    "  │   ├─ cabin       cabin.speakers  playing since 0.000 s\n"
			    "  │   └─ rear-right  (no device)\n"
			    "  └─ announcement 6 (Navigation, nav: turn.wav) to rear-right: "
			    "refused: role Navigation is not an announcement role\n"
			    " Errors\n"),
		  std::string::npos)
		<< text;

	auto json = JsonValue::parse(formatStatusJson(report));
	ASSERT_TRUE(json);
	const JsonValue &music = json->find("seats")->items()[0].find("streams")->items()[0];
	EXPECT_EQ(music.toJson(),
		  R"({"id":75,"name":"music","direction":"playback","linked-to":[30],)"
		  R"("role":"Media","action":"duck","gain":0.3,"by":"Navigation","silent":false})");
	EXPECT_EQ(json->find("zones")->items()[0].find("active-roles")->toJson(),
		  R"(["Navigation"])");
	EXPECT_EQ(json->find("announcements")->items().size(), 3u);
}

TEST(StatusReport, SilentStreamIsMarked)
{
	std::string text = kAnnouncementState;
	const std::string nav = R"("role-class":"Navigation","action":"mix","gain":1})";
	ASSERT_NE(text.find(nav), std::string::npos);
	text.replace(text.find(nav), nav.size(),
		     R"("role-class":"Navigation","action":"mix","gain":1,"silent":true})");
	auto state = JsonValue::parse(text);
	ASSERT_TRUE(state);
	StatusReport report = buildStatusReport(*state, {{75, 30}, {76, 30}}, {});
	EXPECT_TRUE(report.seats[0].streams[1].silent);
	EXPECT_FALSE(report.seats[0].streams[0].silent);
	EXPECT_NE(formatStatusText(report).find(
			  "  │   └─ nav [76] → cabin.speakers [30]  role Navigation, silent\n"),
		  std::string::npos)
		<< formatStatusText(report);
	auto json = JsonValue::parse(formatStatusJson(report));
	ASSERT_TRUE(json);
	EXPECT_EQ(json->find("seats")
			  ->items()[0]
			  .find("streams")
			  ->items()[1]
			  .find("silent")
			  ->toJson(),
		  "true");
}

TEST(StatusReport, StateWithoutArbitrationShowsStreamsAsBefore)
{
	auto state = JsonValue::parse(kState);
	ASSERT_TRUE(state);
	StatusReport report = buildStatusReport(*state, {{88, 32}}, {});
	std::string text = formatStatusText(report);
	EXPECT_NE(text.find("└─ film [88] → rl.headphones [32]\n"), std::string::npos) << text;
	EXPECT_NE(text.find("(personal, seat rear-left)\n"), std::string::npos) << text;
	EXPECT_EQ(text.find("Announcements"), std::string::npos) << text;

	auto json = JsonValue::parse(formatStatusJson(report));
	ASSERT_TRUE(json);
	const JsonValue &film = json->find("seats")->items()[1].find("streams")->items()[0];
	EXPECT_EQ(film.stringOr("role"), "");
	EXPECT_TRUE(film.find("gain")->isNull());
	EXPECT_EQ(json->find("announcements")->toJson(), "[]");
}

TEST(StatusReport, BluetoothDevicesAreListedWithWhatTheySeatMayDo)
{
	auto state = JsonValue::parse(R"({"bluetooth": [
		{"address": "00:1B:66:C0:FF:EE", "name": "Travel headset", "state": "held",
		 "seat": "", "zone": "", "present": true, "nodes": [40]},
		{"address": "00:1B:66:00:00:02", "name": "", "state": "claimed",
		 "seat": "rear-left", "zone": "", "present": true, "nodes": [41]},
		{"address": "00:1B:66:00:00:03", "name": "Earbuds", "state": "bound",
		 "seat": "rear-left", "zone": "rear-left", "present": true, "nodes": [42]},
		{"address": "00:1B:66:00:00:04", "name": "", "state": "bound",
		 "seat": "rear-left", "zone": "", "present": false, "nodes": []},
		{"name": "no address"}
	]})");
	ASSERT_TRUE(state);
	std::vector<std::string> notes;
	std::vector<BluetoothReport> devices = readBluetooth(*state, notes);
	ASSERT_EQ(devices.size(), 4u);
	ASSERT_EQ(notes.size(), 1u);
	EXPECT_EQ(notes[0], "cabin.state bluetooth[4] = {\"name\":\"no address\"}: expected an "
			    "object with an address; device skipped");
	EXPECT_EQ(formatBluetoothText(devices),
		  "00:1B:66:C0:FF:EE (Travel headset): held\n"
		  "00:1B:66:00:00:02: claimed by rear-left, waiting for its confirmation\n"
		  "00:1B:66:00:00:03 (Earbuds): bound to rear-left, zone rear-left\n"
		  "00:1B:66:00:00:04: bound to rear-left, not connected\n");
	EXPECT_EQ(formatBluetoothText({}), "no Bluetooth devices\n");
	auto json = JsonValue::parse(formatBluetoothJson(devices));
	ASSERT_TRUE(json);
	EXPECT_EQ(json->items()[3].toJson(),
		  R"({"address":"00:1B:66:00:00:04","name":"","state":"bound","seat":"rear-left",)"
		  R"("zone":"","present":false})");
}

TEST(StatusReport, BluetoothRequestsAndTheirResults)
{
	ShareRequest claim{.action = "bluetooth-claim", .address = "00:1B:66:C0:FF:EE"};
	EXPECT_EQ(formatShareRequest(claim, "t1"),
		  R"({"request":"t1","action":"bluetooth-claim","address":"00:1B:66:C0:FF:EE"})");
	ShareResult claimed{.ok = true, .state = "claimed"};
	EXPECT_EQ(formatShareResult(claim, claimed),
		  "00:1B:66:C0:FF:EE: claimed; confirm with 'cabinctl bluetooth confirm "
		  "00:1B:66:C0:FF:EE'");
	ShareResult bound{.ok = true, .state = "bound"};
	EXPECT_EQ(formatShareResult(claim, bound), "00:1B:66:C0:FF:EE: bound to this seat");
}

} // namespace
} // namespace cabin
