// A settlement service on a fresh ledger database of its own, with a small roster and the
// shipped hospital registry and policies; and a builder for hospital requests (JSON text).
// Shared by the service tests and the HTTP tests.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "adapters/policy/policy_loader.hpp"
#include "adapters/service/hospital_registry.hpp"
#include "adapters/service/settlement_service.hpp"
#include "adapters/sqlite/open.hpp"
#include "adapters/store/ledger.hpp"
#include "adapters/store/roster.hpp"
#include "support/fixtures.hpp"

namespace onestop::testing {

// A directory of its own for the running test (test programs may run in parallel).
inline std::string service_test_dir(const std::string& tag) {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  const std::string dir = ::testing::TempDir() + "onestop-" + tag + "-" + std::to_string(getpid()) +
                          "-" + info->test_suite_name() + "-" + info->name();
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

inline store::RosterEntry roster_entry(std::string id, std::string category, const char* from,
                                       const char* to = nullptr) {
  store::RosterEntry e;
  e.patient_id = std::move(id);
  e.name = "测试<" + e.patient_id + ">";  // markup on purpose: the slip must escape it
  e.id_number = "430300199001011234";
  e.category = std::move(category);
  e.valid_from = *Date::parse(from);
  if (to != nullptr) e.valid_to = *Date::parse(to);
  return e;
}

// P1 poor all along; P2 resident until 2020-06-30, poor from 2020-07-01; P3 extreme_poor;
// P4 resident; P5 on the roster for 2019 only; P6..P9 poor (concurrency tests).
inline std::vector<store::RosterEntry> test_roster() {
  std::vector<store::RosterEntry> out = {
      roster_entry("P1", "poor", "2020-01-01"),
      roster_entry("P2", "resident", "2020-01-01", "2020-06-30"),
      roster_entry("P2", "poor", "2020-07-01"),
      roster_entry("P3", "extreme_poor", "2020-01-01"),
      roster_entry("P4", "resident", "2020-01-01"),
      roster_entry("P5", "poor", "2019-01-01", "2019-12-31"),
  };
  for (int i = 6; i <= 9; ++i) {
    out.push_back(roster_entry("P" + std::to_string(i), "poor", "2020-01-01"));
  }
  return out;
}

// Certifications for outpatient special diseases (domain.md §3.6): P1 severe_mental all
// along; P3 pneumoconiosis from February to June 2020 only.
inline std::vector<store::Certification> test_certifications() {
  return {
      {"P1", "severe_mental", *Date::parse("2020-01-01"), std::nullopt},
      {"P3", "pneumoconiosis", *Date::parse("2020-02-01"), *Date::parse("2020-06-30")},
  };
}

// A hospital request (requests.hpp) as JSON text. Defaults: H2 (the city No. 3 hospital, in
// region), patient P1, 2020-03-02..12, one class A item of 12000.00 and one class B item.
struct RequestBuilder {
  std::string hospital_id = "H2";
  std::string bill_no = "B1";
  std::string patient_id = "P1";
  bool referral = false;
  std::string admitted_on = "2020-03-02";
  std::string discharged_on = "2020-03-12";
  std::string diagnoses = "[\"J18.9\"]";
  std::string items =
      "[{\"code\":\"X1\",\"name\":\"床位费\",\"class\":\"A\",\"amount\":\"12000.00\"},"
      "{\"code\":\"X2\",\"name\":\"药品\",\"class\":\"B\",\"amount\":\"3500.50\","
      "\"over_limit\":\"20.00\"}]";

  RequestBuilder& hospital(std::string h) {
    hospital_id = std::move(h);
    return *this;
  }
  RequestBuilder& bill(std::string b) {
    bill_no = std::move(b);
    return *this;
  }
  RequestBuilder& patient(std::string p) {
    patient_id = std::move(p);
    return *this;
  }
  RequestBuilder& dates(std::string a, std::string d) {
    admitted_on = std::move(a);
    discharged_on = std::move(d);
    return *this;
  }
  RequestBuilder& with_items(std::string json) {
    items = std::move(json);
    return *this;
  }
  RequestBuilder& with_referral(bool r) {
    referral = r;
    return *this;
  }
  // An outpatient special-disease visit for `disease` on one day.
  RequestBuilder& visit(std::string disease, const std::string& day = "2020-03-12") {
    visit_members = ",\"visit\":\"outpatient_special\",\"special_disease\":\"" + disease + "\"";
    admitted_on = day;
    discharged_on = day;
    return *this;
  }
  std::string visit_members;  // "" for an admission

  std::string json() const {
    return "{\"hospital_id\":\"" + hospital_id + "\",\"bill_no\":\"" + bill_no +
           "\",\"patient\":{\"id\":\"" + patient_id +
           "\"},\"referral\":" + (referral ? "true" : "false") + ",\"admitted_on\":\"" +
           admitted_on + "\",\"discharged_on\":\"" + discharged_on + "\"" + visit_members +
           ",\"diagnoses\":" + diagnoses + ",\"items\":" + items + "}";
  }
};

// The service and everything under it, on a database in a directory of the test's own.
class ServiceWorld {
 public:
  explicit ServiceWorld(service::ServiceOptions options = {}) {
    dir_ = service_test_dir("service");
    auto hospitals = service::HospitalRegistry::load_file(source_path("config/hospitals.json"));
    if (!hospitals) throw std::runtime_error(hospitals.error().message);
    hospitals_ = std::make_unique<service::HospitalRegistry>(std::move(hospitals).value());
    auto policies = policy::PolicySet::load_dir(source_path("config/policies"));
    if (!policies) throw std::runtime_error(policies.error().message);
    policies_ = std::make_unique<policy::PolicySet>(std::move(policies).value());
    sqlite::LedgerOptions ledger_options;
    ledger_options.path = dir_ + "/ledger.db";
    auto ledger = sqlite::open_ledger(ledger_options);
    if (!ledger) throw std::runtime_error(ledger.error().message);
    ledger_ = std::move(ledger).value();
    auto roster = sqlite::open_roster(ledger_options.path);
    if (!roster) throw std::runtime_error(roster.error().message);
    roster_ = std::move(roster).value();
    if (auto e = roster_->replace_all(test_roster())) throw std::runtime_error(e->message);
    if (auto e = roster_->replace_certifications(test_certifications())) {
      throw std::runtime_error(e->message);
    }
    service_ = std::make_unique<service::SettlementService>(*hospitals_, *policies_, *ledger_,
                                                            *roster_, std::move(options));
  }

  const service::SettlementService& service() const { return *service_; }
  store::Ledger& ledger() { return *ledger_; }
  store::Roster& roster() { return *roster_; }
  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
  std::unique_ptr<service::HospitalRegistry> hospitals_;
  std::unique_ptr<policy::PolicySet> policies_;
  std::unique_ptr<store::Ledger> ledger_;
  std::unique_ptr<store::Roster> roster_;
  std::unique_ptr<service::SettlementService> service_;
};

}  // namespace onestop::testing
