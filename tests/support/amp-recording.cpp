/* SPDX-License-Identifier: MIT */
#include "amp-recording.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "tone-generator.hpp"

namespace cabin::test {

std::optional<Recording> readAmpRecording(const std::string &path)
{
	Recording rec;
	auto samples = readWavIntegers(path, &rec.info);
	if (!samples)
		return std::nullopt;
	rec.samples = std::move(*samples);
	return rec;
}

std::int32_t toDeviceS32(float value)
{
	return static_cast<std::int32_t>(std::lrintf(std::clamp(value, -1.0f, 1.0f) * 8388607.0f)) *
	       256;
}

std::string compareWithTone(const Recording &rec, unsigned channel, double frequency,
			    double amplitude, std::size_t frames, int *resyncs,
			    std::vector<std::size_t> *gapFrames)
{
	/* Four quanta of 1024 frames: the restart's silence, the cycle in flight, the jump. */
	constexpr std::size_t kXrunRecovery = 4096;
	const std::string where = "channel " + std::to_string(channel);
	std::vector<std::int32_t> tone;
	ToneGenerator generator(frequency, amplitude, kRate);
	for (std::size_t i = 0; i < rec.frames() * 2 + kRate; i++)
		tone.push_back(toDeviceS32(generator.next()));

	/* Where in the tone does recording frame \a at continue, from \a from on? */
	auto findInTone = [&](std::size_t at, std::size_t from) -> std::optional<std::size_t> {
		for (std::size_t t = from; t + 4 < tone.size(); t++) {
			bool same = true;
			for (std::size_t k = 0; k < 4 && same; k++)
				same = at + k < rec.frames() &&
				       rec.at(at + k, channel) == tone[t + k];
			if (same)
				return t;
		}
		return std::nullopt;
	};

	std::size_t i = 0;
	while (i < rec.frames() && rec.at(i, channel) == 0)
		i++;
	if (i == rec.frames())
		return where + " is silent";
	/*
	 * The tone starts at phase 0 (its first sample is 0, so look from the
	 * second), but the links of a multichannel stream's ports can become
	 * active in different cycles: a channel may join a quantum or two into
	 * the tone. From there on every sample must be exact.
	 */
	auto t = findInTone(i, 1);
	if (!t || *t > 4096)
		return where + " frame " + std::to_string(i) + " does not carry the tone (sample " +
		       std::to_string(rec.at(i, channel)) + ", found at tone sample " +
		       (t ? std::to_string(*t) : std::string("none")) + ")";
	std::size_t matched = 0;
	*resyncs = 0;
	std::optional<std::size_t> gapEnd;
	for (; i < rec.frames() && matched < frames; i++) {
		if (rec.at(i, channel) == tone[*t]) {
			matched++;
			++*t;
			continue;
		}
		/*
		 * After an xrun's gap the zone node plays the cycle that was in
		 * flight, then the graph's next one: the tone may jump there,
		 * once, within a few quanta of the gap. That is the same xrun.
		 */
		if (rec.at(i, channel) != 0 && gapEnd && i - *gapEnd <= kXrunRecovery) {
			gapEnd.reset();
			if (auto resumed =
				    findInTone(i, *t > kXrunRecovery ? *t - kXrunRecovery : 0)) {
				t = resumed;
				i--;
				continue;
			}
		}
		if (rec.at(i, channel) != 0)
			return where + " frame " + std::to_string(i) + ": " +
			       std::to_string(rec.at(i, channel)) + ", expected " +
			       std::to_string(tone[*t]) + " (tone sample " + std::to_string(*t) +
			       ")";
		/* A gap: skip it and find where the tone goes on. */
		std::size_t next = i;
		while (next < rec.frames() && rec.at(next, channel) == 0)
			next++;
		if (next == rec.frames())
			break;
		auto resumed = findInTone(next, *t);
		if (!resumed)
			return where + " frame " + std::to_string(next) +
			       ": after a gap the samples are not the tone's";
		++*resyncs;
		if (gapFrames)
			gapFrames->push_back(i);
		t = resumed;
		i = next - 1;
		gapEnd = next;
	}
	if (matched < frames)
		return where + " has only " + std::to_string(matched) + " frames of the tone";
	return "";
}

std::vector<std::size_t> sineBreaks(const Recording &rec, unsigned channel, double frequency,
				    std::size_t from, std::size_t to)
{
	/* x[n] = 2 cos(w) x[n-1] - x[n-2]; S32 from a 24-bit float conversion leaves ~1e-7. */
	const double twoCos = 2 * std::cos(2 * M_PI * frequency / kRate);
	constexpr double kTolerance = 1e-3;
	constexpr std::size_t kSameBreak = kRate / 10;
	auto sample = [&](std::size_t frame) { return rec.at(frame, channel) / 2147483648.0; };
	std::vector<std::size_t> breaks;
	for (std::size_t n = std::max<std::size_t>(from, 2); n < std::min(to, rec.frames()); n++) {
		double residual = sample(n) - twoCos * sample(n - 1) + sample(n - 2);
		if (std::abs(residual) <= kTolerance)
			continue;
		if (breaks.empty() || n - breaks.back() > kSameBreak)
			breaks.push_back(n);
	}
	return breaks;
}

double peakLevel(const Recording &rec, unsigned channel, std::size_t from, std::size_t to)
{
	std::int64_t peak = 0;
	for (std::size_t i = from; i < std::min(to, rec.frames()); i++)
		peak = std::max<std::int64_t>(peak, std::llabs(rec.at(i, channel)));
	return static_cast<double>(peak) / 2147483648.0;
}

double toneLevel(const Recording &rec, unsigned channel, double frequency, std::size_t from,
		 std::size_t frames)
{
	const std::size_t to = std::min(from + frames, rec.frames());
	if (from >= to)
		return 0.0;
	const double w = 2 * M_PI * frequency / kRate;
	const double coefficient = 2 * std::cos(w);
	double s1 = 0, s2 = 0;
	for (std::size_t i = from; i < to; i++) {
		double s0 = rec.at(i, channel) / 2147483648.0 + coefficient * s1 - s2;
		s2 = s1;
		s1 = s0;
	}
	/* |X(w)| of the window; a sine of amplitude A gives A * N / 2. */
	double re = s1 - s2 * std::cos(w);
	double im = s2 * std::sin(w);
	return 2 * std::sqrt(re * re + im * im) / static_cast<double>(to - from);
}

std::optional<ToneSpan> findTone(const Recording &rec, unsigned channel, double frequency,
				 double minLevel, std::size_t from, std::size_t to)
{
	std::optional<ToneSpan> span;
	to = std::min(to, rec.frames());
	for (std::size_t at = from; at + kToneWindow <= to; at += kToneWindow / 4) {
		if (toneLevel(rec, channel, frequency, at) < minLevel)
			continue;
		if (!span)
			span = ToneSpan{at, at + kToneWindow};
		span->end = at + kToneWindow;
	}
	return span;
}

std::size_t firstDeparture(const Recording &rec, unsigned channel, double background,
			   std::size_t from, std::size_t to, double jump)
{
	const double twoCos = 2 * std::cos(2 * M_PI * background / kRate);
	auto sample = [&](std::size_t frame) { return rec.at(frame, channel) / 2147483648.0; };
	to = std::min(to, rec.frames());
	for (std::size_t n = std::max<std::size_t>(from, 2); n < to; n++) {
		bool gapEdge = rec.at(n, channel) == 0 ||
			       (rec.at(n - 1, channel) == 0 && rec.at(n - 2, channel) == 0);
		if (background > 0 && gapEdge)
			continue;
		if (std::abs(sample(n) - twoCos * sample(n - 1) + sample(n - 2)) > jump)
			return n;
	}
	return to;
}

bool hasGap(const Recording &rec, unsigned channel, std::size_t from, std::size_t to)
{
	constexpr std::size_t kGap = 16;
	std::size_t run = 0;
	for (std::size_t i = from; i < std::min(to, rec.frames()); i++) {
		run = rec.at(i, channel) == 0 ? run + 1 : 0;
		if (run >= kGap)
			return true;
	}
	return false;
}

} // namespace cabin::test
