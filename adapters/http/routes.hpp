// The route table of the HTTP API: the one list the server dispatches on and the OpenAPI test
// compares with adapters/http/openapi.json.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace onestop::http {

enum class Operation {
  trial,
  settle,
  get_settlement,
  cancel,
  slip,
  patient_ledger,
  admission_check,
  reconciliation_totals,
  reconciliation_details,
  audit_patient,
  healthz,
  metrics,
  echo,
};

// A path template: literal segments and "{name}" parameters, each matching one non-empty
// segment.
struct Route {
  std::string_view method;
  std::string_view path;
  Operation op;
};

// Every route served, literal paths before templates that would also match them.
const std::vector<Route>& route_table();

struct RouteMatch {
  const Route* route = nullptr;      // nullptr: no route for this method and path
  std::vector<std::string> params;   // the parameters' values, in path order
  std::vector<std::string> allowed;  // no route, but the path exists: its methods (405)
};

// The route for `method` and the (already percent-decoded) `path`.
RouteMatch match_route(std::string_view method, std::string_view path);

}  // namespace onestop::http
