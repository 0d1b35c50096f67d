/* SPDX-License-Identifier: MIT */
/*
 * The zone mixing node on the simulated amplifier, with the real daemons:
 * what each zone plays lands sample for sample on its own channels of the
 * one shared PCM and nowhere else; the latency a stream sees includes the
 * amplifier's delay; an xrun is recovered; the PCM stops when idle.
 */
#include <algorithm>
#include <cmath>
#include <memory>
#include <optional>

#include <gtest/gtest.h>

#include "amp-recording.hpp"
#include "sandbox-test.hpp"

namespace cabin::test {
namespace {

const ClientOptions kDriver{.remote = "cabin-driver"};
const ClientOptions kRearLeft{.remote = "cabin-rear-left"};
constexpr unsigned kAmpChannels = 16;

class ZoneAudioTest : public SandboxTest
{
protected:
	std::optional<Recording> readRecording(const std::string &name)
	{
		return readAmpRecording(sandbox_->ampDirectory() + "/" + name);
	}

	/* Waits until the amplifier has played \a frames more frames than now. */
	bool waitForPlayedFrames(std::uint64_t frames)
	{
		auto framesNow = [&]() -> std::uint64_t {
			auto value = sandbox_->ampStatus("sedan-amp.sock", "frames");
			return value ? std::stoull(*value) : 0;
		};
		std::uint64_t target = framesNow() + frames;
		return DaemonSandbox::waitFor([&] { return framesNow() >= target; }, 20s);
	}

	/* The Latency params of the node's input ports, as "direction:minRate" strings. */
	/* The node's port latencies as "Direction:minRate" strings. */
	std::set<std::string> portLatencies(const std::string &nodeName)
	{
		std::set<std::string> out;
		for (const auto &latency : sandbox_->portLatencies(nodeName))
			out.insert(latency.direction + ":" + std::to_string(latency.minRate));
		return out;
	}
};

TEST_F(ZoneAudioTest, TwoZonesLandSampleExactlyOnTheirOwnChannels)
{
	startSandbox(DaemonSandbox::sedan());
	/* The cabin zone has four speakers, so the driver's tone has four channels. */
	sandbox_->spawn({DaemonSandbox::buildRoot() + "/tools/cabin-tone", "--channels", "4",
			 "--freq", "440", "--amplitude", "0.25", "node.name=driver.music"},
			kDriver);
	sandbox_->spawn({DaemonSandbox::buildRoot() + "/tools/cabin-tone", "--freq", "1000",
			 "--amplitude", "0.5", "node.name=rear-left.film"},
			kRearLeft);
	ASSERT_TRUE(sandbox_->waitForTargets("driver.music", {"cabin.speakers"}));
	ASSERT_TRUE(sandbox_->waitForTargets("rear-left.film", {"rear-left.headphones"}));
	ASSERT_TRUE(waitForPlayedFrames(2 * kRate));

	auto rec = readRecording("sedan-amp.wav");
	ASSERT_TRUE(rec);
	ASSERT_EQ(rec->info.channels, kAmpChannels);
	ASSERT_EQ(rec->info.format, SampleFormat::S32);
	/* Gaps are allowed only where the amplifier reports an xrun (a loaded machine). */
	int xruns = std::stoi(sandbox_->ampStatus("sedan-amp.sock", "xruns").value_or("0"));
	int resyncs = 0;
	for (unsigned c = 0; c < 4; c++) {
		EXPECT_EQ(compareWithTone(*rec, c, 440, 0.25, kRate, &resyncs), "")
			<< "cabin speakers";
		EXPECT_LE(resyncs, xruns);
	}
	for (unsigned c = 4; c < 6; c++) {
		EXPECT_EQ(compareWithTone(*rec, c, 1000, 0.5, kRate, &resyncs), "")
			<< "rear-left headphones";
		EXPECT_LE(resyncs, xruns);
	}
	for (unsigned c = 6; c < kAmpChannels; c++) {
		std::size_t loud = 0;
		for (std::size_t i = 0; i < rec->frames(); i++)
			loud += rec->at(i, c) != 0;
		EXPECT_EQ(loud, 0u) << "channel " << c << " belongs to no playing zone";
	}

	/* The per-zone recordings of the example split the same frames. */
	auto headphones = readRecording("rear-left-headphones.wav");
	ASSERT_TRUE(headphones);
	ASSERT_EQ(headphones->info.channels, 2u);
	EXPECT_EQ(compareWithTone(*headphones, 0, 1000, 0.5, kRate, &resyncs), "");
	EXPECT_LE(resyncs, xruns);
}

TEST_F(ZoneAudioTest, ReportedLatencyIncludesTheAmplifiersDelay)
{
	startSandbox(DaemonSandbox::sedan());
	sandbox_->playTone("rear-left.film", kRearLeft);
	ASSERT_TRUE(sandbox_->waitForTargets("rear-left.film", {"rear-left.headphones"}));
	/* The sedan's amplifier adds 96 frames after the ring buffer (fifo_delay). */
	EXPECT_TRUE(DaemonSandbox::waitFor([&] {
		return portLatencies("rear-left.headphones").contains("Input:96");
	})) << "rear-left.headphones port latencies:"
	    << [&] {
		       std::string all;
		       for (const std::string &entry : portLatencies("rear-left.headphones"))
			       all += " " + entry;
		       return all;
	       }();
	/* The stream sees it downstream of its own port too. */
	EXPECT_TRUE(DaemonSandbox::waitFor(
		[&] { return portLatencies("rear-left.film").contains("Input:96"); }));
}

TEST_F(ZoneAudioTest, ALargerAmplifierDelayIsReportedAsSuch)
{
	SandboxOptions options = DaemonSandbox::sedan();
	/* The same car with a slower amplifier: 10 ms of FIFO. */
	options.alsaText = "pcm.cabin_sedan_amp.fifo_delay 480\n";
	startSandbox(std::move(options));
	sandbox_->playTone("driver.music", kDriver);
	ASSERT_TRUE(sandbox_->waitForTargets("driver.music", {"cabin.speakers"}));
	EXPECT_TRUE(DaemonSandbox::waitFor(
		[&] { return portLatencies("cabin.speakers").contains("Input:480"); }));
	EXPECT_FALSE(portLatencies("cabin.speakers").contains("Input:96"));
}

TEST_F(ZoneAudioTest, InjectedXrunIsRecoveredAndPlaybackContinues)
{
	startSandbox(DaemonSandbox::sedan());
	sandbox_->playTone("rear-left.film", kRearLeft, {"--freq", "1000"});
	ASSERT_TRUE(sandbox_->waitForTargets("rear-left.film", {"rear-left.headphones"}));
	ASSERT_TRUE(waitForPlayedFrames(kRate / 2));
	auto count = [&](const char *key) {
		return std::stoi(sandbox_->ampStatus("sedan-amp.sock", key).value_or("-1"));
	};
	int xruns = count("xruns"), starts = count("starts");

	ASSERT_EQ(sandbox_->ampCommand("sedan-amp.sock", "xrun"), "ok\n");
	EXPECT_TRUE(DaemonSandbox::waitFor([&] { return count("xruns") >= xruns + 1; }));
	/* The node restarted the PCM: it runs again and plays on. */
	ASSERT_TRUE(waitForPlayedFrames(kRate));
	EXPECT_EQ(sandbox_->ampStatus("sedan-amp.sock", "state"), "running");
	/*
	 * One restart per xrun. A stalled virtual machine can add real xruns
	 * to the injected one; each must be recovered the same way.
	 */
	EXPECT_EQ(count("starts") - starts, count("xruns") - xruns);

	auto rec = readRecording("rear-left-headphones.wav");
	ASSERT_TRUE(rec);
	std::size_t tail = kRate / 2, loud = 0;
	ASSERT_GT(rec->frames(), tail);
	for (std::size_t i = rec->frames() - tail; i < rec->frames(); i++)
		loud += rec->at(i, 0) != 0;
	/* Mostly loud: a failed recovery leaves silence; a later real xrun only a gap. */
	EXPECT_GT(loud, tail / 2) << "the tone must go on after the xrun";
}

TEST_F(ZoneAudioTest, PcmStopsWhenTheLastStreamStops)
{
	startSandbox(DaemonSandbox::sedan());
	pid_t film = sandbox_->playTone("rear-left.film", kRearLeft);
	pid_t music = sandbox_->playTone("driver.music", kDriver);
	ASSERT_TRUE(sandbox_->waitForTargets("rear-left.film", {"rear-left.headphones"}));
	ASSERT_TRUE(DaemonSandbox::waitFor(
		[&] { return sandbox_->ampStatus("sedan-amp.sock", "state") == "running"; }));

	sandbox_->stop(film);
	/* One zone still plays: the PCM keeps running. */
	ASSERT_TRUE(waitForPlayedFrames(kRate / 4));
	EXPECT_EQ(sandbox_->ampStatus("sedan-amp.sock", "state"), "running");

	sandbox_->stop(music);
	EXPECT_TRUE(DaemonSandbox::waitFor(
		[&] { return sandbox_->ampStatus("sedan-amp.sock", "state") == "stopped"; }));
	/* One stop for the last stream; a real xrun on a stalled machine adds its own. */
	int stops = std::stoi(sandbox_->ampStatus("sedan-amp.sock", "stops").value_or("-1"));
	int xruns = std::stoi(sandbox_->ampStatus("sedan-amp.sock", "xruns").value_or("-1"));
	EXPECT_EQ(stops - xruns, 1) << stops << " stops, " << xruns << " xruns";
}

} // namespace
} // namespace cabin::test
