/* SPDX-License-Identifier: MIT */
/*
 * The statistic every benchmark reports: a percentile of its samples.
 */
#pragma once

#include <algorithm>
#include <cstddef>
#include <vector>

namespace cabin::bench {

/* The \a p quantile (0.5 = median) by nearest rank; -1 when there are no samples. */
inline double percentile(std::vector<double> values, double p)
{
	if (values.empty())
		return -1;
	std::sort(values.begin(), values.end());
	auto index = static_cast<std::size_t>(p * static_cast<double>(values.size() - 1) + 0.5);
	return values[std::min(index, values.size() - 1)];
}

} // namespace cabin::bench
