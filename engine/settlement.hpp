// What settle() returns: the split of the bill, each layer's payment with its base and
// parameters, the patient's share, audit flags, the accumulators before and after, and a trace
// from which every fen can be redone by hand.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "engine/accumulators.hpp"
#include "engine/claim.hpp"
#include "engine/money.hpp"
#include "engine/policy.hpp"

namespace onestop {

// Name/value pairs, values already in wire form ("400.00", "0.75", "true").
using Fields = std::vector<std::pair<std::string, std::string>>;

// The claim split of domain.md §2. total = out_of_policy + over_limit + pre_self_pay + in_policy.
struct Split {
  Money total;
  Money out_of_policy;
  Money over_limit;
  Money pre_self_pay;
  Money in_policy;

  Split& operator+=(const Split& o);
  friend bool operator==(const Split&, const Split&) = default;
};

struct ItemSplit {
  std::string code;
  ItemClass item_class = ItemClass::A;
  Split split;
};

struct LayerResult {
  std::string id;
  std::string fund;
  LayerKind kind = LayerKind::deductible_ratio;
  bool eligible = false;
  std::string reason;  // why not eligible; empty when eligible
  Money base;          // what the layer could pay at most
  Money paid;
  bool capped = false;  // an annual cap (or the annual ceiling) bound the payment
  Fields details;       // the parameters and intermediate values used, e.g. deductible, ratio
};

struct Flag {
  std::string code;   // out_of_catalogue_share_high, reimbursement_below_target, annual_cap_reached
  std::string layer;  // the layer concerned, or empty
  std::string message;
};

// One step an auditor can redo: `value` follows from `inputs` by the rule at policy path `rule`.
struct TraceStep {
  std::string layer;  // layer id, or "items" / "claim"
  std::string step;
  Fields inputs;
  std::string value;
  std::string rule;
};

struct Settlement {
  std::string hospital_id;
  std::string bill_no;
  std::string patient_id;
  std::string category;
  int year = 0;
  std::string policy_id;
  std::string policy_sha256;

  Split split;
  std::vector<ItemSplit> items;
  std::vector<LayerResult> layers;  // every layer of the policy, in policy order
  Money fund_paid;
  Money patient_pays;  // the residual: split.total − fund_paid, never rounded separately
  std::vector<Flag> flags;
  std::vector<TraceStep> trace;

  Accumulators before;
  Accumulators after;
};

}  // namespace onestop
