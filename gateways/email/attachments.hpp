#pragma once
// Attachments of inbound mail, kept for a while and served over the core HTTP listener as
// XEP-0066 links: GET /webhooks/<gateway>/attachment?t=<token>. The token is 128 random
// bits, so a link is as good as a password for that one file; it stops working at expiry.
// Stored in the key/value rows (base64), so links survive a restart and need no extra
// directory. Thread-safety: as the store.
#include "mail_parser.hpp"
#include "net/http_server.hpp"
#include "store/repositories.hpp"
#include "util/result.hpp"

#include <optional>
#include <string>

namespace junction::email {

struct StoredAttachment {
  std::string filename;
  std::string content_type;
  std::string bytes;
  store::Millis expires_at = 0;
};

class AttachmentStore {
 public:
  AttachmentStore(store::KeyValueRepository& kv, std::string gateway) : kv_(kv), gateway_(std::move(gateway)) {}

  /// Stores the bytes and returns the token.
  Result<std::string> put(const Attachment& attachment, store::Millis expires_at);
  /// nullopt when unknown or expired at `now`.
  Result<std::optional<StoredAttachment>> get(const std::string& token, store::Millis now);
  /// Deletes expired entries; returns how many.
  Result<int> prune(store::Millis now);

  /// The HTTP answer for a request (the handler of the webhook route).
  net::HttpResponse serve(const net::HttpRequest& request, store::Millis now);

 private:
  store::KeyValueRepository& kv_;
  std::string gateway_;
};

/// A file name safe in a header and a link text: no path, no control characters, at most
/// 100 bytes; "attachment" when nothing is left.
std::string safe_filename(std::string_view name);

/// RFC 8187 / RFC 6266: Content-Disposition with a UTF-8 filename* parameter.
std::string content_disposition(std::string_view filename);

}  // namespace junction::email
