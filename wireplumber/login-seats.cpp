/* SPDX-License-Identifier: MIT */
#include "login-seats.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>

#include <systemd/sd-device.h>
#include <systemd/sd-event.h>
#include <systemd/sd-login.h>

namespace cabin {

namespace {

/* Frees what sd-login hands out. */
struct FreeString {
	void operator()(char *text) const { std::free(text); }
};
using OwnedString = std::unique_ptr<char, FreeString>;

void freeStrv(char **list)
{
	if (!list)
		return;
	for (char **item = list; *item; item++)
		std::free(*item);
	std::free(list);
}

} // namespace

LoginSeats::~LoginSeats()
{
	for (sd_login_monitor *monitor : monitors_)
		sd_login_monitor_unref(monitor);
	sd_device_monitor_unref(deviceMonitor_);
	sd_event_unref(deviceEvents_);
}

std::optional<LoginPlace> LoginSeats::placeOf(std::uint32_t pid, std::uint32_t uid) const
{
	char *raw = nullptr;
	if (sd_pid_get_session(static_cast<pid_t>(pid), &raw) >= 0) {
		OwnedString session(raw);
		char *seat = nullptr;
		/* A session without a seat (ssh, say) says nothing of where it sits. */
		if (sd_session_get_seat(session.get(), &seat) >= 0) {
			OwnedString owned(seat);
			return LoginPlace{owned.get(), true,
					  sd_session_is_active(session.get()) > 0};
		}
		return std::nullopt;
	}
	/* Outside any session (a user service, say): the seat where the user is active. */
	char **seats = nullptr;
	int count = sd_uid_get_seats(static_cast<uid_t>(uid), 1, &seats);
	std::optional<LoginPlace> place;
	if (count == 1)
		place = LoginPlace{seats[0], false, true};
	freeStrv(seats);
	return place;
}

std::optional<DevicePlace> LoginSeats::placeOfDevice(const Properties &props) const
{
	auto card = props.find("api.alsa.card");
	if (card == props.end() || card->second.empty() ||
	    card->second.find_first_not_of("0123456789") != std::string::npos)
		return std::nullopt;
	sd_device *device = nullptr;
	if (sd_device_new_from_subsystem_sysname(&device, "sound",
						 ("card" + card->second).c_str()) < 0)
		return std::nullopt;
	auto property = [&](const char *key) -> std::string {
		const char *value = nullptr;
		return sd_device_get_property_value(device, key, &value) >= 0 && value ? value : "";
	};
	std::optional<DevicePlace> place;
	if (property(kUdevSharedProperty) == "1") {
		place = DevicePlace{
			.logindSeat = {}, .shared = true, .zone = property(kUdevZoneProperty)};
	} else if (sd_device_has_current_tag(device, "seat") > 0) {
		std::string seat = property("ID_SEAT");
		place = DevicePlace{.logindSeat = seat.empty() ? "seat0" : seat};
	}
	sd_device_unref(device);
	return place;
}

bool LoginSeats::watch(std::string *error)
{
	for (const char *category : {"seat", "session"}) {
		sd_login_monitor *monitor = nullptr;
		int res = sd_login_monitor_new(category, &monitor);
		if (res < 0) {
			*error = std::string("cannot watch logind's ") + category +
				 "s: " + std::strerror(-res);
			return false;
		}
		monitors_.push_back(monitor);
	}
	return true;
}

std::vector<int> LoginSeats::watchFds() const
{
	std::vector<int> fds;
	for (sd_login_monitor *monitor : monitors_)
		fds.push_back(sd_login_monitor_get_fd(monitor));
	return fds;
}

void LoginSeats::flush()
{
	for (sd_login_monitor *monitor : monitors_)
		sd_login_monitor_flush(monitor);
}

bool LoginSeats::watchDevices(std::string *error)
{
	int res = sd_event_new(&deviceEvents_);
	if (res >= 0)
		res = sd_device_monitor_new(&deviceMonitor_);
	/*
	 * No filter: a filter makes the kernel check hashes udev's messages
	 * carry; the few events of a car are cheap to look at here.
	 */
	if (res >= 0)
		res = sd_device_monitor_attach_event(deviceMonitor_, deviceEvents_);
	if (res >= 0)
		res = sd_device_monitor_start(deviceMonitor_, onDeviceEvent, this);
	if (res < 0) {
		*error = std::string("cannot listen to udev's events: ") + std::strerror(-res);
		deviceMonitor_ = sd_device_monitor_unref(deviceMonitor_);
		deviceEvents_ = sd_event_unref(deviceEvents_);
		return false;
	}
	return true;
}

int LoginSeats::deviceWatchFd() const
{
	return deviceEvents_ ? sd_event_get_fd(deviceEvents_) : -1;
}

bool LoginSeats::takeDeviceChanges()
{
	if (!deviceEvents_)
		return false;
	/* Dispatches what is pending, without waiting. */
	while (sd_event_run(deviceEvents_, 0) > 0) {
	}
	bool changed = soundChanged_;
	soundChanged_ = false;
	return changed;
}

int LoginSeats::onDeviceEvent(sd_device_monitor *, sd_device *device, void *self)
{
	const char *subsystem = nullptr;
	if (sd_device_get_subsystem(device, &subsystem) >= 0 && subsystem &&
	    std::strcmp(subsystem, "sound") == 0)
		static_cast<LoginSeats *>(self)->soundChanged_ = true;
	return 0;
}

} // namespace cabin
