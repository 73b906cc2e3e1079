#include "gmime_util.hpp"

#include <algorithm>
#include <cctype>
#include <mutex>

namespace junction::email {
void ensure_gmime() {
  static std::once_flag once;
  std::call_once(once, [] { g_mime_init(); });
}

GPtr<GMimeMessage> parse_gmime_message(std::string_view raw) {
  ensure_gmime();
  GPtr<GMimeStream> stream{g_mime_stream_mem_new_with_buffer(raw.data(), raw.size())};
  GPtr<GMimeParser> parser{g_mime_parser_new_with_stream(stream.get())};
  return GPtr<GMimeMessage>{g_mime_parser_construct_message(parser.get(), nullptr)};
}

std::string decoded_content(GMimePart* part, std::size_t limit, std::size_t* size, bool* truncated) {
  std::string out;
  GMimeDataWrapper* content = g_mime_part_get_content(part);
  if (!content) {
    if (size) *size = 0;
    if (truncated) *truncated = false;
    return out;
  }
  GPtr<GMimeStream> mem{g_mime_stream_mem_new()};
  g_mime_data_wrapper_write_to_stream(content, mem.get());
  GByteArray* bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem.get()));
  std::size_t total = bytes ? bytes->len : 0;
  out.assign(reinterpret_cast<const char*>(bytes ? bytes->data : nullptr), std::min(total, limit));
  if (size) *size = total;
  if (truncated) *truncated = total > limit;
  return out;
}

std::string serialize(GMimeObject* object) {
  GPtr<GMimeStream> mem{g_mime_stream_mem_new()};
  g_mime_object_write_to_stream(object, nullptr, mem.get());
  GByteArray* bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem.get()));
  if (!bytes) return {};
  return std::string(reinterpret_cast<const char*>(bytes->data), bytes->len);
}

std::string mime_type_of(GMimeObject* object) {
  GMimeContentType* ct = g_mime_object_get_content_type(object);
  if (!ct) return "text/plain";
  const char* type = g_mime_content_type_get_media_type(ct);
  const char* sub = g_mime_content_type_get_media_subtype(ct);
  std::string out = std::string(type ? type : "text") + "/" + (sub ? sub : "plain");
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

}  // namespace junction::email
