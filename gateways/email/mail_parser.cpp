#include "mail_parser.hpp"

#include "gmime_util.hpp"
#include "header_encoding.hpp"
#include "hygiene.hpp"
#include "mime_walk.hpp"
#include "utf8.hpp"

namespace junction::email {
namespace {

std::vector<std::string> message_ids(const char* header_value) {
  std::vector<std::string> ids;
  if (!header_value) return ids;
  GMimeReferences* refs = g_mime_references_parse(nullptr, header_value);
  if (!refs) return ids;
  for (int i = 0; i < g_mime_references_length(refs); ++i) {
    const char* id = g_mime_references_get_message_id(refs, i);
    if (id && *id) ids.push_back("<" + to_valid_utf8(id) + ">");
  }
  g_mime_references_free(refs);
  return ids;
}

void collect_mailboxes(InternetAddressList* list, std::vector<Mailbox>& out) {
  if (!list) return;
  for (int i = 0; i < internet_address_list_length(list); ++i) {
    InternetAddress* ia = internet_address_list_get_address(list, i);
    if (INTERNET_ADDRESS_IS_GROUP(ia)) {
      collect_mailboxes(internet_address_group_get_members(INTERNET_ADDRESS_GROUP(ia)), out);
    } else if (INTERNET_ADDRESS_IS_MAILBOX(ia)) {
      const char* addr = internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(ia));
      const char* name = internet_address_get_name(ia);
      out.push_back({to_valid_utf8(addr ? addr : ""), sanitize_header_text(name ? name : "")});
    }
  }
}

FieldGroup header_fields(GMimeObject* object) {
  FieldGroup fields;
  GMimeHeaderList* list = g_mime_object_get_header_list(object);
  int count = list ? g_mime_header_list_get_count(list) : 0;
  for (int i = 0; i < count; ++i) {
    GMimeHeader* h = g_mime_header_list_get_header_at(list, i);
    const char* name = g_mime_header_get_name(h);
    const char* value = g_mime_header_get_value(h);
    fields.push_back({name ? name : "", sanitize_header_text(value ? value : "")});
  }
  return fields;
}

}  // namespace

Result<ParsedMail> parse_mail(std::string_view raw, const ParseOptions& options) {
  GPtr<GMimeMessage> message = parse_gmime_message(raw);
  if (!message) return fail("the mail could not be parsed as a message");
  auto* object = GMIME_OBJECT(message.get());

  ParsedMail mail;
  if (const char* id = g_mime_message_get_message_id(message.get()); id && *id) {
    mail.message_id = "<" + to_valid_utf8(id) + ">";
  }
  if (auto parents = message_ids(g_mime_object_get_header(object, "In-Reply-To")); !parents.empty()) {
    // Some clients list several ids here; the last is the direct parent.
    mail.in_reply_to = parents.back();
  }
  mail.references = message_ids(g_mime_object_get_header(object, "References"));

  std::vector<Mailbox> from;
  collect_mailboxes(g_mime_message_get_from(message.get()), from);
  if (from.empty()) collect_mailboxes(g_mime_message_get_sender(message.get()), from);
  if (!from.empty()) mail.from = std::move(from.front());
  collect_mailboxes(g_mime_message_get_to(message.get()), mail.to);

  const char* subject = g_mime_message_get_subject(message.get());
  mail.subject = sanitize_header_text(subject ? subject : "");
  if (GDateTime* date = g_mime_message_get_date(message.get())) {
    mail.date = std::chrono::system_clock::time_point{std::chrono::seconds{g_date_time_to_unix(date)}};
  }

  Hygiene hygiene = classify_headers(header_fields(object));
  mail.auto_submitted = hygiene.auto_submitted;
  mail.list = hygiene.list;
  mail.list_id = std::move(hygiene.list_id);

  extract_body(g_mime_message_get_mime_part(message.get()), options, mail);
  return mail;
}

}  // namespace junction::email
