#include "adapters/codec/json_util.hpp"

#include <Poco/Exception.h>
#include <Poco/JSON/JSONException.h>
#include <Poco/JSON/ParseHandler.h>
#include <Poco/JSON/Parser.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <limits>
#include <set>
#include <typeinfo>
#include <vector>

namespace onestop::codec {
namespace {

using Poco::Dynamic::Var;
using Poco::JSON::Array;
using Poco::JSON::Object;

// Poco's ParseHandler with two additions: objects keep document order, and a key repeated
// within one object stops the parse (Poco would silently keep the last value). To name the
// duplicate's path it tracks where it is: the current key of each open object and the current
// index of each open array.
class StrictHandler final : public Poco::JSON::ParseHandler {
 public:
  StrictHandler() : ParseHandler(/*preserveObjectOrder=*/true) {}

  // The path of the repeated key, once the parse stopped on one; empty otherwise.
  const std::string& duplicate_path() const { return duplicate_path_; }

  void reset() override {
    ParseHandler::reset();
    frames_.clear();
    duplicate_path_.clear();
  }
  void startObject() override {
    on_value();
    ParseHandler::startObject();
    frames_.push_back(Frame{});
  }
  void endObject() override {
    frames_.pop_back();
    ParseHandler::endObject();
  }
  void startArray() override {
    on_value();
    ParseHandler::startArray();
    Frame f;
    f.is_array = true;
    frames_.push_back(std::move(f));
  }
  void endArray() override {
    frames_.pop_back();
    ParseHandler::endArray();
  }
  void key(const std::string& k) override;

  void value(int v) override {
    on_value();
    ParseHandler::value(v);
  }
  void value(unsigned v) override {
    on_value();
    ParseHandler::value(v);
  }
  void value(Poco::Int64 v) override {
    on_value();
    ParseHandler::value(v);
  }
  void value(Poco::UInt64 v) override {
    on_value();
    ParseHandler::value(v);
  }
  void value(const std::string& s) override {
    on_value();
    ParseHandler::value(s);
  }
  void value(double d) override {
    on_value();
    ParseHandler::value(d);
  }
  void value(bool b) override {
    on_value();
    ParseHandler::value(b);
  }
  void null() override {
    on_value();
    ParseHandler::null();
  }

 private:
  struct Frame {
    bool is_array = false;
    std::size_t next_index = 0;               // arrays: index of the next element
    std::string current_key;                  // objects: the key being read
    std::set<std::string, std::less<>> keys;  // objects: keys seen so far
  };

  // Counts array elements so a path can name them.
  void on_value() {
    if (!frames_.empty() && frames_.back().is_array) ++frames_.back().next_index;
  }
  std::string path_to_top() const;

  std::vector<Frame> frames_;
  std::string duplicate_path_;
};

void StrictHandler::key(const std::string& k) {
  Frame& top = frames_.back();
  // A set, not a scan: a hostile object with a million keys must not cost quadratic time.
  if (!top.keys.insert(k).second) {
    duplicate_path_ = field_path(path_to_top(), k);
    throw Poco::JSON::JSONException("duplicate key");
  }
  top.current_key = k;
  ParseHandler::key(k);
}

std::string StrictHandler::path_to_top() const {
  std::string path;
  for (std::size_t i = 0; i + 1 < frames_.size(); ++i) {
    const Frame& f = frames_[i];
    if (f.is_array) {
      path += "[" + std::to_string(f.next_index - 1) + "]";
    } else {
      if (!path.empty()) path += '.';
      path += f.current_key;
    }
  }
  return path;
}

Error type_error(std::string path, std::string_view expected, const Var& got) {
  return Error{"wrong_type", std::move(path),
               "expected " + std::string(expected) + ", got " + std::string(json_type_name(got))};
}

Error missing(std::string path) { return Error{"missing_field", std::move(path), "is required"}; }

// Where a required member must be a JSON string: the string, or the error.
Result<const std::string*> string_member(const Object& obj, std::string_view prefix,
                                         std::string_view key, std::string_view expected) {
  const Var* v = find_member(obj, key);
  if (v == nullptr) return missing(field_path(prefix, key));
  if (!v->isString()) return type_error(field_path(prefix, key), expected, *v);
  return &v->extract<std::string>();
}

// Poco refuses a scalar at the top level ("12", "\"x\"") with a parser-state message; to
// report it as a wrong type instead, see whether the text parses as an array element.
std::optional<Var> top_level_scalar(std::string_view text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos || text[first] == '{' || text[first] == '[') {
    return std::nullopt;
  }
  try {
    Poco::JSON::Parser parser;
    parser.setAllowNullByte(false);
    Var wrapped = parser.parse("[" + std::string(text) + "]");
    const Array::Ptr elements = wrapped.extract<Array::Ptr>();
    if (elements->size() != 1) return std::nullopt;  // "1,2" is no single value
    return elements->get(0);
  } catch (const Poco::Exception&) {
    return std::nullopt;  // not JSON at all: the caller reports the original parse error
  }
}

}  // namespace

Result<Object::Ptr> parse_object(std::string_view text) {
  Poco::SharedPtr<StrictHandler> handler = new StrictHandler;
  Poco::JSON::Parser parser(handler);
  parser.setAllowNullByte(false);  // ids with NUL would be cut short by C APIs downstream
  Var root;
  try {
    root = parser.parse(std::string(text));
  } catch (const Poco::Exception& e) {
    if (!handler->duplicate_path().empty()) {
      return Error{"duplicate_field", handler->duplicate_path(), "appears twice in its object"};
    }
    if (auto scalar = top_level_scalar(text)) return type_error("", "a JSON object", *scalar);
    // Poco's words for a scalar followed by more text ("1,2") say nothing to a client.
    const bool stray = e.message().find("empty stack") != std::string::npos;
    return Error{"malformed_json", "",
                 "not valid JSON: " + (stray ? "expected one object" : e.message())};
  }
  if (root.type() != typeid(Object::Ptr)) return type_error("", "a JSON object", root);
  return root.extract<Object::Ptr>();
}

std::string shown_value(std::string_view value) {
  if (value.size() > 32) return "a " + std::to_string(value.size()) + "-byte string";
  return "\"" + std::string(value) + "\"";
}

std::string field_path(std::string_view prefix, std::string_view key) {
  std::string path;
  path.reserve(prefix.size() + key.size() + 1);
  path.append(prefix);
  if (!prefix.empty()) path += '.';
  path.append(key);
  return path;
}

std::string element_path(std::string_view prefix, std::string_view key, std::size_t i) {
  return field_path(prefix, key) + "[" + std::to_string(i) + "]";
}

const Var* find_member(const Object& obj, std::string_view key) {
  // Object exposes its std::map only through iterators; claim objects are small.
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    if (it->first == key) return &it->second;
  }
  return nullptr;
}

std::string_view json_type_name(const Var& value) {
  if (value.isEmpty()) return "null";
  if (value.type() == typeid(Object::Ptr) || value.type() == typeid(Object)) return "object";
  if (value.type() == typeid(Array::Ptr) || value.type() == typeid(Array)) return "array";
  if (value.isString()) return "string";
  if (value.isBoolean()) return "boolean";
  if (value.isNumeric()) return "number";
  return "unknown";
}

std::optional<Error> check_known_keys(const Object& obj, std::string_view prefix,
                                      std::initializer_list<std::string_view> known) {
  for (const std::string& name : obj.getNames()) {
    if (std::find(known.begin(), known.end(), name) == known.end()) {
      return Error{"unknown_field", field_path(prefix, name), "is not a known field"};
    }
  }
  return std::nullopt;
}

Result<std::string> read_string(const Object& obj, std::string_view prefix, std::string_view key,
                                StringRule rule) {
  auto s = string_member(obj, prefix, key, "a string");
  if (!s) return s.error();
  const std::string& text = **s;
  if (text.empty() && !rule.allow_empty) {
    return Error{"empty", field_path(prefix, key), "must not be empty"};
  }
  if (text.size() > rule.max_bytes) {
    return Error{"too_long", field_path(prefix, key),
                 "is longer than " + std::to_string(rule.max_bytes) + " bytes"};
  }
  return text;
}

Result<bool> read_bool(const Object& obj, std::string_view prefix, std::string_view key) {
  const Var* v = find_member(obj, key);
  if (v == nullptr) return missing(field_path(prefix, key));
  if (!v->isBoolean()) return type_error(field_path(prefix, key), "true or false", *v);
  return v->extract<bool>();
}

Result<Date> read_date(const Object& obj, std::string_view prefix, std::string_view key) {
  auto s = string_member(obj, prefix, key, "a date string \"YYYY-MM-DD\"");
  if (!s) return s.error();
  if (auto d = Date::parse(**s)) return *d;
  return Error{"bad_date", field_path(prefix, key),
               "expected an existing date as \"YYYY-MM-DD\", got " + shown_value(**s)};
}

Result<Money> read_amount(const Object& obj, std::string_view prefix, std::string_view key,
                          const Money& max, bool optional) {
  if (optional && find_member(obj, key) == nullptr) return Money{};
  auto s = string_member(obj, prefix, key, "an amount string like \"1234.50\"");
  if (!s) return s.error();
  const std::string& text = **s;
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

Result<Object::Ptr> read_object(const Object& obj, std::string_view prefix, std::string_view key) {
  const Var* v = find_member(obj, key);
  if (v == nullptr) return missing(field_path(prefix, key));
  if (v->type() != typeid(Object::Ptr)) {
    return type_error(field_path(prefix, key), "an object", *v);
  }
  return v->extract<Object::Ptr>();
}

Result<Array::Ptr> read_array(const Object& obj, std::string_view prefix, std::string_view key,
                              std::size_t min_size, std::size_t max_size) {
  const Var* v = find_member(obj, key);
  if (v == nullptr) return missing(field_path(prefix, key));
  if (v->type() != typeid(Array::Ptr)) return type_error(field_path(prefix, key), "an array", *v);
  Array::Ptr arr = v->extract<Array::Ptr>();
  if (arr->size() < min_size) {
    return Error{"empty", field_path(prefix, key), "must not be empty"};
  }
  if (arr->size() > max_size) {
    return Error{"too_many", field_path(prefix, key),
                 "has more than " + std::to_string(max_size) + " elements"};
  }
  return arr;
}

Result<Object::Ptr> element_object(const Array& arr, std::size_t i, std::string_view path) {
  const Var& v = *(arr.begin() + static_cast<std::ptrdiff_t>(i));
  if (v.type() != typeid(Object::Ptr)) return type_error(std::string(path), "an object", v);
  return v.extract<Object::Ptr>();
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
  // Runs of bytes that need no escape (nearly all text) are copied in one append each.
  out += '"';
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t run_end = i;
    while (run_end < text.size() && kVerbatim[static_cast<unsigned char>(text[run_end])]) {
      ++run_end;
    }
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
