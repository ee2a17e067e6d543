// An ordered JSON tree for the policy loader. Poco's own Object sorts (or hashes) its keys and
// silently keeps the last of two equal keys; policy validation needs document order (the first
// error in the file is the one reported) and must refuse duplicate keys, so the loader builds this
// tree from Poco's parser events instead.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "engine/error.hpp"

namespace onestop::policy {

struct JsonMember;

struct JsonNode {
  enum class Type { null, boolean, number, string, array, object };

  Type type = Type::null;
  bool boolean = false;
  std::string text;                 // a string's decoded UTF-8, or a number's canonical text
  std::vector<JsonNode> elements;   // array elements
  std::vector<JsonMember> members;  // object members, in document order, keys unique

  // The member with this key, or nullptr (also when this is not an object).
  const JsonNode* find(std::string_view key) const;
};

struct JsonMember {
  std::string key;
  JsonNode value;
};

// JSON paths as errors name fields: "layers[1].bands[2].from". The root's path is "".
std::string member_path(std::string_view parent, std::string_view key);
std::string index_path(std::string_view parent, std::size_t index);

// "a string", "a number", ... for error messages.
std::string_view type_name(JsonNode::Type type);

// Parses one JSON document (RFC 8259, UTF-8 checked by Poco's parser, nesting depth ≤ 128).
// Errors: malformed_json (field empty, Poco's reason in the message) and duplicate_key (field
// is the path of the second occurrence, e.g. "layers[0].ratio"). Parsing stops at the first
// of them in document order.
Result<JsonNode> parse_json(std::string_view text);

// The canonical serialisation: object keys sorted by their UTF-8 bytes, no insignificant
// whitespace, strings escaped minimally (only '"', '\\' and control characters below U+0020,
// the latter as \b \f \n \r \t or \u00xx), all other characters as raw UTF-8, numbers as
// parsed (integers in decimal, others in the shortest form that reads back to the same
// double). Two documents with the same content give the same bytes however they are laid out.
std::string canonical_json(const JsonNode& node);

}  // namespace onestop::policy
