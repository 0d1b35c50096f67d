/* SPDX-License-Identifier: MIT */
/*
 * Shares: a seat's playback stream offered to another seat or zone, and
 * what the receiving seat decided. The book checks every request against
 * the model and the seat it came from, and keeps the states; module-cabin
 * turns accepted shares into loopbacks. Plain C++, no GObject; the request
 * protocol is in docs/sharing.md.
 *
 * \context main thread (WirePlumber's GMainContext) for every member.
 */
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "json.hpp"
#include "seat-zone-model.hpp"

namespace cabin {

/* Node property of the loopback nodes that carry a share (set by module-cabin only). */
inline constexpr const char *kNodeShareProperty = "cabin.share.id";
/* A stream may refuse to be shared with this property set to false. */
inline constexpr const char *kShareableProperty = "cabin.shareable";

enum class ShareState { Offered, Accepted, Declined, Stopped };

const char *toString(ShareState state);

struct Share {
	std::uint32_t id = 0;
	/* The shared stream's node id. */
	std::uint32_t stream = 0;
	std::string application;
	std::string media;
	/* The offering seat, what it named, the zone that resolves to, and who decides. */
	std::string from;
	std::string to;
	std::string zone;
	std::string receiver;
	ShareState state = ShareState::Offered;
	/* The seat that made the last decision, or "auto" for an auto-accept rule. */
	std::string decidedBy;

	bool live() const { return state == ShareState::Offered || state == ShareState::Accepted; }
};

/* The answer to one request, written back as `cabin.reply`. */
struct ShareReply {
	std::string request;
	bool ok = false;
	std::string error;
	std::optional<std::uint32_t> share;
	std::optional<ShareState> state;

	std::string toJson() const;
};

/*
 * How large and how deep a seat's request may be. A real request is one
 * flat object of a few dozen bytes; anything past these is refused before
 * it costs more than reading its length.
 */
inline constexpr JsonLimits kSeatRequestLimits{.maxDepth = 4, .maxBytes = 4096};

/*
 * What every `cabin.request` is: a JSON object within kSeatRequestLimits,
 * with an optional "request" token that its reply echoes. Returns the
 * object, with \a token set, or nullopt with \a error saying what is
 * wrong with \a text.
 */
std::optional<JsonValue> parseSeatRequest(std::string_view text, std::string &token,
					  std::string &error);

class ShareBook
{
public:
	/* At most this many live (offered or accepted) shares per offering seat. */
	static constexpr std::size_t kMaxLiveSharesPerSeat = 16;

	explicit ShareBook(const SeatZoneModel &model) : model_(model) {}

	/*
	 * Handles one request, as JSON text, made by \a seat: the seat of the
	 * metadata object it was written in, never anything the request says.
	 */
	ShareReply handle(std::string_view seat, std::string_view requestJson);

	/* Drops the shares of a stream that went away; returns whether any existed. */
	bool removeStream(std::uint32_t streamId);
	/* Stops an accepted share whose audio path broke (its loopback went away). */
	bool stopAccepted(std::uint32_t id);
	void clear();

	const std::vector<Share> &shares() const { return shares_; }
	const Share *find(std::uint32_t id) const;

	/* Every share, or those \a onlySeat offered or decides, as JSON array items. */
	void writeJson(JsonWriter &json, std::string_view onlySeat = {}) const;

	/* Counts every change, so that callers can tell whether to act. */
	std::uint64_t generation() const { return generation_; }

private:
	ShareReply offer(std::string_view seat, const JsonValue &request);
	ShareReply decide(std::string_view seat, const JsonValue &request, std::string_view action);
	Share *findLive(std::uint32_t stream, std::string_view zone);

	const SeatZoneModel &model_;
	std::vector<Share> shares_;
	std::uint32_t nextId_ = 1;
	std::uint64_t generation_ = 0;
};

} // namespace cabin
