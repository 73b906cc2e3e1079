#pragma once
// Thin RAII over the GMime (GObject) handles the parser uses, and GMime's one-time start-up.
// Objects borrowed from GMime getters are never wrapped: only references we own are.
#include <gmime/gmime.h>

#include <memory>
#include <string>
#include <string_view>

namespace junction::email {

/// Calls g_mime_init() exactly once per process; safe from any thread.
void ensure_gmime();

struct GObjectUnref {
  void operator()(gpointer object) const {
    if (object) g_object_unref(object);
  }
};
template <class T>
using GPtr = std::unique_ptr<T, GObjectUnref>;

/// Parses raw bytes as a message. Null only when GMime finds no message at all.
GPtr<GMimeMessage> parse_gmime_message(std::string_view raw);

/// The content of a leaf part with its transfer encoding undone (raw charset bytes). Stops
/// reading past `limit` bytes and sets `truncated`; `size` is the full decoded size.
std::string decoded_content(GMimePart* part, std::size_t limit, std::size_t* size = nullptr, bool* truncated = nullptr);

/// An object serialized back to text (for message/rfc822 and text/rfc822-headers parts).
std::string serialize(GMimeObject* object);

/// "type/subtype" in lower case, "text/plain" when the part carries no Content-Type.
std::string mime_type_of(GMimeObject* object);

}  // namespace junction::email
