#include "xmpp/element.hpp"

#include "xmpp/stream_parser.hpp"

#include <gtest/gtest.h>

namespace junction::xmpp {
namespace {

constexpr const char* kNs = "jabber:component:accept";

// Parses one stanza the way the session will: inside a component stream.
Element parse_stanza(const std::string& xml) {
  std::vector<Element> got;
  StreamParser p({.on_stream_open = {}, .on_stanza = [&](Element&& e) { got.push_back(std::move(e)); },
                  .on_stream_close = {}, .on_error = [](const StreamError& e) { ADD_FAILURE() << e.condition << ": " << e.text; }});
  p.feed("<stream:stream xmlns:stream='http://etherx.jabber.org/streams' xmlns='jabber:component:accept'>");
  p.feed(xml);
  EXPECT_EQ(got.size(), 1u) << xml;
  return got.empty() ? Element{} : got.front();
}

TEST(Element, AttributesReplaceAndRemove) {
  Element e("message", kNs);
  e.set_attr("to", "a@b").set_attr("type", "chat").set_attr("to", "c@d");
  EXPECT_EQ(e.attr("to"), "c@d");
  EXPECT_EQ(e.attrs().size(), 2u);
  EXPECT_EQ(e.attr_or("id", "none"), "none");
  EXPECT_FALSE(e.attr("id"));
  e.remove_attr("to");
  EXPECT_FALSE(e.attr("to"));
  EXPECT_EQ(e.attrs().size(), 1u);
}

TEST(Element, ChildrenLookupByNameAndNamespace) {
  Element iq("iq", kNs);
  iq.add_child("query", "jabber:iq:version");
  iq.add_child("query", "jabber:iq:register");
  iq.add_child("x", "jabber:x:data");
  ASSERT_NE(iq.child("query"), nullptr);
  EXPECT_EQ(iq.child("query")->xmlns(), "jabber:iq:version");
  EXPECT_EQ(iq.child("query", "jabber:iq:register")->xmlns(), "jabber:iq:register");
  EXPECT_EQ(iq.child("query", "urn:nope"), nullptr);
  EXPECT_EQ(iq.children("query").size(), 2u);
  EXPECT_EQ(iq.children().size(), 3u);
  EXPECT_EQ(iq.children({}, "jabber:x:data").size(), 1u);
  EXPECT_TRUE(iq.remove_children("query", "jabber:iq:version"));
  EXPECT_FALSE(iq.remove_children("query", "jabber:iq:version"));
  EXPECT_EQ(iq.children().size(), 2u);
}

TEST(Element, ChildWithoutNamespaceInheritsParents) {
  Element msg("message", kNs);
  msg.add_child("body").set_text("hi");
  Element thread("thread");
  thread.add_child("inner");
  msg.add_child(std::move(thread));
  EXPECT_EQ(msg.child("body")->xmlns(), kNs);
  EXPECT_EQ(msg.child("thread")->child("inner")->xmlns(), kNs);
  EXPECT_EQ(msg, parse_stanza("<message><body>hi</body><thread><inner/></thread></message>"));
}

TEST(Element, TextNodesMergeAndSetTextKeepsChildren) {
  Element e("body");
  e.add_text("a").add_text("").add_text("b");
  EXPECT_EQ(e.nodes().size(), 1u);
  e.add_child("x");
  e.add_text("c");
  EXPECT_EQ(e.text(), "abc");
  e.set_text("new");
  EXPECT_EQ(e.text(), "new");
  EXPECT_NE(e.child("x"), nullptr);
  EXPECT_EQ(e.child_text("x"), "");
  Element m("message");
  m.add_child("body").set_text("t");
  EXPECT_EQ(m.child_text("body"), "t");
  EXPECT_EQ(m.child_text("subject"), "");
}

TEST(Element, SerialisesEmptyAndNested) {
  Element msg("message", kNs);
  msg.set_attr("to", "a@b");
  msg.add_child("body").set_text("hello");
  msg.add_child("request", "urn:xmpp:receipts");
  EXPECT_EQ(msg.to_string(kNs), R"(<message to="a@b"><body>hello</body><request xmlns="urn:xmpp:receipts"/></message>)");
  EXPECT_EQ(msg.to_string(), R"(<message xmlns="jabber:component:accept" to="a@b"><body>hello</body><request xmlns="urn:xmpp:receipts"/></message>)");
}

TEST(Element, NamespaceWrittenOnlyWhereItChanges) {
  Element iq("iq", kNs);
  Element& q = iq.add_child("query", "http://jabber.org/protocol/disco#info");
  q.add_child("identity").set_attr("category", "gateway");
  Element& x = q.add_child("x", "jabber:x:data");
  x.add_child("field");
  EXPECT_EQ(iq.to_string(kNs),
            R"(<iq><query xmlns="http://jabber.org/protocol/disco#info"><identity category="gateway"/>)"
            R"(<x xmlns="jabber:x:data"><field/></x></query></iq>)");
}

TEST(Element, EscapesTextAndAttributes) {
  Element e("body", kNs);
  e.set_attr("a", "<&>\"'");
  e.set_text("<&>\"' ]]>");
  EXPECT_EQ(e.to_string(kNs), R"(<body a="&lt;&amp;&gt;&quot;&apos;">&lt;&amp;&gt;"' ]]&gt;</body>)");
  std::string out;
  append_escaped_text(out, "a&b");
  append_escaped_attr(out, "'");
  EXPECT_EQ(out, "a&amp;b&apos;");
}

TEST(Element, EscapingRoundTripsThroughTheParser) {
  const std::string nasty = "&amp; <tag> \"q\" 'a' ]]> \t tab\nline\r\ncrlf \xC3\xA9\xF0\x9F\x98\x80";
  Element msg("message", kNs);
  msg.set_attr("id", nasty);
  msg.set_attr("xml:lang", "en");
  msg.add_child("body").set_text(nasty);
  msg.add_child("x", "jabber:x:oob").add_child("url").set_text("http://a/?b=1&c=2");
  Element back = parse_stanza(msg.to_string(kNs));
  EXPECT_EQ(back, msg);
  EXPECT_EQ(back.attr("id"), nasty);
  EXPECT_EQ(back.child_text("body"), nasty);
}

TEST(Element, CopiesAreIndependentValues) {
  Element a("message", kNs);
  a.add_child("body").set_text("one");
  Element b = a;
  b.child("body")->set_text("two");
  EXPECT_EQ(a.child_text("body"), "one");
  EXPECT_NE(a, b);
}

}  // namespace
}  // namespace junction::xmpp
