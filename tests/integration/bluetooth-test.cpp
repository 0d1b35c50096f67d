/* SPDX-License-Identifier: MIT */
/*
 * Bluetooth headsets bound by the user, with the real daemons: a new
 * headset is held (no seat sees, hears or records it) until a seat claims
 * it and confirms; then it is that seat's alone, its streams move to it,
 * and it stays bound across reconnects and a WirePlumber restart. The
 * headsets are stand-ins with the properties PipeWire's Bluetooth nodes
 * carry (`api.bluez5.address`), made on the manager socket as WirePlumber's
 * Bluetooth monitor would make them; requests go through cabinctl.
 */
#include <filesystem>

#include <gtest/gtest.h>

#include "sandbox-test.hpp"

namespace cabin::test {
namespace {

const ClientOptions kRearLeft{.remote = "cabin-rear-left"};
const ClientOptions kRearRight{.remote = "cabin-rear-right"};

constexpr const char *kAddress = "00:1B:66:C0:FF:EE";
constexpr const char *kHeadset = "bluez_output.00_1B_66_C0_FF_EE.1";

struct CommandResult {
	int status = -1;
	std::string output;
};

class BluetoothTest : public SandboxTest
{
protected:
	void SetUp() override
	{
		ASSERT_NO_FATAL_FAILURE(startSandbox(DaemonSandbox::sedan()));
		film_ = sandbox_->playTone("rear-left.film", kRearLeft);
		ASSERT_TRUE(sandbox_->waitForTargets("rear-left.film", {"rear-left.headphones"}));
	}

	CommandResult cabinctl(const ClientOptions &client, std::vector<std::string> args)
	{
		args.insert(args.begin(), DaemonSandbox::buildRoot() + "/tools/cabinctl");
		CommandResult result;
		result.output = sandbox_->run(args, client, &result.status).value_or("");
		return result;
	}

	/*
	 * A stand-in for the sink a connected headset gets: a zone sink on the
	 * amplifier's spare channels, with a Bluetooth node's address.
	 */
	bool connectHeadset()
	{
		bool made =
			sandbox_->run({"pw-cli", "create-node", "adapter",
				       std::string("{ factory.name = cabin.alsa.zone-sink "
						   "node.name = ") +
					       kHeadset +
					       " node.description = \"Travel headset\" "
					       "media.class = Audio/Sink device.api = bluez5 "
					       "api.bluez5.address = \"" +
					       kAddress +
					       "\" api.alsa.path = cabin_sedan_amp "
					       "node.group = cabin.sedan-amp "
					       "cabin.alsa.channels = [ 14 15 ] "
					       "audio.position = [ FL FR ] object.linger = true }"},
				      ClientOptions::manager())
				.has_value();
		return made && DaemonSandbox::waitFor([&] { return stateOf().has_value(); });
	}

	bool disconnectHeadset()
	{
		auto id = sandbox_->nodeId(kHeadset);
		return id && sandbox_->run({"pw-cli", "destroy", std::to_string(*id)},
					   ClientOptions::manager());
	}

	/* The headset's entry in the whole car's `bluetooth` state, while it is connected. */
	std::optional<JsonValue> stateOf()
	{
		auto state = sandbox_->cabinState();
		const JsonValue *devices = state ? state->find("bluetooth") : nullptr;
		if (devices)
			for (const JsonValue &device : devices->items())
				if (device.stringOr("address") == kAddress &&
				    device.find("present")->toBool() == true)
					return device;
		return std::nullopt;
	}

	bool seesHeadset(const ClientOptions &client)
	{
		auto dump = sandbox_->dump(client);
		return dump && dump->toJson().find(kHeadset) != std::string::npos;
	}

	void bindToRearLeft()
	{
		ASSERT_EQ(cabinctl(kRearLeft, {"bluetooth", "claim", kAddress}).status, 0);
		ASSERT_EQ(cabinctl(kRearLeft, {"bluetooth", "confirm", kAddress}).status, 0);
		ASSERT_TRUE(sandbox_->waitForTargets("rear-left.film", {kHeadset}));
	}

	pid_t film_ = -1;
};

TEST_F(BluetoothTest, ANewHeadsetIsHeldUntilASeatClaimsAndConfirmsIt)
{
	ASSERT_TRUE(connectHeadset());
	EXPECT_EQ(stateOf()->stringOr("state"), "held");
	EXPECT_EQ(stateOf()->stringOr("zone"), "");
	EXPECT_FALSE(seesHeadset(kRearLeft));
	EXPECT_FALSE(seesHeadset(kRearRight));
	EXPECT_EQ(sandbox_->linkedTargets("rear-left.film"),
		  std::set<std::string>{"rear-left.headphones"});

	/* Every seat is offered it. */
	for (const ClientOptions &seat : {kRearLeft, kRearRight}) {
		CommandResult list = cabinctl(seat, {"bluetooth"});
		EXPECT_EQ(list.status, 0);
		EXPECT_NE(list.output.find(std::string(kAddress) + " (Travel headset): held"),
			  std::string::npos)
			<< list.output;
	}

	CommandResult claim = cabinctl(kRearLeft, {"bluetooth", "claim", kAddress});
	ASSERT_EQ(claim.status, 0) << claim.output;
	EXPECT_NE(claim.output.find("claimed"), std::string::npos) << claim.output;
	EXPECT_EQ(stateOf()->stringOr("state"), "claimed");
	/* Claimed is not yet bound: still nobody's. */
	EXPECT_FALSE(seesHeadset(kRearLeft));
	EXPECT_EQ(sandbox_->linkedTargets("rear-left.film"),
		  std::set<std::string>{"rear-left.headphones"});

	/* Another seat can neither take the claim over nor confirm it. */
	CommandResult otherClaim = cabinctl(kRearRight, {"bluetooth", "claim", kAddress});
	EXPECT_NE(otherClaim.status, 0);
	EXPECT_NE(otherClaim.output.find("another seat claimed it first"), std::string::npos)
		<< otherClaim.output;
	CommandResult otherConfirm = cabinctl(kRearRight, {"bluetooth", "confirm", kAddress});
	EXPECT_NE(otherConfirm.status, 0);
	EXPECT_NE(otherConfirm.output.find("seat rear-right has not claimed this device"),
		  std::string::npos)
		<< otherConfirm.output;
	EXPECT_EQ(cabinctl(kRearRight, {"bluetooth"}).output, "no Bluetooth devices\n");

	CommandResult confirm = cabinctl(kRearLeft, {"bluetooth", "confirm", kAddress});
	ASSERT_EQ(confirm.status, 0) << confirm.output;
	EXPECT_NE(confirm.output.find("bound to this seat"), std::string::npos) << confirm.output;
	EXPECT_TRUE(sandbox_->waitForTargets("rear-left.film", {kHeadset}))
		<< "the film moves to the headset";
	EXPECT_EQ(stateOf()->stringOr("zone"), "rear-left");
	EXPECT_TRUE(seesHeadset(kRearLeft));
	EXPECT_FALSE(seesHeadset(kRearRight)) << "the headset is rear-left's alone";
}

TEST_F(BluetoothTest, ABoundHeadsetRejoinsOnReconnectAndAfterARestart)
{
	ASSERT_TRUE(connectHeadset());
	ASSERT_NO_FATAL_FAILURE(bindToRearLeft());

	ASSERT_TRUE(disconnectHeadset());
	EXPECT_TRUE(sandbox_->waitForTargets("rear-left.film", {"rear-left.headphones"}));
	CommandResult away = cabinctl(kRearLeft, {"bluetooth"});
	EXPECT_NE(away.output.find("bound to rear-left, not connected"), std::string::npos)
		<< away.output;

	ASSERT_TRUE(connectHeadset());
	EXPECT_TRUE(sandbox_->waitForTargets("rear-left.film", {kHeadset}))
		<< "reconnected: bound at once, no claim";
	EXPECT_EQ(stateOf()->stringOr("state"), "bound");

	EXPECT_TRUE(std::filesystem::exists(sandbox_->directory() +
					    "/state/wireplumber/cabin-bluetooth"));
	std::string error;
	ASSERT_TRUE(sandbox_->restartWireplumber(&error)) << error;
	EXPECT_TRUE(sandbox_->waitForTargets("rear-left.film", {kHeadset}))
		<< "the binding outlives WirePlumber";
	EXPECT_TRUE(seesHeadset(kRearLeft));
	EXPECT_FALSE(seesHeadset(kRearRight));
}

TEST_F(BluetoothTest, ReleasingAHeadsetHoldsItAgain)
{
	ASSERT_TRUE(connectHeadset());
	ASSERT_NO_FATAL_FAILURE(bindToRearLeft());

	CommandResult release = cabinctl(kRearLeft, {"bluetooth", "release", kAddress});
	ASSERT_EQ(release.status, 0) << release.output;
	EXPECT_TRUE(sandbox_->waitForTargets("rear-left.film", {"rear-left.headphones"}));
	EXPECT_TRUE(DaemonSandbox::waitFor([&] { return !seesHeadset(kRearLeft); }));
	EXPECT_EQ(stateOf()->stringOr("state"), "held");

	/* Now rear-right may have it. */
	ASSERT_EQ(cabinctl(kRearRight, {"bluetooth", "claim", kAddress}).status, 0);
	ASSERT_EQ(cabinctl(kRearRight, {"bluetooth", "confirm", kAddress}).status, 0);
	EXPECT_TRUE(DaemonSandbox::waitFor([&] { return seesHeadset(kRearRight); }));
	EXPECT_FALSE(seesHeadset(kRearLeft));
	EXPECT_EQ(sandbox_->linkedTargets("rear-left.film"),
		  std::set<std::string>{"rear-left.headphones"});
}

TEST_F(BluetoothTest, BadRequestsAreRefusedByName)
{
	ASSERT_TRUE(connectHeadset());

	CommandResult malformed = cabinctl(kRearLeft, {"bluetooth", "claim", "00:1B:66"});
	EXPECT_NE(malformed.status, 0);
	EXPECT_NE(malformed.output.find("address = \"00:1B:66\": expected a Bluetooth address"),
		  std::string::npos)
		<< malformed.output;

	CommandResult absent = cabinctl(kRearLeft, {"bluetooth", "claim", "00:1B:66:00:00:01"});
	EXPECT_NE(absent.status, 0);
	EXPECT_NE(absent.output.find("no Bluetooth device waiting for a seat"), std::string::npos)
		<< absent.output;

	CommandResult unclaimed = cabinctl(kRearLeft, {"bluetooth", "release", kAddress});
	EXPECT_NE(unclaimed.status, 0);
	EXPECT_NE(unclaimed.output.find("has neither claimed nor bound this device"),
		  std::string::npos)
		<< unclaimed.output;

	CommandResult verb = cabinctl(kRearLeft, {"bluetooth", "pair", kAddress});
	EXPECT_EQ(verb.status, 2);
	EXPECT_NE(verb.output.find("bluetooth ACTION 'pair': expected claim, confirm or release"),
		  std::string::npos)
		<< verb.output;

	/* Lower case is the same address; nothing above changed the headset. */
	EXPECT_EQ(stateOf()->stringOr("state"), "held");
	EXPECT_EQ(cabinctl(kRearLeft, {"bluetooth", "claim", "00:1b:66:c0:ff:ee"}).status, 0);
	EXPECT_EQ(stateOf()->stringOr("state"), "claimed");
}

/*
 * A seat client can make a sink of its own (a loopback's capture side) and
 * name it anything: neither a zone's device rule nor a Bluetooth address
 * puts it in a zone, so no other seat is routed to it or sees it.
 */
TEST_F(BluetoothTest, ASinkASeatMadeJoinsNoZoneWhateverItsName)
{
	pid_t loopback = sandbox_->spawn(
		{"pw-loopback", "--capture-props",
		 std::string("media.class=Audio/Sink node.name=rear-left.headphones "
			     "api.bluez5.address=\"") +
			 kAddress + "\"",
		 "--playback-props", "node.name=rear-right.loopback-out"},
		kRearRight);
	std::optional<std::uint32_t> fake;
	ASSERT_TRUE(DaemonSandbox::waitFor([&] {
		auto dump = sandbox_->dump();
		if (!dump)
			return false;
		for (const JsonValue &object : dump->items()) {
			const JsonValue *info = object.find("info");
			const JsonValue *props = info ? info->find("props") : nullptr;
			if (props && props->stringOr("node.name") == "rear-left.headphones" &&
			    props->stringOr("media.class") == "Audio/Sink" &&
			    props->find(std::string("api.bluez5.address")))
				fake = static_cast<std::uint32_t>(*object.find("id")->toInt());
		}
		return fake.has_value();
	}));
	auto state = sandbox_->cabinState();
	ASSERT_TRUE(state);
	bool listed = false;
	for (const JsonValue &node : state->find("nodes")->items())
		if (node.stringOr("id") == std::to_string(*fake)) {
			listed = true;
			EXPECT_EQ(node.stringOr("zone"), "") << node.toJson();
		}
	EXPECT_TRUE(listed) << "the impostor sink is a device of the state";
	EXPECT_EQ(state->find("bluetooth")->items().size(), 0u) << "not a held headset either";

	auto rearLeftView = sandbox_->dump(kRearLeft);
	ASSERT_TRUE(rearLeftView);
	for (const JsonValue &object : rearLeftView->items())
		EXPECT_NE(object.find("id")->toInt(), std::optional<std::int64_t>(*fake))
			<< "rear-left sees rear-right's sink";
	EXPECT_EQ(sandbox_->linkedTargets("rear-left.film"),
		  std::set<std::string>{"rear-left.headphones"});
	sandbox_->stop(loopback);
}

} // namespace
} // namespace cabin::test
