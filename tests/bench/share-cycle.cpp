/* SPDX-License-Identifier: MIT */
/*
 * Benchmark (not a test): what sharing a stream costs. rear-left plays a
 * film (a 1 kHz tone) on the sedan's simulated amplifier and shares it with
 * other zones in two setups, alternating, in one process:
 *
 *  - Cabin: `cabinctl share` as rear-left, `cabinctl accept` / `stop` as the
 *    receiver; module-cabin runs the loopback inside WirePlumber.
 *  - stock: what a user does without Cabin, `pw-loopback` from the film to
 *    the receiving zone's device, on the manager socket, with stock
 *    WirePlumber. Cabin's policy would (rightly) keep a tool of the driver's
 *    seat from capturing rear-left's stream, so stock gets its own sandbox
 *    with the same PipeWire fragments and amplifier, as in zone-cycle.
 *
 * Reported:
 *  - accept (stock: pw-loopback launch) to the first non-zero sample on the
 *    receiving zone's channel in the amplifier's recording, median and p90;
 *  - discontinuities on the sharer's channel over 100 share start/stop
 *    cycles, next to the xruns the amplifier counted, and the same over a
 *    control stretch as long without shares;
 *  - CPU of pipewire + wireplumber (+ the pw-loopback processes) per active
 *    share: three shares against none.
 */
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <fstream>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <thread>
#include <time.h>
#include <unistd.h>
#include <vector>

#include "amp-control.hpp"
#include "amp-recording.hpp"
#include "daemon-sandbox.hpp"
#include "machine-ticks.hpp"
#include "percentile.hpp"
#include "tone-generator.hpp"

namespace cabin::bench {
namespace {

using namespace std::chrono_literals;
using test::AmpCounters;
using test::ClientOptions;
using test::DaemonSandbox;
using test::kRate;
using test::readAmp;
using test::Recording;
using test::SandboxOptions;

constexpr int kLatencySamples = 24;  /* per setup, at least */
constexpr int kSamplesPerRound = 12; /* per sandbox, alternating setups */
constexpr int kMaxLatencyRounds = 5; /* per setup */
constexpr int kCycles = 100;
constexpr int kGlitchRounds = 2; /* of kCycles, per setup, alternating */
constexpr int kCpuRounds = 4;
constexpr double kCpuWindow = 5.0; /* seconds */
constexpr int kRetries = 3;	   /* sandboxes whose daemons died */

constexpr unsigned kFilmChannel = 4; /* rear-left headphones, left */
constexpr double kFilmFrequency = 1000;
constexpr double kFilmAmplitude = 0.5;
const char *const kFilm = "rear-left.film";
/* sedan-amp.wav: 16 channels of S32 after a 44-byte header. */
constexpr std::int64_t kWavHeader = 44;
constexpr std::int64_t kWavFrameBytes = 16 * 4;

const ClientOptions kRearLeft{.remote = "cabin-rear-left"};

struct Receiver {
	const char *to;	    /* the seat or zone named in the offer */
	ClientOptions seat; /* who accepts: the receiver */
	const char *device; /* the zone's device the share plays on */
	unsigned channel;   /* its first amplifier channel */
};

const Receiver kRearRight{"rear-right", {.remote = "cabin-rear-right"}, "rear-right.headphones", 6};
const Receiver kFrontPassenger{
	"front-passenger", {.remote = "cabin-front-passenger"}, "front-passenger.headphones", 12};
const Receiver kCabinZone{"cabin", {.remote = "cabin-driver"}, "cabin.speakers", 0};

bool verbose()
{
	return std::getenv("CABIN_BENCH_VERBOSE") != nullptr;
}

std::string readText(const std::string &path)
{
	std::ifstream in(path);
	return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

/* The state letter of a process (R, S, Z...), or 0 if it is gone. */
char processState(pid_t pid)
{
	std::string stat = readText("/proc/" + std::to_string(pid) + "/stat");
	auto close = stat.rfind(')');
	return close == std::string::npos || close + 2 >= stat.size() ? 0 : stat[close + 2];
}

/*
 * CPU time of a process, all its threads, in seconds: utime + stime, read
 * from its CPU-time clock, since /proc/<pid>/stat counts in 10 ms ticks
 * and a share costs a few ticks per window. 0 if it is gone.
 */
double cpuSeconds(pid_t pid)
{
	clockid_t clock;
	timespec now{};
	if (clock_getcpuclockid(pid, &clock) == 0 && clock_gettime(clock, &now) == 0)
		return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) * 1e-9;
	std::string stat = readText("/proc/" + std::to_string(pid) + "/stat");
	auto close = stat.rfind(')');
	if (close == std::string::npos)
		return 0;
	std::istringstream fields(stat.substr(close + 2));
	std::string field;
	double ticks = 0;
	for (int i = 3; fields >> field && i <= 15; i++)
		if (i == 14 || i == 15)
			ticks += std::stod(field);
	return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
}

/*
 * Live pipewire / wireplumber processes, with whether each runs in the
 * sandbox whose runtime directory is \a runtimeDir (by its environment, so
 * that daemons of other people's runs are told apart from ours).
 */
struct Daemon {
	pid_t pid;
	std::string comm;
	bool ours;
};

std::vector<Daemon> listDaemons(const std::string &runtimeDir)
{
	std::vector<Daemon> found;
	DIR *proc = opendir("/proc");
	if (!proc)
		return found;
	std::string mark = "XDG_RUNTIME_DIR=" + runtimeDir;
	while (dirent *entry = readdir(proc)) {
		char *end = nullptr;
		long pid = std::strtol(entry->d_name, &end, 10);
		if (*end != '\0' || pid <= 0)
			continue;
		std::string base = std::string("/proc/") + entry->d_name;
		std::string comm = readText(base + "/comm");
		while (!comm.empty() && comm.back() == '\n')
			comm.pop_back();
		if (comm != "pipewire" && comm != "wireplumber" && comm != "pipewire-pulse")
			continue;
		char state = processState(static_cast<pid_t>(pid));
		if (state == 0 || state == 'Z')
			continue; /* a zombie does not run */
		bool ours = false;
		std::istringstream environ(readText(base + "/environ"));
		for (std::string item; std::getline(environ, item, '\0');)
			ours = ours || (!runtimeDir.empty() && item == mark);
		found.push_back({static_cast<pid_t>(pid), comm, ours});
	}
	closedir(proc);
	return found;
}

int foreignDaemons(const std::string &runtimeDir)
{
	int count = 0;
	for (const Daemon &daemon : listDaemons(runtimeDir))
		count += daemon.ours ? 0 : 1;
	return count;
}

/* One share in flight: Cabin's share id, or the stock pw-loopback process. */
struct Share {
	std::uint32_t id = 0;
	pid_t loopback = -1;
	std::string capture; /* node names of the loopback's two sides */
	std::string playback;
};

/* One sandbox of one setup, with the film playing on rear-left. */
class Car
{
public:
	explicit Car(bool cabin) : cabin_(cabin), sandbox_(options(cabin)) {}

	const char *name() const { return cabin_ ? "Cabin" : "stock"; }
	DaemonSandbox &sandbox() { return sandbox_; }
	pid_t wireplumber() const { return wireplumber_; }
	int foreignAtStart() const { return foreignAtStart_; }

	bool start()
	{
		foreignAtStart_ = foreignDaemons(sandbox_.directory() + "/run");
		std::string error;
		if (!sandbox_.start(&error)) {
			std::fprintf(stderr, "%s: cannot start the sandbox: %s\n", name(),
				     error.c_str());
			return false;
		}
		for (const Daemon &daemon : listDaemons(sandbox_.directory() + "/run"))
			if (daemon.ours && daemon.comm == "wireplumber")
				wireplumber_ = daemon.pid;
		if (wireplumber_ <= 0)
			return fail("cannot find the sandbox's wireplumber process");
		return startFilm();
	}

	/* Both daemons still run (someone else's `pkill pipewire` kills ours too). */
	bool alive()
	{
		if (dead_)
			return false;
		for (pid_t pid : {sandbox_.pipewirePid(), wireplumber_}) {
			char state = processState(pid);
			dead_ = dead_ || state == 0 || state == 'Z';
		}
		return dead_ ? fail("a daemon of the sandbox died") : true;
	}

	bool startFilm()
	{
		std::vector<std::string> args{"--freq", std::to_string(kFilmFrequency),
					      "--amplitude", std::to_string(kFilmAmplitude)};
		ClientOptions client = kRearLeft;
		if (!cabin_) {
			client = ClientOptions::manager();
			args.push_back("target.object=rear-left.headphones");
		}
		filmPid_ = sandbox_.playTone(kFilm, client, args);
		auto film = sandbox_.waitForTargets(kFilm, {"rear-left.headphones"})
				    ? sandbox_.nodeId(kFilm)
				    : std::nullopt;
		if (!film)
			return fail("the film was not linked to rear-left.headphones");
		film_ = *film;
		return true;
	}

	void stopFilm()
	{
		sandbox_.stop(filmPid_);
		filmPid_ = -1;
	}

	/* Cabin: rear-left offers the film to \a to. Stock: nothing to ask, just names. */
	std::optional<Share> offer(const Receiver &to)
	{
		Share share;
		if (!cabin_) {
			std::string base = "bench.loop." + std::to_string(++loops_);
			share.capture = base + ".capture";
			share.playback = base + ".playback";
			return share;
		}
		int status = -1;
		std::string out =
			cabinctl(kRearLeft, {"share", std::to_string(film_), to.to}, &status);
		std::smatch match;
		if (status != 0 || !std::regex_search(out, match, std::regex("share ([0-9]+)"))) {
			std::fprintf(stderr, "Cabin: cabinctl share failed (%d): %s\n", status,
				     out.c_str());
			return std::nullopt;
		}
		share.id = static_cast<std::uint32_t>(std::stoul(match[1]));
		share.capture = "cabin.share." + std::to_string(share.id) + ".capture";
		share.playback = "cabin.share." + std::to_string(share.id) + ".playback";
		return share;
	}

	/* Cabin: the receiver accepts. Stock: pw-loopback from the film to the zone's device. */
	bool begin(Share &share, const Receiver &to)
	{
		if (!cabin_) {
			share.loopback = sandbox_.spawn(
				{"pw-loopback", "--capture-props",
				 "node.name=" + share.capture + " target.object=" + kFilm +
					 " node.autoconnect=true",
				 "--playback-props",
				 "node.name=" + share.playback + " target.object=" + to.device},
				ClientOptions::manager());
			return share.loopback > 0;
		}
		int status = -1;
		std::string out = cabinctl(to.seat, {"accept", std::to_string(share.id)}, &status);
		if (status != 0)
			std::fprintf(stderr, "Cabin: cabinctl accept %u failed (%d): %s\n",
				     share.id, status, out.c_str());
		return status == 0;
	}

	/* Waits until the loopback takes the film and plays on the zone's device. */
	bool linked(const Share &share, const Receiver &to)
	{
		bool ok = DaemonSandbox::waitFor(
			[&] {
				auto targets = linkTargets({share.capture, share.playback});
				return targets[share.capture] == std::set<std::string>{kFilm} &&
				       targets[share.playback] == std::set<std::string>{to.device};
			},
			10s);
		if (!ok)
			std::fprintf(stderr, "%s: %s was not linked to %s\n", name(),
				     share.playback.c_str(), to.device);
		return ok;
	}

	/* Cabin: the receiver stops the share. Stock: pw-loopback ends. Then both nodes are gone.
	 */
	bool end(Share &share, const Receiver &to)
	{
		if (cabin_) {
			int status = -1;
			std::string out =
				cabinctl(to.seat, {"stop", std::to_string(share.id)}, &status);
			if (status != 0)
				std::fprintf(stderr, "Cabin: cabinctl stop %u failed (%d): %s\n",
					     share.id, status, out.c_str());
		} else {
			sandbox_.stop(share.loopback);
			share.loopback = -1;
		}
		bool gone = DaemonSandbox::waitFor(
			[&] {
				auto targets = linkTargets({share.capture, share.playback});
				return !targets.contains("?") && !targets.contains(share.capture) &&
				       !targets.contains(share.playback);
			},
			10s);
		if (!gone)
			std::fprintf(stderr, "%s: %s outlived its share\n", name(),
				     share.playback.c_str());
		return gone;
	}

	std::optional<AmpCounters> amp()
	{
		return readAmp(sandbox_.ampDirectory() + "/sedan-amp.sock");
	}

	/* The counters just after the frame count moved: the position now. */
	std::optional<AmpCounters> freshAmp()
	{
		return test::readAmpAsItMoves(sandbox_.ampDirectory() + "/sedan-amp.sock");
	}

	/* Waits until the amplifier played up to frame \a frames; the frame count then. */
	std::uint64_t playUntil(std::uint64_t frames)
	{
		return test::waitForAmpFrames(sandbox_.ampDirectory() + "/sedan-amp.sock", frames);
	}

	std::uint64_t playOn(std::uint64_t frames)
	{
		auto counters = amp();
		return playUntil((counters ? counters->frames : 0) + frames);
	}

	std::optional<Recording> recording()
	{
		return test::readAmpRecording(sandbox_.ampDirectory() + "/sedan-amp.wav");
	}

	/* Frames in the recording file so far. */
	std::int64_t recordedFrames()
	{
		struct stat info {
		};
		if (stat((sandbox_.ampDirectory() + "/sedan-amp.wav").c_str(), &info) < 0)
			return -1;
		return (static_cast<std::int64_t>(info.st_size) - kWavHeader) / kWavFrameBytes;
	}

private:
	static SandboxOptions options(bool cabin)
	{
		SandboxOptions options = DaemonSandbox::sedan();
		options.wireplumberDebug = "2"; /* warnings, like the other benchmarks */
		if (!cabin) {
			/*
			 * Same PipeWire fragments (zone nodes, sockets) and amplifier,
			 * stock WirePlumber without the sedan's seats; the sandbox
			 * fragment only keeps it off the machine's hardware.
			 */
			options.cabin = false;
			std::erase_if(options.wireplumberFragments, [](const std::string &path) {
				return path.find("60-cabin-sedan") != std::string::npos;
			});
		}
		return options;
	}

	bool fail(const std::string &why)
	{
		std::fprintf(stderr, "%s: %s\n", name(), why.c_str());
		sandbox_.keepLogs();
		return false;
	}

	std::string cabinctl(const ClientOptions &client, std::vector<std::string> args,
			     int *status)
	{
		args.insert(args.begin(), DaemonSandbox::buildRoot() + "/tools/cabinctl");
		return sandbox_.run(args, client, status).value_or("");
	}

	/*
	 * What each of \a names is linked to, from one pw-dump; a name missing
	 * from the answer has no node, "?" means pw-dump failed.
	 */
	std::map<std::string, std::set<std::string>> linkTargets(const std::set<std::string> &names)
	{
		std::map<std::string, std::set<std::string>> targets;
		auto graph = sandbox_.dump();
		if (!graph || graph->items().empty())
			return {{"?", {}}};
		std::map<std::int64_t, std::string> nodes;
		for (const JsonValue &object : graph->items()) {
			const JsonValue *info = object.find("info");
			const JsonValue *props = info ? info->find("props") : nullptr;
			if (object.stringOr("type") != "PipeWire:Interface:Node" || !props)
				continue;
			std::string node = props->stringOr("node.name");
			nodes[object.find("id")->toInt().value_or(-1)] = node;
			if (names.contains(node))
				targets[node];
		}
		for (const JsonValue &object : graph->items()) {
			const JsonValue *info = object.find("info");
			if (object.stringOr("type") != "PipeWire:Interface:Link" || !info)
				continue;
			const std::string &out =
				nodes[info->find("output-node-id")->toInt().value_or(-1)];
			const std::string &in =
				nodes[info->find("input-node-id")->toInt().value_or(-1)];
			if (names.contains(out))
				targets[out].insert(in);
			if (names.contains(in))
				targets[in].insert(out);
		}
		return targets;
	}

	bool cabin_;
	DaemonSandbox sandbox_;
	pid_t filmPid_ = -1;
	std::uint32_t film_ = 0;
	pid_t wireplumber_ = -1;
	int loops_ = 0;
	int foreignAtStart_ = 0;
	bool dead_ = false;
};

/*
 * Where the amplifier's frame count lands in its recording. The two agree
 * until an xrun: an underrun records the frames still queued without
 * counting them. While the PCM is stopped its recording is complete, so
 * stopping the film, the only stream, gives the exact offset again.
 */
struct Mapping {
	std::int64_t offset = 0;
	std::uint64_t xruns = 0, dropped = 0;
	bool holds(const AmpCounters &now) const
	{
		return now.xruns == xruns && now.dropped == dropped;
	}
};

std::optional<Mapping> calibrate(Car &car)
{
	auto now = car.amp();
	if (now && now->xruns == 0 && now->dropped == 0)
		return Mapping{};
	for (int attempt = 0; attempt < 5 && car.alive(); attempt++) {
		car.stopFilm();
		std::optional<AmpCounters> stopped;
		DaemonSandbox::waitFor(
			[&] {
				stopped = car.amp();
				return !stopped || !stopped->running;
			},
			10s);
		std::optional<Mapping> mapping;
		if (stopped && !stopped->running) {
			/* The recorder drains its queue when the PCM stops. */
			std::int64_t frames = -1, previous = -2;
			DaemonSandbox::waitFor(
				[&] {
					previous = frames;
					frames = car.recordedFrames();
					return frames == previous;
				},
				2s);
			if (frames >= 0)
				mapping =
					Mapping{frames - static_cast<std::int64_t>(stopped->frames),
						stopped->xruns, stopped->dropped};
		}
		if (!car.startFilm())
			return std::nullopt;
		auto after = car.amp();
		if (!after)
			continue;
		/* The PCM was closed meanwhile: a new recording, counted from 0. */
		if (!stopped || after->frames < stopped->frames)
			mapping = Mapping{};
		if (mapping && mapping->holds(*after))
			return mapping;
	}
	return std::nullopt;
}

/* 1. Accept (or launch) to the first audible sample in the receiving zone. */
struct LatencyResult {
	std::vector<double> ms;
	std::vector<double> commandMs; /* until `cabinctl accept` exited (Cabin) */
	int failed = 0;		       /* not linked, not gone, or silent */
	int discarded = 0;	       /* an xrun during the sample: the recording lost time */
};

void measureLatency(Car &car, LatencyResult &result, int wanted)
{
	struct Pending {
		std::int64_t from, to; /* in the recording */
	};
	std::vector<Pending> pending;
	/* Before each calibration: a closed PCM would start its recording over. */
	auto analyse = [&] {
		if (pending.empty())
			return;
		auto rec = car.recording();
		for (const Pending &sample : pending) {
			auto from = static_cast<std::size_t>(sample.from);
			auto to = static_cast<std::size_t>(sample.to);
			if (!rec || rec->frames() < to) {
				result.failed++;
				continue;
			}
			if (rec->at(from, kRearRight.channel) != 0) {
				/* The previous share still played here. */
				result.discarded++;
				continue;
			}
			std::size_t first = from;
			while (first < to && rec->at(first, kRearRight.channel) == 0)
				first++;
			if (first == to) {
				std::fprintf(stderr, "%s: the share stayed silent on channel %u\n",
					     car.name(), kRearRight.channel);
				result.failed++;
				continue;
			}
			double ms = static_cast<double>(first - from) * 1000.0 / kRate;
			if (verbose())
				std::fprintf(stderr,
					     "%s: accepted at %zu, audible at %zu: %.1f ms\n",
					     car.name(), from, first, ms);
			result.ms.push_back(ms);
		}
		pending.clear();
	};

	std::optional<Mapping> mapping;
	std::size_t target = result.ms.size() + static_cast<std::size_t>(wanted);
	for (int attempt = 0; attempt < 4 * wanted; attempt++) {
		if (result.ms.size() + pending.size() >= target || !car.alive())
			break;
		if (!mapping) {
			analyse();
			mapping = calibrate(car);
			if (!mapping) {
				std::fprintf(stderr, "%s: cannot map frames onto the recording\n",
					     car.name());
				break;
			}
		}
		auto share = car.offer(kRearRight);
		if (!share) {
			result.failed++;
			continue;
		}
		/* The previous share's last samples have left the ring before F0. */
		car.playOn(kRate / 10);
		auto at = car.freshAmp();
		if (!at || !mapping->holds(*at)) {
			mapping.reset();
			car.end(*share, kRearRight); /* only offered */
			continue;
		}
		auto command = std::chrono::steady_clock::now();
		if (!car.begin(*share, kRearRight)) {
			result.failed++;
			car.end(*share, kRearRight);
			continue;
		}
		double commandMs = std::chrono::duration<double, std::milli>(
					   std::chrono::steady_clock::now() - command)
					   .count();
		/* Nothing polls the graph while the share starts; the recording tells when it did.
		 */
		car.playUntil(at->frames + kRate * 3 / 10);
		bool linked = car.linked(*share, kRearRight);
		std::uint64_t to = car.playOn(kRate * 3 / 10);
		bool gone = car.end(*share, kRearRight);
		auto after = car.amp();
		if (!linked || !gone) {
			result.failed++;
			if (!gone)
				break;
			continue;
		}
		if (!after || !mapping->holds(*after)) {
			result.discarded++;
			mapping.reset();
			continue;
		}
		pending.push_back({static_cast<std::int64_t>(at->frames) + mapping->offset,
				   static_cast<std::int64_t>(to) + mapping->offset});
		result.commandMs.push_back(commandMs);
	}
	car.playOn(kRate / 5); /* the recorder writes every 20 ms */
	analyse();
}

/* 2. Discontinuities on the sharer's channel over many share start/stop cycles. */
struct Discontinuity {
	std::size_t at; /* frame of the recording */
	bool silence;	/* silence, then the film goes on; else it goes on elsewhere at once */
};

struct Continuity {
	std::vector<Discontinuity> found;
	std::string error;
};

/*
 * Walks \a channel like compareWithTone, from the film's first sample on,
 * but goes on after a jump instead of stopping there: on this VM an xrun
 * restart often loses a quantum of the film without leaving silence, and
 * the point here is to count every discontinuity. Any sample that is
 * neither the film's nor silence is an error.
 */
Continuity walkFilm(const Recording &rec, unsigned channel)
{
	Continuity result;
	const std::size_t end = rec.frames();
	std::vector<std::int32_t> tone;
	tone.reserve(end * 2 + kRate);
	ToneGenerator generator(kFilmFrequency, kFilmAmplitude, kRate);
	for (std::size_t i = 0; i < end * 2 + kRate; i++)
		tone.push_back(test::toDeviceS32(generator.next()));
	/*
	 * Where in the tone does frame \a at continue? The tone sample nearest
	 * to \a near, after it or before: a restart may lose a quantum or play
	 * one again.
	 */
	auto find = [&](std::size_t at, std::size_t near) -> std::optional<std::size_t> {
		auto matches = [&](std::size_t t) {
			bool same = t + 4 < tone.size();
			for (std::size_t k = 0; k < 4 && same; k++)
				same = at + k < end && rec.at(at + k, channel) == tone[t + k];
			return same;
		};
		for (std::size_t d = 0; d < kRate; d++) {
			if (matches(near + d))
				return near + d;
			if (d > 0 && d < near && matches(near - d))
				return near - d;
		}
		return std::nullopt;
	};
	std::size_t i = 0;
	while (i < end && rec.at(i, channel) == 0)
		i++;
	auto t = i < end ? find(i, 1) : std::nullopt;
	if (!t) {
		result.error = "channel " + std::to_string(channel) + " does not carry the film";
		return result;
	}
	while (i < end) {
		if (rec.at(i, channel) == tone[*t]) {
			i++;
			++*t;
			continue;
		}
		std::size_t next = i;
		while (next < end && rec.at(next, channel) == 0)
			next++;
		if (next + 4 > end)
			break; /* the recording ends here */
		/*
		 * Two discontinuities a few frames apart (an xrun right after a
		 * restart) leave a few frames that match nowhere; more is an error.
		 */
		auto resumed = find(next, *t);
		for (std::size_t skip = 1; !resumed && skip <= 8 && next + skip + 4 <= end; skip++)
			if ((resumed = find(next + skip, *t)))
				next += skip;
		if (!resumed) {
			result.error = "frame " + std::to_string(next) + ": " +
				       std::to_string(rec.at(next, channel)) + " is not the film";
			return result;
		}
		result.found.push_back({i, next > i});
		if (verbose())
			std::fprintf(stderr,
				     "  frame %zu: %s of %zu, then the tone %lld samples on\n", i,
				     next > i ? "silence" : "jump", next - i,
				     static_cast<long long>(*resumed) - static_cast<long long>(*t));
		t = resumed;
		i = next;
	}
	return result;
}

/* What the film's channel and the amplifier went through over one stretch of time. */
struct Stretch {
	double seconds = 0;
	int gaps = 0;	/* silence, then the film goes on */
	int jumps = 0;	/* the film goes on elsewhere at once: samples lost */
	int events = 0; /* discontinuities, those within 8192 frames (one xrun) counted once */
	std::uint64_t xruns = 0;
};

void countIn(const Continuity &film, std::int64_t from, std::int64_t to, Stretch &stretch)
{
	std::optional<std::size_t> last;
	for (const Discontinuity &d : film.found) {
		if (static_cast<std::int64_t>(d.at) < from || static_cast<std::int64_t>(d.at) >= to)
			continue;
		(d.silence ? stretch.gaps : stretch.jumps)++;
		if (!last || d.at - *last > 8192)
			stretch.events++;
		last = d.at;
	}
}

struct GlitchResult {
	int cycles = 0;
	int failed = 0;
	Stretch cycling; /* the share started and stopped over and over */
	Stretch control; /* then the film alone as long, the graph polled as often */
	std::string error;
};

/*
 * The cycles, then a control stretch as long with the film alone and the
 * graph polled as during the cycles, so that glitches the VM causes (its
 * stalls give xruns and late clients) show up there too. The stretches
 * are told apart in the recording by its length at the switch.
 */
GlitchResult measureGlitches(Car &car)
{
	GlitchResult result;
	auto xruns = [&] {
		auto counters = car.amp();
		return counters ? counters->xruns : 0;
	};
	car.playOn(kRate / 2);
	std::int64_t begin = car.recordedFrames();
	std::uint64_t xruns0 = xruns();
	auto start = std::chrono::steady_clock::now();
	for (int i = 0; i < kCycles && car.alive(); i++) {
		auto share = car.offer(kRearRight);
		if (!share) {
			result.failed++;
			continue;
		}
		bool ok = car.begin(*share, kRearRight) && car.linked(*share, kRearRight);
		car.playOn(kRate / 20);
		ok = car.end(*share, kRearRight) && ok;
		result.cycles++;
		result.failed += ok ? 0 : 1;
	}
	car.playOn(kRate / 4);
	auto split = std::chrono::steady_clock::now();
	result.cycling.seconds = std::chrono::duration<double>(split - start).count();
	std::int64_t middle = car.recordedFrames();
	std::uint64_t xruns1 = xruns();
	while (std::chrono::steady_clock::now() - split <
	       std::chrono::duration<double>(result.cycling.seconds)) {
		car.sandbox().dump();
		std::this_thread::sleep_for(50ms); /* paces the polls like the cycles do */
	}
	result.control.seconds =
		std::chrono::duration<double>(std::chrono::steady_clock::now() - split).count();
	std::int64_t last = car.recordedFrames();
	std::uint64_t xruns2 = xruns();
	result.cycling.xruns = xruns1 - xruns0;
	result.control.xruns = xruns2 - xruns1;
	car.playOn(kRate / 2);
	auto rec = car.recording();
	if (!rec) {
		result.error = "cannot read the recording";
		return result;
	}
	Continuity film = walkFilm(*rec, kFilmChannel);
	result.error = film.error;
	countIn(film, begin, middle, result.cycling);
	countIn(film, middle, last, result.control);
	return result;
}

/* 3. CPU of the daemons (and stock's pw-loopback processes) with 3 shares against none. */
struct CpuWindow {
	double pipewire = 0, wireplumber = 0, loopbacks = 0; /* % of one core */
	double seconds = 0;
	std::uint64_t xruns = 0;
	double total() const { return pipewire + wireplumber + loopbacks; }
};

struct CpuResult {
	std::vector<CpuWindow> idle, shared;
	int failed = 0;
};

CpuWindow cpuWindow(Car &car, const std::vector<pid_t> &loopbacks)
{
	auto sum = [](const std::vector<pid_t> &pids) {
		double seconds = 0;
		for (pid_t pid : pids)
			seconds += cpuSeconds(pid);
		return seconds;
	};
	std::vector<pid_t> pipewire{car.sandbox().pipewirePid()}, wireplumber{car.wireplumber()};
	auto amp0 = car.amp();
	double pw0 = sum(pipewire), wp0 = sum(wireplumber), lb0 = sum(loopbacks);
	auto start = std::chrono::steady_clock::now();
	/* The window measured: CPU time is read before and after it. */
	std::this_thread::sleep_for(std::chrono::duration<double>(kCpuWindow));
	double pw1 = sum(pipewire), wp1 = sum(wireplumber), lb1 = sum(loopbacks);
	auto amp1 = car.amp();
	CpuWindow window;
	window.seconds =
		std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
	window.pipewire = (pw1 - pw0) * 100 / window.seconds;
	window.wireplumber = (wp1 - wp0) * 100 / window.seconds;
	window.loopbacks = (lb1 - lb0) * 100 / window.seconds;
	window.xruns = amp0 && amp1 ? amp1->xruns - amp0->xruns : 0;
	return window;
}

CpuResult measureCpu(Car &car)
{
	CpuResult result;
	const Receiver *receivers[] = {&kRearRight, &kFrontPassenger, &kCabinZone};
	/* Idle and shared windows alternate, so slow drift in the VM's load hits both. */
	for (int round = 0; round < kCpuRounds && car.alive(); round++) {
		/* Pacing, not a wait for an outcome: the last round's shares wind down. */
		std::this_thread::sleep_for(1s);
		result.idle.push_back(cpuWindow(car, {}));
		std::vector<std::pair<Share, const Receiver *>> shares;
		bool ok = true;
		for (const Receiver *to : receivers) {
			auto share = car.offer(*to);
			if (!share || !car.begin(*share, *to)) {
				ok = false;
				continue;
			}
			shares.emplace_back(*share, to);
			ok = car.linked(*share, *to) && ok;
		}
		std::vector<pid_t> loopbacks;
		for (const auto &[share, to] : shares)
			if (share.loopback > 0)
				loopbacks.push_back(share.loopback);
		std::this_thread::sleep_for(1s);
		if (ok)
			result.shared.push_back(cpuWindow(car, loopbacks));
		else
			result.failed++;
		for (auto &[share, to] : shares)
			car.end(share, *to);
	}
	return result;
}

double median(const std::vector<CpuWindow> &windows, double (CpuWindow::*field)() const)
{
	std::vector<double> values;
	for (const CpuWindow &window : windows)
		values.push_back((window.*field)());
	return percentile(values, 0.5);
}

double median(const std::vector<CpuWindow> &windows, double CpuWindow::*field)
{
	std::vector<double> values;
	for (const CpuWindow &window : windows)
		values.push_back(window.*field);
	return percentile(values, 0.5);
}

double xrunsPerSecond(const std::vector<CpuWindow> &windows)
{
	double xruns = 0, seconds = 0;
	for (const CpuWindow &window : windows)
		xruns += static_cast<double>(window.xruns), seconds += window.seconds;
	return seconds > 0 ? xruns / seconds : 0;
}

const char *setupName(bool cabin)
{
	return cabin ? "cabin" : "stock";
}

} // namespace
} // namespace cabin::bench

int main()
{
	using namespace cabin::bench;
	int maxForeign = foreignDaemons("");
	if (maxForeign > 0)
		std::fprintf(stderr,
			     "warning: %d pipewire/wireplumber processes of other runs are "
			     "running; the figures will be noisy\n",
			     maxForeign);
	/*
	 * A sandbox whose daemons died (another run's cleanup by name kills
	 * ours too) is replaced, a few times; what it measured before is kept
	 * for latencies (each sample stands alone) and dropped otherwise.
	 */
	int deaths = 0;
	auto startCar = [&](Car &car) {
		if (!car.start())
			return false;
		maxForeign = std::max(maxForeign, car.foreignAtStart());
		return true;
	};
	auto survived = [&](Car &car) {
		if (car.alive())
			return true;
		deaths++;
		return false;
	};

	MachineTicks phase1 = machineTicks();
	std::map<bool, LatencyResult> latency;
	std::map<bool, int> rounds;
	for (bool more = true; more && deaths <= kRetries;) {
		more = false;
		for (bool cabin : {true, false}) {
			if (static_cast<int>(latency[cabin].ms.size()) >= kLatencySamples ||
			    rounds[cabin] >= kMaxLatencyRounds)
				continue;
			more = true;
			Car car(cabin);
			if (!startCar(car))
				return 1;
			measureLatency(car, latency[cabin], kSamplesPerRound);
			rounds[cabin] += survived(car) ? 1 : 0;
		}
	}

	MachineTicks phase2 = machineTicks();
	std::map<bool, std::vector<GlitchResult>> glitches;
	std::map<bool, CpuResult> cpu;
	for (int round = 0; round < kGlitchRounds; round++) {
		for (bool cabin : {true, false}) {
			for (bool done = false; !done && deaths <= kRetries;) {
				Car car(cabin);
				if (!startCar(car))
					return 1;
				GlitchResult result = measureGlitches(car);
				done = survived(car);
				if (done)
					glitches[cabin].push_back(result);
			}
		}
	}
	MachineTicks phase3 = machineTicks();
	for (bool cabin : {true, false}) {
		for (bool done = false; !done && deaths <= kRetries;) {
			Car car(cabin);
			if (!startCar(car))
				return 1;
			cpu[cabin] = measureCpu(car);
			done = survived(car);
		}
	}
	MachineTicks end = machineTicks();
	if (deaths > kRetries) {
		std::fprintf(stderr, "the sandbox's daemons died %d times; giving up\n", deaths);
		return 1;
	}

	std::printf("\nSharing rear-left's film (sedan, simulated amplifier)\n");
	if (maxForeign > 0)
		std::printf("(up to %d daemons of other runs were running meanwhile)\n",
			    maxForeign);

	std::printf("\n1. accept (stock: pw-loopback launch) to the first audible sample in "
		    "rear-right\n");
	std::printf("%-6s %7s %7s %9s %10s %10s %10s %14s\n", "setup", "samples", "failed",
		    "discarded", "min/ms", "median/ms", "p90/ms", "command/ms");
	for (bool cabin : {true, false}) {
		const LatencyResult &r = latency[cabin];
		std::printf("%-6s %7zu %7d %9d %10.1f %10.1f %10.1f %14.1f\n", setupName(cabin),
			    r.ms.size(), r.failed, r.discarded, percentile(r.ms, 0),
			    percentile(r.ms, 0.5), percentile(r.ms, 0.9),
			    percentile(r.commandMs, 0.5));
	}
	std::printf("(command: median time until cabinctl accept exited; pw-loopback is only "
		    "started)\n");
	std::printf("steal (CPU time the hypervisor took): %.1f %%\n",
		    stealPercent(phase1, phase2));
	std::printf("Cabin/stock: median %.2f, p90 %.2f\n",
		    percentile(latency[true].ms, 0.5) / percentile(latency[false].ms, 0.5),
		    percentile(latency[true].ms, 0.9) / percentile(latency[false].ms, 0.9));

	std::printf("\n2. the sharer's channel over %d share start/stop cycles, then as long "
		    "with the film alone\n",
		    kCycles);
	std::printf("%-6s %6s %6s | %7s %5s %5s %6s %6s | %7s %5s %5s %6s %6s  %s\n", "setup",
		    "cycles", "failed", "seconds", "gaps", "jumps", "events", "xruns", "seconds",
		    "gaps", "jumps", "events", "xruns", "samples");
	for (bool cabin : {true, false}) {
		for (const GlitchResult &r : glitches[cabin]) {
			std::printf(
				"%-6s %6d %6d | %7.1f %5d %5d %6d %6llu | %7.1f %5d %5d %6d "
				"%6llu  %s\n",
				setupName(cabin), r.cycles, r.failed, r.cycling.seconds,
				r.cycling.gaps, r.cycling.jumps, r.cycling.events,
				static_cast<unsigned long long>(r.cycling.xruns), r.control.seconds,
				r.control.gaps, r.control.jumps, r.control.events,
				static_cast<unsigned long long>(r.control.xruns),
				r.error.empty() ? "all the film's or silence" : r.error.c_str());
		}
	}

	std::printf("steal: %.1f %%\n", stealPercent(phase2, phase3));

	std::printf("\n3. CPU, %% of one core, medians of %d windows of %.0f s\n", kCpuRounds,
		    kCpuWindow);
	std::printf("%-6s %6s %9s %12s %10s %8s %8s\n", "setup", "shares", "pipewire",
		    "wireplumber", "loopbacks", "total", "xruns/s");
	std::map<bool, double> perShare;
	for (bool cabin : {true, false}) {
		const CpuResult &r = cpu[cabin];
		for (const auto *windows : {&r.idle, &r.shared})
			std::printf("%-6s %6d %9.2f %12.2f %10.2f %8.2f %8.2f\n", setupName(cabin),
				    windows == &r.idle ? 0 : 3,
				    median(*windows, &CpuWindow::pipewire),
				    median(*windows, &CpuWindow::wireplumber),
				    median(*windows, &CpuWindow::loopbacks),
				    median(*windows, &CpuWindow::total), xrunsPerSecond(*windows));
		perShare[cabin] =
			(median(r.shared, &CpuWindow::total) - median(r.idle, &CpuWindow::total)) /
			3;
		std::printf("%-6s per share %.2f %%%s\n", setupName(cabin), perShare[cabin],
			    r.failed ? " (some windows failed)" : "");
	}
	std::printf("steal: %.1f %%\n", stealPercent(phase3, end));
	std::printf("Cabin/stock CPU per share: %.2f\n", perShare[true] / perShare[false]);
	return 0;
}
