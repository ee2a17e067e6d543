// onestop ledger migrate: brings a ledger to this build's schema in place (what opening it for
// serve or any writing command does too), so that the read-only commands (verify, reports)
// can read it, and keeps in it the texts of the policies its older records name.
#include <Poco/Util/OptionSet.h>

#include <iostream>
#include <string>

#include "adapters/backend/backend.hpp"
#include "adapters/policy/policy_loader.hpp"
#include "adapters/store/ledger.hpp"
#include "tools/onestop/commands.hpp"

namespace onestop::cli {
namespace {

using Poco::Util::Option;

Poco::Util::OptionSet ledger_options() {
  Poco::Util::OptionSet options;
  add_ledger_options(options);
  options.addOption(Option("policy-dir", "p",
                           "where to find the texts of the policies older records name "
                           "(default onestop.policy.dir of --config)")
                        .argument("DIR"));
  return options;
}

}  // namespace

int ledger_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  const auto parsed =
      parse("ledger", "migrate [--ledger URL] [--config FILE] [--policy-dir DIR]",
            "Applies the ledger's pending schema migrations in place, each in its own "
            "transaction (records written before keep their bytes and their hashes).",
            ledger_options(), args, out, err);
  if (!parsed) return kUsage;
  if (parsed->help) return kOk;
  if (parsed->positional.size() != 1 || parsed->positional[0] != "migrate") {
    err << "onestop ledger: usage: onestop ledger migrate [--ledger URL] [--config FILE]\n";
    return kUsage;
  }
  const auto config = server_settings(*parsed, "ledger", err);
  if (!config) return kUsage;
  const auto url = ledger_url(*parsed, "ledger", err);
  if (!url) return kUsage;
  std::int64_t records = 0;
  {
    auto ledger = backend::open_ledger(*url, {});
    if (!ledger) {
      err << "onestop ledger migrate: " << url->text << ": " << ledger.error().message << "\n";
      return kFailed;
    }
    records = (*ledger)->record_count();
  }
  const std::string dir = option_or(*parsed, "policy-dir", config->policy_dir);
  const auto policies = policy::PolicySet::load_dir(dir);
  if (!policies) {
    err << "onestop ledger migrate: policies " << dir << ": " << policies.error().message << "\n";
    return kUsage;
  }
  const auto kept = backend::keep_named_policies(*url, policies->all());
  if (!kept) {
    err << "onestop ledger migrate: " << url->text << ": " << kept.error().message << "\n";
    return kFailed;
  }
  out << "ledger " << url->text << " is at the current schema (" << records
      << " records); policy texts added: " << *kept << "\n";
  return kOk;
}

}  // namespace onestop::cli
