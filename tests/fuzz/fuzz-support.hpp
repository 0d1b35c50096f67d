/* SPDX-License-Identifier: MIT */
/*
 * What the fuzz targets check besides the sanitizers: that what Cabin writes
 * as JSON is strict JSON (RFC 8259, UTF-8 strings), as cabinctl's users and
 * jq expect, and a way to fail that libFuzzer reports as a crash.
 */
#pragma once

#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace cabin::fuzz {

/* Prints what went wrong and aborts: libFuzzer keeps the input as a crash. */
[[noreturn]] inline void fail(const char *what, std::string_view detail = {})
{
	std::fprintf(stderr, "fuzz check failed: %s\n%.*s\n", what, static_cast<int>(detail.size()),
		     detail.data());
	std::abort();
}

class StrictJson
{
public:
	/* Whether \a text is one strict JSON value, with only whitespace around it. */
	static bool valid(std::string_view text)
	{
		StrictJson checker(text);
		checker.space();
		if (!checker.value(0))
			return false;
		checker.space();
		return checker.pos_ == text.size();
	}

private:
	/* Deeper than anything Cabin writes; keeps the checker's own stack bounded. */
	static constexpr int kMaxDepth = 256;

	explicit StrictJson(std::string_view text) : text_(text) {}

	bool more() const { return pos_ < text_.size(); }
	unsigned char peek() const { return static_cast<unsigned char>(text_[pos_]); }

	void space()
	{
		while (more() &&
		       (peek() == ' ' || peek() == '\t' || peek() == '\n' || peek() == '\r'))
			pos_++;
	}

	bool literal(std::string_view word)
	{
		if (text_.substr(pos_, word.size()) != word)
			return false;
		pos_ += word.size();
		return true;
	}

	bool digits()
	{
		std::size_t start = pos_;
		while (more() && peek() >= '0' && peek() <= '9')
			pos_++;
		return pos_ > start;
	}

	/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
	bool number()
	{
		if (more() && peek() == '-')
			pos_++;
		if (!more())
			return false;
		if (peek() == '0')
			pos_++;
		else if (!digits())
			return false;
		if (more() && peek() == '.') {
			pos_++;
			if (!digits())
				return false;
		}
		if (more() && (peek() == 'e' || peek() == 'E')) {
			pos_++;
			if (more() && (peek() == '+' || peek() == '-'))
				pos_++;
			if (!digits())
				return false;
		}
		return true;
	}

	static bool hex(unsigned char c)
	{
		return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
	}

	/* One UTF-8 sequence of a code point (no overlong forms, no surrogates). */
	bool utf8()
	{
		unsigned char lead = peek();
		std::size_t count;
		unsigned char low = 0x80, high = 0xbf;
		if (lead >= 0xc2 && lead <= 0xdf) {
			count = 1;
		} else if (lead >= 0xe0 && lead <= 0xef) {
			count = 2;
			if (lead == 0xe0)
				low = 0xa0;
			else if (lead == 0xed)
				high = 0x9f;
		} else if (lead >= 0xf0 && lead <= 0xf4) {
			count = 3;
			if (lead == 0xf0)
				low = 0x90;
			else if (lead == 0xf4)
				high = 0x8f;
		} else {
			return false;
		}
		pos_++;
		for (std::size_t i = 0; i < count; i++, pos_++) {
			if (!more() || peek() < low || peek() > high)
				return false;
			low = 0x80;
			high = 0xbf;
		}
		return true;
	}

	bool string()
	{
		pos_++; /* the opening quote */
		while (more()) {
			unsigned char c = peek();
			if (c == '"') {
				pos_++;
				return true;
			}
			if (c < 0x20)
				return false;
			if (c == '\\') {
				pos_++;
				if (!more())
					return false;
				c = peek();
				pos_++;
				if (c == 'u') {
					for (int i = 0; i < 4; i++, pos_++)
						if (!more() || !hex(peek()))
							return false;
				} else if (std::string_view("\"\\/bfnrt")
						   .find(static_cast<char>(c)) ==
					   std::string_view::npos) {
					return false;
				}
			} else if (c >= 0x80) {
				if (!utf8())
					return false;
			} else {
				pos_++;
			}
		}
		return false;
	}

	bool value(int depth)
	{
		if (!more() || depth > kMaxDepth)
			return false;
		switch (peek()) {
		case '{':
			return container(depth, '}', true);
		case '[':
			return container(depth, ']', false);
		case '"':
			return string();
		case 't':
			return literal("true");
		case 'f':
			return literal("false");
		case 'n':
			return literal("null");
		default:
			return number();
		}
	}

	bool container(int depth, char close, bool object)
	{
		pos_++;
		space();
		if (more() && peek() == static_cast<unsigned char>(close)) {
			pos_++;
			return true;
		}
		for (;;) {
			if (object) {
				if (!more() || peek() != '"' || !string())
					return false;
				space();
				if (!more() || peek() != ':')
					return false;
				pos_++;
				space();
			}
			if (!value(depth + 1))
				return false;
			space();
			if (!more())
				return false;
			if (peek() == static_cast<unsigned char>(close)) {
				pos_++;
				return true;
			}
			if (peek() != ',')
				return false;
			pos_++;
			space();
		}
	}

	std::string_view text_;
	std::size_t pos_ = 0;
};

} // namespace cabin::fuzz
