/* SPDX-License-Identifier: MIT */
/*
 * Seats from logind, with the real daemons and the real libsystemd reading
 * logind's state as logind writes it, in a private mount namespace
 * (FakeLogind; root only). The sedan's seats are mapped to logind seats;
 * clients connect on the car's shared socket, where nothing but logind
 * says whose they are: a client in a session plays in its seat's zone, and
 * when the session moves seats or goes to the background its stream
 * follows, the same node, without the application noticing.
 */
#include <cctype>
#include <fstream>
#include <optional>
#include <set>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "fake-logind.hpp"
#include "sandbox-test.hpp"

namespace cabin::test {
namespace {

class SeatsTest : public SandboxTest
{
protected:
	static void SetUpTestSuite()
	{
		if (geteuid() == 0)
			namespaceReady_ = FakeLogind::enterPrivateNamespace(&namespaceError_);
	}

	void SetUp() override
	{
		if (geteuid() != 0)
			GTEST_SKIP() << "needs root for a private mount namespace";
		ASSERT_TRUE(namespaceReady_) << namespaceError_;
		/* Real users (scripts/lib/setup.sh): the kernel's uid is what logind's files name.
		 */
		auto passenger = findTestUser("cabin-passenger");
		auto guest = findTestUser("cabin-guest");
		auto audio = findGroup("cabin-audio");
		ASSERT_TRUE(passenger && guest && audio)
			<< "the test users are missing; scripts/test creates them";
		passengerUid_ = passenger->uid;
		guestUid_ = guest->uid;
		audioGid_ = *audio;
		SandboxOptions options = DaemonSandbox::sedan();
		options.wireplumberFragments.push_back(
			DaemonSandbox::sourceRoot() +
			"/conf.d/examples/sedan-logind/wireplumber.conf.d/"
			"61-cabin-sedan-logind.conf");
		startSandbox(options);
	}

	void TearDown() override
	{
		for (const std::string &id : sessions_)
			logind_.removeSession(id);
		SandboxTest::TearDown();
	}

	void writeSession(const FakeLogind::Session &session)
	{
		logind_.writeSession(session);
		sessions_.push_back(session.id);
	}

	/*
	 * Starts \a argv held at a gate, puts its process into session \a id
	 * of \a uid ("": none), and only then lets it run: the client connects
	 * from its place.
	 */
	pid_t startPlaced(const std::vector<std::string> &argv, std::uint32_t uid,
			  const std::string &id)
	{
		/* The car's shared socket, where only logind says whose a client is. */
		pid_t pid = sandbox_->spawnHeld(
			argv, {"pipewire-0", uid, audioGid_, {}}, [&](pid_t held) {
				std::string error;
				EXPECT_TRUE(FakeLogind::placeProcess(held, uid, id, &error))
					<< error;
			});
		EXPECT_GT(pid, 0) << "no gate";
		return pid;
	}

	pid_t playPlaced(const std::string &node, std::uint32_t uid, const std::string &id)
	{
		return startPlaced({DaemonSandbox::buildRoot() + "/tools/cabin-tone",
				    "node.name=" + node, "media.name=" + node},
				   uid, id);
	}

	/* The names of the nodes a client in session \a id of \a uid sees, by pw-dump. */
	std::set<std::string> nodesSeenFrom(std::uint32_t uid, const std::string &id)
	{
		std::string out = outputFile(uid);
		pid_t pid = startPlaced({"/bin/sh", "-c", "exec pw-dump --no-colors > \"$0\"", out},
					uid, id);
		int status = 0;
		EXPECT_TRUE(DaemonSandbox::waitFor(
			[&] { return waitpid(pid, &status, WNOHANG) == pid; }, 10s));
		std::set<std::string> names;
		auto dump = JsonValue::parse(readFile(out));
		if (!dump)
			return names;
		for (const JsonValue &object : dump->items()) {
			const JsonValue *info = object.find("info");
			const JsonValue *props = info ? info->find("props") : nullptr;
			if (object.stringOr("type") == "PipeWire:Interface:Node" && props)
				names.insert(props->stringOr("node.name"));
		}
		return names;
	}

	/* An empty file a client running as \a uid may write its output to. */
	std::string outputFile(std::optional<uid_t> uid = {})
	{
		std::string path = sandbox_->directory() + "/output-" + std::to_string(outputs_++);
		std::ofstream(path).flush();
		EXPECT_EQ(chown(path.c_str(), uid.value_or(passengerUid_), audioGid_), 0) << path;
		return path;
	}

	/* \a text without whitespace outside strings (pw-dump's JSON, to search in). */
	static std::string compact(const std::string &text)
	{
		std::string out;
		bool quoted = false;
		for (std::size_t i = 0; i < text.size(); i++) {
			char c = text[i];
			if (c == '"' && (i == 0 || text[i - 1] != '\\'))
				quoted = !quoted;
			if (quoted || !std::isspace(static_cast<unsigned char>(c)))
				out += c;
		}
		return out;
	}

	static std::string describe(const std::set<std::string> &names)
	{
		std::string text;
		for (const std::string &name : names)
			text += (text.empty() ? "" : ", ") + name;
		return "{" + text + "}";
	}

	/* The `identity` and `seat` of the state's client that owns node \a node. */
	std::pair<std::string, std::string> placeOfClientOf(const std::string &node)
	{
		auto state = sandbox_->cabinState();
		if (!state)
			return {};
		std::string client;
		for (const JsonValue &entry : state->find("nodes")->items())
			if (entry.stringOr("name") == node)
				client = entry.find("client") ? entry.find("client")->toJson() : "";
		for (const JsonValue &entry : state->find("clients")->items())
			if (entry.find("id")->toJson() == client)
				return {entry.stringOr("identity"), entry.stringOr("seat")};
		return {};
	}

	bool plugHeadset(const std::string &name, unsigned card);
	std::pair<std::string, std::string> zoneOf(const std::string &name);

	static inline bool namespaceReady_ = false;
	static inline std::string namespaceError_;
	FakeLogind logind_;
	std::vector<std::string> sessions_;
	int outputs_ = 0;
	uid_t passengerUid_ = 0;
	uid_t guestUid_ = 0;
	gid_t audioGid_ = 0;
};

TEST_F(SeatsTest, AStreamOfASessionPlaysInItsSeatsZone)
{
	writeSession({"21", passengerUid_, "seat1", true});
	playPlaced("session.film", passengerUid_, "21");
	EXPECT_TRUE(sandbox_->waitForTargets("session.film", {"rear-left.headphones"}));
	EXPECT_EQ(placeOfClientOf("session.film"),
		  (std::pair<std::string, std::string>{"session", "rear-left"}));
}

TEST_F(SeatsTest, AProcessOutsideASessionPlaysWhereItsUserIsActive)
{
	writeSession({"22", passengerUid_, "seat2", true});
	playPlaced("service.chime", passengerUid_, "");
	EXPECT_TRUE(sandbox_->waitForTargets("service.chime", {"rear-right.headphones"}));
	EXPECT_EQ(placeOfClientOf("service.chime"),
		  (std::pair<std::string, std::string>{"active-user", "rear-right"}));
}

TEST_F(SeatsTest, AClientLogindDoesNotPlaceGoesToTheDefaultSeat)
{
	playPlaced("system.beep", guestUid_, "");
	EXPECT_TRUE(sandbox_->waitForTargets("system.beep", {"cabin.speakers"}));
	EXPECT_EQ(placeOfClientOf("system.beep"),
		  (std::pair<std::string, std::string>{"default", "driver"}));
}

TEST_F(SeatsTest, ASessionMovingSeatsTakesItsStreamAlong)
{
	writeSession({"23", passengerUid_, "seat1", true});
	pid_t film = playPlaced("session.film", passengerUid_, "23");
	ASSERT_TRUE(sandbox_->waitForTargets("session.film", {"rear-left.headphones"}));
	auto id = sandbox_->nodeId("session.film");
	ASSERT_TRUE(id);
	auto rearLeft = sandbox_->nodeId("rear-left.headphones");
	ASSERT_TRUE(rearLeft);
	/* A client of the session that stays connected across the move, and reports what it sees.
	 */
	std::string watched = outputFile();
	startPlaced({"/bin/sh", "-c", "exec pw-dump --no-colors --monitor > \"$0\"", watched},
		    passengerUid_, "23");
	ASSERT_TRUE(DaemonSandbox::waitFor(
		[&] {
			return compact(readFile(watched)).find(R"("node.name":"session.film")") !=
			       std::string::npos;
		},
		10s))
		<< "the watching client never saw the session's own stream";
	EXPECT_EQ(compact(readFile(watched)).find(R"("node.name":"rear-right.headphones")"),
		  std::string::npos)
		<< "rear-right's headphones are visible to rear-left's session";

	writeSession({"23", passengerUid_, "seat2", true});
	EXPECT_TRUE(sandbox_->waitForTargets("session.film", {"rear-right.headphones"}))
		<< "the stream did not follow its session to rear-right";
	EXPECT_EQ(sandbox_->nodeId("session.film"), id) << "the same node, not a new one";
	EXPECT_EQ(placeOfClientOf("session.film"),
		  (std::pair<std::string, std::string>{"session", "rear-right"}));
	EXPECT_EQ(kill(film, 0), 0) << "the application kept running";

	/* The client that stayed lost sight of rear-left's headphones and got rear-right's. */
	EXPECT_TRUE(DaemonSandbox::waitFor(
		[&] {
			std::string seen = compact(readFile(watched));
			return seen.find(R"({"id":)" + std::to_string(*rearLeft) +
					 R"(,"info":null})") != std::string::npos &&
			       seen.find(R"("node.name":"rear-right.headphones")") !=
				       std::string::npos;
		},
		10s))
		<< compact(readFile(watched)).substr(0, 4000);

	/* What the session's clients see now: rear-right's devices, not rear-left's. */
	std::set<std::string> seen = nodesSeenFrom(passengerUid_, "23");
	EXPECT_TRUE(seen.contains("rear-right.headphones")) << describe(seen);
	EXPECT_TRUE(seen.contains("session.film")) << describe(seen);
	EXPECT_FALSE(seen.contains("rear-left.headphones")) << describe(seen);
}

TEST_F(SeatsTest, ABackgroundSessionIsSilentUntilActiveAgain)
{
	writeSession({"24", passengerUid_, "seat1", true});
	playPlaced("session.music", passengerUid_, "24");
	ASSERT_TRUE(sandbox_->waitForTargets("session.music", {"rear-left.headphones"}));

	/* Another user's session becomes the seat's active one. */
	writeSession({"24", passengerUid_, "seat1", false});
	writeSession({"25", guestUid_, "seat1", true});
	EXPECT_TRUE(sandbox_->waitForTargets("session.music", {}))
		<< "a background session's stream must not play in the seat's zone";
	EXPECT_EQ(placeOfClientOf("session.music"),
		  (std::pair<std::string, std::string>{"session", ""}));

	writeSession({"25", guestUid_, "seat1", false});
	writeSession({"24", passengerUid_, "seat1", true});
	EXPECT_TRUE(sandbox_->waitForTargets("session.music", {"rear-left.headphones"}));
}

/*
 * A stand-in for the node the ALSA monitor makes for a USB headset: a zone
 * sink on the amplifier's spare channels, with the card number the
 * monitor would give it (`api.alsa.card`), made on the manager socket.
 */
bool SeatsTest::plugHeadset(const std::string &name, unsigned card)
{
	return sandbox_
		->run({"pw-cli", "create-node", "adapter",
		       "{ factory.name = cabin.alsa.zone-sink node.name = " + name +
			       " media.class = Audio/Sink api.alsa.path = cabin_sedan_amp "
			       "node.group = cabin.sedan-amp cabin.alsa.channels = [ 14 15 ] "
			       "audio.position = [ FL FR ] api.alsa.card = " +
			       std::to_string(card) + " object.linger = true }"},
		      ClientOptions::manager())
		.has_value();
}

/* The `zone` and `logind-seat` of node \a name in the state. */
std::pair<std::string, std::string> SeatsTest::zoneOf(const std::string &name)
{
	auto state = sandbox_->cabinState();
	if (state)
		for (const JsonValue &entry : state->find("nodes")->items())
			if (entry.stringOr("name") == name)
				return {entry.stringOr("zone"), entry.stringOr("logind-seat")};
	return {};
}

TEST_F(SeatsTest, AHeadsetPluggedIntoASeatsPortJoinsItsZoneAndLeavesWithIt)
{
	FakeLogind::writeCard(7, "seat1", true);
	sandbox_->playTone("rear-left.film", {"cabin-rear-left", {}, {}, {}});
	ASSERT_TRUE(sandbox_->waitForTargets("rear-left.film", {"rear-left.headphones"}));

	ASSERT_TRUE(plugHeadset("usb.headset", 7));
	EXPECT_TRUE(sandbox_->waitForTargets("rear-left.film", {"usb.headset"}))
		<< "the plugged headset is rear-left's best device";
	EXPECT_EQ(zoneOf("usb.headset"),
		  (std::pair<std::string, std::string>{"rear-left", "seat1"}));
	/* rear-left's client sees it; rear-right's does not. */
	auto rearRight = sandbox_->dump({"cabin-rear-right", {}, {}, {}});
	ASSERT_TRUE(rearRight);
	EXPECT_EQ(rearRight->toJson().find("usb.headset"), std::string::npos);

	auto id = sandbox_->nodeId("usb.headset");
	ASSERT_TRUE(id);
	ASSERT_TRUE(sandbox_->run({"pw-cli", "destroy", std::to_string(*id)},
				  ClientOptions::manager()));
	EXPECT_TRUE(sandbox_->waitForTargets("rear-left.film", {"rear-left.headphones"}))
		<< "unplugged: back on the zone's own headphones";
	FakeLogind::removeCard(7);
}

TEST_F(SeatsTest, ACardUdevMovesToAnotherSeatTakesItsNodeAlong)
{
	FakeLogind::writeCard(7, "seat1", true);
	sandbox_->playTone("rear-left.film", {"cabin-rear-left", {}, {}, {}});
	ASSERT_TRUE(plugHeadset("usb.headset", 7));
	ASSERT_TRUE(sandbox_->waitForTargets("rear-left.film", {"usb.headset"}));

	/* udevd updates its database, then tells its listeners. */
	FakeLogind::writeCard(7, "seat2", true);
	std::string error;
	ASSERT_TRUE(FakeLogind::sendUdevEvent("change", "/devices/virtual/sound/card7", &error))
		<< error;
	EXPECT_TRUE(DaemonSandbox::waitFor([&] {
		return zoneOf("usb.headset") ==
		       std::pair<std::string, std::string>{"rear-right", "seat2"};
	}));
	EXPECT_TRUE(sandbox_->waitForTargets("rear-left.film", {"rear-left.headphones"}))
		<< "the same node, now rear-right's";
	auto rearLeft = sandbox_->dump({"cabin-rear-left", {}, {}, {}});
	ASSERT_TRUE(rearLeft);
	EXPECT_EQ(rearLeft->toJson().find("usb.headset"), std::string::npos);
	FakeLogind::removeCard(7);
}

TEST_F(SeatsTest, ACardMarkedSharedJoinsTheSharedZoneItNames)
{
	/* What conf.d/udev/72-cabin-shared-cards.rules leaves: the marker, no seat tag. */
	FakeLogind::writeCard(10, "", false, {{"CABIN_SHARED", "1"}, {"CABIN_ZONE", "cabin"}});
	ASSERT_TRUE(plugHeadset("amp.shared", 10));
	ASSERT_TRUE(DaemonSandbox::waitFor([&] {
		return zoneOf("amp.shared") == std::pair<std::string, std::string>{"cabin", ""};
	}));
	auto state = sandbox_->cabinState();
	ASSERT_TRUE(state);
	for (const JsonValue &entry : state->find("nodes")->items())
		if (entry.stringOr("name") == "amp.shared") {
			EXPECT_EQ(entry.stringOr("seat"), "driver") << "the cabin's owner";
			EXPECT_EQ(entry.find("shared-card")->toJson(), "true");
		}
	/* The cabin's owner may use it; a passenger may not. */
	auto driver = sandbox_->dump({"cabin-driver", {}, {}, {}});
	auto rearLeft = sandbox_->dump({"cabin-rear-left", {}, {}, {}});
	ASSERT_TRUE(driver && rearLeft);
	EXPECT_NE(driver->toJson().find("amp.shared"), std::string::npos);
	EXPECT_EQ(rearLeft->toJson().find("amp.shared"), std::string::npos);
	FakeLogind::removeCard(10);
}

TEST_F(SeatsTest, ACardUdevDidNotTagJoinsNoZone)
{
	FakeLogind::writeCard(8, "seat1", false);
	sandbox_->playTone("rear-left.film", {"cabin-rear-left", {}, {}, {}});
	ASSERT_TRUE(plugHeadset("usb.stray", 8));
	ASSERT_TRUE(
		DaemonSandbox::waitFor([&] { return sandbox_->nodeId("usb.stray").has_value(); }));
	EXPECT_TRUE(sandbox_->waitForTargets("rear-left.film", {"rear-left.headphones"}));
	EXPECT_EQ(zoneOf("usb.stray"), (std::pair<std::string, std::string>{"", ""}));
	FakeLogind::removeCard(8);
}

} // namespace
} // namespace cabin::test
