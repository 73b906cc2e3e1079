#include "xmpp/stanza.hpp"

#include "xmpp/stream_parser.hpp"

#include <gtest/gtest.h>

namespace junction::xmpp {
namespace {

const std::string kComponent(ns::component);

Element parse_stanza(const std::string& xml) {
  std::vector<Element> got;
  StreamParser p({.on_stream_open = {}, .on_stanza = [&](Element&& e) { got.push_back(std::move(e)); },
                  .on_stream_close = {}, .on_error = [](const StreamError& e) { ADD_FAILURE() << e.text; }});
  p.feed(stream_header("gw.example.org") + xml);
  return got.empty() ? Element{} : got.front();
}

TEST(XmlText, ValidText) {
  EXPECT_TRUE(is_valid_xml_text(""));
  EXPECT_TRUE(is_valid_xml_text("plain \t\n\r text"));
  EXPECT_TRUE(is_valid_xml_text("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80 \xEF\xBF\xBD"));
  EXPECT_TRUE(is_valid_xml_text("\xED\x9F\xBF"));      // U+D7FF, last before surrogates
  EXPECT_TRUE(is_valid_xml_text("\xEE\x80\x80"));      // U+E000
  EXPECT_TRUE(is_valid_xml_text("\xF4\x8F\xBF\xBF"));  // U+10FFFF
}

TEST(XmlText, InvalidText) {
  EXPECT_FALSE(is_valid_xml_text(std::string("a\0b", 3)));
  EXPECT_FALSE(is_valid_xml_text("\x01"));
  EXPECT_FALSE(is_valid_xml_text("\x1B[0m"));          // IRC colour escapes arrive like this
  EXPECT_FALSE(is_valid_xml_text("\xEF\xBF\xBE"));      // U+FFFE
  EXPECT_FALSE(is_valid_xml_text("\xEF\xBF\xBF"));      // U+FFFF
  EXPECT_FALSE(is_valid_xml_text("\xED\xA0\x80"));      // surrogate
  EXPECT_FALSE(is_valid_xml_text("\xC0\xAF"));          // overlong
  EXPECT_FALSE(is_valid_xml_text("\xE0\x80\xAF"));      // overlong
  EXPECT_FALSE(is_valid_xml_text("\xF4\x90\x80\x80"));  // past U+10FFFF
  EXPECT_FALSE(is_valid_xml_text("\xE9t\xE9"));         // Latin-1
  EXPECT_FALSE(is_valid_xml_text("\xC3"));              // truncated
  EXPECT_FALSE(is_valid_xml_text("\x80"));
}

TEST(XmlText, SanitizeReplacesMaximalSubparts) {
  const std::string r = "\xEF\xBF\xBD";
  EXPECT_EQ(sanitize_xml_text("fine \xC3\xA9"), "fine \xC3\xA9");
  EXPECT_EQ(sanitize_xml_text("caf\xE9!"), "caf" + r + "!");
  EXPECT_EQ(sanitize_xml_text("\x02" "bold\x02"), r + "bold" + r);
  // A truncated three-byte sequence is one replacement; the next character survives.
  EXPECT_EQ(sanitize_xml_text("\xE2\x82" "A"), r + "A");
  EXPECT_EQ(sanitize_xml_text("\xF0\x9F\x98"), r);
  // Bytes that can never start a sequence are one replacement each.
  EXPECT_EQ(sanitize_xml_text("\xC0\xAF"), r + r);
  EXPECT_EQ(sanitize_xml_text("\xED\xA0\x80"), r + r + r);
  EXPECT_EQ(sanitize_xml_text("\xEF\xBF\xBF"), r);
  EXPECT_EQ(sanitize_xml_text(std::string("a\0b", 3)), "a" + r + "b");
  for (std::string s : {std::string("\xFF\xFE\x00\x01 x", 6), std::string("\xE0\x80"), std::string("\xC3")})
    EXPECT_TRUE(is_valid_xml_text(sanitize_xml_text(s)));
}

TEST(Stanza, ErrorReplyToMessage) {
  Element msg = parse_stanza(
      "<message from='alice@example.org/phone' to='+1555@sms.example.org' id='m1' type='chat' xml:lang='en'>"
      "<body>hi</body><request xmlns='urn:xmpp:receipts'/></message>");
  Element err = make_error_reply(msg, "", "service-unavailable", "Provider is down");
  EXPECT_EQ(err.name(), "message");
  EXPECT_EQ(err.xmlns(), kComponent);
  EXPECT_EQ(err.attr("from"), "+1555@sms.example.org");
  EXPECT_EQ(err.attr("to"), "alice@example.org/phone");
  EXPECT_EQ(err.attr("id"), "m1");
  EXPECT_EQ(err.attr("type"), "error");
  EXPECT_EQ(err.attr("xml:lang"), "en");
  EXPECT_EQ(err.child_text("body"), "hi");
  EXPECT_EQ(err.to_string(ns::component),
            R"(<message from="+1555@sms.example.org" to="alice@example.org/phone" id="m1" type="error" xml:lang="en">)"
            R"(<body>hi</body><request xmlns="urn:xmpp:receipts"/>)"
            R"(<error type="cancel" by="+1555@sms.example.org">)"
            R"(<service-unavailable xmlns="urn:ietf:params:xml:ns:xmpp-stanzas"/>)"
            R"(<text xmlns="urn:ietf:params:xml:ns:xmpp-stanzas">Provider is down</text></error></message>)");
  auto e = error_of(err);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->first, "cancel");
  EXPECT_EQ(e->second, "service-unavailable");
  EXPECT_EQ(error_text(err), "Provider is down");
  // Parsed back from the wire, it reads the same.
  EXPECT_EQ(error_of(parse_stanza(err.to_string(ns::component))), e);
}

TEST(Stanza, ErrorReplyToPresenceAndIq) {
  Element pres("presence", kComponent);
  pres.set_attr("from", "a@b/c").set_attr("to", "x@gw").add_child("status").set_text("away");
  Element perr = make_error_reply(pres, "auth", "forbidden");
  EXPECT_EQ(perr.child("status"), nullptr);
  EXPECT_EQ(error_of(perr)->first, "auth");
  EXPECT_EQ(error_text(perr), "");

  Element iq("iq", kComponent);
  iq.set_attr("from", "a@b/c").set_attr("to", "gw").set_attr("id", "7").set_attr("type", "get");
  iq.add_child("query", std::string(ns::version));
  Element ierr = make_error_reply(iq, "modify", "bad-request");
  EXPECT_NE(ierr.child("query", ns::version), nullptr);
  EXPECT_EQ(ierr.child("error")->attr("type"), "modify");
  EXPECT_EQ(ierr.child("error")->attr("by"), "gw");

  // An existing <error/> of the original is not copied twice.
  Element twice = make_error_reply(ierr, "", "internal-server-error");
  EXPECT_EQ(twice.children("error").size(), 1u);
  EXPECT_EQ(error_of(twice)->second, "internal-server-error");
}

TEST(Stanza, IqResult) {
  Element iq = parse_stanza("<iq from='a@b/c' to='gw.example.org' id='p1' type='get'><ping xmlns='urn:xmpp:ping'/></iq>");
  Element r = make_iq_result(iq);
  EXPECT_EQ(r.to_string(ns::component), R"(<iq from="gw.example.org" to="a@b/c" id="p1" type="result"/>)");
  EXPECT_FALSE(error_of(r));
}

TEST(Stanza, StreamErrorAndHeader) {
  Element e = make_stream_error("host-unknown", "no such domain");
  EXPECT_EQ(e.to_string(ns::component),
            R"(<error xmlns="http://etherx.jabber.org/streams"><host-unknown xmlns="urn:ietf:params:xml:ns:xmpp-streams"/>)"
            R"(<text xmlns="urn:ietf:params:xml:ns:xmpp-streams">no such domain</text></error>)");
  EXPECT_EQ(make_stream_error("conflict").children().size(), 1u);

  EXPECT_EQ(stream_header("irc.example.org"),
            "<?xml version='1.0'?><stream:stream xmlns:stream=\"http://etherx.jabber.org/streams\" "
            "xmlns=\"jabber:component:accept\" to=\"irc.example.org\">");
  // Our own header parses as a component stream, and the stream error inside it too.
  std::vector<Element> got;
  std::vector<std::pair<std::string, std::string>> attrs;
  StreamParser p({.on_stream_open = [&](const auto& a) { attrs = a; },
                  .on_stanza = [&](Element&& s) { got.push_back(std::move(s)); },
                  .on_stream_close = {}, .on_error = {}});
  EXPECT_TRUE(p.feed(stream_header("a\"b") + e.to_string(ns::component) + std::string(stream_footer)));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0], e);
  EXPECT_NE(std::find(attrs.begin(), attrs.end(), std::pair<std::string, std::string>{"to", "a\"b"}), attrs.end());
}

TEST(Stanza, ErrorOf) {
  EXPECT_FALSE(error_of(Element("message", kComponent)));
  Element bare("iq", kComponent);
  bare.set_attr("type", "error");
  EXPECT_EQ(error_of(bare), (std::pair<std::string, std::string>{"cancel", "undefined-condition"}));
  Element textonly = parse_stanza(
      "<iq type='error'><error type='wait'><text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>later</text>"
      "<resource-constraint xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>");
  EXPECT_EQ(error_of(textonly), (std::pair<std::string, std::string>{"wait", "resource-constraint"}));
  EXPECT_EQ(error_text(textonly), "later");
}

TEST(Stanza, DefaultErrorTypes) {
  EXPECT_EQ(default_error_type("bad-request"), "modify");
  EXPECT_EQ(default_error_type("forbidden"), "auth");
  EXPECT_EQ(default_error_type("not-authorized"), "auth");
  EXPECT_EQ(default_error_type("item-not-found"), "cancel");
  EXPECT_EQ(default_error_type("service-unavailable"), "cancel");
  EXPECT_EQ(default_error_type("remote-server-timeout"), "wait");
  EXPECT_EQ(default_error_type("resource-constraint"), "wait");
  EXPECT_EQ(default_error_type("jid-malformed"), "modify");
  EXPECT_EQ(default_error_type("undefined-condition"), "cancel");
  EXPECT_EQ(default_error_type("made-up"), "cancel");
}

}  // namespace
}  // namespace junction::xmpp
