// onestop audit access (issue 5), run as the binary over entries written with store::AccessLog:
// local days at the region's offset (an entry at 2020-03-01T17:00Z is on 2020-03-02 at +08:00),
// the client and target filters, the limit, the CSV and JSON shapes, and the usage errors.
#include <Poco/JSON/Parser.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "adapters/codec/csv.hpp"
#include "adapters/reports/command_workspace.hpp"
#include "adapters/sqlite/open.hpp"
#include "adapters/store/access_log.hpp"

namespace onestop::testing {
namespace {

using store::AccessEntry;

AccessEntry entry(std::string at, std::string client, std::string target, int status,
                  std::string correlation_id) {
  AccessEntry e;
  e.at = std::move(at);
  e.client = std::move(client);
  e.role = e.client.empty() ? "" : "hospital";
  e.method = "GET";
  e.route = "/v1/settlements/{id}";
  e.target = std::move(target);
  e.status = status;
  e.remote = "127.0.0.1:50000";
  e.correlation_id = std::move(correlation_id);
  return e;
}

// Local days at +08:00 in the comments.
void write_log(const std::string& db) {
  auto log = sqlite::open_access_log(db, {});
  ASSERT_TRUE(log) << log.error().message;
  (*log)->append(entry("2020-03-01T15:59:59.999Z", "desk", "settlement:1", 200, "c1"));   // 03-01
  (*log)->append(entry("2020-03-01T16:00:00.000Z", "desk", "patient:P001", 200, "c2"));   // 03-02
  (*log)->append(entry("2020-03-01T17:00:00.000Z", "recon", "", 200, "c3"));              // 03-02
  (*log)->append(entry("2020-03-02T15:59:59.999Z", "", "", 401, "c4"));                   // 03-02
  (*log)->append(entry("2020-03-02T16:00:00.000Z", "recon", "settlement:1", 403, "c5"));  // 03-03
  (*log)->flush();
}

// The correlation ids of a CSV listing, in order (the last column of each row).
std::vector<std::string> ids_of_csv(const std::string& text) {
  EXPECT_TRUE(text.starts_with(codec::kUtf8Bom));
  codec::CsvReader reader(std::string_view(text).substr(codec::kUtf8Bom.size()));
  std::vector<std::string> ids;
  bool header = true;
  while (!reader.done()) {
    const codec::CsvRecord record = reader.next();
    if (record.is_blank()) continue;
    if (!header) ids.push_back(record.fields.back());
    header = false;
  }
  return ids;
}

using Ids = std::vector<std::string>;

TEST(AuditAccessCommand, FiltersByLocalDayClientAndTarget) {
  const CommandWorkspace ws;
  write_log(ws.db());
  const std::string csv = " --format csv --db " + ws.db();
  struct Case {
    std::string args;
    Ids ids;
  };
  const std::vector<Case> cases = {
      {"", {"c1", "c2", "c3", "c4", "c5"}},
      {"--from 2020-03-02 --to 2020-03-02 --utc-offset +08:00", {"c2", "c3", "c4"}},
      {"--from 2020-03-02 --to 2020-03-02 --config " + ws.config(), {"c2", "c3", "c4"}},
      {"--from 2020-03-02 --utc-offset +08:00", {"c2", "c3", "c4", "c5"}},
      {"--to 2020-03-01 --utc-offset +08:00", {"c1"}},
      {"--from 2020-03-03 --to 2020-03-31 --utc-offset +08:00", {"c5"}},
      {"--from 2020-03-02 --to 2020-03-02 --utc-offset Z", {"c4", "c5"}},
      {"--from 2020-03-05 --utc-offset +08:00", {}},
      {"--client recon", {"c3", "c5"}},
      {"--target settlement:1", {"c1", "c5"}},
      {"--client recon --target settlement:1", {"c5"}},
      {"--client desk --from 2020-03-02 --to 2020-03-02 --utc-offset +08:00", {"c2"}},
      {"--client nobody", {}},
  };
  for (const Case& c : cases) {
    const SplitRun run = ws.run("audit access " + c.args + csv);
    EXPECT_EQ(run.status, 0) << c.args << "\n" << run.err;
    EXPECT_EQ(ids_of_csv(run.out), c.ids) << c.args;
    EXPECT_EQ(run.err, "") << c.args;
  }
}

TEST(AuditAccessCommand, CsvTableAndJsonShapes) {
  const CommandWorkspace ws;
  write_log(ws.db());
  const std::string db = " --db " + ws.db();

  const SplitRun csv = ws.run("audit access --client recon --format csv" + db);
  ASSERT_EQ(csv.status, 0) << csv.err;
  std::string expected(codec::kUtf8Bom);
  expected +=
      "id,at,client,role,method,route,target,status,remote,correlation_id\r\n"
      "3,2020-03-01T17:00:00.000Z,recon,hospital,GET,/v1/settlements/{id},,200,"
      "127.0.0.1:50000,c3\r\n"
      "5,2020-03-02T16:00:00.000Z,recon,hospital,GET,/v1/settlements/{id},settlement:1,403,"
      "127.0.0.1:50000,c5\r\n";
  EXPECT_EQ(csv.out, expected);

  const SplitRun table = ws.run("audit access --target patient:P001" + db);
  ASSERT_EQ(table.status, 0) << table.err;
  EXPECT_TRUE(table.out.starts_with("at (UTC)")) << table.out;
  EXPECT_NE(table.out.find("2020-03-01T16:00:00.000Z  desk"), std::string::npos) << table.out;
  EXPECT_EQ(std::count(table.out.begin(), table.out.end(), '\n'), 2);

  const SplitRun json = ws.run(
      "audit access --from 2020-03-02 --to 2020-03-02 --utc-offset +08:00 --format json" + db);
  ASSERT_EQ(json.status, 0) << json.err;
  const auto doc = Poco::JSON::Parser().parse(json.out).extract<Poco::JSON::Object::Ptr>();
  EXPECT_EQ(doc->getValue<std::string>("from"), "2020-03-02");
  EXPECT_EQ(doc->getValue<std::string>("to"), "2020-03-02");
  EXPECT_EQ(doc->getValue<std::string>("utc_offset"), "+08:00");
  EXPECT_FALSE(doc->getValue<bool>("truncated"));
  const auto entries = doc->getArray("entries");
  ASSERT_EQ(entries->size(), 3u);
  const auto unauthenticated = entries->getObject(2);
  EXPECT_EQ(unauthenticated->getValue<std::string>("at"), "2020-03-02T15:59:59.999Z");
  EXPECT_EQ(unauthenticated->getValue<std::string>("client"), "");
  EXPECT_EQ(unauthenticated->getValue<int>("status"), 401);
  EXPECT_EQ(unauthenticated->getValue<std::string>("route"), "/v1/settlements/{id}");
  EXPECT_EQ(unauthenticated->getValue<std::string>("remote"), "127.0.0.1:50000");
  EXPECT_EQ(unauthenticated->getValue<std::string>("correlation_id"), "c4");
  EXPECT_EQ(unauthenticated->getValue<std::int64_t>("id"), 4);
}

TEST(AuditAccessCommand, ALimitShowsTheOldestEntriesAndSaysThereAreMore) {
  const CommandWorkspace ws;
  write_log(ws.db());
  const SplitRun csv = ws.run("audit access --limit 2 --format csv --db " + ws.db());
  EXPECT_EQ(csv.status, 0);
  EXPECT_EQ(ids_of_csv(csv.out), (Ids{"c1", "c2"}));
  EXPECT_NE(csv.err.find("there are more"), std::string::npos) << csv.err;

  const SplitRun json = ws.run("audit access --limit 2 --format json --db " + ws.db());
  const auto doc = Poco::JSON::Parser().parse(json.out).extract<Poco::JSON::Object::Ptr>();
  EXPECT_TRUE(doc->getValue<bool>("truncated"));
  EXPECT_EQ(doc->getArray("entries")->size(), 2u);

  const SplitRun exact = ws.run("audit access --limit 5 --format json --db " + ws.db());
  EXPECT_EQ(exact.err, "");
  EXPECT_NE(exact.out.find("\"truncated\":false"), std::string::npos) << exact.out;
}

TEST(AuditAccessCommand, BadOptionsNameTheOptionAndExitTwo) {
  const CommandWorkspace ws;
  write_log(ws.db());
  const std::string db = " --db " + ws.db();
  struct Case {
    std::string args;
    std::string says;
  };
  const std::vector<Case> cases = {
      {"--from 2020-13-01 --utc-offset +08:00" + db, "--from '2020-13-01' is not a date"},
      {"--to 2020-03-0 --utc-offset +08:00" + db, "--to '2020-03-0' is not a date"},
      {"--from 2020-03-05 --to 2020-03-01 --utc-offset +08:00" + db,
       "--to 2020-03-01 is before --from 2020-03-05"},
      {"--from 2020-03-01 --utc-offset 8" + db, "--utc-offset '8' is not an offset"},
      {"--limit 0" + db, "--limit '0' is not a number from 1 to 100000"},
      {"--limit 100001" + db, "--limit '100001'"},
      {"--limit ten" + db, "--limit 'ten'"},
      {"--format xml" + db, "--format 'xml' is not one of table, csv, json"},
      {"--year 2020" + db, "--year is not an option of audit access"},
      {"extra" + db, "unexpected argument 'extra'"},
      {"--db " + ws.dir() + "/missing.db", "--db: no ledger database at"},
  };
  for (const Case& c : cases) {
    const SplitRun run = ws.run("audit access " + c.args);
    EXPECT_EQ(run.status, 2) << c.args << "\n" << run.err;
    EXPECT_NE(run.err.find(c.says), std::string::npos) << c.args << "\n" << run.err;
    EXPECT_EQ(run.out, "") << c.args;
  }
  EXPECT_FALSE(std::filesystem::exists(ws.dir() + "/missing.db"));
}

}  // namespace
}  // namespace onestop::testing
