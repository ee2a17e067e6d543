#include "adapters/national/json_doc.hpp"

#include <memory>
#include <string>

#include "adapters/codec/json_reader.hpp"

namespace onestop::national {

const JsonValue* JsonValue::find(std::string_view key) const {
  for (const JsonMember& m : members) {
    if (m.key == key) return m.value;
  }
  return nullptr;
}

std::string_view type_name(JsonValue::Type type) {
  switch (type) {
    case JsonValue::Type::null:
      return "null";
    case JsonValue::Type::boolean:
      return "a boolean";
    case JsonValue::Type::number:
      return "a number";
    case JsonValue::Type::string:
      return "a string";
    case JsonValue::Type::array:
      return "an array";
    case JsonValue::Type::object:
      return "an object";
  }
  return "a value";
}

// Builds the national tree from the project's one reader (codec/json_reader: simdjson, exact
// number text, document order, duplicate keys refused), so this adapter parses nothing itself.
class JsonParser {
 public:
  explicit JsonParser(JsonDocument& doc) : doc_(doc) {}

  const JsonValue* copy(const codec::JsonNode& node) {
    doc_.values_.push_back(std::make_unique<JsonValue>());
    JsonValue& value = *doc_.values_.back();
    value.type = static_cast<JsonValue::Type>(node.type);
    value.boolean = node.boolean;
    value.text = std::string(node.text);
    if (node.type == codec::JsonNode::Type::array) {
      for (const codec::JsonNode& element : node.elements()) {
        value.elements.push_back(copy(element));
      }
    } else if (node.type == codec::JsonNode::Type::object) {
      for (const codec::JsonNode& member : node.members()) {
        value.members.push_back(JsonMember{std::string(member.key), copy(member)});
      }
    }
    return &value;
  }

 private:
  JsonDocument& doc_;
};

Result<JsonDocument> JsonDocument::parse(std::string_view text) {
  auto parsed = codec::parse_json(text, codec::JsonLimits{kMaxDepth});
  if (!parsed) {
    Error e = parsed.error();
    if (e.code == "duplicate_key") e.message = "duplicate key " + e.field + ": " + e.message;
    e.code = "malformed_json";
    e.field.clear();
    return e;
  }
  JsonDocument doc;
  JsonParser parser(doc);
  parser.copy(parsed->root());  // the root is copied first: root() is values_.front()
  return doc;
}

}  // namespace onestop::national
