// The medical-insurance catalogue (医保目录): what the platform, not the hospital, says about an
// item — its class, fee category, unit price ceiling and pay-first share (issue 12).
//
// config/catalogue/ holds the versions as data, one CSV file per version (UTF-8, an optional
// byte order mark, RFC 4180), with the header
//   code,name,class,item_type,price_cap,self_pay_ratio,valid_from,valid_to
// class is A/B/C (national chrgitm_lv 01/02/03), item_type the national med_chrgitm_type (1 to 6
// letters or digits, e.g. "09"), price_cap a unit price ceiling in yuan with at most six
// decimals ("" = none), self_pay_ratio the pay-first share of a class B item ("" = the
// policy's b_share; only class B may have one), valid_from / valid_to "YYYY-MM-DD" (valid_to
// inclusive, "" = open-ended). A code may appear many times across the versions, but never
// with two rows in force on a common day.
//
// Loading checks every row and reports every defect with its file, line and column; a
// catalogue with any defect is refused whole, so a half-read catalogue never prices a bill.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/claim.hpp"
#include "engine/date.hpp"
#include "engine/error.hpp"
#include "engine/money.hpp"

namespace onestop::catalogue {

inline constexpr std::string_view kHeader =
    "code,name,class,item_type,price_cap,self_pay_ratio,valid_from,valid_to";
inline constexpr std::size_t kCodeBytes = 50;  // med_list_codg C 50
inline constexpr std::size_t kNameBytes = 200;
inline constexpr std::size_t kFileBytes = 64 << 20;
inline constexpr std::size_t kDefectsShown = 50;  // in the load error's message

// Exact decimals as scaled integers: quantities carry four decimals (cnt N(16,4)), unit prices
// and ceilings six (pric N(16,6)).
inline constexpr int kQuantityScale = 4;
inline constexpr int kPriceScale = 6;

// The value of a decimal text ("12", "-3.5", "0.000001") times 10^scale, or nullopt when the
// text is not [-]digits[.digits] with at most `scale` decimals and kWholeDigits integer digits
// (no exponent, no '+', no spaces). Never goes through binary floating point. kWholeDigits keeps
// a quantity × price product far inside the checked 128-bit range.
inline constexpr std::size_t kWholeDigits = 11;
std::optional<Int128> parse_scaled(std::string_view text, int scale);

// The text of a scaled value with exactly `decimals` decimals (decimals <= scale; the dropped
// digits must be zero, which callers ensure): format_scaled(1234500, 6, 4) = "1.2345".
std::string format_scaled(const Int128& value, int scale, int decimals);

// One catalogue row.
struct Entry {
  std::string code;
  std::string name;
  ItemClass item_class = ItemClass::A;
  std::string item_type;               // med_chrgitm_type
  std::optional<Int128> price_cap;     // yuan × 10^kPriceScale; nullopt: no ceiling
  std::optional<Rate> self_pay_ratio;  // class B only
  Date valid_from;
  std::optional<Date> valid_to;  // inclusive
  std::string version;           // the file's name without ".csv"
  std::size_t line = 0;

  bool in_force_on(const Date& d) const { return valid_from <= d && (!valid_to || d <= *valid_to); }
};

// A defect of a catalogue file: where (1-based line and column; column 0 = the whole row) and
// why.
struct Defect {
  std::string file;
  std::size_t line = 0;
  std::size_t column = 0;
  std::string message;

  std::string text() const;  // "file:line:column: message"
};

// One version file's rows, or its defects. `file` names it in defects; `version` is stored in
// each entry.
struct ParsedVersion {
  std::vector<Entry> entries;
  std::vector<Defect> defects;
};
ParsedVersion parse_version(std::string_view csv, const std::string& file,
                            const std::string& version);

// A catalogue line priced (domain.md §2 in the catalogue's terms): the engine item and the
// national per-line values.
struct PricedLine {
  Item item;  // code, the catalogue's name, class, amount, over_limit, self_pay_ratio
  const Entry* entry = nullptr;
  Money amount;      // quantity × unit price, rounded half up to the fen
  Money over_limit;  // (unit price − cap) × quantity when the price is above the cap
};

class Catalogue {
 public:
  // Every *.csv file of `dir` (not recursively), in file-name order. Errors:
  //   file_error     dir is not a readable directory, or a file cannot be read
  //   empty          no *.csv file in it
  //   bad_catalogue  one or more defects (field: "file:line:column" of the first; the message
  //                  lists them all, up to kDefectsShown, with their count)
  static Result<Catalogue> load_dir(const std::string& dir);

  // From version texts already read (tests): pairs of file name and content.
  static Result<Catalogue> from_texts(
      const std::vector<std::pair<std::string, std::string>>& files);

  // The row for `code` in force on `on`, or nullptr.
  const Entry* find(std::string_view code, const Date& on) const;

  // Prices `quantity` (× 10^kQuantityScale, may be negative for a refund) of `code` at
  // `unit_price` (× 10^kPriceScale, not negative) on `on`. unknown_catalogue_code (field
  // `field`, the message naming `item`) when no row of the code is in force that day.
  Result<PricedLine> price(std::string_view code, const Int128& quantity, const Int128& unit_price,
                           const Date& on, std::string_view field, std::string_view item) const;

  // Lowercase hex SHA-256 over the versions' names and hashes: changes with any file.
  const std::string& sha256() const { return sha256_; }
  std::size_t size() const { return entries_.size(); }

  struct Version {
    std::string id;
    std::string sha256;  // of the file's bytes
    std::size_t rows = 0;
  };
  const std::vector<Version>& versions() const { return versions_; }

 private:
  std::vector<Entry> entries_;  // sorted by code, then valid_from
  std::vector<Version> versions_;
  std::string sha256_;
};

}  // namespace onestop::catalogue
