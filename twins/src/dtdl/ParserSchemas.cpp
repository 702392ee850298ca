// DocumentParser's schemas: primitives, references, Array, Enum, Map and Object, and the named parts
// (Field, MapKey, MapValue, CommandRequest, CommandResponse).

#include "DocumentParser.hpp"

namespace twinbench::twins::dtdl {

SchemaPtr DocumentParser::schema(const json& j, const std::string& path, const std::string& auto_id, int depth) {
  auto s = std::make_shared<Schema>();
  if (j.is_string()) {
    const std::string v = j.get<std::string>();
    if (is_primitive_schema(v) || is_geospatial_schema(v)) {
      s->kind = SchemaKind::primitive;
      s->primitive = v;
    } else if (v.rfind("dtmi:", 0) == 0) {
      if (auto err = dtmi_problem(v)) report(path, auto_id, "'" + v + "' is not a valid DTMI: it " + *err);
      s->kind = SchemaKind::reference;
      s->reference = v;
    } else {
      report(path, auto_id, "'" + v + "' is not a DTDL schema (a primitive such as double or string, a DTMI, or an Array, Enum, Map or Object)");
      return nullptr;
    }
    s->info.path = path;
    return s;
  }
  if (!j.is_object()) {
    report(path, auto_id, "expected a schema (a primitive name, a DTMI or a complex schema object), got " + show(j));
    return nullptr;
  }
  if (depth > kComplexSchemaDepthMax) {
    report(path, auto_id, "complex schemas nest deeper than " + std::to_string(kComplexSchemaDepthMax) + " levels");
    return nullptr;
  }
  const auto t = types(j, path, auto_id);
  if (t.size() != 1) {
    report(path, auto_id, t.empty() ? "a complex schema needs @type Array, Enum, Map or Object" : "a complex schema has exactly one @type");
    return nullptr;
  }
  s->info = info(j, path, auto_id);
  const std::string& id = s->info.id;
  if (t[0] == "Array") {
    s->kind = SchemaKind::array;
    check_keys(j, path, id, "Array", {"elementSchema"});
    if (!j.contains("elementSchema")) report(path, id, "missing required property 'elementSchema'");
    else s->element = schema(j["elementSchema"], path + "/elementSchema", child_dtmi(id, "elementSchema"), depth + 1);
  } else if (t[0] == "Enum") {
    s->kind = SchemaKind::enumeration;
    enumeration(j, path, *s);
  } else if (t[0] == "Map") {
    s->kind = SchemaKind::map;
    check_keys(j, path, id, "Map", {"mapKey", "mapValue"});
    s->map_key = named_part(j, "mapKey", "MapKey", path, id, depth, true);
    s->map_value = named_part(j, "mapValue", "MapValue", path, id, depth, false);
  } else if (t[0] == "Object") {
    s->kind = SchemaKind::object;
    check_keys(j, path, id, "Object", {"fields"});
    std::set<std::string> names;
    std::set<std::int64_t> indices;
    const auto fields = list(j, "fields", path, id);
    v2_set_size(fields.size(), 1, 30, path + "/fields", id, "fields in an Object");
    for (const auto& [f, fpath] : fields) {
      if (f->is_string()) {  // a Field defined elsewhere, by its @id
        if (auto ref = reference<NamedSchema>(*f, fpath, id)) s->fields.push_back(std::move(*ref));
        continue;
      }
      if (!f->is_object()) {
        report(fpath, id, "expected a Field object or the @id of one, got " + show(*f));
        continue;
      }
      NamedSchema field = named(*f, fpath, "Field", id, "fields", depth);
      if (!field.name.empty() && !names.insert(field.name).second) report(fpath + "/name", field.info.id, "duplicate field name '" + field.name + "' in Object");
      unique_index(field.info, indices, fpath, "Field of this Object");
      s->fields.push_back(std::move(field));
    }
  } else {
    report(path + "/@type", id, "'" + t[0] + "' is not a complex schema type (Array, Enum, Map, Object)");
    return nullptr;
  }
  return s;
}

void DocumentParser::enumeration(const json& j, const std::string& path, Schema& s) {
  const std::string& id = s.info.id;
  check_keys(j, path, id, "Enum", {"valueSchema", "enumValues"});
  if (!j.contains("valueSchema")) report(path, id, "missing required property 'valueSchema'");
  else if (!j["valueSchema"].is_string() || (j["valueSchema"] != "integer" && j["valueSchema"] != "string"))
    report(path + "/valueSchema", id, "an Enum's valueSchema must be integer or string, got " + show(j["valueSchema"]));
  else s.value_schema = j["valueSchema"].get<std::string>();
  std::set<std::string> names;
  std::set<std::string> values;
  std::set<std::int64_t> indices;
  const auto values_list = list(j, "enumValues", path, id);
  v2_set_size(values_list.size(), 1, 100, path + "/enumValues", id, "enumValues in an Enum");
  for (const auto& [v, vpath] : values_list) {
    if (v->is_string()) {  // an EnumValue defined elsewhere, by its @id
      if (auto ref = reference<EnumValue>(*v, vpath, id)) s.enum_values.push_back(std::move(*ref));
      continue;
    }
    if (!v->is_object()) {
      report(vpath, id, "expected an EnumValue object or the @id of one, got " + show(*v));
      continue;
    }
    EnumValue ev;
    const std::string nm = string_or_empty(*v, "name");
    ev.info = info(*v, vpath, nm.empty() ? "" : child_dtmi(id, "enumValues", nm));
    auto t = types(*v, vpath, ev.info.id);
    const auto more = adjuncts(*v, t, "EnumValue", vpath, ev.info);
    if (!t.empty() && (t.size() != 1 || t[0] != "EnumValue")) report(vpath + "/@type", ev.info.id, "if given, @type must be \"EnumValue\"");
    check_keys(*v, vpath, ev.info.id, "EnumValue", {"name", "enumValue"}, {}, more);
    unique_index(ev.info, indices, vpath, "EnumValue of this Enum");
    ev.name = name(*v, vpath, ev.info.id);
    if (!ev.name.empty() && !names.insert(ev.name).second) report(vpath + "/name", ev.info.id, "duplicate enumValue name '" + ev.name + "'");
    if (!v->contains("enumValue")) {
      report(vpath, ev.info.id, "missing required property 'enumValue'");
    } else {
      const json& val = (*v)["enumValue"];
      const bool is_int = val.is_number_integer() && val.get<std::int64_t>() >= INT32_MIN && val.get<std::int64_t>() <= INT32_MAX;
      if (s.value_schema == "integer" && !is_int) report(vpath + "/enumValue", ev.info.id, "expected an integer (the Enum's valueSchema), got " + show(val));
      else if (s.value_schema == "string" && !val.is_string()) report(vpath + "/enumValue", ev.info.id, "expected a string (the Enum's valueSchema), got " + show(val));
      else if (!values.insert(val.dump()).second) report(vpath + "/enumValue", ev.info.id, "duplicate enumValue " + show(val));
      if (is_int) ev.value = val.get<std::int64_t>();
      else if (val.is_string()) ev.value = val.get<std::string>();
    }
    define("EnumValue", ev);
    s.enum_values.push_back(std::move(ev));
  }
}

NamedSchema DocumentParser::named(const json& j, const std::string& path, const std::string& what, const std::string& parent_id, const std::string& property,
                  int depth, bool plural) {
  NamedSchema n;
  const std::string nm = string_or_empty(j, "name");
  const std::string auto_id = plural ? (nm.empty() ? "" : child_dtmi(parent_id, property, nm)) : child_dtmi(parent_id, property);
  n.info = info(j, path, auto_id);
  auto t = types(j, path, n.info.id);
  // v2 calls a command's request and response CommandPayload; v3 CommandRequest and CommandResponse.
  const bool command_part = what == "CommandRequest" || what == "CommandResponse";
  const std::string type = command_part && version_ == 2 ? "CommandPayload" : what;
  if (!t.empty() && std::find(t.begin(), t.end(), type) == t.end()) report(path + "/@type", n.info.id, "if given, @type must include \"" + type + "\"");
  const auto more = adjuncts(j, t, type, path, n.info);
  check_keys(j, path, n.info.id, what, {"name", "schema"}, {"unit"}, more);
  n.name = name(j, path, n.info.id);
  if (!j.contains("schema")) report(path, n.info.id, "missing required property 'schema'");
  else n.schema = schema(j["schema"], path + "/schema", child_dtmi(n.info.id, "schema"), depth + 1);
  semantics(j, t, type, path, n.info, n.schema);
  define(type, n);
  return n;
}

NamedSchema DocumentParser::named_part(const json& j, const std::string& key, const std::string& what, const std::string& path, const std::string& parent_id,
                       int depth, bool key_part) {
  if (!j.contains(key)) {
    report(path, parent_id, "missing required property '" + key + "'");
    return {};
  }
  if (j[key].is_string()) {  // defined elsewhere, by its @id
    auto ref = reference<NamedSchema>(j[key], path + "/" + key, parent_id);
    return ref ? *ref : NamedSchema{};
  }
  if (!j[key].is_object()) {
    report(path + "/" + key, parent_id, "expected a " + what + " object or the @id of one, got " + show(j[key]));
    return {};
  }
  NamedSchema n = named(j[key], path + "/" + key, what, parent_id, key, depth, false);
  if (key_part && n.schema && !(n.schema->kind == SchemaKind::primitive && n.schema->primitive == "string"))
    report(path + "/" + key + "/schema", n.info.id, "a MapKey's schema must be string");
  return n;
}

}  // namespace twinbench::twins::dtdl
