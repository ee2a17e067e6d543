// onestop clients (issue 5, access), run as the binary: a printed key is alone on standard
// output and authenticates as its client; rotation keeps two keys, revocation ends them; the
// listing never shows a secret; every bad command line names its option, exits 2 or 1 and
// writes nothing.
#include <Poco/JSON/Parser.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "adapters/codec/csv.hpp"
#include "adapters/reports/command_workspace.hpp"
#include "adapters/sqlite/open.hpp"
#include "adapters/store/clients.hpp"

namespace onestop::testing {
namespace {

using store::Clients;
using store::Role;

std::unique_ptr<Clients> open_clients(const std::string& path) {
  auto clients = sqlite::open_clients(path);
  if (!clients) throw std::runtime_error(clients.error().message);
  return std::move(clients).value();
}

// The key a successful add or rotate printed: its one line without the line end.
std::string printed_key(const SplitRun& run) {
  EXPECT_EQ(run.status, 0) << run.err;
  EXPECT_TRUE(run.out.ends_with("\n")) << run.out;
  const std::string key = run.out.substr(0, run.out.size() - 1);
  EXPECT_EQ(key.find('\n'), std::string::npos) << run.out;  // one line, nothing else
  EXPECT_TRUE(key.starts_with("osk_")) << key;
  return key;
}

std::string secret_of(const std::string& key) { return key.substr(key.rfind('_') + 1); }

bool valid(const std::string& db, const std::string& key) {
  return open_clients(db)->authenticate(key).has_value();
}

TEST(ClientsCommand, AddPrintsOnlyTheKeyWhichAuthenticatesWithTheClientsRoleAndHospital) {
  const CommandWorkspace ws;
  const SplitRun run =
      ws.run("clients add no3-billing --role hospital --hospital H2 --config " + ws.config());
  const std::string key = printed_key(run);
  EXPECT_NE(run.err.find("shown this once"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("Authorization: Bearer <key>"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("secret store"), std::string::npos) << run.err;

  const auto who = open_clients(ws.db())->authenticate(key);  // the ledger of --config
  ASSERT_TRUE(who.has_value());
  EXPECT_EQ(who->client, "no3-billing");
  EXPECT_EQ(who->role, Role::hospital);
  EXPECT_EQ(who->hospital_id, "H2");

  // --db wins over the settings file; a role other than hospital names no hospital.
  const std::string other = ws.dir() + "/sub/other.db";
  const std::string audit_key = printed_key(
      ws.run("clients add auditor-1 --role auditor --config " + ws.config() + " --db " + other));
  const auto auditor = open_clients(other)->authenticate(audit_key);
  ASSERT_TRUE(auditor.has_value());
  EXPECT_EQ(auditor->role, Role::auditor);
  EXPECT_EQ(auditor->hospital_id, "");
  EXPECT_FALSE(valid(ws.db(), audit_key));
}

TEST(ClientsCommand, RotateKeepsThePreviousKeyUntilTheNextRotateOrRevokePrevious) {
  const CommandWorkspace ws;
  const std::string common = " --config " + ws.config();
  const std::string first = printed_key(ws.run("clients add recon --role reconciler" + common));

  const SplitRun rotated = ws.run("clients rotate recon" + common);
  const std::string second = printed_key(rotated);
  EXPECT_NE(rotated.err.find("onestop clients revoke recon --previous"), std::string::npos)
      << rotated.err;
  EXPECT_TRUE(valid(ws.db(), first));  // no downtime
  EXPECT_TRUE(valid(ws.db(), second));

  const std::string third = printed_key(ws.run("clients rotate recon" + common));
  EXPECT_FALSE(valid(ws.db(), first));  // two keys at most
  EXPECT_TRUE(valid(ws.db(), second));
  EXPECT_TRUE(valid(ws.db(), third));

  const SplitRun previous = ws.run("clients revoke recon --previous" + common);
  EXPECT_EQ(previous.status, 0) << previous.err;
  EXPECT_FALSE(valid(ws.db(), second));
  EXPECT_TRUE(valid(ws.db(), third));

  const SplitRun revoked = ws.run("clients revoke recon" + common);
  EXPECT_EQ(revoked.status, 0) << revoked.err;
  EXPECT_FALSE(valid(ws.db(), third));

  const SplitRun again = ws.run("clients rotate recon" + common);
  EXPECT_EQ(again.status, 1);
  EXPECT_EQ(again.out, "");
  EXPECT_NE(again.err.find("name: recon was revoked"), std::string::npos) << again.err;
}

TEST(ClientsCommand, ListShowsEveryClientAndItsKeyIdsButNeverASecret) {
  const CommandWorkspace ws;
  const std::string common = " --config " + ws.config();
  std::vector<std::string> keys;
  keys.push_back(printed_key(ws.run("clients add h2-desk --role hospital --hospital H2" + common)));
  keys.push_back(printed_key(ws.run("clients add recon --role reconciler" + common)));
  keys.push_back(printed_key(ws.run("clients rotate recon" + common)));
  keys.push_back(printed_key(ws.run("clients add gone --role admin" + common)));
  ASSERT_EQ(ws.run("clients revoke gone" + common).status, 0);

  for (const std::string format : {"table", "csv", "json"}) {
    const SplitRun list = ws.run("clients list --format " + format + common);
    ASSERT_EQ(list.status, 0) << list.err;
    for (const auto& key : keys) {
      EXPECT_EQ(list.out.find(secret_of(key)), std::string::npos) << format;
      EXPECT_EQ(list.out.find(key), std::string::npos) << format;
    }
    for (const char* name : {"h2-desk", "recon", "gone", "H2", "reconciler"}) {
      EXPECT_NE(list.out.find(name), std::string::npos) << format << " " << name;
    }
    // recon's two valid keys, newest first (the JSON array is checked below).
    const std::string ids = keys[2].substr(4, 16) + " " + keys[1].substr(4, 16);
    if (format != "json") {
      EXPECT_NE(list.out.find(ids), std::string::npos) << list.out;
    }
  }

  const SplitRun csv = ws.run("clients list --format csv" + common);
  EXPECT_TRUE(csv.out.starts_with(std::string(codec::kUtf8Bom) +
                                  "name,role,hospital_id,created_at,revoked_at,keys,key_ids\r\n"))
      << csv.out;

  const SplitRun json = ws.run("clients list --format json" + common);
  const auto doc = Poco::JSON::Parser().parse(json.out).extract<Poco::JSON::Object::Ptr>();
  const auto clients = doc->getArray("clients");
  ASSERT_EQ(clients->size(), 3u);  // by name: gone, h2-desk, recon
  const auto gone = clients->getObject(0);
  EXPECT_EQ(gone->getValue<std::string>("name"), "gone");
  EXPECT_FALSE(gone->isNull("revoked_at"));
  EXPECT_EQ(gone->getArray("key_ids")->size(), 0u);
  EXPECT_TRUE(gone->isNull("hospital_id"));
  const auto desk = clients->getObject(1);
  EXPECT_EQ(desk->getValue<std::string>("hospital_id"), "H2");
  EXPECT_TRUE(desk->isNull("revoked_at"));
  const auto recon = clients->getObject(2);
  EXPECT_EQ(recon->getValue<std::string>("role"), "reconciler");
  ASSERT_EQ(recon->getArray("key_ids")->size(), 2u);
  EXPECT_EQ(recon->getArray("key_ids")->getElement<std::string>(0), keys[2].substr(4, 16));
}

TEST(ClientsCommand, BadCommandLinesNameTheirOptionExitTwoOrOneAndWriteNothing) {
  const CommandWorkspace ws;
  const std::string common = " --config " + ws.config();
  ASSERT_EQ(ws.run("clients add desk --role hospital --hospital H2" + common).status, 0);
  struct Case {
    std::string args;
    int status;
    std::string says;
  };
  const std::vector<Case> cases = {
      {"add x --role root", 2, "--role 'root' is not one of"},
      {"add x", 2, "--role is required"},
      {"add desk2 --role hospital", 2, "--hospital ID is required for role hospital"},
      {"add desk2 --role hospital --hospital H404", 2,
       "--hospital 'H404' is not in the hospital registry"},
      {"add recon --role reconciler --hospital H1", 2, "--hospital is only for role hospital"},
      {"add Upper --role admin", 2, "NAME 'Upper': a client name is 1 to 32"},
      {"add " + std::string(33, 'a') + " --role admin", 2, "a client name is 1 to 32"},
      {"add x --role admin --previous", 2, "--previous is not an option of add"},
      {"add desk --role hospital --hospital H2", 1, "name: a client named desk exists"},
      {"rotate nobody", 1, "name: no client named nobody"},
      {"revoke nobody --previous", 1, "name: no client named nobody"},
      {"rotate", 2, "usage: onestop clients"},
      {"rename desk", 2, "usage: onestop clients"},
      {"list --format xml", 2, "--format 'xml' is not one of table, csv, json"},
      {"revoke desk --format csv", 2, "--format is not an option of revoke"},
  };
  for (const Case& c : cases) {
    const SplitRun run = ws.run("clients " + c.args + common);
    EXPECT_EQ(run.status, c.status) << c.args << "\n" << run.err;
    EXPECT_NE(run.err.find(c.says), std::string::npos) << c.args << "\n" << run.err;
    EXPECT_EQ(run.out, "") << c.args;
  }
  const SplitRun no_config = ws.run("clients list --config " + ws.dir() + "/missing.properties");
  EXPECT_EQ(no_config.status, 2);
  EXPECT_NE(no_config.err.find("missing.properties: cannot read"), std::string::npos)
      << no_config.err;
  EXPECT_EQ(raw_value(ws.db(), "SELECT count(*) FROM clients"), "1");
  EXPECT_EQ(raw_value(ws.db(), "SELECT count(*) FROM client_keys"), "1");
  EXPECT_EQ(raw_value(ws.db(), "SELECT revoked_at IS NULL FROM clients"), "1");

  // A refused add does not create a database either; list, rotate and revoke never do.
  const std::string fresh = ws.dir() + "/fresh.db";
  for (const std::string args :
       {"add Bad --role admin", "add x --role hospital", "list", "rotate desk", "revoke desk"}) {
    const SplitRun run = ws.run("clients " + args + common + " --db " + fresh);
    EXPECT_EQ(run.status, 2) << args << "\n" << run.err;
    EXPECT_FALSE(std::filesystem::exists(fresh)) << args;
  }
}

}  // namespace
}  // namespace onestop::testing
