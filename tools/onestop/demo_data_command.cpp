// onestop demo-data: a synthetic roster and a policy year of settlements in a new ledger,
// sent through the real settlement service (adapters/reports/demo_data.hpp).
#include <Poco/Util/OptionSet.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <memory>
#include <string>

#include "adapters/policy/policy_loader.hpp"
#include "adapters/reports/demo_data.hpp"
#include "adapters/service/hospital_registry.hpp"
#include "adapters/service/settlement_service.hpp"
#include "adapters/store/ledger.hpp"
#include "adapters/store/roster.hpp"
#include "tools/onestop/commands.hpp"

namespace onestop::cli {
namespace {

using Poco::Util::Option;

Poco::Util::OptionSet demo_options() {
  Poco::Util::OptionSet options;
  // The new ledger (created; it must hold no records): --ledger URL or --db FILE, required.
  add_ledger_options(options, /*config=*/false);
  options.addOption(Option("persons", "n", "persons on the roster (default 200)").argument("N"));
  options.addOption(
      Option("settlements", "m", "settlements over the year (default 1000)").argument("M"));
  options.addOption(Option("year", "y", "the policy year").required(true).argument("YYYY"));
  options.addOption(Option("seed", "s", "the random seed (default 1)").argument("S"));
  options.addOption(
      Option("roster-out", "r", "also write the roster as CSV (roster import's format)")
          .argument("FILE.csv"));
  options.addOption(
      Option("hospitals", "H", "the hospital registry (default config/hospitals.json)")
          .argument("FILE"));
  options.addOption(
      Option("policy-dir", "p", "the policies (default config/policies)").argument("DIR"));
  options.addOption(
      Option("cancel-per-mille", "c", "settlements cancelled per 1000 (default 10)").argument("N"));
  options.addOption(Option("window", "w", "requests in flight at once (default 64)").argument("N"));
  options.addOption(
      Option("max-batch", "b", "settlements the ledger commits together (default 512)")
          .argument("N"));
  return options;
}

// Option `name` as a whole number in [low, high] (default `fallback`); nullopt, reported, when
// it is not one.
std::optional<long long> number(const Parsed& parsed, const std::string& name,
                                const std::string& fallback, long long low, long long high,
                                std::ostream& err) {
  const std::string text = option_or(parsed, name, fallback);
  long long value = 0;
  std::size_t used = 0;
  try {
    value = std::stoll(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != text.size() || value < low || value > high) {
    err << "onestop demo-data: --" << name << " '" << text << "': must be a whole number from "
        << low << " to " << high << "\n";
    return std::nullopt;
  }
  return value;
}

struct Settings {
  reports::DemoOptions demo;
  backend::LedgerUrl ledger;
  std::string roster_out;
  std::string hospitals;
  std::string policy_dir;
  std::size_t max_batch = 512;
};

// The command line as Settings, or nullopt (reported) on a usage error.
std::optional<Settings> settings_from(const Parsed& parsed, std::ostream& err) {
  const auto persons = number(parsed, "persons", "200", 1, 10'000'000, err);
  const auto settlements = number(parsed, "settlements", "1000", 1, 100'000'000, err);
  const auto year = number(parsed, "year", "", 1900, 2999, err);
  const auto seed = number(parsed, "seed", "1", 0, 9'223'372'036'854'775'807LL, err);
  const auto cancel = number(parsed, "cancel-per-mille", "10", 0, 1000, err);
  const auto window = number(parsed, "window", "64", 1, 1024, err);
  const auto batch = number(parsed, "max-batch", "512", 1, 4096, err);
  if (!persons || !settlements || !year || !seed || !cancel || !window || !batch) {
    return std::nullopt;
  }
  Settings s;
  s.demo.persons = *persons;
  s.demo.settlements = *settlements;
  s.demo.year = static_cast<int>(*year);
  s.demo.seed = static_cast<std::uint64_t>(*seed);
  s.demo.cancel_per_mille = static_cast<int>(*cancel);
  s.demo.window = static_cast<std::size_t>(*window);
  s.max_batch = static_cast<std::size_t>(*batch);
  if (!parsed.options.contains("ledger") && !parsed.options.contains("db")) {
    err << "onestop demo-data: give the new ledger: --ledger URL or --db FILE\n";
    return std::nullopt;
  }
  const auto url = ledger_url(parsed, "demo-data", err);
  if (!url) return std::nullopt;
  s.ledger = *url;
  s.roster_out = option_or(parsed, "roster-out", "");
  s.hospitals = option_or(parsed, "hospitals", "config/hospitals.json");
  s.policy_dir = option_or(parsed, "policy-dir", "config/policies");
  return s;
}

// What was written, for the person who ran it.
void print_summary(const reports::DemoSummary& d, const std::string& db, double seconds,
                   std::ostream& out) {
  out << "demo data in " << db << ": " << d.persons << " persons (" << d.roster_rows
      << " roster rows), " << d.settlements << " settlements, " << d.cancellations
      << " cancellations, " << d.refused << " refused\n"
      << "live settlements: medical total " << d.medical_total.to_string() << ", funds paid "
      << d.fund_paid.to_string() << ", patient pays " << d.patient_pays.to_string() << "\n"
      << std::fixed << std::setprecision(1) << seconds << " s, " << std::setprecision(0)
      << (seconds > 0 ? static_cast<double>(d.settlements + d.cancellations) / seconds : 0)
      << " records/s\n";
  for (const auto& e : d.first_refusals) {
    out << "refused: " << e.code << " " << e.field << ": " << e.message << "\n";
  }
}

// The ledger, roster and service on `s.ledger`, then the demo loaded. Exit code as the command's.
int run(const Settings& s, std::ostream& out, std::ostream& err) {
  auto hospitals = service::HospitalRegistry::load_file(s.hospitals);
  if (!hospitals) {
    err << "onestop demo-data: --hospitals: " << hospitals.error().message << "\n";
    return kUsage;
  }
  auto policies = policy::PolicySet::load_dir(s.policy_dir);
  if (!policies) {
    err << "onestop demo-data: --policy-dir: " << policies.error().message << "\n";
    return kUsage;
  }
  if (const auto e = backend::make_directory(s.ledger)) {
    err << "onestop demo-data: " << e->message << "\n";
    return kUsage;
  }
  reports::DemoClock clock;
  store::LedgerOptions options;
  options.max_batch = s.max_batch;
  options.clock = [&clock] { return clock.now(); };
  // A new ledger made again from the seed if the load does not finish: its commits go to the
  // disk once, when it closes, not one batch at a time.
  options.sync_commits = false;
  auto ledger = backend::open_ledger(s.ledger, options);
  if (!ledger) {
    err << "onestop demo-data: " << s.ledger.text << ": " << ledger.error().message << "\n";
    return kUsage;
  }
  auto roster = backend::open_roster(s.ledger);
  if (!roster) {
    err << "onestop demo-data: " << s.ledger.text << ": " << roster.error().message << "\n";
    return kUsage;
  }
  std::ofstream roster_csv;
  reports::DemoOptions demo = s.demo;
  if (!s.roster_out.empty()) {
    roster_csv.open(s.roster_out, std::ios::binary | std::ios::trunc);
    if (!roster_csv) {
      err << "onestop demo-data: --roster-out " << s.roster_out << ": cannot write\n";
      return kUsage;
    }
    demo.roster_csv = &roster_csv;
  }
  const bool terminal = isatty(STDERR_FILENO) == 1;
  if (terminal) {
    demo.progress = [&err](std::int64_t done, std::int64_t total) {
      err << "\rsettled " << done << " of " << total << "..." << std::flush;
    };
  }
  const service::SettlementService service(*hospitals, *policies, **ledger, **roster, {});
  const auto start = std::chrono::steady_clock::now();
  const auto summary = reports::load_demo_data(service, **roster, clock, demo);
  const auto closed = (*ledger)->close();  // the load is on the disk once this returns
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (terminal) err << "\n";
  if (!summary) {
    err << "onestop demo-data: " << summary.error().field << ": " << summary.error().message
        << "\n";
    return summary.error().code == "not_empty" || summary.error().code == "no_policy" ? kUsage
                                                                                      : kFailed;
  }
  if (closed) {
    err << "onestop demo-data: " << s.ledger.text << ": " << closed->message << "\n";
    return kFailed;
  }
  print_summary(*summary, s.ledger.text, seconds, out);
  return summary->refused == 0 ? kOk : kFailed;
}

}  // namespace

int demo_data_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  const auto parsed = parse(
      "demo-data",
      "--ledger URL|--db FILE --year YYYY [--persons N] [--settlements M] [--seed S] [--roster-out "
      "FILE.csv] "
      "[--hospitals FILE] [--policy-dir DIR]",
      "Generates a synthetic roster of N persons and M settlements spread over the days of the "
      "year (about 1 % of them cancelled), deterministically from the seed, and sends them "
      "through the settlement service into a new ledger, each record stamped on its day "
      "(08:00 China Standard Time onwards). Exit 0 when every request was accepted.",
      demo_options(), args, out, err);
  if (!parsed) return kUsage;
  if (parsed->help) return kOk;
  if (!parsed->positional.empty()) {
    err << "onestop demo-data: unexpected argument '" << parsed->positional[0] << "'\n";
    return kUsage;
  }
  const auto settings = settings_from(*parsed, err);
  if (!settings) return kUsage;
  return run(*settings, out, err);
}

}  // namespace onestop::cli
