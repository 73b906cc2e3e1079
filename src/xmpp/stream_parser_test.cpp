#include "xmpp/stream_parser.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <random>
#include <stdexcept>

namespace junction::xmpp {
namespace {

constexpr std::string_view kOpen =
    "<?xml version='1.0'?><stream:stream xmlns:stream='http://etherx.jabber.org/streams' "
    "xmlns='jabber:component:accept' from='irc.example.org' id='abc'>";
constexpr std::string_view kNs = "jabber:component:accept";

// Records everything a parser reports.
struct Recorder {
  std::vector<std::pair<std::string, std::string>> open_attrs;
  int opens = 0;
  std::vector<Element> stanzas;
  int closes = 0;
  std::vector<StreamError> errors;

  StreamParser::Callbacks callbacks() {
    return {
        .on_stream_open = [this](const auto& attrs) { ++opens, open_attrs = attrs; },
        .on_stanza = [this](Element&& e) { stanzas.push_back(std::move(e)); },
        .on_stream_close = [this] { ++closes; },
        .on_error = [this](const StreamError& e) { errors.push_back(e); },
    };
  }
  std::string condition() const { return errors.empty() ? std::string("(none)") : errors.front().condition; }
};

Recorder parse_all(std::string_view input, StreamParser::Limits limits = {}) {
  Recorder r;
  StreamParser p(r.callbacks(), limits);
  p.feed(input);
  return r;
}

std::string with_stream(std::string_view body) { return std::string(kOpen) + std::string(body); }

const std::string kCorpus = with_stream(
    "<message to='+15551234567@sms.example.org' from='alice@example.org/phone' type='chat' id='m1' xml:lang='en'>"
    "<body>caf\xC3\xA9 &amp; &lt;cr\xC3\xA8me&gt; &#x1F600; &#65;<![CDATA[<raw> & stuff]]></body>"
    "<request xmlns='urn:xmpp:receipts'/></message>\n  "
    "<iq type='get' id='i1' to='irc.example.org' from='bob@example.org/x'>"
    "<query xmlns='http://jabber.org/protocol/disco#info' node='n'/></iq>"
    "<presence/>"
    "<iq type='set' id='i2'><d:x xmlns:d='jabber:x:data' type='submit'><d:field var='a'><d:value>1</d:value>"
    "</d:field></d:x><vCard xmlns='vcard-temp'><FN>A \"B\" C</FN><inner xmlns=''/></vCard></iq>"
    "<handshake/>"
    "</stream:stream>");

TEST(StreamParser, ReportsOpenStanzasAndClose) {
  Recorder r = parse_all(kCorpus);
  ASSERT_TRUE(r.errors.empty()) << r.errors.front().text;
  EXPECT_EQ(r.opens, 1);
  EXPECT_EQ(r.closes, 1);
  ASSERT_EQ(r.stanzas.size(), 5u);
  auto has = [&](std::string_view k, std::string_view v) {
    for (const auto& [ak, av] : r.open_attrs)
      if (ak == k) return av == v;
    return false;
  };
  EXPECT_TRUE(has("from", "irc.example.org"));
  EXPECT_TRUE(has("id", "abc"));
  EXPECT_TRUE(has("xmlns", "jabber:component:accept"));

  const Element& msg = r.stanzas[0];
  EXPECT_EQ(msg.name(), "message");
  EXPECT_EQ(msg.xmlns(), kNs);
  EXPECT_EQ(msg.attr("xml:lang"), "en");
  EXPECT_EQ(msg.child_text("body"), "caf\xC3\xA9 & <cr\xC3\xA8me> \xF0\x9F\x98\x80 A<raw> & stuff");
  EXPECT_NE(msg.child("request", "urn:xmpp:receipts"), nullptr);
  EXPECT_EQ(r.stanzas[1].child("query")->xmlns(), "http://jabber.org/protocol/disco#info");
  EXPECT_EQ(r.stanzas[2].name(), "presence");
  EXPECT_EQ(r.stanzas[4].name(), "handshake");
  EXPECT_EQ(r.stanzas[4].xmlns(), kNs);
}

TEST(StreamParser, ResolvesPrefixesAndDefaultNamespaceChanges) {
  Recorder r = parse_all(kCorpus);
  ASSERT_EQ(r.stanzas.size(), 5u);
  const Element& iq = r.stanzas[3];
  const Element* x = iq.child("x", "jabber:x:data");
  ASSERT_NE(x, nullptr);
  EXPECT_EQ(x->attr("type"), "submit");
  EXPECT_EQ(x->child("field", "jabber:x:data")->child_text("value", "jabber:x:data"), "1");
  const Element* vcard = iq.child("vCard", "vcard-temp");
  ASSERT_NE(vcard, nullptr);
  EXPECT_EQ(vcard->child_text("FN", "vcard-temp"), "A \"B\" C");
  // Serialised back, the prefix is gone and xmlns appears only where the namespace changes.
  EXPECT_EQ(x->to_string(kNs), R"(<x xmlns="jabber:x:data" type="submit"><field var="a"><value>1</value></field></x>)");
}

TEST(StreamParser, StreamErrorAndFeaturesKeepTheStreamsNamespace) {
  Recorder r = parse_all(with_stream(
      "<stream:error><conflict xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"
      "<text xmlns='urn:ietf:params:xml:ns:xmpp-streams'>dup</text></stream:error>"));
  ASSERT_EQ(r.stanzas.size(), 1u);
  EXPECT_EQ(r.stanzas[0].name(), "error");
  EXPECT_EQ(r.stanzas[0].xmlns(), "http://etherx.jabber.org/streams");
  EXPECT_NE(r.stanzas[0].child("conflict", "urn:ietf:params:xml:ns:xmpp-streams"), nullptr);
}

TEST(StreamParser, ByteByByteAndRandomSplitsGiveTheSameStanzas) {
  Recorder whole = parse_all(kCorpus);
  ASSERT_EQ(whole.stanzas.size(), 5u);

  Recorder bytes;
  {
    StreamParser p(bytes.callbacks());
    for (char c : kCorpus) ASSERT_TRUE(p.feed(std::string_view(&c, 1)));
  }
  EXPECT_EQ(bytes.stanzas, whole.stanzas);
  EXPECT_EQ(bytes.closes, 1);

  for (unsigned seed = 1; seed <= 50; ++seed) {
    std::mt19937 rng(seed);
    Recorder r;
    StreamParser p(r.callbacks());
    std::size_t pos = 0;
    while (pos < kCorpus.size()) {
      std::size_t n = std::uniform_int_distribution<std::size_t>(1, 40)(rng);
      p.feed(std::string_view(kCorpus).substr(pos, n));
      pos += n;
    }
    EXPECT_EQ(r.stanzas, whole.stanzas) << "seed " << seed;
    EXPECT_TRUE(r.errors.empty()) << "seed " << seed;
  }
}

TEST(StreamParser, StanzaDeliveredAsSoonAsItsEndTagArrives) {
  Recorder r;
  StreamParser p(r.callbacks());
  p.feed(kOpen);
  EXPECT_EQ(r.opens, 1);
  p.feed("<message><body>hi</body></message");
  EXPECT_TRUE(r.stanzas.empty());
  p.feed(">");
  EXPECT_EQ(r.stanzas.size(), 1u);
  p.feed("<presence/");
  EXPECT_EQ(r.stanzas.size(), 1u);
  p.feed(">");
  EXPECT_EQ(r.stanzas.size(), 2u);
}

TEST(StreamParser, MemoryIsFreedAfterEachStanza) {
  // Indirect check: many stanzas through one parser, each delivered alone and complete.
  Recorder r;
  StreamParser p(r.callbacks());
  p.feed(kOpen);
  for (int i = 0; i < 1000; ++i) p.feed("<message id='" + std::to_string(i) + "'><body>x</body></message>");
  ASSERT_EQ(r.stanzas.size(), 1000u);
  EXPECT_EQ(r.stanzas.back().attr("id"), "999");
  EXPECT_EQ(r.stanzas.back().children().size(), 1u);
}

struct Refused {
  const char* name;
  std::string input;
  const char* condition;
};

class RefusedConstruct : public ::testing::TestWithParam<Refused> {};

TEST_P(RefusedConstruct, IsReportedOnceAndStopsTheParser) {
  Recorder r;
  StreamParser p(r.callbacks());
  EXPECT_FALSE(p.feed(GetParam().input));
  EXPECT_TRUE(p.failed());
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].condition, GetParam().condition) << r.errors[0].text;
  EXPECT_TRUE(r.stanzas.empty());
  // Nothing more is reported, whatever comes next.
  EXPECT_FALSE(p.feed("<message/><presence/></stream:stream>"));
  EXPECT_EQ(r.errors.size(), 1u);
  EXPECT_TRUE(r.stanzas.empty());
  EXPECT_EQ(r.closes, 0);
}

INSTANTIATE_TEST_SUITE_P(
    StreamParser, RefusedConstruct,
    ::testing::Values(
        Refused{"doctype", "<?xml version='1.0'?><!DOCTYPE stream>" + std::string(kOpen.substr(21)), "restricted-xml"},
        Refused{"internal_entity_decl",
                "<!DOCTYPE s [<!ENTITY lol 'lol'>]>" + std::string(kOpen.substr(21)) + "<message>&lol;</message>",
                "restricted-xml"},
        Refused{"processing_instruction", with_stream("<?evil stuff?><message/>"), "restricted-xml"},
        Refused{"pi_in_stanza", with_stream("<message><?evil?></message>"), "restricted-xml"},
        Refused{"comment", with_stream("<message><!-- hi --></message>"), "restricted-xml"},
        Refused{"comment_between_stanzas", with_stream("<!-- hi --><message/>"), "restricted-xml"},
        Refused{"undefined_entity", with_stream("<message><body>&nbsp;</body></message>"), "restricted-xml"},
        Refused{"external_entity_ref", with_stream("<message><body>&ext;</body></message>"), "restricted-xml"},
        Refused{"entity_in_attribute", with_stream("<message id='&x;'/>"), "restricted-xml"},
        Refused{"invalid_utf8", with_stream("<message><body>\xC3\x28</body></message>"), "not-well-formed"},
        Refused{"overlong_utf8", with_stream("<message><body>\xC0\xAF</body></message>"), "not-well-formed"},
        Refused{"surrogate_utf8", with_stream("<message><body>\xED\xA0\x80</body></message>"), "not-well-formed"},
        Refused{"control_char", with_stream(std::string("<message><body>\x01</body></message>")), "not-well-formed"},
        Refused{"nul_char_ref", with_stream("<message><body>&#0;</body></message>"), "not-well-formed"},
        Refused{"mismatched_tag", with_stream("<message></presence>"), "not-well-formed"},
        Refused{"unbound_prefix", with_stream("<foo:message/>"), "not-well-formed"},
        Refused{"duplicate_attribute", with_stream("<message id='1' id='2'/>"), "not-well-formed"},
        Refused{"junk_before_root", "hello<", "not-well-formed"},
        Refused{"wrong_root_namespace", "<stream:stream xmlns:stream='urn:wrong'>", "invalid-namespace"},
        Refused{"wrong_root_name", "<stream:feed xmlns:stream='http://etherx.jabber.org/streams'>", "bad-format"},
        Refused{"other_encoding", "<?xml version='1.0' encoding='ISO-8859-1'?>" + std::string(kOpen.substr(21)),
                "unsupported-encoding"},
        Refused{"utf16_bom", std::string("\xFF\xFE<\0s\0", 6), "unsupported-encoding"},
        Refused{"utf16_without_bom", std::string("<\0s\0", 4), "unsupported-encoding"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(StreamParser, PredefinedEntitiesAndCharacterReferencesAreFine) {
  Recorder r = parse_all(with_stream("<message a='&quot;&apos;'><body>&amp;&lt;&gt;&quot;&apos;&#x41;&#66;</body></message>"));
  ASSERT_TRUE(r.errors.empty());
  ASSERT_EQ(r.stanzas.size(), 1u);
  EXPECT_EQ(r.stanzas[0].attr("a"), "\"'");
  EXPECT_EQ(r.stanzas[0].child_text("body"), "&<>\"'AB");
}

TEST(StreamParser, StanzaLargerThanTheLimitWithEndTag) {
  StreamParser::Limits limits{.max_stanza_bytes = 1000, .max_depth = 64};
  std::string small = "<message><body>" + std::string(900, 'a') + "</body></message>";
  std::string big = "<message><body>" + std::string(1000, 'a') + "</body></message>";
  Recorder r = parse_all(with_stream(small + big + small), limits);
  EXPECT_EQ(r.stanzas.size(), 1u);
  EXPECT_EQ(r.condition(), "policy-violation");

  // The limit is exact: a stanza of max_stanza_bytes passes, one byte more does not.
  std::string exact = "<message><body>" + std::string(1000 - 32, 'b') + "</body></message>";
  ASSERT_EQ(exact.size(), 1000u);
  Recorder ok = parse_all(with_stream(exact), limits);
  EXPECT_TRUE(ok.errors.empty());
  EXPECT_EQ(ok.stanzas.size(), 1u);
  Recorder over = parse_all(with_stream(exact.substr(0, 20) + "c" + exact.substr(20)), limits);
  EXPECT_EQ(over.condition(), "policy-violation");
}

TEST(StreamParser, UnfinishedTokenLargerThanTheLimitFailsAtFeedLevel) {
  // A huge attribute value with no closing '>': Expat never calls back, so only byte
  // counting at feed() can stop it. Fed in 64 KiB chunks of a would-be 10 MB.
  Recorder r;
  StreamParser p(r.callbacks(), {.max_stanza_bytes = 256 * 1024, .max_depth = 64});
  p.feed(kOpen);
  p.feed("<message to='");
  const std::string chunk(64 * 1024, 'x');
  std::size_t fed = 0;
  while (fed < 10u * 1024 * 1024 && p.feed(chunk)) fed += chunk.size();
  EXPECT_EQ(r.condition(), "policy-violation");
  EXPECT_LE(fed, 256u * 1024);
  EXPECT_TRUE(r.stanzas.empty());
}

TEST(StreamParser, UnfinishedStanzaStartBetweenStanzasCounts) {
  Recorder r;
  StreamParser p(r.callbacks(), {.max_stanza_bytes = 4096, .max_depth = 64});
  p.feed(kOpen);
  p.feed("<presence/>");
  EXPECT_FALSE(p.feed("<message id='" + std::string(5000, 'y')));
  EXPECT_EQ(r.condition(), "policy-violation");
}

TEST(StreamParser, ManySmallStanzasInOneLargeFeedAreFine) {
  std::string many;
  for (int i = 0; i < 2000; ++i) many += "<message><body>0123456789</body></message>\n";
  Recorder r = parse_all(with_stream(many), {.max_stanza_bytes = 1024, .max_depth = 8});
  EXPECT_TRUE(r.errors.empty()) << r.condition();
  EXPECT_EQ(r.stanzas.size(), 2000u);
}

TEST(StreamParser, WhitespaceKeepalivesDoNotAccumulate) {
  Recorder r;
  StreamParser p(r.callbacks(), {.max_stanza_bytes = 1024, .max_depth = 8});
  p.feed(kOpen);
  for (int i = 0; i < 5000; ++i) ASSERT_TRUE(p.feed(" \n"));
  p.feed("<presence/>");
  EXPECT_EQ(r.stanzas.size(), 1u);
  EXPECT_TRUE(r.errors.empty());
}

TEST(StreamParser, DepthLimit) {
  StreamParser::Limits limits{.max_stanza_bytes = 1 << 20, .max_depth = 4};
  Recorder ok = parse_all(with_stream("<message><a><b><c/></b></a></message>"), limits);
  EXPECT_TRUE(ok.errors.empty());
  EXPECT_EQ(ok.stanzas.size(), 1u);
  Recorder deep = parse_all(with_stream("<message><a><b><c><d/></c></b></a></message>"), limits);
  EXPECT_EQ(deep.condition(), "policy-violation");
  EXPECT_TRUE(deep.stanzas.empty());

  std::string bomb;
  for (int i = 0; i < 100000; ++i) bomb += "<a>";
  Recorder r = parse_all(with_stream(bomb), {});
  EXPECT_EQ(r.condition(), "policy-violation");
}

TEST(StreamParser, InputAfterStreamCloseIsIgnored) {
  Recorder r;
  StreamParser p(r.callbacks());
  EXPECT_TRUE(p.feed(with_stream("<presence/></stream:stream>")));
  EXPECT_EQ(r.closes, 1);
  EXPECT_TRUE(p.feed("<message/>garbage"));
  EXPECT_EQ(r.stanzas.size(), 1u);
  EXPECT_TRUE(r.errors.empty());

  Recorder same_feed = parse_all(with_stream("<presence/></stream:stream><message/>junk<"));
  EXPECT_EQ(same_feed.closes, 1);
  EXPECT_EQ(same_feed.stanzas.size(), 1u);
  EXPECT_TRUE(same_feed.errors.empty());
}

TEST(StreamParser, ResetStartsANewStream) {
  Recorder r;
  StreamParser p(r.callbacks());
  p.feed(with_stream("<message><body>half"));
  p.reset();
  EXPECT_FALSE(p.failed());
  p.feed(with_stream("<presence/>"));
  EXPECT_EQ(r.opens, 2);
  ASSERT_EQ(r.stanzas.size(), 1u);
  EXPECT_EQ(r.stanzas[0].name(), "presence");

  p.feed("<oops");
  p.feed("</bad>");
  EXPECT_TRUE(p.failed());
  p.reset();
  EXPECT_FALSE(p.failed());
  EXPECT_TRUE(p.feed(with_stream("<iq/>")));
  EXPECT_EQ(r.stanzas.back().name(), "iq");
}

TEST(StreamParser, ResetFromACallbackHandsTheRestToTheNewStream) {
  std::vector<std::string> names;
  int opens = 0;
  std::unique_ptr<StreamParser> p;
  p = std::make_unique<StreamParser>(StreamParser::Callbacks{
      .on_stream_open = [&](const auto&) { ++opens; },
      .on_stanza =
          [&](Element&& e) {
            names.push_back(e.name());
            if (e.name() == "restart") p->reset();
          },
      .on_stream_close = {},
      .on_error = [&](const StreamError& e) { ADD_FAILURE() << e.condition << " " << e.text; },
  });
  EXPECT_TRUE(p->feed(with_stream("<a/><restart/>") + with_stream("<b/>")));
  EXPECT_EQ(opens, 2);
  EXPECT_EQ(names, (std::vector<std::string>{"a", "restart", "b"}));
}

TEST(StreamParser, DestroyingTheParserFromACallbackIsSafe) {
  int stanzas = 0;
  auto* p = new StreamParser({});
  delete p;
  std::unique_ptr<StreamParser> owner;
  owner = std::make_unique<StreamParser>(StreamParser::Callbacks{
      .on_stream_open = {},
      .on_stanza = [&](Element&&) {
        ++stanzas;
        owner.reset();
      },
      .on_stream_close = {},
      .on_error = {},
  });
  StreamParser* raw = owner.get();
  EXPECT_FALSE(raw->feed(with_stream("<a/><b/><c/>")));
  EXPECT_EQ(stanzas, 1);
  EXPECT_EQ(owner, nullptr);
}

TEST(StreamParser, FeedFromACallbackIsQueued) {
  std::vector<std::string> names;
  std::unique_ptr<StreamParser> p;
  p = std::make_unique<StreamParser>(StreamParser::Callbacks{
      .on_stream_open = {},
      .on_stanza =
          [&](Element&& e) {
            names.push_back(e.name());
            if (e.name() == "a") p->feed("<c/>");
          },
      .on_stream_close = {},
      .on_error = {},
  });
  EXPECT_TRUE(p->feed(with_stream("<a/><b/>")));
  EXPECT_EQ(names, (std::vector<std::string>{"a", "b", "c"}));
}

TEST(StreamParser, ExceptionFromACallbackPropagatesAndFailsTheParser) {
  int errors = 0;
  StreamParser p({.on_stream_open = {},
                  .on_stanza = [](Element&&) { throw std::runtime_error("boom"); },
                  .on_stream_close = {},
                  .on_error = [&](const StreamError&) { ++errors; }});
  EXPECT_THROW(p.feed(with_stream("<a/><b/>")), std::runtime_error);
  EXPECT_TRUE(p.failed());
  EXPECT_FALSE(p.feed("<c/>"));
  EXPECT_EQ(errors, 0);
  p.reset();
  EXPECT_FALSE(p.failed());
}

TEST(StreamParser, ErrorTextSaysWhere) {
  Recorder r = parse_all(with_stream("\n<message></presence>"));
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_NE(r.errors[0].text.find("line 2"), std::string::npos) << r.errors[0].text;
}

}  // namespace
}  // namespace junction::xmpp
