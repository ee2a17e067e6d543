// What verification of a ledger (onestop verify) reports: the hash chains and seals, every
// settlement re-settled from its stored claim on the accumulators the ledger implies at that point,
// every cancellation against the settlement it reverses, and the person_years rows (accumulators)
// against the sum of the movements. Re-settling a record written before the ledger kept policy
// texts needs the codec and the policy files, so the caller supplies it
// (tools/onestop/verify_command.cpp; the tests). adapters/backend runs it on a ledger's URL.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "adapters/store/ledger.hpp"
#include "adapters/store/seal.hpp"
#include "engine/error.hpp"

namespace onestop::store {

// Re-settles the settlement record `r` on `before` (the person's accumulators for r.year as
// the earlier records imply them): the claim decoded from r.claim_json under the policy with
// r.policy_id whose sha256 is r.policy_sha256; claim_json re-encoded, result_json encoded.
// An error is reported as a difference of that record.
using Resettle = std::function<Result<Computed>(const StoredRecord& r, const Accumulators& before)>;

struct VerifyDifference {
  std::int64_t record_id = 0;  // 0: not one record's (a person_years row)
  std::string what;
};

struct VerifyHooks {
  std::function<void(const VerifyDifference&)> difference;  // each one as found
  std::function<void(std::int64_t records)> progress;       // now and then; may be empty
  // Each record once its checks are done, in id order, so that a report can be built in the
  // same walk. A compact settlement whose re-settlement on the accumulators it states gave its
  // stored figures comes with `settlement` set to it (what a read derives); one that did not
  // comes without. Empty: none kept.
  std::function<void(const StoredRecord&)> record;
};

struct VerifySummary {
  std::int64_t records = 0;  // records walked
  std::int64_t last_id = 0;  // the last record's id
  std::int64_t differences = 0;
  Seal last_seal;  // id 0: the ledger has no seal yet
};

// A person's year as the ledger keeps it (person_years): the accumulators and the last record
// that moved them (0: none yet).
struct PersonYearRow {
  Accumulators accumulators;
  std::int64_t last_record_id = 0;
  std::string unreadable;  // why the stored row does not read; else ""
};

// A record as verify reads it: with its layers, movement, claim (Documents::claim) and
// `before`; or, when its body does not decode, without them and with `unreadable` saying why.
// From records_after_undecoded, a compact record may come with its body not yet decoded
// (`body` set; claim_json, claim and `before` empty): verify decodes it (decode_body) on its
// worker thread, and a body that does not decode makes the record unreadable then.
struct VerifyRecord {
  StoredRecord record;
  std::string unreadable;
  std::optional<std::string> body;
};

// What verify reads of a ledger, every call in one read snapshot that the engine holds for the
// whole walk (records never change, so the walk is consistent). Each engine implements it;
// verify() is one algorithm over it. A database failure throws LedgerUnavailable.
class VerifySource {
 public:
  virtual ~VerifySource() = default;
  virtual std::vector<Seal> seals() = 0;  // every seal, in id order
  // Up to `limit` records with id > after_id, in id order.
  virtual std::vector<VerifyRecord> records_after(std::int64_t after_id, int limit) = 0;
  // The same, but a compact record may come with its body undecoded (VerifyRecord::body), so
  // that the reading thread does not spend its time decoding.
  virtual std::vector<VerifyRecord> records_after_undecoded(std::int64_t after_id, int limit) {
    return records_after(after_id, limit);
  }
  // The record with this id as records_after reads it, or nullopt.
  virtual std::optional<VerifyRecord> record(std::int64_t id) = 0;
  // The text the ledger keeps of the policy with this content hash, or nullopt.
  virtual std::optional<std::string> policy_text(const std::string& sha256) = 0;
  // Every person_years row by (patient_id, year).
  virtual std::map<std::pair<std::string, int>, PersonYearRow> person_years() = 0;
  // Every persons row (the chains' heads).
  virtual std::vector<PersonHead> persons() = 0;
};

// Verifies the ledger `source` reads. Never writes. Checks, first, the chain of seals (ids
// 1, 2, …; prev_hash; hash; heads that read), then per record in id order:
//   chain        hash = chain_hash(record); a record of the old whole-ledger chain (format 1
//                or 2): ids 1, 2, 3, … and prev_hash = the previous record's hash ("" first),
//                all before any record of a person chain; a format 3 record: person_seq 1, 2,
//                … along its person's records and prev_hash = the person's previous record's
//                hash ("" first); a head a seal names must be that record (seal.hpp)
//   settlement   re-settling succeeds; claim_json (and a format 1 record's result_json)
//                equal its output byte for byte; keys, policy, total, fund_paid,
//                patient_pays, layer_paid, layer_fund and movement equal the re-settlement's.
//                A compact record is re-settled under the policy text the ledger keeps
//                (which must hash to its policy_sha256) and its stored `before` must be the
//                implied accumulators; a format 1 record goes through resettle()
//   cancellation it cancels an earlier settlement, the person's latest live one then; same
//                keys, policy and claim; amounts and movement exactly negated; a format 1
//                record's result_json = cancellation_json(record)
// and at the end: every chain reaches the head the last seal naming it names (a cut-back
// chain lost records); every person_years row (admissions, layers, last record) equals the sum
// of the stored movements (a row whose layers text does not read is a difference); every
// persons row is its chain's last record and the seq the last seal named. Differences are not
// errors: they are counted in the summary. Error "ledger_unavailable" when the database fails
// during the walk.
Result<VerifySummary> verify(VerifySource& source, const Resettle& resettle,
                             const VerifyHooks& hooks);

}  // namespace onestop::store
