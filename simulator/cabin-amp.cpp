/* SPDX-License-Identifier: MIT */
/*
 * cabin-amp: the simulated amplifier's companion tool.
 *
 *   cabin-amp status SOCKET    prints the PCM's state and counters
 *   cabin-amp xrun SOCKET      makes the amplifier underrun (or overrun) once
 *   cabin-amp levels FILE...   prints length and per-channel level of recordings
 *
 * SOCKET is the `control` path of a `cabin_amp` PCM; it exists while the
 * PCM is open.
 */
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <vector>

#include "wav-file.hpp"

namespace {

void usage(FILE *out)
{
	std::fprintf(out, "usage: cabin-amp status SOCKET\n"
			  "       cabin-amp xrun SOCKET\n"
			  "       cabin-amp levels FILE.wav...\n");
}

int sendCommand(const std::string &command, const std::string &path)
{
	sockaddr_un addr = {};
	addr.sun_family = AF_UNIX;
	if (path.size() >= sizeof(addr.sun_path)) {
		std::fprintf(stderr, "cabin-amp: %s: path too long\n", path.c_str());
		return 2;
	}
	std::strcpy(addr.sun_path, path.c_str());
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, reinterpret_cast<sockaddr *>(&addr), sizeof(addr)) < 0) {
		/* No listener: the PCM is closed (or was never opened). */
		std::fprintf(stderr, "cabin-amp: %s: %s (is the PCM open?)\n", path.c_str(),
			     std::strerror(errno));
		return 1;
	}
	std::string line = command + "\n";
	if (write(fd, line.data(), line.size()) < 0) {
		std::fprintf(stderr, "cabin-amp: %s: %s\n", path.c_str(), std::strerror(errno));
		close(fd);
		return 1;
	}
	char buffer[1024];
	ssize_t size;
	while ((size = read(fd, buffer, sizeof(buffer))) > 0)
		std::fwrite(buffer, 1, static_cast<std::size_t>(size), stdout);
	close(fd);
	return 0;
}

int printLevels(const std::vector<std::string> &files)
{
	int status = 0;
	for (const std::string &file : files) {
		std::string error;
		auto wav = cabin::readWav(file, &error);
		if (!wav) {
			std::fprintf(stderr, "cabin-amp: %s\n", error.c_str());
			status = 1;
			continue;
		}
		std::printf("%s: %u channels, %s, %.2f s\n", file.c_str(), wav->info.channels,
			    cabin::sampleFormatName(wav->info.format),
			    static_cast<double>(wav->frames()) / wav->info.rate);
		for (unsigned c = 0; c < wav->info.channels; c++) {
			double sum = 0, peak = 0;
			for (std::size_t i = 0; i < wav->frames(); i++) {
				double v = wav->at(i, c);
				sum += v * v;
				peak = std::max(peak, std::fabs(v));
			}
			double rms = wav->frames() ? std::sqrt(sum / wav->frames()) : 0;
			if (peak == 0)
				std::printf("  channel %2u: silent\n", c);
			else
				std::printf("  channel %2u: rms %6.1f dBFS, peak %6.1f dBFS\n", c,
					    20 * std::log10(rms), 20 * std::log10(peak));
		}
	}
	return status;
}

} // namespace

int main(int argc, char **argv)
{
	if (argc < 3) {
		usage(stderr);
		return 2;
	}
	std::string verb = argv[1];
	if ((verb == "status" || verb == "xrun") && argc == 3)
		return sendCommand(verb, argv[2]);
	if (verb == "levels")
		return printLevels(std::vector<std::string>(argv + 2, argv + argc));
	std::fprintf(stderr, "cabin-amp: unknown command '%s'\n", verb.c_str());
	usage(stderr);
	return 2;
}
