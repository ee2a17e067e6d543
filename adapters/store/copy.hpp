// onestop ledger copy (issue 11): a whole ledger moved from one engine to another — every
// record as it is (ids, chains, the documents of the old formats, the compact bodies), the
// policy texts, the seals, the persons and person_years rows, the roster, the certifications,
// the clients with their keys (hashes only), and the access log — so that verify passes on the
// copy and every read answers byte for byte as before. One algorithm over two engine-neutral
// interfaces: the source reads one snapshot (a VerifySource, which already reads the ledger as
// it is stored), the target writes an empty ledger in one transaction.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "adapters/store/verify.hpp"

namespace onestop::store {

// A row of a plain table as text, columns in the table's order; nullopt is NULL.
using TextRow = std::vector<std::optional<std::string>>;

// A table every engine keeps with the same columns (and no derived state), copied row by row
// in `order`.
struct PlainTable {
  std::string name;
  std::vector<std::string> columns;
  std::string order;  // ORDER BY clause, e.g. "id"
};
// roster, certifications, clients, client_keys, access_log.
const std::vector<PlainTable>& plain_tables();

class CopySource : public VerifySource {
 public:
  // Every row of `table`, in its order.
  virtual void each_row(const PlainTable& table,
                        const std::function<void(const TextRow&)>& visit) = 0;
};

// Writes into a ledger that has no record, client, roster or log row yet; nothing is visible
// until commit(), and a target destroyed before it leaves nothing. Throws LedgerUnavailable.
class CopyTarget {
 public:
  virtual ~CopyTarget() = default;
  // Rows in the ledger's tables now (a copy goes only into an empty ledger).
  virtual std::int64_t rows_present() = 0;
  virtual void policy(const std::string& sha256, const std::string& id,
                      const std::string& text) = 0;
  // Records as a VerifySource reads them (format 1: claim_json and result_json as stored;
  // compact: the claim and `before`), with their ids, chain fields, layers and movement.
  virtual void records(const std::vector<StoredRecord>& page) = 0;
  virtual void seals(const std::vector<Seal>& seals) = 0;
  virtual void persons(const std::vector<PersonHead>& persons) = 0;
  virtual void person_years(const std::map<std::pair<std::string, int>, PersonYearRow>& rows) = 0;
  virtual void rows(const PlainTable& table, const std::vector<TextRow>& rows) = 0;
  virtual void commit() = 0;
};

struct CopySummary {
  std::int64_t records = 0;
  std::int64_t policies = 0;
  std::int64_t seals = 0;
  std::map<std::string, std::int64_t> rows;  // plain table → rows copied
};

// Copies everything `from` holds into `to` and commits. Error "ledger_not_empty" (field
// "--to") when the target holds rows already, "copy_unreadable" when a record of the source
// does not read (verify names it), "ledger_unavailable" when a database fails; nothing is
// committed then.
Result<CopySummary> copy_ledger(CopySource& from, CopyTarget& to,
                                const std::function<void(std::int64_t records)>& progress = {});

}  // namespace onestop::store
