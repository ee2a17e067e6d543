// What-if re-settlement: the scan reads the year's live settlements a chunk at a time, shards
// re-settle them by person (each shard owns its persons' accumulators), and one aggregator
// consumes the outcomes in id order, so the report and the CSV are the same for any number of
// threads. Memory: the per-person accumulators, two chunks (one read while the other is
// re-settled), and the top N.
#include "adapters/reports/simulate.hpp"

#include <algorithm>
#include <functional>
#include <optional>
#include <thread>
#include <unordered_map>
#include <utility>

#include "adapters/codec/claim_codec.hpp"
#include "adapters/codec/csv.hpp"
#include "engine/settle.hpp"

namespace onestop::reports {
namespace {

using FundPaid = std::vector<std::pair<std::string, Money>>;  // (fund, paid), layer order

// A live settlement as the ledger stored it.
struct Pending {
  std::int64_t record_id = 0;
  std::string hospital_id;
  std::string bill_no;
  std::string patient_id;
  std::optional<Claim> claim;  // as the compact record was read, else decoded from claim_json
  std::string claim_json;      // only when `claim` is not set
  Money total;
  Money old_patient_pays;
  FundPaid old_funds;
};

// What the new policy made of it: its payments, or why it refused.
struct Resettled {
  FundPaid new_funds;
  Money new_patient_pays;
  std::optional<Error> error;
};

// A person's simulated year so far.
struct PersonYear {
  Accumulators accumulators;
  Money patient_pays_difference;  // Σ (new − old) over the person's re-settled settlements
};

// The persons one thread owns, with their accumulators under the new policy.
class Shard {
 public:
  explicit Shard(const Policy& policy) : policy_(policy) {}

  // Re-settles `p` on its person's simulated accumulators and moves them on success.
  Resettled resettle(const Pending& p) {
    Resettled out;
    Result<Claim> claim = p.claim ? Result<Claim>(*p.claim) : codec::decode_claim(p.claim_json);
    if (!claim) {
      out.error = claim.error();
      return out;
    }
    PersonYear& person = persons_[p.patient_id];
    Result<Settlement> s = settle(policy_, *claim, person.accumulators);
    if (!s) {
      out.error = s.error();
      return out;
    }
    out.new_funds.reserve(s->layers.size());
    for (const auto& layer : s->layers) out.new_funds.emplace_back(layer.fund, layer.paid);
    out.new_patient_pays = s->patient_pays;
    person.patient_pays_difference += s->patient_pays - p.old_patient_pays;
    person.accumulators = std::move(s.value().after);
    return out;
  }

  // Persons re-settled, and how many of them pay a different amount over the year.
  std::pair<std::int64_t, std::int64_t> persons() const {
    std::int64_t changed = 0;
    for (const auto& [id, person] : persons_)
      changed += person.patient_pays_difference.is_zero() ? 0 : 1;
    return {static_cast<std::int64_t>(persons_.size()), changed};
  }

 private:
  const Policy& policy_;
  std::unordered_map<std::string, PersonYear> persons_;
};

Money abs(const Money& m) { return m.is_negative() ? -m : m; }

// True when `a` belongs before `b` in the largest-changes list.
bool ranks_before(const SettlementChange& a, const SettlementChange& b) {
  const Money da = abs(a.difference());
  const Money db = abs(b.difference());
  if (da != db) return da > db;
  return a.record_id < b.record_id;
}

// The new policy's fund codes, each once, in layer order.
std::vector<std::string> policy_funds(const Policy& policy) {
  std::vector<std::string> funds;
  for (const auto& layer : policy.layers) {
    if (std::find(funds.begin(), funds.end(), layer.fund) == funds.end()) {
      funds.push_back(layer.fund);
    }
  }
  return funds;
}

}  // namespace

std::vector<std::string> diff_csv_header(const std::vector<std::string>& funds) {
  std::vector<std::string> header = {"record_id", "hospital_id", "bill_no", "patient_id"};
  for (const auto& f : funds) {
    for (const char* suffix : {"_old", "_new", "_diff"}) header.push_back(f + suffix);
  }
  for (const char* column : {"other_old", "other_new", "other_diff", "patient_pays_old",
                             "patient_pays_new", "patient_pays_diff", "refused"}) {
    header.emplace_back(column);
  }
  return header;
}

namespace {

// Consumes re-settled settlements in id order: totals, the largest changes, the CSV rows.
class Aggregator {
 public:
  Aggregator(const Policy& policy, int year, const SimulateOptions& options)
      : options_(options), columns_(policy_funds(policy)) {
    report_.year = year;
    report_.policy_id = policy.id;
    report_.policy_sha256 = policy.sha256;
    for (const auto& f : columns_) fund_index(f);
    if (options_.diff_csv != nullptr) {
      csv_.emplace(*options_.diff_csv);
      csv_->row(diff_csv_header(columns_));
    }
  }

  // Adds one settlement and its outcome under the new policy.
  void add(const Pending& p, const Resettled& r) {
    if (r.error) {
      refuse(p, *r.error);
    } else {
      count(p, r);
    }
    const std::int64_t done = report_.settlements + report_.refused;
    if (options_.progress && options_.progress_every > 0 && done % options_.progress_every == 0) {
      options_.progress(done);
    }
  }

  void skip_cancelled() { ++report_.skipped_cancelled; }

  // The report, with the largest changes in order.
  SimulationReport finish(std::int64_t persons, std::int64_t persons_changed) {
    std::sort(largest_.begin(), largest_.end(), ranks_before);
    report_.largest = std::move(largest_);
    report_.persons = persons;
    report_.persons_patient_pays_changed = persons_changed;
    return std::move(report_);
  }

 private:
  // The report's entry for a fund, added at the end the first time it is seen.
  std::size_t fund_index(const std::string& fund) {
    const auto [it, added] = index_.try_emplace(fund, report_.funds.size());
    if (added) report_.funds.push_back(FundComparison{fund, {}, {}});
    return it->second;
  }

  // A refused settlement: counted and listed, in no total.
  void refuse(const Pending& p, const Error& e) {
    ++report_.refused;
    if (report_.refusals.size() < kMaxRefusalsListed) {
      report_.refusals.push_back({p.record_id, p.hospital_id, p.bill_no, p.patient_id, e});
    }
    if (!csv_) return;
    keys(p);
    for (std::size_t i = 0; i < columns_.size() + 1; ++i) csv_->number("").number("").number("");
    csv_->number(p.old_patient_pays.to_string()).number("").number("");
    csv_->text(e.code + ": " + e.message);
    csv_->end_row();
  }

  // A re-settled settlement into the totals, the largest changes and the CSV.
  void count(const Pending& p, const Resettled& r) {
    ++report_.settlements;
    report_.medical_total += p.total;
    report_.old_patient_pays += p.old_patient_pays;
    report_.new_patient_pays += r.new_patient_pays;
    // Per column (the new policy's funds, then "other"): old and new payments of this one.
    old_.assign(columns_.size() + 1, Money{});
    new_.assign(columns_.size() + 1, Money{});
    for (const auto& [fund, paid] : p.old_funds) {
      const std::size_t i = fund_index(fund);
      report_.funds[i].old_paid += paid;
      old_[std::min(i, columns_.size())] += paid;
    }
    for (const auto& [fund, paid] : r.new_funds) {
      const std::size_t i = fund_index(fund);
      report_.funds[i].new_paid += paid;
      new_[std::min(i, columns_.size())] += paid;
    }
    const bool pays_changed = r.new_patient_pays != p.old_patient_pays;
    if (!pays_changed && old_ == new_) return;
    ++report_.settlements_changed;
    if (pays_changed) {
      ++report_.settlements_patient_pays_changed;
      keep_if_large({p.record_id, p.hospital_id, p.bill_no, p.patient_id, p.old_patient_pays,
                     r.new_patient_pays});
    }
    if (csv_) write_row(p, r);
  }

  // Keeps the change when it is among the `top` largest so far (a heap whose front is the
  // smallest kept).
  void keep_if_large(SettlementChange change) {
    if (options_.top == 0) return;
    if (largest_.size() == options_.top) {
      if (!ranks_before(change, largest_.front())) return;
      std::pop_heap(largest_.begin(), largest_.end(), ranks_before);
      largest_.pop_back();
    }
    largest_.push_back(std::move(change));
    std::push_heap(largest_.begin(), largest_.end(), ranks_before);
  }

  void keys(const Pending& p) {
    csv_->number(static_cast<long long>(p.record_id));
    csv_->text(p.hospital_id).text(p.bill_no).text(p.patient_id);
  }

  // One CSV row of a changed settlement, from old_ and new_.
  void write_row(const Pending& p, const Resettled& r) {
    keys(p);
    const auto triple = [this](const Money& o, const Money& n) {
      csv_->number(o.to_string()).number(n.to_string()).number((n - o).to_string());
    };
    for (std::size_t i = 0; i < old_.size(); ++i) triple(old_[i], new_[i]);
    triple(p.old_patient_pays, r.new_patient_pays);
    csv_->text("");
    csv_->end_row();
  }

  const SimulateOptions& options_;
  const std::vector<std::string> columns_;
  SimulationReport report_;
  std::unordered_map<std::string, std::size_t> index_;
  std::optional<codec::CsvWriter> csv_;
  std::vector<SettlementChange> largest_;
  std::vector<Money> old_;
  std::vector<Money> new_;
};

// The scan's visitor: collects live settlements into chunks and hands each full chunk to the
// shards (shard t takes the persons hashed to t, in chunk order), which re-settle it while the
// scan reads the next chunk; a chunk is aggregated in id order once its shards are done.
class Simulation {
 public:
  Simulation(const Policy& policy, int year, const SimulateOptions& options)
      : aggregator_(policy, year, options), chunk_size_(std::max<std::size_t>(1, options.chunk)) {
    unsigned n = options.threads == 0 ? std::thread::hardware_concurrency() : options.threads;
    for (unsigned i = 0; i < std::max(1u, n); ++i) shards_.emplace_back(policy);
    chunk_.reserve(chunk_size_);
  }
  Simulation(const Simulation&) = delete;
  Simulation& operator=(const Simulation&) = delete;
  // A scan that threw leaves a chunk in flight: its shards are waited for, never left running.
  ~Simulation() { join(); }

  bool visit(const store::StoredRecord& r) {
    if (r.kind != store::RecordKind::settlement) return true;
    if (r.cancelled_by) {
      aggregator_.skip_cancelled();
      return true;
    }
    Pending p{r.id,         r.hospital_id,  r.bill_no,
              r.patient_id, r.claim,        r.claim ? std::string() : r.claim_json,
              r.total,      r.patient_pays, {}};
    p.old_funds.reserve(r.layer_paid.size());
    for (std::size_t i = 0; i < r.layer_paid.size(); ++i) {
      p.old_funds.emplace_back(r.layer_fund.at(i), r.layer_paid[i].second);
    }
    chunk_.push_back(std::move(p));
    if (chunk_.size() == chunk_size_) hand_over();
    return true;
  }

  SimulationReport finish() {
    hand_over();
    drain();
    std::int64_t persons = 0;
    std::int64_t changed = 0;
    for (const auto& shard : shards_) {
      const auto [n, c] = shard.persons();
      persons += n;
      changed += c;
    }
    return aggregator_.finish(persons, changed);
  }

 private:
  // Aggregates the chunk in flight, then starts the shards on the chunk just read. A person's
  // settlements stay in order: the shard that owns them finishes one chunk before the next.
  void hand_over() {
    drain();
    if (chunk_.empty()) return;
    std::swap(chunk_, flight_);
    chunk_.clear();
    results_.assign(flight_.size(), Resettled{});
    owner_.resize(flight_.size());
    for (std::size_t i = 0; i < flight_.size(); ++i) {
      owner_[i] = std::hash<std::string>{}(flight_[i].patient_id) % shards_.size();
    }
    for (std::size_t t = 0; t < shards_.size(); ++t) threads_.emplace_back([this, t] { work(t); });
  }

  // Waits for the chunk in flight and aggregates it in order.
  void drain() {
    join();
    for (std::size_t i = 0; i < flight_.size(); ++i) aggregator_.add(flight_[i], results_[i]);
    flight_.clear();
  }

  void join() {
    for (auto& thread : threads_) thread.join();
    threads_.clear();
  }

  // Shard t's share of the chunk in flight, in chunk order.
  void work(std::size_t t) {
    for (std::size_t i = 0; i < flight_.size(); ++i) {
      if (owner_[i] == t) results_[i] = shards_[t].resettle(flight_[i]);
    }
  }

  Aggregator aggregator_;
  const std::size_t chunk_size_;
  std::vector<Shard> shards_;
  std::vector<Pending> chunk_;   // being read by the scan
  std::vector<Pending> flight_;  // being re-settled by the shards
  std::vector<Resettled> results_;
  std::vector<std::size_t> owner_;
  std::vector<std::thread> threads_;
};

}  // namespace

SimulationReport simulate(store::Ledger& ledger, const Policy& new_policy, int year,
                          const SimulateOptions& options) {
  Simulation simulation(new_policy, year, options);
  ledger.scan_year(year, store::Documents::decoded,
                   [&simulation](const store::StoredRecord& r) { return simulation.visit(r); });
  return simulation.finish();
}

}  // namespace onestop::reports
