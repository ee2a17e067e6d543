// A calendar date (proleptic Gregorian). Time is an input to the engine, never read from a clock.
#pragma once

#include <compare>
#include <optional>
#include <string>
#include <string_view>

namespace onestop {

class Date {
 public:
  Date() = default;
  // nullopt unless the date exists (month 1..12, day within the month, year 1900..2999).
  static std::optional<Date> from_ymd(int year, int month, int day);
  // Parses exactly "YYYY-MM-DD".
  static std::optional<Date> parse(std::string_view text);

  int year() const { return year_; }
  int month() const { return month_; }
  int day() const { return day_; }
  std::string to_string() const;

  auto operator<=>(const Date&) const = default;

 private:
  Date(int y, int m, int d) : year_(y), month_(m), day_(d) {}
  int year_ = 1970;
  int month_ = 1;
  int day_ = 1;
};

}  // namespace onestop
