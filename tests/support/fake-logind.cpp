/* SPDX-License-Identifier: MIT */
#include "fake-logind.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <endian.h>
#include <filesystem>
#include <fstream>
#include <linux/netlink.h>
#include <map>
#include <sched.h>
#include <set>
#include <sys/mount.h>
#include <sys/socket.h>
#include <unistd.h>

namespace cabin::test {

namespace fs = std::filesystem;

namespace {

const fs::path kRoot = "/run/systemd";
/* Where the cgroup files bound over /proc/PID/cgroup live (libsystemd never looks here). */
const fs::path kCgroups = "/run/systemd/cabin-test-cgroups";

bool fail(std::string *error, const std::string &what)
{
	*error = what + ": " + std::strerror(errno);
	return false;
}

/* Writes beside the place and renames into it, as logind does. */
void writeAtomically(const fs::path &path, const std::string &text)
{
	fs::path temporary = path.parent_path() / ("." + path.filename().string() + ".tmp");
	{
		std::ofstream out(temporary, std::ios::trunc);
		out << "# This is private data. Do not parse.\n" << text;
	}
	fs::rename(temporary, path);
}

std::string joined(const std::vector<std::string> &items)
{
	std::string out;
	for (const std::string &item : items)
		out += (out.empty() ? "" : " ") + item;
	return out;
}

/* Both hierarchies' lines: libsystemd reads the one its mode uses. */
std::string cgroupLines(const std::string &path)
{
	return "1:name=systemd:" + path + "\n0::" + path + "\n";
}

bool bindFile(const fs::path &file, const std::string &text, const std::string &target,
	      std::string *error)
{
	{
		std::ofstream out(file, std::ios::trunc);
		out << text;
	}
	if (mount(file.c_str(), target.c_str(), nullptr, MS_BIND, nullptr) < 0)
		return fail(error, "bind " + file.string() + " over " + target);
	return true;
}

} // namespace

bool FakeLogind::enterPrivateNamespace(std::string *error)
{
	/* A network namespace of its own too: the udev events sent here reach nobody outside. */
	if (unshare(CLONE_NEWNS | CLONE_NEWNET) < 0)
		return fail(error, "unshare(CLONE_NEWNS | CLONE_NEWNET) (needs root)");
	if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) < 0)
		return fail(error, "make / private");
	std::error_code ignored;
	fs::create_directories(kRoot, ignored);
	if (mount("tmpfs", kRoot.c_str(), "tmpfs", 0, "mode=0755") < 0)
		return fail(error, "tmpfs on " + kRoot.string());
	for (const char *dir : {"seats", "sessions", "users", "machines"})
		fs::create_directories(kRoot / dir);
	for (const fs::path &dir : {fs::path("/run/udev"), fs::path("/sys/class")}) {
		fs::create_directories(dir, ignored);
		if (mount("tmpfs", dir.c_str(), "tmpfs", 0, "mode=0755") < 0)
			return fail(error, "tmpfs on " + dir.string());
	}
	fs::create_directories("/run/udev/data");
	/* Where it is missing, sd_device_monitor joins no group and hears nothing. */
	std::ofstream("/run/udev/control").flush();
	fs::create_directories("/sys/class/sound");
	setenv("SYSTEMD_DEVICE_VERIFY_SYSFS", "0", 1);
	fs::create_directories(kCgroups);
	/* PID 1's cgroup is the root the others are read against. */
	return bindFile(kCgroups / "1", cgroupLines("/init.scope"), "/proc/1/cgroup", error);
}

void FakeLogind::writeSession(const Session &session)
{
	std::erase_if(sessions_, [&](const Session &s) { return s.id == session.id; });
	sessions_.push_back(session);
	writeAll();
}

void FakeLogind::removeSession(const std::string &id)
{
	std::erase_if(sessions_, [&](const Session &s) { return s.id == id; });
	std::error_code ignored;
	fs::remove(kRoot / "sessions" / id, ignored);
	writeAll();
}

void FakeLogind::writeAll()
{
	std::map<std::string, std::vector<const Session *>> bySeat;
	std::map<std::uint32_t, std::vector<const Session *>> byUid;
	for (const Session &session : sessions_) {
		std::string uid = std::to_string(session.uid);
		std::string text = "UID=" + uid + "\nUSER=user" + uid +
				   "\nACTIVE=" + (session.active ? "1" : "0") +
				   "\nSTATE=" + (session.active ? "active" : "online") +
				   "\nREMOTE=0\nTYPE=wayland\nCLASS=user\nSCOPE=session-" +
				   session.id + ".scope\n";
		if (!session.seat.empty()) {
			text += "SEAT=" + session.seat + "\n";
			bySeat[session.seat].push_back(&session);
		}
		writeAtomically(kRoot / "sessions" / session.id, text);
		byUid[session.uid].push_back(&session);
	}

	std::set<std::string> seatFiles;
	for (const auto &[seat, sessions] : bySeat) {
		std::vector<std::string> ids, uids;
		std::string text = std::string("IS_SEAT0=") + (seat == "seat0" ? "1" : "0") +
				   "\nCAN_MULTI_SESSION=1\nCAN_TTY=0\nCAN_GRAPHICAL=1\n";
		for (const Session *session : sessions) {
			ids.push_back(session->id);
			uids.push_back(std::to_string(session->uid));
			if (session->active)
				text += "ACTIVE=" + session->id +
					"\nACTIVE_UID=" + std::to_string(session->uid) + "\n";
		}
		text += "SESSIONS=" + joined(ids) + "\nUIDS=" + joined(uids) + "\n";
		writeAtomically(kRoot / "seats" / seat, text);
		seatFiles.insert(seat);
	}
	std::error_code ignored;
	for (const auto &entry : fs::directory_iterator(kRoot / "seats"))
		if (!seatFiles.contains(entry.path().filename().string()))
			fs::remove(entry.path(), ignored);

	std::set<std::string> userFiles;
	for (const auto &[uid, sessions] : byUid) {
		std::vector<std::string> all, active, seats, activeSeats;
		for (const Session *session : sessions) {
			all.push_back(session->id);
			if (!session->seat.empty())
				seats.push_back(session->seat);
			if (session->active) {
				active.push_back(session->id);
				if (!session->seat.empty())
					activeSeats.push_back(session->seat);
			}
		}
		std::string name = std::to_string(uid);
		writeAtomically(kRoot / "users" / name,
				"NAME=user" + name +
					"\nSTATE=" + (active.empty() ? "online" : "active") +
					"\nSESSIONS=" + joined(all) + "\nSEATS=" + joined(seats) +
					"\nACTIVE_SESSIONS=" + joined(active) +
					"\nONLINE_SESSIONS=" + joined(all) +
					"\nACTIVE_SEATS=" + joined(activeSeats) +
					"\nONLINE_SEATS=" + joined(seats) + "\n");
		userFiles.insert(name);
	}
	for (const auto &entry : fs::directory_iterator(kRoot / "users"))
		if (!userFiles.contains(entry.path().filename().string()))
			fs::remove(entry.path(), ignored);
}

void FakeLogind::writeCard(unsigned card, const std::string &seat, bool tagged,
			   const std::map<std::string, std::string> &extra)
{
	const std::string name = "card" + std::to_string(card);
	const fs::path dir = fs::path("/sys/class/sound") / name;
	fs::create_directories(dir);
	/* No MAJOR/MINOR: the card object has no device node, its database id is +sound:cardN. */
	std::ofstream(dir / "uevent").flush();
	std::error_code ignored;
	fs::remove(dir / "subsystem", ignored);
	/* sd-device takes the subsystem from the last part of the link itself. */
	fs::create_directory_symlink("../../sound", dir / "subsystem");
	std::string entry = "I:1\n";
	if (!seat.empty())
		entry += "E:ID_SEAT=" + seat + "\n";
	for (const auto &[key, value] : extra)
		entry += "E:" + key + "=" + value + "\n";
	if (tagged)
		entry += "G:seat\nQ:seat\n";
	entry += "V:1\n";
	const fs::path db = fs::path("/run/udev/data") / ("+sound:" + name);
	const fs::path temporary = db.string() + ".tmp";
	std::ofstream(temporary) << entry;
	fs::rename(temporary, db);
}

void FakeLogind::removeCard(unsigned card)
{
	const std::string name = "card" + std::to_string(card);
	std::error_code ignored;
	fs::remove(fs::path("/run/udev/data") / ("+sound:" + name), ignored);
	fs::remove_all(fs::path("/sys/class/sound") / name, ignored);
}

bool FakeLogind::sendUdevEvent(const std::string &action, const std::string &devpath,
			       std::string *error)
{
	/* What udevd broadcasts: libudev's header, then NUL-separated KEY=VALUE. */
	static std::uint64_t seqnum = 1000;
	std::string properties;
	for (const std::string &entry :
	     {"ACTION=" + action, "DEVPATH=" + devpath, std::string("SUBSYSTEM=sound"),
	      "SEQNUM=" + std::to_string(++seqnum)})
		properties += entry + '\0';
	struct {
		char prefix[8];
		std::uint32_t magic;
		std::uint32_t headerSize;
		std::uint32_t propertiesOffset;
		std::uint32_t propertiesLength;
		/* Hashes for the kernel's filter; the monitor under test sets none. */
		std::uint32_t subsystemHash;
		std::uint32_t devtypeHash;
		std::uint32_t tagBloomHigh;
		std::uint32_t tagBloomLow;
	} header = {};
	std::memcpy(header.prefix, "libudev", 8);
	header.magic = htobe32(0xfeedcafe);
	header.headerSize = sizeof(header);
	header.propertiesOffset = sizeof(header);
	header.propertiesLength = static_cast<std::uint32_t>(properties.size());
	std::string message(reinterpret_cast<const char *>(&header), sizeof(header));
	message += properties;

	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_KOBJECT_UEVENT);
	if (fd < 0)
		return fail(error, "netlink socket");
	struct sockaddr_nl address = {};
	address.nl_family = AF_NETLINK;
	/* Group 2 is udev's (1 is the kernel's own). */
	address.nl_groups = 2;
	ssize_t sent = sendto(fd, message.data(), message.size(), 0,
			      reinterpret_cast<struct sockaddr *>(&address), sizeof(address));
	close(fd);
	if (sent != static_cast<ssize_t>(message.size()))
		return fail(error, "send a udev event");
	return true;
}

bool FakeLogind::placeProcess(pid_t pid, std::uint32_t uid, const std::string &id,
			      std::string *error)
{
	std::string slice = "/user.slice/user-" + std::to_string(uid) + ".slice";
	std::string path = id.empty() ? slice + "/user@" + std::to_string(uid) +
						".service/app.slice/app-cabin.scope"
				      : slice + "/session-" + id + ".scope";
	return bindFile(kCgroups / std::to_string(pid), cgroupLines(path),
			"/proc/" + std::to_string(pid) + "/cgroup", error);
}

} // namespace cabin::test
