/* SPDX-License-Identifier: MIT */
/*
 * The whole machine's CPU time, from the first line of /proc/stat, in
 * clock ticks over all cores: what the benchmarks print beside their
 * figures (the hypervisor's steal, the nice'd and other load).
 */
#pragma once

#include <fstream>
#include <sstream>
#include <string>

namespace cabin::bench {

struct MachineTicks {
	double total = 0, busy = 0, nice = 0, steal = 0;
};

inline MachineTicks machineTicks()
{
	std::ifstream file("/proc/stat");
	std::string first;
	std::getline(file, first);
	std::istringstream line(first);
	std::string cpu;
	line >> cpu;
	MachineTicks ticks;
	double value = 0;
	/* user nice system idle iowait irq softirq steal (guest time is in user) */
	for (int i = 0; i < 8 && line >> value; i++) {
		ticks.total += value;
		if (i != 3 && i != 4 && i != 7)
			ticks.busy += value;
		if (i == 1)
			ticks.nice = value;
		if (i == 7)
			ticks.steal = value;
	}
	return ticks;
}

/* The steal between two readings, in % of the machine's time. */
inline double stealPercent(const MachineTicks &from, const MachineTicks &to)
{
	double total = to.total - from.total;
	return total > 0 ? (to.steal - from.steal) * 100 / total : 0;
}

} // namespace cabin::bench
