/* SPDX-License-Identifier: MIT */
/*
 * DelayEstimator: the device delay beyond the ring buffer (a DAC's FIFO, a
 * DSP, a codec), measured every cycle as snd_pcm_delay() minus the buffer
 * fill and averaged over a window, so that the zone's Latency only changes
 * when the device really changed and not on every jittery reading.
 *
 * \context add() runs on the data thread: fixed storage, no allocation.
 */
#pragma once

#include <array>
#include <cstdint>
#include <cstdlib>

namespace cabin::zone {

class DelayEstimator
{
public:
	static constexpr std::size_t kWindow = 64;
	/* Readings before the first estimate is published. */
	static constexpr std::size_t kSettle = 16;
	/* A published estimate moves only when the mean moved this much. */
	static constexpr std::int64_t kHysteresis = 2;

	/*
	 * Adds one reading in frames. Returns true when the estimate to
	 * publish changed; read it with published().
	 */
	bool add(std::int64_t extraFrames)
	{
		if (extraFrames < 0)
			extraFrames = 0;
		sum_ += extraFrames - window_[next_];
		window_[next_] = extraFrames;
		next_ = (next_ + 1) % kWindow;
		if (count_ < kWindow)
			count_++;
		if (count_ < kSettle)
			return false;
		std::int64_t mean = (sum_ + static_cast<std::int64_t>(count_) / 2) /
				    static_cast<std::int64_t>(count_);
		if (havePublished_ && std::llabs(mean - published_) < kHysteresis)
			return false;
		published_ = mean;
		havePublished_ = true;
		return true;
	}

	/* Forgets all readings, e.g. after the device was restarted. */
	void reset()
	{
		window_.fill(0);
		sum_ = 0;
		next_ = 0;
		count_ = 0;
	}

	std::int64_t published() const { return published_; }

private:
	std::array<std::int64_t, kWindow> window_{};
	std::int64_t sum_ = 0;
	std::size_t next_ = 0;
	std::size_t count_ = 0;
	std::int64_t published_ = 0;
	bool havePublished_ = false;
};

} // namespace cabin::zone
