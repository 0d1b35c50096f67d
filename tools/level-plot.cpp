/* SPDX-License-Identifier: MIT */
#include "level-plot.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <png.h>

namespace cabin {

namespace {

/*
 * 5 columns per row, rows separated by spaces: 7 rows from the top of a
 * capital to the baseline, then optionally 2 rows of descender.
 */
struct Glyph {
	char c;
	const char *rows;
};

constexpr Glyph kFont[] = {
	{' ', "..... ..... ..... ..... ..... ..... ....."},
	{'0', ".###. #...# #..## #.#.# ##..# #...# .###."},
	{'1', "..#.. .##.. ..#.. ..#.. ..#.. ..#.. .###."},
	{'2', ".###. #...# ....# ...#. ..#.. .#... #####"},
	{'3', ".###. #...# ....# ..##. ....# #...# .###."},
	{'4', "...#. ..##. .#.#. #..#. ##### ...#. ...#."},
	{'5', "##### #.... ####. ....# ....# #...# .###."},
	{'6', "..##. .#... #.... ####. #...# #...# .###."},
	{'7', "##### ....# ...#. ..#.. .#... .#... .#..."},
	{'8', ".###. #...# #...# .###. #...# #...# .###."},
	{'9', ".###. #...# #...# .#### ....# ...#. .##.."},
	{'A', ".###. #...# #...# ##### #...# #...# #...#"},
	{'B', "####. #...# #...# ####. #...# #...# ####."},
	{'C', ".###. #...# #.... #.... #.... #...# .###."},
	{'D', "###.. #..#. #...# #...# #...# #..#. ###.."},
	{'E', "##### #.... #.... ####. #.... #.... #####"},
	{'F', "##### #.... #.... ####. #.... #.... #...."},
	{'G', ".###. #...# #.... #.### #...# #...# .####"},
	{'H', "#...# #...# #...# ##### #...# #...# #...#"},
	{'I', ".###. ..#.. ..#.. ..#.. ..#.. ..#.. .###."},
	{'J', "..### ...#. ...#. ...#. ...#. #..#. .##.."},
	{'K', "#...# #..#. #.#.. ##... #.#.. #..#. #...#"},
	{'L', "#.... #.... #.... #.... #.... #.... #####"},
	{'M', "#...# ##.## #.#.# #.#.# #...# #...# #...#"},
	{'N', "#...# #...# ##..# #.#.# #..## #...# #...#"},
	{'O', ".###. #...# #...# #...# #...# #...# .###."},
	{'P', "####. #...# #...# ####. #.... #.... #...."},
	{'Q', ".###. #...# #...# #...# #.#.# #..#. .##.#"},
	{'R', "####. #...# #...# ####. #.#.. #..#. #...#"},
	{'S', ".#### #.... #.... .###. ....# ....# ####."},
	{'T', "##### ..#.. ..#.. ..#.. ..#.. ..#.. ..#.."},
	{'U', "#...# #...# #...# #...# #...# #...# .###."},
	{'V', "#...# #...# #...# #...# #...# .#.#. ..#.."},
	{'W', "#...# #...# #...# #.#.# #.#.# #.#.# .#.#."},
	{'X', "#...# #...# .#.#. ..#.. .#.#. #...# #...#"},
	{'Y', "#...# #...# .#.#. ..#.. ..#.. ..#.. ..#.."},
	{'Z', "##### ....# ...#. ..#.. .#... #.... #####"},
	{'a', "..... ..... .###. ....# .#### #...# .####"},
	{'b', "#.... #.... #.##. ##..# #...# #...# ####."},
	{'c', "..... ..... .###. #.... #.... #...# .###."},
	{'d', "....# ....# .##.# #..## #...# #...# .####"},
	{'e', "..... ..... .###. #...# ##### #.... .###."},
	{'f', "..##. .#..# .#... ###.. .#... .#... .#..."},
	{'g', "..... ..... .#### #...# #...# #...# .#### ....# .###."},
	{'h', "#.... #.... #.##. ##..# #...# #...# #...#"},
	{'i', "..#.. ..... .##.. ..#.. ..#.. ..#.. .###."},
	{'j', "...#. ..... ..##. ...#. ...#. ...#. ...#. #..#. .##.."},
	{'k', "#.... #.... #..#. #.#.. ##... #.#.. #..#."},
	{'l', ".##.. ..#.. ..#.. ..#.. ..#.. ..#.. .###."},
	{'m', "..... ..... ##.#. #.#.# #.#.# #.#.# #.#.#"},
	{'n', "..... ..... #.##. ##..# #...# #...# #...#"},
	{'o', "..... ..... .###. #...# #...# #...# .###."},
	{'p', "..... ..... ####. #...# #...# #...# ####. #.... #...."},
	{'q', "..... ..... .#### #...# #...# #...# .#### ....# ....#"},
	{'r', "..... ..... #.##. ##..# #.... #.... #...."},
	{'s', "..... ..... .###. #.... .###. ....# ####."},
	{'t', ".#... .#... ###.. .#... .#... .#..# ..##."},
	{'u', "..... ..... #...# #...# #...# #..## .##.#"},
	{'v', "..... ..... #...# #...# #...# .#.#. ..#.."},
	{'w', "..... ..... #...# #...# #.#.# #.#.# .#.#."},
	{'x', "..... ..... #...# .#.#. ..#.. .#.#. #...#"},
	{'y', "..... ..... #...# #...# #...# #...# .#### ....# .###."},
	{'z', "..... ..... ##### ...#. ..#.. .#... #####"},
	{'-', "..... ..... ..... .###. ..... ..... ....."},
	{'.', "..... ..... ..... ..... ..... .##.. .##.."},
	{',', "..... ..... ..... ..... ..... .##.. .##.. ..#.. .#..."},
	{':', "..... .##.. .##.. ..... .##.. .##.. ....."},
	{'_', "..... ..... ..... ..... ..... ..... ..... #####"},
	{'/', "..... ....# ...#. ..#.. .#... #.... ....."},
	{'(', "...#. ..#.. .#... .#... .#... ..#.. ...#."},
	{')', ".#... ..#.. ...#. ...#. ...#. ..#.. .#..."},
	{'+', "..... ..#.. ..#.. ##### ..#.. ..#.. ....."},
	{'=', "..... ..... ##### ..... ##### ..... ....."},
	{'%', "##... ##..# ...#. ..#.. .#... #..## ...##"},
	{'\'', "..#.. ..#.. .#... ..... ..... ..... ....."},
	{'?', ".###. #...# ....# ...#. ..#.. ..... ..#.."},
};

constexpr int kGlyphWidth = 5;
constexpr int kGlyphAdvance = 6;

const Glyph &glyphFor(char c)
{
	for (const Glyph &glyph : kFont)
		if (glyph.c == c)
			return glyph;
	return glyphFor('?');
}

/* Picture geometry, in pixels. */
constexpr int kWidth = 1200;
constexpr int kPlotLeft = 64;
constexpr int kPlotRight = kWidth - 56;
constexpr int kTitleTop = 12;
/* Two rows of marker labels under the title. */
constexpr int kMarkRowTop = 38;
constexpr int kMarkRowHeight = 20;
constexpr int kStripsTop = kMarkRowTop + 2 * kMarkRowHeight + 4;
constexpr int kHeaderHeight = 26;
constexpr int kPlotHeight = 106;
constexpr int kStripHeight = 140;
constexpr int kAxisHeight = 40;
constexpr int kTextScale = 2;

constexpr Rgb kBackground{255, 255, 255};
constexpr Rgb kPlotBackground{246, 246, 246};
constexpr Rgb kGrid{224, 224, 224};
constexpr Rgb kFrame{170, 170, 170};
constexpr Rgb kText{40, 40, 40};
constexpr Rgb kQuietText{115, 115, 115};
constexpr Rgb kMarkColour{200, 30, 30};
/* Zones take these in turn; no red, which marks events. */
constexpr Rgb kPalette[] = {
	{31, 119, 180}, {235, 125, 20}, {44, 160, 44},	 {148, 103, 189},
	{23, 160, 180}, {140, 86, 75},	{220, 100, 180}, {150, 150, 30},
};

double toDb(double power)
{
	if (power <= 0)
		return kSilenceDb;
	return std::max(kSilenceDb, 10 * std::log10(power));
}

std::string formatSeconds(double seconds, int decimals)
{
	char text[32];
	std::snprintf(text, sizeof(text), "%.*f", decimals, seconds);
	return text;
}

/* A tick step that gives at most about a dozen ticks over \a span seconds. */
double tickStep(double span)
{
	static constexpr double kSteps[] = {0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1,
					    0.2,   0.5,	  1,	 2,    5,    10,   15,
					    30,	   60,	  120,	 300,  600,  1800, 3600};
	for (double step : kSteps)
		if (span / step <= 12)
			return step;
	return 7200;
}

int decimalsFor(double step)
{
	if (step >= 1)
		return 0;
	return static_cast<int>(std::ceil(-std::log10(step) - 1e-9));
}

std::string channelList(const std::vector<unsigned> &channels)
{
	std::string text;
	for (unsigned channel : channels)
		text += (text.empty() ? "" : ",") + std::to_string(channel);
	return text;
}

} // namespace

LevelTrace computeLevels(const WavData &wav, const std::vector<unsigned> &channels,
			 std::size_t windowFrames, std::size_t from, std::size_t to)
{
	LevelTrace trace;
	trace.channels = channels;
	to = std::min(to, wav.frames());
	from = std::min(from, to);
	windowFrames = std::max<std::size_t>(windowFrames, 1);
	const double rate = wav.info.rate ? wav.info.rate : 1;
	trace.start = from / rate;
	trace.window = windowFrames / rate;
	if (channels.empty() || from == to)
		return trace;

	std::size_t windows = (to - from) / windowFrames;
	if (windows == 0) {
		windows = 1;
		windowFrames = to - from;
	}
	trace.levels.reserve(windows);
	for (std::size_t w = 0; w < windows; w++) {
		double sum = 0;
		const std::size_t first = from + w * windowFrames;
		for (std::size_t i = first; i < first + windowFrames; i++) {
			for (unsigned channel : channels) {
				const double v = wav.at(i, channel);
				sum += v * v;
			}
		}
		trace.levels.push_back(toDb(sum / (windowFrames * channels.size())));
	}
	return trace;
}

LevelSummary summarise(const std::vector<double> &levels)
{
	LevelSummary summary;
	if (levels.empty())
		return summary;
	std::vector<double> sorted = levels;
	std::sort(sorted.begin(), sorted.end());
	const std::size_t middle = sorted.size() / 2;
	summary.median =
		sorted.size() % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
	summary.min = sorted.front();
	summary.max = sorted.back();
	return summary;
}

std::string formatLevel(double db)
{
	if (db <= kSilenceDb)
		return "silent";
	char text[32];
	std::snprintf(text, sizeof(text), "%.1f dBFS", db);
	return text;
}

RgbImage::RgbImage(unsigned width, unsigned height, Rgb fill)
    : width_(width), height_(height), pixels_(std::size_t(width) * height * 3)
{
	for (std::size_t i = 0; i < pixels_.size(); i += 3) {
		pixels_[i] = fill.r;
		pixels_[i + 1] = fill.g;
		pixels_[i + 2] = fill.b;
	}
}

Rgb RgbImage::at(unsigned x, unsigned y) const
{
	const std::uint8_t *p = &pixels_[(std::size_t(y) * width_ + x) * 3];
	return {p[0], p[1], p[2]};
}

void RgbImage::set(int x, int y, Rgb colour)
{
	if (x < 0 || y < 0 || x >= static_cast<int>(width_) || y >= static_cast<int>(height_))
		return;
	std::uint8_t *p = &pixels_[(std::size_t(y) * width_ + x) * 3];
	p[0] = colour.r;
	p[1] = colour.g;
	p[2] = colour.b;
}

void RgbImage::blend(int x, int y, Rgb colour, double alpha)
{
	if (x < 0 || y < 0 || x >= static_cast<int>(width_) || y >= static_cast<int>(height_))
		return;
	const Rgb old = at(x, y);
	auto mix = [alpha](std::uint8_t under, std::uint8_t over) {
		return static_cast<std::uint8_t>(std::lround(under + (over - under) * alpha));
	};
	set(x, y, {mix(old.r, colour.r), mix(old.g, colour.g), mix(old.b, colour.b)});
}

void RgbImage::fillRect(int x, int y, int width, int height, Rgb colour)
{
	for (int j = y; j < y + height; j++)
		for (int i = x; i < x + width; i++)
			set(i, j, colour);
}

void drawText(RgbImage &image, int x, int y, std::string_view text, Rgb colour, int scale)
{
	for (char c : text) {
		const char *dot = glyphFor(c).rows;
		for (int row = 0; *dot; row++) {
			for (int column = 0; column < kGlyphWidth && *dot; column++, dot++)
				if (*dot == '#')
					image.fillRect(x + column * scale, y + row * scale, scale,
						       scale, colour);
			if (*dot == ' ')
				dot++;
		}
		x += kGlyphAdvance * scale;
	}
}

int textWidth(std::string_view text, int scale)
{
	/* The last glyph's spacing column is not part of the text. */
	return text.empty() ? 0 : static_cast<int>(text.size()) * kGlyphAdvance * scale - scale;
}

PlotLayout plotLayout(std::size_t zones)
{
	PlotLayout layout;
	layout.width = kWidth;
	layout.height = kStripsTop + static_cast<unsigned>(zones) * kStripHeight + kAxisHeight;
	for (std::size_t i = 0; i < zones; i++) {
		const int top = kStripsTop + static_cast<int>(i) * kStripHeight;
		layout.headers.push_back({kPlotLeft, top, kPlotRight - kPlotLeft, kHeaderHeight});
		layout.plots.push_back(
			{kPlotLeft, top + kHeaderHeight, kPlotRight - kPlotLeft, kPlotHeight});
	}
	return layout;
}

RgbImage renderLevelPlot(const std::vector<LevelTrace> &traces, const PlotOptions &options)
{
	const PlotLayout layout = plotLayout(traces.size());
	RgbImage image(layout.width, layout.height, kBackground);
	const double from = options.from;
	const double span = std::max(options.to - options.from, 1e-6);
	const int plotWidth = kPlotRight - kPlotLeft;
	auto xOf = [&](double seconds) {
		return kPlotLeft +
		       static_cast<int>(std::lround((seconds - from) / span * plotWidth));
	};
	auto yOf = [](const PlotRect &plot, double db) {
		double fraction = (kPlotCeilingDb - std::clamp(db, kPlotFloorDb, kPlotCeilingDb)) /
				  (kPlotCeilingDb - kPlotFloorDb);
		return plot.y + static_cast<int>(std::lround(fraction * (plot.height - 1)));
	};

	drawText(image, kPlotLeft, kTitleTop, options.title, kText, kTextScale);

	const double step = tickStep(span);
	const int decimals = decimalsFor(step);
	std::vector<double> ticks;
	/* Multiples of the step, computed rather than summed so they do not drift. */
	for (long k = std::lround(std::ceil(from / step - 1e-6));; k++) {
		const double t = k * step;
		if (t > options.to + step * 1e-6)
			break;
		ticks.push_back(t);
	}

	for (std::size_t z = 0; z < traces.size(); z++) {
		const LevelTrace &trace = traces[z];
		const PlotRect &plot = layout.plots[z];
		const PlotRect &header = layout.headers[z];
		const Rgb colour = kPalette[z % std::size(kPalette)];

		/* Header: a swatch, the name, its channels and its summary. */
		const int textTop = header.y + 7;
		image.fillRect(header.x, textTop, 14, 14, colour);
		int x = header.x + 22;
		drawText(image, x, textTop, trace.name, kText, kTextScale);
		x += textWidth(trace.name, kTextScale) + 24;
		const std::string channels =
			(trace.channels.size() == 1 ? "channel " : "channels ") +
			channelList(trace.channels);
		drawText(image, x, textTop, channels, kQuietText, kTextScale);
		x += textWidth(channels, kTextScale) + 24;
		const LevelSummary summary = summarise(trace.levels);
		const std::string stats = "median " + formatLevel(summary.median) + "   min " +
					  formatLevel(summary.min) + "   max " +
					  formatLevel(summary.max);
		drawText(image, std::max(x, kPlotRight - textWidth(stats, kTextScale)), textTop,
			 stats, kQuietText, kTextScale);

		/* Grid: every 10 dB, labelled on the left, and at each time tick. */
		image.fillRect(plot.x, plot.y, plot.width, plot.height, kPlotBackground);
		for (double t : ticks)
			image.fillRect(xOf(t), plot.y, 1, plot.height, kGrid);
		for (double db = kPlotCeilingDb; db >= kPlotFloorDb; db -= 10) {
			const int y = yOf(plot, db);
			image.fillRect(plot.x, y, plot.width, 1, kGrid);
			const std::string label = formatSeconds(db, 0);
			drawText(image, plot.x - 8 - textWidth(label, 1), y - 3, label, kQuietText,
				 1);
		}

		/* The frame goes under the curve: a silent stretch then shows as a coloured floor.
		 */
		image.fillRect(plot.x, plot.y, plot.width, 1, kFrame);
		image.fillRect(plot.x, plot.y + plot.height - 1, plot.width, 1, kFrame);
		image.fillRect(plot.x, plot.y, 1, plot.height, kFrame);
		image.fillRect(plot.x + plot.width - 1, plot.y, 1, plot.height, kFrame);

		/*
		 * The curve: each column shows the loudest window it covers, so a
		 * short peak survives when there are more windows than columns.
		 */
		int previousY = -1;
		for (int column = 0; column < plot.width; column++) {
			const double t0 = from + span * column / plot.width;
			const double t1 = from + span * (column + 1) / plot.width;
			const double first = (t0 - trace.start) / trace.window;
			const double last = (t1 - trace.start) / trace.window;
			if (trace.levels.empty() || trace.window <= 0 || last <= 0 ||
			    first >= static_cast<double>(trace.levels.size())) {
				previousY = -1;
				continue;
			}
			const std::size_t begin = static_cast<std::size_t>(std::max(0.0, first));
			const std::size_t end = std::min(
				trace.levels.size(),
				std::max(begin + 1, static_cast<std::size_t>(std::ceil(last))));
			const double level = *std::max_element(trace.levels.begin() + begin,
							       trace.levels.begin() + end);
			const int y = yOf(plot, level);
			const int px = plot.x + column;
			for (int j = y; j < plot.y + plot.height; j++)
				image.blend(px, j, colour, 0.35);
			const int top = previousY < 0 ? y : std::min(previousY, y);
			const int bottom = previousY < 0 ? y : std::max(previousY, y);
			/* Two pixels thick, upwards, so it stays inside the plot at the floor. */
			for (int j = std::max(top - 1, plot.y); j <= bottom; j++)
				image.set(px, j, colour);
			previousY = y;
		}
	}

	/* The time axis under the last strip. */
	const int axisTop =
		traces.empty() ? kStripsTop : layout.plots.back().y + layout.plots.back().height;
	/* Tick labels leave room at the right edge for the unit after the last one. */
	const int unitWidth = textWidth("s", kTextScale);
	int labelsEnd = kPlotRight;
	for (double t : ticks) {
		const int x = xOf(t);
		image.fillRect(x, axisTop, 1, 6, kFrame);
		const std::string label = formatSeconds(t, decimals);
		const int width = textWidth(label, kTextScale);
		const int left = std::clamp(x - width / 2, 0, kWidth - width - unitWidth - 10);
		drawText(image, left, axisTop + 12, label, kQuietText, kTextScale);
		labelsEnd = std::max(labelsEnd, left + width);
	}
	drawText(image, labelsEnd + 8, axisTop + 12, "s", kQuietText, kTextScale);
	drawText(image, kPlotLeft - 8 - textWidth("dBFS", 1), kStripsTop + 10, "dBFS", kQuietText,
		 1);

	/*
	 * Marks: a dashed line from the label through every plot (not through
	 * the headers' text), the label on the first row where it fits.
	 */
	std::vector<PlotMark> marks = options.marks;
	std::stable_sort(marks.begin(), marks.end(), [](const PlotMark &a, const PlotMark &b) {
		return a.seconds < b.seconds;
	});
	int rowEnd[2] = {-1000, -1000};
	for (const PlotMark &mark : marks) {
		if (mark.seconds < options.from || mark.seconds > options.to)
			continue;
		const int x = xOf(mark.seconds);
		const int width = textWidth(mark.label, kTextScale);
		int labelX = x + 6;
		if (labelX + width > static_cast<int>(layout.width) - 4)
			labelX = x - 6 - width;
		int row = rowEnd[0] + 12 <= labelX ? 0 : rowEnd[1] + 12 <= labelX ? 1 : -1;
		if (row < 0)
			row = rowEnd[0] <= rowEnd[1] ? 0 : 1;
		const int labelY = kMarkRowTop + row * kMarkRowHeight;
		rowEnd[row] = std::max(labelX + width, x + 2);
		drawText(image, labelX, labelY, mark.label, kMarkColour, kTextScale);
		auto dashes = [&](int top, int bottom) {
			for (int y = top; y < bottom; y++)
				if ((y - labelY) % 8 < 5)
					image.fillRect(x, y, 2, 1, kMarkColour);
		};
		dashes(labelY, kStripsTop);
		for (const PlotRect &plot : layout.plots)
			dashes(plot.y, plot.y + plot.height);
		image.fillRect(x, axisTop, 2, 6, kMarkColour);
	}
	return image;
}

bool writePng(const std::string &path, const RgbImage &image, std::string *error)
{
	png_image png = {};
	png.version = PNG_IMAGE_VERSION;
	png.width = image.width();
	png.height = image.height();
	png.format = PNG_FORMAT_RGB;
	if (png_image_write_to_file(&png, path.c_str(), 0, image.data(), 0, nullptr))
		return true;
	if (error)
		*error = png.message;
	png_image_free(&png);
	return false;
}

} // namespace cabin
