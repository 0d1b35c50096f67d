/* SPDX-License-Identifier: MIT */
#include "wav-file.hpp"

#include <cstring>
#include <fstream>
#include <iterator>

namespace cabin {

namespace {

constexpr std::uint16_t kFormatPcm = 1;
constexpr std::uint16_t kFormatFloat = 3;
constexpr std::uint16_t kFormatExtensible = 0xfffe;
constexpr std::size_t kHeaderBytes = 44;

void putLe(std::uint8_t *out, std::uint32_t value, int bytes)
{
	for (int i = 0; i < bytes; i++)
		out[i] = static_cast<std::uint8_t>(value >> (8 * i));
}

std::uint32_t getLe(const std::uint8_t *in, int bytes)
{
	std::uint32_t value = 0;
	for (int i = 0; i < bytes; i++)
		value |= static_cast<std::uint32_t>(in[i]) << (8 * i);
	return value;
}

void setError(std::string *error, const std::string &text)
{
	if (error)
		*error = text;
}

struct RawWav {
	WavInfo info;
	std::vector<std::uint8_t> data;
};

std::optional<RawWav> readRaw(const std::string &path, std::string *error)
{
	std::ifstream in(path, std::ios::binary);
	if (!in) {
		setError(error, path + ": cannot open");
		return std::nullopt;
	}
	std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)),
					std::istreambuf_iterator<char>());
	if (bytes.size() < 12 || std::memcmp(bytes.data(), "RIFF", 4) ||
	    std::memcmp(bytes.data() + 8, "WAVE", 4)) {
		setError(error, path + ": not a RIFF/WAVE file");
		return std::nullopt;
	}
	RawWav wav;
	bool haveFormat = false;
	std::size_t pos = 12;
	while (pos + 8 <= bytes.size()) {
		const std::uint8_t *chunk = bytes.data() + pos;
		std::size_t size = getLe(chunk + 4, 4);
		std::size_t body = pos + 8;
		if (!std::memcmp(chunk, "fmt ", 4) && body + 16 <= bytes.size()) {
			std::uint16_t tag = getLe(bytes.data() + body, 2);
			unsigned bits = getLe(bytes.data() + body + 14, 2);
			if (tag == kFormatExtensible && body + 26 <= bytes.size())
				tag = getLe(bytes.data() + body + 24, 2);
			wav.info.channels = getLe(bytes.data() + body + 2, 2);
			wav.info.rate = getLe(bytes.data() + body + 4, 4);
			if (tag == kFormatPcm && bits == 16)
				wav.info.format = SampleFormat::S16;
			else if (tag == kFormatPcm && bits == 32)
				wav.info.format = SampleFormat::S32;
			else if (tag == kFormatFloat && bits == 32)
				wav.info.format = SampleFormat::F32;
			else {
				setError(error, path + ": unsupported sample format (tag " +
							std::to_string(tag) + ", " +
							std::to_string(bits) + " bits)");
				return std::nullopt;
			}
			haveFormat = true;
		} else if (!std::memcmp(chunk, "data", 4)) {
			/* A file still being recorded: trust the file, not the header. */
			std::size_t end = bytes.size();
			if (size != 0 && body + size <= bytes.size())
				end = body + size;
			wav.data.assign(bytes.begin() + body, bytes.begin() + end);
			break;
		}
		pos = body + size + (size & 1);
	}
	if (!haveFormat || wav.info.channels == 0) {
		setError(error, path + ": no usable fmt chunk");
		return std::nullopt;
	}
	std::size_t frameBytes = sampleBytes(wav.info.format) * wav.info.channels;
	wav.data.resize(wav.data.size() / frameBytes * frameBytes);
	return wav;
}

} // namespace

std::size_t sampleBytes(SampleFormat format)
{
	return format == SampleFormat::S16 ? 2 : 4;
}

const char *sampleFormatName(SampleFormat format)
{
	switch (format) {
	case SampleFormat::S16:
		return "S16_LE";
	case SampleFormat::S32:
		return "S32_LE";
	case SampleFormat::F32:
		return "FLOAT_LE";
	}
	return "?";
}

std::optional<WavData> readWav(const std::string &path, std::string *error)
{
	auto raw = readRaw(path, error);
	if (!raw)
		return std::nullopt;
	WavData wav;
	wav.info = raw->info;
	std::size_t bytes = sampleBytes(raw->info.format);
	std::size_t count = raw->data.size() / bytes;
	wav.samples.resize(count);
	const std::uint8_t *in = raw->data.data();
	for (std::size_t i = 0; i < count; i++, in += bytes) {
		switch (raw->info.format) {
		case SampleFormat::S16:
			wav.samples[i] = static_cast<std::int16_t>(getLe(in, 2)) / 32768.0f;
			break;
		case SampleFormat::S32:
			wav.samples[i] = static_cast<float>(
				static_cast<std::int32_t>(getLe(in, 4)) / 2147483648.0);
			break;
		case SampleFormat::F32: {
			std::uint32_t bits = getLe(in, 4);
			std::memcpy(&wav.samples[i], &bits, 4);
			break;
		}
		}
	}
	return wav;
}

std::optional<std::vector<std::int32_t>> readWavIntegers(const std::string &path, WavInfo *info,
							 std::string *error)
{
	auto raw = readRaw(path, error);
	if (!raw)
		return std::nullopt;
	if (raw->info.format == SampleFormat::F32) {
		setError(error, path + ": float samples, not integers");
		return std::nullopt;
	}
	if (info)
		*info = raw->info;
	std::size_t bytes = sampleBytes(raw->info.format);
	std::vector<std::int32_t> samples(raw->data.size() / bytes);
	for (std::size_t i = 0; i < samples.size(); i++) {
		const std::uint8_t *in = raw->data.data() + i * bytes;
		samples[i] = bytes == 2 ? static_cast<std::int16_t>(getLe(in, 2))
					: static_cast<std::int32_t>(getLe(in, 4));
	}
	return samples;
}

WavWriter::~WavWriter()
{
	close();
}

bool WavWriter::open(const std::string &path, const WavInfo &info, std::string *error)
{
	close();
	file_ = std::fopen(path.c_str(), "w+b");
	if (!file_) {
		setError(error, path + ": cannot create: " + std::strerror(errno));
		return false;
	}
	info_ = info;
	dataBytes_ = 0;
	std::uint8_t header[kHeaderBytes] = {};
	std::fwrite(header, 1, sizeof(header), file_);
	flush();
	return true;
}

bool WavWriter::write(const void *frames, std::size_t count)
{
	if (!file_)
		return false;
	std::size_t bytes = count * sampleBytes(info_.format) * info_.channels;
	if (std::fwrite(frames, 1, bytes, file_) != bytes)
		return false;
	dataBytes_ += bytes;
	return true;
}

void WavWriter::flush()
{
	if (!file_)
		return;
	std::uint8_t header[kHeaderBytes];
	unsigned bytes = static_cast<unsigned>(sampleBytes(info_.format));
	/* Sizes saturate at 4 GiB; readers then trust the file length. */
	auto data =
		static_cast<std::uint32_t>(std::min<std::uint64_t>(dataBytes_, 0xffffffffu - 36));
	std::memcpy(header, "RIFF", 4);
	putLe(header + 4, data + 36, 4);
	std::memcpy(header + 8, "WAVEfmt ", 8);
	putLe(header + 16, 16, 4);
	putLe(header + 20, info_.format == SampleFormat::F32 ? kFormatFloat : kFormatPcm, 2);
	putLe(header + 22, info_.channels, 2);
	putLe(header + 24, info_.rate, 4);
	putLe(header + 28, info_.rate * info_.channels * bytes, 4);
	putLe(header + 32, info_.channels * bytes, 2);
	putLe(header + 34, bytes * 8, 2);
	std::memcpy(header + 36, "data", 4);
	putLe(header + 40, data, 4);
	long end = std::ftell(file_);
	std::fseek(file_, 0, SEEK_SET);
	std::fwrite(header, 1, sizeof(header), file_);
	std::fseek(file_, end, SEEK_SET);
	std::fflush(file_);
}

void WavWriter::close()
{
	if (!file_)
		return;
	flush();
	std::fclose(file_);
	file_ = nullptr;
}

} // namespace cabin
