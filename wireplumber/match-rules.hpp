/* SPDX-License-Identifier: MIT */
/*
 * WirePlumber-style `matches` rules: a list of property sets, any of which
 * may match (OR); within one set every property must match (AND). A value
 * starting with '~' is a regular expression, '!' negates, and null means the
 * property must be absent — the same grammar as wireplumber.conf.
 */
#pragma once

#include <map>
#include <memory>
#include <regex>
#include <string>
#include <vector>

#include "json.hpp"

namespace cabin {

using Properties = std::map<std::string, std::string, std::less<>>;

class PropertyPattern
{
public:
	/* Builds a pattern from a config value; sets \a error on a bad regex. */
	static PropertyPattern fromJson(const JsonValue &value, std::string *error);

	bool matches(const Properties &props, const std::string &key) const;

private:
	enum class Op { Equal, Regex, Absent };

	Op op_ = Op::Equal;
	bool negate_ = false;
	std::string text_;
	std::shared_ptr<const std::regex> regex_;
};

class MatchRules
{
public:
	/*
	 * Parses a `matches` array. Returns false and sets \a error (naming the
	 * offending key and value) when the array is empty or malformed.
	 */
	bool parse(const JsonValue &matches, std::string *error);

	bool matches(const Properties &props) const;

	/* The rule as written, for logs and status. */
	const std::string &source() const { return source_; }

private:
	using Conjunction = std::vector<std::pair<std::string, PropertyPattern>>;

	std::vector<Conjunction> alternatives_;
	std::string source_;
};

} // namespace cabin
