/* SPDX-License-Identifier: MIT */
/*
 * Bluetooth bindings: which seat each Bluetooth audio device belongs to,
 * by its address, and the claims that wait for their seat's confirmation.
 * A device nobody has bound is held in no zone (SeatZoneModel); a seat
 * claims it, confirms, and from then on the device joins that seat's
 * personal zone whenever it connects. module-cabin persists the bindings
 * in WirePlumber's state. Plain C++, no GObject; the requests are in
 * docs/bluetooth.md.
 *
 * \context main thread (WirePlumber's GMainContext) for every member.
 */
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "json.hpp"
#include "seat-zone-model.hpp"

namespace cabin {

/* The `action` of every Bluetooth request starts with this. */
inline constexpr std::string_view kBluetoothActionPrefix = "bluetooth-";

/* The answer to one Bluetooth request, written back as `cabin.reply`. */
struct BluetoothReply {
	std::string request;
	bool ok = false;
	std::string error;
	std::string address;
	/* "held", "claimed" or "bound": where the device stands now. */
	std::string state;

	std::string toJson() const;
};

/* Whether a `cabin.request` text is a Bluetooth request (its action says so). */
bool isBluetoothRequest(std::string_view requestJson);

class BluetoothBook
{
public:
	explicit BluetoothBook(const SeatZoneModel &model) : model_(model) {}

	/*
	 * Takes the bindings saved earlier (address -> seat). Entries with a
	 * malformed address are skipped; a binding to a seat that is not
	 * configured is kept, unused, so that it comes back with the seat.
	 * Returns one message per entry skipped or unused.
	 */
	std::vector<std::string> load(const std::map<std::string, std::string> &saved);
	/* What to save: every binding, address -> seat. */
	const std::map<std::string, std::string> &bindings() const { return bindings_; }

	/* The configured seat the device at \a address is bound to, if any. */
	std::optional<std::string> seatOf(std::string_view address) const;

	/*
	 * Handles one request, as JSON text, made by \a seat: the seat of the
	 * metadata object it was written in, never anything the request says.
	 */
	BluetoothReply handle(std::string_view seat, std::string_view requestJson);

	/* Drops the claims on devices that went away; returns whether any existed. */
	bool dropClaimsOnAbsentDevices();

	/* The devices \a onlySeat may claim or owns ("" for all), as JSON array items. */
	void writeJson(JsonWriter &json, std::string_view onlySeat = {}) const;

	/* Counts the changes of bindings, so that callers know when to place and save. */
	std::uint64_t bindingsGeneration() const { return bindingsGeneration_; }

private:
	BluetoothReply claim(std::string_view seat, const std::string &address);
	BluetoothReply confirm(std::string_view seat, const std::string &address);
	BluetoothReply release(std::string_view seat, const std::string &address);
	/* Whether a node of this device is present, held in no zone. */
	bool isHeld(std::string_view address) const;
	BluetoothReply result(const std::string &address) const;
	std::string stateOf(const std::string &address) const;

	const SeatZoneModel &model_;
	/* Address -> seat, as confirmed. */
	std::map<std::string, std::string> bindings_;
	/* Address -> the seat that claimed it and has not confirmed yet. */
	std::map<std::string, std::string> claims_;
	std::uint64_t bindingsGeneration_ = 0;
};

} // namespace cabin
