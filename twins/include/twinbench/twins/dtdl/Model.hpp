#pragma once
// The DTDL v3 model as parsed: Interfaces with their contents and schemas. Plain values; complex schemas
// are shared (an Interface's reusable `schemas` may be referenced from many places).

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace twinbench::twins::dtdl {

/// A localizable string: language tag -> text. A plain JSON string is stored under "en", the default language.
using LocalizedText = std::map<std::string, std::string>;

enum class SchemaKind : std::uint8_t { primitive, array, enumeration, map, object, reference };

struct Schema;
using SchemaPtr = std::shared_ptr<Schema>;

/** Common parts of every model element. */
struct ElementInfo {
  std::string id;    ///< explicit @id, or the automatically assigned one
  std::string path;  ///< JSON pointer in its file
  LocalizedText display_name, description;
  std::string comment;
  std::vector<std::string> semantic_types;  ///< co-types (QuantitativeTypes extension), e.g. "Temperature"
  std::string unit;                         ///< with a semantic type, e.g. "degreeCelsius"
  std::vector<std::string> adjunct_types;   ///< co-types of the MQTT extension: Idempotent, Cacheable, Indexed
  std::optional<std::int64_t> index;        ///< Indexed: the element's index among its siblings
  /// Set while the element was given as a DTMI naming an element defined elsewhere in the model set;
  /// ModelSet::resolve() replaces it by that element.
  std::string reference;
};

/** A Field, MapKey, MapValue, CommandRequest or CommandResponse: a name with a schema. */
struct NamedSchema {
  ElementInfo info;
  std::string name;
  SchemaPtr schema;
};

struct EnumValue {
  ElementInfo info;
  std::string name;
  std::variant<std::int64_t, std::string> value;
};

struct Schema {
  SchemaKind kind{};
  ElementInfo info;
  std::string primitive;                 ///< primitive: boolean, date, dateTime, double, ..., or a geospatial term
  std::string reference;                 ///< reference: the DTMI of a reusable complex schema
  SchemaPtr element;                     ///< array
  std::string value_schema;              ///< enumeration: "integer" or "string"
  std::vector<EnumValue> enum_values;    ///< enumeration
  NamedSchema map_key, map_value;        ///< map
  std::vector<NamedSchema> fields;       ///< object
};

enum class ContentKind : std::uint8_t { telemetry, property, command, relationship, component };

struct Content {
  ContentKind kind{};
  ElementInfo info;
  std::string name;
  SchemaPtr schema;                                   ///< telemetry, property
  bool writable = false;                              ///< property, relationship
  std::optional<NamedSchema> request, response;       ///< command
  std::string target;                                 ///< relationship (may be empty: any Interface)
  std::optional<std::int64_t> min_multiplicity, max_multiplicity;  ///< relationship
  std::vector<Content> properties;                    ///< relationship
  std::string component_interface;                    ///< component: the Interface's DTMI
  std::string cache_ttl;                              ///< command co-typed Cacheable: ISO 8601 duration
};

struct Interface {
  ElementInfo info;
  std::string file;
  int dtdl_version = 3;
  std::vector<std::string> extends;                     ///< DTMIs
  std::vector<Content> contents;                        ///< its own, not the inherited ones
  std::map<std::string, SchemaPtr, std::less<>> schemas;  ///< reusable complex schemas by @id
  std::map<std::string, std::string, std::less<>> mqtt;   ///< Mqtt extension co-type: telemetryTopic, commandTopic, payloadFormat
};

}  // namespace twinbench::twins::dtdl
