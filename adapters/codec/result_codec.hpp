// onestop::Settlement → the result JSON of design.md §4 (a contract), and error lines.
#pragma once

#include <string>
#include <string_view>

#include "adapters/codec/json_util.hpp"
#include "engine/error.hpp"
#include "engine/settlement.hpp"

namespace onestop::codec {

// The result, one line of compact JSON, members in this order (the contract shared with the
// tests and the other adapters):
//   hospital_id, bill_no, patient_id, category, year (number),
//   visit and special_disease (only for an outpatient special-disease visit), policy{id, sha256},
//   total, out_of_policy, over_limit, pre_self_pay, in_policy,
//   layers[{id, fund, kind, eligible, reason (only when not eligible), base, paid, capped,
//           details{name: value}}],
//   fund_paid, patient_pays, flags[{code, layer (only when set), message}],
//   national{setlinfo{...}, setldetail[...]}   (national-platform names, see below),
//   items[{code, class, amount, out_of_policy, over_limit, pre_self_pay, in_policy}],
//   accumulators{before: ACC, after: ACC}, trace[{layer, step, inputs{name: value}, value, rule}]
// with ACC = {admissions (number), layers{id: {paid, deductible_charged, base_cumulative,
// patient_share}}} in the map's (sorted) order. Amounts are strings with two decimals; Fields
// values are written as the strings they are. The same settlement gives the same bytes.
//
// national.setlinfo: medfee_sumamt = total, fulamt_ownpay_amt = out_of_policy, overlmt_selfpay
// = over_limit, preselfpay_amt = pre_self_pay, inscp_scp_amt = in_policy, act_pay_dedc = the
// "deductible" detail of the first layer of fund 390100 ("0.00" if none), fund_pay_sumamt =
// fund_paid, psn_part_amt = psn_cash_pay = patient_pays, hifp_pay / hifmi_pay / maf_pay = what
// the layers of fund 390100 / 390200 / 610100 paid ("0.00" when the policy has none).
// national.setldetail: one row per layer in policy order: fund_pay_type = fund, inscp_scp_amt
// = base, fund_payamt = paid, setl_proc_info = the details as "name=value;..." (for a layer
// that was not eligible: "not eligible: " + reason).
std::string encode_settlement(const Settlement& s);

// {"bill_no": ..., "error": {"code", "field", "message"}} on one line: what `onestop settle`
// writes for a claim it could not settle (design.md §5).
std::string encode_error_line(std::string_view bill_no, const Error& e);

// Writes `e` as the object {"code", "field", "message"} (for adapters that embed an error).
void write_error(JsonWriter& w, const Error& e);

// {"admissions": n, "layers": {id: {"paid", "deductible_charged", "base_cumulative",
// "patient_share"}}} as in a result's "accumulators"; for adapters that show accumulators.
void write_accumulators(JsonWriter& w, const Accumulators& acc);

}  // namespace onestop::codec
