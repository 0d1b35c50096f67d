/* SPDX-License-Identifier: MIT */
/*
 * cabin-levels: draws each zone's level over time from a recording of the
 * simulated amplifier into a PNG, so ducking and sharing can be seen at a
 * glance, and prints each zone's median, quietest and loudest level. The
 * work is in level-plot.{hpp,cpp}; this file only parses arguments.
 */
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "level-plot.hpp"
#include "wav-file.hpp"

namespace {

struct ZoneArgument {
	std::string text; /* as given, for messages */
	std::string name;
	std::vector<unsigned> channels;
};

struct MarkArgument {
	std::string text;
	cabin::PlotMark mark;
};

struct Options {
	double windowMs = 10.0;
	std::string fromText, toText;
	std::optional<double> from;
	std::optional<double> to;
	std::vector<MarkArgument> marks;
	std::vector<ZoneArgument> zones;
	std::string recording;
	std::string output;
};

void usage(FILE *out)
{
	std::fprintf(out,
		     "usage: cabin-levels [--window-ms N] [--from SECONDS] [--to SECONDS]\n"
		     "                    [--mark SECONDS:LABEL]... --zone NAME=CH[,CH...] "
		     "[--zone ...]\n"
		     "                    RECORDING.wav OUT.png\n"
		     "Draws each zone's level (RMS over its channels per window, in dBFS) over "
		     "time,\nand prints each zone's median, min and max level.\n");
}

std::optional<double> parseNumber(const std::string &text)
{
	char *end = nullptr;
	double value = std::strtod(text.c_str(), &end);
	if (text.empty() || !end || *end || !std::isfinite(value))
		return std::nullopt;
	return value;
}

std::optional<unsigned> parseChannel(const std::string &text)
{
	if (text.empty() || text.size() > 4 ||
	    !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; }))
		return std::nullopt;
	return static_cast<unsigned>(std::stoul(text));
}

/* Prints "cabin-levels: <what>: <why>" and returns false, for usage errors. */
bool complain(const std::string &what, const std::string &why)
{
	std::fprintf(stderr, "cabin-levels: %s: %s\n", what.c_str(), why.c_str());
	return false;
}

bool parseZone(const std::string &value, Options &options)
{
	const std::string what = "--zone " + value;
	ZoneArgument zone{value, {}, {}};
	const auto eq = value.find('=');
	if (eq == std::string::npos || eq == 0 || eq + 1 == value.size())
		return complain(what, "expected NAME=CH[,CH...], for example rear-left=4,5");
	zone.name = value.substr(0, eq);
	for (const ZoneArgument &other : options.zones)
		if (other.name == zone.name)
			return complain(what, "zone " + zone.name + " is already given");
	std::set<unsigned> seen;
	std::size_t start = eq + 1;
	while (true) {
		const std::size_t comma = value.find(',', start);
		const std::string item = value.substr(start, comma - start);
		auto channel = parseChannel(item);
		if (!channel)
			return complain(what, "'" + item + "' is not a channel number");
		if (!seen.insert(*channel).second)
			return complain(what, "channel " + item + " is given twice");
		zone.channels.push_back(*channel);
		if (comma == std::string::npos)
			break;
		start = comma + 1;
	}
	options.zones.push_back(std::move(zone));
	return true;
}

bool parseMark(const std::string &value, Options &options)
{
	const auto colon = value.find(':');
	const std::string time = value.substr(0, colon);
	auto seconds = parseNumber(time);
	if (!seconds || *seconds < 0)
		return complain("--mark " + value, "'" + time + "' is not a time in seconds");
	options.marks.push_back(
		{value, {*seconds, colon == std::string::npos ? "" : value.substr(colon + 1)}});
	return true;
}

bool parseArgs(int argc, char **argv, Options &options)
{
	std::vector<std::string> positional;
	for (int i = 1; i < argc; i++) {
		std::string arg = argv[i];
		std::optional<std::string> inlineValue;
		if (arg.rfind("--", 0) == 0) {
			if (auto eq = arg.find('='); eq != std::string::npos) {
				inlineValue = arg.substr(eq + 1);
				arg.resize(eq);
			}
		}
		auto value = [&]() -> std::optional<std::string> {
			if (inlineValue)
				return inlineValue;
			if (i + 1 >= argc) {
				complain(arg, "needs a value");
				return std::nullopt;
			}
			return std::string(argv[++i]);
		};
		if (arg == "--help" || arg == "-h") {
			usage(stdout);
			std::exit(0);
		} else if (arg == "--window-ms" || arg == "--from" || arg == "--to") {
			auto text = value();
			if (!text)
				return false;
			auto number = parseNumber(*text);
			if (arg == "--window-ms") {
				if (!number || *number <= 0)
					return complain(arg + " " + *text,
							"not a positive number of milliseconds");
				options.windowMs = *number;
			} else {
				if (!number || *number < 0)
					return complain(arg + " " + *text, "not a time in seconds");
				(arg == "--from" ? options.from : options.to) = *number;
				(arg == "--from" ? options.fromText : options.toText) = *text;
			}
		} else if (arg == "--zone" || arg == "--mark") {
			auto text = value();
			if (!text || !(arg == "--zone" ? parseZone(*text, options)
						       : parseMark(*text, options)))
				return false;
		} else if (arg.size() > 1 && arg[0] == '-') {
			complain(arg, "unknown option");
			usage(stderr);
			return false;
		} else {
			positional.push_back(arg);
		}
	}
	if (positional.size() != 2) {
		complain("arguments", "expected the two file names RECORDING.wav OUT.png, got " +
					      std::to_string(positional.size()));
		usage(stderr);
		return false;
	}
	if (options.zones.empty()) {
		complain("--zone", "give at least one, for example --zone rear-left=4,5");
		usage(stderr);
		return false;
	}
	options.recording = positional[0];
	options.output = positional[1];
	return true;
}

std::string baseName(const std::string &path)
{
	const auto slash = path.rfind('/');
	return slash == std::string::npos ? path : path.substr(slash + 1);
}

} // namespace

int main(int argc, char **argv)
{
	Options options;
	if (!parseArgs(argc, argv, options))
		return 2;

	std::string error;
	auto wav = cabin::readWav(options.recording, &error);
	if (!wav) {
		std::fprintf(stderr, "cabin-levels: %s\n", error.c_str());
		return 1;
	}
	if (wav->frames() == 0 || wav->info.rate == 0) {
		std::fprintf(stderr, "cabin-levels: %s: no audio in the file\n",
			     options.recording.c_str());
		return 1;
	}
	const unsigned channelCount = wav->info.channels;
	for (const ZoneArgument &zone : options.zones)
		for (unsigned channel : zone.channels)
			if (channel >= channelCount) {
				std::fprintf(
					stderr,
					"cabin-levels: --zone %s: channel %u out of range (the "
					"recording has %u channel%s)\n",
					zone.text.c_str(), channel, channelCount,
					channelCount == 1 ? "" : "s");
				return 2;
			}

	const double rate = wav->info.rate;
	const double length = wav->frames() / rate;
	const double from = options.from.value_or(0.0);
	/* A --to past the end stops at the end: the recording is as long as the PCM ran. */
	const double to = std::min(options.to.value_or(length), length);
	if (from >= length) {
		std::fprintf(stderr, "cabin-levels: --from %s: the recording is only %.2f s long\n",
			     options.fromText.c_str(), length);
		return 2;
	}
	if (to <= from) {
		std::fprintf(stderr, "cabin-levels: --to %s: must be after --from %s\n",
			     options.toText.c_str(),
			     options.fromText.empty() ? "0" : options.fromText.c_str());
		return 2;
	}
	/* A window longer than the recording is the whole recording (and no overflow). */
	const double windowFrameCount =
		std::min(options.windowMs * rate / 1000.0, static_cast<double>(wav->frames()));
	const auto windowFrames = std::max<std::size_t>(1, std::lround(windowFrameCount));
	const auto fromFrame = static_cast<std::size_t>(std::lround(from * rate));
	const auto toFrame = static_cast<std::size_t>(std::lround(to * rate));

	std::vector<cabin::LevelTrace> traces;
	std::size_t nameWidth = 0;
	for (const ZoneArgument &zone : options.zones) {
		traces.push_back(cabin::computeLevels(*wav, zone.channels, windowFrames, fromFrame,
						      toFrame));
		traces.back().name = zone.name;
		nameWidth = std::max(nameWidth, zone.name.size());
	}
	for (const cabin::LevelTrace &trace : traces) {
		const cabin::LevelSummary summary = cabin::summarise(trace.levels);
		std::printf("%-*s median %s, min %s, max %s\n", static_cast<int>(nameWidth + 1),
			    (trace.name + ":").c_str(), cabin::formatLevel(summary.median).c_str(),
			    cabin::formatLevel(summary.min).c_str(),
			    cabin::formatLevel(summary.max).c_str());
	}

	cabin::PlotOptions plot;
	plot.from = from;
	plot.to = to;
	char title[256];
	std::snprintf(title, sizeof(title), "%s   %.2f - %.2f s   %g ms windows",
		      baseName(options.recording).c_str(), from, to, windowFrames * 1000.0 / rate);
	plot.title = title;
	for (const MarkArgument &mark : options.marks) {
		if (mark.mark.seconds < from || mark.mark.seconds > to)
			std::fprintf(stderr,
				     "cabin-levels: --mark %s: outside %.2f - %.2f s, not drawn\n",
				     mark.text.c_str(), from, to);
		plot.marks.push_back(mark.mark);
	}

	if (!cabin::writePng(options.output, cabin::renderLevelPlot(traces, plot), &error)) {
		std::fprintf(stderr, "cabin-levels: %s: cannot write: %s\n", options.output.c_str(),
			     error.c_str());
		return 1;
	}
	return 0;
}
