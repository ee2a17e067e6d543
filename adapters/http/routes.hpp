// The route table of the HTTP API: the one list the server dispatches on and the OpenAPI test
// compares with adapters/http/openapi.json.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/store/clients.hpp"

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
  roster_import,
  certifications_import,
  healthz,
  metrics,
  echo,
};

// The roles allowed on a route, as a set of bits.
class Roles {
 public:
  constexpr Roles(std::initializer_list<store::Role> roles) {
    for (store::Role r : roles) bits_ |= bit(r);
  }
  // Every role: any authenticated client.
  static constexpr Roles all() {
    return {store::Role::hospital, store::Role::reconciler, store::Role::auditor,
            store::Role::admin};
  }
  constexpr bool allows(store::Role r) const { return (bits_ & bit(r)) != 0; }

 private:
  static constexpr std::uint8_t bit(store::Role r) {
    return static_cast<std::uint8_t>(1u << static_cast<unsigned>(r));
  }
  std::uint8_t bits_ = 0;
};

// A path template: literal segments and "{name}" parameters, each matching one non-empty
// segment. An open route is served without credentials (liveness only); every other route
// needs a key of one of `roles`.
struct Route {
  std::string_view method;
  std::string_view path;
  Operation op;
  Roles roles;
  bool open = false;
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
