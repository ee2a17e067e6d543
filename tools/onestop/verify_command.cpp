// onestop verify: the ledger's hash chain and every settlement replayed to the fen.
#include <Poco/Util/OptionSet.h>
#include <unistd.h>

#include <iostream>
#include <string>

#include "adapters/codec/claim_codec.hpp"
#include "adapters/codec/result_codec.hpp"
#include "adapters/policy/policy_loader.hpp"
#include "adapters/sqlite/verify.hpp"
#include "engine/settle.hpp"
#include "tools/onestop/commands.hpp"

namespace onestop::cli {
namespace {

using Poco::Util::Option;

// --db and --policy-dir, with their defaults in the help.
Poco::Util::OptionSet verify_options() {
  Poco::Util::OptionSet options;
  options.addOption(
      Option("db", "d", "the ledger database (default var/onestop.db)").argument("FILE"));
  options.addOption(
      Option("policy-dir", "p", "the policies the records name (default config/policies)")
          .argument("DIR"));
  return options;
}

// The value of option `name`, or `fallback` when it was not given.
std::string option_or(const Parsed& parsed, const std::string& name, const std::string& fallback) {
  const auto it = parsed.options.find(name);
  return it == parsed.options.end() ? fallback : it->second;
}

// Re-settles a stored settlement: its claim under the policy it names, which must still have
// the content hash it was settled under (a changed policy file is a difference, not a pass).
sqlite::Resettle resettle_with(const policy::PolicySet& policies) {
  return [&policies](const sqlite::StoredRecord& r,
                     const Accumulators& before) -> Result<sqlite::Computed> {
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
    return sqlite::Computed{std::move(s).value(), codec::encode_claim(*claim), std::move(result)};
  };
}

// Differences to `out` as "record ID: what"; progress to `err` only when it is a terminal.
sqlite::VerifyHooks print_to(std::ostream& out, std::ostream& err) {
  sqlite::VerifyHooks hooks;
  hooks.difference = [&out](const sqlite::VerifyDifference& d) {
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
      parse("verify", "[--db FILE] [--policy-dir DIR]",
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
  const std::string db = option_or(*parsed, "db", "var/onestop.db");
  const std::string dir = option_or(*parsed, "policy-dir", "config/policies");
  const Result<policy::PolicySet> policies = policy::PolicySet::load_dir(dir);
  if (!policies) {
    err << "onestop verify: policies " << dir << ": " << policies.error().message << "\n";
    return kUsage;
  }
  const auto summary = sqlite::verify_ledger(db, resettle_with(*policies), print_to(out, err));
  if (isatty(STDERR_FILENO) == 1 && summary && summary->records >= 1000) err << "\n";
  if (!summary) {
    err << "onestop verify: " << db << ": " << summary.error().message << "\n";
    return kUsage;
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
