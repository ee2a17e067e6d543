// libFuzzer target for the national interface's envelope (issue 12): national::JsonDocument
// over arbitrary bytes, then read_envelope, the canonical fingerprint, and every reader of
// fields.hpp over every member of every input node (str, amount, scaled, count, date,
// datetime). Beyond not crashing: the canonical form of a document parses again to the same
// canonical form, an amount read is within the N(16,2) range, and an envelope that reads has
// its required fields non-empty.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "adapters/national/fields.hpp"
#include "adapters/national/gateway.hpp"
#include "adapters/national/json_doc.hpp"

namespace {

constexpr std::size_t kMaxInputBytes = 1 << 20;

using onestop::national::FieldReader;
using onestop::national::JsonValue;
using onestop::national::Req;

void check(bool ok) {
  if (!ok) std::abort();
}

// Every reader on every member of `node` (an input node or an element of an input array).
void read_node(const JsonValue* node, const std::string& path) {
  if (node == nullptr || node->type != JsonValue::Type::object) return;
  for (const auto& m : node->members) {
    FieldReader r(node, path);
    r.str(m.key, 50, Req::yes);
    FieldReader a(node, path);
    const onestop::Money amount = a.amount(m.key, Req::yes, true);
    if (!a.error()) check(amount.fen() < onestop::Int128(100'000'000'000'000'000LL));
    FieldReader s(node, path);
    s.scaled(m.key, 6, Req::no, true);
    FieldReader c(node, path);
    c.count(m.key, Req::no);
    FieldReader d(node, path);
    d.date(m.key, Req::no);
    d.datetime(m.key, Req::no);
    FieldReader o(node, path);
    o.object(m.key, Req::no);
    o.array(m.key, Req::no, 2000);
    if (m.value->type == JsonValue::Type::array) {
      for (std::size_t i = 0; i < m.value->elements.size() && i < 64; ++i) {
        read_node(m.value->elements[i], path + "." + m.key + "[" + std::to_string(i) + "]");
      }
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > kMaxInputBytes) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto doc = onestop::national::JsonDocument::parse(text);
  if (!doc) return 0;
  const std::string canonical = onestop::national::canonical_json(doc->root());
  auto again = onestop::national::JsonDocument::parse(canonical);
  check(again.ok());
  check(onestop::national::canonical_json(again->root()) == canonical);
  auto env = onestop::national::read_envelope(doc->root());
  if (!env) {
    check(!env.error().message.empty());
    return 0;
  }
  check(!env->infno.empty() && !env->msgid.empty() && env->input != nullptr);
  check(env->input_sha256.size() == 64);
  for (const auto& m : env->input->members) {
    read_node(m.value, "input." + m.key);
    if (m.value->type == JsonValue::Type::array) {
      for (std::size_t i = 0; i < m.value->elements.size() && i < 64; ++i) {
        read_node(m.value->elements[i], "input." + m.key + "[" + std::to_string(i) + "]");
      }
    }
  }
  return 0;
}
