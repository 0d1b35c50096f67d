/* SPDX-License-Identifier: MIT */
/*
 * What the simulated amplifier recorded, and checks on it: whether a
 * channel carries a given tone sample for sample, and how loud it is.
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
 * Any sample that is neither the tone's next one nor a gap is an error.
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

} // namespace cabin::test
