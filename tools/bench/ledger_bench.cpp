// The durable ledger writer alone (no HTTP, no service), against a baseline measured in the
// same run: the same number of rows of the same size made durable the same way by bare SQLite.
// A batch is `range(0)` settle jobs queued at once, for as many persons (one job each), and
// answered when their group commit is; the baseline inserts as many ~1.2 KB rows (the size of
// a compact record with its indexes) in one transaction on a file with the ledger's pragmas.
// Report the ratio ledger / baseline in items per second.
#include <benchmark/benchmark.h>
#include <sqlite3.h>

#include <filesystem>
#include <future>
#include <stdexcept>
#include <string>
#include <vector>

#include "adapters/codec/claim_codec.hpp"
#include "adapters/codec/digest.hpp"
#include "adapters/sqlite/open.hpp"
#include "adapters/store/ledger.hpp"
#include "bench_inputs.hpp"
#include "engine/settle.hpp"

namespace {

using namespace onestop;

// The benchmarks' 10-item claim as person `n`'s bill `bill`.
Claim claim_of(std::int64_t n, std::int64_t bill) {
  Claim c = bench::claim();
  c.patient_id = "P" + std::to_string(1'000'000 + n);
  c.bill_no = "ZY2020-" + std::to_string(bill);
  return c;
}

// The job the service queues for `claim` (settlement_service.cpp: compute on the writer, the
// claim's stored form and the request hash made before).
store::SettleJob job_of(const Claim& claim) {
  store::SettleJob job;
  job.hospital_id = claim.hospital_id;
  job.bill_no = claim.bill_no;
  job.patient_id = claim.patient_id;
  job.year = claim.year();
  std::string claim_json = codec::encode_claim(claim);
  job.request_sha256 = codec::sha256_hex(claim_json);
  job.policy_text = bench::reference().text;
  job.stored_claim = store::stored_claim(claim, claim_json);
  job.compute = [claim, claim_json](const Accumulators& before) -> Result<store::Computed> {
    Result<Settlement> s = settle(bench::reference(), claim, before);
    if (!s) return s.error();
    return store::Computed{std::move(s).value(), claim_json, {}};
  };
  return job;
}

std::string fresh_path(const std::string& name) {
  const auto dir = std::filesystem::temp_directory_path() / "onestop-ledger-bench";
  std::filesystem::create_directories(dir);
  const auto path = dir / name;
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path.string() + suffix);
  return path.string();
}

void BM_LedgerSettleBatch(benchmark::State& state) {
  const auto batch = static_cast<std::int64_t>(state.range(0));
  sqlite::LedgerOptions options;
  options.path = fresh_path("ledger.db");
  options.max_batch = static_cast<std::size_t>(batch);
  auto ledger = sqlite::open_ledger(options);
  if (!ledger) throw std::runtime_error(ledger.error().message);
  std::int64_t bill = 0;
  for (auto _ : state) {
    state.PauseTiming();
    std::vector<store::SettleJob> jobs;
    for (std::int64_t i = 0; i < batch; ++i, ++bill) {
      jobs.push_back(job_of(claim_of(bill % 20'000, bill)));
    }
    state.ResumeTiming();
    std::vector<std::future<store::WriteResult>> answers;
    for (auto& job : jobs) answers.push_back((*ledger)->settle(std::move(job)));
    for (auto& answer : answers) {
      if (answer.get().outcome != store::Outcome::created) throw std::runtime_error("not created");
    }
  }
  state.SetItemsProcessed(state.iterations() * batch);
}
BENCHMARK(BM_LedgerSettleBatch)->Arg(8)->Arg(32)->UseRealTime();

// Baseline: `range(0)` rows of 1 200 bytes inserted and committed in one transaction, WAL and
// synchronous=FULL as the ledger's connections have them.
void BM_SqliteDurableBatch(benchmark::State& state) {
  const auto batch = state.range(0);
  sqlite3* db = nullptr;
  if (sqlite3_open(fresh_path("baseline.db").c_str(), &db) != SQLITE_OK) {
    throw std::runtime_error("cannot open the baseline database");
  }
  sqlite3_exec(db,
               "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; "
               "CREATE TABLE t (id INTEGER PRIMARY KEY, body BLOB NOT NULL)",
               nullptr, nullptr, nullptr);
  sqlite3_stmt* insert = nullptr;
  sqlite3_prepare_v2(db, "INSERT INTO t (body) VALUES (?1)", -1, &insert, nullptr);
  const std::string body(1200, 'x');
  for (auto _ : state) {
    sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
    for (std::int64_t i = 0; i < batch; ++i) {
      sqlite3_bind_blob(insert, 1, body.data(), static_cast<int>(body.size()), SQLITE_STATIC);
      if (sqlite3_step(insert) != SQLITE_DONE) throw std::runtime_error("baseline insert failed");
      sqlite3_reset(insert);
    }
    if (sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) {
      throw std::runtime_error("baseline commit failed");
    }
  }
  sqlite3_finalize(insert);
  sqlite3_close(db);
  state.SetItemsProcessed(state.iterations() * batch);
}
BENCHMARK(BM_SqliteDurableBatch)->Arg(8)->Arg(32)->UseRealTime();

}  // namespace
