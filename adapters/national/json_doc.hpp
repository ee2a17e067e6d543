// The national interface's view of a JSON document. The platform's amounts arrive as JSON
// numbers or strings and must be read exactly from their decimal text (N(16,2), N(16,6), ...);
// the document is parsed by the project's one reader (adapters/codec/json_reader: exact number
// text, document order, duplicate keys refused) and kept here as a tree the transactions walk,
// nesting at most kMaxDepth.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/error.hpp"

namespace onestop::national {

inline constexpr std::size_t kMaxDepth = 32;

struct JsonValue;

struct JsonMember {
  std::string key;
  const JsonValue* value = nullptr;  // owned by the document
};

struct JsonValue {
  enum class Type { null, boolean, number, string, array, object };
  Type type = Type::null;
  bool boolean = false;
  std::string text;  // a string's decoded UTF-8, or a number's text exactly as written
  std::vector<const JsonValue*> elements;
  std::vector<JsonMember> members;

  // The member with this key, or nullptr (also when this is not an object).
  const JsonValue* find(std::string_view key) const;
};

// A parsed document: owns every value; root() is valid while the document lives.
class JsonDocument {
 public:
  // Errors: malformed_json (field "", the message says what and at which byte).
  static Result<JsonDocument> parse(std::string_view text);

  const JsonValue& root() const { return *values_.front(); }

 private:
  friend class JsonParser;
  std::vector<std::unique_ptr<JsonValue>> values_;
};

// "a string", "a number", ... for messages.
std::string_view type_name(JsonValue::Type type);

}  // namespace onestop::national
