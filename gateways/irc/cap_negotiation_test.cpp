#include "cap_negotiation.hpp"

#include "sasl.hpp"

#include <gtest/gtest.h>

namespace junction::irc {
namespace {

// Plays the server side: the test feeds server lines and checks what the client wrote back.
class Dialogue {
 public:
  explicit Dialogue(CapConfig config)
      : cap(std::move(config), [this](const IrcMessage& m) { sent.push_back(m.serialize().value()); }) {}

  bool server(std::string_view line) { return cap.handle(parse(line).value()); }
  std::vector<std::string> take() { return std::exchange(sent, {}); }

  std::vector<std::string> sent;
  CapNegotiator cap;
};

using Lines = std::vector<std::string>;

CapConfig with_plain(std::string password = "sesame") {
  CapConfig c;
  c.sasl = SaslCredentials{SaslCredentials::Mechanism::plain, "", "jilles", std::move(password)};
  return c;
}

TEST(CapNegotiation, MultilineLsThenSaslPlainSuccess) {
  Dialogue d(with_plain());
  d.cap.start();
  EXPECT_EQ(d.take(), Lines{"CAP LS 302"});
  EXPECT_TRUE(d.server(":irc.test CAP * LS * :multi-prefix sasl=PLAIN,EXTERNAL server-time unknown-cap"));
  EXPECT_TRUE(d.take().empty());
  EXPECT_TRUE(d.server(":irc.test CAP * LS :away-notify echo-message message-tags draft/foo chghost cap-notify"));
  EXPECT_EQ(d.take(), Lines{"CAP REQ :multi-prefix sasl server-time away-notify echo-message message-tags chghost cap-notify"});
  EXPECT_EQ(d.cap.offered_value("sasl"), "PLAIN,EXTERNAL");
  EXPECT_FALSE(d.cap.finished());

  d.server(":irc.test CAP * ACK :multi-prefix sasl server-time away-notify echo-message message-tags chghost cap-notify");
  EXPECT_EQ(d.take(), Lines{"AUTHENTICATE PLAIN"});
  d.server("AUTHENTICATE +");
  EXPECT_EQ(d.take(), Lines{"AUTHENTICATE " + base64_encode(std::string("\0jilles\0sesame", 14))});
  EXPECT_TRUE(d.server(":irc.test 900 jilles jilles!j@h jilles :You are now logged in as jilles"));
  EXPECT_TRUE(d.server(":irc.test 903 jilles :SASL authentication successful"));
  EXPECT_EQ(d.take(), Lines{"CAP END"});
  EXPECT_TRUE(d.cap.finished());
  EXPECT_EQ(d.cap.sasl_outcome(), SaslOutcome::succeeded);
  EXPECT_EQ(d.cap.account(), "jilles");
  EXPECT_FALSE(d.cap.use_nickserv_fallback());
  EXPECT_TRUE(d.cap.enabled("server-time"));
  EXPECT_FALSE(d.cap.enabled("unknown-cap"));
  EXPECT_FALSE(d.server(":irc.test 001 jilles :Welcome"));
  EXPECT_TRUE(d.take().empty());
}

TEST(CapNegotiation, SaslFailureFallsBackToNickServ) {
  Dialogue d(with_plain());
  d.cap.start();
  d.server(":s CAP * LS :sasl=PLAIN");
  EXPECT_EQ(d.take(), (Lines{"CAP LS 302", "CAP REQ sasl"}));
  d.server(":s CAP * ACK :sasl");
  d.server("AUTHENTICATE +");
  d.take();
  d.server(":s 904 * :SASL authentication failed");
  EXPECT_EQ(d.take(), Lines{"CAP END"});
  EXPECT_EQ(d.cap.sasl_outcome(), SaslOutcome::failed);
  EXPECT_TRUE(d.cap.use_nickserv_fallback());
}

TEST(CapNegotiation, MechanismNotOfferedMeansUnavailable) {
  Dialogue d(with_plain());
  d.cap.start();
  d.server(":s CAP * LS :sasl=EXTERNAL multi-prefix");
  EXPECT_EQ(d.take(), (Lines{"CAP LS 302", "CAP REQ multi-prefix"}));
  d.server(":s CAP * ACK multi-prefix");
  EXPECT_EQ(d.take(), Lines{"CAP END"});
  EXPECT_EQ(d.cap.sasl_outcome(), SaslOutcome::unavailable);
  EXPECT_TRUE(d.cap.use_nickserv_fallback());
}

TEST(CapNegotiation, NakEndsNegotiation) {
  Dialogue d(with_plain());
  d.cap.start();
  d.server(":s CAP * LS :sasl multi-prefix");
  EXPECT_EQ(d.take(), (Lines{"CAP LS 302", "CAP REQ :multi-prefix sasl"}));
  d.server(":s CAP * NAK :multi-prefix sasl");
  EXPECT_EQ(d.take(), Lines{"CAP END"});
  EXPECT_TRUE(d.cap.enabled_caps().empty());
  EXPECT_TRUE(d.cap.use_nickserv_fallback());
}

TEST(CapNegotiation, NothingWantedEndsAtOnce) {
  Dialogue d(CapConfig{});
  d.cap.start();
  d.server(":s CAP * LS :sasl=PLAIN");  // no credentials, so sasl is not wanted
  EXPECT_EQ(d.take(), (Lines{"CAP LS 302", "CAP END"}));
  EXPECT_EQ(d.cap.sasl_outcome(), SaslOutcome::not_attempted);
  EXPECT_FALSE(d.cap.use_nickserv_fallback());
}

TEST(CapNegotiation, ServerWithoutCap) {
  Dialogue d(with_plain());
  d.cap.start();
  d.take();
  EXPECT_TRUE(d.server(":old.server 421 * CAP :Unknown command"));
  EXPECT_TRUE(d.cap.finished());
  EXPECT_TRUE(d.take().empty());
  EXPECT_TRUE(d.cap.use_nickserv_fallback());

  Dialogue silent(with_plain());
  silent.cap.start();
  EXPECT_FALSE(silent.server(":old.server 001 me :Welcome"));
  EXPECT_TRUE(silent.cap.finished());
  EXPECT_EQ(silent.cap.sasl_outcome(), SaslOutcome::unavailable);
}

TEST(CapNegotiation, ExternalSendsEmptyResponse) {
  CapConfig c;
  c.wanted = {"sasl"};
  c.sasl = SaslCredentials{SaslCredentials::Mechanism::external, "", "", ""};
  Dialogue d(c);
  d.cap.start();
  d.server(":s CAP * LS :sasl=PLAIN,EXTERNAL");
  d.server(":s CAP * ACK :sasl");
  EXPECT_EQ(d.take(), (Lines{"CAP LS 302", "CAP REQ sasl", "AUTHENTICATE EXTERNAL"}));
  d.server("AUTHENTICATE +");
  EXPECT_EQ(d.take(), Lines{"AUTHENTICATE +"});
  d.server(":s 903 * :ok");
  EXPECT_EQ(d.take(), Lines{"CAP END"});
  EXPECT_EQ(d.cap.sasl_outcome(), SaslOutcome::succeeded);
  EXPECT_FALSE(d.cap.use_nickserv_fallback());
}

TEST(CapNegotiation, LongCredentialsAreChunked) {
  Dialogue d(with_plain(std::string(600, 'p')));
  d.cap.start();
  d.server(":s CAP * LS :sasl");
  d.server(":s CAP * ACK :sasl");
  d.server("AUTHENTICATE +");
  Lines sent = d.take();
  // LS, REQ, AUTHENTICATE PLAIN, then 812 bytes of base64 as 400 + 400 + 12.
  ASSERT_EQ(sent.size(), 6u);
  EXPECT_EQ(sent[3].size(), std::string("AUTHENTICATE ").size() + 400);
  EXPECT_EQ(sent[4].size(), std::string("AUTHENTICATE ").size() + 400);
  std::string payload = sent[3].substr(13) + sent[4].substr(13) + sent[5].substr(13);
  EXPECT_EQ(payload, base64_encode(sasl_plain_message("", "jilles", std::string(600, 'p'))));
}

TEST(CapNegotiation, SaslMechsListThenFailure) {
  Dialogue d(with_plain());
  d.cap.start();
  d.server(":s CAP * LS :sasl");
  d.server(":s CAP * ACK :sasl");
  d.take();
  EXPECT_TRUE(d.server(":s 908 * EXTERNAL :are available SASL mechanisms"));
  EXPECT_EQ(d.cap.offered_value("sasl"), "EXTERNAL");
  d.server(":s 904 * :SASL authentication failed");
  EXPECT_EQ(d.take(), Lines{"CAP END"});
  EXPECT_TRUE(d.cap.use_nickserv_fallback());
}

TEST(CapNegotiation, AbortDuringSasl) {
  Dialogue d(with_plain());
  d.cap.start();
  d.server(":s CAP * LS :sasl");
  d.server(":s CAP * ACK :sasl");
  d.take();
  d.cap.abort();
  EXPECT_EQ(d.take(), (Lines{"AUTHENTICATE *", "CAP END"}));
  EXPECT_EQ(d.cap.sasl_outcome(), SaslOutcome::failed);
  d.cap.abort();
  EXPECT_TRUE(d.take().empty());
}

TEST(CapNegotiation, CapNotifyNewAndDel) {
  CapConfig c;
  Dialogue d(c);
  d.cap.start();
  d.server(":s CAP * LS :cap-notify");
  d.server(":s CAP * ACK :cap-notify");
  EXPECT_EQ(d.take(), (Lines{"CAP LS 302", "CAP REQ cap-notify", "CAP END"}));
  d.server(":s CAP me NEW :away-notify sasl=PLAIN batch");
  EXPECT_EQ(d.take(), Lines{"CAP REQ away-notify"});
  d.server(":s CAP me ACK :away-notify");
  EXPECT_TRUE(d.take().empty());  // no second CAP END
  EXPECT_TRUE(d.cap.enabled("away-notify"));
  d.server(":s CAP me DEL :away-notify");
  EXPECT_FALSE(d.cap.enabled("away-notify"));
  EXPECT_FALSE(d.cap.offered_value("away-notify"));
}

TEST(CapNegotiation, IgnoresUnrelatedTraffic) {
  Dialogue d(with_plain());
  d.cap.start();
  EXPECT_FALSE(d.server(":s NOTICE * :*** Looking up your hostname"));
  EXPECT_FALSE(d.server("PING :abc"));
  EXPECT_TRUE(d.server("AUTHENTICATE +"));  // not authenticating: ignored
  EXPECT_EQ(d.take(), Lines{"CAP LS 302"});
}

// Registers without sasl on offer (services down), so the caller falls back to NickServ.
void register_without_sasl(Dialogue& d) {
  d.cap.start();
  d.server(":s CAP * LS :cap-notify server-time");
  d.server(":s CAP * ACK :server-time cap-notify");
  d.take();
  d.server(":s 001 jilles :Welcome");
}

TEST(CapNegotiation, SaslOfferedByCapNewLogsInAfterRegistration) {
  Dialogue d(with_plain());
  d.cap.start();
  d.server(":s CAP * LS :cap-notify server-time");
  d.server(":s CAP * ACK :server-time cap-notify");
  EXPECT_EQ(d.take(), (Lines{"CAP LS 302", "CAP REQ :server-time cap-notify", "CAP END"}));
  EXPECT_EQ(d.cap.sasl_outcome(), SaslOutcome::unavailable);
  d.server(":s 001 jilles :Welcome");

  d.server(":s CAP jilles NEW :sasl=PLAIN,EXTERNAL");
  EXPECT_EQ(d.take(), Lines{"CAP REQ sasl"});
  d.server(":s CAP jilles ACK :sasl");
  EXPECT_EQ(d.take(), Lines{"AUTHENTICATE PLAIN"});
  EXPECT_EQ(d.cap.sasl_outcome(), SaslOutcome::in_progress);
  d.server("AUTHENTICATE +");
  EXPECT_EQ(d.take(), Lines{"AUTHENTICATE " + base64_encode(std::string("\0jilles\0sesame", 14))});
  d.server(":s 900 jilles jilles!j@h jilles :You are now logged in as jilles");
  d.server(":s 903 jilles :SASL authentication successful");
  EXPECT_TRUE(d.take().empty());  // registration is long over: no CAP END
  EXPECT_EQ(d.cap.sasl_outcome(), SaslOutcome::succeeded);
  EXPECT_EQ(d.cap.account(), "jilles");

  // Services restart again: already logged in, nothing to do.
  d.server(":s CAP jilles DEL :sasl");
  d.server(":s CAP jilles NEW :sasl=PLAIN");
  EXPECT_TRUE(d.take().empty());
}

TEST(CapNegotiation, LateSaslFailureSendsNoCapEnd) {
  Dialogue d(with_plain());
  register_without_sasl(d);
  d.server(":s CAP jilles NEW :sasl=PLAIN away-notify");
  EXPECT_EQ(d.take(), Lines{"CAP REQ :sasl away-notify"});
  d.server(":s CAP jilles ACK :sasl away-notify");
  EXPECT_EQ(d.take(), Lines{"AUTHENTICATE PLAIN"});
  d.server("AUTHENTICATE +");
  d.take();
  EXPECT_TRUE(d.server(":s 904 jilles :SASL authentication failed"));
  EXPECT_TRUE(d.take().empty());
  EXPECT_EQ(d.cap.sasl_outcome(), SaslOutcome::failed);
  EXPECT_TRUE(d.cap.enabled("away-notify"));
}

TEST(CapNegotiation, LateSaslNakedOrWithoutOurMechanismIsNotTried) {
  Dialogue d(with_plain());
  register_without_sasl(d);
  d.server(":s CAP jilles NEW :sasl=EXTERNAL");
  EXPECT_TRUE(d.take().empty());
  d.server(":s CAP jilles NEW :sasl=PLAIN");
  EXPECT_EQ(d.take(), Lines{"CAP REQ sasl"});
  d.server(":s CAP jilles NAK :sasl");
  EXPECT_TRUE(d.take().empty());
  EXPECT_FALSE(d.cap.enabled("sasl"));
  // A later, unrelated ACK must not start SASL.
  d.server(":s CAP jilles NEW :away-notify");
  EXPECT_EQ(d.take(), Lines{"CAP REQ away-notify"});
  d.server(":s CAP jilles ACK :away-notify");
  EXPECT_TRUE(d.take().empty());
}

TEST(CapNegotiation, LateSaslWithoutCredentialsIsNotRequested) {
  CapConfig c;
  Dialogue d(c);
  d.cap.start();
  d.server(":s CAP * LS :cap-notify");
  d.server(":s CAP * ACK :cap-notify");
  d.take();
  d.server(":s CAP me NEW :sasl=PLAIN");
  EXPECT_TRUE(d.take().empty());
}

}  // namespace
}  // namespace junction::irc
