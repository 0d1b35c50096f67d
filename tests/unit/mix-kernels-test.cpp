/* SPDX-License-Identifier: MIT */
/*
 * Tests the zone node's sample kernels (spa-plugins/mix-kernels): the scalar
 * reference against hand-computed conversions, and every SIMD variant this
 * CPU supports against the scalar reference, bit for bit, over odd frame and
 * channel counts, out-of-range, tiny and rounding-midpoint samples.
 */
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "mix-kernels.hpp"

namespace cabin::test {
namespace {

using mix::Format;
using mix::Variant;

constexpr std::array<std::uint32_t, 14> kFrameCounts = {0,  1,	3,  4,	5,  7,	  8,
							15, 16, 17, 31, 33, 1023, 1025};
constexpr std::array<std::uint32_t, 8> kChannelCounts = {1, 2, 3, 4, 5, 8, 13, 16};
constexpr std::array<Format, 3> kFormats = {Format::S16, Format::S32, Format::F32};

constexpr float kS16Scale = 32767.0f;
constexpr float kS24Scale = 8388607.0f;

/* Elements after each buffer that a kernel must leave alone. */
constexpr std::size_t kGuard = 8;
constexpr std::uint32_t kGuardBits = 0x7fc0dead; /* a quiet NaN no kernel produces */
constexpr std::uint8_t kGuardByte = 0xa5;

const char *formatName(Format format)
{
	switch (format) {
	case Format::S16:
		return "S16";
	case Format::S32:
		return "S32";
	case Format::F32:
		return "F32";
	}
	return "?";
}

std::uint32_t bitsOf(float value)
{
	std::uint32_t bits;
	std::memcpy(&bits, &value, sizeof(bits));
	return bits;
}

float fromBits(std::uint32_t bits)
{
	float value;
	std::memcpy(&value, &bits, sizeof(value));
	return value;
}

/* The conversions as the header documents them, written out independently. */
std::int16_t expectS16(float x)
{
	return static_cast<std::int16_t>(std::lrintf(std::clamp(x, -1.0f, 1.0f) * 32767.0f));
}

std::int32_t expectS32(float x)
{
	return static_cast<std::int32_t>(std::lrintf(std::clamp(x, -1.0f, 1.0f) * 8388607.0f)) *
	       256;
}

float expectF32(float x)
{
	return std::clamp(x, -1.0f, 1.0f);
}

/*
 * A sample x with x * scale == k + 0.5 exactly in float arithmetic, so the
 * conversion has to break a tie; NaN when no float nearby does.
 */
float midpoint(float scale, std::int32_t k)
{
	const float target = static_cast<float>(k) + 0.5f;
	float x = target / scale;
	float up = x, down = x;
	for (int step = 0; step < 16; step++) {
		if (up * scale == target)
			return up;
		if (down * scale == target)
			return down;
		up = std::nextafter(up, 2.0f);
		down = std::nextafter(down, -2.0f);
	}
	return std::numeric_limits<float>::quiet_NaN();
}

std::vector<float> midpointPool(float scale, std::mt19937 &rng)
{
	const auto limit = static_cast<std::int32_t>(scale);
	std::uniform_int_distribution<std::int32_t> pick(-limit, limit - 1);
	std::vector<float> pool;
	/* Small ties first (0.5, 1.5, -0.5, ...), then ties anywhere in range. */
	for (std::int32_t k = -4; k < 4; k++)
		if (float x = midpoint(scale, k); !std::isnan(x))
			pool.push_back(x);
	for (int tries = 0; tries < 4096 && pool.size() < 256; tries++)
		if (float x = midpoint(scale, pick(rng)); !std::isnan(x))
			pool.push_back(x);
	return pool;
}

/* Random samples mixing the cases that matter for the conversions. */
class SampleSource
{
public:
	explicit SampleSource(std::uint32_t seed) : rng_(seed)
	{
		s16Ties_ = midpointPool(kS16Scale, rng_);
		s24Ties_ = midpointPool(kS24Scale, rng_);
	}

	float next()
	{
		std::uniform_int_distribution<int> kind(0, 9);
		switch (kind(rng_)) {
		case 0:
		case 1:
		case 2:
			return uniform(-1.0f, 1.0f);
		case 3:
			return uniform(-8.0f, 8.0f); /* clamped */
		case 4:
			return pick(kSpecial);
		case 5: {
			/* Tiny, down to denormals. */
			std::uniform_int_distribution<int> exponent(-149, -12);
			float magnitude = std::ldexp(uniform(1.0f, 2.0f), exponent(rng_));
			return coin() ? magnitude : -magnitude;
		}
		case 6:
			return pick(s16Ties_);
		case 7:
			return pick(s24Ties_);
		case 8: {
			/* Within a few ulps of ±1, on both sides. */
			std::uniform_int_distribution<int> ulps(-4, 4);
			float x = 1.0f;
			int n = ulps(rng_);
			for (int i = 0; i < std::abs(n); i++)
				x = std::nextafter(x, n < 0 ? 0.0f : 2.0f);
			return coin() ? x : -x;
		}
		default:
			return uniform(-1.0f, 1.0f) * 1e-3f;
		}
	}

	std::uint32_t bits() { return rng_(); }
	std::mt19937 &rng() { return rng_; }
	const std::vector<float> &s16Ties() const { return s16Ties_; }
	const std::vector<float> &s24Ties() const { return s24Ties_; }

private:
	static constexpr std::array<float, 12> kSpecial = {
		1.0f,
		-1.0f,
		0.0f,
		-0.0f,
		0.5f,
		-0.5f,
		2.0f,
		-2.0f,
		1e30f,
		-1e30f,
		std::numeric_limits<float>::infinity(),
		-std::numeric_limits<float>::infinity(),
	};

	float uniform(float lo, float hi)
	{
		return std::uniform_real_distribution<float>(lo, hi)(rng_);
	}
	bool coin() { return rng_() & 1; }
	template<typename Container>
	float pick(const Container &values)
	{
		std::uniform_int_distribution<std::size_t> index(0, values.size() - 1);
		return values[index(rng_)];
	}

	std::mt19937 rng_;
	std::vector<float> s16Ties_;
	std::vector<float> s24Ties_;
};

/* Float planes, each followed by guard elements. */
class Planes
{
public:
	Planes(std::uint32_t channels, std::uint32_t frames)
	    : frames_(frames), storage_(channels, std::vector<float>(frames + kGuard))
	{
		for (auto &plane : storage_) {
			std::fill(plane.begin(), plane.end(), fromBits(kGuardBits));
			pointers_.push_back(plane.data());
		}
	}

	float *const *pointers() { return pointers_.data(); }
	const float *const *constPointers() const { return pointers_.data(); }
	float &at(std::uint32_t channel, std::uint32_t frame) { return storage_[channel][frame]; }
	float at(std::uint32_t channel, std::uint32_t frame) const
	{
		return storage_[channel][frame];
	}

	void fill(SampleSource &source)
	{
		for (auto &plane : storage_)
			for (std::uint32_t i = 0; i < frames_; i++)
				plane[i] = source.next();
	}

	::testing::AssertionResult guardsIntact() const
	{
		for (std::size_t c = 0; c < storage_.size(); c++)
			for (std::size_t g = 0; g < kGuard; g++)
				if (bitsOf(storage_[c][frames_ + g]) != kGuardBits)
					return ::testing::AssertionFailure()
					       << "plane " << c << " written past frame " << frames_
					       << " (guard " << g << ")";
		return ::testing::AssertionSuccess();
	}

private:
	std::uint32_t frames_;
	std::vector<std::vector<float>> storage_;
	std::vector<float *> pointers_;
};

::testing::AssertionResult samePlanes(const Planes &expected, const Planes &actual,
				      std::uint32_t channels, std::uint32_t frames)
{
	for (std::uint32_t c = 0; c < channels; c++)
		for (std::uint32_t i = 0; i < frames + kGuard; i++)
			if (bitsOf(expected.at(c, i)) != bitsOf(actual.at(c, i)))
				return ::testing::AssertionFailure()
				       << "channel " << c << " frame " << i << ": expected "
				       << expected.at(c, i) << " (0x" << std::hex
				       << bitsOf(expected.at(c, i)) << "), got " << std::dec
				       << actual.at(c, i) << " (0x" << std::hex
				       << bitsOf(actual.at(c, i)) << ")";
	return ::testing::AssertionSuccess();
}

/* Interleaved device frames, followed by guard bytes. */
std::vector<std::uint8_t> deviceBuffer(Format format, std::uint32_t channels, std::uint32_t frames)
{
	return std::vector<std::uint8_t>(
		std::size_t(frames) * channels * mix::formatBytes(format) + kGuard * 4, kGuardByte);
}

::testing::AssertionResult sameDeviceFrames(Format format,
					    const std::vector<std::uint8_t> &expected,
					    const std::vector<std::uint8_t> &actual)
{
	const std::size_t bytes = mix::formatBytes(format);
	const std::size_t payload = expected.size() - kGuard * 4;
	for (std::size_t offset = 0; offset < payload; offset += bytes) {
		if (std::memcmp(expected.data() + offset, actual.data() + offset, bytes) == 0)
			continue;
		auto failure = ::testing::AssertionFailure() << "sample " << offset / bytes << ": ";
		if (format == Format::S16) {
			std::int16_t e, a;
			std::memcpy(&e, expected.data() + offset, 2);
			std::memcpy(&a, actual.data() + offset, 2);
			return failure << "expected " << e << ", got " << a;
		}
		std::int32_t e, a;
		std::memcpy(&e, expected.data() + offset, 4);
		std::memcpy(&a, actual.data() + offset, 4);
		if (format == Format::F32)
			return failure << "expected " << fromBits(e) << ", got " << fromBits(a);
		return failure << "expected " << e << ", got " << a;
	}
	for (std::size_t i = payload; i < actual.size(); i++)
		if (actual[i] != kGuardByte)
			return ::testing::AssertionFailure()
			       << "written past the end, guard byte " << i - payload;
	return ::testing::AssertionSuccess();
}

template<typename T>
T sampleAt(const std::vector<std::uint8_t> &buffer, std::size_t index)
{
	T value;
	std::memcpy(&value, buffer.data() + index * sizeof(T), sizeof(T));
	return value;
}

template<typename T>
void setSample(std::vector<std::uint8_t> &buffer, std::size_t index, T value)
{
	std::memcpy(buffer.data() + index * sizeof(T), &value, sizeof(T));
}

std::string where(Format format, std::uint32_t channels, std::uint32_t frames)
{
	return std::string(formatName(format)) + ", " + std::to_string(channels) + " channels, " +
	       std::to_string(frames) + " frames";
}

/* Fills \a buffer with random device samples, extremes included. */
void fillDeviceFrames(Format format, std::vector<std::uint8_t> &buffer, std::size_t samples,
		      SampleSource &source)
{
	for (std::size_t s = 0; s < samples; s++) {
		std::uint32_t bits = source.bits();
		switch (format) {
		case Format::S16: {
			static constexpr std::array<std::int16_t, 4> kEdges = {-32768, 32767, 0,
									       -1};
			auto value = static_cast<std::int16_t>(bits);
			if (bits % 8 == 0)
				value = kEdges[(bits >> 3) % kEdges.size()];
			setSample(buffer, s, value);
			break;
		}
		case Format::S32: {
			static constexpr std::array<std::int32_t, 6> kEdges = {
				std::numeric_limits<std::int32_t>::min(),
				std::numeric_limits<std::int32_t>::max(),
				0,
				-1,
				255,
				-256,
			};
			auto value = static_cast<std::int32_t>(bits);
			if (bits % 8 == 0)
				value = kEdges[(bits >> 3) % kEdges.size()];
			setSample(buffer, s, value);
			break;
		}
		case Format::F32:
			setSample(buffer, s, source.next());
			break;
		}
	}
}

/* The scalar reference against hand-computed values. */

TEST(MixKernelsReference, ConvertsKnownSamples)
{
	struct Case {
		float in;
		std::int16_t s16;
		std::int32_t s32;
		float f32;
	};
	/* 0.5 * 32767 = 16383.5 and 0.5 * 8388607 = 4194303.5: ties to even. */
	const std::array<Case, 11> cases = {{
		{1.0f, 32767, 8388607 * 256, 1.0f},
		{-1.0f, -32767, -8388607 * 256, -1.0f},
		{0.0f, 0, 0, 0.0f},
		{0.5f, 16384, 4194304 * 256, 0.5f},
		{-0.5f, -16384, -4194304 * 256, -0.5f},
		{0.25f, 8192, 2097152 * 256, 0.25f},
		{-0.25f, -8192, -2097152 * 256, -0.25f},
		{1.5f, 32767, 8388607 * 256, 1.0f},
		{-7.0f, -32767, -8388607 * 256, -1.0f},
		{std::numeric_limits<float>::infinity(), 32767, 8388607 * 256, 1.0f},
		{1e-30f, 0, 0, 1e-30f},
	}};
	const auto &k = mix::kernels(Variant::Scalar);
	for (const auto &test : cases) {
		SCOPED_TRACE(test.in);
		const float *plane = &test.in;
		std::int16_t s16 = 0;
		std::int32_t s32 = 0;
		float f32 = 0.0f;
		k.interleave[mix::formatIndex(Format::S16)](&s16, &plane, 1, 1);
		k.interleave[mix::formatIndex(Format::S32)](&s32, &plane, 1, 1);
		k.interleave[mix::formatIndex(Format::F32)](&f32, &plane, 1, 1);
		EXPECT_EQ(s16, test.s16);
		EXPECT_EQ(s32, test.s32);
		EXPECT_EQ(bitsOf(f32), bitsOf(test.f32));
	}
}

TEST(MixKernelsReference, BreaksTiesToEven)
{
	/* Samples whose scaled value is exactly k + 0.5 round to the even neighbour. */
	const auto &k = mix::kernels(Variant::Scalar);
	for (std::int32_t tie : {-3, -2, -1, 0, 1, 2, 3, 1000, 1001}) {
		SCOPED_TRACE(tie);
		const std::int32_t even = (tie % 2 == 0) ? tie : tie + 1;
		float s16In = midpoint(kS16Scale, tie);
		ASSERT_FALSE(std::isnan(s16In));
		const float *plane = &s16In;
		std::int16_t s16 = 0;
		k.interleave[mix::formatIndex(Format::S16)](&s16, &plane, 1, 1);
		EXPECT_EQ(s16, even);

		float s32In = midpoint(kS24Scale, tie);
		ASSERT_FALSE(std::isnan(s32In));
		plane = &s32In;
		std::int32_t s32 = 0;
		k.interleave[mix::formatIndex(Format::S32)](&s32, &plane, 1, 1);
		EXPECT_EQ(s32, even * 256);
	}
}

TEST(MixKernelsReference, DeinterleavesKnownSamples)
{
	const auto &k = mix::kernels(Variant::Scalar);
	const std::array<std::int32_t, 8> s32In = {
		std::numeric_limits<std::int32_t>::min(),
		std::numeric_limits<std::int32_t>::max(),
		0x000001ff, /* the low 8 bits are dropped */
		-1,	    /* >> 8 stays -1 */
		-256,
		0x40000000,
		8388607 * 256,
		0,
	};
	const std::array<float, 8> s32Out = {
		-1.0f,
		8388607.0f / 8388608.0f,
		1.0f / 8388608.0f,
		-1.0f / 8388608.0f,
		-1.0f / 8388608.0f,
		0.5f,
		8388607.0f / 8388608.0f,
		0.0f,
	};
	std::array<float, 8> planeData{};
	float *plane = planeData.data();
	k.deinterleave[mix::formatIndex(Format::S32)](&plane, s32In.data(), 1, 8);
	for (std::size_t i = 0; i < s32In.size(); i++)
		EXPECT_EQ(planeData[i], s32Out[i]) << "S32 sample " << s32In[i];

	const std::array<std::int16_t, 6> s16In = {-32768, 32767, 16384, 1, -1, 0};
	const std::array<float, 6> s16Out = {-1.0f,	      32767.0f / 32768.0f, 0.5f,
					     1.0f / 32768.0f, -1.0f / 32768.0f,	   0.0f};
	k.deinterleave[mix::formatIndex(Format::S16)](&plane, s16In.data(), 1, 6);
	for (std::size_t i = 0; i < s16In.size(); i++)
		EXPECT_EQ(planeData[i], s16Out[i]) << "S16 sample " << s16In[i];

	/* F32 is copied as is, out-of-range values included. */
	const std::array<float, 4> f32In = {2.5f, -1.0f, 1e-40f, -0.0f};
	k.deinterleave[mix::formatIndex(Format::F32)](&plane, f32In.data(), 1, 4);
	for (std::size_t i = 0; i < f32In.size(); i++)
		EXPECT_EQ(bitsOf(planeData[i]), bitsOf(f32In[i])) << "F32 sample " << f32In[i];
}

TEST(MixKernelsReference, LayoutIsFrameMajor)
{
	/* Plane c, frame i carries c * 64 + i, distinct and exact in every format. */
	constexpr std::uint32_t channels = 3, frames = 5;
	const auto &k = mix::kernels(Variant::Scalar);
	Planes planes(channels, frames);
	for (std::uint32_t c = 0; c < channels; c++)
		for (std::uint32_t i = 0; i < frames; i++)
			planes.at(c, i) = static_cast<float>(c * 64 + i) / 32768.0f;

	std::array<std::int16_t, channels * frames> s16{};
	k.interleave[mix::formatIndex(Format::S16)](s16.data(), planes.constPointers(), channels,
						    frames);
	std::array<float, channels * frames> f32{};
	k.interleave[mix::formatIndex(Format::F32)](f32.data(), planes.constPointers(), channels,
						    frames);
	for (std::uint32_t i = 0; i < frames; i++) {
		for (std::uint32_t c = 0; c < channels; c++) {
			EXPECT_EQ(f32[i * channels + c], planes.at(c, i));
			EXPECT_EQ(
				s16[i * channels + c],
				std::lrintf(static_cast<float>(c * 64 + i) * 32767.0f / 32768.0f));
		}
	}

	/* And back: deinterleaving the F32 frames restores the planes. */
	Planes back(channels, frames);
	k.deinterleave[mix::formatIndex(Format::F32)](back.pointers(), f32.data(), channels,
						      frames);
	EXPECT_TRUE(samePlanes(planes, back, channels, frames));
}

TEST(MixKernelsReference, AccumulateAdds)
{
	const std::array<float, 5> src = {0.25f, -0.5f, 1.0f, 3.0f, -0.125f};
	std::array<float, 6> dst = {1.0f, 1.0f, 0.5f, -3.0f, 0.0f, 42.0f};
	mix::kernels(Variant::Scalar).accumulate(dst.data(), src.data(), 5);
	EXPECT_EQ(dst, (std::array<float, 6>{1.25f, 0.5f, 1.5f, 0.0f, -0.125f, 42.0f}));
}

TEST(MixKernelsVariants, ScalarFirstAndBestLast)
{
	auto variants = mix::supportedVariants();
	ASSERT_FALSE(variants.empty());
	EXPECT_EQ(variants.front(), Variant::Scalar);
	EXPECT_EQ(mix::bestVariant(), variants.back());
#if defined(__x86_64__)
	/* SSE2 is part of x86-64, so the SIMD comparisons always run there. */
	EXPECT_NE(std::find(variants.begin(), variants.end(), Variant::Sse2), variants.end());
#endif
	EXPECT_STREQ(mix::variantName(Variant::Scalar), "scalar");
	EXPECT_STREQ(mix::variantName(Variant::Sse2), "sse2");
	EXPECT_STREQ(mix::variantName(Variant::Avx2), "avx2");
	EXPECT_EQ(mix::formatBytes(Format::S16), 2u);
	EXPECT_EQ(mix::formatBytes(Format::S32), 4u);
	EXPECT_EQ(mix::formatBytes(Format::F32), 4u);
}

TEST(MixKernelsVariants, SimdTablesAreNotTheScalarOnes)
{
	/* Otherwise the comparisons below would hold the reference to itself. */
	const auto &scalar = mix::kernels(Variant::Scalar);
	for (Variant variant : {Variant::Sse2, Variant::Avx2}) {
		SCOPED_TRACE(mix::variantName(variant));
		const auto &simd = mix::kernels(variant);
		EXPECT_NE(simd.accumulate, scalar.accumulate);
		EXPECT_NE(simd.interleave[mix::formatIndex(Format::S16)],
			  scalar.interleave[mix::formatIndex(Format::S16)]);
		EXPECT_NE(simd.interleave[mix::formatIndex(Format::S32)],
			  scalar.interleave[mix::formatIndex(Format::S32)]);
		EXPECT_NE(simd.interleave[mix::formatIndex(Format::F32)],
			  scalar.interleave[mix::formatIndex(Format::F32)]);
		EXPECT_NE(simd.deinterleave[mix::formatIndex(Format::S32)],
			  scalar.deinterleave[mix::formatIndex(Format::S32)]);
	}
}

TEST(MixKernelsVariants, SampleSourceHasTies)
{
	/* The random inputs below rely on rounding ties being available. */
	SampleSource source(1);
	EXPECT_GE(source.s16Ties().size(), 100u);
	EXPECT_GE(source.s24Ties().size(), 100u);
	for (float x : source.s16Ties()) {
		float scaled = x * kS16Scale;
		ASSERT_EQ(scaled - std::floor(scaled), 0.5f) << x;
	}
	for (float x : source.s24Ties()) {
		float scaled = x * kS24Scale;
		ASSERT_EQ(scaled - std::floor(scaled), 0.5f) << x;
	}
}

/* Each supported variant, the scalar one included. */

class MixKernelsTest : public ::testing::TestWithParam<Variant>
{
protected:
	static const mix::Kernels &reference() { return mix::kernels(Variant::Scalar); }
	const mix::Kernels &subject() const { return mix::kernels(GetParam()); }
};

TEST_P(MixKernelsTest, AccumulateMatchesScalar)
{
	SampleSource source(0x5eed0001);
	for (std::uint32_t frames : kFrameCounts) {
		/* Offset by one float too, so vector loads are unaligned. */
		for (std::uint32_t offset : {0u, 1u}) {
			SCOPED_TRACE(std::to_string(frames) + " frames, offset " +
				     std::to_string(offset));
			std::vector<float> src(offset + frames), dst(offset + frames + kGuard);
			for (std::uint32_t i = 0; i < frames; i++) {
				src[offset + i] = source.next() * 4.0f;
				dst[offset + i] = source.next() * 4.0f;
			}
			std::fill(dst.begin() + offset + frames, dst.end(), fromBits(kGuardBits));
			std::vector<float> expected = dst;
			reference().accumulate(expected.data() + offset, src.data() + offset,
					       frames);
			subject().accumulate(dst.data() + offset, src.data() + offset, frames);
			for (std::size_t i = 0; i < dst.size(); i++)
				ASSERT_EQ(bitsOf(dst[i]), bitsOf(expected[i]))
					<< "sample " << i << ": expected " << expected[i]
					<< ", got " << dst[i];
		}
	}
}

TEST_P(MixKernelsTest, AccumulateAddsSource)
{
	SampleSource source(0x5eed0002);
	constexpr std::uint32_t frames = 37;
	std::vector<float> src(frames), dst(frames);
	for (std::uint32_t i = 0; i < frames; i++) {
		src[i] = source.next();
		dst[i] = source.next();
	}
	const std::vector<float> before = dst;
	subject().accumulate(dst.data(), src.data(), frames);
	for (std::uint32_t i = 0; i < frames; i++)
		EXPECT_EQ(bitsOf(dst[i]), bitsOf(before[i] + src[i])) << "sample " << i;
}

TEST_P(MixKernelsTest, InterleaveMatchesScalar)
{
	SampleSource source(0x5eed0003);
	for (Format format : kFormats) {
		for (std::uint32_t channels : kChannelCounts) {
			for (std::uint32_t frames : kFrameCounts) {
				SCOPED_TRACE(where(format, channels, frames));
				Planes planes(channels, frames);
				planes.fill(source);
				auto expected = deviceBuffer(format, channels, frames);
				auto actual = expected;
				const int f = mix::formatIndex(format);
				reference().interleave[f](expected.data(), planes.constPointers(),
							  channels, frames);
				subject().interleave[f](actual.data(), planes.constPointers(),
							channels, frames);
				ASSERT_TRUE(sameDeviceFrames(format, expected, actual));
			}
		}
	}
}

TEST_P(MixKernelsTest, InterleaveFollowsFormula)
{
	/* Every variant, the reference included, against the documented conversion. */
	SampleSource source(0x5eed0004);
	for (Format format : kFormats) {
		for (std::uint32_t channels : {1u, 4u, 5u, 13u}) {
			for (std::uint32_t frames : {7u, 17u, 33u}) {
				SCOPED_TRACE(where(format, channels, frames));
				Planes planes(channels, frames);
				planes.fill(source);
				auto out = deviceBuffer(format, channels, frames);
				subject().interleave[mix::formatIndex(format)](
					out.data(), planes.constPointers(), channels, frames);
				for (std::uint32_t i = 0; i < frames; i++) {
					for (std::uint32_t c = 0; c < channels; c++) {
						const float x = planes.at(c, i);
						const std::size_t s = i * channels + c;
						switch (format) {
						case Format::S16:
							ASSERT_EQ(sampleAt<std::int16_t>(out, s),
								  expectS16(x))
								<< "frame " << i << " channel " << c
								<< " in " << x;
							break;
						case Format::S32:
							ASSERT_EQ(sampleAt<std::int32_t>(out, s),
								  expectS32(x))
								<< "frame " << i << " channel " << c
								<< " in " << x;
							break;
						case Format::F32:
							ASSERT_EQ(bitsOf(sampleAt<float>(out, s)),
								  bitsOf(expectF32(x)))
								<< "frame " << i << " channel " << c
								<< " in " << x;
							break;
						}
					}
				}
			}
		}
	}
}

TEST_P(MixKernelsTest, DeinterleaveMatchesScalar)
{
	SampleSource source(0x5eed0005);
	for (Format format : kFormats) {
		for (std::uint32_t channels : kChannelCounts) {
			for (std::uint32_t frames : kFrameCounts) {
				SCOPED_TRACE(where(format, channels, frames));
				auto in = deviceBuffer(format, channels, frames);
				fillDeviceFrames(format, in, std::size_t(frames) * channels,
						 source);
				Planes expected(channels, frames), actual(channels, frames);
				const int f = mix::formatIndex(format);
				reference().deinterleave[f](expected.pointers(), in.data(),
							    channels, frames);
				subject().deinterleave[f](actual.pointers(), in.data(), channels,
							  frames);
				ASSERT_TRUE(actual.guardsIntact());
				ASSERT_TRUE(samePlanes(expected, actual, channels, frames));
			}
		}
	}
}

TEST_P(MixKernelsTest, DeinterleaveFollowsFormula)
{
	SampleSource source(0x5eed0006);
	for (Format format : kFormats) {
		for (std::uint32_t channels : {1u, 4u, 5u, 13u}) {
			for (std::uint32_t frames : {7u, 17u, 33u}) {
				SCOPED_TRACE(where(format, channels, frames));
				auto in = deviceBuffer(format, channels, frames);
				fillDeviceFrames(format, in, std::size_t(frames) * channels,
						 source);
				Planes planes(channels, frames);
				subject().deinterleave[mix::formatIndex(format)](
					planes.pointers(), in.data(), channels, frames);
				for (std::uint32_t i = 0; i < frames; i++) {
					for (std::uint32_t c = 0; c < channels; c++) {
						const std::size_t s = i * channels + c;
						float expected = 0.0f;
						switch (format) {
						case Format::S16:
							expected = sampleAt<std::int16_t>(in, s) /
								   32768.0f;
							break;
						case Format::S32:
							expected = static_cast<float>(
									   sampleAt<std::int32_t>(
										   in, s) >>
									   8) /
								   8388608.0f;
							break;
						case Format::F32:
							expected = sampleAt<float>(in, s);
							break;
						}
						ASSERT_EQ(bitsOf(planes.at(c, i)), bitsOf(expected))
							<< "frame " << i << " channel " << c
							<< ": expected " << expected << ", got "
							<< planes.at(c, i);
					}
				}
			}
		}
	}
}

TEST_P(MixKernelsTest, RoundTripKeepsInRangeSamples)
{
	/* Interleave then deinterleave gives the sample back to the format's precision. */
	SampleSource source(0x5eed0007);
	constexpr std::uint32_t channels = 5, frames = 33;
	for (Format format : kFormats) {
		SCOPED_TRACE(formatName(format));
		Planes planes(channels, frames), back(channels, frames);
		for (std::uint32_t c = 0; c < channels; c++)
			for (std::uint32_t i = 0; i < frames; i++)
				planes.at(c, i) = std::clamp(source.next(), -1.0f, 1.0f);
		auto device = deviceBuffer(format, channels, frames);
		const int f = mix::formatIndex(format);
		subject().interleave[f](device.data(), planes.constPointers(), channels, frames);
		subject().deinterleave[f](back.pointers(), device.data(), channels, frames);
		/* Half a step for rounding plus the 32767 vs 32768 scale difference. */
		const float step = format == Format::S16   ? 2.0f / 32767.0f
				   : format == Format::S32 ? 2.0f / 8388607.0f
							   : 0.0f;
		for (std::uint32_t c = 0; c < channels; c++)
			for (std::uint32_t i = 0; i < frames; i++)
				ASSERT_NEAR(back.at(c, i), planes.at(c, i), step)
					<< "frame " << i << " channel " << c;
	}
}

TEST_P(MixKernelsTest, NanBecomesSilence)
{
	/* A client's NaN must not reach the amplifier as a full-scale pulse. */
	constexpr std::uint32_t channels = 8, frames = 17;
	const float nan = std::numeric_limits<float>::quiet_NaN();
	for (Format format : kFormats) {
		SCOPED_TRACE(formatName(format));
		Planes planes(channels, frames);
		for (std::uint32_t c = 0; c < channels; c++)
			for (std::uint32_t i = 0; i < frames; i++)
				planes.at(c, i) = (i + c) % 3 == 0 ? nan : 0.5f;
		auto device = deviceBuffer(format, channels, frames);
		const int f = mix::formatIndex(format);
		subject().interleave[f](device.data(), planes.constPointers(), channels, frames);
		Planes back(channels, frames);
		reference().deinterleave[f](back.pointers(), device.data(), channels, frames);
		for (std::uint32_t c = 0; c < channels; c++)
			for (std::uint32_t i = 0; i < frames; i++)
				ASSERT_NEAR(back.at(c, i), (i + c) % 3 == 0 ? 0.0f : 0.5f, 1e-4f)
					<< "frame " << i << " channel " << c;
	}
}

INSTANTIATE_TEST_SUITE_P(Variants, MixKernelsTest, ::testing::ValuesIn(mix::supportedVariants()),
			 [](const ::testing::TestParamInfo<Variant> &param) {
				 return std::string(mix::variantName(param.param));
			 });

} // namespace
} // namespace cabin::test
