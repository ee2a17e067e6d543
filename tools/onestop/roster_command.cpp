// onestop roster import: replaces the roster of insured persons from a CSV file, all or nothing;
// onestop roster import-certifications: the same for the special-disease certifications.
#include <Poco/Util/OptionSet.h>

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <set>
#include <string>

#include "adapters/policy/policy_loader.hpp"
#include "adapters/store/roster.hpp"
#include "tools/onestop/commands.hpp"

namespace onestop::cli {
namespace {

using Poco::Util::Option;

// A roster file larger than this is refused before it is read (a prefecture's roster of a
// few hundred thousand persons is a few tens of MB).
constexpr std::uintmax_t kMaxRosterBytes = 256u << 20;

// --ledger (or --db) and --policy-dir, with their defaults in the help.
Poco::Util::OptionSet roster_options() {
  Poco::Util::OptionSet options;
  add_ledger_options(options);  // the database is created when missing
  options.addOption(Option("policy-dir", "p",
                           "categories (and diseases) must be known to a policy here (default "
                           "config/policies)")
                        .argument("DIR"));
  return options;
}

// Every category (or, with `diseases`, every special disease) any policy of the directory
// knows, or the error that kept it from loading.
Result<std::vector<std::string>> known_names(const std::string& dir, bool diseases) {
  Result<policy::PolicySet> policies = policy::PolicySet::load_dir(dir);
  if (!policies) return policies.error();
  return diseases ? policies->special_diseases() : policies->categories();
}

// Parses `file` with `parse` and, when every row is sound, writes its entries with `replace`
// (all or nothing); `what` names the rows in the summary. Exit code as the command's.
template <typename Parse, typename Replace>
int import_csv(const std::string& file, const backend::LedgerUrl& db, const char* what, Parse parse,
               Replace replace, std::ostream& out, std::ostream& err) {
  const auto text = read_file("roster", file, kMaxRosterBytes, err);
  if (!text) return kUsage;
  const auto parsed = parse(*text);
  for (const auto& e : parsed.errors) {
    err << file << ":" << e.line << ": " << e.column << ": " << e.message << "\n";
  }
  if (!parsed.errors.empty()) {
    err << "onestop roster: " << parsed.errors.size() << " errors; nothing imported\n";
    return kFailed;
  }
  if (const auto e = backend::make_directory(db)) {
    err << "onestop roster: " << e->message << "\n";
    return kUsage;
  }
  auto roster = backend::open_roster(db);
  if (!roster) {
    err << "onestop roster: " << db.text << ": " << roster.error().message << "\n";
    return kUsage;
  }
  if (const auto failed = replace(**roster, parsed.entries)) {
    err << "onestop roster: " << db.text << ": " << failed->message << "; nothing imported\n";
    return kFailed;
  }
  std::set<std::string> persons;
  for (const auto& e : parsed.entries) persons.insert(e.patient_id);
  out << "imported " << parsed.entries.size() << " " << what << " (" << persons.size()
      << " persons) from " << file << " into " << db.text << "\n";
  return kOk;
}

int import_roster(const std::string& file, const backend::LedgerUrl& db,
                  const std::vector<std::string>& categories, std::ostream& out,
                  std::ostream& err) {
  return import_csv(
      file, db, "roster rows",
      [&](const std::string& text) { return store::parse_roster_csv(text, categories); },
      [](store::Roster& r, const auto& entries) { return r.replace_all(entries); }, out, err);
}

int import_certifications(const std::string& file, const backend::LedgerUrl& db,
                          const std::vector<std::string>& diseases, std::ostream& out,
                          std::ostream& err) {
  return import_csv(
      file, db, "certifications",
      [&](const std::string& text) { return store::parse_certifications_csv(text, diseases); },
      [](store::Roster& r, const auto& entries) { return r.replace_certifications(entries); }, out,
      err);
}

}  // namespace

int roster_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  const auto parsed =
      parse("roster", "import|import-certifications FILE.csv [--ledger URL] [--policy-dir DIR]",
            "import replaces the roster of insured persons with a UTF-8 CSV file whose header "
            "is patient_id,name,id_number,category,valid_from,valid_to (valid_to empty: still "
            "holds); import-certifications replaces the certifications (认定) for outpatient "
            "special diseases with one whose header is patient_id,disease,valid_from,valid_to, "
            "each disease listed by a policy. All or nothing: each bad row is reported as "
            "FILE:LINE: column: reason and nothing is written. Exit 0 when imported, 1 when "
            "refused.",
            roster_options(), args, out, err);
  if (!parsed) return kUsage;
  if (parsed->help) return kOk;
  const bool certifications =
      parsed->positional.size() == 2 && parsed->positional[0] == "import-certifications";
  if (parsed->positional.size() != 2 || (parsed->positional[0] != "import" && !certifications)) {
    err << "onestop roster: usage: onestop roster import|import-certifications FILE.csv "
           "[--ledger URL] [--policy-dir DIR]\n";
    return kUsage;
  }
  const std::string dir = option_or(*parsed, "policy-dir", "config/policies");
  const auto known = known_names(dir, certifications);
  if (!known) {
    err << "onestop roster: policies " << dir << ": " << known.error().message << "\n";
    return kUsage;
  }
  const auto found = ledger_url(*parsed, "roster", err);
  if (!found) return kUsage;
  const backend::LedgerUrl& db = *found;
  if (certifications) return import_certifications(parsed->positional[1], db, *known, out, err);
  return import_roster(parsed->positional[1], db, *known, out, err);
}

}  // namespace onestop::cli
