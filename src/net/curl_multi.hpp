#pragma once
// One libcurl multi handle driven by the shared io_context (single thread): the HTTP client and
// the SMTP client both run their transfers here, so connection caches and limits are shared.
//
// curl never blocks the loop: it hands us its sockets through CURLMOPT_SOCKETFUNCTION and its
// deadline through CURLMOPT_TIMERFUNCTION; Asio waits, then we call curl_multi_socket_action.
// Sockets for connections are opened by us (CURLOPT_OPENSOCKETFUNCTION) so Asio owns their
// lifetime; descriptors curl makes itself (the threaded resolver's wake-up pair) are watched
// through a dup. curl_multi_* is never called from inside one of curl's callbacks.
//
// Not thread-safe: use from the io_context's thread only.
#include "util/asio.hpp"

#include <curl/curl.h>

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace junction::net {

// One easy handle and everything it points at (buffers, header lists), alive exactly as long
// as the transfer. Subclasses set their options on easy() before CurlMulti::start.
class CurlTransfer {
 public:
  CurlTransfer();
  virtual ~CurlTransfer();
  CurlTransfer(const CurlTransfer&) = delete;
  CurlTransfer& operator=(const CurlTransfer&) = delete;

  CURL* easy() const { return easy_; }

 protected:
  // Called exactly once, on the loop, after the handle left the multi. `detail` is curl's
  // error buffer (or its generic text); `cancelled` is set when the transfer was cancelled.
  virtual void finish(CURLcode code, std::string_view detail, bool cancelled) = 0;

 private:
  friend class CurlMulti;
  void complete(CURLcode code, bool cancelled);

  CURL* easy_;
  const void* owner_ = nullptr;
  char error_[CURL_ERROR_SIZE] = {};
};

class CurlMulti {
 public:
  struct Options {
    long max_host_connections = 8;    // CURLMOPT_MAX_HOST_CONNECTIONS; extra transfers queue
    long max_total_connections = 64;  // CURLMOPT_MAX_TOTAL_CONNECTIONS
  };

  CurlMulti(asio::io_context& io, Options options);
  explicit CurlMulti(asio::io_context& io) : CurlMulti(io, Options{}) {}
  // Cancels every transfer still running (their finish() runs before this returns).
  ~CurlMulti();
  CurlMulti(const CurlMulti&) = delete;
  CurlMulti& operator=(const CurlMulti&) = delete;

  // Adds the transfer. `owner` tags it for cancel_owned_by (a client passes `this`).
  // finish() is always called later on the loop, never from inside start().
  void start(std::shared_ptr<CurlTransfer> transfer, const void* owner);
  // Removes every transfer tagged with `owner`; each gets finish(..., cancelled = true) now.
  void cancel_owned_by(const void* owner);

  std::size_t active() const;  // transfers started and not yet finished
  asio::io_context& io() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace junction::net
