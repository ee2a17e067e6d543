// The certifications CSV (domain.md §3.6): RFC 4180 records, one check per column, then
// overlaps of one person's ranges for one disease.
#include <algorithm>
#include <array>
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

constexpr std::array<std::string_view, 4> kColumns = {"patient_id", "disease", "valid_from",
                                                      "valid_to"};
constexpr std::size_t kMaxRows = 2'000'000;  // as the roster's

// The checks of one row; each failure is recorded with the row's line and the column.
class RowChecker {
 public:
  RowChecker(std::size_t line, const std::vector<std::string>& known_diseases,
             std::vector<RosterRowError>& errors)
      : line_(line), known_(known_diseases), errors_(errors) {}

  Certification read(const CsvRecord& record) {
    Certification c;
    if (!record.defect.empty()) {
      fail("row", record.defect);
      return c;
    }
    if (record.fields.size() != kColumns.size()) {
      fail("row", "expected " + std::to_string(kColumns.size()) + " columns, found " +
                      std::to_string(record.fields.size()));
      return c;
    }
    bool utf8 = true;
    for (std::size_t i = 0; i < kColumns.size(); ++i) {
      if (codec::valid_utf8(record.fields[i])) continue;
      fail(kColumns[i], "not valid UTF-8");
      utf8 = false;
    }
    if (!utf8) return c;
    c.patient_id = record.fields[0];
    c.disease = record.fields[1];
    check_patient_id(c.patient_id);
    check_disease(c.disease);
    read_dates(record.fields[2], record.fields[3], c);
    return c;
  }

 private:
  void fail(std::string_view column, std::string message) {
    errors_.push_back({line_, std::string(column), std::move(message)});
  }

  void check_patient_id(const std::string& id) {
    if (id.empty()) return fail("patient_id", "empty");
    if (id.size() > limits::kIdLength) return fail("patient_id", "longer than 64 bytes");
    if (id.front() == ' ' || id.back() == ' ') fail("patient_id", "spaces at either end");
  }

  // One of the policies' special diseases (any, when none are given).
  void check_disease(const std::string& disease) {
    if (disease.empty()) return fail("disease", "empty");
    if (known_.empty() || std::find(known_.begin(), known_.end(), disease) != known_.end()) {
      return;
    }
    std::string list;
    for (const auto& k : known_) list += (list.empty() ? "" : ", ") + k;
    fail("disease",
         "unknown special disease '" + disease.substr(0, 64) + "' (known: " + list + ")");
  }

  void read_dates(const std::string& from, const std::string& to, Certification& c) {
    const auto valid_from = Date::parse(from);
    if (from.empty()) {
      fail("valid_from", "empty");
    } else if (!valid_from) {
      fail("valid_from", "'" + from.substr(0, 32) + "' is not a date (YYYY-MM-DD)");
    }
    if (valid_from) c.valid_from = *valid_from;
    if (to.empty()) return;
    const auto valid_to = Date::parse(to);
    if (!valid_to) return fail("valid_to", "'" + to.substr(0, 32) + "' is not a date (YYYY-MM-DD)");
    c.valid_to = *valid_to;
    if (valid_from && *valid_to < *valid_from) fail("valid_to", "before valid_from " + from);
  }

  std::size_t line_;
  const std::vector<std::string>& known_;
  std::vector<RosterRowError>& errors_;
};

std::string range_text(const Certification& c) {
  return c.valid_from.to_string() + ".." + (c.valid_to ? c.valid_to->to_string() : "");
}

// Sorted by (person, disease, start), a row overlaps an earlier-starting range of its key
// exactly when it starts on or before the latest end so far; each such row is reported and
// dropped. O(n log n).
void check_overlaps(CertificationParse& out, const std::vector<std::size_t>& lines) {
  std::vector<std::size_t> order(out.entries.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  const auto key = [&](std::size_t i) {
    const Certification& c = out.entries[i];
    return std::tie(c.patient_id, c.disease, c.valid_from);
  };
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return key(a) < key(b); });
  std::vector<bool> bad(order.size(), false);
  std::size_t reach = 0;  // the entry of the current key that ends last so far
  for (std::size_t k = 0; k < order.size(); ++k) {
    const std::size_t cur = order[k];
    const Certification& c = out.entries[cur];
    const bool same_key = k > 0 && out.entries[reach].patient_id == c.patient_id &&
                          out.entries[reach].disease == c.disease;
    if (!same_key) {
      reach = cur;
      continue;
    }
    const Certification& r = out.entries[reach];
    if (!r.valid_to || *r.valid_to >= c.valid_from) {
      bad[cur] = true;
      out.errors.push_back({lines[cur], "valid_from",
                            "the certification " + range_text(c) + " of " + c.patient_id + " for " +
                                c.disease + " overlaps the one on line " +
                                std::to_string(lines[reach])});
    }
    if (r.valid_to && (!c.valid_to || *c.valid_to > *r.valid_to)) reach = cur;
  }
  std::vector<Certification> kept;
  for (std::size_t i = 0; i < out.entries.size(); ++i) {
    if (!bad[i]) kept.push_back(std::move(out.entries[i]));
  }
  out.entries = std::move(kept);
}

}  // namespace

CertificationParse parse_certifications_csv(std::string_view text,
                                            const std::vector<std::string>& known_diseases) {
  CertificationParse out;
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);  // a UTF-8 byte-order mark
  CsvReader reader(text);
  if (reader.done()) {
    out.errors.push_back(
        {1, "header", "the file is empty; expected the header " + codec::header_text(kColumns)});
    return out;
  }
  const CsvRecord header = reader.next();
  if (!header.defect.empty() || header.fields.size() != kColumns.size() ||
      !std::equal(kColumns.begin(), kColumns.end(), header.fields.begin())) {
    out.errors.push_back(
        {header.line, "header", "expected the header " + codec::header_text(kColumns)});
    return out;
  }
  std::vector<std::size_t> lines;
  std::size_t rows = 0;
  while (!reader.done()) {
    const CsvRecord record = reader.next();
    if (record.is_blank()) continue;
    if (++rows > kMaxRows) {
      out.errors.push_back({record.line, "row", "more than 2000000 rows"});
      break;
    }
    const std::size_t errors_before = out.errors.size();
    Certification c = RowChecker(record.line, known_diseases, out.errors).read(record);
    if (out.errors.size() != errors_before) continue;
    out.entries.push_back(std::move(c));
    lines.push_back(record.line);
  }
  check_overlaps(out, lines);
  std::stable_sort(out.errors.begin(), out.errors.end(),
                   [](const auto& a, const auto& b) { return a.line < b.line; });
  return out;
}

}  // namespace onestop::store
