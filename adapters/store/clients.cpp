// What every engine's clients share: the roles and the rule for a client's name (clients.hpp).
#include "adapters/store/clients.hpp"

#include <array>
#include <cctype>

namespace onestop::store {
namespace {

constexpr std::size_t kNameMax = 32;

constexpr std::array<std::string_view, 4> kRoleNames = {"hospital", "reconciler", "auditor",
                                                        "admin"};

}  // namespace

std::string_view role_name(Role role) { return kRoleNames.at(static_cast<std::size_t>(role)); }

std::optional<Role> parse_role(std::string_view text) {
  for (std::size_t i = 0; i < kRoleNames.size(); ++i) {
    if (kRoleNames[i] == text) return static_cast<Role>(i);
  }
  return std::nullopt;
}

std::optional<Error> check_client_name(std::string_view name) {
  const bool ok =
      !name.empty() && name.size() <= kNameMax &&
      name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789._-") == std::string::npos &&
      std::isalnum(static_cast<unsigned char>(name.front())) != 0;
  if (ok) return std::nullopt;
  return Error{"bad_client_name", "name",
               "a client name is 1 to 32 of a-z, 0-9, '.', '_', '-', starting with a letter or "
               "digit"};
}

std::optional<Error> check_new_client(std::string_view name, Role role,
                                      const std::string& hospital_id) {
  if (auto e = check_client_name(name)) return e;
  if (role == Role::hospital && hospital_id.empty()) {
    return Error{"hospital_required", "hospital", "a hospital client names its hospital"};
  }
  if (role != Role::hospital && !hospital_id.empty()) {
    return Error{"hospital_not_allowed", "hospital",
                 "only a client of role hospital names a hospital"};
  }
  return std::nullopt;
}

}  // namespace onestop::store
