#include <algorithm>
#include <filesystem>
#include <set>
#include <system_error>

#include "adapters/policy/policy_loader.hpp"

namespace onestop::policy {

namespace {

namespace fs = std::filesystem;

std::string range_text(const Policy& p) {
  return p.effective_from.to_string() + " to " +
         (p.effective_to ? p.effective_to->to_string() : std::string("open end"));
}

// The *.json regular files directly in dir, sorted by name so loading is deterministic.
Result<std::vector<fs::path>> list_policy_files(const std::string& dir) {
  std::error_code ec;
  fs::directory_iterator it(dir, ec);
  if (ec)
    return Error{"file_error", "", dir + ": cannot read the directory (" + ec.message() + ")."};
  std::vector<fs::path> files;
  for (; it != fs::directory_iterator(); it.increment(ec)) {
    if (it->path().extension() == ".json" && it->is_regular_file(ec)) files.push_back(it->path());
    if (ec) break;
  }
  if (ec)
    return Error{"file_error", "", dir + ": cannot list the directory (" + ec.message() + ")."};
  if (files.empty()) return Error{"empty", "", dir + ": holds no policy (*.json) file."};
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

Result<PolicySet> PolicySet::load_dir(const std::string& dir) {
  auto files = list_policy_files(dir);
  if (!files) return files.error();
  std::vector<Policy> policies;
  for (const fs::path& file : files.value()) {
    auto policy = load_policy_file(file.string());
    if (!policy) return policy.error();
    // One file per id: the file a settlement's policy id came from is never in doubt.
    if (file.stem().string() != policy->id) {
      return Error{"bad_id", "id",
                   file.string() + ": the policy id \"" + policy->id +
                       "\" must match the file name (expected \"" + policy->id + ".json\")."};
    }
    policies.push_back(std::move(policy).value());
  }
  return from_policies(std::move(policies));
}

Result<PolicySet> PolicySet::from_policies(std::vector<Policy> policies) {
  std::sort(policies.begin(), policies.end(), [](const Policy& a, const Policy& b) {
    return a.effective_from != b.effective_from ? a.effective_from < b.effective_from : a.id < b.id;
  });
  for (std::size_t i = 1; i < policies.size(); ++i) {
    const Policy& earlier = policies[i - 1];
    const Policy& later = policies[i];
    // Sorted by start, two ranges overlap somewhere only if some neighbours do.
    if (!earlier.effective_to || later.effective_from <= *earlier.effective_to) {
      return Error{"overlapping_policies", "",
                   "The policies \"" + earlier.id + "\" (" + range_text(earlier) + ") and \"" +
                       later.id + "\" (" + range_text(later) + ") are both in effect on " +
                       later.effective_from.to_string() + "; a date must select one policy."};
    }
  }
  for (std::size_t i = 0; i < policies.size(); ++i) {
    for (std::size_t j = 0; j < i; ++j) {
      if (policies[i].id == policies[j].id) {
        return Error{"duplicate_policy_id", "",
                     "Two policies have the id \"" + policies[i].id + "\"; ids must be unique."};
      }
    }
  }
  PolicySet set;
  set.policies_ = std::move(policies);
  return set;
}

const Policy* PolicySet::effective_on(const Date& d) const {
  for (const Policy& p : policies_) {
    if (p.effective_on(d)) return &p;
  }
  return nullptr;
}

const Policy* PolicySet::by_id(std::string_view id) const {
  for (const Policy& p : policies_) {
    if (p.id == id) return &p;
  }
  return nullptr;
}

std::vector<std::string> PolicySet::categories() const {
  std::set<std::string> all;
  for (const Policy& p : policies_) all.insert(p.categories.begin(), p.categories.end());
  return {all.begin(), all.end()};
}

std::vector<std::string> PolicySet::special_diseases() const {
  std::set<std::string> all;
  for (const Policy& p : policies_) {
    if (const OutpatientSpecial* o = p.outpatient()) {
      for (const auto& d : o->diseases) all.insert(d.id);
    }
  }
  return {all.begin(), all.end()};
}

}  // namespace onestop::policy
