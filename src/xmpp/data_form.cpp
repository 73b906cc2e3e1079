#include "xmpp/data_form.hpp"

#include <algorithm>

namespace junction::xmpp {

namespace {

FormField parse_field(const Element& f) {
  FormField field;
  field.var = f.attr_or("var");
  field.type = f.attr_or("type");
  field.label = f.attr_or("label");
  field.desc = f.child_text("desc", ns_data);
  field.required = f.child("required", ns_data) != nullptr;
  for (const Element* v : f.children("value", ns_data)) field.values.push_back(v->text());
  for (const Element* o : f.children("option", ns_data))
    field.options.push_back(FormOption{o->attr_or("label"), o->child_text("value", ns_data)});
  return field;
}

std::vector<FormField> parse_fields(const Element& parent) {
  std::vector<FormField> out;
  for (const Element* f : parent.children("field", ns_data)) out.push_back(parse_field(*f));
  return out;
}

void set_if(Element& e, const char* name, const std::string& value) {
  if (!value.empty()) e.set_attr(name, value);
}

// `full` is false for the column definitions of <reported/> and for item cells, which
// carry no description, requirement or options (XEP-0004 section 3.4).
void add_field(Element& parent, const FormField& field, bool full) {
  Element& f = parent.add_child("field", std::string(ns_data));
  set_if(f, "var", field.var);
  set_if(f, "type", field.type);
  set_if(f, "label", field.label);
  if (full) {
    if (!field.desc.empty()) f.add_child("desc").set_text(field.desc);
    if (field.required) f.add_child("required");
  }
  for (const std::string& v : field.values) f.add_child("value").set_text(v);
  if (full) {
    for (const FormOption& o : field.options) {
      Element& opt = f.add_child("option");
      set_if(opt, "label", o.label);
      opt.add_child("value").set_text(o.value);
    }
  }
}

template <class Form>
auto find_field(Form& form, std::string_view var) -> decltype(&form.fields.front()) {
  auto it = std::find_if(form.fields.begin(), form.fields.end(), [&](const FormField& f) { return f.var == var; });
  return it == form.fields.end() ? nullptr : &*it;
}

}  // namespace

const FormField* DataForm::field(std::string_view var) const { return find_field(*this, var); }
FormField* DataForm::field(std::string_view var) { return find_field(*this, var); }

std::string DataForm::value(std::string_view var) const {
  const FormField* f = field(var);
  return f ? f->value() : std::string{};
}

bool DataForm::boolean(std::string_view var, bool fallback) const {
  const FormField* f = field(var);
  if (!f || f->values.empty()) return fallback;
  const std::string& v = f->values.front();
  if (v == "1" || v == "true") return true;
  if (v == "0" || v == "false") return false;
  return fallback;
}

Element DataForm::to_element() const {
  Element x("x", std::string(ns_data));
  x.set_attr("type", type.empty() ? "form" : type);
  if (!title.empty()) x.add_child("title").set_text(title);
  for (const std::string& line : instructions) x.add_child("instructions").set_text(line);
  for (const FormField& f : fields) add_field(x, f, true);
  if (!reported.empty()) {
    Element& r = x.add_child("reported");
    for (const FormField& f : reported) add_field(r, f, false);
  }
  for (const auto& row : items) {
    Element& item = x.add_child("item");
    for (const FormField& f : row) add_field(item, f, false);
  }
  return x;
}

std::optional<DataForm> DataForm::parse(const Element& x) {
  if (x.name() != "x" || x.xmlns() != ns_data) return std::nullopt;
  DataForm form;
  form.type = x.attr_or("type", "form");
  form.title = x.child_text("title", ns_data);
  for (const Element* i : x.children("instructions", ns_data)) form.instructions.push_back(i->text());
  form.fields = parse_fields(x);
  if (const Element* r = x.child("reported", ns_data)) form.reported = parse_fields(*r);
  for (const Element* item : x.children("item", ns_data)) form.items.push_back(parse_fields(*item));
  return form;
}

}  // namespace junction::xmpp
