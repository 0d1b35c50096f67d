/* SPDX-License-Identifier: MIT */
#include <algorithm>
#include <initializer_list>
#include <ostream>
#include <string>

#include <gtest/gtest.h>

#include "role-policy.hpp"

namespace cabin {

/* Readable gtest failure messages; declared first for -Wmissing-declarations. */
void PrintTo(RoleAction action, std::ostream *os);
void PrintTo(const RoleVerdict &verdict, std::ostream *os);

void PrintTo(RoleAction action, std::ostream *os)
{
	*os << toString(action);
}

void PrintTo(const RoleVerdict &verdict, std::ostream *os)
{
	*os << "{ " << toString(verdict.action) << ", gain " << verdict.gain << ", by \""
	    << verdict.by << "\" }";
}

namespace {

/* ---- helpers ---- */

std::string allErrors(const RolePolicyConfig &config)
{
	std::string out;
	for (const std::string &error : config.errors)
		out += error + "\n";
	return out;
}

/* Some error line contains every one of \a needles. */
::testing::AssertionResult hasError(const RolePolicyConfig &config,
				    std::initializer_list<std::string_view> needles)
{
	for (const std::string &error : config.errors)
		if (std::all_of(needles.begin(), needles.end(), [&](std::string_view needle) {
			    return error.find(needle) != std::string::npos;
		    }))
			return ::testing::AssertionSuccess();
	::testing::AssertionResult failure = ::testing::AssertionFailure();
	failure << "no error contains all of";
	for (std::string_view needle : needles)
		failure << " [" << needle << "]";
	return failure << "; errors:\n" << allErrors(config);
}

/* decide(active, other) gives \a action, and \a level when it ducks. */
::testing::AssertionResult decides(const RolePolicy &policy, std::string_view active,
				   std::string_view other, RoleAction action, float level = 1.0f)
{
	RoleRule rule = policy.decide(active, other);
	if (rule.action != action || (action == RoleAction::Duck && rule.level != level))
		return ::testing::AssertionFailure()
		       << active << " over " << other << ": " << toString(rule.action) << " at "
		       << rule.level << ", expected " << toString(action) << " at " << level;
	return ::testing::AssertionSuccess();
}

RolePlayer player(std::uint32_t node, std::string zone, std::string role, bool active = true)
{
	return {node, std::move(zone), std::move(role), active};
}

RoleVerdict mix()
{
	return {};
}

RoleVerdict duck(float gain, std::string by)
{
	return {RoleAction::Duck, gain, std::move(by)};
}

RoleVerdict cork(std::string by)
{
	return {RoleAction::Cork, 1.0f, std::move(by)};
}

/* A policy from the two sections that must parse without errors. */
RolePolicy parsedPolicy(std::string_view roles, std::string_view rules)
{
	RolePolicyConfig config = parseRolePolicy(roles, rules);
	EXPECT_TRUE(config.errors.empty()) << allErrors(config);
	return RolePolicy(std::move(config));
}

const std::vector<std::string> kDefaultClasses = {
	"Emergency", "Announcement", "Navigation", "Communication", "Notification", "Media",
};

/* Zones. */
constexpr const char *kCabin = "cabin";
constexpr const char *kRearLeft = "rear-left";

/* Nodes. */
constexpr std::uint32_t kMusic = 40;
constexpr std::uint32_t kRearFilm = 41;
constexpr std::uint32_t kNavigation = 42;
constexpr std::uint32_t kCall = 43;
constexpr std::uint32_t kChime = 44;
constexpr std::uint32_t kAnnouncement = 45;
constexpr std::uint32_t kEmergency = 46;
constexpr std::uint32_t kRearAnnouncement = 47;
constexpr std::uint32_t kReroute = 48; /* a second navigation prompt */
constexpr std::uint32_t kRearCall = 49;
constexpr std::uint32_t kRearRightAlarm = 50;

/* ---- defaults ---- */

TEST(RolePolicyDefaults, ClassesInPriorityOrder)
{
	RolePolicyConfig config = defaultRolePolicy();
	EXPECT_TRUE(config.errors.empty()) << allErrors(config);
	EXPECT_TRUE(config.rules.empty());
	EXPECT_EQ(config.defaultRole, "Media");
	EXPECT_FLOAT_EQ(config.duckLevel, 0.3f);

	RolePolicy policy(config);
	std::vector<std::string> names;
	for (const RoleClass &role : policy.config().roles)
		names.push_back(role.name);
	EXPECT_EQ(names, kDefaultClasses);

	auto priority = [&](std::string_view name) {
		const RoleClass *role = policy.find(name);
		EXPECT_NE(role, nullptr) << name;
		return role ? role->priority : -1;
	};
	EXPECT_EQ(priority("Emergency"), 100);
	EXPECT_EQ(priority("Announcement"), 80);
	EXPECT_EQ(priority("Navigation"), 60);
	EXPECT_EQ(priority("Communication"), 60);
	EXPECT_EQ(priority("Notification"), 40);
	EXPECT_EQ(priority("Media"), 0);
}

TEST(RolePolicyDefaults, AnnouncementFlagsAndFloors)
{
	RolePolicy policy(defaultRolePolicy());
	EXPECT_TRUE(policy.find("Emergency")->announcement);
	EXPECT_TRUE(policy.find("Announcement")->announcement);
	EXPECT_TRUE(policy.find("Navigation")->announcement);
	EXPECT_FALSE(policy.find("Communication")->announcement);
	EXPECT_TRUE(policy.find("Notification")->announcement);
	EXPECT_FALSE(policy.find("Media")->announcement);

	EXPECT_FLOAT_EQ(policy.find("Emergency")->floor, 0.5f);
	for (const char *name :
	     {"Announcement", "Navigation", "Communication", "Notification", "Media"})
		EXPECT_FLOAT_EQ(policy.find(name)->floor, 0.0f) << name;
}

TEST(RolePolicyDefaults, ToStringNamesEveryAction)
{
	EXPECT_STREQ(toString(RoleAction::Mix), "mix");
	EXPECT_STREQ(toString(RoleAction::Duck), "duck");
	EXPECT_STREQ(toString(RoleAction::Cork), "cork");
}

/* ---- classify and find ---- */

TEST(RolePolicyClassify, MediaRolesMapToTheirClasses)
{
	RolePolicy policy(defaultRolePolicy());
	for (const char *mediaRole : {"Music", "Movie", "Game", "Production", "Multimedia"})
		EXPECT_EQ(policy.classify(mediaRole).name, "Media") << mediaRole;
	EXPECT_EQ(policy.classify("Alarm").name, "Emergency");
	EXPECT_EQ(policy.classify("Safety").name, "Announcement");
	EXPECT_EQ(policy.classify("Phone").name, "Communication");
	EXPECT_EQ(policy.classify("Alert").name, "Notification");
	EXPECT_EQ(policy.classify("Event").name, "Notification");
}

TEST(RolePolicyClassify, ClassNamesAreMediaRolesToo)
{
	RolePolicy policy(defaultRolePolicy());
	for (const std::string &name : kDefaultClasses)
		EXPECT_EQ(policy.classify(name).name, name);
}

TEST(RolePolicyClassify, UnknownAndEmptyRolesAreMedia)
{
	RolePolicy policy(defaultRolePolicy());
	EXPECT_EQ(policy.classify("").name, "Media");
	EXPECT_EQ(policy.classify("Karaoke").name, "Media");
	EXPECT_EQ(policy.classify("*").name, "Media");
	EXPECT_EQ(&policy.classify("Karaoke"), policy.find("Media"));
}

TEST(RolePolicyClassify, MissingDefaultClassIsAddedAtPriorityZero)
{
	RolePolicyConfig config = defaultRolePolicy();
	config.defaultRole = "Background";
	RolePolicy policy(config);
	const RoleClass *background = policy.find("Background");
	ASSERT_NE(background, nullptr);
	EXPECT_EQ(background->priority, 0);
	EXPECT_EQ(policy.classify("Karaoke").name, "Background");
	EXPECT_EQ(policy.classify("").name, "Background");
	/* Known roles are unaffected. */
	EXPECT_EQ(policy.classify("Music").name, "Media");
}

TEST(RolePolicyClassify, FindLooksUpClassNamesOnly)
{
	RolePolicy policy(defaultRolePolicy());
	ASSERT_NE(policy.find("Navigation"), nullptr);
	EXPECT_EQ(policy.find("Navigation")->name, "Navigation");
	EXPECT_EQ(policy.find("Music"), nullptr);
	EXPECT_EQ(policy.find("navigation"), nullptr);
	EXPECT_EQ(policy.find("*"), nullptr);
	EXPECT_EQ(policy.find(""), nullptr);
}

/* ---- decide ---- */

TEST(RolePolicyDecide, EmergencyDucksEveryLowerClassTo0_1)
{
	RolePolicy policy(defaultRolePolicy());
	for (const char *other :
	     {"Announcement", "Navigation", "Communication", "Notification", "Media"})
		EXPECT_TRUE(decides(policy, "Emergency", other, RoleAction::Duck, 0.1f));
}

TEST(RolePolicyDecide, AnnouncementDucksEveryLowerClassTo0_2)
{
	RolePolicy policy(defaultRolePolicy());
	for (const char *other : {"Navigation", "Communication", "Notification", "Media"})
		EXPECT_TRUE(decides(policy, "Announcement", other, RoleAction::Duck, 0.2f));
}

TEST(RolePolicyDecide, CommunicationCorksMedia)
{
	RolePolicy policy(defaultRolePolicy());
	EXPECT_TRUE(decides(policy, "Communication", "Media", RoleAction::Cork));
}

TEST(RolePolicyDecide, NavigationAndNotificationDuckMedia)
{
	RolePolicy policy(defaultRolePolicy());
	EXPECT_TRUE(decides(policy, "Navigation", "Media", RoleAction::Duck, 0.3f));
	EXPECT_TRUE(decides(policy, "Notification", "Media", RoleAction::Duck, 0.5f));
}

TEST(RolePolicyDecide, NavigationAndCommunicationDuckNotifications)
{
	RolePolicy policy(defaultRolePolicy());
	EXPECT_TRUE(decides(policy, "Navigation", "Notification", RoleAction::Duck, 0.5f));
	EXPECT_TRUE(decides(policy, "Communication", "Notification", RoleAction::Duck, 0.5f));
}

TEST(RolePolicyDecide, NavigationAndCommunicationMixWithEachOther)
{
	RolePolicy policy(defaultRolePolicy());
	EXPECT_TRUE(decides(policy, "Navigation", "Communication", RoleAction::Mix));
	EXPECT_TRUE(decides(policy, "Communication", "Navigation", RoleAction::Mix));
}

TEST(RolePolicyDecide, NamedBuiltInRulesHoldWhenPrioritiesChange)
{
	/* Navigation above calls still mixes with them: named pairs say what they say. */
	RolePolicy policy = parsedPolicy("[ { name = Navigation, priority = 70 } ]", "");
	EXPECT_TRUE(decides(policy, "Navigation", "Communication", RoleAction::Mix));
	EXPECT_TRUE(decides(policy, "Communication", "Navigation", RoleAction::Mix));
	EXPECT_TRUE(decides(policy, "Navigation", "Media", RoleAction::Duck, 0.3f));
	EXPECT_TRUE(decides(policy, "Navigation", "Notification", RoleAction::Duck, 0.5f));
	EXPECT_EQ(policy.arbitrate({player(kNavigation, kCabin, "Navigation"),
				    player(kCall, kCabin, "Communication")})
			  .at(kCall),
		  mix());

	/* The same the other way round. */
	policy = parsedPolicy("[ { name = Communication, priority = 70 } ]", "");
	EXPECT_TRUE(decides(policy, "Communication", "Navigation", RoleAction::Mix));
	EXPECT_TRUE(decides(policy, "Communication", "Media", RoleAction::Cork));
}

TEST(RolePolicyDecide, AClassNeverDucksItself)
{
	/* Not even when the integrator's rules say so. */
	RolePolicy policy = parsedPolicy("", R"([ { active = Media, other = Media, action = cork }
			 { active = "*", other = "*", action = duck, level = 0.05 } ])");
	for (const std::string &name : kDefaultClasses)
		EXPECT_TRUE(decides(policy, name, name, RoleAction::Mix)) << name;
}

TEST(RolePolicyDecide, HigherClassesAreNotDuckedByLowerOnes)
{
	RolePolicy policy(defaultRolePolicy());
	/* The wildcards of Emergency and Announcement reach only lower classes. */
	EXPECT_TRUE(decides(policy, "Announcement", "Emergency", RoleAction::Mix));
	EXPECT_TRUE(decides(policy, "Media", "Emergency", RoleAction::Mix));
	EXPECT_TRUE(decides(policy, "Media", "Notification", RoleAction::Mix));
	EXPECT_TRUE(decides(policy, "Notification", "Navigation", RoleAction::Mix));
}

TEST(RolePolicyDecide, WildcardsDoNotReachEqualPriority)
{
	/* Siren shares Emergency's priority: Emergency's "*" rule leaves it alone. */
	RolePolicy policy = parsedPolicy("[ { name = Siren, priority = 100 } ]", "");
	EXPECT_TRUE(decides(policy, "Emergency", "Siren", RoleAction::Mix));
	EXPECT_TRUE(decides(policy, "Siren", "Emergency", RoleAction::Mix));
	/* Siren itself has no rule: lower classes duck at duckLevel. */
	EXPECT_TRUE(decides(policy, "Siren", "Announcement", RoleAction::Duck, 0.3f));
}

TEST(RolePolicyDecide, IntegratorWildcardOtherReachesOnlyLowerClasses)
{
	RolePolicy policy =
		parsedPolicy("", R"([ { active = Navigation, other = "*", action = cork } ])");
	EXPECT_TRUE(decides(policy, "Navigation", "Media", RoleAction::Cork));
	EXPECT_TRUE(decides(policy, "Navigation", "Notification", RoleAction::Cork));
	/* Equal and higher classes fall through to the built-in rules. */
	EXPECT_TRUE(decides(policy, "Navigation", "Communication", RoleAction::Mix));
	EXPECT_TRUE(decides(policy, "Navigation", "Announcement", RoleAction::Mix));
	EXPECT_TRUE(decides(policy, "Navigation", "Emergency", RoleAction::Mix));
}

TEST(RolePolicyDecide, IntegratorWildcardActiveReachesOnlyHigherClasses)
{
	RolePolicy policy = parsedPolicy(
		"", R"([ { active = "*", other = Communication, action = duck, level = 0.4 } ])");
	/* Every higher class ducks Communication to 0.4, before the built-ins. */
	EXPECT_TRUE(decides(policy, "Emergency", "Communication", RoleAction::Duck, 0.4f));
	EXPECT_TRUE(decides(policy, "Announcement", "Communication", RoleAction::Duck, 0.4f));
	/* Equal and lower classes do not: Navigation still mixes with a call. */
	EXPECT_TRUE(decides(policy, "Navigation", "Communication", RoleAction::Mix));
	EXPECT_TRUE(decides(policy, "Notification", "Communication", RoleAction::Mix));
	EXPECT_TRUE(decides(policy, "Media", "Communication", RoleAction::Mix));
}

TEST(RolePolicyDecide, LowerClassWithoutRuleDucksAtDuckLevel)
{
	RolePolicyConfig config = parseRolePolicy(
		"[ { name = Chime, priority = 20, media-roles = [ Doorbell ] } ]", "");
	ASSERT_TRUE(config.errors.empty()) << allErrors(config);
	{
		RolePolicy policy(config);
		EXPECT_TRUE(decides(policy, "Notification", "Chime", RoleAction::Duck, 0.3f));
		EXPECT_TRUE(decides(policy, "Navigation", "Chime", RoleAction::Duck, 0.3f));
		EXPECT_TRUE(decides(policy, "Chime", "Media", RoleAction::Duck, 0.3f));
		/* The wildcards of the built-in classes still apply to it. */
		EXPECT_TRUE(decides(policy, "Emergency", "Chime", RoleAction::Duck, 0.1f));
	}
	config.duckLevel = 0.25f;
	RolePolicy policy(config);
	EXPECT_TRUE(decides(policy, "Notification", "Chime", RoleAction::Duck, 0.25f));
	/* Pairs with a rule keep their own level. */
	EXPECT_TRUE(decides(policy, "Notification", "Media", RoleAction::Duck, 0.5f));
	EXPECT_TRUE(decides(policy, "Navigation", "Media", RoleAction::Duck, 0.3f));
}

TEST(RolePolicyDecide, EqualPriorityWithoutRuleMixes)
{
	RolePolicy policy = parsedPolicy("[ { name = Chime, priority = 40 } ]", "");
	EXPECT_TRUE(decides(policy, "Notification", "Chime", RoleAction::Mix));
	EXPECT_TRUE(decides(policy, "Chime", "Notification", RoleAction::Mix));
	EXPECT_TRUE(decides(policy, "Chime", "Media", RoleAction::Duck, 0.3f));
}

/* ---- winners ---- */

TEST(RolePolicyWinners, HighestActiveClassesPerZone)
{
	RolePolicy policy(defaultRolePolicy());
	std::map<std::string, std::vector<std::string>> winners = policy.winners({
		player(kMusic, kCabin, "Media"),
		player(kNavigation, kCabin, "Navigation"),
		player(kReroute, kCabin, "Navigation"),
		player(kCall, kCabin, "Communication"),
		player(kEmergency, kCabin, "Emergency", false),
		player(kRearFilm, kRearLeft, "Media"),
		player(kRearAnnouncement, kRearLeft, "Announcement", false),
		player(kRearRightAlarm, "rear-right", "Emergency", false),
	});
	std::map<std::string, std::vector<std::string>> expected = {
		{kCabin, {"Navigation", "Communication"}},
		{kRearLeft, {"Media"}},
	};
	EXPECT_EQ(winners, expected);
}

TEST(RolePolicyWinners, NothingActiveNoWinners)
{
	RolePolicy policy(defaultRolePolicy());
	EXPECT_TRUE(policy.winners({}).empty());
	EXPECT_TRUE(policy.winners({player(kMusic, kCabin, "Media", false),
				    player(kEmergency, kCabin, "Emergency", false)})
			    .empty());
}

/* ---- arbitrate ---- */

TEST(RolePolicyArbitrate, AloneEveryStreamPlaysUntouched)
{
	RolePolicy policy(defaultRolePolicy());
	EXPECT_TRUE(policy.arbitrate({}).empty());
	std::map<std::uint32_t, RoleVerdict> verdicts =
		policy.arbitrate({player(kMusic, kCabin, "Media")});
	ASSERT_EQ(verdicts.size(), 1u);
	EXPECT_EQ(verdicts.at(kMusic), mix());
}

TEST(RolePolicyArbitrate, NavigationDucksMediaInItsZoneOnly)
{
	RolePolicy policy(defaultRolePolicy());
	std::map<std::uint32_t, RoleVerdict> verdicts = policy.arbitrate({
		player(kMusic, kCabin, "Media"),
		player(kNavigation, kCabin, "Navigation"),
		player(kRearFilm, kRearLeft, "Media"),
	});
	ASSERT_EQ(verdicts.size(), 3u);
	EXPECT_EQ(verdicts.at(kMusic), duck(0.3f, "Navigation"));
	EXPECT_EQ(verdicts.at(kNavigation), mix());
	EXPECT_EQ(verdicts.at(kRearFilm), mix());
}

TEST(RolePolicyArbitrate, EveryZoneHasItsOwnWinner)
{
	RolePolicy policy(defaultRolePolicy());
	std::map<std::uint32_t, RoleVerdict> verdicts = policy.arbitrate({
		player(kMusic, kCabin, "Media"),
		player(kCall, kCabin, "Communication"),
		player(kRearFilm, kRearLeft, "Media"),
		player(kRearAnnouncement, kRearLeft, "Announcement"),
	});
	EXPECT_EQ(verdicts.at(kMusic), cork("Communication"));
	EXPECT_EQ(verdicts.at(kCall), mix());
	EXPECT_EQ(verdicts.at(kRearFilm), duck(0.2f, "Announcement"));
	EXPECT_EQ(verdicts.at(kRearAnnouncement), mix());
}

TEST(RolePolicyArbitrate, InactiveEmergencyDucksNobody)
{
	RolePolicy policy(defaultRolePolicy());
	std::map<std::uint32_t, RoleVerdict> verdicts = policy.arbitrate({
		player(kEmergency, kCabin, "Emergency", false),
		player(kMusic, kCabin, "Media"),
		player(kNavigation, kCabin, "Navigation"),
	});
	EXPECT_EQ(verdicts.at(kEmergency), mix());
	EXPECT_EQ(verdicts.at(kMusic), duck(0.3f, "Navigation"));
	EXPECT_EQ(verdicts.at(kNavigation), mix());
}

TEST(RolePolicyArbitrate, PausedNavigationReleasesMusic)
{
	RolePolicy policy(defaultRolePolicy());
	std::vector<RolePlayer> players = {
		player(kMusic, kCabin, "Media"),
		player(kNavigation, kCabin, "Navigation"),
	};
	EXPECT_EQ(policy.arbitrate(players).at(kMusic), duck(0.3f, "Navigation"));
	players[1].active = false;
	std::map<std::uint32_t, RoleVerdict> verdicts = policy.arbitrate(players);
	EXPECT_EQ(verdicts.at(kMusic), mix());
	EXPECT_EQ(verdicts.at(kNavigation), mix());
}

TEST(RolePolicyArbitrate, PausedStreamsGetTheirZoneVerdictToo)
{
	/* A paused film resumes already ducked under the active prompt. */
	RolePolicy policy(defaultRolePolicy());
	std::map<std::uint32_t, RoleVerdict> verdicts = policy.arbitrate({
		player(kMusic, kCabin, "Media", false),
		player(kNavigation, kCabin, "Navigation"),
		player(kRearFilm, kRearLeft, "Media", false),
	});
	ASSERT_EQ(verdicts.size(), 3u);
	EXPECT_EQ(verdicts.at(kMusic), duck(0.3f, "Navigation"));
	EXPECT_EQ(verdicts.at(kRearFilm), mix());
}

TEST(RolePolicyArbitrate, EmergencyDucksAnAnnouncementInTheSameZone)
{
	RolePolicy policy(defaultRolePolicy());
	std::map<std::uint32_t, RoleVerdict> verdicts = policy.arbitrate({
		player(kMusic, kCabin, "Media"),
		player(kAnnouncement, kCabin, "Announcement"),
		player(kEmergency, kCabin, "Emergency"),
		player(kRearAnnouncement, kRearLeft, "Announcement"),
		player(kRearFilm, kRearLeft, "Media"),
	});
	EXPECT_EQ(verdicts.at(kEmergency), mix());
	EXPECT_EQ(verdicts.at(kAnnouncement), duck(0.1f, "Emergency"));
	EXPECT_EQ(verdicts.at(kMusic), duck(0.1f, "Emergency"));
	/* rear-left only hears its own announcement. */
	EXPECT_EQ(verdicts.at(kRearAnnouncement), mix());
	EXPECT_EQ(verdicts.at(kRearFilm), duck(0.2f, "Announcement"));
}

TEST(RolePolicyArbitrate, EveryStreamOfTheWinningClassPlaysAtFullGain)
{
	RolePolicy policy(defaultRolePolicy());
	std::map<std::uint32_t, RoleVerdict> verdicts = policy.arbitrate({
		player(kNavigation, kCabin, "Navigation"),
		player(kReroute, kCabin, "Navigation", false),
		player(kMusic, kCabin, "Media"),
	});
	EXPECT_EQ(verdicts.at(kNavigation), mix());
	EXPECT_EQ(verdicts.at(kReroute), mix());
	EXPECT_EQ(verdicts.at(kMusic).gain, 0.3f);
}

TEST(RolePolicyArbitrate, CorkBeatsDuckWhenTopClassesShareThePriority)
{
	RolePolicy policy(defaultRolePolicy());
	std::vector<RolePlayer> players = {
		player(kNavigation, kCabin, "Navigation"),
		player(kCall, kCabin, "Communication"),
		player(kMusic, kCabin, "Media"),
	};
	for (int order = 0; order < 2; order++) {
		SCOPED_TRACE(order ? "Communication first" : "Navigation first");
		std::map<std::uint32_t, RoleVerdict> verdicts = policy.arbitrate(players);
		EXPECT_EQ(verdicts.at(kMusic), cork("Communication"));
		/* The two winners mix with each other. */
		EXPECT_EQ(verdicts.at(kNavigation), mix());
		EXPECT_EQ(verdicts.at(kCall), mix());
		std::swap(players[0], players[1]);
	}
}

TEST(RolePolicyArbitrate, LowerDuckBeatsHigherDuckWhenTopClassesShareThePriority)
{
	RolePolicy policy = parsedPolicy(
		"",
		R"([ { active = Communication, other = Notification, action = duck, level = 0.2 } ])");
	std::vector<RolePlayer> players = {
		player(kNavigation, kCabin, "Navigation"),
		player(kCall, kCabin, "Communication"),
		player(kChime, kCabin, "Notification"),
	};
	for (int order = 0; order < 2; order++) {
		SCOPED_TRACE(order ? "Communication first" : "Navigation first");
		EXPECT_EQ(policy.arbitrate(players).at(kChime), duck(0.2f, "Communication"));
		std::swap(players[0], players[1]);
	}
}

TEST(RolePolicyArbitrate, DuckBeatsMixWhenTopClassesShareThePriority)
{
	RolePolicy policy =
		parsedPolicy("[ { name = Chime, priority = 20 } ]",
			     R"([ { active = Navigation, other = Chime, action = mix } ])");
	std::vector<RolePlayer> players = {
		player(kNavigation, kCabin, "Navigation"),
		player(kCall, kCabin, "Communication"),
		player(kChime, kCabin, "Chime"),
	};
	for (int order = 0; order < 2; order++) {
		SCOPED_TRACE(order ? "Communication first" : "Navigation first");
		EXPECT_EQ(policy.arbitrate(players).at(kChime), duck(0.3f, "Communication"));
		std::swap(players[0], players[1]);
	}
}

TEST(RolePolicyArbitrate, WildcardActiveRuleLeavesAnEqualWinnerAlone)
{
	/* "Everything above a call ducks it" must not let navigation duck the call. */
	RolePolicy policy = parsedPolicy(
		"", R"([ { active = "*", other = Communication, action = duck, level = 0.4 } ])");
	std::map<std::uint32_t, RoleVerdict> verdicts = policy.arbitrate({
		player(kNavigation, kCabin, "Navigation"),
		player(kCall, kCabin, "Communication"),
		player(kRearFilm, kRearLeft, "Media"),
		player(kRearCall, kRearLeft, "Communication", false),
		/* A paused announcement decides nothing either. */
		player(kAnnouncement, kCabin, "Announcement", false),
	});
	EXPECT_EQ(verdicts.at(kCall), mix());
	EXPECT_EQ(verdicts.at(kNavigation), mix());
	/* Nor does playing music duck a paused call. */
	EXPECT_EQ(verdicts.at(kRearCall), mix());

	verdicts = policy.arbitrate({
		player(kAnnouncement, kCabin, "Announcement"),
		player(kCall, kCabin, "Communication"),
	});
	EXPECT_EQ(verdicts.at(kCall), duck(0.4f, "Announcement"));
}

TEST(RolePolicyArbitrate, NodeInSeveralZonesGetsTheStrongestVerdict)
{
	RolePolicy policy(defaultRolePolicy());
	/* One media stream heard in the cabin and in rear-left. */
	for (bool cabinFirst : {true, false}) {
		SCOPED_TRACE(cabinFirst ? "cabin first" : "rear-left first");
		std::vector<RolePlayer> players = {
			player(kMusic, kCabin, "Media"),
			player(kMusic, kRearLeft, "Media"),
			player(kNavigation, kCabin, "Navigation"),
		};
		if (!cabinFirst)
			std::swap(players[0], players[1]);
		std::map<std::uint32_t, RoleVerdict> verdicts = policy.arbitrate(players);
		EXPECT_EQ(verdicts.size(), 2u);
		EXPECT_EQ(verdicts.at(kMusic), duck(0.3f, "Navigation"));

		players.push_back(player(kCall, kRearLeft, "Communication"));
		EXPECT_EQ(policy.arbitrate(players).at(kMusic), cork("Communication"));
	}
}

TEST(RolePolicyArbitrate, MixVerdictNamesNobody)
{
	RolePolicy policy = parsedPolicy(
		"", R"([ { active = Navigation, other = Media, action = mix, level = 0.5 } ])");
	std::map<std::uint32_t, RoleVerdict> verdicts = policy.arbitrate({
		player(kNavigation, kCabin, "Navigation"),
		player(kMusic, kCabin, "Media"),
	});
	EXPECT_EQ(verdicts.at(kMusic), mix());
	EXPECT_EQ(verdicts.at(kMusic).by, "");
	EXPECT_EQ(verdicts.at(kMusic).gain, 1.0f);
}

TEST(RolePolicyArbitrate, CorkVerdictKeepsFullGain)
{
	/* A cork rule's level plays no part: the stream is paused, not ducked. */
	RolePolicy policy = parsedPolicy(
		"", R"([ { active = Notification, other = Media, action = cork, level = 0.1 } ])");
	std::map<std::uint32_t, RoleVerdict> verdicts = policy.arbitrate({
		player(kChime, kCabin, "Notification"),
		player(kMusic, kCabin, "Media"),
	});
	EXPECT_EQ(verdicts.at(kMusic), cork("Notification"));
}

TEST(RolePolicyArbitrate, NewClassFromConfigTakesPart)
{
	RolePolicy policy = parsedPolicy(
		R"([ { name = Chime, priority = 70, media-roles = [ Doorbell ] } ])", "");
	const RoleClass &chime = policy.classify("Doorbell");
	std::map<std::uint32_t, RoleVerdict> verdicts = policy.arbitrate({
		player(kChime, kCabin, chime.name),
		player(kNavigation, kCabin, "Navigation"),
		player(kMusic, kCabin, "Media"),
	});
	EXPECT_EQ(verdicts.at(kChime), mix());
	EXPECT_EQ(verdicts.at(kNavigation), duck(0.3f, "Chime"));
	EXPECT_EQ(verdicts.at(kMusic), duck(0.3f, "Chime"));
	EXPECT_EQ(policy.winners({player(kChime, kCabin, "Chime"),
				  player(kNavigation, kCabin, "Navigation")})
			  .at(kCabin),
		  std::vector<std::string>{"Chime"});
}

/* ---- parseRolePolicy: valid input ---- */

TEST(RolePolicyParse, AbsentSectionsGiveTheDefaults)
{
	RolePolicyConfig config = parseRolePolicy("", "");
	RolePolicyConfig defaults = defaultRolePolicy();
	EXPECT_TRUE(config.errors.empty()) << allErrors(config);
	EXPECT_TRUE(config.rules.empty());
	ASSERT_EQ(config.roles.size(), defaults.roles.size());
	for (std::size_t i = 0; i < config.roles.size(); i++) {
		EXPECT_EQ(config.roles[i].name, defaults.roles[i].name);
		EXPECT_EQ(config.roles[i].priority, defaults.roles[i].priority);
		EXPECT_EQ(config.roles[i].mediaRoles, defaults.roles[i].mediaRoles);
		EXPECT_EQ(config.roles[i].announcement, defaults.roles[i].announcement);
		EXPECT_EQ(config.roles[i].floor, defaults.roles[i].floor);
	}
	/* Empty arrays are valid and change nothing either. */
	config = parseRolePolicy("[ ]", "[ ]");
	EXPECT_TRUE(config.errors.empty()) << allErrors(config);
	EXPECT_EQ(config.roles.size(), defaults.roles.size());
	EXPECT_TRUE(config.rules.empty());
}

TEST(RolePolicyParse, RoleEntryChangesADefaultClassByName)
{
	RolePolicy policy = parsedPolicy(R"([
	  { name = Navigation, priority = 90, media-roles = [ "Guidance" ],
	    announcement = false, floor = 0.25 }
	])",
					 "");
	EXPECT_EQ(policy.config().roles.size(), kDefaultClasses.size());
	const RoleClass *navigation = policy.find("Navigation");
	ASSERT_NE(navigation, nullptr);
	EXPECT_EQ(navigation->priority, 90);
	EXPECT_EQ(navigation->mediaRoles, std::vector<std::string>{"Guidance"});
	EXPECT_FALSE(navigation->announcement);
	EXPECT_FLOAT_EQ(navigation->floor, 0.25f);
	EXPECT_EQ(policy.classify("Guidance").name, "Navigation");
	EXPECT_EQ(policy.classify("Navigation").name, "Navigation");

	/* Navigation now outranks announcements. */
	EXPECT_TRUE(decides(policy, "Announcement", "Navigation", RoleAction::Mix));
	std::map<std::uint32_t, RoleVerdict> verdicts = policy.arbitrate({
		player(kNavigation, kCabin, "Navigation"),
		player(kAnnouncement, kCabin, "Announcement"),
	});
	EXPECT_EQ(verdicts.at(kNavigation), mix());
	EXPECT_EQ(verdicts.at(kAnnouncement), duck(0.3f, "Navigation"));
}

TEST(RolePolicyParse, KeysLeftOutKeepTheirValues)
{
	RolePolicy policy = parsedPolicy("[ { name = Emergency, priority = 95 } ]", "");
	const RoleClass *emergency = policy.find("Emergency");
	ASSERT_NE(emergency, nullptr);
	EXPECT_EQ(emergency->priority, 95);
	EXPECT_EQ(emergency->mediaRoles, (std::vector<std::string>{"Emergency", "Alarm"}));
	EXPECT_TRUE(emergency->announcement);
	EXPECT_FLOAT_EQ(emergency->floor, 0.5f);
}

TEST(RolePolicyParse, RoleEntryAddsANewClass)
{
	RolePolicy policy = parsedPolicy(R"([
	  { name = Chime, priority = 50, media-roles = [ "Doorbell", "Seatbelt" ],
	    announcement = true, floor = 0.1 }
	  { name = Ambient }
	])",
					 "");
	ASSERT_EQ(policy.config().roles.size(), kDefaultClasses.size() + 2);
	const RoleClass *chime = policy.find("Chime");
	ASSERT_NE(chime, nullptr);
	EXPECT_EQ(chime->priority, 50);
	EXPECT_EQ(chime->mediaRoles, (std::vector<std::string>{"Doorbell", "Seatbelt"}));
	EXPECT_TRUE(chime->announcement);
	EXPECT_FLOAT_EQ(chime->floor, 0.1f);
	EXPECT_EQ(policy.classify("Seatbelt").name, "Chime");
	EXPECT_EQ(policy.classify("Chime").name, "Chime");

	/* A new class without keys: priority 0, no media roles, no announcements. */
	const RoleClass *ambient = policy.find("Ambient");
	ASSERT_NE(ambient, nullptr);
	EXPECT_EQ(ambient->priority, 0);
	EXPECT_TRUE(ambient->mediaRoles.empty());
	EXPECT_FALSE(ambient->announcement);
	EXPECT_FLOAT_EQ(ambient->floor, 0.0f);
	EXPECT_EQ(policy.classify("Ambient").name, "Ambient");
}

TEST(RolePolicyParse, PriorityBoundsAreAccepted)
{
	RolePolicy policy = parsedPolicy(
		"[ { name = Media, priority = 1000 } { name = Emergency, priority = 0 } ]", "");
	EXPECT_EQ(policy.find("Media")->priority, 1000);
	EXPECT_EQ(policy.find("Emergency")->priority, 0);
	/* The priorities decide, not the names: Media now ducks Emergency. */
	EXPECT_TRUE(decides(policy, "Media", "Emergency", RoleAction::Duck, 0.3f));
	EXPECT_TRUE(decides(policy, "Emergency", "Media", RoleAction::Mix));
}

TEST(RolePolicyParse, FloorBoundsAreAccepted)
{
	RolePolicy policy = parsedPolicy(
		"[ { name = Media, floor = 1 } { name = Emergency, floor = 0.0 } ]", "");
	EXPECT_FLOAT_EQ(policy.find("Media")->floor, 1.0f);
	EXPECT_FLOAT_EQ(policy.find("Emergency")->floor, 0.0f);
}

TEST(RolePolicyParse, ClaimedMediaRoleLeavesItsOldClass)
{
	RolePolicy policy = parsedPolicy(
		R"([ { name = Ringtone, priority = 70, media-roles = [ "Phone" ] } ])", "");
	EXPECT_EQ(policy.find("Communication")->mediaRoles,
		  std::vector<std::string>{"Communication"});
	EXPECT_EQ(policy.classify("Phone").name, "Ringtone");
	EXPECT_EQ(policy.classify("Communication").name, "Communication");
}

TEST(RolePolicyParse, TheLastEntryToClaimAMediaRoleKeepsIt)
{
	RolePolicy policy = parsedPolicy(R"([
	  { name = Chime, priority = 50, media-roles = [ "Alert", "Doorbell" ] }
	  { name = Notification, media-roles = [ "Notification", "Alert" ] }
	])",
					 "");
	EXPECT_EQ(policy.find("Chime")->mediaRoles, std::vector<std::string>{"Doorbell"});
	EXPECT_EQ(policy.find("Notification")->mediaRoles,
		  (std::vector<std::string>{"Notification", "Alert"}));
	EXPECT_EQ(policy.classify("Alert").name, "Notification");
	EXPECT_EQ(policy.classify("Doorbell").name, "Chime");
	/* Event is no longer listed by any class. */
	EXPECT_EQ(policy.classify("Event").name, "Media");
}

TEST(RolePolicyParse, UserRuleOverridesTheBuiltInRule)
{
	RolePolicyConfig config = parseRolePolicy(
		"", R"([ { active = "Navigation", other = "Media", action = "cork" } ])");
	ASSERT_TRUE(config.errors.empty()) << allErrors(config);
	ASSERT_EQ(config.rules.size(), 1u);
	EXPECT_EQ(config.rules[0].active, "Navigation");
	EXPECT_EQ(config.rules[0].other, "Media");
	EXPECT_EQ(config.rules[0].action, RoleAction::Cork);

	RolePolicy policy(config);
	EXPECT_TRUE(decides(policy, "Navigation", "Media", RoleAction::Cork));
	EXPECT_EQ(policy.arbitrate({player(kNavigation, kCabin, "Navigation"),
				    player(kMusic, kCabin, "Media")})
			  .at(kMusic),
		  cork("Navigation"));
	/* Other built-in rules stay. */
	EXPECT_TRUE(decides(policy, "Navigation", "Notification", RoleAction::Duck, 0.5f));
	EXPECT_TRUE(decides(policy, "Emergency", "Media", RoleAction::Duck, 0.1f));
}

TEST(RolePolicyParse, UserRulesAreConsultedInOrder)
{
	RolePolicy policy = parsedPolicy("", R"([
	  { active = Navigation, other = Media, action = mix }
	  { active = Navigation, other = "*", action = cork }
	  { active = Navigation, other = Media, action = duck, level = 0.9 }
	])");
	EXPECT_TRUE(decides(policy, "Navigation", "Media", RoleAction::Mix));
	EXPECT_TRUE(decides(policy, "Navigation", "Notification", RoleAction::Cork));
}

TEST(RolePolicyParse, DuckRuleWithoutLevelUsesDuckLevel)
{
	RolePolicyConfig config = parseRolePolicy("", R"([
	  { active = Notification, other = Media, action = duck }
	  { active = Emergency, other = Media, action = cork }
	  { active = Announcement, other = Media, action = duck, level = 0 }
	  { active = Announcement, other = Notification, action = duck, level = 1 }
	])");
	ASSERT_TRUE(config.errors.empty()) << allErrors(config);
	ASSERT_EQ(config.rules.size(), 4u);
	EXPECT_FLOAT_EQ(config.rules[0].level, 0.3f);
	EXPECT_FLOAT_EQ(config.rules[1].level, 1.0f);
	EXPECT_FLOAT_EQ(config.rules[2].level, 0.0f);
	EXPECT_FLOAT_EQ(config.rules[3].level, 1.0f);

	RolePolicy policy(config);
	/* The built-in 0.5 no longer applies. */
	EXPECT_TRUE(decides(policy, "Notification", "Media", RoleAction::Duck, 0.3f));
	EXPECT_TRUE(decides(policy, "Announcement", "Media", RoleAction::Duck, 0.0f));
	EXPECT_TRUE(decides(policy, "Announcement", "Notification", RoleAction::Duck, 1.0f));
}

TEST(RolePolicyParse, RulesMayNameClassesTheRolesSectionAdds)
{
	RolePolicy policy =
		parsedPolicy("[ { name = Chime, priority = 50 } ]",
			     "[ { active = Chime, other = Media, action = duck, level = 0.6 } ]");
	EXPECT_TRUE(decides(policy, "Chime", "Media", RoleAction::Duck, 0.6f));
}

/* ---- parseRolePolicy: errors ---- */

TEST(RolePolicyParseErrors, BadPrioritySkipsTheWholeEntry)
{
	RolePolicyConfig config = parseRolePolicy(R"([
	  { name = Navigation, priority = high, floor = 0.5 }
	  { name = Notification, priority = 45 }
	])",
						  "");
	EXPECT_EQ(config.errors.size(), 1u) << allErrors(config);
	EXPECT_TRUE(hasError(config, {"cabin.roles[0] (Navigation).priority", "high"}));
	RolePolicy policy(config);
	EXPECT_EQ(policy.find("Navigation")->priority, 60);
	EXPECT_FLOAT_EQ(policy.find("Navigation")->floor, 0.0f);
	EXPECT_EQ(policy.find("Notification")->priority, 45);
}

TEST(RolePolicyParseErrors, PriorityMustBeAnInteger)
{
	RolePolicyConfig config = parseRolePolicy(R"([
	  { name = Navigation, priority = 60.5 }
	  { name = Media, priority = "10" }
	])",
						  "");
	EXPECT_EQ(config.errors.size(), 2u) << allErrors(config);
	EXPECT_TRUE(hasError(config, {"cabin.roles[0] (Navigation).priority", "60.5"}));
	EXPECT_TRUE(hasError(config, {"cabin.roles[1] (Media).priority", "\"10\""}));
	RolePolicy policy(config);
	EXPECT_EQ(policy.find("Navigation")->priority, 60);
	EXPECT_EQ(policy.find("Media")->priority, 0);
}

TEST(RolePolicyParseErrors, PriorityOutOfRange)
{
	RolePolicyConfig config = parseRolePolicy(R"([
	  { name = Navigation, priority = 1001 }
	  { name = Media, priority = -1 }
	  { name = Chime, priority = 20 }
	])",
						  "");
	EXPECT_EQ(config.errors.size(), 2u) << allErrors(config);
	EXPECT_TRUE(hasError(config, {"cabin.roles[0] (Navigation).priority", "1001"}));
	EXPECT_TRUE(hasError(config, {"cabin.roles[1] (Media).priority", "-1"}));
	RolePolicy policy(config);
	EXPECT_EQ(policy.find("Navigation")->priority, 60);
	EXPECT_EQ(policy.find("Media")->priority, 0);
	ASSERT_NE(policy.find("Chime"), nullptr);
	EXPECT_EQ(policy.find("Chime")->priority, 20);
}

TEST(RolePolicyParseErrors, NewClassWithAnErrorIsNotAdded)
{
	RolePolicyConfig config = parseRolePolicy(
		R"([ { name = Ringtone, priority = 2000, media-roles = [ Phone ] } ])", "");
	EXPECT_TRUE(hasError(config, {"cabin.roles[0] (Ringtone).priority", "2000"}));
	RolePolicy policy(config);
	EXPECT_EQ(policy.find("Ringtone"), nullptr);
	/* Nor does it take its media roles from other classes. */
	EXPECT_EQ(policy.classify("Phone").name, "Communication");
}

TEST(RolePolicyParseErrors, MediaRolesNotAnArray)
{
	RolePolicyConfig config = parseRolePolicy(
		R"([ { name = Navigation, priority = 70, media-roles = "Guidance" } ])", "");
	EXPECT_EQ(config.errors.size(), 1u) << allErrors(config);
	EXPECT_TRUE(hasError(config, {"cabin.roles[0] (Navigation).media-roles", "Guidance"}));
	RolePolicy policy(config);
	EXPECT_EQ(policy.find("Navigation")->priority, 60);
	EXPECT_EQ(policy.find("Navigation")->mediaRoles, std::vector<std::string>{"Navigation"});
	EXPECT_EQ(policy.classify("Guidance").name, "Media");
}

TEST(RolePolicyParseErrors, NonStringMediaRoleIsDroppedAndTheRestKept)
{
	RolePolicyConfig config = parseRolePolicy(
		R"([ { name = Navigation, priority = 70, media-roles = [ "Guidance", 7, "", "Maps" ] } ])",
		"");
	EXPECT_EQ(config.errors.size(), 2u) << allErrors(config);
	EXPECT_TRUE(hasError(config, {"cabin.roles[0] (Navigation).media-roles", "7"}));
	EXPECT_TRUE(hasError(config, {"cabin.roles[0] (Navigation).media-roles", "\"\""}));
	RolePolicy policy(config);
	EXPECT_EQ(policy.find("Navigation")->priority, 70);
	EXPECT_EQ(policy.find("Navigation")->mediaRoles,
		  (std::vector<std::string>{"Guidance", "Maps"}));
	EXPECT_EQ(policy.classify("Maps").name, "Navigation");
}

TEST(RolePolicyParseErrors, BadAnnouncementFlag)
{
	RolePolicyConfig config = parseRolePolicy(
		R"([ { name = Communication, announcement = maybe, priority = 70 } ])", "");
	EXPECT_EQ(config.errors.size(), 1u) << allErrors(config);
	EXPECT_TRUE(hasError(config, {"cabin.roles[0] (Communication).announcement", "maybe"}));
	RolePolicy policy(config);
	EXPECT_FALSE(policy.find("Communication")->announcement);
	EXPECT_EQ(policy.find("Communication")->priority, 60);
}

TEST(RolePolicyParseErrors, FloorOutOfRange)
{
	RolePolicyConfig config = parseRolePolicy(R"([
	  { name = Emergency, floor = 1.5 }
	  { name = Navigation, floor = -0.1 }
	  { name = Media, floor = loud }
	])",
						  "");
	EXPECT_EQ(config.errors.size(), 3u) << allErrors(config);
	EXPECT_TRUE(hasError(config, {"cabin.roles[0] (Emergency).floor", "1.5"}));
	EXPECT_TRUE(hasError(config, {"cabin.roles[1] (Navigation).floor", "-0.1"}));
	EXPECT_TRUE(hasError(config, {"cabin.roles[2] (Media).floor", "loud"}));
	RolePolicy policy(config);
	EXPECT_FLOAT_EQ(policy.find("Emergency")->floor, 0.5f);
	EXPECT_FLOAT_EQ(policy.find("Navigation")->floor, 0.0f);
	EXPECT_FLOAT_EQ(policy.find("Media")->floor, 0.0f);
}

TEST(RolePolicyParseErrors, UnknownRoleKeyIsIgnoredAndTheRestKept)
{
	RolePolicyConfig config =
		parseRolePolicy(R"([ { name = Navigation, volume = 3, priority = 65 } ])", "");
	EXPECT_EQ(config.errors.size(), 1u) << allErrors(config);
	EXPECT_TRUE(hasError(config, {"cabin.roles[0] (Navigation).volume", "3", "unknown"}));
	RolePolicy policy(config);
	EXPECT_EQ(policy.find("Navigation")->priority, 65);
}

TEST(RolePolicyParseErrors, RoleEntryWithoutAName)
{
	RolePolicyConfig config = parseRolePolicy(R"([
	  { priority = 5 }
	  "Navigation"
	  { name = "" , priority = 5 }
	  { name = "*", priority = 5 }
	  { name = 42 }
	  { name = Notification, priority = 45 }
	])",
						  "");
	EXPECT_EQ(config.errors.size(), 5u) << allErrors(config);
	EXPECT_TRUE(hasError(config, {"cabin.roles[0]", "priority", "name"}));
	EXPECT_TRUE(hasError(config, {"cabin.roles[1]", "Navigation"}));
	EXPECT_TRUE(hasError(config, {"cabin.roles[2]", "name"}));
	EXPECT_TRUE(hasError(config, {"cabin.roles[3]", "*"}));
	EXPECT_TRUE(hasError(config, {"cabin.roles[4]", "42"}));
	RolePolicy policy(config);
	EXPECT_EQ(policy.config().roles.size(), kDefaultClasses.size());
	EXPECT_EQ(policy.find("*"), nullptr);
	EXPECT_EQ(policy.find(""), nullptr);
	EXPECT_EQ(policy.find("Notification")->priority, 45);
}

TEST(RolePolicyParseErrors, RuleWithAnUnknownClass)
{
	RolePolicyConfig config = parseRolePolicy("", R"([
	  { active = Siren, other = Media, action = cork }
	  { active = Navigation, other = Radio, action = cork }
	  { active = Navigation, action = cork }
	  { active = Notification, other = Media, action = cork }
	])");
	EXPECT_EQ(config.errors.size(), 3u) << allErrors(config);
	EXPECT_TRUE(hasError(config, {"cabin.role-rules[0].active", "Siren"}));
	EXPECT_TRUE(hasError(config, {"cabin.role-rules[1].other", "Radio"}));
	EXPECT_TRUE(hasError(config, {"cabin.role-rules[2].other", "missing"}));
	ASSERT_EQ(config.rules.size(), 1u);
	RolePolicy policy(config);
	EXPECT_TRUE(decides(policy, "Navigation", "Media", RoleAction::Duck, 0.3f));
	EXPECT_TRUE(decides(policy, "Notification", "Media", RoleAction::Cork));
}

TEST(RolePolicyParseErrors, RuleNamingAClassWhoseEntryFailed)
{
	RolePolicyConfig config =
		parseRolePolicy("[ { name = Chime, priority = loud } ]",
				"[ { active = Chime, other = Media, action = cork } ]");
	EXPECT_TRUE(hasError(config, {"cabin.roles[0] (Chime).priority", "loud"}));
	EXPECT_TRUE(hasError(config, {"cabin.role-rules[0].active", "Chime"}));
	EXPECT_TRUE(config.rules.empty());
}

TEST(RolePolicyParseErrors, BadAction)
{
	RolePolicyConfig config = parseRolePolicy("", R"([
	  { active = Navigation, other = Media, action = mute }
	  { active = Navigation, other = Media }
	  { active = Navigation, other = Media, action = Cork }
	])");
	EXPECT_EQ(config.errors.size(), 3u) << allErrors(config);
	EXPECT_TRUE(hasError(config, {"cabin.role-rules[0].action", "mute"}));
	EXPECT_TRUE(hasError(config, {"cabin.role-rules[1].action", "missing"}));
	EXPECT_TRUE(hasError(config, {"cabin.role-rules[2].action", "Cork"}));
	EXPECT_TRUE(config.rules.empty());
	EXPECT_TRUE(decides(RolePolicy(config), "Navigation", "Media", RoleAction::Duck, 0.3f));
}

TEST(RolePolicyParseErrors, BadLevel)
{
	RolePolicyConfig config = parseRolePolicy("", R"([
	  { active = Notification, other = Media, action = duck, level = 2 }
	  { active = Notification, other = Media, action = duck, level = -0.5 }
	  { active = Notification, other = Media, action = duck, level = half }
	  { active = Notification, other = Media, action = duck, level = "0.1" }
	])");
	EXPECT_EQ(config.errors.size(), 4u) << allErrors(config);
	EXPECT_TRUE(hasError(config, {"cabin.role-rules[0].level", "2"}));
	EXPECT_TRUE(hasError(config, {"cabin.role-rules[1].level", "-0.5"}));
	EXPECT_TRUE(hasError(config, {"cabin.role-rules[2].level", "half"}));
	EXPECT_TRUE(hasError(config, {"cabin.role-rules[3].level", "\"0.1\""}));
	EXPECT_TRUE(config.rules.empty());
	EXPECT_TRUE(decides(RolePolicy(config), "Notification", "Media", RoleAction::Duck, 0.5f));
}

TEST(RolePolicyParseErrors, UnknownRuleKeyIsIgnoredAndTheRuleKept)
{
	RolePolicyConfig config = parseRolePolicy(
		"", R"([ { active = Navigation, other = Media, action = cork, fade = 200 } ])");
	EXPECT_EQ(config.errors.size(), 1u) << allErrors(config);
	EXPECT_TRUE(hasError(config, {"cabin.role-rules[0].fade", "200", "unknown"}));
	EXPECT_TRUE(decides(RolePolicy(config), "Navigation", "Media", RoleAction::Cork));
}

TEST(RolePolicyParseErrors, RuleThatIsNotAnObject)
{
	RolePolicyConfig config = parseRolePolicy(
		"",
		R"([ "Navigation ducks Media" { active = Navigation, other = Media, action = cork } ])");
	EXPECT_EQ(config.errors.size(), 1u) << allErrors(config);
	EXPECT_TRUE(hasError(config, {"cabin.role-rules[0]", "Navigation ducks Media"}));
	EXPECT_EQ(config.rules.size(), 1u);
}

TEST(RolePolicyParseErrors, SectionThatIsNotAnArray)
{
	RolePolicyConfig config = parseRolePolicy("{ name = Navigation, priority = 90 }", "cork");
	EXPECT_EQ(config.errors.size(), 2u) << allErrors(config);
	EXPECT_TRUE(hasError(config, {"cabin.roles", "Navigation", "array"}));
	EXPECT_TRUE(hasError(config, {"cabin.role-rules", "cork", "array"}));
	EXPECT_TRUE(config.rules.empty());
	EXPECT_EQ(RolePolicy(config).find("Navigation")->priority, 60);
}

TEST(RolePolicyParseErrors, UnparsableSectionLeavesTheOtherWorking)
{
	RolePolicyConfig config =
		parseRolePolicy("[ { name = Navigation, priority = 90 } ",
				"[ { active = Navigation, other = Media, action = cork } ]");
	EXPECT_EQ(config.errors.size(), 1u) << allErrors(config);
	EXPECT_TRUE(hasError(config, {"cabin.roles", "ignored"}));
	RolePolicy policy(config);
	EXPECT_EQ(policy.find("Navigation")->priority, 60);
	EXPECT_TRUE(decides(policy, "Navigation", "Media", RoleAction::Cork));

	config = parseRolePolicy("[ { name = Navigation, priority = 90 } ]",
				 "[ { active = Navigation, other = Media, action = cork ] ");
	EXPECT_EQ(config.errors.size(), 1u) << allErrors(config);
	EXPECT_TRUE(hasError(config, {"cabin.role-rules", "ignored"}));
	EXPECT_TRUE(config.rules.empty());
	EXPECT_EQ(RolePolicy(config).find("Navigation")->priority, 90);
}

} // namespace
} // namespace cabin
