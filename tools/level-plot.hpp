/* SPDX-License-Identifier: MIT */
/*
 * The core of cabin-levels: the windowed level of a group of channels of an
 * amplifier recording, and a picture of those levels over time (one strip
 * per zone, dBFS against seconds) written as PNG. Plain C++ with no
 * argument parsing so unit tests can feed it synthetic signals.
 */
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "wav-file.hpp"

namespace cabin {

/* The level of digital silence, and the lowest level reported. */
inline constexpr double kSilenceDb = -120.0;
/* The range the picture shows. */
inline constexpr double kPlotFloorDb = -60.0;
inline constexpr double kPlotCeilingDb = 0.0;

struct LevelTrace {
	std::string name;
	std::vector<unsigned> channels;
	/* Seconds from the start of the recording to the first window. */
	double start = 0.0;
	/* Seconds per window. */
	double window = 0.0;
	/* RMS over the channels in each window, in dBFS, at least kSilenceDb. */
	std::vector<double> levels;
};

/*
 * The level of \a channels in consecutive windows of \a windowFrames over
 * frames [from, to) of \a wav. A last window shorter than \a windowFrames is
 * left out, unless the range is shorter than one window: then it is one
 * window. Channels must exist in \a wav.
 */
LevelTrace computeLevels(const WavData &wav, const std::vector<unsigned> &channels,
			 std::size_t windowFrames, std::size_t from, std::size_t to);

struct LevelSummary {
	double median = kSilenceDb;
	double min = kSilenceDb;
	double max = kSilenceDb;
};

LevelSummary summarise(const std::vector<double> &levels);

/* "-12.3 dBFS", or "silent" at kSilenceDb. */
std::string formatLevel(double db);

struct PlotMark {
	double seconds = 0.0;
	std::string label;
};

struct PlotOptions {
	/* The time axis, in seconds of the recording. */
	double from = 0.0;
	double to = 0.0;
	std::string title;
	std::vector<PlotMark> marks;
};

struct Rgb {
	std::uint8_t r = 0, g = 0, b = 0;
	bool operator==(const Rgb &) const = default;
};

/* 8-bit RGB, row by row, no padding. */
class RgbImage
{
public:
	RgbImage(unsigned width, unsigned height, Rgb fill);

	unsigned width() const { return width_; }
	unsigned height() const { return height_; }
	const std::uint8_t *data() const { return pixels_.data(); }

	Rgb at(unsigned x, unsigned y) const;
	/* Out-of-range pixels are ignored, so drawing may overrun the edges. */
	void set(int x, int y, Rgb colour);
	/* Mixes \a colour over the pixel with opacity \a alpha in [0, 1]. */
	void blend(int x, int y, Rgb colour, double alpha);
	void fillRect(int x, int y, int width, int height, Rgb colour);

private:
	unsigned width_;
	unsigned height_;
	std::vector<std::uint8_t> pixels_;
};

struct PlotRect {
	int x = 0, y = 0, width = 0, height = 0;
};

/* Where things are in a picture of \a zones strips. */
struct PlotLayout {
	unsigned width = 0;
	unsigned height = 0;
	/* Per zone: its name and summary line, and the area of the curve (0 dB at the top). */
	std::vector<PlotRect> headers;
	std::vector<PlotRect> plots;
};

PlotLayout plotLayout(std::size_t zones);

RgbImage renderLevelPlot(const std::vector<LevelTrace> &traces, const PlotOptions &options);

/*
 * The built-in 5x7 font (with two rows of descenders), drawn at \a scale
 * pixels per dot. Characters it lacks are drawn as '?'. \a y is the top of
 * a capital letter.
 */
void drawText(RgbImage &image, int x, int y, std::string_view text, Rgb colour, int scale);
int textWidth(std::string_view text, int scale);

/* On failure returns false and sets \a error to why. */
bool writePng(const std::string &path, const RgbImage &image, std::string *error);

} // namespace cabin
