/* SPDX-License-Identifier: MIT */
#include <gtest/gtest.h>

#include "seat-inbox.hpp"

namespace cabin {
namespace {

using Verdict = SeatInbox::Verdict;

constexpr std::uint32_t kClient = 71;
constexpr std::uint32_t kHeadphones = 32;

TEST(SeatInboxTest, ARequestOnTheClientsOwnIdIsQueuedInOrder)
{
	SeatInbox inbox;
	EXPECT_EQ(inbox.receive("rear-left", kClient, "cabin.request", "{ action = offer }", true),
		  Verdict::Queued);
	EXPECT_EQ(inbox.receive("rear-right", 72, "cabin.request", "{ action = stop }", true),
		  Verdict::Queued);
	std::vector<SeatMessage> taken = inbox.take();
	ASSERT_EQ(taken.size(), 2u);
	EXPECT_EQ(taken[0].seat, "rear-left");
	EXPECT_EQ(taken[0].subject, kClient);
	EXPECT_EQ(taken[0].json, "{ action = offer }");
	EXPECT_EQ(taken[0].refusal, "");
	EXPECT_EQ(taken[1].seat, "rear-right");
	EXPECT_TRUE(inbox.take().empty());
}

TEST(SeatInboxTest, EveryOtherKeyIsRemovedNamingWhatWasWritten)
{
	/* 20,000 keys of 10 KB on a seat's own headphones once took WirePlumber to 446 MB. */
	SeatInbox inbox;
	std::string why;
	EXPECT_EQ(inbox.receive("rear-left", kHeadphones, "junk.0", "xxxx", false, &why),
		  Verdict::Remove);
	EXPECT_EQ(why, "seat rear-left wrote junk.0 on subject 32 (4 bytes): only cabin.request "
		       "on the writing client's own id is read; removed");
	EXPECT_EQ(inbox.receive("rear-left", kHeadphones, "cabin.request", "{}", false),
		  Verdict::Remove)
		<< "a request must be on a client's id";
	EXPECT_EQ(inbox.receive("rear-left", kClient, "cabin.reply", "{}", true), Verdict::Remove)
		<< "replies are module-cabin's to write";
	EXPECT_EQ(inbox.receive("rear-left", 0, "other", "1", false), Verdict::Remove);
	std::string longKey(5000, 'k');
	inbox.receive("rear-left", kHeadphones, longKey.c_str(), "1", false, &why);
	EXPECT_EQ(why, "seat rear-left wrote " + std::string(64, 'k') +
			       "... on subject 32 (1 bytes): only cabin.request on the writing "
			       "client's own id is read; removed");
	EXPECT_TRUE(inbox.take().empty());
}

TEST(SeatInboxTest, TheStateOverwrittenOrClearedIsPublishedAgain)
{
	SeatInbox inbox;
	EXPECT_EQ(inbox.receive("rear-left", 0, "cabin.state", "{}", false), Verdict::Republish);
	EXPECT_EQ(inbox.receive("rear-left", 0, "cabin.state", nullptr, false), Verdict::Republish);
	EXPECT_EQ(inbox.receive("rear-left", 0, nullptr, nullptr, false), Verdict::Republish);
	EXPECT_EQ(inbox.receive("rear-left", kClient, "cabin.request", nullptr, true),
		  Verdict::Keep);
}

TEST(SeatInboxTest, AnOversizedRequestIsRefusedUnreadAndAFloodIsCapped)
{
	SeatInbox inbox;
	std::string large(5000, '[');
	EXPECT_EQ(inbox.receive("rear-left", kClient, "cabin.request", large.c_str(), true),
		  Verdict::Queued);
	for (std::size_t i = 1; i < SeatInbox::kMaxPendingPerSeat; i++)
		EXPECT_EQ(inbox.receive("rear-left", kClient, "cabin.request", "{}", true),
			  Verdict::Queued);
	std::string why;
	EXPECT_EQ(inbox.receive("rear-left", kClient, "cabin.request", "{}", true, &why),
		  Verdict::Remove);
	EXPECT_EQ(why, "seat rear-left has 64 requests waiting already; the one on subject 71 "
		       "is removed unread");
	EXPECT_EQ(inbox.receive("rear-right", 72, "cabin.request", "{}", true), Verdict::Queued)
		<< "the cap is per seat";

	std::vector<SeatMessage> taken = inbox.take();
	ASSERT_EQ(taken.size(), SeatInbox::kMaxPendingPerSeat + 1);
	EXPECT_EQ(taken[0].json, "");
	EXPECT_EQ(taken[0].refusal, "the request has 5000 bytes, more than the 4096 allowed");
	EXPECT_EQ(inbox.receive("rear-left", kClient, "cabin.request", "{}", true), Verdict::Queued)
		<< "taken, the queue has room again";
}

} // namespace
} // namespace cabin
