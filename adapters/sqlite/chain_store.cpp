#include "adapters/sqlite/chain_store.hpp"

#include <utility>

namespace onestop::sqlite::detail {
namespace {

Seal seal_from_row(const Query& q) {
  return Seal{q.int64(0), q.text(1), q.text(2), q.text(3), q.text(4)};
}

constexpr const char* kSelectSeal = "SELECT id, sealed_at, heads, prev_hash, hash FROM seals ";

}  // namespace

PersonHead load_person_head(Connection& db, const std::string& patient_id) {
  Query q = db.query("SELECT seq, head, sealed_seq FROM persons WHERE patient_id = ?1");
  q.bind_all(patient_id);
  if (!q.step()) return PersonHead{patient_id, 0, "", 0};
  return PersonHead{patient_id, q.int64(0), q.text(1), q.int64(2)};
}

void store_person_head(Connection& db, const PersonHead& after, std::int64_t before_seq) {
  Query q = db.query(
      "INSERT INTO persons (patient_id, seq, head) VALUES (?1, ?2, ?3) "
      "ON CONFLICT (patient_id) DO UPDATE SET seq = excluded.seq, head = excluded.head "
      "WHERE persons.seq = ?4");
  q.bind_all(after.patient_id, after.seq, after.head, before_seq);
  q.run();
  if (sqlite3_changes(db.handle()) != 1) {
    throw DbError(SQLITE_ERROR, "the chain of " + after.patient_id + " moved since its record " +
                                    std::to_string(before_seq) + " (another writer?)");
  }
}

std::vector<PersonHead> load_persons(Connection& db) {
  std::vector<PersonHead> out;
  Query q = db.query("SELECT patient_id, seq, head, sealed_seq FROM persons ORDER BY patient_id");
  while (q.step()) out.push_back(PersonHead{q.text(0), q.int64(1), q.text(2), q.int64(3)});
  return out;
}

std::vector<Seal> load_seals(Connection& db) {
  std::vector<Seal> out;
  Query q = db.query(std::string(kSelectSeal) + "ORDER BY id");
  while (q.step()) out.push_back(seal_from_row(q));
  return out;
}

Seal load_last_seal(Connection& db) {
  Query q = db.query(std::string(kSelectSeal) + "ORDER BY id DESC LIMIT 1");
  return q.step() ? seal_from_row(q) : Seal{};
}

void insert_seal(Connection& db, const Seal& seal) {
  Query q = db.query(
      "INSERT INTO seals (id, sealed_at, heads, prev_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5)");
  q.bind_all(seal.id, seal.sealed_at, seal.heads, seal.prev_hash, seal.hash);
  q.run();
}

bool seal_moved_heads(Connection& db, std::string sealed_at) {
  std::vector<store::SealEntry> moved;
  Query q = db.query("SELECT patient_id, seq, head FROM persons WHERE seq > sealed_seq");
  while (q.step()) moved.push_back({q.text(0), q.int64(1), q.text(2)});
  q.reset();
  if (moved.empty()) return false;
  insert_seal(db, store::next_seal(load_last_seal(db), std::move(sealed_at), std::move(moved)));
  db.query("UPDATE persons SET sealed_seq = seq WHERE seq > sealed_seq").run();
  return true;
}

}  // namespace onestop::sqlite::detail
