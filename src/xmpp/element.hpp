#pragma once
// A small generic XML element tree: every stanza Junction reads or writes is one of these.
// Namespaces are resolved: an Element knows its namespace URI, never a prefix. Serialising
// emits an xmlns attribute only where an element's namespace differs from its parent's.
// Not thread-safe; an Element is a value (copyable, movable).
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace junction::xmpp {

class Element {
 public:
  Element() = default;
  explicit Element(std::string name, std::string xmlns = {});

  const std::string& name() const { return name_; }
  const std::string& xmlns() const { return xmlns_; }
  void set_name(std::string name) { name_ = std::move(name); }
  void set_xmlns(std::string xmlns) { xmlns_ = std::move(xmlns); }

  // Attributes by local name ("to", "type"); the only prefixed one kept is "xml:lang".
  std::optional<std::string_view> attr(std::string_view name) const;
  std::string attr_or(std::string_view name, std::string_view fallback = {}) const;
  Element& set_attr(std::string name, std::string value);  // replaces an existing value
  void remove_attr(std::string_view name);
  const std::vector<std::pair<std::string, std::string>>& attrs() const { return attrs_; }
  // Appends without looking for an existing value: for readers that have already rejected
  // duplicates (the stream parser), so many attributes don't cost quadratic time.
  Element& append_attr(std::string name, std::string value) {
    attrs_.emplace_back(std::move(name), std::move(value));
    return *this;
  }

  // Children. `xmlns` empty means "any namespace". The Element& returned by add_* stays
  // valid only until the next child is added. A child added with an empty namespace (and
  // its descendants with none) takes this element's namespace, so a hand-built
  // <message><body/> compares equal to a parsed one; the serialiser likewise treats an
  // empty namespace as "the parent's".
  Element& add_child(Element child);
  Element& add_child(std::string name, std::string xmlns = {});
  const Element* child(std::string_view name, std::string_view xmlns = {}) const;
  Element* child(std::string_view name, std::string_view xmlns = {});
  std::vector<const Element*> children(std::string_view name = {}, std::string_view xmlns = {}) const;
  std::vector<Element*> children(std::string_view name = {}, std::string_view xmlns = {});
  bool remove_children(std::string_view name, std::string_view xmlns = {});  // true if any removed

  // Character data directly inside this element, concatenated in order.
  std::string text() const;
  Element& set_text(std::string text);  // replaces all text nodes (child elements stay)
  Element& add_text(std::string text);
  // Text of the first matching child, or empty.
  std::string child_text(std::string_view name, std::string_view xmlns = {}) const;

  // Children and text in document order.
  using Node = std::variant<Element, std::string>;
  const std::vector<Node>& nodes() const { return nodes_; }

  // Serialise with correct escaping (&, <, >, ", ' in attributes; &, <, > in text).
  // `parent_xmlns` is the namespace in scope (a stanza inside jabber:component:accept
  // passes that so no redundant xmlns is written).
  std::string to_string(std::string_view parent_xmlns = {}) const;
  void append_to(std::string& out, std::string_view parent_xmlns = {}) const;

  bool operator==(const Element&) const = default;

 private:
  std::string name_;
  std::string xmlns_;
  std::vector<std::pair<std::string, std::string>> attrs_;
  std::vector<Node> nodes_;
};

// Escaping helpers, also used by the stream writer.
void append_escaped_text(std::string& out, std::string_view text);
void append_escaped_attr(std::string& out, std::string_view value);

}  // namespace junction::xmpp
