#include "html_text.hpp"

#include <gtest/gtest.h>

namespace junction::email {
namespace {

TEST(HtmlText, BlocksAndBreaks) {
  EXPECT_EQ(html_to_text("<div>one</div><div>two<br>three</div><p>para</p>tail"), "one\ntwo\nthree\n\npara\n\ntail");
}

TEST(HtmlText, CollapsesWhitespaceButKeepsPre) {
  EXPECT_EQ(html_to_text("a  \n  b<pre>x  y\n  z</pre>c"), "a b\nx  y\n  z\nc");
}

TEST(HtmlText, LinksKeepTheirTarget) {
  EXPECT_EQ(html_to_text("<a href=\"https://e.example/a?b=1&amp;c=2\">docs</a>"), "docs <https://e.example/a?b=1&c=2>");
  EXPECT_EQ(html_to_text("<a href='https://e.example'>https://e.example</a>"), "https://e.example");
  EXPECT_EQ(html_to_text("<a href=\"#top\">top</a>"), "top");
  EXPECT_EQ(html_to_text("<a href=https://e.example><img src=x></a>"), "https://e.example");
}

TEST(HtmlText, EntitiesAndSkippedContent) {
  EXPECT_EQ(html_to_text("<style>b{}</style><script>x<y</script>&lt;&#65;&#x42;&eacute;&bogus;&amp"), "<ABé&bogus;&amp");
  EXPECT_EQ(decode_html_entities("&#0;&#xD800;&#1114112;"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
}

TEST(HtmlText, ListsAndQuotes) {
  EXPECT_EQ(html_to_text("<ol><li>a</li><li>b</li></ol>"), "- a\n- b");
  EXPECT_EQ(html_to_text("hi<blockquote>q1<br>q2<blockquote>deep</blockquote></blockquote>end"),
            "hi\n> q1\n> q2\n> > deep\nend");
}

TEST(HtmlText, UnterminatedTagDoesNotLoop) {
  EXPECT_EQ(html_to_text("text <b unterminated"), "text");
  EXPECT_EQ(html_to_text("<!-- open comment"), "");
}

}  // namespace
}  // namespace junction::email
