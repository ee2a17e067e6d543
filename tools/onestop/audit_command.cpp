// onestop audit patient|report|access: what a person received in a year and why; the office
// report; the API's access log (audit_access.cpp).
#include <Poco/Util/OptionSet.h>

#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include "adapters/policy/policy_loader.hpp"
#include "adapters/reports/audit.hpp"
#include "adapters/reports/audit_report.hpp"
#include "adapters/reports/utc_offset.hpp"
#include "adapters/store/ledger.hpp"
#include "tools/onestop/audit_access.hpp"
#include "tools/onestop/commands.hpp"

namespace onestop::cli {
namespace {

using Poco::Util::Option;

constexpr const char* kUsageLine =
    "patient ID --year YYYY [--format text|json] [--ledger URL] [--policy-dir DIR]\n"
    "       onestop audit report --year YYYY [--category CAT] --out DIR [--utc-offset +08:00] "
    "[--ledger URL] [--policy-dir DIR]\n"
    "       onestop audit access [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--client NAME] "
    "[--target T] [--limit N] [--format table|csv|json] [--utc-offset +08:00] [--ledger URL]";

Poco::Util::OptionSet audit_options() {
  Poco::Util::OptionSet options;
  options.addOption(
      Option("year", "y", "patient, report: the policy year (required)").argument("YYYY"));
  add_ledger_options(options, /*config=*/false);  // add_region_options adds --config
  options.addOption(
      Option("policy-dir", "p", "the policies the records name (default config/policies)")
          .argument("DIR"));
  options.addOption(Option("format", "f",
                           "patient: text (default) or json; access: table (default), csv or "
                           "json")
                        .argument("FORMAT"));
  options.addOption(
      Option("category", "c", "report: only settlements settled under this category")
          .argument("CAT"));
  options.addOption(Option("out", "o", "report: the directory to write into").argument("DIR"));
  options.addOption(Option("from", "", "access: first local day, YYYY-MM-DD").argument("DATE"));
  options.addOption(Option("to", "", "access: last local day, YYYY-MM-DD").argument("DATE"));
  options.addOption(Option("client", "", "access: only this client's requests").argument("NAME"));
  options.addOption(Option("target", "",
                           "access: only requests touching this record or person "
                           "(settlement:12, patient:P001, bill:H01/B9)")
                        .argument("T"));
  options.addOption(Option("limit", "",
                           "access: at most N entries, oldest first (default 1000, at most "
                           "100000)")
                        .argument("N"));
  add_region_options(options);
  return options;
}


// The --year value: four digits.
std::optional<int> parse_year(const Parsed& parsed, std::ostream& err) {
  const std::string text = option_or(parsed, "year", "");
  if (text.size() != 4 || text.find_first_not_of("0123456789") != std::string::npos) {
    err << "onestop audit: --year must be a year like 2020"
        << (text.empty() ? " (it is required)" : ", not '" + text + "'") << "\n";
    return std::nullopt;
  }
  return std::stoi(text);
}

int audit_patient(const Parsed& parsed, int year, const policy::PolicySet& policies,
                  std::ostream& out, std::ostream& err) {
  const std::string format = option_or(parsed, "format", "text");
  if (parsed.positional.size() != 2 || (format != "text" && format != "json")) {
    err << "onestop audit: usage: onestop audit " << kUsageLine << "\n";
    return kUsage;
  }
  const auto url = ledger_url(parsed, "audit", err);
  if (!url) return kUsage;
  auto ledger = open_existing_ledger(*url, "audit", err);
  if (!ledger) return kUsage;
  const auto audit = reports::audit_patient(*ledger, policies, parsed.positional[1], year);
  if (!audit) {
    err << "onestop audit: " << audit.error().field << ": " << audit.error().message << "\n";
    return kFailed;
  }
  if (format == "json") {
    out << reports::audit_json(*audit) << "\n";
  } else {
    reports::write_audit_text(out, *audit);
  }
  if (!audit->message.empty()) err << "onestop audit: " << audit->message << "\n";
  return audit->records.empty() ? kFailed : kOk;
}

// Whether some policy of the directory knows the category.
bool known_category(const policy::PolicySet& policies, const std::string& category) {
  for (const Policy& p : policies.all()) {
    if (p.knows_category(category)) return true;
  }
  return false;
}

// The report query from the options, or nullopt (reported) on a usage error.
std::optional<reports::ReportQuery> report_query(const Parsed& parsed, int year,
                                                 const policy::PolicySet& policies,
                                                 std::ostream& err) {
  reports::ReportQuery query;
  query.year = year;
  const auto offset = utc_offset(parsed, "audit", err);
  if (!offset) return std::nullopt;
  query.utc_offset_minutes = *offset;
  if (parsed.options.contains("category")) {
    query.category = parsed.options.at("category");
    if (!known_category(policies, *query.category)) {
      err << "onestop audit: --category: no policy knows the category '" << *query.category
          << "'\n";
      return std::nullopt;
    }
  }
  if (parsed.positional.size() != 1 || !parsed.options.contains("out")) {
    err << "onestop audit: usage: onestop audit " << kUsageLine << "\n";
    return std::nullopt;
  }
  return query;
}

int audit_report(const Parsed& parsed, int year, const policy::PolicySet& policies,
                 std::ostream& out, std::ostream& err) {
  const auto query = report_query(parsed, year, policies, err);
  if (!query) return kUsage;
  const auto url = ledger_url(parsed, "audit", err);
  if (!url) return kUsage;
  if (!open_existing_ledger(*url, "audit", err)) return kUsage;
  // One walk: verify checks every record and hands the year's to the report.
  const auto [report, chain] = reports::build_checked_report(*url, policies, *query);
  if (!report) {
    err << "onestop audit: " << report.error().field << ": " << report.error().message << "\n";
    return kFailed;
  }
  const std::string dir = parsed.options.at("out");
  if (auto e = reports::write_report_files(*report, chain, dir)) {
    err << "onestop audit: " << e->message << "\n";
    return kFailed;
  }
  out << "wrote " << dir << "/report.html and 6 CSV files: " << report->persons << " persons, "
      << report->admissions << " admissions, " << report->visits
      << " outpatient special-disease visits, medical total " << report->medical_total.to_string()
      << ", funds paid " << report->fund_paid.to_string() << "\n"
      << chain.text() << "\n";
  return chain.verified() ? kOk : kFailed;
}

}  // namespace

int audit_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  const auto parsed = parse(
      "audit", kUsageLine,
      "audit patient: every settlement and cancellation of the person in the policy year, with "
      "each layer's payment and the trace that explains it, the year's accumulators, totals net "
      "of cancellations, the effective reimbursement ratio and the audit flags; exit 1 when the "
      "person has no records that year. audit report: the office report over the year's "
      "settlements (one category with --category): DIR/report.html (self-contained, inline SVG "
      "charts) and summary.csv, layers.csv, monthly.csv, ratio_histogram.csv, flags.csv; states "
      "the hash-chain check; exit 1 when the chain does not verify. audit access: the API's "
      "access log (every request to /v1, refused ones included), oldest first, filtered by "
      "local days FROM..TO (both included; an entry belongs to the local day of its UTC time "
      "shifted by --utc-offset), client and target; the time 'at' is shown as stored, in UTC. "
      "Entries of the last moments may still be queued by a running server (it writes the log "
      "in batches).",
      audit_options(), args, out, err);
  if (!parsed) return kUsage;
  if (parsed->help) return kOk;
  const std::string sub = parsed->positional.empty() ? "" : parsed->positional[0];
  if (sub == "access") return audit_access(*parsed, out, err);
  if (sub != "patient" && sub != "report") {
    err << "onestop audit: usage: onestop audit " << kUsageLine << "\n";
    return kUsage;
  }
  const auto year = parse_year(*parsed, err);
  if (!year) return kUsage;
  const std::string dir = option_or(*parsed, "policy-dir", "config/policies");
  const Result<policy::PolicySet> policies = policy::PolicySet::load_dir(dir);
  if (!policies) {
    err << "onestop audit: policies " << dir << ": " << policies.error().message << "\n";
    return kUsage;
  }
  if (sub == "patient") return audit_patient(*parsed, *year, *policies, out, err);
  return audit_report(*parsed, *year, *policies, out, err);
}

}  // namespace onestop::cli
