// Helpers for the policy adapter tests: a small valid policy with one layer of each kind, and
// exact text edits on it, so each error case states only what it breaks.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "adapters/policy/policy_loader.hpp"

namespace onestop::policy::testing {

// Every edit anchor used by the tests occurs exactly once in this text.
inline constexpr std::string_view kMinimal = R"({
  "format": "onestop-policy/1",
  "id": "mini-2020",
  "name": "Mini",
  "effective_from": "2020-01-01",
  "effective_to": "2020-12-31",
  "rounding": "half_up",
  "categories": ["resident", "poor"],
  "items": {"b_share": "0.10"},
  "audit": {"out_of_catalogue_share_max": "0.10", "reimbursement_target": "0.85"},
  "layers": [
    {"id": "basic", "fund": "390100", "name": "Basic", "kind": "deductible_ratio",
     "eligibility": {},
     "deductible": {"primary": "200.00", "county": "500.00", "city": "800.00",
                    "province": "1200.00", "out_of_province": "1500.00"},
     "ratio": {"primary": "0.85", "county": "0.80", "city": "0.65",
               "province": "0.60", "out_of_province": "0.50"},
     "repeat_factor": "0.5", "cap_annual": "150000.00",
     "by_category": {"poor": {"deductible_reduction": "0.5", "ratio_bonus": "0.10"}}},
    {"id": "critical", "fund": "390200", "name": "Critical", "kind": "tiered_cumulative",
     "eligibility": {"in_region_or_referral": false},
     "threshold": "15000.00",
     "bands": [{"from": "0.00", "ratio": "0.60"}, {"from": "50000.00", "ratio": "0.65"}],
     "cap_annual": "300000.00",
     "by_category": {"poor": {"threshold": "7500.00", "cap_annual": null}}},
    {"id": "special", "fund": "620100", "name": "Special", "kind": "share_of_remainder",
     "eligibility": {"categories": ["poor"]}, "ratio": "0.50", "cap_annual": "50000.00"},
    {"id": "backstop", "fund": "640100", "name": "Backstop", "kind": "patient_ceiling",
     "eligibility": {"categories": ["poor"], "in_region_or_referral": true,
                     "diagnosis_prefixes": ["J60"]},
     "ceiling_ratio": "0.10", "ceiling_annual": "5000.00",
     "programmes": [{"name": "P", "diagnosis_prefixes": ["F20"], "ceiling_ratio": "0.05"}]}
  ]
})";

// text with the only occurrence of `from` replaced by `to`; throws when `from` is absent or
// ambiguous, so a stale anchor fails loudly instead of testing the unedited text.
inline std::string edited(std::string text, std::string_view from, std::string_view to) {
  const auto at = text.find(from);
  if (at == std::string::npos || text.find(from, at + 1) != std::string::npos) {
    throw std::logic_error("edit anchor not found exactly once: " + std::string(from));
  }
  text.replace(at, from.size(), to);
  return text;
}

inline std::string edited(std::string text,
                          const std::vector<std::pair<std::string, std::string>>& edits) {
  for (const auto& [from, to] : edits) text = edited(std::move(text), from, to);
  return text;
}

inline std::string source_file(const std::string& relative) {
  return std::string(ONESTOP_SOURCE_DIR) + "/" + relative;
}

inline std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

inline void write_text(const std::filesystem::path& path, std::string_view text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

// A fresh directory under the system temp directory, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    static int counter = 0;
    const auto base = std::filesystem::temp_directory_path();
    do {
      path_ = base / ("onestop-policy-test-" + std::to_string(::getpid()) + "-" +
                      std::to_string(counter++));
    } while (!std::filesystem::create_directory(path_));
  }
  ~TempDir() {
    std::error_code ignored;  // a leftover temp directory must not fail the test run
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::string str() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

}  // namespace onestop::policy::testing
