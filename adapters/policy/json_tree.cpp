#include "adapters/policy/json_tree.hpp"

#include <Poco/Exception.h>
#include <Poco/JSON/Handler.h>
#include <Poco/JSON/Parser.h>

#include <algorithm>
#include <charconv>
#include <stdexcept>
#include <unordered_set>
#include <utility>

namespace onestop::policy {

namespace {

// Thrown by the handler to stop Poco's parser at a duplicate key: the parser closes its stream
// on any std::exception and rethrows it, so the exception carries the path out to parse_json.
class DuplicateKey : public std::runtime_error {
 public:
  explicit DuplicateKey(std::string path)
      : std::runtime_error("duplicate key"), path_(std::move(path)) {}
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Builds a JsonNode tree from Poco's parser events, keeping document order and the path of
// every open container so a duplicate key can be named precisely.
class TreeBuilder : public Poco::JSON::Handler {
 public:
  void reset() override {
    root_ = JsonNode{};
    open_.clear();
    key_.clear();
  }
  void startObject() override { open(JsonNode::Type::object); }
  void endObject() override { open_.pop_back(); }
  void startArray() override { open(JsonNode::Type::array); }
  void endArray() override { open_.pop_back(); }
  void key(const std::string& k) override;
  void null() override { add(JsonNode{}); }
  void value(int v) override { add_number(std::to_string(v)); }
  void value(unsigned v) override { add_number(std::to_string(v)); }
  void value(Poco::Int64 v) override { add_number(std::to_string(v)); }
  void value(Poco::UInt64 v) override { add_number(std::to_string(v)); }
  void value(double v) override;
  void value(bool v) override;
  void value(const std::string& v) override;

  JsonNode take_root() { return std::move(root_); }
  // The path of the innermost open container: where a syntax error stopped the parser.
  std::string where() const { return open_.empty() ? "" : open_.back().path; }

 private:
  struct Open {
    JsonNode* node;
    std::string path;
    std::unordered_set<std::string> keys;  // a set, not a scan: 1 MiB of keys stays linear
  };

  void open(JsonNode::Type type);
  JsonNode* add(JsonNode node);
  void add_number(std::string text);
  std::string child_path() const;

  JsonNode root_;
  // Pointers stay valid: only the innermost open container grows, and its ancestors' vectors
  // do not change while it is open.
  std::vector<Open> open_;
  std::string key_;  // the key of the member whose value comes next
};

void TreeBuilder::key(const std::string& k) {
  Open& top = open_.back();
  if (!top.keys.insert(k).second) throw DuplicateKey(member_path(top.path, k));
  key_ = k;
}

void TreeBuilder::value(double v) {
  // JSON has one zero (RFC 8785 writes -0 as 0): "-0" would read back as the integer 0, so the
  // canonical form of a -0.0 would not be its own canonical form.
  if (v == 0) v = 0;
  char buffer[32];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, v);
  add_number(std::string(buffer, result.ptr));
}

void TreeBuilder::value(bool v) {
  JsonNode node;
  node.type = JsonNode::Type::boolean;
  node.boolean = v;
  add(std::move(node));
}

void TreeBuilder::value(const std::string& v) {
  JsonNode node;
  node.type = JsonNode::Type::string;
  node.text = v;
  add(std::move(node));
}

void TreeBuilder::add_number(std::string text) {
  JsonNode node;
  node.type = JsonNode::Type::number;
  node.text = std::move(text);
  add(std::move(node));
}

std::string TreeBuilder::child_path() const {
  if (open_.empty()) return "";
  const Open& top = open_.back();
  if (top.node->type == JsonNode::Type::array) {
    return index_path(top.path, top.node->elements.size());
  }
  return member_path(top.path, key_);
}

void TreeBuilder::open(JsonNode::Type type) {
  std::string path = child_path();
  JsonNode node;
  node.type = type;
  open_.push_back(Open{add(std::move(node)), std::move(path), {}});
}

JsonNode* TreeBuilder::add(JsonNode node) {
  if (open_.empty()) {
    root_ = std::move(node);
    return &root_;
  }
  JsonNode& parent = *open_.back().node;
  if (parent.type == JsonNode::Type::array) {
    parent.elements.push_back(std::move(node));
    return &parent.elements.back();
  }
  parent.members.push_back(JsonMember{key_, std::move(node)});
  return &parent.members.back().value;
}

void write_string(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (byte < 0x20) {
          out += "\\u00";
          out += kHex[byte >> 4];
          out += kHex[byte & 0xF];
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

void write_node(std::string& out, const JsonNode& node);

void write_object(std::string& out, const JsonNode& node) {
  std::vector<const JsonMember*> sorted;
  sorted.reserve(node.members.size());
  for (const JsonMember& m : node.members) sorted.push_back(&m);
  // std::string compares as unsigned bytes: UTF-8 byte order is code point order.
  std::sort(sorted.begin(), sorted.end(),
            [](const JsonMember* a, const JsonMember* b) { return a->key < b->key; });
  out += '{';
  for (std::size_t i = 0; i < sorted.size(); ++i) {
    if (i > 0) out += ',';
    write_string(out, sorted[i]->key);
    out += ':';
    write_node(out, sorted[i]->value);
  }
  out += '}';
}

void write_node(std::string& out, const JsonNode& node) {
  switch (node.type) {
    case JsonNode::Type::null:
      out += "null";
      return;
    case JsonNode::Type::boolean:
      out += node.boolean ? "true" : "false";
      return;
    case JsonNode::Type::number:
      out += node.text;
      return;
    case JsonNode::Type::string:
      write_string(out, node.text);
      return;
    case JsonNode::Type::object:
      write_object(out, node);
      return;
    case JsonNode::Type::array:
      out += '[';
      for (std::size_t i = 0; i < node.elements.size(); ++i) {
        if (i > 0) out += ',';
        write_node(out, node.elements[i]);
      }
      out += ']';
      return;
  }
}

}  // namespace

const JsonNode* JsonNode::find(std::string_view key) const {
  for (const JsonMember& m : members) {
    if (m.key == key) return &m.value;
  }
  return nullptr;
}

std::string member_path(std::string_view parent, std::string_view key) {
  std::string path(parent);
  if (!path.empty()) path += '.';
  path += key;
  return path;
}

std::string index_path(std::string_view parent, std::size_t index) {
  return std::string(parent) + "[" + std::to_string(index) + "]";
}

std::string_view type_name(JsonNode::Type type) {
  switch (type) {
    case JsonNode::Type::null:
      return "null";
    case JsonNode::Type::boolean:
      return "a boolean";
    case JsonNode::Type::number:
      return "a number";
    case JsonNode::Type::string:
      return "a string";
    case JsonNode::Type::array:
      return "an array";
    case JsonNode::Type::object:
      return "an object";
  }
  return "a value";
}

Result<JsonNode> parse_json(std::string_view text) {
  auto* builder = new TreeBuilder;  // owned by the parser's Handler::Ptr
  Poco::JSON::Parser parser{Poco::JSON::Handler::Ptr(builder)};
  try {
    parser.parse(std::string(text));
  } catch (const DuplicateKey& e) {
    return Error{"duplicate_key", e.path(),
                 "This key appears twice in the same object; a key may appear only once."};
  } catch (const Poco::Exception& e) {
    const std::string where = builder->where();
    const std::string reason = e.message().empty() ? e.displayText() : e.message();
    return Error{"malformed_json", "",
                 "The text is not valid JSON" +
                     (where.empty() ? std::string() : " (inside " + where + ")") + ": " + reason +
                     "."};
  }
  return builder->take_root();
}

std::string canonical_json(const JsonNode& node) {
  std::string out;
  write_node(out, node);
  return out;
}

}  // namespace onestop::policy
