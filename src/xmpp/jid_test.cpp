#include "xmpp/jid.hpp"

#include <gtest/gtest.h>

#include <string>

namespace junction::xmpp {
namespace {

Jid must_parse(std::string_view text) {
  auto jid = Jid::parse(text);
  EXPECT_TRUE(jid.has_value()) << text << ": " << (jid ? "" : jid.error().message);
  return jid.value_or(Jid{});
}

std::string parse_error(std::string_view text) {
  auto jid = Jid::parse(text);
  EXPECT_FALSE(jid.has_value()) << text << " parsed as " << (jid ? jid->str() : "");
  return jid ? std::string{} : jid.error().message;
}

TEST(Jid, ParsesAllThreeParts) {
  Jid jid = must_parse("juliet@example.com/balcony");
  EXPECT_EQ(jid.node(), "juliet");
  EXPECT_EQ(jid.domain(), "example.com");
  EXPECT_EQ(jid.resource(), "balcony");
  EXPECT_FALSE(jid.is_bare());
  EXPECT_FALSE(jid.empty());
  EXPECT_EQ(jid.str(), "juliet@example.com/balcony");
  EXPECT_EQ(jid.bare_str(), "juliet@example.com");
}

TEST(Jid, DomainOnlyAndDomainWithResource) {
  Jid domain = must_parse("example.com");
  EXPECT_EQ(domain.node(), "");
  EXPECT_TRUE(domain.is_bare());
  EXPECT_EQ(domain.str(), "example.com");

  Jid with_resource = must_parse("example.com/res");
  EXPECT_EQ(with_resource.node(), "");
  EXPECT_EQ(with_resource.resource(), "res");
  EXPECT_EQ(with_resource.str(), "example.com/res");
}

TEST(Jid, ResourceMayHoldSlashAndAt) {
  Jid jid = must_parse("a@b.example/c/d@e");
  EXPECT_EQ(jid.node(), "a");
  EXPECT_EQ(jid.domain(), "b.example");
  EXPECT_EQ(jid.resource(), "c/d@e");

  Jid no_node = must_parse("b.example/x@y");
  EXPECT_EQ(no_node.node(), "");
  EXPECT_EQ(no_node.domain(), "b.example");
  EXPECT_EQ(no_node.resource(), "x@y");
}

TEST(Jid, EmptyPartsAreErrors) {
  EXPECT_EQ(parse_error(""), "JID is empty");
  EXPECT_EQ(parse_error("@example.com"), "node is empty");
  EXPECT_EQ(parse_error("user@"), "domain is empty");
  EXPECT_EQ(parse_error("user@/res"), "domain is empty");
  EXPECT_EQ(parse_error("/res"), "domain is empty");
  EXPECT_EQ(parse_error("user@example.com/"), "resource is empty");
  EXPECT_EQ(parse_error("."), "domain is empty");
}

TEST(Jid, NodeIsCaseFoldedIncludingUnicode) {
  EXPECT_EQ(must_parse("Juliet@example.com").node(), "juliet");
  EXPECT_EQ(must_parse("\xC3\x84rger@example.com").node(), "\xC3\xA4rger");  // Ärger -> ärger
  EXPECT_EQ(must_parse("STRA\xC3\x9F" "E@example.com").node(), "strasse");  // ß folds to ss
}

TEST(Jid, ResourceKeepsCase) {
  EXPECT_EQ(must_parse("a@example.com/Balcony \xC3\x84").resource(), "Balcony \xC3\x84");
}

TEST(Jid, NodeForbiddenCharactersAreNamed) {
  auto e = Jid::from_parts("a@b", "example.com");
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().message, "node contains a forbidden character '@'");
  for (char c : std::string("\"&'/:<>")) {
    auto r = Jid::from_parts(std::string("x") + c + "y", "example.com");
    ASSERT_FALSE(r) << c;
    EXPECT_EQ(r.error().message, std::string("node contains a forbidden character '") + c + "'");
  }
  EXPECT_EQ(parse_error("a b@example.com"), "node contains a forbidden character ' ' (space)");
  EXPECT_EQ(parse_error("a\x07@example.com"), "node contains a forbidden character U+0007");
  // U+00A0 NO-BREAK SPACE is prohibited by nodeprep, not by ASCII rules.
  EXPECT_EQ(parse_error("a\xC2\xA0" "b@example.com"), "node contains a forbidden character U+00A0");
}

TEST(Jid, RejectsInvalidUtf8AndNul) {
  EXPECT_EQ(parse_error("a\xFF@example.com"), "node is not valid UTF-8");
  EXPECT_EQ(parse_error("a@exa\xC0\x80mple.com"), "domain is not valid UTF-8");
  EXPECT_EQ(parse_error("a@example.com/\xED\xA0\x80"), "resource is not valid UTF-8");  // surrogate
  EXPECT_EQ(parse_error(std::string_view("a\0b@example.com", 15)), "node contains a forbidden character U+0000");
}

TEST(Jid, BidiRulesApply) {
  // Hebrew alef followed by a Latin letter mixes directions.
  EXPECT_EQ(parse_error("\xD7\x90" "a@example.com"), "node mixes left-to-right and right-to-left text");
}

TEST(Jid, PartLengthLimitsAfterPreparation) {
  std::string node1023(1023, 'a');
  std::string node1024(1024, 'a');
  EXPECT_EQ(must_parse(node1023 + "@example.com").node().size(), 1023u);
  EXPECT_EQ(parse_error(node1024 + "@example.com"), "node is longer than 1023 bytes");

  EXPECT_EQ(must_parse("example.com/" + std::string(1023, 'r')).resource().size(), 1023u);
  EXPECT_EQ(parse_error("example.com/" + std::string(1024, 'r')), "resource is longer than 1023 bytes");

  // 300 bytes that grow past the limit when prepared: NFKC turns U+337F (3 bytes) into
  // four CJK ideographs (12 bytes).
  std::string growing;
  for (int i = 0; i < 100; ++i) growing += "\xE3\x8D\xBF";
  EXPECT_EQ(must_parse("\xE3\x8D\xBF@example.com").node(), "\xE6\xA0\xAA\xE5\xBC\x8F\xE4\xBC\x9A\xE7\xA4\xBE");
  EXPECT_EQ(parse_error(growing + "@example.com"), "node is longer than 1023 bytes");

  // Soft hyphens (U+00AD) map to nothing, so long input can prepare to something short.
  std::string soft;
  for (int i = 0; i < 600; ++i) soft += "\xC2\xAD";
  EXPECT_EQ(must_parse(soft + "x@example.com").node(), "x");
  EXPECT_EQ(parse_error(soft + "@example.com"), "node is empty after preparation");

  // A 1023-byte domain made of 63-byte labels.
  std::string domain;
  while (domain.size() + 64 <= 1023) domain += std::string(63, 'd') + ".";
  domain += std::string(1023 - domain.size(), 'e');
  ASSERT_EQ(domain.size(), 1023u);
  EXPECT_EQ(must_parse(domain).domain().size(), 1023u);
  EXPECT_EQ(parse_error(domain + "e"), "domain is longer than 1023 bytes");
}

TEST(Jid, DomainIsLowercasedAndLosesOneTrailingDot) {
  EXPECT_EQ(must_parse("a@Example.COM").domain(), "example.com");
  EXPECT_EQ(must_parse("a@example.com.").domain(), "example.com");
  EXPECT_EQ(must_parse("a@example.com./r").str(), "a@example.com/r");
  EXPECT_EQ(parse_error("a@example.com.."), "domain has an empty label");
  EXPECT_EQ(parse_error("a@.example.com"), "domain has an empty label");
  EXPECT_EQ(parse_error("a@exa..mple"), "domain has an empty label");
}

TEST(Jid, DomainForbiddenCharacters) {
  EXPECT_EQ(parse_error("a@b@example.com"), "domain contains a forbidden character '@'");
  EXPECT_EQ(parse_error("a@exa mple.com"), "domain contains a forbidden character ' ' (space)");
  EXPECT_EQ(parse_error("a@example.com:5222"), "domain contains a forbidden character ':'");
}

TEST(Jid, DomainLabelLimit) {
  std::string label63(63, 'x');
  EXPECT_TRUE(Jid::parse(label63 + ".example"));
  EXPECT_EQ(parse_error(label63 + "x.example"), "domain label '" + label63 + "x' is longer than 63 bytes");
}

TEST(Jid, InternationalisedDomain) {
  Jid jid = must_parse("user@B\xC3\x9C" "CHER.example");  // BÜCHER
  EXPECT_EQ(jid.domain(), "b\xC3\xBC" "cher.example");
  // The punycode form is the one DNS limits: 60 'ü' are 120 bytes in UTF-8 but short
  // enough neither way, so check a label whose ASCII form is too long.
  std::string long_label;
  for (int i = 0; i < 60; ++i) long_label += "\xC3\xBC";
  EXPECT_FALSE(Jid::parse("user@" + long_label + ".example"));
  std::string ok_label;
  for (int i = 0; i < 10; ++i) ok_label += "\xC3\xBC";
  EXPECT_TRUE(Jid::parse("user@" + ok_label + ".example"));
}

TEST(Jid, IpLiterals) {
  EXPECT_EQ(must_parse("a@[::1]/r").domain(), "[::1]");
  EXPECT_EQ(must_parse("[2001:DB8::1]").domain(), "[2001:db8::1]");
  EXPECT_EQ(must_parse("a@127.0.0.1").domain(), "127.0.0.1");
  EXPECT_EQ(parse_error("a@[::1"), "domain is not a valid IPv6 literal");
  EXPECT_EQ(parse_error("a@[nope]"), "domain is not a valid IPv6 literal");
  EXPECT_EQ(parse_error("a@[]"), "domain is not a valid IPv6 literal");
}

TEST(Jid, FromPartsPreparesEachPart) {
  auto jid = Jid::from_parts("Romeo", "Example.NET", "Orchard");
  ASSERT_TRUE(jid) << jid.error().message;
  EXPECT_EQ(jid->str(), "romeo@example.net/Orchard");
  auto no_domain = Jid::from_parts("romeo", "");
  ASSERT_FALSE(no_domain);
  EXPECT_EQ(no_domain.error().message, "domain is empty");
}

TEST(Jid, BareAndWithResource) {
  Jid full = must_parse("a@example.com/r1");
  EXPECT_EQ(full.bare().str(), "a@example.com");
  EXPECT_TRUE(full.bare().is_bare());
  EXPECT_EQ(full.with_resource("r2").str(), "a@example.com/r2");
  EXPECT_EQ(full.with_resource("").str(), "a@example.com");
  EXPECT_EQ(full.with_resource("bad\x07").str(), "a@example.com");
  EXPECT_EQ(full.with_resource(std::string(1024, 'r')).str(), "a@example.com");
}

TEST(Jid, ComparesPreparedForms) {
  EXPECT_EQ(must_parse("JULIET@EXAMPLE.com/x"), must_parse("juliet@example.com./x"));
  EXPECT_NE(must_parse("juliet@example.com/x"), must_parse("juliet@example.com/X"));
  EXPECT_LT(must_parse("a@example.com"), must_parse("b@example.com"));
  EXPECT_TRUE(Jid{}.empty());
}

TEST(Jid, StrRoundTrips) {
  for (const char* text : {"a@b.example/c/d@e", "example.com", "[::1]/x", "\xC3\xA4@b\xC3\xBC" "cher.example/\xE2\x98\x83",
                           "space\\20cadet@example.com"}) {
    Jid jid = must_parse(text);
    EXPECT_EQ(must_parse(jid.str()), jid) << text;
  }
}

// The examples table of XEP-0106, section 5.1, node part only.
struct EscapeCase {
  const char* raw;
  const char* escaped;
};
constexpr EscapeCase xep0106_examples[] = {
    {"space cadet", "space\\20cadet"},
    {"call me \"ishmael\"", "call\\20me\\20\\22ishmael\\22"},
    {"at&t guy", "at\\26t\\20guy"},
    {"d'artagnan", "d\\27artagnan"},
    {"/.fanboy", "\\2f.fanboy"},
    {"::foo::", "\\3a\\3afoo\\3a\\3a"},
    {"<foo>", "\\3cfoo\\3e"},
    {"user@host", "user\\40host"},
    {"c:\\net", "c\\3a\\net"},
    {"c:\\\\net", "c\\3a\\\\net"},
    {"c:\\cool stuff", "c\\3a\\cool\\20stuff"},
    {"c:\\5commas", "c\\3a\\5c5commas"},
};

TEST(JidEscaping, Xep0106ExamplesTable) {
  for (const auto& c : xep0106_examples) {
    EXPECT_EQ(escape_node(c.raw), c.escaped) << c.raw;
    EXPECT_EQ(unescape_node(c.escaped), c.raw) << c.escaped;
  }
}

TEST(JidEscaping, EscapedNodesAreValidJidNodes) {
  for (const auto& c : xep0106_examples) {
    auto jid = Jid::from_parts(escape_node(c.raw), "example.com");
    ASSERT_TRUE(jid) << c.raw << ": " << jid.error().message;
    EXPECT_EQ(jid->str(), std::string(c.escaped) + "@example.com");
    EXPECT_EQ(unescape_node(jid->node()), c.raw);
  }
}

TEST(JidEscaping, AllTenEscapes) {
  EXPECT_EQ(escape_node("a \"&'/:<>@b"), "a\\20\\22\\26\\27\\2f\\3a\\3c\\3e\\40b");
  EXPECT_EQ(unescape_node("\\20\\22\\26\\27\\2f\\3a\\3c\\3e\\40\\5c"), " \"&'/:<>@\\");
}

TEST(JidEscaping, BackslashOnlyEscapedBeforeAnEscapeSequence) {
  EXPECT_EQ(escape_node("a\\b"), "a\\b");
  EXPECT_EQ(escape_node("a\\"), "a\\");
  EXPECT_EQ(escape_node("\\2"), "\\2");
  EXPECT_EQ(escape_node("\\41"), "\\41");  // not one of the ten
  EXPECT_EQ(escape_node("\\40"), "\\5c40");
  EXPECT_EQ(escape_node("\\5c"), "\\5c5c");
  EXPECT_EQ(escape_node("\\2F"), "\\2F");  // escapes are lowercase
}

TEST(JidEscaping, UnescapeLeavesOtherSequencesAlone) {
  EXPECT_EQ(unescape_node("\\2plus\\2is\\4"), "\\2plus\\2is\\4");
  EXPECT_EQ(unescape_node("foo\\bar"), "foo\\bar");
  EXPECT_EQ(unescape_node("foob\\41r"), "foob\\41r");
  EXPECT_EQ(unescape_node("trailing\\"), "trailing\\");
  EXPECT_EQ(unescape_node("trailing\\4"), "trailing\\4");
  EXPECT_EQ(unescape_node("\\2F"), "\\2F");
}

TEST(JidEscaping, LeadingAndTrailingSpacesAreDropped) {
  EXPECT_EQ(escape_node("  bob  "), "bob");
  EXPECT_EQ(escape_node(" a b "), "a\\20b");
  EXPECT_EQ(escape_node("   "), "");
  EXPECT_EQ(escape_node(""), "");
}

TEST(JidEscaping, RoundTripsTrickyBackslashes) {
  for (const char* raw : {"\\", "\\\\", "\\\\20", "\\ x", "\\2 x", "a\\5c\\20b", "\\\\5c5c", "x\\2f/y", "\\40@"}) {
    EXPECT_EQ(unescape_node(escape_node(raw)), raw) << raw;
  }
}

TEST(JidEscaping, EmailAddressForTheMailGateway) {
  std::string node = escape_node("bob@example.com");
  EXPECT_EQ(node, "bob\\40example.com");
  auto jid = Jid::from_parts(node, "mail.example.org");
  ASSERT_TRUE(jid);
  EXPECT_EQ(jid->str(), "bob\\40example.com@mail.example.org");
}

}  // namespace
}  // namespace junction::xmpp
