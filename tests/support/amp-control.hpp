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

namespace cabin::test {

struct AmpCounters {
	std::uint64_t frames = 0;
	std::uint64_t xruns = 0;
	std::uint64_t dropped = 0;
	bool running = false;
};

/* Asks the amplifier behind \a socketPath for its status; nothing if it does not answer. */
std::optional<AmpCounters> readAmp(const std::string &socketPath);

} // namespace cabin::test
