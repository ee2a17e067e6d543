// Exact money and rates. No binary floating point anywhere: amounts are counts of fen in a
// checked 128-bit integer (overflow throws std::overflow_error), rates are exact decimals with
// up to six fractional digits, and the only way from an exact product back to Money is a
// rounding mode named by the caller.
#pragma once

#include <boost/multiprecision/cpp_int.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace onestop {

using Int128 = boost::multiprecision::checked_int128_t;

// How an exact amount becomes whole fen. half_up is 四舍五入 (ties away from zero).
enum class Rounding { half_up, half_even, down, up };

std::optional<Rounding> parse_rounding(std::string_view text);
std::string_view to_string(Rounding mode);

class Exact;
class Rate;

// An amount of money in fen. Value type; arithmetic is exact and checked.
class Money {
 public:
  Money() = default;
  static Money from_fen(std::int64_t fen) { return Money(Int128(fen)); }
  static Money from_fen(const Int128& fen) { return Money(fen); }
  static Money yuan(std::int64_t y) { return Money(Int128(y) * 100); }

  // Parses "1234.50", "0.05", "-3.00": an optional '-', at least one digit, and exactly two
  // fractional digits. Anything else (more or fewer decimals, exponents, spaces, '+', leading
  // zeros like "01.00") is refused with nullopt; the caller names the field.
  static std::optional<Money> parse(std::string_view text);

  const Int128& fen() const { return fen_; }
  // Precondition: the amount fits in int64 (true for every amount within the limits).
  std::int64_t fen_i64() const;
  std::string to_string() const;           // "1234.50", "-3.00"
  void append_to(std::string& out) const;  // appends to_string()

  bool is_negative() const { return fen_ < 0; }
  bool is_zero() const { return fen_ == 0; }

  Money operator+(const Money& o) const { return Money(fen_ + o.fen_); }
  Money operator-(const Money& o) const { return Money(fen_ - o.fen_); }
  Money operator-() const { return Money(-fen_); }
  Money& operator+=(const Money& o) { fen_ += o.fen_; return *this; }
  Money& operator-=(const Money& o) { fen_ -= o.fen_; return *this; }
  auto operator<=>(const Money& o) const { return fen_.compare(o.fen_) <=> 0; }
  bool operator==(const Money& o) const { return fen_ == o.fen_; }

  Exact operator*(const Rate& r) const;
  Exact exact() const;

 private:
  explicit Money(Int128 fen) : fen_(std::move(fen)) {}
  Int128 fen_ = 0;
};

inline Money min(const Money& a, const Money& b) { return b < a ? b : a; }
inline Money max(const Money& a, const Money& b) { return a < b ? b : a; }

// An exact decimal in [0, 1e12) with up to six fractional digits, e.g. 0.65 or 0.000001.
// Rates are never negative; differences that would go below zero are clamped by the rule that
// computes them (see clamp01).
class Rate {
 public:
  static constexpr std::int64_t kScale = 1'000'000;  // micro-units per 1

  Rate() = default;
  static Rate from_micro(std::int64_t micro) { return Rate(micro); }
  static Rate one() { return Rate(kScale); }
  static Rate zero() { return Rate(0); }

  // Parses "0.65", "1", "0.000001": digits, an optional '.' and 1..6 digits. No sign, exponent
  // or spaces.
  static std::optional<Rate> parse(std::string_view text);

  std::int64_t micro() const { return micro_; }
  std::string to_string() const;           // shortest exact form: "0.65", "1", "0"
  void append_to(std::string& out) const;  // appends to_string()

  // Signed arithmetic on micro-units; clamp01 brings a result back into [0, 1].
  static Rate clamp01(std::int64_t micro);
  auto operator<=>(const Rate&) const = default;

 private:
  explicit Rate(std::int64_t micro) : micro_(micro) {}
  std::int64_t micro_ = 0;
};

// An exact intermediate amount in units of 1e-12 fen: Money × Rate × Rate is representable
// without loss. It can be added and compared, and becomes Money only through round().
class Exact {
 public:
  static constexpr std::int64_t kPerFen = 1'000'000'000'000;

  Exact() = default;
  static Exact from_units(Int128 units) { return Exact(std::move(units)); }
  const Int128& units() const { return units_; }

  Exact operator+(const Exact& o) const { return Exact(units_ + o.units_); }
  Exact operator-(const Exact& o) const { return Exact(units_ - o.units_); }
  Exact& operator+=(const Exact& o) { units_ += o.units_; return *this; }
  Exact operator*(const Rate& r) const;  // exact only if the result stays on the 1e-12 grid
  auto operator<=>(const Exact& o) const { return units_.compare(o.units_) <=> 0; }
  bool operator==(const Exact& o) const { return units_ == o.units_; }

  // The exact value as text in yuan with all needed decimals, e.g. "326.625" (for traces).
  std::string to_string() const;
  void append_to(std::string& out) const;  // appends to_string()

 private:
  explicit Exact(Int128 units) : units_(std::move(units)) {}
  Int128 units_ = 0;
};

// The only way from Exact to Money.
Money round(const Exact& value, Rounding mode);

}  // namespace onestop
