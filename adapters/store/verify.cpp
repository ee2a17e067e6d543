#include <algorithm>
#include <atomic>
#include <future>
#include <map>
#include <memory>
#include <set>
#include <unordered_map>
#include <utility>
#include <vector>

// onestop verify, one algorithm over whatever engine keeps the ledger (verify.hpp): the
// engine reads (VerifySource), this checks.
#include "adapters/codec/claim_codec.hpp"
#include "adapters/codec/result_codec.hpp"
#include "adapters/store/chain_check.hpp"
#include "adapters/store/compact.hpp"
#include "adapters/store/derive.hpp"
#include "adapters/store/verify.hpp"
#include "engine/settle.hpp"

namespace onestop::store {
namespace {

constexpr int kPage = 256;
constexpr std::int64_t kProgressEvery = 1000;

// Values as difference reports show them: amounts in yuan, numbers in decimal.
std::string str(const Money& m) { return m.to_string(); }
std::string str(const std::string& s) { return s; }
std::string str(int v) { return std::to_string(v); }
std::string str(std::int64_t v) { return std::to_string(v); }

// A short excerpt of `text` around byte `at`, for a difference report.
std::string excerpt(const std::string& text, std::size_t at) {
  const std::size_t from = at < 20 ? 0 : at - 20;
  return "\"" + text.substr(from, 40) + "\"";
}

// Where two texts first differ, described; empty when they are equal.
std::string text_difference(const std::string& stored, const std::string& expected) {
  if (stored == expected) return {};
  const auto mismatch =
      std::mismatch(stored.begin(), stored.end(), expected.begin(), expected.end());
  const auto at = static_cast<std::size_t>(mismatch.first - stored.begin());
  return "differs at byte " + std::to_string(at) + ": stored " + excerpt(stored, at) +
         ", expected " + excerpt(expected, at);
}

// Each layer total (and admissions) where `stored` and `expected` differ, described.
std::vector<std::string> accumulator_differences(const Accumulators& stored,
                                                 const Accumulators& expected) {
  std::vector<std::string> out;
  if (stored == expected) return out;
  if (stored.admissions != expected.admissions) {
    out.push_back("admissions " + str(stored.admissions) + ", expected " +
                  str(expected.admissions));
  }
  std::set<std::string> ids;
  for (const auto& entry : stored.layers) ids.insert(entry.first);
  for (const auto& entry : expected.layers) ids.insert(entry.first);
  for (const auto& id : ids) {
    const LayerTotals a = stored.of(id);
    const LayerTotals b = expected.of(id);
    const std::pair<const char*, std::pair<Money, Money>> totals[] = {
        {"paid", {a.paid, b.paid}},
        {"deductible_charged", {a.deductible_charged, b.deductible_charged}},
        {"base_cumulative", {a.base_cumulative, b.base_cumulative}},
        {"patient_share", {a.patient_share, b.patient_share}}};
    for (const auto& [name, values] : totals) {
      if (values.first == values.second) continue;
      out.push_back("layer " + id + " " + name + " " + str(values.first) + ", expected " +
                    str(values.second));
    }
  }
  return out;
}

// "FIELD is STORED, expected EXPECTED" when they differ, else nothing.
template <typename T>
std::optional<std::string> mismatch(const char* field, const T& stored, const T& expected) {
  if (stored == expected) return std::nullopt;
  return std::string(field) + " is " + str(stored) + ", expected " + str(expected);
}

// Where a stored settlement differs from its re-settlement `computed` (or why there is none),
// in the order verify reports them. Pure: safe on any thread.
std::vector<std::string> resettlement_differences(const StoredRecord& r,
                                                  const Result<Computed>& computed) {
  std::vector<std::string> out;
  if (!computed) {
    out.push_back("cannot re-settle: " + computed.error().code + ": " + computed.error().message);
    return out;
  }
  const Settlement& s = computed->settlement;
  if (r.format == 1) {
    if (auto d = text_difference(r.result_json, computed->result_json); !d.empty()) {
      out.push_back("result_json " + d);
    }
  }
  if (auto d = text_difference(r.claim_json, computed->claim_json); !d.empty()) {
    out.push_back("claim_json " + d);
  }
  for (auto d :
       {mismatch("hospital_id", r.hospital_id, s.hospital_id),
        mismatch("bill_no", r.bill_no, s.bill_no),
        mismatch("patient_id", r.patient_id, s.patient_id), mismatch("year", r.year, s.year),
        mismatch("policy_id", r.policy_id, s.policy_id),
        mismatch("policy_sha256", r.policy_sha256, s.policy_sha256),
        mismatch("special_disease", r.special_disease, s.special_disease),
        mismatch("total", r.total, s.split.total), mismatch("fund_paid", r.fund_paid, s.fund_paid),
        mismatch("patient_pays", r.patient_pays, s.patient_pays)}) {
    if (d) out.push_back(std::move(*d));
  }
  bool layers_same = r.layer_paid.size() == s.layers.size();
  bool funds_same = r.layer_fund.size() == s.layers.size();
  for (std::size_t i = 0; i < s.layers.size(); ++i) {
    if (layers_same && (r.layer_paid[i].first != s.layers[i].id ||
                        !(r.layer_paid[i].second == s.layers[i].paid))) {
      layers_same = false;
    }
    if (funds_same && r.layer_fund[i] != s.layers[i].fund) funds_same = false;
  }
  if (!layers_same) out.emplace_back("layer payments differ from the re-settlement");
  if (!funds_same) out.emplace_back("layer funds differ from the re-settlement");
  for (const auto& d : accumulator_differences(r.movement, s.after - s.before)) {
    out.push_back("movement " + d);
  }
  return out;
}

// A settlement re-settled under `policy`: its claim (the compact body's, or its claim_json
// decoded) on `before`. A claim read from compact fields has claim_json as its canonical
// encoding already; one kept as JSON is encoded again, so a non-canonical text shows as a
// difference. Pure: safe on any thread.
// `json_claim`, when given, is r.claim_json decoded already (a body keeping the claim as JSON).
Result<Computed> resettle_under(const Policy& policy, const StoredRecord& r,
                                const Accumulators& before, const Claim* json_claim = nullptr) {
  std::optional<Claim> decoded;
  if (!r.claim && json_claim == nullptr) {
    Result<Claim> claim = codec::decode_claim(r.claim_json);
    if (!claim) return claim.error();
    decoded = std::move(claim).value();
    json_claim = &*decoded;
  }
  const Claim& claim = r.claim ? *r.claim : *json_claim;
  Result<Settlement> s = onestop::settle(policy, claim, before);
  if (!s) return s.error();
  return Computed{std::move(s).value(), r.claim ? r.claim_json : codec::encode_claim(claim), {}};
}

// What a record's checks need that does not depend on the records before it: its chain hash
// and, for a compact settlement, its re-settlement on the accumulators it states (which the
// walk then checks are the implied ones).
struct Precomputed {
  std::string hash;
  std::optional<std::vector<std::string>> differences;  // of the re-settlement, when made
};

// A page of records as read: bodies perhaps still to decode (VerifyRecord::body).
using Page = std::vector<VerifyRecord>;

// Decodes the record's body, when it came undecoded, as the source would have: its claim (kept
// in the record for the compact form, in `json_claim` for a claim kept as JSON), claim_json and
// `before`; a body that does not decode leaves them empty and the record unreadable. Called
// once per record. The bytes stay until the page is freed, on the walk's thread: memory one
// thread frees while the other allocates from the same malloc arena makes them wait on its
// lock (measured: 50 000 context switches a walk of 100 000 records).
void decode(VerifyRecord& v, std::optional<Claim>& json_claim) {
  if (!v.body) return;
  StoredRecord& r = v.record;
  try {
    Body body = decode_body(*v.body, r.id, r.hospital_id, r.bill_no, r.patient_id);
    r.before = std::move(body.before);
    r.claim_json = std::move(body.claim_json);
    if (body.compact) {
      r.claim = std::move(body.claim);
    } else {
      json_claim = std::move(body.claim);
    }
  } catch (const CorruptBody& e) {
    v.unreadable = e.what();
  }
}

// A page and what its records' checks need that does not depend on the records before them
// (Precomputed), computed by two threads at once: each takes the next record not yet taken.
// `policies[i]` is record i's policy, or null when it is not re-settled here. With `keep`, a
// re-settlement that gave the stored figures is kept in the record's `settlement`
// (VerifyHooks::record). It touches no connection.
class PageWork {
 public:
  PageWork(Page page, std::vector<const Policy*> policies, bool keep)
      : page_(std::move(page)), policies_(std::move(policies)), keep_(keep), done_(page_.size()) {}

  // Computes records until none is left to take; safe on several threads at once.
  void run() {
    for (std::size_t i = next_++; i < page_.size(); i = next_++) precompute(i);
  }
  Page& page() { return page_; }
  std::vector<Precomputed>& done() { return done_; }

 private:
  void precompute(std::size_t i);

  Page page_;
  const std::vector<const Policy*> policies_;
  const bool keep_;
  std::vector<Precomputed> done_;
  std::atomic<std::size_t> next_{0};
};

// Record i: its body decoded (if it came undecoded), its hash, and its re-settlement.
void PageWork::precompute(std::size_t i) {
  std::optional<Claim> json_claim;
  decode(page_[i], json_claim);
  StoredRecord& r = page_[i].record;
  done_[i].hash = chain_hash(r);
  if (policies_[i] == nullptr || !page_[i].unreadable.empty()) return;
  Result<Computed> computed = Error{"internal", "", ""};
  try {
    computed = resettle_under(*policies_[i], r, r.before, json_claim ? &*json_claim : nullptr);
  } catch (const std::exception& e) {
    computed = Error{"internal", "", e.what()};
  }
  done_[i].differences = resettlement_differences(r, computed);
  if (keep_ && computed && done_[i].differences->empty()) {
    r.settlement = std::move(computed->settlement);
  }
}

// A page's PageWork begun on a worker thread; finish() has this thread help and waits for it.
class PageJob {
 public:
  explicit PageJob(std::unique_ptr<PageWork> work) : work_(std::move(work)) {
    running_ = std::async(std::launch::async, [w = work_.get()] { w->run(); });
  }
  PageWork& finish() {
    work_->run();
    running_.get();
    return *work_;
  }

 private:
  std::unique_ptr<PageWork> work_;
  std::future<void> running_;  // declared after work_: destroyed (waited for) first
};

// A (patient_id, year) key's hash: the walk looks one up for every record.
struct PersonYearHash {
  std::size_t operator()(const std::pair<std::string, int>& key) const {
    return std::hash<std::string>{}(key.first) * 31 + static_cast<std::size_t>(key.second);
  }
};

// What the ledger implies for one person and year while walking it.
struct PersonYear {
  Accumulators accumulators;
  std::int64_t last_record_id = 0;
  std::vector<std::int64_t> live;  // settlements not (yet) cancelled, in id order
};

class Verifier {
 public:
  Verifier(VerifySource& source, const Resettle& resettle, const VerifyHooks& hooks)
      : source_(source),
        resettle_(resettle),
        hooks_(hooks),
        chain_([this](std::int64_t id, std::string what) { differ(id, std::move(what)); }) {}

  void read_seals();
  void walk();
  void check_tables();
  const VerifySummary& summary() const { return summary_; }

 private:
  Page load_page(std::int64_t after_id);
  std::unique_ptr<PageJob> begin(Page page);
  std::vector<const Policy*> page_policies(const Page& page);
  Result<const Policy*> policy(const std::string& sha256);
  void visit(const StoredRecord& r, Precomputed& pre, const std::string& unreadable);
  void check_settlement(const StoredRecord& r, const Accumulators& before,
                        std::optional<std::vector<std::string>> precomputed);
  Result<Computed> resettle_record(const StoredRecord& r, const Accumulators& before);
  Result<Computed> resettle_stored(const StoredRecord& r, const Accumulators& before);
  void check_cancellation(const StoredRecord& r, PersonYear& py);
  void check_reversal(const StoredRecord& r, const StoredRecord& original);
  void check_person_year(const std::pair<std::string, int>& key, const PersonYear& implied,
                         const PersonYearRow& stored);

  // Counts and reports one difference.
  void differ(std::int64_t id, std::string what) {
    ++summary_.differences;
    if (hooks_.difference) hooks_.difference(VerifyDifference{id, std::move(what)});
  }
  // A difference when a stored field is not the expected value.
  template <typename T>
  void same(std::int64_t id, const char* field, const T& stored, const T& expected) {
    if (auto d = mismatch(field, stored, expected)) differ(id, std::move(*d));
  }

  VerifySource& source_;
  const Resettle& resettle_;
  const VerifyHooks& hooks_;
  VerifySummary summary_;
  ChainCheck chain_;
  std::unordered_map<std::pair<std::string, int>, PersonYear, PersonYearHash> implied_;
  std::int64_t last_read_id_ = 0;  // the id of the last record read
  // The ledger's policy texts, each read and checked against its hash once per walk, or why
  // one does not load (policy_unusable).
  std::map<std::string, Result<std::shared_ptr<const Policy>>> policies_;
};

// The chain of seals, read before the records so that the walk checks each sealed head as it
// passes it.
void Verifier::read_seals() {
  for (const Seal& seal : source_.seals()) chain_.seal(seal);
  summary_.last_seal = chain_.last_seal();
}

// Visits every record in id order, a page at a time, all in the caller's snapshot. What does
// not depend on earlier records (bodies decoded, hashes, compact settlements re-settled) is
// computed for a page on a second thread while this one visits the page before and reads the
// next one from the database, then helps it finish; the checks in order, and every read of the
// connection, stay on this thread.
void Verifier::walk() {
  Page first = load_page(0);
  bool last = first.size() < static_cast<std::size_t>(kPage);
  std::unique_ptr<PageJob> job = begin(std::move(first));
  std::unique_ptr<PageJob> visited;  // the page visited last, freed while no worker runs
  for (;;) {
    std::optional<Page> next;
    if (!last) next = load_page(last_read_id_);
    PageWork& work = job->finish();
    visited.reset();
    std::unique_ptr<PageJob> next_job;
    if (next) {
      last = next->size() < static_cast<std::size_t>(kPage);
      next_job = begin(std::move(*next));
    }
    Page& page = work.page();
    for (std::size_t i = 0; i < page.size(); ++i) {
      visit(page[i].record, work.done()[i], page[i].unreadable);
    }
    if (!next_job) return;
    visited = std::move(job);
    job = std::move(next_job);
  }
}

// The precompute of `page` begun on a worker thread.
std::unique_ptr<PageJob> Verifier::begin(Page page) {
  if (!page.empty()) last_read_id_ = page.back().record.id;
  std::vector<const Policy*> policies = page_policies(page);
  return std::make_unique<PageJob>(
      std::make_unique<PageWork>(std::move(page), std::move(policies), bool(hooks_.record)));
}

// The policy each compact settlement of the page is re-settled under (null for the others).
std::vector<const Policy*> Verifier::page_policies(const Page& page) {
  std::vector<const Policy*> out(page.size(), nullptr);
  for (std::size_t i = 0; i < page.size(); ++i) {
    const StoredRecord& r = page[i].record;
    if (r.compact() && r.kind == RecordKind::settlement && page[i].unreadable.empty()) {
      if (const auto p = policy(r.policy_sha256)) out[i] = *p;
    }
  }
  return out;
}

// The ledger's policy text with this hash, loaded and checked once per walk, or why it does not
// load (each record settled under it reports that).
Result<const Policy*> Verifier::policy(const std::string& sha256) {
  auto it = policies_.find(sha256);
  if (it == policies_.end()) {
    const auto load = [&]() -> Result<std::shared_ptr<const Policy>> {
      const std::optional<std::string> text = source_.policy_text(sha256);
      if (!text) {
        return Error{"policy_unusable", "policy_sha256", "the ledger holds no policy " + sha256};
      }
      try {
        return policy_from_text(sha256, *text);
      } catch (const CorruptRecord& e) {
        return Error{"policy_unusable", "policy_sha256", e.what()};
      }
    };
    it = policies_.emplace(sha256, load()).first;
  }
  if (!it->second) return it->second.error();
  return it->second->get();
}

// The page of records after `after_id`, bodies perhaps still to decode (precompute). A record
// whose body does not decode comes without it (its hash will not match) and is reported when
// the walk reaches it, and the walk goes on.
Page Verifier::load_page(std::int64_t after_id) {
  return source_.records_after_undecoded(after_id, kPage);
}

// Checks one record and advances what the ledger implies for its person and year; `unreadable`
// says why its body does not decode, if it does not.
void Verifier::visit(const StoredRecord& r, Precomputed& pre, const std::string& unreadable) {
  if (!unreadable.empty()) differ(r.id, unreadable);
  chain_.record(r, pre.hash);
  if (!unreadable.empty()) {
    PersonYear& py = implied_[{r.patient_id, r.year}];
    py.accumulators += r.movement;
    summary_.last_id = r.id;
    ++summary_.records;
    if (hooks_.record) hooks_.record(r);
    return;
  }
  PersonYear& py = implied_[{r.patient_id, r.year}];
  if (r.kind == RecordKind::settlement) {
    check_settlement(r, py.accumulators, std::move(pre.differences));
    py.live.push_back(r.id);
  } else {
    check_cancellation(r, py);
  }
  // The next records of this person and year settle on what this one's stored movement left.
  py.accumulators += r.movement;
  py.last_record_id = r.id;
  summary_.last_id = r.id;
  ++summary_.records;
  if (hooks_.record) hooks_.record(r);
  if (hooks_.progress && summary_.records % kProgressEvery == 0) hooks_.progress(summary_.records);
}

// Re-settles the record and compares the stored result, claim, amounts, layers and movement
// with what the engine gives today on the implied accumulators.
// A compact record also states the accumulators it settled on; they must be the implied ones.
// `precomputed` is the comparison with its re-settlement on the stated ones, when made
// already; it stands when they are the implied ones.
void Verifier::check_settlement(const StoredRecord& r, const Accumulators& before,
                                std::optional<std::vector<std::string>> precomputed) {
  bool stated = true;
  if (r.compact()) {
    for (const auto& d : accumulator_differences(r.before, before)) {
      differ(r.id, "before " + d);
      stated = false;
    }
  }
  if (!precomputed || !stated) {
    precomputed = resettlement_differences(r, resettle_record(r, before));
  }
  for (auto& d : *precomputed) differ(r.id, std::move(d));
}

// Re-settles a settlement on `before`. A format 1 record is re-settled under the text the
// ledger keeps too when it holds one (ledger migrate stores the texts old records name): the
// policy file may have changed since, and the ledger's own copy is the one that paid.
Result<Computed> Verifier::resettle_record(const StoredRecord& r, const Accumulators& before) {
  try {
    if (r.compact() || source_.policy_text(r.policy_sha256)) {
      Result<Computed> computed = resettle_stored(r, before);
      if (computed && r.format == 1) {
        computed->result_json = codec::encode_settlement(computed->settlement);
      }
      return computed;
    }
    return resettle_(r, before);
  } catch (const std::exception& e) {
    return Error{"internal", "", e.what()};
  }
}

// A settlement re-settled under the policy text the ledger keeps (whatever the policy files
// say today): its stored claim on `before`. For a compact record the result is not compared
// (it is not stored; reads derive it the same way), the figures are.
Result<Computed> Verifier::resettle_stored(const StoredRecord& r, const Accumulators& before) {
  const Result<const Policy*> p = policy(r.policy_sha256);
  if (!p) return p.error();
  return resettle_under(**p, r, before);
}

// A cancellation must reverse an earlier settlement that was the person's latest live one.
void Verifier::check_cancellation(const StoredRecord& r, PersonYear& py) {
  std::optional<StoredRecord> original;
  if (r.cancels) {
    if (auto v = source_.record(*r.cancels)) original = std::move(v->record);
  }
  if (!original || original->kind != RecordKind::settlement || original->id >= r.id) {
    differ(r.id, "cancels " + (r.cancels ? str(*r.cancels) : std::string("nothing")) +
                     ", which is not an earlier settlement");
    return;
  }
  const auto live = std::find(py.live.begin(), py.live.end(), original->id);
  if (live == py.live.end()) {
    differ(r.id, "cancels settlement " + str(original->id) +
                     ", which is not a live settlement of the person and year");
  } else {
    if (std::next(live) != py.live.end()) {
      differ(r.id, "cancels settlement " + str(original->id) + " while a later settlement " +
                       str(py.live.back()) + " of the person and year was live");
    }
    py.live.erase(live);
  }
  check_reversal(r, *original);
}

// Same keys, policy and claim as the original; every amount and the movement negated.
void Verifier::check_reversal(const StoredRecord& r, const StoredRecord& o) {
  same(r.id, "hospital_id", r.hospital_id, o.hospital_id);
  same(r.id, "bill_no", r.bill_no, o.bill_no);
  same(r.id, "patient_id", r.patient_id, o.patient_id);
  same(r.id, "year", r.year, o.year);
  same(r.id, "policy_id", r.policy_id, o.policy_id);
  same(r.id, "policy_sha256", r.policy_sha256, o.policy_sha256);
  same(r.id, "special_disease", r.special_disease, o.special_disease);
  if (r.claim_json != o.claim_json) differ(r.id, "claim_json differs from the cancelled one");
  same(r.id, "total", r.total, -o.total);
  same(r.id, "fund_paid", r.fund_paid, -o.fund_paid);
  same(r.id, "patient_pays", r.patient_pays, -o.patient_pays);
  std::vector<std::pair<std::string, Money>> negated;
  for (const auto& [id, paid] : o.layer_paid) negated.emplace_back(id, -paid);
  if (r.layer_paid != negated) differ(r.id, "layer payments are not the cancelled ones negated");
  if (r.layer_fund != o.layer_fund) differ(r.id, "layer funds differ from the cancelled ones");
  for (const auto& d : accumulator_differences(r.movement, Accumulators{} - o.movement)) {
    differ(r.id, "movement " + d);
  }
  if (r.format == 1) {
    if (auto d = text_difference(r.result_json, cancellation_json(r)); !d.empty()) {
      differ(r.id, "result_json " + d);
    }
  }
}

// The person_years rows against the sum of the stored movements, and the persons rows against
// the chains.
void Verifier::check_tables() {
  const auto stored = source_.person_years();
  const PersonYearRow none;
  for (const auto* entry : by_key(implied_)) {
    const auto& [key, implied] = *entry;
    const auto it = stored.find(key);
    check_person_year(key, implied, it == stored.end() ? none : it->second);
  }
  for (const auto& [key, state] : stored) {
    if (!implied_.contains(key)) check_person_year(key, PersonYear{}, state);
  }
  chain_.finish(source_.persons());
}

// One person and year: the stored accumulators and last record against the implied ones.
void Verifier::check_person_year(const std::pair<std::string, int>& key, const PersonYear& implied,
                                 const PersonYearRow& stored) {
  const std::string who = "accumulators of " + key.first + " in " + str(key.second) + ": ";
  if (!stored.unreadable.empty()) {
    differ(0, who + stored.unreadable);
    return;
  }
  for (const auto& d : accumulator_differences(stored.accumulators, implied.accumulators)) {
    differ(0, who + d + " (the sum of the records' movements)");
  }
  if (stored.last_record_id != implied.last_record_id) {
    differ(0, who + "last_record_id " + str(stored.last_record_id) + ", expected " +
                  str(implied.last_record_id));
  }
}

}  // namespace

Result<VerifySummary> verify(VerifySource& source, const Resettle& resettle,
                             const VerifyHooks& hooks) {
  try {
    Verifier verifier(source, resettle, hooks);
    verifier.read_seals();
    verifier.walk();
    verifier.check_tables();
    return verifier.summary();
  } catch (const LedgerUnavailable& e) {
    return e.error();
  }
}

}  // namespace onestop::store
