#include "adapters/store/copy.hpp"

#include <set>

namespace onestop::store {
namespace {

constexpr int kPage = 512;
constexpr std::size_t kRowsPerWrite = 1000;

}  // namespace

const std::vector<PlainTable>& plain_tables() {
  static const std::vector<PlainTable> tables = {
      {"roster",
       {"patient_id", "valid_from", "valid_to", "name", "id_number", "category"},
       "patient_id, valid_from"},
      {"certifications",
       {"patient_id", "disease", "valid_from", "valid_to"},
       "patient_id, disease, valid_from"},
      {"clients", {"name", "role", "hospital_id", "created_at", "revoked_at"}, "name"},
      {"client_keys", {"key_id", "client", "salt", "hash", "created_at"}, "created_at, key_id"},
      {"access_log",
       {"id", "at", "client", "role", "method", "route", "target", "status", "remote",
        "correlation_id"},
       "id"},
  };
  return tables;
}

Result<CopySummary> copy_ledger(CopySource& from, CopyTarget& to,
                                const std::function<void(std::int64_t records)>& progress) {
  try {
    if (to.rows_present() > 0) {
      return Error{"ledger_not_empty", "--to",
                   "the target ledger already holds records, clients, roster or log rows; a "
                   "copy goes only into an empty ledger"};
    }
    CopySummary summary;
    std::set<std::string> policies;
    std::int64_t after = 0;
    for (;;) {
      std::vector<VerifyRecord> page = from.records_after(after, kPage);
      std::vector<StoredRecord> records;
      records.reserve(page.size());
      for (auto& v : page) {
        if (!v.unreadable.empty()) {
          return Error{"copy_unreadable", "--from",
                       "record " + std::to_string(v.record.id) + " does not read (" + v.unreadable +
                           "); run onestop verify on the source"};
        }
        // Each policy text once, before the first record that names it.
        if (policies.insert(v.record.policy_sha256).second) {
          if (auto text = from.policy_text(v.record.policy_sha256)) {
            to.policy(v.record.policy_sha256, v.record.policy_id, *text);
            ++summary.policies;
          }
        }
        records.push_back(std::move(v.record));
      }
      if (!records.empty()) {
        after = records.back().id;
        to.records(records);
        summary.records += static_cast<std::int64_t>(records.size());
        if (progress) progress(summary.records);
      }
      if (page.size() < static_cast<std::size_t>(kPage)) break;
    }
    const std::vector<Seal> seals = from.seals();
    to.seals(seals);
    summary.seals = static_cast<std::int64_t>(seals.size());
    to.persons(from.persons());
    const auto person_years = from.person_years();
    for (const auto& [key, row] : person_years) {
      if (!row.unreadable.empty()) {
        return Error{"copy_unreadable", "--from",
                     "the accumulators of " + key.first + " in " + std::to_string(key.second) +
                         " do not read (" + row.unreadable + "); run onestop verify on the source"};
      }
    }
    to.person_years(person_years);
    for (const PlainTable& table : plain_tables()) {
      std::vector<TextRow> batch;
      std::int64_t& copied = summary.rows[table.name];
      from.each_row(table, [&](const TextRow& row) {
        batch.push_back(row);
        if (batch.size() == kRowsPerWrite) {
          to.rows(table, batch);
          copied += static_cast<std::int64_t>(batch.size());
          batch.clear();
        }
      });
      if (!batch.empty()) to.rows(table, batch);
      copied += static_cast<std::int64_t>(batch.size());
    }
    to.commit();
    return summary;
  } catch (const LedgerUnavailable& e) {
    return e.error();
  }
}

}  // namespace onestop::store
