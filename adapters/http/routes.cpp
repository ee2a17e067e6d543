#include "adapters/http/routes.hpp"

#include <algorithm>
#include <optional>

namespace onestop::http {
namespace {

// "/a/b/" → {"a", "b", ""}: the segments after the leading '/'.
std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> segments;
  std::size_t start = 1;  // skip the leading '/'
  while (start <= path.size()) {
    const std::size_t end = std::min(path.find('/', start), path.size());
    segments.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return segments;
}

// The parameters of `path` under `pattern`, or nullopt when it does not match.
std::optional<std::vector<std::string>> match_template(std::string_view pattern,
                                                       std::string_view path) {
  if (path.empty() || path.front() != '/') return std::nullopt;
  const auto want = split_path(pattern);
  const auto got = split_path(path);
  if (want.size() != got.size()) return std::nullopt;
  std::vector<std::string> params;
  for (std::size_t i = 0; i < want.size(); ++i) {
    const bool is_param = want[i].size() > 2 && want[i].front() == '{' && want[i].back() == '}';
    if (is_param) {
      if (got[i].empty()) return std::nullopt;
      params.emplace_back(got[i]);
    } else if (want[i] != got[i]) {
      return std::nullopt;
    }
  }
  return params;
}

}  // namespace

const std::vector<Route>& route_table() {
  using store::Role;
  constexpr Roles kHospital{Role::hospital};
  constexpr Roles kBillReaders{Role::hospital, Role::auditor};  // hospitals: their own bills
  constexpr Roles kReconciliation{Role::reconciler, Role::auditor};
  constexpr Roles kAuditor{Role::auditor};
  constexpr Roles kAdmin{Role::admin};
  static const std::vector<Route> routes = {
      {"POST", "/v1/settlements/trial", Operation::trial, kHospital},
      {"POST", "/v1/settlements", Operation::settle, kHospital},
      {"GET", "/v1/settlements/{id}", Operation::get_settlement, kBillReaders},
      {"POST", "/v1/settlements/{id}/cancel", Operation::cancel, kHospital},
      {"GET", "/v1/settlements/{id}/slip", Operation::slip, kBillReaders},
      {"GET", "/v1/patients/{patient_id}/ledger", Operation::patient_ledger, kAuditor},
      {"POST", "/v1/admissions/check", Operation::admission_check, kHospital},
      {"GET", "/v1/reconciliation/totals", Operation::reconciliation_totals, kReconciliation},
      {"GET", "/v1/reconciliation/details", Operation::reconciliation_details, kReconciliation},
      {"GET", "/v1/audit/patients/{patient_id}", Operation::audit_patient, kAuditor},
      {"PUT", "/v1/roster", Operation::roster_import, kAdmin},
      {"PUT", "/v1/roster/certifications", Operation::certifications_import, kAdmin},
      {"GET", "/healthz", Operation::healthz, Roles{}, /*open=*/true},
      {"GET", "/metrics", Operation::metrics, Roles::all()},
      {"POST", "/v1/echo", Operation::echo, Roles::all()},
  };
  return routes;
}

RouteMatch match_route(std::string_view method, std::string_view path) {
  RouteMatch out;
  for (const Route& route : route_table()) {
    auto params = match_template(route.path, path);
    if (!params) continue;
    if (route.method == method) {
      out.route = &route;
      out.params = std::move(*params);
      out.allowed.clear();
      return out;
    }
    const std::string m(route.method);
    if (std::find(out.allowed.begin(), out.allowed.end(), m) == out.allowed.end()) {
      out.allowed.push_back(m);
    }
  }
  return out;
}

}  // namespace onestop::http
