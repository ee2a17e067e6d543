// Loads config/policies/*.json into the engine's Policy, refusing anything it does not fully
// understand. The file format ("onestop-policy/1") is defined by config/policies/zhaoshan-2020.json
// and the rules in policy_loader.cpp; every error is an onestop::Error whose field is the JSON
// path at fault ("layers[1].bands[2].from") and whose message says why.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "adapters/codec/digest.hpp"
#include "engine/date.hpp"
#include "engine/error.hpp"
#include "engine/policy.hpp"

namespace onestop::policy {

inline constexpr std::string_view kFormat = "onestop-policy/1";

// Parses and validates one policy document. Checks run in document order and the first
// failure is returned, except that the context other checks depend on is checked first:
// the top-level "format", then each layer's "kind" (it decides which keys the layer may have);
// the category list is consulted wherever a category is named, whatever its position.
// A missing required key is reported when the end of its object is reached.
// On success policy.text is canonical_form(json_text) and policy.sha256 its lowercase hex SHA-256.
// Error codes: too_large, malformed_json, duplicate_key, and the validation codes listed in
// policy_loader.cpp.
Result<Policy> parse_policy(std::string_view json_text);

// Reads the file (at most limits::kPolicyFileBytes) and parses it with parse_policy.
// file_error when the path is not a readable regular file; the message of every error starts
// with the path, the field stays the JSON path.
Result<Policy> load_policy_file(const std::string& path);

// The canonical form of any JSON document (see canonical_json in codec/json_reader.hpp): keys
// sorted, no insignificant whitespace, strings re-escaped canonically, UTF-8 kept. Reformatting a file
// or reordering its keys leaves it unchanged; any change of a value changes it.
// malformed_json or duplicate_key when the text is not one well-formed JSON document.
Result<std::string> canonical_form(std::string_view json_text);

// Lowercase hex SHA-256 of the bytes; it lives in the codec, which requests share.
using codec::sha256_hex;

// All policies of a directory; a claim's policy is the one in effect on its discharge date.
class PolicySet {
 public:
  // Loads every regular file named *.json in dir (not recursively), in file-name order.
  // Each file's name must be its policy id plus ".json" (bad_id otherwise), so a policy id
  // names exactly one file. Errors name the file in the message:
  //   file_error            dir is not a readable directory
  //   empty                 no *.json file in it
  //   (any parse_policy code) a policy file is invalid
  //   overlapping_policies  two policies are in effect on a common date
  static Result<PolicySet> load_dir(const std::string& dir);

  // Builds a set from policies already loaded (tests, tools): overlapping_policies as above,
  // duplicate_policy_id when two share an id.
  static Result<PolicySet> from_policies(std::vector<Policy> policies);

  // The policy in effect on d, or nullptr when none is.
  const Policy* effective_on(const Date& d) const;
  // The policy with this id, or nullptr.
  const Policy* by_id(std::string_view id) const;
  // Ordered by effective_from.
  const std::vector<Policy>& all() const { return policies_; }
  // Every category some policy knows, sorted, each once: what a roster may name.
  std::vector<std::string> categories() const;
  // Every outpatient special disease (domain.md §3.6) any of the policies lists, sorted.
  std::vector<std::string> special_diseases() const;

 private:
  std::vector<Policy> policies_;
};

}  // namespace onestop::policy
