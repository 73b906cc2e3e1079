#include "irc_message.hpp"

#include <gtest/gtest.h>

namespace junction::irc {
namespace {

TEST(IrcMessage, ParsesRfc1459Examples) {
  auto m = parse(":WiZ!jto@tolsun.oulu.fi NICK Kilroy");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->prefix, "WiZ!jto@tolsun.oulu.fi");
  EXPECT_EQ(m->command, "NICK");
  ASSERT_EQ(m->params.size(), 1u);
  EXPECT_EQ(m->params[0], "Kilroy");

  m = parse("PRIVMSG #cmode :Hello there, world");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->params, (std::vector<std::string>{"#cmode", "Hello there, world"}));

  m = parse(":Angel PRIVMSG Wiz :Hello are you receiving this message ?");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->nick(), "Angel");

  m = parse("USER guest tolmoon tolsun :Ronnie Reagan");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->params.size(), 4u);
  EXPECT_EQ(m->params[3], "Ronnie Reagan");
}

TEST(IrcMessage, NumericsAndLowercaseCommands) {
  auto m = parse(":irc.example.net 001 alice :Welcome to the network");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->command, "001");
  EXPECT_TRUE(m->is_numeric());
  EXPECT_EQ(m->param(0), "alice");
  EXPECT_EQ(m->param(5), "");

  m = parse("privmsg bob hi");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->command, "PRIVMSG");
  EXPECT_FALSE(m->is_numeric());

  EXPECT_FALSE(parse("01 x"));
  EXPECT_FALSE(parse("0001 x"));
  EXPECT_FALSE(parse("PRIV-MSG x"));
}

TEST(IrcMessage, ToleratesExtraSpacesAndMissingTrailingColon) {
  auto m = parse("  :nick!u@h   PRIVMSG    #chan    word  \r\n");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->command, "PRIVMSG");
  EXPECT_EQ(m->params, (std::vector<std::string>{"#chan", "word"}));

  m = parse("PRIVMSG #chan :");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->params, (std::vector<std::string>{"#chan", ""}));

  m = parse("PING :  spaced  out ");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->params[0], "  spaced  out ");
}

TEST(IrcMessage, RejectsEmptyLines) {
  EXPECT_FALSE(parse(""));
  EXPECT_FALSE(parse("   "));
  EXPECT_FALSE(parse("\r\n"));
  EXPECT_FALSE(parse(":prefix.only"));
  EXPECT_FALSE(parse("@a=b"));
}

TEST(IrcMessage, ParsesTagsWithEscapes) {
  auto m = parse("@time=2023-01-01T00:00:00.000Z;msgid=abc;+draft/x=a\\sb\\:c\\\\d\\r\\n;flag :n!u@h PRIVMSG #c :hi");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->tag("time"), "2023-01-01T00:00:00.000Z");
  EXPECT_EQ(m->tag("msgid"), "abc");
  EXPECT_EQ(m->tag("+draft/x"), "a b;c\\d\r\n");
  EXPECT_EQ(m->tag("flag"), "");
  EXPECT_FALSE(m->tag("missing"));
}

TEST(IrcMessage, TagUnescapingEdgeCases) {
  EXPECT_EQ(unescape_tag_value("a\\b"), "ab");
  EXPECT_EQ(unescape_tag_value("trailing\\"), "trailing");
  EXPECT_EQ(unescape_tag_value(""), "");
  auto m = parse("@k=1;k=2;;=x CMD");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->tag("k"), "2");
  EXPECT_EQ(m->tags.size(), 1u);
}

TEST(IrcMessage, TagEscapingRoundTrips) {
  std::string nasty = "a b;c\\d\r\ne";
  EXPECT_EQ(unescape_tag_value(escape_tag_value(nasty)), nasty);
  IrcMessage msg = make_message("tagmsg", {"#c"});
  msg.tags["+typing"] = "active";
  msg.tags["label"] = nasty;
  auto wire = msg.serialize();
  ASSERT_TRUE(wire);
  EXPECT_EQ(*wire, "@+typing=active;label=a\\sb\\:c\\\\d\\r\\ne TAGMSG #c");
  auto back = parse(*wire);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->tags, msg.tags);
}

TEST(IrcMessage, SplitsPrefix) {
  Prefix p = split_prefix("nick!user@host.example");
  EXPECT_EQ(p.nick, "nick");
  EXPECT_EQ(p.user, "user");
  EXPECT_EQ(p.host, "host.example");
  p = split_prefix("irc.server.net");
  EXPECT_EQ(p.nick, "irc.server.net");
  EXPECT_EQ(p.user, "");
  p = split_prefix("nick@host");
  EXPECT_EQ(p.nick, "nick");
  EXPECT_EQ(p.user, "");
  EXPECT_EQ(p.host, "host");
  p = split_prefix("nick!user");
  EXPECT_EQ(p.user, "user");
  EXPECT_EQ(p.host, "");
}

TEST(IrcMessage, SerializesWithTrailingOnlyWhenNeeded) {
  EXPECT_EQ(make_message("NICK", {"alice"}).serialize().value(), "NICK alice");
  EXPECT_EQ(make_message("PRIVMSG", {"#c", "hello world"}).serialize().value(), "PRIVMSG #c :hello world");
  EXPECT_EQ(make_message("PRIVMSG", {"#c", ":)"}).serialize().value(), "PRIVMSG #c ::)");
  EXPECT_EQ(make_message("PRIVMSG", {"#c", ""}).serialize().value(), "PRIVMSG #c :");
  EXPECT_EQ(make_message("QUIT", {}).serialize().value(), "QUIT");
  IrcMessage m = make_message("001", {"me", "Welcome"});
  m.prefix = "irc.example";
  EXPECT_EQ(m.serialize().value(), ":irc.example 001 me Welcome");
}

TEST(IrcMessage, RefusesInjection) {
  EXPECT_FALSE(make_message("PRIVMSG", {"#c", "hi\r\nQUIT :bye"}).serialize());
  EXPECT_FALSE(make_message("PRIVMSG", {"#c", "hi\nQUIT"}).serialize());
  EXPECT_FALSE(make_message("PRIVMSG", {"#c", std::string("a\0b", 3)}).serialize());
  EXPECT_FALSE(make_message("PRIVMSG", {"#c d", "x"}).serialize());
  EXPECT_FALSE(make_message("PRIVMSG", {":c", "x"}).serialize());
  EXPECT_FALSE(make_message("PRIVMSG", {"", "x"}).serialize());
  EXPECT_FALSE(make_message("PRIV MSG", {"x"}).serialize());
  EXPECT_FALSE(make_message("", {"x"}).serialize());
  IrcMessage m = make_message("PING", {"x"});
  m.prefix = "a b";
  EXPECT_FALSE(m.serialize());
  m.prefix.clear();
  m.tags["bad key"] = "v";
  EXPECT_FALSE(m.serialize());
}

TEST(IrcMessage, RoundTripsParsedLines) {
  for (std::string_view line : {":n!u@h PRIVMSG #chan :hello there", "@a=b;c :s 353 me = #c :@op +voice nick",
                                "CAP * LS * :sasl=PLAIN,EXTERNAL multi-prefix", "PING token"}) {
    auto m = parse(line);
    ASSERT_TRUE(m) << line;
    auto wire = m->serialize();
    ASSERT_TRUE(wire) << line;
    EXPECT_EQ(*wire, line);
  }
}

}  // namespace
}  // namespace junction::irc
