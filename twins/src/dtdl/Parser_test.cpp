// Co-types beyond an element's own type: DTDL's open world (undefined co-types, and then undefined
// properties; v2 "Undefined co-types and properties", v3 only with an undefined extension admitted by
// --allow-undefined-extensions) and the MQTT extension's adjunct types (DTDL.mqtt.v1: Idempotent and
// Cacheable on a Command, Indexed on a Telemetry, Field or EnumValue). Each valid and invalid.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "twinbench/twins/dtdl/ModelSet.hpp"
#include "twinbench/twins/dtdl/Terms.hpp"

namespace twinbench::twins::dtdl {
namespace {

using nlohmann::json;

json iface(json context, json contents, json type = "Interface") {
  return {{"@context", context}, {"@id", "dtmi:com:example:Thermostat;1"}, {"@type", type}, {"contents", contents}};
}

std::vector<std::string> errors(const json& doc, bool allow_undefined_extensions = false) {
  ModelSet set(ParseOptions{allow_undefined_extensions});
  set.add_document(doc.dump(), "m.json");
  set.resolve();
  std::vector<std::string> out;
  for (const auto& d : set.diagnostics()) out.push_back(d.str());
  return out;
}

std::string first(const std::vector<std::string>& v) { return v.empty() ? "(valid)" : v[0]; }

bool has(const std::vector<std::string>& v, const std::string& message) { return std::find(v.begin(), v.end(), message) != v.end(); }

// v2's own example: a Property co-typed with the undefined "Commercial", and its undefined "brand".
const json kCommercial = {{"@type", {"Property", "Commercial"}}, {"name", "setPointTemp"}, {"writable", true}, {"schema", "double"}, {"brand", "Honeywell"}};
const std::string kV2 = "dtmi:dtdl:context;2";
const std::string kV3 = "dtmi:dtdl:context;3";
const json kV3WithExtension = {kV3, "dtmi:com:example:commercialExtension;1"};

TEST(DtdlOpenWorld, V2AcceptsUndefinedCoTypesAndThenUndefinedProperties) {
  EXPECT_EQ(first(errors(iface(kV2, {kCommercial}))), "(valid)");
  // Anywhere an element has a type: the Interface, a schema, a Field.
  const json audited = {"Interface", "dtmi:com:example:Audited;1"};
  EXPECT_EQ(first(errors(iface(kV2, json::array(), audited))), "(valid)");
  json object = {{"@type", "Telemetry"},
                 {"name", "t"},
                 {"schema", {{"@type", {"Object", "Packed"}}, {"alignment", 4}, {"fields", {{{"@type", {"Field", "Scaled"}}, {"name", "f"}, {"schema", "double"}, {"scale", 0.1}}}}}}};
  EXPECT_EQ(first(errors(iface(kV2, {object}))), "(valid)");
}

TEST(DtdlOpenWorld, V2RefusesAnUndefinedPropertyWithoutAnUndefinedCoType) {
  json p = kCommercial;
  p["@type"] = "Property";
  EXPECT_EQ(first(errors(iface(kV2, {p}))), "m.json: /contents/0/brand: dtmi:com:example:Thermostat:_contents:__setPointTemp;1: 'brand' is not a property of Property");
}

TEST(DtdlOpenWorld, AnUndefinedCoTypeDoesNotMakeADtdlPropertyFitWhereItDoesNot) {
  // "writable" is DTDL's own, and a Telemetry has none: no co-type can change what DTDL says it means.
  json t = {{"@type", {"Telemetry", "Commercial"}}, {"name", "t"}, {"schema", "double"}, {"writable", true}};
  EXPECT_EQ(first(errors(iface(kV2, {t}))), "m.json: /contents/0/writable: dtmi:com:example:Thermostat:_contents:__t;1: 'writable' is not a property of Telemetry");
}

TEST(DtdlOpenWorld, AnElementNeedsOneDefinedType) {
  json t = {{"@type", "Commercial"}, {"name", "t"}, {"schema", "double"}};
  EXPECT_EQ(first(errors(iface(kV2, {t}))), "m.json: /contents/0/@type: 'Commercial' is not a content type (Telemetry, Property, Command, Relationship or Component)");
  // A co-type DTDL defines, in the wrong place, stays an error: Field is no co-type of a Property.
  json f = {{"@type", {"Property", "Field"}}, {"name", "p"}, {"schema", "double"}};
  EXPECT_EQ(first(errors(iface(kV2, {f}))), "m.json: /contents/0/@type: dtmi:com:example:Thermostat:_contents:__p;1: 'Field' is not a type a Property can have");
}

TEST(DtdlOpenWorld, V3NeedsAnUndefinedExtensionAdmittedByTheOption) {
  // v3 is closed: a co-type needs the extension that defines it, and without it "brand" is nobody's.
  const std::string closed = "m.json: /contents/0/@type: dtmi:com:example:Thermostat:_contents:__setPointTemp;1: 'Commercial' is not a type a Property can have";
  EXPECT_TRUE(has(errors(iface(kV3, {kCommercial})), closed));
  // The option alone opens nothing: no extension, no unknown terms.
  EXPECT_TRUE(has(errors(iface(kV3, {kCommercial}), true), closed));
  // An unknown extension without the option is refused ...
  EXPECT_EQ(first(errors(iface(kV3WithExtension, {kCommercial}))),
            "m.json: /@context/1: dtmi:com:example:Thermostat;1: undefined extension context 'dtmi:com:example:commercialExtension;1' for DTDL v3 (known: "
            "dtmi:dtdl:extension:quantitativeTypes;1, dtmi:dtdl:extension:mqtt;1; --allow-undefined-extensions ignores it)");
  // ... and with it, its terms are unknown, so the co-type and its property may be its.
  EXPECT_EQ(first(errors(iface(kV3WithExtension, {kCommercial}), true)), "(valid)");
}

// ---- the MQTT extension's adjunct types ----

const json kMqtt = {kV3, "dtmi:dtdl:extension:mqtt;1"};

json command(json type, json extra = json::object()) {
  json c = {{"@type", type}, {"name", "getSpeed"}, {"response", {{"name", "mph"}, {"schema", "integer"}}}};
  for (auto& [k, v] : extra.items()) c[k] = v;
  return c;
}

json indexed(const std::string& name, json index) {
  return {{"@type", {"Telemetry", "Indexed"}}, {"name", name}, {"schema", "double"}, {"index", index}};
}

TEST(DtdlMqttAdjuncts, IdempotentAndCacheableCommands) {
  EXPECT_EQ(first(errors(iface(kMqtt, {command({"Command", "Idempotent", "Cacheable"}, {{"ttl", "PT15S"}})}))), "(valid)");
  EXPECT_EQ(first(errors(iface(kMqtt, {command({"Command", "Cacheable"})}))),
            "m.json: /contents/0: dtmi:com:example:Thermostat:_contents:__getSpeed;1: a Command co-typed Cacheable needs 'ttl'");
  EXPECT_EQ(first(errors(iface(kMqtt, {command({"Command", "Cacheable"}, {{"ttl", "15 s"}})}))),
            "m.json: /contents/0/ttl: dtmi:com:example:Thermostat:_contents:__getSpeed;1: expected an ISO 8601 duration such as \"PT15S\", got \"15 s\"");
  // ttl belongs to Cacheable only.
  EXPECT_EQ(first(errors(iface(kMqtt, {command({"Command", "Idempotent"}, {{"ttl", "PT15S"}})}))),
            "m.json: /contents/0/ttl: dtmi:com:example:Thermostat:_contents:__getSpeed;1: 'ttl' is not a property of Command");
  // Without the extension in @context, the adjunct types are not defined.
  EXPECT_EQ(first(errors(iface(kV3, {command({"Command", "Idempotent"})}))),
            "m.json: /contents/0/@type: dtmi:com:example:Thermostat:_contents:__getSpeed;1: co-type 'Idempotent' needs the MQTT extension "
            "(\"dtmi:dtdl:extension:mqtt;1\" in @context)");
  EXPECT_EQ(first(errors(iface(kMqtt, {{{"@type", {"Property", "Idempotent"}}, {"name", "p"}, {"schema", "double"}}}))),
            "m.json: /contents/0/@type: dtmi:com:example:Thermostat:_contents:__p;1: 'Idempotent' is not a type a Property can have");
}

TEST(DtdlMqttAdjuncts, IndexedElementsHaveUniquePositiveIndices) {
  ModelSet set;
  set.add_document(iface(kMqtt, {indexed("distance", 3), indexed("color", 2)}).dump(), "m.json");
  set.resolve();
  ASSERT_TRUE(set.ok()) << set.diagnostics()[0].str();
  EXPECT_EQ(set.find("dtmi:com:example:Thermostat;1")->contents[0].info.index, 3);
  EXPECT_EQ(set.find("dtmi:com:example:Thermostat;1")->contents[0].info.adjunct_types, std::vector<std::string>{"Indexed"});

  EXPECT_EQ(first(errors(iface(kMqtt, {indexed("distance", 3), indexed("color", 3)}))),
            "m.json: /contents/1/index: dtmi:com:example:Thermostat:_contents:__color;1: index 3 is already used by another Telemetry of this Interface");
  EXPECT_EQ(first(errors(iface(kMqtt, {indexed("distance", 0)}))),
            "m.json: /contents/0/index: dtmi:com:example:Thermostat:_contents:__distance;1: expected an integer >= 1, got 0");
  json no_index = indexed("distance", 1);
  no_index.erase("index");
  EXPECT_EQ(first(errors(iface(kMqtt, {no_index}))), "m.json: /contents/0: dtmi:com:example:Thermostat:_contents:__distance;1: an element co-typed Indexed needs 'index'");
  // Fields and EnumValues, each unique within their own set.
  json t = {{"@type", "Telemetry"},
            {"name", "t"},
            {"schema",
             {{"@type", "Object"},
              {"fields",
               {{{"@type", {"Field", "Indexed"}}, {"name", "a"}, {"schema", "double"}, {"index", 1}},
                {{"@type", {"Field", "Indexed"}}, {"name", "b"}, {"schema", {{"@type", "Enum"}, {"valueSchema", "string"}, {"enumValues", {{{"@type", {"EnumValue", "Indexed"}}, {"name", "x"}, {"enumValue", "x"}, {"index", 1}}}}}}, {"index", 2}}}}}}};
  EXPECT_EQ(first(errors(iface(kMqtt, {t}))), "(valid)");
  t["schema"]["fields"][1]["index"] = 1;
  EXPECT_EQ(first(errors(iface(kMqtt, {t}))), "m.json: /contents/0/schema/fields/1/index: dtmi:com:example:Thermostat:_contents:__t:_schema:_fields:__b;1: index 1 is already used by another Field of this Object");
  EXPECT_EQ(first(errors(iface(kMqtt, {{{"@type", {"Command", "Indexed"}}, {"name", "c"}, {"index", 1}}}))),
            "m.json: /contents/0/@type: dtmi:com:example:Thermostat:_contents:__c;1: 'Indexed' is not a type a Command can have");
}

TEST(DtdlTerms, Iso8601Durations) {
  for (const char* ok : {"PT15S", "P1D", "P1Y2M3DT4H5M6S", "PT0.5S", "P2W", "PT1H30M", "PT1,5S"}) EXPECT_TRUE(iso8601_duration(ok)) << ok;
  for (const char* bad : {"", "P", "PT", "15S", "PT15", "P1H", "PT1D", "P1DT", "PS", "P1.5D", "PT5S1M", "P1D1D", "PT-1S", "pt15s"}) EXPECT_FALSE(iso8601_duration(bad)) << bad;
}

}  // namespace
}  // namespace twinbench::twins::dtdl
