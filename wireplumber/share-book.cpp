/* SPDX-License-Identifier: MIT */
#include "share-book.hpp"

#include <algorithm>

namespace cabin {

namespace {

constexpr std::size_t kMaxRequestTokenLength = 64;

ShareReply failure(std::string request, std::string error)
{
	ShareReply reply;
	reply.request = std::move(request);
	reply.error = std::move(error);
	return reply;
}

ShareReply success(std::string request, const Share &share)
{
	ShareReply reply;
	reply.request = std::move(request);
	reply.ok = true;
	reply.share = share.id;
	reply.state = share.state;
	return reply;
}

std::string propOr(const Properties &props, std::string_view key)
{
	auto it = props.find(key);
	return it == props.end() ? std::string() : it->second;
}

/* A node id or share id member: a non-negative integer below 2^32. */
std::optional<std::uint32_t> idMember(const JsonValue &request, std::string_view key)
{
	const JsonValue *value = request.find(key);
	std::optional<std::int64_t> number =
		value && value->isNumber() ? value->toInt() : std::nullopt;
	if (!number || *number < 0 || *number > UINT32_MAX)
		return std::nullopt;
	return static_cast<std::uint32_t>(*number);
}

std::string describeMember(const JsonValue &request, std::string_view key)
{
	const JsonValue *value = request.find(key);
	return std::string(key) + " = " + (value ? value->toJson() : "(missing)");
}

} // namespace

const char *toString(ShareState state)
{
	switch (state) {
	case ShareState::Offered:
		return "offered";
	case ShareState::Accepted:
		return "accepted";
	case ShareState::Declined:
		return "declined";
	case ShareState::Stopped:
		break;
	}
	return "stopped";
}

std::string ShareReply::toJson() const
{
	JsonWriter json;
	json.beginObject();
	json.key("request").value(request);
	json.key("ok").value(ok);
	if (!ok)
		json.key("error").value(error);
	if (share)
		json.key("share").value(*share);
	if (state)
		json.key("state").value(toString(*state));
	json.endObject();
	return json.str();
}

std::optional<JsonValue> parseSeatRequest(std::string_view text, std::string &token,
					  std::string &error)
{
	if (text.size() > kSeatRequestLimits.maxBytes) {
		error = "the request has " + std::to_string(text.size()) +
			" bytes, more than the " + std::to_string(kSeatRequestLimits.maxBytes) +
			" allowed";
		return std::nullopt;
	}
	std::string parseError;
	std::optional<JsonValue> request = JsonValue::parse(text, &parseError, kSeatRequestLimits);
	if (!request && parseError.starts_with("nested deeper")) {
		error = "the request is " + parseError;
		return std::nullopt;
	}
	if (!request || !request->isObject()) {
		error = "the request is not a JSON object" +
			(parseError.empty() ? std::string() : ": " + parseError);
		return std::nullopt;
	}
	token.clear();
	if (const JsonValue *value = request->find("request")) {
		if (!(value->isString() || value->isNumber()) ||
		    value->text().size() > kMaxRequestTokenLength) {
			error = "request = " + value->toJson() +
				": expected a string of at most 64 characters";
			return std::nullopt;
		}
		token = value->text();
	}
	return request;
}

ShareReply ShareBook::handle(std::string_view seat, std::string_view requestJson)
{
	std::string token;
	std::string error;
	std::optional<JsonValue> request = parseSeatRequest(requestJson, token, error);
	if (!request)
		return failure({}, error);
	if (!model_.config().findSeat(seat))
		return failure(token, "the request came from no configured seat");

	const std::string action = request->stringOr("action");
	ShareReply reply;
	if (action == "offer")
		reply = offer(seat, *request);
	else if (action == "accept" || action == "decline" || action == "stop")
		reply = decide(seat, *request, action);
	else
		reply = failure(
			{}, describeMember(*request, "action") +
				    ": expected \"offer\", \"accept\", \"decline\" or \"stop\"");
	reply.request = token;
	return reply;
}

ShareReply ShareBook::offer(std::string_view seat, const JsonValue &request)
{
	std::optional<std::uint32_t> streamId = idMember(request, "stream");
	if (!streamId)
		return failure({}, describeMember(request, "stream") +
					   ": expected the node id of a playback stream");
	/* Other seats' nodes are invisible to this seat; do not say whether the id exists. */
	const NodeState *stream = model_.node(*streamId);
	const ClientState *client =
		stream && stream->clientId ? model_.client(*stream->clientId) : nullptr;
	if (!stream || stream->role != NodeRole::Stream || stream->seat != seat || !client ||
	    model_.ownedBySessionManager(*stream))
		return failure({}, "stream = " + std::to_string(*streamId) +
					   ": no stream of seat " + std::string(seat) +
					   " has this id");
	if (stream->direction != Direction::Playback)
		return failure({}, "stream = " + std::to_string(*streamId) +
					   ": a capture stream cannot be shared, only playback");
	if (propOr(stream->props, kShareableProperty) == "false")
		return failure({}, "stream = " + std::to_string(*streamId) +
					   ": the stream does not allow sharing (" +
					   kShareableProperty + " = false)");

	const std::string to = request.stringOr("to");
	const CabinConfig &config = model_.config();
	std::string zone;
	std::string receiver;
	if (const SeatConfig *targetSeat = config.findSeat(to)) {
		zone = targetSeat->homeZone;
		receiver = targetSeat->name;
		if (zone.empty())
			return failure({}, "to = \"" + to + "\": the seat has no zone to play to");
	} else if (const ZoneConfig *targetZone = config.findZone(to)) {
		zone = targetZone->name;
		receiver = targetZone->seat;
	} else {
		return failure({},
			       describeMember(request, "to") + ": no seat or zone with this name");
	}
	if (receiver == seat)
		return failure({}, "to = \"" + to +
					   "\": " + (to == receiver ? "that is" : "it belongs to") +
					   " seat " + std::string(seat) +
					   " itself; nothing to share");

	if (const Share *existing = findLive(*streamId, zone))
		return failure({}, "stream = " + std::to_string(*streamId) +
					   ": already shared to " + zone + " (share " +
					   std::to_string(existing->id) + ", " +
					   toString(existing->state) + ")");
	std::size_t live = std::count_if(shares_.begin(), shares_.end(), [&](const Share &share) {
		return share.from == seat && share.live();
	});
	if (live >= kMaxLiveSharesPerSeat)
		return failure({}, "seat " + std::string(seat) + " already has " +
					   std::to_string(live) + " shares, the most it may have");

	/* A declined or stopped share of the same stream and zone is replaced. */
	std::erase_if(shares_, [&](const Share &share) {
		return share.stream == *streamId && share.zone == zone;
	});

	Share share;
	share.id = nextId_++;
	share.stream = *streamId;
	share.application = client->application;
	share.media = propOr(stream->props, "media.name");
	share.from = seat;
	share.to = to;
	share.zone = zone;
	share.receiver = receiver;
	const SeatConfig *receiverConfig = config.findSeat(receiver);
	if (receiverConfig && std::find(receiverConfig->acceptSharesFrom.begin(),
					receiverConfig->acceptSharesFrom.end(),
					seat) != receiverConfig->acceptSharesFrom.end()) {
		share.state = ShareState::Accepted;
		share.decidedBy = "auto";
	}
	shares_.push_back(std::move(share));
	generation_++;
	return success({}, shares_.back());
}

ShareReply ShareBook::decide(std::string_view seat, const JsonValue &request,
			     std::string_view action)
{
	std::optional<std::uint32_t> id = idMember(request, "share");
	if (!id)
		return failure({}, describeMember(request, "share") + ": expected a share id");
	auto it = std::find_if(shares_.begin(), shares_.end(),
			       [&](const Share &share) { return share.id == *id; });
	/* A seat that is not part of a share cannot see it. */
	if (it == shares_.end() || (it->from != seat && it->receiver != seat))
		return failure({}, "share = " + std::to_string(*id) + ": no share of seat " +
					   std::string(seat) + " has this id");
	Share &share = *it;
	const std::string name = "share " + std::to_string(share.id);

	if (action == "stop") {
		if (!share.live())
			return failure({}, name + " is already " + toString(share.state));
		share.state = ShareState::Stopped;
	} else {
		if (share.receiver != seat)
			return failure({}, name + " is for seat " + share.receiver + " to " +
						   std::string(action) + "; seat " +
						   std::string(seat) + " may only stop it");
		if (action == "accept" && share.state == ShareState::Accepted)
			return success({}, share);
		if (share.state != ShareState::Offered)
			return failure({}, name + " is " + toString(share.state) +
						   "; only an offered share can be " +
						   (action == "accept" ? "accepted" : "declined"));
		share.state = action == "accept" ? ShareState::Accepted : ShareState::Declined;
	}
	share.decidedBy = seat;
	generation_++;
	return success({}, share);
}

bool ShareBook::removeStream(std::uint32_t streamId)
{
	std::size_t removed = std::erase_if(
		shares_, [&](const Share &share) { return share.stream == streamId; });
	if (removed)
		generation_++;
	return removed > 0;
}

bool ShareBook::stopAccepted(std::uint32_t id)
{
	for (Share &share : shares_) {
		if (share.id != id || share.state != ShareState::Accepted)
			continue;
		/* Nobody decided this: one side destroyed its end of the loopback. */
		share.state = ShareState::Stopped;
		share.decidedBy.clear();
		generation_++;
		return true;
	}
	return false;
}

void ShareBook::clear()
{
	if (!shares_.empty())
		generation_++;
	shares_.clear();
}

const Share *ShareBook::find(std::uint32_t id) const
{
	for (const Share &share : shares_)
		if (share.id == id)
			return &share;
	return nullptr;
}

Share *ShareBook::findLive(std::uint32_t stream, std::string_view zone)
{
	for (Share &share : shares_)
		if (share.stream == stream && share.zone == zone && share.live())
			return &share;
	return nullptr;
}

void ShareBook::writeJson(JsonWriter &json, std::string_view onlySeat) const
{
	for (const Share &share : shares_) {
		if (!onlySeat.empty() && share.from != onlySeat && share.receiver != onlySeat)
			continue;
		json.beginObject();
		json.key("id").value(share.id);
		json.key("stream").value(share.stream);
		json.key("application").value(share.application);
		json.key("media").value(share.media);
		json.key("from").value(share.from);
		json.key("to").value(share.to);
		json.key("zone").value(share.zone);
		json.key("receiver").value(share.receiver);
		json.key("state").value(toString(share.state));
		json.key("decided-by").value(share.decidedBy);
		/* The node that plays the share in the receiving zone, for its volume. */
		json.key("node");
		std::optional<std::uint32_t> node;
		const std::string id = std::to_string(share.id);
		for (const auto &[nodeId, candidate] : model_.nodes())
			if (share.state == ShareState::Accepted &&
			    candidate.role == NodeRole::Stream &&
			    candidate.direction == Direction::Playback &&
			    propOr(candidate.props, kNodeShareProperty) == id &&
			    model_.ownedBySessionManager(candidate))
				node = nodeId;
		if (node)
			json.value(*node);
		else
			json.null();
		json.endObject();
	}
}

} // namespace cabin
