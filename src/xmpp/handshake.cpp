#include "xmpp/handshake.hpp"

#include "xmpp/element.hpp"

#include <openssl/evp.h>

#include <array>
#include <stdexcept>

namespace junction::xmpp {

std::string component_stream_header(std::string_view domain) {
  std::string out =
      "<?xml version='1.0'?><stream:stream xmlns='jabber:component:accept' "
      "xmlns:stream='http://etherx.jabber.org/streams' to='";
  append_escaped_attr(out, domain);
  out += "'>";
  return out;
}

std::string handshake_digest(std::string_view stream_id, std::string_view secret) {
  std::string input;
  input.reserve(stream_id.size() + secret.size());
  input.append(stream_id).append(secret);
  std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
  unsigned int length = 0;
  // A failure here means a broken OpenSSL build, never bad input.
  if (EVP_Digest(input.data(), input.size(), md.data(), &length, EVP_sha1(), nullptr) != 1)
    throw std::runtime_error("EVP_Digest(SHA-1) failed");
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(length * 2);
  for (unsigned int i = 0; i < length; ++i) {
    out += hex[md[i] >> 4];
    out += hex[md[i] & 0x0f];
  }
  return out;
}

std::string stream_error_xml(std::string_view condition, std::string_view text) {
  std::string out = "<stream:error><";
  out.append(condition).append(" xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>");
  if (!text.empty()) {
    out += "<text xmlns='urn:ietf:params:xml:ns:xmpp-streams'>";
    append_escaped_text(out, text);
    out += "</text>";
  }
  out += "</stream:error>";
  return out;
}

StreamErrorAdvice explain_stream_error(std::string_view condition, std::string_view domain,
                                       std::string_view server_text) {
  const std::string d(domain);
  StreamErrorAdvice advice{{}, false};
  if (condition == "not-authorized") {
    advice = {"the XMPP server refused the component secret for " + d +
                  ": check `secret` matches the server's component_secret (Prosody) or the "
                  "ejabberd_service password",
              true};
  } else if (condition == "conflict") {
    advice = {"another connection is already using " + d +
                  " (a second Junction, or a stale connection the server has not noticed yet; "
                  "Prosody: set component_conflict_resolve = \"kick_old\" on the Component to let "
                  "the newest connection win)",
              true};
  } else if (condition == "host-unknown" || condition == "host-gone") {
    advice = {"the server does not know component " + d +
                  ": add a Component \"" + d +
                  "\" line (Prosody) or the domain to an ejabberd_service listener's hosts "
                  "(ejabberd), or fix `domain`",
              true};
  } else if (condition == "improper-addressing") {
    advice = {"the server found the stream addressing for " + d +
                  " wrong (missing or bad 'to'): check `domain` is a plain domain name",
              true};
  } else if (condition == "invalid-namespace" || condition == "bad-namespace-prefix" ||
             condition == "unsupported-version") {
    advice = {"the server did not accept a component stream for " + d +
                  ": check [xmpp] host/port point at the server's component port (often 5347), "
                  "not its client or server-to-server port",
              true};
  } else if (condition == "see-other-host") {
    advice = {"the server asked " + d + " to connect to another host: update [xmpp] host", true};
  } else if (condition == "invalid-from") {
    advice = {"the server rejected a stanza whose 'from' is outside " + d +
                  " (a Junction bug worth reporting); reconnecting",
              false};
  } else if (condition == "system-shutdown") {
    advice = {"the XMPP server is shutting down; " + d + " will reconnect when it is back", false};
  } else if (condition == "connection-timeout") {
    advice = {"the server closed the idle stream of " + d + " (connection-timeout); reconnecting",
              false};
  } else if (condition == "policy-violation" || condition == "resource-constraint") {
    advice = {"the server closed the stream of " + d + " for exceeding its limits (" +
                  std::string(condition) +
                  "): a stanza may be larger than its component_stanza_size_limit, or traffic "
                  "was rate-limited",
              false};
  } else if (condition == "restricted-xml" || condition == "not-well-formed" ||
             condition == "invalid-xml" || condition == "bad-format" ||
             condition == "unsupported-stanza-type" || condition == "unsupported-encoding") {
    advice = {"the server rejected XML sent by " + d + " (" + std::string(condition) +
                  "): a Junction bug worth reporting with a debug log",
              false};
  } else if (condition == "internal-server-error" || condition == "remote-connection-failed" ||
             condition == "reset" || condition == "undefined-condition") {
    advice = {"the server closed the stream of " + d + " (" + std::string(condition) +
                  "); reconnecting",
              false};
  } else {
    advice = {"the server closed the stream of " + d + " with error " +
                  (condition.empty() ? std::string("(none given)") : std::string(condition)),
              false};
  }
  if (!server_text.empty()) advice.message += " [server said: " + std::string(server_text) + "]";
  return advice;
}

}  // namespace junction::xmpp
