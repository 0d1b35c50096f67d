/* SPDX-License-Identifier: MIT */
/*
 * Isolation between seats on one system graph, with the real daemons run as
 * the services' user (cabin-audio), one pipewire-pulse per seat, and
 * clients run as real other users through their seat's socket: every
 * attack of a passenger on another seat is refused, and its legitimate
 * counterpart on the passenger's own seat works (docs/security.md).
 */
#include <algorithm>
#include <cmath>
#include <fstream>
#include <set>
#include <string>
#include <sys/stat.h>
#include <sys/wait.h>
#include <vector>

#include <gtest/gtest.h>

#include "sandbox-test.hpp"

namespace cabin::test {
namespace {

std::string propOf(const JsonValue &object, std::string_view key)
{
	const JsonValue *info = object.find("info");
	const JsonValue *props = info ? info->find("props") : nullptr;
	const JsonValue *value = props ? props->find(key) : nullptr;
	if (!value)
		return {};
	return value->isString() ? value->text() : value->toJson();
}

std::string typeOf(const JsonValue &object)
{
	std::string type = object.stringOr("type");
	const std::string prefix = "PipeWire:Interface:";
	return type.starts_with(prefix) ? type.substr(prefix.size()) : type;
}

/*
 * Everything in \a dump that a client of \a seat must not see: nodes of
 * other seats (every node of the sedan and of these tests is named after
 * its seat or zone), ports and links of nodes it cannot see, other seats'
 * clients, devices, modules, and factories and metadata beyond its own.
 */
std::vector<std::string> leaksFor(const std::string &seat, const JsonValue &dump)
{
	std::vector<std::string> leaks;
	std::set<std::string> visibleNodes;
	for (const JsonValue &object : dump.items())
		if (typeOf(object) == "Node")
			visibleNodes.insert(object.find("id")->toJson());
	auto describe = [](const JsonValue &object, const std::string &what) {
		return typeOf(object) + " " + object.find("id")->toJson() + " " + what;
	};
	for (const JsonValue &object : dump.items()) {
		std::string type = typeOf(object);
		if (type == "Node") {
			std::string name = propOf(object, "node.name");
			if (!name.starts_with(seat + "."))
				leaks.push_back(describe(object, name));
		} else if (type == "Port") {
			if (!visibleNodes.contains(propOf(object, "node.id")))
				leaks.push_back(
					describe(object, "of node " + propOf(object, "node.id")));
		} else if (type == "Link") {
			if (!visibleNodes.contains(propOf(object, "link.output.node")) ||
			    !visibleNodes.contains(propOf(object, "link.input.node")))
				leaks.push_back(describe(object, "to a hidden node"));
		} else if (type == "Client") {
			if (propOf(object, "pipewire.sec.cabin.seat") != seat)
				leaks.push_back(
					describe(object, propOf(object, "application.name")));
		} else if (type == "Factory") {
			std::string name = propOf(object, "factory.name");
			if (name != "client-node" && name != "link-factory")
				leaks.push_back(describe(object, name));
		} else if (type == "Metadata") {
			/* Metadata objects have no info, only their global properties. */
			const JsonValue *props = object.find("props");
			std::string name = props ? props->stringOr("metadata.name") : "";
			if (name != "default" && name != "cabin.seat." + seat)
				leaks.push_back(describe(object, name));
		} else if (type != "Core") {
			leaks.push_back(describe(object, ""));
		}
	}
	return leaks;
}

std::string joined(const std::vector<std::string> &lines)
{
	std::string out;
	for (const std::string &line : lines)
		out += "\n  " + line;
	return out;
}

class AccessTest : public SandboxTest
{
protected:
	void SetUp() override
	{
		passenger_ = findTestUser("cabin-passenger");
		guest_ = findTestUser("cabin-guest");
		std::optional<TestUser> services = findTestUser("cabin-audio");
		if (!passenger_ || !guest_ || !services)
			GTEST_SKIP() << "needs root and the users of scripts/test "
					"(cabin-audio, cabin-passenger, cabin-guest)";
		SandboxOptions options = DaemonSandbox::sedan();
		options.daemonUid = services->uid;
		options.daemonGid = services->gid;
		options.pulseSeats = {"rear-left", "rear-right"};
		options.alsaFragments.push_back(DaemonSandbox::sourceRoot() +
						"/conf.d/alsa/50-cabin-default.conf");
		startSandbox(std::move(options));

		/* The other seats are busy: the driver's music, rear-right's game. */
		sandbox_->playTone("driver.music", {.remote = "cabin-driver"});
		sandbox_->playTone("rear-right.game", guest());
		ASSERT_TRUE(sandbox_->waitForTargets("driver.music", {"cabin.speakers"}));
		ASSERT_TRUE(sandbox_->waitForTargets("rear-right.game", {"rear-right.headphones"}));
	}

	/* The passenger (rear-left) and the guest (rear-right), on their seat sockets. */
	ClientOptions passenger(const std::string &remote = "cabin-rear-left") const
	{
		return {.remote = remote, .uid = passenger_->uid, .gid = passenger_->gid};
	}
	ClientOptions guest() const
	{
		return {.remote = "cabin-rear-right", .uid = guest_->uid, .gid = guest_->gid};
	}
	/* The passenger as a PulseAudio client of rear-left's pipewire-pulse. */
	ClientOptions passengerPulse(const std::string &seat = "rear-left") const
	{
		ClientOptions client = passenger("");
		client.env = {"PULSE_SERVER=" + sandbox_->pulseServer(seat)};
		return client;
	}

	bool succeeds(const std::vector<std::string> &argv, const ClientOptions &client)
	{
		int status = -1;
		sandbox_->run(argv, client, &status);
		return status == 0;
	}

	std::string id(const std::string &nodeName)
	{
		auto nodeId = sandbox_->nodeId(nodeName);
		EXPECT_TRUE(nodeId) << nodeName;
		return nodeId ? std::to_string(*nodeId) : "0";
	}

	/* \a nodeName's own volume (Props), as the manager sees it. */
	struct NodeVolume {
		double volume = 0.0; /* the first channel's */
		bool mute = false;
	};
	std::optional<NodeVolume> nodeVolume(const std::string &nodeName)
	{
		auto dump = sandbox_->dump();
		if (!dump)
			return std::nullopt;
		for (const JsonValue &object : dump->items()) {
			if (typeOf(object) != "Node" || propOf(object, "node.name") != nodeName)
				continue;
			const JsonValue *params = object.find("info")->find("params");
			const JsonValue *props = params ? params->find("Props") : nullptr;
			for (const JsonValue &entry :
			     props ? props->items() : std::vector<JsonValue>{}) {
				const JsonValue *volumes = entry.find("channelVolumes");
				const JsonValue *mute = entry.find("mute");
				if (volumes && !volumes->items().empty() && mute)
					return NodeVolume{std::stod(volumes->items()[0].toJson()),
							  mute->toBool().value_or(false)};
			}
		}
		return std::nullopt;
	}
	std::optional<double> volume(const std::string &nodeName)
	{
		auto found = nodeVolume(nodeName);
		return found ? std::optional<double>(found->volume) : std::nullopt;
	}
	/* Waits until \a nodeName's own volume is \a volume (first channel) and \a mute. */
	bool waitForVolume(const std::string &nodeName, double volume, bool mute)
	{
		return DaemonSandbox::waitFor([&] {
			auto found = nodeVolume(nodeName);
			return found && std::abs(found->volume - volume) < 1e-4 &&
			       found->mute == mute;
		});
	}

	std::optional<std::string> writeAsPassenger(const std::string &key,
						    const std::string &value,
						    const std::string &subject = {});

	std::optional<TestUser> passenger_;
	std::optional<TestUser> guest_;
	int requests_ = 0;
};

TEST_F(AccessTest, SeatClientSeesOnlyItsOwnSeat)
{
	sandbox_->playTone("rear-left.film", passenger());
	ASSERT_TRUE(sandbox_->waitForTargets("rear-left.film", {"rear-left.headphones"}));
	/* Its own objects appear once granted; wait for them rather than racing. */
	std::optional<JsonValue> view;
	ASSERT_TRUE(sandbox_->waitFor([&] {
		view = sandbox_->dump(passenger());
		if (!view)
			return false;
		std::set<std::string> names;
		for (const JsonValue &object : view->items())
			names.insert(propOf(object, "node.name"));
		return names.contains("rear-left.film") && names.contains("rear-left.headphones") &&
		       names.contains("rear-left.headrest") &&
		       names.contains("rear-left.microphone");
	})) << (view ? view->toJson() : "no dump");
	EXPECT_EQ(leaksFor("rear-left", *view), std::vector<std::string>{})
		<< joined(leaksFor("rear-left", *view));
}

TEST_F(AccessTest, PulseClientSeesOnlyItsOwnSeat)
{
	auto sinks = sandbox_->run({"pactl", "list", "short", "sinks"}, passengerPulse());
	ASSERT_TRUE(sinks);
	EXPECT_NE(sinks->find("rear-left.headphones"), std::string::npos) << *sinks;
	EXPECT_NE(sinks->find("rear-left.headrest"), std::string::npos) << *sinks;
	EXPECT_EQ(sinks->find("rear-right"), std::string::npos) << *sinks;
	EXPECT_EQ(sinks->find("cabin.speakers"), std::string::npos) << *sinks;

	auto sources = sandbox_->run({"pactl", "list", "short", "sources"}, passengerPulse());
	ASSERT_TRUE(sources);
	EXPECT_NE(sources->find("rear-left.microphone"), std::string::npos) << *sources;
	EXPECT_EQ(sources->find("rear-right"), std::string::npos) << *sources;
	EXPECT_EQ(sources->find("driver"), std::string::npos) << *sources;

	auto inputs = sandbox_->run({"pactl", "list", "sink-inputs"}, passengerPulse());
	ASSERT_TRUE(inputs);
	EXPECT_EQ(inputs->find("rear-right.game"), std::string::npos) << *inputs;
	EXPECT_EQ(inputs->find("driver.music"), std::string::npos) << *inputs;
}

TEST_F(AccessTest, AnotherSeatsSocketsAreClosed)
{
	EXPECT_FALSE(succeeds({"pw-cli", "info", "0"}, passenger("cabin-rear-right")));
	EXPECT_FALSE(succeeds({"pw-cli", "info", "0"}, passenger("cabin-admin")));
	EXPECT_FALSE(succeeds({"pw-cli", "info", "0"}, passenger("pipewire-0-manager")));
	EXPECT_FALSE(succeeds({"pactl", "info"}, passengerPulse("rear-right")));
	/* Legitimate: its own seat, native and pulse. */
	EXPECT_TRUE(succeeds({"pw-cli", "info", "0"}, passenger()));
	EXPECT_TRUE(succeeds({"pactl", "info"}, passengerPulse()));
}

TEST_F(AccessTest, ClaimingAnotherSeatInPropertiesChangesNothing)
{
	/* A native client naming another seat in its own properties. */
	sandbox_->playTone("rear-left.claim", passenger(),
			   {"pipewire.sec.cabin.seat=rear-right", "pipewire.access=unrestricted",
			    "pipewire.client.access=unrestricted"});
	EXPECT_TRUE(sandbox_->waitForTargets("rear-left.claim", {"rear-left.headphones"}));

	/* A PulseAudio client asking for another seat's PipeWire socket. */
	ClientOptions pulse = passengerPulse();
	pulse.env.push_back("PULSE_PROP=remote.name=cabin-rear-right");
	auto sinks = sandbox_->run({"pactl", "list", "short", "sinks"}, pulse);
	ASSERT_TRUE(sinks);
	EXPECT_EQ(sinks->find("rear-right"), std::string::npos) << *sinks;
	EXPECT_NE(sinks->find("rear-left.headphones"), std::string::npos) << *sinks;
}

TEST_F(AccessTest, CannotRecordAnotherSeatsMicrophoneOrMonitor)
{
	/* Native: asking for the other seat's microphone gets one's own. */
	sandbox_->spawn({"pw-record", "--target", "rear-right.microphone", "-P",
			 "{ node.name = rear-left.spy }", "/dev/null"},
			passenger());
	EXPECT_TRUE(sandbox_->waitForTargets("rear-left.spy", {"rear-left.microphone"}));
	auto spy = sandbox_->nodeId("rear-left.spy");
	ASSERT_TRUE(spy);
	auto dump = sandbox_->dump();
	ASSERT_TRUE(dump);

	/* Native, directly: a link from the other seat's microphone and monitor. */
	EXPECT_FALSE(
		succeeds({"pw-link", "rear-right.microphone:capture_FL", "rear-left.spy:input_FL"},
			 passenger()));
	std::string micPort, monitorPort, spyPort;
	for (const JsonValue &object : dump->items()) {
		if (typeOf(object) != "Port")
			continue;
		std::string node = propOf(object, "node.id");
		std::string port = propOf(object, "port.name");
		std::string portId = object.find("id")->toJson();
		if (node == id("rear-right.microphone") && micPort.empty())
			micPort = portId;
		if (node == id("rear-right.headphones") && port == "monitor_FL")
			monitorPort = portId;
		if (node == std::to_string(*spy) && spyPort.empty())
			spyPort = portId;
	}
	ASSERT_FALSE(micPort.empty() || monitorPort.empty() || spyPort.empty());
	sandbox_->run({"pw-cli", "create-link", id("rear-right.microphone"), micPort,
		       std::to_string(*spy), spyPort},
		      passenger(), nullptr);
	sandbox_->run({"pw-cli", "create-link", id("rear-right.headphones"), monitorPort,
		       std::to_string(*spy), spyPort},
		      passenger(), nullptr);
	EXPECT_EQ(sandbox_->linkedTargets("rear-left.spy"),
		  std::set<std::string>{"rear-left.microphone"});

	/* PulseAudio: the other seat's microphone and monitor do not exist. */
	EXPECT_FALSE(succeeds({"pactl", "get-source-volume", "rear-right.microphone"},
			      passengerPulse()));
	EXPECT_FALSE(succeeds({"pactl", "get-source-volume", "rear-right.headphones.monitor"},
			      passengerPulse()));
	/* Legitimate: its own microphone. */
	EXPECT_TRUE(
		succeeds({"pactl", "get-source-volume", "rear-left.microphone"}, passengerPulse()));
}

TEST_F(AccessTest, CannotPlayIntoAnotherSeatsZone)
{
	/* Native target.object into rear-right: played in the seat's own zone instead. */
	sandbox_->playTone("rear-left.intruder", passenger(),
			   {"target.object=rear-right.headphones"});
	EXPECT_TRUE(sandbox_->waitForTargets("rear-left.intruder", {"rear-left.headphones"}));

	/* A link of its own into the other zone, by name and by id. */
	EXPECT_FALSE(succeeds(
		{"pw-link", "rear-left.intruder:output_FL", "rear-right.headphones:playback_FL"},
		passenger()));
	EXPECT_EQ(sandbox_->linkedTargets("rear-left.intruder").count("rear-right.headphones"), 0u);

	/* PulseAudio: the other zone's sink does not exist for it. */
	EXPECT_FALSE(
		succeeds({"pactl", "get-sink-volume", "rear-right.headphones"}, passengerPulse()));

	/* Legitimate: a link into its own headrest. */
	EXPECT_TRUE(succeeds(
		{"pw-link", "rear-left.intruder:output_FL", "rear-left.headrest:playback_FL"},
		passenger()));
	EXPECT_TRUE(sandbox_->waitFor([&] {
		return sandbox_->linkedTargets("rear-left.intruder").count("rear-left.headrest") >
		       0;
	}));
}

TEST_F(AccessTest, CannotChangeAnotherSeatsVolume)
{
	/* The passenger listens while turning it down (a suspended node applies it later). */
	sandbox_->playTone("rear-left.film", passenger());
	ASSERT_TRUE(sandbox_->waitForTargets("rear-left.film", {"rear-left.headphones"}));
	auto before = volume("rear-right.headphones");
	auto driverBefore = volume("cabin.speakers");
	ASSERT_TRUE(before && driverBefore);

	/* Native, by the id the attacker learned elsewhere. */
	sandbox_->run({"pw-cli", "set-param", id("rear-right.headphones"), "Props",
		       "{ channelVolumes = [ 0.01 0.01 ] }"},
		      passenger(), nullptr);
	sandbox_->run({"wpctl", "set-volume", id("cabin.speakers"), "0.01"}, passenger(), nullptr);
	/* PulseAudio, by name. */
	EXPECT_FALSE(succeeds({"pactl", "set-sink-volume", "rear-right.headphones", "1%"},
			      passengerPulse()));
	EXPECT_FALSE(
		succeeds({"pactl", "set-sink-volume", "cabin.speakers", "1%"}, passengerPulse()));

	/* Legitimate: its own headphones, through pulse; the change is visible. */
	EXPECT_TRUE(succeeds({"pactl", "set-sink-volume", "rear-left.headphones", "50%"},
			     passengerPulse()));
	EXPECT_TRUE(sandbox_->waitFor([&] {
		auto own = volume("rear-left.headphones");
		return own && *own < 0.5;
	})) << "rear-left.headphones volume "
	    << volume("rear-left.headphones").value_or(-1) << ", pactl says "
	    << sandbox_->run({"pactl", "get-sink-volume", "rear-left.headphones"}, passengerPulse())
			.value_or("(failed)");
	EXPECT_EQ(volume("rear-right.headphones"), before);
	EXPECT_EQ(volume("cabin.speakers"), driverBefore);
}

TEST_F(AccessTest, CannotReadOrWriteAnotherSeatsMetadata)
{
	sandbox_->playTone("rear-left.film", passenger());
	ASSERT_TRUE(sandbox_->waitForTargets("rear-left.film", {"rear-left.headphones"}));
	std::string film = id("rear-left.film");
	std::string game = id("rear-right.game");

	/* Read: the whole car's state and the other seat's are not there. */
	auto state = sandbox_->run({"pw-metadata", "-n", "cabin"}, passenger());
	EXPECT_TRUE(!state || state->find("cabin.state") == std::string::npos);
	auto other = sandbox_->run({"pw-metadata", "-n", "cabin.seat.rear-right"}, passenger());
	EXPECT_TRUE(!other || other->find("rear-right") == std::string::npos);

	/* Write: into the other seat's metadata, about its stream, or the shared defaults. */
	sandbox_->run({"pw-metadata", "-n", "cabin.seat.rear-right", "0", "cabin.note", "hacked"},
		      passenger(), nullptr);
	sandbox_->run({"pw-metadata", "-n", "cabin.seat.rear-left", game, "cabin.note", "hacked"},
		      passenger(), nullptr);
	sandbox_->run(
		{"pw-metadata", "-n", "default", game, "target.object", "rear-left.headphones"},
		passenger(), nullptr);
	sandbox_->run({"pw-metadata", "-n", "default", "0", "default.configured.audio.sink",
		       "{ \"name\": \"rear-left.headphones\" }"},
		      passenger(), nullptr);
	EXPECT_FALSE(sandbox_->metadataValue("cabin.seat.rear-right", 0, "cabin.note"));
	EXPECT_FALSE(
		sandbox_->metadataValue("cabin.seat.rear-left", std::stoul(game), "cabin.note"));
	EXPECT_FALSE(sandbox_->metadataValue("default", std::stoul(game), "target.object"));
	EXPECT_FALSE(sandbox_->metadataValue("default", 0, "default.configured.audio.sink"));
	EXPECT_TRUE(sandbox_->waitForTargets("rear-right.game", {"rear-right.headphones"}));

	/* Its own seat's view of the state is there. */
	auto view = sandbox_->run(
		{DaemonSandbox::buildRoot() + "/tools/cabinctl", "status", "--json"}, passenger());
	ASSERT_TRUE(view);
	EXPECT_NE(view->find("rear-left.film"), std::string::npos) << *view;
	EXPECT_EQ(view->find("rear-right"), std::string::npos) << *view;
}

/* A request nobody sends: any text, as rear-left, on the writing client's own id. */
std::optional<std::string> AccessTest::writeAsPassenger(const std::string &key,
							const std::string &value,
							const std::string &subject)
{
	std::string file = sandbox_->directory() + "/request-" + std::to_string(++requests_);
	{
		std::ofstream out(file);
		out << value;
	}
	chmod(file.c_str(), 0644);
	std::vector<std::string> argv{DaemonSandbox::buildRoot() + "/tests/cabin-test-seat-write",
				      "cabin.seat.rear-left", key, file};
	if (!subject.empty())
		argv.push_back(subject);
	return sandbox_->run(argv, passenger(), nullptr);
}

TEST_F(AccessTest, ARequestBuiltToOverflowThePolicyIsRefusedAndTheCarPlaysOn)
{
	sandbox_->playTone("rear-left.film", passenger());
	ASSERT_TRUE(sandbox_->waitForTargets("rear-left.film", {"rear-left.headphones"}));

	/* 100 KB of nested arrays once overflowed WirePlumber's stack and silenced the car. */
	std::string deep = R"({ "action": "offer", "stream": )" + std::string(50000, '[') +
			   std::string(50000, ']') + " }";
	auto large = writeAsPassenger("cabin.request", deep);
	ASSERT_TRUE(large);
	EXPECT_NE(large->find("the request has " + std::to_string(deep.size()) +
			      " bytes, more than the 4096 allowed"),
		  std::string::npos)
		<< *large;
	/* Within the size, still too deep to read. */
	std::string nested = R"({ "action": "offer", "stream": )" + std::string(2000, '[') +
			     std::string(2000, ']') + " }";
	auto tooDeep = writeAsPassenger("cabin.request", nested);
	ASSERT_TRUE(tooDeep);
	EXPECT_NE(tooDeep->find("the request is nested deeper than the 4 levels allowed"),
		  std::string::npos)
		<< *tooDeep;
	/* On its headphones instead of its own id: not a request, removed unread. */
	std::string headphones = id("rear-left.headphones");
	sandbox_->run(
		{"pw-metadata", "-n", "cabin.seat.rear-left", headphones, "cabin.request", deep},
		passenger(), nullptr);

	ASSERT_TRUE(sandbox_->wireplumberRunning()) << "WirePlumber died";
	EXPECT_FALSE(sandbox_->metadataValue("cabin.seat.rear-left", std::stoul(headphones),
					     "cabin.request"));
	EXPECT_TRUE(sandbox_->waitForTargets("driver.music", {"cabin.speakers"}));
	EXPECT_TRUE(sandbox_->waitForTargets("rear-right.game", {"rear-right.headphones"}));
	/* Legitimate: the same seat's real request is answered. */
	auto offer = sandbox_->run({DaemonSandbox::buildRoot() + "/tools/cabinctl", "share",
				    id("rear-left.film"), "rear-right"},
				   passenger());
	ASSERT_TRUE(offer);
	EXPECT_NE(offer->find("offered"), std::string::npos) << *offer;
	EXPECT_TRUE(sandbox_->wireplumberRunning());
}

TEST_F(AccessTest, KeysASeatWritesOnItsOwnObjectsDoNotStay)
{
	sandbox_->playTone("rear-left.film", passenger());
	ASSERT_TRUE(sandbox_->waitForTargets("rear-left.film", {"rear-left.headphones"}));
	std::string film = id("rear-left.film");
	std::string headphones = id("rear-left.headphones");

	/* Once kept forever: 20,000 such keys took WirePlumber from 50 to 446 MB. */
	std::string bulk(10000, 'x');
	for (int i = 0; i < 10; i++)
		for (const std::string &subject : {film, headphones})
			sandbox_->run({"pw-metadata", "-n", "cabin.seat.rear-left", subject,
				       "junk." + std::to_string(i), bulk},
				      passenger(), nullptr);
	/* A reply that is not module-cabin's, on its own id. */
	auto forged = writeAsPassenger("cabin.reply", R"({ "ok": true })");
	ASSERT_TRUE(forged);

	/* From the manager's side: nothing of it is left. */
	auto left = sandbox_->run({"pw-metadata", "-n", "cabin.seat.rear-left"},
				  ClientOptions::manager());
	ASSERT_TRUE(left);
	EXPECT_EQ(left->find("junk."), std::string::npos) << *left;
	EXPECT_EQ(left->find("\"ok\": true"), std::string::npos) << *left;

	/* Legitimate: a request is answered on the client's id, and goes when the client does. */
	auto answered = writeAsPassenger("cabin.request", R"({ "action": "stop", "share": 9 })");
	ASSERT_TRUE(answered);
	ASSERT_EQ(answered->rfind("subject ", 0), 0u) << *answered;
	std::uint32_t subject = std::stoul(answered->substr(8));
	EXPECT_NE(answered->find("no share"), std::string::npos) << *answered;
	EXPECT_TRUE(sandbox_->waitFor([&] {
		return !sandbox_->metadataValue("cabin.seat.rear-left", subject, "cabin.reply");
	})) << "the reply outlived its client";
	EXPECT_TRUE(sandbox_->metadataValue("cabin.seat.rear-left", 0, "cabin.state"));
}

TEST_F(AccessTest, AClientThatConnectsWhileThePolicyIsDownWaitsForIt)
{
	std::string error;
	ASSERT_TRUE(sandbox_->stopWireplumber(&error)) << error;
	/* Nobody sets its permissions now: it must wait, not fail and not see anything. */
	pid_t film = sandbox_->playTone("rear-left.film", passenger());
	/* Its client is there, suspended, with no node yet. */
	EXPECT_TRUE(DaemonSandbox::waitFor([&] {
		auto dump = sandbox_->dump();
		return dump &&
		       std::any_of(dump->items().begin(), dump->items().end(),
				   [](const JsonValue &object) {
					   return typeOf(object) == "Client" &&
						  propOf(object, "pipewire.sec.cabin.seat") ==
							  "rear-left" &&
						  propOf(object, "application.name") ==
							  "cabin-tone";
				   });
	}));
	EXPECT_FALSE(sandbox_->nodeId("rear-left.film"));

	ASSERT_TRUE(sandbox_->startWireplumber(&error)) << error;
	EXPECT_TRUE(sandbox_->waitForTargets("rear-left.film", {"rear-left.headphones"}));
	int status = 0;
	EXPECT_EQ(waitpid(film, &status, WNOHANG), 0) << "the client gave up";
}

TEST_F(AccessTest, AStreamCannotSetTheTimingOfTheZonesItSharesAnAmplifierWith)
{
	const std::set<std::string> amplifier{"cabin.speakers", "rear-left.headphones",
					      "rear-right.headphones",
					      "front-passenger.headphones"};
	auto clock = [&] { return sandbox_->driverClock(amplifier); };
	auto at = [&](std::size_t quantum, std::size_t rate) {
		return DaemonSandbox::waitFor([&] {
			auto now = clock();
			return now && now->quantum == quantum && now->rate == rate;
		});
	};
	ASSERT_TRUE(at(1024, 48000)) << "the driver's music and rear-right's game at the default";

	/* Once moved every zone on the amplifier to 8192 frames (170 ms a cycle). */
	sandbox_->playTone("rear-left.forcing", passenger(),
			   {"node.force-quantum=8192", "node.lock-quantum=true",
			    "node.force-rate=44100", "node.lock-rate=true",
			    "node.max-latency=64/48000", "node.group=cabin.sedan-amp",
			    "node.driver=true", "priority.driver=100000"});
	ASSERT_TRUE(sandbox_->waitForTargets("rear-left.forcing", {"rear-left.headphones"}));
	/* From the manager's side: none of it is on the node, and the clock is the same. */
	for (const char *key :
	     {"node.force-quantum", "node.lock-quantum", "node.force-rate", "node.lock-rate",
	      "node.max-latency", "node.driver", "priority.driver"})
		EXPECT_FALSE(sandbox_->nodeProperty("rear-left.forcing", key)) << key;
	EXPECT_NE(sandbox_->nodeProperty("rear-left.forcing", "node.group"), "cabin.sedan-amp");
	auto forced = clock();
	ASSERT_TRUE(forced);
	EXPECT_EQ(forced->quantum, 1024u);
	EXPECT_EQ(forced->rate, 48000u);

	/* Once dropped the quantum to 32 and PipeWire's CPU from 34 % to 115 %. */
	pid_t tiny = sandbox_->playTone("rear-left.tiny", passenger(), {"node.latency=1/48000"});
	ASSERT_TRUE(sandbox_->waitForTargets("rear-left.tiny", {"rear-left.headphones"}));
	EXPECT_TRUE(at(256, 48000)) << "the car's minimum quantum";
	sandbox_->stop(tiny);

	/* Legitimate: a lower latency above the car's minimum is granted. */
	sandbox_->playTone("rear-left.call", passenger(), {"node.latency=512/48000"});
	ASSERT_TRUE(sandbox_->waitForTargets("rear-left.call", {"rear-left.headphones"}));
	EXPECT_TRUE(at(512, 48000));
}

TEST_F(AccessTest, AVolumeOrMuteASeatSavesReachesOnlyThatSeat)
{
	/* rear-right turns its music down (wpctl's 0.2 is 0.008 linear). */
	sandbox_->playTone("rear-right.music", guest(), {"media.role=Music"});
	ASSERT_TRUE(sandbox_->waitForTargets("rear-right.music", {"rear-right.headphones"}));
	ASSERT_TRUE(succeeds({"wpctl", "set-volume", id("rear-right.music"), "0.2"}, guest()));
	ASSERT_TRUE(waitForVolume("rear-right.music", 0.008, false));
	/* rear-left mutes its own emergency chime. */
	sandbox_->playTone("rear-left.alarm", passenger(), {"media.role=Emergency"});
	ASSERT_TRUE(sandbox_->waitForTargets("rear-left.alarm", {"rear-left.headphones"}));
	ASSERT_TRUE(succeeds({"wpctl", "set-mute", id("rear-left.alarm"), "1"}, passenger()));
	ASSERT_TRUE(waitForVolume("rear-left.alarm", 1.0, true));

	auto startsAt = [&](const std::string &name, const ClientOptions &client,
			    const std::string &role, const std::string &device, double volume,
			    bool mute) {
		pid_t pid = sandbox_->playTone(name, client, {"media.role=" + role});
		EXPECT_TRUE(sandbox_->waitForTargets(name, {device})) << name;
		EXPECT_TRUE(waitForVolume(name, volume, mute))
			<< name << " starts at " << volume << (mute ? " muted" : "") << ", not "
			<< nodeVolume(name).value_or(NodeVolume{-1, false}).volume
			<< (nodeVolume(name).value_or(NodeVolume{}).mute ? " muted" : "");
		sandbox_->stop(pid);
	};
	/* Once, the driver's next music started at rear-right's level, and every emergency muted.
	 */
	startsAt("driver.music2", {.remote = "cabin-driver"}, "Music", "cabin.speakers", 1.0,
		 false);
	startsAt("rear-right.alarm", guest(), "Emergency", "rear-right.headphones", 1.0, false);
	startsAt("rear-left.alarm2", passenger(), "Emergency", "rear-left.headphones", 1.0, false);
	/* Legitimate: the seat's own next music starts where it left it, also after a restart. */
	startsAt("rear-right.music2", guest(), "Music", "rear-right.headphones", 0.008, false);
	std::string error;
	ASSERT_TRUE(sandbox_->restartWireplumber(&error)) << error;
	startsAt("rear-right.music3", guest(), "Music", "rear-right.headphones", 0.008, false);
	startsAt("driver.music3", {.remote = "cabin-driver"}, "Music", "cabin.speakers", 1.0,
		 false);
}

TEST_F(AccessTest, CannotLoadModulesOrCreateDevices)
{
	/* PulseAudio: module loading is off for every client. */
	EXPECT_FALSE(
		succeeds({"pactl", "load-module", "module-null-sink", "sink_name=rear-left.evil"},
			 passengerPulse()));
	/*
	 * Native: the factories that make nodes and devices inside the daemon
	 * are hidden (pw-cli exits 0 either way; what counts is what exists).
	 */
	auto devicesNow = [&] {
		auto dump = sandbox_->dump();
		return dump ? std::count_if(
				      dump->items().begin(), dump->items().end(),
				      [](const JsonValue &o) { return typeOf(o) == "Device"; })
			    : -1;
	};
	auto devicesBefore = devicesNow();
	auto node = sandbox_->run(
		{"pw-cli", "create-node", "adapter",
		 "{ factory.name = support.null-audio-sink node.name = rear-left.evil "
		 "media.class = Audio/Sink object.linger = true }"},
		passenger());
	auto device = sandbox_->run({"pw-cli", "create-device", "spa-device-factory",
				     "{ factory.name = api.alsa.enum.udev object.linger = true }"},
				    passenger());
	EXPECT_FALSE(sandbox_->nodeId("rear-left.evil")) << node.value_or("");
	EXPECT_EQ(devicesNow(), devicesBefore) << device.value_or("");
	/* Legitimate: its own stream, made through client-node. */
	sandbox_->playTone("rear-left.film", passenger());
	EXPECT_TRUE(sandbox_->waitForTargets("rear-left.film", {"rear-left.headphones"}));
}

TEST_F(AccessTest, AlsaApplicationReachesItsSeatsZone)
{
	/* aplay knows only ALSA; the Cabin fragment sends it through the graph. */
	sandbox_->spawn(
		{"aplay", "-q", "-t", "raw", "-f", "S16_LE", "-r", "48000", "-c", "2", "/dev/zero"},
		passenger());
	std::string stream;
	ASSERT_TRUE(sandbox_->waitFor([&] {
		auto dump = sandbox_->dump();
		for (const JsonValue &object : dump ? dump->items() : std::vector<JsonValue>{})
			if (typeOf(object) == "Node" &&
			    propOf(object, "node.name").starts_with("alsa_playback.aplay"))
				stream = propOf(object, "node.name");
		return !stream.empty();
	}));
	EXPECT_TRUE(sandbox_->waitForTargets(stream, {"rear-left.headphones"}));
}

TEST_F(AccessTest, RaceOfClientsDumpingTheRegistryNeverSeesAnotherSeat)
{
	/* Objects keep appearing while 200 guests connect and dump at once. */
	std::vector<pid_t> churn;
	for (int i = 0; i < 4; i++)
		churn.push_back(
			sandbox_->playTone("rear-left.churn-" + std::to_string(i), passenger()));
	std::vector<std::optional<std::string>> dumps;
	for (int round = 0; round < 10; round++) {
		auto batch = sandbox_->runConcurrently({"pw-dump", "--no-colors"}, guest(), 20);
		dumps.insert(dumps.end(), batch.begin(), batch.end());
		sandbox_->stop(churn[round % churn.size()]);
		churn[round % churn.size()] =
			sandbox_->playTone("rear-left.churn-" + std::to_string(round), passenger());
	}
	int parsed = 0;
	for (const auto &out : dumps) {
		if (!out)
			continue;
		auto dump = JsonValue::parse(*out);
		ASSERT_TRUE(dump) << *out;
		parsed++;
		auto leaks = leaksFor("rear-right", *dump);
		ASSERT_EQ(leaks, std::vector<std::string>{}) << joined(leaks);
	}
	EXPECT_EQ(parsed, 200);
}

} // namespace
} // namespace cabin::test
