/* SPDX-License-Identifier: MIT */
/*
 * DaemonSandbox: runs the real `pipewire` and `wireplumber` binaries with
 * Cabin's fragments in private XDG directories, starts clients as a given
 * seat socket or uid, and answers questions about the live graph through
 * the stock tools (pw-dump, pw-metadata). Every wait has a deadline.
 */
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <sys/types.h>
#include <vector>

#include "json.hpp"

namespace cabin::test {

using namespace std::chrono_literals;

struct SandboxOptions {
	/* Paths of pipewire.conf.d fragments to install. */
	std::vector<std::string> pipewireFragments;
	/* Extra pipewire.conf.d fragments written from text: file name, content. */
	std::vector<std::pair<std::string, std::string>> pipewireTexts;
	/* Paths of wireplumber.conf.d fragments to install. */
	std::vector<std::string> wireplumberFragments;
	/* Extra wireplumber.conf.d fragments written from text: file name, content. */
	std::vector<std::pair<std::string, std::string>> wireplumberTexts;
	/* ALSA configuration files to include (the simulated amplifier's PCMs). */
	std::vector<std::string> alsaFragments;
	/* Extra ALSA configuration text, appended after the fragments. */
	std::string alsaText;
	/* Load Cabin's own wireplumber fragment (false: stock WirePlumber policy). */
	bool cabin = true;
	/*
	 * Run the daemons as this user, as the system services do (unset: as
	 * ourselves). The sandbox directory is handed to it.
	 */
	std::optional<uid_t> daemonUid;
	std::optional<gid_t> daemonGid;
	/* Seats that get their own pipewire-pulse, as cabin-pulse@.service does. */
	std::vector<std::string> pulseSeats;
	std::string wireplumberDebug = "m-cabin:4,s-cabin-linking:4,s-linking:3";
};

struct ClientOptions {
	/* Socket to connect to (PIPEWIRE_REMOTE); empty for the default. */
	std::string remote;
	/* Run as this uid (its primary gid unless \a gid, plus its groups), via setpriv. */
	std::optional<uid_t> uid;
	std::optional<gid_t> gid;
	/* Extra environment entries ("NAME=value"). */
	std::vector<std::string> env;

	/* The unrestricted manager socket, for looking at the whole graph. */
	static ClientOptions manager() { return {"pipewire-0-manager", {}, {}, {}}; }
};

class DaemonSandbox
{
public:
	explicit DaemonSandbox(SandboxOptions options);
	~DaemonSandbox();
	DaemonSandbox(const DaemonSandbox &) = delete;
	DaemonSandbox &operator=(const DaemonSandbox &) = delete;

	/* Starts both daemons and waits until the policy is up. */
	bool start(std::string *error);
	bool startPulse(const std::string &seat, std::string *error);
	/* Stops WirePlumber and starts it again, waiting until the policy is up. */
	bool restartWireplumber(std::string *error);
	/* Stops WirePlumber and waits until its metadata is gone from the graph. */
	bool stopWireplumber(std::string *error);
	/* Starts WirePlumber and waits until the policy is up. */
	bool startWireplumber(std::string *error);

	/* Where the sources and the build are (from the test environment). */
	static std::string sourceRoot();
	static std::string buildRoot();
	/* The sedan example's fragments plus the no-hardware sandbox fragment. */
	static SandboxOptions sedan();

	/* Starts a program with the sandbox's environment; output goes to a log file. */
	pid_t spawn(const std::vector<std::string> &argv, const ClientOptions &client = {});
	/*
	 * Starts a program held at a gate (a shell waiting on a FIFO, which
	 * then execs it under the same pid), calls \a prepare with that pid,
	 * and only then lets it run: to put the process somewhere (a login
	 * session) before it connects. -1 if the gate cannot be made.
	 */
	pid_t spawnHeld(const std::vector<std::string> &argv, const ClientOptions &client,
			const std::function<void(pid_t)> &prepare);
	/* Stops a spawned program (SIGTERM, then SIGKILL after a deadline). */
	void stop(pid_t pid);
	/* Runs a program to completion and returns its stdout, or nullopt on failure. */
	std::optional<std::string> run(const std::vector<std::string> &argv,
				       const ClientOptions &client = {}, int *exitStatus = nullptr);

	/* Starts cabin-tone as a playback stream named \a nodeName. */
	pid_t playTone(const std::string &nodeName, const ClientOptions &client = {},
		       const std::vector<std::string> &extraProps = {});

	/* Runs \a count copies of \a argv at once; the stdout of each that exited 0. */
	std::vector<std::optional<std::string>>
	runConcurrently(const std::vector<std::string> &argv, const ClientOptions &client,
			int count);

	/* The graph as pw-dump sees it: the whole graph, or what \a client may see. */
	std::optional<JsonValue> dump();
	std::optional<JsonValue> dump(const ClientOptions &client);
	std::optional<std::uint32_t> nodeId(const std::string &nodeName);
	/* A property of the node named \a nodeName, as pw-dump shows it. */
	std::optional<std::string> nodeProperty(const std::string &nodeName,
						const std::string &key);
	/*
	 * Names of the nodes \a nodeName is linked to, in either direction.
	 * module-cabin's level probes (`cabin.probe.stream`) listen on a
	 * stream without being where it plays, and are left out.
	 */
	std::set<std::string> linkedTargets(const std::string &nodeName);
	/* Waits until \a nodeName is linked to exactly \a targets. */
	bool waitForTargets(const std::string &nodeName, const std::set<std::string> &targets,
			    std::chrono::milliseconds timeout = 10s);
	/* The Latency params on the ports of node \a nodeName, as pw-dump shows them. */
	struct PortLatency {
		std::string direction; /* "Input" or "Output" */
		double minQuantum;
		long long minRate;
	};
	std::vector<PortLatency> portLatencies(const std::string &nodeName);
	/* The cabin.state JSON published by module-cabin. */
	std::optional<JsonValue> cabinState();
	/*
	 * The quantum and rate of the driver among \a nodeNames (the line
	 * pw-top prints without "+" before its name), while it runs.
	 */
	struct DriverClock {
		std::size_t quantum = 0;
		std::size_t rate = 0;
	};
	std::optional<DriverClock> driverClock(const std::set<std::string> &nodeNames);
	/* Value of \a key on \a subject in metadata \a name, as pw-metadata prints it. */
	std::optional<std::string> metadataValue(const std::string &name, std::uint32_t subject,
						 const std::string &key);

	/* Polls \a condition until it holds or the deadline passes. */
	static bool waitFor(const std::function<bool()> &condition,
			    std::chrono::milliseconds timeout = 10s);

	const std::string &directory() const { return dir_; }
	/* PULSE_SERVER value of \a seat's pipewire-pulse. */
	std::string pulseServer(const std::string &seat) const
	{
		return "unix:" + dir_ + "/pulse/" + seat + "/native";
	}
	pid_t pipewirePid() const { return pipewire_; }
	/* Whether the WirePlumber this sandbox started is still running (not crashed). */
	bool wireplumberRunning();
	/* Where the simulated amplifier keeps its recordings and sockets (CABIN_AMP_DIR). */
	std::string ampDirectory() const { return dir_ + "/amp"; }
	/* Runs `cabin-amp COMMAND SOCKET` (status, xrun) on the socket \a socketName. */
	std::optional<std::string> ampCommand(const std::string &socketName,
					      const std::string &command);
	/* A key of the amplifier's status (e.g. "state"), or nullopt if the PCM is closed. */
	std::optional<std::string> ampStatus(const std::string &socketName, const std::string &key);
	std::string wireplumberLog() const;
	/* Keep the directory and logs after destruction (set on test failure). */
	void keepLogs() { keep_ = true; }

private:
	/* How the daemons run: as the services' user, if one is set. */
	ClientOptions daemonOptions() const;
	std::vector<std::string> environment(const ClientOptions &client) const;
	pid_t spawnWithLog(const std::vector<std::string> &argv, const ClientOptions &client,
			   const std::string &logPath);

	SandboxOptions options_;
	std::string dir_;
	pid_t pipewire_ = -1;
	pid_t wireplumber_ = -1;
	std::vector<pid_t> children_;
	int spawnCount_ = 0;
	int gateCount_ = 0;
	bool keep_ = false;
};

/* A test user created by scripts/test (`useradd`), if present and usable. */
struct TestUser {
	uid_t uid;
	gid_t gid;
};
std::optional<TestUser> findTestUser(const std::string &name);
/* A group created by scripts/test (the sockets of the example car name them). */
std::optional<gid_t> findGroup(const std::string &name);

/* The whole text of a file; "" when it cannot be read. */
std::string readFile(const std::string &path);

} // namespace cabin::test
