// The one JSON reader of OneStop (issue 10): claims, hospital requests, policies, stored records
// and registry files are all parsed here, on simdjson, into an ordered tree that the field
// readers of json_util.hpp and the policy loader walk.
//
// What every input gets from it:
//   - the exact text of each number as written ("1234.50" stays "1234.50"; nothing passes
//     through binary floating point on the way);
//   - objects in document order, so the first defect in the text is the one reported;
//   - duplicate keys refused, naming the JSON path of the second occurrence, because parsers
//     disagree on which of two equal keys wins;
//   - JSON paths in errors ("items[3].amount");
//   - the limits of JsonLimits (nesting depth), which also bound the recursion of every walk
//     over the tree.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/error.hpp"

namespace onestop::codec {

class JsonTreeBuilder;

// One value of a parsed document. Its strings and children belong to the JsonDocument it came
// from and stay valid, at the same addresses, as long as that document lives (also when the
// document is moved).
class JsonNode {
 public:
  enum class Type : std::uint8_t { null, boolean, number, string, array, object };
  // How readers hand out a member or element: a pointer into its document.
  using Ptr = const JsonNode*;

  Type type = Type::null;
  bool boolean = false;
  // A member of an object: its key (decoded UTF-8); "" for array elements and the root.
  std::string_view key;
  // A string: its decoded UTF-8 (never containing U+0000). A number: its exact text as
  // written, a valid JSON number. Empty for other types.
  std::string_view text;

  // An array's elements, or an object's members in document order with unique keys (each
  // member's key in its `key`); empty for scalars.
  std::span<const JsonNode> children() const { return {children_, count_}; }
  std::span<const JsonNode> elements() const { return children(); }
  std::span<const JsonNode> members() const { return children(); }
  std::size_t size() const { return count_; }
  const JsonNode* begin() const { return children_; }
  const JsonNode* end() const { return children_ + count_; }

  // The member with this key, or nullptr (also when this is not an object).
  const JsonNode* find(std::string_view key) const;

 private:
  friend class JsonTreeBuilder;

  const JsonNode* children_ = nullptr;
  // 32 bits: a document is far smaller than 4 GiB (and every node takes a byte of it).
  std::uint32_t count_ = 0;
  std::uint32_t first_ = 0;  // while the tree is built: index of the first child
};

// A parsed document: owns the nodes, a copy of the text (strings with no escape and numbers
// are views of it) and the decoded strings.
class JsonDocument {
 public:
  const JsonNode& root() const { return nodes_.back(); }
  const JsonNode& operator*() const { return root(); }
  const JsonNode* operator->() const { return &root(); }

 private:
  friend class JsonTreeBuilder;

  std::unique_ptr<char[]> strings_;  // the text, padded, then decoded strings; never reallocated
  std::vector<JsonNode> nodes_;      // children before their parent; the root last
};

// Limits every document is parsed under.
struct JsonLimits {
  // Containers nested in each other, the root counting as 1. Deeper documents are refused as
  // malformed_json, so no walk over a tree can exhaust the stack.
  std::size_t max_depth = 128;
};

// Parses one JSON document (RFC 8259, UTF-8 checked, no byte order mark, no comments, no
// trailing text). Any JSON value may be the root. Errors, the first in document order:
//   malformed_json  field "" (the message says where: "inside items[3]"); also for a string
//                   containing U+0000 (ids with NUL would be cut short by C APIs downstream), a
//                   number too large for any binary floating-point type (1e400), nesting deeper
//                   than limits.max_depth;
//   duplicate_key   field: the path of the second occurrence ("layers[0].ratio").
// The callers turn these into their own codes and wording (codec: duplicate_field).
Result<JsonDocument> parse_json(std::string_view text, const JsonLimits& limits = {});

// a == b, for looking keys up: most keys compared differ in size or first byte already, and are
// told apart without a call to memcmp.
inline bool same_key(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         (a.empty() || (a[0] == b[0] && std::memcmp(a.data(), b.data(), a.size()) == 0));
}

// JSON paths as errors name fields: "layers[1].bands[2].from". The root's path is "".
// "key" at the root, "prefix.key" below it.
std::string field_path(std::string_view prefix, std::string_view key);
// "prefix[i]": element i of the array at `prefix`.
std::string index_path(std::string_view prefix, std::size_t index);
// "prefix.key[i]" (or "key[i]" at the root): element i of an array member.
std::string element_path(std::string_view prefix, std::string_view key, std::size_t i);

// The canonical serialisation (the policy content hash is the SHA-256 of it, so its bytes must
// never change): object keys sorted by their UTF-8 bytes, no insignificant whitespace, strings
// escaped minimally (only '"', '\\' and control characters below U+0020, the latter as \b \f
// \n \r \t or \u00xx), all other characters as raw UTF-8; numbers as values, not as written:
// an integer that fits 64 bits in decimal ("-0" as "0"), any other number in the shortest form
// that reads back to the same double (2.50 as 2.5, 1E2 as 100, -0.0 as 0), an integer beyond
// 64 bits as written. Two documents with the same content give the same bytes however they are
// laid out.
std::string canonical_json(const JsonNode& node);

}  // namespace onestop::codec
