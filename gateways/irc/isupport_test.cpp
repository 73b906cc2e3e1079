#include "isupport.hpp"

#include <gtest/gtest.h>

namespace junction::irc {
namespace {

ISupport from(std::string_view line) {
  ISupport s;
  s.apply(parse(line).value());
  return s;
}

TEST(ISupport, DefaultsWhenAbsent) {
  ISupport s;
  EXPECT_EQ(s.casemapping, CaseMapping::rfc1459);
  EXPECT_EQ(s.prefix_modes, "ov");
  EXPECT_EQ(s.prefix_symbols, "@+");
  EXPECT_TRUE(s.is_channel("#c"));
  EXPECT_TRUE(s.is_channel("&local"));
  EXPECT_FALSE(s.is_channel("nick"));
  EXPECT_FALSE(s.is_channel(""));
  EXPECT_EQ(s.nicklen, 9u);
  EXPECT_EQ(s.max_targets("PRIVMSG"), 1u);
}

TEST(ISupport, ParsesATypicalServer) {
  auto s = from(
      ":irc.example 005 me CHANTYPES=# EXCEPTS INVEX CHANMODES=eIbq,k,flj,CFLMPQScgimnprstuz CHANLIMIT=#:120 "
      "PREFIX=(qaohv)~&@%+ MAXLIST=bqeI:100 MODES=4 NETWORK=Example NICKLEN=16 CHANNELLEN=50 "
      "CASEMAPPING=ascii TARGMAX=NAMES:1,LIST:1,KICK:1,WHOIS:1,PRIVMSG:4,NOTICE:4,ACCEPT:,MONITOR: "
      ":are supported by this server");
  EXPECT_EQ(s.chantypes, "#");
  EXPECT_FALSE(s.is_channel("&x"));
  EXPECT_EQ(s.chanmodes_a, "eIbq");
  EXPECT_EQ(s.chanmodes_b, "k");
  EXPECT_EQ(s.chanmodes_c, "flj");
  EXPECT_EQ(s.chanmodes_d, "CFLMPQScgimnprstuz");
  EXPECT_EQ(s.prefix_modes, "qaohv");
  EXPECT_EQ(s.prefix_symbols, "~&@%+");
  EXPECT_EQ(s.nicklen, 16u);
  EXPECT_EQ(s.channellen, 50u);
  EXPECT_EQ(s.casemapping, CaseMapping::ascii);
  EXPECT_EQ(s.max_targets("privmsg"), 4u);
  EXPECT_EQ(s.max_targets("MONITOR"), std::nullopt);
  EXPECT_EQ(s.max_targets("JOIN"), 1u);
  EXPECT_EQ(s.raw("network"), "Example");
  EXPECT_EQ(s.raw("EXCEPTS"), "");
  EXPECT_FALSE(s.raw("are supported by this server"));
}

TEST(ISupport, StatusPrefixes) {
  auto s = from(":irc 005 me PREFIX=(ohv)@%+ :are supported");
  auto [symbols, nick] = s.split_status("@%alice");
  EXPECT_EQ(symbols, "@%");
  EXPECT_EQ(nick, "alice");
  auto [none, plain] = s.split_status("bob");
  EXPECT_EQ(none, "");
  EXPECT_EQ(plain, "bob");
  EXPECT_EQ(s.mode_for_symbol('%'), 'h');
  EXPECT_EQ(s.symbol_for_mode('v'), '+');
  EXPECT_FALSE(s.mode_for_symbol('~'));
  s.apply_token("PREFIX=");
  EXPECT_EQ(s.split_status("@x").first, "");
  s.apply_token("PREFIX=(ov)@");  // malformed: ignored
  EXPECT_EQ(s.prefix_modes, "");
}

TEST(ISupport, Casemappings) {
  ISupport s;
  EXPECT_EQ(s.casefold("Nick[A]\\~"), "nick{a}|^");
  EXPECT_TRUE(s.same_name("#Chan[1]", "#chan{1}"));
  s.apply_token("CASEMAPPING=strict-rfc1459");
  EXPECT_EQ(s.casefold("A[]\\~"), "a{}|~");
  s.apply_token("CASEMAPPING=ascii");
  EXPECT_EQ(s.casefold("A[]\\~"), "a[]\\~");
  EXPECT_FALSE(s.same_name("a[", "A{"));
  EXPECT_TRUE(s.same_name("ALICE", "alice"));
  s.apply_token("-CASEMAPPING");
  EXPECT_EQ(s.casemapping, CaseMapping::rfc1459);
}

TEST(ISupport, Rfc7613FoldsUnicodeButNotBrackets) {
  ISupport s;
  s.apply_token("CASEMAPPING=rfc7613");
  EXPECT_EQ(s.casemapping, CaseMapping::rfc7613);
  // ASCII letters fold; the rfc1459 bracket equivalences do not apply.
  EXPECT_EQ(s.casefold("Nick[A]\\~"), "nick[a]\\~");
  EXPECT_FALSE(s.same_name("a[", "A{"));
  // Unicode letters fold, whatever their UTF-8 length.
  EXPECT_EQ(s.casefold("ÉCOLE"), "école");
  EXPECT_TRUE(s.same_name("#Ελλάδα", "#ΕΛΛΆΔΑ"));
  EXPECT_TRUE(s.same_name("Straße", "STRASSE"));
  EXPECT_TRUE(s.same_name("ＡＢＣ", "abc")) << "full-width forms are the same nick";
  EXPECT_FALSE(s.same_name("école", "ecole"));
  // Bytes that are not UTF-8 still compare (ASCII-folded).
  EXPECT_TRUE(s.same_name("A\xff", "a\xff"));
  // Under the older mappings non-ASCII letters are distinct.
  s.apply_token("CASEMAPPING=rfc1459");
  EXPECT_FALSE(s.same_name("ÉCOLE", "école"));
  s.apply_token("CASEMAPPING=ascii");
  EXPECT_FALSE(s.same_name("ÉCOLE", "école"));
  EXPECT_TRUE(s.same_name("ECOLE", "ecole"));
}

TEST(ISupport, UnknownCasemappingFallsBackToRfc1459) {
  ISupport s;
  s.apply_token("CASEMAPPING=something-new");
  EXPECT_EQ(s.casemapping, CaseMapping::rfc1459);
  EXPECT_TRUE(s.same_name("A[", "a{"));
}

TEST(ISupport, NegationAndEscapes) {
  ISupport s;
  s.apply_token("NICKLEN=30");
  s.apply_token("NETWORK=Some\\x20Net\\x3Dx");
  EXPECT_EQ(s.raw("NETWORK"), "Some Net=x");
  s.apply_token("-NICKLEN");
  EXPECT_EQ(s.nicklen, 9u);
  EXPECT_FALSE(s.raw("NICKLEN"));
  s.apply_token("NICKLEN=bogus");
  EXPECT_EQ(s.nicklen, 9u);
  s.apply_token("CHANMODES=b,k");
  EXPECT_EQ(s.chanmodes_b, "k");
  EXPECT_EQ(s.chanmodes_c, "");
  EXPECT_EQ(s.chanmodes_d, "");
}

}  // namespace
}  // namespace junction::irc
