// libFuzzer target for the reconciliation statement CSV (issue 5): reports::parse_statement_csv
// over arbitrary bytes. Beyond not throwing or crashing, the parse must keep the promises of
// reconcile.hpp: errors in line order and capped at kMaxStatementErrors, more_errors only at the
// cap, and, when there are no errors, every bill has sound ids, a non-negative amount and a key
// no other bill has, in file order.
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <utility>

#include "adapters/reports/reconcile.hpp"
#include "engine/limits.hpp"

namespace {

constexpr std::size_t kMaxInputBytes = 1 << 20;

bool sound_id(const std::string& id) {
  return !id.empty() && id.size() <= onestop::limits::kIdLength && id.front() != ' ' &&
         id.back() != ' ';
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > kMaxInputBytes) return -1;  // -1: not added to the corpus
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto parse = onestop::reports::parse_statement_csv(text);

  const auto& errors = parse.errors;
  if (errors.size() > onestop::reports::kMaxStatementErrors) __builtin_trap();
  if (parse.more_errors && errors.size() != onestop::reports::kMaxStatementErrors) {
    __builtin_trap();
  }
  for (std::size_t i = 0; i < errors.size(); ++i) {
    if (errors[i].line == 0 || errors[i].column_name.empty()) __builtin_trap();
    if (i > 0 && errors[i].line < errors[i - 1].line) __builtin_trap();
    if (onestop::reports::to_string(errors[i]).empty()) __builtin_trap();
  }

  // The bills are promised sound only when there are no errors: once the cap is reached,
  // defects are no longer recorded, so the bill being read then may still be in `lines`.
  if (!errors.empty()) return 0;
  std::set<std::pair<std::string, std::string>> keys;
  std::size_t previous_line = 0;
  for (const auto& bill : parse.lines) {
    if (bill.line <= previous_line) __builtin_trap();  // in file order, one bill per line
    previous_line = bill.line;
    if (!sound_id(bill.hospital_id) || !sound_id(bill.bill_no)) __builtin_trap();
    if (bill.amount.is_negative()) __builtin_trap();
    if (!keys.emplace(bill.hospital_id, bill.bill_no).second) __builtin_trap();
  }
  return 0;
}
