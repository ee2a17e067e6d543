// The office report on paper and in spreadsheets: one self-contained HTML page (no scripts, no
// external resources) with inline SVG charts generated here, and CSV files of the same numbers.
// Every number a chart draws is also in its element's data-* attributes and <title> tooltip, in
// the same text as the CSV, so a test (or an auditor) can tie the page to the files.
//
// Files written to the output directory:
//   report.html           summary, layers, months (stacked bars), histogram, flags, chain check
//   summary.csv           metric,value  (year, category, persons, admissions, ..., chain)
//   layers.csv            layer,fund,paid,share_percent        (share of the medical total)
//   visits.csv            visit,special_disease,clr_type,live,medical_total,basic_paid,...
//                         (admissions and each disease's outpatient visits side by side)
//   monthly.csv           month,fund,amount,share_percent      (fund "patient": patient pays;
//                                                               share of the month's total)
//   ratio_histogram.csv   bucket,from_percent,to_percent,persons
//   flags.csv             flag,scope,patient_id,record_id,hospital_id,bill_no
//                         (scope "person" or "settlement")
#pragma once

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>

#include "adapters/backend/backend.hpp"
#include "adapters/policy/policy_loader.hpp"
#include "adapters/reports/audit.hpp"
#include "adapters/store/verify.hpp"
#include "engine/error.hpp"

namespace onestop::reports {

// The outcome of the tamper check the report states (backend::verify_ledger).
struct ChainCheck {
  bool ran = false;  // false: the check could not run (`error` says why)
  std::int64_t records = 0;
  std::int64_t last_id = 0;
  std::int64_t differences = 0;
  std::string first_difference;  // "record ID: what"
  std::string error;

  bool verified() const { return ran && differences == 0; }
  // "chain verified up to record N (N records)", or what failed.
  std::string text() const;
};

// Re-settles a stored settlement as verify needs it: its claim under the policy it names,
// which must still have the content hash it was settled under.
store::Resettle resettle_with(const policy::PolicySet& policies);

// Runs backend::verify_ledger on the ledger at `ledger` (reads only).
ChainCheck check_chain(const backend::LedgerUrl& ledger, const policy::PolicySet& policies);

// The report and the check it states, from one walk: verify's, which hands each record of the
// year to the report once it has checked it. One snapshot, and every record read and settled
// again once. A walk that cannot finish fails the report with the check's error.
struct CheckedReport {
  Result<OfficeReport> report;
  ChainCheck chain;
};
CheckedReport build_checked_report(const backend::LedgerUrl& ledger,
                                   const policy::PolicySet& policies, const ReportQuery& query);

// The CSV files (UTF-8 with BOM, CRLF), each from the report alone.
void write_summary_csv(std::ostream& out, const OfficeReport& report, const ChainCheck& chain);
void write_layers_csv(std::ostream& out, const OfficeReport& report);
// visits.csv: visit,special_disease,clr_type,live,medical_total,basic_paid,fund_paid,
// patient_pays — admissions, then each special disease's outpatient visits (domain.md §3.6).
void write_visits_csv(std::ostream& out, const OfficeReport& report);
void write_monthly_csv(std::ostream& out, const OfficeReport& report);
void write_histogram_csv(std::ostream& out, const OfficeReport& report);
void write_flags_csv(std::ostream& out, const OfficeReport& report);

// The HTML page.
std::string report_html(const OfficeReport& report, const ChainCheck& chain);

// Writes report.html and the five CSV files into `dir` (created when missing).
// Errors: file_error (field "out") naming the path that could not be written.
std::optional<Error> write_report_files(const OfficeReport& report, const ChainCheck& chain,
                                        const std::string& dir);

}  // namespace onestop::reports
