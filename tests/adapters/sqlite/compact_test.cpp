// Known answers for the compact ledger's formats (issue 10): the canonical record and chain hash
// of formats 2 and 3, a seal's hash, the cancellation document, and the compact body, pinned as
// literal bytes worked out from the formats' descriptions (the hashes by sha256sum), so that a
// change of any format cannot pass unseen. Then the body read back, and a corrupt body refused.
#include "adapters/store/compact.hpp"

#include <gtest/gtest.h>

#include "adapters/sqlite/db.hpp"
#include "adapters/store/seal.hpp"
#include "ledger_fixtures.hpp"

namespace onestop {
namespace {

using namespace onestop::testing;  // NOLINT(google-build-using-namespace)

Money fen(std::int64_t f) { return Money::from_fen(f); }

// A small settlement record with every field set.
store::StoredRecord settlement() {
  store::StoredRecord r;
  r.format = 2;
  r.id = 7;
  r.hospital_id = "H1";
  r.bill_no = "B-1";
  r.patient_id = "P1";
  r.year = 2020;
  r.policy_id = "p";
  r.policy_sha256 = "ab";
  r.request_sha256 = "cd";
  r.claim_json = "{}";
  r.result_json = "not part of a format 2 hash";
  r.recorded_at = "2020-03-12T08:30:00.123Z";
  r.total = fen(1000);
  r.fund_paid = fen(600);
  r.patient_pays = fen(400);
  r.layer_paid = {{"basic", fen(600)}};
  r.layer_fund = {"390100"};
  r.movement.admissions = 1;
  r.movement.layers["basic"] = LayerTotals{fen(600), fen(100), fen(0), fen(0)};
  r.before.admissions = 2;
  r.before.layers["critical"] = LayerTotals{fen(5), fen(0), fen(7), fen(0)};
  r.prev_hash = "00ff";
  return r;
}

// Its cancellation, as the ledger makes it.
store::StoredRecord cancellation() {
  store::StoredRecord r = settlement();
  r.id = 8;
  r.kind = store::RecordKind::cancellation;
  r.cancels = 7;
  r.request_sha256 = "ef";
  r.reason = "dup";
  r.recorded_at = "2020-03-13T00:00:00.000Z";
  r.total = fen(-1000);
  r.fund_paid = fen(-600);
  r.patient_pays = fen(-400);
  r.layer_paid = {{"basic", fen(-600)}};
  r.movement = Accumulators{} - settlement().movement;
  r.before = {};
  r.prev_hash = store::chain_hash(settlement());
  return r;
}

TEST(CompactFormats, CanonicalRecordOfASettlement) {
  EXPECT_EQ(store::canonical_record(settlement()),
            "16:onestop-record/21:710:settlement0:2:H13:B-12:P14:20201:p2:ab2:cd2:{}0:"
            "24:2020-03-12T08:30:00.123Z4:10003:6003:4001:15:basic3:6001:16:390100"
            "1:11:15:basic3:6003:1001:01:0"
            "1:21:18:critical1:51:01:71:0");
  EXPECT_EQ(store::chain_hash(settlement()),
            "558bfe6a69573adb44d75025aa814ecd7950a97122a5c26b80a2a9819fc75f2e");
}

TEST(CompactFormats, CanonicalRecordAndDocumentOfACancellation) {
  EXPECT_EQ(store::canonical_record(cancellation()),
            "16:onestop-record/21:812:cancellation1:72:H13:B-12:P14:20201:p2:ab2:ef2:{}3:dup"
            "24:2020-03-13T00:00:00.000Z5:-10004:-6004:-4001:15:basic4:-6001:16:390100"
            "2:-11:15:basic4:-6004:-1001:01:0"
            "1:01:0");
  EXPECT_EQ(store::chain_hash(cancellation()),
            "4662282d5faf1a1501fcb8bc5e8d6ece3acef42c565e7c0c9e84c72e47496a5c");
  EXPECT_EQ(store::cancellation_json(cancellation()),
            R"({"kind":"cancellation","cancels":7,"hospital_id":"H1","bill_no":"B-1",)"
            R"("patient_id":"P1","year":2020,"policy":{"id":"p","sha256":"ab"},"reason":"dup",)"
            R"("total":"-10.00","fund_paid":"-6.00","patient_pays":"-4.00",)"
            R"("layers":[{"id":"basic","fund":"390100","paid":"-6.00"}],)"
            R"("movement":{"admissions":-1,"layers":{"basic":{"paid":"-6.00",)"
            R"("deductible_charged":"-1.00","base_cumulative":"0.00","patient_share":"0.00"}}}})");
}

// Format 3 (a person chain's record, issue 11): format 2's fields, then its person_seq.
TEST(CompactFormats, CanonicalRecordOfAPersonChainsRecord) {
  store::StoredRecord r = settlement();
  r.format = 3;
  r.person_seq = 3;
  EXPECT_EQ(store::canonical_record(r),
            "16:onestop-record/31:710:settlement0:2:H13:B-12:P14:20201:p2:ab2:cd2:{}0:"
            "24:2020-03-12T08:30:00.123Z4:10003:6003:4001:15:basic3:6001:16:390100"
            "1:11:15:basic3:6003:1001:01:0"
            "1:21:18:critical1:51:01:71:0"
            "1:3");
  EXPECT_EQ(store::chain_hash(r),
            "953304dc6d0c1a396722b5b990b17c1da7baeb9297b36bb428d2513b5fc40885");
}

// A seal: its heads as stored (sorted by chain; "" the old whole-ledger chain) and its hash.
TEST(CompactFormats, SealHeadsAndHash) {
  const std::string heads = store::seal_heads({{"P1", 3, "bb"}, {"", 12, "aa"}});
  EXPECT_EQ(heads, R"([["",12,"aa"],["P1",3,"bb"]])");
  const store::Seal seal =
      store::next_seal(store::Seal{1, "", "", "", "cc"}, "2020-03-12T09:00:00.000Z",
                       {{"P1", 3, "bb"}, {"", 12, "aa"}});
  EXPECT_EQ(seal.id, 2);
  EXPECT_EQ(seal.prev_hash, "cc");
  EXPECT_EQ(seal.heads, heads);
  EXPECT_EQ(seal.hash, "25c6343878d6b581112cbc4944b610bd260b8c75446e77b893c3661ecbb8a001");
  const auto read = store::read_seal_heads(heads);
  ASSERT_TRUE(read) << read.error().message;
  EXPECT_EQ(*read, (std::vector<store::SealEntry>{{"", 12, "aa"}, {"P1", 3, "bb"}}));
  for (const char* bad : {R"({})", R"([["P1",0,"bb"]])", R"([["P2",1,"a"],["P1",1,"b"]])",
                          R"([["P1","3","bb"]])", R"([["P1",1.5,"bb"]])"}) {
    EXPECT_FALSE(store::read_seal_heads(bad)) << bad;
  }
}

// A format 1 record (written before schema 6) keeps the hash it was sealed with: result_json in,
// no `before`.
TEST(CompactFormats, AFormatOneRecordKeepsItsCanonicalForm) {
  store::StoredRecord r = settlement();
  r.format = 1;
  r.before = {};
  EXPECT_EQ(store::canonical_record(r),
            "16:onestop-record/11:710:settlement0:2:H13:B-12:P14:20201:p2:ab2:cd2:{}"
            "27:not part of a format 2 hash0:"
            "24:2020-03-12T08:30:00.123Z4:10003:6003:4001:15:basic3:6001:16:390100"
            "1:11:15:basic3:6003:1001:01:0");
}

Claim small_claim() {
  Claim c;
  c.hospital_id = "H430300001";
  c.bill_no = "ZY-1";
  c.patient_id = "P0001";
  c.category = "poor";
  c.level = Level::city;
  c.in_region = true;
  c.referral = false;
  c.admitted_on = *Date::parse("2020-03-02");
  c.discharged_on = *Date::parse("2020-03-12");
  c.diagnoses = {"J62.8"};
  c.items = {Item{"X1", "床", ItemClass::A, fen(120000), fen(0)},
             Item{"X2", "药", ItemClass::B, fen(35050), fen(2000)}};
  return c;
}

std::string hex(const std::string& bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (const unsigned char b : bytes) {
    out += digits[b >> 4];
    out += digits[b & 15];
  }
  return out;
}

TEST(CompactFormats, BodyBytes) {
  Accumulators before;
  before.admissions = 1;
  before.layers["basic"] = LayerTotals{fen(100), fen(80000), fen(0), fen(0)};
  const Claim c = small_claim();
  EXPECT_EQ(hex(store::encode_body(c, codec::encode_claim(c), before)),
            "01012e04706f6f720201e2903fec903f01054a36322e380202583103e5ba8a0080d30e0002583203e8"
            "8daf01d4a304a01f0201056261736963c80180e2090000");
}

TEST(CompactFormats, BodyReadsBackTheClaimTextAndBefore) {
  Accumulators before;
  before.admissions = 3;
  before.layers["backstop"] = LayerTotals{fen(1), fen(2), fen(3), fen(-4)};
  const Claim c = small_claim();
  const std::string json = codec::encode_claim(c);
  const auto body = store::decode_body(store::encode_body(c, json, before), 1, c.hospital_id,
                                       c.bill_no, c.patient_id);
  EXPECT_EQ(body.claim_json, json);
  EXPECT_EQ(codec::encode_claim(body.claim), json);
  EXPECT_EQ(body.before, before);
}

// Every claim of the shared cases round-trips to its canonical text in the compact form.
TEST(CompactFormats, EveryCaseClaimIsCompact) {
  for (const Claim& c : claims_2020()) {
    const std::string json = codec::encode_claim(c);
    const std::string body = store::encode_body(c, json, {});
    EXPECT_EQ(body[1], 1) << c.bill_no << " is not kept in the compact form";
    EXPECT_EQ(store::decode_body(body, 1, c.hospital_id, c.bill_no, c.patient_id).claim_json, json);
  }
}

// A claim whose canonical text the compact fields cannot reproduce is kept verbatim.
TEST(CompactFormats, AClaimTheFieldsCannotCarryIsKeptAsItsText) {
  const Claim c = small_claim();
  const std::string json = codec::encode_claim(c);
  const std::string body = store::encode_body(c, json + " ", {});
  EXPECT_EQ(body[1], 2);
  EXPECT_EQ(store::decode_body(body, 1, c.hospital_id, c.bill_no, c.patient_id).claim_json,
            json + " ");
}

TEST(CompactFormats, ACorruptBodyIsRefusedNamingTheRecord) {
  const Claim c = small_claim();
  std::string body = store::encode_body(c, codec::encode_claim(c), {});
  for (const std::string& bad :
       {body.substr(0, body.size() - 1), body + "x", std::string("\x07"), std::string()}) {
    try {
      store::decode_body(bad, 42, c.hospital_id, c.bill_no, c.patient_id);
      ADD_FAILURE() << "a corrupt body decoded: " << hex(bad);
    } catch (const store::CorruptBody& e) {
      EXPECT_NE(std::string(e.what()).find("record 42"), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace onestop
