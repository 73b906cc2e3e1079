#include "lmtp_session.hpp"

#include <gtest/gtest.h>

#include <optional>

namespace junction::email {
namespace {

struct FakeSink : ReplySink {
  std::vector<std::string> lines;
  bool closed = false;
  std::string partial;
  void write(std::string_view bytes) override {
    partial.append(bytes);
    std::size_t pos;
    while ((pos = partial.find("\r\n")) != std::string::npos) {
      lines.push_back(partial.substr(0, pos));
      partial.erase(0, pos + 2);
    }
  }
  void close() override { closed = true; }
  std::vector<std::string> take() { return std::exchange(lines, {}); }
};

class SessionTest : public ::testing::Test {
 protected:
  void make(InboundProtocol protocol, std::size_t max_bytes = 1024, int max_errors = 5) {
    SessionConfig config;
    config.protocol = protocol;
    config.hostname = "mail.example.org";
    config.max_message_bytes = max_bytes;
    config.max_errors = max_errors;
    session = std::make_unique<LmtpSession>(
        config, sink,
        [this](const std::string& rcpt, LmtpSession::RcptAnswer answer) {
          if (hold_rcpt) {
            held_rcpt = std::move(answer);
            return;
          }
          answer(rcpt.starts_with("nobody@") ? RcptVerdict::unknown_user : RcptVerdict::accept);
        },
        [this](InboundEnvelope envelope, LmtpSession::DeliveryAnswer answer) {
          delivered.push_back(std::move(envelope));
          if (statuses) {
            answer(*statuses);
          } else {
            held_delivery = std::move(answer);
          }
        });
    session->start();
    sink.take();
  }

  std::vector<std::string> say(std::string_view bytes) {
    session->feed(bytes);
    return sink.take();
  }

  FakeSink sink;
  std::unique_ptr<LmtpSession> session;
  std::vector<InboundEnvelope> delivered;
  std::optional<std::vector<DeliveryStatus>> statuses;  // nullopt: answer later by hand
  bool hold_rcpt = false;
  LmtpSession::RcptAnswer held_rcpt;
  LmtpSession::DeliveryAnswer held_delivery;
};

using Lines = std::vector<std::string>;

TEST_F(SessionTest, LmtpDialogueWithOneUnknownRecipient) {
  SessionConfig config;
  FakeSink greeting_sink;
  LmtpSession greeter(config, greeting_sink, nullptr, nullptr);
  greeter.start();
  EXPECT_EQ(greeting_sink.lines, Lines{"220 localhost LMTP Junction ready"});

  make(InboundProtocol::lmtp);
  EXPECT_EQ(say("LHLO mx.example.org\r\n"),
            (Lines{"250-mail.example.org", "250-PIPELINING", "250-ENHANCEDSTATUSCODES", "250-8BITMIME", "250 SIZE 1024"}));
  EXPECT_EQ(say("MAIL FROM:<bob@example.com> SIZE=100 BODY=8BITMIME\r\n"), Lines{"250 2.1.0 Ok"});
  EXPECT_EQ(say("RCPT TO:<alice@example.org>\r\n"), Lines{"250 2.1.5 Ok"});
  EXPECT_EQ(say("RCPT TO:<nobody@example.org>\r\n"),
            Lines{"550 5.1.1 <nobody@example.org>: Recipient address rejected: User unknown"});
  EXPECT_EQ(say("RCPT TO:<carol@example.org>\r\n"), Lines{"250 2.1.5 Ok"});
  EXPECT_EQ(say("DATA\r\n"), Lines{"354 End data with <CR><LF>.<CR><LF>"});
  EXPECT_TRUE(say("Subject: hi\r\n\r\n..leading dot\r\nlast line\r\n").empty());
  EXPECT_TRUE(say(".\r").empty());
  EXPECT_TRUE(say("\n").empty());  // delivery outstanding: no reply yet
  ASSERT_EQ(delivered.size(), 1u);
  EXPECT_EQ(delivered[0].helo, "mx.example.org");
  EXPECT_EQ(delivered[0].mail_from, "bob@example.com");
  EXPECT_EQ(delivered[0].recipients, (Lines{"alice@example.org", "carol@example.org"}));
  EXPECT_EQ(delivered[0].message, "Subject: hi\r\n\r\n.leading dot\r\nlast line\r\n");

  held_delivery({{DeliveryOutcome::delivered, ""}, {DeliveryOutcome::temporary_failure, "store busy\r\nX"}});
  EXPECT_EQ(sink.take(), (Lines{"250 2.0.0 <alice@example.org> Ok", "451 4.3.0 <carol@example.org> store busyX"}));
  EXPECT_EQ(say("QUIT\r\n"), Lines{"221 2.0.0 mail.example.org closing connection"});
  EXPECT_TRUE(sink.closed);
  EXPECT_TRUE(say("NOOP\r\n").empty());
}

TEST_F(SessionTest, PipelinedCommandsWaitForTheAsyncAnswers) {
  make(InboundProtocol::lmtp);
  hold_rcpt = true;
  auto out = say(
      "LHLO mx\r\nMAIL FROM:<>\r\nRCPT TO:<alice@example.org>\r\nDATA\r\nhello\r\n.\r\nQUIT\r\n");
  EXPECT_EQ(out.size(), 6u);  // LHLO (5 lines) and MAIL; RCPT is being checked
  EXPECT_EQ(out.back(), "250 2.1.0 Ok");
  hold_rcpt = false;
  held_rcpt(RcptVerdict::accept);
  held_rcpt(RcptVerdict::unknown_user);  // a second answer is ignored
  EXPECT_EQ(sink.take(), (Lines{"250 2.1.5 Ok", "354 End data with <CR><LF>.<CR><LF>"}));
  ASSERT_EQ(delivered.size(), 1u);
  EXPECT_EQ(delivered[0].mail_from, "");
  EXPECT_FALSE(sink.closed);
  held_delivery({{DeliveryOutcome::delivered, "queued as 7"}});
  EXPECT_EQ(sink.take(), (Lines{"250 2.0.0 <alice@example.org> Ok queued as 7", "221 2.0.0 mail.example.org closing connection"}));
  EXPECT_TRUE(sink.closed);
}

TEST_F(SessionTest, SmtpDialogueHasOneReplyAfterData) {
  make(InboundProtocol::smtp);
  statuses = std::vector<DeliveryStatus>{{DeliveryOutcome::delivered, ""}, {DeliveryOutcome::delivered, ""}};
  EXPECT_EQ(say("LHLO mx\r\n"), Lines{"500 5.5.1 LHLO is for LMTP; use EHLO"});
  EXPECT_EQ(say("HELO mx\r\n"), Lines{"250 mail.example.org"});
  EXPECT_EQ(say("EHLO mx\r\n").back(), "250 SIZE 1024");
  auto out = say("MAIL FROM:<bob@example.com>\r\nRCPT TO:<alice@example.org>\r\nRCPT TO:<dave@example.org>\r\nDATA\r\nhi\r\n.\r\n");
  EXPECT_EQ(out, (Lines{"250 2.1.0 Ok", "250 2.1.5 Ok", "250 2.1.5 Ok", "354 End data with <CR><LF>.<CR><LF>", "250 2.0.0 Ok"}));
  statuses = std::vector<DeliveryStatus>{{DeliveryOutcome::delivered, ""}, {DeliveryOutcome::temporary_failure, ""}};
  out = say("MAIL FROM:<bob@example.com>\r\nRCPT TO:<alice@example.org>\r\nRCPT TO:<dave@example.org>\r\nDATA\r\nhi\r\n.\r\n");
  EXPECT_EQ(out.back(), "451 4.3.0 Temporary failure for some recipients, try again later");
  statuses = std::vector<DeliveryStatus>{{DeliveryOutcome::permanent_failure, "no"}};
  out = say("MAIL FROM:<bob@example.com>\r\nRCPT TO:<alice@example.org>\r\nDATA\r\nhi\r\n.\r\n");
  EXPECT_EQ(out.back(), "554 5.0.0 Delivery failed");
  EXPECT_EQ(say("DATA\r\n"), Lines{"503 5.5.1 Need MAIL command"});
  EXPECT_EQ(say("MAIL FROM:<a@b.c>\r\nDATA\r\n").back(), "554 5.5.1 No valid recipients");
  EXPECT_EQ(say("VRFY alice\r\n"), Lines{"252 2.5.0 Cannot VRFY user, but will accept message and attempt delivery"});
}

TEST_F(SessionTest, SizeLimits) {
  make(InboundProtocol::lmtp, 64);
  statuses = std::vector<DeliveryStatus>{};
  say("LHLO mx\r\n");
  EXPECT_EQ(say("MAIL FROM:<bob@example.com> SIZE=65\r\n"), Lines{"552 5.3.4 Message size exceeds the limit"});
  say("MAIL FROM:<bob@example.com> SIZE=64\r\nRCPT TO:<a@example.org>\r\nRCPT TO:<b@example.org>\r\nDATA\r\n");
  std::string big(100, 'x');
  auto out = say(big + "\r\n" + big + big + big + "\r\n.\r\n");
  EXPECT_EQ(out, (Lines{"552 5.3.4 Message exceeds the size limit", "552 5.3.4 Message exceeds the size limit"}));
  EXPECT_TRUE(delivered.empty());
  // The session is usable again, and a line without end beyond the limit is refused.
  EXPECT_EQ(say("NOOP\r\n"), Lines{"250 2.0.0 Ok"});
  say("MAIL FROM:<bob@example.com>\r\nRCPT TO:<a@example.org>\r\nDATA\r\n");
  EXPECT_TRUE(say(std::string(200, 'y')).empty());
  EXPECT_EQ(say("yyy\r\n.\r\n"), Lines{"552 5.3.4 Message exceeds the size limit"});
}

TEST_F(SessionTest, BadSequenceAndSyntax) {
  make(InboundProtocol::lmtp, 1024, 10);
  EXPECT_EQ(say("MAIL FROM:<bob@example.com>\r\n"), Lines{"503 5.5.1 Send LHLO first"});
  say("LHLO mx\r\n");
  EXPECT_EQ(say("RCPT TO:<alice@example.org>\r\n"), Lines{"503 5.5.1 Need MAIL command"});
  EXPECT_EQ(say("MAIL TO:<bob@example.com>\r\n"), Lines{"501 5.5.4 Syntax: MAIL FROM:<address>"});
  EXPECT_EQ(say("MAIL FROM:<bob@example.com> FOO=1\r\n"), Lines{"555 5.5.4 Unsupported MAIL parameter FOO"});
  EXPECT_EQ(say("mail from: <bob@example.com>\r\n"), Lines{"250 2.1.0 Ok"});
  EXPECT_EQ(say("MAIL FROM:<bob@example.com>\r\n"), Lines{"503 5.5.1 Nested MAIL command"});
  EXPECT_EQ(say("DATA\r\n"), Lines{"503 5.5.1 Need RCPT command"});
}

TEST_F(SessionTest, TooManyErrorsCloses) {
  make(InboundProtocol::lmtp);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(say("FOO\r\n"), Lines{"500 5.5.2 Command unrecognized"});
  EXPECT_EQ(say("EHLO x\r\nNOOP\r\n"),
            (Lines{"500 5.5.1 This is an LMTP server; use LHLO", "421 4.7.0 mail.example.org Too many errors, closing connection"}));
  EXPECT_TRUE(sink.closed);
  EXPECT_TRUE(session->closed());
}

TEST_F(SessionTest, OverlongCommandLine) {
  make(InboundProtocol::lmtp);
  EXPECT_EQ(say(std::string(3000, 'A')), Lines{"500 5.5.2 Line too long"});
  EXPECT_TRUE(say(std::string(100, 'A')).empty());  // still the same line: dropped
  EXPECT_EQ(say("\r\nNOOP\r\n"), Lines{"250 2.0.0 Ok"});
  EXPECT_EQ(say("RSET\nNOOP\n"), (Lines{"250 2.0.0 Ok", "250 2.0.0 Ok"}));
}

TEST_F(SessionTest, ByteByByteInputGivesTheSameDialogue) {
  std::string script =
      "LHLO mx\r\nMAIL FROM:<b@example.com>\r\nRCPT TO:<a@example.org>\r\nDATA\r\n.x\r\n\r\n.\r\nQUIT\r\n";
  make(InboundProtocol::lmtp);
  statuses = std::vector<DeliveryStatus>{{DeliveryOutcome::delivered, ""}};
  auto whole = say(script);
  make(InboundProtocol::lmtp);
  for (char c : script) session->feed(std::string_view(&c, 1));
  EXPECT_EQ(sink.take(), whole);
  ASSERT_EQ(delivered.size(), 2u);
  EXPECT_EQ(delivered[1].message, "x\r\n\r\n");
}

TEST_F(SessionTest, LateAnswerAfterDestructionIsIgnored) {
  make(InboundProtocol::lmtp);
  hold_rcpt = true;
  say("LHLO mx\r\nMAIL FROM:<>\r\nRCPT TO:<alice@example.org>\r\n");
  session.reset();
  held_rcpt(RcptVerdict::accept);  // must not touch the destroyed session
  EXPECT_TRUE(sink.take().empty());
}

}  // namespace
}  // namespace junction::email
