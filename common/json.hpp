/* SPDX-License-Identifier: MIT */
/*
 * A small JSON value tree, read with SPA's own relaxed JSON parser so that
 * config sections, metadata values and pw-dump output all parse the same way
 * PipeWire and WirePlumber parse them.
 */
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cabin {

/*
 * Bounds on what one parse may build. Untrusted text (a seat's request, a
 * config section) could otherwise nest deep enough to overflow the stack
 * of the parser, or of the tree's destructor, or grow without limit.
 */
struct JsonLimits {
	/* Containers inside containers; the document itself is depth 1. */
	std::size_t maxDepth = 64;
	/* Bytes of text; 0 means no limit. */
	std::size_t maxBytes = 4u << 20;
};

class JsonValue
{
public:
	enum class Kind { Null, Bool, Number, String, Array, Object };
	using Member = std::pair<std::string, JsonValue>;

	JsonValue() = default;

	/*
	 * Parses SPA-JSON (a superset of JSON: bare words, '=' or ':', no commas
	 * needed). Text longer or nested deeper than \a limits is refused, with
	 * an error naming the limit.
	 */
	static std::optional<JsonValue> parse(std::string_view text, std::string *error = nullptr,
					      const JsonLimits &limits = {});

	static JsonValue makeString(std::string text);

	Kind kind() const { return kind_; }
	bool isNull() const { return kind_ == Kind::Null; }
	bool isString() const { return kind_ == Kind::String; }
	bool isNumber() const { return kind_ == Kind::Number; }
	bool isArray() const { return kind_ == Kind::Array; }
	bool isObject() const { return kind_ == Kind::Object; }

	/* The text of a string, number or bool; empty for containers and null. */
	const std::string &text() const { return text_; }
	std::optional<std::int64_t> toInt() const;
	std::optional<bool> toBool() const;

	const std::vector<JsonValue> &items() const { return items_; }
	const std::vector<Member> &members() const { return members_; }
	/* First member named \a key of an object, or nullptr. */
	const JsonValue *find(std::string_view key) const;
	/* Text of member \a key when it is a scalar, or \a fallback. */
	std::string stringOr(std::string_view key, std::string_view fallback = {}) const;

	/*
	 * Strict JSON, for messages, logs and the state: relaxed numbers in
	 * JSON's spelling ("+1" is 1, ".5" is 0.5), strings in UTF-8.
	 */
	std::string toJson() const;

private:
	friend class JsonParser;

	Kind kind_ = Kind::Null;
	std::string text_;
	std::vector<JsonValue> items_;
	std::vector<Member> members_;
};

/*
 * Quotes and escapes \a text as a JSON string; bytes that are not UTF-8
 * become U+FFFD.
 */
std::string jsonQuote(std::string_view text);

/*
 * Streams strict JSON. Commas are inserted automatically; the caller keeps
 * begin/end calls balanced.
 */
class JsonWriter
{
public:
	JsonWriter &beginObject();
	JsonWriter &endObject();
	JsonWriter &beginArray();
	JsonWriter &endArray();
	JsonWriter &key(std::string_view name);
	JsonWriter &value(std::string_view text);
	JsonWriter &value(const char *text) { return value(std::string_view(text)); }
	JsonWriter &value(std::int64_t number);
	JsonWriter &value(std::uint32_t number) { return value(static_cast<std::int64_t>(number)); }
	JsonWriter &value(int number) { return value(static_cast<std::int64_t>(number)); }
	JsonWriter &value(bool flag);
	JsonWriter &null();
	JsonWriter &raw(std::string_view json);

	const std::string &str() const { return out_; }

private:
	void separate();

	std::string out_;
	bool needComma_ = false;
};

} // namespace cabin
