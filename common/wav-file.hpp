/* SPDX-License-Identifier: MIT */
/*
 * Minimal RIFF/WAVE reading and writing for the simulated amplifier, the
 * demo and the tests: 16- and 32-bit integer PCM and 32-bit float, any
 * number of interleaved channels. Writers keep the header's sizes current
 * on every flush, so a file being recorded can be read at any time.
 */
#pragma once

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

namespace cabin {

enum class SampleFormat {
	S16,
	S32,
	F32,
};

std::size_t sampleBytes(SampleFormat format);
const char *sampleFormatName(SampleFormat format);

struct WavInfo {
	SampleFormat format = SampleFormat::S16;
	unsigned channels = 0;
	unsigned rate = 0;
};

/* A whole file, decoded to float in [-1, 1], interleaved. */
struct WavData {
	WavInfo info;
	std::vector<float> samples;
	std::size_t frames() const { return info.channels ? samples.size() / info.channels : 0; }
	float at(std::size_t frame, unsigned channel) const
	{
		return samples[frame * info.channels + channel];
	}
};

/* Reads \a path; on failure returns nullopt and sets \a error. Tolerates a
 * file still being written (sizes in the header are ignored). */
std::optional<WavData> readWav(const std::string &path, std::string *error = nullptr);

/* The raw integer samples of a file written in S32 or S16, interleaved. */
std::optional<std::vector<std::int32_t>> readWavIntegers(const std::string &path, WavInfo *info,
							 std::string *error = nullptr);

class WavWriter
{
public:
	WavWriter() = default;
	~WavWriter();
	WavWriter(const WavWriter &) = delete;
	WavWriter &operator=(const WavWriter &) = delete;

	bool open(const std::string &path, const WavInfo &info, std::string *error = nullptr);
	/* Appends interleaved frames already in the file's sample format. */
	bool write(const void *frames, std::size_t count);
	/* Writes buffered data and updates the header's sizes. */
	void flush();
	void close();
	bool isOpen() const { return file_ != nullptr; }
	const WavInfo &info() const { return info_; }

private:
	std::FILE *file_ = nullptr;
	WavInfo info_;
	std::uint64_t dataBytes_ = 0;
};

} // namespace cabin
