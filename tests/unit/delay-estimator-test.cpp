/* SPDX-License-Identifier: MIT */
/*
 * Tests the zone node's device delay estimator (spa-plugins/delay-estimator):
 * nothing published before it settled, the rounded mean, hysteresis, the
 * sliding window, negative readings and reset().
 */
#include <cstdint>

#include <gtest/gtest.h>

#include "delay-estimator.hpp"

namespace cabin::test {
namespace {

using zone::DelayEstimator;

/* The expected values below are worked out for these. */
static_assert(DelayEstimator::kWindow == 64);
static_assert(DelayEstimator::kSettle == 16);
static_assert(DelayEstimator::kHysteresis == 2);

/* Adds \a value \a times times; returns how many adds reported a change. */
int addMany(DelayEstimator &estimator, std::int64_t value, std::size_t times)
{
	int changes = 0;
	for (std::size_t i = 0; i < times; i++)
		changes += estimator.add(value) ? 1 : 0;
	return changes;
}

/* An estimator whose window is full of \a value, published. */
void fill(DelayEstimator &estimator, std::int64_t value)
{
	addMany(estimator, value, DelayEstimator::kWindow);
	ASSERT_EQ(estimator.published(), value);
}

TEST(DelayEstimator, NothingBeforeSettling)
{
	DelayEstimator estimator;
	for (std::size_t i = 0; i + 1 < DelayEstimator::kSettle; i++) {
		EXPECT_FALSE(estimator.add(100)) << "reading " << i;
		EXPECT_EQ(estimator.published(), 0);
	}
	EXPECT_TRUE(estimator.add(100));
	EXPECT_EQ(estimator.published(), 100);
}

TEST(DelayEstimator, SteadyReadingsPublishOnce)
{
	DelayEstimator estimator;
	EXPECT_EQ(addMany(estimator, 250, 3 * DelayEstimator::kWindow), 1);
	EXPECT_EQ(estimator.published(), 250);
}

TEST(DelayEstimator, MeanRoundsToNearest)
{
	struct Case {
		std::int64_t low, high;
		std::size_t highCount; /* of kSettle readings */
		std::int64_t expected;
	};
	/* With kSettle = 16: 8 x 10 + 8 x 11 = 10.5 rounds up, 7/16 high = 10.4375 down. */
	const Case cases[] = {
		{10, 11, DelayEstimator::kSettle / 2, 11},
		{10, 11, DelayEstimator::kSettle / 2 - 1, 10},
		{10, 11, DelayEstimator::kSettle / 2 + 1, 11},
		{0, 3, 3, 1},	    /* 9 / 16 = 0.5625 */
		{0, 1, 1, 0},	    /* 1 / 16 */
		{100, 120, 4, 105}, /* 100 + 80 / 16 */
	};
	for (const auto &test : cases) {
		SCOPED_TRACE(::testing::Message()
			     << test.highCount << " x " << test.high << ", rest " << test.low);
		DelayEstimator estimator;
		addMany(estimator, test.low, DelayEstimator::kSettle - test.highCount);
		addMany(estimator, test.high, test.highCount - 1);
		EXPECT_TRUE(estimator.add(test.high));
		EXPECT_EQ(estimator.published(), test.expected);
	}
}

TEST(DelayEstimator, HysteresisHoldsSmallChanges)
{
	constexpr std::int64_t base = 100;
	constexpr auto window = static_cast<std::int64_t>(DelayEstimator::kWindow);
	DelayEstimator estimator;
	fill(estimator, base);

	/* Each reading of base + window moves the mean up by one frame. */
	EXPECT_FALSE(estimator.add(base + window));
	EXPECT_EQ(estimator.published(), base) << "a change of 1 must not republish";
	EXPECT_TRUE(estimator.add(base + window));
	EXPECT_EQ(estimator.published(), base + 2);

	/* And down again: back to base + 1 is within the hysteresis. */
	EXPECT_FALSE(estimator.add(base - window));
	EXPECT_EQ(estimator.published(), base + 2);
	EXPECT_TRUE(estimator.add(base - window));
	EXPECT_EQ(estimator.published(), base);
}

TEST(DelayEstimator, LargeChangesRepublish)
{
	DelayEstimator estimator;
	fill(estimator, 100);
	/* One reading of 100 + 64 * 10 moves the mean by 10. */
	EXPECT_TRUE(estimator.add(100 + 64 * 10));
	EXPECT_EQ(estimator.published(), 110);
}

TEST(DelayEstimator, WindowSlidesToNewValue)
{
	constexpr std::int64_t before = 100, after = 500;
	DelayEstimator estimator;
	fill(estimator, before);
	addMany(estimator, after, DelayEstimator::kWindow - 1);
	/* One old reading left: (100 + 63 * 500) / 64 = 494.25. */
	EXPECT_EQ(estimator.published(), 494);
	EXPECT_NE(estimator.published(), after);
	EXPECT_TRUE(estimator.add(after));
	EXPECT_EQ(estimator.published(), after);
	/* The old readings are gone for good. */
	EXPECT_EQ(addMany(estimator, after, DelayEstimator::kWindow), 0);
	EXPECT_EQ(estimator.published(), after);
}

TEST(DelayEstimator, NegativeReadingsCountAsZero)
{
	DelayEstimator estimator;
	EXPECT_EQ(addMany(estimator, -50, DelayEstimator::kSettle), 1);
	EXPECT_EQ(estimator.published(), 0);

	/* Half -1000 and half 32: the mean is 16, not negative. */
	DelayEstimator mixed;
	for (std::size_t i = 0; i < DelayEstimator::kSettle / 2; i++) {
		mixed.add(-1000);
		mixed.add(32);
	}
	EXPECT_EQ(mixed.published(), 16);
}

TEST(DelayEstimator, ResetForgetsReadings)
{
	DelayEstimator estimator;
	fill(estimator, 100);
	estimator.reset();
	/* It has to settle again, and the old readings no longer count. */
	for (std::size_t i = 0; i + 1 < DelayEstimator::kSettle; i++)
		EXPECT_FALSE(estimator.add(300)) << "reading " << i;
	EXPECT_EQ(estimator.published(), 100) << "the last estimate stands until a new one";
	EXPECT_TRUE(estimator.add(300));
	EXPECT_EQ(estimator.published(), 300);

	/* And the window restarts: kSettle more readings average only new ones. */
	estimator.reset();
	addMany(estimator, 200, DelayEstimator::kSettle);
	EXPECT_EQ(estimator.published(), 200);
}

} // namespace
} // namespace cabin::test
