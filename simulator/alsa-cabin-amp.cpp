/* SPDX-License-Identifier: MIT */
/*
 * The `cabin_amp` ALSA PCM type: an alsa-lib external (ioplug) plugin that
 * exposes AmpDevice as an ordinary PCM. This file only parses the ALSA
 * configuration and forwards the ioplug callbacks; see amp-device.hpp.
 *
 *   pcm.amp {
 *     type cabin_amp
 *     channels 16  rate 48000  period_size 256  buffer_size 16384
 *     fifo_delay 96            # frames after the ring buffer
 *     drift_ppm 0
 *     control "/run/amp.sock"  # `cabin-amp SOCKET status|xrun`
 *     record [ { file "/tmp/all.wav" } { file "/tmp/rl.wav" channels [ 4 5 ] } ]
 *     play [ { file "/tmp/mics.wav" channels [ 0 1 ] } ]   # capture
 *     loop true
 *   }
 */
#include <cerrno>
#include <memory>
#include <new>
#include <poll.h>
#include <string>
#include <sys/eventfd.h>
#include <unistd.h>

#include <alsa/asoundlib.h>
#include <alsa/pcm_external.h>

#include "amp-device.hpp"

namespace {

using cabin::SampleFormat;
using cabin::sim::AmpConfig;
using cabin::sim::AmpDevice;
using cabin::sim::ChannelFile;

struct AmpPcm {
	snd_pcm_ioplug_t io = {};
	std::unique_ptr<AmpDevice> device;
	snd_pcm_uframes_t boundary = 0; /* where appl_ptr and hw_ptr wrap */
};

AmpPcm *fromIo(snd_pcm_ioplug_t *io)
{
	return static_cast<AmpPcm *>(io->private_data);
}

/* Frames queued by the application (playback) or captured but unread. */
std::uint64_t applFrames(snd_pcm_ioplug_t *io)
{
	snd_pcm_uframes_t boundary = fromIo(io)->boundary;
	snd_pcm_uframes_t appl = io->appl_ptr, hw = io->hw_ptr;
	if (io->stream == SND_PCM_STREAM_PLAYBACK)
		return appl >= hw ? appl - hw : appl + boundary - hw;
	return hw >= appl ? hw - appl : hw + boundary - appl;
}

int ampStart(snd_pcm_ioplug_t *io)
{
	fromIo(io)->device->start();
	return 0;
}

int ampStop(snd_pcm_ioplug_t *io)
{
	fromIo(io)->device->stop();
	return 0;
}

snd_pcm_sframes_t ampPointer(snd_pcm_ioplug_t *io)
{
	AmpPcm *pcm = fromIo(io);
	const snd_pcm_channel_area_t *areas = snd_pcm_ioplug_mmap_areas(io);
	auto *ring =
		areas ? static_cast<std::uint8_t *>(areas[0].addr) + areas[0].first / 8 : nullptr;
	if (!ring)
		return -EIO;
	return pcm->device->pointer(ring, applFrames(io));
}

int ampDelay(snd_pcm_ioplug_t *io, snd_pcm_sframes_t *delay)
{
	*delay = fromIo(io)->device->delay(applFrames(io));
	return 0;
}

int ampPrepare(snd_pcm_ioplug_t *io)
{
	fromIo(io)->device->prepare();
	return 0;
}

int ampHwParams(snd_pcm_ioplug_t *io, snd_pcm_hw_params_t *)
{
	SampleFormat format;
	switch (io->format) {
	case SND_PCM_FORMAT_S16_LE:
		format = SampleFormat::S16;
		break;
	case SND_PCM_FORMAT_S32_LE:
		format = SampleFormat::S32;
		break;
	case SND_PCM_FORMAT_FLOAT_LE:
		format = SampleFormat::F32;
		break;
	default:
		return -EINVAL;
	}
	std::string error;
	if (!fromIo(io)->device->configure(format, io->channels, io->rate, io->buffer_size,
					   &error)) {
		SNDERR("cabin_amp: %s", error.c_str());
		return -EINVAL;
	}
	return 0;
}

int ampSwParams(snd_pcm_ioplug_t *io, snd_pcm_sw_params_t *params)
{
	return snd_pcm_sw_params_get_boundary(params, &fromIo(io)->boundary);
}

int ampClose(snd_pcm_ioplug_t *io)
{
	AmpPcm *pcm = fromIo(io);
	if (pcm->io.poll_fd >= 0)
		close(pcm->io.poll_fd);
	delete pcm;
	return 0;
}

const snd_pcm_ioplug_callback_t kCallbacks = {
	.start = ampStart,
	.stop = ampStop,
	.pointer = ampPointer,
	.transfer = nullptr,
	.close = ampClose,
	.hw_params = ampHwParams,
	.hw_free = nullptr,
	.sw_params = ampSwParams,
	.prepare = ampPrepare,
	.drain = nullptr,
	.pause = nullptr,
	.resume = nullptr,
	.poll_descriptors_count = nullptr,
	.poll_descriptors = nullptr,
	.poll_revents = nullptr,
	.dump = nullptr,
	.delay = ampDelay,
	.query_chmaps = nullptr,
	.get_chmap = nullptr,
	.set_chmap = nullptr,
};

int readUnsigned(snd_config_t *node, const char *key, unsigned min, unsigned max, unsigned *value)
{
	long number = 0;
	if (snd_config_get_integer(node, &number) < 0 || number < min || number > max) {
		SNDERR("cabin_amp: %s must be an integer in %u..%u", key, min, max);
		return -EINVAL;
	}
	*value = static_cast<unsigned>(number);
	return 0;
}

/* [ { file "x.wav" channels [ 0 1 ] } ... ] */
int readChannelFiles(snd_config_t *node, const char *key, std::vector<ChannelFile> *files)
{
	snd_config_iterator_t i, next;
	snd_config_for_each(i, next, node)
	{
		snd_config_t *entry = snd_config_iterator_entry(i);
		ChannelFile file;
		snd_config_iterator_t j, nextField;
		snd_config_for_each(j, nextField, entry)
		{
			snd_config_t *field = snd_config_iterator_entry(j);
			const char *id = nullptr;
			snd_config_get_id(field, &id);
			std::string name = id ? id : "";
			if (name == "file") {
				const char *path = nullptr;
				if (snd_config_get_string(field, &path) < 0) {
					SNDERR("cabin_amp: %s.file must be a string", key);
					return -EINVAL;
				}
				file.path = path;
			} else if (name == "channels") {
				snd_config_iterator_t k, nextChannel;
				snd_config_for_each(k, nextChannel, field)
				{
					unsigned channel = 0;
					if (readUnsigned(snd_config_iterator_entry(k), "channels",
							 0, cabin::sim::kMaxChannels - 1,
							 &channel) < 0)
						return -EINVAL;
					file.channels.push_back(channel);
				}
			} else {
				SNDERR("cabin_amp: unknown field %s.%s", key, name.c_str());
				return -EINVAL;
			}
		}
		if (file.path.empty()) {
			SNDERR("cabin_amp: every %s entry needs a file", key);
			return -EINVAL;
		}
		files->push_back(std::move(file));
	}
	return 0;
}

int parseConfig(snd_config_t *conf, AmpConfig *config)
{
	snd_config_iterator_t i, next;
	snd_config_for_each(i, next, conf)
	{
		snd_config_t *node = snd_config_iterator_entry(i);
		const char *id = nullptr;
		if (snd_config_get_id(node, &id) < 0)
			continue;
		std::string key = id;
		int res = 0;
		if (key == "comment" || key == "type" || key == "hint")
			continue;
		if (key == "channels")
			res = readUnsigned(node, id, 1, cabin::sim::kMaxChannels,
					   &config->channels);
		else if (key == "rate")
			res = readUnsigned(node, id, 8000, 384000, &config->rate);
		else if (key == "period_size")
			res = readUnsigned(node, id, 16, 1 << 20, &config->periodFrames);
		else if (key == "buffer_size")
			res = readUnsigned(node, id, 64, 1 << 22, &config->bufferFrames);
		else if (key == "fifo_delay")
			res = readUnsigned(node, id, 0, 1 << 20, &config->fifoFrames);
		else if (key == "drift_ppm") {
			double ppm = 0;
			if (snd_config_get_ireal(node, &ppm) < 0 || ppm < -10000 || ppm > 10000) {
				SNDERR("cabin_amp: drift_ppm must be a number in -10000..10000");
				res = -EINVAL;
			}
			config->driftPpm = ppm;
		} else if (key == "control") {
			const char *path = nullptr;
			if (snd_config_get_string(node, &path) < 0) {
				SNDERR("cabin_amp: control must be a string");
				res = -EINVAL;
			} else
				config->control = path;
		} else if (key == "record")
			res = readChannelFiles(node, id, &config->record);
		else if (key == "play")
			res = readChannelFiles(node, id, &config->play);
		else if (key == "loop") {
			int value = snd_config_get_bool(node);
			if (value < 0) {
				SNDERR("cabin_amp: loop must be a boolean");
				res = -EINVAL;
			}
			config->loop = value > 0;
		} else {
			SNDERR("cabin_amp: unknown field %s", id);
			res = -EINVAL;
		}
		if (res < 0)
			return res;
	}
	if (config->bufferFrames < 2 * config->periodFrames) {
		SNDERR("cabin_amp: buffer_size %u must hold two periods of %u",
		       config->bufferFrames, config->periodFrames);
		return -EINVAL;
	}
	return 0;
}

int restrictParams(snd_pcm_ioplug_t *io, const AmpConfig &config)
{
	static const unsigned kAccess[] = {SND_PCM_ACCESS_MMAP_INTERLEAVED,
					   SND_PCM_ACCESS_RW_INTERLEAVED};
	static const unsigned kFormats[] = {SND_PCM_FORMAT_S32_LE, SND_PCM_FORMAT_S16_LE,
					    SND_PCM_FORMAT_FLOAT_LE};
	int res;
	if ((res = snd_pcm_ioplug_set_param_list(io, SND_PCM_IOPLUG_HW_ACCESS, 2, kAccess)) < 0 ||
	    (res = snd_pcm_ioplug_set_param_list(io, SND_PCM_IOPLUG_HW_FORMAT, 3, kFormats)) < 0 ||
	    (res = snd_pcm_ioplug_set_param_minmax(io, SND_PCM_IOPLUG_HW_CHANNELS, config.channels,
						   config.channels)) < 0 ||
	    (res = snd_pcm_ioplug_set_param_minmax(io, SND_PCM_IOPLUG_HW_RATE, config.rate,
						   config.rate)) < 0)
		return res;
	/* Sizes in bytes: allow the smallest sample size up to the largest. */
	unsigned minFrame = 2 * config.channels, maxFrame = 4 * config.channels;
	if ((res = snd_pcm_ioplug_set_param_minmax(io, SND_PCM_IOPLUG_HW_PERIOD_BYTES,
						   config.periodFrames * minFrame,
						   config.periodFrames * maxFrame)) < 0 ||
	    (res = snd_pcm_ioplug_set_param_minmax(io, SND_PCM_IOPLUG_HW_PERIODS, 2,
						   config.bufferFrames / config.periodFrames)) <
		    0 ||
	    (res = snd_pcm_ioplug_set_param_minmax(io, SND_PCM_IOPLUG_HW_BUFFER_BYTES,
						   2 * config.periodFrames * minFrame,
						   config.bufferFrames * maxFrame)) < 0)
		return res;
	return 0;
}

} // namespace

/* alsa-lib dlsyms these two; everything else stays hidden. */
#pragma GCC visibility push(default)
extern "C" {

SND_PCM_PLUGIN_DEFINE_FUNC(cabin_amp)
{
	(void)root;
	AmpConfig config;
	int res = parseConfig(conf, &config);
	if (res < 0)
		return res;

	auto *pcm = new (std::nothrow) AmpPcm;
	if (!pcm)
		return -ENOMEM;
	auto direction = stream == SND_PCM_STREAM_PLAYBACK ? AmpDevice::Direction::Playback
							   : AmpDevice::Direction::Capture;
	pcm->device = std::make_unique<AmpDevice>(config, direction);
	std::string error;
	if (!pcm->device->open(&error)) {
		SNDERR("cabin_amp: %s", error.c_str());
		delete pcm;
		return -EINVAL;
	}

	/* Applications poll this descriptor; it is always ready, so callers
	 * that sleep on it busy-wait. PipeWire schedules by timer instead. */
	pcm->io.version = SND_PCM_IOPLUG_VERSION;
	pcm->io.name = "Cabin simulated amplifier";
	pcm->io.flags = SND_PCM_IOPLUG_FLAG_MONOTONIC;
	pcm->io.mmap_rw = 1;
	pcm->io.poll_fd = eventfd(1, EFD_CLOEXEC | EFD_NONBLOCK);
	pcm->io.poll_events = stream == SND_PCM_STREAM_PLAYBACK ? POLLOUT : POLLIN;
	pcm->io.callback = &kCallbacks;
	pcm->io.private_data = pcm;

	if ((res = snd_pcm_ioplug_create(&pcm->io, name, stream, mode)) < 0) {
		if (pcm->io.poll_fd >= 0)
			close(pcm->io.poll_fd);
		delete pcm;
		return res;
	}
	if ((res = restrictParams(&pcm->io, config)) < 0) {
		snd_pcm_ioplug_delete(&pcm->io);
		return res;
	}
	*pcmp = pcm->io.pcm;
	return 0;
}

SND_PCM_PLUGIN_SYMBOL(cabin_amp)

} // extern "C"
#pragma GCC visibility pop
