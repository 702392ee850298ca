// Elements given by their @id (JSON-LD node references) where DTDL expects an element: contents,
// Relationship properties, Object fields, EnumValues, a Command's request and response, a Map's key and
// value. JSON-LD reads a string in an element-valued property as the IRI of a node defined elsewhere in
// the graph (JSON-LD 1.1, "Node Objects"; DTDL v3 "Conformance with JSON and JSON-LD"), so the element
// defined under that @id anywhere in the model set stands there. Valid and invalid, in DTDL v2 and v3.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "DtdlTesting.hpp"
#include "twinbench/twins/dtdl/ModelSet.hpp"

namespace twinbench::twins::dtdl {
namespace {

using nlohmann::json;

json iface(int v, const std::string& id, json contents, json extra = json::object()) {
  json j = {{"@context", "dtmi:dtdl:context;" + std::to_string(v)}, {"@id", id}, {"@type", "Interface"}, {"contents", contents}};
  for (auto& [k, x] : extra.items()) j[k] = x;
  return j;
}

using testing::all;
using testing::parse;
using testing::Parsed;

/** A library Interface that defines one element of each kind under an explicit @id. */
json library(int v) {
  return iface(v, "dtmi:com:example:Library;1",
               {{{"@id", "dtmi:com:example:lib:temp;1"}, {"@type", "Telemetry"}, {"name", "temp"}, {"schema", "double"}},
                {{"@id", "dtmi:com:example:lib:since;1"}, {"@type", "Property"}, {"name", "since"}, {"schema", "dateTime"}},
                {{"@type", "Command"},
                 {"name", "reset"},
                 {"request", {{"@id", "dtmi:com:example:lib:level;1"}, {"name", "level"}, {"schema", "integer"}}},
                 {"response", {{"@id", "dtmi:com:example:lib:ok;1"}, {"name", "ok"}, {"schema", "boolean"}}}},
                {{"@type", "Relationship"}, {"name", "feeds"}, {"properties", {{{"@id", "dtmi:com:example:lib:weight;1"}, {"@type", "Property"}, {"name", "weight"}, {"schema", "double"}}}}},
                {{"@type", "Telemetry"},
                 {"name", "reading"},
                 {"schema",
                  {{"@type", "Object"},
                   {"fields", {{{"@id", "dtmi:com:example:lib:value;1"}, {"name", "value"}, {"schema", "double"}}}}}}},
                {{"@type", "Property"},
                 {"name", "mode"},
                 {"schema", {{"@type", "Enum"}, {"valueSchema", "integer"}, {"enumValues", {{{"@id", "dtmi:com:example:lib:eco;1"}, {"name", "eco"}, {"enumValue", 1}}}}}}},
                {{"@type", "Property"},
                 {"name", "labels"},
                 {"schema",
                  {{"@type", "Map"},
                   {"mapKey", {{"@id", "dtmi:com:example:lib:key;1"}, {"name", "key"}, {"schema", "string"}}},
                   {"mapValue", {{"@id", "dtmi:com:example:lib:label;1"}, {"name", "label"}, {"schema", "string"}}}}}}});
}

/** An Interface that holds every kind of element by reference to the library's. */
json user(int v) {
  return iface(v, "dtmi:com:example:Pump;1",
               {"dtmi:com:example:lib:temp;1",
                "dtmi:com:example:lib:since;1",
                {{"@type", "Command"}, {"name", "restart"}, {"request", "dtmi:com:example:lib:level;1"}, {"response", "dtmi:com:example:lib:ok;1"}},
                {{"@type", "Relationship"}, {"name", "drives"}, {"properties", {"dtmi:com:example:lib:weight;1"}}},
                {{"@type", "Telemetry"}, {"name", "sample"}, {"schema", {{"@type", "Object"}, {"fields", {"dtmi:com:example:lib:value;1"}}}}},
                {{"@type", "Property"}, {"name", "level"}, {"schema", {{"@type", "Enum"}, {"valueSchema", "integer"}, {"enumValues", {"dtmi:com:example:lib:eco;1"}}}}},
                {{"@type", "Property"},
                 {"name", "tags"},
                 {"schema", {{"@type", "Map"}, {"mapKey", "dtmi:com:example:lib:key;1"}, {"mapValue", "dtmi:com:example:lib:label;1"}}}}});
}

TEST(DtdlReferences, EveryKindOfElementMayBeGivenByItsIdInV2AndV3) {
  for (int v : {2, 3}) {
    SCOPED_TRACE("DTDL v" + std::to_string(v));
    // Either order of documents: the definition may come after its use.
    for (bool library_first : {true, false}) {
      const auto p = library_first ? parse({library(v), user(v)}) : parse({user(v), library(v)});
      ASSERT_TRUE(p.errors.empty()) << all(p.errors);
      const Interface* pump = p.set->find("dtmi:com:example:Pump;1");
      ASSERT_NE(pump, nullptr);
      ASSERT_EQ(pump->contents.size(), 7u);
      const auto& c = pump->contents;
      // The referenced elements stand in place, with their own names, kinds, schemas and @ids.
      EXPECT_EQ(c[0].name, "temp");
      EXPECT_EQ(c[0].kind, ContentKind::telemetry);
      EXPECT_EQ(c[0].info.id, "dtmi:com:example:lib:temp;1");
      ASSERT_TRUE(c[0].schema);
      EXPECT_EQ(c[0].schema->primitive, "double");
      EXPECT_EQ(c[0].info.reference, "");
      EXPECT_EQ(c[1].kind, ContentKind::property);
      EXPECT_EQ(c[1].schema->primitive, "dateTime");
      ASSERT_TRUE(c[2].request && c[2].response);
      EXPECT_EQ(c[2].request->name, "level");
      EXPECT_EQ(c[2].response->schema->primitive, "boolean");
      ASSERT_EQ(c[3].properties.size(), 1u);
      EXPECT_EQ(c[3].properties[0].name, "weight");
      ASSERT_EQ(c[4].schema->fields.size(), 1u);
      EXPECT_EQ(c[4].schema->fields[0].name, "value");
      ASSERT_EQ(c[5].schema->enum_values.size(), 1u);
      EXPECT_EQ(std::get<std::int64_t>(c[5].schema->enum_values[0].value), 1);
      EXPECT_EQ(c[6].schema->map_key.name, "key");
      EXPECT_EQ(c[6].schema->map_value.schema->primitive, "string");
      // A referenced element keeps its place in the set of contents that consumers read.
      const auto contents = p.set->all_contents("dtmi:com:example:Pump;1");
      EXPECT_EQ(contents.size(), 7u);
    }
  }
}

TEST(DtdlReferences, ASingleReferenceMayStandForASetOfOne) {
  const auto p = parse({library(3), iface(3, "dtmi:com:example:Pump;1", "dtmi:com:example:lib:temp;1")});
  ASSERT_TRUE(p.errors.empty()) << all(p.errors);
  ASSERT_EQ(p.set->find("dtmi:com:example:Pump;1")->contents.size(), 1u);
  EXPECT_EQ(p.set->find("dtmi:com:example:Pump;1")->contents[0].name, "temp");
}

TEST(DtdlReferences, AnAutomaticIdentifierCannotBeReferenced) {
  // The Library's Telemetry "reading" has no @id: it is dtmi:com:example:Library:_contents:__reading;1, a
  // system DTMI, and "System DTMIs are not permitted in DTDL model documents" (v3, "Digital Twin Model Identifier").
  const auto p = parse({library(3), iface(3, "dtmi:com:example:Pump;1", {"dtmi:com:example:Library:_contents:__reading;1"})});
  ASSERT_FALSE(p.errors.empty());
  EXPECT_EQ(p.errors[0], "m1.json: /contents/0: dtmi:com:example:Pump;1: 'dtmi:com:example:Library:_contents:__reading;1' is not a valid DTMI (an element given by its @id): "
                         "it is a system DTMI (a segment starts with '_'); models may only use user DTMIs");
}

TEST(DtdlReferences, AReferenceToNothingOrToTheWrongKindOfElementIsRefused) {
  struct Bad {
    json contents;
    std::string expected;
  };
  const std::vector<Bad> cases = {
      {{"dtmi:com:example:lib:missing;1"},
       "m1.json: /contents/0: 'dtmi:com:example:lib:missing;1' names no element of this model set (an element given by its @id must be defined in one of its documents)"},
      {{"dtmi:com:example:lib:value;1"},
       "m1.json: /contents/0: 'dtmi:com:example:lib:value;1' is a Field, where a content element (Telemetry, Property, Command, Relationship or Component) is expected"},
      {{{{"@type", "Relationship"}, {"name", "r"}, {"properties", {"dtmi:com:example:lib:temp;1"}}}},
       "m1.json: /contents/0/properties/0: 'dtmi:com:example:lib:temp;1' is a Telemetry, where a Property is expected"},
      {{{{"@type", "Telemetry"}, {"name", "s"}, {"schema", {{"@type", "Object"}, {"fields", {"dtmi:com:example:lib:eco;1"}}}}}},
       "m1.json: /contents/0/schema/fields/0: 'dtmi:com:example:lib:eco;1' is an EnumValue, where a Field is expected"},
      {{{{"@type", "Command"}, {"name", "c"}, {"request", "dtmi:com:example:lib:ok;1"}}},
       "m1.json: /contents/0/request: 'dtmi:com:example:lib:ok;1' is a CommandResponse, where a CommandRequest is expected"},
      {{{{"@type", "Property"}, {"name", "m"}, {"schema", {{"@type", "Map"}, {"mapKey", "dtmi:com:example:lib:label;1"}, {"mapValue", "dtmi:com:example:lib:label;1"}}}}},
       "m1.json: /contents/0/schema/mapKey: 'dtmi:com:example:lib:label;1' is a MapValue, where a MapKey is expected"},
      // A referenced element's name counts among the contents' names.
      {{"dtmi:com:example:lib:temp;1", {{"@type", "Telemetry"}, {"name", "temp"}, {"schema", "float"}}},
       "m1.json: /contents/1: dtmi:com:example:Pump:_contents:__temp;1: duplicate name 'temp' in the Interface's contents"},
      {{"not a dtmi"},
       "m1.json: /contents/0: dtmi:com:example:Pump;1: 'not a dtmi' is not a valid DTMI (an element given by its @id): it does not start with the scheme 'dtmi:'"},
  };
  for (const auto& c : cases) {
    const auto p = parse({library(3), iface(3, "dtmi:com:example:Pump;1", c.contents)});
    ASSERT_FALSE(p.errors.empty()) << c.expected;
    EXPECT_EQ(p.errors[0], c.expected) << all(p.errors);
  }
}

TEST(DtdlReferences, ReferencesCannotMultiplyAnInterfaceBeyondItsElementLimit) {
  // One Relationship of 1,000 properties, named 100 times: 100 x 1,003 elements > v3's 100,000, in a
  // document of 3 KB. (The same name 100 times is an error too; the bound must be reported as well.)
  json properties = json::array();
  for (int i = 0; i < 1000; ++i) {
    std::string name = "p";  // built with += : GCC 12 warns falsely (-Wrestrict) on "p" + to_string(i)
    name += std::to_string(i);
    properties.push_back({{"@type", "Property"}, {"name", name}, {"schema", "double"}});
  }
  const json big = iface(3, "dtmi:com:example:Big;1", {{{"@id", "dtmi:com:example:big:r;1"}, {"@type", "Relationship"}, {"name", "r"}, {"properties", properties}}});
  json refs = json::array();
  for (int i = 0; i < 100; ++i) refs.push_back("dtmi:com:example:big:r;1");
  const auto p = parse({big, iface(3, "dtmi:com:example:Pump;1", refs)});
  const std::string bound = "m1.json: /contents/99: dtmi:com:example:Pump;1: more than 100,000 elements under the Interface's contents, counting those given by their @id";
  EXPECT_NE(std::find(p.errors.begin(), p.errors.end(), bound), p.errors.end()) << all(p.errors);
  refs.erase(refs.size() - 1);  // 99 x 1,003 is within it
  const auto q = parse({big, iface(3, "dtmi:com:example:Pump;1", refs)});
  EXPECT_EQ(std::find(q.errors.begin(), q.errors.end(), bound), q.errors.end());
}

TEST(DtdlReferences, V2CallsARequestACommandPayload) {
  json pump = iface(2, "dtmi:com:example:Pump;1", {{{"@type", "Command"}, {"name", "c"}, {"request", "dtmi:com:example:lib:ok;1"}}});
  const auto p = parse({library(2), pump});
  EXPECT_TRUE(p.errors.empty()) << all(p.errors);  // in v2, request and response are both CommandPayloads
}

}  // namespace
}  // namespace twinbench::twins::dtdl
