#pragma once
// The server side of LMTP (RFC 2033) and of the SMTP subset an MTA uses to hand mail over
// (RFC 5321), without I/O: bytes go in through feed(), replies come out through a ReplySink.
// The Asio layer only moves bytes, so every dialogue is testable as a script.
//
// Recipient checks and the final delivery are asynchronous: while one is outstanding the
// session reads no further input, so pipelined commands are answered in order. LMTP answers
// once per accepted recipient after DATA; SMTP has a single answer, so a partial failure
// there becomes 451 (the MTA retries all, duplicates are possible) — prefer LMTP.
//
// Not thread-safe: feed() and the answer callbacks must run on one thread (the loop). An
// answer arriving after the session is gone is ignored.
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace junction::email {

enum class InboundProtocol { lmtp, smtp };

struct SessionConfig {
  InboundProtocol protocol = InboundProtocol::lmtp;
  std::string hostname = "localhost";              // in the greeting and LHLO/EHLO reply
  std::size_t max_message_bytes = 25 * 1024 * 1024;  // advertised as SIZE; larger: 552
  std::size_t max_command_line = 2048;  // RFC 5321 says 512; extensions make lines longer
  std::size_t max_recipients = 100;     // RFC 5321 4.5.3.1.8 minimum
  int max_errors = 10;                  // then 421 and close
};

class ReplySink {
 public:
  virtual ~ReplySink() = default;
  /// Complete reply lines, each ending in CRLF.
  virtual void write(std::string_view bytes) = 0;
  /// The session is over (QUIT, too many errors); close once the writes are flushed. Must
  /// not destroy the session from inside this call: post that to the loop.
  virtual void close() = 0;
};

enum class RcptVerdict { accept, unknown_user, temporary_failure };

enum class DeliveryOutcome { delivered, temporary_failure, permanent_failure };
struct DeliveryStatus {
  DeliveryOutcome outcome = DeliveryOutcome::temporary_failure;
  std::string detail{};  // appended to the reply text; control characters are removed
};

struct InboundEnvelope {
  std::string helo;
  std::string mail_from;                // empty for bounces ("<>")
  std::vector<std::string> recipients;  // accepted ones, in RCPT order
  std::string message;                  // dot-unstuffed, CRLF line ends
};

class LmtpSession {
 public:
  using RcptAnswer = std::function<void(RcptVerdict)>;
  using RecipientCheck = std::function<void(const std::string& recipient, RcptAnswer answer)>;
  /// One status per envelope recipient, in order; missing entries count as temporary.
  using DeliveryAnswer = std::function<void(std::vector<DeliveryStatus>)>;
  using DeliveryHandler = std::function<void(InboundEnvelope envelope, DeliveryAnswer answer)>;

  /// `sink` must outlive the session.
  LmtpSession(SessionConfig config, ReplySink& sink, RecipientCheck check, DeliveryHandler deliver);
  ~LmtpSession();
  LmtpSession(const LmtpSession&) = delete;
  LmtpSession& operator=(const LmtpSession&) = delete;

  /// Sends the 220 greeting.
  void start();
  /// Raw bytes from the connection, in any chunking.
  void feed(std::string_view bytes);
  bool closed() const { return closed_; }

 private:
  enum class Phase { greeting, ready, mail, data };
  struct Handler {
    std::string_view verb;
    void (LmtpSession::*run)(std::string_view argument);
  };
  static const Handler kHandlers[];

  void pump();
  bool take_line(std::string& line);
  void handle_command(std::string_view line);
  void handle_data_line(std::string_view line);
  void finish_data();
  void on_delivered(std::vector<DeliveryStatus> statuses);

  void cmd_lhlo(std::string_view arg);
  void cmd_ehlo(std::string_view arg);
  void cmd_helo(std::string_view arg);
  void cmd_mail(std::string_view arg);
  void cmd_rcpt(std::string_view arg);
  void cmd_data(std::string_view arg);
  void cmd_rset(std::string_view arg);
  void cmd_noop(std::string_view arg);
  void cmd_quit(std::string_view arg);
  void cmd_vrfy(std::string_view arg);
  void cmd_help(std::string_view arg);
  void cmd_not_implemented(std::string_view arg);

  void greet(std::string_view arg, bool extended);
  void reply(std::string_view line);
  void client_error(std::string_view line);  // a 5xx the client caused; counts towards 421
  void reset_transaction();
  // While paused (an answer outstanding) input is buffered, not read; resume() reads on.
  void pause() { waiting_ = true; }
  void resume();
  bool lmtp() const { return config_.protocol == InboundProtocol::lmtp; }

  SessionConfig config_;
  ReplySink& sink_;
  RecipientCheck check_;
  DeliveryHandler deliver_;
  std::shared_ptr<LmtpSession*> self_;  // answers hold a weak_ptr: a late answer is ignored

  Phase phase_ = Phase::greeting;
  std::string input_;
  std::size_t consumed_ = 0;     // bytes of input_ already handled
  std::size_t scanned_ = 0;      // input_ before this holds no unhandled '\n'
  bool discard_line_ = false;    // dropping the rest of an overlong line
  bool waiting_ = false;
  bool pumping_ = false;
  bool closed_ = false;
  int errors_ = 0;

  std::string helo_;
  std::string mail_from_;
  std::vector<std::string> recipients_;
  std::string data_;
  bool data_too_big_ = false;
};

}  // namespace junction::email
