#include "xmpp/stanza.hpp"

#include <array>

namespace junction::xmpp {

namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

struct Decoded {
  char32_t cp = 0;
  std::size_t len = 1;  // bytes consumed: the character, or the maximal ill-formed subpart
  bool ok = false;
};

// UTF-8 per Unicode table 3-7: no overlong forms, no surrogates, nothing past U+10FFFF.
Decoded decode(std::string_view s, std::size_t i) {
  auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = b(i);
  if (c < 0x80) return {c, 1, true};
  std::size_t n;
  unsigned char lo = 0x80, hi = 0xBF;  // range of the second byte
  char32_t cp;
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2, cp = c & 0x1F;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3, cp = c & 0x0F;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4, cp = c & 0x07;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    return {};
  }
  for (std::size_t k = 1; k < n; ++k) {
    if (i + k >= s.size()) return {0, k, false};
    unsigned char cc = b(i + k);
    if (k == 1 ? (cc < lo || cc > hi) : (cc < 0x80 || cc > 0xBF)) return {0, k, false};
    cp = (cp << 6) | (cc & 0x3F);
  }
  return {cp, n, true};
}

bool is_xml_char(char32_t c) {
  return c == 0x9 || c == 0xA || c == 0xD || (c >= 0x20 && c <= 0xD7FF) || (c >= 0xE000 && c <= 0xFFFD) ||
         (c >= 0x10000 && c <= 0x10FFFF);
}

}  // namespace

bool is_valid_xml_text(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    Decoded d = decode(text, i);
    if (!d.ok || !is_xml_char(d.cp)) return false;
    i += d.len;
  }
  return true;
}

std::string sanitize_xml_text(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    Decoded d = decode(text, i);
    if (d.ok && is_xml_char(d.cp))
      out.append(text.substr(i, d.len));
    else
      out.append(kReplacement);
    i += d.len;
  }
  return out;
}

Element make_error_reply(const Element& stanza, std::string_view type, std::string_view condition,
                         std::string_view text) {
  Element reply(stanza.name(), stanza.xmlns());
  auto from = stanza.attr("from");
  auto to = stanza.attr("to");
  if (to) reply.set_attr("from", std::string(*to));
  if (from) reply.set_attr("to", std::string(*from));
  if (auto id = stanza.attr("id")) reply.set_attr("id", std::string(*id));
  reply.set_attr("type", "error");
  if (auto lang = stanza.attr("xml:lang")) reply.set_attr("xml:lang", std::string(*lang));

  if (stanza.name() != "presence") {
    for (const auto& node : stanza.nodes()) {
      const auto* e = std::get_if<Element>(&node);
      if (e && !(e->name() == "error" && e->xmlns() == stanza.xmlns())) reply.add_child(*e);
    }
  }

  Element& error = reply.add_child("error");
  error.set_attr("type", type.empty() ? default_error_type(condition) : std::string(type));
  if (to) error.set_attr("by", std::string(*to));
  error.add_child(std::string(condition), std::string(ns::stanza_errors));
  if (!text.empty()) error.add_child("text", std::string(ns::stanza_errors)).set_text(std::string(text));
  return reply;
}

Element make_iq_result(const Element& iq) {
  Element result("iq", iq.xmlns());
  if (auto to = iq.attr("to")) result.set_attr("from", std::string(*to));
  if (auto from = iq.attr("from")) result.set_attr("to", std::string(*from));
  if (auto id = iq.attr("id")) result.set_attr("id", std::string(*id));
  result.set_attr("type", "result");
  return result;
}

Element make_stream_error(std::string_view condition, std::string_view text) {
  Element error("error", std::string(ns::streams));
  error.add_child(std::string(condition), std::string(ns::stream_errors));
  if (!text.empty()) error.add_child("text", std::string(ns::stream_errors)).set_text(std::string(text));
  return error;
}

std::string stream_header(std::string_view to_domain) {
  std::string out = "<?xml version='1.0'?><stream:stream xmlns:stream=\"";
  out += ns::streams;
  out += "\" xmlns=\"";
  out += ns::component;
  out += "\" to=\"";
  append_escaped_attr(out, to_domain);
  out += "\">";
  return out;
}

std::optional<std::pair<std::string, std::string>> error_of(const Element& stanza) {
  if (stanza.attr("type") != "error") return std::nullopt;
  const Element* error = stanza.child("error");
  if (!error) return std::pair<std::string, std::string>{"cancel", "undefined-condition"};
  std::string condition = "undefined-condition";
  for (const Element* c : error->children({}, ns::stanza_errors)) {
    if (c->name() != "text") {
      condition = c->name();
      break;
    }
  }
  return std::pair{error->attr_or("type", "cancel"), condition};
}

std::string error_text(const Element& stanza) {
  const Element* error = stanza.child("error");
  return error ? error->child_text("text", ns::stanza_errors) : std::string{};
}

std::string default_error_type(std::string_view condition) {
  struct Row {
    std::string_view condition, type;
  };
  static constexpr std::array<Row, 22> table{{
      {"bad-request", "modify"},
      {"conflict", "cancel"},
      {"feature-not-implemented", "cancel"},
      {"forbidden", "auth"},
      {"gone", "cancel"},
      {"internal-server-error", "cancel"},
      {"item-not-found", "cancel"},
      {"jid-malformed", "modify"},
      {"not-acceptable", "modify"},
      {"not-allowed", "cancel"},
      {"not-authorized", "auth"},
      {"payment-required", "auth"},  // RFC 3920 only, still sent by old servers
      {"policy-violation", "modify"},
      {"recipient-unavailable", "wait"},
      {"redirect", "modify"},
      {"registration-required", "auth"},
      {"remote-server-not-found", "cancel"},
      {"remote-server-timeout", "wait"},
      {"resource-constraint", "wait"},
      {"service-unavailable", "cancel"},
      {"subscription-required", "auth"},
      {"unexpected-request", "wait"},
  }};
  for (const Row& r : table)
    if (r.condition == condition) return std::string(r.type);
  return "cancel";  // undefined-condition and anything unknown
}

}  // namespace junction::xmpp
