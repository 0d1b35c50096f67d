/* SPDX-License-Identifier: MIT */
#include "amp-device.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <ctime>
#include <poll.h>
#include <sstream>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace cabin::sim {

namespace {

std::int64_t monotonicNs()
{
	timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return static_cast<std::int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

void wake(int fd)
{
	std::uint64_t one = 1;
	if (fd >= 0 && ::write(fd, &one, sizeof(one)) < 0) {
		/* The reader is behind; it will drain anyway. */
	}
}

void encodeSample(SampleFormat format, float value, std::uint8_t *out)
{
	value = std::clamp(value, -1.0f, 1.0f);
	switch (format) {
	case SampleFormat::S16: {
		auto sample = static_cast<std::int16_t>(std::lrintf(value * 32767.0f));
		std::memcpy(out, &sample, 2);
		break;
	}
	case SampleFormat::S32: {
		auto sample = static_cast<std::int32_t>(std::lrintf(value * 8388607.0f)) * 256;
		std::memcpy(out, &sample, 4);
		break;
	}
	case SampleFormat::F32:
		std::memcpy(out, &value, 4);
		break;
	}
}

} // namespace

/* A recording file and the device channels it takes, in file order. */
struct AmpDevice::Recording {
	WavWriter writer;
	std::vector<unsigned> channels;
	std::vector<std::uint8_t> scratch;
};

/* A capture file and the device channels it feeds. */
struct AmpDevice::Source {
	WavData wav;
	std::vector<unsigned> channels;
	std::size_t frame = 0;
};

bool parseChannelList(const std::string &text, std::vector<unsigned> *channels)
{
	std::stringstream in(text);
	std::string item;
	channels->clear();
	while (std::getline(in, item, ',')) {
		char *end = nullptr;
		unsigned long value = std::strtoul(item.c_str(), &end, 10);
		if (item.empty() || *end)
			return false;
		channels->push_back(static_cast<unsigned>(value));
	}
	return !channels->empty();
}

AmpDevice::AmpDevice(AmpConfig config, Direction direction)
    : config_(std::move(config)), direction_(direction)
{
}

AmpDevice::~AmpDevice()
{
	stopThreads();
}

bool AmpDevice::open(std::string *error)
{
	if (direction_ == Direction::Capture) {
		for (const ChannelFile &file : config_.play) {
			auto source = std::make_unique<Source>();
			auto wav = readWav(file.path, error);
			if (!wav)
				return false;
			source->wav = std::move(*wav);
			source->channels = file.channels;
			if (source->channels.empty())
				for (unsigned c = 0; c < source->wav.info.channels; c++)
					source->channels.push_back(c);
			if (source->channels.size() > source->wav.info.channels) {
				*error = file.path + ": has " +
					 std::to_string(source->wav.info.channels) +
					 " channels, but " +
					 std::to_string(source->channels.size()) + " are mapped";
				return false;
			}
			sources_.push_back(std::move(source));
		}
	}

	wakeFd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	quitFd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (!config_.control.empty()) {
		controlFd_ = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		sockaddr_un addr = {};
		addr.sun_family = AF_UNIX;
		if (config_.control.size() >= sizeof(addr.sun_path)) {
			*error = "control = \"" + config_.control + "\": path too long";
			return false;
		}
		std::strcpy(addr.sun_path, config_.control.c_str());
		::unlink(addr.sun_path);
		if (bind(controlFd_, reinterpret_cast<sockaddr *>(&addr), sizeof(addr)) < 0 ||
		    listen(controlFd_, 4) < 0) {
			*error = "control = \"" + config_.control + "\": " + std::strerror(errno);
			::close(controlFd_);
			controlFd_ = -1;
			return false;
		}
		control_ = std::thread([this] { controlThread(); });
	}
	return true;
}

bool AmpDevice::configure(SampleFormat format, unsigned channels, unsigned rate,
			  std::uint64_t bufferFrames, std::string *error)
{
	format_ = format;
	channels_ = channels;
	bufferFrames_ = bufferFrames;
	frameBytes_ = sampleBytes(format) * channels;
	config_.rate = rate;

	if (direction_ != Direction::Playback || !recordings_.empty())
		return true;
	for (const ChannelFile &file : config_.record) {
		auto recording = std::make_unique<Recording>();
		recording->channels = file.channels;
		if (recording->channels.empty())
			for (unsigned c = 0; c < channels; c++)
				recording->channels.push_back(c);
		for (unsigned c : recording->channels) {
			if (c >= channels) {
				*error = file.path + ": channel " + std::to_string(c) +
					 " does not exist (the PCM has " +
					 std::to_string(channels) + ")";
				return false;
			}
		}
		WavInfo info{format, static_cast<unsigned>(recording->channels.size()), rate};
		if (!recording->writer.open(file.path, info, error))
			return false;
		recordings_.push_back(std::move(recording));
	}
	if (!recordings_.empty()) {
		/* Two seconds of slack between the PCM thread and the writer. */
		pending_.assign(static_cast<std::size_t>(rate) * 2 * frameBytes_, 0);
		writer_ = std::thread([this] { writerThread(); });
	}
	return true;
}

std::uint64_t AmpDevice::clockFrames() const
{
	double elapsed = static_cast<double>(monotonicNs() - startNs_) / 1e9;
	double frames = elapsed * config_.rate * (1.0 + config_.driftPpm * 1e-6);
	return frames > 0 ? static_cast<std::uint64_t>(frames) : 0;
}

void AmpDevice::prepare()
{
	running_ = false;
	hwFrames_ = 0;
	counters_.running = false;
}

void AmpDevice::start()
{
	startNs_ = monotonicNs();
	hwFrames_ = 0;
	running_ = true;
	counters_.running = true;
	counters_.starts++;
	wake(wakeFd_);
}

void AmpDevice::stop()
{
	running_ = false;
	counters_.running = false;
	counters_.stops++;
	wake(wakeFd_);
}

std::int64_t AmpDevice::pointer(std::uint8_t *ring, std::uint64_t applFrames)
{
	if (!running_ || bufferFrames_ == 0)
		return static_cast<std::int64_t>(hwFrames_ %
						 std::max<std::uint64_t>(bufferFrames_, 1));

	if (xrunRequests_.load(std::memory_order_relaxed) > 0) {
		xrunRequests_--;
		countXrun();
		running_ = false;
		counters_.running = false;
		return -EPIPE;
	}

	std::uint64_t now = clockFrames();
	std::uint64_t elapsed = now - hwFrames_;
	if (direction_ == Direction::Playback) {
		/* The DMA ran past the last queued frame: underrun. */
		if (elapsed > applFrames) {
			/* What was queued is played (and recorded), so it counts too. */
			consumePlayback(ring, applFrames);
			counters_.frames.fetch_add(applFrames, std::memory_order_relaxed);
			countXrun();
			running_ = false;
			counters_.running = false;
			return -EPIPE;
		}
		consumePlayback(ring, elapsed);
	} else {
		/* Nobody read the ring in time: overrun. */
		if (applFrames + elapsed > bufferFrames_) {
			countXrun();
			running_ = false;
			counters_.running = false;
			return -EPIPE;
		}
		produceCapture(ring, elapsed);
	}
	hwFrames_ += elapsed;
	counters_.frames.fetch_add(elapsed, std::memory_order_relaxed);
	return static_cast<std::int64_t>(hwFrames_ % bufferFrames_);
}

std::int64_t AmpDevice::delay(std::uint64_t applFrames) const
{
	std::int64_t sinceUpdate =
		running_ ? static_cast<std::int64_t>(clockFrames() - hwFrames_) : 0;
	std::int64_t queued = static_cast<std::int64_t>(applFrames);
	if (direction_ == Direction::Playback)
		return queued - sinceUpdate + config_.fifoFrames;
	return queued + sinceUpdate + config_.fifoFrames;
}

void AmpDevice::countXrun()
{
	std::uint64_t count = counters_.xruns.load(std::memory_order_relaxed);
	counters_.xrunFrames[count % AmpCounters::kXrunFramesKept].store(
		counters_.frames.load(std::memory_order_relaxed), std::memory_order_relaxed);
	counters_.xruns.store(count + 1, std::memory_order_release);
}

void AmpDevice::consumePlayback(const std::uint8_t *ring, std::uint64_t frames)
{
	if (pending_.empty() || frames == 0)
		return;
	std::uint64_t head = pendingHead_.load(std::memory_order_relaxed);
	std::uint64_t tail = pendingTail_.load(std::memory_order_acquire);
	std::size_t capacity = pending_.size();
	std::size_t bytes = frames * frameBytes_;
	if (capacity - (head - tail) < bytes) {
		counters_.recordDropped += frames;
		return;
	}
	std::uint64_t offset = hwFrames_ % bufferFrames_;
	for (std::uint64_t done = 0; done < frames;) {
		std::uint64_t chunk = std::min(frames - done, bufferFrames_ - offset);
		const std::uint8_t *from = ring + offset * frameBytes_;
		std::size_t chunkBytes = chunk * frameBytes_;
		for (std::size_t i = 0; i < chunkBytes;) {
			std::size_t at = (head + i) % capacity;
			std::size_t run = std::min(chunkBytes - i, capacity - at);
			std::memcpy(pending_.data() + at, from + i, run);
			i += run;
		}
		head += chunkBytes;
		done += chunk;
		offset = (offset + chunk) % bufferFrames_;
	}
	pendingHead_.store(head, std::memory_order_release);
}

void AmpDevice::produceCapture(std::uint8_t *ring, std::uint64_t frames)
{
	std::size_t bytes = sampleBytes(format_);
	std::uint64_t offset = hwFrames_ % bufferFrames_;
	for (std::uint64_t i = 0; i < frames; i++) {
		std::uint8_t *frame = ring + offset * frameBytes_;
		std::memset(frame, 0, frameBytes_);
		for (auto &source : sources_) {
			if (source->frame >= source->wav.frames()) {
				if (!config_.loop || source->wav.frames() == 0)
					continue;
				source->frame = 0;
			}
			for (std::size_t c = 0; c < source->channels.size(); c++) {
				unsigned channel = source->channels[c];
				if (channel < channels_)
					encodeSample(format_,
						     source->wav.at(source->frame,
								    static_cast<unsigned>(c)),
						     frame + channel * bytes);
			}
			source->frame++;
		}
		offset = (offset + 1) % bufferFrames_;
	}
}

void AmpDevice::writerThread()
{
	std::size_t capacity = pending_.size();
	bool stopping = false;
	while (!stopping) {
		pollfd fd = {wakeFd_, POLLIN, 0};
		/* Poll while running; sleep until woken while the PCM is stopped. */
		poll(&fd, 1, counters_.running ? 20 : -1);
		std::uint64_t ignored;
		if (::read(wakeFd_, &ignored, sizeof(ignored)) < 0) {
			/* Nothing to read: a timeout. */
		}
		stopping = quit_;

		std::uint64_t tail = pendingTail_.load(std::memory_order_relaxed);
		std::uint64_t head = pendingHead_.load(std::memory_order_acquire);
		std::size_t sample = sampleBytes(format_);
		for (; tail < head; tail += frameBytes_) {
			std::uint8_t frame[kMaxChannels * 4];
			std::uint8_t *in = frame;
			std::size_t at = tail % capacity;
			if (at + frameBytes_ <= capacity) {
				in = pending_.data() + at;
			} else {
				for (std::size_t i = 0; i < frameBytes_; i++)
					frame[i] = pending_[(tail + i) % capacity];
			}
			for (auto &recording : recordings_) {
				recording->scratch.resize(recording->channels.size() * sample);
				for (std::size_t c = 0; c < recording->channels.size(); c++)
					std::memcpy(recording->scratch.data() + c * sample,
						    in + recording->channels[c] * sample, sample);
				recording->writer.write(recording->scratch.data(), 1);
			}
		}
		pendingTail_.store(tail, std::memory_order_release);
		for (auto &recording : recordings_)
			recording->writer.flush();
	}
}

void AmpDevice::controlThread()
{
	while (!quit_) {
		pollfd fds[2] = {{controlFd_, POLLIN, 0}, {quitFd_, POLLIN, 0}};
		if (poll(fds, 2, -1) < 0 && errno != EINTR)
			break;
		if (quit_ || fds[1].revents)
			break;
		int client = accept4(controlFd_, nullptr, nullptr, SOCK_CLOEXEC);
		if (client < 0)
			continue;
		char buffer[64] = {};
		ssize_t size = ::read(client, buffer, sizeof(buffer) - 1);
		std::string command(buffer, size > 0 ? static_cast<std::size_t>(size) : 0);
		while (!command.empty() && std::isspace(static_cast<unsigned char>(command.back())))
			command.pop_back();
		std::string reply;
		if (command == "status") {
			reply = statusText();
		} else if (command == "xrun") {
			xrunRequests_++;
			reply = "ok\n";
		} else {
			reply = "error: unknown command '" + command + "' (status, xrun)\n";
		}
		if (::write(client, reply.data(), reply.size()) < 0) {
			/* The client went away. */
		}
		::close(client);
	}
}

std::string AmpDevice::statusText() const
{
	std::ostringstream out;
	out << "direction=" << (direction_ == Direction::Playback ? "playback" : "capture")
	    << "\nstate=" << (counters_.running ? "running" : "stopped")
	    << "\nformat=" << sampleFormatName(format_) << "\nchannels=" << channels_
	    << "\nrate=" << config_.rate << "\nbuffer=" << bufferFrames_
	    << "\nfifo=" << config_.fifoFrames << "\nstarts=" << counters_.starts
	    << "\nstops=" << counters_.stops << "\nxruns=" << counters_.xruns
	    << "\nframes=" << counters_.frames << "\nrecord-dropped=" << counters_.recordDropped
	    << "\nxrun-frames=";
	std::uint64_t xruns = counters_.xruns.load(std::memory_order_acquire);
	std::uint64_t first =
		xruns > AmpCounters::kXrunFramesKept ? xruns - AmpCounters::kXrunFramesKept : 0;
	for (std::uint64_t i = first; i < xruns; i++)
		out << (i > first ? "," : "")
		    << counters_.xrunFrames[i % AmpCounters::kXrunFramesKept].load(
			       std::memory_order_relaxed);
	out << "\n";
	return out.str();
}

void AmpDevice::stopThreads()
{
	quit_ = true;
	wake(quitFd_);
	if (control_.joinable())
		control_.join();
	if (controlFd_ >= 0) {
		::close(controlFd_);
		::unlink(config_.control.c_str());
		controlFd_ = -1;
	}
	wake(wakeFd_);
	if (writer_.joinable())
		writer_.join();
	for (auto &recording : recordings_)
		recording->writer.close();
	for (int *fd : {&wakeFd_, &quitFd_}) {
		if (*fd >= 0)
			::close(*fd);
		*fd = -1;
	}
}

} // namespace cabin::sim
