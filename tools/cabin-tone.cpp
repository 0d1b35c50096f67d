/* SPDX-License-Identifier: MIT */
/*
 * cabin-tone: plays a sine tone as an ordinary PipeWire playback stream with
 * the given node properties, until stopped. The demo and the integration
 * tests use it as "an application of a seat"; which seat it belongs to is
 * decided by the socket it connects to (--remote) and the uid it runs as.
 */
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include <pipewire/pipewire.h>
#include <spa/param/audio/format-utils.h>
#include <spa/utils/result.h>

#include "tone-generator.hpp"

namespace {

struct Options {
	const char *remote = nullptr;
	double frequency = 440.0;
	double amplitude = 0.2;
	int channels = 2;
	int rate = 48000;
	double seconds = 0.0; /* 0: until stopped */
	/* Pause the stream (pw_stream_set_active(false)) after this long, and stay connected. */
	double pauseAfter = 0.0;
	/* Write silence after this long, staying connected and running. */
	double silentAfter = 0.0;
	/* Write silence for this long before the tone. */
	double silentFirst = 0.0;
	std::vector<std::pair<std::string, std::string>> props;
};

struct Player {
	Options options;
	pw_main_loop *loop = nullptr;
	pw_stream *stream = nullptr;
	std::optional<cabin::ToneGenerator> tone;
	std::uint64_t framesWritten = 0;
	/* Signalled from the data thread; pw_stream_set_active() belongs to the main loop. */
	spa_source *pause = nullptr;
	bool pauseSignalled = false;
};

void usage(FILE *out)
{
	std::fprintf(out,
		     "usage: cabin-tone [--remote NAME] [--freq HZ] [--amplitude A] "
		     "[--channels N] [--rate HZ]\n"
		     "                  [--seconds S] [--pause-after S] [--silent-after S] "
		     "[--silent-first S] [KEY=VALUE ...]\n"
		     "Plays a sine tone as a playback stream; KEY=VALUE become node properties.\n"
		     "--pause-after pauses the stream after S seconds of tone and keeps it "
		     "connected.\n"
		     "--silent-after writes silence after S seconds of tone, still running.\n"
		     "--silent-first writes silence for S seconds before the tone.\n");
}

/* \context data thread: fills one buffer, no allocation. */
void onProcess(void *data)
{
	auto *player = static_cast<Player *>(data);
	pw_buffer *buffer = pw_stream_dequeue_buffer(player->stream);
	if (!buffer)
		return;
	spa_data &plane = buffer->buffer->datas[0];
	auto *samples = static_cast<float *>(plane.data);
	if (!samples)
		return;
	const int channels = player->options.channels;
	const std::uint32_t stride = sizeof(float) * channels;
	std::uint32_t frames = plane.maxsize / stride;
	if (buffer->requested && buffer->requested < frames)
		frames = static_cast<std::uint32_t>(buffer->requested);
	const bool silent =
		(player->options.silentAfter > 0 &&
		 player->framesWritten >= player->options.silentAfter * player->options.rate) ||
		player->framesWritten < player->options.silentFirst * player->options.rate;
	for (std::uint32_t i = 0; i < frames; i++) {
		float value = silent ? 0.0f : player->tone->next();
		for (int c = 0; c < channels; c++)
			samples[i * channels + c] = value;
	}
	plane.chunk->offset = 0;
	plane.chunk->stride = stride;
	plane.chunk->size = frames * stride;
	pw_stream_queue_buffer(player->stream, buffer);
	player->framesWritten += frames;
	if (player->options.seconds > 0 &&
	    player->framesWritten >= player->options.seconds * player->options.rate)
		pw_main_loop_quit(player->loop);
	if (player->options.pauseAfter > 0 && !player->pauseSignalled &&
	    player->framesWritten >= player->options.pauseAfter * player->options.rate) {
		player->pauseSignalled = true;
		pw_loop_signal_event(pw_main_loop_get_loop(player->loop), player->pause);
	}
}

/* \context main loop: a paused stream is no longer scheduled, but stays linked. */
void onPause(void *data, std::uint64_t)
{
	auto *player = static_cast<Player *>(data);
	pw_stream_set_active(player->stream, false);
}

void onStateChanged(void *data, pw_stream_state, pw_stream_state state, const char *error)
{
	auto *player = static_cast<Player *>(data);
	if (state == PW_STREAM_STATE_ERROR) {
		std::fprintf(stderr, "cabin-tone: stream error: %s\n", error ? error : "unknown");
		pw_main_loop_quit(player->loop);
	}
}

const pw_stream_events kStreamEvents = {
	.version = PW_VERSION_STREAM_EVENTS,
	.state_changed = onStateChanged,
	.process = onProcess,
};

void onSignal(void *data, int)
{
	pw_main_loop_quit(static_cast<Player *>(data)->loop);
}

bool parseArgs(int argc, char **argv, Options &options)
{
	for (int i = 1; i < argc; i++) {
		std::string arg = argv[i];
		auto next = [&](const char *name) -> const char * {
			if (i + 1 >= argc) {
				std::fprintf(stderr, "cabin-tone: %s needs a value\n", name);
				return nullptr;
			}
			return argv[++i];
		};
		const char *value = nullptr;
		if (arg == "--help" || arg == "-h") {
			usage(stdout);
			std::exit(0);
		} else if (arg == "--remote") {
			if (!(options.remote = next("--remote")))
				return false;
		} else if (arg == "--freq" || arg == "--amplitude" || arg == "--seconds" ||
			   arg == "--pause-after" || arg == "--silent-after" ||
			   arg == "--silent-first" || arg == "--channels" || arg == "--rate") {
			if (!(value = next(arg.c_str())))
				return false;
			char *end = nullptr;
			double number = std::strtod(value, &end);
			if (!end || *end || number < 0) {
				std::fprintf(stderr, "cabin-tone: %s = '%s': not a number\n",
					     arg.c_str(), value);
				return false;
			}
			if (arg == "--freq")
				options.frequency = number;
			else if (arg == "--amplitude")
				options.amplitude = number;
			else if (arg == "--seconds")
				options.seconds = number;
			else if (arg == "--pause-after")
				options.pauseAfter = number;
			else if (arg == "--silent-after")
				options.silentAfter = number;
			else if (arg == "--silent-first")
				options.silentFirst = number;
			else if (arg == "--channels")
				options.channels = static_cast<int>(number);
			else
				options.rate = static_cast<int>(number);
		} else if (auto eq = arg.find('='); eq != std::string::npos && eq > 0) {
			options.props.emplace_back(arg.substr(0, eq), arg.substr(eq + 1));
		} else {
			std::fprintf(stderr, "cabin-tone: unknown argument '%s'\n", arg.c_str());
			usage(stderr);
			return false;
		}
	}
	if (options.channels < 1 || options.channels > static_cast<int>(SPA_AUDIO_MAX_CHANNELS) ||
	    options.rate < 1) {
		std::fprintf(stderr, "cabin-tone: --channels 1..%d and --rate > 0 required\n",
			     SPA_AUDIO_MAX_CHANNELS);
		return false;
	}
	return true;
}

} // namespace

int main(int argc, char **argv)
{
	Player player;
	if (!parseArgs(argc, argv, player.options))
		return 2;

	player.tone.emplace(player.options.frequency, player.options.amplitude,
			    player.options.rate);
	pw_init(&argc, &argv);
	player.loop = pw_main_loop_new(nullptr);
	pw_loop_add_signal(pw_main_loop_get_loop(player.loop), SIGINT, onSignal, &player);
	pw_loop_add_signal(pw_main_loop_get_loop(player.loop), SIGTERM, onSignal, &player);
	player.pause = pw_loop_add_event(pw_main_loop_get_loop(player.loop), onPause, &player);

	pw_properties *props = pw_properties_new(PW_KEY_MEDIA_TYPE, "Audio", PW_KEY_MEDIA_CATEGORY,
						 "Playback", PW_KEY_MEDIA_ROLE, "Music", nullptr);
	if (player.options.remote) {
		/* libpipewire prefers $PIPEWIRE_REMOTE to remote.name; the option must win. */
		setenv("PIPEWIRE_REMOTE", player.options.remote, 1);
		pw_properties_set(props, PW_KEY_REMOTE_NAME, player.options.remote);
	}
	for (const auto &[key, value] : player.options.props)
		pw_properties_set(props, key.c_str(), value.c_str());

	player.stream = pw_stream_new_simple(pw_main_loop_get_loop(player.loop), "cabin-tone",
					     props, &kStreamEvents, &player);

	std::uint8_t podBuffer[1024];
	spa_pod_builder builder = SPA_POD_BUILDER_INIT(podBuffer, sizeof(podBuffer));
	spa_audio_info_raw info = {};
	info.format = SPA_AUDIO_FORMAT_F32;
	info.rate = static_cast<std::uint32_t>(player.options.rate);
	info.channels = static_cast<std::uint32_t>(player.options.channels);
	const spa_pod *params[1] = {
		spa_format_audio_raw_build(&builder, SPA_PARAM_EnumFormat, &info)};

	int res = pw_stream_connect(player.stream, PW_DIRECTION_OUTPUT, PW_ID_ANY,
				    static_cast<pw_stream_flags>(PW_STREAM_FLAG_AUTOCONNECT |
								 PW_STREAM_FLAG_MAP_BUFFERS |
								 PW_STREAM_FLAG_RT_PROCESS),
				    params, 1);
	if (res < 0) {
		std::fprintf(stderr, "cabin-tone: cannot connect the stream: %s\n",
			     spa_strerror(res));
		return 1;
	}
	pw_main_loop_run(player.loop);

	pw_stream_destroy(player.stream);
	pw_main_loop_destroy(player.loop);
	pw_deinit();
	return 0;
}
