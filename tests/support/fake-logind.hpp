/* SPDX-License-Identifier: MIT */
/*
 * logind's and udev's state, written as they write it, in a private mount
 * namespace: the real libsystemd then reads it. Needs root.
 *
 * enterPrivateNamespace() moves the calling process (and the children it
 * starts afterwards) into a mount namespace of its own and puts a tmpfs on
 * /run/systemd, /run/udev and /sys/class there (hiding the machine's other
 * device classes from those processes); the machine's own are never
 * touched. It sets SYSTEMD_DEVICE_VERIFY_SYSFS=0, inherited by children,
 * since sd-device otherwise refuses a /sys that is not sysfs.
 * Each file is written beside its place and renamed into it, as logind
 * does: sd_login_monitor only sees renames and deletions.
 */
#pragma once

#include <cstdint>
#include <map>
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

	/*
	 * Sound card \a card as udev describes it: /sys/class/sound/card<N>
	 * and its database entry, with `ID_SEAT` = \a seat ("": none) and
	 * udev's current tag `seat` when \a tagged, and the \a extra
	 * properties (Cabin's shared marker). Written anew each time.
	 */
	static void writeCard(unsigned card, const std::string &seat, bool tagged,
			      const std::map<std::string, std::string> &extra = {});
	static void removeCard(unsigned card);
	/*
	 * Broadcasts a udev event (\a action, "change" say) for the sound
	 * device at \a devpath, as udevd does after updating its database:
	 * a libudev message to netlink group 2, in this network namespace.
	 */
	static bool sendUdevEvent(const std::string &action, const std::string &devpath,
				  std::string *error);

private:
	void writeAll();

	std::vector<Session> sessions_;
};

} // namespace cabin::test
