/* SPDX-License-Identifier: MIT */
/*
 * Benchmark (not a test): how fast an announcement to every zone is heard,
 * and whether music is still loud when it is. Cars of 4, 8 and 16 zones are
 * generated at run time: a simulated amplifier with two channels per zone,
 * one zone sink per zone (cabin.alsa.zone-sink, one node.group), one seat
 * per zone with its own socket. Every zone plays its music (cabin-tone,
 * 400 Hz x zone number), then an announcement (8800 Hz) is started, in two
 * setups, alternating, in one process:
 *
 *  - Cabin: one stream of the announcer (socket cabin-announcer,
 *    media.role=Announcement, cabin.announce.to=all); module-cabin ducks
 *    the music of every zone and fans the stream out to the zones.
 *  - stock: stock WirePlumber's role policy on the same zone sinks, with a
 *    Music and an Announcement role sink (module-loopback,
 *    policy.role-based.target, playback side on the zone's sink) per zone;
 *    the music streams go to their zone's Music sink and the announcement is
 *    one stream per zone into each zone's Announcement sink, all started
 *    together.
 *
 * Reported per size and setup:
 *  - announcement start (the announcer process is spawned; the amplifier's
 *    frame count read just before is the reference) to its first sample in
 *    the last zone of the amplifier's recording, median and p90;
 *  - per zone, how long the announcement is heard while the zone's music is
 *    still above the duck level + 0.05 (un-ducked overlap), median and max;
 *  - a navigation prompt in zone 1 only: how many other zones' music was
 *    ducked (wrongly).
 */
#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <map>
#include <numbers>
#include <optional>
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

namespace cabin::bench {
namespace {

using namespace std::chrono_literals;
using test::AmpCounters;
using test::ClientOptions;
using test::DaemonSandbox;
using test::kRate;
using test::readAmp;
using test::SandboxOptions;

constexpr int kSizes[] = {4, 8, 16};
constexpr int kRounds = 2;		  /* sandboxes per setup and size, alternating */
constexpr int kAnnouncementsPerRound = 5; /* >= 10 samples per setup and size */
constexpr int kPromptsPerRound = 2;
constexpr int kRetries = 3; /* sandboxes whose daemons died */

/*
 * Tones: every frequency is a multiple of 400 Hz, so that each makes whole
 * cycles in kLockIn frames and the lock-in levels below do not leak into
 * one another. Music up to 6400 Hz (16 zones), well apart from the others.
 */
constexpr double kMusicStep = 400;
constexpr double kMusicAmplitude = 0.25;
constexpr double kAnnouncementFrequency = 8800;
constexpr double kPromptFrequency = 10000;
constexpr double kVoiceAmplitude = 0.5;

/* What each setup ducks to: Cabin's Announcement rule, stock's duck-level (set to match). */
constexpr double kDuckGain = 0.2;
constexpr double kDuckTolerance = 0.05;
/* Music counts as at full level above this gain, and as ducked below the next. */
constexpr double kFullGain = 0.9;
constexpr double kDuckedGain = 0.5;

constexpr std::int64_t kLockIn = 120; /* 2.5 ms */
constexpr std::int64_t kHop = 24;     /* 0.5 ms */
constexpr std::int64_t kListen = kRate * 3 / 2;
constexpr std::int64_t kListenMax = kRate * 4;
constexpr std::int64_t kOverlapSpan = kRate / 2; /* looked at after each zone's onset */
constexpr std::int64_t kRestore = kRate;	 /* Cabin's restore ramp is 500 ms */

/* sedan-amp style recording: S32, 2 channels per zone, 44-byte header. */
constexpr std::int64_t kWavHeader = 44;

bool verbose()
{
	return std::getenv("CABIN_BENCH_VERBOSE") != nullptr;
}

double musicFrequency(int zone)
{
	return kMusicStep * (zone + 1);
}

std::string zoneName(int zone)
{
	return "zone-" + std::to_string(zone + 1);
}

std::string seatName(int zone)
{
	return "seat-" + std::to_string(zone + 1);
}

std::string deviceName(int zone)
{
	return zoneName(zone) + ".speakers";
}

std::string musicName(int zone)
{
	return "music." + zoneName(zone);
}

/* The amplifier: 2 channels per zone, like the sedan's. */
std::string alsaText(int zones)
{
	auto path = [](const char *file) {
		return std::string("{ @func concat strings [ { @func getenv vars [ CABIN_AMP_DIR ] "
				   "default \"/tmp\" } \"") +
		       file + "\" ] }";
	};
	std::ostringstream text;
	text << "pcm.cabin_bench_amp {\n"
	     << "  type cabin_amp\n"
	     << "  channels " << zones * 2 << "\n"
	     << "  rate 48000\n  period_size 256\n  buffer_size 16384\n  fifo_delay 96\n"
	     << "  control " << path("/bench-amp.sock") << "\n"
	     << "  record [ { file " << path("/bench-amp.wav") << " } ]\n"
	     << "}\n";
	return text.str();
}

/* The zone sinks, and for Cabin one socket per seat plus the announcer's. */
std::string pipewireText(int zones, bool cabin)
{
	std::ostringstream text;
	if (cabin) {
		text << "module.protocol-native.args = {\n  sockets = [\n"
		     << "    { name = \"pipewire-0\" props = { pipewire.access = \"cabin\" } }\n"
		     << "    { name = \"pipewire-0-manager\" mode = 0600 }\n";
		for (int z = 0; z < zones; z++)
			text << "    { name = \"cabin-" << seatName(z)
			     << "\" props = { pipewire.access = \"cabin\" "
			     << "pipewire.sec.cabin.seat = \"" << seatName(z) << "\" } }\n";
		text << "    { name = \"cabin-announcer\" props = { pipewire.access = \"cabin\" "
		     << "pipewire.sec.cabin.role = \"announcer\" } }\n  ]\n}\n";
	}
	text << "context.objects = [\n";
	for (int z = 0; z < zones; z++)
		text << "  { factory = adapter\n    args = {\n"
		     << "      factory.name        = cabin.alsa.zone-sink\n"
		     << "      node.name           = \"" << deviceName(z) << "\"\n"
		     << "      media.class         = \"Audio/Sink\"\n"
		     << "      api.alsa.path       = \"cabin_bench_amp\"\n"
		     << "      node.group          = \"cabin.bench-amp\"\n"
		     << "      cabin.zone          = \"" << zoneName(z) << "\"\n"
		     << "      cabin.alsa.channels = [ " << 2 * z << " " << 2 * z + 1 << " ]\n"
		     << "      audio.position      = [ FL FR ]\n    }\n  }\n";
	text << "]\n";
	return text.str();
}

/* Cabin: one seat per zone, each zone its seat's personal zone. */
std::string cabinSeatsText(int zones)
{
	std::ostringstream text;
	text << "cabin.seats = [\n";
	for (int z = 0; z < zones; z++)
		text << "  { name = \"" << seatName(z) << "\" }\n";
	text << "]\ncabin.zones = [\n";
	for (int z = 0; z < zones; z++)
		text << "  { name = \"" << zoneName(z) << "\", seat = \"" << seatName(z) << "\"\n"
		     << "    devices = [ { matches = [ { node.name = \"" << deviceName(z)
		     << "\" } ] } ] }\n";
	text << "]\n";
	return text.str();
}

/*
 * Stock: role sinks as in WirePlumber's media-role-nodes.conf example, one
 * Music and one Announcement sink per zone, played out on the zone's sink
 * (target.object in playback.props), and a Navigation sink in zone 1 for
 * the prompt. Announcement > Navigation > Music; same priority mixes.
 */
std::string stockRolesText(int zones)
{
	struct Role {
		const char *name, *roles;
		int priority;
		const char *lower;
	};
	const Role kMusic{"music", "[ \"Music\" ]", 10, "mix"};
	const Role kNavigation{"navigation", "[ \"Navigation\" ]", 30, "duck"};
	const Role kAnnouncement{"announcement", "[ \"Announcement\" ]", 80, "duck"};
	std::vector<std::pair<int, const Role *>> sinks;
	for (int z = 0; z < zones; z++) {
		sinks.emplace_back(z, &kMusic);
		sinks.emplace_back(z, &kAnnouncement);
	}
	sinks.emplace_back(0, &kNavigation);

	std::ostringstream text;
	text << "wireplumber.profiles = { main = { policy.linking.role-based.loopbacks = "
		"required } }\n"
	     << "wireplumber.settings = { linking.role-based.duck-level = " << kDuckGain << " }\n"
	     << "wireplumber.components.rules = [\n"
	     << "  { matches = [ { provides = \"~loopback.sink.*\" } ]\n"
	     << "    actions = { merge = {\n"
	     << "      arguments = {\n"
	     << "        capture.props = { policy.role-based.target = true "
		"audio.position = [ FL, FR ] media.class = Audio/Sink }\n"
	     << "        playback.props = { node.passive = true media.role = \"Loopback\" }\n"
	     << "      }\n"
	     << "      requires = [ support.export-core, pw.node-factory.adapter ]\n"
	     << "    } }\n  }\n]\n"
	     << "wireplumber.components = [\n"
	     << "  { type = virtual, provides = policy.linking.role-based.loopbacks\n"
	     << "    requires = [";
	for (const auto &[z, role] : sinks)
		text << " loopback.sink." << zoneName(z) << "." << role->name;
	text << " ] }\n";
	for (const auto &[z, role] : sinks) {
		std::string name = zoneName(z) + "." + role->name;
		text << "  { name = libpipewire-module-loopback, type = pw-module\n"
		     << "    arguments = {\n"
		     << "      node.name = \"" << name << "\"\n"
		     << "      capture.props = {\n"
		     << "        node.name = \"" << name << "\"\n"
		     << "        device.intended-roles = " << role->roles << "\n"
		     << "        policy.role-based.priority = " << role->priority << "\n"
		     << "        policy.role-based.action.same-priority = \"mix\"\n"
		     << "        policy.role-based.action.lower-priority = \"" << role->lower
		     << "\"\n      }\n"
		     << "      playback.props = { node.name = \"" << name
		     << ".out\" target.object = \"" << deviceName(z) << "\" }\n"
		     << "    }\n"
		     << "    provides = loopback.sink." << name << "\n  }\n";
	}
	text << "]\n";
	return text.str();
}

std::int64_t wallMicroseconds()
{
	timespec now{};
	clock_gettime(CLOCK_REALTIME, &now);
	return static_cast<std::int64_t>(now.tv_sec) * 1000000 + now.tv_nsec / 1000;
}

/* Frames [first, first + count) of the recording, every channel. */
struct Stretch {
	std::int64_t first = 0;
	std::int64_t count = 0;
	unsigned channels = 0;
	std::vector<std::int32_t> samples;

	std::int64_t end() const { return first + count; }
	double at(std::int64_t frame, unsigned channel) const
	{
		return samples[static_cast<std::size_t>(frame - first) * channels + channel] /
		       2147483648.0;
	}
};

/* Reads part of a recording in place: the whole file of 16 zones grows by 6 MB/s. */
std::optional<Stretch> readStretch(const std::string &path, unsigned channels, std::int64_t from,
				   std::int64_t to)
{
	Stretch stretch;
	stretch.first = std::max<std::int64_t>(from, 0);
	stretch.count = to - stretch.first;
	stretch.channels = channels;
	if (stretch.count <= 0)
		return std::nullopt;
	stretch.samples.resize(static_cast<std::size_t>(stretch.count) * channels);
	int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return std::nullopt;
	std::size_t bytes = stretch.samples.size() * sizeof(std::int32_t);
	off_t offset = kWavHeader + stretch.first * channels * 4;
	ssize_t got = pread(fd, stretch.samples.data(), bytes, offset);
	close(fd);
	if (got != static_cast<ssize_t>(bytes))
		return std::nullopt;
	return stretch;
}

/*
 * The level of the tone of \a frequency on \a channel in the kLockIn frames
 * from \a from, as a fraction of full scale: a lock-in over a span in which
 * every tone of this benchmark makes whole cycles, so the others do not
 * count as long as they play throughout the span.
 */
double toneLevelFrom(const Stretch &stretch, unsigned channel, double frequency, std::int64_t from)
{
	from = std::clamp(from, stretch.first, stretch.end() - kLockIn);
	double re = 0, im = 0;
	for (std::int64_t n = from; n < from + kLockIn; n++) {
		double phase =
			2 * std::numbers::pi * frequency * static_cast<double>(n % kLockIn) / kRate;
		double x = stretch.at(n, channel);
		re += x * std::cos(phase);
		im += x * std::sin(phase);
	}
	return 2 * std::hypot(re, im) / kLockIn;
}

double toneLevel(const Stretch &stretch, unsigned channel, double frequency, std::int64_t centre)
{
	return toneLevelFrom(stretch, channel, frequency, centre - kLockIn / 2);
}

/*
 * The first frame at or after \a from where something other than the music
 * plays on \a channel. A sine follows from its two previous samples
 * (x[n] = 2 cos(w) x[n-1] - x[n-2]) whatever its gain, so the residual
 * stays near 0 over the music and its duck ramp (steps of < 0.003), while
 * another tone leaves a residual of its own size nearly every frame. A
 * single step (stock's instant duck, an xrun's gap) lasts a frame or two;
 * the onset needs 8 of 12 frames. The announcement starts at phase 0, so
 * this is its first non-zero sample.
 */
std::optional<std::int64_t> onsetOf(const Stretch &stretch, unsigned channel, double musicFrequency,
				    std::int64_t from)
{
	const double twoCos = 2 * std::cos(2 * std::numbers::pi * musicFrequency / kRate);
	constexpr double kThreshold = 0.01;
	auto loud = [&](std::int64_t n) {
		return std::abs(stretch.at(n, channel) - twoCos * stretch.at(n - 1, channel) +
				stretch.at(n - 2, channel)) > kThreshold;
	};
	for (std::int64_t n = std::max(from, stretch.first + 2); n + 12 < stretch.end(); n++) {
		if (!loud(n))
			continue;
		int count = 0;
		for (std::int64_t m = n; m < n + 12; m++)
			count += loud(m) ? 1 : 0;
		if (count >= 8)
			return n;
	}
	return std::nullopt;
}

/*
 * Milliseconds from \a onset on in which the announcement plays on
 * \a channel while the music is above the duck level + tolerance. Levels
 * are lock-ins every kHop frames over spans that start at the onset or
 * later, so the figure is good to about a lock-in (2.5 ms).
 */
double overlapMs(const Stretch &stretch, unsigned channel, double musicFrequency,
		 std::int64_t onset)
{
	std::int64_t end = std::min(stretch.end() - kLockIn / 2, onset + kOverlapSpan);
	int count = 0;
	for (std::int64_t c = onset; c < end; c += kHop) {
		if (c > onset + kLockIn &&
		    toneLevel(stretch, channel, kAnnouncementFrequency, c) < kVoiceAmplitude / 4)
			break; /* the announcement ended */
		/* A span across the onset would see the announcement's start leak into the music.
		 */
		double gain = toneLevelFrom(stretch, channel, musicFrequency,
					    std::max(c - kLockIn / 2, onset)) /
			      kMusicAmplitude;
		count += gain > kDuckGain + kDuckTolerance ? 1 : 0;
	}
	return count * kHop * 1000.0 / kRate;
}

/* The music's gain in a zone over [from, to): the median of lock-ins every 10 ms. */
double musicGain(const Stretch &stretch, int zone, std::int64_t from, std::int64_t to)
{
	std::vector<double> gains;
	for (std::int64_t c = from + kLockIn / 2; c + kLockIn / 2 <= to; c += kRate / 100)
		gains.push_back(toneLevel(stretch, 2 * zone, musicFrequency(zone), c) /
				kMusicAmplitude);
	return percentile(gains, 0.5);
}

/*
 * Where the amplifier's frame count lands in its recording: the same until
 * an xrun (an underrun records queued frames it does not count); stopping
 * every stream stops the PCM with its recording complete, which gives the
 * offset again (see share-cycle).
 */
struct Mapping {
	std::int64_t offset = 0;
	std::uint64_t xruns = 0, dropped = 0;
	bool holds(const AmpCounters &now) const
	{
		return now.xruns == xruns && now.dropped == dropped;
	}
};

/* One sandbox of one setup and size, with every zone's music playing. */
class Car
{
public:
	Car(bool cabin, int zones) : cabin_(cabin), zones_(zones), sandbox_(options(cabin, zones))
	{
	}

	const char *name() const { return cabin_ ? "Cabin" : "stock"; }
	bool cabin() const { return cabin_; }
	int zones() const { return zones_; }
	DaemonSandbox &sandbox() { return sandbox_; }

	bool start()
	{
		std::string error;
		if (!sandbox_.start(&error)) {
			std::fprintf(stderr, "%s/%d: cannot start the sandbox: %s\n", name(),
				     zones_, error.c_str());
			return false;
		}
		wireplumber_ = findWireplumber();
		if (std::getenv("CABIN_BENCH_KEEP"))
			sandbox_.keepLogs();
		return startMusic();
	}

	bool alive()
	{
		if (dead_)
			return false;
		for (pid_t pid : {sandbox_.pipewirePid(), wireplumber_}) {
			std::string stat = readText("/proc/" + std::to_string(pid) + "/stat");
			auto close = stat.rfind(')');
			char state = close == std::string::npos || close + 2 >= stat.size()
					     ? 0
					     : stat[close + 2];
			dead_ = dead_ || state == 0 || state == 'Z';
		}
		return dead_ ? fail("a daemon of the sandbox died") : true;
	}

	bool startMusic()
	{
		std::map<std::string, std::string> expected;
		for (int z = 0; z < zones_; z++) {
			std::vector<std::string> args{"--freq", std::to_string(musicFrequency(z)),
						      "--amplitude",
						      std::to_string(kMusicAmplitude)};
			ClientOptions client{.remote = "cabin-" + seatName(z)};
			expected[musicName(z)] = deviceName(z);
			if (!cabin_) {
				client = ClientOptions::manager();
				args.push_back("target.object=" + zoneName(z) + ".music");
				expected[musicName(z)] = zoneName(z) + ".music";
				expected[zoneName(z) + ".music.out"] = deviceName(z);
			}
			music_.push_back(sandbox_.playTone(musicName(z), client, args));
		}
		bool linked = DaemonSandbox::waitFor(
			[&] {
				auto targets = linkTargets();
				for (const auto &[node, target] : expected)
					if (targets[node] != std::set<std::string>{target})
						return false;
				return true;
			},
			20s);
		if (!linked)
			return fail("the music was not linked to every zone");
		playOn(kRate / 2);
		return true;
	}

	void stopMusic()
	{
		for (pid_t pid : music_)
			sandbox_.stop(pid);
		music_.clear();
	}

	/* Starts the announcement: Cabin's one stream to all, or stock's one per zone. */
	std::vector<pid_t> announce()
	{
		std::vector<pid_t> pids;
		std::vector<std::string> args{"--freq", std::to_string(kAnnouncementFrequency),
					      "--amplitude", std::to_string(kVoiceAmplitude),
					      "media.role=Announcement"};
		if (cabin_) {
			args.push_back("cabin.announce.to=all");
			pids.push_back(sandbox_.playTone("announcement",
							 {.remote = "cabin-announcer"}, args));
			return pids;
		}
		args.emplace_back();
		for (int z = 0; z < zones_; z++) {
			args.back() = "target.object=" + zoneName(z) + ".announcement";
			pids.push_back(sandbox_.playTone("announcement." + zoneName(z),
							 ClientOptions::manager(), args));
		}
		return pids;
	}

	/* A navigation prompt in zone 1: its seat's stream, or stock's Navigation sink. */
	pid_t prompt()
	{
		std::vector<std::string> args{"--freq", std::to_string(kPromptFrequency),
					      "--amplitude", std::to_string(kVoiceAmplitude),
					      "media.role=Navigation"};
		if (cabin_)
			return sandbox_.playTone("prompt", {.remote = "cabin-" + seatName(0)},
						 args);
		args.push_back("target.object=" + zoneName(0) + ".navigation");
		return sandbox_.playTone("prompt", ClientOptions::manager(), args);
	}

	void stop(const std::vector<pid_t> &pids)
	{
		for (pid_t pid : pids)
			sandbox_.stop(pid);
	}

	std::optional<AmpCounters> amp()
	{
		return readAmp(sandbox_.ampDirectory() + "/bench-amp.sock");
	}

	/* The counters just after the frame count moved: the position now. */
	std::optional<AmpCounters> freshAmp()
	{
		return test::readAmpAsItMoves(sandbox_.ampDirectory() + "/bench-amp.sock");
	}

	/* Waits until the amplifier played up to frame \a frames; the frame count then. */
	std::uint64_t playUntil(std::uint64_t frames)
	{
		return test::waitForAmpFrames(sandbox_.ampDirectory() + "/bench-amp.sock", frames);
	}

	std::uint64_t playOn(std::uint64_t frames)
	{
		auto counters = amp();
		return playUntil((counters ? counters->frames : 0) + frames);
	}

	std::string recordingPath() const { return sandbox_.ampDirectory() + "/bench-amp.wav"; }

	std::int64_t recordedFrames()
	{
		struct stat info {
		};
		if (stat(recordingPath().c_str(), &info) < 0)
			return -1;
		return (static_cast<std::int64_t>(info.st_size) - kWavHeader) / (zones_ * 2 * 4);
	}

	/* Frames [from, to) of the recording, once the recorder has written them. */
	std::optional<Stretch> read(std::int64_t from, std::int64_t to)
	{
		DaemonSandbox::waitFor([&] { return recordedFrames() >= to; }, 5s);
		return readStretch(recordingPath(), static_cast<unsigned>(zones_ * 2), from, to);
	}

	std::optional<Mapping> calibrate()
	{
		auto now = amp();
		if (now && now->xruns == 0 && now->dropped == 0)
			return Mapping{};
		for (int attempt = 0; attempt < 3 && alive(); attempt++) {
			stopMusic();
			std::optional<AmpCounters> stopped;
			DaemonSandbox::waitFor(
				[&] {
					stopped = amp();
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
						frames = recordedFrames();
						return frames == previous;
					},
					2s);
				if (frames >= 0)
					mapping = Mapping{
						frames - static_cast<std::int64_t>(stopped->frames),
						stopped->xruns, stopped->dropped};
			}
			if (!startMusic())
				return std::nullopt;
			auto after = amp();
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

	/* The latest announcement's reported start per zone (wall-clock µs), Cabin only. */
	std::map<std::string, std::int64_t> reportedStarts()
	{
		std::map<std::string, std::int64_t> starts;
		if (!cabin_)
			return starts;
		auto state = sandbox_.cabinState();
		const JsonValue *list = state ? state->find("announcements") : nullptr;
		if (!list)
			return starts;
		const JsonValue *latest = nullptr;
		for (const JsonValue &item : list->items())
			if (!latest || item.find("id")->toInt() > latest->find("id")->toInt())
				latest = &item;
		const JsonValue *zones = latest ? latest->find("zones") : nullptr;
		if (!zones)
			return starts;
		for (const JsonValue &zone : zones->items())
			if (const JsonValue *started = zone.find("started"))
				starts[zone.stringOr("zone")] = started->toInt().value_or(0);
		return starts;
	}

	bool fail(const std::string &why)
	{
		std::fprintf(stderr, "%s/%d: %s\n", name(), zones_, why.c_str());
		sandbox_.keepLogs();
		return false;
	}

private:
	static SandboxOptions options(bool cabin, int zones)
	{
		std::string src = DaemonSandbox::sourceRoot();
		SandboxOptions options;
		options.cabin = cabin;
		options.wireplumberDebug = "2"; /* warnings, like the other benchmarks */
		if (const char *debug = std::getenv("CABIN_BENCH_WP_DEBUG"))
			options.wireplumberDebug = debug;
		options.pipewireFragments = {src + "/conf.d/pipewire.conf.d/40-cabin.conf"};
		options.pipewireTexts = {{"50-bench-car.conf", pipewireText(zones, cabin)}};
		options.alsaText = alsaText(zones);
		options.wireplumberFragments = {
			src + "/conf.d/sandbox/wireplumber.conf.d/90-cabin-sandbox.conf"};
		options.wireplumberTexts = {{"60-bench-car.conf", cabin ? cabinSeatsText(zones)
									: stockRolesText(zones)}};
		return options;
	}

	static std::string readText(const std::string &path)
	{
		std::string text;
		int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return text;
		char buffer[4096];
		for (ssize_t n; (n = ::read(fd, buffer, sizeof(buffer))) > 0;)
			text.append(buffer, static_cast<std::size_t>(n));
		close(fd);
		return text;
	}

	/* Our sandbox's wireplumber: the one whose environment names its runtime directory. */
	pid_t findWireplumber()
	{
		std::string mark = "XDG_RUNTIME_DIR=" + sandbox_.directory() + "/run";
		auto list = sandbox_.run({"pgrep", "-x", "wireplumber"});
		std::istringstream pids(list.value_or(""));
		for (pid_t pid; pids >> pid;) {
			std::string environ = readText("/proc/" + std::to_string(pid) + "/environ");
			std::istringstream items(environ);
			for (std::string item; std::getline(items, item, '\0');)
				if (item == mark)
					return pid;
		}
		return -1;
	}

	/* What each node is linked to, from one pw-dump. */
	std::map<std::string, std::set<std::string>> linkTargets()
	{
		std::map<std::string, std::set<std::string>> targets;
		auto graph = sandbox_.dump();
		if (!graph)
			return targets;
		std::map<std::int64_t, std::string> nodes;
		for (const JsonValue &object : graph->items()) {
			const JsonValue *info = object.find("info");
			const JsonValue *props = info ? info->find("props") : nullptr;
			if (object.stringOr("type") == "PipeWire:Interface:Node" && props)
				nodes[object.find("id")->toInt().value_or(-1)] =
					props->stringOr("node.name");
		}
		for (const JsonValue &object : graph->items()) {
			const JsonValue *info = object.find("info");
			if (object.stringOr("type") != "PipeWire:Interface:Link" || !info)
				continue;
			const std::string &out =
				nodes[info->find("output-node-id")->toInt().value_or(-1)];
			const std::string &in =
				nodes[info->find("input-node-id")->toInt().value_or(-1)];
			targets[out].insert(in);
		}
		return targets;
	}

	bool cabin_;
	int zones_;
	DaemonSandbox sandbox_;
	std::vector<pid_t> music_;
	pid_t wireplumber_ = -1;
	bool dead_ = false;
};

/* Everything measured for one setup and size. */
struct Result {
	std::vector<double> allAudibleMs; /* start to the last zone's first sample */
	std::vector<double> firstAudibleMs;
	std::vector<double> overlapMs;	 /* per zone and announcement */
	std::vector<double> reportLagMs; /* Cabin: reported start minus heard, per zone */
	int failed = 0;			 /* a zone never heard it, or the recording was short */
	int discarded = 0;		 /* an xrun during the sample: the recording lost time */
	int notRestored = 0;		 /* music not at full gain before: overlap not counted */
	std::vector<int> wronglyDucked;	 /* per prompt: other zones whose music went down */
	int promptDucked = 0;		 /* prompts that ducked zone 1's music, as they should */
	int promptHeard = 0;		 /* prompts heard in zone 1 */
	int promptLeaked = 0;		 /* prompts heard in another zone */
	int prompts = 0;
	int promptsLost = 0; /* an xrun during the prompt */
};

/* One announcement, from its start to its onset in every zone. */
void measureAnnouncement(Car &car, std::optional<Mapping> &mapping, Result &result)
{
	const int zones = car.zones();
	if (!mapping) {
		mapping = car.calibrate();
		if (!mapping) {
			car.fail("cannot map frames onto the recording");
			result.failed++;
			return;
		}
	}
	car.playOn(kRate / 10);
	auto at = car.freshAmp();
	if (!at || !mapping->holds(*at)) {
		mapping.reset();
		result.discarded++;
		return;
	}
	std::int64_t wall0 = wallMicroseconds();
	std::vector<pid_t> pids = car.announce();
	/* Nothing polls the graph while the announcement starts; the recording tells when. */
	const std::int64_t f0 = static_cast<std::int64_t>(at->frames);
	const std::int64_t r0 = f0 + mapping->offset; /* in the recording */
	std::int64_t listen = kListen;
	std::optional<Stretch> stretch;
	std::vector<std::optional<std::int64_t>> onsets(zones);
	for (;;) {
		car.playUntil(static_cast<std::uint64_t>(f0 + listen));
		stretch = car.read(r0 - kRate / 10, r0 + listen);
		if (!stretch)
			break;
		std::int64_t last = 0;
		bool all = true;
		for (int z = 0; z < zones; z++) {
			/* Heard in the zone: its first channel to carry it. */
			std::optional<std::int64_t> left =
				onsetOf(*stretch, 2 * z, musicFrequency(z), r0);
			std::optional<std::int64_t> right =
				onsetOf(*stretch, 2 * z + 1, musicFrequency(z), r0);
			onsets[z] = left && right ? std::min(*left, *right) : left ? left : right;
			all = all && onsets[z];
			last = std::max(last, onsets[z].value_or(0));
		}
		if (all && last + kOverlapSpan + kLockIn <= r0 + listen)
			break;
		if (listen >= kListenMax)
			break;
		listen =
			std::min(kListenMax, all ? last - r0 + kOverlapSpan + kLockIn : kListenMax);
	}
	std::map<std::string, std::int64_t> reported = car.reportedStarts();
	auto after = car.amp();
	car.stop(pids);

	if (!after || !mapping->holds(*after)) {
		mapping.reset();
		result.discarded++;
		car.playOn(kRestore);
		return;
	}
	if (!stretch) {
		result.failed++;
		car.playOn(kRestore);
		return;
	}
	int missing = 0;
	std::int64_t first = INT64_MAX, last = 0;
	for (int z = 0; z < zones; z++) {
		if (!onsets[z]) {
			missing++;
			continue;
		}
		first = std::min(first, *onsets[z]);
		last = std::max(last, *onsets[z]);
	}
	if (missing) {
		std::fprintf(stderr, "%s/%d: the announcement was not heard in %d zones\n",
			     car.name(), zones, missing);
		result.failed++;
		car.playOn(kRestore);
		return;
	}
	auto ms = [](std::int64_t frames) { return static_cast<double>(frames) * 1000.0 / kRate; };
	result.allAudibleMs.push_back(ms(last - r0));
	result.firstAudibleMs.push_back(ms(first - r0));

	bool restored = true;
	for (int z = 0; z < zones; z++)
		restored = restored && musicGain(*stretch, z, r0 - kRate / 10, r0) > kFullGain;
	std::vector<double> overlaps;
	for (int z = 0; z < zones && restored; z++) {
		double overlap = 0;
		for (unsigned c : {2u * z, 2u * z + 1})
			overlap = std::max(overlap,
					   overlapMs(*stretch, c, musicFrequency(z), *onsets[z]));
		overlaps.push_back(overlap);
		if (verbose() && overlap > 0)
			std::fprintf(stderr,
				     "  zone %d: %.1f ms over music; gain %.2f just before\n",
				     z + 1, overlap,
				     toneLevel(*stretch, 2 * z, musicFrequency(z),
					       *onsets[z] - kLockIn / 2) /
					     kMusicAmplitude);
		auto report = reported.find(zoneName(z));
		if (report != reported.end())
			result.reportLagMs.push_back(static_cast<double>(report->second - wall0) /
							     1000.0 -
						     ms(*onsets[z] - r0));
	}
	if (restored)
		result.overlapMs.insert(result.overlapMs.end(), overlaps.begin(), overlaps.end());
	else
		result.notRestored++;
	if (verbose()) {
		std::fprintf(stderr, "%s/%d: first %.1f ms, all %.1f ms, overlap max %.1f ms%s\n",
			     car.name(), zones, ms(first - r0), ms(last - r0),
			     overlaps.empty() ? -1.0
					      : *std::max_element(overlaps.begin(), overlaps.end()),
			     restored ? "" : " (music was not restored before)");
	}
	car.playOn(kRestore);
}

/* A navigation prompt in zone 1: which zones' music goes down. */
void measurePrompt(Car &car, std::optional<Mapping> &mapping, Result &result)
{
	const int zones = car.zones();
	if (!mapping && !(mapping = car.calibrate())) {
		result.promptsLost++;
		return;
	}
	car.playOn(kRate / 10);
	auto at = car.freshAmp();
	if (!at || !mapping->holds(*at)) {
		mapping.reset();
		result.promptsLost++;
		return;
	}
	pid_t pid = car.prompt();
	const std::int64_t f0 = static_cast<std::int64_t>(at->frames);
	const std::int64_t r0 = f0 + mapping->offset;
	car.playUntil(static_cast<std::uint64_t>(f0 + kListen));
	auto stretch = car.read(r0 - kRate / 10, r0 + kListen);
	auto after = car.amp();
	car.stop({pid});
	if (!stretch || !after || !mapping->holds(*after)) {
		if (after && !mapping->holds(*after))
			mapping.reset();
		result.promptsLost++;
		car.playOn(kRestore);
		return;
	}
	/* By then every duck is in place: 1 s after the start, over 0.5 s. */
	const std::int64_t from = r0 + kRate, to = r0 + kListen;
	int wrong = 0;
	bool leaked = false;
	for (int z = 0; z < zones; z++) {
		double gain = musicGain(*stretch, z, from, to);
		double prompt = toneLevel(*stretch, 2 * z, kPromptFrequency, (from + to) / 2);
		bool heard = prompt > kVoiceAmplitude / 4;
		if (z == 0) {
			result.promptDucked += gain < kDuckedGain ? 1 : 0;
			result.promptHeard += heard ? 1 : 0;
		} else {
			wrong += gain < kFullGain ? 1 : 0;
			leaked = leaked || heard;
		}
		if (verbose())
			std::fprintf(stderr, "%s/%d: prompt: zone %d music gain %.2f%s\n",
				     car.name(), zones, z + 1, gain, heard ? ", prompt heard" : "");
	}
	result.wronglyDucked.push_back(wrong);
	result.promptLeaked += leaked ? 1 : 0;
	result.prompts++;
	car.playOn(kRestore);
}

} // namespace
} // namespace cabin::bench

int main()
{
	using namespace cabin::bench;
	/* CABIN_BENCH_ZONES=8 runs one size only, for a quick look or a debug log. */
	std::vector<int> sizes(std::begin(kSizes), std::end(kSizes));
	if (const char *only = std::getenv("CABIN_BENCH_ZONES"))
		sizes = {std::atoi(only)};
	std::map<std::pair<int, bool>, Result> results;
	int deaths = 0;
	auto started = std::chrono::steady_clock::now();
	MachineTicks machine0 = machineTicks();
	for (int zones : sizes) {
		for (int round = 0; round < kRounds; round++) {
			for (bool cabin : {true, false}) {
				for (bool done = false; !done && deaths <= kRetries;) {
					Car car(cabin, zones);
					if (!car.start())
						return 1;
					Result &result = results[{zones, cabin}];
					std::optional<Mapping> mapping;
					/* Samples lost to xruns are made up for, up to twice over.
					 */
					std::size_t wanted =
						result.allAudibleMs.size() + kAnnouncementsPerRound;
					for (int i = 0;
					     i < 2 * kAnnouncementsPerRound &&
					     result.allAudibleMs.size() < wanted && car.alive();
					     i++)
						measureAnnouncement(car, mapping, result);
					int prompts = result.prompts + kPromptsPerRound;
					for (int i = 0; i < 2 * kPromptsPerRound &&
							result.prompts < prompts && car.alive();
					     i++)
						measurePrompt(car, mapping, result);
					done = car.alive();
					deaths += done ? 0 : 1;
				}
			}
		}
	}
	if (deaths > kRetries) {
		std::fprintf(stderr, "the sandbox's daemons died %d times; giving up\n", deaths);
		return 1;
	}
	double seconds =
		std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

	std::printf("\nAnnouncement to every zone (simulated amplifier, 2 channels per zone, "
		    "quantum 1024)\n");
	std::printf("start = the announcer process is spawned; audible = its first sample in "
		    "the recording\n\n");
	std::printf("%5s %-6s %7s %6s %9s | %10s %8s | %10s %8s | %9s %8s | %10s\n", "zones",
		    "setup", "samples", "failed", "discarded", "all median", "all p90",
		    "1st median", "1st p90", "overlap50", "max", "report lag");
	for (int zones : sizes) {
		for (bool cabin : {true, false}) {
			const Result &r = results[{zones, cabin}];
			std::vector<double> empty;
			std::printf("%5d %-6s %7zu %6d %9d | %10.1f %8.1f | %10.1f %8.1f | %9.1f "
				    "%8.1f | %10.1f\n",
				    zones, cabin ? "cabin" : "stock", r.allAudibleMs.size(),
				    r.failed, r.discarded, percentile(r.allAudibleMs, 0.5),
				    percentile(r.allAudibleMs, 0.9),
				    percentile(r.firstAudibleMs, 0.5),
				    percentile(r.firstAudibleMs, 0.9), percentile(r.overlapMs, 0.5),
				    percentile(r.overlapMs, 1.0), percentile(r.reportLagMs, 0.5));
		}
	}
	std::printf("(all/1st: start to the last/first zone's first sample, ms; overlap: per "
		    "zone, ms the announcement played over music above gain %.2f; report lag: "
		    "Cabin's zones[].started minus heard, ms; -1: no samples)\n",
		    kDuckGain + kDuckTolerance);

	std::printf("\nSummary\n");
	std::printf("%5s | %12s %10s | %12s %10s | %12s %10s | %9s %9s | %14s %14s\n", "zones",
		    "Cabin median", "Cabin p90", "stock median", "stock p90", "ratio median",
		    "ratio p90", "ovl Cabin", "ovl stock", "wrong ducks C", "wrong ducks S");
	for (int zones : sizes) {
		const Result &c = results[{zones, true}];
		const Result &s = results[{zones, false}];
		std::printf("%5d | %12.1f %10.1f | %12.1f %10.1f | %12.2f %10.2f | %9.1f %9.1f | "
			    "%8.1f of %-3d %8.1f of %-3d\n",
			    zones, percentile(c.allAudibleMs, 0.5), percentile(c.allAudibleMs, 0.9),
			    percentile(s.allAudibleMs, 0.5), percentile(s.allAudibleMs, 0.9),
			    percentile(c.allAudibleMs, 0.5) / percentile(s.allAudibleMs, 0.5),
			    percentile(c.allAudibleMs, 0.9) / percentile(s.allAudibleMs, 0.9),
			    percentile(c.overlapMs, 0.5), percentile(s.overlapMs, 0.5),
			    percentile(std::vector<double>(c.wronglyDucked.begin(),
							   c.wronglyDucked.end()),
				       0.5),
			    zones - 1,
			    percentile(std::vector<double>(s.wronglyDucked.begin(),
							   s.wronglyDucked.end()),
				       0.5),
			    zones - 1);
	}
	std::printf("\nNavigation prompt in zone 1 (prompts: zone 1 ducked / prompt heard there "
		    "/ heard elsewhere)\n");
	for (int zones : sizes)
		for (bool cabin : {true, false}) {
			const Result &r = results[{zones, cabin}];
			std::string wrong;
			for (int count : r.wronglyDucked)
				wrong += (wrong.empty() ? "" : " ") + std::to_string(count);
			std::printf(
				"%5d %-6s prompts %d (%d lost to xruns): zone 1 ducked %d, heard "
				"%d, leaked %d; other zones ducked: %s\n",
				zones, cabin ? "cabin" : "stock", r.prompts, r.promptsLost,
				r.promptDucked, r.promptHeard, r.promptLeaked, wrong.c_str());
		}
	for (int zones : sizes)
		for (bool cabin : {true, false})
			if (int n = results[{zones, cabin}].notRestored)
				std::printf("%d/%s: %d announcements started over music that was "
					    "not back at full gain; their overlap is left out\n",
					    zones, cabin ? "cabin" : "stock", n);
	std::printf("\nsteal (CPU time the hypervisor took): %.1f %%; the run took %.0f s\n",
		    stealPercent(machine0, machineTicks()), seconds);
	return 0;
}
