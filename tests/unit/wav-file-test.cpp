/* SPDX-License-Identifier: MIT */
/*
 * Tests the RIFF/WAVE reader and writer (common/wav-file): round trips in
 * every sample format, reading a file that is still being written, the
 * header, and rejecting files that are not WAV.
 */
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include <gtest/gtest.h>

#include "wav-file.hpp"

namespace cabin::test {
namespace {

class TempDir
{
public:
	TempDir()
	{
		char templ[] = "/tmp/cabin-wav-test-XXXXXX";
		if (const char *dir = mkdtemp(templ))
			path_ = dir;
	}
	~TempDir()
	{
		if (!path_.empty()) {
			std::error_code ignored;
			std::filesystem::remove_all(path_, ignored);
		}
	}
	TempDir(const TempDir &) = delete;
	TempDir &operator=(const TempDir &) = delete;

	bool ok() const { return !path_.empty(); }
	std::string file(const std::string &name) const { return path_ + "/" + name; }

private:
	std::string path_;
};

std::vector<std::uint8_t> fileBytes(const std::string &path)
{
	std::ifstream in(path, std::ios::binary);
	return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void writeFile(const std::string &path, const std::string &contents)
{
	std::ofstream out(path, std::ios::binary);
	out << contents;
}

std::uint32_t le(const std::vector<std::uint8_t> &bytes, std::size_t offset, int size)
{
	std::uint32_t value = 0;
	for (int i = 0; i < size; i++)
		value |= static_cast<std::uint32_t>(bytes.at(offset + i)) << (8 * i);
	return value;
}

/* Interleaved test frames in one format, with the values readWav should give. */
struct Frames {
	std::vector<std::uint8_t> bytes;
	std::vector<float> decoded;
	std::vector<std::int32_t> integers;
};

Frames makeFrames(SampleFormat format, unsigned channels, std::size_t frames, std::uint32_t seed)
{
	std::mt19937 rng(seed);
	Frames out;
	const std::size_t count = frames * channels;
	out.bytes.resize(count * sampleBytes(format));
	for (std::size_t i = 0; i < count; i++) {
		std::uint32_t bits = rng();
		switch (format) {
		case SampleFormat::S16: {
			auto value = static_cast<std::int16_t>(bits);
			if (i == 0)
				value = std::numeric_limits<std::int16_t>::min();
			else if (i == 1)
				value = std::numeric_limits<std::int16_t>::max();
			std::memcpy(out.bytes.data() + 2 * i, &value, 2);
			out.decoded.push_back(value / 32768.0f);
			out.integers.push_back(value);
			break;
		}
		case SampleFormat::S32: {
			auto value = static_cast<std::int32_t>(bits);
			if (i == 0)
				value = std::numeric_limits<std::int32_t>::min();
			else if (i == 1)
				value = std::numeric_limits<std::int32_t>::max();
			std::memcpy(out.bytes.data() + 4 * i, &value, 4);
			out.decoded.push_back(static_cast<float>(value / 2147483648.0));
			out.integers.push_back(value);
			break;
		}
		case SampleFormat::F32: {
			/* Float files are stored as is, out-of-range values included. */
			float value = std::uniform_real_distribution<float>(-1.5f, 1.5f)(rng);
			if (i == 0)
				value = -1.0f;
			else if (i == 1)
				value = 1.0f;
			std::memcpy(out.bytes.data() + 4 * i, &value, 4);
			out.decoded.push_back(value);
			break;
		}
		}
	}
	return out;
}

::testing::AssertionResult sameSamples(const std::vector<float> &expected,
				       const std::vector<float> &actual)
{
	if (expected.size() != actual.size())
		return ::testing::AssertionFailure()
		       << expected.size() << " samples expected, " << actual.size() << " read";
	for (std::size_t i = 0; i < expected.size(); i++)
		if (std::memcmp(&expected[i], &actual[i], sizeof(float)) != 0)
			return ::testing::AssertionFailure()
			       << "sample " << i << ": expected " << expected[i] << ", got "
			       << actual[i];
	return ::testing::AssertionSuccess();
}

class WavFileTest : public ::testing::Test
{
protected:
	void SetUp() override { ASSERT_TRUE(dir_.ok()) << "mkdtemp: " << std::strerror(errno); }

	TempDir dir_;
};

using RoundTripParam = std::tuple<SampleFormat, unsigned>;

class WavRoundTripTest : public WavFileTest, public ::testing::WithParamInterface<RoundTripParam>
{
};

TEST_P(WavRoundTripTest, ReadsBackWhatWasWritten)
{
	const auto [format, channels] = GetParam();
	const WavInfo info{format, channels, 44100};
	constexpr std::size_t frames = 301;
	const Frames data = makeFrames(format, channels, frames, 7 + channels);
	const std::string path = dir_.file("round-trip.wav");

	WavWriter writer;
	std::string error;
	ASSERT_TRUE(writer.open(path, info, &error)) << error;
	EXPECT_TRUE(writer.isOpen());
	EXPECT_EQ(writer.info().channels, channels);
	/* In uneven pieces. */
	const std::size_t frameBytes = sampleBytes(format) * channels;
	std::size_t done = 0;
	for (std::size_t piece : {1u, 100u, 37u, 163u}) {
		ASSERT_TRUE(writer.write(data.bytes.data() + done * frameBytes, piece));
		done += piece;
	}
	ASSERT_EQ(done, frames);
	writer.close();
	EXPECT_FALSE(writer.isOpen());

	auto wav = readWav(path, &error);
	ASSERT_TRUE(wav) << error;
	EXPECT_EQ(wav->info.format, format);
	EXPECT_EQ(wav->info.channels, channels);
	EXPECT_EQ(wav->info.rate, 44100u);
	EXPECT_EQ(wav->frames(), frames);
	EXPECT_TRUE(sameSamples(data.decoded, wav->samples));
	EXPECT_EQ(wav->at(frames - 1, channels - 1), data.decoded.back());

	WavInfo intInfo;
	auto integers = readWavIntegers(path, &intInfo, &error);
	if (format == SampleFormat::F32) {
		EXPECT_FALSE(integers);
		EXPECT_NE(error.find("float"), std::string::npos) << error;
	} else {
		ASSERT_TRUE(integers) << error;
		EXPECT_EQ(*integers, data.integers);
		EXPECT_EQ(intInfo.format, format);
		EXPECT_EQ(intInfo.channels, channels);
		EXPECT_EQ(intInfo.rate, 44100u);
	}
}

INSTANTIATE_TEST_SUITE_P(Formats, WavRoundTripTest,
			 ::testing::Combine(::testing::Values(SampleFormat::S16, SampleFormat::S32,
							      SampleFormat::F32),
					    ::testing::Values(1u, 2u, 3u, 8u)),
			 [](const ::testing::TestParamInfo<RoundTripParam> &param) {
				 std::string name = sampleFormatName(std::get<0>(param.param));
				 name = name.substr(0, name.find('_'));
				 return name + "_" + std::to_string(std::get<1>(param.param)) +
					"ch";
			 });

TEST_F(WavFileTest, HeaderDescribesTheData)
{
	const std::string path = dir_.file("header.wav");
	const Frames data = makeFrames(SampleFormat::S32, 6, 10, 1);
	{
		WavWriter writer;
		ASSERT_TRUE(writer.open(path, {SampleFormat::S32, 6, 96000}));
		ASSERT_TRUE(writer.write(data.bytes.data(), 10));
	}
	/* The destructor closed the file and wrote the final sizes. */
	auto bytes = fileBytes(path);
	ASSERT_EQ(bytes.size(), 44u + 10 * 6 * 4);
	EXPECT_EQ(std::string(bytes.begin(), bytes.begin() + 4), "RIFF");
	EXPECT_EQ(le(bytes, 4, 4), bytes.size() - 8);
	EXPECT_EQ(std::string(bytes.begin() + 8, bytes.begin() + 16), "WAVEfmt ");
	EXPECT_EQ(le(bytes, 16, 4), 16u);
	EXPECT_EQ(le(bytes, 20, 2), 1u); /* PCM */
	EXPECT_EQ(le(bytes, 22, 2), 6u);
	EXPECT_EQ(le(bytes, 24, 4), 96000u);
	EXPECT_EQ(le(bytes, 28, 4), 96000u * 6 * 4);
	EXPECT_EQ(le(bytes, 32, 2), 6u * 4);
	EXPECT_EQ(le(bytes, 34, 2), 32u);
	EXPECT_EQ(std::string(bytes.begin() + 36, bytes.begin() + 40), "data");
	EXPECT_EQ(le(bytes, 40, 4), 10u * 6 * 4);

	auto wav = readWav(path);
	ASSERT_TRUE(wav);
	EXPECT_EQ(wav->info.format, SampleFormat::S32);
	EXPECT_EQ(wav->info.channels, 6u);
	EXPECT_EQ(wav->info.rate, 96000u);

	/* Float files say so in the format tag. */
	const std::string floatPath = dir_.file("float.wav");
	{
		WavWriter writer;
		ASSERT_TRUE(writer.open(floatPath, {SampleFormat::F32, 2, 48000}));
	}
	bytes = fileBytes(floatPath);
	ASSERT_EQ(bytes.size(), 44u);
	EXPECT_EQ(le(bytes, 20, 2), 3u);
	EXPECT_EQ(le(bytes, 40, 4), 0u);
	wav = readWav(floatPath);
	ASSERT_TRUE(wav);
	EXPECT_EQ(wav->info.format, SampleFormat::F32);
	EXPECT_EQ(wav->info.channels, 2u);
	EXPECT_EQ(wav->info.rate, 48000u);
	EXPECT_EQ(wav->frames(), 0u);
}

TEST_F(WavFileTest, ReadsAFileStillBeingWritten)
{
	const std::string path = dir_.file("recording.wav");
	constexpr unsigned channels = 2;
	const Frames data = makeFrames(SampleFormat::S16, channels, 50, 3);
	const std::size_t frameBytes = 2 * channels;

	WavWriter writer;
	ASSERT_TRUE(writer.open(path, {SampleFormat::S16, channels, 48000}));
	std::string error;
	auto wav = readWav(path, &error);
	ASSERT_TRUE(wav) << error;
	EXPECT_EQ(wav->frames(), 0u);

	std::size_t done = 0;
	for (std::size_t piece : {10u, 15u, 25u}) {
		ASSERT_TRUE(writer.write(data.bytes.data() + done * frameBytes, piece));
		done += piece;
		writer.flush();
		ASSERT_TRUE(writer.isOpen());
		wav = readWav(path, &error);
		ASSERT_TRUE(wav) << error;
		EXPECT_EQ(wav->info.channels, channels);
		EXPECT_EQ(wav->info.rate, 48000u);
		ASSERT_EQ(wav->frames(), done);
		EXPECT_TRUE(
			sameSamples({data.decoded.begin(), data.decoded.begin() + done * channels},
				    wav->samples));
	}
	writer.close();
	wav = readWav(path, &error);
	ASSERT_TRUE(wav) << error;
	EXPECT_EQ(wav->frames(), 50u);
}

TEST_F(WavFileTest, TrustsTheFileWhenTheHeaderLags)
{
	/* A recorder killed before its last flush: the header says 0 bytes of data. */
	const std::string path = dir_.file("unflushed.wav");
	const Frames data = makeFrames(SampleFormat::S32, 2, 20, 5);
	{
		WavWriter writer;
		ASSERT_TRUE(writer.open(path, {SampleFormat::S32, 2, 48000}));
	}
	{
		std::ofstream out(path, std::ios::binary | std::ios::app);
		out.write(reinterpret_cast<const char *>(data.bytes.data()), data.bytes.size());
		/* One sample of a next frame, which the reader must drop. */
		out.write("\x01\x02\x03\x04", 4);
	}
	auto wav = readWav(path);
	ASSERT_TRUE(wav);
	EXPECT_EQ(wav->frames(), 20u);
	EXPECT_TRUE(sameSamples(data.decoded, wav->samples));
}

TEST_F(WavFileTest, RejectsFilesThatAreNotWav)
{
	const std::string text = dir_.file("notes.txt");
	writeFile(text, "These are not the samples you are looking for.\n");
	std::string error;
	EXPECT_FALSE(readWav(text, &error));
	EXPECT_NE(error.find(text), std::string::npos) << error;
	EXPECT_NE(error.find("not a RIFF/WAVE file"), std::string::npos) << error;

	error.clear();
	WavInfo info;
	EXPECT_FALSE(readWavIntegers(text, &info, &error));
	EXPECT_NE(error.find("not a RIFF/WAVE file"), std::string::npos) << error;

	/* RIFF, but another kind. */
	const std::string avi = dir_.file("movie.avi");
	writeFile(avi, std::string("RIFF\x04\x00\x00\x00"
				   "AVI ",
				   12));
	error.clear();
	EXPECT_FALSE(readWav(avi, &error));
	EXPECT_NE(error.find("not a RIFF/WAVE file"), std::string::npos) << error;

	const std::string empty = dir_.file("empty.wav");
	writeFile(empty, "");
	error.clear();
	EXPECT_FALSE(readWav(empty, &error));
	EXPECT_FALSE(error.empty());

	/* WAVE without a fmt chunk. */
	const std::string noFormat = dir_.file("no-fmt.wav");
	writeFile(noFormat, std::string("RIFF\x0c\x00\x00\x00WAVEdata\x00\x00\x00\x00", 20));
	error.clear();
	EXPECT_FALSE(readWav(noFormat, &error));
	EXPECT_NE(error.find("fmt"), std::string::npos) << error;

	const std::string missing = dir_.file("missing.wav");
	error.clear();
	EXPECT_FALSE(readWav(missing, &error));
	EXPECT_NE(error.find("cannot open"), std::string::npos) << error;
	/* The error is optional. */
	EXPECT_FALSE(readWav(missing));
}

TEST_F(WavFileTest, WriterFailsCleanly)
{
	WavWriter writer;
	const std::int16_t sample = 1;
	EXPECT_FALSE(writer.write(&sample, 1)) << "write before open";
	std::string error;
	EXPECT_FALSE(writer.open(dir_.file("no-such-dir/out.wav"), {SampleFormat::S16, 1, 48000},
				 &error));
	EXPECT_FALSE(writer.isOpen());
	EXPECT_NE(error.find("cannot create"), std::string::npos) << error;
	writer.flush(); /* no-ops when closed */
	writer.close();
	EXPECT_FALSE(writer.isOpen());
}

} // namespace
} // namespace cabin::test
