#include "engine/date.hpp"

#include <algorithm>

namespace onestop {
namespace {

bool is_leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int days_in_month(int y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : kDays[m - 1];
}

bool read_number(std::string_view s, int& out) {
  int v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  out = v;
  return true;
}

void append_padded(std::string& out, int value, int width) {
  std::string digits = std::to_string(value);
  out.append(static_cast<std::size_t>(width) - std::min<std::size_t>(width, digits.size()), '0');
  out += digits;
}

}  // namespace

std::optional<Date> Date::from_ymd(int year, int month, int day) {
  if (year < 1900 || year > 2999 || month < 1 || month > 12) return std::nullopt;
  if (day < 1 || day > days_in_month(year, month)) return std::nullopt;
  return Date(year, month, day);
}

std::optional<Date> Date::parse(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  int y = 0;
  int m = 0;
  int d = 0;
  if (!read_number(text.substr(0, 4), y) || !read_number(text.substr(5, 2), m) ||
      !read_number(text.substr(8, 2), d)) {
    return std::nullopt;
  }
  return from_ymd(y, m, d);
}

std::string Date::to_string() const {
  std::string out;
  out.reserve(10);
  append_padded(out, year_, 4);
  out += '-';
  append_padded(out, month_, 2);
  out += '-';
  append_padded(out, day_, 2);
  return out;
}

}  // namespace onestop
