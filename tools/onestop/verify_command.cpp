// onestop verify: the ledger's hash chain and every settlement replayed to the fen.
#include <Poco/Util/OptionSet.h>
#include <unistd.h>

#include <iostream>
#include <string>

#include "adapters/policy/policy_loader.hpp"
#include "adapters/reports/audit_report.hpp"
#include "adapters/store/verify.hpp"
#include "tools/onestop/commands.hpp"

namespace onestop::cli {
namespace {

using Poco::Util::Option;

// --ledger (or --db) and --policy-dir, with their defaults in the help.
Poco::Util::OptionSet verify_options() {
  Poco::Util::OptionSet options;
  add_ledger_options(options);
  options.addOption(
      Option("policy-dir", "p", "the policies the records name (default config/policies)")
          .argument("DIR"));
  return options;
}

// Differences to `out` as "record ID: what"; progress to `err` only when it is a terminal.
store::VerifyHooks print_to(std::ostream& out, std::ostream& err) {
  store::VerifyHooks hooks;
  hooks.difference = [&out](const store::VerifyDifference& d) {
    if (d.record_id != 0) out << "record " << d.record_id << ": ";
    out << d.what << "\n";
  };
  if (isatty(STDERR_FILENO) == 1) {
    hooks.progress = [&err](std::int64_t n) {
      err << "\rverified " << n << " records..." << std::flush;
    };
  }
  return hooks;
}

}  // namespace

int verify_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  const auto parsed =
      parse("verify", "[--ledger URL] [--policy-dir DIR]",
            "Walks every ledger record in id order: checks the hash chain, re-settles each "
            "settlement from its stored claim and policy on the accumulators the ledger implies, "
            "compares to the fen and byte for byte, and checks the accumulators tables. Prints "
            "each difference. Exit 0 only when everything matches.",
            verify_options(), args, out, err);
  if (!parsed) return kUsage;
  if (parsed->help) return kOk;
  if (!parsed->positional.empty()) {
    err << "onestop verify: unexpected argument '" << parsed->positional[0] << "'\n";
    return kUsage;
  }
  const auto url = ledger_url(*parsed, "verify", err);
  if (!url) return kUsage;
  const std::string dir = option_or(*parsed, "policy-dir", "config/policies");
  const Result<policy::PolicySet> policies = policy::PolicySet::load_dir(dir);
  if (!policies) {
    err << "onestop verify: policies " << dir << ": " << policies.error().message << "\n";
    return kUsage;
  }
  const auto summary =
      backend::verify_ledger(*url, reports::resettle_with(*policies), print_to(out, err));
  if (isatty(STDERR_FILENO) == 1 && summary && summary->records >= 1000) err << "\n";
  if (!summary) {
    err << "onestop verify: " << url->text << ": " << summary.error().message << "\n";
    return kUsage;
  }
  // The hash an auditor notes: whatever is rewritten later, up to this seal it shows.
  if (summary->last_seal.id > 0) {
    out << "last seal " << summary->last_seal.id << " (" << summary->last_seal.sealed_at
        << "): " << summary->last_seal.hash << "\n";
  }
  out << "verified " << summary->records << " records up to id " << summary->last_id << ": ";
  if (summary->differences == 0) {
    out << "OK\n";
    return kOk;
  }
  out << summary->differences << (summary->differences == 1 ? " difference\n" : " differences\n");
  return kFailed;
}

}  // namespace onestop::cli
