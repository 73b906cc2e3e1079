#pragma once
// The TCP side of inbound mail: accepts the MTA's connections on the shared io_context and
// moves bytes between each socket and an LmtpSession. All protocol decisions are the
// session's; this file only owns sockets, buffers, an idle timeout and a connection cap.
// Runs on the loop thread only.
#include "lmtp_session.hpp"
#include "util/asio.hpp"
#include "util/result.hpp"

#include <chrono>
#include <memory>
#include <set>
#include <string>

namespace junction::email {

class InboundListener {
 public:
  struct Options {
    SessionConfig session{};
    std::chrono::seconds idle_timeout{300};  // RFC 5321 4.5.3.2.7 asks servers for 5 minutes
    std::size_t max_connections = 200;
  };

  InboundListener(asio::io_context& io, Options options, LmtpSession::RecipientCheck check,
                  LmtpSession::DeliveryHandler deliver);
  ~InboundListener();
  InboundListener(const InboundListener&) = delete;
  InboundListener& operator=(const InboundListener&) = delete;

  /// Binds `listen` ("host:port", port 0 picks one) and starts accepting.
  Result<void> start(const std::string& listen);
  /// Stops accepting and closes every connection; pending answers are dropped (the MTA
  /// keeps the mail and retries).
  void stop();
  unsigned short port() const;
  std::size_t connections() const;

  struct Connection;

 private:
  void accept_next();

  asio::io_context& io_;
  Options options_;
  LmtpSession::RecipientCheck check_;
  LmtpSession::DeliveryHandler deliver_;
  asio::ip::tcp::acceptor acceptor_;
  std::shared_ptr<std::set<std::shared_ptr<Connection>>> live_;
};

}  // namespace junction::email
