/* SPDX-License-Identifier: MIT */
/*
 * cabin-amp: talks to a running simulated amplifier through its control
 * socket (the `control` key of a `cabin_amp` PCM).
 *
 *   cabin-amp SOCKET status   prints the PCM state and counters
 *   cabin-amp SOCKET xrun     makes the amplifier underrun (or overrun) once
 */
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc != 3) {
		std::fprintf(stderr, "usage: cabin-amp SOCKET status|xrun\n");
		return 2;
	}
	std::string path = argv[1], command = argv[2];
	if (command != "status" && command != "xrun") {
		std::fprintf(stderr, "cabin-amp: unknown command '%s' (status, xrun)\n",
			     command.c_str());
		return 2;
	}
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
	command += "\n";
	if (write(fd, command.data(), command.size()) < 0) {
		std::fprintf(stderr, "cabin-amp: %s: %s\n", path.c_str(), std::strerror(errno));
		return 1;
	}
	char buffer[1024];
	ssize_t size;
	while ((size = read(fd, buffer, sizeof(buffer))) > 0)
		std::fwrite(buffer, 1, static_cast<std::size_t>(size), stdout);
	close(fd);
	return 0;
}
