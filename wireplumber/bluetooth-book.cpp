/* SPDX-License-Identifier: MIT */
#include "bluetooth-book.hpp"

#include <algorithm>

#include "share-book.hpp"

namespace cabin {

namespace {

BluetoothReply failure(const std::string &address, std::string error)
{
	BluetoothReply reply;
	reply.address = address;
	reply.error = std::move(error);
	return reply;
}

std::string quoted(std::string_view text)
{
	return JsonValue::makeString(std::string(text)).toJson();
}

/* What a user would call the device: its description, else its node's name. */
std::string deviceName(const NodeState &node)
{
	for (const char *key : {"device.description", "node.description", "device.alias"}) {
		auto it = node.props.find(key);
		if (it != node.props.end() && !it->second.empty())
			return it->second;
	}
	return node.name;
}

} // namespace

std::string BluetoothReply::toJson() const
{
	JsonWriter json;
	json.beginObject();
	json.key("request").value(request);
	json.key("ok").value(ok);
	if (!ok)
		json.key("error").value(error);
	if (!address.empty())
		json.key("address").value(address);
	if (!state.empty())
		json.key("state").value(state);
	json.endObject();
	return json.str();
}

bool isBluetoothRequest(std::string_view requestJson)
{
	std::optional<JsonValue> request =
		JsonValue::parse(requestJson, nullptr, kSeatRequestLimits);
	return request && request->isObject() &&
	       request->stringOr("action").starts_with(kBluetoothActionPrefix);
}

std::vector<std::string> BluetoothBook::load(const std::map<std::string, std::string> &saved)
{
	std::vector<std::string> messages;
	for (const auto &[key, seat] : saved) {
		std::optional<std::string> address = normalizeBluetoothAddress(key);
		if (!address) {
			messages.push_back("Bluetooth binding " + quoted(key) + " = " +
					   quoted(seat) +
					   ": not a Bluetooth address (AA:BB:CC:DD:EE:FF); "
					   "binding dropped");
			continue;
		}
		if (!model_.config().findSeat(seat))
			messages.push_back(
				"Bluetooth binding " + quoted(*address) + " = " + quoted(seat) +
				": no seat with this name; the device is held until "
				"the seat is configured again or another seat claims it");
		else if (!model_.config().personalZoneOf(seat))
			messages.push_back("Bluetooth binding " + quoted(*address) + " = " +
					   quoted(seat) +
					   ": the seat has no personal zone; the device is held");
		bindings_[*address] = seat;
	}
	bindingsGeneration_++;
	return messages;
}

std::optional<std::string> BluetoothBook::seatOf(std::string_view address) const
{
	std::optional<std::string> normalized = normalizeBluetoothAddress(address);
	if (!normalized)
		return std::nullopt;
	auto it = bindings_.find(*normalized);
	if (it == bindings_.end() || !model_.config().findSeat(it->second))
		return std::nullopt;
	return it->second;
}

BluetoothReply BluetoothBook::handle(std::string_view seat, std::string_view requestJson)
{
	std::string token;
	std::string error;
	std::optional<JsonValue> request = parseSeatRequest(requestJson, token, error);
	BluetoothReply reply;
	if (!request) {
		reply = failure({}, error);
	} else if (!model_.config().findSeat(seat)) {
		reply = failure({}, "the request came from no configured seat");
	} else {
		const std::string action = request->stringOr("action");
		const JsonValue *value = request->find("address");
		std::optional<std::string> address =
			value && value->isString() ? normalizeBluetoothAddress(value->text())
						   : std::nullopt;
		if (!address)
			reply = failure({}, "address = " + (value ? value->toJson() : "(missing)") +
						    ": expected a Bluetooth address such as "
						    "\"AA:BB:CC:DD:EE:FF\"");
		else if (action == "bluetooth-claim")
			reply = claim(seat, *address);
		else if (action == "bluetooth-confirm")
			reply = confirm(seat, *address);
		else if (action == "bluetooth-release")
			reply = release(seat, *address);
		else
			reply = failure({},
					"action = " + quoted(action) +
						": expected \"bluetooth-claim\", "
						"\"bluetooth-confirm\" or \"bluetooth-release\"");
	}
	reply.request = token;
	return reply;
}

BluetoothReply BluetoothBook::claim(std::string_view seat, const std::string &address)
{
	const std::string device = "address = " + quoted(address);
	if (std::optional<std::string> owner = seatOf(address)) {
		if (*owner == seat)
			return result(address);
		return failure(address, device + ": the device belongs to another seat, which "
						 "must release it first");
	}
	if (!isHeld(address))
		return failure(address, device + ": no Bluetooth device waiting for a seat has "
						 "this address (is it connected?)");
	if (!model_.config().personalZoneOf(seat))
		return failure(address,
			       "seat " + std::string(seat) +
				       " has no personal zone for a Bluetooth device to join");
	auto claimed = claims_.find(address);
	if (claimed != claims_.end() && claimed->second != seat)
		return failure(address, device + ": another seat claimed it first, and must "
						 "confirm or release its claim");
	claims_.try_emplace(address, seat);
	return result(address);
}

BluetoothReply BluetoothBook::confirm(std::string_view seat, const std::string &address)
{
	if (seatOf(address) == seat)
		return result(address);
	auto claimed = claims_.find(address);
	if (claimed == claims_.end() || claimed->second != seat)
		return failure(address, "address = " + quoted(address) + ": seat " +
						std::string(seat) +
						" has not claimed this device; claim it first");
	bindings_[address] = std::string(seat);
	claims_.erase(claimed);
	bindingsGeneration_++;
	return result(address);
}

BluetoothReply BluetoothBook::release(std::string_view seat, const std::string &address)
{
	auto bound = bindings_.find(address);
	auto claimed = claims_.find(address);
	if (bound != bindings_.end() && bound->second == seat) {
		bindings_.erase(bound);
		bindingsGeneration_++;
	} else if (claimed != claims_.end() && claimed->second == seat) {
		claims_.erase(claimed);
	} else {
		return failure(address, "address = " + quoted(address) + ": seat " +
						std::string(seat) +
						" has neither claimed nor bound this device");
	}
	return result(address);
}

bool BluetoothBook::isHeld(std::string_view address) const
{
	return std::any_of(model_.nodes().begin(), model_.nodes().end(), [&](const auto &entry) {
		return entry.second.heldBluetooth() && entry.second.bluetoothAddress == address;
	});
}

bool BluetoothBook::dropClaimsOnAbsentDevices()
{
	std::size_t dropped =
		std::erase_if(claims_, [&](const auto &claim) { return !isHeld(claim.first); });
	return dropped > 0;
}

BluetoothReply BluetoothBook::result(const std::string &address) const
{
	BluetoothReply reply;
	reply.ok = true;
	reply.address = address;
	reply.state = stateOf(address);
	return reply;
}

std::string BluetoothBook::stateOf(const std::string &address) const
{
	if (bindings_.contains(address))
		return "bound";
	return claims_.contains(address) ? "claimed" : "held";
}

void BluetoothBook::writeJson(JsonWriter &json, std::string_view onlySeat) const
{
	/* Per device: its present nodes; bound devices are listed while away too. */
	std::map<std::string, std::vector<const NodeState *>> devices;
	for (const auto &[address, seat] : bindings_)
		devices[address];
	for (const auto &[id, node] : model_.nodes())
		if (!node.bluetoothAddress.empty())
			devices[node.bluetoothAddress].push_back(&node);

	for (const auto &[address, nodes] : devices) {
		const std::string state = stateOf(address);
		std::string seat;
		if (auto bound = bindings_.find(address); bound != bindings_.end())
			seat = bound->second;
		else if (auto claimed = claims_.find(address); claimed != claims_.end())
			seat = claimed->second;
		/* A seat sees what it may claim and what is its own. */
		if (!onlySeat.empty() && !seat.empty() && seat != onlySeat)
			continue;
		json.beginObject();
		json.key("address").value(address);
		json.key("name").value(nodes.empty() ? std::string() : deviceName(*nodes.front()));
		json.key("state").value(state);
		json.key("seat").value(seat);
		std::string zone;
		for (const NodeState *node : nodes)
			if (!node->zone.empty())
				zone = node->zone;
		json.key("zone").value(zone);
		json.key("present").value(!nodes.empty());
		json.key("nodes").beginArray();
		for (const NodeState *node : nodes)
			json.value(node->id);
		json.endArray();
		json.endObject();
	}
}

} // namespace cabin
