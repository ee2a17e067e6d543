// Reporting reads of the ledger for the reconciliation jobs, the audit office and what-if
// re-settlement (issue "Reconciliation and audit"). They read committed data only, never write,
// and stream: a visitor sees one row at a time, fetched a page at a time, so a month of a
// city's settlements is never held in memory.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/date.hpp"
#include "engine/money.hpp"

namespace onestop::store {

enum class RecordKind { settlement, cancellation };

// Which calendar days, seen from the district's clock, and whose records.
// A record belongs to the local day of its recorded_at (UTC) shifted by utc_offset_minutes:
// a cancellation counts on the day it was made, not on the day of the settlement it reverses.
struct ReconciliationQuery {
  Date from;                       // first local day, included
  Date to;                         // last local day, included
  int utc_offset_minutes = 0;      // the district's offset from UTC (China Standard Time: 480)
  std::optional<std::string> hospital_id;  // only this hospital's records
  std::optional<std::string> fund;         // only records with a layer paid by this fund
  // Only records of this national clearing type (clr_type): "11" outpatient special-disease
  // visits (domain.md §3.6), "21" admissions.
  std::optional<std::string> clr_type;
};

// The national clearing type of a record: "11" for a visit's, "21" for an admission's.
inline std::string_view clr_type(std::string_view special_disease) {
  return special_disease.empty() ? "21" : "11";
}

// One fund's payment in a record: the sum over the record's layers of that fund.
struct FundAmount {
  std::string fund;
  Money paid;  // negative in a cancellation
};

// One row of the details (the national platform's 3202): a settlement or a cancellation.
struct DetailRow {
  std::int64_t record_id = 0;
  RecordKind kind{};
  std::optional<std::int64_t> cancels;  // a cancellation: the settlement it reverses
  std::string day;                      // local day, "YYYY-MM-DD"
  std::string recorded_at;              // UTC, as stored
  std::string hospital_id;
  std::string bill_no;
  std::string patient_id;
  Money total;  // the bill's medical total; negative in a cancellation
  Money fund_paid;
  Money patient_pays;
  std::string special_disease;    // a visit's disease (clearing type 11); "" for an admission
  std::vector<FundAmount> funds;  // every fund of the record, in layer order (first layer of
                                  // each fund), zero payments included
};

// One row of the totals (the national platform's 3201): per local day × hospital × fund, over
// the records in which the fund has a layer. Cancellations count on their own day and net:
// their amounts are negative.
struct TotalRow {
  std::string day;
  std::string hospital_id;
  std::string fund;
  std::int64_t settlements = 0;
  std::int64_t cancellations = 0;
  Money medical_total;  // Σ record total
  Money fund_paid;      // Σ this fund's payment
  Money patient_pays;   // Σ record patient_pays
};

// The local day ("YYYY-MM-DD") of a stored UTC timestamp ("2020-03-12T08:30:00.123Z") at
// `utc_offset_minutes`; nullopt when the text is not such a timestamp.
std::optional<std::string> local_day(std::string_view recorded_at, int utc_offset_minutes);

// The current UTC time in the ledger's format, "2020-03-12T08:30:00.123Z" (the storage
// adapters' clock; never the engine's).
std::string utc_now();

// The UTC timestamp, in the ledger's format ("2020-03-01T16:00:00.000Z"), at which local day
// `day` begins at `utc_offset_minutes`: the inclusive lower bound of that day's `recorded_at`
// (or access log `at`) texts, and the exclusive upper bound of the day before.
std::string local_day_start_utc(const Date& day, int utc_offset_minutes);

// Which documents a record scan loads besides keys, amounts and layers: claim_json and
// result_json are the bulk of a record, and most reports need neither.
//   none        neither
//   decoded     the claim: a compact record's decoded only (StoredRecord::claim; claim_json
//               left empty, as encoding it is work a re-settlement does not need), another's
//               text as stored
//   claim       the claim's text (and a compact record's claim decoded)
//   settlement  decoded, plus what a report reads of a settlement's result without its wire
//               text: a compact record's Settlement derived again (StoredRecord::settlement;
//               result_json left empty), a format 1 record's stored result_json
//   all         the claim's text and the result's
enum class Documents { none, decoded, claim, settlement, all };

}  // namespace onestop::store
