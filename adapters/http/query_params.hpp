// The query string of a request, read strictly: an unknown or repeated parameter is refused
// (a typo must not silently widen a report), and each value is checked where it is read.
#pragma once

#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/date.hpp"
#include "engine/error.hpp"

namespace onestop::http {

class QueryParams {
 public:
  // The parameters of `query`; bad_query naming the parameter when one is not in `known` or
  // appears twice.
  static Result<QueryParams> read(const std::vector<std::pair<std::string, std::string>>& query,
                                  std::initializer_list<std::string_view> known);

  // The value of `name`, or nullopt when absent.
  std::optional<std::string> text(const std::string& name) const;
  // A required "YYYY-MM-DD"; bad_query naming it otherwise.
  Result<Date> date(const std::string& name) const;
  // A required four-digit year; bad_query naming it otherwise.
  Result<int> year(const std::string& name) const;
  // One of `allowed`, or `fallback` when absent; bad_query otherwise.
  Result<std::string> choice(const std::string& name, std::initializer_list<std::string_view> allowed,
                             std::string fallback) const;

 private:
  std::map<std::string, std::string, std::less<>> values_;
};

}  // namespace onestop::http
