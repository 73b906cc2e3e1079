#pragma once
// XEP-0004 data forms: the typed view used by registration (XEP-0077), ad-hoc commands
// (XEP-0050) and results tables. Parsing is lenient about unknown field types (kept as text).
#include "xmpp/element.hpp"

#include <optional>
#include <string>
#include <vector>

namespace junction::xmpp {

inline constexpr std::string_view ns_data = "jabber:x:data";

struct FormOption {
  std::string label;
  std::string value;
};

struct FormField {
  std::string var;
  std::string type;  // text-single, text-private, boolean, list-single, list-multi, jid-single,
                     // jid-multi, text-multi, fixed, hidden; empty = unspecified
  std::string label;
  std::string desc;
  bool required = false;
  std::vector<std::string> values;
  std::vector<FormOption> options;

  std::string value() const { return values.empty() ? std::string{} : values.front(); }
};

struct DataForm {
  std::string type = "form";  // form | submit | result | cancel
  std::string title;
  std::vector<std::string> instructions;
  std::vector<FormField> fields;
  // Multi-item results (type=result): column definitions and rows.
  std::vector<FormField> reported;
  std::vector<std::vector<FormField>> items;

  const FormField* field(std::string_view var) const;
  FormField* field(std::string_view var);
  std::string value(std::string_view var) const;  // first value or ""
  bool boolean(std::string_view var, bool fallback = false) const;  // "1"/"true" -> true

  Element to_element() const;
  static std::optional<DataForm> parse(const Element& x);  // nullopt unless <x xmlns=jabber:x:data>
};

}  // namespace junction::xmpp
