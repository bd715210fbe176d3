// The JSON reader that parses safetensors headers: RFC 8259's grammar, exact integers,
// UTF-8 and escapes, and the refusals that keep hostile headers cheap.
#include <gtest/gtest.h>

#include <locale>
#include <sstream>
#include <string>

#include "checkpoint/json.h"

namespace ghostnet::json {
namespace {

Value parse_text(const std::string& text) { return parse(text, 8); }

ParseError::Reason refusal(const std::string& text, int max_depth = 8) {
  try {
    parse(text, max_depth);
  } catch (const ParseError& error) {
    return error.reason();
  }
  ADD_FAILURE() << "accepted: " << text;
  return ParseError::Reason::Syntax;
}

TEST(Json, ReadsEveryKindOfValue) {
  const Value v = parse_text(R"( {"a": [1, -2.5e1, true, false, null], "b": {"c": "d"}, "e": {}} )");
  ASSERT_TRUE(v.is_object());
  ASSERT_EQ(v.members().size(), 3u);
  EXPECT_EQ(v.members()[0].first, "a");  // document order
  const std::vector<Value>& a = v.at("a").items();
  ASSERT_EQ(a.size(), 5u);
  EXPECT_EQ(a[0].unsigned_integer(), 1u);
  EXPECT_EQ(a[1].number(), -25.0);
  EXPECT_FALSE(a[1].is_unsigned_integer());
  EXPECT_TRUE(a[2].boolean());
  EXPECT_FALSE(a[3].boolean());
  EXPECT_EQ(a[4].kind(), Value::Kind::Null);
  EXPECT_EQ(v.at("b").at("c").string(), "d");
  EXPECT_TRUE(v.at("e").members().empty());
  EXPECT_EQ(v.find("missing"), nullptr);
  EXPECT_THROW(v.at("missing"), std::out_of_range);
  EXPECT_THROW(v.at("a").string(), std::logic_error);
}

TEST(Json, ReadsIntegersExactlyAndOnlyWhenWrittenAsIntegers) {
  EXPECT_EQ(parse_text("18446744073709551615").unsigned_integer(), 18446744073709551615ull);
  EXPECT_EQ(parse_text("9007199254740993").unsigned_integer(), 9007199254740993ull);  // not a double
  EXPECT_FALSE(parse_text("18446744073709551616").is_unsigned_integer());             // does not fit
  EXPECT_FALSE(parse_text("1.0").is_unsigned_integer());
  EXPECT_FALSE(parse_text("1e3").is_unsigned_integer());
  EXPECT_FALSE(parse_text("-1").is_unsigned_integer());
  EXPECT_FALSE(parse_text("-0").is_unsigned_integer());
  EXPECT_EQ(parse_text("0").unsigned_integer(), 0u);
  EXPECT_EQ(parse_text("1E+2").number(), 100.0);
  EXPECT_EQ(parse_text("0.125").number(), 0.125);
}

// A locale whose decimal point is a comma, as in de_DE.
struct CommaDecimals : std::numpunct<char> {
  char do_decimal_point() const override { return ','; }
};

TEST(Json, ReadsDecimalPointsWhateverTheLocale) {
  const std::locale previous = std::locale::global(std::locale(std::locale::classic(), new CommaDecimals));
  std::istringstream probe("0.5");
  double read_by_locale = 0;
  probe >> read_by_locale;
  EXPECT_EQ(parse_text("0.5").number(), 0.5);
  std::locale::global(previous);
  EXPECT_EQ(read_by_locale, 0.0) << "the comma locale was not in effect, so this test proved nothing";
}

TEST(Json, DecodesEscapesAndUtf8) {
  EXPECT_EQ(parse_text(R"("a\"\\\/\b\f\n\r\t")").string(), "a\"\\/\b\f\n\r\t");
  EXPECT_EQ(parse_text(R"("\u00e9\u20AC")").string(), "\xc3\xa9\xe2\x82\xac");
  EXPECT_EQ(parse_text(R"("\ud83d\ude00")").string(), "\xf0\x9f\x98\x80");  // a surrogate pair
  EXPECT_EQ(parse_text("\"\xc3\xa9\xf0\x9f\x98\x80\"").string(), "\xc3\xa9\xf0\x9f\x98\x80");
}

TEST(Json, RefusesWhatRfc8259Refuses) {
  for (const char* text : {"", " ", "{", "[1,]", "{\"a\":1,}", "{'a':1}", "01", "1.", ".5", "-", "1e", "+1",
                           "tru", "nul", "\"abc", "\"\\x\"", "\"\\u12\"", "[1 2]", "{\"a\" 1}", "{1:2}", "1 2",
                           "NaN", "Infinity", "\"tab\there\""}) {
    EXPECT_EQ(refusal(text), ParseError::Reason::Syntax) << text;
  }
}

TEST(Json, RefusesMalformedUtf8AndLoneSurrogates) {
  for (const char* text : {"\"\xff\"", "\"\xc0\xaf\"",          // not UTF-8; an overlong '/'
                           "\"\xed\xa0\x80\"",                  // an encoded surrogate
                           "\"\xf4\x90\x80\x80\"",              // above U+10FFFF
                           "\"\xe2\x82\"",                      // cut short
                           R"("\ude00")", R"("\ud83d")", R"("\ud83dx")"}) {
    EXPECT_EQ(refusal(text), ParseError::Reason::Syntax) << text;
  }
  EXPECT_TRUE(is_valid_utf8("plain \xc3\xa9"));
  EXPECT_FALSE(is_valid_utf8("bad \xff"));
}

TEST(Json, RefusesRepeatedKeysNamingThem) {
  try {
    parse_text(R"({"a":1,"b":2,"a":3})");
    ADD_FAILURE();
  } catch (const ParseError& error) {
    EXPECT_EQ(error.reason(), ParseError::Reason::RepeatedKey);
    EXPECT_EQ(error.key(), "a");
  }
  EXPECT_EQ(parse_text(R"({"a":{"x":1},"b":{"x":2}})").members().size(), 2u);  // same key, other objects
}

TEST(Json, RefusesNestingPastTheLimitBeforeDescending) {
  EXPECT_NO_THROW(parse("[[[]]]", 3));
  EXPECT_EQ(refusal("[[[[]]]]", 3), ParseError::Reason::TooDeep);
  EXPECT_EQ(refusal(R"({"a":{"b":{"c":{}}}})", 3), ParseError::Reason::TooDeep);
  // A million brackets are refused at the fourth: no recursion, no stack overflow.
  EXPECT_EQ(refusal(std::string(1000000, '['), 3), ParseError::Reason::TooDeep);
}

TEST(Json, QuotesStringsAsJsonReadsThemBack) {
  const std::string text = std::string("quote\" backslash\\ newline\n tab\t bell\x07 e\xc3\xa9 nul") + '\0';
  EXPECT_EQ(quote("a\"b\x01"), R"("a\"b\u0001")");
  EXPECT_EQ(parse_text(quote(text)).string(), text);
}

TEST(Json, ExcerptsAreShortWhateverTheValue) {
  EXPECT_EQ(parse_text(R"([1, "two", {"three": null}])").excerpt(), R"([1,"two",{"three":null}])");
  const Value long_array = parse_text("[" + std::string(100000, '1') + "]");
  EXPECT_EQ(long_array.excerpt(), "[" + std::string(39, '1') + "...");
}

}  // namespace
}  // namespace ghostnet::json
