#pragma once
// Asynchronous HTTP(S) client for provider APIs (Twilio, Kannel), on the shared CurlMulti.
// A non-2xx status is a response, not an error: the caller decides what 4xx/5xx mean.
// Errors are transport failures (connect, TLS, timeout, oversized body, cancellation), all of
// them worth retrying. Redirects are not followed. Not thread-safe: use on the loop's thread.
#include "net/curl_multi.hpp"
#include "util/result.hpp"

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace junction::net {

struct HttpClientRequest {
  std::string method = "GET";
  std::string url{};
  std::vector<std::pair<std::string, std::string>> headers{};
  std::string body{};
  std::string basic_user{}, basic_password{};  // Basic auth when basic_user is not empty
  std::chrono::milliseconds timeout{15000};  // whole transfer, connect included
};

struct HttpClientResponse {
  int status = 0;
  std::multimap<std::string, std::string> headers{};  // names lower-cased
  std::string body{};

  std::string header(const std::string& lower_name) const;  // first value or ""
};

class HttpClient {
 public:
  struct Options {
    std::size_t max_response_bytes = 16 * 1024 * 1024;  // larger bodies fail the request
    std::string user_agent = "junction";
  };

  // `multi` must outlive the client.
  HttpClient(CurlMulti& multi, Options options);
  explicit HttpClient(CurlMulti& multi) : HttpClient(multi, Options{}) {}
  // Cancels what is still running: each `done` gets an error before this returns.
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  using Callback = std::function<void(Result<HttpClientResponse>)>;
  // `done` is called exactly once, on the loop, never from inside request().
  void request(HttpClientRequest request, Callback done);
  void cancel_all();  // every pending `done` gets an error now

 private:
  CurlMulti& multi_;
  Options options_;
};

// RFC 3986 percent-encoding: everything but ALPHA / DIGIT / "-" / "." / "_" / "~".
std::string url_encode(std::string_view text);
// application/x-www-form-urlencoded, in the given order: spaces as '+', the rest as url_encode.
std::string form_encode(const std::vector<std::pair<std::string, std::string>>& fields);

}  // namespace junction::net
