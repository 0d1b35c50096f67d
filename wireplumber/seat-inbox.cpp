/* SPDX-License-Identifier: MIT */
#include "seat-inbox.hpp"

#include <cstring>

#include "share-book.hpp"

namespace cabin {

namespace {

/* A key as logged: a seat chooses it, so its length too. */
std::string shown(const char *key)
{
	constexpr std::size_t kShown = 64;
	std::string text(key, strnlen(key, kShown + 1));
	if (text.size() > kShown) {
		text.resize(kShown);
		text += "...";
	}
	return text;
}

} // namespace

SeatInbox::Verdict SeatInbox::receive(std::string_view seat, std::uint32_t subject, const char *key,
				      const char *value, bool subjectIsClient, std::string *why)
{
	const bool state = subject == 0 && (!key || std::strcmp(key, kSeatStateKey) == 0);
	if (!value)
		/* Removals bound nothing; only the published state must come back. */
		return state || !key ? Verdict::Republish : Verdict::Keep;
	if (state)
		return Verdict::Republish;

	const std::size_t size = std::strlen(value);
	if (std::strcmp(key, kSeatRequestKey) != 0 || !subjectIsClient) {
		if (why)
			*why = "seat " + std::string(seat) + " wrote " + shown(key) +
			       " on subject " + std::to_string(subject) + " (" +
			       std::to_string(size) + " bytes): only " + kSeatRequestKey +
			       " on the writing client's own id is read; removed";
		return Verdict::Remove;
	}

	std::size_t &count = pendingPerSeat_[std::string(seat)];
	if (count >= kMaxPendingPerSeat) {
		if (why)
			*why = "seat " + std::string(seat) + " has " +
			       std::to_string(kMaxPendingPerSeat) +
			       " requests waiting already; the one on subject " +
			       std::to_string(subject) + " is removed unread";
		return Verdict::Remove;
	}
	count++;
	SeatMessage message{std::string(seat), subject, {}, {}};
	if (size > kSeatRequestLimits.maxBytes)
		/* Refused by its length alone: the text is not even copied. */
		message.refusal = "the request has " + std::to_string(size) +
				  " bytes, more than the " +
				  std::to_string(kSeatRequestLimits.maxBytes) + " allowed";
	else
		message.json = value;
	pending_.push_back(std::move(message));
	return Verdict::Queued;
}

std::vector<SeatMessage> SeatInbox::take()
{
	pendingPerSeat_.clear();
	return std::exchange(pending_, {});
}

} // namespace cabin
