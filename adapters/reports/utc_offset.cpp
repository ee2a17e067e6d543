#include "adapters/reports/utc_offset.hpp"

#include <cstdio>
#include <cstdlib>

namespace onestop::reports {
namespace {

constexpr int kMaxMinutes = 14 * 60;

// Two ASCII digits at `text[at]`, or -1.
int two_digits(std::string_view text, std::size_t at) {
  const char a = text[at];
  const char b = text[at + 1];
  if (a < '0' || a > '9' || b < '0' || b > '9') return -1;
  return (a - '0') * 10 + (b - '0');
}

}  // namespace

std::optional<int> parse_utc_offset(std::string_view text) {
  if (text == "Z") return 0;
  if (text.size() != 6 || (text[0] != '+' && text[0] != '-') || text[3] != ':') {
    return std::nullopt;
  }
  const int hours = two_digits(text, 1);
  const int minutes = two_digits(text, 4);
  if (hours < 0 || minutes < 0 || minutes > 59) return std::nullopt;
  const int total = hours * 60 + minutes;
  if (total > kMaxMinutes) return std::nullopt;
  return text[0] == '-' ? -total : total;
}

std::string format_utc_offset(int minutes) {
  char text[16];
  const int magnitude = std::abs(minutes);
  std::snprintf(text, sizeof text, "%c%02d:%02d", minutes < 0 ? '-' : '+', magnitude / 60,
                magnitude % 60);
  return text;
}

}  // namespace onestop::reports
