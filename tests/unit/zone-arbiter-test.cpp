/* SPDX-License-Identifier: MIT */
#include <cmath>
#include <cstdint>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "role-policy.hpp"
#include "zone-arbiter.hpp"

namespace cabin {

/* Readable gtest failure messages; declared first for -Wmissing-declarations. */
void PrintTo(const GainCommand &command, std::ostream *os);
void PrintTo(const RoleVerdict &verdict, std::ostream *os);

void PrintTo(const GainCommand &command, std::ostream *os)
{
	*os << "{ node " << command.node << ", gain " << command.gain << ", ramp " << command.rampMs
	    << " ms }";
}

void PrintTo(const RoleVerdict &verdict, std::ostream *os)
{
	*os << "{ " << toString(verdict.action) << ", gain " << verdict.gain << ", by \""
	    << verdict.by << "\" }";
}

namespace {

/* Zones. */
const std::string kCabin = "cabin";
const std::string kRearLeft = "rear-left";

/* Nodes. */
constexpr std::uint32_t kMusic = 40;	      /* Media in the cabin */
constexpr std::uint32_t kRearFilm = 41;	      /* Media in rear-left */
constexpr std::uint32_t kNavigation = 42;     /* Navigation in the cabin */
constexpr std::uint32_t kCall = 43;	      /* Communication in the cabin */
constexpr std::uint32_t kRadio = 44;	      /* a second Media stream in the cabin */
constexpr std::uint32_t kReroute = 45;	      /* a second Navigation prompt */
constexpr std::uint32_t kEmergency = 46;      /* Emergency in the cabin */
constexpr std::uint32_t kPodcast = 47;	      /* a third Media stream in the cabin */
constexpr std::uint32_t kInput = 50;	      /* an announcement's input (not audible) */
constexpr std::uint32_t kOutputCabin = 51;    /* its output in the cabin */
constexpr std::uint32_t kOutputRearLeft = 52; /* its output in rear-left */
constexpr std::uint32_t kUnknown = 99;

/* Monotonic microseconds; far from zero so that no default time is "now". */
constexpr std::int64_t kStart = 1'000'000'000;

constexpr std::int64_t ms(int value)
{
	return static_cast<std::int64_t>(value) * 1000;
}

RoleVerdict duck(float gain, std::string by)
{
	return {RoleAction::Duck, gain, std::move(by)};
}

RoleVerdict cork(std::string by)
{
	return {RoleAction::Cork, 1.0f, std::move(by)};
}

std::string describe(const std::vector<GainCommand> &commands)
{
	std::string out = "[";
	for (const GainCommand &command : commands)
		out += " { node " + std::to_string(command.node) + ", gain " +
		       std::to_string(command.gain) + ", ramp " + std::to_string(command.rampMs) +
		       " }";
	return out + " ]";
}

/* \a commands hold exactly one command for \a node, with this gain and ramp. */
::testing::AssertionResult hasCommand(const std::vector<GainCommand> &commands, std::uint32_t node,
				      float gain, int rampMs)
{
	const GainCommand *found = nullptr;
	for (const GainCommand &command : commands) {
		if (command.node != node)
			continue;
		if (found)
			return ::testing::AssertionFailure()
			       << "two commands for node " << node << " in " << describe(commands);
		found = &command;
	}
	if (!found)
		return ::testing::AssertionFailure()
		       << "no command for node " << node << " in " << describe(commands);
	if (std::abs(found->gain - gain) > 1e-6f || found->rampMs != rampMs)
		return ::testing::AssertionFailure()
		       << "node " << node << " got gain " << found->gain << " with ramp "
		       << found->rampMs << " ms, expected gain " << gain << " with ramp " << rampMs
		       << " ms";
	return ::testing::AssertionSuccess();
}

::testing::AssertionResult noCommandFor(const std::vector<GainCommand> &commands,
					std::uint32_t node)
{
	for (const GainCommand &command : commands)
		if (command.node == node)
			return ::testing::AssertionFailure()
			       << "a command for node " << node << " in " << describe(commands);
	return ::testing::AssertionSuccess();
}

class ZoneArbiterTest : public ::testing::Test
{
protected:
	ZoneArbiterTest() : policy_(defaultRolePolicy()), arbiter_(policy_) {}

	std::vector<GainCommand> update() { return arbiter_.update(now_); }
	void advance(std::int64_t micros) { now_ += micros; }

	/* Adds a stream in \a zones, releases it (nothing else must hold it) and runs it. */
	void startRunning(std::uint32_t id, const std::string &role, std::vector<std::string> zones)
	{
		arbiter_.addStream(id, role, std::move(zones));
		std::vector<GainCommand> commands = update();
		EXPECT_TRUE(commands.empty()) << describe(commands);
		ASSERT_TRUE(arbiter_.mayPlay(id)) << id << " was not released at once";
		arbiter_.setRunning(id, true, now_);
	}

	/* Music runs in the cabin; a navigation prompt arrives and ducks it. */
	void navigationOverMusic()
	{
		startRunning(kMusic, "Media", {kCabin});
		advance(ms(10));
		arbiter_.addStream(kNavigation, "Navigation", {kCabin});
		std::vector<GainCommand> commands = update();
		ASSERT_EQ(commands.size(), 1u) << describe(commands);
		EXPECT_TRUE(hasCommand(commands, kMusic, 0.3f, timing().duckRampMs));
		ASSERT_FALSE(arbiter_.mayPlay(kNavigation));
	}

	/* navigationOverMusic(), confirmed and its ramp heard: the prompt is released and runs. */
	void navigationPlaysOverMusic()
	{
		navigationOverMusic();
		arbiter_.confirmGain(kMusic, 0.3f, now_);
		advance(heardIn());
		EXPECT_TRUE(update().empty());
		ASSERT_TRUE(arbiter_.mayPlay(kNavigation));
		arbiter_.setRunning(kNavigation, true, now_);
	}

	/* An announcement to the cabin and rear-left, its input and two outputs. */
	void addAnnouncement()
	{
		arbiter_.addStream(kInput, "Announcement", {kCabin, kRearLeft}, std::nullopt,
				   false);
		arbiter_.addStream(kOutputCabin, "Media", {kCabin}, kInput);
		arbiter_.addStream(kOutputRearLeft, "Media", {kRearLeft}, kInput);
	}

	const ArbiterTiming &timing() const { return arbiter_.timing(); }
	/*
	 * From a confirmed duck until it is heard in full: the node's next
	 * cycle, the period the sink plays it in, and the ramp.
	 */
	std::int64_t heardIn() const { return 2 * timing().periodUs + ms(timing().duckRampMs); }

	RolePolicy policy_;
	ZoneArbiter arbiter_;
	std::int64_t now_ = kStart;
};

/* ---- timing ---- */

TEST(ZoneArbiterTiming, Defaults)
{
	ArbiterTiming timing;
	EXPECT_EQ(timing.duckRampMs, 50);
	EXPECT_EQ(timing.restoreRampMs, 500);
	EXPECT_EQ(timing.startGraceMs, 1000);
	EXPECT_EQ(timing.confirmTimeoutMs, 500);
	/* 1024 frames at 48 kHz, PipeWire's default quantum. */
	EXPECT_EQ(timing.periodUs, 21333);
}

TEST_F(ZoneArbiterTest, SetTimingReplacesTheTiming)
{
	arbiter_.setTiming({10, 20, 30, 40, 5000});
	EXPECT_EQ(timing().duckRampMs, 10);
	EXPECT_EQ(timing().restoreRampMs, 20);
	EXPECT_EQ(timing().startGraceMs, 30);
	EXPECT_EQ(timing().confirmTimeoutMs, 40);
	EXPECT_EQ(timing().periodUs, 5000);

	/* The new values are the ones used. */
	ASSERT_NO_FATAL_FAILURE(navigationOverMusic());
	EXPECT_EQ(arbiter_.nextDeadline(), now_ + ms(40));
	arbiter_.confirmGain(kMusic, 0.3f, now_);
	update();
	EXPECT_EQ(arbiter_.nextDeadline(), now_ + 2 * 5000 + ms(10));
}

/* ---- holding and releasing ---- */

TEST_F(ZoneArbiterTest, NewStreamStartsHeldAndActive)
{
	arbiter_.addStream(kMusic, "Media", {kCabin});
	EXPECT_TRUE(arbiter_.contains(kMusic));
	EXPECT_FALSE(arbiter_.released(kMusic));
	EXPECT_FALSE(arbiter_.mayPlay(kMusic));
	EXPECT_FALSE(arbiter_.corked(kMusic));
	EXPECT_TRUE(arbiter_.active(kMusic, now_));
	EXPECT_TRUE(arbiter_.active(kMusic, now_ + ms(3'600'000)));
	EXPECT_EQ(arbiter_.role(kMusic), "Media");
}

TEST_F(ZoneArbiterTest, LoneStreamIsReleasedAtOnce)
{
	arbiter_.addStream(kMusic, "Media", {kCabin});
	std::vector<GainCommand> commands = update();
	EXPECT_TRUE(commands.empty()) << describe(commands);
	EXPECT_TRUE(arbiter_.released(kMusic));
	EXPECT_TRUE(arbiter_.mayPlay(kMusic));
	EXPECT_EQ(arbiter_.verdict(kMusic), RoleVerdict{});
}

TEST_F(ZoneArbiterTest, UnknownStreamsMayPlayAndAreNothing)
{
	EXPECT_FALSE(arbiter_.contains(kUnknown));
	EXPECT_TRUE(arbiter_.mayPlay(kUnknown));
	EXPECT_TRUE(arbiter_.released(kUnknown));
	EXPECT_FALSE(arbiter_.corked(kUnknown));
	EXPECT_FALSE(arbiter_.active(kUnknown, now_));
	EXPECT_EQ(arbiter_.verdict(kUnknown), RoleVerdict{});
	EXPECT_EQ(arbiter_.role(kUnknown), "");
	/* Calls about unknown streams change nothing. */
	std::uint64_t generation = arbiter_.generation();
	arbiter_.setRunning(kUnknown, true, now_);
	arbiter_.confirmGain(kUnknown, 0.3f, now_);
	arbiter_.setBlocked(kUnknown, true);
	arbiter_.removeStream(kUnknown);
	EXPECT_EQ(arbiter_.generation(), generation);
	EXPECT_FALSE(arbiter_.contains(kUnknown));
}

TEST_F(ZoneArbiterTest, NothingPendingNoDeadline)
{
	EXPECT_TRUE(update().empty());
	EXPECT_EQ(arbiter_.nextDeadline(), std::nullopt);
	startRunning(kMusic, "Media", {kCabin});
	update();
	EXPECT_EQ(arbiter_.nextDeadline(), std::nullopt);
}

/* ---- ducking: navigation over music ---- */

TEST_F(ZoneArbiterTest, NavigationDucksRunningMusicWithTheDuckRamp)
{
	ASSERT_NO_FATAL_FAILURE(navigationOverMusic());
	EXPECT_EQ(arbiter_.verdict(kMusic), duck(0.3f, "Navigation"));
	EXPECT_EQ(arbiter_.verdict(kNavigation), RoleVerdict{});
	EXPECT_TRUE(arbiter_.mayPlay(kMusic));
	EXPECT_FALSE(arbiter_.corked(kMusic));
	EXPECT_FALSE(arbiter_.released(kNavigation));
	EXPECT_TRUE(arbiter_.active(kNavigation, now_));
}

TEST_F(ZoneArbiterTest, NavigationWaitsForTheConfirmAndTheRamp)
{
	ASSERT_NO_FATAL_FAILURE(navigationOverMusic());
	const std::int64_t sent = now_;
	/* Unconfirmed: it waits until the confirmation timeout at most. */
	EXPECT_EQ(arbiter_.nextDeadline(), sent + ms(timing().confirmTimeoutMs));

	/*
	 * The gain is confirmed 20 ms later. The music's ramp starts with its
	 * next cycle, up to a period later, and the sink plays that cycle a
	 * period after it: the ramp is heard over two periods after its length.
	 */
	advance(ms(20));
	arbiter_.confirmGain(kMusic, 0.3f, now_);
	const std::int64_t confirmed = now_;
	const std::int64_t heard = confirmed + 2 * timing().periodUs + ms(timing().duckRampMs);
	EXPECT_TRUE(update().empty());
	EXPECT_FALSE(arbiter_.mayPlay(kNavigation));
	EXPECT_EQ(arbiter_.nextDeadline(), heard);

	/* The ramp's length after the confirmation, the listener may still hear it going down. */
	now_ = confirmed + ms(timing().duckRampMs);
	EXPECT_TRUE(update().empty());
	EXPECT_FALSE(arbiter_.mayPlay(kNavigation));
	EXPECT_EQ(arbiter_.nextDeadline(), heard);

	/* One microsecond before it is heard in full it still waits. */
	now_ = heard - 1;
	EXPECT_TRUE(update().empty());
	EXPECT_FALSE(arbiter_.mayPlay(kNavigation));
	EXPECT_EQ(arbiter_.nextDeadline(), heard);

	now_ = heard;
	EXPECT_TRUE(update().empty());
	EXPECT_TRUE(arbiter_.released(kNavigation));
	EXPECT_TRUE(arbiter_.mayPlay(kNavigation));
	/* The music keeps its duck; nothing more is sent. */
	EXPECT_EQ(arbiter_.verdict(kMusic), duck(0.3f, "Navigation"));
	EXPECT_TRUE(update().empty());
}

TEST_F(ZoneArbiterTest, ConfirmOfAnotherGainDoesNotCount)
{
	ASSERT_NO_FATAL_FAILURE(navigationOverMusic());
	const std::int64_t sent = now_;
	/* An echo of the old volume, or of another one, is no confirmation. */
	advance(ms(5));
	arbiter_.confirmGain(kMusic, 1.0f, now_);
	arbiter_.confirmGain(kMusic, 0.5f, now_);
	advance(ms(timing().duckRampMs) * 2);
	EXPECT_TRUE(update().empty());
	EXPECT_FALSE(arbiter_.mayPlay(kNavigation));
	EXPECT_EQ(arbiter_.nextDeadline(), sent + ms(timing().confirmTimeoutMs));

	/* A value within the tolerance does. */
	arbiter_.confirmGain(kMusic, 0.3f + 1e-4f, now_);
	update();
	EXPECT_EQ(arbiter_.nextDeadline(), now_ + heardIn());
}

TEST_F(ZoneArbiterTest, ConfirmOfAnotherStreamDoesNotCount)
{
	ASSERT_NO_FATAL_FAILURE(navigationOverMusic());
	arbiter_.confirmGain(kNavigation, 0.3f, now_);
	advance(heardIn());
	update();
	EXPECT_FALSE(arbiter_.mayPlay(kNavigation));
}

TEST_F(ZoneArbiterTest, WithoutConfirmNavigationIsReleasedAfterTheTimeout)
{
	ASSERT_NO_FATAL_FAILURE(navigationOverMusic());
	const std::int64_t sent = now_;
	now_ = sent + ms(timing().confirmTimeoutMs) - 1;
	EXPECT_TRUE(update().empty());
	EXPECT_FALSE(arbiter_.mayPlay(kNavigation));
	EXPECT_EQ(arbiter_.nextDeadline(), sent + ms(timing().confirmTimeoutMs));

	now_ = sent + ms(timing().confirmTimeoutMs);
	EXPECT_TRUE(update().empty());
	EXPECT_TRUE(arbiter_.mayPlay(kNavigation));
}

TEST_F(ZoneArbiterTest, LateConfirmAfterTheTimeoutChangesNothing)
{
	ASSERT_NO_FATAL_FAILURE(navigationOverMusic());
	advance(ms(timing().confirmTimeoutMs));
	update();
	ASSERT_TRUE(arbiter_.mayPlay(kNavigation));
	arbiter_.confirmGain(kMusic, 0.3f, now_);
	EXPECT_TRUE(update().empty());
	EXPECT_TRUE(arbiter_.mayPlay(kNavigation));
}

TEST_F(ZoneArbiterTest, MusicThatIsNotRunningIsDuckedWithoutRampAndHoldsNobody)
{
	arbiter_.addStream(kMusic, "Media", {kCabin});
	update();
	ASSERT_TRUE(arbiter_.mayPlay(kMusic));
	/* Released, not running: paused, say, after it ran. */
	arbiter_.setRunning(kMusic, true, now_);
	arbiter_.setRunning(kMusic, false, now_);

	arbiter_.addStream(kNavigation, "Navigation", {kCabin});
	std::vector<GainCommand> commands = update();
	EXPECT_TRUE(hasCommand(commands, kMusic, 0.3f, 0));
	EXPECT_EQ(commands.size(), 1u) << describe(commands);
	EXPECT_TRUE(arbiter_.mayPlay(kNavigation));
	EXPECT_EQ(arbiter_.verdict(kMusic), duck(0.3f, "Navigation"));
	/* A confirmation is not needed, and changes nothing. */
	arbiter_.confirmGain(kMusic, 0.3f, now_);
	EXPECT_TRUE(update().empty());
}

TEST_F(ZoneArbiterTest, NewMusicUnderRunningNavigationIsDuckedAndReleasedAtOnce)
{
	startRunning(kNavigation, "Navigation", {kCabin});
	arbiter_.addStream(kMusic, "Media", {kCabin});
	std::vector<GainCommand> commands = update();
	/* Held, not running: its gain is set before its first sample. */
	EXPECT_TRUE(hasCommand(commands, kMusic, 0.3f, 0));
	EXPECT_TRUE(arbiter_.mayPlay(kMusic));
}

TEST_F(ZoneArbiterTest, SecondPromptOverAlreadyDuckedMusicIsReleasedAtOnce)
{
	ASSERT_NO_FATAL_FAILURE(navigationPlaysOverMusic());
	advance(ms(100));
	arbiter_.addStream(kReroute, "Navigation", {kCabin});
	EXPECT_TRUE(update().empty());
	EXPECT_TRUE(arbiter_.mayPlay(kReroute));
}

TEST_F(ZoneArbiterTest, NewStreamWaitsWhileSomethingInItsZoneGoesDown)
{
	/* Navigation runs over the music; a second music stream starts. */
	ASSERT_NO_FATAL_FAILURE(navigationOverMusic());
	arbiter_.addStream(kRadio, "Media", {kCabin});
	std::vector<GainCommand> commands = update();
	EXPECT_TRUE(hasCommand(commands, kRadio, 0.3f, 0));
	/* The music's duck is for the navigation, not for the radio... */
	EXPECT_FALSE(arbiter_.mayPlay(kNavigation));
	/* ...but the radio waits for the music too: the music is going down. */
	EXPECT_FALSE(arbiter_.mayPlay(kRadio));
	arbiter_.confirmGain(kMusic, 0.3f, now_);
	advance(heardIn());
	update();
	EXPECT_TRUE(arbiter_.mayPlay(kNavigation));
	EXPECT_TRUE(arbiter_.mayPlay(kRadio));
}

TEST_F(ZoneArbiterTest, StreamsDuringARestoreAreReleasedAtOnce)
{
	ASSERT_NO_FATAL_FAILURE(navigationPlaysOverMusic());
	advance(ms(2000));
	arbiter_.setRunning(kNavigation, false, now_);
	std::vector<GainCommand> commands = update();
	ASSERT_TRUE(hasCommand(commands, kMusic, 1.0f, timing().restoreRampMs));

	/* The music goes back up: nothing in the zone needs turning down. */
	advance(ms(10));
	arbiter_.addStream(kRadio, "Media", {kCabin});
	commands = update();
	EXPECT_TRUE(commands.empty()) << describe(commands);
	EXPECT_TRUE(arbiter_.mayPlay(kRadio));

	/* Confirmed, its ramp up does not hold anyone either. */
	arbiter_.confirmGain(kMusic, 1.0f, now_);
	arbiter_.addStream(kPodcast, "Media", {kCabin});
	update();
	EXPECT_TRUE(arbiter_.mayPlay(kPodcast));
}

TEST_F(ZoneArbiterTest, PromptDuringARestoreWaitsForTheNewDuck)
{
	ASSERT_NO_FATAL_FAILURE(navigationPlaysOverMusic());
	advance(ms(2000));
	arbiter_.setRunning(kNavigation, false, now_);
	ASSERT_TRUE(hasCommand(update(), kMusic, 1.0f, timing().restoreRampMs));

	advance(ms(100));
	arbiter_.addStream(kReroute, "Navigation", {kCabin});
	std::vector<GainCommand> commands = update();
	EXPECT_TRUE(hasCommand(commands, kMusic, 0.3f, timing().duckRampMs));
	EXPECT_FALSE(arbiter_.mayPlay(kReroute));
	arbiter_.confirmGain(kMusic, 0.3f, now_);
	advance(heardIn());
	update();
	EXPECT_TRUE(arbiter_.mayPlay(kReroute));
}

/* ---- zones ---- */

TEST_F(ZoneArbiterTest, NavigationInTheCabinNeverTouchesRearLeft)
{
	startRunning(kRearFilm, "Media", {kRearLeft});
	arbiter_.addStream(kNavigation, "Navigation", {kCabin});
	std::vector<GainCommand> commands = update();
	EXPECT_TRUE(commands.empty()) << describe(commands);
	EXPECT_TRUE(arbiter_.mayPlay(kNavigation));
	EXPECT_EQ(arbiter_.verdict(kRearFilm), RoleVerdict{});
}

TEST_F(ZoneArbiterTest, EachZoneDucksOnlyItsOwnStreams)
{
	startRunning(kMusic, "Media", {kCabin});
	startRunning(kRearFilm, "Media", {kRearLeft});
	arbiter_.addStream(kNavigation, "Navigation", {kCabin});
	arbiter_.addStream(kCall, "Communication", {kRearLeft});
	std::vector<GainCommand> commands = update();
	EXPECT_TRUE(hasCommand(commands, kMusic, 0.3f, timing().duckRampMs));
	EXPECT_TRUE(noCommandFor(commands, kRearFilm));
	EXPECT_EQ(arbiter_.verdict(kRearFilm), cork("Communication"));
	EXPECT_FALSE(arbiter_.corked(kMusic));

	/* Each new stream waits for its own zone only. */
	arbiter_.setRunning(kRearFilm, false, now_);
	update();
	EXPECT_TRUE(arbiter_.mayPlay(kCall));
	EXPECT_FALSE(arbiter_.mayPlay(kNavigation));
}

TEST_F(ZoneArbiterTest, StreamInSeveralZonesGetsTheStrongestVerdict)
{
	startRunning(kMusic, "Media", {kCabin, kRearLeft});
	arbiter_.addStream(kNavigation, "Navigation", {kCabin});
	arbiter_.addStream(kEmergency, "Emergency", {kRearLeft});
	std::vector<GainCommand> commands = update();
	EXPECT_TRUE(hasCommand(commands, kMusic, 0.1f, timing().duckRampMs));
	EXPECT_EQ(arbiter_.verdict(kMusic), duck(0.1f, "Emergency"));
	/* Both wait for it: it is in both their zones. */
	EXPECT_FALSE(arbiter_.mayPlay(kNavigation));
	EXPECT_FALSE(arbiter_.mayPlay(kEmergency));
}

/* ---- restore ---- */

TEST_F(ZoneArbiterTest, MusicIsRestoredWhenTheNavigationStopsRunning)
{
	ASSERT_NO_FATAL_FAILURE(navigationPlaysOverMusic());
	advance(ms(3000));
	EXPECT_TRUE(update().empty());
	EXPECT_TRUE(arbiter_.active(kNavigation, now_));

	arbiter_.setRunning(kNavigation, false, now_);
	EXPECT_FALSE(arbiter_.active(kNavigation, now_));
	std::vector<GainCommand> commands = update();
	EXPECT_TRUE(hasCommand(commands, kMusic, 1.0f, timing().restoreRampMs));
	EXPECT_EQ(commands.size(), 1u) << describe(commands);
	EXPECT_EQ(arbiter_.verdict(kMusic), RoleVerdict{});
	/* Sent once. */
	EXPECT_TRUE(update().empty());
}

TEST_F(ZoneArbiterTest, MusicIsRestoredWhileTheNavigationRunsSilent)
{
	ASSERT_NO_FATAL_FAILURE(navigationPlaysOverMusic());
	advance(ms(3000));
	arbiter_.setSilent(kNavigation, true);
	EXPECT_TRUE(arbiter_.silent(kNavigation));
	EXPECT_FALSE(arbiter_.active(kNavigation, now_));
	/* Still linked: silence is not a reason to unlink it. */
	EXPECT_TRUE(arbiter_.mayPlay(kNavigation));
	std::vector<GainCommand> commands = update();
	EXPECT_TRUE(hasCommand(commands, kMusic, 1.0f, timing().restoreRampMs));
	EXPECT_EQ(commands.size(), 1u) << describe(commands);
	EXPECT_EQ(arbiter_.verdict(kMusic), RoleVerdict{});
	EXPECT_TRUE(arbiter_.activeRoles().at(kCabin) == std::vector<std::string>{"Media"})
		<< "the silent prompt still counts as active";

	/* It speaks again: the music goes down again, with the duck ramp. */
	advance(ms(1000));
	arbiter_.setSilent(kNavigation, false);
	EXPECT_TRUE(arbiter_.active(kNavigation, now_));
	EXPECT_TRUE(hasCommand(update(), kMusic, 0.3f, timing().duckRampMs));
}

TEST_F(ZoneArbiterTest, ResumedStreamIsNoLongerSilent)
{
	ASSERT_NO_FATAL_FAILURE(navigationPlaysOverMusic());
	arbiter_.setSilent(kNavigation, true);
	arbiter_.setRunning(kNavigation, false, now_);
	EXPECT_TRUE(hasCommand(update(), kMusic, 1.0f, timing().restoreRampMs));
	/* Resumed: it counts as sounding until its probe hears otherwise. */
	arbiter_.setRunning(kNavigation, true, now_);
	EXPECT_FALSE(arbiter_.silent(kNavigation));
	EXPECT_TRUE(hasCommand(update(), kMusic, 0.3f, timing().duckRampMs));
}

TEST_F(ZoneArbiterTest, SilenceOfAnUnknownStreamIsIgnored)
{
	arbiter_.setSilent(99, true);
	EXPECT_FALSE(arbiter_.contains(99));
	EXPECT_FALSE(arbiter_.silent(99));
}

TEST_F(ZoneArbiterTest, MusicIsRestoredWhenTheNavigationGoesAway)
{
	ASSERT_NO_FATAL_FAILURE(navigationPlaysOverMusic());
	advance(ms(3000));
	arbiter_.removeStream(kNavigation);
	EXPECT_FALSE(arbiter_.contains(kNavigation));
	EXPECT_TRUE(hasCommand(update(), kMusic, 1.0f, timing().restoreRampMs));
}

TEST_F(ZoneArbiterTest, RemovingAHeldPromptRestoresTheMusic)
{
	ASSERT_NO_FATAL_FAILURE(navigationOverMusic());
	arbiter_.removeStream(kNavigation);
	std::vector<GainCommand> commands = update();
	EXPECT_TRUE(hasCommand(commands, kMusic, 1.0f, timing().restoreRampMs));
	EXPECT_EQ(arbiter_.nextDeadline(), std::nullopt);
}

TEST_F(ZoneArbiterTest, MusicThatStoppedIsRestoredWithoutRamp)
{
	ASSERT_NO_FATAL_FAILURE(navigationPlaysOverMusic());
	arbiter_.setRunning(kMusic, false, now_);
	advance(ms(3000));
	arbiter_.setRunning(kNavigation, false, now_);
	EXPECT_TRUE(hasCommand(update(), kMusic, 1.0f, 0));
}

/* ---- start grace ---- */

TEST_F(ZoneArbiterTest, ReleasedStreamThatNeverRunsIsActiveForTheGraceOnly)
{
	ASSERT_NO_FATAL_FAILURE(navigationOverMusic());
	arbiter_.confirmGain(kMusic, 0.3f, now_);
	advance(heardIn());
	update();
	ASSERT_TRUE(arbiter_.mayPlay(kNavigation));
	const std::int64_t released = now_;
	const std::int64_t graceEnds = released + ms(timing().startGraceMs);
	EXPECT_EQ(arbiter_.nextDeadline(), graceEnds);
	EXPECT_TRUE(arbiter_.active(kNavigation, graceEnds - 1));
	EXPECT_FALSE(arbiter_.active(kNavigation, graceEnds));

	now_ = graceEnds - 1;
	EXPECT_TRUE(update().empty());
	EXPECT_EQ(arbiter_.nextDeadline(), graceEnds);
	EXPECT_EQ(arbiter_.activeRoles().at(kCabin), std::vector<std::string>{"Navigation"});

	now_ = graceEnds;
	std::vector<GainCommand> commands = update();
	EXPECT_TRUE(hasCommand(commands, kMusic, 1.0f, timing().restoreRampMs));
	EXPECT_EQ(arbiter_.nextDeadline(), std::nullopt);
	EXPECT_EQ(arbiter_.activeRoles().at(kCabin), std::vector<std::string>{"Media"});
}

TEST_F(ZoneArbiterTest, StreamThatRanIsInactiveOnceItStops)
{
	arbiter_.addStream(kNavigation, "Navigation", {kCabin});
	update();
	EXPECT_EQ(arbiter_.nextDeadline(), now_ + ms(timing().startGraceMs));
	arbiter_.setRunning(kNavigation, true, now_);
	update();
	/* It ran: no grace deadline any more. */
	EXPECT_EQ(arbiter_.nextDeadline(), std::nullopt);
	advance(ms(10));
	arbiter_.setRunning(kNavigation, false, now_);
	EXPECT_FALSE(arbiter_.active(kNavigation, now_));
	/* Running again makes it active again. */
	arbiter_.setRunning(kNavigation, true, now_);
	EXPECT_TRUE(arbiter_.active(kNavigation, now_));
}

/* ---- cork ---- */

TEST_F(ZoneArbiterTest, CallCorksRunningMusicAndWaitsUntilItStops)
{
	startRunning(kMusic, "Media", {kCabin});
	advance(ms(10));
	arbiter_.addStream(kCall, "Communication", {kCabin});
	const std::int64_t corkedAt = now_;
	std::vector<GainCommand> commands = update();
	/* Corked, not ducked: its gain stays where it is. */
	EXPECT_TRUE(commands.empty()) << describe(commands);
	EXPECT_TRUE(arbiter_.corked(kMusic));
	EXPECT_FALSE(arbiter_.mayPlay(kMusic));
	EXPECT_TRUE(arbiter_.released(kMusic));
	EXPECT_EQ(arbiter_.verdict(kMusic), cork("Communication"));
	EXPECT_FALSE(arbiter_.mayPlay(kCall));
	EXPECT_EQ(arbiter_.nextDeadline(), corkedAt + ms(timing().confirmTimeoutMs));

	/* A confirm does not release the call: the music must stop. */
	advance(ms(100));
	arbiter_.confirmGain(kMusic, 1.0f, now_);
	update();
	EXPECT_FALSE(arbiter_.mayPlay(kCall));
	EXPECT_EQ(arbiter_.nextDeadline(), corkedAt + ms(timing().confirmTimeoutMs));

	/* Unlinked, the music stops running: the call may play. */
	arbiter_.setRunning(kMusic, false, now_);
	EXPECT_TRUE(update().empty());
	EXPECT_TRUE(arbiter_.mayPlay(kCall));
	EXPECT_TRUE(arbiter_.corked(kMusic));
	EXPECT_FALSE(arbiter_.mayPlay(kMusic));
}

TEST_F(ZoneArbiterTest, CallIsReleasedAfterTheTimeoutWhenTheMusicKeepsRunning)
{
	startRunning(kMusic, "Media", {kCabin});
	advance(ms(10));
	arbiter_.addStream(kCall, "Communication", {kCabin});
	const std::int64_t corkedAt = now_;
	update();
	now_ = corkedAt + ms(timing().confirmTimeoutMs) - 1;
	update();
	EXPECT_FALSE(arbiter_.mayPlay(kCall));
	now_ = corkedAt + ms(timing().confirmTimeoutMs);
	update();
	EXPECT_TRUE(arbiter_.mayPlay(kCall));
	EXPECT_TRUE(arbiter_.corked(kMusic));
}

TEST_F(ZoneArbiterTest, MusicMayPlayAgainAfterTheCall)
{
	startRunning(kMusic, "Media", {kCabin});
	arbiter_.addStream(kCall, "Communication", {kCabin});
	update();
	arbiter_.setRunning(kMusic, false, now_);
	update();
	ASSERT_TRUE(arbiter_.mayPlay(kCall));
	arbiter_.setRunning(kCall, true, now_);
	advance(ms(60'000));
	EXPECT_TRUE(update().empty());
	EXPECT_TRUE(arbiter_.corked(kMusic));

	arbiter_.removeStream(kCall);
	std::vector<GainCommand> commands = update();
	/* It comes back at the full gain it kept. */
	EXPECT_TRUE(commands.empty()) << describe(commands);
	EXPECT_FALSE(arbiter_.corked(kMusic));
	EXPECT_TRUE(arbiter_.mayPlay(kMusic));
	EXPECT_EQ(arbiter_.verdict(kMusic), RoleVerdict{});
}

TEST_F(ZoneArbiterTest, MusicThatIsNotRunningIsCorkedWithoutHoldingTheCall)
{
	arbiter_.addStream(kMusic, "Media", {kCabin});
	update();
	arbiter_.addStream(kCall, "Communication", {kCabin});
	update();
	EXPECT_TRUE(arbiter_.corked(kMusic));
	EXPECT_TRUE(arbiter_.mayPlay(kCall));
}

TEST_F(ZoneArbiterTest, CallMixesWithRunningNavigation)
{
	startRunning(kNavigation, "Navigation", {kCabin});
	arbiter_.addStream(kCall, "Communication", {kCabin});
	EXPECT_TRUE(update().empty());
	EXPECT_TRUE(arbiter_.mayPlay(kCall));
	EXPECT_TRUE(arbiter_.mayPlay(kNavigation));
	EXPECT_EQ(arbiter_.activeRoles().at(kCabin),
		  (std::vector<std::string>{"Navigation", "Communication"}));
}

/* ---- announcements: followers and a silent input ---- */

TEST_F(ZoneArbiterTest, FollowersTakeTheLeadersRoleAndActivity)
{
	addAnnouncement();
	EXPECT_EQ(arbiter_.role(kOutputCabin), "Announcement");
	EXPECT_EQ(arbiter_.role(kOutputRearLeft), "Announcement");
	/* Never held, even while their leader is. */
	EXPECT_TRUE(arbiter_.released(kOutputCabin));
	EXPECT_TRUE(arbiter_.mayPlay(kOutputCabin));
	EXPECT_FALSE(arbiter_.released(kInput));
	EXPECT_TRUE(arbiter_.active(kOutputCabin, now_));

	update();
	ASSERT_TRUE(arbiter_.mayPlay(kInput));
	arbiter_.setRunning(kInput, true, now_);
	advance(ms(5000));
	EXPECT_TRUE(arbiter_.active(kOutputRearLeft, now_));
	/* Their own running state does not count; the leader's does. */
	arbiter_.setRunning(kOutputRearLeft, true, now_);
	arbiter_.setRunning(kInput, false, now_);
	EXPECT_FALSE(arbiter_.active(kOutputRearLeft, now_));
	EXPECT_FALSE(arbiter_.active(kOutputCabin, now_));
}

TEST_F(ZoneArbiterTest, FollowerWithoutLeaderIsInactiveAndKeepsItsRole)
{
	arbiter_.addStream(kOutputCabin, "Announcement", {kCabin}, kInput);
	EXPECT_FALSE(arbiter_.active(kOutputCabin, now_));
	EXPECT_EQ(arbiter_.role(kOutputCabin), "Announcement");
	EXPECT_TRUE(arbiter_.mayPlay(kOutputCabin));
	EXPECT_TRUE(update().empty());
	EXPECT_TRUE(arbiter_.activeRoles().empty());
}

TEST_F(ZoneArbiterTest, AnnouncementInputDucksTheZonesItGoesTo)
{
	startRunning(kRearFilm, "Media", {kRearLeft});
	addAnnouncement();
	std::vector<GainCommand> commands = update();
	EXPECT_TRUE(hasCommand(commands, kRearFilm, 0.2f, timing().duckRampMs));
	/* The input is not audible, and the outputs are not ducked by their own class. */
	EXPECT_EQ(commands.size(), 1u) << describe(commands);
	EXPECT_EQ(arbiter_.verdict(kRearFilm), duck(0.2f, "Announcement"));
	EXPECT_EQ(arbiter_.activeRoles().at(kCabin), std::vector<std::string>{"Announcement"});
	EXPECT_EQ(arbiter_.activeRoles().at(kRearLeft), std::vector<std::string>{"Announcement"});

	/* The input waits for the film; its outputs are never held. */
	EXPECT_FALSE(arbiter_.mayPlay(kInput));
	EXPECT_TRUE(arbiter_.mayPlay(kOutputCabin));
	EXPECT_TRUE(arbiter_.mayPlay(kOutputRearLeft));
	arbiter_.confirmGain(kRearFilm, 0.2f, now_);
	advance(heardIn());
	EXPECT_TRUE(update().empty());
	EXPECT_TRUE(arbiter_.mayPlay(kInput));
}

TEST_F(ZoneArbiterTest, InputIsNotHeldByItsOwnOutputs)
{
	/* An emergency plays in the cabin; the announcement's output there is ducked. */
	startRunning(kEmergency, "Emergency", {kCabin});
	addAnnouncement();
	arbiter_.setRunning(kOutputCabin, true, now_);
	std::vector<GainCommand> commands = update();
	EXPECT_TRUE(hasCommand(commands, kOutputCabin, 0.1f, timing().duckRampMs));
	EXPECT_TRUE(arbiter_.mayPlay(kInput));
}

TEST_F(ZoneArbiterTest, SilentInputNeverGetsAGain)
{
	startRunning(kEmergency, "Emergency", {kCabin});
	addAnnouncement();
	std::vector<GainCommand> commands = update();
	/* Its cabin output is, silently (not running yet): no ramp. */
	EXPECT_TRUE(hasCommand(commands, kOutputCabin, 0.1f, 0));
	EXPECT_TRUE(noCommandFor(commands, kInput));
	EXPECT_TRUE(noCommandFor(commands, kOutputRearLeft));
	EXPECT_EQ(arbiter_.verdict(kInput), RoleVerdict{});
	EXPECT_EQ(arbiter_.verdict(kOutputCabin), duck(0.1f, "Emergency"));
	EXPECT_EQ(arbiter_.verdict(kOutputRearLeft), RoleVerdict{});
	EXPECT_TRUE(arbiter_.mayPlay(kInput));
	EXPECT_FALSE(arbiter_.corked(kInput));
}

TEST_F(ZoneArbiterTest, EmergencyDucksTheFollowerInItsZoneWhileTheInputKeepsDeciding)
{
	startRunning(kMusic, "Media", {kCabin});
	startRunning(kRearFilm, "Media", {kRearLeft});
	addAnnouncement();
	std::vector<GainCommand> commands = update();
	EXPECT_TRUE(hasCommand(commands, kMusic, 0.2f, timing().duckRampMs));
	EXPECT_TRUE(hasCommand(commands, kRearFilm, 0.2f, timing().duckRampMs));
	arbiter_.confirmGain(kMusic, 0.2f, now_);
	arbiter_.confirmGain(kRearFilm, 0.2f, now_);
	advance(heardIn());
	update();
	ASSERT_TRUE(arbiter_.mayPlay(kInput));
	arbiter_.setRunning(kInput, true, now_);
	arbiter_.setRunning(kOutputCabin, true, now_);
	arbiter_.setRunning(kOutputRearLeft, true, now_);

	advance(ms(500));
	arbiter_.addStream(kEmergency, "Emergency", {kCabin});
	commands = update();
	/* In the cabin the emergency wins: the output there and the music go down. */
	EXPECT_TRUE(hasCommand(commands, kOutputCabin, 0.1f, timing().duckRampMs));
	EXPECT_TRUE(hasCommand(commands, kMusic, 0.1f, timing().duckRampMs));
	EXPECT_TRUE(noCommandFor(commands, kOutputRearLeft));
	EXPECT_TRUE(noCommandFor(commands, kRearFilm));
	EXPECT_TRUE(noCommandFor(commands, kInput));
	EXPECT_EQ(arbiter_.verdict(kOutputCabin), duck(0.1f, "Emergency"));
	EXPECT_EQ(arbiter_.verdict(kOutputRearLeft), RoleVerdict{});
	EXPECT_EQ(arbiter_.verdict(kRearFilm), duck(0.2f, "Announcement"));
	EXPECT_EQ(arbiter_.activeRoles().at(kCabin), std::vector<std::string>{"Emergency"});
	EXPECT_EQ(arbiter_.activeRoles().at(kRearLeft), std::vector<std::string>{"Announcement"});
	/* The input plays on; the emergency waits for both cabin streams. */
	EXPECT_TRUE(arbiter_.mayPlay(kInput));
	EXPECT_FALSE(arbiter_.mayPlay(kEmergency));
	arbiter_.confirmGain(kOutputCabin, 0.1f, now_);
	advance(heardIn());
	update();
	EXPECT_FALSE(arbiter_.mayPlay(kEmergency));
	arbiter_.confirmGain(kMusic, 0.1f, now_);
	advance(heardIn());
	update();
	EXPECT_TRUE(arbiter_.mayPlay(kEmergency));
	arbiter_.setRunning(kEmergency, true, now_);

	/* The emergency ends: the cabin output comes back up, the music to the announcement's duck.
	 */
	advance(ms(2000));
	arbiter_.setRunning(kEmergency, false, now_);
	commands = update();
	EXPECT_TRUE(hasCommand(commands, kOutputCabin, 1.0f, timing().restoreRampMs));
	EXPECT_TRUE(hasCommand(commands, kMusic, 0.2f, timing().restoreRampMs));
	EXPECT_EQ(commands.size(), 2u) << describe(commands);

	/* The announcement ends: the music and the film come back. */
	advance(ms(2000));
	arbiter_.setRunning(kInput, false, now_);
	commands = update();
	EXPECT_TRUE(hasCommand(commands, kMusic, 1.0f, timing().restoreRampMs));
	EXPECT_TRUE(hasCommand(commands, kRearFilm, 1.0f, timing().restoreRampMs));
	EXPECT_EQ(commands.size(), 2u) << describe(commands);
}

/* ---- emergency floors and zone factors ---- */

/* The floor requests of \a arbiter at \a now, as zone -> {floor, released}. */
std::map<std::string, std::pair<float, bool>> floorsOf(const ZoneArbiter &arbiter, std::int64_t now)
{
	std::map<std::string, std::pair<float, bool>> result;
	for (const auto &[zone, request] : arbiter.floors(now))
		result[zone] = {request.floor, request.released};
	return result;
}

TEST_F(ZoneArbiterTest, FloorsOnlyForActiveStreamsOfAFloorClass)
{
	EXPECT_TRUE(arbiter_.floors(now_).empty());
	startRunning(kMusic, "Media", {kCabin});
	startRunning(kRearFilm, "Media", {kRearLeft});
	arbiter_.addStream(kNavigation, "Navigation", {kCabin});
	arbiter_.addStream(kCall, "Communication", {kRearLeft});
	update();
	/* Active streams, none of a class with a floor. */
	EXPECT_TRUE(arbiter_.floors(now_).empty());

	arbiter_.addStream(kEmergency, "Emergency", {kCabin});
	update();
	ASSERT_FALSE(arbiter_.mayPlay(kEmergency));
	/* Held, it counts, and is not released; rear-left asks for nothing. */
	using Floors = std::map<std::string, std::pair<float, bool>>;
	EXPECT_EQ(floorsOf(arbiter_, now_), (Floors{{kCabin, {0.5f, false}}}));

	arbiter_.confirmGain(kMusic, 0.1f, now_);
	advance(ms(timing().confirmTimeoutMs));
	update();
	ASSERT_TRUE(arbiter_.mayPlay(kEmergency));
	EXPECT_EQ(floorsOf(arbiter_, now_), (Floors{{kCabin, {0.5f, true}}}));
	arbiter_.setRunning(kEmergency, true, now_);
	advance(ms(5000));
	EXPECT_EQ(floorsOf(arbiter_, now_), (Floors{{kCabin, {0.5f, true}}}));

	/* Paused, it asks for nothing any more; running again, it does. */
	arbiter_.setRunning(kEmergency, false, now_);
	EXPECT_TRUE(arbiter_.floors(now_).empty());
	arbiter_.setRunning(kEmergency, true, now_);
	EXPECT_EQ(floorsOf(arbiter_, now_), (Floors{{kCabin, {0.5f, true}}}));
	arbiter_.removeStream(kEmergency);
	EXPECT_TRUE(arbiter_.floors(now_).empty());
}

TEST_F(ZoneArbiterTest, FloorsOfAnAnnouncedEmergencyCountThroughItsInput)
{
	/* The input is an Emergency; its outputs' own role does not matter. */
	arbiter_.addStream(kInput, "Emergency", {kCabin, kRearLeft}, std::nullopt, false);
	arbiter_.addStream(kOutputCabin, "Media", {kCabin}, kInput);
	arbiter_.addStream(kOutputRearLeft, "Media", {kRearLeft}, kInput);
	arbiter_.setBlocked(kInput, true);
	update();
	using Floors = std::map<std::string, std::pair<float, bool>>;
	/* The outputs are never held, but their leader is: not released. */
	EXPECT_EQ(floorsOf(arbiter_, now_),
		  (Floors{{kCabin, {0.5f, false}}, {kRearLeft, {0.5f, false}}}));

	arbiter_.setBlocked(kInput, false);
	update();
	ASSERT_TRUE(arbiter_.mayPlay(kInput));
	EXPECT_EQ(floorsOf(arbiter_, now_),
		  (Floors{{kCabin, {0.5f, true}}, {kRearLeft, {0.5f, true}}}));
	arbiter_.setRunning(kInput, true, now_);
	arbiter_.setRunning(kOutputCabin, true, now_);
	arbiter_.setRunning(kInput, false, now_);
	/* The outputs' own running does not keep it going. */
	EXPECT_TRUE(arbiter_.floors(now_).empty());

	/* An output whose input is gone asks for nothing. */
	arbiter_.setRunning(kInput, true, now_);
	arbiter_.removeStream(kInput);
	EXPECT_TRUE(arbiter_.floors(now_).empty());
}

TEST_F(ZoneArbiterTest, AnEmergencyStartsOnlyOnceItsRaisedDeviceIsHeard)
{
	/* Its first cycle once played at the muted headphones' level, the raise a cycle later. */
	startRunning(kMusic, "Media", {kCabin});
	arbiter_.addStream(kEmergency, "Emergency", {kCabin});
	arbiter_.setFloorPending(kCabin, true);
	arbiter_.setZoneFactor(kCabin, 0.0f);
	update();
	using Floors = std::map<std::string, std::pair<float, bool>>;
	EXPECT_EQ(floorsOf(arbiter_, now_), (Floors{{kCabin, {0.5f, false}}}))
		<< "the music is not down yet: no raise";
	arbiter_.confirmGain(kMusic, 0.0f, now_);
	advance(heardIn());
	update();
	EXPECT_FALSE(arbiter_.mayPlay(kEmergency)) << "the device is not raised yet";
	EXPECT_EQ(floorsOf(arbiter_, now_), (Floors{{kCabin, {0.5f, true}}})) << "raise it now";
	EXPECT_EQ(arbiter_.nextDeadline(), std::nullopt) << "nothing to wait for but the raise";

	const std::int64_t raised = now_;
	arbiter_.floorRaised(kCabin, raised);
	EXPECT_EQ(arbiter_.nextDeadline(), raised + ms(timing().confirmTimeoutMs));
	advance(ms(5));
	const std::int64_t confirmed = now_;
	arbiter_.confirmFloor(kCabin, confirmed);
	update();
	EXPECT_FALSE(arbiter_.mayPlay(kEmergency));
	EXPECT_EQ(arbiter_.nextDeadline(), confirmed + 2 * timing().periodUs);
	now_ = confirmed + 2 * timing().periodUs - 1;
	update();
	EXPECT_FALSE(arbiter_.mayPlay(kEmergency));
	now_ = confirmed + 2 * timing().periodUs;
	update();
	EXPECT_TRUE(arbiter_.mayPlay(kEmergency));
	EXPECT_EQ(floorsOf(arbiter_, now_), (Floors{{kCabin, {0.5f, true}}}));
}

TEST_F(ZoneArbiterTest, ARaiseNeverConfirmedReleasesTheEmergencyAfterTheTimeout)
{
	arbiter_.addStream(kEmergency, "Emergency", {kCabin, kRearLeft});
	arbiter_.setFloorPending(kRearLeft, true);
	update();
	EXPECT_FALSE(arbiter_.mayPlay(kEmergency));
	const std::int64_t raised = now_;
	arbiter_.floorRaised(kRearLeft, raised);
	arbiter_.floorRaised(kRearLeft, raised + ms(100)) /* a second call changes nothing */;
	now_ = raised + ms(timing().confirmTimeoutMs) - 1;
	update();
	EXPECT_FALSE(arbiter_.mayPlay(kEmergency));
	now_ = raised + ms(timing().confirmTimeoutMs);
	update();
	EXPECT_TRUE(arbiter_.mayPlay(kEmergency));
}

TEST_F(ZoneArbiterTest, AZoneWithNoRaisePendingOrAClassWithoutFloorDoesNotWait)
{
	arbiter_.setFloorPending(kCabin, true);
	arbiter_.addStream(kNavigation, "Navigation", {kCabin});
	update();
	EXPECT_TRUE(arbiter_.mayPlay(kNavigation)) << "no floor of its own to wait for";
	arbiter_.addStream(kEmergency, "Emergency", {kCabin});
	update();
	EXPECT_FALSE(arbiter_.mayPlay(kEmergency));
	arbiter_.setFloorPending(kCabin, false);
	update();
	EXPECT_TRUE(arbiter_.mayPlay(kEmergency));
}

TEST_F(ZoneArbiterTest, FloorsOfAnOrdinaryAnnouncementAreNone)
{
	/* Outputs of an Announcement named Emergency themselves still follow their input. */
	arbiter_.addStream(kInput, "Announcement", {kCabin, kRearLeft}, std::nullopt, false);
	arbiter_.addStream(kOutputCabin, "Emergency", {kCabin}, kInput);
	update();
	EXPECT_TRUE(arbiter_.active(kOutputCabin, now_));
	EXPECT_TRUE(arbiter_.floors(now_).empty());
}

TEST(ZoneArbiterFloors, TheHighestFloorOfAZoneCounts)
{
	RolePolicy policy(parseRolePolicy(
		R"([ { name = Chime, priority = 90, media-roles = [ Chime ], floor = 0.8 }
		     { name = Ding, priority = 50, media-roles = [ Ding ], floor = 0.2 } ])",
		""));
	ASSERT_TRUE(policy.config().errors.empty());
	ZoneArbiter arbiter(policy);
	arbiter.addStream(kEmergency, "Emergency", {kCabin});
	arbiter.addStream(kNavigation, "Chime", {kCabin, kRearLeft});
	arbiter.addStream(kReroute, "Ding", {kRearLeft});
	using Floors = std::map<std::string, std::pair<float, bool>>;
	EXPECT_EQ(floorsOf(arbiter, kStart),
		  (Floors{{kCabin, {0.8f, false}}, {kRearLeft, {0.8f, false}}}));
	arbiter.removeStream(kNavigation);
	EXPECT_EQ(floorsOf(arbiter, kStart),
		  (Floors{{kCabin, {0.5f, false}}, {kRearLeft, {0.2f, false}}}));
}

TEST_F(ZoneArbiterTest, ZoneFactorScalesTheOthersOfItsZoneOnly)
{
	startRunning(kMusic, "Media", {kCabin});
	startRunning(kRearFilm, "Media", {kRearLeft});
	arbiter_.setZoneFactor(kCabin, 0.25f);
	std::vector<GainCommand> commands = update();
	/* Without a duck the music goes to the factor itself. */
	EXPECT_TRUE(hasCommand(commands, kMusic, 0.25f, timing().duckRampMs));
	EXPECT_EQ(commands.size(), 1u) << describe(commands);
	/* The verdict is the policy's; the factor is no verdict. */
	EXPECT_EQ(arbiter_.verdict(kMusic), RoleVerdict{});
	arbiter_.confirmGain(kMusic, 0.25f, now_);
	advance(heardIn());
	EXPECT_TRUE(update().empty());

	/* An emergency in the cabin: the music goes to its duck times the factor. */
	arbiter_.addStream(kEmergency, "Emergency", {kCabin});
	commands = update();
	EXPECT_TRUE(hasCommand(commands, kMusic, 0.1f * 0.25f, timing().duckRampMs));
	/* Neither the emergency nor rear-left's film gets anything. */
	EXPECT_TRUE(noCommandFor(commands, kEmergency));
	EXPECT_TRUE(noCommandFor(commands, kRearFilm));
	EXPECT_EQ(arbiter_.verdict(kMusic), duck(0.1f, "Emergency"));
	arbiter_.confirmGain(kMusic, 0.1f * 0.25f, now_);
	advance(heardIn());
	EXPECT_TRUE(update().empty());
	ASSERT_TRUE(arbiter_.mayPlay(kEmergency));
	arbiter_.setRunning(kEmergency, true, now_);
	advance(ms(1000));
	EXPECT_TRUE(update().empty());

	/* A device that was muted: the others are silent. */
	arbiter_.setZoneFactor(kCabin, 0.0f);
	commands = update();
	EXPECT_TRUE(hasCommand(commands, kMusic, 0.0f, timing().duckRampMs));
	EXPECT_EQ(commands.size(), 1u) << describe(commands);
}

TEST_F(ZoneArbiterTest, ZoneFactorLeavesTheEmergencysOutputsAlone)
{
	startRunning(kMusic, "Media", {kCabin});
	startRunning(kRearFilm, "Media", {kRearLeft});
	arbiter_.addStream(kInput, "Emergency", {kCabin}, std::nullopt, false);
	arbiter_.addStream(kOutputCabin, "Emergency", {kCabin}, kInput);
	arbiter_.setRunning(kOutputCabin, true, now_);
	arbiter_.setZoneFactor(kCabin, 0.0f);
	std::vector<GainCommand> commands = update();
	EXPECT_TRUE(hasCommand(commands, kMusic, 0.0f, timing().duckRampMs));
	EXPECT_TRUE(noCommandFor(commands, kOutputCabin));
	EXPECT_TRUE(noCommandFor(commands, kInput));
	EXPECT_TRUE(noCommandFor(commands, kRearFilm));
	EXPECT_EQ(commands.size(), 1u) << describe(commands);
}

TEST_F(ZoneArbiterTest, StreamInSeveralZonesTakesTheLowestFactor)
{
	startRunning(kMusic, "Media", {kCabin, kRearLeft});
	arbiter_.setZoneFactor(kCabin, 0.5f);
	arbiter_.setZoneFactor(kRearLeft, 0.2f);
	EXPECT_TRUE(hasCommand(update(), kMusic, 0.2f, timing().duckRampMs));
	arbiter_.setZoneFactor(kRearLeft, 1.0f);
	EXPECT_TRUE(hasCommand(update(), kMusic, 0.5f, timing().restoreRampMs));
}

TEST_F(ZoneArbiterTest, LoweringFactorHoldsANewEmergencyUntilTheOthersAreDown)
{
	startRunning(kMusic, "Media", {kCabin});
	startRunning(kRearFilm, "Media", {kRearLeft});
	advance(ms(10));
	/* As module-cabin does: the factor is set before the update that holds the emergency. */
	arbiter_.addStream(kEmergency, "Emergency", {kCabin});
	arbiter_.setZoneFactor(kCabin, 0.016f);
	const std::int64_t sent = now_;
	std::vector<GainCommand> commands = update();
	EXPECT_TRUE(hasCommand(commands, kMusic, 0.1f * 0.016f, timing().duckRampMs));
	EXPECT_EQ(commands.size(), 1u) << describe(commands);
	EXPECT_FALSE(arbiter_.mayPlay(kEmergency));
	EXPECT_EQ(arbiter_.nextDeadline(), sent + ms(timing().confirmTimeoutMs));

	/* The duck alone is no confirmation: the factor's gain must be in effect. */
	advance(ms(5));
	arbiter_.confirmGain(kMusic, 0.1f, now_);
	advance(heardIn());
	EXPECT_TRUE(update().empty());
	EXPECT_FALSE(arbiter_.mayPlay(kEmergency));

	arbiter_.confirmGain(kMusic, 0.1f * 0.016f, now_);
	const std::int64_t confirmed = now_;
	EXPECT_TRUE(update().empty());
	EXPECT_FALSE(arbiter_.mayPlay(kEmergency));
	EXPECT_EQ(arbiter_.nextDeadline(), confirmed + heardIn());
	now_ = confirmed + heardIn() - 1;
	update();
	EXPECT_FALSE(arbiter_.mayPlay(kEmergency));
	now_ = confirmed + heardIn();
	update();
	EXPECT_TRUE(arbiter_.mayPlay(kEmergency));
	EXPECT_TRUE(arbiter_.floors(now_).at(kCabin).released);
}

TEST_F(ZoneArbiterTest, FactorOneRemovesIt)
{
	startRunning(kMusic, "Media", {kCabin});
	arbiter_.addStream(kEmergency, "Emergency", {kCabin});
	arbiter_.setZoneFactor(kCabin, 0.0f);
	ASSERT_TRUE(hasCommand(update(), kMusic, 0.0f, timing().duckRampMs));
	arbiter_.confirmGain(kMusic, 0.0f, now_);
	advance(heardIn());
	update();
	ASSERT_TRUE(arbiter_.mayPlay(kEmergency));
	arbiter_.setRunning(kEmergency, true, now_);

	/* The emergency ends; module-cabin removes the factor in the same turn. */
	advance(ms(2000));
	arbiter_.setRunning(kEmergency, false, now_);
	arbiter_.setZoneFactor(kCabin, 1.0f);
	std::vector<GainCommand> commands = update();
	EXPECT_TRUE(hasCommand(commands, kMusic, 1.0f, timing().restoreRampMs));
	EXPECT_EQ(commands.size(), 1u) << describe(commands);
	EXPECT_TRUE(update().empty());

	/* A factor within the tolerance of 1 is none either. */
	arbiter_.setZoneFactor(kCabin, 1.0f - 1e-4f);
	EXPECT_TRUE(update().empty());
	/* Nor is a factor in another zone. */
	arbiter_.setZoneFactor(kRearLeft, 0.5f);
	EXPECT_TRUE(update().empty());
}

/* ---- blocking ---- */

TEST_F(ZoneArbiterTest, BlockedStreamStaysHeldUntilUnblocked)
{
	arbiter_.addStream(kInput, "Announcement", {kCabin}, std::nullopt, false);
	arbiter_.setBlocked(kInput, true);
	update();
	EXPECT_FALSE(arbiter_.released(kInput));
	EXPECT_FALSE(arbiter_.mayPlay(kInput));
	advance(ms(60'000));
	update();
	EXPECT_FALSE(arbiter_.mayPlay(kInput));
	/* Held, it still counts as active. */
	EXPECT_TRUE(arbiter_.active(kInput, now_));
	EXPECT_EQ(arbiter_.activeRoles().at(kCabin), std::vector<std::string>{"Announcement"});

	arbiter_.setBlocked(kInput, false);
	update();
	EXPECT_TRUE(arbiter_.mayPlay(kInput));
}

TEST_F(ZoneArbiterTest, BlockingAReleasedStreamDoesNotHoldItAgain)
{
	startRunning(kMusic, "Media", {kCabin});
	arbiter_.setBlocked(kMusic, true);
	update();
	EXPECT_TRUE(arbiter_.mayPlay(kMusic));
}

/* ---- generation ---- */

TEST_F(ZoneArbiterTest, GenerationCountsPublishedChanges)
{
	std::uint64_t generation = arbiter_.generation();
	auto changed = [&]() {
		bool result = arbiter_.generation() != generation;
		generation = arbiter_.generation();
		return result;
	};

	arbiter_.addStream(kMusic, "Media", {kCabin});
	EXPECT_TRUE(changed()) << "add";
	update();
	EXPECT_TRUE(changed()) << "release";
	update();
	EXPECT_FALSE(changed()) << "nothing new";
	arbiter_.setRunning(kMusic, true, now_);
	update();
	EXPECT_FALSE(changed()) << "running, same verdicts and holds";

	arbiter_.addStream(kNavigation, "Navigation", {kCabin});
	EXPECT_TRUE(changed()) << "add";
	update();
	EXPECT_TRUE(changed()) << "the music's verdict";
	advance(ms(10));
	update();
	EXPECT_FALSE(changed()) << "still waiting";
	arbiter_.confirmGain(kMusic, 0.3f, now_);
	EXPECT_FALSE(changed()) << "confirm alone";
	advance(heardIn());
	update();
	EXPECT_TRUE(changed()) << "the navigation's release";

	arbiter_.setBlocked(kNavigation, true);
	EXPECT_TRUE(changed()) << "block";
	arbiter_.setBlocked(kNavigation, true);
	EXPECT_FALSE(changed()) << "block again";
	arbiter_.setBlocked(kNavigation, false);
	EXPECT_TRUE(changed()) << "unblock";

	arbiter_.setRunning(kNavigation, true, now_);
	arbiter_.setRunning(kNavigation, false, now_);
	update();
	EXPECT_TRUE(changed()) << "the music's verdict back to mix";

	arbiter_.removeStream(kNavigation);
	EXPECT_TRUE(changed()) << "remove";
	arbiter_.removeStream(kNavigation);
	EXPECT_FALSE(changed()) << "remove again";
}

TEST_F(ZoneArbiterTest, GenerationChangesWithTheActiveRoles)
{
	startRunning(kMusic, "Media", {kCabin});
	update();
	std::uint64_t generation = arbiter_.generation();
	/* Only the winners change: music stops in an otherwise empty zone. */
	arbiter_.setRunning(kMusic, false, now_);
	update();
	EXPECT_NE(arbiter_.generation(), generation);
	EXPECT_TRUE(arbiter_.activeRoles().empty());
}

/* ---- active roles ---- */

TEST_F(ZoneArbiterTest, ActiveRolesPerZone)
{
	EXPECT_TRUE(arbiter_.activeRoles().empty());
	startRunning(kMusic, "Media", {kCabin});
	startRunning(kRearFilm, "Media", {kRearLeft});
	arbiter_.addStream(kNavigation, "Navigation", {kCabin});
	/* As of the last update only. */
	EXPECT_EQ(arbiter_.activeRoles().count(kCabin), 1u);
	EXPECT_EQ(arbiter_.activeRoles().at(kCabin), std::vector<std::string>{"Media"});
	update();
	const std::map<std::string, std::vector<std::string>> expected = {
		{kCabin, {"Navigation"}},
		{kRearLeft, {"Media"}},
	};
	EXPECT_EQ(arbiter_.activeRoles(), expected);

	arbiter_.removeStream(kRearFilm);
	update();
	EXPECT_EQ(arbiter_.activeRoles().count(kRearLeft), 0u);
}

/* ---- remove ---- */

TEST_F(ZoneArbiterTest, RemovedStreamIsForgotten)
{
	startRunning(kMusic, "Media", {kCabin});
	arbiter_.addStream(kCall, "Communication", {kCabin});
	update();
	ASSERT_TRUE(arbiter_.corked(kMusic));
	arbiter_.removeStream(kMusic);
	EXPECT_FALSE(arbiter_.contains(kMusic));
	EXPECT_FALSE(arbiter_.corked(kMusic));
	EXPECT_TRUE(arbiter_.mayPlay(kMusic));
	EXPECT_EQ(arbiter_.role(kMusic), "");
	/* Nothing left to wait for. */
	EXPECT_TRUE(update().empty());
	EXPECT_TRUE(arbiter_.mayPlay(kCall));
}

TEST_F(ZoneArbiterTest, ReaddedStreamStartsAfresh)
{
	ASSERT_NO_FATAL_FAILURE(navigationPlaysOverMusic());
	arbiter_.removeStream(kMusic);
	update();
	/* The same id again (PipeWire reuses them): held, full gain, not running. */
	arbiter_.addStream(kMusic, "Media", {kCabin});
	EXPECT_FALSE(arbiter_.mayPlay(kMusic));
	EXPECT_EQ(arbiter_.verdict(kMusic), RoleVerdict{});
	std::vector<GainCommand> commands = update();
	EXPECT_TRUE(hasCommand(commands, kMusic, 0.3f, 0));
	EXPECT_TRUE(arbiter_.mayPlay(kMusic));
}

} // namespace
} // namespace cabin
