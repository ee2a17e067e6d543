// onestop simulate: the year's live settlements re-settled under another policy (what-if);
// nothing is written to the ledger.
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/Util/OptionSet.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <string>

#include "adapters/policy/policy_loader.hpp"
#include "adapters/reports/simulate.hpp"
#include "adapters/store/ledger.hpp"
#include "tools/onestop/commands.hpp"

namespace onestop::cli {
namespace {

using Poco::Util::Option;

Poco::Util::OptionSet simulate_options() {
  Poco::Util::OptionSet options;
  options.addOption(Option("policy", "p", "the policy to re-settle under (a policy JSON file)")
                        .required(true)
                        .argument("FILE"));
  options.addOption(Option("year", "y", "the policy year (discharge year) to re-settle")
                        .required(true)
                        .argument("YYYY"));
  add_ledger_options(options);
  options.addOption(Option("out", "o",
                           "write the per-settlement differences as CSV (only the settlements "
                           "that changed or that the policy refuses)")
                        .argument("DIFF.csv"));
  options.addOption(
      Option("top", "n", "how many of the largest patient-pays changes to list (default 10)")
          .argument("N"));
  options.addOption(
      Option("format", "f", "table or json (default: table on a terminal, json otherwise)")
          .argument("FORMAT"));
  options.addOption(Option("threads", "t",
                           "threads that re-settle side by side, by person (default: one per "
                           "CPU); the output does not depend on it")
                        .argument("N"));
  return options;
}

// A whole number in [low, high] from option `name`, or nullopt (reported) when it is not one.
std::optional<long long> number_option(const std::string& name, const std::string& text,
                                       long long low, long long high, std::ostream& err) {
  long long value = 0;
  std::size_t used = 0;
  try {
    value = std::stoll(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != text.size() || value < low || value > high) {
    err << "onestop simulate: --" << name << " '" << text << "': must be a whole number from "
        << low << " to " << high << "\n";
    return std::nullopt;
  }
  return value;
}

struct Settings {
  std::string policy_file;
  int year = 0;
  backend::LedgerUrl ledger;
  std::string out;  // "" = no CSV
  std::size_t top = 10;
  unsigned threads = 0;
  bool json = false;
};

// The command line as Settings, or nullopt (reported) on a usage error.
std::optional<Settings> settings_from(const Parsed& parsed, std::ostream& err) {
  Settings s;
  s.policy_file = parsed.options.at("policy");
  const auto year = number_option("year", parsed.options.at("year"), 1900, 2999, err);
  const auto top = number_option("top", option_or(parsed, "top", "10"), 0, 100'000, err);
  const auto threads = number_option("threads", option_or(parsed, "threads", "0"), 0, 256, err);
  if (!year || !top || !threads) return std::nullopt;
  s.year = static_cast<int>(*year);
  s.top = static_cast<std::size_t>(*top);
  s.threads = static_cast<unsigned>(*threads);
  const auto url = ledger_url(parsed, "simulate", err);
  if (!url) return std::nullopt;
  s.ledger = *url;
  s.out = option_or(parsed, "out", "");
  const std::string format =
      option_or(parsed, "format", isatty(STDOUT_FILENO) == 1 ? "table" : "json");
  if (format != "table" && format != "json") {
    err << "onestop simulate: --format '" << format << "': must be table or json\n";
    return std::nullopt;
  }
  s.json = format == "json";
  return s;
}

// The report for a person at a terminal: amounts exact to the fen, the run time at the end.
void print_table(const reports::SimulationReport& r, double seconds, std::ostream& out) {
  out << "simulate " << r.year << " under " << r.policy_id << " (sha256 " << r.policy_sha256
      << ")\n"
      << r.settlements << " live settlements of " << r.persons << " persons re-settled, "
      << r.skipped_cancelled << " cancelled skipped, " << r.refused << " refused; medical total "
      << r.medical_total.to_string() << "\n\n";
  const auto row = [&out](const std::string& a, const std::string& b, const std::string& c,
                          const std::string& d) {
    out << std::left << std::setw(14) << a << std::right << std::setw(18) << b << std::setw(18) << c
        << std::setw(18) << d << "\n";
  };
  row("fund", "old", "new", "difference");
  for (const auto& f : r.funds) {
    row(f.fund, f.old_paid.to_string(), f.new_paid.to_string(), f.difference().to_string());
  }
  row("patient pays", r.old_patient_pays.to_string(), r.new_patient_pays.to_string(),
      (r.new_patient_pays - r.old_patient_pays).to_string());
  out << "\nsettlements changed: " << r.settlements_changed
      << " (patient pays changed: " << r.settlements_patient_pays_changed
      << "); persons whose patient pays over the year changed: " << r.persons_patient_pays_changed
      << "\n";
  if (!r.largest.empty()) {
    out << "\nlargest changes in patient pays:\n";
    out << std::setw(10) << "record"
        << "  " << std::left << std::setw(10) << "hospital" << std::setw(20) << "bill_no"
        << std::setw(12) << "patient" << std::right << std::setw(14) << "old" << std::setw(14)
        << "new" << std::setw(14) << "difference\n";
    for (const auto& c : r.largest) {
      out << std::setw(10) << c.record_id << "  " << std::left << std::setw(10) << c.hospital_id
          << std::setw(20) << c.bill_no << std::setw(12) << c.patient_id << std::right
          << std::setw(14) << c.old_patient_pays.to_string() << std::setw(14)
          << c.new_patient_pays.to_string() << std::setw(14) << c.difference().to_string() << "\n";
    }
  }
  for (const auto& e : r.refusals) {
    out << "refused: record " << e.record_id << " (" << e.hospital_id << " " << e.bill_no
        << "): " << e.error.code << ": " << e.error.message << "\n";
  }
  if (r.refused > static_cast<std::int64_t>(r.refusals.size())) {
    out << "... and " << r.refused - static_cast<std::int64_t>(r.refusals.size())
        << " more refused\n";
  }
  const double rate = seconds > 0 ? static_cast<double>(r.settlements + r.refused) / seconds : 0;
  out << "\n"
      << std::fixed << std::setprecision(2) << seconds << " s, " << std::setprecision(0) << rate
      << " settlements/s\n";
}

// The report as one JSON document; amounts as strings with two decimals (design.md §2).
void print_json(const reports::SimulationReport& r, std::ostream& out) {
  Poco::JSON::Object doc(Poco::JSON_PRESERVE_KEY_ORDER);
  doc.set("year", r.year);
  doc.set("policy", Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER)
                        .set("id", r.policy_id)
                        .set("sha256", r.policy_sha256));
  doc.set("settlements", r.settlements);
  doc.set("skipped_cancelled", r.skipped_cancelled);
  doc.set("persons", r.persons);
  doc.set("medical_total", r.medical_total.to_string());
  Poco::JSON::Array funds;
  for (const auto& f : r.funds) {
    Poco::JSON::Object o(Poco::JSON_PRESERVE_KEY_ORDER);
    o.set("fund", f.fund).set("old", f.old_paid.to_string()).set("new", f.new_paid.to_string());
    o.set("difference", f.difference().to_string());
    funds.add(o);
  }
  doc.set("funds", funds);
  doc.set("patient_pays",
          Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER)
              .set("old", r.old_patient_pays.to_string())
              .set("new", r.new_patient_pays.to_string())
              .set("difference", (r.new_patient_pays - r.old_patient_pays).to_string()));
  doc.set("settlements_changed", r.settlements_changed);
  doc.set("settlements_patient_pays_changed", r.settlements_patient_pays_changed);
  doc.set("persons_patient_pays_changed", r.persons_patient_pays_changed);
  Poco::JSON::Array largest;
  for (const auto& c : r.largest) {
    Poco::JSON::Object o(Poco::JSON_PRESERVE_KEY_ORDER);
    o.set("record_id", c.record_id).set("hospital_id", c.hospital_id).set("bill_no", c.bill_no);
    o.set("patient_id", c.patient_id).set("old", c.old_patient_pays.to_string());
    o.set("new", c.new_patient_pays.to_string()).set("difference", c.difference().to_string());
    largest.add(o);
  }
  doc.set("largest", largest);
  doc.set("refused", r.refused);
  Poco::JSON::Array refusals;
  for (const auto& e : r.refusals) {
    Poco::JSON::Object o(Poco::JSON_PRESERVE_KEY_ORDER);
    o.set("record_id", e.record_id).set("hospital_id", e.hospital_id).set("bill_no", e.bill_no);
    o.set("code", e.error.code).set("field", e.error.field).set("message", e.error.message);
    refusals.add(o);
  }
  doc.set("refusals", refusals);
  doc.stringify(out);
  out << "\n";
}

// Runs the simulation on an existing ledger; the exit code as the command's.
int run(const Settings& s, std::ostream& out, std::ostream& err) {
  const Result<Policy> policy = policy::load_policy_file(s.policy_file);
  if (!policy) {
    const Error& e = policy.error();
    err << "onestop simulate: --policy: " << (e.field.empty() ? "" : e.field + ": ") << e.message
        << "\n";
    return kUsage;
  }
  const auto ledger = open_existing_ledger(s.ledger, "simulate", err);
  if (!ledger) return kUsage;
  std::ofstream csv;
  reports::SimulateOptions simulate_options;
  simulate_options.top = s.top;
  simulate_options.threads = s.threads;
  if (!s.out.empty()) {
    csv.open(s.out, std::ios::binary | std::ios::trunc);
    if (!csv) {
      err << "onestop simulate: --out " << s.out << ": cannot write\n";
      return kUsage;
    }
    simulate_options.diff_csv = &csv;
  }
  const bool terminal = isatty(STDERR_FILENO) == 1;
  if (terminal) {
    simulate_options.progress = [&err](std::int64_t n) {
      err << "\rre-settled " << n << " settlements..." << std::flush;
    };
  }
  const auto start = std::chrono::steady_clock::now();
  reports::SimulationReport report;
  try {
    report = reports::simulate(*ledger, *policy, s.year, simulate_options);
  } catch (const store::LedgerUnavailable& e) {
    err << (terminal ? "\n" : "") << "onestop simulate: " << s.ledger.text << ": " << e.what()
        << "\n";
    return kFailed;
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (terminal && report.settlements + report.refused >= 10'000) err << "\n";
  csv.close();
  if (!s.out.empty() && !csv) {
    err << "onestop simulate: --out " << s.out << ": write failed\n";
    return kFailed;
  }
  if (s.json) {
    print_json(report, out);
  } else {
    print_table(report, seconds, out);
  }
  return kOk;
}

}  // namespace

int simulate_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  const auto parsed = parse(
      "simulate",
      "--policy NEW.json --year YYYY [--ledger URL] [--out DIFF.csv] [--top N] "
      "[--format table|json]",
      "Re-settles every live settlement of the year, in the original order, under another "
      "policy, on accumulators that start from zero for each person, and writes nothing to "
      "the ledger. Prints each fund's total as stored and under the new policy, the patient "
      "pays, how many settlements and persons changed and the largest changes. Settlements the "
      "new policy refuses are counted and listed, not fatal. Exit 0 when the run completed.",
      simulate_options(), args, out, err);
  if (!parsed) return kUsage;
  if (parsed->help) return kOk;
  if (!parsed->positional.empty()) {
    err << "onestop simulate: unexpected argument '" << parsed->positional[0] << "'\n";
    return kUsage;
  }
  const auto settings = settings_from(*parsed, err);
  if (!settings) return kUsage;
  return run(*settings, out, err);
}

}  // namespace onestop::cli
