#include "adapters/store/national_store.hpp"

namespace onestop::national {
namespace {

bool allowed(const std::string& from, const std::string& to) {
  return (from == "admitted" && (to == "discharged" || to == "cancelled")) ||
         (from == "discharged" && (to == "admitted" || to == "settled")) ||
         (from == "settled" && to == "discharged");
}

}  // namespace

Error open_admission(const std::string& psn_no) {
  return Error{
      "duplicate", "psn_no",
      "psn_no: 该人员已有在院登记 (" + psn_no + " has an open admission at this hospital)"};
}

std::optional<Error> check_visit_change(const std::string& state, int settle_seq,
                                        std::int64_t lines, const Change& change) {
  const Error changed{"visit_changed", "mdtrt_id",
                      "mdtrt_id: 就诊信息已被另一笔交易更新，请重新发送 (visit " + change.mdtrt_id +
                          " is " + state +
                          " now, changed by another message: send this one again)"};
  const bool open = state == "admitted" || state == "discharged";
  if ((!change.add_lines.empty() || !change.remove_lines.empty() || change.remove_all_lines) &&
      !open) {
    return changed;
  }
  if (!change.update_visit) return std::nullopt;
  const Visit& to = *change.update_visit;
  if (!allowed(state, to.state)) return changed;
  if (to.settle_seq != settle_seq + (to.state == "settled" ? 1 : 0)) return changed;
  if (to.state == "cancelled" && lines > 0) return changed;
  return std::nullopt;
}

}  // namespace onestop::national
