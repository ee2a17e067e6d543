// The roster CSV: RFC 4180 records, then one check per column, then overlaps across rows.
#include <algorithm>
#include <array>
#include <map>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "adapters/codec/csv.hpp"
#include "adapters/store/roster.hpp"
#include "engine/limits.hpp"

namespace onestop::store {
namespace {

using codec::CsvReader;
using codec::CsvRecord;
using codec::valid_utf8;

constexpr std::array<std::string_view, 6> kColumns = {"patient_id", "name",       "id_number",
                                                      "category",   "valid_from", "valid_to"};
// Limits of a roster file: a prefecture's roster fits well within them.
constexpr std::size_t kMaxRows = 2'000'000;
constexpr std::size_t kNameBytes = 200;

// Reads the header; false (with the error) unless it is exactly the expected one.
bool read_header(CsvReader& reader, std::vector<RosterRowError>& errors) {
  if (reader.done()) {
    errors.push_back({1, "header", "the file is empty; expected the header " + codec::header_text(kColumns)});
    return false;
  }
  const CsvRecord header = reader.next();
  const bool exact = header.defect.empty() && header.fields.size() == kColumns.size() &&
                     std::equal(kColumns.begin(), kColumns.end(), header.fields.begin());
  if (!exact) errors.push_back({header.line, "header", "expected the header " + codec::header_text(kColumns)});
  return exact;
}

// The checks of one row; each failure is recorded with the row's line and the column.
class RowChecker {
 public:
  RowChecker(std::size_t line, const std::vector<std::string>& known_categories,
             std::vector<RosterRowError>& errors)
      : line_(line), known_(known_categories), errors_(errors) {}

  // The entry of a sound record; errors are added for each defect found.
  RosterEntry read(const CsvRecord& record) {
    RosterEntry entry;
    if (!record.defect.empty()) {
      fail("row", record.defect);
      return entry;
    }
    if (record.fields.size() != kColumns.size()) {
      fail("row", "expected " + std::to_string(kColumns.size()) + " columns, found " +
                      std::to_string(record.fields.size()));
      return entry;
    }
    bool utf8 = true;
    for (std::size_t i = 0; i < kColumns.size(); ++i) {
      if (valid_utf8(record.fields[i])) continue;
      fail(kColumns[i], "not valid UTF-8");
      utf8 = false;
    }
    if (!utf8) return entry;
    entry.patient_id = record.fields[0];
    entry.name = record.fields[1];
    entry.id_number = record.fields[2];
    entry.category = record.fields[3];
    check_patient_id(entry.patient_id);
    if (entry.name.size() > kNameBytes) fail("name", "longer than 200 bytes");
    check_id_number(entry.id_number);
    check_category(entry.category);
    read_dates(record.fields[4], record.fields[5], entry);
    return entry;
  }

 private:
  // Records one defect of this row.
  void fail(std::string_view column, std::string message) {
    errors_.push_back({line_, std::string(column), std::move(message)});
  }

  // The insurance number the ledger and the hospitals use: compared byte for byte, so no
  // stray spaces.
  void check_patient_id(const std::string& id) {
    if (id.empty()) return fail("patient_id", "empty");
    if (id.size() > limits::kIdLength) return fail("patient_id", "longer than 64 bytes");
    if (id.front() == ' ' || id.back() == ' ') fail("patient_id", "spaces at either end");
  }

  // 身份证号: 17 digits and a check character (digit or X); its checksum is not ours to judge.
  void check_id_number(const std::string& id) {
    if (id.empty()) return fail("id_number", "empty");
    const auto digit = [](char c) { return c >= '0' && c <= '9'; };
    const bool shaped = id.size() == 18 && std::all_of(id.begin(), id.end() - 1, digit) &&
                        (digit(id.back()) || id.back() == 'X' || id.back() == 'x');
    if (!shaped) fail("id_number", "expected 18 characters: 17 digits and a digit or X");
  }

  // One of the policies' categories (any, when none are given).
  void check_category(const std::string& category) {
    if (category.empty()) return fail("category", "empty");
    if (known_.empty() || std::find(known_.begin(), known_.end(), category) != known_.end()) {
      return;
    }
    std::string list;
    for (const auto& k : known_) list += (list.empty() ? "" : ", ") + k;
    fail("category", "unknown category '" + category + "' (known: " + list + ")");
  }

  // valid_from is required; valid_to may be empty (still holds) but not before valid_from.
  void read_dates(const std::string& from, const std::string& to, RosterEntry& entry) {
    const auto valid_from = Date::parse(from);
    if (from.empty())
      fail("valid_from", "empty");
    else if (!valid_from)
      fail("valid_from", "'" + from + "' is not a date (YYYY-MM-DD)");
    if (valid_from) entry.valid_from = *valid_from;
    if (to.empty()) return;
    const auto valid_to = Date::parse(to);
    if (!valid_to) return fail("valid_to", "'" + to + "' is not a date (YYYY-MM-DD)");
    entry.valid_to = *valid_to;
    if (valid_from && *valid_to < *valid_from) fail("valid_to", "before valid_from " + from);
  }

  std::size_t line_;
  const std::vector<std::string>& known_;
  std::vector<RosterRowError>& errors_;
};

// "2020-01-01..2020-06-30" (open-ended: "2020-07-01..").
std::string range_text(const RosterEntry& e) {
  return e.valid_from.to_string() + ".." + (e.valid_to ? e.valid_to->to_string() : "");
}

// True when range a ends later than range b (an open end is the latest).
bool ends_later(const RosterEntry& a, const RosterEntry& b) {
  return !a.valid_to || (b.valid_to && *a.valid_to > *b.valid_to);
}

// The rows of one person, in line order: each row that overlaps a range on an earlier line
// (refused or not) is marked bad and reported, naming one such line. A sweep by start date that
// keeps only the latest-ending range misses a row overlapping a kept range when that latest
// one is itself later in the file, so instead a Fenwick tree over the person's start dates
// holds, per prefix of starts, the earlier range that ends last: [from, to] overlaps an earlier
// range exactly when, among the starts <= to, the latest end is >= from. O(n log n).
void check_person(RosterParse& out, const std::vector<std::size_t>& lines,
                  const std::vector<std::size_t>& rows, std::vector<bool>& bad) {
  constexpr std::size_t kNone = static_cast<std::size_t>(-1);
  std::vector<Date> starts;
  for (const std::size_t i : rows) starts.push_back(out.entries[i].valid_from);
  std::sort(starts.begin(), starts.end());
  starts.erase(std::unique(starts.begin(), starts.end()), starts.end());
  std::vector<std::size_t> tree(starts.size() + 1, kNone);  // 1-based; entry index or kNone
  const auto later = [&](std::size_t a, std::size_t b) {
    return b == kNone || (a != kNone && ends_later(out.entries[a], out.entries[b]));
  };
  for (const std::size_t cur : rows) {
    const auto& a = out.entries[cur];
    // The earlier range that ends last among those starting on or before a's end.
    const auto starts_in =
        a.valid_to ? std::upper_bound(starts.begin(), starts.end(), *a.valid_to) : starts.end();
    std::size_t best = kNone;
    for (auto n = static_cast<std::size_t>(starts_in - starts.begin()); n > 0; n &= n - 1) {
      if (later(tree[n], best)) best = tree[n];
    }
    const bool overlaps = best != kNone && (!out.entries[best].valid_to ||
                                            *out.entries[best].valid_to >= a.valid_from);
    if (overlaps) {
      bad[cur] = true;
      out.errors.push_back({lines[cur], "valid_from",
                            "the range " + range_text(a) + " of " + a.patient_id +
                                " overlaps its range on line " + std::to_string(lines[best])});
    }
    const auto at = std::lower_bound(starts.begin(), starts.end(), a.valid_from);
    for (auto k = static_cast<std::size_t>(at - starts.begin()) + 1; k <= starts.size();
         k += k & (~k + 1)) {
      if (later(cur, tree[k])) tree[k] = cur;
    }
  }
}

// Reports, on the later line, every range that overlaps an earlier range of the same person,
// and drops those rows from the entries. Ranges are inclusive at both ends. The entries are in
// line order.
void check_overlaps(RosterParse& out, const std::vector<std::size_t>& lines) {
  std::vector<std::size_t> order(out.entries.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return out.entries[a].patient_id < out.entries[b].patient_id;
  });
  std::vector<bool> bad(order.size(), false);
  for (std::size_t first = 0; first < order.size();) {
    std::size_t last = first + 1;
    while (last < order.size() &&
           out.entries[order[last]].patient_id == out.entries[order[first]].patient_id) {
      ++last;
    }
    if (last - first > 1) {
      const std::vector<std::size_t> rows(order.begin() + first, order.begin() + last);
      check_person(out, lines, rows, bad);
    }
    first = last;
  }
  std::vector<RosterEntry> kept;
  for (std::size_t i = 0; i < out.entries.size(); ++i) {
    if (!bad[i]) kept.push_back(std::move(out.entries[i]));
  }
  out.entries = std::move(kept);
}

}  // namespace

RosterParse parse_roster_csv(std::string_view text,
                             const std::vector<std::string>& known_categories) {
  RosterParse out;
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);  // a UTF-8 byte-order mark
  CsvReader reader(text);
  if (!read_header(reader, out.errors)) return out;
  std::vector<std::size_t> lines;  // the line of each entry, for the overlap check
  std::size_t rows = 0;
  while (!reader.done()) {
    const CsvRecord record = reader.next();
    if (record.is_blank()) continue;
    if (++rows > kMaxRows) {
      out.errors.push_back({record.line, "row", "more than 2000000 rows"});
      break;
    }
    const std::size_t errors_before = out.errors.size();
    RosterEntry entry = RowChecker(record.line, known_categories, out.errors).read(record);
    if (out.errors.size() != errors_before) continue;
    out.entries.push_back(std::move(entry));
    lines.push_back(record.line);
  }
  check_overlaps(out, lines);
  std::stable_sort(out.errors.begin(), out.errors.end(),
                   [](const auto& a, const auto& b) { return a.line < b.line; });
  return out;
}

}  // namespace onestop::store
