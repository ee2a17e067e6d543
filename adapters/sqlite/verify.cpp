#include "adapters/sqlite/verify.hpp"

#include <algorithm>
#include <map>
#include <memory>
#include <set>
#include <utility>
#include <vector>

#include "adapters/codec/claim_codec.hpp"
#include "adapters/codec/result_codec.hpp"
#include "adapters/sqlite/db.hpp"
#include "adapters/sqlite/derive.hpp"
#include "adapters/sqlite/record_store.hpp"
#include "adapters/sqlite/schema.hpp"
#include "engine/settle.hpp"

namespace onestop::sqlite {
namespace {

using detail::Connection;
using detail::DbError;

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

// What the ledger implies for one person and year while walking it.
struct PersonYear {
  Accumulators accumulators;
  std::int64_t last_record_id = 0;
  std::vector<std::int64_t> live;  // settlements not (yet) cancelled, in id order
};

class Verifier {
 public:
  Verifier(Connection& db, const Resettle& resettle, const VerifyHooks& hooks)
      : db_(db), resettle_(resettle), hooks_(hooks) {}

  void walk();
  void check_tables();
  const VerifySummary& summary() const { return summary_; }

 private:
  std::vector<StoredRecord> load_page();
  void visit(const StoredRecord& r);
  void check_chain(const StoredRecord& r);
  void check_settlement(const StoredRecord& r, const Accumulators& before);
  Result<Computed> resettle_stored(const StoredRecord& r, const Accumulators& before);
  void check_cancellation(const StoredRecord& r, PersonYear& py);
  void check_reversal(const StoredRecord& r, const StoredRecord& original);
  void check_person_year(const std::pair<std::string, int>& key, const PersonYear& implied,
                         const detail::PersonYearState& stored);

  // Counts and reports one difference.
  void differ(std::int64_t id, std::string what) {
    ++summary_.differences;
    if (hooks_.difference) hooks_.difference(VerifyDifference{id, std::move(what)});
  }
  // A difference when a stored field is not the expected value.
  template <typename T>
  void same(std::int64_t id, const char* field, const T& stored, const T& expected) {
    if (stored == expected) return;
    differ(id, std::string(field) + " is " + str(stored) + ", expected " + str(expected));
  }

  Connection& db_;
  const Resettle& resettle_;
  const VerifyHooks& hooks_;
  VerifySummary summary_;
  std::string prev_hash_;
  std::map<std::pair<std::string, int>, PersonYear> implied_;
  std::set<std::int64_t> unreadable_;  // records whose body does not decode
  // The ledger's policy texts, each read and checked against its hash once per walk.
  std::map<std::string, std::shared_ptr<const Policy>> policies_;
};

// Visits every record in id order, a page at a time, all in the caller's snapshot.
void Verifier::walk() {
  for (;;) {
    const auto page = load_page();
    for (const auto& r : page) visit(r);
    if (page.size() < static_cast<std::size_t>(kPage)) return;
  }
}

// The next page of records after the last one walked. A record whose body does not decode is
// read without it (its hash will not match) and reported, and the walk goes on.
std::vector<StoredRecord> Verifier::load_page() {
  try {
    return detail::load_records_after(db_, summary_.last_id, kPage, Documents::claim);
  } catch (const DbError& e) {
    if (e.code() != SQLITE_CORRUPT) throw;
  }
  std::vector<StoredRecord> page =
      detail::load_records_after(db_, summary_.last_id, kPage, Documents::none);
  for (auto& r : page) {
    try {
      if (auto whole = detail::load_record(db_, r.id, Documents::claim)) r = std::move(*whole);
    } catch (const DbError& e) {
      if (e.code() != SQLITE_CORRUPT) throw;
      differ(r.id, e.what());
      unreadable_.insert(r.id);
    }
  }
  return page;
}

// Checks one record and advances what the ledger implies for its person and year.
void Verifier::visit(const StoredRecord& r) {
  check_chain(r);
  if (unreadable_.contains(r.id)) {
    PersonYear& py = implied_[{r.patient_id, r.year}];
    py.accumulators = py.accumulators + r.movement;
    summary_.last_id = r.id;
    ++summary_.records;
    return;
  }
  PersonYear& py = implied_[{r.patient_id, r.year}];
  if (r.kind == RecordKind::settlement) {
    check_settlement(r, py.accumulators);
    py.live.push_back(r.id);
  } else {
    check_cancellation(r, py);
  }
  // The next records of this person and year settle on what this one's stored movement left.
  py.accumulators = py.accumulators + r.movement;
  py.last_record_id = r.id;
  summary_.last_id = r.id;
  ++summary_.records;
  if (hooks_.progress && summary_.records % kProgressEvery == 0) hooks_.progress(summary_.records);
}

// ids without gaps, prev_hash linking to the previous record, hash over the contents.
void Verifier::check_chain(const StoredRecord& r) {
  if (r.id != summary_.last_id + 1) {
    differ(r.id, "id follows " + str(summary_.last_id) + ": records are missing before it");
  }
  if (r.prev_hash != prev_hash_) differ(r.id, "prev_hash does not link to the previous record");
  const std::string hash = chain_hash(r);
  if (hash != r.hash) {
    differ(r.id, "hash does not match the record's contents (stored " + r.hash + ", computed " +
                     hash + ")");
  }
  prev_hash_ = r.hash;
}

// Re-settles the record and compares the stored result, claim, amounts, layers and movement
// with what the engine gives today on the implied accumulators.
// A format 2 record also states the accumulators it settled on; they must be the implied ones.
void Verifier::check_settlement(const StoredRecord& r, const Accumulators& before) {
  if (r.format == 2) {
    for (const auto& d : accumulator_differences(r.before, before)) differ(r.id, "before " + d);
  }
  Result<Computed> computed = Error{"internal", "", "resettle() was not called"};
  try {
    // A format 1 record is re-settled under the text the ledger keeps too when it holds one
    // (ledger migrate stores the texts old records name): the policy file may have changed
    // since, and the ledger's own copy is the one that paid.
    if (r.format == 2 || detail::holds_policy(db_, r.policy_sha256)) {
      computed = resettle_stored(r, before);
      if (computed && r.format == 1) {
        computed->result_json = codec::encode_settlement(computed->settlement);
      }
    } else {
      computed = resettle_(r, before);
    }
  } catch (const std::exception& e) {
    computed = Error{"internal", "", e.what()};
  }
  if (!computed) {
    differ(r.id, "cannot re-settle: " + computed.error().code + ": " + computed.error().message);
    return;
  }
  const Settlement& s = computed->settlement;
  if (r.format == 1) {
    if (auto d = text_difference(r.result_json, computed->result_json); !d.empty()) {
      differ(r.id, "result_json " + d);
    }
  }
  if (auto d = text_difference(r.claim_json, computed->claim_json); !d.empty()) {
    differ(r.id, "claim_json " + d);
  }
  same(r.id, "hospital_id", r.hospital_id, s.hospital_id);
  same(r.id, "bill_no", r.bill_no, s.bill_no);
  same(r.id, "patient_id", r.patient_id, s.patient_id);
  same(r.id, "year", r.year, s.year);
  same(r.id, "policy_id", r.policy_id, s.policy_id);
  same(r.id, "policy_sha256", r.policy_sha256, s.policy_sha256);
  same(r.id, "special_disease", r.special_disease, s.special_disease);
  same(r.id, "total", r.total, s.split.total);
  same(r.id, "fund_paid", r.fund_paid, s.fund_paid);
  same(r.id, "patient_pays", r.patient_pays, s.patient_pays);
  std::vector<std::pair<std::string, Money>> layer_paid;
  std::vector<std::string> layer_fund;
  for (const auto& layer : s.layers) {
    layer_paid.emplace_back(layer.id, layer.paid);
    layer_fund.push_back(layer.fund);
  }
  if (r.layer_paid != layer_paid) differ(r.id, "layer payments differ from the re-settlement");
  if (r.layer_fund != layer_fund) differ(r.id, "layer funds differ from the re-settlement");
  for (const auto& d : accumulator_differences(r.movement, s.after - s.before)) {
    differ(r.id, "movement " + d);
  }
}

// A settlement re-settled under the policy text the ledger keeps (whatever the policy files
// say today): its stored claim on `before`. For a format 2 record the result is not compared
// (it is not stored; reads derive it the same way), the figures are.
Result<Computed> Verifier::resettle_stored(const StoredRecord& r, const Accumulators& before) {
  auto& policy = policies_[r.policy_sha256];
  if (!policy) {
    try {
      policy = detail::load_stored_policy(db_, r.policy_sha256);
    } catch (const DbError& e) {
      return Error{"policy_unusable", "policy_sha256", e.what()};
    }
  }
  // A claim read from compact fields has claim_json as its canonical encoding already; one kept
  // as JSON is decoded here and encoded again, so a non-canonical text shows as a difference.
  std::optional<Claim> decoded;
  if (!r.claim) {
    Result<Claim> claim = codec::decode_claim(r.claim_json);
    if (!claim) return claim.error();
    decoded = std::move(claim).value();
  }
  const Claim& claim = r.claim ? *r.claim : *decoded;
  Result<Settlement> s = onestop::settle(*policy, claim, before);
  if (!s) return s.error();
  return Computed{std::move(s).value(), decoded ? codec::encode_claim(claim) : r.claim_json, {}};
}

// A cancellation must reverse an earlier settlement that was the person's latest live one.
void Verifier::check_cancellation(const StoredRecord& r, PersonYear& py) {
  const auto original =
      r.cancels ? detail::load_record(db_, *r.cancels, Documents::claim) : std::nullopt;
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

// The accumulators and person_years tables against the sum of the stored movements.
void Verifier::check_tables() {
  const auto stored = detail::load_all_accumulators(db_);
  const detail::PersonYearState none;
  for (const auto& [key, implied] : implied_) {
    const auto it = stored.find(key);
    check_person_year(key, implied, it == stored.end() ? none : it->second);
  }
  for (const auto& [key, state] : stored) {
    if (!implied_.contains(key)) check_person_year(key, PersonYear{}, state);
  }
}

// One person and year: the stored accumulators and last record against the implied ones.
void Verifier::check_person_year(const std::pair<std::string, int>& key, const PersonYear& implied,
                                 const detail::PersonYearState& stored) {
  const std::string who = "accumulators of " + key.first + " in " + str(key.second) + ": ";
  for (const auto& d : accumulator_differences(stored.accumulators, implied.accumulators)) {
    differ(0, who + d + " (the sum of the records' movements)");
  }
  if (stored.last_record_id != implied.last_record_id) {
    differ(0, who + "last_record_id " + str(stored.last_record_id) + ", expected " +
                  str(implied.last_record_id));
  }
}

}  // namespace

Result<VerifySummary> verify_ledger(const std::string& path, const Resettle& resettle,
                                    const VerifyHooks& hooks) {
  try {
    Connection db(detail::ConnectionOptions{path, false, 5000, ""});
    db.exec("PRAGMA query_only = ON");
    detail::require_current_schema(db);
    detail::ReadTransaction snapshot(db);
    Verifier verifier(db, resettle, hooks);
    verifier.walk();
    verifier.check_tables();
    snapshot.commit();
    return verifier.summary();
  } catch (const DbError& e) {
    return detail::unavailable("cannot read the ledger: " + std::string(e.what()));
  }
}

}  // namespace onestop::sqlite
