#include "xmpp/data_form.hpp"

#include "xmpp/stream_parser.hpp"

#include <gtest/gtest.h>

namespace junction::xmpp {
namespace {

Element parse_x(const std::string& xml) {
  std::vector<Element> got;
  StreamParser p({.on_stream_open = {}, .on_stanza = [&](Element&& e) { got.push_back(std::move(e)); },
                  .on_stream_close = {}, .on_error = [](const StreamError& e) { ADD_FAILURE() << e.text; }});
  p.feed("<stream:stream xmlns:stream='http://etherx.jabber.org/streams' xmlns='jabber:component:accept'>" + xml);
  if (got.empty() || got.front().children().empty()) return Element{};
  return *got.front().children().front();
}

// XEP-0077 example 8 style registration form, extended with every field type.
const std::string kForm =
    "<iq type='result'><x xmlns='jabber:x:data' type='form'>"
    "<title>Register</title><instructions>Fill in</instructions><instructions>the form</instructions>"
    "<field type='hidden' var='FORM_TYPE'><value>jabber:iq:register</value></field>"
    "<field type='text-single' label='Phone' var='phone'><desc>E.164</desc><required/></field>"
    "<field type='text-private' var='password'/>"
    "<field type='boolean' var='notify'><value>true</value></field>"
    "<field type='list-single' var='provider' label='Provider'>"
    "<option label='Twilio'><value>twilio</value></option><option><value>kannel</value></option>"
    "<value>twilio</value></field>"
    "<field type='list-multi' var='days'><value>mon</value><value>tue</value></field>"
    "<field type='fixed'><value>Section</value></field>"
    "<field var='untyped'><value>v</value></field>"
    "<field type='x-custom' var='odd'><value>kept</value></field>"
    "</x></iq>";

TEST(DataForm, ParsesEveryPart) {
  auto form = DataForm::parse(parse_x(kForm));
  ASSERT_TRUE(form);
  EXPECT_EQ(form->type, "form");
  EXPECT_EQ(form->title, "Register");
  EXPECT_EQ(form->instructions, (std::vector<std::string>{"Fill in", "the form"}));
  ASSERT_EQ(form->fields.size(), 9u);
  EXPECT_EQ(form->value("FORM_TYPE"), "jabber:iq:register");
  const FormField* phone = form->field("phone");
  ASSERT_NE(phone, nullptr);
  EXPECT_EQ(phone->label, "Phone");
  EXPECT_EQ(phone->desc, "E.164");
  EXPECT_TRUE(phone->required);
  EXPECT_TRUE(phone->values.empty());
  EXPECT_EQ(phone->value(), "");
  EXPECT_FALSE(form->field("password")->required);
  EXPECT_TRUE(form->boolean("notify"));
  const FormField* provider = form->field("provider");
  ASSERT_EQ(provider->options.size(), 2u);
  EXPECT_EQ(provider->options[0].label, "Twilio");
  EXPECT_EQ(provider->options[0].value, "twilio");
  EXPECT_EQ(provider->options[1].label, "");
  EXPECT_EQ(form->field("days")->values, (std::vector<std::string>{"mon", "tue"}));
  EXPECT_EQ(form->fields[6].type, "fixed");
  EXPECT_EQ(form->fields[6].var, "");
  EXPECT_EQ(form->field("untyped")->type, "");
  EXPECT_EQ(form->field("odd")->type, "x-custom");
  EXPECT_EQ(form->value("missing"), "");
  EXPECT_EQ(form->field("missing"), nullptr);
}

TEST(DataForm, BooleanValues) {
  DataForm f;
  f.type = "submit";
  for (auto [v, expect] : {std::pair{"1", true}, {"true", true}, {"0", false}, {"false", false}}) {
    f.fields = {FormField{.var = "b", .type = "boolean", .label = {}, .desc = {}, .required = false, .values = {v}, .options = {}}};
    EXPECT_EQ(f.boolean("b", !expect), expect) << v;
  }
  f.fields[0].values = {"maybe"};
  EXPECT_TRUE(f.boolean("b", true));
  EXPECT_FALSE(f.boolean("b", false));
  f.fields[0].values.clear();
  EXPECT_TRUE(f.boolean("b", true));
  EXPECT_FALSE(f.boolean("absent"));
  EXPECT_TRUE(f.boolean("absent", true));
}

TEST(DataForm, RejectsOtherElements) {
  EXPECT_FALSE(DataForm::parse(Element("x", "jabber:x:oob")));
  EXPECT_FALSE(DataForm::parse(Element("form", std::string(ns_data))));
  auto empty = DataForm::parse(Element("x", std::string(ns_data)));
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->type, "form");  // the default when type is missing
}

TEST(DataForm, RoundTripsThroughElementAndXml) {
  auto form = DataForm::parse(parse_x(kForm));
  ASSERT_TRUE(form);
  Element x = form->to_element();
  auto again = DataForm::parse(x);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->to_element(), x);
  // And through text, as it travels.
  Element iq("iq", "jabber:component:accept");
  iq.add_child(x);
  Element back = parse_x(iq.to_string("jabber:component:accept"));
  EXPECT_EQ(back, x);
  EXPECT_EQ(DataForm::parse(back)->fields.size(), 9u);
}

TEST(DataForm, MultiItemResultRoundTrip) {
  DataForm r;
  r.type = "result";
  r.title = "Numbers";
  r.reported = {FormField{.var = "number", .type = "text-single", .label = "Number", .desc = {}, .required = false, .values = {}, .options = {}},
                FormField{.var = "owner", .type = "jid-single", .label = "Owner", .desc = {}, .required = false, .values = {}, .options = {}}};
  for (auto [n, o] : {std::pair{"+15550001111", "alice@example.org"}, {"+15550002222", "bob@example.org"}}) {
    r.items.push_back({FormField{.var = "number", .type = {}, .label = {}, .desc = {}, .required = false, .values = {n}, .options = {}},
                       FormField{.var = "owner", .type = {}, .label = {}, .desc = {}, .required = false, .values = {o}, .options = {}}});
  }
  Element x = r.to_element();
  EXPECT_EQ(x.attr("type"), "result");
  ASSERT_NE(x.child("reported", std::string(ns_data)), nullptr);
  EXPECT_EQ(x.children("item").size(), 2u);
  // <reported/> precedes the items (XEP-0004 section 3.4).
  std::vector<std::string> order;
  for (const Element* c : x.children()) order.push_back(c->name());
  EXPECT_EQ(order, (std::vector<std::string>{"title", "reported", "item", "item"}));

  auto back = DataForm::parse(parse_x("<iq>" + x.to_string("jabber:component:accept") + "</iq>"));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->title, "Numbers");
  ASSERT_EQ(back->reported.size(), 2u);
  EXPECT_EQ(back->reported[1].type, "jid-single");
  EXPECT_EQ(back->reported[1].label, "Owner");
  ASSERT_EQ(back->items.size(), 2u);
  EXPECT_EQ(back->items[1][0].value(), "+15550002222");
  EXPECT_EQ(back->items[1][1].value(), "bob@example.org");
  EXPECT_EQ(back->to_element(), x);
}

TEST(DataForm, SerialisedShape) {
  DataForm f;
  f.type = "submit";
  f.fields = {FormField{.var = "a&b", .type = {}, .label = {}, .desc = {}, .required = false, .values = {"<1>"}, .options = {}}};
  EXPECT_EQ(f.to_element().to_string(),
            R"(<x xmlns="jabber:x:data" type="submit"><field var="a&amp;b"><value>&lt;1&gt;</value></field></x>)");
}

}  // namespace
}  // namespace junction::xmpp
