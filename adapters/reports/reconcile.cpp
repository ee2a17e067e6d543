// Reconciliation output: totals, details and match reports as a terminal table, CSV, JSON and
// JSON Lines; and the district's local day of a UTC timestamp.
#include "adapters/reports/reconcile.hpp"

#include <algorithm>
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "adapters/codec/csv.hpp"
#include "adapters/codec/json_util.hpp"
#include "adapters/reports/text_table.hpp"
#include "adapters/reports/utc_offset.hpp"

namespace onestop::reports {
namespace {

using codec::CsvWriter;
using codec::JsonWriter;

const char* kind_text(store::RecordKind kind) {
  return kind == store::RecordKind::settlement ? "settlement" : "cancellation";
}

// The members of a fund total or a totals row shared by both JSON shapes.
void amounts_json(JsonWriter& w, std::int64_t settlements, std::int64_t cancellations,
                  const Money& medical, const Money& fund_paid, const Money& patient) {
  w.member("settlements", settlements).member("cancellations", cancellations);
  w.member("medical_total", medical).member("fund_paid", fund_paid);
  w.member("patient_pays", patient);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Totals

std::vector<FundTotal> totals_by_fund(const std::vector<store::TotalRow>& rows) {
  std::vector<FundTotal> out;
  for (const auto& r : rows) {
    auto it =
        std::find_if(out.begin(), out.end(), [&](const FundTotal& t) { return t.fund == r.fund; });
    if (it == out.end()) it = out.insert(out.end(), FundTotal{r.fund, 0, 0, {}, {}, {}});
    it->settlements += r.settlements;
    it->cancellations += r.cancellations;
    it->medical_total += r.medical_total;
    it->fund_paid += r.fund_paid;
    it->patient_pays += r.patient_pays;
  }
  return out;
}

void write_totals_table(std::ostream& out, const std::vector<store::TotalRow>& rows) {
  TextTable table({"day", "hospital", "fund", "settlements", "cancellations", "medical_total",
                   "fund_paid", "patient_pays"},
                  {false, false, false, true, true, true, true, true});
  for (const auto& r : rows) {
    table.add({r.day, r.hospital_id, r.fund, std::to_string(r.settlements),
               std::to_string(r.cancellations), r.medical_total.to_string(),
               r.fund_paid.to_string(), r.patient_pays.to_string()});
  }
  for (const auto& t : totals_by_fund(rows)) {
    table.add({"total", "", t.fund, std::to_string(t.settlements), std::to_string(t.cancellations),
               t.medical_total.to_string(), t.fund_paid.to_string(), t.patient_pays.to_string()});
  }
  table.write(out);
}

void write_totals_csv(std::ostream& out, const std::vector<store::TotalRow>& rows) {
  CsvWriter csv(out);
  csv.row({"day", "hospital_id", "fund", "settlements", "cancellations", "medical_total",
           "fund_paid", "patient_pays"});
  for (const auto& r : rows) {
    csv.text(r.day).text(r.hospital_id).text(r.fund);
    csv.number(r.settlements).number(r.cancellations);
    csv.number(r.medical_total.to_string()).number(r.fund_paid.to_string());
    csv.number(r.patient_pays.to_string());
    csv.end_row();
  }
}

void write_totals_json(std::ostream& out, const store::ReconciliationQuery& query,
                       const std::vector<store::TotalRow>& rows) {
  JsonWriter w(256 + rows.size() * 160);
  w.begin_object();
  w.member("from", query.from.to_string()).member("to", query.to.to_string());
  w.member("utc_offset", format_utc_offset(query.utc_offset_minutes));
  if (query.hospital_id) w.member("hospital_id", *query.hospital_id);
  if (query.fund) w.member("fund", *query.fund);
  if (query.clr_type) w.member("clr_type", *query.clr_type);
  w.key("rows").begin_array();
  for (const auto& r : rows) {
    w.begin_object().member("day", r.day).member("hospital_id", r.hospital_id);
    w.member("fund", r.fund);
    amounts_json(w, r.settlements, r.cancellations, r.medical_total, r.fund_paid, r.patient_pays);
    w.end_object();
  }
  w.end_array().key("totals_by_fund").begin_array();
  for (const auto& t : totals_by_fund(rows)) {
    w.begin_object().member("fund", t.fund);
    amounts_json(w, t.settlements, t.cancellations, t.medical_total, t.fund_paid, t.patient_pays);
    w.end_object();
  }
  w.end_array().end_object();
  out << w.text() << "\n";
}

// ---------------------------------------------------------------------------------------------
// Details

std::vector<std::string> policy_funds(const std::vector<Policy>& policies) {
  std::vector<std::string> funds;
  for (const auto& p : policies) {
    for (const auto& layer : p.layers) {
      if (std::find(funds.begin(), funds.end(), layer.fund) == funds.end()) {
        funds.push_back(layer.fund);
      }
    }
  }
  return funds;
}

DetailsCsvWriter::DetailsCsvWriter(std::ostream& out, std::vector<std::string> funds)
    : out_(out), funds_(std::move(funds)) {
  std::vector<std::string> header = {"record_id",   "kind",        "cancels",     "day",
                                     "recorded_at", "hospital_id", "bill_no",     "patient_id",
                                     "total",       "fund_paid",   "patient_pays"};
  for (const auto& f : funds_) header.push_back("fund:" + f);
  header.push_back("other_funds");
  header.push_back("clr_type");
  header.push_back("special_disease");
  CsvWriter(out_).row(header);
}

void DetailsCsvWriter::write(const store::DetailRow& row) {
  CsvWriter csv(out_, false);
  csv.number(row.record_id).text(kind_text(row.kind));
  csv.number(row.cancels ? std::to_string(*row.cancels) : "");
  csv.text(row.day).text(row.recorded_at).text(row.hospital_id).text(row.bill_no);
  csv.text(row.patient_id);
  csv.number(row.total.to_string()).number(row.fund_paid.to_string());
  csv.number(row.patient_pays.to_string());
  for (const auto& code : funds_) {
    Money paid;
    for (const auto& f : row.funds) {
      if (f.fund == code) paid += f.paid;
    }
    csv.number(paid.to_string());
  }
  std::string others;
  for (const auto& f : row.funds) {
    if (std::find(funds_.begin(), funds_.end(), f.fund) != funds_.end()) continue;
    others += (others.empty() ? "" : ";") + f.fund + "=" + f.paid.to_string();
  }
  csv.text(others);
  csv.number(std::string(store::clr_type(row.special_disease))).text(row.special_disease);
  csv.end_row();
}

void write_detail_jsonl(std::ostream& out, const store::DetailRow& row) {
  JsonWriter w(512);
  w.begin_object().member("record_id", row.record_id).member("kind", kind_text(row.kind));
  if (row.cancels) w.member("cancels", *row.cancels);
  w.member("day", row.day).member("recorded_at", row.recorded_at);
  w.member("hospital_id", row.hospital_id).member("bill_no", row.bill_no);
  w.member("patient_id", row.patient_id).member("total", row.total);
  w.member("fund_paid", row.fund_paid).member("patient_pays", row.patient_pays);
  w.member("clr_type", store::clr_type(row.special_disease));
  if (!row.special_disease.empty()) w.member("special_disease", row.special_disease);
  w.key("funds").begin_array();
  for (const auto& f : row.funds) {
    w.begin_object().member("fund", f.fund).member("paid", f.paid).end_object();
  }
  w.end_array().end_object();
  out << w.text() << "\n";
}

std::int64_t stream_details_csv(store::Ledger& ledger, const store::ReconciliationQuery& query,
                                const std::vector<std::string>& funds, std::ostream& out) {
  DetailsCsvWriter writer(out, funds);
  std::int64_t n = 0;
  ledger.details(query, [&](const store::DetailRow& row) {
    writer.write(row);
    ++n;
    return static_cast<bool>(out);
  });
  return n;
}

std::int64_t stream_details_jsonl(store::Ledger& ledger, const store::ReconciliationQuery& query,
                                  std::ostream& out) {
  std::int64_t n = 0;
  ledger.details(query, [&](const store::DetailRow& row) {
    write_detail_jsonl(out, row);
    ++n;
    return static_cast<bool>(out);
  });
  return n;
}

// ---------------------------------------------------------------------------------------------
// Match reports

std::string_view to_string(DifferenceKind kind) {
  switch (kind) {
    case DifferenceKind::missing_in_ledger:
      return "missing_in_ledger";
    case DifferenceKind::missing_in_statement:
      return "missing_in_statement";
    case DifferenceKind::amount_differs:
      return "amount_differs";
    case DifferenceKind::date_differs:
      return "date_differs";
    case DifferenceKind::cancelled_in_ledger_only:
      return "cancelled_in_ledger_only";
    case DifferenceKind::cancelled_in_statement_only:
      return "cancelled_in_statement_only";
  }
  return "unknown";
}

namespace {

const char* status_text(bool cancelled) { return cancelled ? "cancelled" : "settled"; }

// "fund 390100, 2020-03-01..2020-03-31 at +08:00, hospital H2"
std::string period_text(const MatchReport& r) {
  std::string text = "fund " + r.fund + ", " + r.from.to_string() + ".." + r.to.to_string() +
                     " at " + format_utc_offset(r.utc_offset_minutes);
  if (r.hospital_id) text += ", hospital " + *r.hospital_id;
  return text;
}

void write_match_summary(std::ostream& out, const MatchReport& r) {
  out << "reconciliation of " << period_text(r) << "\n";
  out << "ledger:     " << r.ledger_bills << " bills, " << r.ledger_cancelled << " cancelled, net "
      << r.ledger_net.to_string() << "\n";
  out << "statement:  " << r.statement_lines << " lines, " << r.statement_cancelled
      << " cancelled, net " << r.statement_net.to_string();
  if (r.statement_other_hospitals > 0) {
    out << " (" << r.statement_other_hospitals << " lines of other hospitals ignored)";
  }
  out << "\ndifference (ledger - statement): " << r.difference().to_string() << "\n";
  if (r.earlier_cancellations > 0) {
    out << "out of scope: cancellations in the period of bills settled before it: "
        << r.earlier_cancellations << ", " << r.earlier_cancellations_amount.to_string() << "\n";
  }
}

// One side's cells: day, amount, status (and the record id or line), or dashes.
std::vector<std::string> side_cells(const std::optional<BillSide>& s, bool ledger) {
  if (!s) return {"-", "-", "-", "-"};
  const std::string where = ledger ? std::to_string(s->record_id) : std::to_string(s->line);
  return {where, s->day, s->amount.to_string(), status_text(s->cancelled)};
}

}  // namespace

void write_match_table(std::ostream& out, const MatchReport& report) {
  write_match_summary(out, report);
  if (report.ties()) {
    out << "ties: every bill agrees\n";
    return;
  }
  out << report.differences.size() << " differences (";
  const char* separator = "";
  for (std::size_t k = 0; k < kDifferenceKinds; ++k) {
    if (report.counts[k] == 0) continue;
    out << separator << to_string(static_cast<DifferenceKind>(k)) << ": " << report.counts[k];
    separator = ", ";
  }
  out << ")\n\n";
  TextTable table(
      {"kind", "hospital_id", "bill_no", "record", "ledger_day", "ledger_amount", "ledger_status",
       "line", "statement_day", "statement_amount", "statement_status", "note"},
      {false, false, false, true, false, true, false, true, false, true, false, false});
  for (const auto& d : report.differences) {
    std::vector<std::string> row = {std::string(to_string(d.kind)), d.hospital_id, d.bill_no};
    for (auto& cell : side_cells(d.ledger, true)) row.push_back(std::move(cell));
    for (auto& cell : side_cells(d.statement, false)) row.push_back(std::move(cell));
    row.push_back(d.note);
    table.add(std::move(row));
  }
  table.write(out);
}

void write_match_json(std::ostream& out, const MatchReport& r) {
  JsonWriter w(1024 + r.differences.size() * 256);
  w.begin_object().member("fund", r.fund).member("from", r.from.to_string());
  w.member("to", r.to.to_string()).member("utc_offset", format_utc_offset(r.utc_offset_minutes));
  if (r.hospital_id) w.member("hospital_id", *r.hospital_id);
  w.member("ties", r.ties());
  w.key("ledger").begin_object().member("bills", r.ledger_bills);
  w.member("cancelled", r.ledger_cancelled).member("net", r.ledger_net).end_object();
  w.key("statement").begin_object().member("lines", r.statement_lines);
  w.member("cancelled", r.statement_cancelled).member("net", r.statement_net);
  w.member("other_hospitals", r.statement_other_hospitals).end_object();
  w.member("difference", r.difference());
  w.key("earlier_cancellations").begin_object().member("count", r.earlier_cancellations);
  w.member("amount", r.earlier_cancellations_amount).end_object();
  w.key("counts").begin_object();
  for (std::size_t k = 0; k < kDifferenceKinds; ++k) {
    w.member(to_string(static_cast<DifferenceKind>(k)), r.counts[k]);
  }
  w.end_object().key("differences").begin_array();
  for (const auto& d : r.differences) {
    w.begin_object().member("kind", to_string(d.kind)).member("hospital_id", d.hospital_id);
    w.member("bill_no", d.bill_no);
    if (d.ledger) {
      w.key("ledger").begin_object().member("record_id", d.ledger->record_id);
      w.member("day", d.ledger->day).member("amount", d.ledger->amount);
      w.member("status", status_text(d.ledger->cancelled)).end_object();
    }
    if (d.statement) {
      w.key("statement").begin_object();
      w.member("line", static_cast<std::int64_t>(d.statement->line));
      w.member("settled_on", d.statement->day).member("amount", d.statement->amount);
      w.member("status", status_text(d.statement->cancelled)).end_object();
    }
    if (!d.note.empty()) w.member("note", d.note);
    w.end_object();
  }
  w.end_array().end_object();
  out << w.text() << "\n";
}

}  // namespace onestop::reports
