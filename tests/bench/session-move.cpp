/* SPDX-License-Identifier: MIT */
/*
 * Benchmark (not a test): how long a stream takes to be heard in its new
 * zone when its user's session moves seats, and on a device that appears
 * in its zone. The sedan, with its seats on
 * logind seats (conf.d/examples/sedan-logind), in a private mount namespace
 * with logind's state written as logind writes it (FakeLogind; root only).
 * A passenger's player (cabin-tone, on the shared socket, as the real user
 * cabin-passenger) plays in rear-left or rear-right, and moves, in two
 * setups alternating in one sandbox:
 *
 *  - Cabin: the session's file says the other seat (renamed into place, as
 *    logind does); module-cabin moves the same stream.
 *  - reconnect: what an application must do when nothing follows sessions:
 *    it stops and starts again on the other seat's socket.
 *
 * Then devices appear while rear-left's film plays on its headphones,
 * alternating: a stand-in for a USB headset whose card udev put on seat1
 * (it joins rear-left's zone ahead of the headphones), and rear-left's
 * headphones made again after being removed (their zone rule matches).
 *
 * Reported, median and p90: from the move (the session file renamed, or
 * the player stopped) to the first non-zero sample on the new zone's
 * channel in the amplifier's recording, and the silence between the last
 * sample in the old zone and the first in the new one. The driver's music
 * plays in the cabin all along, so that the amplifier never stops and its
 * recording keeps time; the move starts just after the amplifier's frame
 * count moved, which, mapped onto the recording, marks where it began.
 */
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

#include "amp-control.hpp"
#include "amp-recording.hpp"
#include "daemon-sandbox.hpp"
#include "fake-logind.hpp"
#include "percentile.hpp"

namespace cabin::bench {
namespace {

using namespace std::chrono_literals;
using test::ClientOptions;
using test::DaemonSandbox;
using test::FakeLogind;
using test::kRate;

/* Per setup, alternating; CABIN_BENCH_SAMPLES=N for a quick look. */
int samples()
{
	const char *value = std::getenv("CABIN_BENCH_SAMPLES");
	return value && std::atoi(value) > 0 ? std::atoi(value) : 20;
}
constexpr const char *kSession = "40";
/* sedan-amp.wav: 16 channels of S32 after a 44-byte header. */
constexpr std::uintmax_t kWavHeader = 44;
constexpr std::uintmax_t kWavFrameBytes = 16 * 4;

/* The two seats the player moves between: logind seat, socket, a headphone channel. */
struct Place {
	const char *logindSeat;
	const char *socket;
	unsigned channel;
};
constexpr Place kRearLeft{"seat1", "cabin-rear-left", 4};
constexpr Place kRearRight{"seat2", "cabin-rear-right", 6};

struct Sample {
	double latencyMs = -1;
	double silenceMs = -1;
	/* An xrun during the sample: the frame count no longer indexes the recording. */
	bool discarded = false;
};

struct Results {
	std::vector<double> latency, silence;
	int failed = 0;
	int discarded = 0; /* an xrun during the sample */

	void add(const std::optional<Sample> &sample)
	{
		if (!sample) {
			failed++;
			return;
		}
		if (sample->discarded) {
			discarded++;
			return;
		}
		latency.push_back(sample->latencyMs);
		silence.push_back(sample->silenceMs);
	}
};

class Bench
{
public:
	bool start(std::string *error)
	{
		auto passenger = test::findTestUser("cabin-passenger");
		auto audio = test::findGroup("cabin-audio");
		if (!passenger || !audio) {
			*error = "the test users are missing; scripts/test creates them";
			return false;
		}
		uid_ = passenger->uid;
		audioGid_ = *audio;
		test::SandboxOptions options = DaemonSandbox::sedan();
		options.wireplumberFragments.push_back(
			DaemonSandbox::sourceRoot() +
			"/conf.d/examples/sedan-logind/wireplumber.conf.d/"
			"61-cabin-sedan-logind.conf");
		sandbox_.emplace(options);
		return sandbox_->start(error);
	}

	/* A session move: the player keeps playing and Cabin moves it. */
	std::optional<Sample> moveSession(const Place &from, const Place &to)
	{
		if (!keepAmpRunning())
			return failure("cannot map the amplifier's frames onto its recording");
		logind_.writeSession({kSession, uid_, from.logindSeat, true});
		Player player(
			*sandbox_,
			sandbox_->spawnHeld(
				playerArgs(), {"pipewire-0", uid_, audioGid_, {}}, [&](pid_t pid) {
					std::string error;
					if (!FakeLogind::placeProcess(pid, uid_, kSession, &error))
						std::fprintf(stderr, "%s\n", error.c_str());
				}));
		if (!playingIn(from))
			return failure("the player never played in " +
				       std::string(from.logindSeat));
		return measure(from, to, [&] {
			logind_.writeSession({kSession, uid_, to.logindSeat, true});
		});
	}

	/* A reconnect: the player stops and starts again on the other seat's socket. */
	std::optional<Sample> reconnect(const Place &from, const Place &to)
	{
		if (!keepAmpRunning())
			return failure("cannot map the amplifier's frames onto its recording");
		Player player(*sandbox_, sandbox_->spawn(playerArgs(), {from.socket, {}, {}, {}}));
		if (!playingIn(from))
			return failure("the player never played on " + std::string(from.socket));
		return measure(from, to, [&] {
			player.stop();
			player.pid = sandbox_->spawn(playerArgs(), {to.socket, {}, {}, {}});
		});
	}

	/*
	 * A device appears, with rear-left's film playing on its headphones:
	 * with \a udev, a stand-in for a USB headset whose card udev put on
	 * seat1, joining rear-left's zone ahead of the headphones; without,
	 * rear-left's headphones themselves, made again after being removed
	 * (the film meanwhile on the headrest), matched by their zone rule.
	 */
	std::optional<Sample> plugDevice(bool udev)
	{
		if (!keepAmpRunning())
			return failure("cannot map the amplifier's frames onto its recording");
		/* Whatever the last sample, or a recalibration, left: headphones, no headset. */
		unplug("usb.headset");
		if (!sandbox_->nodeId("rear-left.headphones")) {
			plug("rear-left.headphones", "4 5", std::nullopt);
			if (!DaemonSandbox::waitFor(
				    [&] {
					    return sandbox_->nodeId("rear-left.headphones")
						    .has_value();
				    },
				    5s))
				return failure("rear-left's headphones cannot be made again");
		}
		if (!film_) {
			FakeLogind::writeCard(kUsbCard, "seat1", true);
			film_.emplace(*sandbox_, sandbox_->spawn(playerArgs("rear-left.film"),
								 {"cabin-rear-left", {}, {}, {}}));
		}
		if (!sandbox_->waitForTargets("rear-left.film", {"rear-left.headphones"}))
			return failure("the film is not on rear-left's headphones");
		const Place headphones{"", "", 4}, headrest{"", "", 8}, usb{"", "", 14};
		if (udev) {
			auto sample = measure(headphones, usb,
					      [&] { plug("usb.headset", kUsbChannels, kUsbCard); });
			unplug("usb.headset");
			return sample;
		}
		unplug("rear-left.headphones");
		if (!sandbox_->waitForTargets("rear-left.film", {"rear-left.headrest"}))
			return failure("the film did not go to the headrest");
		auto sample = measure(headrest, headphones,
				      [&] { plug("rear-left.headphones", "4 5", std::nullopt); });
		DaemonSandbox::waitFor(
			[&] { return sandbox_->nodeId("rear-left.headphones").has_value(); }, 5s);
		return sample;
	}

	void stopFilm() { film_.reset(); }

private:
	static constexpr unsigned kUsbCard = 7;
	static constexpr const char *kUsbChannels = "14 15";

	/* Makes a zone sink on the amplifier, as the ALSA monitor would make a card's node. */
	void plug(const std::string &name, const std::string &channels,
		  std::optional<unsigned> card)
	{
		std::string props = "{ factory.name = cabin.alsa.zone-sink node.name = " + name +
				    " media.class = Audio/Sink api.alsa.path = cabin_sedan_amp "
				    "node.group = cabin.sedan-amp cabin.alsa.channels = [ " +
				    channels + " ] audio.position = [ FL FR ] object.linger = true";
		if (card)
			props += " api.alsa.card = " + std::to_string(*card);
		sandbox_->spawn({"pw-cli", "create-node", "adapter", props + " }"},
				ClientOptions::manager());
	}

	void unplug(const std::string &name)
	{
		auto id = sandbox_->nodeId(name);
		if (!id)
			return;
		sandbox_->run({"pw-cli", "destroy", std::to_string(*id)}, ClientOptions::manager());
		DaemonSandbox::waitFor([&] { return !sandbox_->nodeId(name); }, 5s);
	}

	/* A player process, stopped when it goes out of scope. */
	struct Player {
		DaemonSandbox &sandbox;
		pid_t pid;
		Player(DaemonSandbox &owner, pid_t started) : sandbox(owner), pid(started) {}
		~Player() { stop(); }
		void stop()
		{
			if (pid > 0)
				sandbox.stop(pid);
			pid = -1;
		}
	};

	static std::vector<std::string> playerArgs(const std::string &name = "passenger.player")
	{
		return {DaemonSandbox::buildRoot() + "/tools/cabin-tone",
			"--freq",
			"1000",
			"--amplitude",
			"0.5",
			"node.name=" + name};
	}

	static std::optional<Sample> failure(const std::string &why)
	{
		std::fprintf(stderr, "sample failed: %s\n", why.c_str());
		return std::nullopt;
	}

	std::string ampSocket() const { return sandbox_->ampDirectory() + "/sedan-amp.sock"; }

	bool playingIn(const Place &place)
	{
		std::string device = place.channel == kRearLeft.channel ? "rear-left.headphones"
									: "rear-right.headphones";
		return sandbox_->waitForTargets("passenger.player", {device});
	}

	std::string recordingPath() const { return sandbox_->ampDirectory() + "/sedan-amp.wav"; }

	/*
	 * Where the amplifier's frame count lands in its recording. The two
	 * agree until an xrun: an underrun records the frames still queued
	 * without counting them. With no stream playing the PCM stops and its
	 * recording is complete, so the difference then is exact, until the
	 * next xrun. Called with nothing playing.
	 */
	/*
	 * The driver's music plays in the cabin throughout, so the amplifier's
	 * PCM never stops while the player moves: a stopped PCM drops what it
	 * had queued and leaves no trace of the pause in the recording. After
	 * an xrun the music stops for a new calibration.
	 */
	bool keepAmpRunning()
	{
		if (background_ && calibratedXruns_ == ampXruns())
			return true;
		/* Everything stops, so that the PCM does; the film starts again with the next
		 * sample. */
		film_.reset();
		background_.reset();
		if (!calibrate())
			return false;
		background_.emplace(
			*sandbox_,
			sandbox_->spawn({DaemonSandbox::buildRoot() + "/tools/cabin-tone", "--freq",
					 "400", "--amplitude", "0.2", "node.name=driver.music"},
					{"cabin-driver", {}, {}, {}}));
		return sandbox_->waitForTargets("driver.music", {"cabin.speakers"});
	}

	std::uint64_t ampXruns()
	{
		auto now = test::readAmp(ampSocket());
		return now ? now->xruns : ~0ull;
	}

	bool calibrate()
	{
		std::optional<test::AmpCounters> stopped;
		if (!DaemonSandbox::waitFor(
			    [&] {
				    stopped = test::readAmp(ampSocket());
				    return stopped && !stopped->running;
			    },
			    20s))
			return false;
		/* The recorder drains its queue when the PCM stops. */
		std::uintmax_t size = 0, previous = 1;
		DaemonSandbox::waitFor(
			[&] {
				previous = size;
				std::error_code ignored;
				size = std::filesystem::file_size(recordingPath(), ignored);
				return size == previous;
			},
			2s);
		auto frames = static_cast<std::int64_t>((size - kWavHeader) / kWavFrameBytes);
		offset_ = frames - static_cast<std::int64_t>(stopped->frames);
		calibratedXruns_ = stopped->xruns;
		return true;
	}

	/*
	 * Reads the amplifier's frame count as it moves, does \a move, plays a
	 * second on and finds the first non-zero sample after that frame on
	 * the new zone's channel, and the last one on the old zone's before it.
	 */
	template<typename Move>
	std::optional<Sample> measure(const Place &from, const Place &to, Move move)
	{
		auto before = test::readAmpAsItMoves(ampSocket());
		if (!before)
			return failure("the amplifier does not move");
		move();
		std::uint64_t end = test::waitForAmpFrames(ampSocket(), before->frames + kRate);
		auto after = test::readAmp(ampSocket());
		if (!after || after->xruns != calibratedXruns_ || after->dropped)
			return Sample{-1, -1, true};
		/* From here on, frame counts are recording indexes. */
		const auto moved = static_cast<std::size_t>(
			static_cast<std::int64_t>(before->frames) + offset_);
		end = static_cast<std::size_t>(static_cast<std::int64_t>(end) + offset_);
		std::optional<test::Recording> rec;
		DaemonSandbox::waitFor(
			[&] {
				rec = test::readAmpRecording(recordingPath());
				return rec && rec->frames() >= end;
			},
			5s);
		if (!rec || rec->frames() < end)
			return failure("the recording stops short");
		std::size_t first = moved;
		while (first < end && rec->at(first, to.channel) == 0)
			first++;
		if (first == end)
			return failure("nothing heard on channel " + std::to_string(to.channel));
		std::size_t last = first;
		while (last > moved && rec->at(last - 1, from.channel) == 0)
			last--;
		return Sample{(first - moved) * 1000.0 / kRate, (first - last) * 1000.0 / kRate};
	}

	std::optional<DaemonSandbox> sandbox_;
	FakeLogind logind_;
	std::int64_t offset_ = 0;
	std::optional<Player> background_;
	std::optional<Player> film_;
	std::uint64_t calibratedXruns_ = 0;
	uid_t uid_ = 0;
	gid_t audioGid_ = 0;
};

void report(const char *setup, const Results &results)
{
	std::printf("%-10s %7zu %6d %9d | %8.1f %8.1f | %8.1f %8.1f\n", setup,
		    results.latency.size(), results.failed, results.discarded,
		    percentile(results.latency, 0.5), percentile(results.latency, 0.9),
		    percentile(results.silence, 0.5), percentile(results.silence, 0.9));
}

} // namespace
} // namespace cabin::bench

int main()
{
	using namespace cabin::bench;
	if (geteuid() != 0) {
		std::fprintf(stderr, "session-move: needs root for a private mount namespace\n");
		return 1;
	}
	std::string error;
	if (!FakeLogind::enterPrivateNamespace(&error)) {
		std::fprintf(stderr, "session-move: %s\n", error.c_str());
		return 1;
	}
	Bench bench;
	if (!bench.start(&error)) {
		std::fprintf(stderr, "session-move: %s\n", error.c_str());
		return 1;
	}
	/* Alternating, and each direction as often. */
	Results cabin, reconnect;
	for (int i = 0; i < samples(); i++) {
		const Place &from = i % 2 ? kRearRight : kRearLeft;
		const Place &to = i % 2 ? kRearLeft : kRearRight;
		cabin.add(bench.moveSession(from, to));
		reconnect.add(bench.reconnect(from, to));
	}

	/* Devices appearing, alternating the two ways a device gets its zone. */
	Results byUdev, byRule;
	for (int i = 0; i < samples(); i++) {
		byUdev.add(bench.plugDevice(true));
		byRule.add(bench.plugDevice(false));
	}
	bench.stopFilm();

	std::printf("move = the session file renamed (Cabin) or the player stopped (reconnect); "
		    "heard = its first sample in the new zone; silence = from its last sample in "
		    "the old zone to that one\n\n");
	std::printf("setup      samples failed discarded | heard med heard p90 | silence med "
		    "silence p90  (ms)\n");
	report("Cabin", cabin);
	report("reconnect", reconnect);
	double ratio = percentile(reconnect.latency, 0.5) > 0
			       ? percentile(cabin.latency, 0.5) / percentile(reconnect.latency, 0.5)
			       : -1;
	std::printf("\nratio of medians (Cabin / reconnect): %.2f\n", ratio);

	std::printf("\nplug = the device's node made (pw-cli launched); heard = rear-left's film's "
		    "first sample on it; silence = from its last sample on the device before\n\n");
	std::printf("setup      samples failed discarded | heard med heard p90 | silence med "
		    "silence p90  (ms)\n");
	report("udev seat", byUdev);
	report("zone rule", byRule);
	double plugRatio =
		percentile(byRule.latency, 0.5) > 0
			? percentile(byUdev.latency, 0.5) / percentile(byRule.latency, 0.5)
			: -1;
	std::printf("\nratio of medians (udev seat / zone rule): %.2f\n", plugRatio);
	return 0;
}
