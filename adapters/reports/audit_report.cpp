#include "adapters/reports/audit_report.hpp"

#include <algorithm>
#include <array>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "adapters/codec/claim_codec.hpp"
#include "adapters/codec/csv.hpp"
#include "adapters/codec/result_codec.hpp"
#include "adapters/reports/utc_offset.hpp"
#include "engine/settle.hpp"

namespace onestop::reports {
namespace {

// Chart geometry in pixels (integers; amounts never pass through floating point).
constexpr int kPlotHeight = 240;
constexpr int kPlotTop = 20;
constexpr int kPlotLeft = 48;
constexpr int kBarWidth = 36;
constexpr int kBarStep = 56;
constexpr int kLegendWidth = 200;
constexpr int kAxisRoom = 40;
constexpr std::string_view kPatientSegment = "patient";

// Fill colours by fund position; the patient's share is grey. Chosen to stay apart in print.
constexpr std::array<std::string_view, 8> kPalette = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728",
                                                      "#9467bd", "#8c564b", "#e377c2", "#17becf"};
constexpr std::string_view kPatientColour = "#bbbbbb";

std::string escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string category_text(const OfficeReport& r) {
  return r.query.category ? *r.query.category : "all";
}

// `part` of `whole` in pixels of `span`, floored; 0 when either is not positive.
int pixels(const Money& part, const Money& whole, int span) {
  if (part.fen() <= 0 || whole.fen() <= 0) return 0;
  const Int128 px = part.fen() * span / whole.fen();
  return px > span ? span : static_cast<int>(px);
}

// The layer ids paying from `fund`, for legends: "390100 basic".
std::string fund_label(const OfficeReport& r, const std::string& fund) {
  std::string label = fund;
  for (const LayerTotal& l : r.layers) {
    if (l.fund == fund) label += " " + l.id;
  }
  return label;
}

// The segments of a month's bar: each fund, then the patient's share.
std::vector<std::pair<std::string, Money>> segments(const MonthRow& m) {
  auto out = m.funds;
  out.emplace_back(kPatientSegment, m.patient_pays);
  return out;
}

// The summary as (metric, value) pairs: the rows of summary.csv and the HTML table.
std::vector<std::pair<std::string, std::string>> summary_rows(const OfficeReport& r,
                                                              const ChainCheck& chain) {
  return {{"year", std::to_string(r.query.year)},
          {"category", category_text(r)},
          {"utc_offset", format_utc_offset(r.query.utc_offset_minutes)},
          {"persons", std::to_string(r.persons)},
          {"admissions", std::to_string(r.admissions)},
          {"outpatient_visits", std::to_string(r.visits)},
          {"settlement_records", std::to_string(r.settlements)},
          {"cancellations", std::to_string(r.cancellations)},
          {"medical_total", r.medical_total.to_string()},
          {"fund_paid", r.fund_paid.to_string()},
          {"patient_pays", r.patient_pays.to_string()},
          {"reimbursement_percent", percent_text(r.fund_paid, r.medical_total)},
          {"chain", chain.text()}};
}

std::string bucket_from(int k) { return std::to_string(k * 100 / kRatioBuckets); }
std::string bucket_to(int k) { return std::to_string((k + 1) * 100 / kRatioBuckets); }

void html_head(std::ostream& out, const OfficeReport& r) {
  out << "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n"
      << "<title>OneStop audit report " << r.query.year << " (" << escape(category_text(r))
      << ")</title>\n<style>\n"
      << "body{font-family:sans-serif;margin:2em;color:#222}\n"
      << "table{border-collapse:collapse;margin:0.5em 0}\n"
      << "th,td{border:1px solid #999;padding:2px 8px;text-align:left}\n"
      << "td.num{text-align:right;font-variant-numeric:tabular-nums}\n"
      << ".ok{color:#075}.bad{color:#b00;font-weight:bold}\n"
      << "svg text{font-size:11px;font-family:sans-serif}\n"
      << "@media print{section{break-inside:avoid}}\n"
      << "</style>\n</head>\n<body>\n";
}

void html_summary(std::ostream& out, const OfficeReport& r, const ChainCheck& chain) {
  out << "<h1>Audit report: policy year " << r.query.year << ", category "
      << escape(category_text(r)) << "</h1>\n";
  out << "<p id=\"chain\" class=\"" << (chain.verified() ? "ok" : "bad")
      << "\" data-verified=\"" << (chain.verified() ? "true" : "false")
      << "\" data-last-id=\"" << chain.last_id << "\">" << escape(chain.text()) << "</p>\n";
  out << "<section>\n<h2>Summary</h2>\n<table id=\"summary\">\n";
  for (const auto& [metric, value] : summary_rows(r, chain)) {
    out << "<tr><th>" << escape(metric) << "</th><td class=\"num\" data-metric=\""
        << escape(metric) << "\">" << escape(value) << "</td></tr>\n";
  }
  out << "</table>\n</section>\n";
}

void html_layers(std::ostream& out, const OfficeReport& r) {
  out << "<section>\n<h2>Layers</h2>\n<table id=\"layers\">\n"
      << "<tr><th>layer</th><th>fund</th><th>paid</th><th>share of medical total</th></tr>\n";
  for (const LayerTotal& l : r.layers) {
    const std::string share = percent_text(l.paid, r.medical_total);
    out << "<tr data-layer=\"" << escape(l.id) << "\" data-fund=\"" << escape(l.fund)
        << "\" data-amount=\"" << l.paid.to_string() << "\" data-share=\"" << share << "\"><td>"
        << escape(l.id) << "</td><td>" << escape(l.fund) << "</td><td class=\"num\">"
        << l.paid.to_string() << "</td><td class=\"num\">" << share << " %</td></tr>\n";
  }
  out << "</table>\n</section>\n";
}

// Admissions and each special disease's outpatient visits side by side (domain.md §3.6).
void html_visits(std::ostream& out, const OfficeReport& r) {
  out << "<section>\n<h2>Admissions and outpatient special-disease visits</h2>\n"
      << "<table id=\"visits\">\n<tr><th>visit type</th><th>live</th><th>medical total</th>"
      << "<th>basic paid</th><th>funds paid</th><th>patient pays</th></tr>\n";
  for (const VisitTotal& v : r.by_visit) {
    const std::string type = v.special_disease.empty() ? "inpatient" : v.special_disease;
    out << "<tr data-visit=\"" << escape(type) << "\"><td>"
        << escape(v.special_disease.empty() ? "住院 inpatient" : "门诊特殊病种 " + type)
        << "</td><td class=\"num\">" << v.live << "</td><td class=\"num\">"
        << v.medical_total.to_string() << "</td><td class=\"num\">"
        << v.first_layer_paid.to_string() << "</td><td class=\"num\">"
        << v.fund_paid.to_string() << "</td><td class=\"num\">" << v.patient_pays.to_string()
        << "</td></tr>\n";
  }
  out << "</table>\n</section>\n";
}

// A y axis from 0 to 100 % (or 0 to `max` persons) with five ticks.
void y_axis(std::ostream& out, const std::array<std::string, 5>& labels) {
  for (int i = 0; i < 5; ++i) {
    const int y = kPlotTop + kPlotHeight - i * kPlotHeight / 4;
    out << "<line x1=\"" << kPlotLeft - 4 << "\" y1=\"" << y << "\" x2=\"" << kPlotLeft
        << "\" y2=\"" << y << "\" stroke=\"#444\"/><text x=\"" << kPlotLeft - 6 << "\" y=\""
        << y + 4 << "\" text-anchor=\"end\">" << escape(labels[i]) << "</text>\n";
  }
  out << "<line x1=\"" << kPlotLeft << "\" y1=\"" << kPlotTop << "\" x2=\"" << kPlotLeft
      << "\" y2=\"" << kPlotTop + kPlotHeight << "\" stroke=\"#444\"/>\n";
}

std::string_view colour(const OfficeReport& r, const std::string& fund) {
  const auto at = std::find(r.funds.begin(), r.funds.end(), fund) - r.funds.begin();
  if (at >= static_cast<long>(r.funds.size())) return kPatientColour;
  return kPalette[static_cast<std::size_t>(at) % kPalette.size()];
}

// One month's stacked bar, bottom up, each segment its share of the month's medical total.
void month_bar(std::ostream& out, const OfficeReport& r, const MonthRow& m, int x) {
  out << "<g data-month=\"" << m.month << "\" data-total=\"" << m.medical_total.to_string()
      << "\">\n";
  int bottom = kPlotTop + kPlotHeight;
  for (const auto& [fund, amount] : segments(m)) {
    const int h = std::min(pixels(amount, m.medical_total, kPlotHeight), bottom - kPlotTop);
    bottom -= h;
    const std::string share = percent_text(amount, m.medical_total);
    out << "<rect class=\"segment\" data-month=\"" << m.month << "\" data-fund=\""
        << escape(fund) << "\" data-amount=\"" << amount.to_string() << "\" data-share=\""
        << share << "\" x=\"" << x << "\" y=\"" << bottom << "\" width=\"" << kBarWidth
        << "\" height=\"" << h << "\" fill=\"" << colour(r, fund) << "\"><title>" << m.month
        << " " << escape(fund_label(r, fund)) << ": " << amount.to_string() << " (" << share
        << " %)</title></rect>\n";
  }
  out << "<text x=\"" << x + kBarWidth / 2 << "\" y=\"" << kPlotTop + kPlotHeight + 14
      << "\" text-anchor=\"middle\">" << m.month << "</text>\n</g>\n";
}

void legend(std::ostream& out, const OfficeReport& r, int x) {
  std::vector<std::string> keys = r.funds;
  keys.emplace_back(kPatientSegment);
  int y = kPlotTop;
  for (const std::string& key : keys) {
    out << "<rect x=\"" << x << "\" y=\"" << y << "\" width=\"12\" height=\"12\" fill=\""
        << colour(r, key) << "\"/><text x=\"" << x + 16 << "\" y=\"" << y + 10 << "\">"
        << escape(key == kPatientSegment ? "patient pays" : fund_label(r, key)) << "</text>\n";
    y += 18;
  }
}

void html_monthly(std::ostream& out, const OfficeReport& r) {
  const int months = static_cast<int>(r.months.size());
  const int width = kPlotLeft + months * kBarStep + 20 + kLegendWidth;
  out << "<section>\n<h2>Share of each fund in the medical total, by month</h2>\n"
      << "<svg id=\"monthly-chart\" xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" width=\""
      << width << "\" height=\"" << kPlotTop + kPlotHeight + kAxisRoom << "\" viewBox=\"0 0 "
      << width << " " << kPlotTop + kPlotHeight + kAxisRoom << "\">\n"
      << "<title>Share of each fund by month</title>\n";
  y_axis(out, {"0 %", "25 %", "50 %", "75 %", "100 %"});
  for (int i = 0; i < months; ++i) {
    month_bar(out, r, r.months[static_cast<std::size_t>(i)], kPlotLeft + 10 + i * kBarStep);
  }
  legend(out, r, kPlotLeft + months * kBarStep + 20);
  out << "</svg>\n<p>A month holds the records made in it (local time "
      << format_utc_offset(r.query.utc_offset_minutes)
      << "): a cancellation nets in the month it was made. Numbers in monthly.csv.</p>\n"
      << "</section>\n";
}

void html_histogram(std::ostream& out, const OfficeReport& r) {
  // The axis runs to the largest bucket rounded up to a multiple of 4: five whole-number ticks.
  const std::int64_t largest = *std::max_element(r.oop_histogram.begin(), r.oop_histogram.end());
  const std::int64_t most = std::max<std::int64_t>(4, (largest + 3) / 4 * 4);
  const int width = kPlotLeft + kRatioBuckets * kBarStep + 20;
  out << "<section>\n<h2>Out-of-pocket ratio per person (patient pays / medical total)</h2>\n"
      << "<svg id=\"ratio-histogram\" xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" width=\""
      << width << "\" height=\"" << kPlotTop + kPlotHeight + kAxisRoom << "\" viewBox=\"0 0 "
      << width << " " << kPlotTop + kPlotHeight + kAxisRoom << "\">\n"
      << "<title>Persons by out-of-pocket ratio</title>\n";
  std::array<std::string, 5> ticks;
  for (int i = 0; i < 5; ++i) ticks[i] = std::to_string(most * i / 4);
  y_axis(out, ticks);
  for (int k = 0; k < kRatioBuckets; ++k) {
    const std::int64_t n = r.oop_histogram[static_cast<std::size_t>(k)];
    const int h = static_cast<int>(n * kPlotHeight / most);
    const int x = kPlotLeft + 10 + k * kBarStep;
    out << "<rect class=\"bucket\" data-bucket=\"" << k << "\" data-from=\"" << bucket_from(k)
        << "\" data-to=\"" << bucket_to(k) << "\" data-persons=\"" << n << "\" x=\"" << x
        << "\" y=\"" << kPlotTop + kPlotHeight - h << "\" width=\"" << kBarWidth
        << "\" height=\"" << h << "\" fill=\"" << kPalette[0] << "\"><title>" << bucket_from(k)
        << "–" << bucket_to(k) << " %: " << n << " persons</title></rect>\n<text x=\""
        << x + kBarWidth / 2 << "\" y=\"" << kPlotTop + kPlotHeight + 14
        << "\" text-anchor=\"middle\">" << bucket_from(k) << "–" << bucket_to(k) << "</text>\n";
  }
  out << "</svg>\n<p>Each bucket is 10 % wide and holds its lower edge; the last includes "
         "100 %. Numbers in ratio_histogram.csv.</p>\n</section>\n";
}

void html_flag(std::ostream& out, const FlagList& f) {
  out << "<h3 id=\"flag-" << f.code << "\" data-flag=\"" << f.code << "\" data-persons=\""
      << f.persons.size() << "\" data-settlements=\"" << f.settlements.size() << "\">" << f.code
      << ": " << f.persons.size() << " persons, " << f.settlements.size()
      << " settlements</h3>\n";
  if (!f.persons.empty()) {
    out << "<p>persons:";
    for (const auto& p : f.persons) out << " <span class=\"person\">" << escape(p) << "</span>";
    out << "</p>\n";
  }
  if (f.settlements.empty()) return;
  out << "<table class=\"flagged\"><tr><th>record</th><th>patient</th><th>hospital</th>"
         "<th>bill</th></tr>\n";
  for (const auto& s : f.settlements) {
    out << "<tr data-record=\"" << s.record_id << "\"><td class=\"num\">" << s.record_id
        << "</td><td>" << escape(s.patient_id) << "</td><td>" << escape(s.hospital_id)
        << "</td><td>" << escape(s.bill_no) << "</td></tr>\n";
  }
  out << "</table>\n";
}

void html_flags(std::ostream& out, const OfficeReport& r) {
  out << "<section>\n<h2>Flags</h2>\n<p>Persons: a live settlement of the year carries the "
         "flag (reimbursement_below_target: the person's year ratio is below the policy's "
         "target). Settlements: the live settlements carrying it.</p>\n";
  for (const FlagList& f : r.flags) html_flag(out, f);
  out << "</section>\n";
}

// Writes one file with `write`; an error names the path.
template <typename Write>
std::optional<Error> write_file(const std::filesystem::path& path, Write write) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (out) write(out);
  out.close();
  if (!out) return Error{"file_error", "out", "cannot write " + path.string()};
  return std::nullopt;
}

}  // namespace

std::string ChainCheck::text() const {
  if (!ran) return "chain not verified: " + error;
  if (differences == 0) {
    return "chain verified up to record " + std::to_string(last_id) + " (" +
           std::to_string(records) + " records)";
  }
  return "chain verification FAILED: " + std::to_string(differences) + " differences in " +
         std::to_string(records) + " records up to " + std::to_string(last_id) + "; first: " +
         first_difference;
}

store::Resettle resettle_with(const policy::PolicySet& policies) {
  return [&policies](const store::StoredRecord& r,
                     const Accumulators& before) -> Result<store::Computed> {
    const Policy* policy = policies.by_id(r.policy_id);
    if (policy == nullptr) {
      return Error{"unknown_policy", "policy_id", "no policy " + r.policy_id + " in the directory"};
    }
    if (policy->sha256 != r.policy_sha256) {
      return Error{"policy_changed", "policy_sha256",
                   "policy " + r.policy_id + " has sha256 " + policy->sha256 +
                       " in the directory, the record was settled under " + r.policy_sha256};
    }
    Result<Claim> claim = codec::decode_claim(r.claim_json);
    if (!claim) return claim.error();
    Result<Settlement> s = settle(*policy, *claim, before);
    if (!s) return s.error();
    std::string result = codec::encode_settlement(*s);
    return store::Computed{std::move(s).value(), codec::encode_claim(*claim), std::move(result)};
  };
}

namespace {

// verify's hooks that note the first difference in `check`.
store::VerifyHooks chain_hooks(ChainCheck& check) {
  store::VerifyHooks hooks;
  hooks.difference = [&check](const store::VerifyDifference& d) {
    if (check.first_difference.empty()) {
      check.first_difference = "record " + std::to_string(d.record_id) + ": " + d.what;
    }
  };
  return hooks;
}

// Runs verify with `hooks` and notes its outcome in `check`; the error when it could not run.
std::optional<Error> run_check(const backend::LedgerUrl& ledger, const policy::PolicySet& policies,
                               const store::VerifyHooks& hooks, ChainCheck& check) {
  const auto summary = backend::verify_ledger(ledger, resettle_with(policies), hooks);
  if (!summary) {
    check.error = summary.error().message;
    return summary.error();
  }
  check.ran = true;
  check.records = summary->records;
  check.last_id = summary->last_id;
  check.differences = summary->differences;
  return std::nullopt;
}

}  // namespace

ChainCheck check_chain(const backend::LedgerUrl& ledger, const policy::PolicySet& policies) {
  ChainCheck check;
  run_check(ledger, policies, chain_hooks(check), check);
  return check;
}

CheckedReport build_checked_report(const backend::LedgerUrl& ledger,
                                   const policy::PolicySet& policies, const ReportQuery& query) {
  ChainCheck check;
  std::optional<Error> failed;
  const auto walk = [&](const std::function<bool(const store::StoredRecord&)>& visit) {
    store::VerifyHooks hooks = chain_hooks(check);
    bool more = true;
    hooks.record = [&](const store::StoredRecord& r) {
      if (more && r.year == query.year) more = visit(r);
    };
    failed = run_check(ledger, policies, hooks, check);
  };
  Result<OfficeReport> report = build_report(walk, policies, query);
  if (report && failed) report = *failed;
  return {std::move(report), std::move(check)};
}

void write_summary_csv(std::ostream& out, const OfficeReport& report, const ChainCheck& chain) {
  codec::CsvWriter csv(out);
  csv.row({"metric", "value"});
  for (const auto& [metric, value] : summary_rows(report, chain)) {
    csv.text(metric);
    // Free text is defused against formula injection; numbers and the offset go as they are.
    if (metric == "category" || metric == "chain") {
      csv.text(value);
    } else {
      csv.number(value);
    }
    csv.end_row();
  }
}

void write_layers_csv(std::ostream& out, const OfficeReport& report) {
  codec::CsvWriter csv(out);
  csv.row({"layer", "fund", "paid", "share_percent"});
  for (const LayerTotal& l : report.layers) {
    csv.text(l.id).text(l.fund).number(l.paid.to_string());
    csv.number(percent_text(l.paid, report.medical_total)).end_row();
  }
}

void write_visits_csv(std::ostream& out, const OfficeReport& report) {
  codec::CsvWriter csv(out);
  csv.row({"visit", "special_disease", "clr_type", "live", "medical_total", "basic_paid",
           "fund_paid", "patient_pays"});
  for (const VisitTotal& v : report.by_visit) {
    const bool visit = !v.special_disease.empty();
    csv.text(visit ? "outpatient_special" : "inpatient").text(v.special_disease);
    csv.number(visit ? "11" : "21").number(std::to_string(v.live));
    csv.number(v.medical_total.to_string()).number(v.first_layer_paid.to_string());
    csv.number(v.fund_paid.to_string()).number(v.patient_pays.to_string()).end_row();
  }
}

void write_monthly_csv(std::ostream& out, const OfficeReport& report) {
  codec::CsvWriter csv(out);
  csv.row({"month", "fund", "amount", "share_percent"});
  for (const MonthRow& m : report.months) {
    for (const auto& [fund, amount] : segments(m)) {
      csv.text(m.month).text(fund).number(amount.to_string());
      csv.number(percent_text(amount, m.medical_total)).end_row();
    }
  }
}

void write_histogram_csv(std::ostream& out, const OfficeReport& report) {
  codec::CsvWriter csv(out);
  csv.row({"bucket", "from_percent", "to_percent", "persons"});
  for (int k = 0; k < kRatioBuckets; ++k) {
    csv.number(k).number(bucket_from(k)).number(bucket_to(k));
    csv.number(report.oop_histogram[static_cast<std::size_t>(k)]).end_row();
  }
}

void write_flags_csv(std::ostream& out, const OfficeReport& report) {
  codec::CsvWriter csv(out);
  csv.row({"flag", "scope", "patient_id", "record_id", "hospital_id", "bill_no"});
  for (const FlagList& f : report.flags) {
    for (const auto& p : f.persons) {
      csv.text(f.code).text("person").text(p).text("").text("").text("").end_row();
    }
    for (const auto& s : f.settlements) {
      csv.text(f.code).text("settlement").text(s.patient_id).number(s.record_id);
      csv.text(s.hospital_id).text(s.bill_no).end_row();
    }
  }
}

std::string report_html(const OfficeReport& report, const ChainCheck& chain) {
  std::ostringstream out;
  html_head(out, report);
  html_summary(out, report, chain);
  html_layers(out, report);
  html_visits(out, report);
  html_monthly(out, report);
  html_histogram(out, report);
  html_flags(out, report);
  out << "</body>\n</html>\n";
  return out.str();
}

std::optional<Error> write_report_files(const OfficeReport& report, const ChainCheck& chain,
                                        const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Error{"file_error", "out", "cannot create " + dir + ": " + ec.message()};
  const std::filesystem::path base(dir);
  if (auto e = write_file(base / "report.html",
                          [&](std::ostream& o) { o << report_html(report, chain); })) {
    return e;
  }
  if (auto e = write_file(base / "summary.csv",
                          [&](std::ostream& o) { write_summary_csv(o, report, chain); })) {
    return e;
  }
  if (auto e = write_file(base / "layers.csv",
                          [&](std::ostream& o) { write_layers_csv(o, report); })) {
    return e;
  }
  if (auto e = write_file(base / "visits.csv",
                          [&](std::ostream& o) { write_visits_csv(o, report); })) {
    return e;
  }
  if (auto e = write_file(base / "monthly.csv",
                          [&](std::ostream& o) { write_monthly_csv(o, report); })) {
    return e;
  }
  if (auto e = write_file(base / "ratio_histogram.csv",
                          [&](std::ostream& o) { write_histogram_csv(o, report); })) {
    return e;
  }
  return write_file(base / "flags.csv", [&](std::ostream& o) { write_flags_csv(o, report); });
}

}  // namespace onestop::reports
