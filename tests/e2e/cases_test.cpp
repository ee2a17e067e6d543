// shared/cases reproduced to the fen through the real `onestop settle` binary.
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "support/fixtures.hpp"

namespace onestop {
namespace {

using testing::source_path;

struct Process {
  int status = -1;
  std::vector<std::string> lines;
};

// Runs the onestop binary with `args` through the shell and collects its standard output.
Process run_onestop(const std::string& args) {
  Process run;
  const std::string command = std::string(ONESTOP_BINARY) + " " + args;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return run;
  std::string output;
  std::array<char, 65536> buffer{};
  std::size_t n = 0;
  while ((n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0) output.append(buffer.data(), n);
  const int raw = pclose(pipe);
  run.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  std::istringstream in(output);
  for (std::string line; std::getline(in, line);) run.lines.push_back(line);
  return run;
}

std::vector<std::string> read_lines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

Poco::JSON::Object::Ptr parse(const std::string& line) {
  return Poco::JSON::Parser().parse(line).extract<Poco::JSON::Object::Ptr>();
}

// Every field of `expected` (and every layer's paid) must equal the produced value exactly.
void expect_matches(const Poco::JSON::Object::Ptr& expected, const Poco::JSON::Object::Ptr& got,
                    std::size_t line) {
  for (const char* field : {"hospital_id", "bill_no", "total", "out_of_policy", "over_limit",
                            "pre_self_pay", "in_policy", "fund_paid", "patient_pays"}) {
    EXPECT_EQ(got->getValue<std::string>(field), expected->getValue<std::string>(field))
        << "line " << line << " field " << field;
  }
  const auto want = expected->getArray("layers");
  const auto have = got->getArray("layers");
  ASSERT_EQ(have->size(), want->size()) << "line " << line;
  for (std::size_t i = 0; i < want->size(); ++i) {
    const auto w = want->getObject(static_cast<unsigned>(i));
    const auto h = have->getObject(static_cast<unsigned>(i));
    EXPECT_EQ(h->getValue<std::string>("id"), w->getValue<std::string>("id"));
    EXPECT_EQ(h->getValue<std::string>("paid"), w->getValue<std::string>("paid"))
        << "line " << line << " layer " << w->getValue<std::string>("id");
  }
}

TEST(Cases, Zhaoshan2020ReproducedToTheFen) {
  const auto expected = read_lines(source_path("tests/cases/zhaoshan-2020.expected.jsonl"));
  const Process run = run_onestop("settle --policy " +
                              source_path("config/policies/zhaoshan-2020.json") + " " +
                              source_path("tests/cases/zhaoshan-2020.claims.jsonl"));
  EXPECT_EQ(run.status, 0);
  ASSERT_EQ(run.lines.size(), expected.size());
  ASSERT_EQ(expected.size(), 93u);
  for (std::size_t i = 0; i < expected.size(); ++i) {
    expect_matches(parse(expected[i]), parse(run.lines[i]), i + 1);
  }
}

// Admissions mixed with outpatient special-disease visits (domain.md §3.6).
TEST(Cases, Zhaoshan2020OutpatientReproducedToTheFen) {
  const auto expected =
      read_lines(source_path("tests/cases/zhaoshan-2020-outpatient.expected.jsonl"));
  const Process run =
      run_onestop("settle --policy " + source_path("config/policies/zhaoshan-2020.json") + " " +
                  source_path("tests/cases/zhaoshan-2020-outpatient.claims.jsonl"));
  EXPECT_EQ(run.status, 0);
  ASSERT_EQ(run.lines.size(), expected.size());
  ASSERT_EQ(expected.size(), 457u);
  std::size_t visits = 0;
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const auto got = parse(run.lines[i]);
    expect_matches(parse(expected[i]), got, i + 1);
    if (got->has("visit")) {
      EXPECT_EQ(got->getValue<std::string>("visit"), "outpatient_special") << "line " << i + 1;
      ++visits;
    }
  }
  EXPECT_EQ(visits, 303u);
}

TEST(Cases, OutputIsByteIdenticalAcrossRuns) {
  const std::string args = "settle --policy " + source_path("config/policies/zhaoshan-2020.json") +
                           " < " + source_path("tests/cases/zhaoshan-2020.claims.jsonl");
  const Process first = run_onestop(args);
  const Process second = run_onestop(args);
  EXPECT_EQ(first.status, 0);
  EXPECT_EQ(first.lines, second.lines);
  EXPECT_EQ(first.lines.size(), 93u);
}

TEST(Cases, BadLinesYieldErrorLinesAndTheRunContinues) {
  const std::string dir = ::testing::TempDir();
  const std::string path = dir + "/mixed.jsonl";
  const auto claims = read_lines(source_path("tests/cases/zhaoshan-2020.claims.jsonl"));
  {
    std::ofstream out(path);
    out << claims[0] << "\n";
    out << R"({"bill_no": "BAD-1", "hospital_id": "H1"})" << "\n";
    out << "{not json\n";
    out << claims[1] << "\n";
  }
  const Process run = run_onestop("settle --policy " +
                              source_path("config/policies/zhaoshan-2020.json") + " " + path);
  EXPECT_EQ(run.status, 1);
  ASSERT_EQ(run.lines.size(), 4u);
  EXPECT_FALSE(parse(run.lines[0])->has("error"));
  const auto bad = parse(run.lines[1]);
  EXPECT_EQ(bad->getValue<std::string>("bill_no"), "BAD-1");
  EXPECT_EQ(bad->getObject("error")->getValue<std::string>("code"), "missing_field");
  EXPECT_FALSE(bad->has("layers"));  // no partial output for a refused claim
  EXPECT_EQ(parse(run.lines[2])->getObject("error")->getValue<std::string>("code"),
            "malformed_json");
  EXPECT_EQ(parse(run.lines[3])->getValue<std::string>("bill_no"), "P0010006-0");
}

TEST(Cases, UsageErrorsExitTwo) {
  EXPECT_EQ(run_onestop("settle 2>/dev/null").status, 2);  // --policy is required
  EXPECT_EQ(run_onestop("settle --policy /nonexistent.json /dev/null 2>/dev/null").status, 2);
  EXPECT_EQ(run_onestop("settle --help").status, 0);
}

TEST(Cases, SlipIsATableForPeople) {
  const Process run = run_onestop("settle --format slip --policy " +
                              source_path("config/policies/zhaoshan-2020.json") + " " +
                              source_path("tests/cases/zhaoshan-2020.claims.jsonl"));
  EXPECT_EQ(run.status, 0);
  std::string all;
  for (const auto& l : run.lines) all += l + "\n";
  // The first claim of the cases: patient pays 39 234.39.
  EXPECT_NE(all.find("P0010038-0"), std::string::npos);
  EXPECT_NE(all.find("39234.39"), std::string::npos);
  EXPECT_NE(all.find("psn_cash_pay"), std::string::npos);
}

TEST(Cases, TheSlipOfAVisitNamesTheDiseaseAndTheYearsUseOfItsLimit) {
  const Process run = run_onestop("settle --format slip --policy " +
                                  source_path("config/policies/zhaoshan-2020.json") + " " +
                                  source_path("tests/cases/zhaoshan-2020-outpatient.claims.jsonl"));
  EXPECT_EQ(run.status, 0);
  std::string all;
  for (const auto& l : run.lines) all += l + "\n";
  // The first claim of the outpatient cases: P0030033's cancer_treatment visit, basic 10 180.54
  // of the 40 000.00 a year.
  EXPECT_NE(all.find("门诊特殊病种 outpatient special-disease visit: cancer_treatment "
                     "(恶性肿瘤门诊放化疗)"),
            std::string::npos);
  EXPECT_NE(all.find("basic used 10180.54 of the year's limit 40000.00, left 29819.46"),
            std::string::npos);
}

}  // namespace
}  // namespace onestop
