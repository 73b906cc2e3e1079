// Differential fuzzing of the stream parser: the same bytes fed whole and in input-derived
// pieces must give the same stanzas, and every stanza must survive serialise -> parse
// unchanged. Sanitizers catch the memory errors; the checks below catch the logic ones.
#include "xmpp/element.hpp"
#include "xmpp/stanza.hpp"
#include "xmpp/stream_parser.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

namespace {

using junction::xmpp::Element;
using junction::xmpp::StreamError;
using junction::xmpp::StreamParser;

constexpr StreamParser::Limits kLimits{.max_stanza_bytes = 2048, .max_depth = 16};

struct Outcome {
  std::vector<Element> stanzas;
  int opens = 0;
  int closes = 0;
  bool failed = false;
};

StreamParser::Callbacks record(Outcome& o) {
  return {
      .on_stream_open = [&o](const auto&) { ++o.opens; },
      .on_stanza = [&o](Element&& e) { o.stanzas.push_back(std::move(e)); },
      .on_stream_close = [&o] { ++o.closes; },
      .on_error = [&o](const StreamError&) { o.failed = true; },
  };
}

void check(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "stream_parser_fuzz: %s\n", what);
  std::abort();
}

bool is_prefix(const std::vector<Element>& a, const std::vector<Element>& b) {
  return a.size() <= b.size() && std::equal(a.begin(), a.end(), b.begin());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  // The first byte chooses the chunking, the rest is the stream.
  const unsigned seed = data[0];
  std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);

  Outcome whole;
  {
    StreamParser p(record(whole), kLimits);
    p.feed(input);
  }

  Outcome pieces;
  {
    StreamParser p(record(pieces), kLimits);
    std::size_t pos = 0;
    unsigned state = seed * 2654435761u + 1;
    while (pos < input.size()) {
      state = state * 1103515245u + 12345u;
      std::size_t n = 1 + (state >> 16) % 64;
      p.feed(input.substr(pos, n));
      pos += n;
    }
  }

  // Where an error strikes may depend on the chunking (a size limit is checked at chunk
  // ends), so only the stanzas before it must agree.
  if (!whole.failed && !pieces.failed) {
    check(whole.stanzas == pieces.stanzas, "chunked parse differs from whole parse");
    check(whole.closes == pieces.closes, "stream close differs");
  } else {
    check(is_prefix(whole.stanzas, pieces.stanzas) || is_prefix(pieces.stanzas, whole.stanzas),
          "stanzas before the error differ");
  }
  check(whole.opens <= 1 && pieces.opens <= 1, "stream opened twice");

  for (const Element& stanza : whole.stanzas) {
    // A stanza in no namespace takes the stream's default when written back: not a loss the
    // serialiser can avoid, and no server sends one.
    if (stanza.xmlns().empty()) continue;
    Outcome again;
    StreamParser p(record(again), {.max_stanza_bytes = 1 << 20, .max_depth = 64});
    p.feed(junction::xmpp::stream_header("fuzz.example") + stanza.to_string(junction::xmpp::ns::component));
    check(!again.failed, "serialised stanza does not parse");
    check(again.stanzas.size() == 1 && again.stanzas.front() == stanza, "serialise/parse round trip changed a stanza");
  }
  return 0;
}
