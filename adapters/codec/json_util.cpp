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
Result<std::string_view> string_member(const Member& m, std::string_view expected) {
  if (m.node == nullptr) return missing(m.path());
  if (m.node->type != JsonNode::Type::string) return type_error(m.path(), expected, *m.node);
  return m.node->text;
}

Member member_of(const JsonNode& obj, std::string_view prefix, std::string_view key) {
  return Member{find_member(obj, key), prefix, key};
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
    const auto is_member_key = [&](std::string_view k) { return same_key(k, member.key); };
    if (std::none_of(known.begin(), known.end(), is_member_key)) {
      return Error{"unknown_field", field_path(prefix, member.key), "is not a known field"};
    }
  }
  return std::nullopt;
}

std::optional<Error> known_members(const JsonNode& obj, std::string_view prefix,
                                   std::span<const std::string_view> known,
                                   std::span<Member> slots) {
  for (std::size_t k = 0; k < known.size(); ++k) slots[k] = Member{nullptr, prefix, known[k]};
  for (const JsonNode& member : obj.members()) {
    std::size_t k = 0;
    while (k < known.size() && !same_key(known[k], member.key)) ++k;
    if (k == known.size()) {
      return Error{"unknown_field", field_path(prefix, member.key), "is not a known field"};
    }
    slots[k].node = &member;  // keys are unique: each slot is filled once at most
  }
  return std::nullopt;
}

Result<std::string> read_string(const JsonNode& obj, std::string_view prefix, std::string_view key,
                                StringRule rule) {
  return read_string(member_of(obj, prefix, key), rule);
}

Result<std::string> read_string(const Member& member, StringRule rule) {
  auto s = read_string_view(member, rule);
  if (!s) return s.error();
  return std::string(*s);
}

Result<std::string_view> read_string_view(const Member& member, StringRule rule) {
  const JsonNode* v = member.node;
  if (v != nullptr && v->type == JsonNode::Type::string && v->text.size() <= rule.max_bytes &&
      (rule.allow_empty || !v->text.empty())) {
    return v->text;  // the usual case, without the steps below that name the defect
  }
  auto s = string_member(member, "a string");
  if (!s) return s.error();
  const std::string_view text = *s;
  if (text.empty() && !rule.allow_empty) return Error{"empty", member.path(), "must not be empty"};
  if (text.size() > rule.max_bytes) {
    return Error{"too_long", member.path(),
                 "is longer than " + std::to_string(rule.max_bytes) + " bytes"};
  }
  return text;
}

Result<bool> read_bool(const JsonNode& obj, std::string_view prefix, std::string_view key) {
  return read_bool(member_of(obj, prefix, key));
}

Result<bool> read_bool(const Member& member) {
  const JsonNode* v = member.node;
  if (v == nullptr) return missing(member.path());
  if (v->type != JsonNode::Type::boolean) return type_error(member.path(), "true or false", *v);
  return v->boolean;
}

Result<Date> read_date(const JsonNode& obj, std::string_view prefix, std::string_view key) {
  const Member member = member_of(obj, prefix, key);
  auto s = string_member(member, "a date string \"YYYY-MM-DD\"");
  if (!s) return s.error();
  if (auto d = Date::parse(*s)) return *d;
  return Error{"bad_date", member.path(),
               "expected an existing date as \"YYYY-MM-DD\", got " + shown_value(*s)};
}

Result<Money> read_amount(const JsonNode& obj, std::string_view prefix, std::string_view key,
                          const Money& max, bool optional) {
  return read_amount(member_of(obj, prefix, key), max, optional);
}

Result<Money> read_amount(const Member& member, const Money& max, bool optional) {
  if (optional && member.node == nullptr) return Money{};
  auto s = string_member(member, "an amount string like \"1234.50\"");
  if (!s) return s.error();
  const std::string_view text = *s;
  const std::optional<Money> m = Money::parse(text);
  if (!m) {
    return Error{
        "bad_amount", member.path(),
        "expected an amount with exactly two decimals like \"1234.50\", got " + shown_value(text)};
  }
  // "-0.00" parses as zero, which is not negative; but a minus sign on an amount that must not
  // be negative is a defect of the request, not a spelling of zero (issue 5: it was settled).
  if (m->is_negative() || text.starts_with('-')) {
    return Error{"negative_amount", member.path(), "must not be negative"};
  }
  if (*m > max) return Error{"amount_too_large", member.path(), "exceeds " + max.to_string()};
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

std::uint64_t load8(const char* p) {
  std::uint64_t v = 0;
  std::memcpy(&v, p, 8);
  return v;
}

std::uint32_t load4(const char* p) {
  std::uint32_t v = 0;
  std::memcpy(&v, p, 4);
  return v;
}

// Nonzero when one of the eight bytes of `v` is not kVerbatim ASCII (below 0x20, from 0x80, '"'
// or '\\'). Each test is exact as a whole-word yes/no (Bit Twiddling Hacks: hasless, haszero).
std::uint64_t needs_look(std::uint64_t v) {
  constexpr std::uint64_t kOnes = 0x0101010101010101;
  constexpr std::uint64_t kHighs = 0x8080808080808080;
  const auto has_zero = [](std::uint64_t x) { return (x - kOnes) & ~x & kHighs; };
  return ((v - kOnes * 0x20) & ~v & kHighs) | (v & kHighs) | has_zero(v ^ (kOnes * '"')) |
         has_zero(v ^ (kOnes * '\\'));
}

// True when none of the n ≤ 16 bytes at `s` needs a look (all are kVerbatim ASCII): the words
// loaded overlap instead of reading past the text.
bool short_verbatim(const char* s, std::size_t n) {
  if (n >= 8) return (needs_look(load8(s)) | needs_look(load8(s + n - 8))) == 0;
  if (n >= 4) return needs_look(load4(s) | std::uint64_t{load4(s + n - 4)} << 32) == 0;
  char word[8] = {'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a'};  // verbatim filler
  for (std::size_t k = 0; k < n; ++k) word[k] = s[k];
  return needs_look(load8(word)) == 0;
}

// Writes at `d` the escape for one byte that cannot appear verbatim in a JSON string; returns
// the end of what it wrote (at most 6 bytes).
char* write_escape(char* d, unsigned char c) {
  static constexpr std::string_view kShortForms = "\"\\\b\f\n\r\t";
  static constexpr std::string_view kShortLetters = "\"\\bfnrt";
  static constexpr char kHex[] = "0123456789abcdef";
  if (const auto k = kShortForms.find(static_cast<char>(c)); k != std::string_view::npos) {
    *d++ = '\\';
    *d++ = kShortLetters[k];
    return d;
  }
  if (c < 0x20) {
    std::memcpy(d, "\\u00", 4);
    d[4] = kHex[c >> 4];
    d[5] = kHex[c & 0xF];
    return d + 6;
  }
  std::memcpy(d, "\xEF\xBF\xBD", 3);  // U+FFFD REPLACEMENT CHARACTER for a byte of broken UTF-8
  return d + 3;
}

// The most bytes write_escaped writes for `n` bytes of input: six ("\u001f") for each, and a
// UTF-8 sequence that starts before the stop and ends after it.
constexpr std::size_t escaped_room(std::size_t n) { return 6 * n + 3; }

// Long strings are escaped in pieces so that the room asked for stays near their size.
constexpr std::size_t kPiece = 4096;

// Writes at `d` text[i, stop) as the inside of a JSON string literal and advances i to stop
// (or past it, to the end of a UTF-8 sequence that starts before stop); returns the end of what
// it wrote, which is at most escaped_room(stop - i) bytes. The bytes before `d` must be the
// output for text[0, i) when i ≠ 0.
//
// Runs of verbatim bytes (nearly all text) are copied eight at a time; a remainder shorter than
// eight is checked and copied as the last eight (or two overlapping fours) of the text, which
// rewrites bytes already written with the same values.
char* write_escaped(char* d, std::string_view text, std::size_t& i, std::size_t stop) {
  const char* s = text.data();
  while (i < stop) {
    for (; i + 8 <= stop; i += 8, d += 8) {
      const std::uint64_t v = load8(s + i);
      if (needs_look(v) != 0) break;
      std::memcpy(d, &v, 8);
    }
    if (i == stop) break;
    const std::size_t left = stop - i;
    if (left < 8 && stop >= 8) {
      const std::uint64_t v = load8(s + stop - 8);
      if (needs_look(v) == 0) {  // so text[stop - 8, i) went out verbatim, ending at d
        std::memcpy(d + left - 8, &v, 8);
        i = stop;
        return d + left;
      }
    } else if (left >= 4 && left < 8) {
      const std::uint32_t head = load4(s + i);
      const std::uint32_t tail = load4(s + stop - 4);
      if (needs_look(head | std::uint64_t{tail} << 32) == 0) {
        std::memcpy(d, &head, 4);
        std::memcpy(d + left - 4, &tail, 4);
        i = stop;
        return d + left;
      }
    }
    const auto c = static_cast<unsigned char>(s[i]);
    if (kVerbatim[c]) {
      *d++ = static_cast<char>(c);
      ++i;
      continue;
    }
    if (c >= 0x80) {
      if (const std::size_t n = utf8_sequence_length(text, i); n != 0) {
        std::memcpy(d, s + i, n);
        d += n;
        i += n;
        continue;
      }
    }
    d = write_escape(d, c);
    ++i;
  }
  return d;
}

// The text of Money::to_string() at `d` when the amount fits in int64 fen (24 bytes at most);
// nullptr, having written nothing, when it does not.
char* write_money(char* d, const Money& amount) {
  const Int128& fen = amount.fen();
  if (fen > std::numeric_limits<std::int64_t>::max() ||
      fen < -std::numeric_limits<std::int64_t>::max()) {
    return nullptr;  // beyond every limit; the caller keeps the engine's exact text
  }
  const std::int64_t signed_fen = fen.convert_to<std::int64_t>();
  const auto abs_fen = static_cast<std::uint64_t>(signed_fen < 0 ? -signed_fen : signed_fen);
  const std::uint64_t yuan = abs_fen / 100;
  const auto cents = static_cast<unsigned>(abs_fen - yuan * 100);  // one division, not three
  if (signed_fen < 0) *d++ = '-';
  d = std::to_chars(d, d + 20, yuan).ptr;
  d[0] = '.';
  d[1] = static_cast<char>('0' + cents / 10);
  d[2] = static_cast<char>('0' + cents % 10);
  return d + 3;
}

constexpr std::size_t kMoneyRoom = 24;

}  // namespace

void append_json_string(std::string& out, std::string_view text) {
  JsonWriter w(text.size() + 16);
  w.value(text);
  out += w.text();
}

void append_money_text(std::string& out, const Money& amount) {
  char text[kMoneyRoom];
  if (const char* end = write_money(text, amount)) {
    out.append(text, static_cast<std::size_t>(end - text));
  } else {
    out += amount.to_string();
  }
}

void JsonWriter::grow(std::size_t n) {
  const auto used = static_cast<std::size_t>(at_ - out_.data());
  out_.resize(std::max(out_.size() * 2, used + n));
  at_ = out_.data() + used;
  end_ = out_.data() + out_.size();
}

JsonWriter& JsonWriter::string_value(std::string_view text, bool is_key) {
  // Most strings (names, ids, codes) are short and need no escape: one look, one copy.
  if (text.size() <= 16 && short_verbatim(text.data(), text.size())) {
    return verbatim(text, is_key);
  }
  // '"' before, '"' and ':' after; the comma is room()'s.
  char* d = room(escaped_room(std::min(text.size(), kPiece)) + 3);
  *d++ = '"';
  std::size_t i = 0;
  for (;;) {
    d = write_escaped(d, text, i, std::min(text.size(), i + kPiece));
    if (i >= text.size()) break;
    done(d, false);
    d = room(escaped_room(kPiece) + 2);
  }
  *d++ = '"';
  if (is_key) *d++ = ':';
  done(d, !is_key);  // a value follows a key's colon directly
  return *this;
}

JsonWriter& JsonWriter::value(const Money& amount) {
  char* d = room(kMoneyRoom + 2);
  *d = '"';
  char* end = write_money(d + 1, amount);
  if (end == nullptr) return value(std::string_view(amount.to_string()));
  *end++ = '"';
  done(end, true);
  return *this;
}

JsonWriter& JsonWriter::value(std::int64_t number) {
  char* d = room(20);  // "-9223372036854775808"
  done(std::to_chars(d, d + 20, number).ptr, true);
  return *this;
}

JsonWriter& JsonWriter::value(bool flag) {
  const std::string_view text = flag ? "true" : "false";
  char* d = room(text.size());
  std::memcpy(d, text.data(), text.size());
  done(d + text.size(), true);
  return *this;
}

JsonWriter& JsonWriter::raw(std::string_view json) {
  char* d = room(json.size());
  if (!json.empty()) std::memcpy(d, json.data(), json.size());  // "" may have a null data()
  done(d + json.size(), true);
  return *this;
}

}  // namespace onestop::codec
