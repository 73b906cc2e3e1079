#include "gateways/irc/irc_test_support.hpp"
#include "gateways/irc/client_certificate.hpp"
#include "gateways/irc/settings_commands.hpp"
#include "gateways/irc/test_certificates.hpp"

#include <gtest/gtest.h>

namespace junction::irc::testing {
namespace {

using Strings = std::vector<std::string>;

core::CommandRequest request(const std::string& to, std::optional<xmpp::DataForm> form = std::nullopt,
                             const std::string& from = "alice@example.org/phone") {
  core::CommandRequest r;
  r.from = *xmpp::Jid::parse(from);
  r.to = *xmpp::Jid::parse(to);
  r.action = "execute";
  r.form = std::move(form);
  return r;
}

xmpp::DataForm submit(std::vector<std::pair<std::string, std::vector<std::string>>> values) {
  xmpp::DataForm f;
  f.type = "submit";
  for (auto& [var, v] : values) {
    xmpp::FormField field;
    field.var = var;
    field.values = v;
    f.fields.push_back(field);
  }
  return f;
}

TEST(SettingsCommands, ConfigureAppliesToTheNextConnection) {
  Harness h;
  SettingsCommands commands(h.gateway->bridge(), {});
  auto first = commands.configure(request("libera@irc.example.org"));
  EXPECT_EQ(first.status, core::CommandResponse::Status::executing);
  ASSERT_TRUE(first.form);
  EXPECT_NE(first.form->field("persistent_rooms"), nullptr);
  auto done = commands.configure(request(
      "libera@irc.example.org", submit({{"nick", {"Ally"}},
                                        {"realname", {"Alice A."}},
                                        {"sasl_mechanism", {"plain"}},
                                        {"sasl_user", {"ally"}},
                                        {"sasl_password", {"pw"}},
                                        {"encoding", {"latin1"}},
                                        {"on_connect", {"MODE Ally +x", "PRIVMSG NickServ :hello"}}})));
  EXPECT_FALSE(done.error_condition) << done.error_text;
  EXPECT_EQ(done.status, core::CommandResponse::Status::completed);
  // Defaults on the gateway JID, overridden per network.
  ASSERT_FALSE(commands.configure(request("irc.example.org", submit({{"realname", {"Default Name"}}}))).error_condition);

  h.in("<message type='chat' from='alice@example.org/phone' to='bob%libera@irc.example.org'><body>x</body></message>");
  const auto& id = h.link().identity;
  EXPECT_EQ(id.nick, "Ally");
  EXPECT_EQ(id.realname, "Alice A.");
  EXPECT_EQ(id.sasl_mechanism, "PLAIN");
  EXPECT_EQ(id.sasl_password, "pw");
  EXPECT_EQ(id.on_connect_commands, (Strings{"MODE Ally +x", "PRIVMSG NickServ :hello"}));
  EXPECT_EQ(h.link().network.encoding, Fallback::latin1);
  h.in("<message type='chat' from='alice@example.org/phone' to='bob%oftc@irc.example.org'><body>x</body></message>");
  EXPECT_EQ(h.link().identity.realname, "Default Name");
  EXPECT_EQ(h.link().identity.nick, "alice");

  // Passwords are kept unless replaced or cleared with "-".
  ASSERT_FALSE(commands.configure(request("libera@irc.example.org", submit({{"nick", {"Ally"}}}))).error_condition);
  EXPECT_EQ(h.gateway->bridge().settings.effective("alice@example.org", "libera").sasl_password, "pw");
  ASSERT_FALSE(
      commands.configure(request("libera@irc.example.org", submit({{"sasl_password", {"-"}}}))).error_condition);
  EXPECT_EQ(h.gateway->bridge().settings.effective("alice@example.org", "libera").sasl_password, "");
}

TEST(SettingsCommands, RejectsBadValues) {
  Harness h;
  SettingsCommands commands(h.gateway->bridge(), {});
  EXPECT_EQ(commands.configure(request("libera@irc.example.org", submit({{"nick", {"bad nick"}}}))).error_condition,
            "bad-request");
  EXPECT_EQ(commands.configure(request("libera@irc.example.org", submit({{"encoding", {"koi8"}}}))).error_condition,
            "bad-request");
  EXPECT_EQ(
      commands.configure(request("libera@irc.example.org", submit({{"persistent_rooms", {"nochan"}}}))).error_condition,
      "bad-request");
  EXPECT_EQ(commands.configure(request("#chan%libera@irc.example.org")).error_condition, "item-not-found");
}

std::vector<std::string> pem_lines(const std::string& pem) { return split_lines(pem); }

TEST(SettingsCommands, OwnClientCertificateIsCheckedShownByFingerprintAndUsed) {
  Harness h;
  SettingsCommands commands(h.gateway->bridge(), {});
  auto alice = make_identity("alice");
  auto bob = make_identity("bob");

  auto mismatched = commands.configure(
      request("libera@irc.example.org", submit({{"client_certificate", pem_lines(alice.certificate + bob.key)}})));
  EXPECT_EQ(mismatched.error_condition, "bad-request");
  EXPECT_NE(mismatched.error_text.find("does not belong"), std::string::npos) << mismatched.error_text;
  auto garbage = commands.configure(request("libera@irc.example.org", submit({{"client_certificate", {"not a pem"}}})));
  EXPECT_EQ(garbage.error_condition, "bad-request");
  EXPECT_EQ(h.gateway->bridge().settings.effective("alice@example.org", "libera").client_certificate, "");

  // Pasted as a text-multi field: one value per line.
  auto saved = commands.configure(
      request("libera@irc.example.org", submit({{"client_certificate", pem_lines(alice.certificate + alice.key)}})));
  ASSERT_FALSE(saved.error_condition) << saved.error_text;
  const std::string fingerprint = certificate_fingerprint(alice.certificate);

  auto form = commands.configure(request("libera@irc.example.org"));
  ASSERT_TRUE(form.form);
  ASSERT_NE(form.form->field("client_certificate_fingerprint"), nullptr);
  EXPECT_EQ(form.form->field("client_certificate_fingerprint")->values, (Strings{"SHA-256 " + fingerprint}));
  EXPECT_TRUE(form.form->field("client_certificate")->values.empty()) << "the PEM is never shown back";
  for (const auto& field : form.form->fields)
    for (const auto& value : field.values) EXPECT_EQ(value.find("PRIVATE KEY"), std::string::npos) << field.var;

  // Kept when the form is sent back without one.
  ASSERT_FALSE(commands.configure(request("libera@irc.example.org", submit({{"nick", {"Ally"}}}))).error_condition);
  h.in("<message type='chat' from='alice@example.org/phone' to='bob%libera@irc.example.org'><body>x</body></message>");
  EXPECT_EQ(certificate_fingerprint(h.link().identity.client_cert_pem), fingerprint);
  EXPECT_EQ(client_certificate_for(h.link().identity, h.link().network), h.link().identity.client_cert_pem);

  auto removed = commands.configure(
      request("libera@irc.example.org", submit({{"remove_client_certificate", {"1"}}})));
  ASSERT_FALSE(removed.error_condition) << removed.error_text;
  EXPECT_EQ(h.gateway->bridge().settings.effective("alice@example.org", "libera").client_certificate, "");
  EXPECT_EQ(commands.configure(request("libera@irc.example.org")).form->field("client_certificate_fingerprint")->values,
            (Strings{"none"}));
}

TEST(SettingsCommands, PersistentRoomsJoinWithoutAResource) {
  Harness h;
  auto list = h.gateway->commands();
  auto configure = std::find_if(list.begin(), list.end(), [](auto& c) { return c.node == configure_node; });
  ASSERT_NE(configure, list.end());
  core::CommandResponse got;
  configure->run(request("libera@irc.example.org", submit({{"persistent_rooms", {"#keep\n#also"}}})),
                 [&](core::CommandResponse r) { got = std::move(r); });
  EXPECT_FALSE(got.error_condition);
  ASSERT_EQ(h.net.links.size(), 1u);
  h.link().welcome();
  EXPECT_EQ(h.link().take_lines(), (Strings{"JOIN #keep", "JOIN #also"}));
  EXPECT_EQ(h.gateway->bridge().settings.users_with_persistent_rooms(),
            (std::vector<std::pair<std::string, std::string>>{{"alice@example.org", "libera"}}));
}

TEST(SettingsCommands, AdminListsAndDropsConnections) {
  Harness h;
  h.join();
  SettingsCommands commands(h.gateway->bridge(), {{}, [&](NetworkSession& s, const std::string& reason) {
                                                    h.gateway->bridge().sessions.close(s, reason);
                                                  }});
  auto listed = commands.list_connections(request("irc.example.org", std::nullopt, "admin@example.org/x"));
  ASSERT_TRUE(listed.form);
  ASSERT_EQ(listed.form->items.size(), 1u);
  EXPECT_EQ(listed.form->items[0][0].value(), "alice@example.org");
  EXPECT_EQ(listed.form->items[0][1].value(), "libera");
  auto dropped = commands.drop_connection(request(
      "irc.example.org", submit({{"connection", {"alice@example.org libera"}}, {"reason", {"bye"}}}), "admin@example.org/x"));
  EXPECT_FALSE(dropped.error_condition);
  EXPECT_EQ(h.net.quits, std::vector<std::string>{"bye"});
  EXPECT_EQ(h.gateway->bridge().sessions.size(), 0u);
  auto all = h.gateway->commands();
  EXPECT_TRUE(std::any_of(all.begin(), all.end(), [](auto& c) { return c.node == drop_node && c.admin_only; }));
}

}  // namespace
}  // namespace junction::irc::testing
