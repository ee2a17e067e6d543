// The gateway's frame: answers, clocks, authentication, msgid idempotency and dispatch. The
// transactions themselves are in transactions.cpp.
#include "adapters/national/gateway.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "adapters/codec/json_util.hpp"
#include "adapters/national/gateway_internal.hpp"
#include "adapters/policy/policy_loader.hpp"

namespace onestop::national {
namespace {

std::int64_t system_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

bool same_text(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    diff |=
        static_cast<unsigned>(static_cast<unsigned char>(a[i]) ^ static_cast<unsigned char>(b[i]));
  }
  return diff == 0;
}

std::optional<std::int64_t> epoch_seconds(std::string_view text) {
  if (text.empty() || text.size() > 12) return std::nullopt;
  std::int64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

}  // namespace

std::string answer_json(int infcode, const std::string& inf_refmsgid,
                        const std::string& refmsg_time, const std::string& respond_time,
                        const std::string& err_msg, const std::string& warn_msg,
                        const std::string& output) {
  codec::JsonWriter w(256 + output.size());
  w.begin_object().member("infcode", infcode).member("inf_refmsgid", inf_refmsgid);
  w.member("refmsg_time", refmsg_time).member("respond_time", respond_time);
  w.member("err_msg", err_msg).member("warn_msg", warn_msg);
  w.member("cainfo", "").member("signtype", "").key("output");
  w.raw(output.empty() ? std::string_view("null") : std::string_view(output));
  w.end_object();
  return w.take();
}

std::string format_local(std::int64_t epoch_ms, int offset_minutes, bool compact) {
  const std::int64_t local_ms = epoch_ms + std::int64_t(offset_minutes) * 60'000;
  std::int64_t days = local_ms / 86'400'000;
  std::int64_t ms_of_day = local_ms % 86'400'000;
  if (ms_of_day < 0) {
    ms_of_day += 86'400'000;
    --days;
  }
  // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
  const std::int64_t z = days + 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const std::int64_t doe = z - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  const std::int64_t d = doy - (153 * mp + 2) / 5 + 1;
  const std::int64_t m = mp < 10 ? mp + 3 : mp - 9;
  const std::int64_t y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  const std::int64_t s = ms_of_day / 1000;
  char buf[96];
  if (compact) {
    std::snprintf(buf, sizeof buf, "%04lld%02lld%02lld%02lld%02lld%02lld%03lld",
                  static_cast<long long>(y), static_cast<long long>(m), static_cast<long long>(d),
                  static_cast<long long>(s / 3600), static_cast<long long>(s / 60 % 60),
                  static_cast<long long>(s % 60), static_cast<long long>(ms_of_day % 1000));
  } else {
    std::snprintf(buf, sizeof buf, "%04lld-%02lld-%02lld %02lld:%02lld:%02lld",
                  static_cast<long long>(y), static_cast<long long>(m), static_cast<long long>(d),
                  static_cast<long long>(s / 3600), static_cast<long long>(s / 60 % 60),
                  static_cast<long long>(s % 60));
  }
  return buf;
}

Gateway::Gateway(const service::SettlementService& service, const catalogue::Catalogue* catalogue,
                 std::unique_ptr<Store> store, GatewayOptions options)
    : service_(service),
      catalogue_(catalogue),
      store_(std::move(store)),
      options_(std::move(options)) {
  if (!options_.now_ms) options_.now_ms = system_now_ms;
}

Gateway::~Gateway() = default;

bool Gateway::serves(std::string_view path) {
  if (path == kCallServicePath) return true;
  return std::any_of(aliases().begin(), aliases().end(),
                     [&](const Alias& a) { return a.path == path; });
}

std::string Gateway::local_time(std::int64_t ms, bool compact) const {
  return format_local(ms, options_.utc_offset_minutes, compact);
}

std::string Gateway::serial() const {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%010llu",
                static_cast<unsigned long long>(++serial_ % 10'000'000'000ULL));
  return buf;
}

Result<store::Principal> Gateway::authenticate(const GatewayRequest& request) const {
  if (request.bearer) return *request.bearer;
  if (request.bearer_error) return Error{"unauthenticated", "Authorization", *request.bearer_error};
  const auto header = [&](const char* name) -> std::string {
    auto it = request.tif.find(name);
    return it == request.tif.end() ? std::string() : it->second;
  };
  const std::string paasid = header("x-tif-paasid");
  const std::string timestamp = header("x-tif-timestamp");
  const std::string nonce = header("x-tif-nonce");
  const std::string signature = header("x-tif-signature");
  if (paasid.empty() && timestamp.empty() && nonce.empty() && signature.empty()) {
    return Error{"unauthenticated", "x-tif-signature",
                 "x-tif-signature: 缺少认证信息 (send the x-tif-* gateway headers or "
                 "'Authorization: Bearer <key>')"};
  }
  for (const auto& [name, value] :
       {std::pair<const char*, const std::string&>{"x-tif-paasid", paasid},
        {"x-tif-timestamp", timestamp},
        {"x-tif-nonce", nonce},
        {"x-tif-signature", signature}}) {
    if (value.empty() || value.size() > 128) {
      return Error{"unauthenticated", name, std::string(name) + ": 不能为空 (required, 1..128)"};
    }
  }
  const auto ts = epoch_seconds(timestamp);
  const std::int64_t now_s = options_.now_ms() / 1000;
  if (!ts || *ts < now_s - kTifWindowSeconds || *ts > now_s + kTifWindowSeconds) {
    return Error{"unauthenticated", "x-tif-timestamp",
                 "x-tif-timestamp: 时间戳超出有效期 (epoch seconds within " +
                     std::to_string(kTifWindowSeconds) + " s of the platform's clock)"};
  }
  auto client = store_->tif_client(paasid);
  if (!client) return client.error();
  const std::string expected =
      *client ? policy::sha256_hex(timestamp + (*client)->token + nonce + timestamp) : "";
  if (!*client || !same_text(lower(signature), expected)) {
    return Error{"unauthenticated", "x-tif-signature",
                 "x-tif-signature: 签名验证失败 (the signature does not match the paasid's key)"};
  }
  std::lock_guard lock(nonce_mutex_);
  for (auto it = nonces_.begin(); it != nonces_.end();) {
    it = it->second < now_s - 2 * kTifWindowSeconds ? nonces_.erase(it) : std::next(it);
  }
  if (!nonces_.emplace(paasid + "\n" + nonce, *ts).second) {
    return Error{"unauthenticated", "x-tif-nonce",
                 "x-tif-nonce: 随机数已使用 (a nonce is accepted once)"};
  }
  return (*client)->principal;
}

GatewayAnswer Gateway::handle(const GatewayRequest& request) const {
  const std::int64_t received = options_.now_ms();
  GatewayAnswer answer;
  std::string admvs = "000000";
  const auto reply = [&](int infcode, const std::string& err, const std::string& warn,
                         const std::string& output) {
    const std::string refmsgid = admvs + local_time(received, true).substr(0, 14) + serial();
    answer.body = answer_json(infcode, refmsgid, local_time(received, true),
                              local_time(options_.now_ms(), true), err, warn, output);
    return answer;
  };
  const auto fail = [&](const Error& e) { return reply(-1, e.message, "", ""); };
  if (request.method != "POST") {
    return fail(Error{"method_not_allowed", "", "HTTP: 仅支持 POST (send the envelope by POST)"});
  }
  auto doc = JsonDocument::parse(request.body);
  if (!doc)
    return fail(Error{"malformed_json", "", "body: 报文格式错误 (" + doc.error().message + ")"});
  if (doc->root().type != JsonValue::Type::object) {
    return fail(Error{"wrong_type", "", "body: 报文应为JSON对象 (the envelope is a JSON object)"});
  }
  auto env = read_envelope(doc->root());
  if (!env) return fail(env.error());
  admvs = env->mdtrtarea_admvs;
  answer.infno = env->infno;
  for (const Alias& a : aliases()) {
    if (a.path == request.path && a.infno != env->infno) {
      return fail(Error{"bad_infno", "infno",
                        "infno: 交易编号 " + env->infno + " 与路径不符 (this path serves " +
                            std::string(a.infno) + ")"});
    }
  }
  auto who = authenticate(request);
  if (!who) return fail(who.error());
  answer.principal = *who;
  const service::Hospital* hospital = service_.hospitals().find(who->hospital_id);
  if (who->role != store::Role::hospital || hospital == nullptr) {
    return fail(Error{"forbidden", "fixmedins_code",
                      "fixmedins_code: 该客户端不是定点医药机构 (a hospital client's key is "
                      "needed)"});
  }
  if (hospital->national_code.empty() || hospital->national_code != env->fixmedins_code) {
    return fail(Error{"hospital_forbidden", "fixmedins_code",
                      "fixmedins_code: 机构编号 " + env->fixmedins_code +
                          " 与认证的机构不符 (this key is hospital " + hospital->id + "'s" +
                          (hospital->national_code.empty() ? ", which has no national_code"
                                                           : ", " + hospital->national_code) +
                          ")"});
  }
  try {
    if (env->infno == "9102") {  // the file itself, not an envelope (national.md §1)
      auto bytes = download_file(*env);
      if (!bytes) return fail(bytes.error());
      answer.content_type = "application/octet-stream";
      answer.body = std::move(bytes).value();
      return answer;
    }
    std::lock_guard lock(write_mutex_);
    // The msgid's first answer replayed, or the refusal of another input under it; false when
    // the message is new.
    const auto answered = [&]() -> Result<bool> {
      auto stored = store_->message(env->fixmedins_code, env->msgid);
      if (!stored) return stored.error();
      if (!*stored) return false;
      if ((*stored)->input_sha256 == env->input_sha256) {
        answer.body = (*stored)->answer;
        return true;
      }
      fail(Error{
          "idempotency_conflict", "msgid",
          "msgid: 报文ID " + env->msgid + " 已用于另一笔交易 (the same msgid with another input)"});
      return true;
    };
    auto replayed = answered();
    if (!replayed) return fail(replayed.error());
    if (*replayed) return answer;
    const Call call{*env, *hospital, received};
    auto out = dispatch(call);
    if (!out) return fail(out.error());
    reply(0, "", out->warn, out->output);
    Change& change = out->change;
    change.fixmedins_code = env->fixmedins_code;
    change.msgid = env->msgid;
    change.infno = env->infno;
    change.input_sha256 = env->input_sha256;
    change.answer = answer.body;
    if (auto e = store_->commit(change)) {
      // Another server sharing the tables answered the same message first: answer as a replay.
      if (e->code == "duplicate" && e->field == "msgid") {
        replayed = answered();
        if (replayed && *replayed) return answer;
      }
      return fail(*e);
    }
    return answer;
  } catch (const std::exception& e) {
    return fail(Error{"internal", "", std::string("系统错误 (") + e.what() + ")"});
  }
}

Result<Gateway::Outcome> Gateway::dispatch(const Call& call) const {
  const std::string& infno = call.env.infno;
  if (infno == "9001") return sign_in(call);
  if (infno == "1101") return person_query(call);
  if (infno == "2401") return admit(call);
  if (infno == "2301") return upload_fees(call);
  if (infno == "2302") return cancel_fees(call);
  if (infno == "2402") return discharge(call);
  if (infno == "2404") return cancel_admission(call);
  if (infno == "2405") return undo_discharge(call);
  if (infno == "2303") return settle(call, true);
  if (infno == "2304") return settle(call, false);
  if (infno == "2305") return cancel_settlement(call);
  if (infno == "2601") return reverse(call);
  if (infno == "3201") return reconcile_totals(call);
  if (infno == "3202") return reconcile_details(call);
  if (infno == "9101") return upload_file(call);
  return Error{"unknown_infno", "infno",
               "infno: 不支持的交易编号 " + infno +
                   " (this platform serves 9001, 1101, 2301–2305, "
                   "2401, 2402, 2404, 2405, 2601, 3201, 3202, 9101, 9102)"};
}

}  // namespace onestop::national
