// The office report (onestop audit report): its CSV numbers equal sums over the ledger (and the
// hand-checked expected amounts of tests/cases), the HTML carries the same numbers in its SVG
// data attributes, and the page renders in headless Chromium without errors.
#include "adapters/reports/audit_report.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "adapters/codec/csv.hpp"
#include "adapters/codec/json_util.hpp"
#include "adapters/sqlite/ledger_fixtures.hpp"
#include "adapters/sqlite/open.hpp"
#include "tests/adapters/reports/poco_json.hpp"

namespace onestop::testing {
namespace {

using Rows = std::vector<std::vector<std::string>>;

// The rows of a CSV text after its header (the BOM stripped).
Rows csv_rows(std::string text) {
  if (text.starts_with(codec::kUtf8Bom)) text.erase(0, codec::kUtf8Bom.size());
  codec::CsvReader reader(text);
  Rows rows;
  while (!reader.done()) rows.push_back(reader.next().fields);
  if (!rows.empty()) rows.erase(rows.begin());
  return rows;
}

template <typename Write>
Rows csv_of(Write write) {
  std::ostringstream out;
  write(out);
  return csv_rows(out.str());
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The attributes of every start tag `<tag ... class="cls" ...>` in `html`, in order.
std::vector<std::map<std::string, std::string>> tags(const std::string& html,
                                                    const std::string& tag,
                                                    const std::string& cls) {
  std::vector<std::map<std::string, std::string>> out;
  const std::regex start("<" + tag + "\\b([^>]*)>");
  const std::regex attribute("([a-zA-Z-]+)=\"([^\"]*)\"");
  for (auto it = std::sregex_iterator(html.begin(), html.end(), start);
       it != std::sregex_iterator(); ++it) {
    const std::string attrs = (*it)[1];
    std::map<std::string, std::string> m;
    for (auto a = std::sregex_iterator(attrs.begin(), attrs.end(), attribute);
         a != std::sregex_iterator(); ++a) {
      m[(*a)[1]] = (*a)[2];
    }
    if (cls.empty() || m["class"] == cls) out.push_back(std::move(m));
  }
  return out;
}

// The chart and table numbers of a page as CSV-shaped rows, to compare with the files.
Rows segments_in(const std::string& html) {
  Rows rows;
  for (auto& a : tags(html, "rect", "segment")) {
    rows.push_back({a["data-month"], a["data-fund"], a["data-amount"], a["data-share"]});
  }
  return rows;
}
Rows buckets_in(const std::string& html) {
  Rows rows;
  for (auto& a : tags(html, "rect", "bucket")) {
    rows.push_back({a["data-bucket"], a["data-from"], a["data-to"], a["data-persons"]});
  }
  return rows;
}
Rows layers_in(const std::string& html) {
  Rows rows;
  for (auto& a : tags(html, "tr", "")) {
    if (!a.contains("data-layer")) continue;
    rows.push_back({a["data-layer"], a["data-fund"], a["data-amount"], a["data-share"]});
  }
  return rows;
}
std::map<std::string, std::string> metrics_in(const std::string& html) {
  std::map<std::string, std::string> out;
  const std::regex cell("<td class=\"num\" data-metric=\"([^\"]+)\">([^<]*)</td>");
  for (auto it = std::sregex_iterator(html.begin(), html.end(), cell);
       it != std::sregex_iterator(); ++it) {
    out[(*it)[1]] = (*it)[2];
  }
  return out;
}

constexpr const char* kCancelledBill = "P0010030-1";
// Made at 17:00 UTC on 30 November: 01:00 on 1 December in Zhaoshan (+08:00).
constexpr const char* kCancelledAt = "2020-11-30T17:00:00.000Z";

// Every 2020 case of tests/cases settled, each stamped 02:00 UTC (10:00 local) on its discharge
// day, and P0010030-1 (4947.90, backstop 572.90) cancelled at kCancelledAt.
class ReportWorld : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = test_dir();  // a second call would empty it
    path_ = dir_ + "/ledger.db";
    sqlite::LedgerOptions options;
    options.path = path_;
    options.clock = [this] { return now_; };
    auto ledger = sqlite::open_ledger(options);
    ASSERT_TRUE(ledger.ok());
    ledger_ = std::move(ledger).value();
    auto policies = policy::PolicySet::load_dir(source_path("config/policies"));
    ASSERT_TRUE(policies.ok());
    policies_ = std::make_unique<policy::PolicySet>(std::move(policies).value());
    std::int64_t cancelled = 0;
    for (const Claim& c : claims_2020()) {
      now_ = c.discharged_on.to_string() + "T02:00:00.000Z";
      const auto r = settle_now(*ledger_, c);
      if (c.bill_no == kCancelledBill && r.record) cancelled = r.record->id;
    }
    now_ = kCancelledAt;
    ASSERT_EQ(ledger_->cancel(cancel_job(cancelled)).get().outcome, store::Outcome::created);
  }

  reports::OfficeReport report(std::optional<std::string> category = std::nullopt) {
    reports::ReportQuery q;
    q.year = 2020;
    q.category = std::move(category);
    auto r = reports::build_report(*ledger_, *policies_, q);
    if (!r) throw std::runtime_error(r.error().message);
    return std::move(r).value();
  }

  // The records of 2020 as the ledger holds them, read independently of the report.
  std::vector<store::StoredRecord> records_2020() {
    std::vector<store::StoredRecord> out;
    ledger_->scan([&](const store::StoredRecord& r) {
      if (r.year == 2020) out.push_back(r);
      return true;
    });
    return out;
  }

  std::string dir_;
  std::string path_;
  std::string now_;
  std::unique_ptr<store::Ledger> ledger_;
  std::unique_ptr<policy::PolicySet> policies_;
};

// The expected amounts of the 2020 cases (tests/cases/zhaoshan-2020.expected.jsonl).
Money expected_sum(const std::string& member) {
  Money sum;
  std::ifstream claims(source_path("tests/cases/zhaoshan-2020.claims.jsonl"));
  std::ifstream expected(source_path("tests/cases/zhaoshan-2020.expected.jsonl"));
  std::string c;
  std::string e;
  while (std::getline(claims, c) && std::getline(expected, e)) {
    if (c.find("\"discharged_on\": \"2020-") == std::string::npos) continue;
    sum += *Money::parse((*testing::poco_object(e))->getValue<std::string>(member));
  }
  return sum;
}

std::map<std::string, std::string> summary_of(const reports::OfficeReport& r) {
  std::map<std::string, std::string> out;
  for (const auto& row : csv_of([&](std::ostream& o) {
         reports::write_summary_csv(o, r, reports::ChainCheck{});
       })) {
    out[row.at(0)] = row.at(1);
  }
  return out;
}

// 38 settlements of 16 persons in 2020, one cancelled: 37 admissions.
TEST_F(ReportWorld, SummaryEqualsTheLedgerAndTheExpectedCases) {
  const auto r = report();
  const auto summary = summary_of(r);
  EXPECT_EQ(summary.at("persons"), "16");
  EXPECT_EQ(summary.at("admissions"), "37");
  EXPECT_EQ(summary.at("settlement_records"), "38");
  EXPECT_EQ(summary.at("cancellations"), "1");
  // The expected cases minus the cancelled P0010030-1 (total 4947.90, funds 4445.10).
  EXPECT_EQ(summary.at("medical_total"), (expected_sum("total") - yuan("4947.90")).to_string());
  EXPECT_EQ(summary.at("fund_paid"), (expected_sum("fund_paid") - yuan("4445.10")).to_string());
  Money total, fund, patient;
  for (const auto& rec : records_2020()) {
    total += rec.total;
    fund += rec.fund_paid;
    patient += rec.patient_pays;
  }
  EXPECT_EQ(summary.at("medical_total"), total.to_string());
  EXPECT_EQ(summary.at("fund_paid"), fund.to_string());
  EXPECT_EQ(summary.at("patient_pays"), patient.to_string());
  EXPECT_EQ(summary.at("reimbursement_percent"), reports::percent_text(fund, total));
}

TEST_F(ReportWorld, LayersAndMonthsEqualSumsOverTheLedger) {
  const auto r = report();
  std::map<std::string, Money> by_layer;
  std::map<std::pair<std::string, std::string>, Money> by_month_fund;
  std::map<std::string, Money> month_total;
  for (const auto& rec : records_2020()) {
    // Every stamp is 02:00 UTC (same local day) except the cancellation's, which is in
    // December locally.
    const std::string month = rec.recorded_at == kCancelledAt ? "2020-12"
                                                               : rec.recorded_at.substr(0, 7);
    month_total[month] += rec.total;
    by_month_fund[{month, "patient"}] += rec.patient_pays;
    for (std::size_t i = 0; i < rec.layer_paid.size(); ++i) {
      by_layer[rec.layer_paid[i].first] += rec.layer_paid[i].second;
      by_month_fund[{month, rec.layer_fund[i]}] += rec.layer_paid[i].second;
    }
  }
  const Rows layers = csv_of([&](std::ostream& o) { reports::write_layers_csv(o, r); });
  ASSERT_EQ(layers.size(), 4u);
  for (const auto& row : layers) {
    EXPECT_EQ(row[2], by_layer.at(row[0]).to_string()) << row[0];
    EXPECT_EQ(row[3], reports::percent_text(by_layer.at(row[0]), r.medical_total)) << row[0];
  }
  EXPECT_EQ(r.layers[3].id, "backstop");  // in policy order
  const Rows monthly = csv_of([&](std::ostream& o) { reports::write_monthly_csv(o, r); });
  EXPECT_EQ(monthly.size(), by_month_fund.size());
  for (const auto& row : monthly) {
    const Money amount = by_month_fund.at({row[0], row[1]});
    EXPECT_EQ(row[2], amount.to_string()) << row[0] << " " << row[1];
    EXPECT_EQ(row[3], reports::percent_text(amount, month_total.at(row[0])));
  }
  // The cancellation nets in December, where nothing else happened: −572.90 backstop.
  EXPECT_EQ(by_month_fund.at({"2020-12", "640100"}), yuan("-572.90"));
}

TEST_F(ReportWorld, HistogramAndFlagsAgreeWithEachPersonsAudit) {
  const auto r = report();
  std::map<std::string, std::pair<Money, Money>> person;  // total, patient pays (net)
  for (const auto& rec : records_2020()) {
    person[rec.patient_id].first += rec.total;
    person[rec.patient_id].second += rec.patient_pays;
  }
  std::array<std::int64_t, reports::kRatioBuckets> buckets{};
  for (const auto& [id, sums] : person) {
    // patient / total in tenths, by integer division on fen
    const auto tenths = sums.second.fen_i64() * 10 / sums.first.fen_i64();
    ++buckets[static_cast<std::size_t>(std::min<std::int64_t>(tenths, 9))];
    const auto audit = reports::audit_patient(*ledger_, *policies_, id, 2020);
    ASSERT_TRUE(audit.ok());
    for (const auto& flag : r.flags) {
      const bool listed = std::find(flag.persons.begin(), flag.persons.end(), id) !=
                          flag.persons.end();
      EXPECT_EQ(listed, audit->flags.has(flag.code)) << id << " " << flag.code;
    }
  }
  const Rows histogram = csv_of([&](std::ostream& o) { reports::write_histogram_csv(o, r); });
  ASSERT_EQ(histogram.size(), 10u);
  for (std::size_t k = 0; k < 10; ++k) {
    EXPECT_EQ(histogram[k][3], std::to_string(buckets[k])) << "bucket " << k;
  }
  // P0010030 is below target (its year 62.05 %), and its cancelled settlement's backstop
  // payment no longer flags it.
  const auto& below = r.flags[3];
  EXPECT_EQ(below.code, "reimbursement_below_target");
  EXPECT_NE(std::find(below.persons.begin(), below.persons.end(), "P0010030"),
            below.persons.end());
  for (const auto& s : r.flags[0].settlements) EXPECT_NE(s.bill_no, kCancelledBill);
}

// Poor persons of 2020: P0010006 (1), P0010018 (3), P0010030 (2, one cancelled), P0010010 (3),
// P0010009 (2): 5 persons, 10 admissions.
TEST_F(ReportWorld, CategoryFiltersSettlements) {
  const auto summary = summary_of(report("poor"));
  EXPECT_EQ(summary.at("category"), "poor");
  EXPECT_EQ(summary.at("persons"), "5");
  EXPECT_EQ(summary.at("admissions"), "10");
}

TEST_F(ReportWorld, HtmlCarriesTheCsvNumbers) {
  const auto r = report();
  const std::string html = reports::report_html(r, reports::ChainCheck{});
  EXPECT_EQ(segments_in(html),
            csv_of([&](std::ostream& o) { reports::write_monthly_csv(o, r); }));
  EXPECT_EQ(buckets_in(html),
            csv_of([&](std::ostream& o) { reports::write_histogram_csv(o, r); }));
  EXPECT_EQ(layers_in(html), csv_of([&](std::ostream& o) { reports::write_layers_csv(o, r); }));
  EXPECT_EQ(metrics_in(html), summary_of(r));
  EXPECT_EQ(html.find("<script"), std::string::npos);  // self-contained, no scripts
  EXPECT_EQ(html.find("src="), std::string::npos);
  EXPECT_EQ(html.find("href="), std::string::npos);
}

TEST_F(ReportWorld, TheChainCheckIsStated) {
  const reports::ChainCheck chain = reports::check_chain(backend::sqlite_url(path_), *policies_);
  EXPECT_TRUE(chain.verified()) << chain.text();
  EXPECT_EQ(chain.last_id, 39);  // 38 settlements and one cancellation
  EXPECT_EQ(chain.text(), "chain verified up to record 39 (39 records)");
  const std::string html = reports::report_html(report(), chain);
  EXPECT_NE(html.find("data-verified=\"true\" data-last-id=\"39\""), std::string::npos);
}

// The report and the check from verify's one walk are those of the year's scan and of
// check_chain: records of another year are walked and checked, and left out of the report.
TEST_F(ReportWorld, OneWalkGivesTheScansReportAndTheChainCheck) {
  Claim next_year = claims_2020().front();
  next_year.bill_no = "Y2021-1";
  next_year.admitted_on = *Date::parse("2021-03-02");
  next_year.discharged_on = *Date::parse("2021-03-09");
  now_ = "2021-03-09T02:00:00.000Z";
  ASSERT_TRUE(settle_now(*ledger_, next_year).record);
  for (const std::optional<std::string>& category : {std::optional<std::string>{}, {"poor"}}) {
    reports::ReportQuery q;
    q.year = 2020;
    q.category = category;
    const auto checked = reports::build_checked_report(backend::sqlite_url(path_), *policies_, q);
    ASSERT_TRUE(checked.report) << checked.report.error().message;
    const reports::ChainCheck chain = reports::check_chain(backend::sqlite_url(path_), *policies_);
    EXPECT_EQ(checked.chain.text(), "chain verified up to record 40 (40 records)");
    EXPECT_EQ(checked.chain.text(), chain.text());
    const reports::OfficeReport scanned = report(category);
    EXPECT_GT(scanned.settlements, 0);
    EXPECT_EQ(checked.report->settlements, scanned.settlements);
    EXPECT_EQ(reports::report_html(*checked.report, checked.chain),
              reports::report_html(scanned, chain));
  }
}

// A settlement whose stored figures its claim no longer settles to fails the report, naming
// it, and the check states the difference.
TEST_F(ReportWorld, OneWalkFailsTheReportOnASettlementThatDoesNotSettleAgain) {
  ASSERT_EQ(raw_exec(path_,
                     "DROP TRIGGER record_layers_no_update; "
                     "UPDATE record_layers SET moved_paid = moved_paid + 100, "
                     "paid = paid + 100 WHERE record_id = 5 AND position = 0"),
            SQLITE_OK);
  reports::ReportQuery q;
  q.year = 2020;
  const auto checked = reports::build_checked_report(backend::sqlite_url(path_), *policies_, q);
  ASSERT_FALSE(checked.report);
  EXPECT_EQ(checked.report.error().code, "corrupt_record");
  EXPECT_NE(checked.report.error().message.find("record 5 "), std::string::npos)
      << checked.report.error().message;
  EXPECT_TRUE(checked.chain.ran);
  EXPECT_GT(checked.chain.differences, 0);
  EXPECT_EQ(checked.chain.first_difference.rfind("record 5: ", 0), 0u)
      << checked.chain.first_difference;
}

// Lines of Chromium's log that report an error about the page: console messages (a page
// without scripts has none) and ERROR/FATAL lines, except those of subsystems that complain
// about the headless container itself (no D-Bus system bus, no GPU, no sandbox).
std::vector<std::string> page_errors(const std::string& log) {
  static const std::vector<std::string> kEnvironment = {
      ":dbus/", ":gpu/", ":components/viz/", ":ui/gl/", ":ui/ozone/", ":media/", ":sandbox/",
      ":content/browser/gpu/", ":device/bluetooth/"};
  std::vector<std::string> out;
  std::istringstream lines(log);
  for (std::string line; std::getline(lines, line);) {
    const bool error = line.find(":ERROR:") != std::string::npos ||
                       line.find(":FATAL:") != std::string::npos;
    if (line.find("CONSOLE") != std::string::npos) {
      out.push_back(line);
    } else if (error && std::none_of(kEnvironment.begin(), kEnvironment.end(),
                                     [&](const std::string& s) {
                                       return line.find(s) != std::string::npos;
                                     })) {
      out.push_back(line);
    }
  }
  return out;
}

// Runs a shell command; its exit status (-1 when it did not exit).
int run_shell(const std::string& command) {
  const int raw = std::system(command.c_str());
  return WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
}

TEST_F(ReportWorld, RendersInHeadlessChromiumWithTheCsvNumbers) {
  const char* override_path = std::getenv("ONESTOP_CHROMIUM");
  const std::string chromium = override_path != nullptr ? override_path : "/usr/bin/chromium";
  ASSERT_TRUE(std::filesystem::exists(chromium))
      << chromium << " is missing: install Debian's chromium (CI does)";
  const std::string dir = dir_ + "/report";
  const auto r = report();
  ASSERT_FALSE(reports::write_report_files(
      r, reports::check_chain(backend::sqlite_url(path_), *policies_), dir));
  const std::string flags = " --headless --no-sandbox --disable-gpu --user-data-dir=" + dir +
                            "/profile --enable-logging=stderr --v=0 ";
  const std::string page = "file://" + std::filesystem::absolute(dir + "/report.html").string();
  const int status = run_shell("timeout 60 " + chromium + flags + "--dump-dom " + page + " >" +
                               dir + "/dom.html 2>" + dir + "/chromium.log");
  ASSERT_EQ(status, 0) << read_text(dir + "/chromium.log");
  const std::string dom = read_text(dir + "/dom.html");
  EXPECT_TRUE(page_errors(read_text(dir + "/chromium.log")).empty())
      << read_text(dir + "/chromium.log");
  // The DOM Chromium built carries both charts with the numbers of the CSV files.
  EXPECT_NE(dom.find("<svg id=\"monthly-chart\""), std::string::npos);
  EXPECT_NE(dom.find("<svg id=\"ratio-histogram\""), std::string::npos);
  EXPECT_EQ(segments_in(dom), csv_rows(read_text(dir + "/monthly.csv")));
  EXPECT_EQ(buckets_in(dom), csv_rows(read_text(dir + "/ratio_histogram.csv")));
  EXPECT_EQ(layers_in(dom), csv_rows(read_text(dir + "/layers.csv")));
  std::map<std::string, std::string> summary;
  for (const auto& row : csv_rows(read_text(dir + "/summary.csv"))) summary[row[0]] = row[1];
  EXPECT_EQ(metrics_in(dom), summary);
  EXPECT_EQ(summary.at("chain"), "chain verified up to record 39 (39 records)");
  // And it paints: a screenshot of the page is written.
  const int shot = run_shell("cd " + dir + " && timeout 60 " + chromium + flags +
                             "--screenshot=" + dir + "/report.png --window-size=1200,1600 " +
                             page + " >/dev/null 2>&1");
  EXPECT_EQ(shot, 0);
  EXPECT_GT(std::filesystem::file_size(dir + "/report.png"), 1000u);
}

TEST_F(ReportWorld, TheCommandWritesTheFilesAndStatesTheChain) {
  const std::string out = dir_ + "/cli-report";
  const std::string args = "audit report --year 2020 --category poor --out " + out + " --db " +
                           path_ + " --policy-dir " + source_path("config/policies") +
                           " --config " + source_path("config/onestop.properties");
  const CommandRun run = run_onestop(args);
  EXPECT_EQ(run.status, 0) << run.output;
  EXPECT_NE(run.output.find("chain verified up to record 39"), std::string::npos) << run.output;
  for (const char* f : {"report.html", "summary.csv", "layers.csv", "monthly.csv",
                        "ratio_histogram.csv", "flags.csv"}) {
    EXPECT_TRUE(std::filesystem::exists(out + "/" + f)) << f;
  }
  std::map<std::string, std::string> summary;
  for (const auto& row : csv_rows(read_text(out + "/summary.csv"))) summary[row[0]] = row[1];
  EXPECT_EQ(summary.at("persons"), "5");
  const CommandRun bad = run_onestop("audit report --year 2020 --category nobody --out " + out +
                                     " --db " + path_ + " --policy-dir " +
                                     source_path("config/policies") + " --utc-offset +08:00");
  EXPECT_EQ(bad.status, 2) << bad.output;
  EXPECT_NE(bad.output.find("--category"), std::string::npos) << bad.output;
}

}  // namespace
}  // namespace onestop::testing
