// Synthetic data for demonstrations and for measuring the reports at scale (onestop
// demo-data): a roster of insured persons and a policy year of settlements, generated from a
// seed and sent through the real settlement service, so the ledger holds records exactly as a
// hospital's requests would have made them — each stamped on the day it was settled.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <ostream>
#include <string>
#include <vector>

#include "adapters/service/settlement_service.hpp"
#include "adapters/store/roster.hpp"
#include "engine/date.hpp"
#include "engine/error.hpp"
#include "engine/money.hpp"

namespace onestop::reports {

// What to generate. Everything but `window` and `progress` decides the data: the same options
// give the same roster, the same requests and the same amounts.
struct DemoOptions {
  std::int64_t persons = 200;
  std::int64_t settlements = 1'000;
  int year = 2020;
  std::uint64_t seed = 1;
  int cancel_per_mille = 10;           // about this many of every 1000 settlements are cancelled
  std::size_t window = 64;             // settle and cancel requests in flight at once (threads)
  std::ostream* roster_csv = nullptr;  // also write the roster here (write_roster_csv)
  // The policy's outpatient special diseases (domain.md §3.6); load_demo_data fills it from the
  // policy of the year. Empty: no certified persons and no visits.
  std::vector<std::string> special_diseases;
  // Called after each day with the settlements sent so far and the total.
  std::function<void(std::int64_t done, std::int64_t total)> progress;
};

// What the ledger received.
struct DemoSummary {
  std::int64_t persons = 0;
  std::int64_t roster_rows = 0;
  std::int64_t settlements = 0;       // created
  std::int64_t cancellations = 0;     // created
  std::int64_t refused = 0;           // requests the service refused (none, unless a bug)
  std::vector<Error> first_refusals;  // up to 10, in no particular order
  // Over the settlements net of their cancellations (the live settlements).
  Money medical_total;
  Money fund_paid;
  Money patient_pays;
};

// The ledger's clock while demo data loads: every record is stamped on the day being loaded,
// at 00:00 UTC plus one millisecond per record, which is 08:00 and after on that day in China
// Standard Time (+08:00), so the record falls on the same day in UTC and in local time.
// Thread-safe; hand now() to LedgerOptions::clock.
class DemoClock {
 public:
  // Stamps from now on fall on `day`, starting again at 00:00:00.000 UTC.
  void set_day(const Date& day);
  // "2020-03-12T00:00:01.234Z"; at most 16 hours into the day (then it stays there).
  std::string now();

 private:
  std::mutex mutex_;
  Date day_;
  std::int64_t millis_ = 0;
};

// The synthetic roster: persons P0000001.. with a name, an 18-character ID number (with its
// GB 11643 check character), and one of `categories` from 1 January of `options.year`
// (resident, poor, low_income, extreme_poor weighted 45/30/15/10 when present, any other
// category 5); one poor person in twenty leaves poverty during the year (a second row, as
// resident, when the policy knows resident).
std::vector<store::RosterEntry> demo_roster(const DemoOptions& options,
                                            const std::vector<std::string>& categories);

// The certified persons (认定) of outpatient special diseases: one person in twenty (P…08,
// P…28, ...), for the diseases of options.special_diseases in turn, all year. Empty without
// diseases.
std::vector<store::Certification> demo_certifications(const DemoOptions& options);

// Writes the roster as the CSV `onestop roster import` reads (UTF-8 with BOM, CRLF).
void write_roster_csv(const std::vector<store::RosterEntry>& roster, std::ostream& out);

// Settlement `index` (0-based) as a hospital's settle request (JSON text): discharged on day
// index × days / settlements of the year, at one of `hospitals` (designated ones; weighted by
// level), 2–6 items of classes A/B/C with realistic amounts, some with over_limit. With
// special diseases, every visit_every-th settlement (visit_every = settlements / (12 ×
// certified persons), at least 2) is instead an outpatient special-disease visit of the
// certified persons in turn — about one a month each — at a primary hospital, 1–3 drug items.
// Preconditions: hospitals not empty, options.persons > 0, index < options.settlements.
std::string demo_request(const DemoOptions& options,
                         const std::vector<service::Hospital>& hospitals, std::int64_t index);

// Imports the roster into `roster` and sends every settlement through `service`, a day at a
// time: the clock is set to the day, the day's settlements are sent `window` at a time, each
// person's in order on one thread (so the amounts do not depend on the threads), then about
// cancel_per_mille of them are cancelled — only a person's last settlement of the day, which
// is the latest of the year. Errors: not_empty (field "db": the ledger already holds records),
// no_policy (field "year": no policy in effect all year), no_hospital (no designated hospital),
// bad_option (persons or settlements < 1), the roster's replace_all error.
Result<DemoSummary> load_demo_data(const service::SettlementService& service, store::Roster& roster,
                                   DemoClock& clock, const DemoOptions& options);

}  // namespace onestop::reports
