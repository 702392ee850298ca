// Parsing DTDL documents (DocumentParser.hpp): Interfaces and their contents. The documents' common
// properties (contexts, ids, names, display strings) are in the header; the schemas in ParserSchemas.cpp.

#include "DocumentParser.hpp"

namespace twinbench::twins::dtdl {

void DocumentParser::interface(const json& j, const std::string& path, Context ctx, bool top) {
  // An inline Interface may carry its own @context; the document's applies otherwise. A DTDL v2 Interface
  // cannot take a v3 one inline (v3 Interfaces may use v2 ones, not the other way round).
  if (!top && j.contains("@context")) read_context(j["@context"], path + "/@context", string_or_empty(j, "@id"), ctx);
  if (!top && ctx.version > version_)
    report(path, string_or_empty(j, "@id"), "a DTDL v" + std::to_string(version_) + " Interface cannot hold an inline DTDL v" + std::to_string(ctx.version) + " Interface");
  const Context saved = ctx_;
  const int saved_version = version_;
  ctx_ = ctx;
  version_ = ctx.version;
  const std::size_t elements_before = elements_;
  Interface iface;
  iface.file = file_;
  iface.dtdl_version = ctx.version;
  if (!j.contains("@id")) report(path, "", "missing required property '@id' of Interface");
  iface.info = info(j, path, "", kInterfaceDtmiMaxLength);
  const std::string& id = iface.info.id;
  const auto t = types(j, path, id);
  if (std::find(t.begin(), t.end(), "Interface") == t.end()) report(path + "/@type", id, "@type must be \"Interface\", got " + show((j.contains("@type") ? j["@type"] : json())));
  const bool mqtt = std::find(t.begin(), t.end(), "Mqtt") != t.end();
  for (const auto& extra : t)
    if (extra != "Interface" && !(extra == "Mqtt" && ctx.mqtt))
      report(path + "/@type", id, extra == "Mqtt" ? "co-type 'Mqtt' needs the MQTT extension (\"" + std::string(kMqttV1) + "\" in @context)"
                                                  : "'" + extra + "' is not a type an Interface can have");
  if (mqtt && ctx.mqtt) {
    check_keys(j, path, id, "Interface", {"@context", "contents", "extends", "schemas"}, {"telemetryTopic", "commandTopic", "payloadFormat"});
    if (!j.contains("payloadFormat")) report(path, id, "an Mqtt Interface needs 'payloadFormat'");
    for (const char* k : {"telemetryTopic", "commandTopic", "payloadFormat"}) {
      if (!j.contains(k)) continue;
      if (!j[k].is_string()) report(path + "/" + k, id, "expected a string, got " + show(j[k]));
      else if (auto e = std::string_view(k) != "payloadFormat" ? topic_pattern_error(j[k].get<std::string>()) : std::nullopt)
        report(path + "/" + k, id, "'" + j[k].get<std::string>() + "' is not an MQTT topic pattern: it " + *e);
      else iface.mqtt[k] = j[k].get<std::string>();
    }
  } else {
    check_keys(j, path, id, "Interface", {"@context", "contents", "extends", "schemas"});
  }
  if (j.dump().size() > kInterfaceBytesMax) report(path, id, "the Interface's text is larger than 1 MiB");

  // extends: DTMIs or inline Interfaces.
  const auto bases = extends_list(j, path, id);
  v2_set_size(bases.size(), 0, 2, path + "/extends", id, "Interfaces in extends");
  for (const auto& [e, epath] : bases) {
    if (e->is_string()) {
      const std::string target = e->get<std::string>();
      if (auto err = dtmi_problem(target)) report(epath, id, "'" + target + "' is not a valid DTMI: it " + *err);
      else iface.extends.push_back(target);
    } else if (e->is_object()) {
      interface(*e, epath, ctx, false);
      if (e->contains("@id") && (*e)["@id"].is_string()) iface.extends.push_back((*e)["@id"].get<std::string>());
    } else {
      report(epath, id, "expected an Interface DTMI or an inline Interface, got " + show(*e));
    }
  }
  // schemas: reusable complex schemas, each with an explicit @id.
  for (const auto& [s, spath] : list(j, "schemas", path, id)) {
    if (!s->is_object()) {
      report(spath, id, "expected a complex schema object (Array, Enum, Map or Object), got " + show(*s));
      continue;
    }
    if (!s->contains("@id")) report(spath, id, "a schema in an Interface's 'schemas' needs an @id");
    if (SchemaPtr sc = schema(*s, spath, "", 1); sc && !sc->info.id.empty()) iface.schemas[sc->info.id] = sc;
  }
  // contents
  std::set<std::string> names;
  std::set<std::int64_t> telemetry_indices;
  for (const auto& [c, cpath] : list(j, "contents", path, id)) {
    if (c->is_string()) {  // an element defined elsewhere, by its @id
      if (auto ref = reference<Content>(*c, cpath, id)) iface.contents.push_back(std::move(*ref));
      continue;
    }
    if (!c->is_object()) {
      report(cpath, id, "expected a content element (Telemetry, Property, Command, Relationship or Component, or the @id of one), got " + show(*c));
      continue;
    }
    if (auto content = content_element(*c, cpath, id)) {
      if (!content->name.empty() && !names.insert(content->name).second)
        report(cpath + "/name", content->info.id, "duplicate name '" + content->name + "' in the Interface's contents");
      if (content->kind == ContentKind::telemetry) unique_index(content->info, telemetry_indices, cpath, "Telemetry of this Interface");
      iface.contents.push_back(std::move(*content));
    }
  }
  if (elements_ - elements_before > kElementsMax) report(path, id, "more than 100,000 elements under the Interface's contents");
  if (!id.empty()) set_.interfaces_.insert_or_assign(id, std::move(iface));
  ctx_ = saved;
  version_ = saved_version;
}

std::vector<std::pair<const json*, std::string>> DocumentParser::extends_list(const json& j, const std::string& path, const std::string& dtmi) {
  if (j.contains("extends") && j["extends"].is_string()) return {{&j["extends"], path + "/extends"}};
  return list(j, "extends", path, dtmi);
}

std::optional<Content> DocumentParser::content_element(const json& j, const std::string& path, const std::string& iface_id) {
  static const std::map<std::string, ContentKind, std::less<>> kKinds = {{"Telemetry", ContentKind::telemetry},
                                                                         {"Property", ContentKind::property},
                                                                         {"Command", ContentKind::command},
                                                                         {"Relationship", ContentKind::relationship},
                                                                         {"Component", ContentKind::component}};
  const auto all_types = types(j, path, "");
  std::optional<std::string> base;
  for (const auto& x : all_types)
    if (kKinds.contains(x)) {
      if (base) report(path + "/@type", "", "an element has one of Telemetry, Property, Command, Relationship or Component, not several");
      base = x;
    }
  if (!base) {
    report(path + (j.contains("@type") ? "/@type" : ""), "",
           all_types.empty() ? "missing @type (Telemetry, Property, Command, Relationship or Component)"
                             : "'" + all_types[0] + "' is not a content type (Telemetry, Property, Command, Relationship or Component)");
    return std::nullopt;
  }
  Content c;
  c.kind = kKinds.at(*base);
  const std::string nm = string_or_empty(j, "name");
  c.info = info(j, path, nm.empty() || !j["name"].is_string() ? "" : child_dtmi(iface_id, "contents", nm));
  const std::string& id = c.info.id;
  c.name = name(j, path, id);
  auto t = all_types;
  const auto more = adjuncts(j, t, *base, path, c.info, &c.cache_ttl);
  switch (c.kind) {
    case ContentKind::telemetry:
    case ContentKind::property:
      check_keys(j, path, id, *base, c.kind == ContentKind::property ? std::initializer_list<std::string_view>{"name", "schema", "writable"}
                                                                       : std::initializer_list<std::string_view>{"name", "schema"},
                 {"unit"}, more);
      if (!j.contains("schema")) report(path, id, "missing required property 'schema'");
      else c.schema = schema(j["schema"], path + "/schema", child_dtmi(id, "schema"), 1);
      if (c.kind == ContentKind::property) c.writable = boolean(j, "writable", path, id);
      semantics(j, t, *base, path, c.info, c.schema);
      break;
    case ContentKind::command:
      check_keys(j, path, id, "Command", {"name", "request", "response"}, {}, more);
      only_base_type(t, *base, path, id);
      if (j.contains("request")) c.request = named_part(j, "request", "CommandRequest", path, id, 0, false);
      if (j.contains("response")) c.response = named_part(j, "response", "CommandResponse", path, id, 0, false);
      break;
    case ContentKind::relationship: relationship(j, path, c, t); break;
    case ContentKind::component:
      check_keys(j, path, id, "Component", {"name", "schema"}, {}, more);
      only_base_type(t, *base, path, id);
      if (!j.contains("schema")) report(path, id, "missing required property 'schema'");
      else if (j["schema"].is_string()) {
        c.component_interface = j["schema"].get<std::string>();
        if (auto err = dtmi_problem(c.component_interface)) report(path + "/schema", id, "a Component's schema must be an Interface DTMI: '" + c.component_interface + "' " + *err);
      } else if (j["schema"].is_object()) {
        interface(j["schema"], path + "/schema", ctx_, false);
        c.component_interface = string_or_empty(j["schema"], "@id");
      } else {
        report(path + "/schema", id, "a Component's schema must be an Interface (a DTMI or an inline Interface), got " + show(j["schema"]));
      }
      break;
  }
  define(*base, c);
  return c;
}

std::vector<std::string> DocumentParser::adjuncts(const json& j, std::vector<std::string>& t, const std::string& base, const std::string& path,
                                                  ElementInfo& e, std::string* ttl) {
  static const std::map<std::string, std::vector<std::string>, std::less<>> kAdjuncts = {
      {"Idempotent", {"Command"}}, {"Cacheable", {"Command"}}, {"Indexed", {"Telemetry", "Field", "EnumValue"}}};
  std::vector<std::string> keys;
  for (auto it = t.begin(); it != t.end();) {
    const auto a = kAdjuncts.find(*it);
    if (version_ == 2 || a == kAdjuncts.end()) {
      ++it;
      continue;
    }
    const std::string type = *it;
    it = t.erase(it);
    if (!ctx_.mqtt) {
      report(path + "/@type", e.id, "co-type '" + type + "' needs the MQTT extension (\"" + std::string(kMqttV1) + "\" in @context)");
      continue;
    }
    if (std::find(a->second.begin(), a->second.end(), base) == a->second.end()) {
      report(path + "/@type", e.id, "'" + type + "' is not a type a " + base + " can have");
      continue;
    }
    e.adjunct_types.push_back(type);
    if (type == "Cacheable") {
      keys.emplace_back("ttl");
      if (!j.contains("ttl")) report(path, e.id, "a Command co-typed Cacheable needs 'ttl'");
      else if (!j["ttl"].is_string() || !iso8601_duration(j["ttl"].get<std::string>()))
        report(path + "/ttl", e.id, "expected an ISO 8601 duration such as \"PT15S\", got " + show(j["ttl"]));
      else if (ttl) *ttl = j["ttl"].get<std::string>();
    } else if (type == "Indexed") {
      keys.emplace_back("index");
      if (!j.contains("index")) report(path, e.id, "an element co-typed Indexed needs 'index'");
      else if (!j["index"].is_number_integer() || j["index"].get<std::int64_t>() < 1 || j["index"].get<std::int64_t>() > INT32_MAX)
        report(path + "/index", e.id, "expected an integer >= 1, got " + show(j["index"]));
      else e.index = j["index"].get<std::int64_t>();
    }
  }
  return keys;
}

void DocumentParser::only_base_type(const std::vector<std::string>& t, const std::string& base, const std::string& path, const std::string& id) {
  for (const auto& x : t)
    if (x != base) report(path + "/@type", id, "'" + x + "' is not a type a " + base + " can have");
}

bool DocumentParser::boolean(const json& j, const char* key, const std::string& path, const std::string& id) {
  if (!j.contains(key)) return false;
  if (!j[key].is_boolean()) {
    report(path + "/" + key, id, "expected true or false, got " + show(j[key]));
    return false;
  }
  return j[key].get<bool>();
}

void DocumentParser::relationship(const json& j, const std::string& path, Content& c, const std::vector<std::string>& t) {
  const std::string& id = c.info.id;
  check_keys(j, path, id, "Relationship", {"name", "target", "minMultiplicity", "maxMultiplicity", "properties", "writable"});
  only_base_type(t, "Relationship", path, id);
  c.writable = boolean(j, "writable", path, id);
  if (j.contains("target")) {
    if (!j["target"].is_string()) report(path + "/target", id, "expected an Interface DTMI, got " + show(j["target"]));
    else if (auto err = dtmi_problem(j["target"].get<std::string>())) report(path + "/target", id, "'" + j["target"].get<std::string>() + "' is not a valid DTMI: it " + *err);
    else c.target = j["target"].get<std::string>();
  }
  auto multiplicity = [&](const char* key) -> std::optional<std::int64_t> {
    if (!j.contains(key)) return std::nullopt;
    if (!j[key].is_number_integer()) {
      report(path + "/" + key, id, std::string("expected an integer, got ") + show(j[key]));
      return std::nullopt;
    }
    return j[key].get<std::int64_t>();
  };
  c.min_multiplicity = multiplicity("minMultiplicity");
  c.max_multiplicity = multiplicity("maxMultiplicity");
  if (c.min_multiplicity && *c.min_multiplicity != 0) report(path + "/minMultiplicity", id, "minMultiplicity must be 0");
  if (c.max_multiplicity && *c.max_multiplicity < 1) report(path + "/maxMultiplicity", id, "maxMultiplicity must be >= 1");
  if (c.max_multiplicity && *c.max_multiplicity > 500 && version_ == 2) report(path + "/maxMultiplicity", id, "maxMultiplicity must be <= 500 in DTDL v2");
  if (c.min_multiplicity && c.max_multiplicity && *c.min_multiplicity > *c.max_multiplicity)
    report(path + "/maxMultiplicity", id, "maxMultiplicity must be >= minMultiplicity");
  std::set<std::string> names;
  const auto properties = list(j, "properties", path, id);
  v2_set_size(properties.size(), 0, 300, path + "/properties", id, "properties in a Relationship");
  for (const auto& [p, ppath] : properties) {
    if (p->is_string()) {  // a Property defined elsewhere, by its @id
      if (auto ref = reference<Content>(*p, ppath, id)) c.properties.push_back(std::move(*ref));
      continue;
    }
    if (!p->is_object()) {
      report(ppath, id, "expected a Property object or the @id of one, got " + show(*p));
      continue;
    }
    const auto pt = types(*p, ppath, id);
    if (pt.size() != 1 || pt[0] != "Property") {
      report(ppath + "/@type", id, "a Relationship's properties must be of @type Property");
      continue;
    }
    Content prop;
    prop.kind = ContentKind::property;
    const std::string nm = string_or_empty(*p, "name");
    prop.info = info(*p, ppath, nm.empty() ? "" : child_dtmi(id, "properties", nm));
    check_keys(*p, ppath, prop.info.id, "Property", {"name", "schema", "writable"});
    prop.name = name(*p, ppath, prop.info.id);
    if (!prop.name.empty() && !names.insert(prop.name).second) report(ppath + "/name", prop.info.id, "duplicate property name '" + prop.name + "' in Relationship");
    if (!p->contains("schema")) report(ppath, prop.info.id, "missing required property 'schema'");
    else prop.schema = schema((*p)["schema"], ppath + "/schema", child_dtmi(prop.info.id, "schema"), 1);
    prop.writable = boolean(*p, "writable", ppath, prop.info.id);
    define("Property", prop);
    c.properties.push_back(std::move(prop));
  }
}

void ModelSet::add_document(std::string_view text, const std::string& file) { DocumentParser(*this, file).parse(text); }

void ModelSet::report(std::string file, std::string path, std::string dtmi, std::string message) {
  diagnostics_.push_back({std::move(file), std::move(path), std::move(dtmi), std::move(message)});
}

std::string Diagnostic::str() const { return file + ": " + path + ": " + (dtmi.empty() ? "" : dtmi + ": ") + message; }

}  // namespace twinbench::twins::dtdl
