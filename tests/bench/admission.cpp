/* SPDX-License-Identifier: MIT */
/*
 * Benchmark (not a test): time from connecting to a client being admitted
 * with its permissions, with 8 seats, for graphs of about 100 to 400
 * objects (20 to 320 null sinks spread over the seats' zones), Cabin
 * against stock WirePlumber in the same run.
 *
 * A client of a seat socket is suspended by the server until it has R on
 * the core, so the first reply to a core sync marks its admission: with
 * Cabin, module-cabin's one update with every per-object grant; with stock,
 * access-default.lua's `update_permissions { any = "rx" }` for
 * `pipewire.access = "restricted"`, the closest stock setting (which lets a
 * client see every seat). Clients connect one at a time, rotating over the
 * 8 seat sockets, and disconnect after the reply.
 */
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <pipewire/pipewire.h>

#include "daemon-sandbox.hpp"
#include "percentile.hpp"

namespace cabin::bench {
namespace {

using Clock = std::chrono::steady_clock;
using test::DaemonSandbox;
using test::SandboxOptions;

constexpr int kSeats = 8;
constexpr int kSamples = 200;
constexpr int kRepeats = 2;
const int kSinkCounts[] = {20, 80, 160, 320};

std::string seatName(int seat)
{
	return "seat" + std::to_string(seat);
}

SandboxOptions options(bool cabin, int sinks)
{
	SandboxOptions options;
	options.cabin = cabin;
	options.wireplumberFragments = {DaemonSandbox::sourceRoot() +
					"/conf.d/sandbox/wireplumber.conf.d/90-cabin-sandbox.conf"};
	std::string sockets = "module.protocol-native.args = { sockets = [\n"
			      "  { name = \"pipewire-0\" }\n  { name = \"pipewire-0-manager\" }\n";
	std::string seats = "cabin.seats = [\n";
	std::string zones = "cabin.zones = [\n";
	for (int seat = 0; seat < kSeats; seat++) {
		std::string name = seatName(seat);
		sockets += "  { name = \"cabin-" + name + "\" mode = 0666 props = { " +
			   "pipewire.access = \"" + (cabin ? "cabin" : "restricted") +
			   "\" pipewire.sec.cabin.seat = \"" + name + "\" } }\n";
		seats += "  { name = \"" + name + "\" }\n";
		zones += "  { name = \"" + name + "\", seat = \"" + name +
			 "\", devices = [ { matches = [ { node.name = \"~" + name +
			 "\\\\..*\" } ] } ] }\n";
	}
	sockets += "] }\n";
	std::string objects = "context.objects = [\n";
	for (int sink = 0; sink < sinks; sink++)
		objects += "  { factory = adapter args = { factory.name = support.null-audio-sink "
			   "node.name = \"" +
			   seatName(sink % kSeats) + ".sink" + std::to_string(sink) +
			   "\" media.class = Audio/Sink audio.position = [ FL FR ] } }\n";
	objects += "]\n";
	options.pipewireTexts = {{"50-bench-sockets.conf", sockets},
				 {"51-bench-objects.conf", objects}};
	if (cabin)
		options.wireplumberTexts = {{"60-bench-seats.conf", seats + "]\n" + zones + "]\n"}};
	return options;
}

struct Connection {
	pw_main_loop *loop;
	int seq = -1;
	bool done = false;
	bool failed = false;
};

void onDone(void *data, std::uint32_t id, int seq)
{
	auto *connection = static_cast<Connection *>(data);
	if (id == PW_ID_CORE && seq == connection->seq) {
		connection->done = true;
		pw_main_loop_quit(connection->loop);
	}
}

void onError(void *data, std::uint32_t id, int, int res, const char *message)
{
	auto *connection = static_cast<Connection *>(data);
	if (id != PW_ID_CORE)
		return;
	std::fprintf(stderr, "admission: core error %d: %s\n", res, message ? message : "");
	connection->failed = true;
	pw_main_loop_quit(connection->loop);
}

const pw_core_events kCoreEvents = {
	.version = PW_VERSION_CORE_EVENTS,
	.done = onDone,
	.error = onError,
};

/* Milliseconds from connect to the first reply, or a negative value on failure. */
double admit(const DaemonSandbox &sandbox, const std::string &socket)
{
	pw_main_loop *loop = pw_main_loop_new(nullptr);
	pw_context *context = pw_context_new(pw_main_loop_get_loop(loop), nullptr, 0);
	std::string path = sandbox.directory() + "/run/" + socket;
	Connection connection{loop};
	auto start = Clock::now();
	pw_core *core = pw_context_connect(
		context, pw_properties_new(PW_KEY_REMOTE_NAME, path.c_str(), nullptr), 0);
	double ms = -1;
	if (core) {
		spa_hook listener{};
		pw_core_add_listener(core, &listener, &kCoreEvents, &connection);
		connection.seq = pw_core_sync(core, PW_ID_CORE, 0);
		pw_main_loop_run(loop);
		if (connection.done)
			ms = std::chrono::duration<double, std::milli>(Clock::now() - start)
				     .count();
		spa_hook_remove(&listener);
		pw_core_disconnect(core);
	}
	pw_context_destroy(context);
	pw_main_loop_destroy(loop);
	return ms;
}

/* Admission times of one daemon start; the number of globals goes to \a objects. */
std::vector<double> measure(bool cabin, int sinks, std::size_t *objects)
{
	DaemonSandbox sandbox(options(cabin, sinks));
	std::string error;
	if (!sandbox.start(&error)) {
		std::fprintf(stderr, "admission: %s\n", error.c_str());
		return {};
	}
	/* All sinks and their ports must be there before measuring. */
	DaemonSandbox::waitFor([&] {
		auto dump = sandbox.dump();
		*objects = dump ? dump->items().size() : 0;
		return dump && sandbox.nodeId(seatName((sinks - 1) % kSeats) + ".sink" +
					      std::to_string(sinks - 1));
	});
	std::vector<double> samples;
	for (int i = 0; i < kSamples; i++) {
		double ms = admit(sandbox, "cabin-" + seatName(i % kSeats));
		if (ms >= 0)
			samples.push_back(ms);
	}
	return samples;
}

} // namespace
} // namespace cabin::bench

int main()
{
	using namespace cabin::bench;
	/* It would override the socket each connection names. */
	unsetenv("PIPEWIRE_REMOTE");
	pw_init(nullptr, nullptr);
	std::printf("admission: connect -> first core reply, %d seats, %d clients per start, %d "
		    "starts per policy\n",
		    kSeats, kSamples, kRepeats);
	for (int sinks : kSinkCounts) {
		std::vector<double> cabinSamples, stockSamples;
		std::size_t objects = 0;
		/* Alternate so that both policies see the same machine conditions. */
		for (int repeat = 0; repeat < kRepeats; repeat++) {
			auto stock = measure(false, sinks, &objects);
			auto cabin = measure(true, sinks, &objects);
			stockSamples.insert(stockSamples.end(), stock.begin(), stock.end());
			cabinSamples.insert(cabinSamples.end(), cabin.begin(), cabin.end());
		}
		double cabinMedian = percentile(cabinSamples, 0.5);
		double stockMedian = percentile(stockSamples, 0.5);
		double cabinP99 = percentile(cabinSamples, 0.99);
		double stockP99 = percentile(stockSamples, 0.99);
		std::printf("%4zu objects | cabin n=%zu median %6.3f ms p99 %6.3f ms | stock n=%zu "
			    "median %6.3f ms p99 %6.3f ms | ratio median %.2f p99 %.2f\n",
			    objects, cabinSamples.size(), cabinMedian, cabinP99,
			    stockSamples.size(), stockMedian, stockP99, cabinMedian / stockMedian,
			    cabinP99 / stockP99);
		std::fflush(stdout);
	}
	pw_deinit();
	return 0;
}
