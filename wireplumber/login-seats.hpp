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

struct sd_device;
struct sd_device_monitor;
struct sd_event;
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
	 * Where udev puts a device node's sound card (`api.alsa.card`): a
	 * card with Cabin's marker `CABIN_SHARED=1` is shared (its
	 * `CABIN_ZONE` naming the zone); otherwise a card with udev's current
	 * tag `seat` is on the seat its `ID_SEAT` names (none: `seat0`, as
	 * logind reads it). Nothing for nodes without a card, or cards udev
	 * neither marked nor tagged.
	 */
	std::optional<DevicePlace> placeOfDevice(const Properties &props) const;

	/*
	 * Starts watching seats and sessions: the fds to poll for input, one
	 * per watched directory. False, with \a error, where logind's
	 * directories do not exist.
	 */
	bool watch(std::string *error);
	std::vector<int> watchFds() const;
	/* After a watched fd woke: empties it, so it wakes on the next change only. */
	void flush();

	/*
	 * Starts listening to udev's events (sd_device_monitor; libsystemd
	 * 252 has no fd of its own for it, so it runs on a private sd_event
	 * whose fd is polled): a card tagged for another seat, or marked
	 * shared, while its node exists. Where udev does not run, nothing
	 * ever arrives. False, with \a error, if the monitor cannot be made.
	 */
	bool watchDevices(std::string *error);
	/* The fd to poll for input; -1 before watchDevices(). */
	int deviceWatchFd() const;
	/* After that fd woke: handles what arrived; whether a sound device changed. */
	bool takeDeviceChanges();

private:
	static int onDeviceEvent(sd_device_monitor *monitor, sd_device *device, void *self);

	/* One per category watched: "seat", "session". */
	std::vector<sd_login_monitor *> monitors_;
	sd_event *deviceEvents_ = nullptr;
	sd_device_monitor *deviceMonitor_ = nullptr;
	bool soundChanged_ = false;
};

} // namespace cabin
