// Exactly once on the national interface (issue 12): an `onestop serve` process is killed with
// SIGKILL again and again while hospitals send 2304 settlements, each retried by its msgid (new
// nonce, same envelope) until it is answered. Afterwards every visit has exactly one live
// settlement in the ledger (0 lost, 0 double), the visit names it, every answer names it, and
// `onestop verify` passes. The HIS side is written here like national_test.cpp's: envelopes as
// text, signatures by the published recipe.
#include <Poco/SHA2Engine.h>

#include <map>
#include <set>

#include "adapters/sqlite/open.hpp"
#include "crash_fixture.hpp"
#include "soak.hpp"

namespace onestop {
namespace {

namespace crash = testing::crash;
namespace soak = testing::soak;

constexpr int kVisits = 12;

std::string sha256_hex(const std::string& text) {
  Poco::SHA2Engine engine(Poco::SHA2Engine::SHA_256);
  engine.update(text);
  return Poco::DigestEngine::digestToHex(engine.digest());
}

std::string raw_member(const std::string& body, const std::string& key) {
  const std::string needle = "\"" + key + "\":";
  const auto at = body.find(needle);
  if (at == std::string::npos) return "";
  std::size_t start = at + needle.size();
  std::size_t end = start;
  while (end < body.size() && body[end] != ',' && body[end] != '}') ++end;
  std::string v = body.substr(start, end - start);
  if (v.size() >= 2 && v.front() == '"') v = v.substr(1, v.size() - 2);
  return v;
}

class Hospital {
 public:
  Hospital(std::atomic<std::uint16_t>& port, std::string paasid, std::string token)
      : port_(port), paasid_(std::move(paasid)), token_(std::move(token)) {}

  static std::string envelope(const std::string& infno, const std::string& msgid,
                              const std::string& input) {
    return "{\"infno\":\"" + infno + "\",\"msgid\":\"" + msgid +
           "\",\"mdtrtarea_admvs\":\"430302\",\"insuplc_admdvs\":\"430302\","
           "\"recer_sys_code\":\"YBXT\",\"infver\":\"V1.0\",\"opter_type\":\"1\","
           "\"opter\":\"D001\",\"opter_name\":\"收费员\",\"inf_time\":\"2020-03-12 10:00:00\","
           "\"fixmedins_code\":\"H43030000002\",\"fixmedins_name\":\"湘潭市第三人民医院\","
           "\"input\":" +
           input + "}";
  }

  // Sends until an envelope comes back (connection failures while the server is down are
  // retried with the same body: the same msgid).
  std::string send(const std::string& body) {
    for (int attempt = 0; attempt < 400; ++attempt) {
      const std::uint16_t port = port_.load();
      if (port == 0) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        continue;
      }
      try {
        Poco::Net::HTTPClientSession session("127.0.0.1", port);
        session.setTimeout(Poco::Timespan(10, 0));
        const std::string ts =
            std::to_string(std::chrono::duration_cast<std::chrono::seconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count());
        const std::string nonce = "c" + std::to_string(++nonce_) + "-" + ts;
        Poco::Net::HTTPRequest request("POST", "/fsi/api/rsfComIfsService/callService",
                                       Poco::Net::HTTPMessage::HTTP_1_1);
        request.setContentType("application/json");
        request.setContentLength(static_cast<std::streamsize>(body.size()));
        request.set("x-tif-paasid", paasid_);
        request.set("x-tif-timestamp", ts);
        request.set("x-tif-nonce", nonce);
        request.set("x-tif-signature", sha256_hex(ts + token_ + nonce + ts));
        session.sendRequest(request) << body;
        Poco::Net::HTTPResponse response;
        std::istream& in = session.receiveResponse(response);
        std::string answer;
        Poco::StreamCopier::copyToString(in, answer);
        if (response.getStatus() == 200 && answer.find("\"infcode\"") != std::string::npos) {
          return answer;
        }
      } catch (const Poco::Exception&) {
        // the server died under this request: its outcome is unknown, so retry by msgid
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ADD_FAILURE() << "no answer for " << body.substr(0, 80);
    return "";
  }

 private:
  std::atomic<std::uint16_t>& port_;
  std::string paasid_;
  std::string token_;
  std::atomic<int> nonce_{0};
};

std::string person(int i) { return "V" + std::to_string(i); }

TEST(NationalCrash, SigkillDuringSettlementsWithRetriesByMsgidLosesAndDoublesNothing) {
  const std::string dir = testing::service_test_dir("national-crash");
  const std::string db = dir + "/ledger.db";
  std::string settings = crash::write_settings(dir, db);
  {
    std::ofstream out(settings, std::ios::app);
    out << "onestop.catalogue.dir = " << testing::source_path("config/catalogue") << "\n";
  }
  std::string key_id;
  {
    auto roster = sqlite::open_roster(db);
    ASSERT_TRUE(roster);
    std::vector<store::RosterEntry> entries;
    for (int i = 0; i < kVisits; ++i) {
      auto e = testing::roster_entry(person(i), "poor", "2020-01-01");
      e.id_number = "43030019900101" + std::to_string(1000 + i);
      entries.push_back(e);
    }
    ASSERT_FALSE((*roster)->replace_all(entries));
    auto clients = sqlite::open_clients(db);
    ASSERT_TRUE(clients);
    auto key = (*clients)->add("his-h2", store::Role::hospital, "H2");
    ASSERT_TRUE(key);
    key_id = key->key_id;
  }
  std::string token;
  {
    crash::Db raw = crash::open_read_only(db);
    crash::each_row(raw.get(),
                    ("SELECT hash FROM client_keys WHERE key_id = '" + key_id + "'").c_str(),
                    [&](sqlite3_stmt* s) { token = crash::column_text(s, 0); });
  }
  ASSERT_FALSE(token.empty());

  crash::ServeProcess server(settings);
  std::atomic<std::uint16_t> port{server.start()};
  ASSERT_NE(port.load(), 0);
  Hospital his(port, key_id, token);

  // Admit, charge and discharge every visit while the server is up.
  std::vector<std::string> visits;
  for (int i = 0; i < kVisits; ++i) {
    const std::string p = person(i);
    const std::string admitted = his.send(Hospital::envelope(
        "2401", "A" + std::to_string(i),
        "{\"mdtrtinfo\":{\"psn_no\":\"" + p +
            "\",\"insutype\":\"390\",\"begntime\":\"2020-03-02 08:00:00\","
            "\"mdtrt_cert_type\":\"03\",\"mdtrt_cert_no\":\"" +
            p + "\",\"med_type\":\"21\",\"ipt_no\":\"Z" + std::to_string(i) +
            "\",\"atddr_no\":\"D1\",\"chfpdr_name\":\"医生\",\"adm_diag_dscr\":\"肺炎\","
            "\"adm_dept_codg\":\"A03\",\"adm_dept_name\":\"内科\",\"adm_bed\":\"1\","
            "\"dscg_maindiag_code\":\"J18.900\",\"dscg_maindiag_name\":\"肺炎\"}}"));
    ASSERT_EQ(raw_member(admitted, "infcode"), "0") << admitted;
    const std::string m = raw_member(admitted, "mdtrt_id");
    visits.push_back(m);
    const std::string fee = his.send(Hospital::envelope(
        "2301", "F" + std::to_string(i),
        "{\"feedetail\":[{\"feedetl_sn\":\"1\",\"mdtrt_id\":\"" + m + "\",\"psn_no\":\"" + p +
            "\",\"med_type\":\"21\",\"fee_ocur_time\":\"2020-03-03 09:00:00\","
            "\"med_list_codg\":\"001101000010000\",\"medins_list_codg\":\"X\","
            "\"det_item_fee_sumamt\":\"" +
            std::to_string(1000 + i) +
            ".00\",\"cnt\":\"1\","
            "\"pric\":\"" +
            std::to_string(1000 + i) +
            "\",\"bilg_dept_codg\":\"A\","
            "\"bilg_dept_name\":\"B\",\"bilg_dr_codg\":\"C\",\"bilg_dr_name\":\"D\"}]}"));
    ASSERT_EQ(raw_member(fee, "infcode"), "0") << fee;
    const std::string out = his.send(Hospital::envelope(
        "2402", "D" + std::to_string(i),
        "{\"dscginfo\":{\"mdtrt_id\":\"" + m + "\",\"psn_no\":\"" + p +
            "\",\"insutype\":\"390\",\"endtime\":\"2020-03-12 09:00:00\","
            "\"dscg_dept_codg\":\"A\",\"dscg_dept_name\":\"B\",\"dscg_way\":\"1\"}}"));
    ASSERT_EQ(raw_member(out, "infcode"), "0") << out;
  }

  // Settle them all, two hospital threads, while the server is killed and restarted.
  std::mt19937 rng(12);
  std::map<int, std::string> answers;
  std::mutex answers_mutex;
  std::atomic<bool> done{false};
  std::thread killer([&] {
    crash::KillPlan plan;
    plan.kills = 6;
    plan.min_delay_ms = 30;
    plan.max_delay_ms = 200;
    plan.deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    std::uniform_int_distribution<int> delay(plan.min_delay_ms, plan.max_delay_ms);
    for (int k = 0; k < plan.kills && !done; ++k) {
      std::this_thread::sleep_for(std::chrono::milliseconds(delay(rng)));
      server.kill_hard();
      port = 0;
      port = server.start();
      if (port == 0) break;
    }
  });
  std::vector<std::thread> hospitals;
  for (int t = 0; t < 2; ++t) {
    hospitals.emplace_back([&, t] {
      for (int i = t; i < kVisits; i += 2) {
        const std::string p = person(i);
        const std::string answer = his.send(Hospital::envelope(
            "2304", "S" + std::to_string(i),
            "{\"data\":{\"psn_no\":\"" + p + "\",\"mdtrt_cert_type\":\"03\",\"mdtrt_cert_no\":\"" +
                p + "\",\"medfee_sumamt\":\"" + std::to_string(1000 + i) +
                ".00\",\"psn_setlway\":\"01\",\"mdtrt_id\":\"" + visits[i] +
                "\",\"insutype\":\"390\",\"acct_used_flag\":\"0\",\"mid_setl_flag\":\"0\"}}"));
        std::lock_guard lock(answers_mutex);
        answers[i] = answer;
      }
    });
  }
  for (auto& h : hospitals) h.join();
  done = true;
  killer.join();
  if (port == 0) port = server.start();

  // Every answer is a success naming a settlement; a retry of any of them replays it.
  std::set<std::string> setl_ids;
  for (int i = 0; i < kVisits; ++i) {
    ASSERT_EQ(raw_member(answers[i], "infcode"), "0") << answers[i];
    setl_ids.insert(raw_member(answers[i], "setl_id"));
  }
  EXPECT_EQ(setl_ids.size(), static_cast<std::size_t>(kVisits));
  EXPECT_EQ(server.terminate(), 0);

  crash::Db raw = crash::open_read_only(db);
  // 0 double: one settlement per visit in the ledger, none cancelled.
  EXPECT_EQ(crash::scalar(raw.get(), "SELECT COUNT(*) FROM records WHERE kind = 'settlement'"),
            kVisits);
  EXPECT_EQ(crash::scalar(raw.get(), "SELECT COUNT(*) FROM records WHERE kind <> 'settlement'"), 0);
  // 0 lost: every visit is settled and names the settlement its answer named.
  std::set<std::string> named;
  crash::each_row(raw.get(), "SELECT state, setl_id FROM national_visits ORDER BY id",
                  [&](sqlite3_stmt* s) {
                    EXPECT_EQ(crash::column_text(s, 0), "settled");
                    named.insert(crash::column_text(s, 1));
                  });
  EXPECT_EQ(named, setl_ids);
  EXPECT_EQ(crash::scalar(raw.get(), soak::sqlite_accumulator_mismatches().c_str()), 0);
  raw.reset();
  EXPECT_EQ(testing::run_verify(db), 0);
}

}  // namespace
}  // namespace onestop
