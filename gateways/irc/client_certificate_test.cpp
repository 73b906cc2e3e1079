#include "gateways/irc/client_certificate.hpp"
#include "gateways/irc/test_certificates.hpp"

#include <gtest/gtest.h>

namespace junction::irc {
namespace {

using testing::make_identity;

TEST(ClientCertificate, CertificateWithItsKeyGivesTheFingerprint) {
  auto alice = make_identity("alice");
  auto fingerprint = check_client_certificate(alice.certificate + alice.key);
  ASSERT_TRUE(fingerprint) << fingerprint.error().message;
  EXPECT_EQ(fingerprint->size(), 32u * 3 - 1) << *fingerprint;
  EXPECT_EQ(*fingerprint, certificate_fingerprint(alice.certificate));
  auto key_first = check_client_certificate(alice.key + alice.certificate);
  ASSERT_TRUE(key_first) << "the order of the blocks does not matter";
  EXPECT_EQ(*key_first, *fingerprint);
  EXPECT_NE(*fingerprint, certificate_fingerprint(make_identity("bob").certificate));
}

TEST(ClientCertificate, RefusesWhatCannotBeUsed) {
  auto alice = make_identity("alice");
  auto bob = make_identity("bob");
  struct Row {
    std::string pem;
    std::string says;
  };
  const Row rows[] = {
      {"hello", "no PEM certificate"},
      {alice.key, "no PEM certificate"},
      {alice.certificate, "no usable private key"},
      {alice.certificate + bob.key, "does not belong"},
      {"-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n" + alice.key, "no PEM certificate"},
  };
  for (const auto& r : rows) {
    auto checked = check_client_certificate(r.pem);
    ASSERT_FALSE(checked) << r.says;
    EXPECT_NE(checked.error().message.find(r.says), std::string::npos) << checked.error().message;
  }
}

TEST(ClientCertificate, TheUsersOwnWinsOverTheNetworks) {
  NetworkConfig network;
  UserIdentity identity;
  EXPECT_EQ(client_certificate_for(identity, network), "");
  network.client_certificate = "/etc/junction/network.pem";
  EXPECT_EQ(client_certificate_for(identity, network), "/etc/junction/network.pem");
  EXPECT_FALSE(is_pem_text(client_certificate_for(identity, network)));
  auto alice = make_identity("alice");
  identity.client_cert_pem = alice.certificate + alice.key;
  EXPECT_EQ(client_certificate_for(identity, network), identity.client_cert_pem);
  EXPECT_TRUE(is_pem_text(client_certificate_for(identity, network)));
}

}  // namespace
}  // namespace junction::irc
