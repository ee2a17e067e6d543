// onestop ledger copy (issue 11): a SQLite ledger with records of every format (format 1 from
// the schema 4 fixture, format 2 from the schema 7 one, format 3 written since), cancellations,
// seals, clients, the roster and the access log, copied into a real PostgreSQL 15 and back.
// verify passes on every copy, every record reads byte for byte as before, a client's key
// still authenticates, and a new settlement on the copy follows the copied ids.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "adapters/backend/backend.hpp"
#include "adapters/sqlite/ledger_fixtures.hpp"
#include "support/pg_cluster.hpp"

namespace onestop::testing {
namespace {

std::string quoted(const std::string& text) { return "'" + text + "'"; }

backend::LedgerUrl url_of(const std::string& text) {
  auto url = backend::parse_ledger_url(text, "test");
  if (!url) throw std::runtime_error(url.error().message);
  return std::move(url).value();
}

std::unique_ptr<store::Ledger> open(const backend::LedgerUrl& url) {
  auto ledger = backend::open_ledger(url, {});
  if (!ledger) throw std::runtime_error(ledger.error().message);
  return std::move(ledger).value();
}

// Every record of the ledger, as reads answer it.
std::vector<store::StoredRecord> all_records(store::Ledger& ledger) {
  std::vector<store::StoredRecord> out;
  ledger.scan([&](const store::StoredRecord& r) {
    out.push_back(r);
    return true;
  });
  return out;
}

void expect_same_records(const std::vector<store::StoredRecord>& a,
                         const std::vector<store::StoredRecord>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    SCOPED_TRACE("record " + std::to_string(a[i].id));
    EXPECT_EQ(b[i].id, a[i].id);
    EXPECT_EQ(b[i].format, a[i].format);
    EXPECT_EQ(b[i].person_seq, a[i].person_seq);
    EXPECT_EQ(b[i].hash, a[i].hash);
    EXPECT_EQ(b[i].prev_hash, a[i].prev_hash);
    EXPECT_EQ(b[i].claim_json, a[i].claim_json);
    EXPECT_EQ(b[i].result_json, a[i].result_json);
    EXPECT_EQ(b[i].cancelled_by, a[i].cancelled_by);
    EXPECT_EQ(b[i].special_disease, a[i].special_disease);
    EXPECT_EQ(b[i].recorded_at, a[i].recorded_at);
    EXPECT_EQ(store::canonical_record(b[i]), store::canonical_record(a[i]));
  }
}

int verify_exit(const backend::LedgerUrl& url, const std::string& policies) {
  const auto run = run_onestop("verify --ledger " + quoted(url.text) + " --policy-dir " + policies);
  EXPECT_NE(run.output.find(": OK"), std::string::npos) << run.output;
  return run.status;
}

// A SQLite ledger of `fixture` migrated to this schema, with a client added and one more
// settlement and its cancellation written by this build (format 3, sealed at close).
std::string prepared_sqlite(const std::string& fixture, const std::string& policies,
                            std::string* key) {
  const std::string path = test_dir() + "/source.db";
  std::filesystem::copy_file(source_path(fixture + "/ledger.db"), path);
  const auto migrated = run_onestop("ledger migrate --db " + path + " --policy-dir " + policies);
  EXPECT_EQ(migrated.status, 0) << migrated.output;
  const auto added = run_onestop("clients add copy-auditor --role auditor --db " + path);
  EXPECT_EQ(added.status, 0) << added.output;
  *key = added.output.substr(0, added.output.find('\n'));
  auto ledger = open_ledger(path);
  Claim claim = claims_2020().front();
  claim.bill_no += "-before-copy";
  const auto settled = settle_now(*ledger, claim);
  EXPECT_EQ(settled.record->format, 3);
  EXPECT_EQ(ledger->cancel(cancel_job(settled.record->id)).get().outcome, store::Outcome::created);
  return path;
}

class LedgerCopy : public ::testing::TestWithParam<const char*> {};

TEST_P(LedgerCopy, ASqliteLedgerCopiedToPostgreSqlAndBackReadsAndVerifiesAsBefore) {
  PgCluster* pg = nullptr;
  ONESTOP_REQUIRE_PG(pg);
  const std::string fixture = GetParam();
  const std::string policies =
      source_path(fixture == std::string("tests/cases/ledger-v4") ? "tests/cases/ledger-v4/policies"
                                                                  : "config/policies");
  std::string key;
  const auto from = backend::sqlite_url(prepared_sqlite(fixture, policies, &key), "test");
  const auto to = url_of(pg->fresh_database());

  const auto copied =
      run_onestop("ledger copy --from " + quoted(from.text) + " --to " + quoted(to.location));
  ASSERT_EQ(copied.status, 0) << copied.output;
  EXPECT_NE(copied.output.find("copied "), std::string::npos) << copied.output;
  EXPECT_EQ(verify_exit(to, policies), 0);

  const auto before = all_records(*open(from));
  ASSERT_GT(before.size(), 40u);
  std::int64_t formats[4] = {0, 0, 0, 0};
  for (const auto& r : before) ++formats[r.format];
  EXPECT_GT(formats[fixture == std::string("tests/cases/ledger-v4") ? 1 : 2], 0);
  EXPECT_EQ(formats[3], 2);
  expect_same_records(before, all_records(*open(to)));

  // The clients, the roster and the log came along.
  auto clients = backend::open_clients(to);
  ASSERT_TRUE(clients);
  const auto who = (*clients)->authenticate(key);
  ASSERT_TRUE(who);
  EXPECT_EQ(who->client, "copy-auditor");
  auto log = backend::open_access_log(to, {});
  ASSERT_TRUE(log);
  const auto entries = (*log)->list({});
  ASSERT_TRUE(entries);
  EXPECT_GE(entries->size(), 1u);

  // A second copy into the same ledger is refused and changes nothing.
  const auto again =
      run_onestop("ledger copy --from " + quoted(from.text) + " --to " + quoted(to.location));
  EXPECT_EQ(again.status, 2) << again.output;
  EXPECT_NE(again.output.find("already holds"), std::string::npos) << again.output;

  // The copy settles on: the next id follows the copied ones, the person's chain goes on.
  {
    auto ledger = open(to);
    Claim claim = claims_2020().front();
    claim.bill_no += "-after-copy";
    const auto settled = settle_now(*ledger, claim);
    EXPECT_GT(settled.record->id, before.back().id);
    EXPECT_EQ(settled.record->person_seq, 3);
  }
  EXPECT_EQ(verify_exit(to, policies), 0);

  // And back to SQLite, byte for byte what PostgreSQL reads.
  const auto back = backend::sqlite_url(test_dir() + "/back.db", "test");
  const auto returned =
      run_onestop("ledger copy --from " + quoted(to.location) + " --to " + quoted(back.text));
  ASSERT_EQ(returned.status, 0) << returned.output;
  EXPECT_EQ(verify_exit(back, policies), 0);
  expect_same_records(all_records(*open(to)), all_records(*open(back)));
}

INSTANTIATE_TEST_SUITE_P(Fixtures, LedgerCopy,
                         ::testing::Values("tests/cases/ledger-v4", "tests/cases/ledger-v7"));

TEST(LedgerCopyCommand, AMissingSourceOrTheSameLedgerIsRefusedAndNothingIsCreated) {
  const std::string target = test_dir() + "/never.db";
  auto run =
      run_onestop("ledger copy --from sqlite:" + test_dir() + "/none.db --to sqlite:" + target);
  EXPECT_EQ(run.status, 1) << run.output;
  EXPECT_NE(run.output.find("no ledger database"), std::string::npos) << run.output;
  EXPECT_FALSE(std::filesystem::exists(target));
  run = run_onestop("ledger copy --from sqlite:" + target + " --to sqlite:" + target);
  EXPECT_EQ(run.status, 2) << run.output;
  run = run_onestop("ledger copy --to sqlite:" + target);
  EXPECT_EQ(run.status, 2) << run.output;
  EXPECT_NE(run.output.find("--from URL is required"), std::string::npos) << run.output;
}

}  // namespace
}  // namespace onestop::testing
