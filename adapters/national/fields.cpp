#include "adapters/national/fields.hpp"

#include <algorithm>
#include <charconv>

#include "adapters/catalogue/catalogue.hpp"

namespace onestop::national {
namespace {

bool two_digits(std::string_view s, std::size_t at, int max, int& out) {
  if (s[at] < '0' || s[at] > '9' || s[at + 1] < '0' || s[at + 1] > '9') return false;
  out = (s[at] - '0') * 10 + (s[at + 1] - '0');
  return out <= max;
}

// Strips a JSON number's exponent-free text of nothing; refuses exponents (an amount is never
// sent as 1e3 by a HIS, and reading it exactly would need more than the decimal reader).
bool plain_decimal(std::string_view text) {
  return text.find_first_of("eE") == std::string_view::npos;
}

}  // namespace

std::optional<Date> parse_datetime(std::string_view text) {
  if (text.size() != 19 || text[10] != ' ' || text[13] != ':' || text[16] != ':') {
    return std::nullopt;
  }
  int h = 0;
  int m = 0;
  int s = 0;
  if (!two_digits(text, 11, 23, h) || !two_digits(text, 14, 59, m) ||
      !two_digits(text, 17, 59, s)) {
    return std::nullopt;
  }
  return Date::parse(text.substr(0, 10));
}

std::size_t char_count(std::string_view text) {
  return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

FieldReader::FieldReader(const JsonValue* node, std::string path)
    : node_(node), path_(std::move(path)) {
  if (node_ == nullptr || node_->type != JsonValue::Type::object) {
    error_ = Error{"wrong_type", path_,
                   path_ + ": 应为对象 (expected an object, got " +
                       std::string(node_ == nullptr ? "nothing" : type_name(node_->type)) + ")"};
  }
}

void FieldReader::fail(std::string_view key, std::string code, std::string message) {
  if (error_) return;
  const std::string f = field(key);
  error_ = Error{std::move(code), f, f + ": " + std::move(message)};
}

const JsonValue* FieldReader::member(std::string_view key, Req req) {
  if (error_) return nullptr;
  const JsonValue* v = node_->find(key);
  if (v == nullptr || v->type == JsonValue::Type::null) {
    if (req == Req::yes) fail(key, "missing_field", "不能为空 (required)");
    return nullptr;
  }
  return v;
}

std::string FieldReader::str(std::string_view key, std::size_t max_chars, Req req) {
  const JsonValue* v = member(key, req);
  if (v == nullptr) return {};
  if (v->type != JsonValue::Type::string && v->type != JsonValue::Type::number) {
    fail(key, "wrong_type",
         "应为字符串 (expected a string, got " + std::string(type_name(v->type)) + ")");
    return {};
  }
  if (req == Req::yes && v->text.empty()) {
    fail(key, "missing_field", "不能为空 (required)");
    return {};
  }
  if (char_count(v->text) > max_chars) {
    fail(key, "too_long",
         "长度超过" + std::to_string(max_chars) + " (longer than " + std::to_string(max_chars) +
             " characters)");
    return {};
  }
  return v->text;
}

std::string FieldReader::code(std::string_view key, std::size_t max_chars, Req req,
                              std::initializer_list<std::string_view> codes) {
  std::string value = str(key, max_chars, req);
  if (value.empty() || error_) return value;
  if (std::find(codes.begin(), codes.end(), value) == codes.end()) {
    std::string list;
    for (std::string_view c : codes) list += (list.empty() ? "" : "/") + std::string(c);
    fail(key, "unknown_code", "代码值 '" + value + "' 不在字典中 (expected one of " + list + ")");
    return {};
  }
  return value;
}

std::optional<std::string> FieldReader::decimal_text(std::string_view key, Req req) {
  const JsonValue* v = member(key, req);
  if (v == nullptr) return std::nullopt;
  if (v->type != JsonValue::Type::string && v->type != JsonValue::Type::number) {
    fail(key, "wrong_type",
         "应为数值 (expected a number, got " + std::string(type_name(v->type)) + ")");
    return std::nullopt;
  }
  return v->text;
}

Int128 FieldReader::scaled(std::string_view key, int scale, Req req, bool allow_negative) {
  auto text = decimal_text(key, req);
  if (!text) return 0;
  auto value = plain_decimal(*text) ? catalogue::parse_scaled(*text, scale) : std::nullopt;
  if (!value || (!allow_negative && *value < 0)) {
    fail(key, "bad_number",
         "数值格式错误 (expected a" + std::string(allow_negative ? "" : " non-negative") +
             " decimal with at most " + std::to_string(scale) + " decimals, got '" + *text + "')");
    return 0;
  }
  return *value;
}

Money FieldReader::amount(std::string_view key, Req req, bool allow_negative) {
  auto text = decimal_text(key, req);
  if (!text) return Money();
  // Read with six decimals, then insist the fen are exact: "3300.0000" is 3300.00.
  auto value = plain_decimal(*text) ? catalogue::parse_scaled(*text, 6) : std::nullopt;
  if (!value || *value % 10'000 != 0 || (!allow_negative && *value < 0)) {
    fail(key, "bad_amount",
         "金额格式错误 (expected an amount in yuan to the fen, got '" + *text + "')");
    return Money();
  }
  return Money::from_fen(Int128(*value / 10'000));
}

std::int64_t FieldReader::count(std::string_view key, Req req) {
  auto text = decimal_text(key, req);
  if (!text) return 0;
  std::int64_t n = 0;
  const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), n);
  if (ec != std::errc() || end != text->data() + text->size() || n < 0 || text->size() > 10) {
    fail(key, "bad_number", "应为非负整数 (expected a whole number, got '" + *text + "')");
    return 0;
  }
  return n;
}

std::optional<Date> FieldReader::date(std::string_view key, Req req) {
  const std::string text = str(key, 10, req);
  if (text.empty()) return std::nullopt;
  auto d = Date::parse(text);
  if (!d) fail(key, "bad_date", "日期格式应为 yyyy-MM-dd (got '" + text + "')");
  return d;
}

std::optional<Date> FieldReader::datetime(std::string_view key, Req req, std::string* out) {
  const std::string text = str(key, 19, req);
  if (text.empty()) return std::nullopt;
  auto d = parse_datetime(text);
  if (!d) fail(key, "bad_datetime", "时间格式应为 yyyy-MM-dd HH:mm:ss (got '" + text + "')");
  if (d && out != nullptr) *out = text;
  return d;
}

const JsonValue* FieldReader::object(std::string_view key, Req req) {
  const JsonValue* v = member(key, req);
  if (v != nullptr && v->type != JsonValue::Type::object) {
    fail(key, "wrong_type",
         "应为对象 (expected an object, got " + std::string(type_name(v->type)) + ")");
    return nullptr;
  }
  return v;
}

const JsonValue* FieldReader::array(std::string_view key, Req req, std::size_t max_size) {
  const JsonValue* v = member(key, req);
  if (v == nullptr) return nullptr;
  if (v->type != JsonValue::Type::array) {
    fail(key, "wrong_type",
         "应为数组 (expected an array, got " + std::string(type_name(v->type)) + ")");
    return nullptr;
  }
  if (req == Req::yes && v->elements.empty()) {
    fail(key, "missing_field", "不能为空 (at least one element)");
    return nullptr;
  }
  if (v->elements.size() > max_size) {
    fail(key, "too_many",
         "超过" + std::to_string(max_size) + "条 (more than " + std::to_string(max_size) +
             " elements)");
    return nullptr;
  }
  return v;
}

}  // namespace onestop::national
