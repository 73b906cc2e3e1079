#pragma once
// SMTP submission to a relay through libcurl. The outbox retries a transient failure with
// backoff and turns a permanent one into an error to the sender, so every failure says which
// it is.
//
// Why a thread of its own: libcurl's SMTP "done" phase (waiting for the reply to the final
// ".", and for QUIT's reply on disconnect) blocks inside curl_multi_socket_action, even in
// the multi interface. On the shared loop that would stall every stream for as long as the
// relay takes to accept a message. So the client runs its own CurlMulti on a private
// io_context and thread, and hands results back to the caller's loop.
#include "net/curl_multi.hpp"
#include "util/result.hpp"

#include <chrono>
#include <expected>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace junction::net {

struct SmtpSubmission {
  std::string url{};  // smtp://host:port or smtps://host:port; a path becomes the EHLO name
  std::string user{}, password{};  // AUTH when user is not empty
  bool starttls = false;       // require STARTTLS (CURLUSESSL_ALL) on smtp://
  bool verify_peer = true;     // certificate and host name checks
  std::string mail_from{};     // bare address; curl adds the angle brackets
  std::vector<std::string> rcpt_to{};
  std::string message{};  // full RFC 5322 text with CRLF line ends; dot-stuffing is done here
  std::chrono::milliseconds timeout{60'000};
};

struct SmtpResult {
  int code = 0;       // the server's last reply code (250 on success)
  std::string reply{};  // its last reply line, e.g. "250 2.0.0 Ok: queued as 4F2A"
};

enum class SmtpFailure {
  transient,  // 4xx, connection or TLS trouble, timeout, cancellation: try again later
  permanent,  // 5xx or an unusable URL: retrying will not help
};

struct SmtpError : Error {
  SmtpFailure failure = SmtpFailure::transient;
  int code = 0;  // the server's reply code, 0 when it never answered
};

using SmtpOutcome = std::expected<SmtpResult, SmtpError>;

class SmtpClient {
 public:
  // `loop` is where callbacks run; it must outlive the client.
  SmtpClient(asio::io_context& loop, CurlMulti::Options options);
  explicit SmtpClient(asio::io_context& loop) : SmtpClient(loop, CurlMulti::Options{}) {}
  // Stops the worker thread. Submissions still running are cancelled: their `done` gets a
  // transient error, posted to the loop.
  ~SmtpClient();
  SmtpClient(const SmtpClient&) = delete;
  SmtpClient& operator=(const SmtpClient&) = delete;

  using Callback = std::function<void(SmtpOutcome)>;
  // Call on the loop's thread. `done` is called exactly once, on the loop, never from inside
  // send().
  void send(SmtpSubmission submission, Callback done);

 private:
  struct Worker;
  std::unique_ptr<Worker> worker_;
};

// How a failed submission should be treated, from curl's result and the last reply code.
SmtpFailure classify_smtp_failure(CURLcode code, int reply_code);

}  // namespace junction::net
