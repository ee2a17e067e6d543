// Field rules of the national interface (national.md legend): C n strings of at most n
// characters, N(p,s) decimals read exactly from a JSON number's or string's text, D dates
// "yyyy-MM-dd", DT times "yyyy-MM-dd HH:mm:ss", and code fields checked against their table.
// A reader goes through one node's fields in the order the transaction's table lists them and
// keeps the first defect, named by its full path ("input.data.mdtrt_id"), so that the same
// message always gives the same error.
#pragma once

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "adapters/national/json_doc.hpp"
#include "engine/date.hpp"
#include "engine/error.hpp"
#include "engine/money.hpp"

namespace onestop::national {

// Required or not (national.md's Req column).
enum class Req { no, yes };

// "yyyy-MM-dd HH:mm:ss" checked: the date exists, 00..23, 00..59, 00..59.
std::optional<Date> parse_datetime(std::string_view text);

// Characters (UTF-8 code points) of valid UTF-8 text.
std::size_t char_count(std::string_view text);

class FieldReader {
 public:
  // `node` is the object at `path` ("input.data"); a node that is not an object is a defect
  // of its own (wrong_type at `path`).
  FieldReader(const JsonValue* node, std::string path);

  // A C field: a string (a JSON number is taken as its text; null or absent is missing) of at
  // most `max_chars` characters. Optional fields read "" when absent.
  std::string str(std::string_view key, std::size_t max_chars, Req req);
  // A code field: str() whose value must be one of `codes` (when not "").
  std::string code(std::string_view key, std::size_t max_chars, Req req,
                   std::initializer_list<std::string_view> codes);
  // An N(16,2) amount from a number or a string: at most two decimals, or more when they are
  // zeros ("3300.0000"); never through double. Absent and optional: 0.00.
  Money amount(std::string_view key, Req req, bool allow_negative = false);
  // A decimal scaled by 10^scale (N(16,4) quantities, N(16,6) prices), from a number or a string.
  Int128 scaled(std::string_view key, int scale, Req req, bool allow_negative);
  // A whole number N n (counts) from a number or a string.
  std::int64_t count(std::string_view key, Req req);
  std::optional<Date> date(std::string_view key, Req req);
  // A DT field; `text` receives the value as sent.
  std::optional<Date> datetime(std::string_view key, Req req, std::string* text = nullptr);

  // The node's member `key` as an object / array, or a defect (wrong_type, missing_field).
  const JsonValue* object(std::string_view key, Req req);
  const JsonValue* array(std::string_view key, Req req, std::size_t max_size);

  const std::string& path() const { return path_; }
  std::string field(std::string_view key) const { return path_ + "." + std::string(key); }
  const std::optional<Error>& error() const { return error_; }
  // Records a defect of `key` unless one is already recorded.
  void fail(std::string_view key, std::string code, std::string message);

 private:
  // The member `key` when it holds a value (not absent or null), a missing_field defect when
  // required and absent, else nullptr.
  const JsonValue* member(std::string_view key, Req req);
  // The decimal text of a number or string member, or nullopt (defect recorded).
  std::optional<std::string> decimal_text(std::string_view key, Req req);

  const JsonValue* node_;
  std::string path_;
  std::optional<Error> error_;
};

}  // namespace onestop::national
