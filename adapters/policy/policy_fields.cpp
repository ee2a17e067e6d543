#include "adapters/policy/policy_fields.hpp"

#include <algorithm>

namespace onestop::policy {

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

}  // namespace onestop::policy

namespace onestop::policy::detail {

namespace {

std::string_view string_value(const JsonNode& node, const std::string& path,
                              std::string_view expected) {
  expect_type(node, JsonNode::Type::string, path, expected);
  return node.text;
}

}  // namespace

// The cut backs off UTF-8 continuation bytes so the message stays valid UTF-8.
std::string quote_text(std::string_view text) {
  constexpr std::size_t kShown = 40;
  if (text.size() <= kShown) return "\"" + std::string(text) + "\"";
  std::size_t cut = kShown;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return "\"" + std::string(text.substr(0, cut)) + "...\"";
}

void fail(std::string code, std::string field, std::string message) {
  throw Failure(Error{std::move(code), std::move(field), std::move(message)});
}

void expect_type(const JsonNode& node, JsonNode::Type type, const std::string& path,
                 std::string_view expected) {
  if (node.type == type) return;
  fail(
      "wrong_type", path,
      "This must be " + std::string(expected) + ", not " + std::string(type_name(node.type)) + ".");
}

void read_object(const JsonNode& node, const std::string& path, const std::vector<Field>& fields) {
  expect_type(node, JsonNode::Type::object, path, "an object");
  for (const JsonNode& member : node.members()) {
    const auto field = std::find_if(fields.begin(), fields.end(),
                                    [&](const Field& f) { return f.key == member.key; });
    const std::string member_at = member_path(path, member.key);
    if (field == fields.end()) {
      fail("unknown_field", member_at,
           "The key " + quote_text(member.key) +
               " is not allowed here; unknown keys are refused so that a misspelt rule is "
               "never silently ignored.");
    }
    field->read(member, member_at);
  }
  for (const Field& field : fields) {
    if (field.required && node.find(field.key) == nullptr) {
      fail("missing_field", member_path(path, field.key),
           "The required key " + quote_text(field.key) + " is missing.");
    }
  }
}

std::span<const JsonNode> read_array(const JsonNode& node, const std::string& path,
                                     std::size_t max_size, bool allow_empty) {
  expect_type(node, JsonNode::Type::array, path, "an array");
  if (node.elements().empty() && !allow_empty) {
    fail("empty", path, "This list must have at least one entry.");
  }
  if (node.elements().size() > max_size) {
    fail("too_many", path,
         "This list has " + std::to_string(node.elements().size()) + " entries; at most " +
             std::to_string(max_size) + " are allowed.");
  }
  return node.elements();
}

std::string read_string(const JsonNode& node, const std::string& path) {
  return std::string(string_value(node, path, "a string"));
}

std::string read_nonempty_string(const JsonNode& node, const std::string& path) {
  const std::string_view text = string_value(node, path, "a string");
  if (text.empty()) fail("empty", path, "This text must not be empty.");
  return std::string(text);
}

bool read_bool(const JsonNode& node, const std::string& path) {
  expect_type(node, JsonNode::Type::boolean, path, "true or false");
  return node.boolean;
}

Money read_money(const JsonNode& node, const std::string& path) {
  const std::string_view text =
      string_value(node, path, "an amount written as a string such as \"800.00\"");
  // Money::parse accepts "-0.00"; refusing any sign keeps one spelling per amount.
  if (!text.empty() && text[0] == '-') {
    fail("bad_amount", path,
         "The amount " + quote_text(text) + " is negative; amounts here are not.");
  }
  const auto money = Money::parse(text);
  if (!money) {
    fail("bad_amount", path,
         quote_text(text) +
             " is not an amount: write yuan with exactly two decimals, such as "
             "\"800.00\".");
  }
  return *money;
}

std::optional<Money> read_money_or_null(const JsonNode& node, const std::string& path) {
  if (node.type == JsonNode::Type::null) return std::nullopt;
  return read_money(node, path);
}

Rate read_rate(const JsonNode& node, const std::string& path) {
  const std::string_view text =
      string_value(node, path, "a rate written as a string such as \"0.65\"");
  const auto rate = Rate::parse(text);
  if (!rate) {
    fail("bad_rate", path,
         quote_text(text) +
             " is not a rate: write a decimal with at most six decimals, such as "
             "\"0.65\".");
  }
  if (*rate > Rate::one()) {
    fail("rate_out_of_range", path,
         "The rate " + quote_text(text) + " is above 1; rates lie in [0, 1].");
  }
  return *rate;
}

Date read_date(const JsonNode& node, const std::string& path) {
  const std::string_view text = string_value(node, path, "a date written as \"YYYY-MM-DD\"");
  const auto date = Date::parse(text);
  if (!date) {
    fail("bad_date", path, quote_text(text) + " is not an existing date written as YYYY-MM-DD.");
  }
  return *date;
}

std::optional<Date> read_date_or_null(const JsonNode& node, const std::string& path) {
  if (node.type == JsonNode::Type::null) return std::nullopt;
  return read_date(node, path);
}

}  // namespace onestop::policy::detail
