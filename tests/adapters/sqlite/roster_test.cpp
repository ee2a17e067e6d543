// The roster: CSV parsing with every row error reported by line and column, all-or-nothing
// replacement, lookup by date across a category change, the shipped sample, and the command.
#include "adapters/store/roster.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "adapters/sqlite/open.hpp"
#include "ledger_fixtures.hpp"

namespace onestop {
namespace {

using namespace onestop::testing;  // NOLINT(google-build-using-namespace)
using store::parse_roster_csv;

const std::vector<std::string> kCategories = {"resident", "poor", "low_income", "extreme_poor"};
constexpr const char* kHeader = "patient_id,name,id_number,category,valid_from,valid_to\n";
constexpr const char* kId = "43030019900000001X";

std::string row(const std::string& id, const std::string& category, const std::string& from,
                const std::string& to, const std::string& id_number = kId) {
  return id + ",测试," + id_number + "," + category + "," + from + "," + to + "\n";
}

std::string errors_text(const store::RosterParse& p) {
  std::string out;
  for (const auto& e : p.errors) {
    out += std::to_string(e.line) + ": " + e.column + ": " + e.message + "\n";
  }
  return out;
}

TEST(RosterCsv, ReadsQuotedFieldsCrlfABomAndBlankLines) {
  const std::string text = "\xEF\xBB\xBF" + std::string(kHeader) +
                           "P1,\"Li, \"\"Xiao\"\"\nMing\",43030019900000001x,poor,"
                           "2020-01-01,2020-06-30\r\n"
                           "\r\n"
                           "P1,李小明,43030019900000001X,resident,2020-07-01,\n";
  const auto p = parse_roster_csv(text, kCategories);
  ASSERT_TRUE(p.errors.empty()) << errors_text(p);
  ASSERT_EQ(p.entries.size(), 2u);
  EXPECT_EQ(p.entries[0].name, "Li, \"Xiao\"\nMing");
  EXPECT_EQ(p.entries[0].valid_to, Date::parse("2020-06-30"));
  EXPECT_EQ(p.entries[1].name, "李小明");
  EXPECT_EQ(p.entries[1].category, "resident");
  EXPECT_FALSE(p.entries[1].valid_to.has_value());
}

TEST(RosterCsv, TheHeaderIsRequiredExactly) {
  for (const std::string& text : {std::string(""), std::string("patient_id,name\n"),
                                  std::string("patient_id,name,id_number,category,valid_from,"
                                              "valid_until\nP1,a,b,poor,2020-01-01,\n")}) {
    const auto p = parse_roster_csv(text, kCategories);
    ASSERT_EQ(p.errors.size(), 1u) << text;
    EXPECT_EQ(p.errors[0].line, 1u);
    EXPECT_EQ(p.errors[0].column, "header");
    EXPECT_TRUE(p.entries.empty());
  }
}

struct BadRow {
  std::string text;
  std::string column;
  std::string message;  // a part of it
};

// One bad row of each kind after a good one; each is reported on its own line.
TEST(RosterCsv, EveryKindOfBadRowIsReportedWithItsLineAndColumn) {
  const std::vector<BadRow> bad = {
      {row("", "poor", "2020-01-01", ""), "patient_id", "empty"},
      {row(" P3", "poor", "2020-01-01", ""), "patient_id", "spaces"},
      {row(std::string(65, 'P'), "poor", "2020-01-01", ""), "patient_id", "longer than 64"},
      {row("P4", "poor", "2020-02-30", ""), "valid_from", "not a date"},
      {row("P5", "poor", "", ""), "valid_from", "empty"},
      {row("P6", "poor", "2020-01-01", "2020/12/31"), "valid_to", "not a date"},
      {row("P7", "poor", "2020-06-01", "2020-05-31"), "valid_to", "before valid_from"},
      {row("P8", "rich", "2020-01-01", ""), "category", "unknown category 'rich'"},
      {row("P9", "", "2020-01-01", ""), "category", "empty"},
      {"P10,name,43030019900000001X,poor,2020-01-01\n", "row", "expected 6 columns, found 5"},
      {"P11,name,x,poor,2020-01-01,,extra\n", "row", "found 7"},
      {row("P12", "poor", "2020-01-01", "", "4303001990"), "id_number", "18 characters"},
      {row("P13", "poor", "2020-01-01", "", ""), "id_number", "empty"},
      {"P14,na\"me,43030019900000001X,poor,2020-01-01,\n", "row", "quote"},
      {"P15,\"name\"x,43030019900000001X,poor,2020-01-01,\n", "row", "after a closing quote"},
      {"P16,\xff\xfe,43030019900000001X,poor,2020-01-01,\n", "name", "UTF-8"},
  };
  std::string text = std::string(kHeader) + row("P1", "poor", "2020-01-01", "");
  for (const auto& b : bad) text += b.text;
  const auto p = parse_roster_csv(text, kCategories);
  ASSERT_EQ(p.errors.size(), bad.size()) << errors_text(p);
  for (std::size_t i = 0; i < bad.size(); ++i) {
    EXPECT_EQ(p.errors[i].line, i + 3) << errors_text(p);
    EXPECT_EQ(p.errors[i].column, bad[i].column) << bad[i].text;
    EXPECT_NE(p.errors[i].message.find(bad[i].message), std::string::npos)
        << bad[i].text << " -> " << p.errors[i].message;
  }
  ASSERT_EQ(p.entries.size(), 1u);
  EXPECT_EQ(p.entries[0].patient_id, "P1");
}

TEST(RosterCsv, ARowWithSeveralDefectsReportsEach) {
  const auto p =
      parse_roster_csv(std::string(kHeader) + row("P1", "rich", "2020-13-01", "x"), kCategories);
  ASSERT_EQ(p.errors.size(), 3u) << errors_text(p);
  EXPECT_EQ(p.errors[0].column, "category");
  EXPECT_EQ(p.errors[1].column, "valid_from");
  EXPECT_EQ(p.errors[2].column, "valid_to");
}

TEST(RosterCsv, LinesCountTheBreaksInsideQuotedFields) {
  const std::string text = std::string(kHeader) +
                           "P1,\"two\nlines\",43030019900000001X,poor,2020-01-01,\n" +
                           row("P2", "rich", "2020-01-01", "");
  const auto p = parse_roster_csv(text, kCategories);
  ASSERT_EQ(p.errors.size(), 1u);
  EXPECT_EQ(p.errors[0].line, 4u);
}

TEST(RosterCsv, AnUnterminatedQuoteIsReportedOnTheLineItStarts) {
  const std::string text = std::string(kHeader) + row("P1", "poor", "2020-01-01", "") +
                           "P2,\"open,43030019900000001X,poor,2020-01-01,\n" +
                           row("P3", "poor", "2020-01-01", "");
  const auto p = parse_roster_csv(text, kCategories);
  ASSERT_EQ(p.errors.size(), 1u) << errors_text(p);
  EXPECT_EQ(p.errors[0].line, 3u);
  EXPECT_NE(p.errors[0].message.find("not closed"), std::string::npos);
}

TEST(RosterCsv, OverlappingRangesOfOnePersonAreReportedOnTheLaterLine) {
  const std::string text = std::string(kHeader) +
                           row("P1", "poor", "2020-01-01", "2020-06-30") +      // 2
                           row("P1", "resident", "2020-07-01", "") +            // 3 adjacent: ok
                           row("P2", "poor", "2020-01-01", "") +                // 4
                           row("P2", "resident", "2021-01-01", "") +            // 5 open before
                           row("P3", "poor", "2020-05-01", "2020-12-31") +      // 6
                           row("P3", "poor", "2020-01-01", "2020-05-01") +      // 7 shares 05-01
                           row("P4", "poor", "2020-01-01", "2020-12-31") +      // 8
                           row("P4", "resident", "2020-02-01", "2020-02-10") +  // 9 inside 8
                           row("P4", "resident", "2020-03-01", "2020-03-10");   // 10 inside 8
  const auto p = parse_roster_csv(text, kCategories);
  ASSERT_EQ(p.errors.size(), 4u) << errors_text(p);
  const std::vector<std::size_t> lines = {5, 7, 9, 10};
  for (std::size_t i = 0; i < lines.size(); ++i) {
    EXPECT_EQ(p.errors[i].line, lines[i]) << errors_text(p);
    EXPECT_EQ(p.errors[i].column, "valid_from");
    EXPECT_NE(p.errors[i].message.find("overlaps"), std::string::npos);
  }
  EXPECT_NE(p.errors[1].message.find("line 6"), std::string::npos) << p.errors[1].message;
  EXPECT_EQ(p.entries.size(), 5u);  // nine rows, four refused
}

TEST(RosterCsv, AnyCategoryWhenNoneAreKnown) {
  const auto p =
      parse_roster_csv(std::string(kHeader) + row("P1", "anything", "2020-01-01", ""), {});
  EXPECT_TRUE(p.errors.empty()) << errors_text(p);
}

std::vector<store::RosterEntry> entries(const std::string& rows) {
  const auto p = parse_roster_csv(std::string(kHeader) + rows, kCategories);
  EXPECT_TRUE(p.errors.empty()) << errors_text(p);
  return p.entries;
}

TEST(Roster, LooksUpTheCategoryHeldOnADateAcrossAChange) {
  auto roster = std::move(sqlite::open_roster(temp_db())).value();
  ASSERT_FALSE(roster->replace_all(entries(row("P1", "poor", "2019-01-01", "2020-06-30") +
                                           row("P1", "resident", "2020-07-01", "") +
                                           row("P2", "low_income", "2020-01-01", "2020-12-31"))));
  const auto on = [&](const std::string& who, const char* date) {
    const auto e = roster->lookup(who, *Date::parse(date));
    return e ? e->category : std::string("-");
  };
  EXPECT_EQ(on("P1", "2018-12-31"), "-");
  EXPECT_EQ(on("P1", "2019-01-01"), "poor");
  EXPECT_EQ(on("P1", "2020-06-30"), "poor");
  EXPECT_EQ(on("P1", "2020-07-01"), "resident");
  EXPECT_EQ(on("P1", "2029-01-01"), "resident");
  EXPECT_EQ(on("P2", "2020-12-31"), "low_income");
  EXPECT_EQ(on("P2", "2021-01-01"), "-");
  EXPECT_EQ(on("P9", "2020-01-01"), "-");
  EXPECT_TRUE(roster->knows("P2"));
  EXPECT_FALSE(roster->knows("P9"));
  EXPECT_EQ(roster->size(), 3u);
  EXPECT_EQ(roster->lookup("P1", *Date::parse("2020-03-01"))->id_number, kId);
}

TEST(Roster, ReplaceAllIsAllOrNothing) {
  const std::string path = temp_db();
  auto roster = std::move(sqlite::open_roster(path)).value();
  ASSERT_FALSE(roster->replace_all(entries(row("P1", "poor", "2020-01-01", ""))));
  auto overlapping =
      entries(row("P2", "poor", "2020-01-01", "") + row("P3", "poor", "2020-01-01", "2020-12-31"));
  overlapping.push_back(overlapping.back());
  overlapping.back().valid_from = *Date::parse("2020-06-01");
  const auto error = roster->replace_all(overlapping);
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->code, "roster_overlap");
  EXPECT_NE(error->message.find("P3"), std::string::npos);
  EXPECT_EQ(roster->size(), 1u);
  EXPECT_TRUE(roster->knows("P1"));
  EXPECT_FALSE(roster->knows("P2"));

  // The database refuses the write part-way (a row the CHECK constraint rejects is slipped in
  // past the checks by a trigger): nothing of the new roster stays.
  ASSERT_EQ(raw_exec(path,
                     "CREATE TRIGGER refuse_p9 BEFORE INSERT ON roster "
                     "WHEN NEW.patient_id = 'P9' BEGIN SELECT RAISE(ABORT, 'no'); END"),
            SQLITE_OK);
  const auto failed = roster->replace_all(
      entries(row("P2", "poor", "2020-01-01", "") + row("P9", "poor", "2020-01-01", "")));
  ASSERT_TRUE(failed.has_value());
  EXPECT_EQ(failed->code, "ledger_unavailable");
  EXPECT_EQ(roster->size(), 1u);
  EXPECT_TRUE(roster->knows("P1"));
  EXPECT_FALSE(roster->knows("P2"));
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// The sample knows every patient of the 2020 cases, with the category the case gives them on
// the admission date, and has people whose category changes within 2020.
TEST(Roster, TheSampleCoversTheCases) {
  const auto p = parse_roster_csv(read_text(source_path("config/roster.sample.csv")),
                                  reference_policy().categories);
  ASSERT_TRUE(p.errors.empty()) << errors_text(p);
  auto roster = std::move(sqlite::open_roster(temp_db())).value();
  ASSERT_FALSE(roster->replace_all(p.entries));
  for (const auto& claim : claims_2020()) {
    const auto e = roster->lookup(claim.patient_id, claim.admitted_on);
    ASSERT_TRUE(e.has_value()) << claim.patient_id;
    EXPECT_EQ(e->category, claim.category) << claim.patient_id;
    EXPECT_EQ(e->id_number.size(), 18u);
  }
  int changing = 0;
  for (const auto& e : p.entries) {
    const auto next = roster->lookup(e.patient_id, *Date::parse("2020-12-31"));
    if (e.valid_from.year() <= 2020 && e.valid_to && e.valid_to->year() == 2020 && next &&
        next->category != e.category) {
      ++changing;
    }
  }
  EXPECT_GE(changing, 2);
}

TEST(RosterCommand, ImportsAFileAndRefusesABadOneWithNothingWritten) {
  const std::string dir = test_dir();
  const std::string db = dir + "/var/onestop.db";
  const std::string policies = " --policy-dir " + source_path("config/policies");
  auto run = run_onestop("roster import " + source_path("config/roster.sample.csv") + " --db " +
                         db + policies);
  ASSERT_EQ(run.status, 0) << run.output;
  EXPECT_NE(run.output.find("imported 52 roster rows (47 persons)"), std::string::npos)
      << run.output;

  const std::string bad = dir + "/bad.csv";
  std::ofstream(bad) << kHeader << row("N1", "poor", "2020-01-01", "")
                     << row("N2", "rich", "2020-01-01", "") << row("", "poor", "2020-01-01", "");
  run = run_onestop("roster import " + bad + " --db " + db + policies);
  EXPECT_EQ(run.status, 1) << run.output;
  EXPECT_NE(run.output.find(bad + ":3: category: unknown category 'rich'"), std::string::npos)
      << run.output;
  EXPECT_NE(run.output.find(bad + ":4: patient_id: empty"), std::string::npos) << run.output;
  auto roster = std::move(sqlite::open_roster(db)).value();
  EXPECT_EQ(roster->size(), 52u);
  EXPECT_FALSE(roster->knows("N1"));

  EXPECT_EQ(run_onestop("roster import").status, 2);
  EXPECT_EQ(run_onestop("roster export " + bad).status, 2);
  EXPECT_EQ(run_onestop("roster --help").status, 0);
}

}  // namespace
}  // namespace onestop
