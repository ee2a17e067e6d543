// The medical-insurance catalogue (issue 12): loading with every defect located, exact pricing,
// the version in force on the fee date, and catalogue-priced items in the native API.
#include "adapters/catalogue/catalogue.hpp"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "adapters/codec/claim_codec.hpp"
#include "adapters/service/catalogue_items.hpp"
#include "service_fixture.hpp"
#include "support/fixtures.hpp"

namespace onestop {
namespace {

using catalogue::Catalogue;

constexpr const char* kHeader =
    "code,name,class,item_type,price_cap,self_pay_ratio,valid_from,valid_to\n";

Int128 scaled(const char* text, int scale) { return *catalogue::parse_scaled(text, scale); }

Catalogue sample() {
  auto c = Catalogue::load_dir(testing::source_path("config/catalogue"));
  if (!c) throw std::runtime_error(c.error().message);
  return std::move(c).value();
}

TEST(CatalogueDecimals, ParsesExactlyAndRefusesWhatIsNotADecimal) {
  EXPECT_EQ(catalogue::parse_scaled("12.5", 4), Int128(125000));
  EXPECT_EQ(catalogue::parse_scaled("-20.0", 4), Int128(-200000));
  EXPECT_EQ(catalogue::parse_scaled("0.000001", 6), Int128(1));
  for (const char* bad :
       {"", "1.", ".5", "1e3", "+1", " 1", "1.0000001", "abc", "1,5", "123456789012"}) {
    EXPECT_FALSE(catalogue::parse_scaled(bad, 6)) << bad;
  }
  EXPECT_EQ(catalogue::format_scaled(Int128(1234500), 6, 4), "1.2345");
  EXPECT_EQ(catalogue::format_scaled(Int128(-5), 2, 2), "-0.05");
  EXPECT_EQ(catalogue::format_scaled(Int128(0), 6, 6), "0.000000");
}

TEST(CatalogueLoad, TheShippedCatalogueLoadsWithAHash) {
  const Catalogue c = sample();
  EXPECT_EQ(c.versions().size(), 2u);
  EXPECT_EQ(c.sha256().size(), 64u);
  EXPECT_EQ(c.size(), 20u);
}

TEST(CatalogueLoad, EveryDefectIsReportedWithFileLineAndColumn) {
  const std::string bad = std::string(kHeader) +
                          "A1,床位费,A,01,30.00,,2020-01-01,\n"   // line 2: sound
                          "A2,药,X,09,,,2020-01-01,\n"            // line 3: class, col 3
                          "A3,药,A,09,12.1234567,,2020-01-01,\n"  // line 4: cap, col 5
                          "A4,药,A,09,,0.2,2020-01-01,\n"         // line 5: ratio, col 6
                          "A5,药,B,09,,,2020-02-30,\n"            // line 6: date, col 7
                          "A6,药,B,09,,,2020-02-01,2020-01-01\n"  // line 7: to < from, col 8
                          "A7,药,B\n"                             // line 8: fields, col 0
                          "A1,床位费,A,01,,,2020-06-01,\n";       // line 9: overlap
  auto c = Catalogue::from_texts({{"v1.csv", bad}});
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, "bad_catalogue");
  EXPECT_EQ(c.error().field, "v1.csv:3:3");
  const std::string& m = c.error().message;
  EXPECT_NE(m.find("7 defect(s)"), std::string::npos) << m;
  for (const char* where : {"v1.csv:3:3:", "v1.csv:4:5:", "v1.csv:5:6:", "v1.csv:6:7:",
                            "v1.csv:7:8:", "v1.csv:8:0:", "v1.csv:9:1:"}) {
    EXPECT_NE(m.find(where), std::string::npos) << where << " in " << m;
  }
}

TEST(CatalogueLoad, ABadHeaderAndAnOverlapAcrossVersionsAreRefused) {
  auto header = Catalogue::from_texts({{"v1.csv", "code,name,class\nA1,x,A\n"}});
  ASSERT_FALSE(header);
  EXPECT_EQ(header.error().field, "v1.csv:1:1");
  auto overlap = Catalogue::from_texts(
      {{"v1.csv", std::string(kHeader) + "A1,x,A,01,,,2020-01-01,2020-12-31\n"},
       {"v2.csv", std::string(kHeader) + "A1,x,A,01,,,2020-12-31,\n"}});
  ASSERT_FALSE(overlap);
  EXPECT_EQ(overlap.error().field, "v2.csv:2:1");
  auto fine = Catalogue::from_texts(
      {{"v1.csv", std::string(kHeader) + "A1,x,A,01,,,2020-01-01,2020-12-30\n"},
       {"v2.csv", std::string(kHeader) + "A1,x,A,01,,,2020-12-31,\n"}});
  EXPECT_TRUE(fine) << (fine ? "" : fine.error().message);
  auto empty_dir = Catalogue::load_dir(testing::source_path("config/policies"));
  ASSERT_FALSE(empty_dir);
  EXPECT_EQ(empty_dir.error().code, "empty");
}

TEST(CataloguePricing, AmountIsQuantityTimesPriceAndOverLimitIsAboveTheCap) {
  const Catalogue c = sample();
  const Date d2024 = *Date::parse("2024-06-01");
  // 注射用头孢曲松钠: class B, cap 12.00 in the 2020 version. 2.5 × 14.50 = 36.25; over the cap
  // (14.50 − 12.00) × 2.5 = 6.25.
  auto line =
      c.price("XJ01DDA054B002010101445", scaled("2.5", 4), scaled("14.50", 6), d2024, "f", "L1");
  ASSERT_TRUE(line) << line.error().message;
  EXPECT_EQ(line->amount, *Money::parse("36.25"));
  EXPECT_EQ(line->over_limit, *Money::parse("6.25"));
  EXPECT_EQ(line->item.item_class, ItemClass::B);
  EXPECT_FALSE(line->item.self_pay_ratio);
  // An exact product rounded half up once: 3 × 12.345678 = 37.037034 → 37.04.
  auto exact = c.price("001101000010000", scaled("3", 4), scaled("12.345678", 6), d2024, "f", "L2");
  ASSERT_TRUE(exact);
  EXPECT_EQ(exact->amount, *Money::parse("37.04"));
  EXPECT_TRUE(exact->over_limit.is_zero());
  // A refund line: negative quantity, negative amounts.
  auto refund =
      c.price("XJ01DDA054B002010101445", scaled("-1", 4), scaled("14.50", 6), d2024, "f", "L3");
  ASSERT_TRUE(refund);
  EXPECT_EQ(refund->amount, *Money::parse("-14.50"));
  EXPECT_EQ(refund->over_limit, *Money::parse("-2.50"));
}

TEST(CataloguePricing, TheVersionInForceOnTheFeeDateDecides) {
  const Catalogue c = sample();
  const char* code = "XJ01MAL171A001010104025";  // own pay-first share 0.20, then 0.15
  auto old_line =
      c.price(code, scaled("1", 4), scaled("10", 6), *Date::parse("2024-12-31"), "f", "L1");
  auto new_line =
      c.price(code, scaled("1", 4), scaled("10", 6), *Date::parse("2025-01-01"), "f", "L1");
  ASSERT_TRUE(old_line && new_line);
  EXPECT_EQ(old_line->item.self_pay_ratio, Rate::parse("0.2"));
  EXPECT_EQ(new_line->item.self_pay_ratio, Rate::parse("0.15"));
  EXPECT_EQ(old_line->entry->version, "national-2020");
  EXPECT_EQ(new_line->entry->version, "national-2025");
}

TEST(CataloguePricing, AnUnknownCodeIsRefusedNamingTheItem) {
  const Catalogue c = sample();
  auto line = c.price("NOPE", scaled("1", 4), scaled("1", 6), *Date::parse("2024-01-01"),
                      "input.feedetail[2].med_list_codg", "feedetl_sn FD0003");
  ASSERT_FALSE(line);
  EXPECT_EQ(line.error().code, "unknown_catalogue_code");
  EXPECT_EQ(line.error().field, "input.feedetail[2].med_list_codg");
  EXPECT_NE(line.error().message.find("FD0003"), std::string::npos);
}

// The native API: catalogue-priced items settle exactly as the same items declared by hand.
class CatalogueItems : public ::testing::Test {
 protected:
  CatalogueItems() : catalogue_(sample()), world_(options()) {}

  service::ServiceOptions options() {
    service::ServiceOptions o;
    o.catalogue = &catalogue_;
    return o;
  }

  Catalogue catalogue_;
  testing::ServiceWorld world_;
};

constexpr const char* kPricedItems =
    "[{\"code\":\"001102000010000\",\"quantity\":\"10\",\"unit_price\":\"36.00\"},"
    "{\"code\":\"XJ01MAL171A001010104025\",\"quantity\":\"4\",\"unit_price\":\"25.125\"},"
    "{\"code\":\"C08000000000001\",\"name\":\"敷料\",\"quantity\":\"2\","
    "\"unit_price\":\"50\"}]";
// The same by hand: 10 × 36.00 with cap 30.00 → over 60.00; 4 × 25.125 = 100.50 class B with
// its own share 0.2; 2 × 50 = 100.00 class C.
constexpr const char* kDeclaredItems =
    "[{\"code\":\"001102000010000\",\"name\":\"普通病房床位费\",\"class\":\"A\","
    "\"amount\":\"360.00\",\"over_limit\":\"60.00\"},"
    "{\"code\":\"XJ01MAL171A001010104025\",\"name\":\"左氧氟沙星氯化钠注射液\",\"class\":\"B\","
    "\"amount\":\"100.50\",\"self_pay_ratio\":\"0.2\"},"
    "{\"code\":\"C08000000000001\",\"name\":\"敷料\",\"class\":\"C\",\"amount\":\"100.00\"}]";

TEST_F(CatalogueItems, PricedItemsSettleAsTheSameItemsDeclared) {
  const std::string priced = testing::RequestBuilder().bill("C1").with_items(kPricedItems).json();
  const std::string declared =
      testing::RequestBuilder().bill("C1").with_items(kDeclaredItems).json();
  auto a = world_.service().trial(priced);
  auto b = world_.service().trial(declared);
  ASSERT_TRUE(a) << a.error().field << ": " << a.error().message;
  ASSERT_TRUE(b) << b.error().field << ": " << b.error().message;
  EXPECT_EQ(a->result_json, b->result_json);
  EXPECT_EQ(a->settlement.split.total, *Money::parse("560.50"));
  EXPECT_EQ(a->settlement.split.over_limit, *Money::parse("60.00"));
  EXPECT_EQ(a->settlement.split.pre_self_pay, *Money::parse("20.10"));  // 100.50 × 0.2
  EXPECT_EQ(a->settlement.split.out_of_policy, *Money::parse("100.00"));
  // Settled and replayed: the stored request is the priced one.
  auto first = world_.service().settle(priced);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->status, service::WriteStatus::created);
  auto again = world_.service().settle(declared);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, service::WriteStatus::replayed);
}

TEST_F(CatalogueItems, DefectsOfAPricedItemNameItsField) {
  const auto error_of = [&](const std::string& items) {
    auto r = world_.service().trial(testing::RequestBuilder().with_items(items).json());
    return r ? Error{} : r.error();
  };
  Error e = error_of("[{\"code\":\"NOPE\",\"quantity\":\"1\",\"unit_price\":\"1\"}]");
  EXPECT_EQ(e.code, "unknown_catalogue_code");
  EXPECT_EQ(e.field, "items[0].code");
  e = error_of(
      "[{\"code\":\"001101000010000\",\"quantity\":\"1\",\"unit_price\":\"1\","
      "\"class\":\"A\"}]");
  EXPECT_EQ(e.code, "unknown_field");
  EXPECT_EQ(e.field, "items[0].class");
  e = error_of("[{\"code\":\"001101000010000\",\"quantity\":\"0\",\"unit_price\":\"1\"}]");
  EXPECT_EQ(e.code, "bad_quantity");
  EXPECT_EQ(e.field, "items[0].quantity");
  e = error_of("[{\"code\":\"001101000010000\",\"quantity\":\"1\"}]");
  EXPECT_EQ(e.code, "missing_field");
  EXPECT_EQ(e.field, "items[0].unit_price");
  e = error_of(
      "[{\"code\":\"001101000010000\",\"quantity\":\"1\",\"unit_price\":\"1\","
      "\"fee_date\":\"2020-13-01\"}]");
  EXPECT_EQ(e.code, "bad_date");
  EXPECT_EQ(e.field, "items[0].fee_date");
  // Declared items: only class B carries its own share, and at most 1.
  e = error_of(
      "[{\"code\":\"Y\",\"name\":\"n\",\"class\":\"A\",\"amount\":\"1.00\","
      "\"self_pay_ratio\":\"0.1\"}]");
  EXPECT_EQ(e.code, "self_pay_ratio_not_applicable");
  EXPECT_EQ(e.field, "items[0].self_pay_ratio");
  e = error_of(
      "[{\"code\":\"Y\",\"name\":\"n\",\"class\":\"B\",\"amount\":\"1.00\","
      "\"self_pay_ratio\":\"1.5\"}]");
  EXPECT_EQ(e.code, "bad_rate");
  EXPECT_EQ(e.field, "items[0].self_pay_ratio");
}

TEST(CatalogueItemsWithout, PricedItemsNeedACatalogue) {
  auto r = service::price_catalogue_items(
      testing::RequestBuilder()
          .with_items("[{\"code\":\"001101000010000\",\"quantity\":\"1\",\"unit_price\":\"1\"}]")
          .json(),
      nullptr);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "catalogue_unavailable");
  // Declared items pass through untouched.
  const std::string declared = testing::RequestBuilder().json();
  auto same = service::price_catalogue_items(declared, nullptr);
  ASSERT_TRUE(same);
  EXPECT_EQ(*same, declared);
}

// A key spelled with \u escapes is the same key: such an item is priced all the same, and a
// declared one passes through.
TEST_F(CatalogueItems, KeysSpelledWithEscapesArePricedAlike) {
  const std::string escaped =
      "[{\"code\":\"001102000010000\",\"\\u0071uantity\":\"10\",\"unit\\u005fprice\":\"36.00\"},"
      "{\"code\":\"XJ01MAL171A001010104025\",\"\\u0071uantity\":\"4\","
      "\"unit\\u005fprice\":\"25.125\"},"
      "{\"code\":\"C08000000000001\",\"name\":\"\\u6577\\u6599\",\"\\u0071uantity\":\"2\","
      "\"\\u0075nit_price\":\"50\"}]";
  auto a = world_.service().trial(testing::RequestBuilder().bill("C1").with_items(escaped).json());
  auto b = world_.service().trial(
      testing::RequestBuilder().bill("C1").with_items(kDeclaredItems).json());
  ASSERT_TRUE(a) << a.error().field << ": " << a.error().message;
  ASSERT_TRUE(b) << b.error().field << ": " << b.error().message;
  EXPECT_EQ(a->result_json, b->result_json);
  const std::string declared_escaped = testing::RequestBuilder()
                                           .with_items(
                                               "[{\"code\":\"Y\",\"name\":\"\\u6577\","
                                               "\"class\":\"A\",\"amount\":\"1.00\"}]")
                                           .json();
  auto same = service::price_catalogue_items(declared_escaped, nullptr);
  ASSERT_TRUE(same);
  EXPECT_EQ(*same, declared_escaped);
}

TEST(CatalogueCodec, AnItemsOwnShareRoundTripsAndIsClassBOnly) {
  Claim c;
  Item b{"X", "n", ItemClass::B, *Money::parse("10.00"), Money(), Rate::parse("0.15")};
  c.items = {b};
  const std::string text = codec::encode_hospital_request(c);
  EXPECT_NE(text.find("\"self_pay_ratio\":\"0.15\""), std::string::npos) << text;
}

}  // namespace
}  // namespace onestop
