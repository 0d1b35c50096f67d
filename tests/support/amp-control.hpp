/* SPDX-License-Identifier: MIT */
/*
 * The simulated amplifier's counters, read straight from its control
 * socket: `cabin-amp status` costs a process start, more than the
 * resolution the benchmarks' latencies need.
 */
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace cabin::test {

struct AmpCounters {
	std::uint64_t frames = 0;
	std::uint64_t xruns = 0;
	std::uint64_t dropped = 0;
	bool running = false;
	/* Where the latest xruns fell, in frames played (the recordings' frame index). */
	std::vector<std::uint64_t> xrunFrames;
};

/* Asks the amplifier behind \a socketPath for its status; nothing if it does not answer. */
std::optional<AmpCounters> readAmp(const std::string &socketPath);

/*
 * The counters just after the amplifier's frame count moved: it moves once
 * per graph cycle, when the zone node asks for the position, so a value
 * read just then is the amplifier's position now, not a quantum ago.
 * Nothing if it does not move within a second.
 */
std::optional<AmpCounters> readAmpAsItMoves(const std::string &socketPath);

/*
 * Waits (at most 20 s) until the amplifier played up to frame \a frames;
 * returns the frame count then, or the last one read if its PCM closed.
 */
std::uint64_t waitForAmpFrames(const std::string &socketPath, std::uint64_t frames);

} // namespace cabin::test
