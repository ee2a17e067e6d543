// The tamper-evidence half of onestop verify, one algorithm whatever engine keeps the ledger
// (seal.hpp): the chain of seals, the old whole-ledger chain of the records written before
// person chains, every person's chain, and the persons table against the chains. Pure: it is
// fed what the ledger holds, in order, and reports what does not hold.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

#include "adapters/store/ledger.hpp"
#include "adapters/store/seal.hpp"

namespace onestop::store {

// The entries of a hashed map in the order of their keys: reports stay in a fixed order.
template <typename Map>
std::vector<const typename Map::value_type*> by_key(const Map& map) {
  std::vector<const typename Map::value_type*> out;
  out.reserve(map.size());
  for (const auto& entry : map) out.push_back(&entry);
  std::sort(out.begin(), out.end(),
            [](const auto* a, const auto* b) { return a->first < b->first; });
  return out;
}

class ChainCheck {
 public:
  // Called for each difference: the record concerned (0: a seal or a persons row) and what.
  using Report = std::function<void(std::int64_t record_id, std::string what)>;

  explicit ChainCheck(Report report) : report_(std::move(report)) {}

  // First, every seal in id order.
  void seal(const Seal& seal);
  // Then every record in id order, with its chain_hash() computed from its contents.
  void record(const StoredRecord& r, const std::string& computed_hash);
  // Last, the persons table; the chains' ends are checked against it and the last seal.
  void finish(const std::vector<PersonHead>& persons);

  std::int64_t seals() const { return last_seal_.id; }
  const Seal& last_seal() const { return last_seal_; }

 private:
  struct Link {
    std::int64_t seq = 0;  // person_seq (the id, in the old chain) of the chain's last record
    std::string hash;
  };
  struct Sealed {
    std::int64_t seal_id = 0;
    SealEntry entry;
  };
  void check_sealed(const std::string& chain, const StoredRecord& r,
                    const std::string& computed_hash);
  void differ(std::int64_t id, std::string what) { report_(id, std::move(what)); }

  Report report_;
  Seal last_seal_;
  // Hashed, as they are looked up for every record; finish() reports in key order all the same.
  std::unordered_map<std::string, Sealed> sealed_;  // each chain's head as the latest seal
                                                    // naming it
  Link old_;                                        // the whole-ledger chain before schema 9
  bool person_chains_began_ = false;
  std::unordered_map<std::string, Link> people_;
};

}  // namespace onestop::store
