/* SPDX-License-Identifier: MIT */
/*
 * LoginSeats with the real libsystemd, reading logind's and udev's state
 * as they write it, in a private mount namespace (FakeLogind; root only):
 * where a process's session sits, a background session, a process outside
 * any session, the watch waking when a session moves seats, and the seat
 * udev puts a sound card on.
 */
#include <chrono>
#include <csignal>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "fake-logind.hpp"
#include "login-seats.hpp"

namespace cabin {
namespace {

using test::FakeLogind;
using namespace std::chrono_literals;

class LoginSeatsTest : public ::testing::Test
{
protected:
	static void SetUpTestSuite()
	{
		if (geteuid() != 0)
			return;
		namespaceReady_ = FakeLogind::enterPrivateNamespace(&namespaceError_);
	}

	void SetUp() override
	{
		if (geteuid() != 0)
			GTEST_SKIP() << "needs root for a private mount namespace";
		ASSERT_TRUE(namespaceReady_) << namespaceError_;
	}

	void TearDown() override
	{
		for (pid_t pid : children_) {
			kill(pid, SIGKILL);
			waitpid(pid, nullptr, 0);
		}
		for (const std::string &id : written_)
			logind_.removeSession(id);
	}

	/* A process that waits to be killed, placed in session \a id of \a uid ("": none). */
	pid_t startProcess(std::uint32_t uid, const std::string &id)
	{
		pid_t pid = fork();
		if (pid == 0) {
			pause();
			_exit(0);
		}
		children_.push_back(pid);
		std::string error;
		EXPECT_TRUE(FakeLogind::placeProcess(pid, uid, id, &error)) << error;
		return pid;
	}

	void writeSession(const FakeLogind::Session &session)
	{
		logind_.writeSession(session);
		written_.push_back(session.id);
	}

	/* The logind seat of the card a node with \a props is on, if it is on one. */
	std::optional<std::string> seatOf(const Properties &props)
	{
		std::optional<DevicePlace> place = seats_.placeOfDevice(props);
		if (!place || place->shared)
			return std::nullopt;
		return place->logindSeat;
	}

	/* Whether \a fd becomes readable within \a timeout. */
	static bool readable(int fd, std::chrono::milliseconds timeout)
	{
		pollfd entry{fd, POLLIN, 0};
		return poll(&entry, 1, static_cast<int>(timeout.count())) == 1;
	}

	static inline bool namespaceReady_ = false;
	static inline std::string namespaceError_;
	FakeLogind logind_;
	LoginSeats seats_;
	std::vector<pid_t> children_;
	std::vector<std::string> written_;
};

TEST_F(LoginSeatsTest, ProcessInASessionSitsOnItsSeat)
{
	writeSession({"5", 1001, "seat1", true});
	pid_t pid = startProcess(1001, "5");
	auto place = seats_.placeOf(pid, 1001);
	ASSERT_TRUE(place);
	EXPECT_EQ(place->logindSeat, "seat1");
	EXPECT_TRUE(place->fromSession);
	EXPECT_TRUE(place->active);
}

TEST_F(LoginSeatsTest, BackgroundSessionIsNotActive)
{
	writeSession({"6", 1001, "seat1", true});
	writeSession({"7", 1002, "seat1", false});
	pid_t pid = startProcess(1002, "7");
	auto place = seats_.placeOf(pid, 1002);
	ASSERT_TRUE(place);
	EXPECT_EQ(place->logindSeat, "seat1");
	EXPECT_FALSE(place->active);
}

TEST_F(LoginSeatsTest, SessionWithoutASeatSaysNothing)
{
	writeSession({"8", 1003, "", true});
	/* Even though the user is active elsewhere: the process's own session decides. */
	writeSession({"9", 1003, "seat2", true});
	pid_t pid = startProcess(1003, "8");
	EXPECT_EQ(seats_.placeOf(pid, 1003), std::nullopt);
}

TEST_F(LoginSeatsTest, ProcessOutsideASessionSitsWhereItsUserIsActive)
{
	writeSession({"10", 1004, "seat2", true});
	pid_t pid = startProcess(1004, "");
	auto place = seats_.placeOf(pid, 1004);
	ASSERT_TRUE(place);
	EXPECT_EQ(place->logindSeat, "seat2");
	EXPECT_FALSE(place->fromSession);
	EXPECT_TRUE(place->active);
}

TEST_F(LoginSeatsTest, UserActiveOnTwoSeatsGivesNoPlace)
{
	writeSession({"11", 1005, "seat1", true});
	writeSession({"12", 1005, "seat2", true});
	pid_t pid = startProcess(1005, "");
	EXPECT_EQ(seats_.placeOf(pid, 1005), std::nullopt);
}

TEST_F(LoginSeatsTest, UnknownProcessAndUserGiveNoPlace)
{
	pid_t pid = startProcess(1006, "");
	EXPECT_EQ(seats_.placeOf(pid, 1006), std::nullopt);
}

TEST_F(LoginSeatsTest, WatchWakesWhenASessionMovesSeats)
{
	writeSession({"13", 1007, "seat1", true});
	pid_t pid = startProcess(1007, "13");
	std::string error;
	ASSERT_TRUE(seats_.watch(&error)) << error;
	std::vector<int> fds = seats_.watchFds();
	ASSERT_EQ(fds.size(), 2u);
	for (int fd : fds)
		EXPECT_FALSE(readable(fd, 0ms)) << "nothing changed yet";

	writeSession({"13", 1007, "seat2", true});
	bool woke = false;
	for (int fd : fds)
		woke = readable(fd, 5s) || woke;
	EXPECT_TRUE(woke);
	seats_.flush();
	for (int fd : fds)
		EXPECT_FALSE(readable(fd, 0ms)) << "flushed";
	auto place = seats_.placeOf(pid, 1007);
	ASSERT_TRUE(place);
	EXPECT_EQ(place->logindSeat, "seat2");
}

TEST_F(LoginSeatsTest, ACardTaggedForASeatSitsOnItsIdSeat)
{
	FakeLogind::writeCard(7, "seat1", true);
	EXPECT_EQ(seatOf({{"api.alsa.card", "7"}}), "seat1");
	/* Tagged without ID_SEAT: seat0, as logind reads it. */
	FakeLogind::writeCard(8, "", true);
	EXPECT_EQ(seatOf({{"api.alsa.card", "8"}}), "seat0");
	/* Not tagged (udev's seat rules did not run for it): no seat. */
	FakeLogind::writeCard(9, "seat2", false);
	EXPECT_EQ(seatOf({{"api.alsa.card", "9"}}), std::nullopt);
	/* Re-tagged for another seat: read anew. */
	FakeLogind::writeCard(7, "seat2", true);
	EXPECT_EQ(seatOf({{"api.alsa.card", "7"}}), "seat2");
	for (unsigned card : {7u, 8u, 9u})
		FakeLogind::removeCard(card);
	EXPECT_EQ(seatOf({{"api.alsa.card", "7"}}), std::nullopt) << "unplugged";
}

TEST_F(LoginSeatsTest, ACardMarkedSharedIsSharedWhateverItsSeat)
{
	/* Cabin's rule (conf.d/udev/72-cabin-shared-cards.rules) keeps logind's tag off it. */
	FakeLogind::writeCard(10, "", false, {{"CABIN_SHARED", "1"}, {"CABIN_ZONE", "cabin"}});
	auto place = seats_.placeOfDevice({{"api.alsa.card", "10"}});
	ASSERT_TRUE(place);
	EXPECT_TRUE(place->shared);
	EXPECT_EQ(place->zone, "cabin");
	EXPECT_EQ(place->logindSeat, "");
	/* The marker wins over a seat tag an earlier rule left, and needs no zone. */
	FakeLogind::writeCard(11, "seat1", true, {{"CABIN_SHARED", "1"}});
	place = seats_.placeOfDevice({{"api.alsa.card", "11"}});
	ASSERT_TRUE(place);
	EXPECT_TRUE(place->shared);
	EXPECT_EQ(place->zone, "");
	/* Anything but "1" is no marker. */
	FakeLogind::writeCard(12, "seat2", true, {{"CABIN_SHARED", "yes"}});
	place = seats_.placeOfDevice({{"api.alsa.card", "12"}});
	ASSERT_TRUE(place);
	EXPECT_FALSE(place->shared);
	EXPECT_EQ(place->logindSeat, "seat2");
	for (unsigned card : {10u, 11u, 12u})
		FakeLogind::removeCard(card);
}

TEST_F(LoginSeatsTest, UdevEventsOnSoundDevicesAreHeard)
{
	std::string error;
	ASSERT_TRUE(seats_.watchDevices(&error)) << error;
	int fd = seats_.deviceWatchFd();
	ASSERT_GE(fd, 0);
	EXPECT_FALSE(seats_.takeDeviceChanges()) << "nothing happened yet";

	FakeLogind::writeCard(7, "seat2", true);
	ASSERT_TRUE(FakeLogind::sendUdevEvent("change", "/devices/virtual/sound/card7", &error))
		<< error;
	ASSERT_TRUE(readable(fd, 5s)) << "the event reached the monitor";
	EXPECT_TRUE(seats_.takeDeviceChanges());
	EXPECT_FALSE(seats_.takeDeviceChanges()) << "taken once";
	FakeLogind::removeCard(7);
}

TEST_F(LoginSeatsTest, NodesWithoutACardHaveNoSeat)
{
	EXPECT_EQ(seatOf({{"node.name", "cabin.speakers"}}), std::nullopt);
	EXPECT_EQ(seatOf({{"api.alsa.card", "x1"}}), std::nullopt);
	EXPECT_EQ(seatOf({{"api.alsa.card", "42"}}), std::nullopt) << "no such card";
}

} // namespace
} // namespace cabin
