// The gateway when another server sharing the national tables answered the same message first
// (national_store.hpp: commit's "duplicate" msgid refusal): it answers as a replay would, the
// other server's answer for the same input and the msgid's refusal for another input, never
// an error of its own.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "adapters/national/gateway.hpp"
#include "adapters/service/service_fixture.hpp"

namespace onestop::testing {
namespace {

using national::Change;

constexpr const char* kOtherAnswer = "{\"infcode\":0,\"answered_by\":\"the other server\"}";

// A store whose first commit is overtaken: the same message, answered by another server with
// `other_sha256` as its input's fingerprint, is committed just before it.
class Overtaken final : public national::Store {
 public:
  Overtaken(std::unique_ptr<national::Store> inner, std::string other_sha256)
      : inner_(std::move(inner)), other_sha256_(std::move(other_sha256)) {}

  Result<std::optional<national::TifClient>> tif_client(std::string_view paasid) override {
    return inner_->tif_client(paasid);
  }
  Result<std::optional<national::StoredMessage>> message(std::string_view code,
                                                         std::string_view msgid) override {
    return inner_->message(code, msgid);
  }
  Result<std::optional<national::Visit>> visit(std::string_view mdtrt_id) override {
    return inner_->visit(mdtrt_id);
  }
  Result<std::vector<national::FeeLine>> lines(std::string_view mdtrt_id) override {
    return inner_->lines(mdtrt_id);
  }
  Result<std::int64_t> next_visit_id() override { return inner_->next_visit_id(); }
  Result<std::vector<national::Visit>> visits_of(std::string_view code) override {
    return inner_->visits_of(code);
  }
  Result<std::optional<national::Person>> person(std::string_view who,
                                                 std::string_view on) override {
    return inner_->person(who, on);
  }
  Result<std::optional<national::StoredFile>> file(std::string_view code,
                                                   std::string_view qury_no) override {
    return inner_->file(code, qury_no);
  }
  std::optional<Error> commit(const Change& change) override {
    if (!overtaken_) {
      overtaken_ = true;
      Change other = change;
      other.answer = kOtherAnswer;
      other.input_sha256 = other_sha256_.empty() ? change.input_sha256 : other_sha256_;
      if (auto e = inner_->commit(other)) return e;
    }
    return inner_->commit(change);
  }

 private:
  std::unique_ptr<national::Store> inner_;
  std::string other_sha256_;
  bool overtaken_ = false;
};

national::GatewayAnswer sign_in(const std::string& other_sha256) {
  ServiceWorld world;
  auto inner = sqlite::open_national_store(world.dir() + "/national.db");
  if (!inner) throw std::runtime_error(inner.error().message);
  national::Gateway gateway(world.service(), nullptr,
                            std::make_unique<Overtaken>(std::move(inner).value(), other_sha256),
                            {});
  national::GatewayRequest request;
  request.method = "POST";
  request.path = std::string(national::kCallServicePath);
  request.bearer = store::Principal{"his", store::Role::hospital, "H2"};
  request.body =
      "{\"infno\":\"9001\",\"msgid\":\"M1\",\"mdtrtarea_admvs\":\"430302\","
      "\"insuplc_admdvs\":\"430302\",\"recer_sys_code\":\"YBXT\",\"dev_no\":\"\","
      "\"dev_safe_info\":\"\",\"cainfo\":\"\",\"signtype\":\"\",\"infver\":\"V1.0\","
      "\"opter_type\":\"1\",\"opter\":\"D001\",\"opter_name\":\"收费员甲\","
      "\"inf_time\":\"2020-03-12 10:15:02\",\"fixmedins_code\":\"H43030000002\","
      "\"fixmedins_name\":\"湘潭市第三人民医院\",\"sign_no\":\"\",\"input\":{\"signIn\":"
      "{\"opter_no\":\"D001\",\"mac\":\"00-16-EA-AE-3C-40\",\"ip\":\"10.0.0.8\"}}}";
  return gateway.handle(request);
}

TEST(NationalOvertaken, AMessageAnsweredFirstByAnotherServerIsReplayed) {
  EXPECT_EQ(sign_in("").body, kOtherAnswer);
}

TEST(NationalOvertaken, AnotherInputUnderTheMsgidAnsweredElsewhereIsRefused) {
  const std::string body = sign_in("another input").body;
  EXPECT_NE(body.find("\"infcode\":-1"), std::string::npos) << body;
  EXPECT_NE(body.find("msgid: 报文ID M1 已用于另一笔交易"), std::string::npos) << body;
}

}  // namespace
}  // namespace onestop::testing
