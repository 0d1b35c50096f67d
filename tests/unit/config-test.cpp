/* SPDX-License-Identifier: MIT */
#include <gtest/gtest.h>

#include "cabin-config.hpp"

namespace cabin {
namespace {

constexpr const char *kSeats = R"([
  { name = driver }
  { name = rear-left, uids = [ 1001 ] }
])";

constexpr const char *kZones = R"([
  { name = cabin, owner = driver
    devices = [ { matches = [ { node.name = "cabin.speakers" } ] } ] }
  { name = rear-left, seat = rear-left
    devices = [
      { matches = [ { node.name = "rear-left.headphones" } ] }
      { matches = [ { node.name = "~rear-left\\.headrest.*" } ] }
    ] }
])";

bool hasErrorContaining(const CabinConfig &config, const std::string &needle)
{
	for (const std::string &error : config.errors)
		if (error.find(needle) != std::string::npos)
			return true;
	return false;
}

std::string allErrors(const CabinConfig &config)
{
	std::string out;
	for (const std::string &error : config.errors)
		out += error + "\n";
	return out;
}

TEST(Config, ParsesSeatsZonesAndDerivesHomeZones)
{
	CabinConfig config = parseCabinConfig(kSeats, kZones);
	EXPECT_TRUE(config.errors.empty()) << allErrors(config);
	ASSERT_EQ(config.seats.size(), 2u);
	ASSERT_EQ(config.zones.size(), 2u);
	EXPECT_EQ(config.findSeat("driver")->homeZone, "cabin");
	EXPECT_EQ(config.findSeat("rear-left")->homeZone, "rear-left");
	EXPECT_EQ(config.seatOfUid(1001)->name, "rear-left");
	EXPECT_EQ(config.seatOfUid(1002), nullptr);
	EXPECT_EQ(config.findZone("cabin")->kind, ZoneKind::Shared);
	EXPECT_EQ(config.findZone("rear-left")->kind, ZoneKind::Personal);
	EXPECT_EQ(config.findZone("rear-left")->devices.size(), 2u);
	EXPECT_TRUE(config.seatMayUse("driver", *config.findZone("cabin")));
	EXPECT_FALSE(config.seatMayUse("rear-left", *config.findZone("cabin")));
}

TEST(Config, ExplicitHomeZoneMustBeUsableBySeat)
{
	CabinConfig config = parseCabinConfig(
		R"([ { name = driver } { name = rear-left, home-zone = cabin } ])", kZones);
	EXPECT_EQ(config.findSeat("rear-left")->homeZone, "rear-left");
	EXPECT_TRUE(hasErrorContaining(config, "cabin.seats[1] (rear-left).home-zone = \"cabin\""))
		<< allErrors(config);
}

TEST(Config, InvalidZoneIsSkippedOthersKept)
{
	CabinConfig config = parseCabinConfig(kSeats, R"([
	  { name = cabin, owner = driver, devices = [ { matches = [ { node.name = a } ] } ] }
	  { name = ghost, owner = nobody, devices = [] }
	  { name = both, owner = driver, seat = driver, devices = [] }
	  { owner = driver }
	  { name = cabin, owner = driver, devices = [] }
	])");
	EXPECT_EQ(config.zones.size(), 1u);
	EXPECT_TRUE(
		hasErrorContaining(config, "cabin.zones[1] (ghost).owner = \"nobody\": no seat"))
		<< allErrors(config);
	EXPECT_TRUE(hasErrorContaining(config, "cabin.zones[2] (both): a zone needs exactly one"))
		<< allErrors(config);
	EXPECT_TRUE(hasErrorContaining(config, "cabin.zones[3].name = (missing)"))
		<< allErrors(config);
	EXPECT_TRUE(
		hasErrorContaining(config, "cabin.zones[4] (cabin).name = \"cabin\": a zone with"))
		<< allErrors(config);
}

TEST(Config, InvalidSeatEntriesAreReported)
{
	CabinConfig config = parseCabinConfig(R"([
	  { name = driver, uids = [ 1000, -5, "x", 1000 ] }
	  { name = "bad name!" }
	  { name = driver }
	  { name = other, uids = [ 1000 ], colour = blue }
	  "just a string"
	])",
					      "[]");
	ASSERT_EQ(config.seats.size(), 2u);
	EXPECT_EQ(config.findSeat("driver")->uids, std::vector<std::uint32_t>{1000});
	EXPECT_TRUE(config.findSeat("other")->uids.empty());
	EXPECT_TRUE(hasErrorContaining(config, "cabin.seats[0] (driver).uids: -5: not a uid"))
		<< allErrors(config);
	EXPECT_TRUE(hasErrorContaining(config, "cabin.seats[0] (driver).uids: \"x\": not a uid"));
	EXPECT_TRUE(hasErrorContaining(config, "cabin.seats[1].name = \"bad name!\""));
	EXPECT_TRUE(
		hasErrorContaining(config, "cabin.seats[2] (driver).name = \"driver\": a seat"));
	EXPECT_TRUE(hasErrorContaining(config,
				       "cabin.seats[3] (other).uids: 1000: already mapped to seat "
				       "\"driver\""));
	EXPECT_TRUE(
		hasErrorContaining(config, "cabin.seats[3] (other).colour = \"blue\": unknown"));
	EXPECT_TRUE(hasErrorContaining(config, "cabin.seats[4] = \"just a string\""));
}

TEST(Config, LogindSeatsMapToSeats)
{
	CabinConfig config = parseCabinConfig(R"([
	  { name = driver, logind-seat = seat0 }
	  { name = rear-left, logind-seat = "seat1" }
	  { name = rear-right, logind-seat = seat1 }
	  { name = front-passenger, logind-seat = "seat 2" }
	  { name = guest, logind-seat = [ seat3 ] }
	])",
					      "[]");
	ASSERT_EQ(config.seats.size(), 5u) << "a bad logind-seat keeps the seat";
	EXPECT_EQ(config.findSeat("driver")->logindSeat, "seat0");
	EXPECT_EQ(config.seatOfLogindSeat("seat1"), config.findSeat("rear-left"));
	EXPECT_EQ(config.seatOfLogindSeat("seat0"), config.findSeat("driver"));
	EXPECT_EQ(config.seatOfLogindSeat("seat9"), nullptr);
	EXPECT_EQ(config.seatOfLogindSeat(""), nullptr) << "seats without one map nothing";
	EXPECT_TRUE(config.findSeat("rear-right")->logindSeat.empty());
	EXPECT_TRUE(hasErrorContaining(config,
				       "cabin.seats[2] (rear-right).logind-seat = \"seat1\": "
				       "already mapped to seat \"rear-left\"; ignored"))
		<< allErrors(config);
	EXPECT_TRUE(hasErrorContaining(config, "cabin.seats[3] (front-passenger).logind-seat = "
					       "\"seat 2\": expected a logind seat name"));
	EXPECT_TRUE(hasErrorContaining(config, "cabin.seats[4] (guest).logind-seat = [\"seat3\"]"))
		<< allErrors(config);
}

TEST(Config, BadDeviceRuleSkipsOnlyThatDevice)
{
	CabinConfig config = parseCabinConfig(kSeats, R"([
	  { name = rear-left, seat = rear-left
	    devices = [
	      { matches = [ { node.name = "~([unclosed" } ] }
	      { matches = [] }
	      { nomatches = 1 }
	      { matches = [ { node.name = ok } ] }
	    ] }
	])");
	ASSERT_EQ(config.zones.size(), 1u);
	EXPECT_EQ(config.zones[0].devices.size(), 1u);
	EXPECT_TRUE(hasErrorContaining(config, "cabin.zones[0] (rear-left).devices[0].matches: "
					       "node.name = \"~([unclosed\""))
		<< allErrors(config);
	EXPECT_TRUE(hasErrorContaining(config, "devices[1].matches = []"));
	EXPECT_TRUE(hasErrorContaining(config, "devices[2] = {\"nomatches\":1}"));
}

TEST(Config, MalformedSectionIsReportedAndIgnored)
{
	CabinConfig config = parseCabinConfig("{ not = an-array }", kZones);
	EXPECT_TRUE(config.seats.empty());
	EXPECT_TRUE(hasErrorContaining(config, "cabin.seats = {\"not\":\"an-array\"}: expected an "
					       "array"))
		<< allErrors(config);
	/* Without seats no zone can name its seat or owner. */
	EXPECT_TRUE(config.zones.empty());
}

TEST(Config, SeatWithoutZoneIsReported)
{
	CabinConfig config = parseCabinConfig("[ { name = lonely } ]", "[]");
	EXPECT_TRUE(hasErrorContaining(config, "(lonely): the seat has no zone"))
		<< allErrors(config);
}

constexpr const char *kSedanZones = R"([
  { name = cabin, owner = driver, devices = [] }
  { name = front-passenger, seat = front-passenger, devices = [] }
  { name = rear-left, seat = rear-left, devices = [] }
  { name = rear-right, seat = rear-right, devices = [] }
])";

TEST(Config, AcceptSharesFromListsTrustedSeats)
{
	CabinConfig config = parseCabinConfig(R"([
	  { name = driver }
	  { name = front-passenger, accept-shares-from = [] }
	  { name = rear-left }
	  { name = rear-right, accept-shares-from = [ "driver", rear-left ] }
	])",
					      kSedanZones);
	EXPECT_TRUE(config.errors.empty()) << allErrors(config);
	EXPECT_EQ(config.findSeat("rear-right")->acceptSharesFrom,
		  (std::vector<std::string>{"driver", "rear-left"}));
	EXPECT_TRUE(config.findSeat("front-passenger")->acceptSharesFrom.empty());
	EXPECT_TRUE(config.findSeat("driver")->acceptSharesFrom.empty());
}

TEST(Config, AcceptSharesFromMayNameASeatDefinedLater)
{
	CabinConfig config = parseCabinConfig(R"([
	  { name = driver, accept-shares-from = [ "rear-right", "front-passenger" ] }
	  { name = front-passenger }
	  { name = rear-left }
	  { name = rear-right }
	])",
					      kSedanZones);
	EXPECT_TRUE(config.errors.empty()) << allErrors(config);
	EXPECT_EQ(config.findSeat("driver")->acceptSharesFrom,
		  (std::vector<std::string>{"rear-right", "front-passenger"}));
}

TEST(Config, BadAcceptSharesFromItemsAreReportedOthersKept)
{
	CabinConfig config = parseCabinConfig(R"([
	  { name = driver }
	  { name = front-passenger, uids = [ 1002 ], accept-shares-from = "driver" }
	  { name = rear-left }
	  { name = rear-right, uids = [ 1004 ]
	    accept-shares-from = [ "trunk", 5, { seat = driver }, "rear-right", "rear-left" ] }
	])",
					      kSedanZones);
	/* Every seat is kept, with everything else it configures. */
	ASSERT_EQ(config.seats.size(), 4u);
	EXPECT_EQ(config.findSeat("front-passenger")->uids, std::vector<std::uint32_t>{1002});
	EXPECT_EQ(config.findSeat("front-passenger")->homeZone, "front-passenger");
	EXPECT_EQ(config.findSeat("rear-right")->uids, std::vector<std::uint32_t>{1004});
	EXPECT_EQ(config.findSeat("rear-right")->homeZone, "rear-right");
	EXPECT_EQ(config.zones.size(), 4u);

	EXPECT_TRUE(config.findSeat("front-passenger")->acceptSharesFrom.empty());
	EXPECT_TRUE(hasErrorContaining(config,
				       "cabin.seats[1] (front-passenger).accept-shares-from "
				       "= \"driver\": expected an array of seat names"))
		<< allErrors(config);

	EXPECT_EQ(config.findSeat("rear-right")->acceptSharesFrom,
		  std::vector<std::string>{"rear-left"});
	EXPECT_TRUE(hasErrorContaining(
		config, "cabin.seats[3] (rear-right).accept-shares-from: \"trunk\": no seat"))
		<< allErrors(config);
	EXPECT_TRUE(
		hasErrorContaining(config, "cabin.seats[3] (rear-right).accept-shares-from: 5:"))
		<< allErrors(config);
	EXPECT_TRUE(hasErrorContaining(
		config, "cabin.seats[3] (rear-right).accept-shares-from: {\"seat\":\"driver\"}:"))
		<< allErrors(config);
	EXPECT_TRUE(hasErrorContaining(config, "cabin.seats[3] (rear-right).accept-shares-from: "
					       "\"rear-right\": a seat cannot share with itself"))
		<< allErrors(config);
	EXPECT_EQ(config.errors.size(), 5u) << allErrors(config);
}

TEST(Config, AcceptSharesFromASkippedSeatIsReported)
{
	CabinConfig config = parseCabinConfig(R"([
	  { name = driver, accept-shares-from = [ "bad name!" ] }
	  { name = "bad name!" }
	  { name = rear-left }
	])",
					      kZones);
	EXPECT_TRUE(config.findSeat("driver")->acceptSharesFrom.empty());
	EXPECT_TRUE(hasErrorContaining(
		config, "cabin.seats[0] (driver).accept-shares-from: \"bad name!\": no seat"))
		<< allErrors(config);
}

TEST(CabinConfig, ACarPastItsLimitsKeepsWhatFitsAndSaysWhatIsLeftOut)
{
	/* 20,000 seats once grew WirePlumber to 24 GB. */
	std::string seats = "[";
	for (int i = 0; i < 20000; i++)
		seats += " { name = seat" + std::to_string(i) + " }";
	seats += " ]";
	CabinConfig config = parseCabinConfig(seats, kZones);
	EXPECT_EQ(config.seats.size(), kMaxSeats);
	EXPECT_TRUE(hasErrorContaining(config, "cabin.seats: 20000 entries, more than the 64 "
					       "allowed; those after cabin.seats[63] ignored"))
		<< allErrors(config);

	std::string huge =
		"[ { name = a, junk = \"" + std::string(kMaxSectionBytes, 'x') + "\" } ]";
	config = parseCabinConfig(huge, kZones);
	EXPECT_TRUE(config.seats.empty());
	EXPECT_TRUE(hasErrorContaining(config, "cabin.seats: " + std::to_string(huge.size()) +
						       " bytes, more than the 1048576 allowed; "
						       "section ignored"))
		<< allErrors(config);
}

TEST(CabinConfig, ErrorsAreCappedWithACountOfTheRest)
{
	std::string seats = "[ { name = driver";
	for (int i = 0; i < 300; i++)
		seats += " junk" + std::to_string(i) + " = 1";
	seats += " } ]";
	CabinConfig config = parseCabinConfig(seats, kZones);
	ASSERT_EQ(config.errors.size(), kMaxConfigErrors);
	/* 300 unknown keys, and the zones' seats that do not exist. */
	EXPECT_TRUE(config.errors.back().ends_with(" more config errors not shown"))
		<< config.errors.back();
	EXPECT_GE(std::stoi(config.errors.back()), 300 - 99);
	EXPECT_TRUE(config.findSeat("driver"));
}

TEST(CabinConfig, AFragmentThatDoesNotParseIsNamedWithWhereItBreaks)
{
	std::vector<ConfigFile> files = {
		{"/etc/wireplumber/wireplumber.conf.d/60-car.conf",
		 "cabin.seats = [ { name = driver } ]\ncabin.zones = [ { name = cabin, owner = "
		 "driver devices = [ ] } \n"},
		{"/etc/wireplumber/wireplumber.conf.d/61-empty.conf", "cabin.roles =\n"},
		{"/etc/wireplumber/wireplumber.conf.d/10-other.conf", "broken = [ \n"},
		{"/etc/wireplumber/wireplumber.conf.d/62-good.conf", "cabin.seats = [ ]\n"},
	};
	std::vector<std::string> messages =
		checkConfigFragments(files, {"cabin.seats", "cabin.zones", "cabin.roles"});
	ASSERT_EQ(messages.size(), 2u);
	EXPECT_TRUE(messages[0].starts_with("/etc/wireplumber/wireplumber.conf.d/60-car.conf: "
					    "line 3, column 1: "))
		<< messages[0];
	EXPECT_TRUE(messages[0].ends_with("; WirePlumber ignores this fragment, or the rest of it"))
		<< messages[0];
	EXPECT_EQ(messages[1], "/etc/wireplumber/wireplumber.conf.d/61-empty.conf: missing value "
			       "for key \"cabin.roles\"; WirePlumber ignores this fragment, or the "
			       "rest of it");
}

TEST(MatchRules, MatchesWirePlumberGrammar)
{
	auto rulesJson = JsonValue::parse(R"([
	  { node.name = "~alsa_output\\..*", device.bus = "!usb" }
	  { node.name = exact, media.role = null }
	])");
	ASSERT_TRUE(rulesJson);
	MatchRules rules;
	std::string error;
	ASSERT_TRUE(rules.parse(*rulesJson, &error)) << error;
	EXPECT_TRUE(rules.matches({{"node.name", "alsa_output.pci"}, {"device.bus", "pci"}}));
	EXPECT_FALSE(rules.matches({{"node.name", "alsa_output.pci"}, {"device.bus", "usb"}}));
	/* Negation needs the property to exist. */
	EXPECT_FALSE(rules.matches({{"node.name", "alsa_output.pci"}}));
	EXPECT_FALSE(rules.matches({{"node.name", "xalsa_output.pci"}, {"device.bus", "pci"}}));
	EXPECT_TRUE(rules.matches({{"node.name", "exact"}}));
	EXPECT_FALSE(rules.matches({{"node.name", "exact"}, {"media.role", "Music"}}));
	EXPECT_FALSE(rules.matches({{"node.name", "exactly"}}));
}

} // namespace
} // namespace cabin
