#include "xmpp/stream_parser.hpp"

#include <expat.h>

#include <algorithm>
#include <climits>
#include <cstdint>
#include <exception>
#include <limits>
#include <new>
#include <utility>

namespace junction::xmpp {

namespace {

constexpr char kSeparator = '\x01';
constexpr std::string_view kStreamsNs = "http://etherx.jabber.org/streams";
constexpr std::string_view kXmlNs = "http://www.w3.org/XML/1998/namespace";
constexpr std::uint64_t kNoResume = std::numeric_limits<std::uint64_t>::max();
// XML_Parse takes an int length; pieces stay well below it.
constexpr std::size_t kMaxPiece = INT_MAX / 2;

struct QName {
  std::string_view uri;
  std::string_view local;
};

QName split(const XML_Char* name) {
  std::string_view s(name);
  auto pos = s.find(kSeparator);
  if (pos == std::string_view::npos) return {{}, s};
  return {s.substr(0, pos), s.substr(pos + 1)};
}

bool iequals(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
    return lower(x) == lower(y);
  });
}

std::string_view condition_for(XML_Error code) {
  switch (code) {
    case XML_ERROR_UNDEFINED_ENTITY:
    case XML_ERROR_EXTERNAL_ENTITY_HANDLING:
    case XML_ERROR_RECURSIVE_ENTITY_REF:
    case XML_ERROR_BINARY_ENTITY_REF:
    case XML_ERROR_ATTRIBUTE_EXTERNAL_ENTITY_REF:
    case XML_ERROR_ENTITY_DECLARED_IN_PE:
    case XML_ERROR_AMPLIFICATION_LIMIT_BREACH:
      return "restricted-xml";
    case XML_ERROR_UNKNOWN_ENCODING:
      return "unsupported-encoding";
    default:
      return "not-well-formed";
  }
}

}  // namespace

struct StreamParser::Impl {
  enum class State { prolog, open, closed, failed };

  Callbacks cb;
  Limits limits;
  XML_Parser parser = nullptr;
  State state = State::prolog;

  Element stanza;              // the first-level child being read
  std::vector<Element*> path;  // stanza .. innermost open element; empty between stanzas

  // Byte offsets in the current stream. `mark` is where the stanza being read began or,
  // between stanzas, the end of the last event Expat reported: everything after it is either
  // the current stanza or a token Expat holds without calling back, and both count against
  // max_stanza_bytes.
  std::uint64_t fed = 0;
  std::uint64_t mark = 0;
  std::uint64_t last_start_end = 0;

  // Re-entrancy: a callback may call reset() or destroy the StreamParser. Both are applied
  // once Expat has returned; `halted` swallows the events Expat still delivers after
  // XML_StopParser.
  bool in_feed = false;
  bool halted = false;
  bool reset_requested = false;
  bool orphaned = false;
  std::uint64_t event_end = kNoResume;  // end of the event whose callback is running
  std::uint64_t resume_at = kNoResume;  // where bytes for the new stream begin after reset()
  std::string queued;                   // input fed from inside a callback
  // An exception must not unwind through Expat's C frames: it is parked and rethrown from
  // feed(); the stream counts as failed (without on_error, the caller has the exception).
  std::exception_ptr thrown;

  Impl(Callbacks c, Limits l) : cb(std::move(c)), limits(l) { start(); }
  ~Impl() {
    if (parser) XML_ParserFree(parser);
  }
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  void start() {
    if (parser) XML_ParserFree(parser);
    // The encoding is fixed: RFC 6120 streams are UTF-8, whatever a declaration claims.
    parser = XML_ParserCreateNS("UTF-8", kSeparator);
    if (!parser) throw std::bad_alloc();
#ifdef JUNCTION_HAVE_REPARSE_DEFERRAL
    XML_SetReparseDeferralEnabled(parser, XML_FALSE);
#endif
    XML_SetUserData(parser, this);
    XML_SetElementHandler(parser, &Impl::on_start, &Impl::on_end);
    XML_SetCharacterDataHandler(parser, &Impl::on_chars);
    XML_SetStartNamespaceDeclHandler(parser, &Impl::on_ns_decl);
    XML_SetXmlDeclHandler(parser, &Impl::on_xml_decl);
    XML_SetStartDoctypeDeclHandler(parser, &Impl::on_doctype);
    XML_SetProcessingInstructionHandler(parser, &Impl::on_pi);
    XML_SetCommentHandler(parser, &Impl::on_comment);
    XML_SetEntityDeclHandler(parser, &Impl::on_entity_decl);
    XML_SetSkippedEntityHandler(parser, &Impl::on_skipped_entity);
    XML_SetParamEntityParsing(parser, XML_PARAM_ENTITY_PARSING_NEVER);
    state = State::prolog;
    stanza = Element{};
    path.clear();
    fed = mark = last_start_end = 0;
    halted = reset_requested = false;
    event_end = resume_at = kNoResume;
    open_attrs.clear();
    head.clear();
  }

  std::vector<std::pair<std::string, std::string>> open_attrs;
  std::string head;  // the stream's first two bytes

  static Impl& self(void* user) { return *static_cast<Impl*>(user); }

  std::uint64_t here() const { return static_cast<std::uint64_t>(XML_GetCurrentByteIndex(parser)); }
  std::uint64_t here_end() const { return here() + static_cast<std::uint64_t>(XML_GetCurrentByteCount(parser)); }

  void halt() {
    halted = true;
    XML_StopParser(parser, XML_FALSE);
  }

  template <class F, class... Args>
  void emit(const F& f, std::uint64_t end, Args&&... args) {
    if (!f) return;
    event_end = end;
    try {
      f(std::forward<Args>(args)...);
    } catch (...) {
      thrown = std::current_exception();
      state = State::failed;
      halt();
    }
    event_end = kNoResume;
    if (reset_requested || orphaned) halt();
  }

  void fail(std::string_view condition, std::string text) {
    // Once halted (error, reset or destruction pending) the old stream has nothing more to say.
    if (halted || state == State::failed) return;
    state = State::failed;
    halt();
    path.clear();
    stanza = Element{};
    emit(cb.on_error, kNoResume, StreamError{std::string(condition), std::move(text)});
  }

  static void on_start(void* user, const XML_Char* name, const XML_Char** atts) {
    Impl& p = self(user);
    if (p.halted) return;
    QName q = split(name);
    if (p.state == State::prolog) {
      p.open_root(q, atts);
      return;
    }
    if (p.path.size() + 1 > p.limits.max_depth) {
      p.fail("policy-violation", "elements nested deeper than " + std::to_string(p.limits.max_depth));
      return;
    }
    Element* e;
    if (p.path.empty()) {
      p.stanza = Element(std::string(q.local), std::string(q.uri));
      p.mark = p.here();
      e = &p.stanza;
    } else {
      e = &p.path.back()->add_child(std::string(q.local), std::string(q.uri));
    }
    for (const XML_Char** a = atts; *a; a += 2) {
      QName an = split(a[0]);
      if (an.uri.empty())
        e->append_attr(std::string(an.local), a[1]);
      else if (an.uri == kXmlNs)
        e->append_attr("xml:" + std::string(an.local), a[1]);
      // Other namespaced attributes have no meaning to a gateway and are dropped.
    }
    p.path.push_back(e);
    p.last_start_end = p.here_end();
  }

  void open_root(QName q, const XML_Char** atts) {
    if (q.uri != kStreamsNs) {
      fail("invalid-namespace", "stream root is not in " + std::string(kStreamsNs));
      return;
    }
    if (q.local != "stream") {
      fail("bad-format", "stream root is <" + std::string(q.local) + ">, not <stream>");
      return;
    }
    state = State::open;
    for (const XML_Char** a = atts; *a; a += 2) {
      QName an = split(a[0]);
      if (an.uri.empty())
        open_attrs.emplace_back(std::string(an.local), a[1]);
      else if (an.uri == kXmlNs)
        open_attrs.emplace_back("xml:" + std::string(an.local), a[1]);
    }
    mark = here_end();
    auto attrs = std::move(open_attrs);
    open_attrs.clear();
    emit(cb.on_stream_open, mark, attrs);
  }

  static void on_end(void* user, const XML_Char*) {
    Impl& p = self(user);
    if (p.halted) return;
    if (p.path.empty()) {
      p.state = State::closed;
      p.mark = p.here_end();
      p.emit(p.cb.on_stream_close, p.mark);
      // Whatever follows the root in this input would only be "junk after document element".
      if (!p.reset_requested) p.halt();
      return;
    }
    p.path.pop_back();
    if (!p.path.empty()) return;
    // An empty-element tag's end event has no bytes of its own; it ends where its start did.
    auto count = XML_GetCurrentByteCount(p.parser);
    std::uint64_t end = count > 0 ? p.here() + static_cast<std::uint64_t>(count) : p.last_start_end;
    if (end - p.mark > p.limits.max_stanza_bytes) {
      p.fail("policy-violation", "stanza larger than " + std::to_string(p.limits.max_stanza_bytes) + " bytes");
      return;
    }
    p.mark = end;
    Element done = std::move(p.stanza);
    p.stanza = Element{};
    p.emit(p.cb.on_stanza, end, std::move(done));
  }

  static void on_chars(void* user, const XML_Char* s, int len) {
    Impl& p = self(user);
    if (p.halted) return;
    if (!p.path.empty())
      p.path.back()->add_text(std::string(s, static_cast<std::size_t>(len)));
    else
      p.mark = p.here_end();  // whitespace keep-alives between stanzas
  }

  static void on_ns_decl(void* user, const XML_Char* prefix, const XML_Char* uri) {
    Impl& p = self(user);
    // The root's content namespace is invisible in namespace mode; the session wants it.
    if (!p.halted && p.state == State::prolog && !prefix) p.open_attrs.emplace_back("xmlns", uri ? uri : "");
  }

  static void on_xml_decl(void* user, const XML_Char*, const XML_Char* encoding, int) {
    Impl& p = self(user);
    if (!p.halted && encoding && !iequals(encoding, "UTF-8"))
      p.fail("unsupported-encoding", "encoding " + std::string(encoding) + " declared; streams are UTF-8");
  }

  static void on_doctype(void* user, const XML_Char*, const XML_Char*, const XML_Char*, int) {
    self(user).fail("restricted-xml", "document type declaration");
  }
  static void on_pi(void* user, const XML_Char*, const XML_Char*) {
    self(user).fail("restricted-xml", "processing instruction");
  }
  static void on_comment(void* user, const XML_Char*) { self(user).fail("restricted-xml", "comment"); }
  static void on_entity_decl(void* user, const XML_Char*, int, const XML_Char*, int, const XML_Char*,
                             const XML_Char*, const XML_Char*, const XML_Char*) {
    self(user).fail("restricted-xml", "entity declaration");
  }
  static void on_skipped_entity(void* user, const XML_Char*, int) {
    self(user).fail("restricted-xml", "entity reference");
  }

  // Expat's autodetection (a byte order mark, or "<" next to a NUL) overrides the encoding
  // we force; RFC 6120 allows only UTF-8, in which a NUL is never legal.
  bool not_utf8(std::string_view next) {
    head.append(next.substr(0, 2 - head.size()));
    return head == "\xFE\xFF" || head == "\xFF\xFE" || head.find('\0') != std::string::npos;
  }

  // Feeds `bytes` in pieces small enough that the current stanza plus whatever Expat holds
  // never exceeds the cap by more than one byte before we notice.
  void parse(std::string_view& rest) {
    while (!rest.empty() && (state == State::prolog || state == State::open) && !reset_requested && !orphaned) {
      std::uint64_t pending = fed - mark;
      std::uint64_t room = limits.max_stanza_bytes > pending ? limits.max_stanza_bytes - pending : 0;
      std::size_t piece = std::min(rest.size(), kMaxPiece);
      if (room < piece) piece = static_cast<std::size_t>(room) + 1;
      std::uint64_t base = fed;
      if (base < 2 && not_utf8(rest.substr(0, piece))) {
        fail("unsupported-encoding", "UTF-16 or UTF-32 input; streams are UTF-8");
        return;
      }
      fed += piece;
      auto status = XML_Parse(parser, rest.data(), static_cast<int>(piece), XML_FALSE);
      if (orphaned || thrown) return;
      if (reset_requested) {
        std::uint64_t skip = resume_at == kNoResume ? rest.size()
                                                  : std::min<std::uint64_t>(resume_at - std::min(resume_at, base), rest.size());
        rest.remove_prefix(static_cast<std::size_t>(skip));
        return;
      }
      rest.remove_prefix(piece);
      if (status == XML_STATUS_ERROR && !halted) {
        XML_Error code = XML_GetErrorCode(parser);
        fail(condition_for(code), std::string(XML_ErrorString(code)) + " at line " +
                                      std::to_string(XML_GetCurrentLineNumber(parser)) + ", column " +
                                      std::to_string(XML_GetCurrentColumnNumber(parser)));
      } else if ((state == State::prolog || state == State::open) && fed - mark > limits.max_stanza_bytes) {
        fail("policy-violation", "stanza larger than " + std::to_string(limits.max_stanza_bytes) + " bytes");
      }
      if (orphaned || reset_requested) {
        // Requested from on_error: the rest of this input belonged to the failed stream.
        rest = {};
        return;
      }
    }
  }

  // Static because a callback may destroy the owning StreamParser, which then hands the
  // Impl over to be deleted here.
  static bool feed(Impl* p, std::string_view bytes) {
    if (p->in_feed) {
      p->queued.append(bytes);
      return p->state != State::failed;
    }
    p->in_feed = true;
    std::string owned;  // keeps dequeued input alive while it is parsed
    std::string_view rest = bytes;
    for (;;) {
      p->parse(rest);
      if (p->thrown) {
        std::exception_ptr e = std::exchange(p->thrown, nullptr);
        if (p->orphaned)
          delete p;
        else
          p->in_feed = false;
        std::rethrow_exception(e);
      }
      if (p->orphaned) {
        delete p;
        return false;
      }
      if (p->reset_requested) {
        p->start();
        continue;
      }
      if (!p->queued.empty()) {
        // Input queued by a callback comes after what was left of the current input.
        owned = std::string(rest) + p->queued;
        p->queued.clear();
        rest = owned;
        continue;
      }
      break;
    }
    p->in_feed = false;
    return p->state != State::failed;
  }
};

StreamParser::StreamParser(Callbacks callbacks, Limits limits)
    : impl_(std::make_unique<Impl>(std::move(callbacks), limits)) {}

StreamParser::StreamParser(Callbacks callbacks) : StreamParser(std::move(callbacks), Limits{}) {}

StreamParser::~StreamParser() {
  if (impl_ && impl_->in_feed) {
    impl_->orphaned = true;
    impl_->halt();
    (void)impl_.release();  // Impl::feed deletes it once Expat has unwound
  }
}

bool StreamParser::feed(std::string_view bytes) { return Impl::feed(impl_.get(), bytes); }

void StreamParser::reset() {
  if (!impl_->in_feed) {
    impl_->start();
    impl_->queued.clear();
    return;
  }
  impl_->reset_requested = true;
  impl_->resume_at = impl_->event_end;
  impl_->halt();
}

bool StreamParser::failed() const { return impl_->state == Impl::State::failed; }

}  // namespace junction::xmpp
