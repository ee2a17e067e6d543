// JSON plumbing shared by the codecs: the field readers over json_reader.hpp's tree, which name
// the JSON path of every defect, and a small writer that produces deterministic, compact, valid
// UTF-8 JSON.
//
// Readers take the object, the JSON path of that object ("" for the document root, "items[3]"
// for an item) and the key; errors carry the full path ("items[3].amount"). They never read a
// number where a string is expected and never pass money through binary floating point.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>

#include "adapters/codec/json_reader.hpp"
#include "engine/date.hpp"
#include "engine/error.hpp"
#include "engine/money.hpp"

namespace onestop::codec {

// ---------------------------------------------------------------------------------------------
// Parsing

// Parses one JSON document (parse_json of json_reader.hpp) whose top level must be an object;
// `**doc` is that object. Errors (field "" unless a single member is to blame):
//   malformed_json   not JSON (syntax, invalid UTF-8, trailing bytes, nesting deeper than
//                    JsonLimits, "\u0000" in a string, a number no double can hold);
//   duplicate_field  an object names the same key twice (field: the second occurrence's path);
//                    refused because parsers disagree on which one wins;
//   wrong_type       the document is valid JSON but not an object.
// Objects keep their keys in document order so unknown keys are reported in that order.
Result<JsonDocument> parse_object(std::string_view text);

// ---------------------------------------------------------------------------------------------
// Paths (field_path, index_path and element_path are in json_reader.hpp)

// An offending value for an error message: quoted, or only its size when it is too long to
// repeat (a message should not echo a megabyte back).
std::string shown_value(std::string_view value);

// ---------------------------------------------------------------------------------------------
// Field readers

// The member `key` of `obj`, or nullptr when absent. No copy of the value is made.
const JsonNode* find_member(const JsonNode& obj, std::string_view key);

// A JSON type name for messages: "string", "number", "boolean", "null", "object", "array".
std::string_view json_type_name(const JsonNode& value);

// unknown_field for the first key of `obj` (in document order) that is not in `known`.
std::optional<Error> check_known_keys(const JsonNode& obj, std::string_view prefix,
                                      std::initializer_list<std::string_view> known);

// A member looked up once, for the readers below that take it instead of (obj, prefix, key):
// its node, nullptr when absent, and the path errors name it by.
struct Member {
  JsonNode::Ptr node = nullptr;
  std::string_view prefix;  // the path of the object
  std::string_view key;

  std::string path() const { return field_path(prefix, key); }
};

// The members of `obj` under the keys `known`, found in one pass over `obj`: slots[k] is the
// member named known[k], or has a null node when there is none. Error: check_known_keys'
// (unknown_field for the first key not in `known`, in document order). Precondition:
// slots.size() == known.size().
std::optional<Error> known_members(const JsonNode& obj, std::string_view prefix,
                                   std::span<const std::string_view> known,
                                   std::span<Member> slots);

// How a string member is checked: bytes of UTF-8 at most, and whether "" is acceptable.
struct StringRule {
  std::size_t max_bytes = 0;
  bool allow_empty = false;
};

// A required string member. Errors: missing_field, wrong_type, empty, too_long.
Result<std::string> read_string(const JsonNode& obj, std::string_view prefix, std::string_view key,
                                StringRule rule);
Result<std::string> read_string(const Member& member, StringRule rule);
// The same as a view of the document's text, for a value that is looked at and not kept.
Result<std::string_view> read_string_view(const Member& member, StringRule rule);

// A required boolean member. Errors: missing_field, wrong_type.
Result<bool> read_bool(const JsonNode& obj, std::string_view prefix, std::string_view key);
Result<bool> read_bool(const Member& member);

// A required "YYYY-MM-DD" member of an existing date. Errors: missing_field, wrong_type,
// bad_date.
Result<Date> read_date(const JsonNode& obj, std::string_view prefix, std::string_view key);

// An amount string of design.md §2 ("1234.50"), 0 ≤ amount ≤ `max`. A JSON number is
// wrong_type even when its value would do: amounts travel as strings. Errors: missing_field,
// wrong_type, bad_amount (not exactly two decimals, exponent, spaces, ...), negative_amount,
// amount_too_large. With `optional`, an absent member reads as 0.00 (null is still wrong_type).
Result<Money> read_amount(const JsonNode& obj, std::string_view prefix, std::string_view key,
                          const Money& max, bool optional = false);
Result<Money> read_amount(const Member& member, const Money& max, bool optional = false);

// A required object member. Errors: missing_field, wrong_type.
Result<JsonNode::Ptr> read_object(const JsonNode& obj, std::string_view prefix,
                                  std::string_view key);

// A required array member with min_size ≤ size ≤ max_size. Errors: missing_field, wrong_type,
// empty (fewer than min_size, which is 0 or 1), too_many.
Result<JsonNode::Ptr> read_array(const JsonNode& obj, std::string_view prefix, std::string_view key,
                                 std::size_t min_size, std::size_t max_size);

// Element `i` of `arr` (from read_array) as an object; `path` is the element's path.
// Errors: wrong_type.
Result<JsonNode::Ptr> element_object(const JsonNode& arr, std::size_t i, std::string_view path);

// ---------------------------------------------------------------------------------------------
// Writing

// Appends `text` as a JSON string literal: '"' and '\\' escaped, control characters as \n, \t,
// ... or \u00xx, everything else (including non-ASCII UTF-8) kept byte for byte. Bytes that are
// not valid UTF-8 become U+FFFD, so the output is always valid JSON whatever the input.
void append_json_string(std::string& out, std::string_view text);

// Appends money exactly as Money::to_string() writes it ("1234.50", "-3.00"), without the
// temporary string in the common case.
void append_money_text(std::string& out, const Money& amount);

// A member name the program spells out as a literal, checked when compiling to need no escape
// in JSON (printable ASCII other than '"' and '\\'): the writer copies it as it is. Names known
// only at run time (a policy's layer ids) are std::string_view and are escaped.
class JsonName {
 public:
  template <std::size_t N>
  consteval JsonName(const char (&text)[N])  // NOLINT(google-explicit-constructor)
      : text_(text, N - 1) {
    for (const char c : text_) {
      if (c < 0x20 || c > 0x7E || c == '"' || c == '\\') throw "a JSON name to escape";
    }
  }
  std::string_view text() const { return text_; }

 private:
  std::string_view text_;
};

// A name known at run time: anything that is a string_view but not a literal (JsonName's).
template <typename S>
concept RuntimeJsonName = std::is_convertible_v<const S&, std::string_view> && !std::is_array_v<S>;

// A forward-only writer of compact JSON (no spaces, no newline). The caller nests begin/end
// calls correctly and puts a key() before every value inside an object; the writer inserts
// the commas. Output depends only on the calls made: the same calls give the same bytes, the
// same bytes as append_json_string and append_money_text would give.
//
// The text is written through a pointer into a buffer sized ahead (room()), not appended piece
// by piece: a settlement's result is some 600 short strings, and std::string's append per
// piece cost more than the bytes themselves.
class JsonWriter {
 public:
  explicit JsonWriter(std::size_t reserve_bytes = 256) {
    out_.resize(reserve_bytes);
    at_ = out_.data();
    end_ = at_ + out_.size();
  }
  // Not copied or moved: at_ and end_ point into out_, whose bytes may move with it.
  JsonWriter(const JsonWriter&) = delete;
  JsonWriter& operator=(const JsonWriter&) = delete;

  JsonWriter& begin_object() { return open('{'); }
  JsonWriter& end_object() { return close('}'); }
  JsonWriter& begin_array() { return open('['); }
  JsonWriter& end_array() { return close(']'); }
  JsonWriter& key(JsonName name) { return verbatim(name.text(), true); }
  template <RuntimeJsonName S>
  JsonWriter& key(const S& name) {
    return string_value(std::string_view(name), true);
  }

  JsonWriter& value(std::string_view text) { return string_value(text, false); }
  JsonWriter& value(const char* text) { return value(std::string_view(text)); }
  JsonWriter& value(const std::string& text) { return value(std::string_view(text)); }
  JsonWriter& value(const Money& amount);  // as a string, "1234.50"
  JsonWriter& value(std::int64_t number);
  JsonWriter& value(int number) { return value(static_cast<std::int64_t>(number)); }
  JsonWriter& value(bool flag);
  // A string value whose text append(std::string&) writes: formatted in a buffer the writer
  // keeps, so that values made of parts (a trace value, a rule path) need no string each.
  template <typename Append>
  JsonWriter& value_of(Append append) {
    scratch_.clear();
    append(scratch_);
    return value(std::string_view(scratch_));
  }
  // A string value whose text the caller vouches needs no escape (printable ASCII other than
  // '"' and '\\': a number's or a boolean's text), copied without a look at it.
  JsonWriter& plain_value(std::string_view text) { return verbatim(text, false); }
  // plain_value() of the text append(std::string&) writes.
  template <typename Append>
  JsonWriter& plain_value_of(Append append) {
    scratch_.clear();
    append(scratch_);
    return plain_value(std::string_view(scratch_));
  }
  // The next value is `json` as it is: a document this program wrote and stored (a stored
  // result), embedded without parsing it again. The caller vouches that it is one JSON value.
  JsonWriter& raw(std::string_view json);

  // key(name) followed by value(v).
  template <typename T>
  JsonWriter& member(JsonName name, const T& v) {
    key(name);
    return value(v);
  }
  template <RuntimeJsonName S, typename T>
  JsonWriter& member(const S& name, const T& v) {
    key(name);
    return value(v);
  }

  std::string_view text() const {
    return {out_.data(), static_cast<std::size_t>(at_ - out_.data())};
  }
  std::string take() {
    out_.resize(static_cast<std::size_t>(at_ - out_.data()));
    return std::move(out_);
  }

 private:
  // Where the next `n` bytes go, after a comma when one is due; the buffer grows (at least
  // doubling) when fewer than n + 1 bytes are left. The caller then says where it stopped
  // (done()).
  char* room(std::size_t n) {
    if (static_cast<std::size_t>(end_ - at_) <= n) grow(n + 1);
    *at_ = ',';
    return at_ + (need_comma_ ? 1 : 0);
  }
  void grow(std::size_t n);
  // Copies `text` to `d`: up to 16 bytes as two overlapping words (no call to memcpy).
  static void copy_verbatim(char* d, std::string_view text) {
    const char* s = text.data();
    const std::size_t n = text.size();
    if (n > 16) {
      std::memcpy(d, s, n);
    } else if (n >= 8) {
      std::memcpy(d, s, 8);
      std::memcpy(d + n - 8, s + n - 8, 8);
    } else if (n >= 4) {
      std::memcpy(d, s, 4);
      std::memcpy(d + n - 4, s + n - 4, 4);
    } else if (n != 0) {
      d[0] = s[0];
      d[n / 2] = s[n / 2];
      d[n - 1] = s[n - 1];
    }
  }
  void done(char* end, bool need_comma) {
    at_ = end;
    need_comma_ = need_comma;
  }
  JsonWriter& open(char bracket) {
    char* d = room(1);
    *d++ = bracket;
    done(d, false);
    return *this;
  }
  JsonWriter& close(char bracket) {
    need_comma_ = false;
    char* d = room(1);
    *d++ = bracket;
    done(d, true);
    return *this;
  }
  // A key (followed by ':') or a string value.
  JsonWriter& string_value(std::string_view text, bool is_key);
  // The same for a text that needs no escape, copied as it is.
  JsonWriter& verbatim(std::string_view text, bool is_key) {
    char* d = room(text.size() + 3);  // '"' before, '"' and ':' after; the comma is room()'s
    *d++ = '"';
    copy_verbatim(d, text);
    d += text.size();
    *d++ = '"';
    if (is_key) *d++ = ':';
    done(d, !is_key);  // a value follows a key's colon directly
    return *this;
  }

  std::string out_;  // the text is [data(), at_); [at_, end_) is room for what comes next
  char* at_ = nullptr;
  char* end_ = nullptr;
  std::string scratch_;  // for value_of
  bool need_comma_ = false;
};

}  // namespace onestop::codec
