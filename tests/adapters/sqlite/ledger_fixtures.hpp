// Helpers for the ledger tests: a fresh database per test, the shared cases' claims, settle
// jobs computed by the real engine, verify with the real codec, and raw SQL for tampering.
#pragma once

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "adapters/codec/claim_codec.hpp"
#include "adapters/codec/result_codec.hpp"
#include "adapters/policy/policy_loader.hpp"
#include "adapters/sqlite/open.hpp"
#include "adapters/store/ledger.hpp"
#include "adapters/store/verify.hpp"
#include "engine/settle.hpp"
#include "support/fixtures.hpp"

namespace onestop::testing {

// The test directories of this process, removed when it exits (set ONESTOP_KEEP_TEST_FILES
// to keep them for a look at a failure).
class TestDirs {
 public:
  ~TestDirs() {
    if (std::getenv("ONESTOP_KEEP_TEST_FILES") != nullptr) return;
    std::error_code ignored;  // a leftover temp directory is not worth failing the run
    for (const auto& dir : dirs_) std::filesystem::remove_all(dir, ignored);
  }
  void add(const std::string& dir) { dirs_.push_back(dir); }

 private:
  std::vector<std::string> dirs_;
};

// A directory of its own for the running test (tests run as parallel processes).
inline std::string test_dir() {
  static TestDirs dirs;
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string name = std::string(info->test_suite_name()) + "-" + info->name();
  std::replace(name.begin(), name.end(), '/', '_');  // parameterized tests: "Codes/Name/0"
  const std::string dir =
      ::testing::TempDir() + "onestop-sqlite-" + std::to_string(getpid()) + "-" + name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  dirs.add(dir);
  return dir;
}

inline std::string temp_db() { return test_dir() + "/ledger.db"; }

inline std::unique_ptr<store::Ledger> open_ledger(const std::string& path,
                                                  std::size_t max_batch = 64) {
  sqlite::LedgerOptions options;
  options.path = path;
  options.max_batch = max_batch;
  auto ledger = sqlite::open_ledger(options);
  if (!ledger) throw std::runtime_error("cannot open ledger: " + ledger.error().message);
  return std::move(ledger).value();
}

// The claims of tests/cases discharged in 2020 (the reference policy's year), in file order.
inline const std::vector<Claim>& claims_2020() {
  static const std::vector<Claim> claims = [] {
    std::vector<Claim> out;
    std::ifstream in(source_path("tests/cases/zhaoshan-2020.claims.jsonl"));
    for (std::string line; std::getline(in, line);) {
      auto claim = codec::decode_claim(line);
      if (!claim) throw std::runtime_error("bad case claim: " + claim.error().message);
      if (claim->year() == 2020) out.push_back(std::move(claim).value());
    }
    return out;
  }();
  return claims;
}

// The 2020 claims of one patient, in file order.
inline std::vector<Claim> claims_of(const std::string& patient_id) {
  std::vector<Claim> out;
  for (const auto& c : claims_2020()) {
    if (c.patient_id == patient_id) out.push_back(c);
  }
  return out;
}

inline std::string request_hash(const Claim& claim) {
  return policy::sha256_hex(codec::encode_claim(claim));
}

// What the service will do: settle with the engine, store the canonical claim and result.
inline Result<store::Computed> compute(const Policy& policy, const Claim& claim,
                                       const Accumulators& before) {
  Result<Settlement> s = settle(policy, claim, before);
  if (!s) return s.error();
  std::string result = codec::encode_settlement(*s);
  return store::Computed{std::move(s).value(), codec::encode_claim(claim), std::move(result)};
}

inline store::SettleJob settle_job(const Claim& claim) {
  store::SettleJob job;
  job.hospital_id = claim.hospital_id;
  job.bill_no = claim.bill_no;
  job.patient_id = claim.patient_id;
  job.year = claim.year();
  job.request_sha256 = request_hash(claim);
  job.policy_text = reference_policy().text;
  job.stored_claim = store::stored_claim(claim, codec::encode_claim(claim));
  job.compute = [claim](const Accumulators& before) {
    return compute(reference_policy(), claim, before);
  };
  return job;
}

inline store::CancelJob cancel_job(std::int64_t id, std::string request = "cancel-request-1") {
  return store::CancelJob{id, "patient re-admitted; bill corrected", std::move(request)};
}

// Settles and waits; fails the test unless the outcome is `expected`.
inline store::WriteResult settle_now(store::Ledger& ledger, const Claim& claim,
                                     store::Outcome expected = store::Outcome::created) {
  store::WriteResult r = ledger.settle(settle_job(claim)).get();
  EXPECT_EQ(r.outcome, expected) << claim.bill_no << ": "
                                 << (r.error ? r.error->code + " " + r.error->message : "");
  return r;
}

// The resettle verify uses, as tools/onestop/verify_command.cpp builds it.
inline store::Resettle resettle_with(const Policy& policy) {
  return [&policy](const store::StoredRecord& r,
                   const Accumulators& before) -> Result<store::Computed> {
    if (r.policy_id != policy.id || r.policy_sha256 != policy.sha256) {
      return Error{"policy_changed", "policy_sha256", "not the policy it was settled under"};
    }
    Result<Claim> claim = codec::decode_claim(r.claim_json);
    if (!claim) return claim.error();
    return compute(policy, *claim, before);
  };
}

struct Verified {
  store::VerifySummary summary;
  std::vector<store::VerifyDifference> differences;

  // "record ID: what" lines, for failure messages and substring checks.
  std::string text() const {
    std::string out;
    for (const auto& d : differences) {
      out += "record " + std::to_string(d.record_id) + ": " + d.what + "\n";
    }
    return out;
  }
};

inline Verified verify(const std::string& path, const Policy& policy = reference_policy()) {
  Verified v;
  store::VerifyHooks hooks;
  hooks.difference = [&v](const store::VerifyDifference& d) { v.differences.push_back(d); };
  auto summary = sqlite::verify_ledger(path, resettle_with(policy), hooks);
  if (!summary) throw std::runtime_error("verify failed: " + summary.error().message);
  v.summary = *summary;
  return v;
}

// Runs SQL on its own raw connection (no triggers dropped unless the SQL says so). Returns
// SQLite's result code.
inline int raw_exec(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr);
  if (rc == SQLITE_OK) rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr);
  sqlite3_close(db);
  return rc;
}

// The first column of the first row of a query on a raw connection, as text ("" when none).
inline std::string raw_value(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  std::string value;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_text(stmt, 0) != nullptr) {
      value = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
    }
    sqlite3_finalize(stmt);
  }
  sqlite3_close(db);
  return value;
}

struct CommandRun {
  int status = -1;
  std::string output;  // stdout and stderr together
};

// Runs the onestop binary with `args` (shell words) and collects its output.
inline CommandRun run_onestop(const std::string& args) {
  CommandRun run;
  const std::string command = std::string(ONESTOP_BINARY) + " " + args + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return run;
  std::array<char, 4096> buffer{};
  std::size_t n = 0;
  while ((n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0)
    run.output.append(buffer.data(), n);
  const int raw = pclose(pipe);
  run.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  return run;
}

// A job whose compute() waits until released: submitted first, it holds the writer so that
// the jobs submitted after it are queued and committed together in the next batch.
class WriterGate {
 public:
  store::SettleJob job(const Claim& claim) {
    store::SettleJob j = settle_job(claim);
    j.compute = [this, claim](const Accumulators& before) {
      entered_.set_value();
      release_.get_future().wait();
      return compute(reference_policy(), claim, before);
    };
    return j;
  }
  void wait_until_holding() { entered_.get_future().wait(); }
  void release() { release_.set_value(); }

 private:
  std::promise<void> entered_;
  std::promise<void> release_;
};

}  // namespace onestop::testing
