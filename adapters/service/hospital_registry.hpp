// The hospital registry (定点医疗机构): which hospitals may settle through OneStop, with the level
// and region flag the engine needs. Loaded from config/hospitals.json (format
// "onestop-hospitals/1"); a hospital's request names only its id, the registry supplies the rest.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "engine/claim.hpp"
#include "engine/error.hpp"

namespace onestop::service {

inline constexpr std::string_view kHospitalsFormat = "onestop-hospitals/1";
inline constexpr std::size_t kHospitalsMax = 10'000;
inline constexpr std::size_t kHospitalNameBytes = 200;
inline constexpr std::size_t kNationalCodeBytes = 30;  // fixmedins_code C 30

struct Hospital {
  std::string id;
  std::string name;  // for people and the slip, e.g. "湘潭市第三人民医院"
  Level level = Level::primary;
  bool in_region = true;    // designated within the pooling area (县域内)
  bool designated = false;  // designated for one-stop settlement
  // The national fixed-point institution code (fixmedins_code, e.g. "H43030200001") its HIS
  // sends on the national interface (issue 12); "" = none: it cannot use that interface.
  std::string national_code;
};

class HospitalRegistry {
 public:
  // Parses a registry document:
  //   {"format": "onestop-hospitals/1",
  //    "hospitals": [{"id", "name", "level", "in_region", "designated", "national_code"?}, ...]}
  // Every key but national_code is required and no other key is accepted. Errors carry the
  // JSON path ("hospitals[2].level"): the codec's parse and reader codes, bad_format,
  // unknown_level, duplicate_id (the second occurrence).
  static Result<HospitalRegistry> parse(std::string_view json_text);

  // Reads and parses the file; file_error when it cannot be read. Messages start with the path.
  static Result<HospitalRegistry> load_file(const std::string& path);

  // Builds a registry from hospitals already made (tests); duplicate_id as above.
  static Result<HospitalRegistry> from_hospitals(std::vector<Hospital> hospitals);

  // The hospital with this id, or nullptr.
  const Hospital* find(std::string_view id) const;
  // The hospital with this national code (never matches ""), or nullptr.
  const Hospital* find_national(std::string_view national_code) const;
  const std::vector<Hospital>& all() const { return hospitals_; }

 private:
  std::vector<Hospital> hospitals_;  // in file order; few enough for a linear search
};

}  // namespace onestop::service
