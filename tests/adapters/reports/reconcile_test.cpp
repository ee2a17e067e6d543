// Reconciliation: totals per day × hospital × fund (hand-worked, netting cancellations on their
// own day), totals = Σ details, filters, local days at the UTC offset, the output formats, the
// statement parser's refusals, matching with one difference of each kind, and the command's
// exit codes.
#include "adapters/reports/reconcile.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>
#include <tuple>

#include "adapters/codec/json_util.hpp"
#include "adapters/reports/reconcile_fixture.hpp"
#include "adapters/sqlite/open.hpp"
#include "tests/adapters/reports/poco_json.hpp"

namespace onestop::testing {
namespace {

using reports::DifferenceKind;
using store::TotalRow;

// "day hospital fund s c medical fund_paid patient" for compact comparisons.
std::string row_text(const TotalRow& r) {
  return r.day + " " + r.hospital_id + " " + r.fund + " " + std::to_string(r.settlements) + " " +
         std::to_string(r.cancellations) + " " + r.medical_total.to_string() + " " +
         r.fund_paid.to_string() + " " + r.patient_pays.to_string();
}

std::vector<std::string> rows_text(const std::vector<TotalRow>& rows) {
  std::vector<std::string> out;
  for (const auto& r : rows) out.push_back(row_text(r));
  return out;
}

std::vector<store::DetailRow> all_details(store::Ledger& ledger,
                                          const store::ReconciliationQuery& q) {
  std::vector<store::DetailRow> rows;
  ledger.details(q, [&](const store::DetailRow& r) {
    rows.push_back(r);
    return true;
  });
  return rows;
}

using ReconcileTotals = ReconcileFixture;

TEST_F(ReconcileTotals, PerDayHospitalAndFundNettingCancellationsOnTheirOwnDay) {
  store::ReconciliationQuery q = march();
  q.fund = "390100";
  EXPECT_EQ(
      rows_text(ledger().totals(q)),
      (std::vector<std::string>{
          "2020-03-02 H1 390100 2 0 21200.00 14000.00 5340.00",
          "2020-03-02 H2 390100 1 0 10800.00 6500.00 4300.00",
          "2020-03-02 H3 390100 1 1 0.00 0.00 0.00",  // settled and cancelled the same day
          "2020-03-03 H1 390100 1 1 0.00 0.00 0.00",  // B5 settled, B6 (02-28) cancelled
          "2020-03-04 H1 390100 1 0 10800.00 6500.00 4300.00",
          "2020-03-04 H2 390100 2 0 11300.00 6500.00 4800.00",
          "2020-03-05 H1 390100 0 1 -10400.00 -7500.00 -1040.00",  // B5 cancelled on a later day
      }));
  const auto by_fund = reports::totals_by_fund(ledger().totals(q));
  ASSERT_EQ(by_fund.size(), 1u);
  EXPECT_EQ(by_fund[0].settlements, 8);
  EXPECT_EQ(by_fund[0].cancellations, 3);
  EXPECT_EQ(by_fund[0].medical_total, yuan("43700.00"));
  EXPECT_EQ(by_fund[0].fund_paid, yuan("26000.00"));
  EXPECT_EQ(by_fund[0].patient_pays, yuan("17700.00"));
}

TEST_F(ReconcileTotals, EveryFundOfTheRecordsHasItsRow) {
  store::ReconciliationQuery q = march();
  q.hospital_id = "H1";
  q.to = *Date::parse("2020-03-02");
  EXPECT_EQ(rows_text(ledger().totals(q)), (std::vector<std::string>{
                                               "2020-03-02 H1 390100 2 0 21200.00 14000.00 5340.00",
                                               "2020-03-02 H1 390200 2 0 21200.00 0.00 5340.00",
                                               "2020-03-02 H1 620100 2 0 21200.00 1450.00 5340.00",
                                               "2020-03-02 H1 640100 2 0 21200.00 410.00 5340.00",
                                           }));
}

TEST_F(ReconcileTotals, EqualTheSumOfTheDetails) {
  const auto q = march();
  using Key = std::tuple<std::string, std::string, std::string>;
  std::map<Key, TotalRow> summed;
  for (const auto& d : all_details(ledger(), q)) {
    for (const auto& f : d.funds) {
      TotalRow& t = summed[{d.day, d.hospital_id, f.fund}];
      t.day = d.day;
      t.hospital_id = d.hospital_id;
      t.fund = f.fund;
      ++(d.kind == store::RecordKind::settlement ? t.settlements : t.cancellations);
      t.medical_total += d.total;
      t.fund_paid += f.paid;
      t.patient_pays += d.patient_pays;
    }
  }
  std::vector<TotalRow> expected;
  for (const auto& [key, row] : summed) expected.push_back(row);
  const auto totals = ledger().totals(q);
  EXPECT_EQ(rows_text(totals), rows_text(expected));
  EXPECT_EQ(totals.size(), 7u * 4u);
}

TEST_F(ReconcileTotals, FiltersByHospitalAndFund) {
  store::ReconciliationQuery q = march();
  q.hospital_id = "H2";
  q.fund = "640100";
  EXPECT_EQ(rows_text(ledger().totals(q)), (std::vector<std::string>{
                                               "2020-03-02 H2 640100 1 0 10800.00 0.00 4300.00",
                                               "2020-03-04 H2 640100 2 0 11300.00 0.00 4800.00",
                                           }));
  q.fund = "999997";  // no layer of the policy pays it
  EXPECT_TRUE(ledger().totals(q).empty());
}

TEST_F(ReconcileTotals, LocalDaysFollowTheUtcOffset) {
  store::ReconciliationQuery q = march();
  q.fund = "390100";
  q.to = *Date::parse("2020-03-01");
  EXPECT_TRUE(ledger().totals(q).empty());  // B4 at 2020-03-01T16:30Z is 03-02 00:30 local
  q.utc_offset_minutes = 0;
  EXPECT_EQ(rows_text(ledger().totals(q)),
            (std::vector<std::string>{"2020-03-01 H2 390100 1 0 10800.00 6500.00 4300.00"}));
  EXPECT_EQ(store::local_day("2020-03-01T16:30:00.000Z", 480), "2020-03-02");
  EXPECT_EQ(store::local_day("2020-03-01T15:59:59.999Z", 480), "2020-03-01");
  EXPECT_EQ(store::local_day("2020-12-31T16:00:00.000Z", 480), "2021-01-01");
  EXPECT_EQ(store::local_day("2020-03-01T02:00:00.000Z", -180), "2020-02-29");
  EXPECT_EQ(store::local_day("2020-03-01 02:00", 0), std::nullopt);
}

TEST_F(ReconcileTotals, CsvOpensInASpreadsheetWithChineseNames) {
  store::ReconciliationQuery q = march();
  q.from = q.to = *Date::parse("2020-04-01");
  q.fund = "390100";
  std::ostringstream out;
  reports::write_totals_csv(out, ledger().totals(q));
  EXPECT_EQ(out.str(),
            "\xEF\xBB\xBF"
            "day,hospital_id,fund,settlements,cancellations,medical_total,fund_paid,"
            "patient_pays\r\n"
            "2020-04-01,湘潭三院,390100,1,0,10800.00,6500.00,4300.00\r\n");
}

TEST_F(ReconcileTotals, JsonIsOneDocumentWithAmountsAsStrings) {
  store::ReconciliationQuery q = march();
  q.to = *Date::parse("2020-03-05");
  q.hospital_id = "H1";
  q.fund = "390100";
  const auto rows = ledger().totals(q);
  std::ostringstream out;
  reports::write_totals_json(out, q, rows);
  const auto doc = testing::poco_object(out.str());
  ASSERT_TRUE(doc) << out.str();
  EXPECT_EQ((*doc)->getValue<std::string>("from"), "2020-03-01");
  EXPECT_EQ((*doc)->getValue<std::string>("to"), "2020-03-05");
  EXPECT_EQ((*doc)->getValue<std::string>("utc_offset"), "+08:00");
  EXPECT_EQ((*doc)->getValue<std::string>("hospital_id"), "H1");
  EXPECT_EQ((*doc)->getArray("rows")->size(), 4u);
  const auto first = (*doc)->getArray("rows")->getObject(0);
  EXPECT_EQ(first->getValue<std::string>("fund_paid"), "14000.00");
  EXPECT_EQ(first->getValue<int>("settlements"), 2);
  const auto totals = (*doc)->getArray("totals_by_fund");
  ASSERT_EQ(totals->size(), 1u);
  EXPECT_EQ(totals->getObject(0)->getValue<std::string>("fund_paid"), "13000.00");
  EXPECT_EQ(totals->getObject(0)->getValue<std::string>("medical_total"), "21600.00");
  EXPECT_EQ(totals->getObject(0)->getValue<int>("cancellations"), 2);
}

TEST_F(ReconcileTotals, TableAlignsColumnsAndEndsWithAGrandTotalPerFund) {
  store::ReconciliationQuery q = march();
  q.fund = "390100";
  q.from = *Date::parse("2020-03-04");
  q.to = *Date::parse("2020-04-01");
  std::ostringstream out;
  reports::write_totals_table(out, ledger().totals(q));
  EXPECT_EQ(out.str(),
            "day         hospital  fund    settlements  cancellations  medical_total  "
            "fund_paid  patient_pays\n"
            "2020-03-04  H1        390100            1              0       10800.00    "
            "6500.00       4300.00\n"
            "2020-03-04  H2        390100            2              0       11300.00    "
            "6500.00       4800.00\n"
            "2020-03-05  H1        390100            0              1      -10400.00   "
            "-7500.00      -1040.00\n"
            "2020-04-01  湘潭三院  390100            1              0       10800.00    "
            "6500.00       4300.00\n"
            "total                 390100            4              1       22500.00   "
            "12000.00      12360.00\n");
}

using ReconcileDetails = ReconcileFixture;

TEST_F(ReconcileDetails, CsvHasOneRowPerRecordInDayAndIdOrderWithAColumnPerFund) {
  store::ReconciliationQuery q = march();
  q.from = *Date::parse("2020-03-05");
  q.to = *Date::parse("2020-04-01");
  std::ostringstream out;
  const auto n = reports::stream_details_csv(ledger(), q, {"390100", "620100"}, out);
  EXPECT_EQ(n, 2);
  const std::string cancel = std::to_string(cancellation_id("B5"));
  EXPECT_EQ(out.str(),
            "\xEF\xBB\xBF"
            "record_id,kind,cancels,day,recorded_at,hospital_id,bill_no,patient_id,total,"
            "fund_paid,patient_pays,fund:390100,fund:620100,other_funds,clr_type,"
            "special_disease\r\n" +
                cancel + ",cancellation," + std::to_string(id("B5")) +
                ",2020-03-05,2020-03-05T01:00:00.000Z,H1,B5,P5,-10400.00,-9360.00,-1040.00,"
                "-7500.00,-1450.00,390200=0.00;640100=-410.00,21,\r\n" +
                std::to_string(id("住院-0010")) +
                ",settlement,,2020-04-01,2020-04-01T01:00:00.000Z,湘潭三院,住院-0010,P10,"
                "10800.00,6500.00,4300.00,6500.00,0.00,390200=0.00;640100=0.00,21,\r\n");
}

TEST_F(ReconcileDetails, JsonLinesHaveEveryFundOfTheRecord) {
  store::ReconciliationQuery q = march();
  q.from = q.to = *Date::parse("2020-03-02");
  q.hospital_id = "H3";
  std::ostringstream out;
  EXPECT_EQ(reports::stream_details_jsonl(ledger(), q, out), 2);
  std::istringstream lines(out.str());
  std::string line;
  ASSERT_TRUE(std::getline(lines, line));
  EXPECT_EQ(line, "{\"record_id\":" + std::to_string(id("B3")) +
                      ",\"kind\":\"settlement\",\"day\":\"2020-03-02\","
                      "\"recorded_at\":\"2020-03-02T04:00:00.000Z\",\"hospital_id\":\"H3\","
                      "\"bill_no\":\"B3\",\"patient_id\":\"P3\",\"total\":\"10400.00\","
                      "\"fund_paid\":\"9360.00\",\"patient_pays\":\"1040.00\",\"clr_type\":\"21\","
                      "\"funds\":["
                      "{\"fund\":\"390100\",\"paid\":\"7500.00\"},"
                      "{\"fund\":\"390200\",\"paid\":\"0.00\"},"
                      "{\"fund\":\"620100\",\"paid\":\"1450.00\"},"
                      "{\"fund\":\"640100\",\"paid\":\"410.00\"}]}");
  ASSERT_TRUE(std::getline(lines, line));
  const auto doc = testing::poco_object(line);
  ASSERT_TRUE(doc);
  EXPECT_EQ((*doc)->getValue<std::string>("kind"), "cancellation");
  EXPECT_EQ((*doc)->getValue<std::int64_t>("cancels"), id("B3"));
  EXPECT_EQ((*doc)->getValue<std::string>("fund_paid"), "-9360.00");
  EXPECT_FALSE(std::getline(lines, line));
}

TEST(ReconcilePolicyFunds, AreTheLayersFundsInOrderOnce) {
  const std::vector<Policy> policies = {reference_policy(), reference_policy()};
  EXPECT_EQ(reports::policy_funds(policies),
            (std::vector<std::string>{"390100", "390200", "620100", "640100"}));
}

// ---------------------------------------------------------------------------------------------
// Statements

constexpr const char* kHeader = "hospital_id,bill_no,settled_on,amount,status\n";

struct BadStatement {
  const char* name;
  std::string body;  // after the header, unless it starts with "!" (then the whole file)
  std::size_t line;
  std::size_t column;
  const char* column_name;
  const char* message_part;
};

class StatementRefused : public ::testing::TestWithParam<BadStatement> {};

TEST_P(StatementRefused, NamesLineAndColumn) {
  const BadStatement& c = GetParam();
  const std::string text = c.body.starts_with("!") ? c.body.substr(1) : kHeader + c.body;
  const auto parsed = reports::parse_statement_csv(text);
  ASSERT_EQ(parsed.errors.size(), 1u) << c.name;
  const auto& e = parsed.errors[0];
  EXPECT_EQ(e.line, c.line);
  EXPECT_EQ(e.column, c.column);
  EXPECT_EQ(e.column_name, c.column_name);
  EXPECT_NE(e.message.find(c.message_part), std::string::npos) << e.message;
}

const std::string kGood = "H1,B1,2020-03-02,7500.00,settled\n";

INSTANTIATE_TEST_SUITE_P(
    Defects, StatementRefused,
    ::testing::Values(BadStatement{"empty", "!", 1, 0, "header", "empty"},
                      BadStatement{"header", "!hospital,bill_no,settled_on,amount,status\n" + kGood,
                                   1, 0, "header", "expected the header"},
                      BadStatement{"fields", kGood + "H1,B2,2020-03-02,7500.00\n", 3, 0, "row",
                                   "expected 5 fields"},
                      BadStatement{"date", kGood + "H1,B2,2020-02-30,7500.00,settled\n", 3, 3,
                                   "settled_on", "'2020-02-30' is not a date"},
                      BadStatement{"decimals", kGood + "H1,B2,2020-03-02,7500.0,settled\n", 3, 4,
                                   "amount", "not an amount"},
                      BadStatement{"exponent", kGood + "H1,B2,2020-03-02,7.5e3,settled\n", 3, 4,
                                   "amount", "not an amount"},
                      BadStatement{"negative", kGood + "H1,B2,2020-03-02,-7500.00,settled\n", 3, 4,
                                   "amount", "negative"},
                      BadStatement{"status", kGood + "H1,B2,2020-03-02,7500.00,paid\n", 3, 5,
                                   "status", "'paid' is not a status"},
                      BadStatement{"duplicate", kGood + "H2,B1,2020-03-02,1.00,settled\n" + kGood,
                                   4, 2, "bill_no", "already on line 2"},
                      BadStatement{"utf8", kGood + "H1,B\xff,2020-03-02,7500.00,settled\n", 3, 2,
                                   "bill_no", "UTF-8"},
                      BadStatement{"empty id", kGood + ",B2,2020-03-02,7500.00,settled\n", 3, 1,
                                   "hospital_id", "empty"},
                      BadStatement{"stray quote", kGood + "H1,B\"2,2020-03-02,7500.00,settled\n", 3,
                                   2, "bill_no", "quote"},
                      BadStatement{"unclosed quote", kGood + "H1,\"B2,2020-03-02,7500.00,settled\n",
                                   3, 2, "bill_no", "not closed"},
                      BadStatement{
                          "line after a quoted line break",
                          "H1,\"B\n1\",2020-03-02,7500.00,settled\nH1,B2,2020-03-02,1,settled\n", 4,
                          4, "amount", "not an amount"}),
    [](const ::testing::TestParamInfo<BadStatement>& info) {
      std::string name = info.param.name;
      for (char& ch : name) {
        if (ch == ' ') ch = '_';
      }
      return name;
    });

TEST(Statement, ReadsBomCrlfBlankLinesAndQuotedFields) {
  const auto parsed = reports::parse_statement_csv(
      "\xEF\xBB\xBFhospital_id,bill_no,settled_on,amount,status\r\n"
      "湘潭三院,\"住院,0010\",2020-04-01,6500.00,settled\r\n\r\n"
      "H1,B5,2020-03-03,7500.00,cancelled\r\n");
  ASSERT_TRUE(parsed.errors.empty()) << reports::to_string(parsed.errors[0]);
  ASSERT_EQ(parsed.lines.size(), 2u);
  EXPECT_EQ(parsed.lines[0].hospital_id, "湘潭三院");
  EXPECT_EQ(parsed.lines[0].bill_no, "住院,0010");
  EXPECT_EQ(parsed.lines[0].amount, yuan("6500.00"));
  EXPECT_FALSE(parsed.lines[0].cancelled);
  EXPECT_EQ(parsed.lines[1].line, 4u);
  EXPECT_TRUE(parsed.lines[1].cancelled);
  EXPECT_EQ(parsed.lines[1].settled_on, *Date::parse("2020-03-03"));
}

TEST(Statement, ReportsEveryBadLineUpToTheCap) {
  std::string text = kHeader;
  for (int i = 0; i < 150; ++i) text += "H1,B" + std::to_string(i) + ",2020-03-02,1,settled\n";
  auto parsed = reports::parse_statement_csv(text);
  EXPECT_EQ(parsed.errors.size(), reports::kMaxStatementErrors);
  EXPECT_TRUE(parsed.more_errors);
  EXPECT_EQ(parsed.errors.back().line, 101u);
  EXPECT_EQ(reports::to_string(parsed.errors[0]),
            "2:4: amount: '1' is not an amount with two decimals (1234.56)");
  // The defective line found once the cap is reached is not taken for a sound one.
  EXPECT_TRUE(parsed.lines.empty());

  parsed = reports::parse_statement_csv(std::string(kHeader) +
                                        "H1,B1,2020-13-01,1.00,settled\nH1,B2,x,1,void\n");
  ASSERT_EQ(parsed.errors.size(), 4u);  // every defect of every line
  EXPECT_FALSE(parsed.more_errors);
  EXPECT_EQ(parsed.errors[1].column_name, "settled_on");
  EXPECT_EQ(parsed.errors[3].column_name, "status");
}

// ---------------------------------------------------------------------------------------------
// Matching

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<reports::StatementLine> statement_file(const std::string& name) {
  auto parsed =
      reports::parse_statement_csv(read_text(source_path("tests/adapters/reports/data/" + name)));
  if (!parsed.errors.empty()) throw std::runtime_error(reports::to_string(parsed.errors[0]));
  return parsed.lines;
}

std::vector<reports::StatementLine> statement_text(const std::string& body) {
  auto parsed = reports::parse_statement_csv(kHeader + body);
  if (!parsed.errors.empty()) throw std::runtime_error(reports::to_string(parsed.errors[0]));
  return parsed.lines;
}

store::ReconciliationQuery march_of(const std::string& fund) {
  store::ReconciliationQuery q = march();
  q.fund = fund;
  return q;
}

// "kind hospital bill ledger(day amount status) | statement(day amount status)"
std::string difference_text(const reports::Difference& d) {
  const auto side = [](const std::optional<reports::BillSide>& s) -> std::string {
    if (!s) return "-";
    return s->day + " " + s->amount.to_string() + (s->cancelled ? " cancelled" : " settled");
  };
  return std::string(reports::to_string(d.kind)) + " " + d.hospital_id + " " + d.bill_no + " " +
         side(d.ledger) + " | " + side(d.statement);
}

using ReconcileMatch = ReconcileFixture;

TEST_F(ReconcileMatch, ReportsExactlyOneDifferenceOfEachKind) {
  const auto report =
      reports::match(ledger(), march_of("390100"), statement_file("statement-one-of-each.csv"));
  std::vector<std::string> differences;
  for (const auto& d : report.differences) differences.push_back(difference_text(d));
  EXPECT_EQ(differences,
            (std::vector<std::string>{
                "missing_in_ledger H1 B99 - | 2020-03-04 100.00 settled",
                "missing_in_statement H1 B8 2020-03-04 6500.00 settled | -",
                "amount_differs H1 B2 2020-03-02 6500.00 settled | 2020-03-02 6500.01 settled",
                "date_differs H2 B4 2020-03-02 6500.00 settled | 2020-03-01 6500.00 settled",
                "cancelled_in_ledger_only H3 B3 2020-03-02 7500.00 cancelled | "
                "2020-03-02 7500.00 settled",
                "cancelled_in_statement_only H2 B7 2020-03-04 6500.00 settled | "
                "2020-03-04 6500.00 cancelled",
            }));
  for (std::size_t k = 0; k < reports::kDifferenceKinds; ++k) EXPECT_EQ(report.counts[k], 1);
  EXPECT_EQ(report.differences[1].ledger->record_id, id("B8"));
  EXPECT_EQ(report.differences[0].statement->line, 8u);
  EXPECT_TRUE(report.differences[0].note.empty());  // the ledger has no B99 at all
  EXPECT_EQ(report.ledger_bills, 8);  // B1 B2 B3 B4 B5 B7 B8 B9 (B9: 0.00, needs no line)
  EXPECT_EQ(report.ledger_cancelled, 2);
  EXPECT_EQ(report.ledger_net, yuan("33500.00"));
  EXPECT_EQ(report.statement_lines, 7);
  EXPECT_EQ(report.statement_cancelled, 2);
  EXPECT_EQ(report.statement_net, yuan("28100.01"));
  EXPECT_EQ(report.difference(), yuan("5399.99"));
  EXPECT_EQ(report.earlier_cancellations, 1);  // B6, settled 02-28, cancelled 03-03
  EXPECT_EQ(report.earlier_cancellations_amount, yuan("-7500.00"));
  EXPECT_FALSE(report.ties());
}

TEST_F(ReconcileMatch, ATyingStatementTies) {
  const auto report =
      reports::match(ledger(), march_of("390100"), statement_file("statement-ties.csv"));
  EXPECT_TRUE(report.ties());
  EXPECT_EQ(report.ledger_net, yuan("33500.00"));
  EXPECT_EQ(report.statement_net, yuan("33500.00"));
  EXPECT_EQ(report.difference(), yuan("0.00"));
  std::ostringstream out;
  reports::write_match_table(out, report);
  EXPECT_NE(out.str().find("ties: every bill agrees"), std::string::npos) << out.str();
}

TEST_F(ReconcileMatch, ACancellationAfterThePeriodLeavesTheBillSettled) {
  store::ReconciliationQuery q = march_of("390100");
  q.to = *Date::parse("2020-03-04");  // B5 is cancelled on 03-05
  const auto report =
      reports::match(ledger(), q, statement_text("H1,B5,2020-03-03,7500.00,cancelled\n"));
  ASSERT_EQ(report.counts[static_cast<int>(DifferenceKind::cancelled_in_statement_only)], 1);
  EXPECT_EQ(report.ledger_cancelled, 1);  // B3 only
}

TEST_F(ReconcileMatch, AHospitalFilterIgnoresOtherHospitalsLines) {
  store::ReconciliationQuery q = march_of("390100");
  q.hospital_id = "H2";
  const auto report = reports::match(ledger(), q, statement_file("statement-one-of-each.csv"));
  std::vector<std::string> kinds;
  for (const auto& d : report.differences) {
    kinds.push_back(std::string(reports::to_string(d.kind)) + " " + d.bill_no);
  }
  EXPECT_EQ(kinds, (std::vector<std::string>{"date_differs B4", "cancelled_in_statement_only B7"}));
  EXPECT_EQ(report.statement_lines, 2);
  EXPECT_EQ(report.statement_other_hospitals, 5);
  EXPECT_EQ(report.ledger_bills, 3);  // B4, B7, B9
  EXPECT_EQ(report.ledger_net, yuan("13000.00"));
  EXPECT_EQ(report.statement_net, yuan("6500.00"));
}

TEST_F(ReconcileMatch, ABillOutsideThePeriodIsMissingWithWhereTheLedgerHasIt) {
  const auto report = reports::match(ledger(), march_of("390100"),
                                     statement_text("H1,B6,2020-02-28,7500.00,cancelled\n"));
  const auto& d = report.differences.at(0);
  EXPECT_EQ(d.kind, DifferenceKind::missing_in_ledger);
  ASSERT_TRUE(d.ledger);
  EXPECT_EQ(d.ledger->day, "2020-02-28");
  EXPECT_EQ(d.ledger->amount, yuan("7500.00"));
  EXPECT_TRUE(d.ledger->cancelled);
  EXPECT_EQ(d.note,
            "the ledger has this bill settled on 2020-02-28, outside the period; "
            "cancelled since");
}

TEST_F(ReconcileMatch, AFundWithZeroPaymentsNeedsNoLines) {
  // Critical illness paid nothing on any of these bills: an empty statement ties.
  const auto report = reports::match(ledger(), march_of("390200"), {});
  EXPECT_TRUE(report.ties());
  EXPECT_EQ(report.ledger_bills, 8);
  EXPECT_EQ(report.ledger_cancelled, 2);
  EXPECT_EQ(report.ledger_net, yuan("0.00"));
}

TEST_F(ReconcileMatch, TableSummarisesThenListsEachDifference) {
  const auto report =
      reports::match(ledger(), march_of("390100"), statement_file("statement-one-of-each.csv"));
  std::ostringstream out;
  reports::write_match_table(out, report);
  std::istringstream in(out.str());
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    EXPECT_FALSE(line.ends_with(" ")) << "'" << line << "'";
    lines.push_back(line);
  }
  ASSERT_EQ(lines.size(), 14u) << out.str();  // 6 summary, blank, header, 6 rows
  EXPECT_EQ(lines[0], "reconciliation of fund 390100, 2020-03-01..2020-03-31 at +08:00");
  EXPECT_EQ(lines[1], "ledger:     8 bills, 2 cancelled, net 33500.00");
  EXPECT_EQ(lines[2], "statement:  7 lines, 2 cancelled, net 28100.01");
  EXPECT_EQ(lines[3], "difference (ledger - statement): 5399.99");
  EXPECT_EQ(lines[4],
            "out of scope: cancellations in the period of bills settled before it: 1, "
            "-7500.00");
  EXPECT_EQ(lines[5],
            "6 differences (missing_in_ledger: 1, missing_in_statement: 1, "
            "amount_differs: 1, date_differs: 1, cancelled_in_ledger_only: 1, "
            "cancelled_in_statement_only: 1)");
  EXPECT_TRUE(lines[7].starts_with("kind                         hospital_id  bill_no  record"))
      << lines[7];
  EXPECT_EQ(lines[10],
            "amount_differs               H1           B2            4  2020-03-02"
            "        6500.00  settled           3  2020-03-02              6500.01"
            "  settled");
}

TEST_F(ReconcileMatch, JsonCarriesTotalsCountsAndBothSides) {
  const auto report =
      reports::match(ledger(), march_of("390100"), statement_file("statement-one-of-each.csv"));
  std::ostringstream out;
  reports::write_match_json(out, report);
  const auto doc = testing::poco_object(out.str());
  ASSERT_TRUE(doc) << out.str();
  EXPECT_FALSE((*doc)->getValue<bool>("ties"));
  EXPECT_EQ((*doc)->getValue<std::string>("difference"), "5399.99");
  EXPECT_EQ((*doc)->getObject("ledger")->getValue<std::string>("net"), "33500.00");
  EXPECT_EQ((*doc)->getObject("statement")->getValue<std::string>("net"), "28100.01");
  EXPECT_EQ((*doc)->getObject("counts")->getValue<int>("date_differs"), 1);
  const auto amount = (*doc)->getArray("differences")->getObject(2);
  EXPECT_EQ(amount->getValue<std::string>("kind"), "amount_differs");
  EXPECT_EQ(amount->getObject("ledger")->getValue<std::string>("amount"), "6500.00");
  EXPECT_EQ(amount->getObject("statement")->getValue<std::string>("amount"), "6500.01");
  EXPECT_EQ(amount->getObject("statement")->getValue<int>("line"), 3);
}

// ---------------------------------------------------------------------------------------------
// The command

using ReconcileCommand = ReconcileFixture;

TEST_F(ReconcileCommand, MatchExitsZeroOnlyWhenEverythingTies) {
  const std::string data = source_path("tests/adapters/reports/data/");
  const std::string common =
      " --fund 390100 --from 2020-03-01 --to 2020-03-31 --utc-offset +08:00 --db " + path();
  auto run = run_onestop("reconcile match --statement " + data + "statement-ties.csv" + common);
  EXPECT_EQ(run.status, 0) << run.output;
  EXPECT_NE(run.output.find("ties"), std::string::npos) << run.output;

  run = run_onestop("reconcile match --statement " + data + "statement-one-of-each.csv" + common);
  EXPECT_EQ(run.status, 1) << run.output;
  EXPECT_NE(run.output.find("6 differences"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("difference (ledger - statement): 5399.99"), std::string::npos)
      << run.output;

  run = run_onestop("reconcile match --statement " + data + "statement-malformed.csv" + common);
  EXPECT_EQ(run.status, 2) << run.output;
  EXPECT_NE(run.output.find("statement-malformed.csv:3:3: settled_on: '2020-02-30' is not a "
                            "date"),
            std::string::npos)
      << run.output;
  EXPECT_NE(run.output.find("statement-malformed.csv:4:4: amount:"), std::string::npos)
      << run.output;
}

TEST_F(ReconcileCommand, RefusesBadOptions) {
  const std::string db =
      " --db " + path() + " --config " + source_path("config/onestop.properties");
  for (const std::string& args : {
           "reconcile totals --from 2020-03-31 --to 2020-03-01" + db,
           "reconcile totals --from 2020-03-01" + db,
           "reconcile totals --from 2020-03-01 --to 2020-02-30" + db,
           "reconcile totals --from 2020-03-01 --to 2020-03-31 --utc-offset 8" + db,
           "reconcile totals --from 2020-03-01 --to 2020-03-31 --format xml" + db,
           "reconcile match --from 2020-03-01 --to 2020-03-31 --fund 390100" + db,
           "reconcile audit --from 2020-03-01 --to 2020-03-31" + db,
           std::string("reconcile totals --from 2020-03-01 --to 2020-03-31 --db /nonexistent.db"),
       }) {
    const auto run = run_onestop(args);
    EXPECT_EQ(run.status, 2) << args << "\n" << run.output;
  }
  const auto run = run_onestop("reconcile totals --from 2020-03-31 --to 2020-03-01" + db);
  EXPECT_NE(run.output.find("--to 2020-03-01 is before --from 2020-03-31"), std::string::npos)
      << run.output;
}

TEST_F(ReconcileCommand, TotalsAndDetailsInEachFormat) {
  // The offset comes from the shipped settings file, as it does for the server.
  const std::string args = " --from 2020-04-01 --to 2020-04-01 --fund 390100 --db " + path() +
                           " --config " + source_path("config/onestop.properties");
  auto run = run_onestop("reconcile totals --format csv" + args);
  EXPECT_EQ(run.status, 0) << run.output;
  EXPECT_EQ(run.output,
            "\xEF\xBB\xBF"
            "day,hospital_id,fund,settlements,cancellations,medical_total,fund_paid,"
            "patient_pays\r\n2020-04-01,湘潭三院,390100,1,0,10800.00,6500.00,"
            "4300.00\r\n");
  run = run_onestop("reconcile totals --format json" + args);
  EXPECT_EQ(run.status, 0) << run.output;
  EXPECT_TRUE(testing::poco_object(run.output)) << run.output;
  run = run_onestop("reconcile details --policy-dir " + source_path("config/policies") + args);
  EXPECT_EQ(run.status, 0) << run.output;
  EXPECT_NE(run.output.find(",fund:390100,fund:390200,fund:620100,fund:640100,other_funds,"
                            "clr_type,special_disease\r\n"),
            std::string::npos)
      << run.output;
  run = run_onestop("reconcile details --format jsonl" + args);
  EXPECT_EQ(run.status, 0) << run.output;
  EXPECT_NE(run.output.find("\"bill_no\":\"住院-0010\""), std::string::npos) << run.output;
}

}  // namespace
}  // namespace onestop::testing

namespace onestop::testing {
namespace {

// Outpatient special-disease visits (domain.md §3.6) carry the national clearing type 11,
// admissions 21; the clr_type filter keeps one kind, in the details and in the totals.
TEST(ReconcileVisits, DetailsCarryTheClearingTypeAndTheFilterKeepsOneKind) {
  sqlite::LedgerOptions options;
  options.path = temp_db();
  auto now = std::make_shared<std::string>("2020-03-02T02:00:00.000Z");
  options.clock = [now] { return *now; };
  auto ledger = sqlite::open_ledger(options);
  ASSERT_TRUE(ledger) << ledger.error().message;
  settle_now(**ledger, ClaimBuilder("poor", Level::city).a("10400.00").bill("A1"));
  *now = "2020-03-02T03:00:00.000Z";
  Claim visit = ClaimBuilder("poor", Level::primary)
                    .patient("P2")
                    .visit("severe_mental", "2020-03-02")
                    .diagnosis("F20.0")
                    .a("800.00")
                    .item(ItemClass::B, "500.00")
                    .bill("V1");
  const auto settled = settle_now(**ledger, visit);
  ASSERT_TRUE(settled.record);
  EXPECT_EQ(settled.record->special_disease, "severe_mental");
  *now = "2020-03-02T04:00:00.000Z";
  const auto cancelled = (*ledger)->cancel(cancel_job(settled.record->id)).get();
  ASSERT_EQ(cancelled.outcome, store::Outcome::created);
  EXPECT_EQ((*ledger)->get(cancelled.record->id)->special_disease, "severe_mental");

  store::ReconciliationQuery q = march();
  std::ostringstream all;
  EXPECT_EQ(reports::stream_details_jsonl(**ledger, q, all), 3);
  EXPECT_NE(all.str().find(R"("bill_no":"A1","patient_id":"P1","total":"10400.00",)"
                           R"("fund_paid":"9360.00","patient_pays":"1040.00","clr_type":"21")"),
            std::string::npos)
      << all.str();
  EXPECT_NE(all.str().find(R"("clr_type":"11","special_disease":"severe_mental")"),
            std::string::npos);
  q.clr_type = "11";
  std::ostringstream visits;
  EXPECT_EQ(reports::stream_details_jsonl(**ledger, q, visits), 2);  // settled and cancelled
  EXPECT_EQ(visits.str().find("\"A1\""), std::string::npos);
  const auto totals = (*ledger)->totals(q);
  ASSERT_FALSE(totals.empty());
  for (const auto& t : totals) {
    EXPECT_EQ(t.settlements, 1);
    EXPECT_EQ(t.cancellations, 1);
    EXPECT_TRUE(t.medical_total.is_zero());  // the visit and its cancellation net out
  }
  q.clr_type = "21";
  std::ostringstream admissions;
  EXPECT_EQ(reports::stream_details_jsonl(**ledger, q, admissions), 1);
}

}  // namespace
}  // namespace onestop::testing
