// onestop clients add|rotate|revoke|list: the HTTP API's clients and their keys (issue 5), kept
// as salted hashes in the ledger database (adapters/sqlite/clients.hpp). A new key is printed
// alone on standard output, so `KEY=$(onestop clients add ...)` captures it; everything for
// people goes to standard error.
#include <Poco/Util/OptionSet.h>

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "adapters/codec/csv.hpp"
#include "adapters/codec/json_util.hpp"
#include "adapters/reports/text_table.hpp"
#include "adapters/service/hospital_registry.hpp"
#include "adapters/store/clients.hpp"
#include "adapters/store/national_store.hpp"
#include "tools/onestop/commands.hpp"

namespace onestop::cli {
namespace {

using Poco::Util::Option;
using store::ClientInfo;
using store::Clients;
using store::Role;

constexpr const char* kUsageText =
    "add NAME --role hospital|reconciler|auditor|admin [--hospital ID]\n"
    "       onestop clients rotate NAME\n"
    "       onestop clients revoke NAME [--previous]\n"
    "       onestop clients list [--format table|csv|json]\n"
    "       onestop clients tif-token NAME\n"
    "       (each also takes [--config FILE] [--ledger URL])";

constexpr const char* kDescription =
    "The clients of the HTTP API and their keys. 'add' creates a client and prints its first "
    "key alone on standard output; the key is shown this once (the ledger keeps only a salted "
    "hash): store it in the billing system's secret store; the client sends it as "
    "'Authorization: Bearer KEY'. Role hospital needs --hospital, an id of the hospital "
    "registry (onestop.hospitals.file of --config); the other roles take none. 'rotate' prints "
    "a new key; the previous one stays valid until the next rotate or 'revoke NAME --previous' "
    "(rotation without downtime). 'revoke' ends every key of the client (its name stays "
    "taken), or with --previous only the keys older than its newest. 'list' shows each client "
    "with its valid key ids, never a key. 'tif-token' prints the x-tif-paasid and the token a "
    "hospital's HIS signs the national interface's x-tif-signature with (the newest key's "
    "stored verifier: keep it as secret as the key). The ledger is --ledger (or --db "
    "FILE), else onestop.ledger.url of --config (default config/onestop.properties, the file "
    "'onestop serve' reads). Exit 0 when done, 1 when refused (unknown client, name taken, client "
    "revoked), 2 for a usage error; nothing is written on an error.";

Poco::Util::OptionSet clients_options() {
  Poco::Util::OptionSet o;
  o.addOption(Option("role", "r", "add: hospital, reconciler, auditor or admin (required)")
                  .argument("ROLE"));
  o.addOption(Option("hospital", "H", "add: the hospital's registry id (role hospital only)")
                  .argument("ID"));
  o.addOption(Option("previous", "",
                     "revoke: only the keys older than the newest (ends a "
                     "rotation)"));
  o.addOption(Option("format", "f", "list: table (default), csv or json").argument("FORMAT"));
  o.addOption(Option("config", "c",
                     "the settings file (default config/onestop.properties; built-in defaults "
                     "when that file does not exist)")
                  .argument("FILE"));
  add_ledger_options(o, /*config=*/false);
  return o;
}

// Exit code of a refusal by the store: the client's state refused it (1), or the arguments
// were bad (2); a failing database is 1 (the command ran, nothing was written).
int exit_code(const Error& e) {
  if (e.code == "bad_client_name" || e.code == "hospital_required" ||
      e.code == "hospital_not_allowed") {
    return kUsage;
  }
  return kFailed;
}

void report(const Error& e, std::ostream& err) {
  err << "onestop clients: " << (e.field.empty() ? "" : e.field + ": ") << e.message << "\n";
}

// The role and hospital of `add`, checked against each other and the hospital registry; nullopt
// after saying why (every problem here is a usage error).
std::optional<std::pair<Role, std::string>> role_and_hospital(const Parsed& parsed,
                                                              const http::ServerConfig& config,
                                                              std::ostream& err) {
  const auto role_text = parsed.options.find("role");
  if (role_text == parsed.options.end()) {
    err << "onestop clients: --role is required: hospital, reconciler, auditor or admin\n";
    return std::nullopt;
  }
  const auto role = store::parse_role(role_text->second);
  if (!role) {
    err << "onestop clients: --role '" << role_text->second
        << "' is not one of hospital, reconciler, auditor, admin\n";
    return std::nullopt;
  }
  const std::string hospital = option_or(parsed, "hospital", "");
  if (*role != Role::hospital) {
    if (!parsed.options.contains("hospital")) return std::pair{*role, std::string()};
    err << "onestop clients: --hospital is only for role hospital, not " << role_text->second
        << "\n";
    return std::nullopt;
  }
  if (hospital.empty()) {
    err << "onestop clients: --hospital ID is required for role hospital\n";
    return std::nullopt;
  }
  const auto registry = service::HospitalRegistry::load_file(config.hospitals_file);
  if (!registry) {
    err << "onestop clients: hospital registry: " << registry.error().message << "\n";
    return std::nullopt;
  }
  const service::Hospital* known = registry->find(hospital);
  if (known == nullptr) {
    err << "onestop clients: --hospital '" << hospital << "' is not in the hospital registry "
        << config.hospitals_file << "\n";
    return std::nullopt;
  }
  if (!known->designated) {
    err << "onestop clients: warning: " << hospital << " (" << known->name
        << ") is not designated for one-stop settlement; its settlements are refused until it "
           "is\n";
  }
  return std::pair{*role, hospital};
}

// The clients store at `db`. `create`: a missing database (and its directory) is created
// (adding the first client before the server first ran); otherwise it must exist.
std::unique_ptr<Clients> open_clients(const backend::LedgerUrl& db, bool create,
                                      std::ostream& err) {
  if (!create && !backend::exists(db)) {
    err << "onestop clients: " << db.setting << ": no ledger database at " << db.text << "\n";
    return nullptr;
  }
  if (const auto e = create ? backend::make_directory(db) : std::nullopt) {
    err << "onestop clients: " << e->message << "\n";
    return nullptr;
  }
  auto clients = backend::open_clients(db);
  if (!clients) {
    err << "onestop clients: " << db.text << ": " << clients.error().message << "\n";
    return nullptr;
  }
  return std::move(clients).value();
}

int add(const Parsed& parsed, const std::string& name, const http::ServerConfig& config,
        const backend::LedgerUrl& db, std::ostream& out, std::ostream& err) {
  if (auto e = store::check_client_name(name)) {
    err << "onestop clients: NAME '" << name << "': " << e->message << "\n";
    return kUsage;
  }
  const auto role = role_and_hospital(parsed, config, err);
  if (!role) return kUsage;
  const auto clients = open_clients(db, /*create=*/true, err);
  if (!clients) return kUsage;
  const auto key = clients->add(name, role->first, role->second);
  if (!key) {
    report(key.error(), err);
    return exit_code(key.error());
  }
  out << key->key << "\n";
  err << "onestop clients: added " << name << " (role " << store::role_name(role->first)
      << (role->second.empty() ? "" : ", hospital " + role->second) << "), key id " << key->key_id
      << ", in " << db.text << ".\n"
      << "The key above is shown this once: the ledger keeps only a salted hash of it.\n"
         "Store it in the billing system's secret store; the client sends it as the header\n"
         "  Authorization: Bearer <key>\n";
  return kOk;
}

int rotate(const std::string& name, const backend::LedgerUrl& db, std::ostream& out,
           std::ostream& err) {
  const auto clients = open_clients(db, /*create=*/false, err);
  if (!clients) return kUsage;
  const auto key = clients->rotate(name);
  if (!key) {
    report(key.error(), err);
    return exit_code(key.error());
  }
  out << key->key << "\n";
  err << "onestop clients: new key " << key->key_id << " for " << name << " (shown this once).\n"
      << "The previous key stays valid until the next 'onestop clients rotate " << name
      << "' or\n'onestop clients revoke " << name
      << " --previous': give the client the new key, then revoke the previous one.\n";
  return kOk;
}

// The national gateway's paasid and token of the client's newest key (issue 12).
int tif_token(const std::string& name, const backend::LedgerUrl& db, std::ostream& out,
              std::ostream& err) {
  const auto clients = open_clients(db, /*create=*/false, err);
  if (!clients) return kUsage;
  const auto all = clients->list();
  if (!all) {
    report(all.error(), err);
    return exit_code(all.error());
  }
  const auto it =
      std::find_if(all->begin(), all->end(), [&](const ClientInfo& c) { return c.name == name; });
  if (it == all->end() || it->key_ids.empty() || it->role != Role::hospital) {
    err << "onestop clients tif-token: " << name << " is not an active hospital client\n";
    return 1;
  }
  auto store = backend::open_national_store(db);
  if (!store) {
    report(store.error(), err);
    return exit_code(store.error());
  }
  const auto client = (*store)->tif_client(it->key_ids.front());
  if (!client || !*client) {
    err << "onestop clients tif-token: no key for " << name << "\n";
    return 1;
  }
  out << "x-tif-paasid: " << it->key_ids.front() << "\ntoken: " << (*client)->token << "\n";
  return kOk;
}

int revoke(const std::string& name, bool previous_only, const backend::LedgerUrl& db,
           std::ostream& out, std::ostream& err) {
  const auto clients = open_clients(db, /*create=*/false, err);
  if (!clients) return kUsage;
  if (auto e = clients->revoke(name, previous_only)) {
    report(*e, err);
    return exit_code(*e);
  }
  if (previous_only) {
    out << "revoked the keys of " << name << " older than its newest; its newest key stays valid\n";
  } else {
    out << "revoked " << name << ": none of its keys is valid any more; the name stays taken\n";
  }
  return kOk;
}

std::string joined(const std::vector<std::string>& parts, const std::string& separator) {
  std::string text;
  for (const auto& p : parts) text += (text.empty() ? "" : separator) + p;
  return text;
}

void write_table(std::ostream& out, const std::vector<ClientInfo>& clients) {
  reports::TextTable table(
      {"name", "role", "hospital", "created_at", "revoked_at", "keys", "key_ids"},
      {false, false, false, false, false, true, false});
  for (const auto& c : clients) {
    table.add({c.name, std::string(store::role_name(c.role)), c.hospital_id, c.created_at,
               c.revoked_at.value_or(""), std::to_string(c.key_ids.size()),
               joined(c.key_ids, " ")});
  }
  table.write(out);
}

void write_csv(std::ostream& out, const std::vector<ClientInfo>& clients) {
  codec::CsvWriter csv(out);
  csv.row({"name", "role", "hospital_id", "created_at", "revoked_at", "keys", "key_ids"});
  for (const auto& c : clients) {
    csv.text(c.name).text(store::role_name(c.role)).text(c.hospital_id).text(c.created_at);
    csv.text(c.revoked_at.value_or("")).number(static_cast<long long>(c.key_ids.size()));
    csv.text(joined(c.key_ids, " "));
    csv.end_row();
  }
}

void write_json(std::ostream& out, const std::vector<ClientInfo>& clients) {
  codec::JsonWriter w(256 + clients.size() * 256);
  w.begin_object().key("clients").begin_array();
  for (const auto& c : clients) {
    w.begin_object().member("name", c.name).member("role", store::role_name(c.role));
    w.key("hospital_id");
    if (c.hospital_id.empty()) {
      w.raw("null");
    } else {
      w.value(c.hospital_id);
    }
    w.member("created_at", c.created_at).key("revoked_at");
    if (c.revoked_at) {
      w.value(*c.revoked_at);
    } else {
      w.raw("null");
    }
    w.key("key_ids").begin_array();
    for (const auto& id : c.key_ids) w.value(id);
    w.end_array().end_object();
  }
  w.end_array().end_object();
  out << w.text() << "\n";
}

int list(const std::string& format, const backend::LedgerUrl& db, std::ostream& out,
         std::ostream& err) {
  const auto clients = open_clients(db, /*create=*/false, err);
  if (!clients) return kUsage;
  const auto all = clients->list();
  if (!all) {
    report(all.error(), err);
    return kFailed;
  }
  if (format == "csv") {
    write_csv(out, *all);
  } else if (format == "json") {
    write_json(out, *all);
  } else {
    write_table(out, *all);
  }
  return kOk;
}

// Options that belong to another subcommand are refused rather than silently ignored (a
// misplaced --previous must not turn into revoking everything).
bool only_options_of(const Parsed& parsed, const std::string& sub,
                     const std::vector<std::string>& allowed, std::ostream& err) {
  for (const auto& [name, value] : parsed.options) {
    if (name == "config" || name == "db" || name == "ledger") continue;
    if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
      err << "onestop clients " << sub << ": --" << name << " is not an option of " << sub << "\n";
      return false;
    }
  }
  return true;
}

// Runs `sub` once its arguments are known to fit it.
int run(const Parsed& parsed, const std::string& sub, std::ostream& out, std::ostream& err) {
  const auto config = server_settings(parsed, "clients", err);
  if (!config) return kUsage;
  const auto url = ledger_url(parsed, "clients", err);
  if (!url) return kUsage;
  const backend::LedgerUrl& db = *url;
  if (sub == "list") return list(option_or(parsed, "format", "table"), db, out, err);
  const std::string& name = parsed.positional[1];
  if (sub == "add") return add(parsed, name, *config, db, out, err);
  if (sub == "rotate") return rotate(name, db, out, err);
  if (sub == "tif-token") return tif_token(name, db, out, err);
  return revoke(name, parsed.options.contains("previous"), db, out, err);
}

}  // namespace

int clients_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  const auto parsed = parse("clients", kUsageText, kDescription, clients_options(), args, out, err);
  if (!parsed) return kUsage;
  if (parsed->help) return kOk;
  const auto& pos = parsed->positional;
  const std::string sub = pos.empty() ? "" : pos[0];
  const std::size_t arity = sub == "list" ? 1 : 2;
  if ((sub != "add" && sub != "rotate" && sub != "revoke" && sub != "list" && sub != "tif-token") ||
      pos.size() != arity) {
    err << "onestop clients: usage: onestop clients " << kUsageText << "\n";
    return kUsage;
  }
  static const std::map<std::string, std::vector<std::string>> kOptions = {
      {"add", {"role", "hospital"}},
      {"rotate", {}},
      {"revoke", {"previous"}},
      {"list", {"format"}},
      {"tif-token", {}}};
  if (!only_options_of(*parsed, sub, kOptions.at(sub), err)) return kUsage;
  const std::string format = option_or(*parsed, "format", "table");
  if (format != "table" && format != "csv" && format != "json") {
    err << "onestop clients list: --format '" << format << "' is not one of table, csv, json\n";
    return kUsage;
  }
  return run(*parsed, sub, out, err);
}

}  // namespace onestop::cli
