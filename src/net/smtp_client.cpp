#include "net/smtp_client.hpp"

#include "util/log.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <string_view>

namespace junction::net {

namespace {

constexpr std::string_view kLog = "smtp-client";

class SmtpTransfer final : public CurlTransfer {
 public:
  SmtpTransfer(SmtpSubmission submission, SmtpClient::Callback done)
      : sub_(std::move(submission)), done_(std::move(done)) {}

  ~SmtpTransfer() override { curl_slist_free_all(rcpts_); }

  void configure() {
    CURL* e = easy();
    curl_easy_setopt(e, CURLOPT_URL, sub_.url.c_str());
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(sub_.timeout.count()));
    if (!sub_.user.empty()) {
      curl_easy_setopt(e, CURLOPT_USERNAME, sub_.user.c_str());
      curl_easy_setopt(e, CURLOPT_PASSWORD, sub_.password.c_str());
    }
    if (sub_.starttls) curl_easy_setopt(e, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_ALL));
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, sub_.verify_peer ? 1L : 0L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, sub_.verify_peer ? 2L : 0L);
    curl_easy_setopt(e, CURLOPT_MAIL_FROM, sub_.mail_from.c_str());
    for (const auto& rcpt : sub_.rcpt_to) rcpts_ = curl_slist_append(rcpts_, rcpt.c_str());
    curl_easy_setopt(e, CURLOPT_MAIL_RCPT, rcpts_);
    curl_easy_setopt(e, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(e, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(sub_.message.size()));
    curl_easy_setopt(e, CURLOPT_READFUNCTION, &SmtpTransfer::on_read);
    curl_easy_setopt(e, CURLOPT_READDATA, this);
    // For SMTP, curl hands every server reply line to the header callback.
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, &SmtpTransfer::on_reply);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, this);
  }

 private:
  static size_t on_read(char* buffer, size_t size, size_t count, void* userp) {
    auto* self = static_cast<SmtpTransfer*>(userp);
    size_t n = std::min(size * count, self->sub_.message.size() - self->sent_);
    std::memcpy(buffer, self->sub_.message.data() + self->sent_, n);
    self->sent_ += n;
    return n;
  }

  static size_t on_reply(char* data, size_t size, size_t count, void* userp) {
    auto* self = static_cast<SmtpTransfer*>(userp);
    size_t n = size * count;
    std::string_view line(data, n);
    while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.remove_suffix(1);
    // "250-..." continues a reply; the line without the dash ends it and is the one we keep.
    if (line.size() >= 3 && !(line.size() > 3 && line[3] == '-')) self->last_reply_.assign(line);
    return n;
  }

  void finish(CURLcode code, std::string_view detail, bool cancelled) override {
    auto done = std::move(done_);
    long reply_code = 0;
    curl_easy_getinfo(easy(), CURLINFO_RESPONSE_CODE, &reply_code);
    if (code == CURLE_OK && !cancelled) {
      done(SmtpResult{static_cast<int>(reply_code), last_reply_});
      return;
    }
    SmtpError error;
    error.code = cancelled ? 0 : static_cast<int>(reply_code);
    error.failure = cancelled ? SmtpFailure::transient : classify_smtp_failure(code, error.code);
    bool server_said = error.code != 0 && !last_reply_.empty();
    error.message = server_said ? fmt::format("{} (server: {})", detail, last_reply_) : std::string(detail);
    log::debug(kLog, "submission to {} failed: {}", sub_.url, error.message);
    done(std::unexpected(std::move(error)));
  }

  SmtpSubmission sub_;
  SmtpClient::Callback done_;
  curl_slist* rcpts_ = nullptr;
  size_t sent_ = 0;
  std::string last_reply_;
};

}  // namespace

SmtpFailure classify_smtp_failure(CURLcode code, int reply_code) {
  if (reply_code >= 500 && reply_code < 600) return SmtpFailure::permanent;
  if (reply_code >= 400 && reply_code < 500) return SmtpFailure::transient;
  switch (code) {
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
    case CURLE_LOGIN_DENIED:
      return SmtpFailure::permanent;
    default:
      return SmtpFailure::transient;
  }
}

SmtpClient::SmtpClient(CurlMulti& multi) : multi_(multi) {}

SmtpClient::~SmtpClient() { cancel_all(); }

void SmtpClient::send(SmtpSubmission submission, Callback done) {
  auto transfer = std::make_shared<SmtpTransfer>(std::move(submission), std::move(done));
  transfer->configure();
  multi_.start(std::move(transfer), this);
}

void SmtpClient::cancel_all() { multi_.cancel_owned_by(this); }

}  // namespace junction::net
