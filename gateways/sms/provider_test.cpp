#include "gateways/sms/provider.hpp"

#include "gateways/sms/test_support.hpp"

#include <gtest/gtest.h>

namespace junction::sms {
namespace {

TEST(Provider, FactoryNamesProviders) {
  auto twilio = test::provider({{"provider", "twilio"}, {"account_sid", "AC1"}, {"auth_token", "t"}});
  ASSERT_NE(twilio, nullptr);
  EXPECT_EQ(twilio->kind(), "twilio");
  auto unknown = make_provider(test::settings({{"provider", "pigeon"}}));
  ASSERT_FALSE(unknown.has_value());
  EXPECT_EQ(unknown.error().message, "unknown provider \"pigeon\" (twilio | kannel | vonage | telnyx)");
  EXPECT_FALSE(make_provider(test::settings({})).has_value());
}

TEST(Provider, WebhookRequestFromServerParts) {
  auto request = make_webhook_request("POST", "https://gw.example.org", "/webhooks/sms/inbound?a=1&b=x%20y",
                                      {{"content-type", "application/x-www-form-urlencoded; charset=utf-8"}},
                                      "a=2&c=3");
  EXPECT_EQ(request.url, "https://gw.example.org/webhooks/sms/inbound?a=1&b=x%20y");
  EXPECT_EQ(request.param("a"), "2");  // the body wins
  EXPECT_EQ(request.param("b"), "x y");
  EXPECT_EQ(request.param("c"), "3");
  EXPECT_EQ(request.param("d"), "");
  EXPECT_EQ(request.header("content-type"), "application/x-www-form-urlencoded; charset=utf-8");

  auto json = make_webhook_request("POST", "https://gw.example.org", "/x", {{"content-type", "application/json"}},
                                   "a=1");
  EXPECT_TRUE(json.form.empty());
  EXPECT_TRUE(json.query.empty());
}

TEST(Provider, StatusNames) {
  EXPECT_EQ(status_name(DeliveryStatus::undelivered), "undelivered");
  EXPECT_TRUE(is_failure(DeliveryStatus::failed));
  EXPECT_FALSE(is_failure(DeliveryStatus::sent));
}

}  // namespace
}  // namespace junction::sms
