/* SPDX-License-Identifier: MIT */
#include "match-rules.hpp"

namespace cabin {

PropertyPattern PropertyPattern::fromJson(const JsonValue &value, std::string *error)
{
	PropertyPattern pattern;
	if (value.isNull()) {
		pattern.op_ = Op::Absent;
		return pattern;
	}
	if (value.isArray() || value.isObject()) {
		*error = "expected a string, got " + value.toJson();
		return pattern;
	}
	std::string_view text = value.text();
	if (value.isString() && text.starts_with('!')) {
		pattern.negate_ = true;
		text.remove_prefix(1);
	}
	if (value.isString() && text.starts_with('~')) {
		text.remove_prefix(1);
		pattern.op_ = Op::Regex;
		try {
			pattern.regex_ = std::make_shared<const std::regex>(std::string(text),
									    std::regex::extended);
		} catch (const std::regex_error &e) {
			*error = "invalid regular expression " + jsonQuote(text) + ": " + e.what();
		}
	}
	pattern.text_ = std::string(text);
	return pattern;
}

bool PropertyPattern::matches(const Properties &props, const std::string &key) const
{
	auto it = props.find(key);
	bool result;
	switch (op_) {
	case Op::Absent:
		return it == props.end();
	case Op::Regex:
		result = it != props.end() && regex_ && std::regex_match(it->second, *regex_);
		break;
	case Op::Equal:
	default:
		result = it != props.end() && it->second == text_;
		break;
	}
	return negate_ ? (it != props.end() && !result) : result;
}

bool MatchRules::parse(const JsonValue &matches, std::string *error)
{
	alternatives_.clear();
	source_ = matches.toJson();
	if (!matches.isArray() || matches.items().empty()) {
		*error = "matches = " + source_ + ": expected a non-empty array of objects";
		return false;
	}
	for (const JsonValue &alternative : matches.items()) {
		if (!alternative.isObject() || alternative.members().empty()) {
			*error = "matches = " + source_ + ": each entry must be a non-empty object";
			return false;
		}
		Conjunction conjunction;
		for (const auto &[key, value] : alternative.members()) {
			std::string patternError;
			PropertyPattern pattern = PropertyPattern::fromJson(value, &patternError);
			if (!patternError.empty()) {
				*error = "matches: " + key + " = " + value.toJson() + ": " +
					 patternError;
				return false;
			}
			conjunction.emplace_back(key, std::move(pattern));
		}
		alternatives_.push_back(std::move(conjunction));
	}
	return true;
}

bool MatchRules::matches(const Properties &props) const
{
	for (const Conjunction &conjunction : alternatives_) {
		bool all = true;
		for (const auto &[key, pattern] : conjunction) {
			if (!pattern.matches(props, key)) {
				all = false;
				break;
			}
		}
		if (all)
			return true;
	}
	return false;
}

} // namespace cabin
