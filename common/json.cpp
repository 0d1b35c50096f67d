/* SPDX-License-Identifier: MIT */
#include "json.hpp"

#include <charconv>
#include <cstdio>

#include <spa/utils/json.h>

namespace cabin {

namespace {

/* The length from which spa_json_parse_float() refuses a number. */
constexpr std::size_t kMaxNumberLength = 96;

bool isDigit(char c)
{
	return c >= '0' && c <= '9';
}

/*
 * A number as strict JSON spells it. SPA-JSON reads relaxed spellings as
 * numbers too ("+1", ".5", "1.", "007"); the value stays, the spelling
 * becomes JSON's ("1", "0.5", "1", "7"). The exponent, if any, is already
 * strict.
 */
std::string strictNumber(std::string_view text)
{
	std::string out;
	std::size_t pos = 0;
	if (pos < text.size() && (text[pos] == '-' || text[pos] == '+')) {
		if (text[pos] == '-')
			out += '-';
		pos++;
	}
	std::size_t start = pos;
	while (pos < text.size() && isDigit(text[pos]))
		pos++;
	std::string_view whole = text.substr(start, pos - start);
	std::size_t significant = whole.find_first_not_of('0');
	out += significant == std::string_view::npos ? "0" : whole.substr(significant);
	if (pos < text.size() && text[pos] == '.') {
		start = ++pos;
		while (pos < text.size() && isDigit(text[pos]))
			pos++;
		if (pos > start)
			out.append(".").append(text.substr(start, pos - start));
	}
	out += text.substr(pos);
	return out;
}

/*
 * The length of the UTF-8 sequence at the start of \a text when it is one
 * well-formed code point (no overlong form, no surrogate, at most
 * U+10FFFF); otherwise 0, with \a invalid set to the bytes to replace: the
 * longest start of a sequence that could have been valid, at least one.
 */
std::size_t utf8Sequence(std::string_view text, std::size_t &invalid)
{
	auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
	unsigned char lead = byte(0);
	std::size_t length = 0;
	unsigned char low = 0x80, high = 0xbf;
	if (lead >= 0xc2 && lead <= 0xdf) {
		length = 2;
	} else if (lead >= 0xe0 && lead <= 0xef) {
		length = 3;
		low = lead == 0xe0 ? 0xa0 : 0x80;
		high = lead == 0xed ? 0x9f : 0xbf;
	} else if (lead >= 0xf0 && lead <= 0xf4) {
		length = 4;
		low = lead == 0xf0 ? 0x90 : 0x80;
		high = lead == 0xf4 ? 0x8f : 0xbf;
	}
	invalid = 1;
	if (length == 0)
		return 0;
	for (std::size_t i = 1; i < length; i++, low = 0x80, high = 0xbf) {
		if (i >= text.size() || byte(i) < low || byte(i) > high)
			return 0;
		invalid = i + 1;
	}
	return length;
}

} // namespace

class JsonParser
{
public:
	JsonParser(std::string_view text, const JsonLimits &limits) : text_(text), limits_(limits)
	{
	}

	std::optional<JsonValue> parseDocument(std::string *error)
	{
		if (limits_.maxBytes && text_.size() > limits_.maxBytes) {
			if (error)
				*error = std::to_string(text_.size()) + " bytes, more than the " +
					 std::to_string(limits_.maxBytes) + " allowed";
			return std::nullopt;
		}
		struct spa_json iter;
		spa_json_init(&iter, text_.data(), text_.size());
		const char *value;
		int len = spa_json_next(&iter, &value);
		if (len <= 0) {
			if (len < 0)
				return fail(&iter, error);
			return JsonValue{}; /* empty document reads as null */
		}
		JsonValue result;
		if (!parseValue(&iter, value, len, result, error, 1))
			return std::nullopt;
		return result;
	}

private:
	/* Recurses once per level, \a depth deep; refuses to go past the limit. */
	bool parseValue(struct spa_json *iter, const char *value, int len, JsonValue &out,
			std::string *error, std::size_t depth)
	{
		if (spa_json_is_container(value, len)) {
			if (depth > limits_.maxDepth) {
				if (error)
					*error = "nested deeper than the " +
						 std::to_string(limits_.maxDepth) +
						 " levels allowed";
				return false;
			}
			struct spa_json sub;
			spa_json_enter(iter, &sub);
			bool object = spa_json_is_object(value, len);
			out.kind_ = object ? JsonValue::Kind::Object : JsonValue::Kind::Array;
			for (;;) {
				const char *item;
				int itemLen = spa_json_next(&sub, &item);
				if (itemLen == 0)
					return true;
				if (itemLen < 0) {
					fail(&sub, error);
					return false;
				}
				if (object) {
					std::string key = unquote(item, itemLen);
					itemLen = spa_json_next(&sub, &item);
					if (itemLen <= 0) {
						if (error)
							*error = "missing value for key \"" + key +
								 "\"";
						return false;
					}
					JsonValue member;
					if (!parseValue(&sub, item, itemLen, member, error,
							depth + 1))
						return false;
					out.members_.emplace_back(std::move(key),
								  std::move(member));
				} else {
					JsonValue element;
					if (!parseValue(&sub, item, itemLen, element, error,
							depth + 1))
						return false;
					out.items_.push_back(std::move(element));
				}
			}
		}
		if (spa_json_is_null(value, len)) {
			out.kind_ = JsonValue::Kind::Null;
		} else if (spa_json_is_bool(value, len)) {
			out.kind_ = JsonValue::Kind::Bool;
			out.text_.assign(value, len);
		} else if (spa_json_is_float(value, len) && !spa_json_is_string(value, len)) {
			out.kind_ = JsonValue::Kind::Number;
			out.text_.assign(value, len);
		} else {
			out.kind_ = JsonValue::Kind::String;
			out.text_ = unquote(value, len);
		}
		return true;
	}

	static std::string unquote(const char *value, int len)
	{
		std::string buffer(static_cast<size_t>(len) + 1, '\0');
		int res = spa_json_parse_stringn(value, len, buffer.data(), len + 1);
		if (res <= 0)
			return std::string(value, len);
		buffer.resize(std::char_traits<char>::length(buffer.c_str()));
		return buffer;
	}

	std::optional<JsonValue> fail(struct spa_json *iter, std::string *error)
	{
		struct spa_error_location loc = {};
		if (error) {
			if (spa_json_get_error(iter, text_.data(), &loc))
				*error = "line " + std::to_string(loc.line) + ", column " +
					 std::to_string(loc.col) + ": " + loc.reason;
			else
				*error = "malformed JSON";
		}
		return std::nullopt;
	}

	std::string_view text_;
	JsonLimits limits_;
};

std::optional<JsonValue> JsonValue::parse(std::string_view text, std::string *error,
					  const JsonLimits &limits)
{
	return JsonParser(text, limits).parseDocument(error);
}

JsonValue JsonValue::makeString(std::string text)
{
	JsonValue value;
	value.kind_ = Kind::String;
	value.text_ = std::move(text);
	return value;
}

std::optional<std::int64_t> JsonValue::toInt() const
{
	if (kind_ != Kind::Number && kind_ != Kind::String)
		return std::nullopt;
	if (text_.empty())
		return std::nullopt;
	std::int64_t number = 0;
	const char *end = text_.data() + text_.size();
	auto [ptr, ec] = std::from_chars(text_.data(), end, number);
	if (ec != std::errc() || ptr != end)
		return std::nullopt;
	return number;
}

std::optional<bool> JsonValue::toBool() const
{
	if (text_ == "true")
		return true;
	if (text_ == "false")
		return false;
	return std::nullopt;
}

const JsonValue *JsonValue::find(std::string_view key) const
{
	for (const auto &[name, value] : members_)
		if (name == key)
			return &value;
	return nullptr;
}

std::string JsonValue::stringOr(std::string_view key, std::string_view fallback) const
{
	const JsonValue *member = find(key);
	if (!member || member->isArray() || member->isObject() || member->isNull())
		return std::string(fallback);
	return member->text();
}

std::string JsonValue::toJson() const
{
	switch (kind_) {
	case Kind::Null:
		return "null";
	case Kind::Bool:
		return text_;
	case Kind::Number: {
		/*
		 * SPA-JSON reads nothing of kMaxNumberLength characters or more
		 * as a number (spa_json_parse_float()), and JSON's spelling of
		 * ".5" is one longer: such a number is written as the string it
		 * would read back as.
		 */
		std::string number = strictNumber(text_);
		return number.size() < kMaxNumberLength ? number : jsonQuote(number);
	}
	case Kind::String:
		return jsonQuote(text_);
	case Kind::Array: {
		std::string out = "[";
		for (std::size_t i = 0; i < items_.size(); i++)
			out += (i ? "," : "") + items_[i].toJson();
		return out + "]";
	}
	case Kind::Object: {
		std::string out = "{";
		for (std::size_t i = 0; i < members_.size(); i++)
			out += (i ? "," : "") + jsonQuote(members_[i].first) + ":" +
			       members_[i].second.toJson();
		return out + "}";
	}
	}
	return "null";
}

std::string jsonQuote(std::string_view text)
{
	std::string out = "\"";
	for (std::size_t i = 0; i < text.size(); i++) {
		char c = text[i];
		switch (c) {
		case '"':
			out += "\\\"";
			break;
		case '\\':
			out += "\\\\";
			break;
		case '\n':
			out += "\\n";
			break;
		case '\t':
			out += "\\t";
			break;
		case '\r':
			out += "\\r";
			break;
		default:
			if (static_cast<unsigned char>(c) < 0x20) {
				char escaped[8];
				std::snprintf(escaped, sizeof(escaped), "\\u%04x", c);
				out += escaped;
			} else if (static_cast<unsigned char>(c) < 0x80) {
				out += c;
			} else {
				/* JSON is UTF-8: anything else becomes U+FFFD. */
				std::size_t invalid = 0;
				std::size_t length = utf8Sequence(text.substr(i), invalid);
				out += length ? text.substr(i, length) : "\xef\xbf\xbd";
				i += (length ? length : invalid) - 1;
			}
		}
	}
	return out + "\"";
}

void JsonWriter::separate()
{
	if (needComma_)
		out_ += ',';
	needComma_ = true;
}

JsonWriter &JsonWriter::beginObject()
{
	separate();
	out_ += '{';
	needComma_ = false;
	return *this;
}

JsonWriter &JsonWriter::endObject()
{
	out_ += '}';
	needComma_ = true;
	return *this;
}

JsonWriter &JsonWriter::beginArray()
{
	separate();
	out_ += '[';
	needComma_ = false;
	return *this;
}

JsonWriter &JsonWriter::endArray()
{
	out_ += ']';
	needComma_ = true;
	return *this;
}

JsonWriter &JsonWriter::key(std::string_view name)
{
	separate();
	out_ += jsonQuote(name);
	out_ += ':';
	needComma_ = false;
	return *this;
}

JsonWriter &JsonWriter::value(std::string_view text)
{
	separate();
	out_ += jsonQuote(text);
	return *this;
}

JsonWriter &JsonWriter::value(std::int64_t number)
{
	separate();
	out_ += std::to_string(number);
	return *this;
}

JsonWriter &JsonWriter::value(bool flag)
{
	separate();
	out_ += flag ? "true" : "false";
	return *this;
}

JsonWriter &JsonWriter::null()
{
	separate();
	out_ += "null";
	return *this;
}

JsonWriter &JsonWriter::raw(std::string_view json)
{
	separate();
	out_ += json;
	return *this;
}

} // namespace cabin
