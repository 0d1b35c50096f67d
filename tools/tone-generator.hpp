/* SPDX-License-Identifier: MIT */
/*
 * ToneGenerator: the sine that cabin-tone plays, sample for sample, so that
 * tests can regenerate exactly what an application sent and compare it
 * with what reached the amplifier.
 */
#pragma once

#include <cmath>
#include <numbers>

namespace cabin {

class ToneGenerator
{
public:
	ToneGenerator(double frequency, double amplitude, int rate)
	    : amplitude_(amplitude), step_(2.0 * std::numbers::pi * frequency / rate)
	{
	}

	/* \context any thread; no allocation. */
	float next()
	{
		auto value = static_cast<float>(amplitude_ * std::sin(phase_));
		phase_ += step_;
		if (phase_ > 2.0 * std::numbers::pi)
			phase_ -= 2.0 * std::numbers::pi;
		return value;
	}

private:
	double amplitude_;
	double step_;
	double phase_ = 0.0;
};

} // namespace cabin
