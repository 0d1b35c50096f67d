/* SPDX-License-Identifier: MIT */
/*
 * SandboxTest: the GoogleTest fixture every integration test shares. It
 * starts a DaemonSandbox and, when the test failed, keeps its directory and
 * daemon logs for a look afterwards.
 */
#pragma once

#include <memory>

#include <gtest/gtest.h>

#include "daemon-sandbox.hpp"

namespace cabin::test {

class SandboxTest : public ::testing::Test
{
protected:
	void startSandbox(SandboxOptions options)
	{
		sandbox_ = std::make_unique<DaemonSandbox>(std::move(options));
		std::string error;
		ASSERT_TRUE(sandbox_->start(&error)) << error;
	}

	void TearDown() override
	{
		if (HasFailure() && sandbox_)
			sandbox_->keepLogs();
		sandbox_.reset();
	}

	std::unique_ptr<DaemonSandbox> sandbox_;
};

} // namespace cabin::test
