// libFuzzer target for the claim codec (issue 5): codec::decode_claim over arbitrary bytes.
// Bad input must come back as an Error value, never as an exception or a crash; a claim that
// decodes must survive the canonical round trip: encode, decode again, encode again, and both
// encodings are the same bytes (the ledger hashes that text, so it must be a fixed point).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "adapters/codec/claim_codec.hpp"
#include "engine/limits.hpp"

namespace {

// Inputs beyond this are not interesting to the parser's logic and only slow the search.
constexpr std::size_t kMaxInputBytes = 1 << 20;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > kMaxInputBytes) return -1;  // -1: not added to the corpus
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  // Never throws, whatever the bytes; the result is only needed to exercise the scanner.
  const std::string bill_no = onestop::codec::peek_bill_no(text);
  if (bill_no.size() > onestop::limits::kIdLength) __builtin_trap();

  const auto claim = onestop::codec::decode_claim(text);
  if (!claim) return 0;

  const std::string canonical = onestop::codec::encode_claim(*claim);
  const auto again = onestop::codec::decode_claim(canonical);
  if (!again) __builtin_trap();  // the canonical text of a valid claim must decode
  if (onestop::codec::encode_claim(*again) != canonical) __builtin_trap();
  // The canonical text is its own canonical form, and peek_bill_no finds its bill number.
  if (onestop::codec::peek_bill_no(canonical) != claim->bill_no) __builtin_trap();
  // The hospital's form drops only registry fields; it must be a well-formed encoding too.
  if (onestop::codec::encode_hospital_request(*claim).empty()) __builtin_trap();
  return 0;
}
