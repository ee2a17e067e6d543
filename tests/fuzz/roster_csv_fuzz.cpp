// libFuzzer target for the roster CSV (issue 5): store::parse_roster_csv over arbitrary bytes,
// once with the reference policy's categories and once with none (any category). Beyond not
// crashing, the parse must keep the promises of roster.hpp, checked here against a model:
// errors in line order, every kept entry passes the per-column checks, and no person's kept
// ranges overlap (the import would refuse them). The same bytes go through the certifications
// CSV parser (parse_certifications_csv) with the same promises: errors in line order, sound
// rows only, no overlapping ranges of one person and disease.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/store/roster.hpp"
#include "engine/limits.hpp"

namespace {

constexpr std::size_t kMaxInputBytes = 1 << 20;

using onestop::store::RosterEntry;
using onestop::store::RosterParse;

bool sound_entry(const RosterEntry& e, const std::vector<std::string>& known) {
  if (e.patient_id.empty() || e.patient_id.size() > onestop::limits::kIdLength) return false;
  if (e.patient_id.front() == ' ' || e.patient_id.back() == ' ') return false;
  if (e.name.size() > 200 || e.id_number.size() != 18 || e.category.empty()) return false;
  if (!known.empty() && std::find(known.begin(), known.end(), e.category) == known.end()) {
    return false;
  }
  return !e.valid_to || !(*e.valid_to < e.valid_from);
}

// Sorted by start, ranges are pairwise disjoint exactly when each ends before the next starts.
bool ranges_disjoint(const std::vector<RosterEntry>& entries) {
  std::map<std::string, std::vector<const RosterEntry*>> by_person;
  for (const auto& e : entries) by_person[e.patient_id].push_back(&e);
  for (auto& [id, ranges] : by_person) {
    std::sort(ranges.begin(), ranges.end(), [](const RosterEntry* a, const RosterEntry* b) {
      return a->valid_from < b->valid_from;
    });
    for (std::size_t i = 1; i < ranges.size(); ++i) {
      const auto& end = ranges[i - 1]->valid_to;
      if (!end || !(*end < ranges[i]->valid_from)) return false;
    }
  }
  return true;
}

void check(const RosterParse& parse, const std::vector<std::string>& known) {
  for (std::size_t i = 0; i < parse.errors.size(); ++i) {
    if (parse.errors[i].line == 0 || parse.errors[i].column.empty()) __builtin_trap();
    if (i > 0 && parse.errors[i].line < parse.errors[i - 1].line) __builtin_trap();
  }
  for (const auto& e : parse.entries) {
    if (!sound_entry(e, known)) __builtin_trap();
  }
  if (!ranges_disjoint(parse.entries)) __builtin_trap();
}

bool sound_certification(const onestop::store::Certification& c,
                         const std::vector<std::string>& known) {
  if (c.patient_id.empty() || c.patient_id.size() > onestop::limits::kIdLength) return false;
  if (c.patient_id.front() == ' ' || c.patient_id.back() == ' ' || c.disease.empty()) return false;
  if (!known.empty() && std::find(known.begin(), known.end(), c.disease) == known.end()) {
    return false;
  }
  return !c.valid_to || !(*c.valid_to < c.valid_from);
}

void check_certifications(const onestop::store::CertificationParse& parse,
                          const std::vector<std::string>& known) {
  for (std::size_t i = 0; i < parse.errors.size(); ++i) {
    if (parse.errors[i].line == 0 || parse.errors[i].column.empty()) __builtin_trap();
    if (i > 0 && parse.errors[i].line < parse.errors[i - 1].line) __builtin_trap();
  }
  std::vector<RosterEntry> as_ranges;  // one "person" per person and disease
  for (const auto& c : parse.entries) {
    if (!sound_certification(c, known)) __builtin_trap();
    RosterEntry e;
    e.patient_id = c.patient_id + '\n' + c.disease;
    e.valid_from = c.valid_from;
    e.valid_to = c.valid_to;
    as_ranges.push_back(std::move(e));
  }
  if (!ranges_disjoint(as_ranges)) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > kMaxInputBytes) return -1;  // -1: not added to the corpus
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  static const std::vector<std::string> kKnown = {"resident", "poor", "low_income", "extreme_poor"};
  static const std::vector<std::string> kAny;
  check(onestop::store::parse_roster_csv(text, kKnown), kKnown);
  check(onestop::store::parse_roster_csv(text, kAny), kAny);
  static const std::vector<std::string> kDiseases = {"severe_mental", "pneumoconiosis",
                                                     "uremia_dialysis", "cancer_treatment"};
  check_certifications(onestop::store::parse_certifications_csv(text, kDiseases), kDiseases);
  check_certifications(onestop::store::parse_certifications_csv(text, kAny), kAny);
  return 0;
}
