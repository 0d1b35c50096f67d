/* SPDX-License-Identifier: MIT */
#include "amp-control.hpp"

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <thread>
#include <unistd.h>

namespace cabin::test {

std::optional<AmpCounters> readAmp(const std::string &socketPath)
{
	sockaddr_un addr{};
	if (socketPath.size() >= sizeof(addr.sun_path))
		return std::nullopt;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return std::nullopt;
	addr.sun_family = AF_UNIX;
	std::memcpy(addr.sun_path, socketPath.c_str(), socketPath.size() + 1);
	timeval timeout{1, 0};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
	std::string reply;
	if (connect(fd, reinterpret_cast<sockaddr *>(&addr), sizeof(addr)) == 0 &&
	    write(fd, "status\n", 7) == 7) {
		char buffer[512];
		for (ssize_t n; (n = read(fd, buffer, sizeof(buffer))) > 0;)
			reply.append(buffer, static_cast<std::size_t>(n));
	}
	close(fd);
	AmpCounters counters;
	bool seen = false;
	std::istringstream lines(reply);
	for (std::string line; std::getline(lines, line);) {
		auto eq = line.find('=');
		if (eq == std::string::npos)
			continue;
		std::string key = line.substr(0, eq);
		std::string text = line.substr(eq + 1);
		std::uint64_t value = std::strtoull(text.c_str(), nullptr, 10);
		if (key == "frames")
			counters.frames = value, seen = true;
		else if (key == "xruns")
			counters.xruns = value;
		else if (key == "record-dropped")
			counters.dropped = value;
		else if (key == "state")
			counters.running = text == "running";
		else if (key == "xrun-frames")
			for (std::istringstream list(text); std::getline(list, text, ',');)
				counters.xrunFrames.push_back(
					std::strtoull(text.c_str(), nullptr, 10));
	}
	if (!seen)
		return std::nullopt;
	return counters;
}

std::optional<AmpCounters> readAmpAsItMoves(const std::string &socketPath)
{
	using namespace std::chrono_literals;
	auto before = readAmp(socketPath);
	if (!before)
		return std::nullopt;
	auto deadline = std::chrono::steady_clock::now() + 1s;
	while (std::chrono::steady_clock::now() < deadline) {
		auto now = readAmp(socketPath);
		if (now && now->frames != before->frames)
			return now;
		std::this_thread::sleep_for(500us); /* polling interval, under a deadline */
	}
	return std::nullopt;
}

std::uint64_t waitForAmpFrames(const std::string &socketPath, std::uint64_t frames)
{
	using namespace std::chrono_literals;
	auto deadline = std::chrono::steady_clock::now() + 20s;
	std::uint64_t now = 0;
	while (std::chrono::steady_clock::now() < deadline) {
		auto counters = readAmp(socketPath);
		if (!counters)
			break; /* the PCM is closed: nothing to wait for */
		now = counters->frames;
		if (now >= frames)
			break;
		std::this_thread::sleep_for(2ms); /* polling interval, under a deadline */
	}
	return now;
}

} // namespace cabin::test
