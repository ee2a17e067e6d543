// Test fixtures shared by the engine and adapter tests: the shipped policies and a claim
// builder that keeps test tables short.
#pragma once

#include <map>
#include <mutex>
#include <ostream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "adapters/policy/policy_loader.hpp"
#include "engine/claim.hpp"
#include "engine/policy.hpp"

namespace onestop {
// Readable amounts in GoogleTest failure messages.
inline void PrintTo(const Money& m, std::ostream* os) { *os << m.to_string(); }
}  // namespace onestop

namespace onestop::testing {

inline std::string source_path(const std::string& relative) {
  return std::string(ONESTOP_SOURCE_DIR) + "/" + relative;
}

// A policy from config/policies/, loaded once per test program. Safe from any thread: the
// map's nodes never move, so a reference handed out stays valid while others are loaded.
inline const Policy& shipped_policy(const std::string& id) {
  static std::mutex mutex;
  static std::map<std::string, Policy, std::less<>> cache;
  std::lock_guard lock(mutex);
  if (auto it = cache.find(id); it != cache.end()) return it->second;
  const std::string dir = id.starts_with("demo-") ? "config/policies/demo-county/" : "config/policies/";
  auto loaded = policy::load_policy_file(source_path(dir + id + ".json"));
  if (!loaded) throw std::runtime_error("cannot load " + id + ": " + loaded.error().message);
  return cache.emplace(id, std::move(loaded).value()).first->second;
}

inline const Policy& reference_policy() { return shipped_policy("zhaoshan-2020"); }

inline Money yuan(const char* text) {
  auto m = Money::parse(text);
  if (!m) throw std::invalid_argument(std::string("bad amount in test: ") + text);
  return *m;
}

// Builds a claim: a first admission at an in-region hospital on 2020-03-02..12.
class ClaimBuilder {
 public:
  explicit ClaimBuilder(std::string category = "poor", Level level = Level::city) {
    claim_.hospital_id = "H1";
    claim_.bill_no = "B1";
    claim_.patient_id = "P1";
    claim_.category = std::move(category);
    claim_.level = level;
    claim_.admitted_on = *Date::parse("2020-03-02");
    claim_.discharged_on = *Date::parse("2020-03-12");
  }
  ClaimBuilder& item(ItemClass c, const char* amount, const char* over_limit = "0.00") {
    claim_.items.push_back({"X" + std::to_string(claim_.items.size()), "item", c, yuan(amount),
                            yuan(over_limit)});
    return *this;
  }
  ClaimBuilder& a(const char* amount) { return item(ItemClass::A, amount); }
  ClaimBuilder& out_of_region(bool referral) {
    claim_.in_region = false;
    claim_.referral = referral;
    return *this;
  }
  ClaimBuilder& diagnosis(std::string code) {
    claim_.diagnoses.push_back(std::move(code));
    return *this;
  }
  // An outpatient special-disease visit (domain.md §3.6) for `disease` on one day.
  ClaimBuilder& visit(std::string disease, const char* day = "2020-03-12") {
    claim_.visit = Visit::outpatient_special;
    claim_.special_disease = std::move(disease);
    claim_.admitted_on = *Date::parse(day);
    claim_.discharged_on = claim_.admitted_on;
    return *this;
  }
  ClaimBuilder& patient(std::string patient_id) {
    claim_.patient_id = std::move(patient_id);
    return *this;
  }
  ClaimBuilder& bill(std::string bill_no) {
    claim_.bill_no = std::move(bill_no);
    return *this;
  }
  Claim build() const { return claim_; }
  operator Claim() const { return claim_; }  // NOLINT(google-explicit-constructor)

 private:
  Claim claim_;
};

}  // namespace onestop::testing
