#include "engine/layers.hpp"

#include <algorithm>
#include <initializer_list>

namespace onestop::detail {
namespace {

// A step's input, held by reference until the step copies it once, into the trace (a Field
// built here would be copied again).
class Input {
 public:
  Input(std::string_view name, const Money& v) : name_(name), v_(&v) {}
  Input(std::string_view name, const Rate& v) : name_(name), v_(&v) {}
  Input(std::string_view name, const Exact& v) : name_(name), v_(&v) {}
  Input(std::string_view name, const std::string& v) : name_(name), v_(&v) {}
  Input(std::string_view name, const Value& v) : name_(name), v_(&v) {}
  Input(std::string_view name, bool v) : name_(name), v_(v) {}

  void append_to(Fields& out) const {
    std::visit(
        [&](const auto& v) {
          if constexpr (std::is_same_v<std::decay_t<decltype(v)>, bool>) {
            out.emplace_back(name_, v);
          } else {
            out.emplace_back(name_, *v);
          }
        },
        v_);
  }

 private:
  std::string_view name_;
  std::variant<const Money*, const Rate*, const Exact*, const std::string*, const Value*, bool> v_;
};

// Appends `inputs` to `out`, each value copied once.
void append(Fields& out, std::initializer_list<Input> inputs) {
  for (const Input& input : inputs) input.append_to(out);
}

// Collects a layer's trace steps and result details with the policy path of each rule.
class Tracer {
 public:
  Tracer(const Layer& layer, std::vector<TraceStep>& trace) : layer_(layer), trace_(trace) {}

  // Appends a step; `rule` is the parameter's path within the layer (see TraceStep).
  void step(std::string_view name, std::initializer_list<Input> inputs, Value value,
            std::string rule) {
    TraceStep& st =
        trace_.emplace_back(layer_.id, name, Fields(), std::move(value), std::move(rule));
    append(st.inputs, inputs);
  }

 private:
  const Layer& layer_;
  std::vector<TraceStep>& trace_;
};

bool has_prefix(const std::vector<std::string>& diagnoses, const std::vector<std::string>& prefixes) {
  for (const auto& d : diagnoses) {
    for (const auto& p : prefixes) {
      if (d.starts_with(p)) return true;
    }
  }
  return false;
}

// Why a layer does not apply to this claim, or "" when it does (domain.md §3).
std::string ineligibility(const Eligibility& e, const Claim& claim) {
  const auto& cats = e.categories;
  if (!cats.empty() && std::find(cats.begin(), cats.end(), claim.category) == cats.end()) {
    return "category " + claim.category + " is not covered";
  }
  if (e.requires_in_region_or_referral && !claim.in_region_or_referred()) {
    return "out of region without referral";
  }
  if (!e.diagnosis_prefixes.empty() && !has_prefix(claim.diagnoses, e.diagnosis_prefixes)) {
    return "no listed diagnosis";
  }
  return "";
}

// The rule path of a by-level parameter: "ratio.city".
std::string level_rule(std::string_view param, Level level) {
  const std::string_view name = to_string(level);
  std::string rule;
  rule.reserve(param.size() + 1 + name.size());
  rule += param;
  rule += '.';
  rule += name;
  return rule;
}

Value cap_value(const std::optional<Money>& cap) { return cap ? Value(*cap) : Value("none"); }

// min(amount, cap − used) where a cap is set; `capped` tells whether the cap bound.
Money apply_cap(const Money& amount, const std::optional<Money>& cap, const Money& used,
                bool& capped) {
  if (!cap) return amount;
  const Money room = max(Money{}, *cap - used);
  capped = amount > room;
  return capped ? room : amount;
}

// The layer pays `payable` within its annual cap, of which the person used `paid_this_year`:
// r.paid and r.capped, traced as the step "paid".
void pay_within_cap(LayerResult& r, const Money& payable, const std::optional<Money>& cap,
                    const Money& paid_this_year, Tracer& t) {
  r.paid = apply_cap(payable, cap, paid_this_year, r.capped);
  t.step("paid",
         {{"payable", payable}, {"cap_annual", cap_value(cap)}, {"paid_this_year", paid_this_year}},
         r.paid, "cap_annual");
}

Rate add_rates(const Rate& a, const Rate& b, const Rate& minus = Rate::zero()) {
  return Rate::clamp01(a.micro() + b.micro() - minus.micro());
}

DeductibleRatio::CategoryAdjustment basic_adjustment(const DeductibleRatio& p,
                                                     const std::string& category) {
  const auto it = p.by_category.find(category);
  return it == p.by_category.end() ? DeductibleRatio::CategoryAdjustment{} : it->second;
}

// The ratio of the claim's level with the category bonus and the unreferred penalty (§3.1);
// visits use the same ratio (§3.6).
Rate basic_ratio(const DeductibleRatio& p, const DeductibleRatio::CategoryAdjustment& adj,
                 const LayerInput& in, Tracer& t) {
  const auto level = static_cast<std::size_t>(in.claim.level);
  const bool unreferred = !in.claim.in_region_or_referred();
  const Rate ratio =
      add_rates(p.ratio[level], adj.ratio_bonus, unreferred ? p.unreferred_penalty : Rate::zero());
  t.step("ratio",
         {{"level_ratio", p.ratio[level]},
          {"category_bonus", adj.ratio_bonus},
          {"unreferred_penalty", unreferred ? p.unreferred_penalty : Rate::zero()}},
         ratio, level_rule("ratio", in.claim.level));
  return ratio;
}

// Basic medical insurance, domain.md §3.1.
LayerOutcome deductible_ratio(const DeductibleRatio& p, const LayerInput& in, LayerResult& r,
                              Tracer& t) {
  const auto level = static_cast<std::size_t>(in.claim.level);
  const DeductibleRatio::CategoryAdjustment adj = basic_adjustment(p, in.claim.category);
  const Money& in_policy = in.split.in_policy;

  Exact nominal = p.deductible[level] * Rate::clamp01(Rate::kScale - adj.deductible_reduction.micro());
  if (in.repeat_admission) nominal = nominal * p.repeat_factor;
  Money deductible = round(nominal, in.policy.rounding);
  t.step("deductible_nominal",
         {{"nominal", p.deductible[level]},
          {"category_reduction", adj.deductible_reduction},
          {"repeat_factor", in.repeat_admission ? p.repeat_factor : Rate::one()}},
         deductible, level_rule("deductible", in.claim.level));
  if (p.deductible_limit_annual) {
    deductible = min(deductible, max(Money{}, *p.deductible_limit_annual - in.totals.deductible_charged));
  }
  deductible = min(deductible, in_policy);
  t.step("deductible",
         {{"nominal", nominal},
          {"annual_limit", cap_value(p.deductible_limit_annual)},
          {"charged_this_year", in.totals.deductible_charged},
          {"in_policy", in_policy}},
         deductible, "deductible_limit_annual");

  const Rate ratio = basic_ratio(p, adj, in, t);
  const Money payable = round((in_policy - deductible) * ratio, in.policy.rounding);
  t.step("payable", {{"in_policy", in_policy}, {"deductible", deductible}, {"ratio", ratio}},
         payable, level_rule("ratio", in.claim.level));
  LayerOutcome out;
  pay_within_cap(r, payable, p.cap_annual, in.totals.paid, t);
  r.base = in_policy;
  append(r.details, {{"deductible", deductible}, {"ratio", ratio}, {"payable", payable}});
  out.movement.paid = r.paid;
  out.movement.deductible_charged = deductible;
  return out;
}

// The yearly outpatient deductible still to charge on a visit (§3.6): the category's
// deductible rounded, less what the year's visits charged, within [0, in_policy].
Money outpatient_deductible(const OutpatientSpecial& o, const LayerInput& in, const Money& charged,
                            Tracer& t) {
  const auto red_it = o.deductible_reduction.find(in.claim.category);
  const Rate reduction = red_it == o.deductible_reduction.end() ? Rate::zero() : red_it->second;
  const Money nominal = round(o.deductible_annual * Rate::clamp01(Rate::kScale - reduction.micro()),
                              in.policy.rounding);
  const Money deductible = min(max(Money{}, nominal - charged), in.split.in_policy);
  t.step("outpatient_deductible",
         {{"deductible_annual", o.deductible_annual},
          {"category_reduction", reduction},
          {"nominal", nominal},
          {"charged_this_year", charged},
          {"in_policy", in.split.in_policy}},
         deductible, "outpatient.deductible_annual");
  return deductible;
}

// Basic medical insurance for an outpatient special-disease visit, domain.md §3.6: the yearly
// outpatient deductible, the level's ratio, then the disease's yearly limit and the layer's
// annual cap. No repeat-admission rule and the inpatient deductible is untouched.
// Precondition (settle's check_claim): the layer has an outpatient part listing the disease.
LayerOutcome outpatient_visit(const Layer& layer, const DeductibleRatio& p, const LayerInput& in,
                              LayerResult& r, Tracer& t) {
  const OutpatientSpecial& o = *p.outpatient;
  const std::size_t d = o.disease_index(in.claim.special_disease).value();
  const OutpatientSpecial::Disease& disease = o.diseases[d];
  const std::string out_key = outpatient_key(layer.id);
  const std::string dis_key = disease_key(layer.id, disease.id);
  const Money charged = in.before.of(out_key).deductible_charged;
  const Money disease_paid = in.before.of(dis_key).paid;
  const Money& in_policy = in.split.in_policy;

  const Money deductible = outpatient_deductible(o, in, charged, t);
  const Rate ratio = basic_ratio(p, basic_adjustment(p, in.claim.category), in, t);
  const Money payable = round((in_policy - deductible) * ratio, in.policy.rounding);
  t.step("payable", {{"in_policy", in_policy}, {"deductible", deductible}, {"ratio", ratio}},
         payable, level_rule("ratio", in.claim.level));
  bool limit_bound = false;
  const Money within_limit = apply_cap(payable, disease.limit_annual, disease_paid, limit_bound);
  const std::string limit_rule = "outpatient.diseases[" + std::to_string(d) + "].limit_annual";
  t.step("disease_limit",
         {{"payable", payable},
          {"special_disease", disease.id},
          {"limit_annual", disease.limit_annual},
          {"paid_for_disease_this_year", disease_paid}},
         within_limit, limit_rule);
  LayerOutcome out;
  bool cap_bound = false;
  r.paid = apply_cap(within_limit, p.cap_annual, in.totals.paid, cap_bound);
  r.capped = limit_bound || cap_bound;
  t.step("paid",
         {{"payable", within_limit},
          {"cap_annual", cap_value(p.cap_annual)},
          {"paid_this_year", in.totals.paid}},
         r.paid,
         cap_bound     ? "cap_annual"
         : limit_bound ? limit_rule
                       : "cap_annual");
  r.base = in_policy;
  append(r.details, {{"deductible", deductible},
                     {"ratio", ratio},
                     {"payable", payable},
                     {"special_disease", disease.id},
                     {"disease_limit_annual", disease.limit_annual},
                     {"disease_paid_before", disease_paid}});
  out.movement.paid = r.paid;
  out.derived.push_back({out_key, LayerTotals{Money{}, deductible, Money{}, Money{}}});
  out.derived.push_back({dis_key, LayerTotals{r.paid, Money{}, Money{}, Money{}}});
  return out;
}

// F(c) of domain.md §3.2: the exact cumulative payout for a cumulative base c.
Exact tiered_payout(const TieredCumulative& p, const Money& threshold, const Rate& bonus,
                    const Money& cumulative) {
  Exact total;
  const Money above = cumulative - threshold;
  for (std::size_t b = 0; b < p.bands.size() && above > p.bands[b].from; ++b) {
    const Money upper = b + 1 < p.bands.size() ? min(above, p.bands[b + 1].from) : above;
    total += (upper - p.bands[b].from) * add_rates(p.bands[b].ratio, bonus);
  }
  return total;
}

// Critical-illness insurance, domain.md §3.2.
LayerOutcome tiered_cumulative(const Layer& layer, const TieredCumulative& p, const LayerInput& in,
                               LayerResult& r, Tracer& t) {
  const auto adj_it = p.by_category.find(in.claim.category);
  const bool has_adj = adj_it != p.by_category.end();
  const Money threshold = has_adj && adj_it->second.threshold ? *adj_it->second.threshold : p.threshold;
  const Rate bonus = has_adj ? adj_it->second.ratio_bonus : Rate::zero();
  const std::optional<Money> cap = cap_annual(layer, in.claim.category);

  const Money base = in.split.in_policy - in.earlier_paid;
  const Money c_before = in.totals.base_cumulative;
  const Money c_after = c_before + base;
  t.step("base", {{"in_policy", in.split.in_policy},
                  {"earlier_paid", in.earlier_paid}},
         base, "");
  const Exact f_before = tiered_payout(p, threshold, bonus, c_before);
  const Exact f_after = tiered_payout(p, threshold, bonus, c_after);
  const Money raw = round(f_after, in.policy.rounding) - round(f_before, in.policy.rounding);
  t.step("cumulative_payout",
         {{"cumulative_before", c_before}, {"cumulative_after", c_after},
          {"threshold", threshold}, {"category_bonus", bonus},
          {"F_before", f_before}, {"F_after", f_after}},
         raw, "bands");
  LayerOutcome out;
  pay_within_cap(r, raw, cap, in.totals.paid, t);
  r.base = base;
  append(
      r.details,
      {{"threshold", threshold}, {"cumulative_before", c_before}, {"cumulative_after", c_after}});
  out.movement.paid = r.paid;
  out.movement.base_cumulative = base;
  return out;
}

// Special benefit, medical assistance, hospital reduction, domain.md §3.3.
LayerOutcome share_of_remainder(const ShareOfRemainder& p, const LayerInput& in, LayerResult& r,
                                Tracer& t) {
  const Money base = in.split.in_policy - in.earlier_paid;
  const Money payable = round(base * p.ratio, in.policy.rounding);
  t.step("payable", {{"in_policy", in.split.in_policy},
                     {"earlier_paid", in.earlier_paid}, {"ratio", p.ratio}},
         payable, "ratio");
  LayerOutcome out;
  pay_within_cap(r, payable, p.cap_annual, in.totals.paid, t);
  r.base = base;
  append(r.details, {{"ratio", p.ratio}});
  out.movement.paid = r.paid;
  return out;
}

// The ceiling ratio for this claim: the lowest of the matching programmes, else the default.
std::pair<Rate, std::string> ceiling_for(const PatientCeiling& p, const Claim& claim) {
  std::optional<std::size_t> best;
  for (std::size_t i = 0; i < p.programmes.size(); ++i) {
    if (!has_prefix(claim.diagnoses, p.programmes[i].diagnosis_prefixes)) continue;
    if (!best || p.programmes[i].ceiling_ratio < p.programmes[*best].ceiling_ratio) best = i;
  }
  if (!best) return {p.ceiling_ratio, "ceiling_ratio"};
  return {p.programmes[*best].ceiling_ratio,
          "programmes[" + std::to_string(*best) + "].ceiling_ratio"};
}

// Government backstop, domain.md §3.4.
LayerOutcome patient_ceiling(const PatientCeiling& p, const LayerInput& in, LayerResult& r,
                             Tracer& t) {
  const Money share = in.split.in_policy - in.earlier_paid;
  const auto [ratio, ratio_rule] = ceiling_for(p, in.claim);
  const Money by_ratio = round(in.split.in_policy * ratio, in.policy.rounding);
  t.step("allowed_by_ratio", {{"in_policy", in.split.in_policy},
                              {"ceiling_ratio", ratio}},
         by_ratio, ratio_rule);
  LayerOutcome out;
  const Money allowed = apply_cap(by_ratio, p.ceiling_annual, in.totals.patient_share, r.capped);
  t.step("allowed", {{"allowed_by_ratio", by_ratio},
                     {"ceiling_annual", cap_value(p.ceiling_annual)},
                     {"patient_share_this_year", in.totals.patient_share}},
         allowed, "ceiling_annual");
  r.paid = max(Money{}, share - allowed);
  t.step("paid", {{"share", share}, {"allowed", allowed}}, r.paid, "");
  r.base = share;
  append(r.details, {{"ceiling_ratio", ratio}, {"allowed", allowed}, {"share", share}});
  out.movement.paid = r.paid;
  out.movement.patient_share = share - r.paid;
  return out;
}

}  // namespace

LayerOutcome run_layer(const Layer& layer, const LayerInput& in, std::vector<LayerResult>& results,
                       std::vector<TraceStep>& trace) {
  Tracer t(layer, trace);
  LayerResult& r = results.emplace_back(layer.id, layer.fund, layer.kind());
  r.reason = ineligibility(layer.eligibility, in.claim);
  r.eligible = r.reason.empty();
  t.step("eligibility",
         {{"category", in.claim.category},
          {"in_region_or_referral", in.claim.in_region_or_referred()}},
         r.eligible ? Value("eligible") : Value(r.reason), "eligibility");
  if (!r.eligible) return {};
  return std::visit(
      [&](const auto& p) -> LayerOutcome {
        using P = std::decay_t<decltype(p)>;
        if constexpr (std::is_same_v<P, DeductibleRatio>) {
          if (in.claim.is_visit()) return outpatient_visit(layer, p, in, r, t);
          return deductible_ratio(p, in, r, t);
        }
        if constexpr (std::is_same_v<P, TieredCumulative>) {
          return tiered_cumulative(layer, p, in, r, t);
        }
        if constexpr (std::is_same_v<P, ShareOfRemainder>) return share_of_remainder(p, in, r, t);
        if constexpr (std::is_same_v<P, PatientCeiling>) return patient_ceiling(p, in, r, t);
      },
      layer.params);
}

}  // namespace onestop::detail
