// onestop ledger migrate: brings a ledger to this build's schema in place (what opening it for
// serve or any writing command does too), so that the read-only commands (verify, reports)
// can read it, and keeps in it the texts of the policies its older records name.
// onestop ledger copy: moves a whole ledger to another engine or file (store/copy.hpp).
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
  options.addOption(Option("from", "", "copy: the ledger to copy, sqlite:PATH or postgresql://...")
                        .argument("URL"));
  options.addOption(Option("to", "", "copy: the empty ledger to copy into (created when missing)")
                        .argument("URL"));
  return options;
}

// The URL of option `name` (--from, --to), or a usage error.
std::optional<backend::LedgerUrl> url_option(const Parsed& parsed, const std::string& name,
                                             std::ostream& err) {
  const auto it = parsed.options.find(name);
  if (it == parsed.options.end()) {
    err << "onestop ledger copy: --" << name << " URL is required\n";
    return std::nullopt;
  }
  auto url = backend::parse_ledger_url(it->second, "--" + name);
  if (!url) {
    err << "onestop ledger copy: --" << name << ": " << url.error().message << "\n";
    return std::nullopt;
  }
  return std::move(url).value();
}

int copy(const Parsed& parsed, std::ostream& out, std::ostream& err) {
  const auto from = url_option(parsed, "from", err);
  const auto to = from ? url_option(parsed, "to", err) : std::nullopt;
  if (!from || !to) return kUsage;
  const auto copied = backend::copy_ledger(*from, *to);
  if (!copied) {
    err << "onestop ledger copy: "
        << (copied.error().field.empty() ? "" : copied.error().field + ": ")
        << copied.error().message << "\n";
    return copied.error().code == "ledger_unavailable" ? kFailed : kUsage;
  }
  out << "copied " << copied->records << " records, " << copied->policies << " policy texts and "
      << copied->seals << " seals";
  for (const auto& [table, rows] : copied->rows) out << ", " << rows << " " << table << " rows";
  out << " from " << from->text << " to " << to->text << "\n";
  return kOk;
}

}  // namespace

int ledger_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  const auto parsed =
      parse("ledger",
            "migrate [--ledger URL] [--config FILE] [--policy-dir DIR] | copy --from URL --to URL",
            "migrate: applies the ledger's pending schema migrations in place, each in its own "
            "transaction (records written before keep their bytes and their hashes). copy: "
            "copies every record, policy text, seal, roster and certification row, client and "
            "access-log entry of one ledger into an empty one, in one transaction, so that "
            "verify passes on the copy and every read answers as before.",
            ledger_options(), args, out, err);
  if (!parsed) return kUsage;
  if (parsed->help) return kOk;
  if (parsed->positional.size() == 1 && parsed->positional[0] == "copy") {
    return copy(*parsed, out, err);
  }
  if (parsed->positional.size() != 1 || parsed->positional[0] != "migrate") {
    err << "onestop ledger: usage: onestop ledger migrate [--ledger URL] [--config FILE] | "
           "onestop ledger copy --from URL --to URL\n";
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
