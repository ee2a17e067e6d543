// Typed readers over the JSON tree, shared by the policy loader's schema. Internal to
// adapters/policy: each reader either returns the value or throws Failure naming the field.
#pragma once

#include <cstddef>
#include <exception>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "adapters/codec/json_reader.hpp"
#include "engine/date.hpp"
#include "engine/error.hpp"
#include "engine/money.hpp"

namespace onestop::policy {

// The policy loader reads the tree of the one JSON reader (adapters/codec/json_reader.hpp).
using codec::index_path;
using codec::JsonNode;
// "parent.key", as errors name fields ("layers[1].bands[2].from"); "key" at the root.
inline std::string member_path(std::string_view parent, std::string_view key) {
  return codec::field_path(parent, key);
}
// "a string", "a number", ... for error messages.
std::string_view type_name(JsonNode::Type type);

}  // namespace onestop::policy

namespace onestop::policy::detail {

// The first failure ends validation, so readers throw it and parse_policy catches it once and
// returns it as an Error: the schema code stays a plain list of reads instead of checking a
// result after each of them. It never leaves adapters/policy.
class Failure : public std::exception {
 public:
  explicit Failure(Error error) : error_(std::move(error)) {}
  const Error& error() const { return error_; }
  const char* what() const noexcept override { return error_.message.c_str(); }

 private:
  Error error_;
};

// A value quoted for a message, cut after 40 bytes so a huge value cannot flood a log line.
std::string quote_text(std::string_view text);

[[noreturn]] void fail(std::string code, std::string field, std::string message);

// One key an object may have. read gets the member's value and its path.
using Reader = std::function<void(const JsonNode& value, const std::string& path)>;
struct Field {
  std::string_view key;
  bool required;
  Reader read;
};

// Fields that store what read(value, path) returns into target, which must outlive the read.
template <typename T, typename Read>
Field required_field(std::string_view key, T& target, Read read) {
  return {key, true,
          [&target, read](const JsonNode& n, const std::string& at) { target = read(n, at); }};
}
template <typename T, typename Read>
Field optional_field(std::string_view key, T& target, Read read) {
  Field field = required_field(key, target, read);
  field.required = false;
  return field;
}

// Reads an object: wrong_type unless node is one; then its members in document order, each
// by its Field (unknown_field for a key not in fields); then missing_field for the first
// required key, in fields order, that was absent.
void read_object(const JsonNode& node, const std::string& path, const std::vector<Field>& fields);

// wrong_type unless node has the type; `expected` completes "This must be ...".
void expect_type(const JsonNode& node, JsonNode::Type type, const std::string& path,
                 std::string_view expected);

// An array of 1..max_size elements (0..max_size with allow_empty): wrong_type, empty,
// too_many. The elements are left to the caller.
std::span<const JsonNode> read_array(const JsonNode& node, const std::string& path,
                                     std::size_t max_size, bool allow_empty);

std::string read_string(const JsonNode& node, const std::string& path);
std::string read_nonempty_string(const JsonNode& node, const std::string& path);  // empty
bool read_bool(const JsonNode& node, const std::string& path);

// A string with exactly two decimals, not negative: wrong_type, bad_amount.
Money read_money(const JsonNode& node, const std::string& path);
// As read_money, or null for "none".
std::optional<Money> read_money_or_null(const JsonNode& node, const std::string& path);
// A decimal string in [0, 1] with up to six decimals: wrong_type, bad_rate, rate_out_of_range.
Rate read_rate(const JsonNode& node, const std::string& path);
// "YYYY-MM-DD", an existing date: wrong_type, bad_date.
Date read_date(const JsonNode& node, const std::string& path);
std::optional<Date> read_date_or_null(const JsonNode& node, const std::string& path);

}  // namespace onestop::policy::detail
