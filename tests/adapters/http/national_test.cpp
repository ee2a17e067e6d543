// The national platform interface over HTTP (issue 12), driven by a test client written like a
// hospital's HIS: it builds its envelopes as text and signs them with the TIF gateway's
// headers itself (Poco's SHA-256, not the adapter's code), and reads the answers' amounts from
// their JSON text. A whole visit, amounts equal to the native API's to the fen, and every
// error path answering -1 with the field named.
#include <Poco/Base64Encoder.h>
#include <Poco/DateTime.h>
#include <Poco/Path.h>
#include <Poco/SHA2Engine.h>
#include <Poco/Zip/Compress.h>
#include <Poco/Zip/ZipArchive.h>
#include <Poco/Zip/ZipStream.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <chrono>
#include <string>
#include <vector>

#include "http_fixture.hpp"

namespace onestop {
namespace {

using testing::Reply;
using testing::TestServer;

constexpr const char* kHospital = "H43030000002";  // H2's national_code
constexpr const char* kArea = "430302";
constexpr const char* kPerson = "N1";
constexpr const char* kIdNumber = "430300198505050021";

// The raw JSON text of the first member `key` in `body` (a number stays as written).
std::string raw_member(const std::string& body, const std::string& key) {
  const std::string needle = "\"" + key + "\":";
  const auto at = body.find(needle);
  if (at == std::string::npos) return "<absent>";
  std::size_t start = at + needle.size();
  std::size_t end = start;
  if (body[start] == '"') {
    end = body.find('"', start + 1) + 1;
  } else {
    while (end < body.size() && body[end] != ',' && body[end] != '}' && body[end] != ']') ++end;
  }
  return body.substr(start, end - start);
}

bool starts(const std::string& text, const std::string& prefix) { return text.starts_with(prefix); }

std::string unquote(const std::string& s) {
  return s.size() >= 2 && s.front() == '"' ? s.substr(1, s.size() - 2) : s;
}

std::string sha256_hex(const std::string& text) {
  Poco::SHA2Engine engine(Poco::SHA2Engine::SHA_256);
  engine.update(text);
  return Poco::DigestEngine::digestToHex(engine.digest());
}

// The HIS's detail file: one zip entry, Base64 for the JSON.
std::string zipped_base64(const std::string& name, const std::string& text) {
  std::ostringstream zip;
  Poco::Zip::Compress compress(zip, true);
  std::istringstream in(text);
  compress.addFile(in, Poco::DateTime(), Poco::Path(name));
  compress.close();
  std::ostringstream out;
  Poco::Base64Encoder encoder(out);
  encoder.rdbuf()->setLineLength(0);
  encoder << zip.str();
  encoder.close();
  return out.str();
}

std::string unzip_first(const std::string& bytes) {
  std::istringstream in(bytes);
  Poco::Zip::ZipArchive archive(in);
  std::istringstream again(bytes);
  Poco::Zip::ZipInputStream entry(again, archive.headerBegin()->second);
  std::string out;
  Poco::StreamCopier::copyToString(entry, out);
  return out;
}

// A HIS: envelopes by string concatenation, TIF signatures by the published recipe.
class His {
 public:
  His(TestServer& server, std::string paasid, std::string token)
      : server_(server), paasid_(std::move(paasid)), token_(std::move(token)) {}

  std::string envelope(const std::string& infno, const std::string& msgid, const std::string& input,
                       const std::string& code = kHospital) const {
    return "{\"infno\":\"" + infno + "\",\"msgid\":\"" + msgid + "\",\"mdtrtarea_admvs\":\"" +
           kArea + "\",\"insuplc_admdvs\":\"" + kArea +
           "\",\"recer_sys_code\":\"YBXT\",\"dev_no\":\"\",\"dev_safe_info\":\"\","
           "\"cainfo\":\"\",\"signtype\":\"\",\"infver\":\"V1.0\",\"opter_type\":\"1\","
           "\"opter\":\"D001\",\"opter_name\":\"收费员甲\",\"inf_time\":\"2020-03-12 10:15:02\","
           "\"fixmedins_code\":\"" +
           code +
           "\",\"fixmedins_name\":\"湘潭市第三人民医院\","
           "\"sign_no\":\"\",\"input\":" +
           input + "}";
  }

  // POSTs `body` with fresh TIF headers (or the ones given).
  Reply post(const std::string& body, const std::string& path = kCall, long long timestamp = 0,
             std::string nonce = "", std::string signature = "") {
    const long long ts = timestamp != 0 ? timestamp : now();
    if (nonce.empty()) nonce = "n" + std::to_string(++nonces_) + "-" + std::to_string(ts);
    if (signature.empty()) signature = sign(ts, nonce);
    Poco::Net::HTTPRequest request("POST", path, Poco::Net::HTTPMessage::HTTP_1_1);
    request.setContentType("application/json");
    request.setContentLength(static_cast<std::streamsize>(body.size()));
    request.set("x-tif-paasid", paasid_);
    request.set("x-tif-timestamp", std::to_string(ts));
    request.set("x-tif-nonce", nonce);
    request.set("x-tif-signature", signature);
    auto session = server_.session();
    session->sendRequest(request) << body;
    Poco::Net::HTTPResponse response;
    std::istream& in = session->receiveResponse(response);
    Reply reply;
    reply.status = static_cast<int>(response.getStatus());
    Poco::StreamCopier::copyToString(in, reply.body);
    return reply;
  }

  Reply call(const std::string& infno, const std::string& msgid, const std::string& input) {
    return post(envelope(infno, msgid, input));
  }

  std::string sign(long long ts, const std::string& nonce) const {
    return sha256_hex(std::to_string(ts) + token_ + nonce + std::to_string(ts));
  }
  static long long now() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }

  static constexpr const char* kCall = "/fsi/api/rsfComIfsService/callService";

 private:
  TestServer& server_;
  std::string paasid_;
  std::string token_;
  int nonces_ = 0;
};

// The stored verifier of a key (the TIF token), read from the database like an operator would.
std::string token_of(const std::string& db_path, const std::string& key_id) {
  sqlite3* db = nullptr;
  sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
  sqlite3_stmt* stmt = nullptr;
  sqlite3_prepare_v2(db, "SELECT hash FROM client_keys WHERE key_id = ?1", -1, &stmt, nullptr);
  sqlite3_bind_text(stmt, 1, key_id.c_str(), -1, SQLITE_TRANSIENT);
  std::string token;
  if (sqlite3_step(stmt) == SQLITE_ROW) {
    token = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return token;
}

class NationalTest : public ::testing::Test {
 protected:
  NationalTest()
      : server_([](http::ServerConfig& c) {
          c.catalogue_dir = testing::source_path("config/catalogue");
          c.utc_offset_minutes = 480;
        }) {
    std::vector<store::RosterEntry> roster = testing::test_roster();
    auto n1 = testing::roster_entry(kPerson, "poor", "2020-01-01");
    n1.name = "患者丙";
    n1.id_number = kIdNumber;
    roster.push_back(n1);
    if (auto e = server_.app().roster().replace_all(roster)) throw std::runtime_error(e->message);
    key_ = server_.key(store::Role::hospital, "H2");
    const std::string key_id = key_.substr(4, 16);
    his_ =
        std::make_unique<His>(server_, key_id, token_of(server_.config().ledger.location, key_id));
  }

  // The answer's infcode and err_msg, checking the nine keys and HTTP 200.
  static std::string outcome(const Reply& r) {
    EXPECT_EQ(r.status, 200) << r.body;
    auto doc = testing::parse_json(r.body);
    for (const char* key : {"infcode", "inf_refmsgid", "refmsg_time", "respond_time", "err_msg",
                            "warn_msg", "cainfo", "signtype", "output"}) {
      EXPECT_TRUE(doc->has(key)) << key << " missing in " << r.body;
    }
    EXPECT_EQ(doc->getValue<std::string>("refmsg_time").size(), 17u);
    EXPECT_EQ(doc->getValue<std::string>("respond_time").size(), 17u);
    EXPECT_EQ(doc->getValue<std::string>("inf_refmsgid").size(), 30u);
    const int code = doc->getValue<int>("infcode");
    return code == 0 ? "0" : std::to_string(code) + " " + doc->getValue<std::string>("err_msg");
  }

  std::string admit(const std::string& msgid) {
    const Reply r = his_->call("2401", msgid, admission_input());
    EXPECT_EQ(outcome(r), "0");
    return unquote(raw_member(r.body, "mdtrt_id"));
  }

  static std::string admission_input() {
    return std::string("{\"mdtrtinfo\":{\"psn_no\":\"") + kPerson +
           "\",\"insutype\":\"390\",\"begntime\":\"2020-03-02 08:20:00\","
           "\"mdtrt_cert_type\":\"02\",\"mdtrt_cert_no\":\"" +
           kIdNumber +
           "\",\"med_type\":\"21\",\"ipt_no\":\"ZY2020000123\",\"atddr_no\":\"D1\","
           "\"chfpdr_name\":\"医生乙\",\"adm_diag_dscr\":\"肺炎\",\"adm_dept_codg\":\"A03\","
           "\"adm_dept_name\":\"呼吸内科\",\"adm_bed\":\"12\",\"dscg_maindiag_code\":\"J18.900\","
           "\"dscg_maindiag_name\":\"肺炎\"},\"diseinfo\":[{\"psn_no\":\"" +
           kPerson +
           "\",\"diag_type\":\"1\",\"maindiag_flag\":\"1\",\"diag_srt_no\":1,"
           "\"diag_code\":\"J18.900\",\"diag_name\":\"肺炎\",\"diag_dept\":\"呼吸内科\","
           "\"dise_dor_no\":\"D1\",\"dise_dor_name\":\"医生乙\","
           "\"diag_time\":\"2020-03-02 08:25:00\"}]}";
  }

  // One fee line; amounts and counts as the text given (numbers or quoted strings).
  static std::string line(const std::string& mdtrt_id, const std::string& sn,
                          const std::string& code, const std::string& cnt, const std::string& pric,
                          const std::string& sum, const std::string& init = "") {
    return "{\"feedetl_sn\":\"" + sn + "\",\"init_feedetl_sn\":\"" + init + "\",\"mdtrt_id\":\"" +
           mdtrt_id + "\",\"psn_no\":\"" + kPerson +
           "\",\"med_type\":\"21\",\"fee_ocur_time\":\"2020-03-03 09:00:00\","
           "\"med_list_codg\":\"" +
           code + "\",\"medins_list_codg\":\"H-" + code + "\",\"det_item_fee_sumamt\":" + sum +
           ",\"cnt\":" + cnt + ",\"pric\":" + pric +
           ",\"bilg_dept_codg\":\"A03\",\"bilg_dept_name\":\"呼吸内科\",\"bilg_dr_codg\":\"D1\","
           "\"bilg_dr_name\":\"医生乙\"}";
  }

  static std::string fees(const std::string& m) {
    return "{\"feedetail\":[" + line(m, "FD1", "001102000010000", "10", "\"36.00\"", "360.00") +
           "," + line(m, "FD2", "XJ01MAL171A001010104025", "\"4\"", "25.125", "\"100.50\"") + "," +
           line(m, "FD3", "XJ01DDA054B002010101445", "6.0000", "14.500000", "87.00") + "," +
           line(m, "FD4", "C08000000000001", "2", "50", "100") + "," +
           line(m, "FD5", "001101000010000", "20", "250", "5000.00") + "," +
           line(m, "FD6", "XJ01DDA054B002010101445", "-2", "14.5", "-29.00", "FD3") + "]}";
  }

  // The same bill through the native API, catalogue-priced (FD3 net of its refund).
  static std::string native_bill() {
    return std::string("{\"hospital_id\":\"H2\",\"bill_no\":\"NATIVE-1\",\"patient\":{\"id\":\"") +
           kPerson +
           "\"},\"referral\":false,\"admitted_on\":\"2020-03-02\",\"discharged_on\":"
           "\"2020-03-12\",\"diagnoses\":[\"J18.900\"],\"items\":["
           "{\"code\":\"001102000010000\",\"quantity\":\"10\",\"unit_price\":\"36.00\","
           "\"fee_date\":\"2020-03-03\"},"
           "{\"code\":\"XJ01MAL171A001010104025\",\"quantity\":\"4\",\"unit_price\":\"25.125\","
           "\"fee_date\":\"2020-03-03\"},"
           "{\"code\":\"XJ01DDA054B002010101445\",\"quantity\":\"4\",\"unit_price\":\"14.5\","
           "\"fee_date\":\"2020-03-03\"},"
           "{\"code\":\"C08000000000001\",\"quantity\":\"2\",\"unit_price\":\"50\","
           "\"fee_date\":\"2020-03-03\"},"
           "{\"code\":\"001101000010000\",\"quantity\":\"20\",\"unit_price\":\"250\","
           "\"fee_date\":\"2020-03-03\"}]}";
  }

  static std::string discharge_input(const std::string& m) {
    return "{\"dscginfo\":{\"mdtrt_id\":\"" + m + "\",\"psn_no\":\"" + kPerson +
           "\",\"insutype\":\"390\",\"endtime\":\"2020-03-12 10:00:00\","
           "\"dscg_dept_codg\":\"A03\",\"dscg_dept_name\":\"呼吸内科\",\"dscg_way\":\"1\"}}";
  }

  static std::string settle_input(const std::string& m, const std::string& total) {
    return "{\"data\":{\"psn_no\":\"" + std::string(kPerson) +
           "\",\"mdtrt_cert_type\":\"02\",\"mdtrt_cert_no\":\"" + kIdNumber +
           "\",\"medfee_sumamt\":\"" + total + "\",\"psn_setlway\":\"01\",\"mdtrt_id\":\"" + m +
           "\",\"insutype\":\"390\",\"acct_used_flag\":\"0\",\"invono\":\"\","
           "\"mid_setl_flag\":\"0\"}}";
  }

  static std::string totals_input(const std::string& count, const std::string& medfee,
                                  const std::string& fund) {
    return "{\"data\":{\"insutype\":\"390\",\"clr_type\":\"21\",\"setl_optins\":\"430302\","
           "\"stmt_begndate\":\"2020-03-01\",\"stmt_enddate\":\"2999-12-31\","
           "\"medfee_sumamt\":\"" +
           medfee + "\",\"fund_pay_sumamt\":" + fund +
           ",\"acct_pay\":\"0.00\",\"fixmedins_setl_cnt\":\"" + count + "\"}}";
  }

  TestServer server_;
  std::string key_;
  std::unique_ptr<His> his_;
};

// The amounts of a settlement answer equal the native result's national block, to the fen.
void expect_same_amounts(const std::string& national, const std::string& native) {
  for (const char* key : {"medfee_sumamt", "fulamt_ownpay_amt", "overlmt_selfpay", "preselfpay_amt",
                          "inscp_scp_amt", "act_pay_dedc", "hifp_pay", "hifmi_pay", "maf_pay",
                          "fund_pay_sumamt", "psn_part_amt", "psn_cash_pay"}) {
    EXPECT_EQ(raw_member(national, key), unquote(raw_member(native, key))) << key;
  }
}

TEST_F(NationalTest, AWholeVisitSettlesCancelsAndReconcilesLikeTheNativeApi) {
  ASSERT_EQ(outcome(his_->call("9001", "M0001",
                               "{\"signIn\":{\"opter_no\":\"D001\",\"mac\":\"00-16-EA-AE-3C-40\","
                               "\"ip\":\"10.0.0.8\"}}")),
            "0");
  const Reply person =
      his_->call("1101", "M0002",
                 std::string("{\"data\":{\"mdtrt_cert_type\":\"02\",\"mdtrt_cert_no\":\"") +
                     kIdNumber + "\",\"begntime\":\"2020-03-02 08:00:00\"}}");
  ASSERT_EQ(outcome(person), "0");
  EXPECT_EQ(raw_member(person.body, "psn_no"), "\"N1\"");
  EXPECT_EQ(raw_member(person.body, "insutype"), "\"390\"");
  EXPECT_EQ(raw_member(person.body, "psn_idet_type"), "\"poor\"");
  EXPECT_EQ(raw_member(person.body, "gend"), "\"2\"");

  const std::string m = admit("M0003");
  ASSERT_FALSE(m.empty());
  const Reply uploaded = his_->call("2301", "M0004", fees(m));
  ASSERT_EQ(outcome(uploaded), "0");
  // Per-line output (national.md §4.3): FD1 is over its 30.00 cap by 6.00 × 10.
  EXPECT_EQ(raw_member(uploaded.body, "overlmt_amt"), "60.00");
  EXPECT_EQ(raw_member(uploaded.body, "pric_uplmt_amt"), "30.000000");
  EXPECT_EQ(raw_member(uploaded.body, "chrgitm_lv"), "\"01\"");
  // Out of order: settling before the discharge is refused, nothing changes.
  const std::string total = "5618.50";  // 360 + 100.50 + 58 + 100 + 5000
  const std::string early = outcome(his_->call("2304", "M0005", settle_input(m, total)));
  EXPECT_NE(early.find("-1 input.data.mdtrt_id: 该就诊未办理出院"), std::string::npos) << early;
  ASSERT_EQ(outcome(his_->call("2402", "M0006", discharge_input(m))), "0");

  const Reply native = server_.request_as(key_, "POST", "/v1/settlements/trial", native_bill());
  ASSERT_EQ(native.status, 200) << native.body;
  const Reply trial = his_->call("2303", "M0007", settle_input(m, total));
  ASSERT_EQ(outcome(trial), "0");
  expect_same_amounts(trial.body, native.body);
  EXPECT_EQ(raw_member(trial.body, "medfee_sumamt"), total);

  const std::string body2304 = his_->envelope("2304", "M0008", settle_input(m, total));
  const Reply settled = his_->post(body2304);
  ASSERT_EQ(outcome(settled), "0");
  expect_same_amounts(settled.body, native.body);
  EXPECT_EQ(raw_member(settled.body, "medins_setl_id"), "\"M0008\"");
  EXPECT_EQ(raw_member(settled.body, "psn_name"), "\"患者丙\"");
  const std::string setl_id = unquote(raw_member(settled.body, "setl_id"));
  // The same msgid and input replays the first answer byte for byte; another input is refused.
  EXPECT_EQ(his_->post(body2304).body, settled.body);
  const std::string other = outcome(his_->call("2304", "M0008", settle_input(m, "1.00")));
  EXPECT_NE(other.find("-1 msgid:"), std::string::npos) << other;
  // At most one live settlement.
  const std::string twice = outcome(his_->call("2304", "M0009", settle_input(m, total)));
  EXPECT_NE(twice.find("该就诊已结算"), std::string::npos) << twice;

  const std::string totals = unquote(raw_member(settled.body, "fund_pay_sumamt"));
  const Reply balanced = his_->call("3201", "M0010", totals_input("1", total, totals));
  ASSERT_EQ(outcome(balanced), "0");
  EXPECT_EQ(raw_member(balanced.body, "stmt_rslt"), "\"0\"");
  const Reply unbalanced = his_->call("3201", "M0011", totals_input("2", "9999.00", totals));
  ASSERT_EQ(outcome(unbalanced), "0");
  EXPECT_EQ(raw_member(unbalanced.body, "stmt_rslt"), "\"1\"");
  EXPECT_NE(unbalanced.body.find("中心笔数1/医疗费总额5618.50"), std::string::npos)
      << unbalanced.body;

  const Reply cancelled = his_->call(
      "2305", "M0012",
      "{\"data\":{\"mdtrt_id\":\"" + m + "\",\"setl_id\":\"" + setl_id + "\",\"psn_no\":\"N1\"}}");
  ASSERT_EQ(outcome(cancelled), "0");
  EXPECT_EQ(raw_member(cancelled.body, "medfee_sumamt"), "-" + total);
  const Reply again = his_->call("2304", "M0013", settle_input(m, total));
  ASSERT_EQ(outcome(again), "0");
  expect_same_amounts(again.body, native.body);
  EXPECT_NE(unquote(raw_member(again.body, "setl_id")), setl_id);

  // Detail reconciliation: 9101 the file, 3202, 9102 the result zip.
  const std::string setl2 = unquote(raw_member(again.body, "setl_id"));
  const std::string fund2 = raw_member(again.body, "fund_pay_sumamt");
  const std::string rows = setl2 + "\t" + m + "\tN1\t" + total + "\t" + fund2 +
                           "\t0.00\t0\r\n999999\tX\tN1\t1.00\t0.00\t0.00\t0\r\n";
  const Reply upload =
      his_->call("9101", "M0014",
                 "{\"fsUploadIn\":{\"in\":\"" + zipped_base64("detail.txt", rows) +
                     "\",\"filename\":\"detail.zip\",\"fixmedins_code\":\"" + kHospital + "\"}}");
  ASSERT_EQ(outcome(upload), "0");
  const std::string uploaded_no = unquote(raw_member(upload.body, "file_qury_no"));
  const Reply details =
      his_->call("3202", "M0015",
                 "{\"data\":{\"setl_optins\":\"430302\",\"file_qury_no\":\"" + uploaded_no +
                     "\",\"stmt_begndate\":\"2020-03-01\",\"stmt_enddate\":\"2999-12-31\","
                     "\"medfee_sumamt\":\"5619.50\",\"fund_pay_sumamt\":" +
                     fund2 + ",\"cash_payamt\":\"0.00\",\"fixmedins_setl_cnt\":\"2\"}}");
  ASSERT_EQ(outcome(details), "0");
  const std::string result_no = unquote(raw_member(details.body, "file_qury_no"));
  const Reply file =
      his_->call("9102", "M0016",
                 "{\"fsDownloadIn\":{\"file_qury_no\":\"" + result_no +
                     "\",\"filename\":\"result.zip\",\"fixmedins_code\":\"" + kHospital + "\"}}");
  ASSERT_EQ(file.status, 200);
  ASSERT_TRUE(file.body.starts_with("PK")) << file.body.substr(0, 200);
  const std::string result = unzip_first(file.body);
  EXPECT_NE(result.find("N1\t" + m + "\t" + setl2 + "\t\t0\t0\t对账一致"), std::string::npos)
      << result;
  EXPECT_NE(result.find("999999\t\t1\t0\t中心无此结算"), std::string::npos) << result;

  // The ledger holds settlement, cancellation, settlement; verify passes.
  server_.shut_down();
  EXPECT_EQ(testing::run_verify(server_.config().ledger.location), 0);
}

TEST_F(NationalTest, EveryErrorPathAnswersMinusOneNamingTheField) {
  const auto error_of = [&](const Reply& r) { return outcome(r); };
  // Not an envelope at all: still an envelope back.
  EXPECT_NE(error_of(his_->post("hello")).find("-1 body:"), std::string::npos);
  EXPECT_NE(error_of(his_->post("[1,2]")).find("-1 body:"), std::string::npos);
  // Missing, over-long, wrong code.
  std::string body = his_->envelope("9001", "E1", "{}");
  std::string no_msgid = body;
  no_msgid.replace(no_msgid.find("\"msgid\":\"E1\","), 13, "");
  EXPECT_PRED2(starts, error_of(his_->post(no_msgid)), "-1 msgid:");
  std::string long_name = body;
  long_name.replace(long_name.find("收费员甲"), 12, std::string(51, 'x'));
  EXPECT_PRED2(starts, error_of(his_->post(long_name)), "-1 opter_name:");
  std::string bad_code = body;
  bad_code.replace(bad_code.find("\"opter_type\":\"1\""), 16, "\"opter_type\":\"7\"");
  EXPECT_PRED2(starts, error_of(his_->post(bad_code)), "-1 opter_type:");
  EXPECT_PRED2(starts, error_of(his_->call("9001", "E2", "{}")), "-1 input.signIn:");
  // The wrong institution for this key.
  EXPECT_PRED2(starts, error_of(his_->post(his_->envelope("9001", "E3", "{}", "H43010000001"))),
               "-1 fixmedins_code:");
  // Signatures: bad, stale, nonce reused.
  const std::string sign_in =
      his_->envelope("9001", "E4", "{\"signIn\":{\"opter_no\":\"1\",\"mac\":\"m\",\"ip\":\"i\"}}");
  EXPECT_PRED2(starts, error_of(his_->post(sign_in, His::kCall, 0, "", std::string(64, '0'))),
               "-1 x-tif-signature:");
  EXPECT_PRED2(starts, error_of(his_->post(sign_in, His::kCall, His::now() - 3600)),
               "-1 x-tif-timestamp:");
  const long long ts = His::now();
  EXPECT_EQ(error_of(his_->post(sign_in, His::kCall, ts, "once")), "0");
  EXPECT_PRED2(starts, error_of(his_->post(sign_in, His::kCall, ts, "once")), "-1 x-tif-nonce:");
  // An alias path must carry its own transaction.
  EXPECT_PRED2(starts, error_of(his_->post(sign_in, "/fsi/api/hospSettService/settV2")),
               "-1 infno:");
  // Unknown catalogue code, named with its line.
  const std::string m = admit("E5");
  std::string fee = "{\"feedetail\":[" + line(m, "X1", "NOT-IN-CATALOGUE", "1", "1", "1.00") + "]}";
  const std::string unknown = error_of(his_->call("2301", "E6", fee));
  EXPECT_PRED2(starts, unknown, "-1 input.feedetail[0].med_list_codg: 医");
  EXPECT_NE(unknown.find("X1"), std::string::npos) << unknown;
  // A line total that is not cnt × pric; an amount with too many decimals.
  fee = "{\"feedetail\":[" + line(m, "X2", "001101000010000", "2", "10", "21.00") + "]}";
  EXPECT_PRED2(starts, error_of(his_->call("2301", "E7", fee)),
               "-1 input.feedetail[0].det_item_fee_sumamt:");
  fee = "{\"feedetail\":[" + line(m, "X3", "001101000010000", "2", "10", "20.001") + "]}";
  EXPECT_PRED2(starts, error_of(his_->call("2301", "E8", fee)),
               "-1 input.feedetail[0].det_item_fee_sumamt:");
  // Out of order: discharge undo before discharge, cancel of no settlement.
  const std::string undo = error_of(
      his_->call("2405", "E9", "{\"data\":{\"mdtrt_id\":\"" + m + "\",\"psn_no\":\"N1\"}}"));
  EXPECT_PRED2(starts, undo, "-1 input.data.mdtrt_id: ") << undo;
  // A reversal of a message that never took effect is a no-op answer.
  EXPECT_EQ(error_of(his_->call("2601", "E10",
                                "{\"data\":{\"psn_no\":\"N1\",\"omsgid\":\"NEVER\","
                                "\"oinfno\":\"2304\"}}")),
            "0");
  // 2601 of the admission undoes it.
  EXPECT_EQ(error_of(his_->call("2601", "E11",
                                "{\"data\":{\"psn_no\":\"N1\",\"omsgid\":\"E5\","
                                "\"oinfno\":\"2401\"}}")),
            "0");
}

TEST_F(NationalTest, TheBearerKeyIsAcceptedToo) {
  const std::string body =
      his_->envelope("9001", "B1", "{\"signIn\":{\"opter_no\":\"1\",\"mac\":\"m\",\"ip\":\"i\"}}");
  const Reply r = server_.request_as(key_, "POST", "/fsi/api/signInSignOutService/signIn", body);
  EXPECT_EQ(outcome(r), "0");
  const Reply wrong = server_.request_as("osk_0000000000000000_00", "POST", His::kCall, body);
  EXPECT_PRED2(starts, outcome(wrong), "-1 Authorization:");
}

}  // namespace
}  // namespace onestop
