#include "engine/money.hpp"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <stdexcept>

namespace onestop {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Digits only, no leading zero unless the whole part is "0"; at most `max_len` digits, which
// the caller chooses so that the value fits in `Int` (std::int64_t: 18 digits at most).
template <typename Int>
bool parse_whole(std::string_view s, std::size_t max_len, Int& out) {
  if (s.empty() || s.size() > max_len) return false;
  if (s.size() > 1 && s[0] == '0') return false;
  Int v = 0;
  for (char c : s) {
    if (!is_digit(c)) return false;
    v = v * 10 + (c - '0');
  }
  out = v;
  return true;
}

const Int128 kUnitsPerFen = Int128(Exact::kPerFen);

}  // namespace

std::optional<Rounding> parse_rounding(std::string_view text) {
  if (text == "half_up") return Rounding::half_up;
  if (text == "half_even") return Rounding::half_even;
  if (text == "down") return Rounding::down;
  if (text == "up") return Rounding::up;
  return std::nullopt;
}

std::string_view to_string(Rounding mode) {
  switch (mode) {
    case Rounding::half_up: return "half_up";
    case Rounding::half_even: return "half_even";
    case Rounding::down: return "down";
    case Rounding::up: return "up";
  }
  return "?";
}

std::optional<Money> Money::parse(std::string_view text) {
  bool negative = !text.empty() && text[0] == '-';
  if (negative) text.remove_prefix(1);
  const auto dot = text.find('.');
  if (dot == std::string_view::npos || text.size() - dot != 3) return std::nullopt;
  const auto f = text.substr(dot + 1);
  if (!is_digit(f[0]) || !is_digit(f[1])) return std::nullopt;
  const int frac = (f[0] - '0') * 10 + (f[1] - '0');
  const std::string_view whole_text = text.substr(0, dot);
  // Up to 16 whole digits (every amount within the limits), the fen fit in 64 bits too: no
  // checked 128-bit steps.
  if (std::int64_t whole = 0; whole_text.size() <= 16) {
    if (!parse_whole(whole_text, 16, whole)) return std::nullopt;
    const std::int64_t fen = whole * 100 + frac;
    return Money::from_fen(negative ? -fen : fen);
  }
  Int128 whole;
  // 20 whole digits keep every parsed amount far inside 128 bits.
  if (!parse_whole(whole_text, 20, whole)) return std::nullopt;
  Int128 fen = whole * 100 + frac;
  return Money(negative ? Int128(-fen) : fen);
}

std::int64_t Money::fen_i64() const {
  if (fen_ > INT64_MAX || fen_ < INT64_MIN) throw std::overflow_error("amount exceeds int64 fen");
  return fen_.convert_to<std::int64_t>();
}

std::string Money::to_string() const {
  std::string out;
  append_to(out);
  return out;
}

void Money::append_to(std::string& out) const {
  // Every amount within the limits fits in int64; format those without Boost's generic str().
  if (fen_ >= INT64_MIN / 2 && fen_ <= INT64_MAX / 2) {
    const std::int64_t fen = fen_.convert_to<std::int64_t>();
    const std::uint64_t a =
        fen < 0 ? static_cast<std::uint64_t>(-fen) : static_cast<std::uint64_t>(fen);
    char buf[32];
    char* end = buf;
    if (fen < 0) *end++ = '-';
    end = std::to_chars(end, buf + sizeof buf, a / 100).ptr;
    *end++ = '.';
    *end++ = static_cast<char>('0' + a % 100 / 10);
    *end++ = static_cast<char>('0' + a % 10);
    out.append(buf, end);
    return;
  }
  const Int128 a = fen_ < 0 ? Int128(-fen_) : fen_;
  const int frac = (a % 100).convert_to<int>();
  if (fen_ < 0) out += '-';
  out += Int128(a / 100).str();
  out += '.';
  out += static_cast<char>('0' + frac / 10);
  out += static_cast<char>('0' + frac % 10);
}

Exact Money::operator*(const Rate& r) const {
  // fen × micro is in units of 1e-6 fen; Exact counts 1e-12 fen.
  return Exact::from_units(fen_ * r.micro() * Rate::kScale);
}

Exact Money::exact() const { return Exact::from_units(fen_ * kUnitsPerFen); }

std::optional<Rate> Rate::parse(std::string_view text) {
  const auto dot = text.find('.');
  const auto whole_text = text.substr(0, dot);
  Int128 whole;
  if (!parse_whole(whole_text, 12, whole)) return std::nullopt;
  std::int64_t micro = whole.convert_to<std::int64_t>() * kScale;
  if (dot != std::string_view::npos) {
    const auto f = text.substr(dot + 1);
    if (f.empty() || f.size() > 6) return std::nullopt;
    std::int64_t frac = 0;
    for (char c : f) {
      if (!is_digit(c)) return std::nullopt;
      frac = frac * 10 + (c - '0');
    }
    for (std::size_t i = f.size(); i < 6; ++i) frac *= 10;
    micro += frac;
  }
  return Rate(micro);
}

std::string Rate::to_string() const {
  std::string out;
  append_to(out);
  return out;
}

void Rate::append_to(std::string& out) const {
  if (micro_ < 0) {  // outside every rule's range; the plain form of old
    const std::int64_t frac = micro_ % kScale;
    std::string digits = std::to_string(frac);
    digits.insert(0, 6 - std::min<std::size_t>(6, digits.size()), '0');
    while (digits.back() == '0') digits.pop_back();
    out += std::to_string(micro_ / kScale);
    if (frac != 0) out += "." + digits;
    return;
  }
  char buf[32];
  char* end = std::to_chars(buf, buf + sizeof buf, micro_ / kScale).ptr;
  std::int64_t frac = micro_ % kScale;
  if (frac != 0) {
    *end++ = '.';
    for (std::int64_t digit = kScale / 10; frac != 0; digit /= 10) {
      *end++ = static_cast<char>('0' + frac / digit);
      frac %= digit;
    }
  }
  out.append(buf, end);
}

Rate Rate::clamp01(std::int64_t micro) {
  if (micro < 0) return Rate(0);
  if (micro > kScale) return Rate(kScale);
  return Rate(micro);
}

Exact Exact::operator*(const Rate& r) const {
  const Int128 product = units_ * r.micro();
  // Exact stays exact: a product off the 1e-12 fen grid is a programming error.
  if (product % Rate::kScale != 0) throw std::logic_error("Exact × Rate is not exact");
  return Exact(product / Rate::kScale);
}

std::string Exact::to_string() const {
  std::string out;
  append_to(out);
  return out;
}

void Exact::append_to(std::string& out) const {
  // units of 1e-12 fen = 1e-14 yuan; print the shortest exact decimal, at least two decimals.
  constexpr std::uint64_t kPerYuan = static_cast<std::uint64_t>(kPerFen) * 100;
  if (units_ >= -INT64_MAX && units_ <= INT64_MAX) {  // up to 92 233 yuan: no Boost str()
    const std::int64_t units = units_.convert_to<std::int64_t>();
    const std::uint64_t a =
        units < 0 ? static_cast<std::uint64_t>(-units) : static_cast<std::uint64_t>(units);
    char buf[48];
    char* end = buf;
    if (units < 0) *end++ = '-';
    end = std::to_chars(end, buf + sizeof buf, a / kPerYuan).ptr;
    *end++ = '.';
    std::uint64_t frac = a % kPerYuan;
    int digits = 0;
    for (std::uint64_t digit = kPerYuan / 10; digit != 0 && (digits < 2 || frac != 0);
         digit /= 10, ++digits) {
      *end++ = static_cast<char>('0' + frac / digit);
      frac %= digit;
    }
    out.append(buf, end);
    return;
  }
  const Int128 a = units_ < 0 ? Int128(-units_) : units_;
  const Int128 per_yuan = kUnitsPerFen * 100;
  std::string frac = Int128(a % per_yuan).str();
  frac.insert(0, 14 - frac.size(), '0');
  while (frac.size() > 2 && frac.back() == '0') frac.pop_back();
  if (units_ < 0) out += '-';
  out += Int128(a / per_yuan).str();
  out += '.';
  out += frac;
}

Money round(const Exact& value, Rounding mode) {
  const Int128& u = value.units();
  Int128 q = u / kUnitsPerFen;  // truncates toward zero
  const Int128 r = u % kUnitsPerFen;
  if (r == 0) return Money::from_fen(q);
  const Int128 twice = (r < 0 ? Int128(-r) : r) * 2;
  const int away = u < 0 ? -1 : 1;
  bool round_away = false;
  switch (mode) {
    case Rounding::half_up: round_away = twice >= kUnitsPerFen; break;
    case Rounding::half_even:
      round_away = twice > kUnitsPerFen || (twice == kUnitsPerFen && q % 2 != 0);
      break;
    case Rounding::down: round_away = false; break;
    case Rounding::up: round_away = true; break;
  }
  if (round_away) q += away;
  return Money::from_fen(q);
}

}  // namespace onestop
