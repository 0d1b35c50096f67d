/* SPDX-License-Identifier: MIT */
/*
 * Benchmark (not a test): what a passenger's stream does to the timing of
 * every zone on the shared amplifier, with and without Cabin's protection
 * (docs/security.md#timing). Music plays in the four zones of the sedan's
 * simulated amplifier (driver, front-passenger, rear-left and rear-right,
 * each on its seat's socket); then a rear-left stream asks for the
 * amplifier's timing:
 *
 *  - none: the music alone;
 *  - node.latency=1/48000: the smallest quantum a stream may ask for;
 *  - node.force-quantum=8192 node.lock-quantum=true: 170 ms per cycle;
 *  - node.force-quantum=32.
 *
 * Two configurations alternate in one run, each in sandboxes of its own:
 *
 *  - protected: the sedan as shipped (40-cabin.conf's node.rules and
 *    default.clock.min-quantum = 256);
 *  - unprotected: the same, but 40-cabin.conf replaced by a fragment of
 *    the same name written from it without its node.rules and with
 *    default.clock.min-quantum = 32, PipeWire's default. A later fragment
 *    cannot take the rules away: PipeWire 1.4 appends every fragment's
 *    node.rules, and has no `override.` prefix for sections
 *    (`pw-config merge node.rules` still lists Cabin's rules next to an
 *    `override.node.rules = [ ]`).
 *
 * The run checks from the graph what each configuration did with the
 * attack (the keys left on the stream's node, clock.min-quantum in the
 * settings metadata, the driver's quantum) and fails when the unprotected
 * configuration did not let an attack through, or the protected one did.
 *
 * Per configuration and attack, over windows of kWindowSeconds once the
 * attack's stream is linked and has played a while:
 *  - the driver's quantum and rate (pw-top, just before each window);
 *  - the pipewire daemon's CPU use (its utime + stime over the window,
 *    divided by wall time), and that of the tone clients (the music and
 *    the attack's stream);
 *  - the xruns the simulated amplifier counted in the window;
 *  - what else ran: the 1-minute load average, and the CPU the machine
 *    spent on nice'd processes (other jobs' fuzzers) and lost to steal.
 */
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <dirent.h>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <time.h>
#include <unistd.h>
#include <vector>

#include "amp-control.hpp"
#include "daemon-sandbox.hpp"
#include "machine-ticks.hpp"
#include "percentile.hpp"

namespace cabin::bench {
namespace {

using namespace std::chrono_literals;
using cabin::JsonValue;
using test::ClientOptions;
using test::DaemonSandbox;
using test::SandboxOptions;

constexpr int kRounds = 2;		 /* sandboxes per configuration, alternating */
constexpr int kWindows = 4;		 /* per attack and round */
constexpr double kWindowSeconds = 3.0;	 /* each window */
constexpr std::uint64_t kSettle = 72000; /* frames played after the link: 1.5 s */

constexpr std::size_t kProtectedMinQuantum = 256;
constexpr std::size_t kUnprotectedMinQuantum = 32;

/*
 * 40-cabin.conf as the car ran before the protection: everything in it
 * (the zone node's plugin) but node.rules, and PipeWire's minimum quantum.
 * Nothing if the file no longer has the sections this undoes.
 */
std::optional<std::string> unprotectedCabinConf(std::string *error)
{
	std::string path = DaemonSandbox::sourceRoot() + "/conf.d/pipewire.conf.d/40-cabin.conf";
	auto conf = JsonValue::parse("{" + test::readFile(path) + "}", error);
	if (!conf)
		return std::nullopt;
	std::string text = "## 40-cabin.conf without its timing protection (benchmark only).\n";
	bool rules = false, minQuantum = false;
	for (const auto &[key, value] : conf->members()) {
		if (key == "node.rules") {
			rules = true;
			continue;
		}
		if (key != "context.properties") {
			text += key + " = " + value.toJson() + "\n";
			continue;
		}
		text += "context.properties = {\n";
		for (const auto &[property, setting] : value.members()) {
			if (property == "default.clock.min-quantum")
				minQuantum = true;
			else
				text += "  " + jsonQuote(property) + " = " + setting.toJson() +
					"\n";
		}
		text += "  default.clock.min-quantum = " + std::to_string(kUnprotectedMinQuantum) +
			"\n}\n";
	}
	if (!rules || !minQuantum) {
		*error = path + " has no node.rules or no default.clock.min-quantum to undo";
		return std::nullopt;
	}
	return text;
}

struct Zone {
	const char *socket;
	const char *music;  /* the music stream's node name */
	const char *device; /* the zone's device on the amplifier */
	const char *channels;
	const char *frequency;
};

const Zone kZones[] = {
	{"cabin-driver", "driver.music", "cabin.speakers", "4", "440"},
	{"cabin-front-passenger", "front-passenger.music", "front-passenger.headphones", "2",
	 "550"},
	{"cabin-rear-left", "rear-left.music", "rear-left.headphones", "2", "660"},
	{"cabin-rear-right", "rear-right.music", "rear-right.headphones", "2", "770"},
};

const std::set<std::string> kAmplifier{"cabin.speakers", "front-passenger.headphones",
				       "rear-left.headphones", "rear-right.headphones"};

struct Attack {
	const char *name;
	std::vector<std::string> props;
	/* The driver's quantum it should give: 0 the music's own, -1 clock.min-quantum. */
	long protectedQuantum;
	long unprotectedQuantum;
};

const Attack kAttacks[] = {
	{"none", {}, 0, 0},
	{"latency=1/48000", {"node.latency=1/48000"}, -1, -1},
	{"force=8192+lock", {"node.force-quantum=8192", "node.lock-quantum=true"}, 0, 8192},
	{"force=32", {"node.force-quantum=32"}, 0, 32},
};
constexpr int kAttackCount = sizeof(kAttacks) / sizeof(kAttacks[0]);

/* The stream keys the protection strips that the attacks set. */
const char *const kTimingKeys[] = {"node.force-quantum", "node.lock-quantum"};

bool verboseEnabled()
{
	return std::getenv("CABIN_BENCH_VERBOSE") != nullptr;
}

std::string readText(const std::string &path)
{
	std::ifstream in(path);
	return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

/* The fields of /proc/<pid>/stat after the command name (field 3 first). */
std::vector<std::string> statFields(pid_t pid)
{
	std::string stat = readText("/proc/" + std::to_string(pid) + "/stat");
	std::vector<std::string> fields;
	auto close = stat.rfind(')');
	if (close == std::string::npos)
		return fields;
	std::istringstream in(stat.substr(close + 2));
	for (std::string field; in >> field;)
		fields.push_back(field);
	return fields;
}

/*
 * utime + stime of a process (all its threads), in seconds; 0 if it is
 * gone. Read from its CPU-time clock, the same sum as /proc/<pid>/stat's
 * without the rounding to 10 ms ticks (a third of a percent of a 3 s
 * window, as much as a tenth of the daemon's use at quantum 1024); from
 * /proc if the clock cannot be read.
 */
double cpuSeconds(pid_t pid)
{
	clockid_t clock;
	timespec now{};
	if (clock_getcpuclockid(pid, &clock) == 0 && clock_gettime(clock, &now) == 0)
		return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) * 1e-9;
	std::vector<std::string> fields = statFields(pid);
	if (fields.size() < 13)
		return 0;
	return static_cast<double>(std::stol(fields[11]) + std::stol(fields[12])) /
	       static_cast<double>(sysconf(_SC_CLK_TCK));
}

double loadAverage1()
{
	return std::atof(readText("/proc/loadavg").c_str());
}

std::string loadAverages()
{
	std::istringstream in(readText("/proc/loadavg"));
	std::string one, five, fifteen;
	in >> one >> five >> fifteen;
	return one + " " + five + " " + fifteen;
}

/* Every process's command, nice value and CPU ticks: what else ran during the benchmark. */
struct ProcessTicks {
	std::string comm;
	int nice = 0;
	long ticks = 0;
};

std::map<pid_t, ProcessTicks> processTicks()
{
	std::map<pid_t, ProcessTicks> found;
	DIR *proc = opendir("/proc");
	if (!proc)
		return found;
	while (dirent *entry = readdir(proc)) {
		char *end = nullptr;
		long pid = std::strtol(entry->d_name, &end, 10);
		if (*end != '\0' || pid <= 0)
			continue;
		std::string stat = readText(std::string("/proc/") + entry->d_name + "/stat");
		auto open = stat.find('('), close = stat.rfind(')');
		std::vector<std::string> fields = statFields(static_cast<pid_t>(pid));
		if (open == std::string::npos || close == std::string::npos || fields.size() < 17)
			continue;
		found[static_cast<pid_t>(pid)] = {stat.substr(open + 1, close - open - 1),
						  std::stoi(fields[16]),
						  std::stol(fields[11]) + std::stol(fields[12])};
	}
	closedir(proc);
	return found;
}

/* Processes named pipewire other than \a ours: daemons of other people's runs. */
int foreignDaemons(pid_t ours)
{
	int count = 0;
	DIR *proc = opendir("/proc");
	if (!proc)
		return 0;
	while (dirent *entry = readdir(proc)) {
		char *end = nullptr;
		long pid = std::strtol(entry->d_name, &end, 10);
		if (*end != '\0' || pid <= 0 || pid == ours)
			continue;
		if (readText(std::string("/proc/") + entry->d_name + "/comm") == "pipewire\n")
			count++;
	}
	closedir(proc);
	return count;
}

struct Window {
	std::size_t quantum = 0, rate = 0;
	double pipewireCpu = 0; /* % of one core */
	double tonesCpu = 0;
	long xruns = -1; /* -1: the amplifier did not answer */
	double load = 0;
	double nicedCpu = 0; /* nice'd processes, % of one core */
	/* Other processes that are not nice'd (wireplumber among them), % of one core. */
	double otherCpu = 0;
	double steal = 0;	/* % of the machine */
	int foreignDaemons = 0; /* pipewire daemons of other runs, at the start */
};

struct Case {
	std::vector<Window> windows;
	/* What the graph showed, per round: the timing keys left on the stream. */
	std::set<std::string> keptKeys;
	std::set<std::string> minQuantum;
	long expected = 0;
};

/* [protected?][attack] */
std::map<bool, std::map<int, Case>> results;

const char *configName(bool protect)
{
	return protect ? "protected" : "unprotected";
}

/* One window: the clock just before, then CPU and xruns over kWindowSeconds. */
Window measureWindow(DaemonSandbox &sandbox, const std::vector<pid_t> &tones)
{
	Window window;
	if (auto clock = sandbox.driverClock(kAmplifier))
		window.quantum = clock->quantum, window.rate = clock->rate;
	std::string amp = sandbox.ampDirectory() + "/sedan-amp.sock";
	pid_t daemon = sandbox.pipewirePid();
	auto tonesSeconds = [&] {
		double sum = 0;
		for (pid_t tone : tones)
			sum += cpuSeconds(tone);
		return sum;
	};
	window.load = loadAverage1();
	window.foreignDaemons = foreignDaemons(daemon);
	auto ampBefore = test::readAmp(amp);
	MachineTicks machineBefore = machineTicks();
	double daemonBefore = cpuSeconds(daemon), tonesBefore = tonesSeconds();
	auto start = std::chrono::steady_clock::now();
	/* The window itself: a fixed span of time, not a wait for an outcome. */
	std::this_thread::sleep_for(std::chrono::duration<double>(kWindowSeconds));
	double daemonAfter = cpuSeconds(daemon), tonesAfter = tonesSeconds();
	double elapsed =
		std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
	MachineTicks machineAfter = machineTicks();
	auto ampAfter = test::readAmp(amp);

	double ticks = static_cast<double>(sysconf(_SC_CLK_TCK)) * elapsed;
	window.pipewireCpu = (daemonAfter - daemonBefore) * 100 / elapsed;
	window.tonesCpu = (tonesAfter - tonesBefore) * 100 / elapsed;
	window.nicedCpu = (machineAfter.nice - machineBefore.nice) * 100 / ticks;
	window.otherCpu =
		std::max(0.0, (machineAfter.busy - machineBefore.busy) * 100 / ticks -
				      window.nicedCpu - window.pipewireCpu - window.tonesCpu);
	double total = machineAfter.total - machineBefore.total;
	window.steal = total > 0 ? (machineAfter.steal - machineBefore.steal) * 100 / total : 0;
	if (ampBefore && ampAfter) {
		/* The counters start again when the PCM is opened again. */
		bool reopened = ampAfter->frames < ampBefore->frames;
		window.xruns = static_cast<long>(reopened ? ampAfter->xruns
							  : ampAfter->xruns - ampBefore->xruns);
	}
	if (verboseEnabled())
		std::fprintf(
			stderr,
			"  window: quantum %zu rate %zu pipewire %.1f%% tones %.1f%% xruns %ld "
			"load %.2f nice'd %.1f%% other %.1f%% steal %.1f%% other pipewire %d\n",
			window.quantum, window.rate, window.pipewireCpu, window.tonesCpu,
			window.xruns, window.load, window.nicedCpu, window.otherCpu, window.steal,
			window.foreignDaemons);
	return window;
}

/* Waits until the amplifier has played \a frames more; false if its PCM is closed. */
bool playOn(DaemonSandbox &sandbox, std::uint64_t frames)
{
	std::string amp = sandbox.ampDirectory() + "/sedan-amp.sock";
	auto now = test::readAmp(amp);
	if (!now)
		return false;
	return test::waitForAmpFrames(amp, now->frames + frames) >= now->frames + frames;
}

/* One sandbox of \a protect's configuration: music everywhere, each attack in turn. */
bool runSandbox(bool protect, int round)
{
	SandboxOptions options = DaemonSandbox::sedan();
	options.wireplumberDebug = "2"; /* warnings, like the other benchmarks */
	std::string error;
	if (!protect) {
		auto conf = unprotectedCabinConf(&error);
		if (!conf) {
			std::fprintf(stderr, "cannot write the unprotected fragment: %s\n",
				     error.c_str());
			return false;
		}
		std::erase_if(options.pipewireFragments, [](const std::string &path) {
			return path.ends_with("/40-cabin.conf");
		});
		options.pipewireTexts.push_back({"40-cabin.conf", *conf});
		if (verboseEnabled())
			std::fprintf(stderr, "%s", conf->c_str());
	}
	DaemonSandbox sandbox(options);
	if (!sandbox.start(&error)) {
		std::fprintf(stderr, "cannot start the %s sedan: %s\n", configName(protect),
			     error.c_str());
		return false;
	}
	std::string minQuantum =
		sandbox.metadataValue("settings", 0, "clock.min-quantum").value_or("?");
	std::fprintf(stderr, "round %d, %s: clock.min-quantum %s, load %s\n", round,
		     configName(protect), minQuantum.c_str(), loadAverages().c_str());

	std::vector<pid_t> tones;
	for (const Zone &zone : kZones)
		tones.push_back(sandbox.playTone(zone.music, {.remote = zone.socket},
						 {"--channels", zone.channels, "--freq",
						  zone.frequency, "media.role=Music"}));
	for (const Zone &zone : kZones) {
		if (!sandbox.waitForTargets(zone.music, {zone.device}, 20s)) {
			std::fprintf(stderr, "%s was not linked to %s\n", zone.music, zone.device);
			sandbox.keepLogs();
			return false;
		}
	}
	if (!playOn(sandbox, kSettle)) {
		std::fprintf(stderr, "the amplifier is not playing\n");
		sandbox.keepLogs();
		return false;
	}

	std::size_t musicQuantum = 0;
	for (int a = 0; a < kAttackCount; a++) {
		const Attack &attack = kAttacks[a];
		Case &result = results[protect][a];
		result.minQuantum.insert(minQuantum);
		std::string name = "rear-left.attack-" + std::to_string(a);
		pid_t stream = -1;
		if (!attack.props.empty()) {
			stream =
				sandbox.playTone(name, {.remote = "cabin-rear-left"}, attack.props);
			tones.push_back(stream);
			if (!sandbox.waitForTargets(name, {"rear-left.headphones"}, 20s)) {
				std::fprintf(stderr,
					     "%s: %s was not linked to rear-left.headphones\n",
					     configName(protect), name.c_str());
				sandbox.keepLogs();
				return false;
			}
			/* What the server kept of the stream's timing keys. */
			for (const char *key : kTimingKeys)
				if (auto value = sandbox.nodeProperty(name, key))
					result.keptKeys.insert(std::string(key) + "=" + *value);
		}
		playOn(sandbox, kSettle);
		if (verboseEnabled())
			std::fprintf(stderr, " %s %s:\n", configName(protect), attack.name);
		for (int w = 0; w < kWindows; w++)
			result.windows.push_back(measureWindow(sandbox, tones));
		if (attack.props.empty() && musicQuantum == 0) {
			std::vector<double> quanta;
			for (const Window &window : result.windows)
				quanta.push_back(static_cast<double>(window.quantum));
			musicQuantum = static_cast<std::size_t>(percentile(quanta, 0.5));
		}
		long wanted = protect ? attack.protectedQuantum : attack.unprotectedQuantum;
		result.expected = wanted == 0  ? static_cast<long>(musicQuantum)
				  : wanted < 0 ? static_cast<long>(protect ? kProtectedMinQuantum
									   : kUnprotectedMinQuantum)
					       : wanted;

		if (stream > 0) {
			sandbox.stop(stream);
			tones.pop_back();
			/* Back to the music's own clock before the next attack. */
			bool back = DaemonSandbox::waitFor(
				[&] {
					auto clock = sandbox.driverClock(kAmplifier);
					return !sandbox.nodeId(name) && clock &&
					       clock->quantum == musicQuantum;
				},
				20s);
			if (!back)
				std::fprintf(
					stderr,
					"warning: %s: the quantum did not go back to %zu after "
					"%s\n",
					configName(protect), musicQuantum, attack.name);
		}
	}
	return true;
}

std::vector<double> values(const std::vector<Window> &windows, double Window::*field)
{
	std::vector<double> out;
	for (const Window &window : windows)
		out.push_back(window.*field);
	return out;
}

/* "1024", or "256..1024" when the windows saw more than one value. */
std::string spread(const std::vector<Window> &windows, std::size_t Window::*field)
{
	std::size_t low = SIZE_MAX, high = 0;
	for (const Window &window : windows)
		low = std::min(low, window.*field), high = std::max(high, window.*field);
	if (windows.empty())
		return "?";
	return low == high ? std::to_string(low)
			   : std::to_string(low) + ".." + std::to_string(high);
}

std::size_t medianOf(const std::vector<Window> &windows, std::size_t Window::*field)
{
	std::vector<double> all;
	for (const Window &window : windows)
		all.push_back(static_cast<double>(window.*field));
	return static_cast<std::size_t>(percentile(all, 0.5));
}

std::string joined(const std::set<std::string> &items, const char *none)
{
	std::string out;
	for (const std::string &item : items)
		out += (out.empty() ? "" : " ") + item;
	return out.empty() ? none : out;
}

/*
 * Whether the graph showed the configuration doing what it says: the
 * unprotected one lets every attack through, the protected one none.
 */
std::vector<std::string> verify()
{
	std::vector<std::string> problems;
	for (bool protect : {true, false}) {
		std::string minQuantum =
			std::to_string(protect ? kProtectedMinQuantum : kUnprotectedMinQuantum);
		for (int a = 0; a < kAttackCount; a++) {
			const Case &result = results[protect][a];
			std::string what =
				std::string(configName(protect)) + " " + kAttacks[a].name;
			if (result.minQuantum != std::set<std::string>{minQuantum})
				problems.push_back(what + ": clock.min-quantum " +
						   joined(result.minQuantum, "?") + ", not " +
						   minQuantum);
			std::size_t quantum = medianOf(result.windows, &Window::quantum);
			if (static_cast<long>(quantum) != result.expected)
				problems.push_back(what + ": quantum " + std::to_string(quantum) +
						   ", not " + std::to_string(result.expected));
			bool setsKeys = kAttacks[a].props.size() > 0 &&
					kAttacks[a].props[0].starts_with("node.force-quantum");
			if (setsKeys && protect && !result.keptKeys.empty())
				problems.push_back(what + ": the stream kept " +
						   joined(result.keptKeys, ""));
			if (setsKeys && !protect &&
			    joined(result.keptKeys, "").find("node.force-quantum") ==
				    std::string::npos)
				problems.push_back(what + ": node.force-quantum was stripped");
		}
	}
	return problems;
}

void printTable(const std::map<pid_t, ProcessTicks> &before, double seconds,
		const MachineTicks &machineBefore, const std::string &loadBefore)
{
	std::printf(
		"\nTiming attacks from rear-left on the sedan's amplifier, music in all 4 zones;"
		"\n%d rounds x %d windows of %.0f s per case, configurations alternating; "
		"CPU in %% of one core (2 cores): pipewire median and max, the tone clients' "
		"median;\nxruns of the amplifier per window median/max and in all; load "
		"average, CPU of nice'd processes and of other ones\n(%% of one core) and steal "
		"(%%) medians\n",
		kRounds, kWindows, kWindowSeconds);
	std::printf("%-11s %-16s %8s %6s %6s %8s %7s %7s %7s %12s %5s %7s %6s %6s  %s\n", "config",
		    "attack", "quantum", "rate", "expect", "cycle ms", "pw cpu", "pw max",
		    "clients", "xruns m/x/sum", "load", "nice'd", "other", "steal",
		    "timing keys on the stream");
	for (bool protect : {true, false}) {
		for (int a = 0; a < kAttackCount; a++) {
			const Case &result = results[protect][a];
			const auto &w = result.windows;
			std::vector<double> xruns;
			long sum = 0;
			for (const Window &window : w) {
				xruns.push_back(static_cast<double>(window.xruns));
				sum += window.xruns < 0 ? 0 : window.xruns;
			}
			char xrunText[32];
			std::snprintf(xrunText, sizeof(xrunText), "%.0f/%.0f/%ld",
				      percentile(xruns, 0.5), percentile(xruns, 1.0), sum);
			std::size_t quantum = medianOf(w, &Window::quantum);
			std::size_t rate = medianOf(w, &Window::rate);
			std::printf("%-11s %-16s %8s %6s %6ld %8.1f %7.1f %7.1f %7.1f %12s %5.2f "
				    "%7.1f %6.1f "
				    "%6.1f  %s\n",
				    configName(protect), kAttacks[a].name,
				    spread(w, &Window::quantum).c_str(),
				    spread(w, &Window::rate).c_str(), result.expected,
				    rate ? static_cast<double>(quantum) * 1000 /
						    static_cast<double>(rate)
					 : 0.0,
				    percentile(values(w, &Window::pipewireCpu), 0.5),
				    percentile(values(w, &Window::pipewireCpu), 1.0),
				    percentile(values(w, &Window::tonesCpu), 0.5), xrunText,
				    percentile(values(w, &Window::load), 0.5),
				    percentile(values(w, &Window::nicedCpu), 0.5),
				    percentile(values(w, &Window::otherCpu), 0.5),
				    percentile(values(w, &Window::steal), 0.5),
				    kAttacks[a].props.empty()
					    ? "-"
					    : joined(result.keptKeys, "none").c_str());
		}
	}
	std::printf("\n%-16s %18s %18s %14s\n", "attack", "pw cpu unprot/prot",
		    "pw max unprot/prot", "xruns prot/unp");
	for (int a = 0; a < kAttackCount; a++) {
		const auto &p = results[true][a].windows, &u = results[false][a].windows;
		long xp = 0, xu = 0;
		for (const Window &window : p)
			xp += std::max(window.xruns, 0L);
		for (const Window &window : u)
			xu += std::max(window.xruns, 0L);
		std::printf("%-16s %18.2f %18.2f %8ld/%ld\n", kAttacks[a].name,
			    percentile(values(u, &Window::pipewireCpu), 0.5) /
				    percentile(values(p, &Window::pipewireCpu), 0.5),
			    percentile(values(u, &Window::pipewireCpu), 1.0) /
				    percentile(values(p, &Window::pipewireCpu), 1.0),
			    xp, xu);
	}

	/* What else ran: the machine over the whole run, and the busiest other processes. */
	MachineTicks machineAfter = machineTicks();
	double ticks = static_cast<double>(sysconf(_SC_CLK_TCK)) * seconds;
	std::printf("\nOver the run (%.0f s): load average %s at the start, %s at the end; "
		    "nice'd processes used %.0f%% of one core, steal %.1f%% of the machine\n",
		    seconds, loadBefore.c_str(), loadAverages().c_str(),
		    (machineAfter.nice - machineBefore.nice) * 100 / ticks,
		    machineAfter.total > machineBefore.total
			    ? (machineAfter.steal - machineBefore.steal) * 100 /
				      (machineAfter.total - machineBefore.total)
			    : 0);
	int foreign = 0;
	for (const auto &[protect, cases] : results)
		for (const auto &[attack, result] : cases)
			for (const Window &window : result.windows)
				foreign = std::max(foreign, window.foreignDaemons);
	std::printf("pipewire daemons of other runs at the start of a window: at most %d\n",
		    foreign);
	std::vector<std::pair<double, std::string>> others;
	for (const auto &[pid, now] : processTicks()) {
		if (pid == getpid())
			continue;
		auto then = before.find(pid);
		long used = now.ticks - (then != before.end() && then->second.comm == now.comm
						 ? then->second.ticks
						 : 0);
		double percent = static_cast<double>(used) * 100 / ticks;
		if (percent >= 1.0)
			others.push_back({percent, now.comm + " (pid " + std::to_string(pid) +
							   ", nice " + std::to_string(now.nice) +
							   ")"});
	}
	std::sort(others.rbegin(), others.rend());
	std::printf("Other processes still running, CPU over the run:");
	if (others.empty())
		std::printf(" none above 1%%");
	for (std::size_t i = 0; i < others.size() && i < 8; i++)
		std::printf("%s %s %.0f%%", i ? "," : "", others[i].second.c_str(),
			    others[i].first);
	std::printf("\n");
}

} // namespace
} // namespace cabin::bench

int main()
{
	using namespace cabin::bench;
	std::string loadBefore = loadAverages();
	auto processesBefore = processTicks();
	MachineTicks machineBefore = machineTicks();
	auto start = std::chrono::steady_clock::now();
	for (int round = 0; round < kRounds; round++) {
		/* Alternating which goes first, so a change in the machine's load hits both. */
		for (bool protect : {round % 2 == 0, round % 2 != 0})
			if (!runSandbox(protect, round))
				return 1;
	}
	double seconds =
		std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
	printTable(processesBefore, seconds, machineBefore, loadBefore);
	std::vector<std::string> problems = verify();
	for (const std::string &problem : problems)
		std::printf("NOT AS CONFIGURED: %s\n", problem.c_str());
	if (!problems.empty())
		return 1;
	std::printf("Verified from the graph: unprotected let every attack through "
		    "(keys kept, clock.min-quantum %zu, quantum as asked); protected kept "
		    "the music's quantum or clock.min-quantum %zu\n",
		    kUnprotectedMinQuantum, kProtectedMinQuantum);
	return 0;
}
