/* SPDX-License-Identifier: MIT */
#include <gtest/gtest.h>

#include "bluetooth-book.hpp"
#include "json.hpp"
#include "seat-zone-model.hpp"

namespace cabin {
namespace {

constexpr const char *kSeats = R"([
  { name = driver }
  { name = rear-left }
  { name = rear-right }
])";

/* The driver has only the shared cabin: no personal zone for a headset. */
constexpr const char *kZones = R"([
  { name = cabin, owner = driver
    devices = [ { matches = [ { node.name = "cabin.speakers" } ] } ] }
  { name = rear-left, seat = rear-left
    devices = [ { matches = [ { node.name = "rl.headphones" } ] }
                { matches = [ { node.name = "rl.car-headset" } ] } ] }
  { name = rear-right, seat = rear-right
    devices = [ { matches = [ { node.name = "rr.headphones" } ] } ] }
])";

constexpr const char *kAddress = "00:1B:66:C0:FF:EE";

class BluetoothBookTest : public ::testing::Test
{
protected:
	BluetoothBookTest() : model_(parseCabinConfig(kSeats, kZones)), book_(model_)
	{
		model_.setBluetoothSeatLookup(
			[this](std::string_view address) { return book_.seatOf(address); });
		model_.setSessionManagerClient(kWirePlumber);
		model_.addClient(kWirePlumber, {{"pipewire.sec.uid", "0"}});
		model_.addNode(10, {{"node.name", "rl.headphones"}, {"media.class", "Audio/Sink"}});
	}

	/* A headset's sink as WirePlumber's Bluetooth monitor makes it. */
	void connect(std::uint32_t id, const std::string &address = kAddress,
		     const std::string &name = "bluez_output.headset")
	{
		model_.addNode(id, {{"node.name", name},
				    {"node.description", "Travel headset"},
				    {"media.class", "Audio/Sink"},
				    {"api.bluez5.address", address},
				    {"client.id", std::to_string(kWirePlumber)}});
	}

	BluetoothReply request(std::string_view seat, std::string_view action,
			       std::string_view address = kAddress)
	{
		BluetoothReply reply =
			book_.handle(seat, "{ \"request\": \"r1\", \"action\": \"bluetooth-" +
						   std::string(action) + "\", \"address\": \"" +
						   std::string(address) + "\" }");
		EXPECT_EQ(reply.request, "r1");
		return reply;
	}

	/* What module-cabin does after each request. */
	void apply()
	{
		book_.dropClaimsOnAbsentDevices();
		model_.reassignDevices();
	}

	std::vector<JsonValue> listed(std::string_view seat = {})
	{
		JsonWriter json;
		json.beginArray();
		book_.writeJson(json, seat);
		json.endArray();
		std::optional<JsonValue> parsed = JsonValue::parse(json.str());
		return parsed ? parsed->items() : std::vector<JsonValue>{};
	}

	static constexpr std::uint32_t kWirePlumber = 5;
	SeatZoneModel model_;
	BluetoothBook book_;
};

TEST_F(BluetoothBookTest, ANewHeadsetIsHeldInNoZone)
{
	connect(40);
	EXPECT_EQ(model_.node(40)->zone, "");
	EXPECT_TRUE(model_.node(40)->heldBluetooth());
	EXPECT_FALSE(model_.seatMaySee("rear-left", *model_.node(40)));
	EXPECT_FALSE(model_.seatMaySee("rear-right", *model_.node(40)));
	EXPECT_EQ(model_.bestDevice("rear-left", Direction::Playback), 10u);

	std::vector<JsonValue> all = listed();
	ASSERT_EQ(all.size(), 1u);
	EXPECT_EQ(all[0].stringOr("address"), kAddress);
	EXPECT_EQ(all[0].stringOr("name"), "Travel headset");
	EXPECT_EQ(all[0].stringOr("state"), "held");
	EXPECT_EQ(all[0].find("present")->toBool(), true);
	/* Every seat is offered a held device. */
	EXPECT_EQ(listed("rear-left").size(), 1u);
	EXPECT_EQ(listed("rear-right").size(), 1u);
}

TEST_F(BluetoothBookTest, AClaimConfirmedByItsSeatBindsTheHeadsetToThatSeatAlone)
{
	connect(40);
	BluetoothReply claim = request("rear-left", "claim");
	ASSERT_TRUE(claim.ok) << claim.error;
	EXPECT_EQ(claim.state, "claimed");
	apply();
	EXPECT_EQ(model_.node(40)->zone, "") << "a claim alone binds nothing";
	EXPECT_EQ(listed("rear-right").size(), 0u) << "claimed by another seat";

	BluetoothReply confirm = request("rear-left", "confirm");
	ASSERT_TRUE(confirm.ok) << confirm.error;
	EXPECT_EQ(confirm.state, "bound");
	apply();
	EXPECT_EQ(model_.node(40)->zone, "rear-left");
	EXPECT_EQ(model_.node(40)->seat, "rear-left");
	EXPECT_EQ(model_.bestDevice("rear-left", Direction::Playback), 40u)
		<< "a headset bound to the seat beats the zone's own headphones";
	EXPECT_TRUE(model_.seatMaySee("rear-left", *model_.node(40)));
	EXPECT_FALSE(model_.seatMaySee("rear-right", *model_.node(40)));
	EXPECT_EQ(book_.bindings().at(kAddress), "rear-left");
	EXPECT_EQ(listed("rear-left")[0].stringOr("zone"), "rear-left");
}

TEST_F(BluetoothBookTest, OnlyTheClaimingSeatConfirmsAndTheFirstClaimHolds)
{
	connect(40);
	ASSERT_TRUE(request("rear-left", "claim").ok);
	BluetoothReply second = request("rear-right", "claim");
	EXPECT_FALSE(second.ok);
	EXPECT_NE(second.error.find("another seat claimed it first"), std::string::npos)
		<< second.error;
	BluetoothReply confirm = request("rear-right", "confirm");
	EXPECT_FALSE(confirm.ok);
	EXPECT_EQ(confirm.error, "address = \"00:1B:66:C0:FF:EE\": seat rear-right has not "
				 "claimed this device; claim it first");
	/* Released, the claim is free for another seat. */
	ASSERT_TRUE(request("rear-left", "release").ok);
	EXPECT_TRUE(request("rear-right", "claim").ok);
}

TEST_F(BluetoothBookTest, ABindingComesBackOnReconnectAndAfterALoad)
{
	connect(40);
	ASSERT_TRUE(request("rear-left", "claim").ok);
	ASSERT_TRUE(request("rear-left", "confirm").ok);
	model_.removeNode(40);
	apply();
	std::vector<JsonValue> away = listed("rear-left");
	ASSERT_EQ(away.size(), 1u);
	EXPECT_EQ(away[0].stringOr("state"), "bound");
	EXPECT_EQ(away[0].find("present")->toBool(), false);

	connect(41);
	EXPECT_EQ(model_.node(41)->zone, "rear-left") << "reconnected: no claim needed";

	/* A new instance with the saved bindings. */
	SeatZoneModel model(parseCabinConfig(kSeats, kZones));
	BluetoothBook book(model);
	model.setBluetoothSeatLookup(
		[&](std::string_view address) { return book.seatOf(address); });
	EXPECT_TRUE(book.load(book_.bindings()).empty());
	model.addNode(42, {{"node.name", "bluez_output.headset"},
			   {"media.class", "Audio/Sink"},
			   {"api.bluez5.address", "00:1b:66:c0:ff:ee"}});
	EXPECT_EQ(model.node(42)->zone, "rear-left") << "addresses match in any case";
}

TEST_F(BluetoothBookTest, ReleasingABoundHeadsetHoldsItAgain)
{
	connect(40);
	ASSERT_TRUE(request("rear-left", "claim").ok);
	ASSERT_TRUE(request("rear-left", "confirm").ok);
	apply();
	BluetoothReply other = request("rear-right", "release");
	EXPECT_FALSE(other.ok);
	EXPECT_NE(other.error.find("seat rear-right has neither claimed nor bound"),
		  std::string::npos);
	BluetoothReply release = request("rear-left", "release");
	ASSERT_TRUE(release.ok) << release.error;
	EXPECT_EQ(release.state, "held");
	apply();
	EXPECT_EQ(model_.node(40)->zone, "");
	EXPECT_TRUE(book_.bindings().empty());
}

TEST_F(BluetoothBookTest, AClaimEndsWhenTheHeadsetGoesAway)
{
	connect(40);
	ASSERT_TRUE(request("rear-left", "claim").ok);
	model_.removeNode(40);
	apply();
	connect(41);
	EXPECT_FALSE(request("rear-left", "confirm").ok) << "claim again after a reconnect";
	EXPECT_EQ(listed("rear-right").size(), 1u);
}

TEST_F(BluetoothBookTest, BadRequestsNameTheirValue)
{
	connect(40);
	EXPECT_EQ(request("rear-left", "claim", "00:1B:66").error,
		  "address = \"00:1B:66\": expected a Bluetooth address such as "
		  "\"AA:BB:CC:DD:EE:FF\"");
	EXPECT_EQ(request("rear-left", "pair").error,
		  "action = \"bluetooth-pair\": expected \"bluetooth-claim\", "
		  "\"bluetooth-confirm\" or \"bluetooth-release\"");
	EXPECT_NE(request("rear-left", "claim", "00:1B:66:00:00:01")
			  .error.find("no Bluetooth device waiting for a seat has this address"),
		  std::string::npos);
	EXPECT_EQ(request("driver", "claim").error,
		  "seat driver has no personal zone for a Bluetooth device to join");
	EXPECT_EQ(request("nobody", "claim").error, "the request came from no configured seat");
	EXPECT_NE(book_.handle("rear-left", "[1]").error.find("not a JSON object"),
		  std::string::npos);
	EXPECT_EQ(book_.handle("rear-left", R"({ "action": "bluetooth-claim", "address": )" +
						    std::string(5000, '[') +
						    std::string(5000, ']') + " }")
			  .error,
		  "the request has 10044 bytes, more than the 4096 allowed");
	EXPECT_FALSE(isBluetoothRequest(std::string(100000, '[')));
	EXPECT_EQ(listed()[0].stringOr("state"), "held") << "nothing above changed the headset";
}

TEST_F(BluetoothBookTest, AZoneRuleNamingTheHeadsetWinsAndNeedsNoClaim)
{
	connect(40, kAddress, "rl.car-headset");
	EXPECT_EQ(model_.node(40)->zone, "rear-left");
	EXPECT_EQ(model_.node(40)->rank, 1u);
	EXPECT_TRUE(listed().empty()) << "configured, so not held";
}

TEST_F(BluetoothBookTest, SavedBindingsAreCheckedAndKept)
{
	std::vector<std::string> messages = book_.load({{"not-an-address", "rear-left"},
							{"00:1B:66:00:00:02", "back-seat"},
							{"00:1B:66:00:00:03", "driver"},
							{"00:1b:66:00:00:04", "rear-right"}});
	ASSERT_EQ(messages.size(), 3u);
	EXPECT_EQ(messages[0], "Bluetooth binding \"00:1B:66:00:00:02\" = \"back-seat\": no seat "
			       "with this name; the device is held until the seat is configured "
			       "again or another seat claims it");
	EXPECT_EQ(messages[1], "Bluetooth binding \"00:1B:66:00:00:03\" = \"driver\": the seat "
			       "has no personal zone; the device is held");
	EXPECT_EQ(messages[2], "Bluetooth binding \"not-an-address\" = \"rear-left\": not a "
			       "Bluetooth address (AA:BB:CC:DD:EE:FF); binding dropped");
	EXPECT_EQ(book_.seatOf("00:1B:66:00:00:04"), "rear-right");
	EXPECT_EQ(book_.seatOf("00:1B:66:00:00:02"), std::nullopt);
	/* Kept, to be saved again: the seat may come back. */
	EXPECT_EQ(book_.bindings().size(), 3u);
}

TEST_F(BluetoothBookTest, ASeatClientsOwnHeadsetIsNeverHeldOrBound)
{
	model_.addClient(70, {{kSeatSocketProperty, "rear-right"}, {"pipewire.access", "cabin"}});
	model_.addNode(45, {{"node.name", "rl.headphones"},
			    {"media.class", "Audio/Sink"},
			    {"api.bluez5.address", kAddress},
			    {"client.id", "70"}});
	EXPECT_EQ(model_.node(45)->zone, "") << "no zone rule picks it up by its name";
	EXPECT_FALSE(model_.node(45)->heldBluetooth());
	EXPECT_TRUE(listed().empty());
	EXPECT_FALSE(request("rear-right", "claim").ok);
}

TEST(BluetoothAddressTest, NormalizesCaseAndRejectsTheRest)
{
	EXPECT_EQ(normalizeBluetoothAddress("0a:bB:cc:DD:ee:ff"), "0A:BB:CC:DD:EE:FF");
	for (const char *bad : {"", "0A:BB:CC:DD:EE", "0A-BB-CC-DD-EE-FF", "0A:BB:CC:DD:EE:FG",
				"0A:BB:CC:DD:EE:FF:00", "0ABB:CC:DD:EE:FF:"})
		EXPECT_EQ(normalizeBluetoothAddress(bad), std::nullopt) << bad;
	EXPECT_TRUE(isBluetoothRequest(R"({"action":"bluetooth-claim"})"));
	EXPECT_FALSE(isBluetoothRequest(R"({"action":"offer"})"));
	EXPECT_FALSE(isBluetoothRequest("bluetooth-claim"));
}

} // namespace
} // namespace cabin
