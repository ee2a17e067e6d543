// A ledger with a handful of settlements and cancellations on chosen days (LedgerOptions::clock),
// settled by the real engine under the reference policy, for the reconciliation tests.
//
// Amounts, worked by hand (city hospital, class A items only, each a person's first admission):
//   poor 10400.00:     basic (10400 − 800×0.5) × 0.75 = 7500.00; critical 0 (base 2900 under
//                      the 7500 threshold); special 2900 × 0.5 = 1450.00; backstop
//                      1450 − 10400×0.10 = 410.00; patient 1040.00
//   resident 10800.00: basic (10800 − 800) × 0.65 = 6500.00; the rest 0; patient 4300.00
//   resident 500.00:   basic 0 (the deductible takes it all); patient 500.00
// The bills (times UTC; local days at +08:00):
//   B6  H1 poor      settled 2020-02-28T01:00Z (02-28), cancelled 2020-03-03T02:00Z (03-03)
//   B4  H2 resident  settled 2020-03-01T16:30Z (03-02: the day boundary)
//   B1  H1 poor      settled 2020-03-02T02:00Z
//   B2  H1 resident  settled 2020-03-02T03:00Z
//   B3  H3 poor      settled 2020-03-02T04:00Z, cancelled 2020-03-02T05:00Z (same day)
//   B5  H1 poor      settled 2020-03-03T01:00Z, cancelled 2020-03-05T01:00Z (a later day)
//   B7  H2 resident  settled 2020-03-04T01:00Z
//   B8  H1 resident  settled 2020-03-04T02:00Z
//   B9  H2 resident 500.00 settled 2020-03-04T03:00Z (basic pays 0.00)
//   住院-0010 at 湘潭三院, resident, settled 2020-04-01T01:00Z (04-01)
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>

#include "adapters/sqlite/ledger_fixtures.hpp"
#include "adapters/sqlite/open.hpp"

namespace onestop::testing {

// March 2020 at +08:00, all hospitals and funds.
inline store::ReconciliationQuery march() {
  store::ReconciliationQuery q;
  q.from = *Date::parse("2020-03-01");
  q.to = *Date::parse("2020-03-31");
  q.utc_offset_minutes = 480;
  return q;
}

class ReconcileFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = temp_db();
    sqlite::LedgerOptions options;
    options.path = path_;
    options.clock = [now = now_] { return *now; };
    auto ledger = sqlite::open_ledger(options);
    ASSERT_TRUE(ledger) << ledger.error().message;
    ledger_ = std::move(ledger).value();
    settle("B6", "H1", "P6", "poor", "10400.00", "2020-02-28T01:00:00.000Z");
    settle("B4", "H2", "P4", "resident", "10800.00", "2020-03-01T16:30:00.000Z");
    settle("B1", "H1", "P1", "poor", "10400.00", "2020-03-02T02:00:00.000Z");
    settle("B2", "H1", "P2", "resident", "10800.00", "2020-03-02T03:00:00.000Z");
    settle("B3", "H3", "P3", "poor", "10400.00", "2020-03-02T04:00:00.000Z");
    cancel("B3", "2020-03-02T05:00:00.000Z");
    settle("B5", "H1", "P5", "poor", "10400.00", "2020-03-03T01:00:00.000Z");
    cancel("B6", "2020-03-03T02:00:00.000Z");
    settle("B7", "H2", "P7", "resident", "10800.00", "2020-03-04T01:00:00.000Z");
    settle("B8", "H1", "P8", "resident", "10800.00", "2020-03-04T02:00:00.000Z");
    settle("B9", "H2", "P9", "resident", "500.00", "2020-03-04T03:00:00.000Z");
    cancel("B5", "2020-03-05T01:00:00.000Z");
    settle("住院-0010", "湘潭三院", "P10", "resident", "10800.00", "2020-04-01T01:00:00.000Z");
  }

  // Settles a one-item claim (class A, city hospital) stamped `utc`.
  void settle(const std::string& bill, const std::string& hospital, const std::string& patient,
              const std::string& category, const char* amount, const std::string& utc) {
    Claim claim = ClaimBuilder(category, Level::city).a(amount).bill(bill);
    claim.hospital_id = hospital;
    claim.patient_id = patient;
    *now_ = utc;
    const store::WriteResult r = settle_now(*ledger_, claim);
    ASSERT_TRUE(r.record);
    ids_[bill] = r.record->id;
  }

  // Cancels the settlement of `bill`, stamped `utc`.
  void cancel(const std::string& bill, const std::string& utc) {
    *now_ = utc;
    const store::WriteResult r = ledger_->cancel(cancel_job(ids_.at(bill), "c-" + bill)).get();
    ASSERT_EQ(r.outcome, store::Outcome::created) << (r.error ? r.error->message : "");
    cancellation_ids_[bill] = r.record->id;
  }

  store::Ledger& ledger() { return *ledger_; }
  const std::string& path() const { return path_; }
  std::int64_t id(const std::string& bill) const { return ids_.at(bill); }
  std::int64_t cancellation_id(const std::string& bill) const { return cancellation_ids_.at(bill); }

 private:
  std::shared_ptr<std::string> now_ = std::make_shared<std::string>();
  std::string path_;
  std::unique_ptr<store::Ledger> ledger_;
  std::map<std::string, std::int64_t> ids_;
  std::map<std::string, std::int64_t> cancellation_ids_;
};

}  // namespace onestop::testing
