#include "net/smtp_client.hpp"

#include "util/log.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <optional>
#include <thread>
#include <vector>
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
    // Submissions are rare and a cached connection's QUIT would block whoever cleans it up
    // later (curl waits for the reply): close each connection while its own transfer ends.
    curl_easy_setopt(e, CURLOPT_FORBID_REUSE, 1L);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(sub_.timeout.count()));
    // The blocking phases (final reply, QUIT) only honour the per-reply limit, not the above.
    auto seconds = std::chrono::duration_cast<std::chrono::seconds>(sub_.timeout).count();
    curl_easy_setopt(e, CURLOPT_SERVER_RESPONSE_TIMEOUT, static_cast<long>(std::max<decltype(seconds)>(1, seconds)));
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
    if (line.size() >= 3 && !(line.size() > 3 && line[3] == '-')) self->replies_.emplace_back(line);
    return n;
  }

  // The reply that carried `code`: QUIT's "221" may have come after it.
  std::string reply_for(long code) const {
    auto prefix = std::to_string(code);
    for (auto it = replies_.rbegin(); it != replies_.rend(); ++it) {
      if (it->starts_with(prefix)) return *it;
    }
    return {};
  }

  void finish(CURLcode code, std::string_view detail, bool cancelled) override {
    auto done = std::move(done_);
    long reply_code = 0;
    curl_easy_getinfo(easy(), CURLINFO_RESPONSE_CODE, &reply_code);
    std::string last_reply = reply_for(reply_code);
    if (code == CURLE_OK && !cancelled) {
      done(SmtpResult{static_cast<int>(reply_code), std::move(last_reply)});
      return;
    }
    SmtpError error;
    error.code = cancelled ? 0 : static_cast<int>(reply_code);
    error.failure = cancelled ? SmtpFailure::transient : classify_smtp_failure(code, error.code);
    bool server_said = error.code != 0 && !last_reply.empty();
    error.message = server_said ? fmt::format("{} (server: {})", detail, last_reply) : std::string(detail);
    log::debug(kLog, "submission to {} failed: {}", sub_.url, error.message);
    done(std::unexpected(std::move(error)));
  }

  SmtpSubmission sub_;
  SmtpClient::Callback done_;
  curl_slist* rcpts_ = nullptr;
  size_t sent_ = 0;
  std::vector<std::string> replies_;
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

struct SmtpClient::Worker {
  asio::io_context& loop;
  asio::io_context io;
  asio::executor_work_guard<asio::io_context::executor_type> guard{io.get_executor()};
  std::optional<CurlMulti> multi;  // touched on the worker thread only
  std::thread thread;

  Worker(asio::io_context& l, CurlMulti::Options options) : loop(l) {
    multi.emplace(io, options);
    thread = std::thread([this] { io.run(); });
  }

  ~Worker() {
    // Destroying the multi on its own thread cancels what runs; those results are posted.
    asio::post(io, [this] {
      multi.reset();
      guard.reset();
    });
    thread.join();
  }
};

SmtpClient::SmtpClient(asio::io_context& loop, CurlMulti::Options options)
    : worker_(std::make_unique<Worker>(loop, options)) {}

SmtpClient::~SmtpClient() = default;

void SmtpClient::send(SmtpSubmission submission, Callback done) {
  Worker* w = worker_.get();
  auto shared_done = std::make_shared<Callback>(std::move(done));
  // Runs on the worker; brings the outcome home to the loop.
  Callback deliver = [&loop = w->loop, shared_done](SmtpOutcome outcome) {
    asio::post(loop, [shared_done, outcome = std::move(outcome)]() mutable { (*shared_done)(std::move(outcome)); });
  };
  asio::post(w->io, [w, submission = std::move(submission), deliver = std::move(deliver)]() mutable {
    auto transfer = std::make_shared<SmtpTransfer>(std::move(submission), std::move(deliver));
    transfer->configure();
    if (w->multi) w->multi->start(std::move(transfer), w);
  });
}

}  // namespace junction::net
