/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: `cabin.request` texts as seats write them, handled the
 * way module-cabin handles them: isBluetoothRequest() decides between the
 * BluetoothBook and the ShareBook.
 *
 * Input: one or more requests separated by NUL bytes (metadata values are
 * C strings). The first byte of each picks the seat it comes from, modulo
 * 5: driver, front-passenger, rear-left, rear-right, or "trunk", which is
 * no configured seat; the rest is the request text. Requests are handled in
 * order on one car, so that an offer can be accepted and then stopped; at
 * most kMaxRequests are handled. `printf '\002{ action = offer, stream = 100,
 * to = rear-right }' > file` writes a seed (rear-left offers its film).
 *
 * The car is the sedan (docs/sharing.md's example, rear-right accepting
 * shares from front-passenger without asking) with the session manager, a
 * client per seat, the streams of tests/unit/share-book-test.cpp, a held
 * Bluetooth headset (00:1B:66:C0:FF:EE) and one bound to rear-right
 * (AA:BB:CC:00:11:22). Checks, besides the sanitizers: every reply's
 * toJson() is strict JSON, reads back as an object and echoes the request
 * token (with U+FFFD for bytes that are not UTF-8); a request changes only
 * shares its seat offered or receives, and only its own Bluetooth claims
 * and bindings; the state afterwards, for everything and for each seat, is
 * strict JSON.
 */
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "bluetooth-book.hpp"
#include "cabin-config.hpp"
#include "fuzz-support.hpp"
#include "json.hpp"
#include "seat-zone-model.hpp"
#include "share-book.hpp"

namespace {

using namespace cabin;

constexpr std::size_t kMaxRequests = 32;

constexpr const char *kSeats = R"([
  { name = "driver" }
  { name = "front-passenger" }
  { name = "rear-left" }
  { name = "rear-right", accept-shares-from = [ "front-passenger" ] }
])";

constexpr const char *kZones = R"([
  { name = "cabin", owner = "driver"
    devices = [
      { matches = [ { node.name = "cabin.speakers" } ] }
      { matches = [ { node.name = "driver.microphone" } ] }
    ] }
  { name = "front-passenger", seat = "front-passenger"
    devices = [ { matches = [ { node.name = "front-passenger.headphones" } ] } ] }
  { name = "rear-left", seat = "rear-left"
    devices = [
      { matches = [ { node.name = "rear-left.headphones" } ] }
      { matches = [ { node.name = "rear-left.headrest" } ] }
      { matches = [ { node.name = "rear-left.microphone" } ] }
    ] }
  { name = "rear-right", seat = "rear-right"
    devices = [ { matches = [ { node.name = "rear-right.headphones" } ] } ] }
])";

constexpr const char *kSeatNames[] = {"driver", "front-passenger", "rear-left", "rear-right",
				      "trunk"};

constexpr std::uint32_t kSessionManager = 5;
constexpr std::uint32_t kLoopbackClient = 6;
constexpr std::uint32_t kSessionManagerPid = 4242;
constexpr const char *kHeldHeadset = "00:1B:66:C0:FF:EE";
constexpr const char *kBoundHeadset = "AA:BB:CC:00:11:22";

/* Parsed once: every input starts from a copy. */
const CabinConfig &sedan()
{
	static const CabinConfig config = [] {
		CabinConfig parsed = parseCabinConfig(kSeats, kZones);
		if (!parsed.errors.empty())
			fuzz::fail("the sedan's config has errors", parsed.errors.front());
		return parsed;
	}();
	return config;
}

class Car
{
public:
	Car() : model_(sedan()), shares_(model_), bluetooth_(model_)
	{
		model_.setBluetoothSeatLookup(
			[this](std::string_view address) { return bluetooth_.seatOf(address); });
		bluetooth_.load({{kBoundHeadset, "rear-right"}});
		model_.setSessionManagerClient(kSessionManager);
		model_.setSessionManagerPid(kSessionManagerPid);
		model_.addClient(kSessionManager,
				 {{"pipewire.sec.pid", std::to_string(kSessionManagerPid)}});
		model_.addClient(kLoopbackClient,
				 {{"pipewire.sec.pid", std::to_string(kSessionManagerPid)}});
		std::uint32_t client = 10;
		for (const char *seat : {"driver", "front-passenger", "rear-left", "rear-right"})
			model_.addClient(client++,
					 {{kSeatSocketProperty, seat},
					  {"application.name", std::string(seat) + " app"}});

		std::uint32_t device = 30;
		for (const char *name : {"cabin.speakers", "front-passenger.headphones",
					 "rear-left.headphones", "rear-right.headphones"})
			model_.addNode(device++,
				       {{"node.name", name}, {"media.class", "Audio/Sink"}});
		model_.addNode(device++, {{"node.name", "rear-left.microphone"},
					  {"media.class", "Audio/Source"}});
		for (const char *address : {kHeldHeadset, kBoundHeadset})
			model_.addNode(device++,
				       {{"node.name", std::string("bluez_output.") + address},
					{"media.class", "Audio/Sink"},
					{kBluetoothAddressProperty, address},
					{"client.id", std::to_string(kSessionManager)}});

		addStream(100, 12, "Stream/Output/Audio", {{"media.name", "Big Buck Bunny"}});
		addStream(101, 12, "Stream/Input/Audio");
		addStream(102, 12, "Stream/Output/Audio", {{kShareableProperty, "false"}});
		addStream(110, 11);
		addStream(120, 10);
		addStream(130, 13);
		addStream(140, kLoopbackClient, "Stream/Output/Audio",
			  {{kNodeZoneProperty, "rear-left"}, {kNodeSeatProperty, "rear-left"}});
	}

	void handle(std::string_view seat, std::string_view request)
	{
		std::string reply;
		std::string token;
		const std::vector<Share> sharesBefore = shares_.shares();
		const std::map<std::string, std::string> bindingsBefore = bluetooth_.bindings();
		const std::string bluetoothBefore = bluetoothFor({});
		if (isBluetoothRequest(request)) {
			BluetoothReply answer = bluetooth_.handle(seat, request);
			reply = answer.toJson();
			token = answer.request;
			if (answer.ok && !normalizeBluetoothAddress(answer.address))
				fuzz::fail("a Bluetooth reply names no address", reply);
			/* What module-cabin does after each request (syncBluetooth). */
			bluetooth_.dropClaimsOnAbsentDevices();
			model_.reassignDevices();
		} else {
			ShareReply answer = shares_.handle(seat, request);
			reply = answer.toJson();
			token = answer.request;
			if (answer.ok && (!answer.share || !shares_.find(*answer.share)))
				fuzz::fail("a successful share reply names no share", reply);
		}
		checkReply(reply, token);
		checkSharesTouched(seat, sharesBefore);
		checkBindingsTouched(seat, bindingsBefore);
		if (kSeatNames[4] == seat && bluetoothFor({}) != bluetoothBefore)
			fuzz::fail(
				"a request from no configured seat changed the Bluetooth devices");
	}

	void checkState() const
	{
		StateExtras extras;
		extras.shares = &shares_;
		extras.sections = [this](JsonWriter &json, std::string_view onlySeat) {
			json.key("bluetooth").beginArray();
			bluetooth_.writeJson(json, onlySeat);
			json.endArray();
		};
		for (const char *seat : kSeatNames)
			checkStrict("stateJson()", model_.stateJson(seat, extras));
		checkStrict("stateJson()", model_.stateJson({}, extras));
	}

private:
	void addStream(std::uint32_t id, std::uint32_t client,
		       const std::string &mediaClass = "Stream/Output/Audio",
		       const Properties &extra = {})
	{
		Properties props = {{"node.name", "stream" + std::to_string(id)},
				    {"media.class", mediaClass},
				    {"client.id", std::to_string(client)}};
		for (const auto &[key, value] : extra)
			props[key] = value;
		model_.addNode(id, props);
	}

	std::string bluetoothFor(std::string_view seat) const
	{
		JsonWriter json;
		json.beginArray();
		bluetooth_.writeJson(json, seat);
		json.endArray();
		return json.str();
	}

	static void checkStrict(const char *what, const std::string &json)
	{
		if (!fuzz::StrictJson::valid(json))
			fuzz::fail(what, json);
	}

	static void checkReply(const std::string &reply, const std::string &token)
	{
		checkStrict("a reply is not strict JSON", reply);
		std::optional<JsonValue> parsed = JsonValue::parse(reply);
		if (!parsed || !parsed->isObject())
			fuzz::fail("a reply does not read back as an object", reply);
		/* As JSON writes it: bytes that are not UTF-8 become U+FFFD. */
		std::optional<JsonValue> written = JsonValue::parse(jsonQuote(token));
		if (!written || parsed->stringOr("request") != written->text() ||
		    !parsed->find("ok"))
			fuzz::fail("a reply lost its request token or its ok", reply);
	}

	/* Every share that appeared, went or changed is one the seat offered or receives. */
	void checkSharesTouched(std::string_view seat, const std::vector<Share> &before) const
	{
		auto key = [](const Share &share) {
			return std::tie(share.id, share.stream, share.from, share.to, share.zone,
					share.receiver, share.state, share.decidedBy);
		};
		auto ownedBySeat = [&](const Share &share) {
			return share.from == seat || share.receiver == seat;
		};
		for (const Share &old : before) {
			const Share *now = shares_.find(old.id);
			if ((!now || key(*now) != key(old)) && !ownedBySeat(old))
				fuzz::fail("a request changed a share of other seats",
					   std::string(seat) + " changed share " +
						   std::to_string(old.id));
		}
		for (const Share &now : shares_.shares()) {
			bool existed = false;
			for (const Share &old : before)
				existed = existed || old.id == now.id;
			if (!existed && now.from != seat)
				fuzz::fail(
					"a share appeared that the requesting seat did not offer",
					std::string(seat) + " made share from " + now.from);
		}
	}

	/* A seat binds devices to itself only, and releases only its own. */
	void checkBindingsTouched(std::string_view seat,
				  const std::map<std::string, std::string> &before) const
	{
		for (const auto &[address, owner] : before) {
			auto now = bluetooth_.bindings().find(address);
			bool same = now != bluetooth_.bindings().end() && now->second == owner;
			if (!same && owner != seat)
				fuzz::fail("a request changed another seat's Bluetooth binding",
					   std::string(seat) + " changed " + address);
		}
		for (const auto &[address, owner] : bluetooth_.bindings())
			if (!before.contains(address) && owner != seat)
				fuzz::fail("a request bound a device to another seat",
					   std::string(seat) + " bound " + address + " to " +
						   owner);
	}

	SeatZoneModel model_;
	ShareBook shares_;
	BluetoothBook bluetooth_;
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
	std::string_view input(reinterpret_cast<const char *>(data), size);
	Car car;
	for (std::size_t handled = 0; !input.empty() && handled < kMaxRequests; handled++) {
		std::size_t end = input.find('\0');
		std::string_view request = input.substr(0, end);
		input.remove_prefix(end == std::string_view::npos ? input.size() : end + 1);
		if (request.empty())
			continue;
		const char *seat = kSeatNames[static_cast<unsigned char>(request[0]) % 5];
		request.remove_prefix(1);
		car.handle(seat, request);
	}
	car.checkState();
	return 0;
}
