// The local days of the reports (reports.hpp), whatever engine keeps the records.
#include "adapters/store/reports.hpp"

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <ctime>

namespace onestop::store {

using std::chrono::days;
using std::chrono::minutes;
using std::chrono::sys_days;
using std::chrono::sys_time;

namespace {

// Digits of `text` from `at`, `count` of them, as a number; -1 when one is not a digit.
int digits(std::string_view text, std::size_t at, std::size_t count) {
  int value = 0;
  for (std::size_t i = at; i < at + count; ++i) {
    if (i >= text.size() || text[i] < '0' || text[i] > '9') return -1;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

// "YYYY-MM-DD" of a day.
std::string day_text(sys_days day) {
  const std::chrono::year_month_day ymd{day};
  char text[32];
  std::snprintf(text, sizeof text, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return text;
}

}  // namespace

std::string utc_now() {
  using std::chrono::duration_cast;
  using std::chrono::milliseconds;
  const auto since_epoch = std::chrono::system_clock::now().time_since_epoch();
  const std::int64_t ms = duration_cast<milliseconds>(since_epoch).count();
  const std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[96];  // room for any int the format could see, so it can never be cut short
  std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900,
                utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                static_cast<int>(ms % 1000));
  return text;
}

std::optional<std::string> local_day(std::string_view recorded_at, int utc_offset_minutes) {
  const int year = digits(recorded_at, 0, 4);
  const int month = digits(recorded_at, 5, 2);
  const int day = digits(recorded_at, 8, 2);
  const int hour = digits(recorded_at, 11, 2);
  const int minute = digits(recorded_at, 14, 2);
  if (year < 0 || month < 0 || day < 0 || hour < 0 || hour > 23 || minute < 0 || minute > 59 ||
      recorded_at[4] != '-' || recorded_at[7] != '-' || recorded_at[10] != 'T' ||
      recorded_at[13] != ':') {
    return std::nullopt;
  }
  const std::chrono::year_month_day ymd{std::chrono::year{year},
                                        std::chrono::month{static_cast<unsigned>(month)},
                                        std::chrono::day{static_cast<unsigned>(day)}};
  if (!ymd.ok()) return std::nullopt;
  const sys_time<minutes> local =
      sys_days{ymd} + minutes(hour * 60 + minute) + minutes(utc_offset_minutes);
  return day_text(std::chrono::floor<days>(local));
}

std::string local_day_start_utc(const Date& day, int utc_offset_minutes) {
  const sys_days local{std::chrono::year{day.year()} / static_cast<int>(day.month()) / day.day()};
  const sys_time<minutes> utc = local - minutes(utc_offset_minutes);
  const sys_days utc_day = std::chrono::floor<days>(utc);
  const auto since_midnight = (utc - utc_day).count();
  char text[64];
  std::snprintf(text, sizeof text, "%sT%02d:%02d:00.000Z", day_text(utc_day).c_str(),
                static_cast<int>(since_midnight / 60), static_cast<int>(since_midnight % 60));
  return text;
}

}  // namespace onestop::store
