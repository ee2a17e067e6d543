#include "adapters/store/chain_check.hpp"

#include <map>
#include <utility>

namespace onestop::store {
namespace {

std::string str(std::int64_t v) { return std::to_string(v); }

}  // namespace

void ChainCheck::seal(const Seal& s) {
  const std::string who = "seal " + str(s.id) + ": ";
  if (s.id != last_seal_.id + 1) {
    differ(0, who + "follows seal " + str(last_seal_.id) + ": seals are missing before it");
  }
  if (s.prev_hash != last_seal_.hash) differ(0, who + "prev_hash does not link to the seal before");
  if (const std::string hash = seal_hash(s); hash != s.hash) {
    differ(0,
           who + "hash does not match its contents (stored " + s.hash + ", computed " + hash + ")");
  }
  last_seal_ = s;
  Result<std::vector<SealEntry>> entries = read_seal_heads(s.heads);
  if (!entries) {
    differ(0, who + entries.error().message);
    return;
  }
  for (auto& entry : *entries) {
    Sealed& sealed = sealed_[entry.chain];
    if (entry.seq < sealed.entry.seq) {
      differ(0, who + "names seq " + str(entry.seq) + " of chain '" + entry.chain +
                    "', behind seal " + str(sealed.seal_id) + "'s " + str(sealed.entry.seq));
    }
    sealed = Sealed{s.id, std::move(entry)};
  }
}

void ChainCheck::record(const StoredRecord& r, const std::string& computed_hash) {
  if (computed_hash != r.hash) {
    differ(r.id, "hash does not match the record's contents (stored " + r.hash + ", computed " +
                     computed_hash + ")");
  }
  if (r.format < 3) {
    // The whole-ledger chain of the records before schema 9: ids without gaps from 1.
    if (person_chains_began_) {
      differ(r.id, "a record of the ledger's old chain after the person chains began");
    }
    if (r.id != old_.seq + 1) {
      differ(r.id, "id follows " + str(old_.seq) + ": records are missing before it");
    }
    if (r.prev_hash != old_.hash) differ(r.id, "prev_hash does not link to the previous record");
    check_sealed("", r, computed_hash);
    old_.seq = r.id;
    old_.hash = r.hash;  // assigned, not rebuilt: its buffer is reused
    return;
  }
  person_chains_began_ = true;
  Link& link = people_[r.patient_id];
  if (r.person_seq != link.seq + 1) {
    differ(r.id, "person_seq " + str(r.person_seq) + " of " + r.patient_id + " follows " +
                     str(link.seq) + ": the person's records are missing or out of order");
  }
  if (r.prev_hash != link.hash) {
    differ(r.id, "prev_hash does not link to the previous record of " + r.patient_id);
  }
  check_sealed(r.patient_id, r, computed_hash);
  link.seq = r.person_seq;
  link.hash = r.hash;
}

// The record a seal names as a chain's head must be the one it sealed.
void ChainCheck::check_sealed(const std::string& chain, const StoredRecord& r,
                              const std::string& computed_hash) {
  const auto it = sealed_.find(chain);
  const std::int64_t seq = chain.empty() ? r.id : r.person_seq;
  if (it == sealed_.end() || it->second.entry.seq != seq) return;
  if (it->second.entry.hash != computed_hash) {
    differ(r.id, "is not the record seal " + str(it->second.seal_id) + " sealed (its hash " +
                     it->second.entry.hash + ")");
  }
}

void ChainCheck::finish(const std::vector<PersonHead>& persons) {
  // Every sealed head must still be there: a chain cut back behind its seal lost records.
  for (const auto* entry : by_key(sealed_)) {
    const auto& [chain, sealed] = *entry;
    const Link& link = chain.empty() ? old_ : people_[chain];
    if (link.seq < sealed.entry.seq) {
      const std::string name = chain.empty() ? "the ledger's old chain" : "the chain of " + chain;
      differ(0, name + " ends at " + str(link.seq) + " but seal " + str(sealed.seal_id) +
                    " names its record " + str(sealed.entry.seq) + ": records were removed");
    }
  }
  std::map<std::string, const PersonHead*> stored;
  for (const auto& p : persons) stored.emplace(p.patient_id, &p);
  for (const auto* entry : by_key(people_)) {
    const auto& [patient_id, link] = *entry;
    if (link.seq == 0) continue;  // only named by a seal, reported above
    const auto it = stored.find(patient_id);
    const std::string who = "persons row of " + patient_id + ": ";
    if (it == stored.end()) {
      differ(0, who + "missing (its chain ends at " + str(link.seq) + ")");
      continue;
    }
    const PersonHead& p = *it->second;
    if (p.seq != link.seq || p.head != link.hash) {
      differ(0, who + "head " + str(p.seq) + " " + p.head + ", expected " + str(link.seq) + " " +
                    link.hash + " (the chain's last record)");
    }
    const auto sealed = sealed_.find(patient_id);
    const std::int64_t sealed_seq = sealed == sealed_.end() ? 0 : sealed->second.entry.seq;
    if (p.sealed_seq != sealed_seq) {
      differ(0, who + "sealed_seq " + str(p.sealed_seq) + ", expected " + str(sealed_seq) +
                    " (the last seal naming it)");
    }
  }
  for (const auto& p : persons) {
    const auto it = people_.find(p.patient_id);
    if (it == people_.end() || it->second.seq == 0) {
      differ(0, "persons row of " + p.patient_id + ": the person has no records");
    }
  }
}

}  // namespace onestop::store
