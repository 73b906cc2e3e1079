#include "gateways/irc/muc_stanzas.hpp"

#include "gateways/irc/server_time.hpp"
#include "xmpp/namespaces.hpp"
#include "xmpp/stanza.hpp"

namespace junction::irc {

xmpp::Element occupant_presence(const std::string& from, const std::string& to, const OccupantItem& item,
                                const std::vector<int>& codes, bool unavailable) {
  xmpp::Element p("presence");
  p.set_attr("from", from);
  p.set_attr("to", to);
  if (unavailable) p.set_attr("type", "unavailable");
  auto& x = p.add_child("x", std::string(xmpp::ns::muc_user));
  auto& i = x.add_child("item");
  i.set_attr("affiliation", item.privilege.affiliation);
  i.set_attr("role", unavailable ? "none" : item.privilege.role);
  if (!item.jid.empty()) i.set_attr("jid", item.jid);
  if (!item.new_nick.empty()) i.set_attr("nick", item.new_nick);
  if (!item.actor.empty()) i.add_child("actor").set_attr("nick", item.actor);
  if (!item.reason.empty()) i.add_child("reason").set_text(item.reason);
  for (int code : codes) x.add_child("status").set_attr("code", std::to_string(code));
  return p;
}

void add_show(xmpp::Element& presence, std::string_view show, std::string_view status) {
  if (!show.empty()) presence.add_child("show").set_text(std::string(show));
  if (!status.empty()) presence.add_child("status").set_text(std::string(status));
}

xmpp::Element join_error(const std::string& from, const std::string& to, const std::string& id,
                         std::string_view condition, std::string_view text) {
  xmpp::Element p("presence");
  p.set_attr("from", from);
  p.set_attr("to", to);
  p.set_attr("type", "error");
  if (!id.empty()) p.set_attr("id", id);
  p.add_child("x", std::string(xmpp::ns::muc));
  auto& e = p.add_child("error");
  e.set_attr("type", xmpp::default_error_type(condition));
  auto slash = from.find('/');
  e.set_attr("by", from.substr(0, slash));
  e.add_child(std::string(condition), std::string(xmpp::ns::stanza_errors));
  if (!text.empty()) e.add_child("text", std::string(xmpp::ns::stanza_errors)).set_text(std::string(text));
  return p;
}

xmpp::Element room_error(const std::string& room, const std::string& to, std::string_view condition,
                         std::string_view text) {
  xmpp::Element m("message");
  m.set_attr("from", room);
  m.set_attr("to", to);
  m.set_attr("type", "error");
  auto& e = m.add_child("error");
  e.set_attr("type", xmpp::default_error_type(condition));
  e.set_attr("by", room);
  e.add_child(std::string(condition), std::string(xmpp::ns::stanza_errors));
  if (!text.empty()) e.add_child("text", std::string(xmpp::ns::stanza_errors)).set_text(std::string(text));
  return m;
}

xmpp::Element groupchat(const std::string& from, const std::string& to, const std::string& body,
                        const std::string& id, const std::string& stanza_id, const std::string& room) {
  xmpp::Element m("message");
  m.set_attr("from", from);
  m.set_attr("to", to);
  m.set_attr("type", "groupchat");
  if (!id.empty()) m.set_attr("id", id);
  m.add_child("body").set_text(body);
  if (!stanza_id.empty()) {
    auto& sid = m.add_child("stanza-id", std::string(xmpp::ns::sid));
    sid.set_attr("id", stanza_id);
    sid.set_attr("by", room);
  }
  return m;
}

xmpp::Element subject_message(const std::string& from, const std::string& to, const std::string& subject) {
  xmpp::Element m("message");
  m.set_attr("from", from);
  m.set_attr("to", to);
  m.set_attr("type", "groupchat");
  m.add_child("subject").set_text(subject);
  return m;
}

std::string xep0082(std::int64_t ts_ms) {
  return format_xep0082(SysTime(std::chrono::milliseconds(ts_ms)));
}

std::optional<std::int64_t> parse_xep0082(std::string_view stamp) {
  auto t = parse_server_time(stamp);
  if (!t) return std::nullopt;
  return std::chrono::duration_cast<std::chrono::milliseconds>(t->time_since_epoch()).count();
}

void add_delay(xmpp::Element& stanza, std::int64_t ts_ms, const std::string& from) {
  auto& d = stanza.add_child("delay", std::string(xmpp::ns::delay));
  d.set_attr("from", from);
  d.set_attr("stamp", xep0082(ts_ms));
}

}  // namespace junction::irc
