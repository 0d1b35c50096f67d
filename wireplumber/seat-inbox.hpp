/* SPDX-License-Identifier: MIT */
/*
 * What module-cabin keeps of what seat clients write into their seat's
 * metadata, `cabin.seat.<seat>`. The seat may write there, but only a
 * request on a client's own id is a message to module-cabin; every other
 * key would stay in the metadata, unbounded, for as long as the daemon
 * runs. So the inbox takes requests within kSeatRequestLimits, at most
 * kMaxPendingPerSeat waiting per seat, and says which writes to undo.
 * Plain C++; module-cabin carries out its verdicts (docs/module-cabin.md).
 *
 * \context main thread (WirePlumber's GMainContext) for every member.
 */
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace cabin {

inline constexpr const char *kSeatStateKey = "cabin.state";
inline constexpr const char *kSeatRequestKey = "cabin.request";
inline constexpr const char *kSeatReplyKey = "cabin.reply";

/* One request, or a refusal to reply with instead of handling it. */
struct SeatMessage {
	std::string seat;
	std::uint32_t subject = 0;
	std::string json;
	/* Non-empty: the request is refused with this error, unread. */
	std::string refusal;
};

class SeatInbox
{
public:
	/* Requests waiting for the next publication, per seat; more are refused. */
	static constexpr std::size_t kMaxPendingPerSeat = 64;

	enum class Verdict {
		/* Nothing to do: a key removed, or module-cabin's own. */
		Keep,
		/* A request (or its refusal) is queued; the key is cleared once handled. */
		Queued,
		/* The key is not a message to module-cabin: remove it now. */
		Remove,
		/* The seat changed or removed the published state: publish it again. */
		Republish,
	};

	/*
	 * A change a client made in \a seat's metadata: \a value null means
	 * removed, \a key null means every key of \a subject (or of all
	 * subjects, for subject PW_ID_ANY) removed. \a subjectIsClient says
	 * whether \a subject is a client's id: only there may a request be.
	 * \a why is set to what a Remove verdict logs.
	 */
	Verdict receive(std::string_view seat, std::uint32_t subject, const char *key,
			const char *value, bool subjectIsClient, std::string *why = nullptr);

	/* The queued requests, in the order they came; the queue is empty after. */
	std::vector<SeatMessage> take();

private:
	std::vector<SeatMessage> pending_;
	std::map<std::string, std::size_t, std::less<>> pendingPerSeat_;
};

} // namespace cabin
