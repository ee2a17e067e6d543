#include "adapters/store/compact.hpp"

#include <cstdint>

#include "adapters/codec/claim_codec.hpp"
#include "adapters/store/ledger.hpp"

namespace onestop::store {
namespace {

constexpr std::uint8_t kVersion = 1;
constexpr std::uint8_t kCompactClaim = 1;
constexpr std::uint8_t kJsonClaim = 2;
constexpr std::uint8_t kInRegion = 1;
constexpr std::uint8_t kReferral = 2;

void put_varint(std::string& out, std::uint64_t v) {
  while (v >= 0x80) {
    out += static_cast<char>((v & 0x7f) | 0x80);
    v >>= 7;
  }
  out += static_cast<char>(v);
}

// Zigzag: small magnitudes of either sign stay short.
void put_signed(std::string& out, std::int64_t v) {
  put_varint(out, (static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63));
}

void put_string(std::string& out, std::string_view s) {
  put_varint(out, s.size());
  out += s;
}

void put_date(std::string& out, const Date& d) {
  put_varint(out, static_cast<std::uint64_t>(d.year()) * 512 + d.month() * 32 + d.day());
}

void put_money(std::string& out, const Money& m) { put_signed(out, m.fen_i64()); }

std::string compact_claim(const Claim& c) {
  std::string out;
  put_string(out, c.category);
  put_varint(out, static_cast<std::uint64_t>(c.level));
  put_varint(out, (c.in_region ? kInRegion : 0) | (c.referral ? kReferral : 0));
  put_date(out, c.admitted_on);
  put_date(out, c.discharged_on);
  put_varint(out, c.diagnoses.size());
  for (const auto& d : c.diagnoses) put_string(out, d);
  put_varint(out, c.items.size());
  for (const auto& item : c.items) {
    put_string(out, item.code);
    put_string(out, item.name);
    put_varint(out, static_cast<std::uint64_t>(item.item_class));
    put_money(out, item.amount);
    put_money(out, item.over_limit);
  }
  return out;
}

void put_accumulators(std::string& out, const Accumulators& a) {
  put_signed(out, a.admissions);
  put_varint(out, a.layers.size());
  for (const auto& [id, t] : a.layers) {
    put_string(out, id);
    for (const Money* m : {&t.paid, &t.deductible_charged, &t.base_cumulative, &t.patient_share}) {
      put_money(out, *m);
    }
  }
}

// Reads a body, throwing CorruptBody naming the record at the first defect.
class Reader {
 public:
  Reader(std::string_view bytes, std::int64_t record_id) : bytes_(bytes), id_(record_id) {}

  std::uint64_t varint() {
    std::uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (at_ >= bytes_.size()) fail("ends inside a number");
      const auto byte = static_cast<std::uint8_t>(bytes_[at_++]);
      v |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
      if ((byte & 0x80) == 0) return v;
    }
    fail("has a number longer than 64 bits");
  }
  std::int64_t signed_value() {
    const std::uint64_t z = varint();
    return static_cast<std::int64_t>((z >> 1) ^ (~(z & 1) + 1));
  }
  std::uint64_t below(std::uint64_t limit, const char* what) {
    const std::uint64_t v = varint();
    if (v >= limit) fail(std::string("has an invalid ") + what);
    return v;
  }
  std::string string() {
    const std::uint64_t n = varint();
    if (n > bytes_.size() - at_) fail("ends inside a string");
    std::string s(bytes_.substr(at_, n));
    at_ += n;
    return s;
  }
  Date date() {
    const std::uint64_t v = varint();
    auto d = Date::from_ymd(static_cast<int>(v / 512), static_cast<int>(v / 32 % 16),
                            static_cast<int>(v % 32));
    if (!d) fail("has an invalid date");
    return *d;
  }
  Money money() { return Money::from_fen(signed_value()); }
  bool done() const { return at_ == bytes_.size(); }
  [[noreturn]] void fail(const std::string& what) const {
    throw CorruptBody("the body of record " + std::to_string(id_) + " " + what);
  }

 private:
  std::string_view bytes_;
  std::size_t at_ = 0;
  std::int64_t id_;
};

void read_claim_fields(Reader& in, Claim& c) {
  c.category = in.string();
  c.level = static_cast<Level>(in.below(kLevelCount, "level"));
  const auto flags = in.below(4, "flag");
  c.in_region = (flags & kInRegion) != 0;
  c.referral = (flags & kReferral) != 0;
  c.admitted_on = in.date();
  c.discharged_on = in.date();
  c.diagnoses.resize(in.below(1'000'000, "diagnosis count"));
  for (auto& d : c.diagnoses) d = in.string();
  c.items.resize(in.below(1'000'000, "item count"));
  for (auto& item : c.items) {
    item.code = in.string();
    item.name = in.string();
    item.item_class = static_cast<ItemClass>(in.below(3, "item class"));
    item.amount = in.money();
    item.over_limit = in.money();
  }
  if (!in.done()) in.fail("has bytes after its claim");
}

Accumulators read_accumulators(Reader& in) {
  Accumulators a;
  a.admissions = static_cast<int>(in.signed_value());
  const std::uint64_t layers = in.below(1'000, "layer count");
  for (std::uint64_t i = 0; i < layers; ++i) {
    const std::string id = in.string();
    LayerTotals t;
    t.paid = in.money();
    t.deductible_charged = in.money();
    t.base_cumulative = in.money();
    t.patient_share = in.money();
    a.layers[id] = t;
  }
  return a;
}

}  // namespace

std::string encode_claim_part(const Claim& claim, const std::string& claim_json) {
  std::string compact = compact_claim(claim);
  Claim back;
  back.hospital_id = claim.hospital_id;
  back.bill_no = claim.bill_no;
  back.patient_id = claim.patient_id;
  Reader reader(compact, 0);
  read_claim_fields(reader, back);
  const bool exact = codec::encode_claim(back) == claim_json;
  std::string out;
  out += static_cast<char>(exact ? kCompactClaim : kJsonClaim);
  put_string(out, exact ? compact : claim_json);
  return out;
}

std::string encode_body(std::string_view claim_part, const Accumulators& before) {
  std::string out;
  out.reserve(1 + claim_part.size() + 64);
  out += static_cast<char>(kVersion);
  out += claim_part;
  put_accumulators(out, before);
  return out;
}

std::string encode_body(const Claim& claim, const std::string& claim_json,
                        const Accumulators& before) {
  return encode_body(encode_claim_part(claim, claim_json), before);
}

Body decode_body(std::string_view body, std::int64_t record_id, const std::string& hospital_id,
                 const std::string& bill_no, const std::string& patient_id, bool claim_text) {
  Reader in(body, record_id);
  if (in.varint() != kVersion) in.fail("has an unknown version");
  const auto form = in.varint();
  const std::string claim = in.string();
  Body out;
  if (form == kCompactClaim) {
    out.claim.hospital_id = hospital_id;
    out.claim.bill_no = bill_no;
    out.claim.patient_id = patient_id;
    Reader fields(claim, record_id);
    read_claim_fields(fields, out.claim);
    if (claim_text) out.claim_json = codec::encode_claim(out.claim);
    out.compact = true;
  } else if (form == kJsonClaim) {
    auto decoded = codec::decode_claim(claim);
    if (!decoded) in.fail("has a claim that does not decode: " + decoded.error().message);
    out.claim = std::move(decoded).value();
    out.claim_json = claim;
  } else {
    in.fail("has an unknown claim form");
  }
  out.before = read_accumulators(in);
  if (!in.done()) in.fail("has bytes after its end");
  return out;
}

std::string stored_claim(const Claim& claim, const std::string& claim_json) {
  return encode_claim_part(claim, claim_json);
}

}  // namespace onestop::store
