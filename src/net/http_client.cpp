#include "net/http_client.hpp"

#include "util/log.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <memory>

namespace junction::net {

namespace {

constexpr std::string_view kLog = "http-client";

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) s.remove_suffix(1);
  return s;
}

// The query string of a provider URL can carry credentials (Kannel's sendsms): keep it out of
// error messages and logs.
std::string_view redact(std::string_view url) { return url.substr(0, url.find('?')); }

class HttpTransfer final : public CurlTransfer {
 public:
  HttpTransfer(HttpClientRequest request, HttpClient::Callback done, std::size_t max_body)
      : request_(std::move(request)), done_(std::move(done)), max_body_(max_body) {}

  ~HttpTransfer() override { curl_slist_free_all(headers_); }

  void configure(const std::string& user_agent) {
    CURL* e = easy();
    curl_easy_setopt(e, CURLOPT_URL, request_.url.c_str());
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_USERAGENT, user_agent.c_str());
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(request_.timeout.count()));
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &HttpTransfer::on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, this);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, &HttpTransfer::on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, this);

    const std::string& m = request_.method;
    if (m == "GET") {
      curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
    } else if (m == "HEAD") {
      curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
    } else {
      // POSTFIELDS sends the body with any verb; CUSTOMREQUEST only renames the request line.
      curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request_.body.size()));
      curl_easy_setopt(e, CURLOPT_POSTFIELDS, request_.body.data());
      if (m != "POST") curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, m.c_str());
    }

    for (const auto& [name, value] : request_.headers) {
      std::string line = name + ": " + value;
      headers_ = curl_slist_append(headers_, line.c_str());
    }
    // curl would otherwise wait up to a second for "100 Continue" before larger bodies.
    headers_ = curl_slist_append(headers_, "Expect:");
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, headers_);

    if (!request_.basic_user.empty()) {
      curl_easy_setopt(e, CURLOPT_HTTPAUTH, static_cast<long>(CURLAUTH_BASIC));
      curl_easy_setopt(e, CURLOPT_USERNAME, request_.basic_user.c_str());
      curl_easy_setopt(e, CURLOPT_PASSWORD, request_.basic_password.c_str());
    }
  }

 private:
  static size_t on_body(char* data, size_t size, size_t count, void* userp) {
    auto* self = static_cast<HttpTransfer*>(userp);
    size_t n = size * count;
    if (self->response_.body.size() + n > self->max_body_) {
      self->too_large_ = true;
      return 0;  // makes curl fail the transfer with CURLE_WRITE_ERROR
    }
    self->response_.body.append(data, n);
    return n;
  }

  static size_t on_header(char* data, size_t size, size_t count, void* userp) {
    auto* self = static_cast<HttpTransfer*>(userp);
    size_t n = size * count;
    std::string_view line(data, n);
    if (line.starts_with("HTTP/")) {
      // A new status line (after "100 Continue", say): only the last response's headers count.
      self->response_.headers.clear();
      return n;
    }
    auto colon = line.find(':');
    if (colon != std::string_view::npos && colon > 0) {
      self->response_.headers.emplace(lower(trim(line.substr(0, colon))), std::string(trim(line.substr(colon + 1))));
    }
    return n;
  }

  void finish(CURLcode code, std::string_view detail, bool cancelled) override {
    auto done = std::move(done_);
    if (code == CURLE_OK && !cancelled) {
      long status = 0;
      curl_easy_getinfo(easy(), CURLINFO_RESPONSE_CODE, &status);
      response_.status = static_cast<int>(status);
      done(std::move(response_));
      return;
    }
    std::string why = too_large_ ? fmt::format("response body over {} bytes", max_body_) : std::string(detail);
    auto message = fmt::format("{} {}: {}", request_.method, redact(request_.url), why);
    log::debug(kLog, "{}", message);
    done(fail(std::move(message)));
  }

  HttpClientRequest request_;
  HttpClient::Callback done_;
  std::size_t max_body_;
  curl_slist* headers_ = nullptr;
  HttpClientResponse response_;
  bool too_large_ = false;
};

}  // namespace

std::string HttpClientResponse::header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  return it == headers.end() ? std::string() : it->second;
}

HttpClient::HttpClient(CurlMulti& multi, Options options) : multi_(multi), options_(std::move(options)) {}

HttpClient::~HttpClient() { cancel_all(); }

void HttpClient::request(HttpClientRequest request, Callback done) {
  auto transfer = std::make_shared<HttpTransfer>(std::move(request), std::move(done), options_.max_response_bytes);
  transfer->configure(options_.user_agent);
  multi_.start(std::move(transfer), this);
}

void HttpClient::cancel_all() { multi_.cancel_owned_by(this); }

std::string url_encode(std::string_view text) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 0x0F]);
    }
  }
  return out;
}

std::string form_encode(const std::vector<std::pair<std::string, std::string>>& fields) {
  auto encode = [](std::string_view s) {
    std::string out;
    size_t start = 0;
    for (size_t i = 0; i <= s.size(); ++i) {
      if (i == s.size() || s[i] == ' ') {
        out += url_encode(s.substr(start, i - start));
        if (i < s.size()) out.push_back('+');
        start = i + 1;
      }
    }
    return out;
  };
  std::string out;
  for (const auto& [name, value] : fields) {
    if (!out.empty()) out.push_back('&');
    out += encode(name);
    out.push_back('=');
    out += encode(value);
  }
  return out;
}

}  // namespace junction::net
