// The "onestop-policy/1" schema. Validation codes, besides those of the readers in
// policy_fields.hpp (wrong_type, unknown_field, missing_field, empty, too_many, bad_amount,
// bad_rate, rate_out_of_range, bad_date):
//   unsupported_format  "format" is not "onestop-policy/1"
//   bad_id              a policy id outside [a-z0-9_-], a layer id or category outside [a-z0-9_],
//                       or longer than limits::kIdLength
//   bad_fund_code       a fund code that is not exactly six digits
//   unknown_rounding, unknown_kind      names outside the engine's enums
//   unknown_category    a category named by a layer that the policy's categories do not list
//   duplicate_category  a category listed twice (in the policy or in one eligibility list)
//   duplicate_layer_id  two layers with one id
//   bad_diagnosis_prefix  a prefix that is not an uppercase ICD-10 start ([A-Z][A-Z0-9.]*,
//                       at most limits::kDiagnosisLength bytes)
//   bands_not_ascending  the first band not at 0.00, or a band edge not above the previous
//   duplicate_disease   two outpatient special diseases with one id
//   bad_date            also: effective_to before effective_from
#include "adapters/policy/policy_loader.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>

#include "adapters/codec/digest.hpp"
#include "adapters/codec/json_reader.hpp"
#include "adapters/policy/policy_fields.hpp"
#include "engine/limits.hpp"

namespace onestop::policy {

namespace {

using detail::fail;
using detail::Field;
using detail::optional_field;
using detail::quote_text;
using detail::read_money;
using detail::read_money_or_null;
using detail::read_rate;
using detail::required_field;
using Type = JsonNode::Type;

// What checks in one part of the document need from another part.
struct Context {
  // The policy's categories as listed, read without validation: a layer may name a category
  // wherever "categories" stands in the file; its own errors are reported at its position.
  std::vector<std::string> categories;
};

Context read_context(const JsonNode& root) {
  Context context;
  const JsonNode* categories = root.find("categories");
  if (categories == nullptr) return context;
  for (const JsonNode& element : categories->elements()) {
    if (element.type == Type::string) context.categories.emplace_back(element.text);
  }
  return context;
}

bool is_id_char(char c, bool allow_dash) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || (allow_dash && c == '-');
}

// Ids are wire contracts (settlement rows, accumulator keys), so one plain alphabet.
std::string read_id(const JsonNode& node, const std::string& path, bool allow_dash) {
  const std::string id = detail::read_string(node, path);
  const bool ok =
      !id.empty() && id.size() <= limits::kIdLength &&
      std::all_of(id.begin(), id.end(), [&](char c) { return is_id_char(c, allow_dash); });
  if (!ok) {
    fail("bad_id", path,
         quote_text(id) + " is not a valid id: use 1 to " + std::to_string(limits::kIdLength) +
             " characters from a-z, 0-9, _" + (allow_dash ? " and -." : "."));
  }
  return id;
}

std::string read_fund(const JsonNode& node, const std::string& path) {
  const std::string fund = detail::read_string(node, path);
  const bool ok = fund.size() == 6 && std::all_of(fund.begin(), fund.end(),
                                                  [](char c) { return c >= '0' && c <= '9'; });
  if (!ok) {
    fail("bad_fund_code", path,
         quote_text(fund) + " is not a fund code: fund codes are six digits, e.g. \"390100\".");
  }
  return fund;
}

bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }
bool is_prefix_char(char c) { return is_upper(c) || (c >= '0' && c <= '9') || c == '.'; }

// ICD-10 codes are written in uppercase; a lowercase prefix would silently never match.
std::string read_prefix(const JsonNode& node, const std::string& path) {
  const std::string prefix = detail::read_nonempty_string(node, path);
  const bool ok = prefix.size() <= limits::kDiagnosisLength && is_upper(prefix[0]) &&
                  std::all_of(prefix.begin(), prefix.end(), is_prefix_char);
  if (!ok) {
    fail("bad_diagnosis_prefix", path,
         quote_text(prefix) + " is not an ICD-10 prefix: an uppercase letter, then uppercase " +
             "letters, digits or dots, at most " + std::to_string(limits::kDiagnosisLength) +
             " characters, e.g. \"N18.5\".");
  }
  return prefix;
}

// A present list must not be empty: for categories and prefixes an empty list would read as
// "nobody" while the engine takes it as "everybody". Omit the key to mean everybody.
// limits.hpp has no count for these lists; the file size bounds them.
std::vector<std::string> read_prefixes(const JsonNode& node, const std::string& path) {
  const auto& elements =
      detail::read_array(node, path, std::numeric_limits<std::size_t>::max(), false);
  std::vector<std::string> prefixes;
  for (std::size_t i = 0; i < elements.size(); ++i) {
    prefixes.push_back(read_prefix(elements[i], index_path(path, i)));
  }
  return prefixes;
}

void check_known_category(const std::string& category, const std::string& path,
                          const Context& context) {
  const auto& known = context.categories;
  if (std::find(known.begin(), known.end(), category) == known.end()) {
    fail("unknown_category", path,
         "The category " + quote_text(category) + " is not among the policy's \"categories\".");
  }
}

// A list of unique categories; with context, each must be one of the policy's categories.
std::vector<std::string> read_category_list(const JsonNode& node, const std::string& path,
                                            const Context* context) {
  const auto& elements =
      detail::read_array(node, path, std::numeric_limits<std::size_t>::max(), false);
  std::vector<std::string> categories;
  for (std::size_t i = 0; i < elements.size(); ++i) {
    const std::string at = index_path(path, i);
    std::string category = read_id(elements[i], at, false);
    if (context != nullptr) check_known_category(category, at, *context);
    if (std::find(categories.begin(), categories.end(), category) != categories.end()) {
      fail("duplicate_category", at,
           "The category " + quote_text(category) + " is listed twice; list it once.");
    }
    categories.push_back(std::move(category));
  }
  return categories;
}

Eligibility read_eligibility(const JsonNode& node, const std::string& path,
                             const Context& context) {
  Eligibility e;
  const auto read_categories = [&context](auto& n, auto& at) {
    return read_category_list(n, at, &context);
  };
  const std::vector<Field> fields = {
      optional_field("categories", e.categories, read_categories),
      optional_field("in_region_or_referral", e.requires_in_region_or_referral, detail::read_bool),
      optional_field("diagnosis_prefixes", e.diagnosis_prefixes, read_prefixes),
  };
  detail::read_object(node, path, fields);
  return e;
}

// {"poor": {...}, ...}: keys are known categories, values read by read_one in document order.
template <typename Adjustment, typename ReadOne>
std::map<std::string, Adjustment> read_by_category(const JsonNode& node, const std::string& path,
                                                   const Context& context, ReadOne read_one) {
  detail::expect_type(node, Type::object, path, "an object keyed by category");
  std::map<std::string, Adjustment> adjustments;
  for (const JsonNode& member : node.members()) {
    const std::string at = member_path(path, member.key);
    const std::string category(member.key);
    check_known_category(category, at, context);
    adjustments.emplace(category, read_one(member, at));
  }
  return adjustments;
}

// {"primary": ..., ..., "out_of_province": ...}: every level required, spelt as the engine's
// to_string(Level).
template <typename T, typename ReadOne>
std::array<T, kLevelCount> read_levels(const JsonNode& node, const std::string& path,
                                       ReadOne read_one) {
  std::array<T, kLevelCount> values{};
  std::vector<Field> fields;
  for (std::size_t i = 0; i < values.size(); ++i) {
    fields.push_back(required_field(to_string(static_cast<Level>(i)), values[i], read_one));
  }
  detail::read_object(node, path, fields);
  return values;
}

DeductibleRatio::CategoryAdjustment read_basic_adjustment(const JsonNode& node,
                                                          const std::string& path) {
  DeductibleRatio::CategoryAdjustment a;
  const std::vector<Field> fields = {
      optional_field("deductible_reduction", a.deductible_reduction, read_rate),
      optional_field("ratio_bonus", a.ratio_bonus, read_rate),
  };
  detail::read_object(node, path, fields);
  return a;
}

// A category's reduction of the yearly outpatient deductible.
Rate read_outpatient_adjustment(const JsonNode& node, const std::string& path) {
  Rate reduction;
  detail::read_object(node, path, {required_field("deductible_reduction", reduction, read_rate)});
  return reduction;
}

// Disease ids are wire contracts like layer ids (claims, certifications, accumulator keys).
std::vector<OutpatientSpecial::Disease> read_diseases(const JsonNode& node,
                                                      const std::string& path) {
  const auto& elements = detail::read_array(node, path, limits::kDiseasesPerPolicy, false);
  std::vector<OutpatientSpecial::Disease> diseases;
  for (std::size_t i = 0; i < elements.size(); ++i) {
    OutpatientSpecial::Disease d;
    const auto read_unique = [&diseases](auto& n, auto& at) {
      std::string id = read_id(n, at, false);
      for (std::size_t j = 0; j < diseases.size(); ++j) {
        if (diseases[j].id == id) {
          fail("duplicate_disease", at,
               "The disease " + quote_text(id) + " is already listed at diseases[" +
                   std::to_string(j) + "]; list each disease once.");
        }
      }
      return id;
    };
    const std::vector<Field> fields = {
        required_field("id", d.id, read_unique),
        required_field("name", d.name, detail::read_nonempty_string),
        required_field("limit_annual", d.limit_annual, read_money),
    };
    detail::read_object(elements[i], index_path(path, i), fields);
    diseases.push_back(std::move(d));
  }
  return diseases;
}

// The outpatient special-disease part of a deductible_ratio layer (domain.md §3.6).
OutpatientSpecial read_outpatient(const JsonNode& node, const std::string& path,
                                  const Context& context) {
  OutpatientSpecial o;
  const auto read_reductions = [&context](auto& n, auto& at) {
    return read_by_category<Rate>(n, at, context, read_outpatient_adjustment);
  };
  const std::vector<Field> fields = {
      required_field("deductible_annual", o.deductible_annual, read_money),
      optional_field("by_category", o.deductible_reduction, read_reductions),
      required_field("diseases", o.diseases, read_diseases),
  };
  detail::read_object(node, path, fields);
  return o;
}

void add_fields(DeductibleRatio& p, const Context& context, std::vector<Field>& fields) {
  const auto read_deductibles = [](auto& n, auto& at) {
    return read_levels<Money>(n, at, read_money);
  };
  const auto read_ratios = [](auto& n, auto& at) { return read_levels<Rate>(n, at, read_rate); };
  const auto read_adjustments = [&context](auto& n, auto& at) {
    return read_by_category<DeductibleRatio::CategoryAdjustment>(n, at, context,
                                                                 read_basic_adjustment);
  };
  fields.push_back(required_field("deductible", p.deductible, read_deductibles));
  fields.push_back(required_field("ratio", p.ratio, read_ratios));
  fields.push_back(required_field("repeat_factor", p.repeat_factor, read_rate));
  fields.push_back(
      optional_field("deductible_limit_annual", p.deductible_limit_annual, read_money_or_null));
  fields.push_back(optional_field("unreferred_penalty", p.unreferred_penalty, read_rate));
  // Caps are required (null: none) because a forgotten cap would mean unlimited payouts.
  fields.push_back(required_field("cap_annual", p.cap_annual, read_money_or_null));
  fields.push_back(optional_field("by_category", p.by_category, read_adjustments));
  const auto read_outpatient_here = [&context](auto& n, auto& at) {
    return std::optional<OutpatientSpecial>(read_outpatient(n, at, context));
  };
  fields.push_back(optional_field("outpatient", p.outpatient, read_outpatient_here));
}

// Bands are measured above the threshold, so the first starts at 0.00; edges ascend strictly
// so that every band has a width and F(c) in domain.md §3.2 is well defined.
void check_band_edge(const Money& from, const std::string& path,
                     const std::vector<TieredCumulative::Band>& earlier) {
  if (earlier.empty() && !from.is_zero()) {
    fail("bands_not_ascending", path,
         "The first band starts at \"" + from.to_string() +
             "\"; it must start at \"0.00\", as bands are measured above the threshold.");
  }
  if (!earlier.empty() && from <= earlier.back().from) {
    fail("bands_not_ascending", path,
         "Band edges must ascend strictly: \"" + from.to_string() +
             "\" is not above the previous edge \"" + earlier.back().from.to_string() + "\".");
  }
}

std::vector<TieredCumulative::Band> read_bands(const JsonNode& node, const std::string& path) {
  const auto& elements = detail::read_array(node, path, limits::kBandsPerLayer, false);
  std::vector<TieredCumulative::Band> bands;
  for (std::size_t i = 0; i < elements.size(); ++i) {
    TieredCumulative::Band band;
    const auto read_edge = [&bands](auto& n, auto& at) {
      const Money from = read_money(n, at);
      check_band_edge(from, at, bands);
      return from;
    };
    const std::vector<Field> fields = {
        required_field("from", band.from, read_edge),
        required_field("ratio", band.ratio, read_rate),
    };
    detail::read_object(elements[i], index_path(path, i), fields);
    bands.push_back(band);
  }
  return bands;
}

TieredCumulative::CategoryAdjustment read_tiered_adjustment(const JsonNode& node,
                                                            const std::string& path) {
  TieredCumulative::CategoryAdjustment a;
  const auto read_cap = [&a](auto& n, auto& at) {
    a.cap_overridden = true;  // present: replaces the layer's cap; null: no cap at all
    return read_money_or_null(n, at);
  };
  const std::vector<Field> fields = {
      optional_field("threshold", a.threshold, read_money),
      optional_field("ratio_bonus", a.ratio_bonus, read_rate),
      optional_field("cap_annual", a.cap_annual, read_cap),
  };
  detail::read_object(node, path, fields);
  return a;
}

void add_fields(TieredCumulative& p, const Context& context, std::vector<Field>& fields) {
  const auto read_adjustments = [&context](auto& n, auto& at) {
    return read_by_category<TieredCumulative::CategoryAdjustment>(n, at, context,
                                                                  read_tiered_adjustment);
  };
  fields.push_back(required_field("threshold", p.threshold, read_money));
  fields.push_back(required_field("bands", p.bands, read_bands));
  fields.push_back(required_field("cap_annual", p.cap_annual, read_money_or_null));
  fields.push_back(optional_field("by_category", p.by_category, read_adjustments));
}

void add_fields(ShareOfRemainder& p, const Context&, std::vector<Field>& fields) {
  fields.push_back(required_field("ratio", p.ratio, read_rate));
  fields.push_back(required_field("cap_annual", p.cap_annual, read_money_or_null));
}

std::vector<PatientCeiling::Programme> read_programmes(const JsonNode& node,
                                                       const std::string& path) {
  const auto& elements = detail::read_array(node, path, limits::kProgrammesPerLayer, true);
  std::vector<PatientCeiling::Programme> programmes;
  for (std::size_t i = 0; i < elements.size(); ++i) {
    PatientCeiling::Programme p;
    const std::vector<Field> fields = {
        required_field("name", p.name, detail::read_nonempty_string),
        required_field("diagnosis_prefixes", p.diagnosis_prefixes, read_prefixes),
        required_field("ceiling_ratio", p.ceiling_ratio, read_rate),
    };
    detail::read_object(elements[i], index_path(path, i), fields);
    programmes.push_back(std::move(p));
  }
  return programmes;
}

void add_fields(PatientCeiling& p, const Context&, std::vector<Field>& fields) {
  fields.push_back(required_field("ceiling_ratio", p.ceiling_ratio, read_rate));
  fields.push_back(required_field("ceiling_annual", p.ceiling_annual, read_money_or_null));
  fields.push_back(optional_field("programmes", p.programmes, read_programmes));
}

// The kind decides which keys a layer may have, so it is read before its siblings.
LayerParams read_kind(const JsonNode& layer, const std::string& path) {
  const std::string at = member_path(path, "kind");
  const JsonNode* node = layer.find("kind");
  if (node == nullptr) fail("missing_field", at, "The required key \"kind\" is missing.");
  const std::string text = detail::read_string(*node, at);
  const auto kind = parse_layer_kind(text);
  if (!kind) {
    fail("unknown_kind", at,
         quote_text(text) +
             " is not a layer kind: use deductible_ratio, tiered_cumulative, "
             "share_of_remainder or patient_ceiling.");
  }
  switch (*kind) {
    case LayerKind::deductible_ratio:
      return DeductibleRatio{};
    case LayerKind::tiered_cumulative:
      return TieredCumulative{};
    case LayerKind::share_of_remainder:
      return ShareOfRemainder{};
    case LayerKind::patient_ceiling:
      return PatientCeiling{};
  }
  fail("unknown_kind", at, quote_text(text) + " is not a layer kind.");
}

std::string read_layer_id(const JsonNode& node, const std::string& path,
                          const std::vector<Layer>& earlier) {
  std::string id = read_id(node, path, false);
  for (std::size_t i = 0; i < earlier.size(); ++i) {
    if (earlier[i].id == id) {
      fail("duplicate_layer_id", path,
           "The layer id " + quote_text(id) + " is already used by layers[" + std::to_string(i) +
               "]; layer ids must be unique.");
    }
  }
  return id;
}

Layer read_layer(const JsonNode& node, const std::string& path, const Context& context,
                 const std::vector<Layer>& earlier) {
  detail::expect_type(node, Type::object, path, "an object");
  Layer layer;
  layer.params = read_kind(node, path);
  const auto read_unique_id = [&earlier](auto& n, auto& at) {
    return read_layer_id(n, at, earlier);
  };
  const auto read_eligibility_here = [&context](auto& n, auto& at) {
    return read_eligibility(n, at, context);
  };
  std::vector<Field> fields = {
      required_field("id", layer.id, read_unique_id),
      required_field("fund", layer.fund, read_fund),
      required_field("name", layer.name, detail::read_nonempty_string),
      Field{"kind", true, [](auto&, auto&) {}},  // read first, above
      required_field("eligibility", layer.eligibility, read_eligibility_here),
  };
  // The fields capture the params alternative by reference; layer.params is not reassigned.
  std::visit([&](auto& params) { add_fields(params, context, fields); }, layer.params);
  detail::read_object(node, path, fields);
  return layer;
}

std::vector<Layer> read_layers(const JsonNode& node, const std::string& path,
                               const Context& context) {
  const auto& elements = detail::read_array(node, path, limits::kLayersPerPolicy, false);
  std::vector<Layer> layers;
  for (std::size_t i = 0; i < elements.size(); ++i) {
    layers.push_back(read_layer(elements[i], index_path(path, i), context, layers));
  }
  return layers;
}

// A different format version is not ours to judge, so it is checked before anything else.
void check_format(const JsonNode& root) {
  const JsonNode* node = root.find("format");
  if (node == nullptr) {
    fail("missing_field", "format",
         "The required key \"format\" is missing; it must be \"" + std::string(kFormat) + "\".");
  }
  const std::string format = detail::read_string(*node, "format");
  if (format != kFormat) {
    fail("unsupported_format", "format",
         "This loader reads \"" + std::string(kFormat) + "\" policies, not " + quote_text(format) +
             ".");
  }
}

Rounding read_rounding(const JsonNode& node, const std::string& path) {
  const std::string text = detail::read_string(node, path);
  const auto rounding = parse_rounding(text);
  if (!rounding) {
    fail("unknown_rounding", path,
         quote_text(text) + " is not a rounding mode: use half_up, half_even, down or up.");
  }
  return *rounding;
}

void read_items(const JsonNode& node, const std::string& path, Policy& policy) {
  detail::read_object(node, path, {required_field("b_share", policy.b_share, read_rate)});
}

void read_audit(const JsonNode& node, const std::string& path, const Context& context,
                AuditThresholds& audit) {
  const auto read_categories = [&context](auto& n, auto& at) {
    return read_category_list(n, at, &context);
  };
  const std::vector<Field> fields = {
      required_field("out_of_catalogue_share_max", audit.out_of_catalogue_share_max, read_rate),
      required_field("reimbursement_target", audit.reimbursement_target, read_rate),
      optional_field("target_categories", audit.target_categories, read_categories),
  };
  detail::read_object(node, path, fields);
}

void check_effective_range(const Policy& policy) {
  if (policy.effective_to && *policy.effective_to < policy.effective_from) {
    fail("bad_date", "effective_to",
         "The policy ends (" + policy.effective_to->to_string() + ") before it starts (" +
             policy.effective_from.to_string() + ").");
  }
}

Policy read_policy(const JsonNode& root) {
  detail::expect_type(root, Type::object, "", "an object");
  check_format(root);
  const Context context = read_context(root);
  Policy p;
  std::string description;  // for people and the hash only
  const auto read_policy_id = [](auto& n, auto& at) { return read_id(n, at, true); };
  const auto read_categories = [](auto& n, auto& at) { return read_category_list(n, at, nullptr); };
  const auto read_layers_here = [&context](auto& n, auto& at) {
    return read_layers(n, at, context);
  };
  const std::vector<Field> fields = {
      Field{"format", true, [](auto&, auto&) {}},  // checked first, above
      required_field("id", p.id, read_policy_id),
      required_field("name", p.name, detail::read_nonempty_string),
      optional_field("description", description, detail::read_string),
      required_field("effective_from", p.effective_from, detail::read_date),
      optional_field("effective_to", p.effective_to, detail::read_date_or_null),
      required_field("rounding", p.rounding, read_rounding),
      required_field("categories", p.categories, read_categories),
      Field{"items", true, [&p](auto& n, auto& at) { read_items(n, at, p); }},
      Field{"audit", true,
            [&p, &context](auto& n, auto& at) { read_audit(n, at, context, p.audit); }},
      required_field("layers", p.layers, read_layers_here),
  };
  detail::read_object(root, "", fields);
  check_effective_range(p);
  return p;
}

// The one JSON reader, with the policy loader's wording of its errors.
Result<codec::JsonDocument> parse_document(std::string_view json_text) {
  auto doc = codec::parse_json(json_text);
  if (doc) return doc;
  const Error& e = doc.error();
  if (e.code == "duplicate_key") {
    return Error{"duplicate_key", e.field,
                 "This key appears twice in the same object; a key may appear only once."};
  }
  return Error{"malformed_json", "", "The text is not valid JSON: " + e.message + "."};
}

Result<std::string> read_file(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return Error{"file_error", "",
                 path + ": not a readable regular file" + (ec ? " (" + ec.message() + ")." : ".")};
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Error{"file_error", "", path + ": cannot be opened (" + std::strerror(errno) + ")."};
  }
  // One byte more than the limit, so parse_policy can tell an oversized file.
  std::string text(limits::kPolicyFileBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (in.bad()) return Error{"file_error", "", path + ": the read failed."};
  text.resize(static_cast<std::size_t>(in.gcount()));
  return text;
}

}  // namespace

Result<Policy> parse_policy(std::string_view json_text) {
  if (json_text.size() > limits::kPolicyFileBytes) {
    return Error{
        "too_large", "",
        "The policy is larger than " + std::to_string(limits::kPolicyFileBytes) + " bytes."};
  }
  auto tree = parse_document(json_text);
  if (!tree) return tree.error();
  try {
    Policy policy = read_policy(**tree);
    policy.text = codec::canonical_json(**tree);
    policy.sha256 = codec::sha256_hex(policy.text);
    return policy;
  } catch (const detail::Failure& failure) {
    return failure.error();
  }
}

Result<Policy> load_policy_file(const std::string& path) {
  auto text = read_file(path);
  if (!text) return text.error();
  auto policy = parse_policy(text.value());
  if (!policy) {
    Error error = policy.error();
    error.message = path + ": " + error.message;
    return error;
  }
  return policy;
}

Result<std::string> canonical_form(std::string_view json_text) {
  auto tree = parse_document(json_text);
  if (!tree) return tree.error();
  return codec::canonical_json(**tree);
}

}  // namespace onestop::policy
