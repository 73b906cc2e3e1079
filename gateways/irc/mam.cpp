#include "gateways/irc/mam.hpp"

#include "gateways/irc/muc_stanzas.hpp"
#include "xmpp/data_form.hpp"
#include "xmpp/namespaces.hpp"
#include "xmpp/stanza.hpp"

#include <charconv>

namespace junction::irc {
namespace {

std::optional<std::size_t> parse_size(std::string_view text) {
  std::size_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace

bool MamService::on_iq(const xmpp::Element& iq, const xmpp::Jid& from, const Address& room) {
  const auto* query = iq.child("query", xmpp::ns::mam);
  if (!query) return false;
  if (!b_.archiving()) {
    b_.send(xmpp::make_error_reply(iq, "", "feature-not-implemented", "history is off on this gateway"));
    return true;
  }
  if (iq.attr_or("type") == "get") {
    answer_form(iq);
    return true;
  }
  const std::string room_jid = b_.jids.room(room.network, room.name);
  ArchiveQuery q;
  q.owner = from.bare_str();
  q.room = room_jid;
  q.max = mam_default_page;
  if (const auto* x = query->child("x", xmpp::ns_data)) {
    auto form = xmpp::DataForm::parse(*x);
    if (form) {
      for (const char* field : {"start", "end"}) {
        auto value = form->value(field);
        if (value.empty()) continue;
        auto t = parse_xep0082(value);
        if (!t) {
          b_.send(xmpp::make_error_reply(iq, "", "bad-request", std::string("bad ") + field + " time"));
          return true;
        }
        (std::string_view(field) == "start" ? q.start_ms : q.end_ms) = *t;
      }
      if (auto with = form->value("with"); !with.empty()) {
        auto jid = xmpp::Jid::parse(with);
        if (!jid || jid->bare_str() != room_jid || jid->resource().empty()) {
          b_.send(xmpp::make_error_reply(iq, "", "bad-request", "\"with\" must be an occupant of this room"));
          return true;
        }
        q.nick = jid->resource();
      }
      // XEP-0313 extended paging by id.
      if (auto after = form->value("after-id"); !after.empty()) q.after = after;
      if (auto before = form->value("before-id"); !before.empty()) q.before = before;
    }
  }
  if (const auto* set = query->child("set", xmpp::ns::rsm)) {
    if (const auto* max = set->child("max", xmpp::ns::rsm)) {
      auto n = parse_size(max->text());
      if (!n) {
        b_.send(xmpp::make_error_reply(iq, "", "bad-request", "bad RSM max"));
        return true;
      }
      q.max = std::min(*n, mam_max_page);
    }
    if (const auto* after = set->child("after", xmpp::ns::rsm)) q.after = after->text();
    if (const auto* before = set->child("before", xmpp::ns::rsm)) q.before = before->text();
  }

  const std::string query_id = query->attr_or("queryid");
  const std::string to = from.str();
  auto request = iq;
  b_.history->query(std::move(q), [this, request, query_id, to, room_jid](Result<ArchivePage> page) {
    if (!page) {
      bool unknown = page.error().message == "item-not-found";
      b_.send(xmpp::make_error_reply(request, "", unknown ? "item-not-found" : "internal-server-error",
                                     unknown ? "no such archive id" : "archive unavailable"));
      return;
    }
    for (const auto& m : page->messages) {
      xmpp::Element message("message");
      message.set_attr("from", room_jid);
      message.set_attr("to", to);
      auto& result = message.add_child("result", std::string(xmpp::ns::mam));
      if (!query_id.empty()) result.set_attr("queryid", query_id);
      result.set_attr("id", m.id);
      auto& forwarded = result.add_child("forwarded", std::string(xmpp::ns::forward));
      auto& delay = forwarded.add_child("delay", std::string(xmpp::ns::delay));
      delay.set_attr("stamp", xep0082(m.ts_ms));
      auto inner = groupchat(b_.jids.occupant(room_jid, m.nick), to, m.body, {}, {}, {});
      inner.set_xmlns(std::string(xmpp::ns::client));
      forwarded.add_child(std::move(inner));
      b_.send(std::move(message));
    }
    auto reply = xmpp::make_iq_result(request);
    auto& fin = reply.add_child("fin", std::string(xmpp::ns::mam));
    if (page->complete) fin.set_attr("complete", "true");
    auto& set = fin.add_child("set", std::string(xmpp::ns::rsm));
    if (!page->messages.empty()) {
      set.add_child("first").set_text(page->messages.front().id);
      set.add_child("last").set_text(page->messages.back().id);
    }
    set.add_child("count").set_text(std::to_string(page->count));
    b_.send(std::move(reply));
  });
  return true;
}

void MamService::answer_form(const xmpp::Element& iq) {
  xmpp::DataForm form;
  form.type = "form";
  auto field = [](std::string var, std::string type) {
    xmpp::FormField f;
    f.var = std::move(var);
    f.type = std::move(type);
    return f;
  };
  auto form_type = field("FORM_TYPE", "hidden");
  form_type.values = {std::string(xmpp::ns::mam)};
  form.fields = {form_type, field("with", "jid-single"), field("start", "text-single"), field("end", "text-single"),
                 field("after-id", "text-single"), field("before-id", "text-single")};
  auto reply = xmpp::make_iq_result(iq);
  reply.add_child("query", std::string(xmpp::ns::mam)).add_child(form.to_element());
  b_.send(std::move(reply));
}

}  // namespace junction::irc
