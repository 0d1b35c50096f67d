/* SPDX-License-Identifier: MIT */
/*
 * The zone node's sample kernels: adding a zone's channel into the device's
 * float mix plane, and converting the planes to and from the device's
 * interleaved sample format. Each kernel has a scalar reference and SIMD
 * variants; the unit tests hold every variant to the scalar one.
 *
 * Conversions round to nearest, clamp to [-1, 1] and turn NaN into 0. S32 carries 24 bits
 * of precision (a float holds 24): the sample is scaled to 24 bits and
 * shifted up by 8, so every variant gives the same bits.
 *
 * \context all kernels run on the data thread: no allocation, no locks.
 */
#pragma once

#include <cstdint>
#include <vector>

namespace cabin::mix {

enum class Format { S16, S32, F32 };

enum class Variant { Scalar, Sse2, Avx2 };

const char *variantName(Variant variant);

struct Kernels {
	/* dst[i] += src[i] for \a frames samples. */
	void (*accumulate)(float *dst, const float *src, std::uint32_t frames);
	/* Interleaves \a channels planes into device frames of \a format. */
	void (*interleave[3])(void *dst, const float *const *planes, std::uint32_t channels,
			      std::uint32_t frames);
	/* Splits device frames of \a format into float planes. */
	void (*deinterleave[3])(float *const *planes, const void *src, std::uint32_t channels,
				std::uint32_t frames);
};

/* The kernels of \a variant; the caller must check it is supported. */
const Kernels &kernels(Variant variant);
/* Variants this CPU can run, scalar first. */
std::vector<Variant> supportedVariants();
/* The fastest supported variant. */
Variant bestVariant();

constexpr int formatIndex(Format format)
{
	return static_cast<int>(format);
}
std::uint32_t formatBytes(Format format);

} // namespace cabin::mix
