// The one JSON reader (issue 10): what every input gets from it, beyond what the claim, request
// and policy tests already pin through their readers.
#include "adapters/codec/json_reader.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace onestop::codec {
namespace {

Error error_of(std::string_view text) {
  auto doc = parse_json(text);
  EXPECT_FALSE(doc.ok()) << text;
  return doc.ok() ? Error{} : doc.error();
}

TEST(JsonReader, KeepsNumbersAsWrittenAndMembersInDocumentOrder) {
  const auto doc =
      parse_json(R"({"z": 1234.50, "a": -0, "m": 123456789012345678901234567890, "e": 1E-400,)"
                 R"( "s": "x\u00e9\n", "t": true, "n": null, "l": [1.10, {"k": "v"}]})");
  ASSERT_TRUE(doc) << doc.error().message;
  const JsonNode& root = **doc;
  ASSERT_EQ(root.type, JsonNode::Type::object);
  std::string keys;
  for (const JsonNode& m : root.members()) keys += std::string(m.key) + ",";
  EXPECT_EQ(keys, "z,a,m,e,s,t,n,l,");
  EXPECT_EQ(root.find("z")->text, "1234.50");
  EXPECT_EQ(root.find("a")->text, "-0");
  EXPECT_EQ(root.find("m")->text, "123456789012345678901234567890");
  EXPECT_EQ(root.find("e")->text, "1E-400");
  EXPECT_EQ(root.find("s")->text, "x\xc3\xa9\n");
  EXPECT_TRUE(root.find("t")->boolean);
  EXPECT_EQ(root.find("n")->type, JsonNode::Type::null);
  const JsonNode& list = *root.find("l");
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list.elements()[0].text, "1.10");
  EXPECT_EQ(list.elements()[1].find("k")->text, "v");
  EXPECT_EQ(root.find("missing"), nullptr);
}

TEST(JsonReader, TheTreeOutlivesAMoveOfItsDocument) {
  auto doc = parse_json(R"({"a": ["a long string that is not kept inline, surely"]})");
  ASSERT_TRUE(doc);
  JsonDocument moved = std::move(doc).value();
  EXPECT_EQ(moved->find("a")->elements()[0].text, "a long string that is not kept inline, surely");
}

TEST(JsonReader, AcceptsAnyValueAtTheRoot) {
  EXPECT_EQ((*parse_json(" 12 "))->text, "12");
  EXPECT_EQ((*parse_json("\"s\""))->text, "s");
  EXPECT_EQ((*parse_json("[]"))->type, JsonNode::Type::array);
  EXPECT_EQ((*parse_json("null"))->type, JsonNode::Type::null);
}

TEST(JsonReader, NamesTheSecondOccurrenceOfADuplicateKey) {
  const Error e = error_of(R"({"a": {"b": [{"c": 1}, {"c": 1, "d": 2, "c": 2}]}})");
  EXPECT_EQ(e.code, "duplicate_key");
  EXPECT_EQ(e.field, "a.b[1].c");
  // An escape that spells a key already there is the same key.
  EXPECT_EQ(error_of(R"({"ab": 1, "a\u0062": 2})").field, "ab");
  // Objects beyond the scanned size use a set: the repeat is found all the same.
  std::string many = "{";
  for (int i = 0; i < 100; ++i) many += "\"k" + std::to_string(i) + "\":1,";
  EXPECT_EQ(error_of(many + "\"k77\":2}").field, "k77");
}

// Strings and keys with no escape are views of the document's copy of the text, found eight
// bytes at a time; the others are decoded. Every length across those words, both ways, with
// the escape at every position, reads back exactly, and survives the document being moved.
TEST(JsonReader, StringsAndKeysOfEveryLengthReadBackWithAndWithoutEscapes) {
  for (std::size_t n = 0; n <= 40; ++n) {
    std::string plain;
    for (std::size_t i = 0; i < n; ++i) plain += static_cast<char>('a' + i % 26);
    for (std::size_t escape_at = 0; escape_at <= n; ++escape_at) {
      std::string written = plain;  // "\\" at escape_at (none when escape_at == n)
      std::string value = plain;
      if (escape_at < n) {
        written.replace(escape_at, 1, "\\\\");
        value[escape_at] = '\\';
      }
      const std::string text =
          "{\"" + written + "\": \"" + written + "\", \"z\": [\"" + written + "\"]}";
      auto parsed = parse_json(text);
      ASSERT_TRUE(parsed) << text << ": " << parsed.error().message;
      const JsonDocument doc = std::move(parsed).value();
      const JsonNode& root = *doc;
      ASSERT_EQ(root.size(), 2u) << text;
      EXPECT_EQ(root.members()[0].key, value) << text;
      EXPECT_EQ(root.members()[0].text, value) << text;
      EXPECT_EQ(root.find("z")->elements()[0].text, value) << text;
    }
  }
  auto root_string = parse_json("  \"a\\\"b\"  ");
  ASSERT_TRUE(root_string);
  EXPECT_EQ((*root_string)->text, "a\"b");
}

TEST(JsonReader, RefusesWhatIsNotOneJsonDocument) {
  const std::vector<std::string> broken = {"",
                                           " ",
                                           "{",
                                           "{\"a\":1} {}",
                                           "{\"a\":1}}",
                                           "[1] x",
                                           "12 13",
                                           "\"a\" \"b\"",
                                           "{\"a\":1,}",
                                           "[1,]",
                                           "{\"a\" 1}",
                                           "{\"a\":01}",
                                           "{\"a\":.5}",
                                           "{\"a\":1.}",
                                           "{\"a\":-}",
                                           "{\"a\":tru}",
                                           "{\"a\":nul}",
                                           "{\"a\":\"\\x41\"}",
                                           "{\"a\":\"\t\"}",
                                           "{/*c*/}",
                                           "{}//",
                                           "\xef\xbb\xbf{}",
                                           "{\"a\":\"\xff\"}",
                                           "{\"a\":\"\\ud800\"}",
                                           "{\"a\":\"\\u0000\"}",
                                           "{\"\\u0000\":1}",
                                           "{\"a\":1e400}",
                                           "[-1e999]",
                                           std::string("{\"a\":\"b\"\x00}", 10)};
  for (const std::string& text : broken) {
    EXPECT_EQ(error_of(text).code, "malformed_json") << text;
  }
}

TEST(JsonReader, LimitsTheNestingDepth) {
  const auto nested = [](int depth) { return std::string(depth, '[') + std::string(depth, ']'); };
  EXPECT_TRUE(parse_json(nested(128)));
  EXPECT_EQ(error_of(nested(129)).code, "malformed_json");
  EXPECT_EQ(error_of(nested(100000)).code, "malformed_json");
  EXPECT_TRUE(parse_json(nested(3), JsonLimits{3}));
  EXPECT_EQ(parse_json(nested(4), JsonLimits{3}).error().code, "malformed_json");
}

TEST(JsonReader, ErrorsSayWhereInTheDocument) {
  const Error e = error_of(R"({"items": [{"a": 1}, {"b": tru}]})");
  EXPECT_EQ(e.field, "");
  EXPECT_NE(e.message.find("items[1].b"), std::string::npos) << e.message;
}

}  // namespace
}  // namespace onestop::codec
