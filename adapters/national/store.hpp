// The national interface's own tables in the ledger database (schema v5, adapters/sqlite/
// schema.cpp): acknowledged messages by (fixmedins_code, msgid), visits and their fee lines.
// One connection of its own; every change of one transaction (its effect and its message) is
// one SQLite transaction, so an acknowledged message is never half-recorded. The ledger's
// records are never written here: a settlement goes through the SettlementService, and a
// visit only names the ledger record.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/sqlite/clients.hpp"
#include "engine/error.hpp"

namespace onestop::sqlite::detail {
class Connection;
}

namespace onestop::national {

struct Visit {
  std::int64_t id = 0;
  std::string mdtrt_id;
  std::string fixmedins_code;
  std::string hospital_id;
  std::string psn_no;
  std::string insutype;
  std::string med_type;
  std::string mdtrt_cert_type;
  std::string begntime;  // DT as sent
  std::string endtime;   // DT as sent; "" until discharged
  std::vector<std::string> diagnoses;
  std::string state;                    // admitted, discharged, settled, cancelled
  int settle_seq = 0;                   // settlements made for the visit so far (live or cancelled)
  std::optional<std::int64_t> setl_id;  // the live settlement's ledger record
};

struct FeeLine {
  std::string feedetl_sn;
  std::string init_feedetl_sn;  // "" unless a refund line
  std::string med_list_codg;
  std::string fee_ocur_time;
  std::string cnt;   // decimal text, four decimals
  std::string pric;  // decimal text, six decimals
  std::string msgid;
};

struct StoredMessage {
  std::string infno;
  std::string input_sha256;
  std::string answer;
  std::string mdtrt_id;
  bool reversed = false;
};

// A file of the file transactions (9101 upload, 3202 result, 9102 download).
struct StoredFile {
  std::string file_qury_no;
  std::string filename;
  std::string content_base64;
};

// What one transaction changes, written at once with its message.
struct Change {
  std::optional<Visit> insert_visit;
  std::optional<Visit> update_visit;      // by mdtrt_id: endtime, diagnoses, state, seq, setl_id
  std::vector<FeeLine> add_lines;         // for `mdtrt_id`
  std::vector<std::string> remove_lines;  // feedetl_sn of `mdtrt_id`
  bool remove_all_lines = false;
  std::string mdtrt_id;
  // The message acknowledged (answer stored for replay); none when infno is "".
  std::string fixmedins_code;
  std::string msgid;
  std::string infno;
  std::string input_sha256;
  std::string answer;
  std::optional<std::string> reversed_msgid;  // 2601: the message it reversed
  std::optional<StoredFile> add_file;         // of fixmedins_code
};

// A person of the roster (the poverty categories' registry) as the national interface shows
// them.
struct Person {
  std::string psn_no;  // the roster's patient id
  std::string name;
  std::string id_number;
  std::string category;
  std::string valid_from;  // the row's period, "YYYY-MM-DD"; valid_to "" = open
  std::string valid_to;
};

// A hospital client's key as the national gateway's signature uses it.
struct TifClient {
  sqlite::Principal principal;
  std::string token;  // the key's stored verifier (see gateway.hpp)
};

class Store {
 public:
  // Opens (and migrates) the ledger database at `path`. Error: ledger_unavailable.
  static Result<std::unique_ptr<Store>> open(const std::string& path);
  ~Store();

  // Each read or write is short and takes the store's lock. Database failures are
  // ledger_unavailable errors.
  Result<std::optional<TifClient>> tif_client(std::string_view paasid);
  Result<std::optional<StoredMessage>> message(std::string_view fixmedins_code,
                                               std::string_view msgid);
  Result<std::optional<Visit>> visit(std::string_view mdtrt_id);
  Result<std::vector<FeeLine>> lines(std::string_view mdtrt_id);
  // The id the next visit will get.
  Result<std::int64_t> next_visit_id();
  // Every visit of a hospital, in id order (reconciliation reads their live settlements).
  Result<std::vector<Visit>> visits_of(std::string_view fixmedins_code);
  // The roster row in force on `on` (YYYY-MM-DD) of the person with this patient id or, when
  // none, this id number (身份证号); read-only on the roster's table.
  Result<std::optional<Person>> person(std::string_view psn_no_or_id_number, std::string_view on);
  // A file of the hospital, or nullopt.
  Result<std::optional<StoredFile>> file(std::string_view fixmedins_code,
                                         std::string_view file_qury_no);
  std::optional<Error> commit(const Change& change);

 private:
  Store() = default;
  std::unique_ptr<sqlite::detail::Connection> db_;
  std::mutex mutex_;
};

}  // namespace onestop::national
