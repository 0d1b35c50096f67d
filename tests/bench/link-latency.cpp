/* SPDX-License-Identifier: MIT */
/*
 * Benchmark (not a test): time from a stream's creation to its links being
 * in place, for 64 streams spread over the sedan's 4 seat sockets, with
 * Cabin's policy and with stock WirePlumber policy on the same graph, in the
 * same run. Prints medians, p99 and the Cabin/stock ratio.
 *
 * Per stream it measures two moments after pw_stream_connect():
 *  - link: the first PipeWire link global from the stream's node appears;
 *  - streaming: the stream reports PW_STREAM_STATE_STREAMING.
 * Streams are created one at a time (each waits for its link) and stay alive
 * until the round ends, so the graph grows to 64 streams.
 */
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <pipewire/pipewire.h>
#include <spa/param/audio/format-utils.h>

#include "daemon-sandbox.hpp"
#include "percentile.hpp"

namespace cabin::bench {
namespace {

using Clock = std::chrono::steady_clock;
using test::DaemonSandbox;

constexpr int kStreams = 64;
constexpr int kRounds = 3;
constexpr int kRepeats = 2;
const char *const kSeatSockets[] = {"cabin-driver", "cabin-front-passenger", "cabin-rear-left",
				    "cabin-rear-right"};

struct Sample {
	double linkMs = -1;
	double streamingMs = -1;
};

struct StreamSlot;

struct Run {
	pw_main_loop *loop = nullptr;
	pw_context *context = nullptr;
	pw_core *monitor = nullptr;
	pw_registry *registry = nullptr;
	spa_hook registryListener{};
	std::vector<pw_core *> seatCores;
	/* First link global seen per output node id. */
	std::map<std::uint32_t, Clock::time_point> firstLink;
	std::vector<std::unique_ptr<StreamSlot>> slots;
	bool failed = false;
};

struct StreamSlot {
	Run *run = nullptr;
	pw_stream *stream = nullptr;
	spa_hook listener{};
	Clock::time_point created;
	std::optional<Clock::time_point> streaming;
	std::uint32_t nodeId = SPA_ID_INVALID;
};

void onStreamState(void *data, pw_stream_state, pw_stream_state state, const char *error)
{
	auto *slot = static_cast<StreamSlot *>(data);
	if (state == PW_STREAM_STATE_ERROR) {
		std::fprintf(stderr, "stream error: %s\n", error ? error : "?");
		slot->run->failed = true;
	}
	if (slot->nodeId == SPA_ID_INVALID)
		slot->nodeId = pw_stream_get_node_id(slot->stream);
	if (state == PW_STREAM_STATE_STREAMING && !slot->streaming)
		slot->streaming = Clock::now();
}

void onStreamProcess(void *data)
{
	auto *slot = static_cast<StreamSlot *>(data);
	pw_buffer *buffer = pw_stream_dequeue_buffer(slot->stream);
	if (!buffer)
		return;
	spa_data &plane = buffer->buffer->datas[0];
	if (plane.data) {
		std::uint32_t size = plane.maxsize;
		if (buffer->requested)
			size = std::min<std::uint32_t>(size, buffer->requested * 8);
		std::fill_n(static_cast<std::uint8_t *>(plane.data), size, 0);
		plane.chunk->offset = 0;
		plane.chunk->stride = 8;
		plane.chunk->size = size;
	}
	pw_stream_queue_buffer(slot->stream, buffer);
}

const pw_stream_events kStreamEvents = {
	.version = PW_VERSION_STREAM_EVENTS,
	.state_changed = onStreamState,
	.process = onStreamProcess,
};

void onGlobal(void *data, std::uint32_t, std::uint32_t, const char *type, std::uint32_t,
	      const spa_dict *props)
{
	auto *run = static_cast<Run *>(data);
	if (std::string_view(type) != PW_TYPE_INTERFACE_Link || !props)
		return;
	const char *output = spa_dict_lookup(props, PW_KEY_LINK_OUTPUT_NODE);
	if (!output)
		return;
	auto node = static_cast<std::uint32_t>(std::strtoul(output, nullptr, 10));
	run->firstLink.try_emplace(node, Clock::now());
}

const pw_registry_events kRegistryEvents = {
	.version = PW_VERSION_REGISTRY_EVENTS,
	.global = onGlobal,
};

/* Iterates the loop until \a done or the deadline. */
template<typename Predicate>
bool iterateUntil(Run &run, Predicate done, std::chrono::milliseconds timeout)
{
	auto deadline = Clock::now() + timeout;
	pw_loop *loop = pw_main_loop_get_loop(run.loop);
	while (!done()) {
		if (run.failed || Clock::now() > deadline)
			return false;
		pw_loop_iterate(loop, 10);
	}
	return true;
}

StreamSlot *createStream(Run &run, int index)
{
	auto slot = std::make_unique<StreamSlot>();
	slot->run = &run;
	pw_properties *props = pw_properties_new(
		PW_KEY_MEDIA_TYPE, "Audio", PW_KEY_MEDIA_CATEGORY, "Playback", PW_KEY_MEDIA_ROLE,
		"Music", PW_KEY_NODE_NAME, ("bench." + std::to_string(index)).c_str(), nullptr);
	pw_core *core = run.seatCores[index % run.seatCores.size()];
	slot->stream = pw_stream_new(core, "bench", props);
	pw_stream_add_listener(slot->stream, &slot->listener, &kStreamEvents, slot.get());

	std::uint8_t podBuffer[512];
	spa_pod_builder builder = SPA_POD_BUILDER_INIT(podBuffer, sizeof(podBuffer));
	spa_audio_info_raw info = {};
	info.format = SPA_AUDIO_FORMAT_S16;
	info.rate = 48000;
	info.channels = 2;
	info.position[0] = SPA_AUDIO_CHANNEL_FL;
	info.position[1] = SPA_AUDIO_CHANNEL_FR;
	const spa_pod *params[1] = {
		spa_format_audio_raw_build(&builder, SPA_PARAM_EnumFormat, &info)};
	slot->created = Clock::now();
	pw_stream_connect(slot->stream, PW_DIRECTION_OUTPUT, PW_ID_ANY,
			  static_cast<pw_stream_flags>(PW_STREAM_FLAG_AUTOCONNECT |
						       PW_STREAM_FLAG_MAP_BUFFERS),
			  params, 1);
	run.slots.push_back(std::move(slot));
	return run.slots.back().get();
}

double millis(Clock::time_point from, Clock::time_point to)
{
	return std::chrono::duration<double, std::milli>(to - from).count();
}

/* Runs the rounds against a started sandbox; returns one sample per stream. */
std::vector<Sample> measure(DaemonSandbox &sandbox)
{
	std::vector<Sample> samples;
	setenv("PIPEWIRE_RUNTIME_DIR", (sandbox.directory() + "/run").c_str(), 1);
	Run run;
	run.loop = pw_main_loop_new(nullptr);
	run.context = pw_context_new(pw_main_loop_get_loop(run.loop), nullptr, 0);
	run.monitor = pw_context_connect(
		run.context, pw_properties_new(PW_KEY_REMOTE_NAME, "pipewire-0-manager", nullptr),
		0);
	for (const char *socket : kSeatSockets)
		run.seatCores.push_back(pw_context_connect(
			run.context, pw_properties_new(PW_KEY_REMOTE_NAME, socket, nullptr), 0));
	if (!run.monitor || std::any_of(run.seatCores.begin(), run.seatCores.end(),
					[](pw_core *c) { return !c; })) {
		std::fprintf(stderr, "cannot connect to the sandbox daemon\n");
		return samples;
	}
	run.registry = pw_core_get_registry(run.monitor, PW_VERSION_REGISTRY, 0);
	pw_registry_add_listener(run.registry, &run.registryListener, &kRegistryEvents, &run);

	for (int round = 0; round < kRounds && !run.failed; round++) {
		for (int i = 0; i < kStreams; i++) {
			StreamSlot *slot = createStream(run, i);
			bool ok = iterateUntil(
				run,
				[&] {
					return slot->streaming && slot->nodeId != SPA_ID_INVALID &&
					       run.firstLink.count(slot->nodeId);
				},
				std::chrono::seconds(10));
			if (!ok) {
				std::fprintf(stderr,
					     "stream %d of round %d was not linked in 10 s\n", i,
					     round);
				run.failed = true;
				break;
			}
			samples.push_back({millis(slot->created, run.firstLink[slot->nodeId]),
					   millis(slot->created, *slot->streaming)});
		}
		for (auto &slot : run.slots)
			pw_stream_destroy(slot->stream);
		run.slots.clear();
		/* Let the graph settle before the next round. */
		iterateUntil(
			run, [] { return false; }, std::chrono::milliseconds(300));
		/* Node ids are reused by the next round's streams. */
		run.firstLink.clear();
	}

	spa_hook_remove(&run.registryListener);
	pw_proxy_destroy(reinterpret_cast<pw_proxy *>(run.registry));
	for (pw_core *core : run.seatCores)
		pw_core_disconnect(core);
	pw_core_disconnect(run.monitor);
	pw_context_destroy(run.context);
	pw_main_loop_destroy(run.loop);
	if (run.failed)
		samples.clear();
	return samples;
}

struct Summary {
	double linkMedian, linkP99, streamingMedian, streamingP99;
	std::size_t count;
};

Summary summarize(const std::vector<Sample> &samples)
{
	std::vector<double> link, streaming;
	for (const Sample &s : samples) {
		link.push_back(s.linkMs);
		streaming.push_back(s.streamingMs);
	}
	return {percentile(link, 0.5), percentile(link, 0.99), percentile(streaming, 0.5),
		percentile(streaming, 0.99), samples.size()};
}

std::optional<std::vector<Sample>> runPolicy(bool cabin)
{
	auto options = DaemonSandbox::sedan();
	options.cabin = cabin;
	options.wireplumberDebug = "2"; /* warnings only: logging must not skew timing */
	DaemonSandbox sandbox(options);
	std::string error;
	if (!sandbox.start(&error)) {
		std::fprintf(stderr, "%s\n", error.c_str());
		return std::nullopt;
	}
	std::vector<Sample> samples = measure(sandbox);
	if (samples.empty()) {
		sandbox.keepLogs();
		return std::nullopt;
	}
	return samples;
}

} // namespace
} // namespace cabin::bench

int main(int argc, char **argv)
{
	using namespace cabin::bench;
	pw_init(&argc, &argv);
	std::printf("link latency: %d streams over %zu seat sockets, %d rounds x %d runs per "
		    "policy\n",
		    kStreams, std::size(kSeatSockets), kRounds, kRepeats);
	/* Alternate the policies, each on fresh daemons, so drift affects both alike. */
	std::vector<Sample> stockSamples, cabinSamples;
	for (int repeat = 0; repeat < kRepeats; repeat++) {
		auto stockRun = runPolicy(false);
		auto cabinRun = runPolicy(true);
		if (!stockRun || !cabinRun) {
			std::fprintf(stderr, "benchmark failed\n");
			return 1;
		}
		stockSamples.insert(stockSamples.end(), stockRun->begin(), stockRun->end());
		cabinSamples.insert(cabinSamples.end(), cabinRun->begin(), cabinRun->end());
	}
	auto stock = std::optional<Summary>(summarize(stockSamples));
	auto cabin = std::optional<Summary>(summarize(cabinSamples));
	auto line = [](const char *name, const Summary &s) {
		std::printf("%-22s n=%-4zu link median %7.2f ms  p99 %7.2f ms | streaming median "
			    "%7.2f ms  p99 %7.2f ms\n",
			    name, s.count, s.linkMedian, s.linkP99, s.streamingMedian,
			    s.streamingP99);
	};
	line("stock WirePlumber", *stock);
	line("Cabin", *cabin);
	std::printf("ratio Cabin/stock      link median %.2f  p99 %.2f | streaming median %.2f  "
		    "p99 %.2f\n",
		    cabin->linkMedian / stock->linkMedian, cabin->linkP99 / stock->linkP99,
		    cabin->streamingMedian / stock->streamingMedian,
		    cabin->streamingP99 / stock->streamingP99);
	pw_deinit();
	return 0;
}
