/* SPDX-License-Identifier: MIT */
/*
 * Benchmark (not a test): what it costs to split one multichannel card into
 * zones. Four zones of the simulated 16-channel amplifier play a tone each,
 * once through Cabin's zone nodes (the sedan example, Cabin's policy) and
 * once through the stock alternative on the same simulated card: the card as
 * one pro-audio ALSA sink (api.alsa.pcm.sink, AUX0..AUX15) plus one
 * module-loopback per zone (stock WirePlumber). Both run in the same
 * process, alternating, at quantum 64 and 1024.
 *
 * Reported per setup and quantum:
 *  - graph time per cycle: the sum of BUSY over the server's own nodes
 *    (zones; or the ALSA sink and the loopbacks), and the driver node's own
 *    BUSY, from PipeWire's profiler as `pw-top -b` prints it, median over
 *    samples (client streams are the same in both setups and left out);
 *  - the pipewire daemon's CPU use while playing (utime+stime from /proc);
 *  - the latency each tone stream reports downstream (quanta + frames);
 *  - wakeups per second of the daemon once every stream has stopped and the
 *    card went idle (context switches of all its threads, from /proc).
 */
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <dirent.h>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <unistd.h>
#include <vector>

#include "daemon-sandbox.hpp"
#include "percentile.hpp"

namespace cabin::bench {
namespace {

using test::ClientOptions;
using test::DaemonSandbox;
using test::SandboxOptions;

constexpr int kSamples = 8; /* pw-top batch iterations per measurement */
constexpr int kRounds = 2;

struct ZoneSpec {
	const char *seat;      /* seat socket for Cabin */
	const char *cabinSink; /* Cabin's zone node */
	const char *stockSink; /* the stock loopback's sink */
	const char *positions; /* the zone's positions */
	const char *aux;       /* the card channels, as AUX positions */
	int channels;
};

const ZoneSpec kZones[] = {
	{"cabin-driver", "cabin.speakers", "loop.cabin.speakers", "[ FL FR RL RR ]",
	 "[ AUX0 AUX1 AUX2 AUX3 ]", 4},
	{"cabin-rear-left", "rear-left.headphones", "loop.rear-left.headphones", "[ FL FR ]",
	 "[ AUX4 AUX5 ]", 2},
	{"cabin-rear-right", "rear-right.headphones", "loop.rear-right.headphones", "[ FL FR ]",
	 "[ AUX6 AUX7 ]", 2},
	{"cabin-front-passenger", "front-passenger.headphones", "loop.front-passenger.headphones",
	 "[ FL FR ]", "[ AUX12 AUX13 ]", 2},
};

std::string stockFragment()
{
	std::string text = R"(context.objects = [
  { factory = adapter
    args = {
      factory.name   = api.alsa.pcm.sink
      node.name      = "amp.pro-audio"
      media.class    = "Audio/Sink"
      api.alsa.path  = "cabin_sedan_amp"
      audio.rate     = 48000
      audio.channels = 16
      audio.position = [ AUX0 AUX1 AUX2 AUX3 AUX4 AUX5 AUX6 AUX7
                         AUX8 AUX9 AUX10 AUX11 AUX12 AUX13 AUX14 AUX15 ]
      priority.driver = 2000
    }
  }
]
context.modules = [
)";
	for (const ZoneSpec &zone : kZones) {
		text += std::string("  { name = libpipewire-module-loopback\n    args = {\n") +
			"      capture.props = { node.name = \"" + zone.stockSink +
			"\" media.class = Audio/Sink audio.position = " + zone.positions + " }\n" +
			"      playback.props = { node.name = \"" + zone.stockSink +
			".out\" audio.position = " + zone.aux +
			" stream.dont-remix = true node.passive = true target.object = "
			"\"amp.pro-audio\" }\n    }\n  }\n";
	}
	return text + "]\n";
}

/* pw-top prints times as 12.3us, 1.2ms or 0.1s; "---" when unknown. */
double parseMicros(const std::string &text)
{
	double value = 0;
	char unit[8] = {};
	if (std::sscanf(text.c_str(), "%lf%7s", &value, unit) < 1)
		return -1;
	std::string u = unit;
	if (u == "ms")
		return value * 1000;
	if (u == "s")
		return value * 1e6;
	if (u == "ns")
		return value / 1000;
	return value;
}

struct Figures {
	double serverBusyUs = -1; /* sum of BUSY of the server's nodes, per cycle */
	double driverBusyUs = -1; /* the driver node's own BUSY */
	double cpuPercent = -1;
	double idleWakeups = -1;
	std::string latency;
	int nodes = 0;
};

/*
 * Samples pw-top: per iteration, sums BUSY over the server's nodes and
 * takes the driver's own BUSY. Lines look like
 *   R   30     64  48000 170.8us  28.0us  0.13  0.02    0   F32P 4 48000 cabin.speakers
 *   R   31      0      0  17.0us  21.7us  0.01  0.02    0   F32P 2 48000  + rear-left.headphones
 * with "+" before the name of a follower.
 */
void samplePwTop(DaemonSandbox &sandbox, const std::vector<std::string> &serverNodes,
		 Figures &figures)
{
	auto out = sandbox.run({"pw-top", "-b", "-n", std::to_string(kSamples + 2)},
			       ClientOptions::manager());
	if (!out)
		return;
	if (std::getenv("CABIN_BENCH_VERBOSE"))
		std::fprintf(stderr, "%s\n", out->c_str());
	std::vector<double> busySums, driverBusy;
	std::istringstream lines(*out);
	double busySum = 0;
	int seen = 0, iteration = 0;
	auto endIteration = [&] {
		/* The first two iterations let the profiler settle. */
		if (iteration > 2 && seen > 0)
			busySums.push_back(busySum);
		busySum = 0;
		seen = 0;
	};
	for (std::string line; std::getline(lines, line);) {
		std::istringstream fields(line);
		std::vector<std::string> cols;
		for (std::string col; fields >> col;)
			cols.push_back(col);
		if (cols.size() >= 2 && cols[1] == "ID") {
			endIteration();
			iteration++;
			continue;
		}
		if (cols.size() < 10 || cols[0] != "R" || iteration <= 2)
			continue;
		const std::string &name = cols.back();
		bool follower = cols[cols.size() - 2] == "+";
		double busy = parseMicros(cols[5]);
		if (busy < 0 ||
		    std::find(serverNodes.begin(), serverNodes.end(), name) == serverNodes.end())
			continue;
		busySum += busy;
		seen++;
		if (!follower)
			driverBusy.push_back(busy);
	}
	endIteration();
	figures.serverBusyUs = percentile(busySums, 0.5);
	figures.driverBusyUs = percentile(driverBusy, 0.5);
}

/* utime + stime of a process, in clock ticks. */
long cpuTicks(pid_t pid)
{
	std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
	std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
	auto close = stat.rfind(')');
	if (close == std::string::npos)
		return -1;
	std::istringstream fields(stat.substr(close + 2));
	std::string field;
	long utime = 0, stime = 0;
	for (int i = 3; fields >> field; i++) {
		if (i == 14)
			utime = std::stol(field);
		if (i == 15) {
			stime = std::stol(field);
			break;
		}
	}
	return utime + stime;
}

/* Context switches of every thread of a process: each is one wakeup. */
long contextSwitches(pid_t pid)
{
	long total = 0;
	std::string taskDir = "/proc/" + std::to_string(pid) + "/task";
	DIR *dir = opendir(taskDir.c_str());
	if (!dir)
		return -1;
	while (dirent *entry = readdir(dir)) {
		if (entry->d_name[0] == '.')
			continue;
		std::ifstream in(taskDir + "/" + entry->d_name + "/status");
		for (std::string line; std::getline(in, line);)
			if (line.starts_with("voluntary_ctxt_switches:") ||
			    line.starts_with("nonvoluntary_ctxt_switches:"))
				total += std::stol(line.substr(line.find(':') + 1));
	}
	closedir(dir);
	return total;
}

/* Measures something over an interval that ends when \a done says so (or 3 s). */
template<typename Sample>
double overInterval(Sample sample, double seconds)
{
	auto start = std::chrono::steady_clock::now();
	long before = sample();
	DaemonSandbox::waitFor(
		[&] {
			return std::chrono::steady_clock::now() - start >=
			       std::chrono::duration<double>(seconds);
		},
		std::chrono::milliseconds(static_cast<int>(seconds * 1000) + 1000));
	double elapsed =
		std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
	return (sample() - before) / elapsed;
}

/* The Latency a stream port sees downstream, as "q quantum + n frames". */
std::string streamLatency(DaemonSandbox &sandbox, const std::string &stream)
{
	for (const auto &latency : sandbox.portLatencies(stream)) {
		if (latency.direction != "Input")
			continue;
		std::ostringstream out;
		out << latency.minQuantum << " quantum + " << latency.minRate << " frames";
		return out.str();
	}
	return "?";
}

std::optional<std::map<int, Figures>> measure(bool cabin)
{
	SandboxOptions options = DaemonSandbox::sedan();
	std::vector<std::string> serverNodes;
	if (!cabin) {
		/* Same amplifier and sockets, but the stock split instead of zone nodes. */
		options.pipewireFragments.pop_back();
		options.pipewireTexts = {{"50-stock-split.conf", stockFragment()}};
		options.wireplumberFragments.clear();
		options.cabin = false;
		serverNodes.push_back("amp.pro-audio");
		for (const ZoneSpec &zone : kZones) {
			serverNodes.push_back(zone.stockSink);
			serverNodes.push_back(std::string(zone.stockSink) + ".out");
		}
	} else {
		for (const ZoneSpec &zone : kZones)
			serverNodes.push_back(zone.cabinSink);
	}
	options.wireplumberDebug = "2";
	DaemonSandbox sandbox(options);
	std::string error;
	if (!sandbox.start(&error)) {
		std::fprintf(stderr, "cannot start the %s setup: %s\n", cabin ? "Cabin" : "stock",
			     error.c_str());
		return std::nullopt;
	}
	pid_t daemon = sandbox.pipewirePid();

	std::vector<pid_t> tones;
	for (const ZoneSpec &zone : kZones) {
		std::string name = std::string("bench.") + zone.cabinSink;
		std::vector<std::string> argv = {DaemonSandbox::buildRoot() + "/tools/cabin-tone",
						 "--channels", std::to_string(zone.channels),
						 "node.name=" + name};
		ClientOptions client;
		if (cabin)
			client.remote = zone.seat;
		else
			argv.push_back(std::string("target.object=") + zone.stockSink);
		tones.push_back(sandbox.spawn(argv, client));
		if (!sandbox.waitForTargets(name, {cabin ? zone.cabinSink : zone.stockSink})) {
			std::fprintf(stderr, "%s: %s was not linked\n", cabin ? "Cabin" : "stock",
				     name.c_str());
			sandbox.keepLogs();
			return std::nullopt;
		}
	}

	std::map<int, Figures> results;
	for (int quantum : {64, 1024}) {
		sandbox.run({"pw-metadata", "-n", "settings", "0", "clock.force-quantum",
			     std::to_string(quantum)},
			    ClientOptions::manager());
		Figures &figures = results[quantum];
		figures.nodes = static_cast<int>(serverNodes.size());
		samplePwTop(sandbox, serverNodes, figures);
		long ticks = sysconf(_SC_CLK_TCK);
		figures.cpuPercent =
			overInterval([&] { return cpuTicks(daemon); }, 3.0) * 100.0 / ticks;
		figures.latency =
			streamLatency(sandbox, std::string("bench.") + kZones[1].cabinSink);
	}

	/* Idle: every stream gone, the card stopped (Cabin) or suspended (stock). */
	for (pid_t tone : tones)
		sandbox.stop(tone);
	bool idle = DaemonSandbox::waitFor(
		[&] { return sandbox.ampStatus("sedan-amp.sock", "state") != "running"; },
		std::chrono::seconds(20));
	double wakeups = idle ? overInterval([&] { return contextSwitches(daemon); }, 3.0) : -1;
	if (std::getenv("CABIN_BENCH_VERBOSE"))
		std::fprintf(stderr, "idle: %s, context switches now %ld, %.1f/s\n",
			     idle ? "yes" : "no", contextSwitches(daemon), wakeups);
	for (auto &[quantum, figures] : results)
		figures.idleWakeups = wakeups;
	return results;
}

} // namespace
} // namespace cabin::bench

int main()
{
	using namespace cabin::bench;
	std::map<bool, std::map<int, std::vector<Figures>>> all;
	for (int round = 0; round < kRounds; round++) {
		for (bool cabin : {true, false}) {
			auto figures = measure(cabin);
			if (!figures)
				return 1;
			for (auto &[quantum, f] : *figures)
				all[cabin][quantum].push_back(f);
		}
	}

	auto pick = [](const std::vector<Figures> &runs, double Figures::*field) {
		std::vector<double> values;
		for (const Figures &f : runs)
			values.push_back(f.*field);
		return percentile(values, 0.5);
	};
	std::printf("\nZone split of one 16-channel card, 4 zones playing, %d rounds x %d "
		    "pw-top samples\n",
		    kRounds, kSamples);
	std::printf("%-6s %-8s %14s %14s %8s %12s  %s\n", "setup", "quantum", "server busy/us",
		    "driver busy/us", "cpu %", "idle wake/s", "stream latency");
	for (int quantum : {64, 1024}) {
		for (bool cabin : {true, false}) {
			const auto &runs = all[cabin][quantum];
			std::printf("%-6s %-8d %14.1f %14.1f %8.2f %12.1f  %s\n",
				    cabin ? "cabin" : "stock", quantum,
				    pick(runs, &Figures::serverBusyUs),
				    pick(runs, &Figures::driverBusyUs),
				    pick(runs, &Figures::cpuPercent),
				    pick(runs, &Figures::idleWakeups), runs.back().latency.c_str());
		}
		double ratio = pick(all[true][quantum], &Figures::serverBusyUs) /
			       pick(all[false][quantum], &Figures::serverBusyUs);
		double cpuRatio = pick(all[true][quantum], &Figures::cpuPercent) /
				  pick(all[false][quantum], &Figures::cpuPercent);
		std::printf(
			"quantum %d: Cabin/stock server busy ratio %.2f, daemon CPU ratio %.2f\n",
			quantum, ratio, cpuRatio);
	}
	return 0;
}
