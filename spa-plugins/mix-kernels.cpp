/* SPDX-License-Identifier: MIT */
#include "mix-kernels.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <immintrin.h>

namespace cabin::mix {

namespace {

constexpr float kS16Scale = 32767.0f;
constexpr float kS24Scale = 8388607.0f;

/* Scalar reference. */

void accumulateScalar(float *dst, const float *src, std::uint32_t frames)
{
	for (std::uint32_t i = 0; i < frames; i++)
		dst[i] += src[i];
}

/* A NaN from a broken client becomes silence, not a full-scale pulse. */
inline float finiteOrZero(float value)
{
	return value == value ? value : 0.0f;
}

inline std::int16_t toS16(float value)
{
	value = finiteOrZero(value);
	return static_cast<std::int16_t>(std::lrintf(std::clamp(value, -1.0f, 1.0f) * kS16Scale));
}

inline std::int32_t toS32(float value)
{
	value = finiteOrZero(value);
	/* Multiply instead of << so negative values stay well defined. */
	return static_cast<std::int32_t>(std::lrintf(std::clamp(value, -1.0f, 1.0f) * kS24Scale)) *
	       256;
}

void interleaveS16Scalar(void *dst, const float *const *planes, std::uint32_t channels,
			 std::uint32_t frames)
{
	auto *out = static_cast<std::int16_t *>(dst);
	for (std::uint32_t i = 0; i < frames; i++)
		for (std::uint32_t c = 0; c < channels; c++)
			*out++ = toS16(planes[c][i]);
}

void interleaveS32Scalar(void *dst, const float *const *planes, std::uint32_t channels,
			 std::uint32_t frames)
{
	auto *out = static_cast<std::int32_t *>(dst);
	for (std::uint32_t i = 0; i < frames; i++)
		for (std::uint32_t c = 0; c < channels; c++)
			*out++ = toS32(planes[c][i]);
}

void interleaveF32Scalar(void *dst, const float *const *planes, std::uint32_t channels,
			 std::uint32_t frames)
{
	auto *out = static_cast<float *>(dst);
	for (std::uint32_t i = 0; i < frames; i++)
		for (std::uint32_t c = 0; c < channels; c++)
			*out++ = std::clamp(finiteOrZero(planes[c][i]), -1.0f, 1.0f);
}

void deinterleaveS16Scalar(float *const *planes, const void *src, std::uint32_t channels,
			   std::uint32_t frames)
{
	const auto *in = static_cast<const std::int16_t *>(src);
	for (std::uint32_t i = 0; i < frames; i++)
		for (std::uint32_t c = 0; c < channels; c++)
			planes[c][i] = static_cast<float>(*in++) * (1.0f / 32768.0f);
}

void deinterleaveS32Scalar(float *const *planes, const void *src, std::uint32_t channels,
			   std::uint32_t frames)
{
	const auto *in = static_cast<const std::int32_t *>(src);
	for (std::uint32_t i = 0; i < frames; i++)
		for (std::uint32_t c = 0; c < channels; c++)
			planes[c][i] = static_cast<float>(*in++ >> 8) * (1.0f / 8388608.0f);
}

void deinterleaveF32Scalar(float *const *planes, const void *src, std::uint32_t channels,
			   std::uint32_t frames)
{
	const auto *in = static_cast<const float *>(src);
	for (std::uint32_t i = 0; i < frames; i++)
		for (std::uint32_t c = 0; c < channels; c++)
			planes[c][i] = *in++;
}

/*
 * SSE2: four frames at a time. Groups of four channels are converted as
 * vectors and transposed into frame order; leftover channels and frames
 * take the scalar path.
 */

__attribute__((target("sse2"))) void accumulateSse2(float *dst, const float *src,
						    std::uint32_t frames)
{
	std::uint32_t i = 0;
	for (; i + 8 <= frames; i += 8) {
		__m128 a = _mm_add_ps(_mm_loadu_ps(dst + i), _mm_loadu_ps(src + i));
		__m128 b = _mm_add_ps(_mm_loadu_ps(dst + i + 4), _mm_loadu_ps(src + i + 4));
		_mm_storeu_ps(dst + i, a);
		_mm_storeu_ps(dst + i + 4, b);
	}
	for (; i < frames; i++)
		dst[i] += src[i];
}

/* NaN lanes to 0, the rest clamped to [-1, 1]. */
__attribute__((target("sse2"))) inline __m128 clampx4(__m128 value)
{
	value = _mm_and_ps(value, _mm_cmpord_ps(value, value));
	return _mm_min_ps(_mm_max_ps(value, _mm_set1_ps(-1.0f)), _mm_set1_ps(1.0f));
}

__attribute__((target("sse2"))) inline __m128i toS32x4(__m128 value)
{
	__m128 clamped = clampx4(value);
	/* cvtps2dq rounds to nearest even, like lrintf in the default mode. */
	__m128i s24 = _mm_cvtps_epi32(_mm_mul_ps(clamped, _mm_set1_ps(kS24Scale)));
	return _mm_slli_epi32(s24, 8);
}

template<typename Convert>
__attribute__((target("sse2"))) inline void
interleave4(std::int32_t *out, const float *const *planes, std::uint32_t channels,
	    std::uint32_t frames, Convert convert, std::int32_t (*scalar)(float))
{
	std::uint32_t i = 0;
	for (; i + 4 <= frames; i += 4) {
		std::uint32_t c = 0;
		for (; c + 4 <= channels; c += 4) {
			__m128 r0 = _mm_loadu_ps(planes[c] + i);
			__m128 r1 = _mm_loadu_ps(planes[c + 1] + i);
			__m128 r2 = _mm_loadu_ps(planes[c + 2] + i);
			__m128 r3 = _mm_loadu_ps(planes[c + 3] + i);
			_MM_TRANSPOSE4_PS(r0, r1, r2, r3);
			std::int32_t *frame = out + i * channels + c;
			_mm_storeu_si128(reinterpret_cast<__m128i *>(frame), convert(r0));
			_mm_storeu_si128(reinterpret_cast<__m128i *>(frame + channels),
					 convert(r1));
			_mm_storeu_si128(reinterpret_cast<__m128i *>(frame + 2 * channels),
					 convert(r2));
			_mm_storeu_si128(reinterpret_cast<__m128i *>(frame + 3 * channels),
					 convert(r3));
		}
		for (; c < channels; c++)
			for (std::uint32_t k = 0; k < 4; k++)
				out[(i + k) * channels + c] = scalar(planes[c][i + k]);
	}
	for (; i < frames; i++)
		for (std::uint32_t c = 0; c < channels; c++)
			out[i * channels + c] = scalar(planes[c][i]);
}

std::int32_t toS32Scalar(float value)
{
	return toS32(value);
}

std::int32_t toF32BitsScalar(float value)
{
	float clamped = std::clamp(finiteOrZero(value), -1.0f, 1.0f);
	std::int32_t bits;
	std::memcpy(&bits, &clamped, 4);
	return bits;
}

__attribute__((target("sse2"))) void interleaveS32Sse2(void *dst, const float *const *planes,
						       std::uint32_t channels, std::uint32_t frames)
{
	interleave4(static_cast<std::int32_t *>(dst), planes, channels, frames, toS32x4,
		    toS32Scalar);
}

__attribute__((target("sse2"))) void interleaveF32Sse2(void *dst, const float *const *planes,
						       std::uint32_t channels, std::uint32_t frames)
{
	auto clampBits = [](__m128 value) __attribute__((target("sse2")))
	{
		return _mm_castps_si128(clampx4(value));
	};
	interleave4(static_cast<std::int32_t *>(dst), planes, channels, frames, clampBits,
		    toF32BitsScalar);
}

__attribute__((target("sse2"))) void interleaveS16Sse2(void *dst, const float *const *planes,
						       std::uint32_t channels, std::uint32_t frames)
{
	auto *out = static_cast<std::int16_t *>(dst);
	const __m128 scale = _mm_set1_ps(kS16Scale);
	std::uint32_t i = 0;
	/* Eight frames per channel, packed with saturation, then scattered. */
	for (; i + 8 <= frames; i += 8) {
		for (std::uint32_t c = 0; c < channels; c++) {
			__m128 a = clampx4(_mm_loadu_ps(planes[c] + i));
			__m128 b = clampx4(_mm_loadu_ps(planes[c] + i + 4));
			__m128i packed = _mm_packs_epi32(_mm_cvtps_epi32(_mm_mul_ps(a, scale)),
							 _mm_cvtps_epi32(_mm_mul_ps(b, scale)));
			alignas(16) std::int16_t lanes[8];
			_mm_store_si128(reinterpret_cast<__m128i *>(lanes), packed);
			for (std::uint32_t k = 0; k < 8; k++)
				out[(i + k) * channels + c] = lanes[k];
		}
	}
	for (; i < frames; i++)
		for (std::uint32_t c = 0; c < channels; c++)
			out[i * channels + c] = toS16(planes[c][i]);
}

__attribute__((target("sse2"))) void deinterleaveS32Sse2(float *const *planes, const void *src,
							 std::uint32_t channels,
							 std::uint32_t frames)
{
	const auto *in = static_cast<const std::int32_t *>(src);
	const __m128 scale = _mm_set1_ps(1.0f / 8388608.0f);
	std::uint32_t i = 0;
	for (; i + 4 <= frames; i += 4) {
		std::uint32_t c = 0;
		for (; c + 4 <= channels; c += 4) {
			const std::int32_t *frame = in + i * channels + c;
			__m128 r[4];
			for (int k = 0; k < 4; k++) {
				__m128i v = _mm_loadu_si128(
					reinterpret_cast<const __m128i *>(frame + k * channels));
				r[k] = _mm_mul_ps(_mm_cvtepi32_ps(_mm_srai_epi32(v, 8)), scale);
			}
			_MM_TRANSPOSE4_PS(r[0], r[1], r[2], r[3]);
			for (int k = 0; k < 4; k++)
				_mm_storeu_ps(planes[c + k] + i, r[k]);
		}
		for (; c < channels; c++)
			for (std::uint32_t k = 0; k < 4; k++)
				planes[c][i + k] =
					static_cast<float>(in[(i + k) * channels + c] >> 8) *
					(1.0f / 8388608.0f);
	}
	for (; i < frames; i++)
		for (std::uint32_t c = 0; c < channels; c++)
			planes[c][i] =
				static_cast<float>(in[i * channels + c] >> 8) * (1.0f / 8388608.0f);
}

/* AVX2: the accumulation only; conversions are memory-bound and use SSE2. */

__attribute__((target("avx2"))) void accumulateAvx2(float *dst, const float *src,
						    std::uint32_t frames)
{
	std::uint32_t i = 0;
	for (; i + 16 <= frames; i += 16) {
		__m256 a = _mm256_add_ps(_mm256_loadu_ps(dst + i), _mm256_loadu_ps(src + i));
		__m256 b =
			_mm256_add_ps(_mm256_loadu_ps(dst + i + 8), _mm256_loadu_ps(src + i + 8));
		_mm256_storeu_ps(dst + i, a);
		_mm256_storeu_ps(dst + i + 8, b);
	}
	for (; i < frames; i++)
		dst[i] += src[i];
}

const Kernels kScalar = {
	accumulateScalar,
	{interleaveS16Scalar, interleaveS32Scalar, interleaveF32Scalar},
	{deinterleaveS16Scalar, deinterleaveS32Scalar, deinterleaveF32Scalar},
};

const Kernels kSse2 = {
	accumulateSse2,
	{interleaveS16Sse2, interleaveS32Sse2, interleaveF32Sse2},
	{deinterleaveS16Scalar, deinterleaveS32Sse2, deinterleaveF32Scalar},
};

const Kernels kAvx2 = {
	accumulateAvx2,
	{interleaveS16Sse2, interleaveS32Sse2, interleaveF32Sse2},
	{deinterleaveS16Scalar, deinterleaveS32Sse2, deinterleaveF32Scalar},
};

} // namespace

const char *variantName(Variant variant)
{
	switch (variant) {
	case Variant::Scalar:
		return "scalar";
	case Variant::Sse2:
		return "sse2";
	case Variant::Avx2:
		return "avx2";
	}
	return "?";
}

const Kernels &kernels(Variant variant)
{
	switch (variant) {
	case Variant::Sse2:
		return kSse2;
	case Variant::Avx2:
		return kAvx2;
	case Variant::Scalar:
		break;
	}
	return kScalar;
}

std::vector<Variant> supportedVariants()
{
	std::vector<Variant> variants = {Variant::Scalar};
	__builtin_cpu_init();
	if (__builtin_cpu_supports("sse2"))
		variants.push_back(Variant::Sse2);
	if (__builtin_cpu_supports("avx2"))
		variants.push_back(Variant::Avx2);
	return variants;
}

Variant bestVariant()
{
	return supportedVariants().back();
}

std::uint32_t formatBytes(Format format)
{
	return format == Format::S16 ? 2 : 4;
}

} // namespace cabin::mix
