/* SPDX-License-Identifier: MIT */
/*
 * ZoneDevice: one opened ALSA PCM shared by every zone node that names it
 * (api.alsa.path) in this process, like dmix/dsnoop did across processes.
 *
 * The device drives the graph from the PCM clock: a timerfd on the data
 * loop wakes it when the ring buffer has drained to one quantum plus
 * headroom, a DLL turns the fill error into the clock's rate, and the zone
 * that PipeWire made the driver of the group is told to start a cycle.
 * Playback zones add their channels into float mix planes during the cycle
 * and the driving zone's process() commits the planes once, converted to
 * the device format, so channels of zones that did not run stay silent.
 * Capture reads and splits one period per cycle for every zone source.
 * When the last zone pauses, the timer is disarmed and the PCM stopped.
 *
 * \context Construction, attach/detach, start/pause and the accessors of
 * settings run on the main thread. The timer, accumulate(), commit() and
 * the planes belong to the data thread; state both threads touch changes
 * only inside spa_loop_invoke() on the data loop.
 */
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <alsa/asoundlib.h>
#include <spa/support/log.h>
#include <spa/support/loop.h>
#include <spa/support/system.h>
#include <spa/utils/dll.h>

#include "delay-estimator.hpp"
#include "mix-kernels.hpp"

namespace cabin::zone {

class ZoneNode;

constexpr std::uint32_t kMaxFrames = 8192; /* PipeWire's default quantum limit */
constexpr std::uint32_t kMaxZones = 32;
constexpr std::uint32_t kMaxDeviceChannels = 64;

enum class Direction { Playback, Capture };

/* What the first zone on a PCM decides for all of them. */
struct DeviceSettings {
	std::string path;
	Direction direction = Direction::Playback;
	std::uint32_t rate = 48000;
	std::string format;		    /* "", "S16_LE", "S32_LE" or "F32_LE" */
	std::uint32_t channels = 0;	    /* 0: all channels of the PCM */
	std::uint32_t headroom = 0;	    /* frames kept queued beyond one quantum */
	std::uint32_t bufferFrames = 16384; /* requested ring buffer size */
};

/* The host's support interfaces a device needs. */
struct DeviceSupport {
	spa_log *log = nullptr;
	spa_loop *dataLoop = nullptr;
	spa_system *dataSystem = nullptr;
	spa_loop *mainLoop = nullptr;
};

class ZoneDevice
{
public:
	/* Finds or opens the device for \a settings; zones share it. */
	static std::shared_ptr<ZoneDevice>
	acquire(const DeviceSettings &settings, const DeviceSupport &support, std::string *error);
	~ZoneDevice();

	/* \context main thread */
	bool attach(ZoneNode *zone, std::string *error);
	void detach(ZoneNode *zone);
	int start(ZoneNode *zone);
	void pause(ZoneNode *zone);

	std::uint32_t channels() const { return channels_; }
	std::uint32_t rate() const { return settings_.rate; }
	/* Frames kept queued beyond one quantum; capture keeps at least 32 for
	 * jitter, as PipeWire's ALSA source does. */
	std::uint32_t headroom() const
	{
		return settings_.direction == Direction::Capture
			       ? std::max<std::uint32_t>(settings_.headroom, 32)
			       : settings_.headroom;
	}
	const DeviceSettings &settings() const { return settings_; }
	const char *formatName() const;
	/* Device delay beyond the ring buffer, in frames, as last published. */
	std::int64_t extraDelay() const { return publishedDelay_; }

	/* \context data thread */
	void accumulate(std::uint32_t channel, const float *samples, std::uint32_t frames);
	void commit();
	const float *plane(std::uint32_t channel) const { return planes_[channel]; }
	std::uint32_t cycleFrames() const { return cycleFrames_; }
	std::uint64_t cycle() const { return cycle_; }

private:
	ZoneDevice(const DeviceSettings &settings, const DeviceSupport &support);
	bool open(std::string *error);
	void close();

	/* \context data thread */
	static void onTimer(spa_source *source);
	void wakeup();
	ZoneNode *drivingZone() const;
	std::uint32_t quantum(const ZoneNode *driver) const;
	void setTimer(std::uint64_t timeNs);
	void writeSilence(std::uint32_t frames);
	void readPeriod(std::uint32_t frames);
	void clearPlanes(std::uint32_t frames);
	void recover(ZoneNode *driver, int err);
	void startPcm(std::uint64_t now);
	void stopPcm();
	std::uint64_t now() const;

	static int doStart(spa_loop *, bool, std::uint32_t, const void *, std::size_t, void *);
	static int doStop(spa_loop *, bool, std::uint32_t, const void *, std::size_t, void *);
	static int doSetZones(spa_loop *, bool, std::uint32_t, const void *, std::size_t, void *);
	static int doAddTimer(spa_loop *, bool, std::uint32_t, const void *, std::size_t, void *);
	static int doRemoveTimer(spa_loop *, bool, std::uint32_t, const void *, std::size_t,
				 void *);
	static int onDelayChanged(spa_loop *, bool, std::uint32_t, const void *, std::size_t,
				  void *);
	static int onXrunReported(spa_loop *, bool, std::uint32_t, const void *, std::size_t,
				  void *);

	DeviceSettings settings_;
	DeviceSupport support_;
	snd_pcm_t *pcm_ = nullptr;
	mix::Format format_ = mix::Format::S32;
	const mix::Kernels *kernels_ = nullptr;
	std::uint32_t channels_ = 0;
	snd_pcm_uframes_t bufferFrames_ = 0;

	/* Float mix planes, one per device channel, kMaxFrames each. */
	std::vector<float> planeStorage_;
	std::array<float *, kMaxDeviceChannels> planes_{};

	/* Attached zones (main thread) and the copy the data thread reads. */
	std::vector<ZoneNode *> attached_;
	std::array<ZoneNode *, kMaxZones> zones_{};
	std::uint32_t zoneCount_ = 0;

	/* Data-thread state. */
	spa_source timer_{};
	bool running_ = false;
	bool cycleOpen_ = false;
	std::uint32_t cycleFrames_ = 0;
	std::uint64_t cycle_ = 0;
	std::uint64_t nextTime_ = 0;
	std::uint32_t lastQuantum_ = 0;
	spa_dll dll_{};
	DelayEstimator delay_;
	std::uint64_t xruns_ = 0;
	/* For the xrun report: when the last cycle started and how full the ring was. */
	std::uint64_t lastWakeup_ = 0;
	std::int64_t lastFill_ = 0;

	std::int64_t publishedDelay_ = 0; /* main thread */
};

} // namespace cabin::zone
