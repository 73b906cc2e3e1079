#include "mime_walk.hpp"

#include "charset.hpp"
#include "header_fields.hpp"
#include "html_text.hpp"
#include "utf8.hpp"

#include <string>
#include <vector>

namespace junction::email {
namespace {

struct TextPiece {
  std::string utf8;
  bool html = false;
};

std::string param(GMimeObject* object, const char* name) {
  GMimeContentType* ct = g_mime_object_get_content_type(object);
  const char* value = ct ? g_mime_content_type_get_parameter(ct, name) : nullptr;
  return value ? value : "";
}

bool is_attachment_disposition(GMimeObject* object) {
  GMimeContentDisposition* d = g_mime_object_get_content_disposition(object);
  return d && g_mime_content_disposition_is_attachment(d);
}

// A filename is only a label for the user: drop any directory part and control characters,
// so nothing downstream is tempted to use it as a path.
std::string clean_filename(const char* raw) {
  if (!raw) return {};
  std::string name = to_valid_utf8(raw);
  std::size_t slash = name.find_last_of("/\\");
  if (slash != std::string::npos) name.erase(0, slash + 1);
  std::string out;
  for (char c : name) {
    if (static_cast<unsigned char>(c) >= 0x20 && c != 0x7f) out.push_back(c);
  }
  if (out == "." || out == "..") out.clear();
  return out;
}

std::string lf_only(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r') {
      out.push_back('\n');
      if (i + 1 < text.size() && text[i + 1] == '\n') ++i;
    } else if (text[i] != '\0') {
      out.push_back(text[i]);
    }
  }
  return out;
}

class Walker {
 public:
  Walker(const ParseOptions& options, ParsedMail& mail) : options_(options), mail_(mail) {}

  void walk(GMimeObject* object) {
    if (GMIME_IS_MULTIPART(object)) {
      walk_multipart(GMIME_MULTIPART(object));
    } else if (GMIME_IS_MESSAGE_PART(object)) {
      attach_message(object);
    } else if (GMIME_IS_PART(object)) {
      walk_leaf(GMIME_PART(object));
    }
  }

  void finish() {
    std::string text;
    for (const auto& piece : texts_) {
      if (piece.utf8.empty()) continue;
      if (!text.empty()) text += "\n\n";
      text += piece.utf8;
      mail_.text_from_html = mail_.text_from_html || piece.html;
    }
    if (text.size() > options_.max_text_bytes) {
      std::size_t cut = options_.max_text_bytes;
      while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
      text.resize(cut);
      mail_.text_truncated = true;
    }
    mail_.text = std::move(text);
  }

 private:
  void walk_multipart(GMimeMultipart* multipart) {
    auto* object = GMIME_OBJECT(multipart);
    std::string type = mime_type_of(object);
    int count = g_mime_multipart_get_count(multipart);
    auto child = [&](int i) { return g_mime_multipart_get_part(multipart, i); };
    if (type == "multipart/alternative") {
      walk_alternative(multipart, count);
    } else if (type == "multipart/report" && iequals(param(object, "report-type"), "delivery-status")) {
      if (count > 0) walk(child(0));
      read_report(multipart, count);
    } else if (type == "multipart/signed") {
      if (count > 0) walk(child(0));  // the other part is the signature
    } else if (type == "multipart/encrypted") {
      texts_.push_back({"[encrypted message]", false});
    } else {
      for (int i = 0; i < count; ++i) walk(child(i));
    }
  }

  // Plain text wins; otherwise the last (richest) representation we can read.
  void walk_alternative(GMimeMultipart* multipart, int count) {
    GMimeObject* chosen = nullptr;
    for (int i = 0; i < count; ++i) {
      GMimeObject* part = g_mime_multipart_get_part(multipart, i);
      std::string type = mime_type_of(part);
      if (type == "text/plain" && !is_attachment_disposition(part)) {
        chosen = part;
        break;
      }
      if (type == "text/html" || GMIME_IS_MULTIPART(part)) chosen = part;
    }
    if (chosen) walk(chosen);
  }

  void walk_leaf(GMimePart* part) {
    auto* object = GMIME_OBJECT(part);
    std::string type = mime_type_of(object);
    bool text = type == "text/plain" || type == "text/html";
    if (!text || is_attachment_disposition(object)) {
      attach(part, type);
      return;
    }
    // A generous raw limit: the byte cap that matters is applied to the converted text.
    std::string raw = decoded_content(part, options_.max_text_bytes * 4 + 16);
    std::string utf8 = to_utf8(raw, param(object, "charset"));
    if (type == "text/html") {
      texts_.push_back({html_to_text(utf8), true});
    } else {
      texts_.push_back({lf_only(utf8), false});
    }
  }

  bool take_budget(std::size_t size) {
    if (size > options_.max_attachment_bytes || used_ + size > options_.max_total_attachment_bytes) return false;
    used_ += size;
    return true;
  }

  void attach(GMimePart* part, const std::string& type) {
    Attachment a;
    a.filename = clean_filename(g_mime_part_get_filename(part));
    a.content_type = type;
    bool truncated = false;
    a.bytes = decoded_content(part, options_.max_attachment_bytes, &a.size, &truncated);
    if (truncated || !take_budget(a.size)) {
      a.bytes.clear();
      a.bytes.shrink_to_fit();
      a.omitted = true;
    }
    mail_.attachments.push_back(std::move(a));
  }

  void attach_message(GMimeObject* object) {
    Attachment a;
    GMimeMessage* inner = g_mime_message_part_get_message(GMIME_MESSAGE_PART(object));
    const char* subject = inner ? g_mime_message_get_subject(inner) : nullptr;
    a.filename = subject && *subject ? clean_filename(subject) + ".eml" : "message.eml";
    a.content_type = "message/rfc822";
    a.bytes = inner ? serialize(GMIME_OBJECT(inner)) : std::string();
    a.size = a.bytes.size();
    if (!take_budget(a.size)) {
      a.bytes.clear();
      a.omitted = true;
    }
    mail_.attachments.push_back(std::move(a));
  }

  void read_report(GMimeMultipart* multipart, int count) {
    DeliveryReport report;
    std::string original_id;
    for (int i = 1; i < count; ++i) {
      GMimeObject* part = g_mime_multipart_get_part(multipart, i);
      std::string type = mime_type_of(part);
      if (type == "message/delivery-status" || type == "message/global-delivery-status") {
        std::string text = GMIME_IS_PART(part) ? decoded_content(GMIME_PART(part), 1024 * 1024) : serialize(part);
        DeliveryReport parsed = parse_delivery_status(text);
        report.reporting_mta = parsed.reporting_mta;
        report.recipients = std::move(parsed.recipients);
      } else if (type == "text/rfc822-headers" || type == "message/rfc822-headers") {
        std::string text = GMIME_IS_PART(part) ? decoded_content(GMIME_PART(part), 1024 * 1024) : serialize(part);
        original_id = message_id_from_headers(text);
      } else if (GMIME_IS_MESSAGE_PART(part)) {
        GMimeMessage* inner = g_mime_message_part_get_message(GMIME_MESSAGE_PART(part));
        const char* id = inner ? g_mime_message_get_message_id(inner) : nullptr;
        if (id && *id) original_id = "<" + std::string(id) + ">";
      }
    }
    report.original_message_id = std::move(original_id);
    mail_.dsn = std::move(report);
  }

  const ParseOptions& options_;
  ParsedMail& mail_;
  std::vector<TextPiece> texts_;
  std::size_t used_ = 0;
};

}  // namespace

void extract_body(GMimeObject* root, const ParseOptions& options, ParsedMail& mail) {
  Walker walker(options, mail);
  if (root) walker.walk(root);
  walker.finish();
}

}  // namespace junction::email
