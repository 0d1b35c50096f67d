/* SPDX-License-Identifier: MIT */
#include "daemon-sandbox.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <grp.h>
#include <map>
#include <pwd.h>
#include <signal.h>
#include <sstream>
#include <sys/stat.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

extern char **environ;

namespace cabin::test {

namespace fs = std::filesystem;

namespace {

std::string envOr(const char *name, const char *fallback)
{
	const char *value = std::getenv(name);
	return value && *value ? value : fallback;
}

bool waitPid(pid_t pid, std::chrono::milliseconds timeout, int *status)
{
	auto deadline = std::chrono::steady_clock::now() + timeout;
	do {
		pid_t res = waitpid(pid, status, WNOHANG);
		if (res == pid || (res < 0 && errno == ECHILD))
			return true;
		std::this_thread::sleep_for(10ms); /* polling interval, under a deadline */
	} while (std::chrono::steady_clock::now() < deadline);
	return false;
}

} // namespace

DaemonSandbox::DaemonSandbox(SandboxOptions options) : options_(std::move(options))
{
	std::string base = envOr("CABIN_TEST_TMPDIR", "/tmp");
	std::string pattern = base + "/cabin-test-XXXXXX";
	std::vector<char> buffer(pattern.begin(), pattern.end());
	buffer.push_back('\0');
	if (mkdtemp(buffer.data()))
		dir_ = buffer.data();
}

DaemonSandbox::~DaemonSandbox()
{
	/* stop() removes each from children_, so walk a copy. */
	for (pid_t pid : std::vector<pid_t>(children_))
		stop(pid);
	stop(wireplumber_);
	stop(pipewire_);
	if (dir_.empty())
		return;
	if (keep_) {
		std::fprintf(stderr, "daemon logs kept in %s (pipewire.log, wireplumber.log)\n",
			     dir_.c_str());
		return;
	}
	std::error_code ignored;
	fs::remove_all(dir_, ignored);
}

std::string DaemonSandbox::sourceRoot()
{
	return envOr("CABIN_SOURCE_ROOT", ".");
}

std::string DaemonSandbox::buildRoot()
{
	return envOr("CABIN_BUILD_ROOT", "build");
}

SandboxOptions DaemonSandbox::sedan()
{
	std::string src = sourceRoot();
	SandboxOptions options;
	options.pipewireFragments = {
		src + "/conf.d/pipewire.conf.d/40-cabin.conf",
		src + "/conf.d/examples/sedan/pipewire.conf.d/50-cabin-sedan.conf"};
	options.alsaFragments = {src + "/conf.d/examples/sedan/alsa/50-cabin-sedan-amp.conf"};
	options.wireplumberFragments = {
		src + "/conf.d/examples/sedan/wireplumber.conf.d/60-cabin-sedan.conf",
		src + "/conf.d/sandbox/wireplumber.conf.d/90-cabin-sandbox.conf"};
	return options;
}

std::vector<std::string> DaemonSandbox::environment(const ClientOptions &client) const
{
	std::vector<std::string> env;
	for (char **entry = environ; *entry; entry++) {
		std::string_view item(*entry);
		/* The sandbox decides where everything lives; drop inherited settings. */
		if (item.starts_with("PIPEWIRE_") || item.starts_with("WIREPLUMBER_") ||
		    item.starts_with("XDG_") || item.starts_with("DBUS_") ||
		    item.starts_with("HOME="))
			continue;
		env.emplace_back(item);
	}
	std::string src = sourceRoot();
	std::string build = buildRoot();
	std::string wpConfig = dir_ + "/wpconf";
	if (options_.cabin)
		wpConfig += ":" + src + "/conf.d";
	env.push_back("HOME=" + dir_);
	env.push_back("XDG_RUNTIME_DIR=" + dir_ + "/run");
	env.push_back("PIPEWIRE_RUNTIME_DIR=" + dir_ + "/run");
	env.push_back("XDG_CONFIG_HOME=" + dir_ + "/config");
	env.push_back("XDG_STATE_HOME=" + dir_ + "/state");
	env.push_back("XDG_DATA_HOME=" + dir_ + "/data");
	env.push_back("DBUS_SESSION_BUS_ADDRESS=disabled:");
	env.push_back("WIREPLUMBER_CONFIG_DIR=" + wpConfig + ":" CABIN_WP_SYSTEM_DATA_DIR);
	env.push_back("WIREPLUMBER_DATA_DIR=" + src + "/lua:" CABIN_WP_SYSTEM_DATA_DIR);
	env.push_back("WIREPLUMBER_MODULE_DIR=" + build +
		      "/wireplumber:" CABIN_WP_SYSTEM_MODULE_DIR);
	env.push_back("WIREPLUMBER_DEBUG=" + options_.wireplumberDebug);
	env.push_back("SPA_PLUGIN_DIR=" + build + "/spa-plugins:" CABIN_SPA_SYSTEM_PLUGIN_DIR);
	env.push_back("CABIN_AMP_DIR=" + ampDirectory());
	if (!client.remote.empty())
		env.push_back("PIPEWIRE_REMOTE=" + client.remote);
	env.insert(env.end(), client.env.begin(), client.env.end());
	return env;
}

pid_t DaemonSandbox::spawnWithLog(const std::vector<std::string> &argv, const ClientOptions &client,
				  const std::string &logPath)
{
	std::vector<std::string> env = environment(client);
	std::vector<char *> envp, args;
	for (std::string &entry : env)
		envp.push_back(entry.data());
	envp.push_back(nullptr);
	std::vector<std::string> argvCopy;
	if (client.uid) {
		/* A real other user, with the supplementary groups /etc/group gives it. */
		gid_t gid = client.gid.value_or(static_cast<gid_t>(*client.uid));
		argvCopy = {"setpriv", "--reuid=" + std::to_string(*client.uid),
			    "--regid=" + std::to_string(gid), "--init-groups", "--"};
	}
	argvCopy.insert(argvCopy.end(), argv.begin(), argv.end());
	for (std::string &arg : argvCopy)
		args.push_back(arg.data());
	args.push_back(nullptr);

	pid_t pid = fork();
	if (pid != 0)
		return pid;
	/* Child: only async-signal-safe calls from here on. */
	int log = open(logPath.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
	if (log >= 0) {
		dup2(log, STDOUT_FILENO);
		dup2(log, STDERR_FILENO);
		close(log);
	}
	int devnull = open("/dev/null", O_RDONLY);
	if (devnull >= 0)
		dup2(devnull, STDIN_FILENO);
	setpgid(0, 0);
	execvpe(args[0], args.data(), envp.data());
	_exit(127);
}

pid_t DaemonSandbox::spawn(const std::vector<std::string> &argv, const ClientOptions &client)
{
	std::string name = fs::path(argv.at(0)).filename();
	std::string logPath =
		dir_ + "/client-" + std::to_string(++spawnCount_) + "-" + name + ".log";
	pid_t pid = spawnWithLog(argv, client, logPath);
	if (pid > 0)
		children_.push_back(pid);
	return pid;
}

void DaemonSandbox::stop(pid_t pid)
{
	if (pid <= 0)
		return;
	int status = 0;
	if (kill(pid, SIGTERM) == 0 && !waitPid(pid, 5s, &status)) {
		kill(pid, SIGKILL);
		waitPid(pid, 5s, &status);
	}
	std::erase(children_, pid);
}

std::optional<DaemonSandbox::DriverClock>
DaemonSandbox::driverClock(const std::set<std::string> &nodeNames)
{
	auto out = run({"pw-top", "-b", "-n", "2"}, ClientOptions::manager());
	if (!out)
		return std::nullopt;
	std::optional<DriverClock> found;
	std::istringstream lines(*out);
	for (std::string line; std::getline(lines, line);) {
		std::istringstream fields(line);
		std::string status, id, quantum, rate;
		fields >> status >> id >> quantum >> rate;
		std::string name = line.substr(line.find_last_of(' ') + 1);
		if (line.find(" + ") != std::string::npos || !nodeNames.contains(name) ||
		    std::atoi(quantum.c_str()) <= 0)
			continue;
		/* The last of pw-top's two samples is the current one. */
		found = DriverClock{std::stoul(quantum), std::stoul(rate)};
	}
	return found;
}

bool DaemonSandbox::wireplumberRunning()
{
	if (wireplumber_ <= 0)
		return false;
	int status = 0;
	if (waitpid(wireplumber_, &status, WNOHANG) == 0)
		return true;
	std::erase(children_, wireplumber_);
	wireplumber_ = -1;
	return false;
}

std::optional<std::string> DaemonSandbox::run(const std::vector<std::string> &argv,
					      const ClientOptions &client, int *exitStatus)
{
	std::string outPath = dir_ + "/run-" + std::to_string(++spawnCount_) + ".out";
	pid_t pid = spawnWithLog(argv, client, outPath);
	if (pid < 0)
		return std::nullopt;
	int status = 0;
	if (!waitPid(pid, 20s, &status)) {
		kill(pid, SIGKILL);
		waitPid(pid, 5s, &status);
		return std::nullopt;
	}
	std::string output = readFile(outPath);
	std::error_code ignored;
	fs::remove(outPath, ignored);
	int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	if (exitStatus)
		*exitStatus = code;
	if (code != 0 && !exitStatus)
		return std::nullopt;
	return output;
}

bool DaemonSandbox::start(std::string *error)
{
	if (dir_.empty()) {
		*error = "cannot create a sandbox directory";
		return false;
	}
	/* Clients running as other uids must reach the sockets. */
	chmod(dir_.c_str(), 0755);
	for (const char *sub : {"run", "config/pipewire/pipewire.conf.d", "config/alsa", "state",
				"data", "wpconf/wireplumber.conf.d", "amp"})
		fs::create_directories(dir_ + "/" + sub);
	{
		/* alsa-lib reads $XDG_CONFIG_HOME/alsa/asoundrc; the amplifier plugin
		 * is taken from the build tree. */
		std::ofstream asoundrc(dir_ + "/config/alsa/asoundrc");
		asoundrc << "pcm_type.cabin_amp { lib \"" << buildRoot()
			 << "/simulator/libasound_module_pcm_cabin_amp.so\" }\n";
		for (const std::string &fragment : options_.alsaFragments)
			asoundrc << "<" << fragment << ">\n";
		asoundrc << options_.alsaText << "\n";
	}
	chmod((dir_ + "/run").c_str(), 0755);
	for (const std::string &fragment : options_.pipewireFragments)
		fs::copy_file(fragment, dir_ + "/config/pipewire/pipewire.conf.d/" +
						fs::path(fragment).filename().string());
	for (const auto &[name, text] : options_.pipewireTexts)
		std::ofstream(dir_ + "/config/pipewire/pipewire.conf.d/" + name) << text;
	for (const std::string &fragment : options_.wireplumberFragments)
		fs::copy_file(fragment, dir_ + "/wpconf/wireplumber.conf.d/" +
						fs::path(fragment).filename().string());
	for (const auto &[name, text] : options_.wireplumberTexts)
		std::ofstream(dir_ + "/wpconf/wireplumber.conf.d/" + name) << text;

	ClientOptions daemon = daemonOptions();
	if (options_.daemonUid) {
		/* The services' user owns its runtime and state, as under systemd. */
		gid_t gid = options_.daemonGid.value_or(static_cast<gid_t>(-1));
		for (const auto &entry : fs::recursive_directory_iterator(dir_))
			if (lchown(entry.path().c_str(), *options_.daemonUid, gid) < 0)
				perror(entry.path().c_str());
		if (chown(dir_.c_str(), *options_.daemonUid, gid) < 0)
			perror(dir_.c_str());
	}

	pipewire_ = spawnWithLog({"pipewire"}, daemon, dir_ + "/pipewire.log");
	bool up = waitFor([&] {
		int status = 0;
		return run({"pw-cli", "info", "0"}, ClientOptions::manager(), &status) &&
		       status == 0;
	});
	if (!up) {
		*error = "pipewire did not come up; see " + dir_ + "/pipewire.log";
		keepLogs();
		return false;
	}
	if (!startWireplumber(error))
		return false;
	for (const std::string &seat : options_.pulseSeats)
		if (!startPulse(seat, error))
			return false;
	return true;
}

ClientOptions DaemonSandbox::daemonOptions() const
{
	ClientOptions daemon;
	daemon.uid = options_.daemonUid;
	daemon.gid = options_.daemonGid;
	return daemon;
}

bool DaemonSandbox::startWireplumber(std::string *error)
{
	ClientOptions daemon = daemonOptions();
	/* Appended to: a restarted WirePlumber keeps the earlier log. */
	wireplumber_ = spawnWithLog({"wireplumber"}, daemon, dir_ + "/wireplumber.log");
	/* Ready when the policy has published its state (or, for stock, the default metadata). */
	bool up = waitFor([&] {
		int status = 0;
		if (waitpid(wireplumber_, &status, WNOHANG) == wireplumber_) {
			wireplumber_ = -1;
			return true;
		}
		if (options_.cabin)
			return metadataValue("cabin", 0, "cabin.state").has_value();
		auto out = run({"pw-metadata", "-n", "default"}, ClientOptions::manager(), &status);
		return out && out->find("default.audio.sink") != std::string::npos;
	});
	if (!up || wireplumber_ < 0) {
		*error = "wireplumber did not come up; see " + dir_ + "/wireplumber.log";
		keepLogs();
		return false;
	}
	return true;
}

bool DaemonSandbox::stopWireplumber(std::string *error)
{
	stop(wireplumber_);
	wireplumber_ = -1;
	/* The previous state must not count as the new instance being up. */
	if (options_.cabin &&
	    !waitFor([&] { return !metadataValue("cabin", 0, "cabin.state").has_value(); })) {
		*error = "the cabin metadata outlived wireplumber";
		return false;
	}
	return true;
}

bool DaemonSandbox::restartWireplumber(std::string *error)
{
	return stopWireplumber(error) && startWireplumber(error);
}

bool DaemonSandbox::startPulse(const std::string &seat, std::string *error)
{
	/* What cabin-pulse@<seat>.service sets up (docs/system-services.md). */
	std::string runtime = dir_ + "/pulse/" + seat;
	fs::create_directories(runtime);
	fs::create_directories(dir_ + "/config/pipewire/pipewire-pulse.conf.d");
	fs::copy_file(sourceRoot() + "/conf.d/pipewire-pulse.conf.d/50-cabin-pulse.conf",
		      dir_ + "/config/pipewire/pipewire-pulse.conf.d/50-cabin-pulse.conf",
		      fs::copy_options::overwrite_existing);
	std::optional<gid_t> seatGroup = findGroup("cabin-seat-" + seat);
	uid_t owner = options_.daemonUid.value_or(geteuid());
	if (!seatGroup || chown(runtime.c_str(), owner, *seatGroup) < 0 ||
	    chmod(runtime.c_str(), 0750) < 0) {
		*error = "cannot prepare " + runtime + " for group cabin-seat-" + seat;
		return false;
	}
	ClientOptions pulse;
	pulse.remote = "cabin-" + seat;
	pulse.uid = options_.daemonUid;
	pulse.gid = options_.daemonGid;
	pulse.env = {"PULSE_RUNTIME_PATH=" + runtime};
	pid_t pid = spawnWithLog({"pipewire-pulse"}, pulse, dir_ + "/pulse-" + seat + ".log");
	children_.push_back(pid);
	if (!waitFor([&] { return fs::exists(runtime + "/native"); })) {
		*error = "pipewire-pulse for " + seat + " did not come up; see " + dir_ +
			 "/pulse-" + seat + ".log";
		keepLogs();
		return false;
	}
	return true;
}

std::optional<std::string> DaemonSandbox::ampCommand(const std::string &socketName,
						     const std::string &command)
{
	return run(
		{buildRoot() + "/simulator/cabin-amp", command, ampDirectory() + "/" + socketName});
}

std::optional<std::string> DaemonSandbox::ampStatus(const std::string &socketName,
						    const std::string &key)
{
	auto out = ampCommand(socketName, "status");
	if (!out)
		return std::nullopt;
	std::istringstream lines(*out);
	for (std::string line; std::getline(lines, line);)
		if (line.starts_with(key + "="))
			return line.substr(key.size() + 1);
	return std::nullopt;
}

pid_t DaemonSandbox::playTone(const std::string &nodeName, const ClientOptions &client,
			      const std::vector<std::string> &extraProps)
{
	std::vector<std::string> argv = {buildRoot() + "/tools/cabin-tone", "node.name=" + nodeName,
					 "media.name=" + nodeName};
	argv.insert(argv.end(), extraProps.begin(), extraProps.end());
	return spawn(argv, client);
}

pid_t DaemonSandbox::spawnHeld(const std::vector<std::string> &argv, const ClientOptions &client,
			       const std::function<void(pid_t)> &prepare)
{
	std::string gate = dir_ + "/gate-" + std::to_string(gateCount_++);
	if (mkfifo(gate.c_str(), 0600) < 0 ||
	    (client.uid && chown(gate.c_str(), *client.uid, client.gid.value_or(-1)) < 0))
		return -1;
	std::vector<std::string> held = {"/bin/sh", "-c", "read go < \"$0\"; shift; exec \"$@\"",
					 gate, "--"};
	held.insert(held.end(), argv.begin(), argv.end());
	pid_t pid = spawn(held, client);
	prepare(pid);
	/* Opening blocks until the shell opened its end; it exits if it could not. */
	int fd = open(gate.c_str(), O_WRONLY);
	if (fd >= 0) {
		if (write(fd, "\n", 1) < 0) {
			/* The shell went away: the caller finds the program not running. */
		}
		close(fd);
	}
	unlink(gate.c_str());
	return pid;
}

std::optional<JsonValue> DaemonSandbox::dump()
{
	return dump(ClientOptions::manager());
}

std::optional<JsonValue> DaemonSandbox::dump(const ClientOptions &client)
{
	auto out = run({"pw-dump", "--no-colors"}, client);
	if (!out)
		return std::nullopt;
	return JsonValue::parse(*out);
}

std::vector<std::optional<std::string>>
DaemonSandbox::runConcurrently(const std::vector<std::string> &argv, const ClientOptions &client,
			       int count)
{
	std::vector<std::pair<pid_t, std::string>> started;
	for (int i = 0; i < count; i++) {
		std::string outPath = dir_ + "/run-" + std::to_string(++spawnCount_) + ".out";
		started.emplace_back(spawnWithLog(argv, client, outPath), outPath);
	}
	std::vector<std::optional<std::string>> outputs;
	for (const auto &[pid, outPath] : started) {
		int status = 0;
		if (pid < 0 || !waitPid(pid, 60s, &status)) {
			if (pid > 0)
				kill(pid, SIGKILL), waitPid(pid, 5s, &status);
			outputs.emplace_back();
			continue;
		}
		bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
		outputs.push_back(ok ? std::optional(readFile(outPath)) : std::nullopt);
		std::error_code ignored;
		fs::remove(outPath, ignored);
	}
	return outputs;
}

namespace {

const JsonValue *nodeProps(const JsonValue &object)
{
	const JsonValue *info = object.find("info");
	return info ? info->find("props") : nullptr;
}

bool isType(const JsonValue &object, std::string_view type)
{
	return object.stringOr("type") == type;
}

} // namespace

/* The pw-dump object of the node named \a nodeName, or nullptr. */
static const JsonValue *findNode(const JsonValue &graph, const std::string &nodeName)
{
	for (const JsonValue &object : graph.items()) {
		const JsonValue *props = nodeProps(object);
		if (isType(object, "PipeWire:Interface:Node") && props &&
		    props->stringOr("node.name") == nodeName)
			return &object;
	}
	return nullptr;
}

std::vector<DaemonSandbox::PortLatency> DaemonSandbox::portLatencies(const std::string &nodeName)
{
	std::vector<PortLatency> out;
	auto graph = dump();
	const JsonValue *node = graph ? findNode(*graph, nodeName) : nullptr;
	if (!node)
		return out;
	auto id = node->find("id")->toInt();
	for (const JsonValue &object : graph->items()) {
		const JsonValue *props = nodeProps(object);
		if (!isType(object, "PipeWire:Interface:Port") || !props ||
		    props->find("node.id")->toInt() != id)
			continue;
		const JsonValue *params = object.find("info")->find("params");
		const JsonValue *latency = params ? params->find("Latency") : nullptr;
		if (!latency)
			continue;
		for (const JsonValue &entry : latency->items()) {
			const JsonValue *quantum = entry.find("minQuantum");
			const JsonValue *rate = entry.find("minRate");
			out.push_back({entry.stringOr("direction"),
				       quantum ? std::stod(quantum->text()) : -1.0,
				       rate ? rate->toInt().value_or(-1) : -1});
		}
	}
	return out;
}

std::optional<std::uint32_t> DaemonSandbox::nodeId(const std::string &nodeName)
{
	auto graph = dump();
	const JsonValue *node = graph ? findNode(*graph, nodeName) : nullptr;
	if (!node)
		return std::nullopt;
	return static_cast<std::uint32_t>(node->find("id")->toInt().value_or(0));
}

std::optional<std::string> DaemonSandbox::nodeProperty(const std::string &nodeName,
						       const std::string &key)
{
	auto graph = dump();
	const JsonValue *node = graph ? findNode(*graph, nodeName) : nullptr;
	const JsonValue *value = node ? nodeProps(*node)->find(key) : nullptr;
	if (!value)
		return std::nullopt;
	return value->text();
}

std::set<std::string> DaemonSandbox::linkedTargets(const std::string &nodeName)
{
	std::set<std::string> targets;
	auto graph = dump();
	if (!graph)
		return targets;
	std::map<std::int64_t, std::string> names;
	std::set<std::int64_t> probes;
	for (const JsonValue &object : graph->items()) {
		const JsonValue *props = nodeProps(object);
		if (!isType(object, "PipeWire:Interface:Node") || !props)
			continue;
		std::int64_t id = object.find("id")->toInt().value_or(-1);
		names[id] = props->stringOr("node.name");
		if (props->find("cabin.probe.stream"))
			probes.insert(id);
	}
	for (const JsonValue &object : graph->items()) {
		if (!isType(object, "PipeWire:Interface:Link"))
			continue;
		const JsonValue *info = object.find("info");
		if (!info)
			continue;
		auto out = info->find("output-node-id")->toInt().value_or(-1);
		auto in = info->find("input-node-id")->toInt().value_or(-1);
		if (names[out] == nodeName && !probes.contains(in))
			targets.insert(names[in]);
		if (names[in] == nodeName && !probes.contains(out))
			targets.insert(names[out]);
	}
	return targets;
}

bool DaemonSandbox::waitForTargets(const std::string &nodeName,
				   const std::set<std::string> &targets,
				   std::chrono::milliseconds timeout)
{
	return waitFor([&] { return linkedTargets(nodeName) == targets; }, timeout);
}

std::optional<std::string>
DaemonSandbox::metadataValue(const std::string &name, std::uint32_t subject, const std::string &key)
{
	auto out = run({"pw-metadata", "-n", name, std::to_string(subject), key},
		       ClientOptions::manager());
	if (!out)
		return std::nullopt;
	/* Line format: update: id:N key:'K' value:'V' type:'T' */
	std::string marker = "key:'" + key + "' value:'";
	auto start = out->find(marker);
	if (start == std::string::npos)
		return std::nullopt;
	start += marker.size();
	auto end = out->rfind("' type:");
	if (end == std::string::npos || end < start)
		return std::nullopt;
	return out->substr(start, end - start);
}

std::optional<JsonValue> DaemonSandbox::cabinState()
{
	auto text = metadataValue("cabin", 0, "cabin.state");
	if (!text)
		return std::nullopt;
	return JsonValue::parse(*text);
}

bool DaemonSandbox::waitFor(const std::function<bool()> &condition,
			    std::chrono::milliseconds timeout)
{
	auto deadline = std::chrono::steady_clock::now() + timeout;
	for (;;) {
		if (condition())
			return true;
		if (std::chrono::steady_clock::now() >= deadline)
			return false;
		std::this_thread::sleep_for(50ms); /* polling interval, not a wait for an outcome */
	}
}

std::string DaemonSandbox::wireplumberLog() const
{
	return readFile(dir_ + "/wireplumber.log");
}

std::optional<TestUser> findTestUser(const std::string &name)
{
	if (geteuid() != 0)
		return std::nullopt;
	struct passwd *entry = getpwnam(name.c_str());
	if (!entry)
		return std::nullopt;
	return TestUser{entry->pw_uid, entry->pw_gid};
}

std::optional<gid_t> findGroup(const std::string &name)
{
	struct group *entry = getgrnam(name.c_str());
	if (!entry)
		return std::nullopt;
	return entry->gr_gid;
}

std::string readFile(const std::string &path)
{
	std::ifstream in(path);
	std::stringstream text;
	text << in.rdbuf();
	return text.str();
}

} // namespace cabin::test
