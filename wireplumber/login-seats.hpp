/* SPDX-License-Identifier: MIT */
/*
 * LoginSeats: where logind puts a process, read with sd-login, and where
 * udev puts a sound card, read with sd-device. sd-login
 * reads files (/proc/PID/cgroup, /run/systemd/{seats,sessions,users}) and
 * never talks to logind, sd-device reads /sys and /run/udev/data, so this
 * works wherever those files are, and
 * answers "nothing" where they are not (no logind: a car without it, or
 * a test machine).
 *
 * \context main thread: each call reads a few small files.
 */
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "seat-zone-model.hpp"

struct sd_login_monitor;

namespace cabin {

class LoginSeats
{
public:
	LoginSeats() = default;
	~LoginSeats();
	LoginSeats(const LoginSeats &) = delete;
	LoginSeats &operator=(const LoginSeats &) = delete;

	/*
	 * The seat of the session \a pid runs in (and whether that session
	 * is its seat's active one); for a process in no session, the one
	 * seat where \a uid has the active session. Nothing if logind knows
	 * neither, or \a uid is active on several seats.
	 */
	std::optional<LoginPlace> placeOf(std::uint32_t pid, std::uint32_t uid) const;

	/*
	 * The logind seat udev puts a device node's sound card on: the card
	 * (`api.alsa.card`) must carry udev's current tag `seat`, and its
	 * `ID_SEAT` names the seat (none: `seat0`, as logind reads it).
	 * Nothing for nodes without a card, or cards udev did not tag.
	 */
	std::optional<std::string> seatOfDevice(const Properties &props) const;

	/*
	 * Starts watching seats and sessions: the fds to poll for input, one
	 * per watched directory. False, with \a error, where logind's
	 * directories do not exist.
	 */
	bool watch(std::string *error);
	std::vector<int> watchFds() const;
	/* After a watched fd woke: empties it, so it wakes on the next change only. */
	void flush();

private:
	/* One per category watched: "seat", "session". */
	std::vector<sd_login_monitor *> monitors_;
};

} // namespace cabin
