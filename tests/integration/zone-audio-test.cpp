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

#include "sandbox-test.hpp"
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
 * first non-zero sample landed, then walks the recording comparing every
 * sample with the regenerated tone until \a frames samples matched. An
 * xrun leaves a run of silence and loses some samples; after such a gap the
 * walk picks the tone up again further on and counts a resync in
 * \a resyncs (the caller checks the amplifier reported that many xruns).
 * Any sample that is neither the tone's next one nor a gap is an error.
 */
std::string compareWithTone(const Recording &rec, unsigned channel, double frequency,
			    double amplitude, std::size_t frames, int *resyncs)
{
	const std::string where = "channel " + std::to_string(channel);
	std::vector<std::int32_t> tone;
	ToneGenerator generator(frequency, amplitude, kRate);
	for (std::size_t i = 0; i < rec.frames() * 2 + kRate; i++)
		tone.push_back(toDeviceS32(generator.next()));

	/* Where in the tone does recording frame \a at continue, from \a from on? */
	auto findInTone = [&](std::size_t at, std::size_t from) -> std::optional<std::size_t> {
		for (std::size_t t = from; t + 4 < tone.size(); t++) {
			bool same = true;
			for (std::size_t k = 0; k < 4 && same; k++)
				same = at + k < rec.frames() &&
				       rec.at(at + k, channel) == tone[t + k];
			if (same)
				return t;
		}
		return std::nullopt;
	};

	std::size_t i = 0;
	while (i < rec.frames() && rec.at(i, channel) == 0)
		i++;
	if (i == rec.frames())
		return where + " is silent";
	/*
	 * The tone starts at phase 0 (its first sample is 0, so look from the
	 * second), but the links of a multichannel stream's ports can become
	 * active in different cycles: a channel may join a quantum or two into
	 * the tone. From there on every sample must be exact.
	 */
	auto t = findInTone(i, 1);
	if (!t || *t > 4096)
		return where + " frame " + std::to_string(i) + " does not carry the tone (sample " +
		       std::to_string(rec.at(i, channel)) + ", found at tone sample " +
		       (t ? std::to_string(*t) : std::string("none")) + ")";
	std::size_t matched = 0;
	*resyncs = 0;
	for (; i < rec.frames() && matched < frames; i++) {
		if (rec.at(i, channel) == tone[*t]) {
			matched++;
			++*t;
			continue;
		}
		if (rec.at(i, channel) != 0)
			return where + " frame " + std::to_string(i) + ": " +
			       std::to_string(rec.at(i, channel)) + ", expected " +
			       std::to_string(tone[*t]) + " (tone sample " + std::to_string(*t) +
			       ")";
		/* A gap: skip it and find where the tone goes on. */
		std::size_t next = i;
		while (next < rec.frames() && rec.at(next, channel) == 0)
			next++;
		if (next == rec.frames())
			break;
		auto resumed = findInTone(next, *t);
		if (!resumed)
			return where + " frame " + std::to_string(next) +
			       ": after a gap the samples are not the tone's";
		++*resyncs;
		t = resumed;
		i = next - 1;
	}
	if (matched < frames)
		return where + " has only " + std::to_string(matched) + " frames of the tone";
	return "";
}

class ZoneAudioTest : public SandboxTest
{
protected:
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
