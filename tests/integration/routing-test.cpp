/* SPDX-License-Identifier: MIT */
/*
 * Per-seat routing on the sedan example, with the real daemons: each seat's
 * stream reaches its own zone's best device, follows devices as they come
 * and go, and cannot be pointed into another seat's zone.
 */
#include <memory>

#include <gtest/gtest.h>

#include "sandbox-test.hpp"

namespace cabin::test {
namespace {

const ClientOptions kDriver{.remote = "cabin-driver"};
const ClientOptions kRearLeft{.remote = "cabin-rear-left"};

std::string joined(const std::set<std::string> &names)
{
	std::string out = "{";
	for (const std::string &name : names)
		out += " " + name;
	return out + " }";
}

class SedanTest : public SandboxTest
{
protected:
	void SetUp() override { startSandbox(DaemonSandbox::sedan()); }

	/* Asserts that \a stream ends up linked to exactly \a device. */
	void expectRoutedTo(const std::string &stream, const std::string &device)
	{
		EXPECT_TRUE(sandbox_->waitForTargets(stream, {device}))
			<< stream << " is linked to " << joined(sandbox_->linkedTargets(stream))
			<< ", expected " << device;
	}
};

TEST_F(SedanTest, DriverMusicPlaysOnCabinSpeakers)
{
	sandbox_->playTone("driver.music", kDriver);
	expectRoutedTo("driver.music", "cabin.speakers");

	auto id = sandbox_->nodeId("driver.music");
	ASSERT_TRUE(id);
	EXPECT_EQ(sandbox_->metadataValue("cabin", *id, "cabin.seat"), "driver");
	EXPECT_EQ(sandbox_->metadataValue("cabin", *id, "cabin.zone"), "cabin");
}

TEST_F(SedanTest, EachSeatHearsOnlyItsOwnStream)
{
	sandbox_->playTone("driver.music", kDriver);
	sandbox_->playTone("rear-left.film", kRearLeft);
	expectRoutedTo("driver.music", "cabin.speakers");
	expectRoutedTo("rear-left.film", "rear-left.headphones");

	auto headphones = sandbox_->nodeId("rear-left.headphones");
	ASSERT_TRUE(headphones);
	EXPECT_EQ(sandbox_->metadataValue("cabin", *headphones, "cabin.zone"), "rear-left");
}

TEST_F(SedanTest, StreamFollowsHeadphonesAwayAndBack)
{
	sandbox_->playTone("rear-left.film", kRearLeft);
	expectRoutedTo("rear-left.film", "rear-left.headphones");

	auto headphones = sandbox_->nodeId("rear-left.headphones");
	ASSERT_TRUE(headphones);
	ASSERT_TRUE(sandbox_->run({"pw-cli", "destroy", std::to_string(*headphones)},
				  ClientOptions::manager()));
	expectRoutedTo("rear-left.film", "rear-left.headrest");

	ASSERT_TRUE(sandbox_->run({"pw-cli", "create-node", "adapter",
				   "{ factory.name = cabin.alsa.zone-sink "
				   "node.name = rear-left.headphones media.class = Audio/Sink "
				   "api.alsa.path = cabin_sedan_amp node.group = cabin.sedan-amp "
				   "cabin.alsa.channels = [ 4 5 ] audio.position = [ FL FR ] "
				   "object.linger = true }"},
				  ClientOptions::manager()));
	expectRoutedTo("rear-left.film", "rear-left.headphones");
}

TEST_F(SedanTest, ExplicitTargetInAnotherSeatsZoneIsNotHonoured)
{
	sandbox_->playTone("rear-left.sneaky", kRearLeft, {"target.object=cabin.speakers"});
	expectRoutedTo("rear-left.sneaky", "rear-left.headphones");
	EXPECT_NE(sandbox_->wireplumberLog().find("seat rear-left may not play to cabin.speakers"),
		  std::string::npos);
}

TEST_F(SedanTest, ExplicitTargetInOwnZoneIsHonoured)
{
	sandbox_->playTone("rear-left.chosen", kRearLeft, {"target.object=rear-left.headrest"});
	expectRoutedTo("rear-left.chosen", "rear-left.headrest");
}

TEST_F(SedanTest, MovingAStreamThroughMetadataIsCheckedToo)
{
	sandbox_->playTone("rear-left.film", kRearLeft);
	expectRoutedTo("rear-left.film", "rear-left.headphones");
	auto stream = sandbox_->nodeId("rear-left.film");
	ASSERT_TRUE(stream);

	/* Into the seat's own zone: honoured. */
	ASSERT_TRUE(sandbox_->run({"pw-metadata", "-n", "default", std::to_string(*stream),
				   "target.object", "rear-left.headrest"},
				  ClientOptions::manager()));
	expectRoutedTo("rear-left.film", "rear-left.headrest");
	/* Into the driver's zone: refused, back to the zone's best device. */
	ASSERT_TRUE(sandbox_->run({"pw-metadata", "-n", "default", std::to_string(*stream),
				   "target.object", "cabin.speakers"},
				  ClientOptions::manager()));
	expectRoutedTo("rear-left.film", "rear-left.headphones");
}

TEST_F(SedanTest, RememberedTargetDoesNotOverrideTheZone)
{
	/*
	 * The passenger moves the film to the headrest the way pavucontrol does
	 * (by serial, which stock WirePlumber remembers), then restarts the player.
	 */
	auto headrest = sandbox_->nodeProperty("rear-left.headrest", "object.serial");
	ASSERT_TRUE(headrest);
	pid_t player = sandbox_->playTone("rear-left.film", kRearLeft, {"application.name=player"});
	expectRoutedTo("rear-left.film", "rear-left.headphones");
	auto stream = sandbox_->nodeId("rear-left.film");
	ASSERT_TRUE(stream);
	ASSERT_TRUE(sandbox_->run({"pw-metadata", "-n", "default", std::to_string(*stream),
				   "target.object", *headrest, "Spa:Id"},
				  ClientOptions::manager()));
	expectRoutedTo("rear-left.film", "rear-left.headrest");
	sandbox_->stop(player);
	ASSERT_TRUE(sandbox_->waitFor([&] { return !sandbox_->nodeId("rear-left.film"); }));

	/* Stock WirePlumber would restore the headrest; the zone's best device wins. */
	sandbox_->playTone("rear-left.film", kRearLeft, {"application.name=player"});
	expectRoutedTo("rear-left.film", "rear-left.headphones");
}

TEST_F(SedanTest, ClientWithoutSeatFallsToDefaultSeatAndFollowsIt)
{
	/* The shared socket, as root (uid 0 is in no seat's uid table). */
	sandbox_->playTone("system.chime");
	expectRoutedTo("system.chime", "cabin.speakers");

	ASSERT_TRUE(sandbox_->run({"wpctl", "settings", "cabin.default-seat", "rear-right"},
				  ClientOptions::manager()));
	expectRoutedTo("system.chime", "rear-right.headphones");

	/* No default seat: the stream of a seatless client is not linked at all. */
	ASSERT_TRUE(sandbox_->run({"wpctl", "settings", "cabin.default-seat", ""},
				  ClientOptions::manager()));
	EXPECT_TRUE(sandbox_->waitForTargets("system.chime", {}))
		<< "linked to " << joined(sandbox_->linkedTargets("system.chime"));
}

class SedanUidTest : public SedanTest
{
protected:
	void SetUp() override
	{
		passenger_ = findTestUser("cabin-passenger");
		guest_ = findTestUser("cabin-guest");
		servicesGroup_ = findGroup("cabin-audio");
		if (!passenger_ || !guest_ || !servicesGroup_)
			GTEST_SKIP() << "needs root and the users cabin-passenger and cabin-guest "
					"(scripts/test creates them)";
		SandboxOptions options = DaemonSandbox::sedan();
		/* The sedan's seats, with the passenger's uid mapped to rear-right. */
		options.wireplumberTexts.emplace_back(
			"70-test-uids.conf",
			"override.cabin.seats = [ { name = driver } { name = front-passenger } "
			"{ name = rear-left } { name = rear-right, uids = [ " +
				std::to_string(passenger_->uid) + " ] } ]\n");
		startSandbox(std::move(options));
	}

	std::optional<TestUser> passenger_;
	std::optional<TestUser> guest_;
	/* The shared socket is for the car's services: group cabin-audio. */
	std::optional<gid_t> servicesGroup_;
};

TEST_F(SedanUidTest, UidOnSharedSocketSelectsSeat)
{
	sandbox_->playTone("passenger.podcast", {.uid = passenger_->uid, .gid = servicesGroup_});
	expectRoutedTo("passenger.podcast", "rear-right.headphones");
}

TEST_F(SedanUidTest, UnmappedUidFallsToDefaultSeat)
{
	sandbox_->playTone("guest.game", {.uid = guest_->uid, .gid = servicesGroup_});
	expectRoutedTo("guest.game", "cabin.speakers");
}

TEST_F(SedanUidTest, SeatSocketBeatsUid)
{
	sandbox_->playTone(
		"passenger.on-seat-socket",
		{.remote = "cabin-rear-left", .uid = passenger_->uid, .gid = passenger_->gid});
	expectRoutedTo("passenger.on-seat-socket", "rear-left.headphones");
}

class BrokenConfigTest : public SedanTest
{
protected:
	void SetUp() override
	{
		SandboxOptions options = DaemonSandbox::sedan();
		/* Appended to the sedan's sections: one bad zone, one duplicate seat. */
		options.wireplumberTexts.emplace_back(
			"70-test-broken.conf",
			"cabin.zones = [ { name = trunk, owner = nobody, devices = [] } ]\n"
			"cabin.seats = [ { name = rear-left } ]\n");
		startSandbox(std::move(options));
	}
};

TEST_F(BrokenConfigTest, BadEntriesAreReportedAndOtherSeatsStillRouted)
{
	const std::string badZone = "cabin.zones[4] (trunk).owner = \"nobody\": no seat";
	const std::string badSeat =
		"cabin.seats[4] (rear-left).name = \"rear-left\": a seat with this name";

	auto state = sandbox_->cabinState();
	ASSERT_TRUE(state);
	std::string errors = state->find("errors")->toJson();
	EXPECT_NE(errors.find("trunk"), std::string::npos) << errors;
	bool zoneReported = false, seatReported = false;
	for (const JsonValue &error : state->find("errors")->items()) {
		zoneReported |= error.text().find(badZone) != std::string::npos;
		seatReported |= error.text().find(badSeat) != std::string::npos;
	}
	EXPECT_TRUE(zoneReported) << errors;
	EXPECT_TRUE(seatReported) << errors;
	std::string log = sandbox_->wireplumberLog();
	EXPECT_NE(log.find(badZone), std::string::npos);
	EXPECT_NE(log.find(badSeat), std::string::npos);

	sandbox_->playTone("driver.music", kDriver);
	sandbox_->playTone("rear-left.film", kRearLeft);
	expectRoutedTo("driver.music", "cabin.speakers");
	expectRoutedTo("rear-left.film", "rear-left.headphones");
}

/* Fragments WirePlumber cannot read: it skips them whole, and says so only in its log. */
class UnreadableFragmentTest : public SedanTest
{
protected:
	void SetUp() override
	{
		SandboxOptions options = DaemonSandbox::sedan();
		options.wireplumberTexts.emplace_back(
			"70-test-roles.conf", "cabin.roles = [ { name = Chime, priority = 5 \n");
		options.wireplumberTexts.emplace_back("71-test-rules.conf", "cabin.role-rules =\n");
		startSandbox(std::move(options));
	}
};

TEST_F(UnreadableFragmentTest, EachIsNamedInTheStateAndTheCarPlaysOn)
{
	auto state = sandbox_->cabinState();
	ASSERT_TRUE(state);
	std::string errors = state->find("errors")->toJson();
	EXPECT_NE(errors.find("70-test-roles.conf: line 2, column "), std::string::npos) << errors;
	EXPECT_NE(errors.find("71-test-rules.conf: missing value for key \\\"cabin.role-rules\\\"; "
			      "WirePlumber ignores this fragment"),
		  std::string::npos)
		<< errors;
	auto status = sandbox_->run({DaemonSandbox::buildRoot() + "/tools/cabinctl", "status"},
				    ClientOptions::manager());
	ASSERT_TRUE(status);
	EXPECT_NE(status->find("70-test-roles.conf"), std::string::npos) << *status;

	sandbox_->playTone("rear-left.film", kRearLeft);
	expectRoutedTo("rear-left.film", "rear-left.headphones");
}

class UnreadableCarTest : public SedanTest
{
protected:
	void SetUp() override
	{
		/* The sedan's seats and zones with one bracket missing. */
		SandboxOptions options = DaemonSandbox::sedan();
		std::string car = readFile(options.wireplumberFragments[0]);
		car.erase(car.rfind(']'));
		options.wireplumberFragments.erase(options.wireplumberFragments.begin());
		options.wireplumberTexts.emplace_back("60-cabin-sedan.conf", car);
		startSandbox(std::move(options));
	}
};

TEST_F(UnreadableCarTest, NoSeatsAndTheReasonInTheState)
{
	/* Once: 0 seats and `errors: []`. */
	auto state = sandbox_->cabinState();
	ASSERT_TRUE(state);
	EXPECT_TRUE(state->find("seats")->items().empty());
	std::string errors = state->find("errors")->toJson();
	EXPECT_NE(errors.find("cabin.seats: not in WirePlumber's configuration"), std::string::npos)
		<< errors;
	EXPECT_NE(errors.find("60-cabin-sedan.conf: line "), std::string::npos) << errors;
	EXPECT_TRUE(sandbox_->wireplumberRunning());
}

} // namespace
} // namespace cabin::test
