#include "mail_to_xmpp.hpp"

#include "xmpp/namespaces.hpp"
#include "xmpp/stanza.hpp"

#include <fmt/format.h>

namespace junction::email {

std::string machine_label(const ParsedMail& mail) {
  if (mail.is_dsn()) return "[delivery report] ";
  if (mail.auto_submitted) return "[automatic] ";
  if (mail.list) return mail.list_id.empty() ? "[list] " : "[list " + mail.list_id + "] ";
  return {};
}

std::string human_size(std::size_t bytes) {
  if (bytes < 1024) return fmt::format("{} bytes", bytes);
  if (bytes < 1024 * 1024) return fmt::format("{} KB", (bytes + 1023) / 1024);
  return fmt::format("{:.1f} MB", static_cast<double>(bytes) / (1024.0 * 1024.0));
}

xmpp::Element mail_to_chat(const ParsedMail& mail, const ChatMapping& mapping) {
  std::string text = trim_reply_tail(mail.text, mapping.quoted_tail);
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  if (mail.text_truncated) text += "\n[the rest of this mail was too long and is not shown]";
  for (const auto& a : mapping.attachments) {
    if (!text.empty()) text += "\n";
    text += a.url.empty() ? fmt::format("[attachment {} ({}) not kept: too large]", a.filename, human_size(a.size))
                          : fmt::format("[attachment {} ({})] {}", a.filename, human_size(a.size), a.url);
  }
  if (text.empty()) text = "(no text)";

  xmpp::Element message("message");
  message.set_attr("type", "chat");
  message.set_attr("from", mapping.from);
  message.set_attr("to", mapping.to);
  if (!mail.subject.empty()) message.add_child("subject").set_text(xmpp::sanitize_xml_text(mail.subject));
  message.add_child("body").set_text(xmpp::sanitize_xml_text(machine_label(mail) + text));
  if (!mapping.thread.empty()) message.add_child("thread").set_text(xmpp::sanitize_xml_text(mapping.thread));
  for (const auto& a : mapping.attachments) {
    if (a.url.empty()) continue;
    auto& oob = message.add_child("x", std::string(xmpp::ns::oob));
    oob.add_child("url").set_text(xmpp::sanitize_xml_text(a.url));
    oob.add_child("desc").set_text(xmpp::sanitize_xml_text(a.filename));
  }
  if (!mail.from.name.empty())
    message.add_child("nick", std::string(xmpp::ns::nick)).set_text(xmpp::sanitize_xml_text(mail.from.name));
  return message;
}

std::string describe_report(const DeliveryReport& report) {
  const DsnRecipient* failed = report.first_failed();
  if (!failed && !report.recipients.empty()) failed = &report.recipients.front();
  if (!failed) return "the mail could not be delivered";
  std::string out = failed->recipient.empty() ? "the recipient" : failed->recipient;
  out += ": ";
  if (!failed->status.empty()) out += failed->status + " ";
  out += failed->diagnostic.empty() ? "delivery failed" : failed->diagnostic;
  return out;
}

xmpp::Element bounce_to_error(const SentRecord& sent, const DeliveryReport& report) {
  xmpp::Element error("message");
  error.set_attr("type", "error");
  error.set_attr("from", sent.contact);
  error.set_attr("to", sent.user);
  if (!sent.stanza_id.empty()) error.set_attr("id", sent.stanza_id);
  if (!sent.thread.empty()) error.add_child("thread").set_text(xmpp::sanitize_xml_text(sent.thread));
  auto& e = error.add_child("error");
  e.set_attr("type", "cancel");
  e.add_child("recipient-unavailable", std::string(xmpp::ns::stanza_errors));
  e.add_child("text", std::string(xmpp::ns::stanza_errors))
      .set_text(xmpp::sanitize_xml_text("The mail bounced: " + describe_report(report)));
  return error;
}

}  // namespace junction::email
