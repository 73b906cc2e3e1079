#include "attachments.hpp"

#include "random_token.hpp"
#include "utf8.hpp"

#include <glib.h>

#include <charconv>
#include <fmt/format.h>

namespace junction::email {
namespace {

std::string base64(std::string_view bytes) {
  gchar* encoded = g_base64_encode(reinterpret_cast<const guchar*>(bytes.data()), bytes.size());
  std::string out(encoded);
  g_free(encoded);
  return out;
}

std::string unbase64(const std::string& text) {
  gsize length = 0;
  guchar* decoded = g_base64_decode(text.c_str(), &length);
  std::string out(reinterpret_cast<const char*>(decoded), length);
  g_free(decoded);
  return out;
}

// Types a browser would render in our origin are served as bytes to download instead.
std::string safe_content_type(std::string_view type) {
  for (char c : type) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '/' || c == '.' || c == '+' || c == '-';
    if (!ok) return "application/octet-stream";
  }
  if (type.empty() || type.find('/') == std::string_view::npos || type.find("html") != std::string_view::npos ||
      type.find("xml") != std::string_view::npos || type.find("javascript") != std::string_view::npos)
    return "application/octet-stream";
  return std::string(type);
}

std::string query_value(std::string_view query, std::string_view name) {
  for (auto& [key, value] : net::HttpRequest::parse_form(query))
    if (key == name) return value;
  return {};
}

}  // namespace

std::string safe_filename(std::string_view name) {
  auto slash = name.find_last_of("/\\");
  if (slash != std::string_view::npos) name.remove_prefix(slash + 1);
  std::string valid = to_valid_utf8(name);
  std::string out;
  for (char c : valid) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f || c == '"') continue;
    out.push_back(c);
  }
  if (out.size() > 100) {
    std::size_t cut = 100;
    while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;  // not mid-character
    out.resize(cut);
  }
  while (!out.empty() && (out.front() == '.' || out.front() == ' ')) out.erase(0, 1);
  return out.empty() ? "attachment" : out;
}

std::string content_disposition(std::string_view filename) {
  std::string ascii, encoded;
  for (char c : filename) {
    auto u = static_cast<unsigned char>(c);
    bool plain = (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9') ||
                 std::string_view("!#$&+-.^_`|~").find(c) != std::string_view::npos;
    encoded += plain ? std::string(1, c) : fmt::format("%{:02X}", u);
    ascii.push_back(u < 0x80 && u >= 0x20 && c != '"' && c != '\\' ? c : '_');
  }
  return fmt::format("attachment; filename=\"{}\"; filename*=UTF-8''{}", ascii, encoded);
}

Result<std::string> AttachmentStore::put(const Attachment& attachment, store::Millis expires_at) {
  std::string token = random_hex(16);
  std::string value = fmt::format("{}\n{}\n{}\n{}", expires_at, safe_content_type(attachment.content_type),
                                  safe_filename(attachment.filename), base64(attachment.bytes));
  if (auto stored = kv_.put(gateway_, "", "att:" + token, value); !stored) return std::unexpected(stored.error());
  if (auto stored = kv_.put(gateway_, "", "attx:" + token, std::to_string(expires_at)); !stored)
    return std::unexpected(stored.error());
  return token;
}

Result<std::optional<StoredAttachment>> AttachmentStore::get(const std::string& token, store::Millis now) {
  if (token.size() != 32 || token.find_first_not_of("0123456789abcdef") != std::string::npos)
    return std::optional<StoredAttachment>{};
  auto value = kv_.get(gateway_, "", "att:" + token);
  if (!value) return std::unexpected(value.error());
  if (!*value) return std::optional<StoredAttachment>{};
  std::string_view text = **value;
  std::string fields[3];
  for (auto& field : fields) {
    auto nl = text.find('\n');
    if (nl == std::string_view::npos) return std::optional<StoredAttachment>{};
    field = std::string(text.substr(0, nl));
    text.remove_prefix(nl + 1);
  }
  StoredAttachment out;
  std::from_chars(fields[0].data(), fields[0].data() + fields[0].size(), out.expires_at);
  if (out.expires_at <= now) return std::optional<StoredAttachment>{};
  out.content_type = fields[1];
  out.filename = fields[2];
  out.bytes = unbase64(std::string(text));
  return out;
}

Result<int> AttachmentStore::prune(store::Millis now) {
  auto rows = kv_.list(gateway_, "", "attx:");
  if (!rows) return std::unexpected(rows.error());
  int removed = 0;
  for (const auto& [key, value] : *rows) {
    store::Millis expires = 0;
    std::from_chars(value.data(), value.data() + value.size(), expires);
    if (expires > now) continue;
    std::string token = key.substr(5);
    (void)kv_.erase(gateway_, "", "att:" + token);
    (void)kv_.erase(gateway_, "", key);
    ++removed;
  }
  return removed;
}

net::HttpResponse AttachmentStore::serve(const net::HttpRequest& request, store::Millis now) {
  net::HttpResponse response;
  auto found = get(query_value(request.query, "t"), now);
  if (!found) {
    response.status = 503;
    response.body = "storage unavailable\n";
    return response;
  }
  if (!*found) {
    response.status = 404;
    response.body = "no such attachment (or the link has expired)\n";
    return response;
  }
  response.content_type = (*found)->content_type;
  response.body = std::move((*found)->bytes);
  response.headers.emplace_back("Content-Disposition", content_disposition((*found)->filename));
  response.headers.emplace_back("X-Content-Type-Options", "nosniff");
  response.headers.emplace_back("Content-Security-Policy", "sandbox; default-src 'none'");
  response.headers.emplace_back("Cache-Control", "private, max-age=3600");
  return response;
}

}  // namespace junction::email
