// onestop reconcile totals|details|match: the funds' and hospitals' reconciliation (the national
// platform's 3201 totals and 3202 details) and the matching of a statement against the ledger.
#include <Poco/Util/OptionSet.h>

#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "adapters/policy/policy_loader.hpp"
#include "adapters/reports/reconcile.hpp"
#include "adapters/reports/utc_offset.hpp"
#include "adapters/store/ledger.hpp"
#include "tools/onestop/commands.hpp"

namespace onestop::cli {
namespace {

using Poco::Util::Option;

// A statement larger than this is refused before it is read (a month of a city's bills for one
// fund is a few MB).
constexpr std::uintmax_t kMaxStatementBytes = 256u << 20;

constexpr const char* kUsageText =
    "totals|details|match --from DATE --to DATE [--hospital ID] [--fund CODE] [--clr-type T] "
    "[--format F] "
    "[--ledger URL] [--utc-offset +08:00] [--statement FILE.csv] [--policy-dir DIR]";

constexpr const char* kDescription =
    "Reconciliation over the local days FROM..TO (YYYY-MM-DD, both included; a record belongs "
    "to the local day of its UTC time shifted by --utc-offset). "
    "'totals': per day, hospital and fund the settlement and cancellation counts, medical "
    "total, fund payment and patient payment (cancellations count on their own day, negative); "
    "--format table (default), csv or json. "
    "'details': one row per settlement or cancellation in (day, record id) order, streamed; "
    "--format csv (default; a column per fund of the policies in --policy-dir) or jsonl. "
    "'match': compares --statement FILE.csv (header hospital_id,bill_no,settled_on,amount,status; "
    "one line per bill: the fund's payment, settled or cancelled) with the ledger's settlements "
    "of --fund in the period; --format table (default) or json. Exit 0 when everything ties, "
    "1 when there are differences, 2 for a malformed statement or a usage error.";

// Every option of the three subcommands.
Poco::Util::OptionSet reconcile_options() {
  Poco::Util::OptionSet o;
  o.addOption(Option("from", "f", "first local day, YYYY-MM-DD (required)").argument("DATE"));
  o.addOption(Option("to", "t", "last local day, YYYY-MM-DD (required)").argument("DATE"));
  o.addOption(Option("hospital", "H", "only this hospital's records").argument("ID"));
  o.addOption(Option("fund", "F", "only records with a layer of this fund (match: required)")
                  .argument("CODE"));
  o.addOption(Option("clr-type", "c",
                     "only this national clearing type: 11 outpatient special-disease visits, "
                     "21 admissions")
                  .argument("TYPE"));
  o.addOption(Option("format", "o",
                     "totals: table|csv|json; details: csv|jsonl; match: "
                     "table|json")
                  .argument("FORMAT"));
  add_ledger_options(o, /*config=*/false);  // add_region_options adds --config
  add_region_options(o);
  o.addOption(Option("statement", "s", "match: the other side's statement CSV").argument("FILE"));
  o.addOption(Option("policy-dir", "p",
                     "details csv: the fund columns are those of these policies (default "
                     "config/policies)")
                  .argument("DIR"));
  return o;
}

// The query the options describe, or nullopt after printing why to `err`.
std::optional<store::ReconciliationQuery> read_query(const Parsed& parsed, std::ostream& err) {
  store::ReconciliationQuery q;
  for (const char* name : {"from", "to"}) {
    const auto it = parsed.options.find(name);
    if (it == parsed.options.end()) {
      err << "onestop reconcile: --" << name << " DATE is required\n";
      return std::nullopt;
    }
    const auto day = Date::parse(it->second);
    if (!day) {
      err << "onestop reconcile: --" << name << " '" << it->second
          << "' is not a date (YYYY-MM-DD)\n";
      return std::nullopt;
    }
    (std::string_view(name) == "from" ? q.from : q.to) = *day;
  }
  if (q.to < q.from) {
    err << "onestop reconcile: --to " << q.to.to_string() << " is before --from "
        << q.from.to_string() << "\n";
    return std::nullopt;
  }
  const auto minutes = utc_offset(parsed, "reconcile", err);
  if (!minutes) return std::nullopt;
  q.utc_offset_minutes = *minutes;
  if (parsed.options.contains("hospital")) q.hospital_id = parsed.options.at("hospital");
  if (parsed.options.contains("fund")) q.fund = parsed.options.at("fund");
  if (parsed.options.contains("clr-type")) {
    q.clr_type = parsed.options.at("clr-type");
    if (*q.clr_type != "11" && *q.clr_type != "21") {
      err << "onestop reconcile: --clr-type is 11 (outpatient special-disease visits) or 21 "
             "(admissions), not "
          << *q.clr_type << "\n";
      return std::nullopt;
    }
  }
  return q;
}

// The format option checked against the subcommand's choices (the first is the default).
std::optional<std::string> read_format(const Parsed& parsed, const std::string& command,
                                       const std::vector<std::string>& choices, std::ostream& err) {
  const std::string format = option_or(parsed, "format", choices.front());
  for (const auto& c : choices) {
    if (c == format) return format;
  }
  std::string list;
  for (const auto& c : choices) list += (list.empty() ? "" : ", ") + c;
  err << "onestop reconcile " << command << ": --format '" << format << "' is not one of " << list
      << "\n";
  return std::nullopt;
}

int totals(store::Ledger& ledger, const store::ReconciliationQuery& q, const std::string& format,
           std::ostream& out) {
  const auto rows = ledger.totals(q);
  if (format == "csv") {
    reports::write_totals_csv(out, rows);
  } else if (format == "json") {
    reports::write_totals_json(out, q, rows);
  } else {
    reports::write_totals_table(out, rows);
  }
  return kOk;
}

int details(store::Ledger& ledger, const store::ReconciliationQuery& q, const std::string& format,
            const std::string& policy_dir, std::ostream& out, std::ostream& err) {
  if (format == "jsonl") {
    reports::stream_details_jsonl(ledger, q, out);
    return kOk;
  }
  const auto policies = policy::PolicySet::load_dir(policy_dir);
  if (!policies) {
    err << "onestop reconcile: policies " << policy_dir << ": " << policies.error().message << "\n";
    return kUsage;
  }
  reports::stream_details_csv(ledger, q, reports::policy_funds(policies->all()), out);
  return kOk;
}

// The parsed statement, or nullopt after printing every defect as FILE:LINE:COLUMN: ...
std::optional<std::vector<reports::StatementLine>> load_statement(const std::string& path,
                                                                  std::ostream& err) {
  const auto text = read_file("reconcile", path, kMaxStatementBytes, err);
  if (!text) return std::nullopt;
  reports::StatementParse parsed = reports::parse_statement_csv(*text);
  if (parsed.errors.empty()) return std::move(parsed.lines);
  for (const auto& e : parsed.errors) err << path << ":" << reports::to_string(e) << "\n";
  err << "onestop reconcile: " << parsed.errors.size() << (parsed.more_errors ? "+" : "")
      << " errors in the statement; nothing matched\n";
  return std::nullopt;
}

int match(store::Ledger& ledger, const store::ReconciliationQuery& q,
          const std::vector<reports::StatementLine>& statement, const std::string& format,
          std::ostream& out) {
  const reports::MatchReport report = reports::match(ledger, q, statement);
  if (format == "json") {
    reports::write_match_json(out, report);
  } else {
    reports::write_match_table(out, report);
  }
  return report.ties() ? kOk : kFailed;
}

// Runs subcommand `command` with its checked options.
int run(const std::string& command, const Parsed& parsed, const store::ReconciliationQuery& q,
        std::ostream& out, std::ostream& err) {
  static const std::map<std::string, std::vector<std::string>> kFormats = {
      {"totals", {"table", "csv", "json"}},
      {"details", {"csv", "jsonl"}},
      {"match", {"table", "json"}}};
  const auto format = read_format(parsed, command, kFormats.at(command), err);
  if (!format) return kUsage;
  std::optional<std::vector<reports::StatementLine>> statement;
  if (command == "match") {
    if (!q.fund || !parsed.options.contains("statement")) {
      err << "onestop reconcile match: --statement FILE.csv and --fund CODE are required\n";
      return kUsage;
    }
    statement = load_statement(parsed.options.at("statement"), err);
    if (!statement) return kUsage;
  }
  const auto url = ledger_url(parsed, "reconcile", err);
  if (!url) return kUsage;
  const auto ledger = open_existing_ledger(*url, "reconcile", err);
  if (!ledger) return kUsage;
  try {
    if (command == "totals") return totals(*ledger, q, *format, out);
    if (command == "details") {
      return details(*ledger, q, *format, option_or(parsed, "policy-dir", "config/policies"), out,
                     err);
    }
    return match(*ledger, q, *statement, *format, out);
  } catch (const store::LedgerUnavailable& e) {
    err << "onestop reconcile: " << url->text << ": " << e.error().message << "\n";
    return kUsage;
  }
}

}  // namespace

int reconcile_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  const auto parsed =
      parse("reconcile", kUsageText, kDescription, reconcile_options(), args, out, err);
  if (!parsed) return kUsage;
  if (parsed->help) return kOk;
  const auto& pos = parsed->positional;
  if (pos.size() != 1 || (pos[0] != "totals" && pos[0] != "details" && pos[0] != "match")) {
    err << "onestop reconcile: usage: onestop reconcile " << kUsageText << "\n";
    return kUsage;
  }
  const auto query = read_query(*parsed, err);
  if (!query) return kUsage;
  return run(pos[0], *parsed, *query, out, err);
}

}  // namespace onestop::cli
