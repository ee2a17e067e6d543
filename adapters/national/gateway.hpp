// The national medical-security platform interface (《医疗保障信息平台 定点医药机构接口规范》,
// national.md): OneStop plays the platform's side for its region, so a hospital's HIS settles a
// poor household's inpatient bill across the four layers without new code (issue 12).
//
// One JSON envelope per transaction, POSTed to /fsi/api/rsfComIfsService/callService (the
// transaction chosen by `infno`) or to the per-transaction alias paths (kAliases). Every answer
// is an envelope with all nine keys (infcode 0 / -1, err_msg naming the field as
// "input.data.mdtrt_id: …"), HTTP 200 even for errors; a body that is not an envelope still
// gets one. Amounts are read exactly from their decimal text and written as numbers with two
// decimals.
//
// Authentication: OneStop's own `Authorization: Bearer <key>` of a hospital client, or the
// national TIF gateway's headers: x-tif-paasid = the key id (the 16 hex digits after "osk_"),
// x-tif-timestamp = epoch seconds within ±kTifWindowSeconds of the server's clock, x-tif-nonce
// (never accepted twice within the window), x-tif-signature = hex SHA-256 of timestamp + token
// + nonce + timestamp, where the token is the key's stored verifier (`onestop clients
// tif-token` is not there yet: see README). The envelope's fixmedins_code must be the client's
// hospital's national_code (config/hospitals.json).
//
// Exactly once: a hospital's msgid is the idempotency key — the same msgid with the same input
// replays the first answer, with another input it is refused. A settlement is made through
// the SettlementService under the bill number "<mdtrt_id>-<n>" (n: the visit's settlement
// number), so a 2304 retried after a crash between the ledger's commit and the national
// tables' commit replays the ledger's record instead of settling twice.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/catalogue/catalogue.hpp"
#include "adapters/national/json_doc.hpp"
#include "adapters/service/settlement_service.hpp"
#include "adapters/store/clients.hpp"
#include "adapters/store/national_store.hpp"

namespace onestop::national {

inline constexpr std::string_view kCallServicePath = "/fsi/api/rsfComIfsService/callService";
inline constexpr std::int64_t kTifWindowSeconds = 300;

// The per-transaction paths (Hebei-style gateways) and their infno.
struct Alias {
  std::string_view path;
  std::string_view infno;
};
const std::vector<Alias>& aliases();

// The envelope (national.md §2) as read, checked field by field.
struct Envelope {
  std::string infno;
  std::string msgid;
  std::string mdtrtarea_admvs;
  std::string insuplc_admdvs;
  std::string recer_sys_code;
  std::string infver;
  std::string opter_type;
  std::string opter;
  std::string opter_name;
  std::string inf_time;
  std::string fixmedins_code;
  std::string fixmedins_name;
  std::string sign_no;
  const JsonValue* input = nullptr;
  std::string input_sha256;  // of infno and the canonical input: the idempotency fingerprint
};

// Reads and checks the envelope of `root`; the first defect, named by its path.
Result<Envelope> read_envelope(const JsonValue& root);

// The canonical text of a value: keys sorted, no spaces, numbers as written.
std::string canonical_json(const JsonValue& value);

struct GatewayRequest {
  std::string method;
  std::string path;
  std::string body;
  // The Bearer key's principal when the request carried a valid one; bearer_error when it
  // carried one that is not valid (then TIF headers are not considered).
  std::optional<store::Principal> bearer;
  std::optional<std::string> bearer_error;
  std::map<std::string, std::string> tif;  // x-tif-* headers, names in lower case
};

struct GatewayAnswer {
  int status = 200;
  std::string content_type = "application/json; charset=utf-8";
  std::string body;
  std::optional<store::Principal> principal;  // who asked, for the access log
  std::string infno;
};

struct GatewayOptions {
  int utc_offset_minutes = 480;  // local time of the answers' layouts (China: +08:00)
  // Epoch milliseconds now; tests may fix it.
  std::function<std::int64_t()> now_ms;
};

class Gateway {
 public:
  // Everything must outlive the gateway. `catalogue` may be nullptr: 2301 then refuses.
  Gateway(const service::SettlementService& service, const catalogue::Catalogue* catalogue,
          std::unique_ptr<Store> store, GatewayOptions options);
  ~Gateway();

  // True for the call-service path and every alias.
  static bool serves(std::string_view path);

  // One message in, one envelope out. Never throws for bad input.
  GatewayAnswer handle(const GatewayRequest& request) const;

  Store& store() const { return *store_; }

 private:
  struct Call;
  struct Outcome {
    std::string output;  // a JSON object
    Change change;
    std::string warn;
  };

  Result<store::Principal> authenticate(const GatewayRequest& request) const;
  Result<Outcome> dispatch(const Call& call) const;
  Result<Outcome> sign_in(const Call& call) const;
  Result<Outcome> person_query(const Call& call) const;
  Result<Outcome> admit(const Call& call) const;
  Result<Outcome> upload_fees(const Call& call) const;
  Result<Outcome> cancel_fees(const Call& call) const;
  Result<Outcome> discharge(const Call& call) const;
  Result<Outcome> cancel_admission(const Call& call) const;
  Result<Outcome> undo_discharge(const Call& call) const;
  Result<Outcome> settle(const Call& call, bool trial) const;
  Result<Outcome> cancel_settlement(const Call& call) const;
  Result<Outcome> reverse(const Call& call) const;
  Result<Outcome> reconcile_totals(const Call& call) const;
  Result<Outcome> upload_file(const Call& call) const;           // 9101
  Result<Outcome> reconcile_details(const Call& call) const;     // 3202
  Result<std::string> download_file(const Envelope& env) const;  // 9102: the raw bytes

  // Shared steps of the inpatient transactions.
  Result<Visit> open_visit(const Call& call, const std::string& field_prefix,
                           const std::string& mdtrt_id, const std::string& psn_no) const;
  Result<std::string> claim_body(const Call& call, const Visit& visit, const std::string& bill_no,
                                 const std::string& discharged_on, Money* total) const;
  Result<Outcome> cancel_live_settlement(const Call& call, Visit visit,
                                         const std::string& field) const;

  std::string local_time(std::int64_t ms, bool compact) const;
  std::string serial() const;

  const service::SettlementService& service_;
  const catalogue::Catalogue* catalogue_;
  std::unique_ptr<Store> store_;
  GatewayOptions options_;
  // Transactions that change state take turns: msgid and visit checks stay true until their
  // commit (one process serves a ledger database).
  mutable std::mutex write_mutex_;
  mutable std::mutex nonce_mutex_;
  mutable std::map<std::string, std::int64_t> nonces_;  // paasid + nonce -> timestamp
  mutable std::atomic<std::uint64_t> serial_{0};
};

}  // namespace onestop::national
