#include <Poco/Util/OptionSet.h>

#include <fstream>
#include <iostream>
#include <map>
#include <utility>

#include "adapters/codec/claim_codec.hpp"
#include "adapters/codec/result_codec.hpp"
#include "adapters/policy/policy_loader.hpp"
#include "engine/settle.hpp"
#include "tools/onestop/commands.hpp"
#include "tools/onestop/slip.hpp"

namespace onestop::cli {
namespace {

using Poco::Util::Option;

Poco::Util::OptionSet settle_options() {
  Poco::Util::OptionSet options;
  options.addOption(Option("policy", "p", "the policy file (config/policies/*.json)")
                        .required(true)
                        .argument("FILE"));
  options.addOption(Option("format", "f", "jsonl (default): one result per line; slip: a table "
                                          "per claim for people")
                        .argument("FORMAT"));
  return options;
}

// Settles every line of `in` in order; accumulators start empty and carry across lines, keyed
// by person and policy year. Returns true when every claim settled.
bool settle_stream(const Policy& policy, bool slip, std::istream& in, std::ostream& out) {
  std::map<std::pair<std::string, int>, Accumulators> accumulators;
  bool all_settled = true;
  std::string line;
  while (std::getline(in, line)) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;  // blank line
    Result<Claim> claim = codec::decode_claim(line);
    if (!claim) {
      out << codec::encode_error_line(codec::peek_bill_no(line), claim.error()) << "\n";
      all_settled = false;
      continue;
    }
    auto& acc = accumulators[{claim->patient_id, claim->year()}];
    Result<Settlement> s = settle(policy, *claim, acc);
    if (!s) {
      out << codec::encode_error_line(claim->bill_no, s.error()) << "\n";
      all_settled = false;
      continue;
    }
    acc = s->after;
    out << (slip ? format_slip(policy, *s) + "\n" : codec::encode_settlement(*s) + "\n");
  }
  return all_settled;
}

}  // namespace

int settle_command(const std::vector<std::string>& args, std::istream& in, std::ostream& out,
                   std::ostream& err) {
  const auto parsed = parse("settle", "--policy FILE [--format jsonl|slip] [CLAIMS.jsonl]",
                            "Settles canonical claims (JSON Lines, from the file or standard "
                            "input) in order against accumulators that start empty, and writes "
                            "one result or error per line. Exit 0 only if every claim settled.",
                            settle_options(), args, out, err);
  if (!parsed) return kUsage;
  if (parsed->help) return kOk;
  const auto format_it = parsed->options.find("format");
  const std::string format = format_it == parsed->options.end() ? "jsonl" : format_it->second;
  if (format != "jsonl" && format != "slip") {
    err << "onestop settle: --format must be jsonl or slip, not '" << format << "'\n";
    return kUsage;
  }
  if (parsed->positional.size() > 1) {
    err << "onestop settle: at most one claims file\n";
    return kUsage;
  }
  const Result<Policy> policy = policy::load_policy_file(parsed->options.at("policy"));
  if (!policy) {
    err << "onestop settle: policy " << parsed->options.at("policy") << ": "
        << policy.error().field << ": " << policy.error().message << "\n";
    return kUsage;
  }
  if (parsed->positional.empty()) {
    return settle_stream(*policy, format == "slip", in, out) ? kOk : kFailed;
  }
  std::ifstream file(parsed->positional[0]);
  if (!file) {
    err << "onestop settle: cannot read " << parsed->positional[0] << "\n";
    return kUsage;
  }
  return settle_stream(*policy, format == "slip", file, out) ? kOk : kFailed;
}

}  // namespace onestop::cli
