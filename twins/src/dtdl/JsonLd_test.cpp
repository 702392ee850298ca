// JSON-LD's longer forms of DTDL (JsonLd.hpp), and the rules the parser once got wrong: each form valid
// and invalid, in DTDL v2 and v3. The expected outcome of each case is read from the specifications
// (../shared/specs/dtdl: v3 "Conformance with JSON and JSON-LD", "Display string localization", the
// Interface table's limits; v2's displayName limit) and JSON-LD 1.1 (value objects, arrays as sets).
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "DtdlTesting.hpp"
#include "twinbench/twins/dtdl/ModelSet.hpp"

namespace twinbench::twins::dtdl {
namespace {

using nlohmann::json;

std::string ctx(int v) { return "dtmi:dtdl:context;" + std::to_string(v); }

/** An Interface of DTDL version `v` with `contents` and extra keys. */
json iface(int v, json contents, json extra = json::object(), const std::string& id = "dtmi:com:example:Thermostat;1") {
  json j = {{"@context", ctx(v)}, {"@id", id}, {"@type", "Interface"}, {"contents", contents}};
  for (auto& [k, x] : extra.items()) j[k] = x;
  return j;
}

using testing::all;
using testing::parse;
using testing::Parsed;

const Content& first_content(const Parsed& p, const std::string& id = "dtmi:com:example:Thermostat;1") { return p.set->find(id)->contents.at(0); }

json telemetry(json extra = json::object()) {
  json t = {{"@type", "Telemetry"}, {"name", "temp"}, {"schema", "double"}};
  for (auto& [k, x] : extra.items()) t[k] = x;
  return t;
}

// ---- value objects and @language ----------------------------------------------------------------------

TEST(DtdlJsonLd, ValueObjectsAreTheirValues) {
  for (int v : {2, 3}) {
    const auto p = parse({iface(v, {{{"@type", "Property"}, {"name", {{"@value", "setpoint"}}}, {"schema", {{"@value", "double"}}},
                                     {"writable", {{"@value", true}, {"@type", "xsd:boolean"}}},
                                     {"comment", {{"@value", "a note"}, {"@type", "xsd:string"}}}},
                                    {{"@type", "Relationship"}, {"name", "room"}, {"maxMultiplicity", {{"@value", "5"}, {"@type", "xsd:int"}}}}},
                                {{"displayName", {{"@value", "Thermostat"}}}})});
    ASSERT_TRUE(p.errors.empty()) << "v" << v << "\n" << all(p.errors);
    const Interface* i = p.set->find("dtmi:com:example:Thermostat;1");
    EXPECT_EQ(i->info.display_name.at("en"), "Thermostat");
    EXPECT_EQ(i->contents[0].name, "setpoint");
    EXPECT_TRUE(i->contents[0].writable);
    EXPECT_EQ(i->contents[0].info.comment, "a note");
    EXPECT_EQ(i->contents[1].max_multiplicity, 5);
  }
}

TEST(DtdlJsonLd, DisplayStringsWithLanguagesBecomeALanguageMap) {
  for (int v : {2, 3}) {
    const auto p = parse({iface(v, json::array(),
                                {{"displayName", {{{"@value", "Thermostat"}, {"@language", "en"}}, {{"@value", "Termostato"}, {"@language", "it"}}}},
                                 {"description", {{"@value", "Keeps a room warm"}, {"@language", "en"}}}})});
    ASSERT_TRUE(p.errors.empty()) << all(p.errors);
    const auto& info = p.set->find("dtmi:com:example:Thermostat;1")->info;
    EXPECT_EQ(info.display_name.at("it"), "Termostato");
    EXPECT_EQ(info.description.at("en"), "Keeps a room warm");
  }
}

TEST(DtdlJsonLd, AValueObjectWhoseTypeDoesNotFitItsValueIsRefused) {
  const auto p = parse({iface(3, {{{"@type", "Property"}, {"name", "on"}, {"schema", "boolean"}, {"writable", {{"@value", "yes"}, {"@type", "xsd:boolean"}}}}})});
  ASSERT_EQ(p.errors.size(), 1u) << all(p.errors);
  EXPECT_NE(p.errors[0].find("/contents/0/writable/@type"), std::string::npos) << p.errors[0];
  EXPECT_NE(p.errors[0].find("must be the XSD type of its value"), std::string::npos) << p.errors[0];
  const auto q = parse({iface(3, json::array(), {{"displayName", {{{"@value", "A"}, {"@language", "en"}}, {{"@value", "B"}, {"@language", "en"}}}}})});
  ASSERT_EQ(q.errors.size(), 1u) << all(q.errors);
  EXPECT_NE(q.errors[0].find("two values for language 'en'"), std::string::npos) << q.errors[0];
}

// ---- arrays where one value or an optional set is expected --------------------------------------------

TEST(DtdlJsonLd, OneElementArraysAreOneValueAndEmptyArraysNone) {
  for (int v : {2, 3}) {
    const auto p = parse({iface(v, {{{"@type", {"Telemetry"}}, {"name", {"temp"}}, {"schema", {"double"}}, {"comment", json::array()},
                                     {"description", json::array()}, {"displayName", {"Temperature"}}},
                                    {{"@type", "Property"}, {"name", "on"}, {"schema", "boolean"}, {"writable", json::array()}}},
                                {{"extends", json::array()}, {"schemas", json::array()}})});
    ASSERT_TRUE(p.errors.empty()) << "v" << v << "\n" << all(p.errors);
    const Content& c = first_content(p);
    EXPECT_EQ(c.name, "temp");
    EXPECT_EQ(c.schema->primitive, "double");
    EXPECT_EQ(c.info.display_name.at("en"), "Temperature");
    EXPECT_FALSE(p.set->find("dtmi:com:example:Thermostat;1")->contents[1].writable);
  }
}

TEST(DtdlJsonLd, TwoValuesWhereOneIsExpectedOrNoRequiredValueAreRefused) {
  const auto p = parse({iface(3, {telemetry({{"name", {"a", "b"}}})})});
  ASSERT_FALSE(p.errors.empty());
  EXPECT_EQ(p.errors[0], "m0.json: /contents/0/name: dtmi:com:example:Thermostat;1: expected one value, got a list of 2");
  const auto q = parse({iface(3, {telemetry({{"name", json::array()}})})});
  ASSERT_FALSE(q.errors.empty());
  EXPECT_NE(all(q.errors).find("missing required property 'name'"), std::string::npos) << all(q.errors);
}

// ---- terms spelled as their full IRIs ---------------------------------------------------------------------

TEST(DtdlJsonLd, TermsMayBeSpelledAsTheirFullDtmis) {
  for (int v : {2, 3}) {
    std::string n = ";";  // built with += : GCC 12 warns falsely (-Wrestrict) on ";" + to_string(v)
    n += std::to_string(v);
    const json arr = {{"@type", "dtmi:dtdl:class:Array" + n}, {"dtmi:dtdl:property:elementSchema" + n, "dtmi:dtdl:instance:Schema:integer" + n}};
    json contents = {{{"@type", "dtmi:dtdl:class:Telemetry" + n}, {"dtmi:dtdl:property:name" + n, "readings"}, {"dtmi:dtdl:property:schema" + n, arr},
                      {"dtmi:dtdl:property:comment" + n, "full IRIs throughout"}},
                     {{"@type", "Property"}, {"name", "setpoint"}, {"schema", "dtmi:dtdl:instance:Schema:double" + n}}};
    if (v == 3) contents.push_back({{"@type", "Telemetry"}, {"name", "where"}, {"schema", "dtmi:standard:schema:geospatial:point;3"}});
    const auto p = parse({iface(v, contents)});
    ASSERT_TRUE(p.errors.empty()) << "v" << v << "\n" << all(p.errors);
    const Interface* i = p.set->find("dtmi:com:example:Thermostat;1");
    EXPECT_EQ(i->contents[0].kind, ContentKind::telemetry);
    EXPECT_EQ(i->contents[0].schema->kind, SchemaKind::array);
    EXPECT_EQ(i->contents[0].schema->element->primitive, "integer");
    EXPECT_EQ(i->contents[0].info.comment, "full IRIs throughout");
    EXPECT_EQ(i->contents[1].schema->primitive, "double");
    if (v == 3) {
      EXPECT_EQ(i->contents[2].schema->primitive, "point");
    }
  }
}

TEST(DtdlJsonLd, QuantitativeTypesMayBeSpelledAsTheirFullDtmis) {
  json doc = iface(3, {telemetry({{"@type", {"Telemetry", "dtmi:standard:class:Temperature;3"}}, {"unit", "dtmi:standard:unit:degreeCelsius;3"}})});
  doc["@context"] = {ctx(3), "dtmi:dtdl:extension:quantitativeTypes;1"};
  const auto p = parse({doc});
  ASSERT_TRUE(p.errors.empty()) << all(p.errors);
  EXPECT_EQ(first_content(p).info.unit, "degreeCelsius");
}

TEST(DtdlJsonLd, ATermOfAnotherDtdlVersionIsRefused) {
  const auto p = parse({iface(2, {{{"@type", "dtmi:dtdl:class:Telemetry;3"}, {"name", "temp"}, {"schema", "double"}}})});
  ASSERT_FALSE(p.errors.empty());
  EXPECT_NE(p.errors[0].find("'dtmi:dtdl:class:Telemetry;3' is a DTDL v3 term in a DTDL v2 document"), std::string::npos) << all(p.errors);
  const auto q = parse({iface(3, {telemetry({{"dtmi:dtdl:property:comment;2", "x"}})})});
  ASSERT_FALSE(q.errors.empty());
  EXPECT_NE(q.errors[0].find("is a DTDL v2 term in a DTDL v3 document"), std::string::npos) << all(q.errors);
}

// ---- @context on nested elements -------------------------------------------------------------------------

TEST(DtdlJsonLd, ANestedContextMayRepeatTheDocumentsOrBeEmpty) {
  for (int v : {2, 3}) {
    const auto p = parse({iface(v, {telemetry({{"@context", ctx(v)}}), {{"@context", json::array()}, {"@type", "Property"}, {"name", "p"}, {"schema", "double"}}})});
    EXPECT_TRUE(p.errors.empty()) << "v" << v << "\n" << all(p.errors);
  }
  const auto q = parse({iface(3, {telemetry({{"@context", ctx(2)}})})});
  ASSERT_EQ(q.errors.size(), 1u) << all(q.errors);
  EXPECT_NE(q.errors[0].find("/contents/0/@context: dtmi:com:example:Thermostat;1: an element's @context must be empty or the document's own"), std::string::npos)
      << q.errors[0];
}

// ---- limits and rules the parser once got wrong ---------------------------------------------------------------

TEST(DtdlRules, DtdlV2LimitsDisplayNamesTo64CharactersAndV3To512) {
  const std::string name65(65, 'a');
  const auto v2 = parse({iface(2, json::array(), {{"displayName", name65}})});
  ASSERT_EQ(v2.errors.size(), 1u) << all(v2.errors);
  EXPECT_NE(v2.errors[0].find("displayName is longer than 64 characters"), std::string::npos) << v2.errors[0];
  EXPECT_TRUE(parse({iface(2, json::array(), {{"displayName", std::string(64, 'a')}})}).errors.empty());
  EXPECT_TRUE(parse({iface(3, json::array(), {{"displayName", name65}})}).errors.empty());
  const auto v3 = parse({iface(3, json::array(), {{"displayName", std::string(513, 'a')}})});
  EXPECT_EQ(v3.errors.size(), 1u) << all(v3.errors);
}

TEST(DtdlRules, LanguageMapKeysAreLanguageCodes) {
  for (const char* ok : {"en", "de", "en-US", "zh-Hant-TW", "fil", "x-klingon", "sr-Latn-RS", "es-419"})
    EXPECT_TRUE(parse({iface(3, json::array(), {{"displayName", {{ok, "x"}}}})}).errors.empty()) << ok;
  for (const char* bad : {"english", "xx", "e", "en_US", "123", "en--US", "x"}) {
    const auto p = parse({iface(3, json::array(), {{"displayName", {{bad, "x"}}}})});
    ASSERT_EQ(p.errors.size(), 1u) << bad;
    EXPECT_NE(p.errors[0].find("is not a language tag"), std::string::npos) << p.errors[0];
  }
}

TEST(DtdlRules, AV2InterfaceCannotExtendAnInlineV3One) {
  const json inline_v3 = {{"@context", ctx(3)}, {"@id", "dtmi:com:example:Base;1"}, {"@type", "Interface"}, {"contents", json::array()}};
  const auto p = parse({iface(2, json::array(), {{"extends", {inline_v3}}})});
  ASSERT_EQ(p.errors.size(), 1u) << all(p.errors);
  EXPECT_NE(p.errors[0].find("a DTDL v2 Interface cannot hold an inline DTDL v3 Interface"), std::string::npos) << p.errors[0];
  json inline_v2 = inline_v3;
  inline_v2["@context"] = ctx(2);
  EXPECT_TRUE(parse({iface(2, json::array(), {{"extends", {inline_v2}}})}).errors.empty());
}

TEST(DtdlRules, AnExtendsChainOf10LevelsIsTheMaximumAnd11IsRefused) {
  // I0 extends I1 extends ... extends In: n levels (the Interface table: "max depth of 10 levels").
  auto chain = [](int levels) {
    std::vector<json> docs;
    for (int k = 0; k <= levels; ++k) {
      json extra = k < levels ? json{{"extends", "dtmi:com:example:I" + std::to_string(k + 1) + ";1"}} : json::object();
      docs.push_back(iface(3, json::array(), extra, "dtmi:com:example:I" + std::to_string(k) + ";1"));
    }
    return parse(docs);
  };
  EXPECT_TRUE(chain(10).errors.empty()) << all(chain(10).errors);
  const auto p = chain(11);
  ASSERT_FALSE(p.errors.empty());
  EXPECT_NE(p.errors[0].find("extends hierarchy is deeper than 10 levels"), std::string::npos) << all(p.errors);
}

}  // namespace
}  // namespace twinbench::twins::dtdl
