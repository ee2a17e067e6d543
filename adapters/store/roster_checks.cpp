// What every engine's roster refuses before it touches its database (roster.hpp).
#include <algorithm>
#include <tuple>

#include "adapters/store/roster.hpp"

namespace onestop::store {

// What replace_all refuses before touching the database: an entry without a person, a range
// that ends before it starts, or two overlapping ranges of one person.
std::optional<Error> check_roster(const std::vector<RosterEntry>& entries) {
  std::vector<const RosterEntry*> sorted;
  for (const auto& e : entries) {
    if (e.patient_id.empty()) return Error{"roster_invalid", "patient_id", "empty patient_id"};
    if (e.valid_to && *e.valid_to < e.valid_from) {
      return Error{"roster_invalid", "valid_to",
                   "a range of " + e.patient_id + " ends before it starts"};
    }
    sorted.push_back(&e);
  }
  std::sort(sorted.begin(), sorted.end(), [](const RosterEntry* a, const RosterEntry* b) {
    return std::tie(a->patient_id, a->valid_from) < std::tie(b->patient_id, b->valid_from);
  });
  std::optional<Date> reach;  // the latest end among the earlier ranges of this person
  bool open_ended = false;
  for (std::size_t i = 0; i < sorted.size(); ++i) {
    const RosterEntry& e = *sorted[i];
    if (i == 0 || sorted[i - 1]->patient_id != e.patient_id) {
      reach.reset();
      open_ended = false;
    } else if (open_ended || (reach && *reach >= e.valid_from)) {
      return Error{"roster_overlap", "patient_id", "ranges of " + e.patient_id + " overlap"};
    }
    if (!e.valid_to) open_ended = true;
    if (e.valid_to && (!reach || *e.valid_to > *reach)) reach = e.valid_to;
  }
  return std::nullopt;
}

// What replace_certifications refuses before touching the database (as check_roster).
std::optional<Error> check_certifications(const std::vector<Certification>& entries) {
  std::vector<const Certification*> sorted;
  for (const auto& c : entries) {
    if (c.patient_id.empty() || c.disease.empty()) {
      return Error{"roster_invalid", "patient_id", "a certification without person or disease"};
    }
    if (c.valid_to && *c.valid_to < c.valid_from) {
      return Error{"roster_invalid", "valid_to",
                   "a certification of " + c.patient_id + " ends before it starts"};
    }
    sorted.push_back(&c);
  }
  std::sort(sorted.begin(), sorted.end(), [](const Certification* a, const Certification* b) {
    return std::tie(a->patient_id, a->disease, a->valid_from) <
           std::tie(b->patient_id, b->disease, b->valid_from);
  });
  for (std::size_t i = 1; i < sorted.size(); ++i) {
    const Certification& a = *sorted[i - 1];
    const Certification& b = *sorted[i];
    if (a.patient_id != b.patient_id || a.disease != b.disease) continue;
    if (!a.valid_to || *a.valid_to >= b.valid_from) {
      return Error{"roster_overlap", "patient_id",
                   "certifications of " + b.patient_id + " for " + b.disease + " overlap"};
    }
  }
  return std::nullopt;
}

}  // namespace onestop::store
