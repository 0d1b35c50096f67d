/* SPDX-License-Identifier: MIT */
/*
 * logind's state, written as logind writes it, in a private mount
 * namespace: the real libsystemd then reads it. Needs root.
 *
 * enterPrivateNamespace() moves the calling process (and the children it
 * starts afterwards) into a mount namespace of its own and puts a tmpfs on
 * /run/systemd there; the machine's own /run/systemd is never touched.
 * Each file is written beside its place and renamed into it, as logind
 * does: sd_login_monitor only sees renames and deletions.
 */
#pragma once

#include <cstdint>
#include <string>
#include <sys/types.h>
#include <vector>

namespace cabin::test {

class FakeLogind
{
public:
	/* False, with \a error, when the namespace or the tmpfs cannot be made. */
	static bool enterPrivateNamespace(std::string *error);

	struct Session {
		std::string id;
		std::uint32_t uid = 0;
		std::string seat; /* "" for a session without a seat */
		bool active = true;
	};

	/*
	 * Writes the session, its seat's file and its user's file again from
	 * every session written so far: a seat's active session is its
	 * active one, a user's seats are those of their sessions.
	 */
	void writeSession(const Session &session);
	void removeSession(const std::string &id);

	/*
	 * Puts process \a pid into session \a id of \a uid, as its cgroup
	 * says (a file bound over /proc/PID/cgroup); without a session id,
	 * into \a uid's user manager, outside any session.
	 */
	static bool placeProcess(pid_t pid, std::uint32_t uid, const std::string &id,
				 std::string *error);

private:
	void writeAll();

	std::vector<Session> sessions_;
};

} // namespace cabin::test
