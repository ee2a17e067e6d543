#include "adapters/store/seal.hpp"

#include <algorithm>
#include <charconv>
#include <string_view>
#include <utility>

#include "adapters/codec/digest.hpp"
#include "adapters/codec/json_reader.hpp"
#include "adapters/codec/json_util.hpp"

namespace onestop::store {
namespace {

constexpr std::string_view kCanonicalSeal = "onestop-seal/1";

// One length-prefixed field, as canonical_record() writes them.
void put(std::string& out, std::string_view field) {
  out += std::to_string(field.size());
  out += ':';
  out += field;
}

Error unreadable(const std::string& why) { return Error{"seal_unreadable", "heads", why}; }

}  // namespace

std::string seal_heads(std::vector<SealEntry> entries) {
  std::sort(entries.begin(), entries.end(),
            [](const SealEntry& a, const SealEntry& b) { return a.chain < b.chain; });
  std::string out = "[";
  for (const auto& e : entries) {
    if (out.size() > 1) out += ',';
    out += '[';
    codec::append_json_string(out, e.chain);
    out += ',' + std::to_string(e.seq) + ',';
    codec::append_json_string(out, e.hash);
    out += ']';
  }
  return out + "]";
}

Result<std::vector<SealEntry>> read_seal_heads(const std::string& heads) {
  auto doc = codec::parse_json(heads);
  if (!doc) return unreadable(doc.error().message);
  using Type = codec::JsonNode::Type;
  if (doc->root().type != Type::array) return unreadable("not a JSON array");
  std::vector<SealEntry> entries;
  for (const codec::JsonNode& e : doc->root().elements()) {
    const std::string at = "entry " + std::to_string(entries.size());
    if (e.type != Type::array || e.size() != 3 || e.elements()[0].type != Type::string ||
        e.elements()[1].type != Type::number || e.elements()[2].type != Type::string) {
      return unreadable(at + " is not [chain, seq, hash]");
    }
    SealEntry entry{std::string(e.elements()[0].text), 0, std::string(e.elements()[2].text)};
    const std::string_view seq = e.elements()[1].text;
    if (std::from_chars(seq.data(), seq.data() + seq.size(), entry.seq).ptr !=
            seq.data() + seq.size() ||
        entry.seq < 1) {
      return unreadable(at + ": seq " + std::string(seq) + " is not a positive integer");
    }
    if (!entries.empty() && !(entries.back().chain < entry.chain)) {
      return unreadable(at + ": chains are not in ascending order");
    }
    entries.push_back(std::move(entry));
  }
  return entries;
}

std::string seal_hash(const Seal& seal) {
  std::string canonical;
  put(canonical, kCanonicalSeal);
  put(canonical, std::to_string(seal.id));
  put(canonical, seal.sealed_at);
  put(canonical, seal.heads);
  return codec::Sha256().update(seal.prev_hash).update(canonical).hex();
}

Seal next_seal(const Seal& previous, std::string sealed_at, std::vector<SealEntry> entries) {
  Seal seal{
      previous.id + 1, std::move(sealed_at), seal_heads(std::move(entries)), previous.hash, {}};
  seal.hash = seal_hash(seal);
  return seal;
}

}  // namespace onestop::store
