// The ledger's reporting reads (reports.hpp): local days at the district's UTC offset, the
// details' order and funds, totals as the details summed, and a year's scan without documents.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "adapters/codec/claim_codec.hpp"
#include "adapters/sqlite/open.hpp"
#include "adapters/sqlite/report_store.hpp"
#include "ledger_fixtures.hpp"

namespace onestop {
namespace {

using namespace onestop::testing;  // NOLINT(google-build-using-namespace)
using store::DetailRow;
using store::RecordKind;

constexpr int kChina = 480;  // +08:00

// A ledger whose records are stamped with the times in `stamps`, one per record, in order.
std::unique_ptr<store::Ledger> ledger_with_clock(const std::string& path,
                                                  std::vector<std::string> stamps) {
  sqlite::LedgerOptions options;
  options.path = path;
  auto next = std::make_shared<std::size_t>(0);
  options.clock = [stamps = std::move(stamps), next] { return stamps.at((*next)++); };
  auto ledger = sqlite::open_ledger(options);
  if (!ledger) throw std::runtime_error(ledger.error().message);
  return std::move(ledger).value();
}

store::ReconciliationQuery days(const char* from, const char* to) {
  store::ReconciliationQuery q;
  q.from = *Date::parse(from);
  q.to = *Date::parse(to);
  q.utc_offset_minutes = kChina;
  return q;
}

std::vector<DetailRow> details(store::Ledger& ledger, const store::ReconciliationQuery& q) {
  std::vector<DetailRow> rows;
  ledger.details(q, [&rows](const DetailRow& row) {
    rows.push_back(row);
    return true;
  });
  return rows;
}

// Three settlements around local midnight of 2020-03-02 (+08:00 = 16:00Z the day before) and
// the cancellation of the third on the next local day.
class ReportReads : public ::testing::Test {
 protected:
  void SetUp() override {
    ledger_ = ledger_with_clock(temp_db(), {"2020-03-01T15:59:59.999Z", "2020-03-01T16:00:00.000Z",
                                            "2020-03-02T15:59:59.999Z", "2020-03-02T16:00:00.000Z"});
    const auto& claims = claims_2020();
    for (int i = 0; i < 3; ++i) settle_now(*ledger_, claims[static_cast<std::size_t>(i)]);
    ASSERT_EQ(ledger_->cancel(cancel_job(3)).get().outcome, store::Outcome::created);
  }
  std::unique_ptr<store::Ledger> ledger_;
};

TEST_F(ReportReads, RecordsFallOnTheirLocalDay) {
  const auto rows = details(*ledger_, days("2020-03-01", "2020-03-03"));
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[0].day, "2020-03-01");  // 23:59:59.999 local
  EXPECT_EQ(rows[1].day, "2020-03-02");  // 00:00 local
  EXPECT_EQ(rows[2].day, "2020-03-02");
  EXPECT_EQ(rows[3].day, "2020-03-03");
  EXPECT_EQ(rows[3].kind, RecordKind::cancellation);
  EXPECT_EQ(rows[3].cancels, 3);
  EXPECT_EQ(rows[3].total, -rows[2].total);

  const auto one_day = details(*ledger_, days("2020-03-02", "2020-03-02"));
  ASSERT_EQ(one_day.size(), 2u);
  EXPECT_EQ(one_day[0].record_id, 2);
  EXPECT_EQ(one_day[1].record_id, 3);
}

TEST_F(ReportReads, FundsAreTheLayersSummedAndAddUpToFundPaid) {
  const auto rows = details(*ledger_, days("2020-03-01", "2020-03-03"));
  ASSERT_EQ(rows.size(), 4u);  // the loop below checks something
  for (const auto& row : rows) {
    const auto stored = ledger_->get(row.record_id);
    ASSERT_TRUE(stored);
    Money sum;
    for (const auto& f : row.funds) sum += f.paid;
    EXPECT_EQ(sum, stored->fund_paid) << row.record_id;
    EXPECT_EQ(row.funds.size(), stored->layer_paid.size()) << "one fund per layer in the reference";
    EXPECT_EQ(row.funds.front().fund, "390100");
    EXPECT_EQ(row.patient_pays, stored->patient_pays);
  }
}

TEST_F(ReportReads, FiltersByHospitalAndFund) {
  const auto all = details(*ledger_, days("2020-03-01", "2020-03-03"));
  auto q = days("2020-03-01", "2020-03-03");
  ASSERT_FALSE(all.empty());
  q.hospital_id = all[0].hospital_id;
  const auto of_hospital = details(*ledger_, q);
  EXPECT_EQ(of_hospital.size(),
            static_cast<std::size_t>(std::count_if(all.begin(), all.end(), [&](const auto& r) {
              return r.hospital_id == all[0].hospital_id;
            })));
  ASSERT_FALSE(of_hospital.empty());
  for (const auto& row : of_hospital) EXPECT_EQ(row.hospital_id, all[0].hospital_id);
  q = days("2020-03-01", "2020-03-03");
  q.fund = "640100";
  const auto of_fund = details(*ledger_, q);
  EXPECT_EQ(of_fund.size(),
            static_cast<std::size_t>(std::count_if(all.begin(), all.end(), [](const auto& r) {
              return std::any_of(r.funds.begin(), r.funds.end(),
                                 [](const auto& f) { return f.fund == "640100"; });
            })));
  ASSERT_FALSE(of_fund.empty());
  for (const auto& row : of_fund) {
    ASSERT_EQ(row.funds.size(), 1u);
    EXPECT_EQ(row.funds[0].fund, "640100");
  }
  q.fund = "999999";
  EXPECT_TRUE(details(*ledger_, q).empty());
}

TEST_F(ReportReads, TotalsAreTheDetailsSummedAndACancellationNetsOnItsOwnDay) {
  const auto q = days("2020-03-01", "2020-03-03");
  const auto rows = details(*ledger_, q);
  const auto totals = ledger_->totals(q);
  Money fund_sum;
  Money fund_sum_details;
  std::int64_t settlements = 0;
  std::int64_t cancellations = 0;
  for (const auto& t : totals) {
    fund_sum += t.fund_paid;
    settlements += t.settlements;
    cancellations += t.cancellations;
  }
  for (const auto& row : rows) fund_sum_details += row.fund_paid;
  EXPECT_EQ(fund_sum, fund_sum_details);
  EXPECT_EQ(settlements, 3 * 4);  // four funds in each settlement
  EXPECT_EQ(cancellations, 4);
  int cancel_day_rows = 0;
  for (const auto& t : totals) {
    if (t.day == "2020-03-03") {
      ++cancel_day_rows;
      EXPECT_EQ(t.cancellations, 1);
      EXPECT_EQ(t.settlements, 0);
      EXPECT_TRUE(t.medical_total < Money{}) << "a cancellation counts negative";
    }
  }
  EXPECT_EQ(cancel_day_rows, 4);  // one row per fund on the cancellation's day
  ASSERT_FALSE(totals.empty());
  for (std::size_t i = 1; i < totals.size(); ++i) {
    EXPECT_LT(std::tie(totals[i - 1].day, totals[i - 1].hospital_id, totals[i - 1].fund),
              std::tie(totals[i].day, totals[i].hospital_id, totals[i].fund));
  }
}

TEST_F(ReportReads, ScanYearLoadsOnlyTheDocumentsAsked) {
  std::vector<store::StoredRecord> none;
  ledger_->scan_year(2020, store::Documents::none, [&](const store::StoredRecord& r) {
    none.push_back(r);
    return true;
  });
  ASSERT_EQ(none.size(), 4u);
  EXPECT_TRUE(none[0].claim_json.empty());
  EXPECT_TRUE(none[0].result_json.empty());
  EXPECT_EQ(none[2].cancelled_by, 4);
  EXPECT_EQ(none[0].layer_paid.size(), 4u);
  std::size_t with_claim = 0;
  ledger_->scan_year(2020, store::Documents::claim, [&](const store::StoredRecord& r) {
    EXPECT_EQ(r.claim_json, ledger_->get(r.id)->claim_json);
    EXPECT_TRUE(r.result_json.empty());
    ++with_claim;
    return true;
  });
  EXPECT_EQ(with_claim, none.size());
  // decoded: the compact claims as decoded, their text not made.
  std::size_t decoded = 0;
  ledger_->scan_year(2020, store::Documents::decoded, [&](const store::StoredRecord& r) {
    EXPECT_TRUE(r.claim_json.empty() && r.result_json.empty()) << r.id;
    EXPECT_TRUE(r.claim && codec::encode_claim(*r.claim) == ledger_->get(r.id)->claim_json) << r.id;
    ++decoded;
    return true;
  });
  EXPECT_EQ(decoded, none.size());
  int seen = 0;
  ledger_->scan_year(2021, store::Documents::all, [&](const store::StoredRecord&) {
    ++seen;
    return true;
  });
  EXPECT_EQ(seen, 0);
}

TEST(ReportReadsSplit, DaysAreCutIntoConsecutiveRangesThatCoverTheQuery) {
  const auto text = [](const std::vector<store::ReconciliationQuery>& parts) {
    std::string out;
    for (const auto& p : parts) out += p.from.to_string() + ".." + p.to.to_string() + " ";
    return out;
  };
  EXPECT_EQ(text(sqlite::detail::split_days(days("2020-02-28", "2020-03-02"), 2)),
            "2020-02-28..2020-02-29 2020-03-01..2020-03-02 ");
  EXPECT_EQ(text(sqlite::detail::split_days(days("2020-12-30", "2021-01-02"), 3)),
            "2020-12-30..2020-12-30 2020-12-31..2020-12-31 2021-01-01..2021-01-02 ");
  EXPECT_EQ(text(sqlite::detail::split_days(days("2020-03-01", "2020-03-01"), 4)),
            "2020-03-01..2020-03-01 ");
  auto q = days("2020-03-01", "2020-03-31");
  q.fund = "640100";
  for (const auto& part : sqlite::detail::split_days(q, 2)) {
    EXPECT_EQ(part.fund, "640100");
    EXPECT_EQ(part.utc_offset_minutes, kChina);
  }
}

}  // namespace
}  // namespace onestop
