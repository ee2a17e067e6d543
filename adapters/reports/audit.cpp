#include "adapters/reports/audit.hpp"

#include <algorithm>
#include <cstdio>
#include <map>
#include <ostream>

#include "adapters/codec/json_util.hpp"
#include "adapters/codec/result_codec.hpp"

namespace onestop::reports {
namespace {

using Object = codec::JsonNode;

constexpr int kFirstYear = 1900;  // the years Date knows
constexpr int kLastYear = 2999;

Error corrupt(std::string field, std::string message) {
  return Error{"corrupt_record", std::move(field), std::move(message)};
}

// The string member `key`, or "" when it is absent or not a string.
std::string string_of(const Object& obj, std::string_view key) {
  const Object* v = codec::find_member(obj, key);
  return v != nullptr && v->type == Object::Type::string ? std::string(v->text) : std::string();
}

// The boolean member `key`; false when absent or not a boolean.
bool bool_of(const Object& obj, std::string_view key) {
  const Object* v = codec::find_member(obj, key);
  return v != nullptr && v->type == Object::Type::boolean && v->boolean;
}

// The object elements of the array member `key` (none when absent); nullopt when a member or
// an element has another type.
std::optional<std::vector<Object::Ptr>> objects_of(const Object& obj, std::string_view key) {
  std::vector<Object::Ptr> out;
  const Object* v = codec::find_member(obj, key);
  if (v == nullptr) return out;
  if (v->type != Object::Type::array) return std::nullopt;
  for (const Object& element : v->elements()) {
    if (element.type != Object::Type::object) return std::nullopt;
    out.push_back(&element);
  }
  return out;
}

Result<AuditLayer> read_layer(const Object& layer, const std::string& path) {
  AuditLayer out;
  out.id = string_of(layer, "id");
  out.fund = string_of(layer, "fund");
  out.kind = string_of(layer, "kind");
  out.capped = bool_of(layer, "capped");
  const auto paid = Money::parse(string_of(layer, "paid"));
  if (out.id.empty() || !paid) return corrupt(path, "a layer needs an id and a paid amount");
  out.paid = *paid;
  return out;
}

AuditStep read_step(const Object& step) {
  AuditStep out;
  out.layer = string_of(step, "layer");
  out.step = string_of(step, "step");
  out.value = string_of(step, "value");
  out.rule = string_of(step, "rule");
  if (const Object* inputs = codec::find_member(step, "inputs");
      inputs != nullptr && inputs->type == Object::Type::object) {
    for (const Object& input : inputs->members()) {
      out.inputs.emplace_back(std::string(input.key), string_of(*inputs, input.key));
    }
  }
  return out;
}

// Whether the policy promises its reimbursement target to `category`.
bool target_applies(const Policy& policy, const std::string& category) {
  const auto& list = policy.audit.target_categories;
  return list.empty() || std::find(list.begin(), list.end(), category) != list.end();
}

// fund_paid / total below the policy's target (exact comparison).
bool below_target(const Policy& policy, const Money& fund_paid, const Money& total) {
  return total > Money{} && fund_paid * Rate::one() < total * policy.audit.reimbursement_target;
}

// The claim's discharge date and the category it was settled under.
// What the audit shows of a stored claim.
struct ClaimFacts {
  std::string discharged_on;
  std::string category;
  std::string special_disease;  // "" for an admission
};

Result<ClaimFacts> claim_facts(const std::string& claim_json) {
  auto claim = codec::parse_object(claim_json);
  if (!claim) return corrupt("claim_json", claim.error().message);
  const Object* patient = codec::find_member(**claim, "patient");
  std::string category = patient == nullptr ? "" : string_of(*patient, "category");
  if (category.empty()) return corrupt("claim_json.patient.category", "is missing");
  return ClaimFacts{string_of(**claim, "discharged_on"), std::move(category),
                    string_of(**claim, "special_disease")};
}

// Adds a record's layers to the net totals, keeping the layers' first-seen order.
void add_layers(std::vector<AuditLayer>& totals, const std::vector<AuditLayer>& layers,
                bool live) {
  for (const AuditLayer& layer : layers) {
    auto it = std::find_if(totals.begin(), totals.end(),
                           [&](const AuditLayer& t) { return t.id == layer.id; });
    if (it == totals.end()) {
      totals.push_back({layer.id, layer.fund, layer.kind, Money{}, false});
      it = totals.end() - 1;
    }
    it->paid += layer.paid;
    if (live && layer.capped) it->capped = true;
  }
}

// The record's layers from the stored columns, with kind and capped from its result.
std::vector<AuditLayer> record_layers(const store::StoredRecord& r, const ResultFacts* facts) {
  std::vector<AuditLayer> out;
  for (std::size_t i = 0; i < r.layer_paid.size(); ++i) {
    AuditLayer layer{r.layer_paid[i].first, i < r.layer_fund.size() ? r.layer_fund[i] : "", "",
                     r.layer_paid[i].second, false};
    if (facts != nullptr) {
      for (const AuditLayer& f : facts->layers) {
        if (f.id != layer.id) continue;
        layer.kind = f.kind;
        layer.capped = f.capped;
      }
    }
    out.push_back(std::move(layer));
  }
  return out;
}

// The audit view of one stored record.
Result<AuditRecord> audit_record(const store::StoredRecord& r) {
  AuditRecord a;
  a.id = r.id;
  a.kind = r.kind;
  a.cancels = r.cancels;
  a.cancelled_by = r.cancelled_by;
  a.hospital_id = r.hospital_id;
  a.bill_no = r.bill_no;
  auto claim = claim_facts(r.claim_json);
  if (!claim) return claim.error();
  a.discharged_on = claim->discharged_on;
  a.category = claim->category;
  a.special_disease = claim->special_disease;
  a.recorded_at = r.recorded_at;
  a.reason = r.reason;
  a.policy_id = r.policy_id;
  a.total = r.total;
  a.fund_paid = r.fund_paid;
  a.patient_pays = r.patient_pays;
  a.result_json = r.result_json;
  if (r.kind == store::RecordKind::cancellation) {
    a.layers = record_layers(r, nullptr);
    return a;
  }
  auto facts = read_result(r.result_json);
  if (!facts) return facts.error();
  a.layers = record_layers(r, &*facts);
  a.engine_flags = facts->flags;
  a.trace = std::move(facts->trace);
  if (!r.cancelled_by) a.flags = settlement_flags(*facts);
  return a;
}

// Adds a live settlement's flags to the person's.
void add_flags(PersonFlags& person, const std::vector<std::string_view>& flags) {
  for (std::string_view f : flags) {
    if (f == kBackstopUsed) person.backstop_used = true;
    if (f == kCeilingReached) person.ceiling_reached = true;
    if (f == kOutOfCatalogue) person.out_of_catalogue_share_high = true;
    if (f == kCapBound) person.cap_bound = true;
  }
}

// The year's use of each special disease: live visits from the records, the basic payment from
// the derived accumulators (engine/accumulators.hpp), the limit from `policy` (the latest
// record's; may be null).
std::vector<DiseaseUse> disease_uses(const PatientAudit& audit, const Policy* policy) {
  std::map<std::string, DiseaseUse> uses;
  for (const AuditRecord& r : audit.records) {
    if (r.special_disease.empty() || r.kind != store::RecordKind::settlement || r.cancelled_by) {
      continue;
    }
    ++uses[r.special_disease].visits;
  }
  for (const auto& [key, totals] : audit.accumulators.layers) {
    const auto disease = disease_of_key(key);
    if (!disease.empty()) uses[std::string(disease)].paid += totals.paid;
  }
  std::vector<DiseaseUse> out;
  for (auto& [id, use] : uses) {
    use.id = id;
    if (const auto* d = policy != nullptr ? policy->special_disease(id) : nullptr) {
      use.name = d->name;
      use.limit_annual = d->limit_annual;
      use.left = max(Money{}, d->limit_annual - use.paid);
    }
    out.push_back(std::move(use));
  }
  return out;
}

// Totals, flags and the ratio flag of the audit from its records.
std::optional<Error> summarize(PatientAudit& audit, const policy::PolicySet& policies) {
  const Policy* policy = nullptr;
  bool target_category = false;
  for (const AuditRecord& r : audit.records) {
    const bool live = r.kind == store::RecordKind::settlement && !r.cancelled_by;
    if (r.kind == store::RecordKind::settlement) ++audit.settlements;
    if (r.kind == store::RecordKind::cancellation) ++audit.cancellations;
    audit.medical_total += r.total;
    audit.fund_paid += r.fund_paid;
    audit.patient_pays += r.patient_pays;
    add_layers(audit.layers, r.layers, live);
    policy = policies.by_id(r.policy_id);
    if (policy == nullptr) {
      return Error{"unknown_policy", "policy_id", "record " + std::to_string(r.id) +
                                                      " names policy " + r.policy_id +
                                                      ", which is not in the policy directory"};
    }
    if (!live) continue;
    ++audit.live;
    if (!r.special_disease.empty()) ++audit.live_visits;
    add_flags(audit.flags, r.flags);
    if (target_applies(*policy, r.category)) target_category = true;
  }
  if (policy != nullptr) audit.target = policy->audit.reimbursement_target.to_string();
  audit.flags.reimbursement_below_target =
      audit.live > 0 && target_category &&
      below_target(*policy, audit.fund_paid, audit.medical_total);
  audit.diseases = disease_uses(audit, policy);
  return std::nullopt;
}

void write_layers(codec::JsonWriter& w, const std::vector<AuditLayer>& layers) {
  w.begin_array();
  for (const AuditLayer& l : layers) {
    w.begin_object().member("id", l.id).member("fund", l.fund).member("paid", l.paid);
    w.member("capped", l.capped).end_object();
  }
  w.end_array();
}

void write_record(codec::JsonWriter& w, const AuditRecord& r) {
  w.begin_object().member("id", r.id);
  w.member("kind", r.kind == store::RecordKind::settlement ? "settlement" : "cancellation");
  if (r.cancels) w.member("cancels", *r.cancels);
  if (r.cancelled_by) w.member("cancelled_by", *r.cancelled_by);
  w.member("hospital_id", r.hospital_id).member("bill_no", r.bill_no);
  w.member("category", r.category).member("discharged_on", r.discharged_on);
  w.member("visit", r.special_disease.empty() ? "inpatient" : "outpatient_special");
  if (!r.special_disease.empty()) w.member("special_disease", r.special_disease);
  w.member("recorded_at", r.recorded_at);
  if (!r.reason.empty()) w.member("reason", r.reason);
  w.member("total", r.total).member("fund_paid", r.fund_paid);
  w.member("patient_pays", r.patient_pays).key("layers");
  write_layers(w, r.layers);
  w.key("audit_flags").begin_array();
  for (std::string_view f : r.flags) w.value(f);
  w.end_array();
  w.key("result").raw(r.result_json.empty() ? "null" : r.result_json);
  w.end_object();
}

void write_diseases(codec::JsonWriter& w, const std::vector<DiseaseUse>& diseases) {
  w.begin_array();
  for (const DiseaseUse& d : diseases) {
    w.begin_object().member("id", d.id).member("name", d.name).member("visits", d.visits);
    w.member("paid", d.paid).key("limit_annual");
    if (d.limit_annual) {
      w.value(*d.limit_annual).member("left", *d.left);
    } else {
      w.raw("null").key("left").raw("null");
    }
    w.end_object();
  }
  w.end_array();
}

void write_flags(codec::JsonWriter& w, const PersonFlags& flags) {
  w.begin_object();
  for (std::string_view code : kAuditFlags) w.member(code, flags.has(code));
  w.end_object();
}

// "  " + name=value pairs of a trace step's inputs.
std::string inputs_text(const AuditStep& step) {
  std::string out;
  for (const auto& [name, value] : step.inputs) {
    if (!out.empty()) out += ' ';
    out += name + "=" + value;
  }
  return out;
}

void write_record_text(std::ostream& out, const AuditRecord& r) {
  const bool cancel = r.kind == store::RecordKind::cancellation;
  const std::string what =
      cancel ? " cancellation of #" + std::to_string(r.cancels.value_or(0)) : " settlement";
  out << "\n#" << r.id << what << "  discharged " << r.discharged_on << "  recorded " << r.recorded_at << "\n";
  if (!r.special_disease.empty())
    out << "  outpatient special-disease visit: " << r.special_disease << "\n";
  out << "  hospital " << r.hospital_id << "  bill " << r.bill_no << "  category " << r.category;
  if (r.cancelled_by) out << "  CANCELLED by #" << *r.cancelled_by;
  if (cancel) out << "  reason: " << r.reason;
  out << "\n  total " << r.total.to_string();
  for (const AuditLayer& l : r.layers) {
    out << "  " << l.id << " " << l.paid.to_string() << (l.capped ? " (capped)" : "");
  }
  out << "  patient pays " << r.patient_pays.to_string() << "\n";
  if (!r.engine_flags.empty()) {
    out << "  engine flags:";
    for (const auto& f : r.engine_flags) out << ' ' << f;
    out << "\n";
  }
  if (!r.trace.empty()) out << "  trace (layer step: inputs = value [rule]):\n";
  for (const AuditStep& s : r.trace) {
    out << "    " << s.layer << " " << s.step << ": " << inputs_text(s) << " = " << s.value;
    if (!s.rule.empty()) out << "  [" << s.rule << "]";
    out << "\n";
  }
}

void write_diseases_text(std::ostream& out, const PatientAudit& a) {
  out << "\nadmissions " << (a.live - a.live_visits) << ", outpatient special-disease visits "
      << a.live_visits << "\n";
  for (const DiseaseUse& d : a.diseases) {
    out << "  " << d.id << (d.name.empty() ? "" : " " + d.name) << ": " << d.visits
        << " visits, basic paid " << d.paid.to_string();
    if (d.limit_annual) {
      out << " of the year's limit " << d.limit_annual->to_string() << ", left "
          << d.left->to_string();
    }
    out << "\n";
  }
}

void write_accumulators_text(std::ostream& out, const PatientAudit& a) {
  out << "\naccumulators " << a.year << " (as of record #" << a.accumulators_record
      << "): admissions " << a.accumulators.admissions << "\n";
  for (const auto& [id, t] : a.accumulators.layers) {
    out << "  " << id << ": paid " << t.paid.to_string() << "  deductible_charged "
        << t.deductible_charged.to_string() << "  base_cumulative "
        << t.base_cumulative.to_string() << "  patient_share " << t.patient_share.to_string()
        << "\n";
  }
}

// The scaled quotient round_half_up(|part| × 10^decimals / whole) as "I.FFFF", signed.
std::string scaled_text(const Int128& part, const Int128& whole, int decimals) {
  if (whole <= 0) return "";
  Int128 scale = 1;
  for (int i = 0; i < decimals; ++i) scale *= 10;
  const bool negative = part < 0;
  const Int128 magnitude = negative ? Int128(-part) : part;
  const Int128 q = (magnitude * scale * 2 + whole) / (whole * 2);
  std::string fraction = Int128(q % scale).str();
  fraction.insert(0, static_cast<std::size_t>(decimals) - fraction.size(), '0');
  std::string out = (negative && q != 0 ? "-" : "") + Int128(q / scale).str();
  return decimals > 0 ? out + "." + fraction : out;
}


// The local month "YYYY-MM" of a UTC stamp "YYYY-MM-DDTHH:MM..." shifted by `offset_minutes`;
// nullopt when the stamp is not of that form.
std::optional<std::string> local_month(const std::string& recorded_at, int offset_minutes) {
  if (recorded_at.size() < 16 || recorded_at[10] != 'T' || recorded_at[13] != ':') {
    return std::nullopt;
  }
  const auto date = Date::parse(std::string_view(recorded_at).substr(0, 10));
  const auto digits = [&](std::size_t at) {
    const char a = recorded_at[at];
    const char b = recorded_at[at + 1];
    return (a < '0' || a > '9' || b < '0' || b > '9') ? -1 : (a - '0') * 10 + (b - '0');
  };
  const int hour = digits(11);
  const int minute = digits(14);
  if (!date || hour < 0 || hour > 23 || minute < 0 || minute > 59) return std::nullopt;
  const int local = hour * 60 + minute + offset_minutes;
  int y = date->year();
  int m = date->month();
  if (local < 0 && date->day() == 1) {  // the previous day is in the previous month
    m = m == 1 ? 12 : m - 1;
    y = date->month() == 1 ? y - 1 : y;
  } else if (local >= 24 * 60 && !Date::from_ymd(y, m, date->day() + 1)) {
    m = m == 12 ? 1 : m + 1;
    y = date->month() == 12 ? y + 1 : y;
  }
  char text[16];
  std::snprintf(text, sizeof text, "%04d-%02d", y, m);
  return std::string(text);
}

// What the report keeps per person: net sums over the person's records in the report.
struct PersonSums {
  Money total;
  Money fund_paid;
  Money patient_pays;
  std::int64_t live = 0;
  bool target_category = false;  // a live settlement was settled under a target category
  const Policy* policy = nullptr;  // of the person's latest live settlement
  PersonFlags flags;
};

// Folds the year's records into an OfficeReport, one record at a time.
class ReportBuilder {
 public:
  ReportBuilder(const policy::PolicySet& policies, const ReportQuery& query)
      : policies_(policies) {
    report_.query = query;
    for (std::string_view code : kAuditFlags) report_.flags.push_back({std::string(code), {}, {}});
  }

  // Adds one record (settlement or cancellation) of the year; an error stops the report.
  std::optional<Error> add(const store::StoredRecord& r);
  OfficeReport finish();

 private:
  MonthRow& month_of(const store::StoredRecord& r, const std::string& month);
  std::optional<Error> add_live(const store::StoredRecord& r, PersonSums& person,
                                const std::string& category);
  void add_to_layers(const store::StoredRecord& r, MonthRow& month);

  const policy::PolicySet& policies_;
  OfficeReport report_;
  std::map<std::string, PersonSums> persons_;
  std::map<std::string, MonthRow> months_;
  std::map<std::string, VisitTotal> by_visit_;  // "" (admissions) sorts first
};

MonthRow& ReportBuilder::month_of(const store::StoredRecord& r, const std::string& month) {
  MonthRow& row = months_[month];
  row.month = month;
  if (r.kind == store::RecordKind::settlement) ++row.settlements;
  if (r.kind == store::RecordKind::cancellation) ++row.cancellations;
  row.medical_total += r.total;
  row.patient_pays += r.patient_pays;
  return row;
}

void ReportBuilder::add_to_layers(const store::StoredRecord& r, MonthRow& month) {
  for (std::size_t i = 0; i < r.layer_paid.size(); ++i) {
    // Not a structured binding: clang before 16 cannot capture one in the lambda below.
    const std::string& id = r.layer_paid[i].first;
    const Money& paid = r.layer_paid[i].second;
    const std::string fund = i < r.layer_fund.size() ? r.layer_fund[i] : "";
    auto it = std::find_if(report_.layers.begin(), report_.layers.end(),
                           [&](const LayerTotal& l) { return l.id == id; });
    if (it == report_.layers.end()) {
      report_.layers.push_back({id, fund, Money{}});
      it = report_.layers.end() - 1;
    }
    it->paid += paid;
    if (std::find(report_.funds.begin(), report_.funds.end(), fund) == report_.funds.end()) {
      report_.funds.push_back(fund);
    }
    auto f = std::find_if(month.funds.begin(), month.funds.end(),
                          [&](const auto& p) { return p.first == fund; });
    if (f == month.funds.end()) {
      month.funds.emplace_back(fund, Money{});
      f = month.funds.end() - 1;
    }
    f->second += paid;
  }
}

std::optional<Error> ReportBuilder::add_live(const store::StoredRecord& r, PersonSums& person,
                                             const std::string& category) {
  ++(r.special_disease.empty() ? report_.admissions : report_.visits);
  ++by_visit_[r.special_disease].live;
  ++person.live;
  person.policy = policies_.by_id(r.policy_id);
  if (person.policy == nullptr) {
    return Error{"unknown_policy", "policy_id", "record " + std::to_string(r.id) +
                                                    " names policy " + r.policy_id +
                                                    ", which is not in the policy directory"};
  }
  if (target_applies(*person.policy, category)) person.target_category = true;
  if (r.compact() && !r.settlement) {
    return corrupt(
        "body", "record " + std::to_string(r.id) + " does not settle again to its stored figures");
  }
  auto facts = r.settlement ? Result<ResultFacts>(result_facts(*r.settlement, false))
                            : read_result(r.result_json);
  if (!facts) return facts.error();
  const auto flags = settlement_flags(*facts);
  add_flags(person.flags, flags);
  for (std::string_view code : flags) {
    const auto at = std::find(kAuditFlags.begin(), kAuditFlags.end(), code) - kAuditFlags.begin();
    report_.flags[static_cast<std::size_t>(at)].settlements.push_back(
        {r.id, r.patient_id, r.hospital_id, r.bill_no});
  }
  return std::nullopt;
}

std::optional<Error> ReportBuilder::add(const store::StoredRecord& r) {
  // A compact record's claim came decoded with it; an older one's is parsed from its text.
  std::string category;
  if (r.claim) {
    category = r.claim->category;
  } else {
    auto claim = claim_facts(r.claim_json);
    if (!claim) return claim.error();
    category = std::move(claim->category);
  }
  if (report_.query.category && category != *report_.query.category) return std::nullopt;
  const auto month = local_month(r.recorded_at, report_.query.utc_offset_minutes);
  if (!month) return corrupt("recorded_at", "record " + std::to_string(r.id) + ": bad time");
  if (r.kind == store::RecordKind::settlement) ++report_.settlements;
  if (r.kind == store::RecordKind::cancellation) ++report_.cancellations;
  report_.medical_total += r.total;
  report_.fund_paid += r.fund_paid;
  report_.patient_pays += r.patient_pays;
  add_to_layers(r, month_of(r, *month));
  VisitTotal& by_visit = by_visit_[r.special_disease];
  by_visit.medical_total += r.total;
  by_visit.fund_paid += r.fund_paid;
  by_visit.patient_pays += r.patient_pays;
  if (!r.layer_paid.empty()) by_visit.first_layer_paid += r.layer_paid.front().second;
  PersonSums& person = persons_[r.patient_id];
  person.total += r.total;
  person.fund_paid += r.fund_paid;
  person.patient_pays += r.patient_pays;
  if (r.kind != store::RecordKind::settlement || r.cancelled_by) return std::nullopt;
  return add_live(r, person, category);
}

OfficeReport ReportBuilder::finish() {
  for (auto& [id, p] : persons_) {
    if (p.live == 0) continue;
    ++report_.persons;
    p.flags.reimbursement_below_target =
        p.target_category && below_target(*p.policy, p.fund_paid, p.total);
    if (p.total > Money{}) ++report_.oop_histogram[ratio_bucket(p.patient_pays, p.total)];
    for (std::size_t k = 0; k < kAuditFlags.size(); ++k) {
      if (p.flags.has(kAuditFlags[k])) report_.flags[k].persons.push_back(id);
    }
  }
  for (auto& [key, row] : months_) {
    std::vector<std::pair<std::string, Money>> funds;
    for (const std::string& fund : report_.funds) {
      auto f = std::find_if(row.funds.begin(), row.funds.end(),
                            [&](const auto& p) { return p.first == fund; });
      funds.emplace_back(fund, f == row.funds.end() ? Money{} : f->second);
    }
    row.funds = std::move(funds);
    report_.months.push_back(std::move(row));
  }
  for (auto& [disease, total] : by_visit_) {
    total.special_disease = disease;
    report_.by_visit.push_back(std::move(total));
  }
  return std::move(report_);
}

}  // namespace

std::string ratio_text(const Money& part, const Money& whole, int decimals) {
  return scaled_text(part.fen(), whole.fen(), decimals);
}

std::string percent_text(const Money& part, const Money& whole) {
  return scaled_text(part.fen() * 100, whole.fen(), 2);
}

bool PersonFlags::has(std::string_view code) const {
  if (code == kBackstopUsed) return backstop_used;
  if (code == kCeilingReached) return ceiling_reached;
  if (code == kOutOfCatalogue) return out_of_catalogue_share_high;
  if (code == kBelowTarget) return reimbursement_below_target;
  if (code == kCapBound) return cap_bound;
  return false;
}

Result<ResultFacts> read_result(std::string_view result_json) {
  auto doc = codec::parse_object(result_json);
  if (!doc) return corrupt("result_json", doc.error().message);
  ResultFacts facts;
  facts.category = string_of(**doc, "category");
  const auto layers = objects_of(**doc, "layers");
  const auto flags = objects_of(**doc, "flags");
  const auto trace = objects_of(**doc, "trace");
  if (!layers || !flags || !trace || layers->empty()) {
    return corrupt("result_json", "layers, flags and trace must be arrays of objects");
  }
  for (std::size_t i = 0; i < layers->size(); ++i) {
    auto layer = read_layer(*(*layers)[i], "result_json.layers[" + std::to_string(i) + "]");
    if (!layer) return layer.error();
    facts.layers.push_back(std::move(layer).value());
  }
  for (const auto& flag : *flags) facts.flags.push_back(string_of(*flag, "code"));
  for (const auto& step : *trace) facts.trace.push_back(read_step(*step));
  return facts;
}

ResultFacts result_facts(const Settlement& s, bool with_trace) {
  ResultFacts facts;
  facts.category = s.category;
  facts.layers.reserve(s.layers.size());
  for (const LayerResult& l : s.layers) {
    facts.layers.push_back({l.id, l.fund, std::string(to_string(l.kind)), l.paid, l.capped});
  }
  for (const Flag& f : s.flags) facts.flags.push_back(f.code);
  if (!with_trace) return facts;
  facts.trace.reserve(s.trace.size());
  for (const TraceStep& t : s.trace) {
    AuditStep step{t.layer, std::string(t.step), {}, t.value.text(), rule_path(t)};
    for (const Field& input : t.inputs) {
      step.inputs.emplace_back(std::string(input.name), input.value.text());
    }
    facts.trace.push_back(std::move(step));
  }
  return facts;
}

std::vector<std::string_view> settlement_flags(const ResultFacts& facts) {
  bool used = false;
  bool reached = false;
  bool capped = false;
  for (const AuditLayer& l : facts.layers) {
    if (l.kind == "patient_ceiling" && l.paid > Money{}) used = true;
    if (l.kind == "patient_ceiling" && l.capped) reached = true;
    if (l.capped) capped = true;
  }
  const auto engine = [&](std::string_view code) {
    return std::find(facts.flags.begin(), facts.flags.end(), code) != facts.flags.end();
  };
  if (engine("annual_cap_reached")) capped = true;
  std::vector<std::string_view> out;
  if (used) out.push_back(kBackstopUsed);
  if (reached) out.push_back(kCeilingReached);
  if (engine(kOutOfCatalogue)) out.push_back(kOutOfCatalogue);
  if (engine(kBelowTarget)) out.push_back(kBelowTarget);
  if (capped) out.push_back(kCapBound);
  return out;
}

Result<PatientAudit> audit_patient(store::Ledger& ledger, const policy::PolicySet& policies,
                                   const std::string& patient_id, int year) {
  if (year < kFirstYear || year > kLastYear) {
    return Error{"bad_year", "year", "must be a year from 1900 to 2999"};
  }
  if (patient_id.empty()) return Error{"missing_field", "patient_id", "is required"};
  PatientAudit audit;
  audit.patient_id = patient_id;
  audit.year = year;
  for (const store::StoredRecord& r : ledger.for_patient(patient_id, year)) {
    auto record = audit_record(r);
    if (!record) return record.error();
    audit.records.push_back(std::move(record).value());
  }
  auto [accumulators, last] = ledger.accumulators(patient_id, year);
  audit.accumulators = std::move(accumulators);
  audit.accumulators_record = last;
  if (audit.records.empty()) {
    audit.message = "no settlements of " + patient_id + " in " + std::to_string(year);
    return audit;
  }
  if (auto e = summarize(audit, policies)) return *e;
  return audit;
}

std::string audit_json(const PatientAudit& a) {
  codec::JsonWriter w(1024);
  w.begin_object().member("patient_id", a.patient_id).member("year", a.year);
  if (!a.message.empty()) w.member("message", a.message);
  w.member("settlements", a.settlements).member("cancellations", a.cancellations);
  w.member("live", a.live).member("live_visits", a.live_visits);
  w.key("diseases");
  write_diseases(w, a.diseases);
  w.key("totals").begin_object();
  w.member("medical_total", a.medical_total).member("fund_paid", a.fund_paid);
  w.member("patient_pays", a.patient_pays).key("layers");
  write_layers(w, a.layers);
  w.end_object();
  const std::string ratio = ratio_text(a.fund_paid, a.medical_total);
  if (a.live > 0 && !ratio.empty()) w.member("reimbursement_ratio", ratio);
  if (!a.target.empty()) w.member("reimbursement_target", a.target);
  w.key("flags");
  write_flags(w, a.flags);
  w.key("accumulators");
  codec::write_accumulators(w, a.accumulators);
  w.member("accumulators_record", a.accumulators_record);
  w.key("records").begin_array();
  for (const AuditRecord& r : a.records) write_record(w, r);
  w.end_array().end_object();
  return w.take();
}

void write_audit_text(std::ostream& out, const PatientAudit& a) {
  out << "audit of " << a.patient_id << ", policy year " << a.year << "\n";
  if (!a.message.empty()) {
    out << a.message << "\n";
    return;
  }
  out << a.settlements << " settlements (" << a.live << " live), " << a.cancellations
      << " cancellations\n";
  for (const AuditRecord& r : a.records) write_record_text(out, r);
  write_diseases_text(out, a);
  write_accumulators_text(out, a);
  out << "\ntotals net of cancellations: medical total " << a.medical_total.to_string();
  for (const AuditLayer& l : a.layers) out << "  " << l.id << " " << l.paid.to_string();
  out << "  fund paid " << a.fund_paid.to_string() << "  patient pays "
      << a.patient_pays.to_string() << "\n";
  const std::string pct = percent_text(a.fund_paid, a.medical_total);
  out << "effective reimbursement ratio: " << (a.live > 0 && !pct.empty() ? pct + " %" : "n/a")
      << " (target " << (a.target.empty() ? "none" : a.target) << ")\nflags:";
  for (std::string_view code : kAuditFlags) {
    out << "  " << code << " " << (a.flags.has(code) ? "yes" : "no");
  }
  out << "\n";
}

}  // namespace onestop::reports

namespace onestop::reports {

int ratio_bucket(const Money& patient_pays, const Money& medical_total) {
  if (patient_pays.fen() <= 0) return 0;
  const Int128 k = patient_pays.fen() * kRatioBuckets / medical_total.fen();
  return k >= kRatioBuckets ? kRatioBuckets - 1 : static_cast<int>(k);
}

Result<OfficeReport> build_report(store::Ledger& ledger, const policy::PolicySet& policies,
                                  const ReportQuery& query) {
  return build_report(
      [&](const auto& visit) { ledger.scan_year(query.year, store::Documents::settlement, visit); },
      policies, query);
}

Result<OfficeReport> build_report(const RecordWalk& walk, const policy::PolicySet& policies,
                                  const ReportQuery& query) {
  if (query.year < kFirstYear || query.year > kLastYear) {
    return Error{"bad_year", "year", "must be a year from 1900 to 2999"};
  }
  ReportBuilder builder(policies, query);
  std::optional<Error> failed;
  walk([&](const store::StoredRecord& r) {
    failed = builder.add(r);
    return !failed.has_value();
  });
  if (failed) return *failed;
  return builder.finish();
}

}  // namespace onestop::reports
