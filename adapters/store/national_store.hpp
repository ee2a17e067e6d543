// The national interface's own tables beside the ledger: acknowledged messages by
// (fixmedins_code, msgid), visits and their fee lines. Every change of one transaction (its
// effect and its message) is one database transaction, so an acknowledged message is never
// half-recorded. The ledger's records are never written here: a settlement goes through the
// SettlementService, and a visit only names the ledger record.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/store/clients.hpp"
#include "engine/error.hpp"

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
  store::Principal principal;
  std::string token;  // the key's stored verifier (see gateway.hpp)
};

class Store {
 public:
  virtual ~Store() = default;

  // Each read or write is short. Database failures are ledger_unavailable errors.
  virtual Result<std::optional<TifClient>> tif_client(std::string_view paasid) = 0;
  virtual Result<std::optional<StoredMessage>> message(std::string_view fixmedins_code,
                                                       std::string_view msgid) = 0;
  virtual Result<std::optional<Visit>> visit(std::string_view mdtrt_id) = 0;
  virtual Result<std::vector<FeeLine>> lines(std::string_view mdtrt_id) = 0;
  // The id the next visit will get.
  virtual Result<std::int64_t> next_visit_id() = 0;
  // Every visit of a hospital, in id order (reconciliation reads their live settlements).
  virtual Result<std::vector<Visit>> visits_of(std::string_view fixmedins_code) = 0;
  // The roster row in force on `on` (YYYY-MM-DD) of the person with this patient id or, when
  // none, this id number (身份证号); read-only on the roster.
  virtual Result<std::optional<Person>> person(std::string_view psn_no_or_id_number,
                                               std::string_view on) = 0;
  // A file of the hospital, or nullopt.
  virtual Result<std::optional<StoredFile>> file(std::string_view fixmedins_code,
                                                 std::string_view file_qury_no) = 0;
  // Writes `change` in one transaction, or nothing of it. Several servers may share the
  // tables, so what the caller read before deciding on the change may have been overtaken by
  // another server's commit; then nothing is written, the message is not acknowledged, and the
  // answer is one of these refusals (besides ledger_unavailable):
  //   code "duplicate", field "msgid": the message is acknowledged already (another server
  //     answered it first); read it with message() and answer as for a replay.
  //   code "duplicate", field "mdtrt_id", "feedetl_sn", "file_qury_no" or "omsgid": the visit
  //     (its id or mdtrt_id), a fee line of the visit or the file exists already, or the
  //     message to reverse is reversed already.
  //   code "visit_changed", field "mdtrt_id": the visit's state no longer allows the change
  //     (check_visit_change).
  //   open_admission(): a new visit's person has an open one (admitted or discharged) at the
  //     hospital already: one person, one admission at a time, however many servers admit.
  virtual std::optional<Error> commit(const Change& change) = 0;
};

// The refusal of a second open admission of `psn_no` at a hospital (code "duplicate", field
// "psn_no"), the one rule admit() checks that a commit could otherwise overtake.
Error open_admission(const std::string& psn_no);

// The visit state machine's rule for a change of a visit now in `state` with `settle_seq`
// settlements and `lines` fee lines: admitted -> discharged, admitted -> cancelled (no fee
// lines), discharged -> admitted, discharged -> settled (settle_seq + 1), settled ->
// discharged; fee lines are added or removed only while admitted or discharged. nullopt when
// allowed, else the "visit_changed" refusal. Every engine checks it on the locked visit.
std::optional<Error> check_visit_change(const std::string& state, int settle_seq,
                                        std::int64_t lines, const Change& change);

}  // namespace onestop::national
