/* SPDX-License-Identifier: MIT */
/*
 * Tests the core of cabin-levels (tools/level-plot): window levels of
 * synthetic signals, channel selection, the summary, and the picture as
 * libpng reads it back.
 */
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <png.h>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "level-plot.hpp"

namespace cabin::test {
namespace {

constexpr unsigned kRate = 48000;
/* 10 ms: 480 frames, a whole number of periods of a 1 kHz sine. */
constexpr std::size_t kWindow = 480;
constexpr double kFrequency = 1000.0;

/* The amplitude of a sine whose RMS is \a db dBFS. */
double sineAmplitude(double db)
{
	return std::sqrt(2.0) * std::pow(10.0, db / 20);
}

WavData silence(unsigned channels, std::size_t frames)
{
	WavData wav;
	wav.info = {SampleFormat::F32, channels, kRate};
	wav.samples.assign(frames * channels, 0.0f);
	return wav;
}

/* Puts a sine of \a amplitude on \a channel in frames [from, to). */
void addSine(WavData &wav, unsigned channel, double amplitude, std::size_t from, std::size_t to)
{
	for (std::size_t i = from; i < to; i++)
		wav.samples[i * wav.info.channels + channel] =
			static_cast<float>(amplitude * std::sin(2 * M_PI * kFrequency * i / kRate));
}

TEST(LevelPlotTest, FullScaleSineIsAboutMinus3Dbfs)
{
	WavData wav = silence(1, kRate);
	addSine(wav, 0, 1.0, 0, kRate);
	LevelTrace trace = computeLevels(wav, {0}, kWindow, 0, wav.frames());
	ASSERT_EQ(trace.levels.size(), 100u);
	EXPECT_DOUBLE_EQ(trace.window, 0.01);
	EXPECT_DOUBLE_EQ(trace.start, 0.0);
	for (double level : trace.levels)
		EXPECT_NEAR(level, -3.01, 0.02);
}

TEST(LevelPlotTest, SilenceIsTheFloor)
{
	WavData wav = silence(2, kRate / 2);
	LevelTrace trace = computeLevels(wav, {0, 1}, kWindow, 0, wav.frames());
	ASSERT_EQ(trace.levels.size(), 50u);
	for (double level : trace.levels)
		EXPECT_EQ(level, kSilenceDb);
	LevelSummary summary = summarise(trace.levels);
	EXPECT_EQ(formatLevel(summary.median), "silent");
	EXPECT_EQ(formatLevel(summary.max), "silent");
}

TEST(LevelPlotTest, AStepShowsInTheWindowItHappens)
{
	/* -20 dBFS for 0.5 s, then -6 dBFS: the step starts window 50. */
	WavData wav = silence(1, kRate);
	addSine(wav, 0, sineAmplitude(-20), 0, kRate / 2);
	addSine(wav, 0, sineAmplitude(-6), kRate / 2, kRate);
	LevelTrace trace = computeLevels(wav, {0}, kWindow, 0, wav.frames());
	ASSERT_EQ(trace.levels.size(), 100u);
	for (std::size_t w = 0; w < 50; w++)
		EXPECT_NEAR(trace.levels[w], -20.0, 0.02) << "window " << w;
	for (std::size_t w = 50; w < 100; w++)
		EXPECT_NEAR(trace.levels[w], -6.0, 0.02) << "window " << w;

	/* Half a window later, the window it falls in is between the two. */
	WavData late = silence(1, kRate);
	addSine(late, 0, sineAmplitude(-20), 0, kRate / 2 + kWindow / 2);
	addSine(late, 0, sineAmplitude(-6), kRate / 2 + kWindow / 2, kRate);
	trace = computeLevels(late, {0}, kWindow, 0, late.frames());
	EXPECT_NEAR(trace.levels[49], -20.0, 0.02);
	EXPECT_GT(trace.levels[50], -20.0 + 1);
	EXPECT_LT(trace.levels[50], -6.0 - 1);
	EXPECT_NEAR(trace.levels[51], -6.0, 0.02);
}

TEST(LevelPlotTest, OnlyTheZonesChannelsCount)
{
	WavData wav = silence(3, kRate / 10);
	addSine(wav, 0, 1.0, 0, wav.frames());
	addSine(wav, 2, sineAmplitude(-20), 0, wav.frames());
	auto level = [&](std::vector<unsigned> channels) {
		return summarise(computeLevels(wav, channels, kWindow, 0, wav.frames()).levels)
			.median;
	};
	EXPECT_NEAR(level({0}), -3.01, 0.02);
	EXPECT_EQ(level({1}), kSilenceDb);
	EXPECT_NEAR(level({2}), -20.0, 0.02);
	/* The mean power over both channels: half of channel 0's. */
	EXPECT_NEAR(level({0, 1}), -6.02, 0.02);
	EXPECT_NEAR(level({1, 0}), -6.02, 0.02);
	EXPECT_EQ(computeLevels(wav, {2, 0}, kWindow, 0, wav.frames()).channels,
		  (std::vector<unsigned>{2, 0}));
}

TEST(LevelPlotTest, TheRangeAndItsWindows)
{
	WavData wav = silence(1, kRate);
	addSine(wav, 0, 1.0, 0, wav.frames());
	/* 0.25 s to 0.505 s: 25 whole windows and a 5 ms rest, left out. */
	LevelTrace trace =
		computeLevels(wav, {0}, kWindow, kRate / 4, kRate / 4 + 25 * kWindow + kWindow / 2);
	EXPECT_DOUBLE_EQ(trace.start, 0.25);
	EXPECT_EQ(trace.levels.size(), 25u);
	/* Shorter than a window: one window of all of it. */
	trace = computeLevels(wav, {0}, kWindow, 0, kWindow / 2);
	ASSERT_EQ(trace.levels.size(), 1u);
	EXPECT_NEAR(trace.levels[0], -3.01, 0.05);
	/* Past the end stops at the end. */
	trace = computeLevels(wav, {0}, kWindow, 0, 10 * kRate);
	EXPECT_EQ(trace.levels.size(), 100u);
}

TEST(LevelPlotTest, Summary)
{
	LevelSummary summary = summarise({-10, -30, -20});
	EXPECT_EQ(summary.median, -20);
	EXPECT_EQ(summary.min, -30);
	EXPECT_EQ(summary.max, -10);
	EXPECT_EQ(summarise({-10, -30, -20, -40}).median, -25);
	EXPECT_EQ(formatLevel(-12.34), "-12.3 dBFS");
	EXPECT_EQ(summarise({}).median, kSilenceDb);
}

TEST(LevelPlotTest, TextWidth)
{
	EXPECT_EQ(textWidth("", 2), 0);
	EXPECT_EQ(textWidth("a", 1), 5);
	EXPECT_EQ(textWidth("-60", 2), 34);
}

/* Pixels that are clearly coloured: the curve, not the greys of text and grid. */
std::size_t colouredPixels(const std::vector<std::uint8_t> &rgb, unsigned width,
			   const PlotRect &rect)
{
	std::size_t count = 0;
	for (int y = rect.y; y < rect.y + rect.height; y++) {
		for (int x = rect.x; x < rect.x + rect.width; x++) {
			const std::uint8_t *p = &rgb[(std::size_t(y) * width + x) * 3];
			int lo = std::min({p[0], p[1], p[2]});
			int hi = std::max({p[0], p[1], p[2]});
			count += hi - lo > 24;
		}
	}
	return count;
}

TEST(LevelPlotTest, PngReadsBackWithLouderZoneFilledHigher)
{
	WavData wav = silence(4, 2 * kRate);
	addSine(wav, 0, sineAmplitude(-6), 0, wav.frames());
	addSine(wav, 1, sineAmplitude(-6), 0, wav.frames());
	addSine(wav, 2, sineAmplitude(-45), 0, wav.frames());
	std::vector<LevelTrace> traces = {
		computeLevels(wav, {0, 1}, kWindow, 0, wav.frames()),
		computeLevels(wav, {2, 3}, kWindow, 0, wav.frames()),
	};
	traces[0].name = "loud";
	traces[1].name = "quiet";
	PlotOptions options;
	options.from = 0;
	options.to = 2;
	options.title = "test.wav";

	char dir[] = "/tmp/cabin-level-plot-test-XXXXXX";
	ASSERT_TRUE(mkdtemp(dir));
	const std::string path = std::string(dir) + "/levels.png";
	std::string error;
	ASSERT_TRUE(writePng(path, renderLevelPlot(traces, options), &error)) << error;

	png_image png = {};
	png.version = PNG_IMAGE_VERSION;
	ASSERT_TRUE(png_image_begin_read_from_file(&png, path.c_str())) << png.message;
	const PlotLayout layout = plotLayout(2);
	EXPECT_EQ(png.width, layout.width);
	EXPECT_EQ(png.height, layout.height);
	EXPECT_EQ(layout.width, 1200u);
	png.format = PNG_FORMAT_RGB;
	std::vector<std::uint8_t> rgb(PNG_IMAGE_SIZE(png));
	ASSERT_TRUE(png_image_finish_read(&png, nullptr, rgb.data(), 0, nullptr)) << png.message;
	std::filesystem::remove_all(dir);

	const std::size_t loud = colouredPixels(rgb, png.width, layout.plots[0]);
	const std::size_t quiet = colouredPixels(rgb, png.width, layout.plots[1]);
	/* -6 dB fills 9/10 of the strip, -45 dB a quarter. */
	EXPECT_GT(loud, 3 * quiet);
	EXPECT_GT(quiet, 0u);
}

TEST(LevelPlotTest, PngToAMissingDirectoryFails)
{
	std::string error;
	EXPECT_FALSE(writePng("/nonexistent/cabin/levels.png", RgbImage(4, 4, {}), &error));
	EXPECT_FALSE(error.empty());
}

} // namespace
} // namespace cabin::test
