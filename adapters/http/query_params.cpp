#include "adapters/http/query_params.hpp"

#include <algorithm>
#include <charconv>

namespace onestop::http {
namespace {

Error bad_query(const std::string& name, std::string message) {
  return Error{"bad_query", name, std::move(message)};
}

}  // namespace

Result<QueryParams> QueryParams::read(
    const std::vector<std::pair<std::string, std::string>>& query,
    std::initializer_list<std::string_view> known) {
  QueryParams params;
  for (const auto& [name, value] : query) {
    if (std::find(known.begin(), known.end(), name) == known.end()) {
      std::string list;
      for (const auto k : known) list += (list.empty() ? "" : ", ") + std::string(k);
      return bad_query(name, "unknown query parameter; this route reads " + list);
    }
    if (!params.values_.emplace(name, value).second) {
      return bad_query(name, "the parameter is given twice");
    }
  }
  return params;
}

std::optional<std::string> QueryParams::text(const std::string& name) const {
  const auto it = values_.find(name);
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

Result<Date> QueryParams::date(const std::string& name) const {
  const auto value = text(name);
  if (!value) return bad_query(name, "required: a date as ?" + name + "=YYYY-MM-DD");
  const auto d = Date::parse(*value);
  if (!d) return bad_query(name, "not a date YYYY-MM-DD: '" + *value + "'");
  return *d;
}

Result<int> QueryParams::year(const std::string& name) const {
  const auto value = text(name);
  int year = 0;
  if (!value || value->size() != 4 ||
      std::from_chars(value->data(), value->data() + 4, year).ptr != value->data() + 4) {
    return bad_query(name, "give the policy year as ?" + name + "=YYYY");
  }
  return year;
}

Result<std::string> QueryParams::choice(const std::string& name,
                                        std::initializer_list<std::string_view> allowed,
                                        std::string fallback) const {
  const auto value = text(name);
  if (!value) return fallback;
  if (std::find(allowed.begin(), allowed.end(), *value) != allowed.end()) return *value;
  std::string list;
  for (const auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
  return bad_query(name, "expected one of " + list);
}

}  // namespace onestop::http
