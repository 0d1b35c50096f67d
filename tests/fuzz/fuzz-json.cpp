/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: JsonValue::parse on any text, the way every config
 * section, metadata value and seat request is read.
 *
 * Input: the text to parse, as it is.
 *
 * Checks, besides the sanitizers:
 * - a parse with tight limits succeeds only where the default one does, with
 *   the same value, and does succeed for text within those limits;
 * - a failed parse says why;
 * - toJson() is strict JSON, and reads back to a value whose toJson() is the
 *   same text. The first toJson() is not the input: SPA-JSON's bare words,
 *   '=' and missing commas, comments, "\u0000" (which ends a string) and
 *   relaxed numbers ("+1", ".5") are written in strict form. Re-reading it
 *   uses no byte limit: strict form can be longer than the input ("a=b" is
 *   {"a":"b"}).
 */
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "fuzz-support.hpp"
#include "json.hpp"

namespace {

using cabin::JsonLimits;
using cabin::JsonValue;

constexpr JsonLimits kTight{.maxDepth = 4, .maxBytes = 256};

/* Containers inside containers: 0 for a scalar, 1 for a flat array. */
std::size_t depth(const JsonValue &value)
{
	std::size_t deepest = 0;
	for (const JsonValue &item : value.items())
		deepest = std::max(deepest, depth(item));
	for (const auto &[key, member] : value.members())
		deepest = std::max(deepest, depth(member));
	return value.isArray() || value.isObject() ? deepest + 1 : 0;
}

/* The accessors callers use on untrusted values; none may misbehave. */
void readEverything(const JsonValue &value)
{
	(void)value.toInt();
	(void)value.toBool();
	(void)value.find("name");
	(void)value.stringOr("action", "none");
	for (const JsonValue &item : value.items())
		readEverything(item);
	for (const auto &[key, member] : value.members()) {
		if (value.find(key) == nullptr)
			cabin::fuzz::fail("find() misses a member of its object", key);
		readEverything(member);
	}
}

std::optional<JsonValue> parse(std::string_view text, const JsonLimits &limits)
{
	std::string error;
	std::optional<JsonValue> value = JsonValue::parse(text, &error, limits);
	if (!value && error.empty())
		cabin::fuzz::fail("a parse failed without saying why", text);
	return value;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
	std::string_view text(reinterpret_cast<const char *>(data), size);
	std::optional<JsonValue> value = parse(text, JsonLimits{});
	std::optional<JsonValue> tight = parse(text, kTight);

	if (tight && !value)
		cabin::fuzz::fail("tight limits parsed what the default ones refused", text);
	if (!value)
		return 0;

	std::string json = value->toJson();
	if (tight && tight->toJson() != json)
		cabin::fuzz::fail("tight limits read another value", tight->toJson() + "\n" + json);
	if (!tight && size <= kTight.maxBytes && depth(*value) <= kTight.maxDepth)
		cabin::fuzz::fail("tight limits refused text within them", text);

	readEverything(*value);

	if (!cabin::fuzz::StrictJson::valid(json))
		cabin::fuzz::fail("toJson() is not strict JSON", json);
	std::optional<JsonValue> again = parse(json, JsonLimits{.maxBytes = 0});
	if (!again)
		cabin::fuzz::fail("toJson() does not read back", json);
	if (again->toJson() != json)
		cabin::fuzz::fail("toJson() reads back as another value",
				  json + "\n" + again->toJson());
	return 0;
}
