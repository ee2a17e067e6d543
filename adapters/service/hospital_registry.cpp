#include "adapters/service/hospital_registry.hpp"

#include <fstream>
#include <sstream>
#include <unordered_map>
#include <utility>

#include "adapters/codec/claim_codec.hpp"
#include "adapters/codec/json_util.hpp"
#include "engine/limits.hpp"

namespace onestop::service {
namespace {

using Array = codec::JsonNode;
using Object = codec::JsonNode;

constexpr std::size_t kRegistryFileBytes = 4 << 20;

// Moves a reader's value into `out`, or hands back its error.
template <typename T>
std::optional<Error> assign(Result<T> read, T& out) {
  if (!read) return read.error();
  out = std::move(read).value();
  return std::nullopt;
}

// One element of "hospitals" at `path`.
Result<Hospital> read_hospital(const Object& obj, const std::string& path) {
  if (auto e = codec::check_known_keys(
          obj, path, {"id", "name", "level", "in_region", "designated", "national_code"})) {
    return *e;
  }
  Hospital h;
  if (auto e = assign(codec::read_id(obj, path, "id"), h.id)) return *e;
  if (auto e = assign(codec::read_string(obj, path, "name", {kHospitalNameBytes, false}), h.name)) {
    return *e;
  }
  std::string level;
  if (auto e = assign(codec::read_string(obj, path, "level", {limits::kIdLength, false}), level)) {
    return *e;
  }
  const auto parsed = parse_level(level);
  if (!parsed) {
    return Error{"unknown_level", codec::field_path(path, "level"),
                 "expected primary, county, city, province or out_of_province"};
  }
  h.level = *parsed;
  if (auto e = assign(codec::read_bool(obj, path, "in_region"), h.in_region)) return *e;
  if (auto e = assign(codec::read_bool(obj, path, "designated"), h.designated)) return *e;
  if (codec::find_member(obj, "national_code") != nullptr) {
    if (auto e = assign(codec::read_string(obj, path, "national_code", {kNationalCodeBytes, false}),
                        h.national_code)) {
      return *e;
    }
  }
  return h;
}

// The first repeated id, as an error naming its path, or nullopt.
std::optional<Error> check_unique(const std::vector<Hospital>& hospitals) {
  std::unordered_map<std::string_view, std::size_t> seen;
  for (std::size_t i = 0; i < hospitals.size(); ++i) {
    const auto [it, inserted] = seen.emplace(hospitals[i].id, i);
    if (!inserted) {
      return Error{"duplicate_id", "hospitals[" + std::to_string(i) + "].id",
                   "hospital id " + hospitals[i].id + " is already used by hospitals[" +
                       std::to_string(it->second) + "]"};
    }
  }
  return std::nullopt;
}

}  // namespace

Result<HospitalRegistry> HospitalRegistry::parse(std::string_view json_text) {
  auto doc = codec::parse_object(json_text);
  if (!doc) return doc.error();
  const Object& root = **doc;
  if (auto e = codec::check_known_keys(root, "", {"format", "hospitals"})) return *e;
  std::string format;
  if (auto e = assign(codec::read_string(root, "", "format", {64, false}), format)) return *e;
  if (format != kHospitalsFormat) {
    return Error{"bad_format", "format", "expected \"" + std::string(kHospitalsFormat) + "\""};
  }
  Array::Ptr array = nullptr;
  if (auto e = assign(codec::read_array(root, "", "hospitals", 1, kHospitalsMax), array)) {
    return *e;
  }
  std::vector<Hospital> hospitals;
  for (std::size_t i = 0; i < array->size(); ++i) {
    const std::string path = codec::element_path("", "hospitals", i);
    Object::Ptr element = nullptr;
    if (auto e = assign(codec::element_object(*array, i, path), element)) return *e;
    auto h = read_hospital(*element, path);
    if (!h) return h.error();
    hospitals.push_back(std::move(h).value());
  }
  return from_hospitals(std::move(hospitals));
}

Result<HospitalRegistry> HospitalRegistry::load_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{"file_error", "", path + ": cannot read the hospital registry"};
  std::ostringstream text;
  text << in.rdbuf();
  if (text.str().size() > kRegistryFileBytes) {
    return Error{"too_large", "",
                 path + ": larger than " + std::to_string(kRegistryFileBytes) + " bytes"};
  }
  auto registry = parse(text.str());
  if (!registry) {
    Error e = registry.error();
    e.message = path + ": " + (e.field.empty() ? "" : e.field + ": ") + e.message;
    return e;
  }
  return registry;
}

Result<HospitalRegistry> HospitalRegistry::from_hospitals(std::vector<Hospital> hospitals) {
  if (auto e = check_unique(hospitals)) return *e;
  HospitalRegistry registry;
  registry.hospitals_ = std::move(hospitals);
  return registry;
}

const Hospital* HospitalRegistry::find(std::string_view id) const {
  for (const Hospital& h : hospitals_) {
    if (h.id == id) return &h;
  }
  return nullptr;
}

const Hospital* HospitalRegistry::find_national(std::string_view national_code) const {
  if (national_code.empty()) return nullptr;
  for (const Hospital& h : hospitals_) {
    if (h.national_code == national_code) return &h;
  }
  return nullptr;
}

}  // namespace onestop::service
