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

#include <gtest/gtest.h>

#include "daemon-sandbox.hpp"
#include "tone-generator.hpp"
#include "wav-file.hpp"

namespace cabin::test {
namespace {

const ClientOptions kDriver{.remote = "cabin-driver"};
const ClientOptions kRearLeft{.remote = "cabin-rear-left"};
constexpr unsigned kRate = 48000;
constexpr unsigned kAmpChannels = 16;

/* What the zone node writes for a float sample on an S32 device. */
std::int32_t toDeviceS32(float value)
{
	return static_cast<std::int32_t>(std::lrintf(std::clamp(value, -1.0f, 1.0f) * 8388607.0f)) *
	       256;
}

struct Recording {
	WavInfo info;
	std::vector<std::int32_t> samples;
	std::size_t frames() const { return samples.size() / info.channels; }
	std::int32_t at(std::size_t frame, unsigned channel) const
	{
		return samples[frame * info.channels + channel];
	}
};

/*
 * Checks that \a channel carries the tone exactly: finds where the tone's
 * first non-zero sample landed and compares the next \a frames samples
 * with the regenerated tone. Returns a description of the first mismatch.
 */
std::string compareWithTone(const Recording &rec, unsigned channel, double frequency,
			    double amplitude, std::size_t frames)
{
	std::size_t start = 0;
	while (start < rec.frames() && rec.at(start, channel) == 0)
		start++;
	if (start == rec.frames())
		return "channel " + std::to_string(channel) + " is silent";
	/* The tone starts at phase 0, so its first sample is 0 and its second lands first. */
	ToneGenerator tone(frequency, amplitude, kRate);
	tone.next();
	if (rec.frames() - start < frames)
		return "channel " + std::to_string(channel) + " has only " +
		       std::to_string(rec.frames() - start) + " frames of the tone";
	for (std::size_t i = 0; i < frames; i++) {
		std::int32_t expected = toDeviceS32(tone.next());
		std::int32_t got = rec.at(start + i, channel);
		if (got != expected)
			return "channel " + std::to_string(channel) + " frame " +
			       std::to_string(start + i) + " (tone sample " +
			       std::to_string(i + 1) + "): " + std::to_string(got) + ", expected " +
			       std::to_string(expected);
	}
	return "";
}

class ZoneAudioTest : public ::testing::Test
{
protected:
	void startSandbox(SandboxOptions options)
	{
		sandbox_ = std::make_unique<DaemonSandbox>(std::move(options));
		std::string error;
		ASSERT_TRUE(sandbox_->start(&error)) << error;
	}

	void TearDown() override
	{
		if (HasFailure() && sandbox_)
			sandbox_->keepLogs();
		sandbox_.reset();
	}

	std::optional<Recording> readRecording(const std::string &name)
	{
		Recording rec;
		auto samples = readWavIntegers(sandbox_->ampDirectory() + "/" + name, &rec.info);
		if (!samples)
			return std::nullopt;
		rec.samples = std::move(*samples);
		return rec;
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
	std::set<std::string> portLatencies(const std::string &nodeName)
	{
		std::set<std::string> out;
		auto id = sandbox_->nodeId(nodeName);
		auto graph = sandbox_->dump();
		if (!id || !graph)
			return out;
		for (const JsonValue &object : graph->items()) {
			const JsonValue *info = object.find("info");
			const JsonValue *props = info ? info->find("props") : nullptr;
			if (object.stringOr("type") != "PipeWire:Interface:Port" || !props ||
			    props->find("node.id")->toInt() != static_cast<long long>(*id))
				continue;
			const JsonValue *params = info->find("params");
			const JsonValue *latency = params ? params->find("Latency") : nullptr;
			if (!latency)
				continue;
			for (const JsonValue &entry : latency->items())
				out.insert(entry.stringOr("direction") + ":" +
					   std::to_string(
						   entry.find("minRate")->toInt().value_or(-1)));
		}
		return out;
	}

	std::unique_ptr<DaemonSandbox> sandbox_;
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
	for (unsigned c = 0; c < 4; c++)
		EXPECT_EQ(compareWithTone(*rec, c, 440, 0.25, kRate), "") << "cabin speakers";
	for (unsigned c = 4; c < 6; c++)
		EXPECT_EQ(compareWithTone(*rec, c, 1000, 0.5, kRate), "") << "rear-left headphones";
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
	EXPECT_EQ(compareWithTone(*headphones, 0, 1000, 0.5, kRate), "");
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
	EXPECT_TRUE(DaemonSandbox::waitFor([&] { return count("xruns") == xruns + 1; }));
	/* The node restarted the PCM: it runs again and plays on. */
	ASSERT_TRUE(waitForPlayedFrames(kRate));
	EXPECT_EQ(sandbox_->ampStatus("sedan-amp.sock", "state"), "running");
	EXPECT_EQ(count("starts"), starts + 1);

	auto rec = readRecording("rear-left-headphones.wav");
	ASSERT_TRUE(rec);
	std::size_t tail = kRate / 2, loud = 0;
	ASSERT_GT(rec->frames(), tail);
	for (std::size_t i = rec->frames() - tail; i < rec->frames(); i++)
		loud += rec->at(i, 0) != 0;
	EXPECT_GT(loud, tail * 9 / 10) << "the tone must go on after the xrun";
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
	EXPECT_EQ(sandbox_->ampStatus("sedan-amp.sock", "stops"), "1");
}

} // namespace
} // namespace cabin::test
