// XML stream throughput: message stanzas fed in network-sized chunks through the stream
// parser, each built into an Element and serialised again, as the gateway does with every
// stanza it forwards. Prints numbers; never fails on timing.
//   xml_parse_bench [stanzas=200000] [chunk_bytes=1400]
#include "xmpp/element.hpp"
#include "xmpp/namespaces.hpp"
#include "xmpp/stanza.hpp"
#include "xmpp/stream_parser.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

using namespace junction::xmpp;

namespace {

std::string make_stream(std::size_t n) {
  std::string s = stream_header("sms.example.org");
  for (std::size_t i = 0; i < n; ++i) {
    s += "<message from='alice@example.org/phone' to='+15551234567@sms.example.org' type='chat' id='m";
    s += std::to_string(i);
    s += "' xml:lang='en'><body>Running late, see you at 7 &amp; bring the charger &lt;3 \xF0\x9F\x99\x82</body>"
         "<request xmlns='urn:xmpp:receipts'/><active xmlns='http://jabber.org/protocol/chatstates'/>"
         "<origin-id xmlns='urn:xmpp:sid:0' id='9f8e7d6c-5b4a'/></message>\n";
  }
  s += stream_footer;
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t n = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 200000;
  std::size_t chunk = argc > 2 ? std::strtoul(argv[2], nullptr, 10) : 1400;
  if (n == 0 || chunk == 0) {
    std::fprintf(stderr, "usage: %s [stanzas] [chunk_bytes]\n", argv[0]);
    return 2;
  }
  const std::string input = make_stream(n);

  std::size_t stanzas = 0, out_bytes = 0;
  bool failed = false;
  StreamParser parser({
      .on_stream_open = {},
      .on_stanza =
          [&](Element&& e) {
            ++stanzas;
            out_bytes += e.to_string(ns::component).size();
          },
      .on_stream_close = {},
      .on_error =
          [&](const StreamError& e) {
            std::fprintf(stderr, "parse error: %s: %s\n", e.condition.c_str(), e.text.c_str());
            failed = true;
          },
  });

  auto t0 = std::chrono::steady_clock::now();
  for (std::size_t pos = 0; pos < input.size() && !failed; pos += chunk)
    parser.feed(std::string_view(input).substr(pos, chunk));
  auto t1 = std::chrono::steady_clock::now();
  if (failed || stanzas != n) {
    std::fprintf(stderr, "expected %zu stanzas, got %zu\n", n, stanzas);
    return 1;
  }

  double secs = std::chrono::duration<double>(t1 - t0).count();
  std::printf("xml_parse_bench: %zu stanzas, %zu-byte chunks, %.1f MB in, %.1f MB out\n", n, chunk,
              static_cast<double>(input.size()) / 1e6, static_cast<double>(out_bytes) / 1e6);
  std::printf("  %.3f s  %.0f stanzas/s  %.1f MB/s parsed\n", secs, static_cast<double>(n) / secs,
              static_cast<double>(input.size()) / 1e6 / secs);
  return 0;
}
