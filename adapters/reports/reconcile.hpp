// Reconciliation (issue 4; the national platform's 3201 totals and 3202 details): the ledger's
// totals and details written as a table, CSV, JSON or JSON Lines, and the matching of a
// statement from the other side (a fund or a hospital) against the ledger, bill by bill.
// The writers take an std::ostream so the CLI and the HTTP routes share them.
//
// ## The statement CSV (a contract with the other side)
// UTF-8, RFC 4180 (fields separated by ',', records by CRLF or LF, a field in double quotes may
// hold ',', '"' as "" and line breaks); a leading UTF-8 byte-order mark is allowed and skipped;
// blank lines are skipped. The first record is exactly the header
//
//     hospital_id,bill_no,settled_on,amount,status
//
// and every other record is one bill of one fund (the fund is named by the caller, not the
// file):
//   hospital_id  the hospital's id as the ledger knows it (non-empty, at most 64 bytes)
//   bill_no      the hospital's bill number (non-empty, at most 64 bytes)
//   settled_on   the local day the bill was settled, YYYY-MM-DD (for a cancelled bill too:
//                the day of the settlement, not of its cancellation)
//   amount       that fund's payment for the bill, exactly two decimals, "1234.56", never
//                negative (a cancelled bill keeps the amount it had; its status says it is void)
//   status       settled | cancelled (cancelled: the settlement was reversed by the end of
//                the statement's period)
// A (hospital_id, bill_no) appears at most once. A malformed statement is refused as a whole:
// every bad line is reported (up to kMaxStatementErrors) with its line, the 1-based field number
// and the column name; nothing is matched.
//
// ## Matching (match())
// The ledger side is every settlement of the fund (a record with a layer of the fund, also
// when it paid 0.00) whose local settlement day lies in [from, to], of the hospital when one is
// named; such a bill is cancelled when its cancellation was recorded on or before `to`. The
// statement side is every line (of the hospital when one is named; lines of other hospitals are
// ignored and counted). Bills are matched by (hospital_id, bill_no); each matched pair is
// compared on status, amount and day. A ledger bill whose fund paid 0.00 needs no statement line.
// A cancellation made in the period of a bill settled before `from` belongs to the earlier
// period's statement (where the bill shows as cancelled once re-issued): it is out of scope of
// the match and only counted in `earlier_cancellations`.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/store/ledger.hpp"
#include "adapters/store/reports.hpp"
#include "engine/date.hpp"
#include "engine/money.hpp"
#include "engine/policy.hpp"

namespace onestop::reports {

// ---------------------------------------------------------------------------------------------
// Totals (3201)

// One fund's grand total over the rows of a totals query.
struct FundTotal {
  std::string fund;
  std::int64_t settlements = 0;
  std::int64_t cancellations = 0;
  Money medical_total;
  Money fund_paid;
  Money patient_pays;
};

// The grand totals per fund of `rows`, in order of each fund's first appearance.
std::vector<FundTotal> totals_by_fund(const std::vector<store::TotalRow>& rows);

// An aligned table for a terminal: day, hospital, fund, settlements, cancellations,
// medical_total, fund_paid, patient_pays (amounts right-aligned), then one "total" line per fund.
// Widths count East Asian wide characters as two columns.
void write_totals_table(std::ostream& out, const std::vector<store::TotalRow>& rows);

// CSV for a spreadsheet (BOM, CRLF): the header
// day,hospital_id,fund,settlements,cancellations,medical_total,fund_paid,patient_pays
// and one record per row; no grand totals (a spreadsheet sums).
void write_totals_csv(std::ostream& out, const std::vector<store::TotalRow>& rows);

// One JSON document with amounts as strings "123.45":
// {"from","to","utc_offset","hospital_id"?,"fund"?,"rows":[{"day","hospital_id","fund",
//  "settlements","cancellations","medical_total","fund_paid","patient_pays"}],
//  "totals_by_fund":[{"fund","settlements","cancellations","medical_total","fund_paid",
//  "patient_pays"}]}
// (hospital_id and fund only when the query names them), followed by a newline.
void write_totals_json(std::ostream& out, const store::ReconciliationQuery& query,
                       const std::vector<store::TotalRow>& rows);

// ---------------------------------------------------------------------------------------------
// Details (3202), streamed: each row is written as the ledger's details() visitor hands it over.

// Every fund code of the policies' layers, in layer order, each once (policies in the given
// order): the fund columns of the details CSV.
std::vector<std::string> policy_funds(const std::vector<Policy>& policies);

// Writes details as CSV (BOM, CRLF). The header is
// record_id,kind,cancels,day,recorded_at,hospital_id,bill_no,patient_id,total,fund_paid,
// patient_pays, then "fund:CODE" for each of `funds`, then other_funds; a row has that fund's
// payment in each fund column ("0.00" when the record has no layer of it) and, in other_funds,
// any fund of the record not among `funds` as "CODE=amount" joined by ';' (so no payment is
// ever dropped from the file).
class DetailsCsvWriter {
 public:
  // Writes the BOM and the header.
  DetailsCsvWriter(std::ostream& out, std::vector<std::string> funds);
  void write(const store::DetailRow& row);

 private:
  std::ostream& out_;
  std::vector<std::string> funds_;
};

// One JSON object and a newline (JSON Lines):
// {"record_id","kind","cancels"?,"day","recorded_at","hospital_id","bill_no","patient_id",
//  "total","fund_paid","patient_pays","funds":[{"fund","paid"}]}
void write_detail_jsonl(std::ostream& out, const store::DetailRow& row);

// Streams the details of `query` to `out` as CSV with `funds` as fund columns; returns the
// number of rows. Throws store::LedgerUnavailable when the database fails.
std::int64_t stream_details_csv(store::Ledger& ledger, const store::ReconciliationQuery& query,
                                const std::vector<std::string>& funds, std::ostream& out);
// The same as JSON Lines.
std::int64_t stream_details_jsonl(store::Ledger& ledger, const store::ReconciliationQuery& query,
                                  std::ostream& out);

// ---------------------------------------------------------------------------------------------
// Statements (format above)

inline constexpr std::size_t kMaxStatementErrors = 100;
inline constexpr std::size_t kMaxStatementLines = 5'000'000;

// One bill of a statement.
struct StatementLine {
  std::size_t line = 0;  // where it starts in the file, 1-based
  std::string hospital_id;
  std::string bill_no;
  Date settled_on;
  Money amount;
  bool cancelled = false;
};

// One defect of a statement: line, 1-based field number (0: the record as a whole, e.g. its
// field count) and the column's name ("row" for the record, "header" for the header).
struct StatementError {
  std::size_t line = 0;
  std::size_t column = 0;
  std::string column_name;
  std::string message;
};

struct StatementParse {
  std::vector<StatementLine> lines;    // use only when errors is empty
  std::vector<StatementError> errors;  // in line order, at most kMaxStatementErrors
  bool more_errors = false;            // errors stopped at the cap; the file has more
};

// Parses a whole statement file (format above). Never throws on bad input.
StatementParse parse_statement_csv(std::string_view text);

// "LINE:COLUMN: name: message" (the caller puts "FILE:" in front).
std::string to_string(const StatementError& error);

// ---------------------------------------------------------------------------------------------
// Matching

enum class DifferenceKind {
  missing_in_ledger,            // a statement line with no ledger settlement in the period
  missing_in_statement,         // a ledger bill with a nonzero fund payment and no line
  amount_differs,               // the fund's payment differs
  date_differs,                 // the local settlement day differs
  cancelled_in_ledger_only,     // the ledger cancelled it (by `to`), the statement says settled
  cancelled_in_statement_only,  // the statement says cancelled, the ledger has it settled
};
inline constexpr std::size_t kDifferenceKinds = 6;
std::string_view to_string(DifferenceKind kind);

// One side's view of a bill.
struct BillSide {
  std::string day;  // local settlement day, "YYYY-MM-DD"
  Money amount;     // the fund's payment, positive also when cancelled
  bool cancelled = false;
  std::int64_t record_id = 0;  // ledger side: the settlement record
  std::size_t line = 0;        // statement side: its line in the file
};

// A bill with several differences (say amount and day) appears once per kind.
struct Difference {
  DifferenceKind kind{};
  std::string hospital_id;
  std::string bill_no;
  std::optional<BillSide> ledger;     // absent for missing_in_ledger unless `note` explains
  std::optional<BillSide> statement;  // absent for missing_in_statement
  std::string note;  // e.g. where the ledger has a bill that is missing in the period
};

struct MatchReport {
  std::string fund;
  Date from;
  Date to;
  int utc_offset_minutes = 0;
  std::optional<std::string> hospital_id;

  std::int64_t ledger_bills = 0;      // settlements in the period (zero payments included)
  std::int64_t ledger_cancelled = 0;  // of which cancelled by `to`
  Money ledger_net;                   // Σ fund payment of the bills not cancelled
  std::int64_t statement_lines = 0;   // lines considered (of the hospital, when named)
  std::int64_t statement_cancelled = 0;
  Money statement_net;                         // Σ amount of the lines with status settled
  std::int64_t statement_other_hospitals = 0;  // lines ignored: another hospital than named
  std::int64_t earlier_cancellations = 0;      // cancellations in the period of earlier bills
  Money earlier_cancellations_amount;          // their fund payments (negative)

  std::array<std::int64_t, kDifferenceKinds> counts{};  // per DifferenceKind
  std::vector<Difference> differences;                  // ordered by kind, hospital_id, bill_no

  Money difference() const { return ledger_net - statement_net; }
  bool ties() const { return differences.empty(); }
};

// Matches `statement` (parsed without errors) against the ledger's settlements of query.fund
// in [query.from, query.to] (see the top of this file). Precondition: query.fund is set.
// Memory: the statement in a hash map; the ledger side streams (only differences are kept).
// Throws store::LedgerUnavailable when the database fails.
MatchReport match(store::Ledger& ledger, const store::ReconciliationQuery& query,
                  const std::vector<StatementLine>& statement);

// The report for a terminal: a summary (each side's bills and net, the difference, the count
// per kind, the verdict) and an aligned table of the differences.
void write_match_table(std::ostream& out, const MatchReport& report);

// One JSON document and a newline:
// {"fund","from","to","utc_offset","hospital_id"?,"ties",
//  "ledger":{"bills","cancelled","net"},"statement":{"lines","cancelled","net",
//  "other_hospitals"},"difference","earlier_cancellations":{"count","amount"},
//  "counts":{KIND:n for every kind},
//  "differences":[{"kind","hospital_id","bill_no","ledger"?:{"record_id","day","amount",
//  "status"},"statement"?:{"line","settled_on","amount","status"},"note"?}]}
void write_match_json(std::ostream& out, const MatchReport& report);

}  // namespace onestop::reports
