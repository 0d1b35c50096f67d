/* SPDX-License-Identifier: MIT */
#include <gtest/gtest.h>

#include "json.hpp"

namespace cabin {
namespace {

TEST(Json, ParsesRelaxedSpaJson)
{
	auto value = JsonValue::parse(
		R"({ name = driver uids = [ 1001 1002 ] "quoted key": "a \"b\"" })");
	ASSERT_TRUE(value);
	ASSERT_TRUE(value->isObject());
	EXPECT_EQ(value->stringOr("name"), "driver");
	const JsonValue *uids = value->find("uids");
	ASSERT_TRUE(uids && uids->isArray());
	ASSERT_EQ(uids->items().size(), 2u);
	EXPECT_EQ(uids->items()[1].toInt(), 1002);
	EXPECT_EQ(value->stringOr("quoted key"), "a \"b\"");
}

TEST(Json, DistinguishesScalarKinds)
{
	auto value = JsonValue::parse("[ null true 42 -1.5 word \"42\" ]");
	ASSERT_TRUE(value);
	const auto &items = value->items();
	ASSERT_EQ(items.size(), 6u);
	EXPECT_TRUE(items[0].isNull());
	EXPECT_EQ(items[1].toBool(), true);
	EXPECT_TRUE(items[2].isNumber());
	EXPECT_TRUE(items[3].isNumber());
	EXPECT_FALSE(items[3].toInt());
	EXPECT_TRUE(items[4].isString());
	EXPECT_TRUE(items[5].isString());
	EXPECT_EQ(items[5].text(), "42");
}

TEST(Json, ReportsMalformedInputWithLocation)
{
	std::string error;
	EXPECT_FALSE(JsonValue::parse("[ { a = 1 ", &error));
	EXPECT_FALSE(error.empty());
}

std::string nested(std::size_t depth)
{
	return std::string(depth, '[') + std::string(depth, ']');
}

TEST(Json, RefusesNestingDeeperThanTheLimitWithoutRecursingThroughIt)
{
	/* A seat once took WirePlumber down with 50,000 levels of arrays. */
	std::string error;
	EXPECT_FALSE(JsonValue::parse(nested(50000), &error));
	EXPECT_EQ(error, "nested deeper than the 64 levels allowed");
	error.clear();
	std::string objects;
	for (int i = 0; i < 200; i++)
		objects += "{ a = ";
	objects += "1" + std::string(200, '}');
	EXPECT_FALSE(JsonValue::parse(objects, &error));
	EXPECT_EQ(error, "nested deeper than the 64 levels allowed");

	auto deepest = JsonValue::parse(nested(64));
	ASSERT_TRUE(deepest);
	EXPECT_EQ(deepest->toJson(), nested(64));
	EXPECT_FALSE(JsonValue::parse(nested(65)));
}

TEST(Json, LimitsAreTheCallers)
{
	const JsonLimits tight{.maxDepth = 2, .maxBytes = 16};
	EXPECT_TRUE(JsonValue::parse("{ a = [ 1 ] }", nullptr, tight));
	std::string error;
	EXPECT_FALSE(JsonValue::parse("{ a = [ [] ] }", &error, tight));
	EXPECT_EQ(error, "nested deeper than the 2 levels allowed");
	EXPECT_FALSE(JsonValue::parse("[ \"seventeen bytes\" ]", &error, tight));
	EXPECT_EQ(error, "21 bytes, more than the 16 allowed");
	/* Scalars have no depth. */
	EXPECT_TRUE(JsonValue::parse("word", nullptr, JsonLimits{.maxDepth = 0}));
	EXPECT_FALSE(JsonValue::parse("[]", nullptr, JsonLimits{.maxDepth = 0}));
}

TEST(Json, RoundTripsThroughStrictJson)
{
	auto value = JsonValue::parse(R"({ a = [ 1 "two\n" { b = null } ] c = false })");
	ASSERT_TRUE(value);
	EXPECT_EQ(value->toJson(), R"({"a":[1,"two\n",{"b":null}],"c":false})");
	auto again = JsonValue::parse(value->toJson());
	ASSERT_TRUE(again);
	EXPECT_EQ(again->toJson(), value->toJson());
}

TEST(Json, WritesRelaxedNumbersInJsonsSpelling)
{
	/* SPA-JSON reads these as numbers; a match rule keeps them for the state. */
	auto value = JsonValue::parse("[ +1 .5 -.5e-3 1. 007 -0 0.250 1E+05 +.5 00.1 ]");
	ASSERT_TRUE(value);
	EXPECT_TRUE(value->items()[0].isNumber());
	EXPECT_EQ(value->items()[0].text(), "+1") << "the text is kept as written";
	EXPECT_EQ(value->toJson(), "[1,0.5,-0.5e-3,1,7,-0,0.250,1E+05,0.5,0.1]");

	/* SPA-JSON reads no number of 96 characters: one that grows to 96 is written as a string.
	 */
	std::string digits(91, '5');
	auto longest = JsonValue::parse("[ -." + digits + "e1 ." + digits + "e1 ]");
	ASSERT_TRUE(longest);
	EXPECT_TRUE(longest->items()[0].isNumber());
	EXPECT_EQ(longest->toJson(), "[\"-0." + digits + "e1\",0." + digits + "e1]");
	auto again = JsonValue::parse(longest->toJson());
	ASSERT_TRUE(again);
	EXPECT_EQ(again->toJson(), longest->toJson());
}

TEST(Json, WritesOnlyUtf8)
{
	/* SPA-JSON lets overlong forms, surrogates and code points past U+10FFFF through. */
	auto value = JsonValue::parse("[ \"\xc0\x80\" \"\xed\xa0\x80\" \"\xf4\x90\x80\x80\" "
				      "\"\xc3\xbc\xe2\x82\xac\xf0\x9f\x8e\xb5\" ]");
	ASSERT_TRUE(value);
	const std::string fffd = "\xef\xbf\xbd";
	EXPECT_EQ(value->toJson(), "[\"" + fffd + fffd + "\",\"" + fffd + fffd + fffd + "\",\"" +
					   fffd + fffd + fffd + fffd +
					   "\",\"\xc3\xbc\xe2\x82\xac\xf0\x9f\x8e\xb5\"]");
	/* A sequence cut short is one replacement; what follows is kept. */
	EXPECT_EQ(jsonQuote("a\xe2\x82z\xff"), "\"a" + fffd + "z" + fffd + "\"");
}

TEST(Json, WriterInsertsCommasAndEscapes)
{
	JsonWriter writer;
	writer.beginObject().key("s").value("q\"\x01").key("n").value(3).key("list").beginArray();
	writer.value(true).null().beginObject().endObject().endArray().endObject();
	EXPECT_EQ(writer.str(), R"({"s":"q\"\u0001","n":3,"list":[true,null,{}]})");
}

} // namespace
} // namespace cabin
