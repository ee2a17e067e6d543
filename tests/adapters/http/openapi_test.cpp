// adapters/http/openapi.json describes exactly the routes the server serves, both ways.
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "adapters/http/routes.hpp"
#include "http_fixture.hpp"

namespace onestop::testing {
namespace {

std::set<std::string> documented_operations() {
  std::ifstream in(source_path("adapters/http/openapi.json"));
  std::stringstream text;
  text << in.rdbuf();
  const auto doc = parse_json(text.str());
  EXPECT_EQ(doc->getValue<std::string>("openapi").rfind("3.", 0), 0u);
  std::set<std::string> out;
  for (const auto& [path, item] : *doc->getObject("paths")) {
    for (const auto& [method, operation] : *item.extract<Poco::JSON::Object::Ptr>()) {
      if (method == "parameters" || method == "summary" || method == "description") continue;
      std::string upper = method;
      for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      out.insert(upper + " " + path);
    }
  }
  return out;
}

std::set<std::string> served_operations() {
  std::set<std::string> out;
  for (const http::Route& r : http::route_table()) {
    out.insert(std::string(r.method) + " " + std::string(r.path));
  }
  return out;
}

TEST(OpenApi, DocumentsEveryServedRouteAndNoOther) {
  const auto documented = documented_operations();
  const auto served = served_operations();
  for (const std::string& op : served) {
    EXPECT_TRUE(documented.contains(op)) << "served but not documented: " << op;
  }
  for (const std::string& op : documented) {
    EXPECT_TRUE(served.contains(op)) << "documented but not served: " << op;
  }
  EXPECT_EQ(served.size(), http::route_table().size()) << "a route is listed twice";
}

TEST(OpenApi, EveryServedRouteAnswersOverHttp) {
  // No route of the table falls through to route_not_found (404 for a missing resource is
  // fine; the route itself must exist).
  TestServer server;
  for (const http::Route& r : http::route_table()) {
    std::string path(r.path);
    for (const char* param : {"{id}", "{patient_id}"}) {
      const auto at = path.find(param);
      if (at != std::string::npos) path.replace(at, std::string(param).size(), "1");
    }
    if (r.op == http::Operation::patient_ledger) path += "?year=2020";
    const Reply reply = server.request(std::string(r.method), path, r.method == "POST" ? "{}" : "");
    EXPECT_EQ(reply.body.find("\"code\":\"route_not_found\""), std::string::npos) << path;
    EXPECT_NE(reply.status, 405) << path;
  }
}

}  // namespace
}  // namespace onestop::testing
