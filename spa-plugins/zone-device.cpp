/* SPDX-License-Identifier: MIT */
#include "zone-device.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <mutex>

#include <spa/node/io.h>
#include <spa/node/node.h>
#include <spa/utils/defs.h>

#include "zone-node.hpp"

namespace cabin::zone {

namespace {

std::mutex registryLock;
std::vector<std::weak_ptr<ZoneDevice>> registry;

struct StartRequest {
	ZoneNode *zone;
	bool started;
};

/* What the data thread tells the main thread about an xrun. */
struct XrunReport {
	int err;
	std::int64_t lastFill;
	std::uint64_t sinceWakeupUs;
	std::uint32_t quantum;
};

struct ZoneList {
	std::array<ZoneNode *, kMaxZones> zones;
	std::uint32_t count;
};

const char *directionName(Direction direction)
{
	return direction == Direction::Playback ? "playback" : "capture";
}

/*
 * Whether \a device is still alive. Reports queued on the main loop by the
 * data thread may arrive after the last zone released the device.
 * \context main thread
 */
bool isAlive(const ZoneDevice *device)
{
	std::lock_guard lock(registryLock);
	for (const auto &weak : registry) {
		auto alive = weak.lock();
		if (alive.get() == device)
			return true;
	}
	return false;
}

} // namespace

std::shared_ptr<ZoneDevice> ZoneDevice::acquire(const DeviceSettings &settings,
						const DeviceSupport &support, std::string *error)
{
	std::lock_guard lock(registryLock);
	std::erase_if(registry, [](const auto &weak) { return weak.expired(); });
	for (const auto &weak : registry) {
		auto device = weak.lock();
		if (!device || device->settings_.path != settings.path ||
		    device->settings_.direction != settings.direction)
			continue;
		/* Zones of one PCM share its clock, so they must agree on it. */
		if (device->settings_.rate != settings.rate) {
			*error = "audio.rate = " + std::to_string(settings.rate) + ": the " +
				 directionName(settings.direction) + " PCM " + settings.path +
				 " already runs at " + std::to_string(device->settings_.rate);
			return nullptr;
		}
		const DeviceSettings &have = device->settings_;
		auto differs = [&](const char *key, const std::string &mine,
				   const std::string &theirs) {
			*error = std::string(key) + " = \"" + mine + "\": the " +
				 directionName(settings.direction) + " PCM " + settings.path +
				 " is already open with " + theirs +
				 "; zones of one PCM must agree";
			return nullptr;
		};
		if (have.format != settings.format)
			return differs("audio.format", settings.format, "\"" + have.format + "\"");
		if (have.headroom != settings.headroom)
			return differs("api.alsa.headroom", std::to_string(settings.headroom),
				       std::to_string(have.headroom));
		if (have.bufferFrames != settings.bufferFrames)
			return differs("api.alsa.buffer-size",
				       std::to_string(settings.bufferFrames),
				       std::to_string(have.bufferFrames));
		if (have.channels != settings.channels)
			return differs("cabin.alsa.device-channels",
				       std::to_string(settings.channels),
				       std::to_string(have.channels));
		if (device->support_.dataLoop != support.dataLoop) {
			*error = "node.loop.name: zones of the PCM " + settings.path +
				 " must run on one data loop";
			return nullptr;
		}
		return device;
	}
	std::shared_ptr<ZoneDevice> device(new ZoneDevice(settings, support));
	if (!device->open(error))
		return nullptr;
	registry.push_back(device);
	return device;
}

ZoneDevice::ZoneDevice(const DeviceSettings &settings, const DeviceSupport &support)
    : settings_(settings), support_(support)
{
}

ZoneDevice::~ZoneDevice()
{
	close();
}

const char *ZoneDevice::formatName() const
{
	switch (format_) {
	case mix::Format::S16:
		return "S16_LE";
	case mix::Format::S32:
		return "S32_LE";
	case mix::Format::F32:
		return "F32_LE";
	}
	return "?";
}

bool ZoneDevice::open(std::string *error)
{
	const std::string &path = settings_.path;
	auto fail = [&](const std::string &what, int res) {
		*error = "api.alsa.path = \"" + path + "\": " + what + ": " + snd_strerror(res);
		return false;
	};
	snd_pcm_stream_t stream = settings_.direction == Direction::Playback
					  ? SND_PCM_STREAM_PLAYBACK
					  : SND_PCM_STREAM_CAPTURE;
	int res = snd_pcm_open(&pcm_, path.c_str(), stream,
			       SND_PCM_NONBLOCK | SND_PCM_NO_AUTO_RESAMPLE |
				       SND_PCM_NO_AUTO_CHANNELS | SND_PCM_NO_AUTO_FORMAT);
	if (res < 0) {
		pcm_ = nullptr;
		return fail(std::string("cannot open the ") + directionName(settings_.direction) +
				    " PCM",
			    res);
	}

	snd_pcm_hw_params_t *hw;
	snd_pcm_hw_params_alloca(&hw);
	if ((res = snd_pcm_hw_params_any(pcm_, hw)) < 0)
		return fail("no configuration", res);
	snd_pcm_hw_params_set_rate_resample(pcm_, hw, 0);
	if ((res = snd_pcm_hw_params_set_access(pcm_, hw, SND_PCM_ACCESS_MMAP_INTERLEAVED)) < 0)
		return fail("no interleaved mmap access", res);

	static const std::pair<const char *, mix::Format> kFormats[] = {
		{"S32_LE", mix::Format::S32},
		{"S16_LE", mix::Format::S16},
		{"F32_LE", mix::Format::F32},
	};
	bool haveFormat = false;
	for (const auto &[name, format] : kFormats) {
		if (!settings_.format.empty() && settings_.format != name)
			continue;
		snd_pcm_format_t alsa = format == mix::Format::S32   ? SND_PCM_FORMAT_S32_LE
					: format == mix::Format::S16 ? SND_PCM_FORMAT_S16_LE
								     : SND_PCM_FORMAT_FLOAT_LE;
		if (snd_pcm_hw_params_set_format(pcm_, hw, alsa) == 0) {
			format_ = format;
			haveFormat = true;
			break;
		}
	}
	if (!haveFormat) {
		*error = "api.alsa.path = \"" + path + "\": " +
			 (settings_.format.empty() ? std::string("supports none of S32_LE, S16_LE, "
								 "F32_LE")
						   : "audio.format = \"" + settings_.format +
							     "\" is not supported (S32_LE, "
							     "S16_LE, F32_LE)");
		return false;
	}

	unsigned channels = settings_.channels;
	if (channels == 0 && (res = snd_pcm_hw_params_get_channels_max(hw, &channels)) < 0)
		return fail("cannot read the channel count", res);
	channels = std::min(channels, kMaxDeviceChannels);
	if ((res = snd_pcm_hw_params_set_channels(pcm_, hw, channels)) < 0)
		return fail(std::to_string(channels) + " channels are not supported", res);
	channels_ = channels;

	unsigned rate = settings_.rate;
	if ((res = snd_pcm_hw_params_set_rate(pcm_, hw, rate, 0)) < 0)
		return fail("audio.rate = " + std::to_string(rate) + " is not supported", res);

	snd_pcm_uframes_t buffer = settings_.bufferFrames;
	if ((res = snd_pcm_hw_params_set_buffer_size_near(pcm_, hw, &buffer)) < 0)
		return fail("cannot set the buffer size", res);
	/* We schedule by timer; the period only matters to the driver. */
	snd_pcm_uframes_t period = std::max<snd_pcm_uframes_t>(buffer / 4, 16);
	int dir = 0;
	snd_pcm_hw_params_set_period_size_near(pcm_, hw, &period, &dir);
	snd_pcm_hw_params_set_period_wakeup(pcm_, hw, 0);
	if ((res = snd_pcm_hw_params(pcm_, hw)) < 0)
		return fail("cannot apply the hardware parameters", res);
	snd_pcm_hw_params_get_buffer_size(hw, &bufferFrames_);

	snd_pcm_sw_params_t *sw;
	snd_pcm_sw_params_alloca(&sw);
	snd_pcm_uframes_t boundary = 0;
	snd_pcm_sw_params_current(pcm_, sw);
	snd_pcm_sw_params_get_boundary(sw, &boundary);
	snd_pcm_sw_params_set_tstamp_mode(pcm_, sw, SND_PCM_TSTAMP_ENABLE);
	/* Started by hand once the ring is primed. */
	snd_pcm_sw_params_set_start_threshold(pcm_, sw, boundary);
	snd_pcm_sw_params_set_avail_min(pcm_, sw, period);
	if ((res = snd_pcm_sw_params(pcm_, sw)) < 0)
		return fail("cannot apply the software parameters", res);

	planeStorage_.assign(static_cast<std::size_t>(channels_) * kMaxFrames, 0.0f);
	for (std::uint32_t c = 0; c < channels_; c++)
		planes_[c] = planeStorage_.data() + static_cast<std::size_t>(c) * kMaxFrames;
	kernels_ = &mix::kernels(mix::bestVariant());

	timer_.func = onTimer;
	timer_.data = this;
	timer_.fd = spa_system_timerfd_create(support_.dataSystem, CLOCK_MONOTONIC,
					      SPA_FD_CLOEXEC | SPA_FD_NONBLOCK);
	timer_.mask = SPA_IO_IN;
	if (timer_.fd < 0) {
		*error = std::string("cannot create a timer: ") + std::strerror(-timer_.fd);
		return false;
	}
	spa_loop_invoke(support_.dataLoop, doAddTimer, 0, nullptr, 0, true, this);

	spa_log_info(support_.log,
		     "cabin zone device %s (%s): %u channels, %s, %u Hz, buffer %lu frames, "
		     "%s kernels",
		     path.c_str(), directionName(settings_.direction), channels_, formatName(),
		     settings_.rate, static_cast<unsigned long>(bufferFrames_),
		     mix::variantName(mix::bestVariant()));
	return true;
}

void ZoneDevice::close()
{
	if (timer_.fd >= 0 && timer_.func) {
		spa_loop_invoke(support_.dataLoop, doStop, 0, nullptr, 0, true, this);
		spa_loop_invoke(support_.dataLoop, doRemoveTimer, 0, nullptr, 0, true, this);
		spa_system_close(support_.dataSystem, timer_.fd);
		timer_.fd = -1;
	}
	if (pcm_) {
		snd_pcm_close(pcm_);
		pcm_ = nullptr;
	}
}

bool ZoneDevice::attach(ZoneNode *zone, std::string *error)
{
	if (attached_.size() >= kMaxZones) {
		*error = "the PCM " + settings_.path + " already has " + std::to_string(kMaxZones) +
			 " zones";
		return false;
	}
	attached_.push_back(zone);
	ZoneList list{};
	for (ZoneNode *attached : attached_)
		list.zones[list.count++] = attached;
	spa_loop_invoke(support_.dataLoop, doSetZones, 0, &list, sizeof(list), true, this);
	return true;
}

void ZoneDevice::detach(ZoneNode *zone)
{
	pause(zone);
	std::erase(attached_, zone);
	ZoneList list{};
	for (ZoneNode *attached : attached_)
		list.zones[list.count++] = attached;
	spa_loop_invoke(support_.dataLoop, doSetZones, 0, &list, sizeof(list), true, this);
}

int ZoneDevice::start(ZoneNode *zone)
{
	StartRequest request{zone, true};
	return spa_loop_invoke(support_.dataLoop, doStart, 0, &request, sizeof(request), true,
			       this);
}

void ZoneDevice::pause(ZoneNode *zone)
{
	StartRequest request{zone, false};
	spa_loop_invoke(support_.dataLoop, doStart, 0, &request, sizeof(request), true, this);
}

/* \context data thread, from here on. */

int ZoneDevice::doAddTimer(spa_loop *, bool, std::uint32_t, const void *, std::size_t,
			   void *userData)
{
	auto *self = static_cast<ZoneDevice *>(userData);
	return spa_loop_add_source(self->support_.dataLoop, &self->timer_);
}

int ZoneDevice::doRemoveTimer(spa_loop *, bool, std::uint32_t, const void *, std::size_t,
			      void *userData)
{
	auto *self = static_cast<ZoneDevice *>(userData);
	if (self->timer_.loop)
		spa_loop_remove_source(self->support_.dataLoop, &self->timer_);
	return 0;
}

int ZoneDevice::doSetZones(spa_loop *, bool, std::uint32_t, const void *data, std::size_t,
			   void *userData)
{
	auto *self = static_cast<ZoneDevice *>(userData);
	const auto *list = static_cast<const ZoneList *>(data);
	self->zones_ = list->zones;
	self->zoneCount_ = list->count;
	return 0;
}

int ZoneDevice::doStart(spa_loop *, bool, std::uint32_t, const void *data, std::size_t,
			void *userData)
{
	auto *self = static_cast<ZoneDevice *>(userData);
	const auto *request = static_cast<const StartRequest *>(data);
	request->zone->setStarted(request->started);
	bool anyStarted = false;
	for (std::uint32_t i = 0; i < self->zoneCount_; i++)
		anyStarted |= self->zones_[i]->isStarted();
	if (anyStarted && !self->running_)
		self->startPcm(self->now());
	else if (!anyStarted && self->running_)
		self->stopPcm();
	return 0;
}

int ZoneDevice::doStop(spa_loop *, bool, std::uint32_t, const void *, std::size_t, void *userData)
{
	auto *self = static_cast<ZoneDevice *>(userData);
	if (self->running_)
		self->stopPcm();
	return 0;
}

std::uint64_t ZoneDevice::now() const
{
	timespec ts{};
	spa_system_clock_gettime(support_.dataSystem, CLOCK_MONOTONIC, &ts);
	return SPA_TIMESPEC_TO_NSEC(&ts);
}

void ZoneDevice::setTimer(std::uint64_t timeNs)
{
	itimerspec ts{};
	ts.it_value.tv_sec = static_cast<time_t>(timeNs / SPA_NSEC_PER_SEC);
	ts.it_value.tv_nsec = static_cast<long>(timeNs % SPA_NSEC_PER_SEC);
	spa_system_timerfd_settime(support_.dataSystem, timer_.fd, SPA_FD_TIMER_ABSTIME, &ts,
				   nullptr);
}

ZoneNode *ZoneDevice::drivingZone() const
{
	for (std::uint32_t i = 0; i < zoneCount_; i++)
		if (zones_[i]->isStarted() && zones_[i]->isDriving())
			return zones_[i];
	return nullptr;
}

std::uint32_t ZoneDevice::quantum(const ZoneNode *driver) const
{
	std::uint64_t frames = 1024;
	if (driver && driver->position()) {
		const spa_io_clock &clock = driver->position()->clock;
		frames = clock.target_duration;
		if (clock.target_rate.denom && clock.target_rate.denom != settings_.rate)
			frames = frames * settings_.rate / clock.target_rate.denom;
	}
	return static_cast<std::uint32_t>(std::clamp<std::uint64_t>(frames, 16, kMaxFrames));
}

void ZoneDevice::clearPlanes(std::uint32_t frames)
{
	for (std::uint32_t c = 0; c < channels_; c++)
		std::memset(planes_[c], 0, sizeof(float) * frames);
}

void ZoneDevice::writeSilence(std::uint32_t frames)
{
	while (frames > 0) {
		const snd_pcm_channel_area_t *areas;
		snd_pcm_uframes_t offset, count = frames;
		if (snd_pcm_mmap_begin(pcm_, &areas, &offset, &count) < 0 || count == 0)
			return;
		snd_pcm_areas_silence(areas, offset, channels_, count,
				      format_ == mix::Format::S16   ? SND_PCM_FORMAT_S16_LE
				      : format_ == mix::Format::S32 ? SND_PCM_FORMAT_S32_LE
								    : SND_PCM_FORMAT_FLOAT_LE);
		if (snd_pcm_mmap_commit(pcm_, offset, count) < 0)
			return;
		frames -= static_cast<std::uint32_t>(count);
	}
}

void ZoneDevice::startPcm(std::uint64_t time)
{
	if (snd_pcm_state(pcm_) != SND_PCM_STATE_PREPARED)
		snd_pcm_prepare(pcm_);
	std::uint32_t threshold = quantum(drivingZone());
	if (settings_.direction == Direction::Playback)
		writeSilence(threshold + headroom());
	snd_pcm_start(pcm_);
	spa_dll_init(&dll_);
	lastQuantum_ = 0;
	delay_.reset();
	cycleOpen_ = false;
	running_ = true;
	nextTime_ = settings_.direction == Direction::Playback
			    ? time
			    : time + static_cast<std::uint64_t>(threshold) * SPA_NSEC_PER_SEC /
					      settings_.rate;
	setTimer(nextTime_);
}

void ZoneDevice::stopPcm()
{
	setTimer(0);
	snd_pcm_drop(pcm_);
	running_ = false;
	cycleOpen_ = false;
	clearPlanes(kMaxFrames);
}

void ZoneDevice::recover(ZoneNode *driver, int err)
{
	xruns_++;
	if (err == -ESTRPIPE) {
		for (int tries = 0; tries < 5 && snd_pcm_resume(pcm_) == -EAGAIN; tries++) {
		}
	}
	snd_pcm_drop(pcm_);
	if (driver)
		driver->callXrun(0, 0);
	std::uint64_t time = now();
	XrunReport report{err, lastFill_,
			  lastWakeup_ && time > lastWakeup_ ? (time - lastWakeup_) / 1000 : 0,
			  cycleFrames_};
	spa_loop_invoke(support_.mainLoop, onXrunReported, static_cast<std::uint32_t>(xruns_),
			&report, sizeof(report), false, this);
	startPcm(now());
}

void ZoneDevice::onTimer(spa_source *source)
{
	static_cast<ZoneDevice *>(source->data)->wakeup();
}

void ZoneDevice::wakeup()
{
	std::uint64_t expirations;
	spa_system_timerfd_read(support_.dataSystem, timer_.fd, &expirations);
	if (!running_)
		return;

	ZoneNode *driver = drivingZone();
	const std::uint64_t time = now();
	const std::uint32_t rate = settings_.rate;
	const std::uint32_t threshold = quantum(driver);
	const bool playback = settings_.direction == Direction::Playback;
	const std::int64_t target = threshold + headroom();
	const double maxError = std::max(256.0, target / 2.0);

	snd_pcm_sframes_t avail = 0, delay = 0;
	int res = snd_pcm_avail_delay(pcm_, &avail, &delay);
	if (res < 0) {
		recover(driver, res);
		return;
	}

	std::int64_t fill = playback ? static_cast<std::int64_t>(bufferFrames_) - avail : avail;
	if (playback && fill > target + maxError) {
		/* Woke up too early: the ring is still fuller than planned. */
		nextTime_ =
			time + static_cast<std::uint64_t>(fill - target) * SPA_NSEC_PER_SEC / rate;
		setTimer(nextTime_);
		return;
	}
	if (!playback && fill < threshold) {
		nextTime_ = time +
			    static_cast<std::uint64_t>(threshold - fill) * SPA_NSEC_PER_SEC / rate;
		setTimer(nextTime_);
		return;
	}

	if (threshold != lastQuantum_) {
		spa_dll_set_bw(&dll_, SPA_DLL_BW_MAX, threshold, rate);
		lastQuantum_ = threshold;
	}
	double err =
		playback ? static_cast<double>(fill - target) : static_cast<double>(target - fill);
	err = std::clamp(err, -maxError, maxError);
	double corr = spa_dll_update(&dll_, err);

	/* Stay on the planned grid; resynchronise after a long stall. */
	if (time > nextTime_ + SPA_NSEC_PER_SEC || nextTime_ > time + SPA_NSEC_PER_SEC)
		nextTime_ = time;
	nextTime_ += static_cast<std::uint64_t>(threshold / corr * SPA_NSEC_PER_SEC / rate);

	/* snd_pcm_delay() counts the ring fill plus whatever sits behind it. */
	std::int64_t extra = static_cast<std::int64_t>(delay) - fill;
	if (delay_.add(extra)) {
		std::int64_t published = delay_.published();
		spa_loop_invoke(support_.mainLoop, onDelayChanged, 0, &published, sizeof(published),
				false, this);
	}

	if (driver && driver->clock()) {
		spa_io_clock *clock = driver->clock();
		clock->nsec = time;
		clock->rate = SPA_FRACTION(1, rate);
		clock->position += clock->duration;
		clock->duration = threshold;
		clock->delay = fill + std::max<std::int64_t>(extra, 0);
		clock->rate_diff = corr;
		clock->next_nsec = nextTime_;
	}

	if (playback) {
		/* The last cycle never reached its commit (the graph was not running
		 * yet, or finished late): write what it has so the ring stays at
		 * its target; late zones then land in the next cycle. */
		if (cycleOpen_)
			commit();
	} else {
		readPeriod(threshold);
	}
	cycleFrames_ = threshold;
	cycleOpen_ = true;
	lastWakeup_ = time;
	lastFill_ = fill;
	cycle_++;
	setTimer(nextTime_);

	if (driver) {
		if (!playback)
			driver->deliver();
		driver->callReady(playback ? SPA_STATUS_NEED_DATA : SPA_STATUS_HAVE_DATA);
	} else if (playback) {
		/* Nobody of ours drives the graph: keep the PCM fed. */
		commit();
	}
}

void ZoneDevice::accumulate(std::uint32_t channel, const float *samples, std::uint32_t frames)
{
	if (channel >= channels_ || !cycleOpen_)
		return;
	kernels_->accumulate(planes_[channel], samples, std::min(frames, cycleFrames_));
}

void ZoneDevice::commit()
{
	if (!cycleOpen_)
		return;
	cycleOpen_ = false;
	const std::uint32_t frames = cycleFrames_;
	std::uint32_t done = 0;
	while (running_ && done < frames) {
		const snd_pcm_channel_area_t *areas;
		snd_pcm_uframes_t offset, count = frames - done;
		int res = snd_pcm_mmap_begin(pcm_, &areas, &offset, &count);
		if (res < 0) {
			recover(drivingZone(), res);
			break;
		}
		if (count == 0)
			break;
		auto *dst = static_cast<std::uint8_t *>(areas[0].addr) +
			    (areas[0].first + offset * areas[0].step) / 8;
		std::array<const float *, kMaxDeviceChannels> from;
		for (std::uint32_t c = 0; c < channels_; c++)
			from[c] = planes_[c] + done;
		kernels_->interleave[mix::formatIndex(format_)](dst, from.data(), channels_,
								static_cast<std::uint32_t>(count));
		snd_pcm_sframes_t committed = snd_pcm_mmap_commit(pcm_, offset, count);
		if (committed < 0) {
			recover(drivingZone(), static_cast<int>(committed));
			break;
		}
		done += static_cast<std::uint32_t>(count);
	}
	clearPlanes(frames);
}

void ZoneDevice::readPeriod(std::uint32_t frames)
{
	std::uint32_t done = 0;
	while (done < frames) {
		const snd_pcm_channel_area_t *areas;
		snd_pcm_uframes_t offset, count = frames - done;
		int res = snd_pcm_mmap_begin(pcm_, &areas, &offset, &count);
		if (res < 0 || count == 0)
			break;
		const auto *src = static_cast<const std::uint8_t *>(areas[0].addr) +
				  (areas[0].first + offset * areas[0].step) / 8;
		std::array<float *, kMaxDeviceChannels> to;
		for (std::uint32_t c = 0; c < channels_; c++)
			to[c] = planes_[c] + done;
		kernels_->deinterleave[mix::formatIndex(format_)](
			to.data(), src, channels_, static_cast<std::uint32_t>(count));
		if (snd_pcm_mmap_commit(pcm_, offset, count) < 0)
			break;
		done += static_cast<std::uint32_t>(count);
	}
	if (done < frames)
		for (std::uint32_t c = 0; c < channels_; c++)
			std::memset(planes_[c] + done, 0, sizeof(float) * (frames - done));
}

/* \context main thread, invoked from the data thread. */

int ZoneDevice::onDelayChanged(spa_loop *, bool, std::uint32_t, const void *data, std::size_t,
			       void *userData)
{
	auto *self = static_cast<ZoneDevice *>(userData);
	if (!isAlive(self))
		return 0;
	self->publishedDelay_ = *static_cast<const std::int64_t *>(data);
	spa_log_info(self->support_.log, "cabin zone device %s: device delay %lld frames",
		     self->settings_.path.c_str(), static_cast<long long>(self->publishedDelay_));
	for (ZoneNode *zone : self->attached_)
		zone->updateLatency();
	return 0;
}

int ZoneDevice::onXrunReported(spa_loop *, bool, std::uint32_t count, const void *data, std::size_t,
			       void *userData)
{
	auto *self = static_cast<ZoneDevice *>(userData);
	if (!isAlive(self))
		return 0;
	const auto *report = static_cast<const XrunReport *>(data);
	spa_log_warn(self->support_.log,
		     "cabin zone device %s: xrun %u (%s) %llu us after the last cycle started "
		     "with %lld frames queued (quantum %u, headroom %u); restarted",
		     self->settings_.path.c_str(), count, snd_strerror(report->err),
		     static_cast<unsigned long long>(report->sinceWakeupUs),
		     static_cast<long long>(report->lastFill), report->quantum, self->headroom());
	return 0;
}

} // namespace cabin::zone
