/* SPDX-License-Identifier: MIT */
/*
 * What the simulated amplifier recorded, and checks on it: whether a
 * channel carries a given tone sample for sample, how loud it is, and how
 * loud each of several tones mixed on one channel is, and where one begins.
 */
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "wav-file.hpp"

namespace cabin::test {

inline constexpr unsigned kRate = 48000;

struct Recording {
	WavInfo info;
	std::vector<std::int32_t> samples;
	std::size_t frames() const { return samples.size() / info.channels; }
	std::int32_t at(std::size_t frame, unsigned channel) const
	{
		return samples[frame * info.channels + channel];
	}
};

std::optional<Recording> readAmpRecording(const std::string &path);

/* What the zone node writes for a float sample on an S32 device. */
std::int32_t toDeviceS32(float value);

/*
 * Checks that \a channel carries the tone exactly: finds where the tone's
 * first non-zero sample landed, then walks the recording comparing every
 * sample with the regenerated tone until \a frames samples matched. An
 * xrun leaves a run of silence and loses some samples; after such a gap the
 * walk picks the tone up again further on and counts a resync in
 * \a resyncs (the caller checks the amplifier reported that many xruns).
 * Within four quanta after a gap the tone may jump once more, where the
 * restarted device goes on from the graph's position: that is part of the
 * same xrun. Any other sample that is neither the tone's next one nor a gap
 * is an error.
 * Returns "" when the channel carries the tone, else what is wrong.
 */
std::string compareWithTone(const Recording &rec, unsigned channel, double frequency,
			    double amplitude, std::size_t frames, int *resyncs,
			    std::vector<std::size_t> *gapFrames = nullptr);

/*
 * Where the sine of \a frequency on \a channel breaks in frames [from, to):
 * a gap, a jump of phase, a step. Each sample of a sine follows from the
 * two before it, so this needs no reference phase and holds whatever the
 * volume. Breaks closer than 100 ms are one (a gap's start and end).
 */
std::vector<std::size_t> sineBreaks(const Recording &rec, unsigned channel, double frequency,
				    std::size_t from, std::size_t to);

/* The largest absolute sample of \a channel in frames [from, to), as a fraction of full scale. */
double peakLevel(const Recording &rec, unsigned channel, std::size_t from, std::size_t to);

/*
 * Window of toneLevel(): 20 ms. Sines at multiples of 50 Hz fill it with a
 * whole number of cycles, so mixed on one channel each one's level is
 * measured exactly, undisturbed by the others.
 */
inline constexpr std::size_t kToneWindow = kRate / 50;

/*
 * The amplitude of the sine of \a frequency on \a channel over frames
 * [from, from + frames), as a fraction of full scale: one bin of a DFT
 * (Goertzel). Exact for a steady sine with a whole number of cycles in the
 * window; 0 for other such sines, so a tone is measured under music.
 */
double toneLevel(const Recording &rec, unsigned channel, double frequency, std::size_t from,
		 std::size_t frames = kToneWindow);

/* Frames [begin, end) of a channel where a tone is heard. */
struct ToneSpan {
	std::size_t begin;
	std::size_t end;
};

/*
 * Where the sine of \a frequency is heard at \a minLevel or more on
 * \a channel within frames [from, to): from the first window of
 * kToneWindow frames (stepped by a quarter window) at that level to the end
 * of the last. Coarse, to a window; see firstDeparture() for the sample.
 */
std::optional<ToneSpan> findTone(const Recording &rec, unsigned channel, double frequency,
				 double minLevel, std::size_t from, std::size_t to);

/*
 * The first frame in [from, to) where \a channel stops being the sine of
 * \a background (0 Hz: silence): where the sample departs by more than
 * \a jump from what the two before it predict (x[n] = 2 cos(w) x[n-1] -
 * x[n-2]), whatever the sine's phase and level. A new tone's first non-zero
 * sample departs by its own value; the 32-sample steps of a 50 ms gain ramp
 * of a 0.3 sine by less than 0.004. Over a sine, the edges of a gap (exact
 * zeros) are not departures. \a to when it never departs.
 */
std::size_t firstDeparture(const Recording &rec, unsigned channel, double background,
			   std::size_t from, std::size_t to, double jump = 0.01);

/*
 * Whether \a channel has a gap in frames [from, to): 16 or more samples in a
 * row that are exactly 0, what an xrun or a missed cycle leaves. A sine
 * louder than 0.001 never has two.
 */
bool hasGap(const Recording &rec, unsigned channel, std::size_t from, std::size_t to);

} // namespace cabin::test
