/* SPDX-License-Identifier: MIT */
/*
 * Sharing with consent, on the simulated amplifier with the real daemons:
 * a share plays in the receiving zone only once its receiver accepted it,
 * at the receiver's volume, while the sharer's own playback goes on
 * without a gap; only the right side can decide; a share ends with its
 * stream; and restarting WirePlumber leaves no loopback behind. Requests
 * go through cabinctl, as each seat's client.
 */
#include <regex>

#include <gtest/gtest.h>

#include "amp-recording.hpp"
#include "sandbox-test.hpp"

namespace cabin::test {
namespace {

const ClientOptions kDriver{.remote = "cabin-driver"};
const ClientOptions kRearLeft{.remote = "cabin-rear-left"};
const ClientOptions kRearRight{.remote = "cabin-rear-right"};
const ClientOptions kFrontPassenger{.remote = "cabin-front-passenger"};

/* Channels of the sedan's amplifier (conf.d/examples/sedan). */
constexpr unsigned kCabinLeft = 0;
constexpr unsigned kRearLeftHeadphones = 4;
constexpr unsigned kRearRightHeadphones = 6;
constexpr unsigned kRearRightHeadrest = 10;
constexpr double kFilmFrequency = 1000;
constexpr double kFilmAmplitude = 0.5;

struct CommandResult {
	int status = -1;
	std::string output;
};

class SharingTest : public SandboxTest
{
protected:
	CommandResult cabinctl(const ClientOptions &client, std::vector<std::string> args)
	{
		args.insert(args.begin(), DaemonSandbox::buildRoot() + "/tools/cabinctl");
		CommandResult result;
		result.output = sandbox_->run(args, client, &result.status).value_or("");
		return result;
	}

	/* Offers \a stream to \a to as \a client; the share id, or nullopt (with the reason
	 * logged). */
	std::optional<std::uint32_t> offer(const ClientOptions &client, std::uint32_t stream,
					   const std::string &to)
	{
		CommandResult result = cabinctl(client, {"share", std::to_string(stream), to});
		std::smatch match;
		if (result.status != 0 ||
		    !std::regex_search(result.output, match, std::regex("share ([0-9]+)"))) {
			ADD_FAILURE() << "cabinctl share failed (" << result.status
				      << "): " << result.output;
			return std::nullopt;
		}
		return static_cast<std::uint32_t>(std::stoul(match[1]));
	}

	CommandResult decide(const ClientOptions &client, const std::string &verb,
			     std::uint32_t share)
	{
		return cabinctl(client, {verb, std::to_string(share)});
	}

	/* The share's entry in the whole car's state, or nullopt once it is gone. */
	std::optional<JsonValue> shareState(std::uint32_t id)
	{
		auto state = sandbox_->cabinState();
		const JsonValue *shares = state ? state->find("shares") : nullptr;
		if (!shares)
			return std::nullopt;
		for (const JsonValue &share : shares->items())
			if (share.stringOr("id") == std::to_string(id))
				return share;
		return std::nullopt;
	}

	std::optional<std::uint32_t> playFilm(std::vector<std::string> extraProps = {})
	{
		std::vector<std::string> args{"--freq", std::to_string(kFilmFrequency),
					      "--amplitude", std::to_string(kFilmAmplitude)};
		args.insert(args.end(), extraProps.begin(), extraProps.end());
		filmPid_ = sandbox_->playTone("rear-left.film", kRearLeft, args);
		if (!sandbox_->waitForTargets("rear-left.film", {"rear-left.headphones"}))
			return std::nullopt;
		return sandbox_->nodeId("rear-left.film");
	}

	std::uint64_t framesPlayed()
	{
		auto value = sandbox_->ampStatus("sedan-amp.sock", "frames");
		return value ? std::stoull(*value) : 0;
	}

	/* Waits until the amplifier has played \a frames more frames than now; returns the end. */
	std::uint64_t playOn(std::uint64_t frames)
	{
		std::uint64_t target = framesPlayed() + frames;
		EXPECT_TRUE(DaemonSandbox::waitFor([&] { return framesPlayed() >= target; }, 20s));
		return framesPlayed();
	}

	/* The amplifier's recording, once it holds every frame played so far (it is written
	 * behind). */
	std::optional<Recording> recording()
	{
		std::uint64_t played = framesPlayed();
		std::optional<Recording> rec;
		DaemonSandbox::waitFor([&] {
			rec = readAmpRecording(sandbox_->ampDirectory() + "/sedan-amp.wav");
			return rec && rec->frames() >= played;
		});
		return rec;
	}

	/* Frames of the recording in which a change of the graph is heard. */
	struct Window {
		std::string what;
		std::uint64_t from;
		std::uint64_t to;
	};

	/*
	 * The sharer's film goes on without a break (no gap, no jump) in each
	 * window, from a request until its graph change has gone through the
	 * amplifier's ring. A break is allowed only where the amplifier
	 * reported an xrun (a stalled machine), one per xrun. Outside the
	 * windows a stall of the film's own client would also leave a gap,
	 * which says nothing about sharing.
	 */
	void expectFilmUnbroken(const std::vector<Window> &windows)
	{
		auto rec = recording();
		ASSERT_TRUE(rec);
		int xruns = std::stoi(sandbox_->ampStatus("sedan-amp.sock", "xruns").value_or("0"));
		std::size_t breaks = 0;
		std::string where;
		for (const Window &window : windows) {
			where += " " + window.what + "@" + std::to_string(window.from) + "-" +
				 std::to_string(window.to);
			for (std::size_t frame :
			     sineBreaks(*rec, kRearLeftHeadphones, kFilmFrequency, window.from,
					window.to)) {
				where += " break@" + std::to_string(frame);
				breaks++;
			}
			EXPECT_NEAR(peakLevel(*rec, kRearLeftHeadphones, window.from, window.to),
				    kFilmAmplitude, 0.01)
				<< window.what;
		}
		EXPECT_LE(breaks, static_cast<std::size_t>(xruns))
			<< "the sharer's film broke " << breaks << " times with " << xruns
			<< " xruns:" << where;
	}

	/* Starts the car with rear-left's film on its headphones. */
	void startWithFilm(SandboxOptions options = DaemonSandbox::sedan())
	{
		startSandbox(std::move(options));
		auto film = playFilm();
		ASSERT_TRUE(film) << "rear-left's film did not reach its headphones";
		film_ = *film;
	}

	pid_t filmPid_ = -1;
	std::uint32_t film_ = 0;
};

TEST_F(SharingTest, ShareToASeatPlaysOnlyOnceAcceptedAndStops)
{
	ASSERT_NO_FATAL_FAILURE(startWithFilm());

	auto share = offer(kRearLeft, film_, "rear-right");
	ASSERT_TRUE(share);
	EXPECT_EQ(shareState(*share)->stringOr("state"), "offered");
	EXPECT_EQ(shareState(*share)->stringOr("receiver"), "rear-right");
	/* Offered is not accepted: nothing for rear-right yet. */
	std::uint64_t offeredAt = playOn(kRate / 2);
	EXPECT_EQ(sandbox_->linkedTargets("rear-left.film"),
		  std::set<std::string>{"rear-left.headphones"});

	auto offers = cabinctl(kRearRight, {"offers"});
	EXPECT_EQ(offers.status, 0) << offers.output;
	EXPECT_NE(offers.output.find("rear-left"), std::string::npos) << offers.output;

	std::uint64_t acceptFrom = framesPlayed();
	CommandResult accepted = decide(kRearRight, "accept", *share);
	ASSERT_EQ(accepted.status, 0) << accepted.output;
	std::string playback = "cabin.share." + std::to_string(*share) + ".playback";
	ASSERT_TRUE(sandbox_->waitForTargets(playback, {"rear-right.headphones"}));
	std::uint64_t linkedAt = framesPlayed();
	EXPECT_TRUE(sandbox_->linkedTargets("rear-left.film")
			    .contains("cabin.share." + std::to_string(*share) + ".capture"));
	std::uint64_t acceptedAt = playOn(kRate);

	/* The receiver turns the share down; the sharer's film is untouched. */
	auto node = sandbox_->nodeId(playback);
	ASSERT_TRUE(node);
	int status = -1;
	sandbox_->run({"wpctl", "set-volume", std::to_string(*node), "0.25"}, kRearRight, &status);
	EXPECT_EQ(status, 0) << "rear-right may set its share's volume";
	/*
	 * wpctl sets a cubic volume: 0.25 is 0.25^3 of the amplitude. A change
	 * is heard a ring buffer later (about 0.2 s), so measure after 0.5 s.
	 */
	std::uint64_t quietFrom = playOn(kRate / 2);
	std::uint64_t quietTo = playOn(kRate / 2);

	std::uint64_t stopFrom = framesPlayed();
	CommandResult stopped = decide(kRearRight, "stop", *share);
	ASSERT_EQ(stopped.status, 0) << stopped.output;
	EXPECT_TRUE(DaemonSandbox::waitFor([&] { return !sandbox_->nodeId(playback); }));
	std::uint64_t goneAt = framesPlayed();
	EXPECT_EQ(shareState(*share)->stringOr("state"), "stopped");
	std::uint64_t stoppedAt = playOn(kRate);

	auto rec = recording();
	ASSERT_TRUE(rec);
	ASSERT_GE(rec->frames(), stoppedAt);
	EXPECT_EQ(peakLevel(*rec, kRearRightHeadphones, 0, offeredAt), 0.0)
		<< "rear-right heard the film before accepting";
	double full = peakLevel(*rec, kRearRightHeadphones, offeredAt, acceptedAt);
	EXPECT_NEAR(full, kFilmAmplitude, 0.01) << "the shared film at full volume";
	EXPECT_NEAR(peakLevel(*rec, kRearRightHeadphones, quietFrom, quietTo),
		    kFilmAmplitude * 0.25 * 0.25 * 0.25, 0.01)
		<< "rear-right's volume applies to the share";
	EXPECT_NEAR(peakLevel(*rec, kRearLeftHeadphones, quietFrom, quietTo), kFilmAmplitude, 0.01)
		<< "rear-left's film keeps its own volume";
	EXPECT_EQ(peakLevel(*rec, kRearRightHeadphones, stoppedAt - kRate / 2, stoppedAt), 0.0)
		<< "the share went on after it stopped";
	EXPECT_EQ(peakLevel(*rec, kRearRightHeadrest, 0, stoppedAt), 0.0);
	/* The ring holds about 0.2 s: a change is heard within 0.3 s of being made. */
	expectFilmUnbroken({{"accept", acceptFrom, linkedAt + kRate * 3 / 10},
			    {"stop", stopFrom, goneAt + kRate * 3 / 10}});
}

TEST_F(SharingTest, TheSharedFilmIsTheSameSamplesInTheReceivingZone)
{
	ASSERT_NO_FATAL_FAILURE(startWithFilm());
	auto share = offer(kRearLeft, film_, "rear-right");
	ASSERT_TRUE(share);
	ASSERT_EQ(decide(kRearRight, "accept", *share).status, 0);
	ASSERT_TRUE(sandbox_->waitForTargets("cabin.share." + std::to_string(*share) + ".playback",
					     {"rear-right.headphones"}));
	playOn(kRate);
	auto rec = recording();
	ASSERT_TRUE(rec);

	/*
	 * Once the share runs, rear-right's channel is rear-left's, sample for
	 * sample, a fixed number of frames later (the loopback's cycle). Its
	 * first cycles are left out: an async node that joins the graph may
	 * repeat or skip its first quantum, which the receiver hears once.
	 */
	std::size_t start = 0;
	while (start < rec->frames() && rec->at(start, kRearRightHeadphones) == 0)
		start++;
	start += kRate / 10;
	const std::size_t frames = kRate / 2;
	ASSERT_GT(rec->frames(), start + frames) << "rear-right heard too little of the share";
	std::optional<std::size_t> lag;
	for (std::size_t candidate = 0; candidate < 8 * 1024 && !lag; candidate++) {
		bool same = true;
		for (std::size_t i = 0; i < 64 && same; i++)
			same = rec->at(start + i, kRearRightHeadphones) ==
			       rec->at(start + i - candidate, kRearLeftHeadphones);
		if (same)
			lag = candidate;
	}
	ASSERT_TRUE(lag) << "rear-right's channel is not a delayed copy of rear-left's";
	std::size_t different = 0;
	for (std::size_t i = start; i < start + frames; i++)
		different +=
			rec->at(i, kRearRightHeadphones) != rec->at(i - *lag, kRearLeftHeadphones);
	int xruns = std::stoi(sandbox_->ampStatus("sedan-amp.sock", "xruns").value_or("0"));
	/* An xrun of the amplifier cuts both channels, but not always at the same frames. */
	if (xruns == 0) {
		EXPECT_EQ(different, 0u) << "frames that differ, " << *lag << " frames behind";
	}
	EXPECT_NEAR(peakLevel(*rec, kRearRightHeadphones, start, start + frames), kFilmAmplitude,
		    0.01);
}

TEST_F(SharingTest, OnlyTheRightSideDecides)
{
	ASSERT_NO_FATAL_FAILURE(startWithFilm());
	auto share = offer(kRearLeft, film_, "rear-right");
	ASSERT_TRUE(share);

	/* The sharer cannot accept or decline for the receiver. */
	CommandResult accept = decide(kRearLeft, "accept", *share);
	EXPECT_EQ(accept.status, 1);
	EXPECT_NE(accept.output.find("rear-right"), std::string::npos) << accept.output;
	EXPECT_EQ(decide(kRearLeft, "decline", *share).status, 1);
	/* A third seat does not even see it. */
	CommandResult stranger = decide(kFrontPassenger, "stop", *share);
	EXPECT_EQ(stranger.status, 1);
	EXPECT_NE(stranger.output.find("no share"), std::string::npos) << stranger.output;
	EXPECT_EQ(decide(kFrontPassenger, "accept", *share).status, 1);
	/* Nobody but rear-left can offer rear-left's stream. */
	CommandResult foreign = cabinctl(kRearRight, {"share", std::to_string(film_), "driver"});
	EXPECT_EQ(foreign.status, 1);
	EXPECT_NE(foreign.output.find("stream = " + std::to_string(film_)), std::string::npos)
		<< foreign.output;
	EXPECT_EQ(shareState(*share)->stringOr("state"), "offered");

	/* The receiver declines; the refused requests changed nothing. */
	ASSERT_EQ(decide(kRearRight, "decline", *share).status, 0);
	EXPECT_EQ(shareState(*share)->stringOr("state"), "declined");
	EXPECT_EQ(decide(kRearRight, "accept", *share).status, 1) << "declined stays declined";
	playOn(kRate / 4);
	EXPECT_EQ(sandbox_->linkedTargets("rear-left.film"),
		  std::set<std::string>{"rear-left.headphones"});

	/* It can be offered again, as a new share, and stopped by the sharer. */
	auto again = offer(kRearLeft, film_, "rear-right");
	ASSERT_TRUE(again);
	EXPECT_NE(*again, *share);
	EXPECT_FALSE(shareState(*share)) << "the declined share was replaced";
	ASSERT_EQ(decide(kRearRight, "accept", *again).status, 0);
	std::string playback = "cabin.share." + std::to_string(*again) + ".playback";
	ASSERT_TRUE(sandbox_->waitForTargets(playback, {"rear-right.headphones"}));
	ASSERT_EQ(decide(kRearLeft, "stop", *again).status, 0);
	EXPECT_TRUE(DaemonSandbox::waitFor([&] { return !sandbox_->nodeId(playback); }));
	EXPECT_EQ(shareState(*again)->stringOr("decided-by"), "rear-left");
}

TEST_F(SharingTest, BadRequestsGetClearErrors)
{
	ASSERT_NO_FATAL_FAILURE(startWithFilm());
	pid_t quiet = sandbox_->playTone("rear-left.private", kRearLeft, {"cabin.shareable=false"});
	ASSERT_TRUE(sandbox_->waitForTargets("rear-left.private", {"rear-left.headphones"}));
	auto privateId = sandbox_->nodeId("rear-left.private");
	ASSERT_TRUE(privateId);

	struct Case {
		std::vector<std::string> args;
		int status;
		std::string message;
	};
	const std::vector<Case> cases = {
		{{"share", std::to_string(*privateId), "rear-right"}, 1, "cabin.shareable"},
		{{"share", "99999", "rear-right"}, 1, "stream = 99999"},
		{{"share", std::to_string(film_), "nowhere"}, 1, "\"nowhere\""},
		{{"share", std::to_string(film_), "rear-left"}, 1, "itself"},
		{{"accept", "4242"}, 1, "share = 4242"},
		{{"stop", "4242"}, 1, "share = 4242"},
		{{"share", "film", "rear-right"}, 2, "film"},
		{{"accept"}, 2, "accept"},
	};
	for (const Case &c : cases) {
		CommandResult result = cabinctl(kRearLeft, c.args);
		std::string what = c.args[0] + (c.args.size() > 1 ? " " + c.args[1] : "");
		EXPECT_EQ(result.status, c.status) << what << ": " << result.output;
		EXPECT_NE(result.output.find(c.message), std::string::npos)
			<< what << ": " << result.output;
	}
	auto state = sandbox_->cabinState();
	ASSERT_TRUE(state);
	EXPECT_TRUE(state->find("shares")->items().empty()) << "no refused request made a share";
	sandbox_->stop(quiet);
}

TEST_F(SharingTest, AnOfferToTheCabinWaitsForTheDriver)
{
	ASSERT_NO_FATAL_FAILURE(startWithFilm());
	auto share = offer(kRearLeft, film_, "cabin");
	ASSERT_TRUE(share);
	EXPECT_EQ(shareState(*share)->stringOr("receiver"), "driver");
	EXPECT_EQ(decide(kRearRight, "accept", *share).status, 1);
	std::uint64_t offeredAt = playOn(kRate / 2);

	ASSERT_EQ(decide(kDriver, "accept", *share).status, 0);
	ASSERT_TRUE(sandbox_->waitForTargets("cabin.share." + std::to_string(*share) + ".playback",
					     {"cabin.speakers"}));
	std::uint64_t acceptedAt = playOn(kRate / 2);
	auto rec = recording();
	ASSERT_TRUE(rec);
	EXPECT_EQ(peakLevel(*rec, kCabinLeft, 0, offeredAt), 0.0)
		<< "the cabin played the film before the driver accepted";
	EXPECT_GT(peakLevel(*rec, kCabinLeft, offeredAt, acceptedAt), 0.1);
}

TEST_F(SharingTest, AShareEndsWithItsStream)
{
	ASSERT_NO_FATAL_FAILURE(startWithFilm());
	auto toRight = offer(kRearLeft, film_, "rear-right");
	auto toFront = offer(kRearLeft, film_, "front-passenger");
	ASSERT_TRUE(toRight && toFront);
	ASSERT_EQ(decide(kRearRight, "accept", *toRight).status, 0);
	ASSERT_TRUE(
		sandbox_->waitForTargets("cabin.share." + std::to_string(*toRight) + ".playback",
					 {"rear-right.headphones"}));

	sandbox_->stop(filmPid_);
	EXPECT_TRUE(DaemonSandbox::waitFor(
		[&] { return !shareState(*toRight) && !shareState(*toFront); }));
	EXPECT_TRUE(DaemonSandbox::waitFor([&] {
		return !sandbox_->nodeId("cabin.share." + std::to_string(*toRight) + ".playback");
	}));
	EXPECT_EQ(sandbox_->linkedTargets("rear-right.headphones"), std::set<std::string>{});
}

TEST_F(SharingTest, SeatsAcceptAutomaticallyFromWhomTheyChose)
{
	SandboxOptions options = DaemonSandbox::sedan();
	options.wireplumberTexts.push_back({"70-auto-accept.conf", R"(
override.cabin.seats = [
  { name = "driver" }
  { name = "front-passenger" }
  { name = "rear-left" }
  { name = "rear-right", accept-shares-from = [ "rear-left" ] }
]
)"});
	ASSERT_NO_FATAL_FAILURE(startWithFilm(std::move(options)));
	auto share = offer(kRearLeft, film_, "rear-right");
	ASSERT_TRUE(share);
	EXPECT_EQ(shareState(*share)->stringOr("state"), "accepted");
	EXPECT_EQ(shareState(*share)->stringOr("decided-by"), "auto");
	EXPECT_TRUE(sandbox_->waitForTargets("cabin.share." + std::to_string(*share) + ".playback",
					     {"rear-right.headphones"}));
	/* Not the other way round. */
	auto back = offer(kRearLeft, film_, "front-passenger");
	ASSERT_TRUE(back);
	EXPECT_EQ(shareState(*back)->stringOr("state"), "offered");
}

TEST_F(SharingTest, RestartingWireplumberLeavesNoLoopbackBehind)
{
	ASSERT_NO_FATAL_FAILURE(startWithFilm());
	auto share = offer(kRearLeft, film_, "rear-right");
	ASSERT_TRUE(share);
	ASSERT_EQ(decide(kRearRight, "accept", *share).status, 0);
	std::string playback = "cabin.share." + std::to_string(*share) + ".playback";
	ASSERT_TRUE(sandbox_->waitForTargets(playback, {"rear-right.headphones"}));

	std::string error;
	ASSERT_TRUE(sandbox_->restartWireplumber(&error)) << error;
	EXPECT_FALSE(sandbox_->nodeId(playback));
	EXPECT_FALSE(sandbox_->nodeId("cabin.share." + std::to_string(*share) + ".capture"));
	EXPECT_EQ(sandbox_->linkedTargets("rear-right.headphones"), std::set<std::string>{});
	EXPECT_FALSE(shareState(*share)) << "shares end with the session manager";
	/* The film itself is linked again by the new instance. */
	EXPECT_TRUE(sandbox_->waitForTargets("rear-left.film", {"rear-left.headphones"}));
}

TEST_F(SharingTest, DestroyingAnEndOfTheLoopbackStopsTheShare)
{
	ASSERT_NO_FATAL_FAILURE(startWithFilm());
	auto share = offer(kRearLeft, film_, "rear-right");
	ASSERT_TRUE(share);
	ASSERT_EQ(decide(kRearRight, "accept", *share).status, 0);
	std::string prefix = "cabin.share." + std::to_string(*share);
	ASSERT_TRUE(sandbox_->waitForTargets(prefix + ".playback", {"rear-right.headphones"}));

	/* The receiver may control its end, so it may also destroy it. */
	auto node = sandbox_->nodeId(prefix + ".playback");
	ASSERT_TRUE(node);
	int status = -1;
	sandbox_->run({"pw-cli", "destroy", std::to_string(*node)}, kRearRight, &status);
	EXPECT_EQ(status, 0);
	EXPECT_TRUE(DaemonSandbox::waitFor([&] {
		auto entry = shareState(*share);
		return entry && entry->stringOr("state") == "stopped";
	}));
	EXPECT_TRUE(DaemonSandbox::waitFor([&] { return !sandbox_->nodeId(prefix + ".capture"); }))
		<< "the whole loopback goes";
	/* WirePlumber lives on: the share can be made again. */
	auto again = offer(kRearLeft, film_, "rear-right");
	ASSERT_TRUE(again);
	ASSERT_EQ(decide(kRearRight, "accept", *again).status, 0);
	EXPECT_TRUE(sandbox_->waitForTargets("cabin.share." + std::to_string(*again) + ".playback",
					     {"rear-right.headphones"}));
	EXPECT_EQ(sandbox_->linkedTargets("rear-left.film"),
		  (std::set<std::string>{"rear-left.headphones",
					 "cabin.share." + std::to_string(*again) + ".capture"}));
}

} // namespace
} // namespace cabin::test
