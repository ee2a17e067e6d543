// The hard ceilings of every input of OneStop. The codec and the policy loader enforce them;
// the engine relies on them (amounts this small cannot overflow any intermediate). The claim
// limits an operator configures (onestop.limits.* in config/onestop.properties, read into
// codec::ClaimLimits) may be lower, never higher: the settings refuse a larger value.
#pragma once

#include <cstddef>
#include <cstdint>

namespace onestop::limits {

inline constexpr std::size_t kItemsPerClaim = 2'000;
inline constexpr std::size_t kDiagnosesPerClaim = 32;
inline constexpr std::size_t kIdLength = 64;          // hospital id, bill number, patient id
inline constexpr std::size_t kItemCodeLength = 64;
inline constexpr std::size_t kItemNameLength = 200;   // bytes of UTF-8
inline constexpr std::size_t kDiagnosisLength = 16;
inline constexpr std::int64_t kItemAmountFen = 1'000'000'000;  // 10,000,000.00 yuan per item
inline constexpr std::size_t kLayersPerPolicy = 16;
inline constexpr std::size_t kBandsPerLayer = 32;
inline constexpr std::size_t kProgrammesPerLayer = 64;
inline constexpr std::size_t kDiseasesPerPolicy = 64;  // outpatient special diseases
inline constexpr std::size_t kPolicyFileBytes = 1 << 20;

}  // namespace onestop::limits
