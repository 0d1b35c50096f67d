/* SPDX-License-Identifier: MIT */
/* cabinctl against the live sedan: what it reports is what the graph does. */
#include <memory>

#include <gtest/gtest.h>

#include "sandbox-test.hpp"

namespace cabin::test {
namespace {

class CabinctlTest : public SandboxTest
{
protected:
	void SetUp() override { startSandbox(DaemonSandbox::sedan()); }

	std::optional<JsonValue> statusJson()
	{
		auto out = sandbox_->run({cabinctl_, "status", "--json"}, ClientOptions::manager());
		return out ? JsonValue::parse(*out) : std::nullopt;
	}

	std::string cabinctl_ = DaemonSandbox::buildRoot() + "/tools/cabinctl";
};

/* Ids of the streams cabinctl shows linked into \a device. */
std::string streamsOn(const JsonValue &status, const std::string &device)
{
	for (const JsonValue &zone : status.find("zones")->items())
		for (const JsonValue &entry : zone.find("devices")->items())
			if (entry.stringOr("name") == device)
				return entry.find("streams")->toJson();
	return "(no such device)";
}

TEST_F(CabinctlTest, JsonShowsEachStreamOnItsSeatsDevice)
{
	sandbox_->playTone("driver.music", {.remote = "cabin-driver"});
	sandbox_->playTone("rear-left.film", {.remote = "cabin-rear-left"});
	ASSERT_TRUE(sandbox_->waitForTargets("driver.music", {"cabin.speakers"}));
	ASSERT_TRUE(sandbox_->waitForTargets("rear-left.film", {"rear-left.headphones"}));
	auto music = sandbox_->nodeId("driver.music");
	auto film = sandbox_->nodeId("rear-left.film");
	ASSERT_TRUE(music && film);

	auto status = statusJson();
	ASSERT_TRUE(status);
	EXPECT_EQ(status->find("version")->toInt(), 1);
	EXPECT_EQ(streamsOn(*status, "cabin.speakers"), "[" + std::to_string(*music) + "]");
	EXPECT_EQ(streamsOn(*status, "rear-left.headphones"), "[" + std::to_string(*film) + "]");
	EXPECT_EQ(streamsOn(*status, "rear-left.headrest"), "[]");

	auto text = sandbox_->run({cabinctl_, "status"}, ClientOptions::manager());
	ASSERT_TRUE(text);
	EXPECT_NE(
		text->find("rear-left.film [" + std::to_string(*film) + "] → rear-left.headphones"),
		std::string::npos)
		<< *text;
}

TEST_F(CabinctlTest, BadArgumentsAreNamed)
{
	int status = 0;
	auto out =
		sandbox_->run({cabinctl_, "status", "--bogus"}, ClientOptions::manager(), &status);
	ASSERT_TRUE(out);
	EXPECT_EQ(status, 2);
	EXPECT_NE(out->find("--bogus"), std::string::npos) << *out;
	out = sandbox_->run({cabinctl_, "frobnicate"}, ClientOptions::manager(), &status);
	ASSERT_TRUE(out);
	EXPECT_EQ(status, 2);
	EXPECT_NE(out->find("frobnicate"), std::string::npos) << *out;
}

} // namespace
} // namespace cabin::test
