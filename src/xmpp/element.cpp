#include "xmpp/element.hpp"

#include <algorithm>
#include <utility>

namespace junction::xmpp {

namespace {

bool matches(const Element& e, std::string_view name, std::string_view xmlns) {
  return (name.empty() || e.name() == name) && (xmlns.empty() || e.xmlns() == xmlns);
}

// Descends only while namespaces are empty: an element with its own namespace is the scope
// its descendants inherit from, and it was normalised when they were added to it.
void inherit_namespace(Element& e, const std::string& xmlns) {
  if (!e.xmlns().empty() || xmlns.empty()) return;
  e.set_xmlns(xmlns);
  for (Element* c : e.children()) inherit_namespace(*c, xmlns);
}

template <class Table>
void append_escaped(std::string& out, std::string_view in, const Table& replacement) {
  std::size_t run = 0;  // start of the pending unescaped run, appended in one go
  for (std::size_t i = 0; i < in.size(); ++i) {
    std::string_view rep = replacement(in[i]);
    if (rep.empty()) continue;
    out.append(in.substr(run, i - run));
    out.append(rep);
    run = i + 1;
  }
  out.append(in.substr(run));
}

}  // namespace

Element::Element(std::string name, std::string xmlns) : name_(std::move(name)), xmlns_(std::move(xmlns)) {}

std::optional<std::string_view> Element::attr(std::string_view name) const {
  for (const auto& [k, v] : attrs_)
    if (k == name) return std::string_view(v);
  return std::nullopt;
}

std::string Element::attr_or(std::string_view name, std::string_view fallback) const {
  auto v = attr(name);
  return std::string(v ? *v : fallback);
}

Element& Element::set_attr(std::string name, std::string value) {
  for (auto& [k, v] : attrs_) {
    if (k == name) {
      v = std::move(value);
      return *this;
    }
  }
  attrs_.emplace_back(std::move(name), std::move(value));
  return *this;
}

void Element::remove_attr(std::string_view name) {
  std::erase_if(attrs_, [&](const auto& kv) { return kv.first == name; });
}

Element& Element::add_child(Element child) {
  inherit_namespace(child, xmlns_);
  return std::get<Element>(nodes_.emplace_back(std::move(child)));
}

Element& Element::add_child(std::string name, std::string xmlns) {
  if (xmlns.empty()) xmlns = xmlns_;
  return std::get<Element>(nodes_.emplace_back(std::in_place_type<Element>, std::move(name), std::move(xmlns)));
}

const Element* Element::child(std::string_view name, std::string_view xmlns) const {
  for (const Node& n : nodes_)
    if (const auto* e = std::get_if<Element>(&n); e && matches(*e, name, xmlns)) return e;
  return nullptr;
}

Element* Element::child(std::string_view name, std::string_view xmlns) {
  return const_cast<Element*>(std::as_const(*this).child(name, xmlns));
}

std::vector<const Element*> Element::children(std::string_view name, std::string_view xmlns) const {
  std::vector<const Element*> out;
  for (const Node& n : nodes_)
    if (const auto* e = std::get_if<Element>(&n); e && matches(*e, name, xmlns)) out.push_back(e);
  return out;
}

std::vector<Element*> Element::children(std::string_view name, std::string_view xmlns) {
  std::vector<Element*> out;
  for (Node& n : nodes_)
    if (auto* e = std::get_if<Element>(&n); e && matches(*e, name, xmlns)) out.push_back(e);
  return out;
}

bool Element::remove_children(std::string_view name, std::string_view xmlns) {
  return std::erase_if(nodes_, [&](const Node& n) {
           const auto* e = std::get_if<Element>(&n);
           return e && matches(*e, name, xmlns);
         }) > 0;
}

std::string Element::text() const {
  std::string out;
  for (const Node& n : nodes_)
    if (const auto* s = std::get_if<std::string>(&n)) out += *s;
  return out;
}

Element& Element::set_text(std::string text) {
  std::erase_if(nodes_, [](const Node& n) { return std::holds_alternative<std::string>(n); });
  return add_text(std::move(text));
}

Element& Element::add_text(std::string text) {
  if (text.empty()) return *this;
  // Adjacent text nodes are merged, so a tree does not depend on how the parser happened to
  // chunk character data, and equality means document equality.
  if (!nodes_.empty())
    if (auto* last = std::get_if<std::string>(&nodes_.back())) {
      last->append(text);
      return *this;
    }
  nodes_.emplace_back(std::in_place_type<std::string>, std::move(text));
  return *this;
}

std::string Element::child_text(std::string_view name, std::string_view xmlns) const {
  const Element* c = child(name, xmlns);
  return c ? c->text() : std::string{};
}

std::string Element::to_string(std::string_view parent_xmlns) const {
  std::string out;
  append_to(out, parent_xmlns);
  return out;
}

void Element::append_to(std::string& out, std::string_view parent_xmlns) const {
  std::string_view scope = xmlns_.empty() ? parent_xmlns : std::string_view(xmlns_);
  out += '<';
  out += name_;
  if (scope != parent_xmlns) {
    out += " xmlns=\"";
    append_escaped_attr(out, scope);
    out += '"';
  }
  for (const auto& [k, v] : attrs_) {
    if (k == "xmlns") continue;  // the namespace is xmlns_, never an attribute
    out += ' ';
    out += k;
    out += "=\"";
    append_escaped_attr(out, v);
    out += '"';
  }
  if (nodes_.empty()) {
    out += "/>";
    return;
  }
  out += '>';
  for (const Node& n : nodes_) {
    if (const auto* e = std::get_if<Element>(&n))
      e->append_to(out, scope);
    else
      append_escaped_text(out, std::get<std::string>(n));
  }
  out += "</";
  out += name_;
  out += '>';
}

void append_escaped_text(std::string& out, std::string_view text) {
  append_escaped(out, text, [](char c) -> std::string_view {
    switch (c) {
      case '&': return "&amp;";
      case '<': return "&lt;";
      case '>': return "&gt;";
      // A raw CR would come back as LF after the reader's line-end normalisation.
      case '\r': return "&#13;";
      default: return {};
    }
  });
}

void append_escaped_attr(std::string& out, std::string_view value) {
  append_escaped(out, value, [](char c) -> std::string_view {
    switch (c) {
      case '&': return "&amp;";
      case '<': return "&lt;";
      case '>': return "&gt;";
      case '"': return "&quot;";
      case '\'': return "&apos;";
      // Attribute-value normalisation turns raw tab/LF/CR into spaces; references survive.
      case '\t': return "&#9;";
      case '\n': return "&#10;";
      case '\r': return "&#13;";
      default: return {};
    }
  });
}

}  // namespace junction::xmpp
