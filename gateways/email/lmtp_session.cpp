#include "lmtp_session.hpp"

#include "address.hpp"
#include "smtp_command.hpp"
#include "util/log.hpp"

#include <algorithm>
#include <charconv>
#include <fmt/format.h>

namespace junction::email {
namespace {

constexpr std::string_view kLog = "email";

std::string clean_detail(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (static_cast<unsigned char>(c) >= 0x20 && c != 0x7f) out.push_back(c);
    if (out.size() >= 200) break;
  }
  return out;
}

// Wraps an answer so it runs at most once, and not at all once the session is gone.
template <class... Args, class F>
std::function<void(Args...)> guarded(std::weak_ptr<LmtpSession*> self, F on_answer) {
  auto fired = std::make_shared<bool>(false);
  return [self = std::move(self), fired, on_answer = std::move(on_answer)](Args... args) {
    auto alive = self.lock();
    if (!alive || *fired) return;
    *fired = true;
    on_answer(**alive, std::forward<Args>(args)...);
  };
}

}  // namespace

const LmtpSession::Handler LmtpSession::kHandlers[] = {
    {"LHLO", &LmtpSession::cmd_lhlo}, {"EHLO", &LmtpSession::cmd_ehlo},
    {"HELO", &LmtpSession::cmd_helo}, {"MAIL", &LmtpSession::cmd_mail},
    {"RCPT", &LmtpSession::cmd_rcpt}, {"DATA", &LmtpSession::cmd_data},
    {"RSET", &LmtpSession::cmd_rset}, {"NOOP", &LmtpSession::cmd_noop},
    {"QUIT", &LmtpSession::cmd_quit}, {"VRFY", &LmtpSession::cmd_vrfy},
    {"HELP", &LmtpSession::cmd_help}, {"EXPN", &LmtpSession::cmd_not_implemented},
    {"BDAT", &LmtpSession::cmd_not_implemented}, {"STARTTLS", &LmtpSession::cmd_not_implemented},
    {"AUTH", &LmtpSession::cmd_not_implemented},
};

LmtpSession::LmtpSession(SessionConfig config, ReplySink& sink, RecipientCheck check, DeliveryHandler deliver)
    : config_(std::move(config)),
      sink_(sink),
      check_(std::move(check)),
      deliver_(std::move(deliver)),
      self_(std::make_shared<LmtpSession*>(this)) {}

LmtpSession::~LmtpSession() = default;

void LmtpSession::start() {
  reply(fmt::format("220 {} {} Junction ready", config_.hostname, lmtp() ? "LMTP" : "ESMTP"));
}

void LmtpSession::feed(std::string_view bytes) {
  if (closed_) return;
  input_.append(bytes);
  pump();
}

void LmtpSession::pump() {
  if (pumping_) return;  // an answer given synchronously: the running loop carries on
  pumping_ = true;
  std::string line;
  while (!waiting_ && !closed_ && take_line(line)) {
    if (phase_ == Phase::data) {
      handle_data_line(line);
    } else {
      handle_command(line);
    }
  }
  input_.erase(0, consumed_);
  scanned_ = scanned_ > consumed_ ? scanned_ - consumed_ : 0;
  consumed_ = 0;
  pumping_ = false;
}

bool LmtpSession::take_line(std::string& line) {
  for (;;) {
    // Resume the search where the last one stopped, so a long line fed in small chunks is
    // scanned once, not once per chunk.
    std::size_t nl = input_.find('\n', std::max(consumed_, scanned_));
    if (nl == std::string::npos) {
      scanned_ = input_.size();
      std::size_t pending = input_.size() - consumed_;
      bool data = phase_ == Phase::data;
      // A data line may be long (it still counts against the size limit); a command line not.
      std::size_t limit = data ? config_.max_message_bytes : config_.max_command_line;
      if (pending > limit || discard_line_) {
        if (!discard_line_) {
          if (data) {
            data_too_big_ = true;
            data_.clear();
          } else {
            client_error("500 5.5.2 Line too long");
          }
        }
        discard_line_ = true;
        consumed_ = input_.size();
      }
      return false;
    }
    std::size_t end = nl > consumed_ && input_[nl - 1] == '\r' ? nl - 1 : nl;
    bool discarded = discard_line_;
    discard_line_ = false;
    if (!discarded) line.assign(input_, consumed_, end - consumed_);
    consumed_ = nl + 1;
    if (!discarded) return true;
  }
}

void LmtpSession::handle_command(std::string_view line) {
  if (line.size() > config_.max_command_line) return client_error("500 5.5.2 Line too long");
  if (line.find('\0') != std::string_view::npos) return client_error("500 5.5.2 NUL in command");
  SmtpCommand cmd = split_command(line);
  for (const auto& h : kHandlers) {
    if (h.verb == cmd.verb) return (this->*h.run)(cmd.argument);
  }
  client_error("500 5.5.2 Command unrecognized");
}

void LmtpSession::handle_data_line(std::string_view line) {
  if (line == ".") return finish_data();
  if (!line.empty() && line.front() == '.') line.remove_prefix(1);  // RFC 5321 4.5.2
  if (data_too_big_) return;
  if (data_.size() + line.size() + 2 > config_.max_message_bytes) {
    data_too_big_ = true;
    data_.clear();
    data_.shrink_to_fit();
    return;
  }
  data_.append(line);
  data_.append("\r\n");
}

void LmtpSession::finish_data() {
  phase_ = Phase::ready;
  if (data_too_big_) {
    std::string text = "552 5.3.4 Message exceeds the size limit";
    if (lmtp()) {
      for (std::size_t i = 0; i < recipients_.size(); ++i) reply(text);
    } else {
      reply(text);
    }
    reset_transaction();
    return;
  }
  InboundEnvelope envelope{helo_, std::move(mail_from_), recipients_, std::move(data_)};
  pause();
  deliver_(std::move(envelope), guarded<std::vector<DeliveryStatus>>(
                                    self_, [](LmtpSession& s, std::vector<DeliveryStatus> st) { s.on_delivered(std::move(st)); }));
}

void LmtpSession::on_delivered(std::vector<DeliveryStatus> statuses) {
  statuses.resize(recipients_.size(), DeliveryStatus{DeliveryOutcome::temporary_failure, "no answer"});
  auto line_for = [](const DeliveryStatus& st, std::string_view who) {
    std::string detail = clean_detail(st.detail);
    switch (st.outcome) {
      case DeliveryOutcome::delivered:
        return fmt::format("250 2.0.0 {} Ok{}{}", who, detail.empty() ? "" : " ", detail);
      case DeliveryOutcome::permanent_failure:
        return fmt::format("550 5.0.0 {} {}", who, detail.empty() ? "Delivery failed" : detail);
      case DeliveryOutcome::temporary_failure:
        break;
    }
    return fmt::format("451 4.3.0 {} {}", who, detail.empty() ? "Temporary failure, try again later" : detail);
  };
  if (lmtp()) {
    for (std::size_t i = 0; i < recipients_.size(); ++i) reply(line_for(statuses[i], "<" + recipients_[i] + ">"));
  } else {
    std::size_t ok = 0, temporary = 0;
    for (const auto& st : statuses) {
      if (st.outcome == DeliveryOutcome::delivered) ++ok;
      if (st.outcome == DeliveryOutcome::temporary_failure) ++temporary;
    }
    if (temporary > 0) {
      reply("451 4.3.0 Temporary failure for some recipients, try again later");
    } else if (ok == 0) {
      reply("554 5.0.0 Delivery failed");
    } else {
      if (ok < statuses.size()) log::warn(kLog, "SMTP delivery failed for {} of {} recipients", statuses.size() - ok, statuses.size());
      reply("250 2.0.0 Ok");
    }
  }
  reset_transaction();
  resume();
}

void LmtpSession::greet(std::string_view arg, bool extended) {
  if (arg.empty()) return client_error(fmt::format("501 5.5.4 Syntax: {} hostname", lmtp() ? "LHLO" : "EHLO"));
  reset_transaction();
  helo_ = clean_detail(arg);
  phase_ = Phase::ready;
  if (!extended) return reply("250 " + config_.hostname);
  reply("250-" + config_.hostname);
  reply("250-PIPELINING");
  reply("250-ENHANCEDSTATUSCODES");
  reply("250-8BITMIME");
  reply(fmt::format("250 SIZE {}", config_.max_message_bytes));
}

void LmtpSession::cmd_lhlo(std::string_view arg) {
  if (!lmtp()) return client_error("500 5.5.1 LHLO is for LMTP; use EHLO");
  greet(arg, true);
}

void LmtpSession::cmd_ehlo(std::string_view arg) {
  if (lmtp()) return client_error("500 5.5.1 This is an LMTP server; use LHLO");
  greet(arg, true);
}

void LmtpSession::cmd_helo(std::string_view arg) {
  if (lmtp()) return client_error("500 5.5.1 This is an LMTP server; use LHLO");
  greet(arg, false);
}

void LmtpSession::cmd_mail(std::string_view arg) {
  if (phase_ == Phase::greeting) return client_error(fmt::format("503 5.5.1 Send {} first", lmtp() ? "LHLO" : "EHLO"));
  if (phase_ == Phase::mail) return client_error("503 5.5.1 Nested MAIL command");
  auto path = parse_path_argument(arg, "FROM");
  if (!path) return client_error("501 5.5.4 Syntax: MAIL FROM:<address>");
  for (const auto& [key, value] : path->parameters) {
    if (key == "SIZE") {
      std::size_t size = 0;
      auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), size);
      if (ec != std::errc() || p != value.data() + value.size()) return client_error("501 5.5.4 Bad SIZE parameter");
      if (size > config_.max_message_bytes) return client_error("552 5.3.4 Message size exceeds the limit");
    } else if (key == "BODY") {
      if (value != "7BIT" && value != "8BITMIME") return client_error("501 5.5.4 Bad BODY parameter");
    } else {
      return client_error("555 5.5.4 Unsupported MAIL parameter " + clean_detail(key));
    }
  }
  mail_from_ = std::move(path->address);
  phase_ = Phase::mail;
  reply("250 2.1.0 Ok");
}

void LmtpSession::cmd_rcpt(std::string_view arg) {
  if (phase_ != Phase::mail) return client_error("503 5.5.1 Need MAIL command");
  auto path = parse_path_argument(arg, "TO");
  if (!path || path->address.empty()) return client_error("501 5.5.4 Syntax: RCPT TO:<address>");
  if (!path->parameters.empty()) return client_error("555 5.5.4 Unsupported RCPT parameter");
  if (recipients_.size() >= config_.max_recipients) return reply("452 4.5.3 Too many recipients");
  if (!parse_address(path->address)) return client_error("553 5.1.3 Bad recipient address syntax");
  pause();
  std::string rcpt = path->address;
  check_(rcpt, guarded<RcptVerdict>(self_, [rcpt](LmtpSession& s, RcptVerdict verdict) {
           switch (verdict) {
             case RcptVerdict::accept:
               s.recipients_.push_back(rcpt);
               s.reply("250 2.1.5 Ok");
               break;
             case RcptVerdict::unknown_user:
               // Not a protocol error: an MTA may legitimately try unknown users.
               s.reply(fmt::format("550 5.1.1 <{}>: Recipient address rejected: User unknown", rcpt));
               break;
             case RcptVerdict::temporary_failure:
               s.reply("451 4.3.0 Temporary failure, try again later");
               break;
           }
           s.resume();
         }));
}

void LmtpSession::cmd_data(std::string_view arg) {
  if (phase_ != Phase::mail) return client_error("503 5.5.1 Need MAIL command");
  if (recipients_.empty()) return client_error(lmtp() ? "503 5.5.1 Need RCPT command" : "554 5.5.1 No valid recipients");
  if (!arg.empty()) return client_error("501 5.5.4 DATA takes no argument");
  phase_ = Phase::data;
  data_.clear();
  data_too_big_ = false;
  reply("354 End data with <CR><LF>.<CR><LF>");
}

void LmtpSession::cmd_rset(std::string_view) {
  reset_transaction();
  reply("250 2.0.0 Ok");
}

void LmtpSession::cmd_noop(std::string_view) { reply("250 2.0.0 Ok"); }

void LmtpSession::cmd_quit(std::string_view) {
  reply(fmt::format("221 2.0.0 {} closing connection", config_.hostname));
  closed_ = true;
  sink_.close();
}

void LmtpSession::cmd_vrfy(std::string_view arg) {
  if (arg.empty()) return client_error("501 5.5.4 Syntax: VRFY address");
  reply("252 2.5.0 Cannot VRFY user, but will accept message and attempt delivery");
}

void LmtpSession::cmd_help(std::string_view) { reply("214 2.0.0 See RFC 5321 and RFC 2033"); }

void LmtpSession::cmd_not_implemented(std::string_view) { client_error("502 5.5.1 Command not implemented"); }

void LmtpSession::reply(std::string_view line) {
  std::string out(line);
  out.append("\r\n");
  sink_.write(out);
}

void LmtpSession::client_error(std::string_view line) {
  reply(line);
  if (++errors_ >= config_.max_errors) {
    reply(fmt::format("421 4.7.0 {} Too many errors, closing connection", config_.hostname));
    closed_ = true;
    sink_.close();
  }
}

void LmtpSession::reset_transaction() {
  if (phase_ != Phase::greeting) phase_ = Phase::ready;
  mail_from_.clear();
  recipients_.clear();
  data_.clear();
  data_too_big_ = false;
}

void LmtpSession::resume() {
  waiting_ = false;
  pump();
}

}  // namespace junction::email
