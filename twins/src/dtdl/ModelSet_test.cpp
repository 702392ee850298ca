#include "twinbench/twins/dtdl/ModelSet.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>

namespace twinbench::twins::dtdl {
namespace {

using nlohmann::json;

/** An Interface document around `contents` (and extra top-level keys). */
json iface(json contents, json extra = json::object()) {
  json j = {{"@context", "dtmi:dtdl:context;3"}, {"@id", "dtmi:com:example:Compressor;1"}, {"@type", "Interface"}, {"contents", contents}};
  for (auto& [k, v] : extra.items()) j[k] = v;
  return j;
}

std::vector<std::string> diagnostics_of(const std::vector<json>& docs, ParseOptions opt = {}) {
  ModelSet set(opt);
  for (std::size_t i = 0; i < docs.size(); ++i) {
    std::string file = "m";  // built with += : GCC 12 warns falsely (-Wrestrict) on "m" + to_string(i) + ".json"
    file += std::to_string(i);
    file += ".json";
    set.add_document(docs[i].dump(), file);
  }
  set.resolve();
  std::vector<std::string> out;
  for (const auto& d : set.diagnostics()) out.push_back(d.str());
  return out;
}

std::string joined(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += x + "\n";
  return s;
}

// ---- the specification's own examples -------------------------------------------------------------

/** Parses every example of one specification (a folder of testdata), each on its own; returns how many. */
std::size_t parse_examples(const std::string& folder) {
  const auto dir = std::filesystem::path(TWINBENCH_DTDL_TESTDATA) / folder;
  std::size_t n = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.path().extension() != ".json") continue;
    ModelSet set;
    set.add_path(e.path().string());
    // Examples refer to Interfaces they do not define (e.g. a Component's schema): parse-level rules only.
    EXPECT_TRUE(set.ok()) << folder << "/" << e.path().filename().string() << "\n" << (set.ok() ? "" : set.diagnostics()[0].str());
    ++n;
  }
  return n;
}

TEST(DtdlSpecExamples, EveryExampleOfTheV3SpecificationParses) { EXPECT_GE(parse_examples("spec-v3"), 20u); }

// v2's include an undefined co-type with an undefined property (its open world).
TEST(DtdlSpecExamples, EveryExampleOfTheV2SpecificationParses) { EXPECT_GE(parse_examples("spec-v2"), 23u); }

// Its Idempotent, Cacheable and Indexed adjunct types.
TEST(DtdlSpecExamples, EveryExampleOfTheMqttExtensionParses) { EXPECT_EQ(parse_examples("spec-mqtt"), 2u); }

// ---- element by element: a valid variant, and invalid ones with the rule they break ------------------

struct Case {
  const char* name;
  json doc;
  std::string expected;  ///< "" = valid; otherwise the exact first diagnostic
};

class DtdlCases : public ::testing::TestWithParam<Case> {};

TEST_P(DtdlCases, DiagnoseLikeACompiler) {
  const auto d = diagnostics_of({GetParam().doc});
  if (GetParam().expected.empty()) {
    EXPECT_TRUE(d.empty()) << joined(d);
  } else {
    ASSERT_FALSE(d.empty()) << "expected: " << GetParam().expected;
    EXPECT_EQ(d[0], GetParam().expected) << joined(d);
  }
}

const json kTelemetry = {{"@type", "Telemetry"}, {"name", "dischargeTemp"}, {"schema", "double"}};
const json kV2 = {{"@context", "dtmi:dtdl:context;2"}};

/** `n` Object fields f0, f1, ... of schema double. */
json fields(int n) {
  json out = json::array();
  for (int i = 0; i < n; ++i) out.push_back({{"name", std::string("f") += std::to_string(i)}, {"schema", "double"}});
  return out;
}

/** `n` Telemetry contents t0, t1, ... */
json telemetries(int n) {
  json out = json::array();
  for (int i = 0; i < n; ++i) out.push_back({{"@type", "Telemetry"}, {"name", std::string("t") += std::to_string(i)}, {"schema", "double"}});
  return out;
}

INSTANTIATE_TEST_SUITE_P(
    Elements, DtdlCases,
    ::testing::Values(
        // Interface
        Case{"interface_minimal", iface(json::array()), ""},
        Case{"interface_localized", iface(json::array(), {{"displayName", {{"en", "Compressor"}, {"it", "Compressore"}}}, {"description", "An air compressor"}}), ""},
        Case{"interface_missing_context", [] { json j = iface(json::array()); j.erase("@context"); return j; }(),
             "m0.json: /: dtmi:com:example:Compressor;1: missing @context: a DTDL document must say its version (\"dtmi:dtdl:context;3\")"},
        Case{"interface_wrong_context", iface(json::array(), {{"@context", "dtmi:dtdl:context;4"}}),
             "m0.json: /@context: dtmi:com:example:Compressor;1: the DTDL context must come first and be \"dtmi:dtdl:context;3\" or \"dtmi:dtdl:context;2\", got 'dtmi:dtdl:context;4'"},
        Case{"interface_wrong_type", iface(json::array(), {{"@type", "Interfase"}}),
             "m0.json: /@type: dtmi:com:example:Compressor;1: @type must be \"Interface\", got \"Interfase\""},
        Case{"interface_missing_id", [] { json j = iface(json::array()); j.erase("@id"); return j; }(), "m0.json: /: missing required property '@id' of Interface"},
        Case{"interface_bad_id", iface(json::array(), {{"@id", "dtmi:com:9lives;1"}}),
             "m0.json: /@id: 'dtmi:com:9lives;1' is not a valid DTMI: it has a path segment starting with a digit ('9lives')"},
        Case{"interface_id_too_long", iface(json::array(), {{"@id", "dtmi:" + std::string(130, 'a') + ";1"}}),
             "m0.json: /@id: 'dtmi:" + std::string(130, 'a') + ";1' is not a valid DTMI: it is longer than 128 characters"},
        Case{"interface_reserved_id", iface(json::array(), {{"@id", "dtmi:dtdl:mine;1"}}),
             "m0.json: /@id: dtmi:dtdl:mine;1: identifiers under dtmi:dtdl: and dtmi:standard: are reserved by DTDL"},
        Case{"interface_unknown_property", iface(json::array(), {{"contentz", json::array()}}),
             "m0.json: /contentz: dtmi:com:example:Compressor;1: 'contentz' is not a property of Interface"},
        Case{"interface_bad_language_tag", iface(json::array(), {{"displayName", {{"english!", "x"}}}}),
             "m0.json: /displayName/english!: dtmi:com:example:Compressor;1: 'english!' is not a language tag (BCP 47, its language an ISO 639 code)"},
        Case{"interface_description_too_long", iface(json::array(), {{"description", std::string(513, 'x')}}),
             "m0.json: /description: dtmi:com:example:Compressor;1: description is longer than 512 characters"},
        // Telemetry
        Case{"telemetry_valid", iface({kTelemetry}), ""},
        Case{"telemetry_bad_schema", iface({{{"@type", "Telemetry"}, {"name", "t"}, {"schema", "doubel"}}}),
             "m0.json: /contents/0/schema: dtmi:com:example:Compressor:_contents:__t:_schema;1: 'doubel' is not a DTDL schema (a primitive such as double or string, a DTMI, or an Array, Enum, Map or Object)"},
        Case{"telemetry_missing_schema", iface({{{"@type", "Telemetry"}, {"name", "t"}}}),
             "m0.json: /contents/0: dtmi:com:example:Compressor:_contents:__t;1: missing required property 'schema'"},
        Case{"telemetry_writable", iface({{{"@type", "Telemetry"}, {"name", "t"}, {"schema", "double"}, {"writable", true}}}),
             "m0.json: /contents/0/writable: dtmi:com:example:Compressor:_contents:__t;1: 'writable' is not a property of Telemetry"},
        Case{"telemetry_geospatial", iface({{{"@type", "Telemetry"}, {"name", "where"}, {"schema", "point"}}}), ""},
        // names
        Case{"name_bad_start", iface({{{"@type", "Telemetry"}, {"name", "1temp"}, {"schema", "double"}}}),
             "m0.json: /contents/0/name: dtmi:com:example:Compressor:_contents:__1temp;1: '1temp' is not a valid name: letters, digits and '_', starting with a letter, not ending with '_', at most 512 characters"},
        Case{"name_bad_end", iface({{{"@type", "Telemetry"}, {"name", "temp_"}, {"schema", "double"}}}),
             "m0.json: /contents/0/name: dtmi:com:example:Compressor:_contents:__temp_;1: 'temp_' is not a valid name: letters, digits and '_', starting with a letter, not ending with '_', at most 512 characters"},
        Case{"name_duplicate", iface({kTelemetry, kTelemetry}),
             "m0.json: /contents/1: dtmi:com:example:Compressor:_contents:__dischargeTemp;1: duplicate @id (also at m0.json: /contents/0)"},
        Case{"content_unknown_type", iface({{{"@type", "Telemetri"}, {"name", "t"}, {"schema", "double"}}}),
             "m0.json: /contents/0/@type: 'Telemetri' is not a content type (Telemetry, Property, Command, Relationship or Component)"},
        // Property
        Case{"property_writable", iface({{{"@type", "Property"}, {"name", "alertThreshold"}, {"schema", "double"}, {"writable", true}}}), ""},
        Case{"property_writable_not_bool", iface({{{"@type", "Property"}, {"name", "p"}, {"schema", "double"}, {"writable", "yes"}}}),
             "m0.json: /contents/0/writable: dtmi:com:example:Compressor:_contents:__p;1: expected true or false, got \"yes\""},
        Case{"property_array_schema", iface({{{"@type", "Property"}, {"name", "p"}, {"schema", {{"@type", "Array"}, {"elementSchema", "string"}}}}}), ""},
        // Command
        Case{"command_valid", iface({{{"@type", "Command"}, {"name", "setReportingPeriod"},
                                       {"request", {{"name", "periodS"}, {"schema", "integer"}}},
                                       {"response", {{"name", "accepted"}, {"schema", "boolean"}}}}}), ""},
        Case{"command_request_missing_name", iface({{{"@type", "Command"}, {"name", "reboot"}, {"request", {{"schema", "integer"}}}}}),
             "m0.json: /contents/0/request: dtmi:com:example:Compressor:_contents:__reboot:_request;1: missing required property 'name'"},
        Case{"command_with_schema", iface({{{"@type", "Command"}, {"name", "reboot"}, {"schema", "double"}}}),
             "m0.json: /contents/0/schema: dtmi:com:example:Compressor:_contents:__reboot;1: 'schema' is not a property of Command"},
        // Relationship
        Case{"relationship_valid", iface({{{"@type", "Relationship"}, {"name", "gateway"}, {"target", "dtmi:com:example:Gateway;1"},
                                           {"maxMultiplicity", 1}, {"properties", {{{"@type", "Property"}, {"name", "since"}, {"schema", "dateTime"}}}}}}), ""},
        Case{"relationship_min_multiplicity", iface({{{"@type", "Relationship"}, {"name", "gateway"}, {"minMultiplicity", 1}}}),
             "m0.json: /contents/0/minMultiplicity: dtmi:com:example:Compressor:_contents:__gateway;1: minMultiplicity must be 0"},
        Case{"relationship_max_multiplicity", iface({{{"@type", "Relationship"}, {"name", "gateway"}, {"maxMultiplicity", 0}}}),
             "m0.json: /contents/0/maxMultiplicity: dtmi:com:example:Compressor:_contents:__gateway;1: maxMultiplicity must be >= 1"},
        Case{"relationship_bad_target", iface({{{"@type", "Relationship"}, {"name", "gateway"}, {"target", "gateway"}}}),
             "m0.json: /contents/0/target: dtmi:com:example:Compressor:_contents:__gateway;1: 'gateway' is not a valid DTMI: it does not start with the scheme 'dtmi:'"},
        Case{"relationship_property_not_property", iface({{{"@type", "Relationship"}, {"name", "gateway"}, {"properties", {kTelemetry}}}}),
             "m0.json: /contents/0/properties/0/@type: dtmi:com:example:Compressor:_contents:__gateway;1: a Relationship's properties must be of @type Property"},
        // Array / Enum / Map / Object
        Case{"array_missing_element", iface({{{"@type", "Telemetry"}, {"name", "t"}, {"schema", {{"@type", "Array"}}}}}),
             "m0.json: /contents/0/schema: dtmi:com:example:Compressor:_contents:__t:_schema;1: missing required property 'elementSchema'"},
        Case{"enum_valid", iface({{{"@type", "Property"}, {"name", "mode"}, {"schema", {{"@type", "Enum"}, {"valueSchema", "string"},
                                   {"enumValues", {{{"name", "loaded"}, {"enumValue", "L"}}, {{"name", "idle"}, {"enumValue", "I"}}}}}}}}), ""},
        Case{"enum_value_schema", iface({{{"@type", "Property"}, {"name", "mode"}, {"schema", {{"@type", "Enum"}, {"valueSchema", "double"}}}}}),
             "m0.json: /contents/0/schema/valueSchema: dtmi:com:example:Compressor:_contents:__mode:_schema;1: an Enum's valueSchema must be integer or string, got \"double\""},
        Case{"enum_value_type", iface({{{"@type", "Property"}, {"name", "mode"}, {"schema", {{"@type", "Enum"}, {"valueSchema", "integer"},
                                        {"enumValues", {{{"name", "loaded"}, {"enumValue", "L"}}}}}}}}),
             "m0.json: /contents/0/schema/enumValues/0/enumValue: dtmi:com:example:Compressor:_contents:__mode:_schema:_enumValues:__loaded;1: expected an integer (the Enum's valueSchema), got \"L\""},
        Case{"enum_duplicate_value", iface({{{"@type", "Property"}, {"name", "mode"}, {"schema", {{"@type", "Enum"}, {"valueSchema", "integer"},
                                             {"enumValues", {{{"name", "a"}, {"enumValue", 1}}, {{"name", "b"}, {"enumValue", 1}}}}}}}}),
             "m0.json: /contents/0/schema/enumValues/1/enumValue: dtmi:com:example:Compressor:_contents:__mode:_schema:_enumValues:__b;1: duplicate enumValue 1"},
        Case{"map_valid", iface({{{"@type", "Property"}, {"name", "tags"}, {"schema", {{"@type", "Map"}, {"mapKey", {{"name", "k"}, {"schema", "string"}}},
                                  {"mapValue", {{"name", "v"}, {"schema", "double"}}}}}}}), ""},
        Case{"map_key_not_string", iface({{{"@type", "Property"}, {"name", "tags"}, {"schema", {{"@type", "Map"}, {"mapKey", {{"name", "k"}, {"schema", "integer"}}},
                                           {"mapValue", {{"name", "v"}, {"schema", "double"}}}}}}}),
             "m0.json: /contents/0/schema/mapKey/schema: dtmi:com:example:Compressor:_contents:__tags:_schema:_mapKey;1: a MapKey's schema must be string"},
        Case{"object_duplicate_field", iface({{{"@type", "Telemetry"}, {"name", "t"}, {"schema", {{"@type", "Object"},
                                               {"fields", {{{"name", "a"}, {"schema", "double"}}, {{"name", "a"}, {"schema", "long"}}}}}}}}),
             "m0.json: /contents/0/schema/fields/1: dtmi:com:example:Compressor:_contents:__t:_schema:_fields:__a;1: duplicate @id (also at m0.json: /contents/0/schema/fields/0)"},
        Case{"complex_too_deep", iface({{{"@type", "Telemetry"}, {"name", "t"}, {"schema",
            {{"@type", "Array"}, {"elementSchema", {{"@type", "Array"}, {"elementSchema", {{"@type", "Array"}, {"elementSchema",
              {{"@type", "Array"}, {"elementSchema", {{"@type", "Array"}, {"elementSchema", {{"@type", "Array"}, {"elementSchema", "double"}}}}}}}}}}}}}}}),
             "m0.json: /contents/0/schema/elementSchema/elementSchema/elementSchema/elementSchema/elementSchema: dtmi:com:example:Compressor:_contents:__t:_schema:_elementSchema:_elementSchema:_elementSchema:_elementSchema:_elementSchema;1: complex schemas nest deeper than 5 levels"},
        // Interface schemas and references
        Case{"schema_reference", iface({{{"@type", "Telemetry"}, {"name", "t"}, {"schema", "dtmi:com:example:Compressor:vec;1"}}},
                                       {{"schemas", {{{"@id", "dtmi:com:example:Compressor:vec;1"}, {"@type", "Array"}, {"elementSchema", "double"}}}}}), ""},
        Case{"schema_reference_undefined", iface({{{"@type", "Telemetry"}, {"name", "t"}, {"schema", "dtmi:com:example:nope;1"}}}),
             "m0.json: /contents/0/schema: dtmi:com:example:Compressor;1: 'dtmi:com:example:nope;1' is not a schema defined in this Interface's 'schemas'"},
        Case{"schema_self_reference", iface(json::array(), {{"schemas", {{{"@id", "dtmi:com:example:Compressor:node;1"}, {"@type", "Object"},
                                                                        {"fields", {{{"name", "next"}, {"schema", "dtmi:com:example:Compressor:node;1"}}}}}}}}),
             "m0.json: /schemas/0/fields/0/schema: dtmi:com:example:Compressor:node;1: schema 'dtmi:com:example:Compressor:node;1' contains itself"},
        Case{"schemas_entry_without_id", iface(json::array(), {{"schemas", {{{"@type", "Array"}, {"elementSchema", "double"}}}}}),
             "m0.json: /schemas/0: dtmi:com:example:Compressor;1: a schema in an Interface's 'schemas' needs an @id"},
        // Extensions
        Case{"semantic_type_with_extension", iface({{{"@type", {"Telemetry", "Temperature"}}, {"name", "t"}, {"schema", "double"}, {"unit", "degreeCelsius"}}},
                                                   {{"@context", {"dtmi:dtdl:context;3", "dtmi:dtdl:extension:quantitativeTypes;1"}}}), ""},
        Case{"semantic_type_without_extension", iface({{{"@type", {"Telemetry", "Temperature"}}, {"name", "t"}, {"schema", "double"}, {"unit", "degreeCelsius"}}}),
             "m0.json: /contents/0/@type: dtmi:com:example:Compressor:_contents:__t;1: semantic type 'Temperature' needs the QuantitativeTypes extension (\"dtmi:dtdl:extension:quantitativeTypes;1\" in @context)"},
        Case{"semantic_type_wrong_unit", iface({{{"@type", {"Telemetry", "Temperature"}}, {"name", "t"}, {"schema", "double"}, {"unit", "metre"}}},
                                               {{"@context", {"dtmi:dtdl:context;3", "dtmi:dtdl:extension:quantitativeTypes;1"}}}),
             "m0.json: /contents/0/unit: dtmi:com:example:Compressor:_contents:__t;1: 'metre' is not a TemperatureUnit (the unit type of Temperature)"},
        Case{"semantic_type_non_numeric", iface({{{"@type", {"Telemetry", "Temperature"}}, {"name", "t"}, {"schema", "string"}, {"unit", "kelvin"}}},
                                                {{"@context", {"dtmi:dtdl:context;3", "dtmi:dtdl:extension:quantitativeTypes;1"}}}),
             "m0.json: /contents/0/schema: dtmi:com:example:Compressor:_contents:__t;1: an element with semantic type 'Temperature' needs a numeric schema (double, float, integer, long)"},
        Case{"unknown_extension", iface(json::array(), {{"@context", {"dtmi:dtdl:context;3", "dtmi:com:example:myExtension;1"}}}),
             "m0.json: /@context/1: dtmi:com:example:Compressor;1: undefined extension context 'dtmi:com:example:myExtension;1' for DTDL v3 (known: dtmi:dtdl:extension:quantitativeTypes;1, dtmi:dtdl:extension:mqtt;1; --allow-undefined-extensions ignores it)"},
        Case{"mqtt_extension", iface(json::array(), {{"@context", {"dtmi:dtdl:context;3", "dtmi:dtdl:extension:mqtt;1"}}, {"@type", {"Interface", "Mqtt"}},
                                                     {"telemetryTopic", "tb/{senderId}/telemetry"}, {"payloadFormat", "Json/ecma/404"}}), ""},
        Case{"mqtt_bad_topic", iface(json::array(), {{"@context", {"dtmi:dtdl:context;3", "dtmi:dtdl:extension:mqtt;1"}}, {"@type", {"Interface", "Mqtt"}},
                                                     {"telemetryTopic", "tb/+/telemetry"}, {"payloadFormat", "Json/ecma/404"}}),
             "m0.json: /telemetryTopic: dtmi:com:example:Compressor;1: 'tb/+/telemetry' is not an MQTT topic pattern: it has a character not allowed in a label ('+' in '+')"},
        Case{"mqtt_without_payload_format", iface(json::array(), {{"@context", {"dtmi:dtdl:context;3", "dtmi:dtdl:extension:mqtt;1"}}, {"@type", {"Interface", "Mqtt"}}}),
             "m0.json: /: dtmi:com:example:Compressor;1: an Mqtt Interface needs 'payloadFormat'"},
        Case{"v2_document", iface({kTelemetry}, {{"@context", "dtmi:dtdl:context;2"}}), ""},
        // DTDL v2's own rules
        Case{"v2_geospatial_telemetry", iface({{{"@type", "Telemetry"}, {"name", "position"}, {"schema", "point"}}}, kV2), ""},
        Case{"v2_array_in_property", iface({{{"@type", "Property"}, {"name", "codes"}, {"schema", {{"@type", "Array"}, {"elementSchema", "integer"}}}}}, kV2),
             "m0.json: /contents/0/schema: dtmi:com:example:Compressor:_contents:__codes;1: a Property's schema may not contain an Array in DTDL v2"},
        Case{"v3_array_in_property", iface({{{"@type", "Property"}, {"name", "codes"}, {"schema", {{"@type", "Array"}, {"elementSchema", "integer"}}}}}), ""},
        Case{"v2_geospatial_in_property", iface({{{"@type", "Property"}, {"name", "site"}, {"schema", "point"}}}, kV2),
             "m0.json: /contents/0/schema: dtmi:com:example:Compressor:_contents:__site;1: a Property's schema may not contain a geospatial schema (an array) in DTDL v2"},
        Case{"v2_array_in_property_via_schemas",
             iface({{{"@type", "Property"}, {"name", "state"}, {"schema", "dtmi:com:example:State;1"}}},
                   {{"@context", "dtmi:dtdl:context;2"},
                    {"schemas", {{{"@id", "dtmi:com:example:State;1"}, {"@type", "Object"},
                                  {"fields", {{{"name", "codes"}, {"schema", {{"@type", "Array"}, {"elementSchema", "integer"}}}}}}}}}}),
             "m0.json: /contents/0/schema: dtmi:com:example:Compressor:_contents:__state;1: a Property's schema may not contain an Array in DTDL v2 (at /schemas/0/fields/0/schema)"},
        Case{"v2_three_extends", iface(json::array(), {{"@context", "dtmi:dtdl:context;2"}, {"extends", {"dtmi:a:A;1", "dtmi:a:B;1", "dtmi:a:C;1"}}}),
             "m0.json: /extends: dtmi:com:example:Compressor;1: DTDL v2 allows at most 2 Interfaces in extends, got 3"},
        Case{"v2_empty_enum", iface({{{"@type", "Telemetry"}, {"name", "mode"}, {"schema", {{"@type", "Enum"}, {"valueSchema", "string"}, {"enumValues", json::array()}}}}}, kV2),
             "m0.json: /contents/0/schema/enumValues: dtmi:com:example:Compressor:_contents:__mode:_schema;1: DTDL v2 requires at least 1 enumValues in an Enum"},
        Case{"v3_empty_enum", iface({{{"@type", "Telemetry"}, {"name", "mode"}, {"schema", {{"@type", "Enum"}, {"valueSchema", "string"}, {"enumValues", json::array()}}}}}), ""},
        Case{"v2_object_with_31_fields", iface({{{"@type", "Telemetry"}, {"name", "wide"}, {"schema", {{"@type", "Object"}, {"fields", fields(31)}}}}}, kV2),
             "m0.json: /contents/0/schema/fields: dtmi:com:example:Compressor:_contents:__wide:_schema;1: DTDL v2 allows at most 30 fields in an Object, got 31"},
        Case{"v2_max_multiplicity_501", iface({{{"@type", "Relationship"}, {"name", "peers"}, {"maxMultiplicity", 501}}}, kV2),
             "m0.json: /contents/0/maxMultiplicity: dtmi:com:example:Compressor:_contents:__peers;1: maxMultiplicity must be <= 500 in DTDL v2"},
        Case{"v3_max_multiplicity_501", iface({{{"@type", "Relationship"}, {"name", "peers"}, {"maxMultiplicity", 501}}}), ""},
        Case{"v2_min_multiplicity_1", iface({{{"@type", "Relationship"}, {"name", "peers"}, {"minMultiplicity", 1}}}, kV2),
             "m0.json: /contents/0/minMultiplicity: dtmi:com:example:Compressor:_contents:__peers;1: minMultiplicity must be 0"},
        Case{"v2_dtmi_without_version", iface(json::array(), {{"@context", "dtmi:dtdl:context;2"}, {"@id", "dtmi:com:example:Compressor"}}),
             "m0.json: /@id: 'dtmi:com:example:Compressor' is not a valid DTMI: it has no version (DTDL v2 identifiers end in ;<version>)"},
        Case{"v2_two_part_version", iface(json::array(), {{"@context", "dtmi:dtdl:context;2"}, {"@id", "dtmi:com:example:Compressor;1.2"}}),
             "m0.json: /@id: 'dtmi:com:example:Compressor;1.2' is not a valid DTMI: it has a two-part version, which DTDL v2 does not allow"},
        Case{"v3_two_part_version", iface(json::array(), {{"@id", "dtmi:com:example:Compressor;1.2"}}), ""},
        Case{"v2_command_payload", iface({{{"@type", "Command"}, {"name", "reboot"}, {"request", {{"@type", "CommandPayload"}, {"name", "at"}, {"schema", "dateTime"}}}}}, kV2), ""},
        Case{"v2_command_request_type", iface({{{"@type", "Command"}, {"name", "reboot"}, {"request", {{"@type", "CommandRequest"}, {"name", "at"}, {"schema", "dateTime"}}}}}, kV2),
             "m0.json: /contents/0/request/@type: dtmi:com:example:Compressor:_contents:__reboot:_request;1: if given, @type must include \"CommandPayload\""},
        Case{"v3_command_payload_type", iface({{{"@type", "Command"}, {"name", "reboot"}, {"request", {{"@type", "CommandPayload"}, {"name", "at"}, {"schema", "dateTime"}}}}}),
             "m0.json: /contents/0/request/@type: dtmi:com:example:Compressor:_contents:__reboot:_request;1: if given, @type must include \"CommandRequest\""},
        Case{"v2_301_contents", iface(telemetries(301), kV2),
             "m0.json: /: dtmi:com:example:Compressor;1: DTDL v2 allows at most 300 contents, including those imported via extends; got 301"},
        Case{"v3_301_contents", iface(telemetries(301)), ""},
        Case{"v2_native_semantic_type", iface({{{"@type", {"Telemetry", "Power"}}, {"name", "p"}, {"schema", "double"}, {"unit", "kilowatt"}}}, kV2), ""},
        Case{"v2_unit_only_in_quantitative_types", iface({{{"@type", {"Telemetry", "Power"}}, {"name", "p"}, {"schema", "double"}, {"unit", "tonOfRefrigeration"}}}, kV2),
             "m0.json: /contents/0/unit: dtmi:com:example:Compressor:_contents:__p;1: 'tonOfRefrigeration' is not a PowerUnit (the unit type of Power)"},
        Case{"v2_semantic_type_only_in_quantitative_types", iface({{{"@type", {"Telemetry", "Irradiance"}}, {"name", "e"}, {"schema", "double"}, {"unit", "wattPerSquareMetre"}}}, kV2),
             // Irradiance is no v2 term, so an undefined co-type (v2's open world): the unit has no semantic type.
             "m0.json: /contents/0/unit: dtmi:com:example:Compressor:_contents:__e;1: 'unit' needs a semantic type co-typing the Telemetry (e.g. [\"Telemetry\", \"Temperature\"])"},
        Case{"v2_semantic_type_needs_unit", iface({{{"@type", {"Property", "Power"}}, {"name", "p"}, {"schema", "double"}}}, kV2),
             "m0.json: /contents/0: dtmi:com:example:Compressor:_contents:__p;1: DTDL v2 requires a 'unit' with semantic type 'Power'"},
        Case{"v2_semantic_type_on_command_payload",
             iface({{{"@type", "Command"}, {"name", "boost"}, {"request", {{"@type", {"CommandPayload", "Power"}}, {"name", "p"}, {"schema", "double"}, {"unit", "kilowatt"}}}}}, kV2),
             "m0.json: /contents/0/request/@type: dtmi:com:example:Compressor:_contents:__boost:_request;1: 'Power' is not a type a CommandPayload can have"},
        Case{"malformed_json", json("not an interface"), "m0.json: /: expected an Interface (a JSON object), got \"not an interface\""}),
    [](const auto& info) { return std::string(info.param.name); });

// ---- across documents ------------------------------------------------------------------------------

json base_iface(const std::string& id, json contents, json extends = nullptr) {
  json j = {{"@context", "dtmi:dtdl:context;3"}, {"@id", id}, {"@type", "Interface"}, {"contents", contents}};
  if (!extends.is_null()) j["extends"] = extends;
  return j;
}

TEST(DtdlModelSet, ExtendsAcrossFilesInheritsContents) {
  ModelSet set;
  set.add_document(base_iface("dtmi:com:example:Asset;1", {{{"@type", "Property"}, {"name", "serial"}, {"schema", "string"}}}).dump(), "asset.json");
  set.add_document(base_iface("dtmi:com:example:Compressor;1", {kTelemetry}, "dtmi:com:example:Asset;1").dump(), "compressor.json");
  set.resolve();
  ASSERT_TRUE(set.ok()) << set.diagnostics()[0].str();
  const auto all = set.all_contents("dtmi:com:example:Compressor;1");
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0]->name, "serial");
  EXPECT_EQ(all[1]->name, "dischargeTemp");
  EXPECT_EQ(all[1]->schema->primitive, "double");
}

TEST(DtdlModelSet, UndefinedBaseAndCyclesAreReported) {
  EXPECT_EQ(diagnostics_of({base_iface("dtmi:com:example:A;1", json::array(), "dtmi:com:example:Missing;1")}).at(0),
            "m0.json: /extends: dtmi:com:example:A;1: extends 'dtmi:com:example:Missing;1', which is not an Interface of this model set");
  const auto d = diagnostics_of({base_iface("dtmi:com:example:A;1", json::array(), "dtmi:com:example:B;1"),
                                 base_iface("dtmi:com:example:B;1", json::array(), "dtmi:com:example:A;1")});
  ASSERT_FALSE(d.empty());
  EXPECT_EQ(d[0], "m0.json: /extends: dtmi:com:example:A;1: extends cycle: dtmi:com:example:A;1 -> dtmi:com:example:B;1 -> dtmi:com:example:A;1");
}

TEST(DtdlModelSet, ExtendsDepthIsLimitedToTen) {
  std::vector<json> docs;
  for (int i = 0; i <= 11; ++i)
    docs.push_back(base_iface("dtmi:com:example:L" + std::to_string(i) + ";1", json::array(), i < 11 ? json("dtmi:com:example:L" + std::to_string(i + 1) + ";1") : json()));
  const auto d = diagnostics_of(docs);
  ASSERT_FALSE(d.empty());
  EXPECT_EQ(d[0], "m0.json: /extends: dtmi:com:example:L0;1: extends hierarchy is deeper than 10 levels");
}

TEST(DtdlModelSet, InheritedNamesMustNotBeReused) {
  const auto d = diagnostics_of({base_iface("dtmi:com:example:Asset;1", {kTelemetry}),
                                 base_iface("dtmi:com:example:Compressor;1", {kTelemetry}, "dtmi:com:example:Asset;1")});
  ASSERT_FALSE(d.empty());
  EXPECT_EQ(d[0], "m1.json: /contents/0/name: dtmi:com:example:Compressor:_contents:__dischargeTemp;1: name 'dischargeTemp' is already used by "
                  "dtmi:com:example:Asset:_contents:__dischargeTemp;1 (inherited)");
}

TEST(DtdlModelSet, ComponentsResolveAndDoNotNest) {
  const json motor = base_iface("dtmi:com:example:Motor;1", {{{"@type", "Telemetry"}, {"name", "current"}, {"schema", "double"}}});
  const json comp = base_iface("dtmi:com:example:Compressor;1", {{{"@type", "Component"}, {"name", "motor"}, {"schema", "dtmi:com:example:Motor;1"}}});
  EXPECT_TRUE(diagnostics_of({motor, comp}).empty());
  EXPECT_EQ(diagnostics_of({comp}).at(0), "m0.json: /contents/0/schema: dtmi:com:example:Compressor:_contents:__motor;1: Component schema "
                                          "'dtmi:com:example:Motor;1' is not an Interface of this model set");
  const json nesting = base_iface("dtmi:com:example:Plant;1", {{{"@type", "Component"}, {"name", "compressor"}, {"schema", "dtmi:com:example:Compressor;1"}}});
  EXPECT_EQ(diagnostics_of({motor, comp, nesting}).at(0),
            "m2.json: /contents/0/schema: dtmi:com:example:Plant:_contents:__compressor;1: Component schema 'dtmi:com:example:Compressor;1' "
            "contains a Component ('motor'); Components may not nest (DTDL v2 and v3)");
}

TEST(DtdlModelSet, DuplicateInterfacesAcrossFiles) {
  const json a = base_iface("dtmi:com:example:A;1", json::array());
  EXPECT_EQ(diagnostics_of({a, a}).at(0), "m1.json: /: dtmi:com:example:A;1: duplicate @id (also at m0.json: /)");
}

TEST(DtdlModelSet, AllowUndefinedExtensionsRelaxesTheContextCheck) {
  const json j = iface(json::array(), {{"@context", {"dtmi:dtdl:context;3", "dtmi:com:example:myExtension;1"}}});
  EXPECT_FALSE(diagnostics_of({j}).empty());
  EXPECT_TRUE(diagnostics_of({j}, ParseOptions{true}).empty());
}

TEST(DtdlModelSet, ArrayDocumentsAndInlineExtends) {
  const json doc = json::array({base_iface("dtmi:com:example:A;1", json::array()),
                                base_iface("dtmi:com:example:B;1", {kTelemetry},
                                           json::array({base_iface("dtmi:com:example:C;1", {{{"@type", "Property"}, {"name", "p"}, {"schema", "long"}}})}))});
  ModelSet set;
  set.add_document(doc.dump(), "many.json");
  set.resolve();
  ASSERT_TRUE(set.ok()) << set.diagnostics()[0].str();
  EXPECT_EQ(set.interfaces().size(), 3u);
  EXPECT_EQ(set.all_contents("dtmi:com:example:B;1").size(), 2u);
}

TEST(DtdlModelSet, KeepsGoingAfterTheFirstError) {
  const auto d = diagnostics_of({iface({{{"@type", "Telemetry"}, {"name", "a"}, {"schema", "doubel"}},
                                        {{"@type", "Telemetry"}, {"name", "b"}, {"schema", "flaot"}}})});
  EXPECT_EQ(d.size(), 2u) << joined(d);
}

TEST(DtdlModelSet, MalformedJsonAndMissingFiles) {
  ModelSet set;
  set.add_document("{\"@context\": ", "broken.json");
  set.add_path("/nonexistent/twinbench/model.json");
  ASSERT_EQ(set.diagnostics().size(), 2u);
  EXPECT_EQ(set.diagnostics()[0].str().rfind("broken.json: /: malformed JSON: ", 0), 0u) << set.diagnostics()[0].str();
  EXPECT_EQ(set.diagnostics()[1].str(), "/nonexistent/twinbench/model.json: /: no such file");
}

TEST(DtdlModelSet, AutomaticIdentifiersAreAssigned) {
  ModelSet set;
  set.add_document(iface({kTelemetry}).dump(), "m.json");
  set.resolve();
  ASSERT_TRUE(set.ok());
  const Interface* i = set.find("dtmi:com:example:Compressor;1");
  ASSERT_NE(i, nullptr);
  EXPECT_EQ(i->contents.at(0).info.id, "dtmi:com:example:Compressor:_contents:__dischargeTemp;1");
  EXPECT_EQ(i->contents.at(0).info.path, "/contents/0");
}

}  // namespace
}  // namespace twinbench::twins::dtdl
