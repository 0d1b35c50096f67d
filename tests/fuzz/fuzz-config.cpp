/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the car's configuration sections, as an integrator
 * writes them, through parseCabinConfig and parseRolePolicy, and the model
 * built from that config.
 *
 * Input: four sections separated by NUL bytes (a config section is a C
 * string, so NUL never occurs inside one):
 *
 *     cabin.seats NUL cabin.zones NUL cabin.roles NUL cabin.role-rules
 *
 * A missing part is an absent section; text after a fourth NUL is ignored.
 * `printf '%s\0%s' "$seats" "$zones" > file` writes a seed.
 *
 * The model gets a session manager, a client on each seat's socket (the
 * first kMaxSeatsUsed seats) with a playback stream, a client placed by its
 * uid and by logind, the sedan's devices, a device named after each zone,
 * cards udev put on a seat or marked shared, and a Bluetooth headset bound
 * to the first seat. Checks, besides the sanitizers: every rejected entry
 * has a message; stateJson(), for everything and for each seat, is strict
 * JSON and reads back as an object; the role policy's verdicts are gains
 * between 0 and 1.
 */
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cabin-config.hpp"
#include "fuzz-support.hpp"
#include "json.hpp"
#include "role-policy.hpp"
#include "seat-zone-model.hpp"

namespace {

using namespace cabin;

/* Seats and zones given clients, nodes and views: the cost grows with their square. */
constexpr std::size_t kMaxSeatsUsed = 8;
constexpr std::size_t kMaxZonesUsed = 8;

constexpr std::uint32_t kSessionManager = 5;
constexpr std::uint32_t kSessionManagerPid = 4242;
constexpr std::uint32_t kLoginPid = 7777;
constexpr const char *kHeadset = "00:1B:66:C0:FF:EE";

std::vector<std::string_view> splitSections(std::string_view input)
{
	std::vector<std::string_view> sections;
	while (sections.size() < 3) {
		std::size_t nul = input.find('\0');
		if (nul == std::string_view::npos)
			break;
		sections.push_back(input.substr(0, nul));
		input.remove_prefix(nul + 1);
	}
	std::size_t nul = input.find('\0');
	sections.push_back(input.substr(0, nul));
	sections.resize(4);
	return sections;
}

void checkState(const std::string &state)
{
	if (!fuzz::StrictJson::valid(state))
		fuzz::fail("stateJson() is not strict JSON", state);
	std::optional<JsonValue> parsed = JsonValue::parse(state, nullptr, {.maxBytes = 0});
	if (!parsed || !parsed->isObject())
		fuzz::fail("stateJson() does not read back as an object", state);
}

void checkErrors(const std::vector<std::string> &errors)
{
	for (const std::string &error : errors)
		if (error.empty())
			fuzz::fail("an entry was rejected without a message");
}

void fillModel(SeatZoneModel &model)
{
	const CabinConfig &config = model.config();
	model.setSessionManagerClient(kSessionManager);
	model.setSessionManagerPid(kSessionManagerPid);
	model.setLoginLookup([](std::uint32_t pid, std::uint32_t) -> std::optional<LoginPlace> {
		if (pid == kLoginPid)
			return LoginPlace{"seat1"};
		return std::nullopt;
	});
	model.setDeviceSeatLookup([](const Properties &props) -> std::optional<DevicePlace> {
		auto card = props.find("api.alsa.card");
		if (card == props.end())
			return std::nullopt;
		if (card->second == "7")
			return DevicePlace{"seat1"};
		if (card->second == "8")
			return DevicePlace{{}, true, {}};
		if (card->second == "9")
			return DevicePlace{{}, true, "cabin"};
		return std::nullopt;
	});
	std::string boundSeat = config.seats.empty() ? "driver" : config.seats.front().name;
	model.setBluetoothSeatLookup([boundSeat](std::string_view address) {
		return address == kHeadset ? std::optional<std::string>(boundSeat) : std::nullopt;
	});
	/* An unknown default seat is refused and reported; the last seat is kept. */
	model.setDefaultSeat("no-such-seat");
	if (!config.seats.empty() && !model.setDefaultSeat(config.seats.back().name))
		fuzz::fail("a configured seat cannot be the default seat",
			   config.seats.back().name);

	model.addClient(kSessionManager,
			{{"pipewire.sec.pid", std::to_string(kSessionManagerPid)}});
	model.addClient(
		6, {{"pipewire.sec.pid", std::to_string(kLoginPid)}, {"pipewire.sec.uid", "1001"}});
	model.addClient(7, {{"pipewire.sec.pid", "8888"}, {"pipewire.sec.uid", "1002"}});
	model.addClient(8, {{kSeatSocketProperty, "no-such-seat"}});
	model.addClient(9, {{kRoleSocketProperty, "administrator"}});

	std::uint32_t id = 100;
	for (const char *name :
	     {"cabin.speakers", "driver.microphone", "front-passenger.headphones",
	      "rear-left.headphones", "rear-left.headrest", "rear-right.headphones"})
		model.addNode(id++, {{"node.name", name}, {"media.class", "Audio/Sink"}});
	model.addNode(id++,
		      {{"node.name", "rear-left.microphone"}, {"media.class", "Audio/Source"}});
	for (std::size_t i = 0; i < config.zones.size() && i < kMaxZonesUsed; i++)
		model.addNode(id++,
			      {{"node.name", config.zones[i].name}, {"media.class", "Audio/Sink"}});
	for (const char *card : {"7", "8", "9"})
		model.addNode(id++, {{"node.name", std::string("usb.card") + card},
				     {"media.class", "Audio/Sink"},
				     {"api.alsa.card", card}});
	model.addNode(id++, {{"node.name", "bluez_output.headset"},
			     {"media.class", "Audio/Sink"},
			     {kBluetoothAddressProperty, kHeadset},
			     {"client.id", std::to_string(kSessionManager)}});

	std::uint32_t client = 20;
	for (std::size_t i = 0; i < config.seats.size() && i < kMaxSeatsUsed; i++, client++) {
		model.addClient(client, {{kSeatSocketProperty, config.seats[i].name},
					 {"application.name", "player"}});
		model.addNode(id++, {{"node.name", "stream"},
				     {"media.class", "Stream/Output/Audio"},
				     {"client.id", std::to_string(client)}});
	}
	for (std::uint32_t stream : {6u, 7u})
		model.addNode(id++, {{"node.name", "stream"},
				     {"media.class", "Stream/Output/Audio"},
				     {"client.id", std::to_string(stream)}});
	model.reassignClients();
	model.reassignDevices();

	for (const auto &[nodeId, node] : model.nodes()) {
		if (node.role != NodeRole::Stream)
			continue;
		if (std::optional<std::uint32_t> target = model.selectTarget(nodeId))
			if (!model.mayTarget(nodeId, *target))
				fuzz::fail("a stream's own target is one it may not link to");
	}
	checkErrors(model.takeWarnings());
}

void checkRolePolicy(std::string_view roles, std::string_view rules)
{
	RolePolicyConfig config = parseRolePolicy(roles, rules);
	checkErrors(config.errors);
	RolePolicy policy(std::move(config));
	std::vector<RolePlayer> players;
	std::uint32_t node = 1;
	for (const RoleClass &role : policy.config().roles) {
		players.push_back({node++, "front", role.name, true});
		players.push_back({node++, node % 3 ? "rear" : "front", role.name, node % 2 == 0});
		(void)policy.classify(role.name);
		for (const std::string &mediaRole : role.mediaRoles)
			if (policy.classify(mediaRole).name.empty())
				fuzz::fail("a media role classifies as a class without a name");
	}
	(void)policy.classify("no-such-role");
	for (const auto &[id, verdict] : policy.arbitrate(players))
		if (!(verdict.gain >= 0.0f && verdict.gain <= 1.0f))
			fuzz::fail("a verdict's gain is not between 0 and 1", verdict.by);
	(void)policy.winners(players);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
	std::vector<std::string_view> sections =
		splitSections({reinterpret_cast<const char *>(data), size});

	CabinConfig config = parseCabinConfig(sections[0], sections[1]);
	checkErrors(config.errors);
	SeatZoneModel model(config);
	fillModel(model);
	checkState(model.stateJson());
	for (std::size_t i = 0; i < config.seats.size() && i < kMaxSeatsUsed; i++)
		checkState(model.stateJson(config.seats[i].name));
	checkState(model.stateJson("no-such-seat"));

	checkRolePolicy(sections[2], sections[3]);
	return 0;
}
