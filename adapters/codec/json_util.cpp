#include "adapters/codec/json_util.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>
#include <limits>

namespace onestop::codec {
namespace {

Error type_error(std::string path, std::string_view expected, const JsonNode& got) {
  return Error{"wrong_type", std::move(path),
               "expected " + std::string(expected) + ", got " + std::string(json_type_name(got))};
}

Error missing(std::string path) { return Error{"missing_field", std::move(path), "is required"}; }

// Where a required member must be a JSON string: the string, or the error.
Result<std::string_view> string_member(const JsonNode& obj, std::string_view prefix,
                                       std::string_view key, std::string_view expected) {
  const JsonNode* v = find_member(obj, key);
  if (v == nullptr) return missing(field_path(prefix, key));
  if (v->type != JsonNode::Type::string) return type_error(field_path(prefix, key), expected, *v);
  return v->text;
}

}  // namespace

Result<JsonDocument> parse_object(std::string_view text) {
  auto doc = parse_json(text);
  if (!doc) {
    const Error& e = doc.error();
    if (e.code == "duplicate_key") return Error{"duplicate_field", e.field, e.message};
    return Error{"malformed_json", "", "not valid JSON: " + e.message};
  }
  if ((*doc)->type != JsonNode::Type::object) return type_error("", "a JSON object", **doc);
  return doc;
}

std::string shown_value(std::string_view value) {
  if (value.size() > 32) return "a " + std::to_string(value.size()) + "-byte string";
  return "\"" + std::string(value) + "\"";
}

const JsonNode* find_member(const JsonNode& obj, std::string_view key) { return obj.find(key); }

std::string_view json_type_name(const JsonNode& value) {
  switch (value.type) {
    case JsonNode::Type::null:
      return "null";
    case JsonNode::Type::boolean:
      return "boolean";
    case JsonNode::Type::number:
      return "number";
    case JsonNode::Type::string:
      return "string";
    case JsonNode::Type::array:
      return "array";
    case JsonNode::Type::object:
      return "object";
  }
  return "unknown";
}

std::optional<Error> check_known_keys(const JsonNode& obj, std::string_view prefix,
                                      std::initializer_list<std::string_view> known) {
  for (const JsonNode& member : obj.members()) {
    if (std::find(known.begin(), known.end(), member.key) == known.end()) {
      return Error{"unknown_field", field_path(prefix, member.key), "is not a known field"};
    }
  }
  return std::nullopt;
}

Result<std::string> read_string(const JsonNode& obj, std::string_view prefix, std::string_view key,
                                StringRule rule) {
  auto s = string_member(obj, prefix, key, "a string");
  if (!s) return s.error();
  const std::string_view text = *s;
  if (text.empty() && !rule.allow_empty) {
    return Error{"empty", field_path(prefix, key), "must not be empty"};
  }
  if (text.size() > rule.max_bytes) {
    return Error{"too_long", field_path(prefix, key),
                 "is longer than " + std::to_string(rule.max_bytes) + " bytes"};
  }
  return std::string(text);
}

Result<bool> read_bool(const JsonNode& obj, std::string_view prefix, std::string_view key) {
  const JsonNode* v = find_member(obj, key);
  if (v == nullptr) return missing(field_path(prefix, key));
  if (v->type != JsonNode::Type::boolean) {
    return type_error(field_path(prefix, key), "true or false", *v);
  }
  return v->boolean;
}

Result<Date> read_date(const JsonNode& obj, std::string_view prefix, std::string_view key) {
  auto s = string_member(obj, prefix, key, "a date string \"YYYY-MM-DD\"");
  if (!s) return s.error();
  if (auto d = Date::parse(*s)) return *d;
  return Error{"bad_date", field_path(prefix, key),
               "expected an existing date as \"YYYY-MM-DD\", got " + shown_value(*s)};
}

Result<Money> read_amount(const JsonNode& obj, std::string_view prefix, std::string_view key,
                          const Money& max, bool optional) {
  if (optional && find_member(obj, key) == nullptr) return Money{};
  auto s = string_member(obj, prefix, key, "an amount string like \"1234.50\"");
  if (!s) return s.error();
  const std::string_view text = *s;
  const std::optional<Money> m = Money::parse(text);
  if (!m) {
    return Error{
        "bad_amount", field_path(prefix, key),
        "expected an amount with exactly two decimals like \"1234.50\", got " + shown_value(text)};
  }
  // "-0.00" parses as zero, which is not negative; but a minus sign on an amount that must not
  // be negative is a defect of the request, not a spelling of zero (issue 5: it was settled).
  if (m->is_negative() || text.starts_with('-')) {
    return Error{"negative_amount", field_path(prefix, key), "must not be negative"};
  }
  if (*m > max) {
    return Error{"amount_too_large", field_path(prefix, key), "exceeds " + max.to_string()};
  }
  return *m;
}

Result<JsonNode::Ptr> read_object(const JsonNode& obj, std::string_view prefix,
                                  std::string_view key) {
  const JsonNode* v = find_member(obj, key);
  if (v == nullptr) return missing(field_path(prefix, key));
  if (v->type != JsonNode::Type::object) {
    return type_error(field_path(prefix, key), "an object", *v);
  }
  return v;
}

Result<JsonNode::Ptr> read_array(const JsonNode& obj, std::string_view prefix, std::string_view key,
                                 std::size_t min_size, std::size_t max_size) {
  const JsonNode* v = find_member(obj, key);
  if (v == nullptr) return missing(field_path(prefix, key));
  if (v->type != JsonNode::Type::array) {
    return type_error(field_path(prefix, key), "an array", *v);
  }
  if (v->size() < min_size) {
    return Error{"empty", field_path(prefix, key), "must not be empty"};
  }
  if (v->size() > max_size) {
    return Error{"too_many", field_path(prefix, key),
                 "has more than " + std::to_string(max_size) + " elements"};
  }
  return v;
}

Result<JsonNode::Ptr> element_object(const JsonNode& arr, std::size_t i, std::string_view path) {
  const JsonNode& v = arr.elements()[i];
  if (v.type != JsonNode::Type::object) return type_error(std::string(path), "an object", v);
  return &v;
}

// ---------------------------------------------------------------------------------------------
// Writing

namespace {

// Length of the well-formed UTF-8 sequence (RFC 3629: no overlongs, no surrogates, nothing
// above U+10FFFF) that starts with the non-ASCII byte text[i]; 0 when there is none.
std::size_t utf8_sequence_length(std::string_view text, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  const auto continuation = [&](std::size_t k) {
    return k < text.size() && (byte(k) & 0xC0) == 0x80;
  };
  const unsigned char lead = byte(i);
  std::size_t n = 0;
  if (lead >= 0xC2 && lead <= 0xDF) n = 2;
  if (lead >= 0xE0 && lead <= 0xEF) n = 3;
  if (lead >= 0xF0 && lead <= 0xF4) n = 4;
  for (std::size_t k = 1; k < n; ++k) {
    if (!continuation(i + k)) return 0;
  }
  if (n < 3) return n;
  const unsigned char second = byte(i + 1);
  if (lead == 0xE0 && second < 0xA0) return 0;  // overlong
  if (lead == 0xED && second > 0x9F) return 0;  // UTF-16 surrogate
  if (lead == 0xF0 && second < 0x90) return 0;  // overlong
  if (lead == 0xF4 && second > 0x8F) return 0;  // above U+10FFFF
  return n;
}

// Bytes copied into a JSON string as they are: printable ASCII except '"' and '\\'. Bytes from
// 0x80 are verbatim too when they form valid UTF-8, which needs a look at their neighbours.
constexpr std::array<bool, 256> kVerbatim = [] {
  std::array<bool, 256> verbatim{};
  for (int c = 0x20; c < 0x80; ++c) verbatim[c] = c != '"' && c != '\\';
  return verbatim;
}();

// The length of the longest prefix of `text` made of kVerbatim bytes. Eight bytes at a time
// while none of them needs a look (no byte below 0x20 or from 0x80, no '"', no '\\'): each
// test below is exact as a whole-word yes/no (Bit Twiddling Hacks: hasless, haszero).
std::size_t verbatim_prefix(std::string_view text) {
  constexpr std::uint64_t kOnes = 0x0101010101010101;
  constexpr std::uint64_t kHighs = 0x8080808080808080;
  const auto has_zero = [](std::uint64_t x) { return (x - kOnes) & ~x & kHighs; };
  std::size_t i = 0;
  for (; i + 8 <= text.size(); i += 8) {
    std::uint64_t v = 0;
    std::memcpy(&v, text.data() + i, 8);
    const std::uint64_t special = ((v - kOnes * 0x20) & ~v & kHighs) | (v & kHighs) |
                                  has_zero(v ^ (kOnes * '"')) | has_zero(v ^ (kOnes * '\\'));
    if (special != 0) break;
  }
  while (i < text.size() && kVerbatim[static_cast<unsigned char>(text[i])]) ++i;
  return i;
}

// The escape for one byte that cannot appear verbatim in a JSON string.
void append_escape(std::string& out, unsigned char c) {
  static constexpr std::string_view kShortForms = "\"\\\b\f\n\r\t";
  static constexpr std::string_view kShortLetters = "\"\\bfnrt";
  static constexpr char kHex[] = "0123456789abcdef";
  if (const auto k = kShortForms.find(static_cast<char>(c)); k != std::string_view::npos) {
    out += '\\';
    out += kShortLetters[k];
    return;
  }
  if (c < 0x20) {
    out += "\\u00";
    out += kHex[c >> 4];
    out += kHex[c & 0xF];
    return;
  }
  out += "\xEF\xBF\xBD";  // U+FFFD REPLACEMENT CHARACTER for a byte of broken UTF-8
}

}  // namespace

void append_json_string(std::string& out, std::string_view text) {
  // Nearly every string (keys, ids, amounts) is short printable ASCII: quoted in a buffer on
  // the stack and appended at once. Anything else takes the general path below.
  constexpr std::size_t kShort = 126;
  if (text.size() <= kShort) {
    const std::size_t n = verbatim_prefix(text);
    if (n == text.size()) {
      char quoted[kShort + 2];
      quoted[0] = '"';
      if (n != 0) std::memcpy(quoted + 1, text.data(), n);  // "" may have a null data()
      quoted[n + 1] = '"';
      out.append(quoted, n + 2);
      return;
    }
  }
  // Runs of bytes that need no escape (nearly all text) are copied in one append each.
  out += '"';
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t run_end = i + verbatim_prefix(text.substr(i));
    while (run_end < text.size() && static_cast<unsigned char>(text[run_end]) >= 0x80) {
      const std::size_t n = utf8_sequence_length(text, run_end);
      if (n == 0) break;
      run_end += n;
    }
    if (run_end != i) {
      out.append(text.data() + i, run_end - i);
      i = run_end;
      continue;
    }
    append_escape(out, static_cast<unsigned char>(text[i]));
    ++i;
  }
  out += '"';
}

void append_money_text(std::string& out, const Money& amount) {
  const Int128& fen = amount.fen();
  if (fen > std::numeric_limits<std::int64_t>::max() ||
      fen < -std::numeric_limits<std::int64_t>::max()) {
    out += amount.to_string();  // beyond every limit; keep the engine's exact text
    return;
  }
  const std::int64_t signed_fen = fen.convert_to<std::int64_t>();
  const auto abs_fen = static_cast<std::uint64_t>(signed_fen < 0 ? -signed_fen : signed_fen);
  if (signed_fen < 0) out += '-';
  char whole[24];
  const auto end = std::to_chars(whole, whole + sizeof whole, abs_fen / 100).ptr;
  out.append(whole, end);
  out += '.';
  out += static_cast<char>('0' + abs_fen % 100 / 10);
  out += static_cast<char>('0' + abs_fen % 10);
}

void JsonWriter::separate() {
  if (need_comma_) out_ += ',';
}

JsonWriter& JsonWriter::begin_object() {
  separate();
  out_ += '{';
  need_comma_ = false;
  return *this;
}

JsonWriter& JsonWriter::end_object() {
  out_ += '}';
  need_comma_ = true;
  return *this;
}

JsonWriter& JsonWriter::begin_array() {
  separate();
  out_ += '[';
  need_comma_ = false;
  return *this;
}

JsonWriter& JsonWriter::end_array() {
  out_ += ']';
  need_comma_ = true;
  return *this;
}

JsonWriter& JsonWriter::key(std::string_view name) {
  separate();
  append_json_string(out_, name);
  out_ += ':';
  need_comma_ = false;  // the value follows the colon directly
  return *this;
}

JsonWriter& JsonWriter::value(std::string_view text) {
  separate();
  append_json_string(out_, text);
  need_comma_ = true;
  return *this;
}

JsonWriter& JsonWriter::value(const Money& amount) {
  separate();
  out_ += '"';
  append_money_text(out_, amount);
  out_ += '"';
  need_comma_ = true;
  return *this;
}

JsonWriter& JsonWriter::value(std::int64_t number) {
  separate();
  char digits[24];
  out_.append(digits, std::to_chars(digits, digits + sizeof digits, number).ptr);
  need_comma_ = true;
  return *this;
}

JsonWriter& JsonWriter::value(bool flag) {
  separate();
  out_ += flag ? "true" : "false";
  need_comma_ = true;
  return *this;
}

JsonWriter& JsonWriter::raw(std::string_view json) {
  separate();
  out_ += json;
  need_comma_ = true;
  return *this;
}

}  // namespace onestop::codec
