/* SPDX-License-Identifier: MIT */
/*
 * AmpDevice: the simulated car amplifier behind the `cabin_amp` ALSA PCM
 * type. It behaves like a DMA sound card: its pointer advances with
 * CLOCK_MONOTONIC at the configured rate (optionally off by some ppm), it
 * underruns when the application falls behind, and its delay includes a
 * fixed FIFO after the ring buffer. Playback frames are recorded to WAV
 * files by channel group; capture frames come from WAV files placed on
 * chosen channels. A control socket takes `status` and `xrun` commands.
 *
 * Threads: everything but the control and writer threads runs on the
 * thread that calls into the PCM (PipeWire's data thread when the zone
 * node drives it), so those paths do not allocate or block.
 */
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "wav-file.hpp"

namespace cabin::sim {

/* A WAV file bound to device channels, in file-channel order. */
struct ChannelFile {
	std::string path;
	std::vector<unsigned> channels; /* empty: all device channels */
};

constexpr unsigned kMaxChannels = 64;

struct AmpConfig {
	unsigned channels = 8; /* at most kMaxChannels */
	unsigned rate = 48000;
	unsigned periodFrames = 256;
	unsigned bufferFrames = 16384; /* the largest buffer allowed */
	unsigned fifoFrames = 0;       /* delay after the ring buffer */
	double driftPpm = 0.0;
	std::string control;		 /* control socket path, optional */
	std::vector<ChannelFile> record; /* playback */
	std::vector<ChannelFile> play;	 /* capture */
	bool loop = true;		 /* capture files restart at their end */
};

struct AmpCounters {
	/* How many xrun positions are kept, the latest ones. */
	static constexpr std::size_t kXrunFramesKept = 64;

	std::atomic<std::uint64_t> starts{0};
	std::atomic<std::uint64_t> stops{0};
	std::atomic<std::uint64_t> xruns{0};
	std::atomic<std::uint64_t> frames{0}; /* played or captured, over all starts */
	std::atomic<std::uint64_t> recordDropped{0};
	std::atomic<bool> running{false};
	/* Where each xrun fell, in frames played: xruns % kXrunFramesKept is the next slot. */
	std::array<std::atomic<std::uint64_t>, kXrunFramesKept> xrunFrames{};
};

class AmpDevice
{
public:
	enum class Direction { Playback, Capture };

	AmpDevice(AmpConfig config, Direction direction);
	~AmpDevice();

	/* Loads capture files, starts the control and writer threads. */
	bool open(std::string *error);
	/* Sets the negotiated format; opens the recording files. */
	bool configure(SampleFormat format, unsigned channels, unsigned rate,
		       std::uint64_t bufferFrames, std::string *error);

	/* \context PCM thread */
	void prepare();
	void start();
	void stop();
	/*
	 * Advances the simulated hardware to now. \a ring is the PCM's ring
	 * buffer (interleaved), \a applFrames the frames the application has
	 * queued (playback) or not yet read (capture) since the last call.
	 * Returns the new hardware position modulo the buffer, or -EPIPE.
	 */
	std::int64_t pointer(std::uint8_t *ring, std::uint64_t applFrames);
	/* Frames between the application pointer and the speaker (or mic). */
	std::int64_t delay(std::uint64_t applFrames) const;

	const AmpConfig &config() const { return config_; }
	const AmpCounters &counters() const { return counters_; }
	std::string statusText() const;

private:
	struct Recording;
	struct Source;

	std::uint64_t clockFrames() const;
	void consumePlayback(const std::uint8_t *ring, std::uint64_t frames);
	void produceCapture(std::uint8_t *ring, std::uint64_t frames);
	/* \context PCM thread */
	void countXrun();
	void controlThread();
	void writerThread();
	void stopThreads();

	AmpConfig config_;
	Direction direction_;
	SampleFormat format_ = SampleFormat::S32;
	unsigned channels_ = 0;
	std::uint64_t bufferFrames_ = 0;
	std::size_t frameBytes_ = 0;

	/* Clock: frames since start, counted from startNs_. */
	std::int64_t startNs_ = 0;
	std::uint64_t hwFrames_ = 0; /* frames moved by the "DMA" since start */
	bool running_ = false;

	std::vector<std::unique_ptr<Recording>> recordings_;
	std::vector<std::unique_ptr<Source>> sources_;

	/* Playback frames waiting for the writer thread (single producer and consumer). */
	std::vector<std::uint8_t> pending_;
	std::atomic<std::uint64_t> pendingHead_{0}, pendingTail_{0};

	std::atomic<int> xrunRequests_{0};
	AmpCounters counters_;
	int controlFd_ = -1;
	int wakeFd_ = -1; /* wakes the writer */
	int quitFd_ = -1; /* stops the control thread */
	std::atomic<bool> quit_{false};
	std::thread control_, writer_;
};

/* Parses "1,2,5" style channel lists; false on anything else. */
bool parseChannelList(const std::string &text, std::vector<unsigned> *channels);

} // namespace cabin::sim
