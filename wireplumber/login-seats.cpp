/* SPDX-License-Identifier: MIT */
#include "login-seats.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>

#include <systemd/sd-device.h>
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

std::optional<std::string> LoginSeats::seatOfDevice(const Properties &props) const
{
	auto card = props.find("api.alsa.card");
	if (card == props.end() || card->second.empty() ||
	    card->second.find_first_not_of("0123456789") != std::string::npos)
		return std::nullopt;
	sd_device *device = nullptr;
	if (sd_device_new_from_subsystem_sysname(&device, "sound",
						 ("card" + card->second).c_str()) < 0)
		return std::nullopt;
	std::optional<std::string> seat;
	if (sd_device_has_current_tag(device, "seat") > 0) {
		const char *name = nullptr;
		seat = sd_device_get_property_value(device, "ID_SEAT", &name) >= 0 && name && *name
			       ? name
			       : "seat0";
	}
	sd_device_unref(device);
	return seat;
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

} // namespace cabin
