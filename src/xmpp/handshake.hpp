#pragma once
// The pieces of XEP-0114 that are pure functions: the stream header a component opens with,
// the handshake digest, and what each RFC 6120 stream error condition means for an operator
// running a component. Thread-safe (no state).
#include <chrono>
#include <string>
#include <string_view>

namespace junction::xmpp {

// `<?xml version='1.0'?><stream:stream xmlns='jabber:component:accept' ... to='DOMAIN'>`
std::string component_stream_header(std::string_view domain);

// Lower-case hex of SHA-1(stream_id + secret), the content of <handshake/> (XEP-0114 §3).
std::string handshake_digest(std::string_view stream_id, std::string_view secret);

// `<stream:error><CONDITION xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>[<text>]</stream:error>`
std::string stream_error_xml(std::string_view condition, std::string_view text = {});

// How an operator should read a stream error the server sent us.
struct StreamErrorAdvice {
  std::string message;     // one sentence naming the domain and, where possible, the fix
  bool config_problem;     // retrying soon cannot help: someone must change a config
};
StreamErrorAdvice explain_stream_error(std::string_view condition, std::string_view domain,
                                       std::string_view server_text = {});

}  // namespace junction::xmpp
