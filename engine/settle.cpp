#include "engine/settle.hpp"

#include <algorithm>
#include <cstdint>
#include <exception>

#include "engine/layers.hpp"

namespace onestop {
namespace {

Fields split_fields(const Split& s) {
  return {{"total", s.total},
          {"out_of_policy", s.out_of_policy},
          {"over_limit", s.over_limit},
          {"pre_self_pay", s.pre_self_pay}};
}

// Items whose code another item already used; allowed, but auditors want to see it.
// The codes are sorted by a hash first, so that most comparisons are of two integers rather
// than calls to compare text: only codes whose hashes collide are compared as text.
std::size_t duplicate_codes(const std::vector<Item>& items) {
  struct Code {
    std::uint64_t hash;
    std::string_view text;
    auto operator<=>(const Code&) const = default;
  };
  std::vector<Code> codes;
  codes.reserve(items.size());
  for (const auto& item : items) {
    std::uint64_t hash = 14695981039346656037ULL;  // FNV-1a, 64 bits
    for (const char c : item.code) hash = (hash ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
    codes.push_back({hash, item.code});
  }
  std::sort(codes.begin(), codes.end());
  return codes.size() - static_cast<std::size_t>(
                            std::unique(codes.begin(), codes.end()) - codes.begin());
}

bool in_list(const std::vector<std::string>& list, const std::string& value) {
  return list.empty() || std::find(list.begin(), list.end(), value) != list.end();
}

void append_piece(std::string& out, std::string_view text) { out += text; }
void append_piece(std::string& out, const Money& m) { m.append_to(out); }
void append_piece(std::string& out, const Rate& r) { r.append_to(out); }

// A flag's message from its pieces, built in one string.
template <typename... Pieces>
std::string message(const Pieces&... pieces) {
  std::string out;
  out.reserve(96);
  (append_piece(out, pieces), ...);
  return out;
}

// The audit flags of domain.md §3.5 and a duplicate item-code count; flags never refuse a claim.
// The conditions are decided first, so that the list is allocated once, at its size.
std::vector<Flag> audit_flags(const Policy& policy, const Claim& claim, const Settlement& s) {
  const Exact total = s.split.total.exact();
  const Money outside = s.split.out_of_policy + s.split.over_limit;
  const bool outside_high =
      !s.split.total.is_zero() && outside.exact() > total * policy.audit.out_of_catalogue_share_max;
  const bool below_target = !s.split.total.is_zero() &&
                            in_list(policy.audit.target_categories, claim.category) &&
                            s.fund_paid.exact() < total * policy.audit.reimbursement_target;
  const auto capped = static_cast<std::size_t>(std::count_if(
      s.layers.begin(), s.layers.end(), [](const LayerResult& r) { return r.capped; }));
  const std::size_t dups = duplicate_codes(claim.items);
  std::vector<Flag> flags;
  const std::size_t count =
      (outside_high ? 1 : 0) + (below_target ? 1 : 0) + capped + (dups ? 1 : 0);
  if (count == 0) return flags;
  flags.reserve(count);
  if (outside_high) {
    flags.push_back({"out_of_catalogue_share_high", "",
                     message("out-of-catalogue ", outside, " is above ",
                             policy.audit.out_of_catalogue_share_max, " of the total")});
  }
  if (below_target) {
    flags.push_back({"reimbursement_below_target", "",
                     message("funds paid ", s.fund_paid, " of ", s.split.total,
                             ", below the target ", policy.audit.reimbursement_target)});
  }
  for (const auto& layer : s.layers) {
    if (layer.capped) {
      flags.push_back({"annual_cap_reached", layer.id, "the layer's annual limit bound its payment"});
    }
  }
  if (dups) {
    flags.push_back({"duplicate_item_code", "",
                     std::to_string(dups) + " item(s) repeat an earlier item's code"});
  }
  return flags;
}

// A visit needs every deductible_ratio layer to have an outpatient part that lists its
// disease (domain.md §3.6); a policy without one settles admissions only.
std::optional<Error> check_visit(const Policy& policy, const Claim& claim) {
  for (const auto& layer : policy.layers) {
    const auto* p = std::get_if<DeductibleRatio>(&layer.params);
    if (p == nullptr) continue;
    if (!p->outpatient) {
      return Error{"outpatient_not_covered", "visit",
                   "policy " + policy.id + " settles no outpatient special-disease visits (layer " +
                       layer.id + " has no outpatient part)"};
    }
    if (!p->outpatient->disease_index(claim.special_disease)) {
      return Error{"unknown_special_disease", "special_disease",
                   "special disease '" + claim.special_disease + "' is not one of policy " +
                       policy.id + "'s"};
    }
  }
  return std::nullopt;
}

std::optional<Error> check_claim(const Policy& policy, const Claim& claim) {
  if (auto e = validate(claim)) return e;
  if (!policy.knows_category(claim.category)) {
    return Error{"unknown_category", "patient.category",
                 "category '" + claim.category + "' is not one of policy " + policy.id + "'s"};
  }
  if (!policy.effective_on(claim.discharged_on)) {
    return Error{"policy_not_effective", "discharged_on",
                 "policy " + policy.id + " is not in force on " + claim.discharged_on.to_string()};
  }
  return claim.is_visit() ? check_visit(policy, claim) : std::nullopt;
}

// Items and their sums (domain.md §2).
void split_claim(const Policy& policy, const Claim& claim, Settlement& s) {
  s.items.reserve(claim.items.size());
  for (const auto& item : claim.items) {
    const ItemSplit& is = s.items.emplace_back(item.code, item.item_class,
                                               split_item(item, policy.b_share, policy.rounding));
    s.split += is.split;
  }
  s.trace.emplace_back("items", "split", split_fields(s.split), s.split.in_policy, "b_share");
}

Settlement compute(const Policy& policy, const Claim& claim, const Accumulators& before) {
  Settlement s;
  s.hospital_id = claim.hospital_id;
  s.bill_no = claim.bill_no;
  s.patient_id = claim.patient_id;
  s.category = claim.category;
  s.year = claim.year();
  s.visit = claim.visit;
  s.special_disease = claim.special_disease;
  s.policy_id = policy.id;
  s.policy_sha256 = policy.sha256;
  s.before = before;
  s.after = before;
  if (!claim.is_visit()) s.after.admissions += 1;  // visits are not admissions (§3.6)
  s.trace.reserve(4 + 6 * policy.layers.size());
  s.layers.reserve(policy.layers.size());
  split_claim(policy, claim, s);

  for (const auto& layer : policy.layers) {
    const LayerTotals totals = before.of(layer.id);
    const detail::LayerInput in{policy, claim, s.split, s.fund_paid, totals, before.admissions > 0,
                                before};
    const auto out = detail::run_layer(layer, in, s.layers, s.trace);
    s.fund_paid += s.layers.back().paid;
    if (!out.movement.is_zero()) s.after.layers.insert_or_assign(layer.id, totals + out.movement);
    for (const auto& [key, moved] : out.derived) {
      if (!moved.is_zero()) s.after.layers.insert_or_assign(key, before.of(key) + moved);
    }
  }
  s.patient_pays = s.split.total - s.fund_paid;
  s.trace.emplace_back("claim", "patient_pays",
                       Fields{{"total", s.split.total}, {"fund_paid", s.fund_paid}}, s.patient_pays,
                       "");
  s.flags = audit_flags(policy, claim, s);
  return s;
}

Error broken(const std::string& what) {
  return Error{"internal", "", "settlement invariant broken: " + what};
}

std::optional<Error> check_split(const Settlement& s) {
  Split sum;
  for (const auto& item : s.items) sum += item.split;
  if (!(sum == s.split)) return broken("items do not add up to the claim's split");
  const Split& p = s.split;
  for (const Money* m : {&p.total, &p.out_of_policy, &p.over_limit, &p.pre_self_pay, &p.in_policy,
                         &s.fund_paid, &s.patient_pays}) {
    if (m->is_negative()) return broken("a claim amount is negative");
  }
  if (p.total != p.out_of_policy + p.over_limit + p.pre_self_pay + p.in_policy) {
    return broken("total != out_of_policy + over_limit + pre_self_pay + in_policy");
  }
  if (p.total != s.fund_paid + s.patient_pays) return broken("total != fund_paid + patient_pays");
  return std::nullopt;
}

// The totals of `key` in `a`, or nullptr when it has none (all zero).
const LayerTotals* find_totals(const Accumulators& a, const std::string& key) {
  const auto it = a.layers.find(key);
  return it == a.layers.end() ? nullptr : &it->second;
}

std::optional<Error> check_layer(const Layer& layer, const LayerResult& r, const Settlement& s) {
  if (r.id != layer.id) return broken("layers out of policy order at " + layer.id);
  if (r.paid.is_negative() || r.paid > r.base) return broken(layer.id + " paid outside [0, base]");
  if (!r.eligible && !r.paid.is_zero()) return broken(layer.id + " paid while ineligible");
  const LayerTotals* after_found = find_totals(s.after, layer.id);
  const LayerTotals after = after_found ? *after_found : LayerTotals{};
  const LayerTotals* before = find_totals(s.before, layer.id);
  const LayerTotals moved = before ? after - *before : after;
  if (moved.paid != r.paid) return broken(layer.id + " accumulator moved by other than paid");
  if (!r.eligible && !moved.is_zero()) return broken(layer.id + " ineligible but moved");
  if (!r.paid.is_zero()) {
    if (const auto cap = cap_annual(layer, s.category); cap && after.paid > *cap) {
      return broken(layer.id + " exceeds its annual cap");
    }
  }
  if (moved.patient_share.is_negative()) return broken(layer.id + " patient share went negative");
  const auto* pc = std::get_if<PatientCeiling>(&layer.params);
  if (pc && pc->ceiling_annual && !moved.patient_share.is_zero() &&
      after.patient_share > *pc->ceiling_annual) {
    return broken(layer.id + " exceeds its annual ceiling");
  }
  return std::nullopt;
}

// A derived key (accumulators.hpp) that moved: only on a visit, only for a deductible_ratio
// layer with an outpatient part, and never past the disease's limit.
std::optional<Error> check_derived_key(const Policy& policy, const Settlement& s,
                                       const std::string& key) {
  const auto i = policy.layer_index(owner_layer(key));
  if (s.visit != Visit::outpatient_special || !i) return broken(key + " moved");
  const auto* p = std::get_if<DeductibleRatio>(&policy.layers[*i].params);
  if (p == nullptr || !p->outpatient) return broken(key + " moved for a layer without visits");
  const std::string_view disease = disease_of_key(key);
  if (disease.empty()) return std::nullopt;
  const auto d = p->outpatient->disease_index(disease);
  if (!d || s.after.of(key).paid > p->outpatient->diseases[*d].limit_annual) {
    return broken(key + " exceeds the disease's annual limit");
  }
  return std::nullopt;
}

// The derived accumulators (accumulators.hpp) move only on a visit, only for a
// deductible_ratio layer, and never past the disease's limit; a visit leaves the inpatient
// deductible alone. Walks the keys of before and after together (both maps are sorted) instead
// of building their difference.
std::optional<Error> check_derived(const Policy& policy, const Settlement& s) {
  auto a = s.after.layers.begin();
  auto b = s.before.layers.begin();
  const auto a_end = s.after.layers.end();
  const auto b_end = s.before.layers.end();
  while (a != a_end || b != b_end) {
    // Which side holds the next key: < 0 after only, > 0 before only, 0 both.
    const int order = a == a_end ? 1 : b == b_end ? -1 : a->first.compare(b->first);
    const bool take_a = order <= 0;
    const bool take_b = order >= 0;
    const auto at_a = a;
    const auto at_b = b;
    if (take_a) ++a;
    if (take_b) ++b;
    const std::string& key = take_a ? at_a->first : at_b->first;
    if (key.find(':') == std::string::npos) continue;  // a layer's own key: check_layer's
    const bool moved = take_a && take_b ? !(at_a->second == at_b->second)
                                        : !(take_a ? at_a->second : at_b->second).is_zero();
    if (moved) {
      if (auto e = check_derived_key(policy, s, key)) return e;
    }
  }
  if (s.visit == Visit::outpatient_special) {
    for (const auto& layer : policy.layers) {
      if (std::holds_alternative<DeductibleRatio>(layer.params) &&
          !(s.after.of(layer.id).deductible_charged - s.before.of(layer.id).deductible_charged)
               .is_zero()) {
        return broken(layer.id + " charged an inpatient deductible on a visit");
      }
    }
  }
  return std::nullopt;
}

}  // namespace

// Each Split is built from its five amounts at once rather than zeroed and then filled in:
// GCC zeroes the 160 bytes with `rep stos`, slow to start, on every item.
Split split_item(const Item& item, const Rate& b_share, Rounding rounding) {
  if (item.item_class == ItemClass::C) return {item.amount, item.amount, Money{}, Money{}, Money{}};
  Money pre_self_pay;
  if (item.item_class == ItemClass::B) {
    const Rate& share = item.self_pay_ratio ? *item.self_pay_ratio : b_share;
    pre_self_pay = round((item.amount - item.over_limit) * share, rounding);
  }
  Money in_policy = item.amount - item.over_limit - pre_self_pay;
  return {item.amount, Money{}, item.over_limit, std::move(pre_self_pay), std::move(in_policy)};
}

std::optional<Error> check_invariants(const Policy& policy, const Settlement& s) {
  if (auto e = check_split(s)) return e;
  if (s.layers.size() != policy.layers.size()) return broken("not every layer reported");
  Money sum;
  for (std::size_t i = 0; i < s.layers.size(); ++i) {
    if (auto e = check_layer(policy.layers[i], s.layers[i], s)) return e;
    sum += s.layers[i].paid;
  }
  if (sum != s.fund_paid) return broken("fund_paid != Σ layer payments");
  const int counted = s.visit == Visit::inpatient ? 1 : 0;
  if (s.after.admissions != s.before.admissions + counted) {
    return broken("admissions not counted once per admission");
  }
  return check_derived(policy, s);
}

namespace {

// compute() and check_invariants(); one Result returned by name, so that the settlement is moved
// once, into the Result, rather than once more through its constructor's parameter.
Result<Settlement> compute_checked(const Policy& policy, const Claim& claim,
                                   const Accumulators& before) {
  Result<Settlement> r = compute(policy, claim, before);
  if (auto e = check_invariants(policy, r.value())) r = std::move(*e);
  return r;
}

}  // namespace

Result<Settlement> settle(const Policy& policy, const Claim& claim, const Accumulators& before) {
  if (auto e = check_claim(policy, claim)) return *e;
  try {
    return compute_checked(policy, claim, before);
  } catch (const std::exception& ex) {
    // Within the input limits nothing can overflow; reaching here is a bug, reported as such.
    return Error{"internal", "", std::string("settlement failed: ") + ex.what()};
  }
}

}  // namespace onestop
