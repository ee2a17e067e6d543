// What settle() returns: the split of the bill, each layer's payment with its base and
// parameters, the patient's share, audit flags, the accumulators before and after, and a trace
// from which every fen can be redone by hand.
#pragma once

#include <boost/container/small_vector.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "engine/accumulators.hpp"
#include "engine/claim.hpp"
#include "engine/money.hpp"
#include "engine/policy.hpp"

namespace onestop {

// A value in a trace step or a layer's details, kept exact; text() is its wire form
// ("400.00", "0.75", "326.625", "true"). Formatting waits until someone reads it.
class Value {
 public:
  Value() = default;
  Value(Money m) : v_(std::move(m)) {}          // NOLINT(google-explicit-constructor)
  Value(Rate r) : v_(r) {}                      // NOLINT(google-explicit-constructor)
  Value(Exact e) : v_(std::move(e)) {}          // NOLINT(google-explicit-constructor)
  Value(std::string s) : v_(std::move(s)) {}    // NOLINT(google-explicit-constructor)
  Value(const char* s) : v_(std::string(s)) {}  // NOLINT(google-explicit-constructor)
  Value(bool b) : v_(b) {}                      // NOLINT(google-explicit-constructor)

  std::string text() const;
  // Appends text() to `out` without a temporary string (the result encoder's hot path).
  void append_text(std::string& out) const;
  // True for amounts, rates and exact values: the wire writes them as strings all the same.
  bool is_number() const { return v_.index() < 3; }
  // Calls f with the value held (a Money, Rate, Exact, std::string or bool) and returns what it
  // returns: for a writer that formats each kind straight into its own buffer.
  template <typename F>
  decltype(auto) visit(F&& f) const {
    return std::visit(std::forward<F>(f), v_);
  }
  friend bool operator==(const Value& a, const Value& b) { return a.text() == b.text(); }

 private:
  std::variant<Money, Rate, Exact, std::string, bool> v_;
};

// A named value; `name` always refers to a string literal (static storage).
struct Field {
  std::string_view name;
  Value value;
};

// Small lists of named values, held inline: a settlement builds dozens of them.
using Fields = boost::container::small_vector<Field, 6>;

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

// One step an auditor can redo: `value` follows from `inputs` by the rule at policy path
// rule_path(step). `rule` is relative to the step's scope (a layer's parameters, or the policy's
// "items") so that building a trace allocates little; empty when no parameter is involved.
struct TraceStep {
  std::string layer;      // layer id, or "items" / "claim"
  std::string_view step;  // a string literal
  Fields inputs;
  Value value;
  std::string rule;
};

// The full policy path of a step's rule: "layers.basic.ratio.city", "items.b_share", or "".
std::string rule_path(const TraceStep& step);
// Appends rule_path(step) to `out`.
void append_rule_path(std::string& out, const TraceStep& step);

struct Settlement {
  std::string hospital_id;
  std::string bill_no;
  std::string patient_id;
  std::string category;
  int year = 0;
  Visit visit = Visit::inpatient;
  std::string special_disease;  // a visit's disease; empty for an admission
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
