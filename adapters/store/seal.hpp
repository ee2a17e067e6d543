// Tamper evidence without a global head (issue 11). Every record since schema 9 (SQLite) or on
// PostgreSQL is linked into its person's chain (StoredRecord::person_seq, prev_hash), so two
// writers of two persons never wait on one row. Now and then a seal hashes the heads of every
// person chain that moved since the seal before, and each seal names the hash of the one before
// it: a chain of seals. A changed, deleted, inserted or reordered record breaks its person's
// chain; cutting a person's chain back (or deleting the person) is caught by the last seal that
// names its head. An auditor who notes the last seal's hash can later prove that nothing up to
// it was rewritten, whatever else changed. The records written before schema 9 keep their one
// chain of the whole ledger; the first seal names its head as the chain "" (no person's id).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/error.hpp"

namespace onestop::store {

// The head of one chain as a seal names it: the person (or "" for the chain of the records
// written before schema 9), the last record's person_seq (its id for the old chain) and hash.
struct SealEntry {
  std::string chain;
  std::int64_t seq = 0;
  std::string hash;
  bool operator==(const SealEntry&) const = default;
};

// One row of the seals table.
struct Seal {
  std::int64_t id = 0;    // 1, 2, … without gaps
  std::string sealed_at;  // UTC, as records' recorded_at
  std::string heads;      // seal_heads() of its entries
  std::string prev_hash;  // the seal before's hash; "" for the first
  std::string hash;       // seal_hash()
};

// A person's chain as the ledger keeps its head (the persons table): the last record's
// person_seq and hash, and the seq the last seal named (0: none yet). A writer locks this row
// to extend the chain, which serializes one person's writes and nobody else's.
struct PersonHead {
  std::string patient_id;
  std::int64_t seq = 0;
  std::string head;
  std::int64_t sealed_seq = 0;
};

// The entries as stored, a JSON array sorted by chain: [["P0001",3,"ab…"],…].
std::string seal_heads(std::vector<SealEntry> entries);
// The entries of a stored heads text, or why it does not read.
Result<std::vector<SealEntry>> read_seal_heads(const std::string& heads);
// sha256(prev_hash ‖ "onestop-seal/1" ‖ id ‖ sealed_at ‖ heads), each a length-prefixed field
// as in canonical_record(); lowercase hex.
std::string seal_hash(const Seal& seal);
// The seal after `previous` (none: id 0, hash "") with these entries, hashed.
Seal next_seal(const Seal& previous, std::string sealed_at, std::vector<SealEntry> entries);

}  // namespace onestop::store
