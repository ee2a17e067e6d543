// What the benchmarks settle: the reference policy and a 10-item inpatient claim.
#pragma once

#include <stdexcept>
#include <string>

#include "adapters/codec/claim_codec.hpp"
#include "adapters/policy/policy_loader.hpp"

namespace onestop::bench {

inline const Policy& reference() {
  static const Policy policy = [] {
    auto p = policy::load_policy_file(std::string(ONESTOP_SOURCE_DIR) +
                                      "/config/policies/zhaoshan-2020.json");
    if (!p) throw std::runtime_error(p.error().message);
    return std::move(p).value();
  }();
  return policy;
}

inline const char* const kClaimJson =
    R"({"hospital_id": "H430300001", "bill_no": "ZY2020-000123",)"
    R"( "patient": {"id": "P0001", "category": "poor"},)"
    R"( "hospital": {"level": "city", "in_region": true}, "referral": false,)"
    R"( "admitted_on": "2020-03-02", "discharged_on": "2020-03-12", "diagnoses": ["F20.0"],)"
    R"( "items": [{"code": "X001", "name": "bed", "class": "A", "amount": "1200.00"},)"
    R"( {"code": "X002", "name": "drug", "class": "B", "amount": "350.50", "over_limit": "20.00"},)"
    R"( {"code": "X003", "name": "ct", "class": "A", "amount": "980.00"},)"
    R"( {"code": "X004", "name": "lab", "class": "A", "amount": "436.20"},)"
    R"( {"code": "X005", "name": "drug2", "class": "B", "amount": "2210.35"},)"
    R"( {"code": "X006", "name": "op", "class": "A", "amount": "12000.00", "over_limit": "800.00"},)"
    R"( {"code": "X007", "name": "implant", "class": "C", "amount": "3400.00"},)"
    R"( {"code": "X008", "name": "nursing", "class": "A", "amount": "640.00"},)"
    R"( {"code": "X009", "name": "drug3", "class": "B", "amount": "125.75"},)"
    R"( {"code": "X010", "name": "meals", "class": "C", "amount": "210.00"}]})";

// kClaimJson decoded.
inline const Claim& claim() {
  static const Claim c = codec::decode_claim(kClaimJson).value();
  return c;
}

}  // namespace onestop::bench
