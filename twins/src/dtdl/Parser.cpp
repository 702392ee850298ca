// Parsing one DTDL document into Interfaces, checking every rule that needs no other document.
// Rules that cross documents (references, extends, cycles) are in Resolver.cpp.

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <set>

#include "Context.hpp"
#include "JsonLd.hpp"
#include "JsonText.hpp"
#include "QuantitativeTypes.hpp"
#include "twinbench/twins/dtdl/Dtmi.hpp"
#include "twinbench/twins/dtdl/ModelSet.hpp"
#include "twinbench/twins/dtdl/Terms.hpp"
#include "twinbench/twins/dtdl/Topics.hpp"

namespace twinbench::twins::dtdl {

using nlohmann::json;

namespace {

constexpr std::size_t kStringMax = 512;
constexpr int kComplexSchemaDepthMax = 5;
constexpr std::size_t kInterfaceBytesMax = 1u << 20;
constexpr std::size_t kElementsMax = 100'000;

/** `j[key]` if it is a string, else "" (json::value would throw on a value of another type). */
std::string string_or_empty(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::string show(const json& v) { return show_json(v); }

}  // namespace

class DocumentParser {
public:
  DocumentParser(ModelSet& set, std::string file) : set_(set), file_(std::move(file)) {}

  void parse(std::string_view text) {
    json doc;
    try {
      doc = json::parse(text);
    } catch (const json::exception& e) {  // parse_error, and out_of_range for numbers beyond double
      report("/", "", std::string("malformed JSON: ") + e.what());
      return;
    }
    if (doc.is_array()) {
      for (std::size_t i = 0; i < doc.size(); ++i) top_level(doc[i], "/" + std::to_string(i));
    } else {
      top_level(doc, "");
    }
  }

private:
  void report(const std::string& path, const std::string& dtmi, const std::string& message) {
    set_.report(file_, path.empty() ? "/" : path, dtmi, message);
  }

  // ---- contexts and common properties ----

  void top_level(const json& j, const std::string& path) {
    if (!j.is_object()) return report(path, "", "expected an Interface (a JSON object), got " + show(j));
    if (!j.contains("@context")) return report(path, string_or_empty(j, "@id"), "missing @context: a DTDL document must say its version (\"" + std::string(kContextV3) + "\")");
    Context ctx;
    const std::string id = string_or_empty(j, "@id");
    if (!read_context(j["@context"], path + "/@context", id, ctx)) return;
    // JSON-LD's longer forms, rewritten to DTDL's compact one (JsonLd.hpp). A form that cannot be rewritten
    // is the document's first problem: parsing on would only report it again in other words.
    json doc = j;
    bool compacted = true;
    compact(doc, ctx.version, path, [&](const std::string& at, const std::string& message) {
      report(at, id, message);
      compacted = false;
    });
    if (compacted) interface(doc, path, ctx, true);
  }

  bool read_context(const json& c, const std::string& path, const std::string& dtmi, Context& ctx) {
    return dtdl::read_context(c, set_.options_.allow_undefined_extensions, ctx,
                              [&](const std::string& sub, const std::string& message) { report(path + sub, dtmi, message); });
  }

  /** @type as a list of strings (empty, with a diagnostic, if malformed). */
  std::vector<std::string> types(const json& j, const std::string& path, const std::string& dtmi) {
    std::vector<std::string> out;
    if (!j.contains("@type")) return out;
    const json& t = j["@type"];
    if (t.is_string()) out.push_back(t.get<std::string>());
    else if (t.is_array() && !t.empty() && std::all_of(t.begin(), t.end(), [](const json& e) { return e.is_string(); }))
      for (const auto& e : t) out.push_back(e.get<std::string>());
    else report(path + "/@type", dtmi, "expected a type name or a list of them, got " + show(t));
    return out;
  }

  void check_keys(const json& j, const std::string& path, const std::string& dtmi, const std::string& what,
                  std::initializer_list<std::string_view> allowed, std::initializer_list<std::string_view> extra = {}) {
    static constexpr std::array<std::string_view, 5> kCommon = {"@id", "@type", "comment", "description", "displayName"};
    for (const auto& item : j.items()) {
      const std::string& key = item.key();
      const auto is = [&](auto list) { return std::find(list.begin(), list.end(), key) != list.end(); };
      if (is(kCommon) || is(allowed) || is(extra)) continue;
      report(path + "/" + key, dtmi, "'" + key + "' is not a property of " + what);
    }
  }

  LocalizedText localized(const json& j, const std::string& key, const std::string& path, const std::string& dtmi) {
    LocalizedText out;
    if (!j.contains(key)) return out;
    const json& v = j[key];
    const std::string p = path + "/" + key;
    const std::size_t max = version_ == 2 && key == "displayName" ? 64 : kStringMax;  // v2's displayName: 64
    auto check_len = [&](const std::string& s, const std::string& where) {
      if (s.size() > max) report(where, dtmi, key + " is longer than " + std::to_string(max) + " characters");
    };
    if (v.is_string()) {
      out["en"] = v.get<std::string>();
      check_len(out["en"], p);
    } else if (v.is_object()) {
      for (const auto& [lang, text] : v.items()) {
        if (!valid_language_tag(lang)) report(p + "/" + lang, dtmi, "'" + lang + "' is not a language tag (BCP 47, its language an ISO 639 code)");
        else if (!text.is_string()) report(p + "/" + lang, dtmi, "expected a string, got " + show(text));
        else {
          out[lang] = text.get<std::string>();
          check_len(out[lang], p + "/" + lang);
        }
      }
    } else {
      report(p, dtmi, "expected a string or a language map, got " + show(v));
    }
    return out;
  }

  /**
   * The common part of an element: its @id (explicit, or assigned from `auto_id`), display strings and
   * comment. `id_max` bounds an explicit @id.
   */
  ElementInfo info(const json& j, const std::string& path, const std::string& auto_id, std::size_t id_max = kUserDtmiMaxLength) {
    ElementInfo e;
    e.path = path.empty() ? "/" : path;
    e.id = auto_id;
    if (j.contains("@id")) {
      const json& id = j["@id"];
      if (!id.is_string()) {
        report(path + "/@id", auto_id, "expected a DTMI string, got " + show(id));
      } else if (auto err = dtmi_problem(id.get<std::string>(), id_max)) {
        report(path + "/@id", auto_id, "'" + id.get<std::string>() + "' is not a valid DTMI: it " + *err);
      } else if (dtmi_reserved(id.get<std::string>())) {
        report(path + "/@id", id.get<std::string>(), "identifiers under dtmi:dtdl: and dtmi:standard: are reserved by DTDL");
      } else {
        e.id = id.get<std::string>();
      }
    }
    if (!e.id.empty()) register_id(e.id, e.path);
    e.display_name = localized(j, "displayName", path, e.id);
    e.description = localized(j, "description", path, e.id);
    if (j.contains("comment")) {
      if (!j["comment"].is_string()) report(path + "/comment", e.id, "expected a string, got " + show(j["comment"]));
      else if ((e.comment = j["comment"].get<std::string>()).size() > kStringMax) report(path + "/comment", e.id, "comment is longer than 512 characters");
    }
    ++elements_;
    return e;
  }

  void register_id(const std::string& id, const std::string& path) {
    auto [it, fresh] = set_.ids_.emplace(id, file_ + ": " + path);
    if (!fresh) report(path, id, "duplicate @id (also at " + it->second + ")");
  }

  std::string name(const json& j, const std::string& path, const std::string& dtmi) {
    if (!j.contains("name")) {
      report(path, dtmi, "missing required property 'name'");
      return "";
    }
    const json& n = j["name"];
    if (!n.is_string()) {
      report(path + "/name", dtmi, "expected a string, got " + show(n));
      return "";
    }
    const std::string s = n.get<std::string>();
    const std::size_t max = version_ == 2 ? 64 : kStringMax;
    if (!valid_name(s) || s.size() > max)
      report(path + "/name", dtmi, "'" + s + "' is not a valid name: letters, digits and '_', starting with a letter, not ending with '_', at most " + std::to_string(max) + " characters");
    return s;
  }

  /** The element's semantic co-types and unit (QuantitativeTypes); `base` is the element's own type. */
  void semantics(const json& j, const std::vector<std::string>& type_list, const std::string& base, const std::string& path, ElementInfo& e,
                 const SchemaPtr& schema) {
    std::optional<std::string> unit;
    if (j.contains("unit")) unit = j["unit"].is_string() ? j["unit"].get<std::string>() : j["unit"].dump();
    check_semantic_types(version_, type_list, base, unit, j.contains("unit") && !j["unit"].is_string(), schema.get(), version_ == 2 || ctx_.quantitative, e,
                         [&](const std::string& key, const std::string& message) { report(path + (key.empty() ? "" : "/" + key), e.id, message); });
  }

  // ---- schemas ----

  SchemaPtr schema(const json& j, const std::string& path, const std::string& auto_id, int depth) {
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
      const auto fields = list(j, "fields", path, id);
      v2_set_size(fields.size(), 1, 30, path + "/fields", id, "fields in an Object");
      for (const auto& [f, fpath] : fields) {
        if (!f->is_object()) {
          report(fpath, id, "expected a Field object, got " + show(*f));
          continue;
        }
        NamedSchema field = named(*f, fpath, "Field", id, "fields", depth);
        if (!field.name.empty() && !names.insert(field.name).second) report(fpath + "/name", field.info.id, "duplicate field name '" + field.name + "' in Object");
        s->fields.push_back(std::move(field));
      }
    } else {
      report(path + "/@type", id, "'" + t[0] + "' is not a complex schema type (Array, Enum, Map, Object)");
      return nullptr;
    }
    return s;
  }

  void enumeration(const json& j, const std::string& path, Schema& s) {
    const std::string& id = s.info.id;
    check_keys(j, path, id, "Enum", {"valueSchema", "enumValues"});
    if (!j.contains("valueSchema")) report(path, id, "missing required property 'valueSchema'");
    else if (!j["valueSchema"].is_string() || (j["valueSchema"] != "integer" && j["valueSchema"] != "string"))
      report(path + "/valueSchema", id, "an Enum's valueSchema must be integer or string, got " + show(j["valueSchema"]));
    else s.value_schema = j["valueSchema"].get<std::string>();
    std::set<std::string> names;
    std::set<std::string> values;
    const auto values_list = list(j, "enumValues", path, id);
    v2_set_size(values_list.size(), 1, 100, path + "/enumValues", id, "enumValues in an Enum");
    for (const auto& [v, vpath] : values_list) {
      if (!v->is_object()) {
        report(vpath, id, "expected an EnumValue object, got " + show(*v));
        continue;
      }
      EnumValue ev;
      const std::string nm = string_or_empty(*v, "name");
      ev.info = info(*v, vpath, nm.empty() ? "" : child_dtmi(id, "enumValues", nm));
      check_optional_type(*v, vpath, ev.info.id, "EnumValue");
      check_keys(*v, vpath, ev.info.id, "EnumValue", {"name", "enumValue"});
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
      s.enum_values.push_back(std::move(ev));
    }
  }

  /** An element that is a name plus a schema: Field, MapValue, CommandRequest, CommandResponse. */
  NamedSchema named(const json& j, const std::string& path, const std::string& what, const std::string& parent_id, const std::string& property,
                    int depth, bool plural = true) {
    NamedSchema n;
    const std::string nm = string_or_empty(j, "name");
    const std::string auto_id = plural ? (nm.empty() ? "" : child_dtmi(parent_id, property, nm)) : child_dtmi(parent_id, property);
    n.info = info(j, path, auto_id);
    const auto t = types(j, path, n.info.id);
    // v2 calls a command's request and response CommandPayload; v3 CommandRequest and CommandResponse.
    const bool command_part = what == "CommandRequest" || what == "CommandResponse";
    const std::string type = command_part && version_ == 2 ? "CommandPayload" : what;
    if (!t.empty() && std::find(t.begin(), t.end(), type) == t.end()) report(path + "/@type", n.info.id, "if given, @type must include \"" + type + "\"");
    check_keys(j, path, n.info.id, what, {"name", "schema"}, {"unit"});
    n.name = name(j, path, n.info.id);
    if (!j.contains("schema")) report(path, n.info.id, "missing required property 'schema'");
    else n.schema = schema(j["schema"], path + "/schema", child_dtmi(n.info.id, "schema"), depth + 1);
    semantics(j, t, type, path, n.info, n.schema);
    return n;
  }

  NamedSchema named_part(const json& j, const std::string& key, const std::string& what, const std::string& path, const std::string& parent_id,
                         int depth, bool key_part) {
    if (!j.contains(key)) {
      report(path, parent_id, "missing required property '" + key + "'");
      return {};
    }
    if (!j[key].is_object()) {
      report(path + "/" + key, parent_id, "expected a " + what + " object, got " + show(j[key]));
      return {};
    }
    NamedSchema n = named(j[key], path + "/" + key, what, parent_id, key, depth, false);
    if (key_part && n.schema && !(n.schema->kind == SchemaKind::primitive && n.schema->primitive == "string"))
      report(path + "/" + key + "/schema", n.info.id, "a MapKey's schema must be string");
    return n;
  }

  /** dtmi_error, plus DTDL v2's rule that every DTMI ends in a one-part version. */
  std::optional<std::string> dtmi_problem(std::string_view s, std::size_t max_length = kUserDtmiMaxLength) const {
    if (auto err = dtmi_error(s, true, max_length)) return err;
    if (version_ != 2) return std::nullopt;
    const auto semi = s.find(';');
    if (semi == std::string_view::npos) return "has no version (DTDL v2 identifiers end in ;<version>)";
    if (s.find('.', semi) != std::string_view::npos) return "has a two-part version, which DTDL v2 does not allow";
    return std::nullopt;
  }

  /** DTDL v2's bounds on set sizes (v3 replaced them by its limit on elements). */
  void v2_set_size(std::size_t n, std::size_t min, std::size_t max, const std::string& path, const std::string& id, const std::string& what) {
    if (version_ != 2) return;
    if (n < min) report(path, id, "DTDL v2 requires at least " + std::to_string(min) + " " + what);
    else if (n > max) report(path, id, "DTDL v2 allows at most " + std::to_string(max) + " " + what + ", got " + std::to_string(n));
  }

  void check_optional_type(const json& j, const std::string& path, const std::string& dtmi, const std::string& what) {
    const auto t = types(j, path, dtmi);
    if (!t.empty() && (t.size() != 1 || t[0] != what)) report(path + "/@type", dtmi, "if given, @type must be \"" + what + "\"");
  }

  /** Elements of an array property (a single object counts as a one-element set, as in JSON-LD). */
  std::vector<std::pair<const json*, std::string>> list(const json& j, const std::string& key, const std::string& path, const std::string& dtmi) {
    std::vector<std::pair<const json*, std::string>> out;
    if (!j.contains(key)) return out;
    const json& v = j[key];
    if (v.is_array()) {
      for (std::size_t i = 0; i < v.size(); ++i) out.emplace_back(&v[i], path + "/" + key + "/" + std::to_string(i));
    } else if (v.is_object()) {
      out.emplace_back(&v, path + "/" + key);
    } else {
      report(path + "/" + key, dtmi, "expected a list, got " + show(v));
    }
    return out;
  }

  // ---- interfaces and contents ----

  void interface(const json& j, const std::string& path, Context ctx, bool top) {
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
    for (const auto& [c, cpath] : list(j, "contents", path, id)) {
      if (!c->is_object()) {
        report(cpath, id, "expected a content element (Telemetry, Property, Command, Relationship or Component), got " + show(*c));
        continue;
      }
      if (auto content = content_element(*c, cpath, id)) {
        if (!content->name.empty() && !names.insert(content->name).second)
          report(cpath + "/name", content->info.id, "duplicate name '" + content->name + "' in the Interface's contents");
        iface.contents.push_back(std::move(*content));
      }
    }
    if (elements_ - elements_before > kElementsMax) report(path, id, "more than 100,000 elements under the Interface's contents");
    if (!id.empty()) set_.interfaces_.insert_or_assign(id, std::move(iface));
    ctx_ = saved;
    version_ = saved_version;
  }

  std::vector<std::pair<const json*, std::string>> extends_list(const json& j, const std::string& path, const std::string& dtmi) {
    if (j.contains("extends") && j["extends"].is_string()) return {{&j["extends"], path + "/extends"}};
    return list(j, "extends", path, dtmi);
  }

  std::optional<Content> content_element(const json& j, const std::string& path, const std::string& iface_id) {
    static const std::map<std::string, ContentKind, std::less<>> kKinds = {{"Telemetry", ContentKind::telemetry},
                                                                           {"Property", ContentKind::property},
                                                                           {"Command", ContentKind::command},
                                                                           {"Relationship", ContentKind::relationship},
                                                                           {"Component", ContentKind::component}};
    const auto t = types(j, path, "");
    std::optional<std::string> base;
    for (const auto& x : t)
      if (kKinds.contains(x)) {
        if (base) report(path + "/@type", "", "an element has one of Telemetry, Property, Command, Relationship or Component, not several");
        base = x;
      }
    if (!base) {
      report(path + (j.contains("@type") ? "/@type" : ""), "",
             t.empty() ? "missing @type (Telemetry, Property, Command, Relationship or Component)"
                       : "'" + t[0] + "' is not a content type (Telemetry, Property, Command, Relationship or Component)");
      return std::nullopt;
    }
    Content c;
    c.kind = kKinds.at(*base);
    const std::string nm = string_or_empty(j, "name");
    c.info = info(j, path, nm.empty() || !j["name"].is_string() ? "" : child_dtmi(iface_id, "contents", nm));
    const std::string& id = c.info.id;
    c.name = name(j, path, id);
    switch (c.kind) {
      case ContentKind::telemetry:
      case ContentKind::property:
        check_keys(j, path, id, *base, c.kind == ContentKind::property ? std::initializer_list<std::string_view>{"name", "schema", "writable"}
                                                                         : std::initializer_list<std::string_view>{"name", "schema"},
                   {"unit"});
        if (!j.contains("schema")) report(path, id, "missing required property 'schema'");
        else c.schema = schema(j["schema"], path + "/schema", child_dtmi(id, "schema"), 1);
        if (c.kind == ContentKind::property) c.writable = boolean(j, "writable", path, id);
        semantics(j, t, *base, path, c.info, c.schema);
        break;
      case ContentKind::command:
        check_keys(j, path, id, "Command", {"name", "request", "response"});
        only_base_type(t, *base, path, id);
        if (j.contains("request")) c.request = named_part(j, "request", "CommandRequest", path, id, 0, false);
        if (j.contains("response")) c.response = named_part(j, "response", "CommandResponse", path, id, 0, false);
        break;
      case ContentKind::relationship: relationship(j, path, c, t); break;
      case ContentKind::component:
        check_keys(j, path, id, "Component", {"name", "schema"});
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
    return c;
  }

  void only_base_type(const std::vector<std::string>& t, const std::string& base, const std::string& path, const std::string& id) {
    for (const auto& x : t)
      if (x != base) report(path + "/@type", id, "'" + x + "' is not a type a " + base + " can have");
  }

  bool boolean(const json& j, const char* key, const std::string& path, const std::string& id) {
    if (!j.contains(key)) return false;
    if (!j[key].is_boolean()) {
      report(path + "/" + key, id, "expected true or false, got " + show(j[key]));
      return false;
    }
    return j[key].get<bool>();
  }

  void relationship(const json& j, const std::string& path, Content& c, const std::vector<std::string>& t) {
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
      if (!p->is_object()) {
        report(ppath, id, "expected a Property object, got " + show(*p));
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
      c.properties.push_back(std::move(prop));
    }
  }

  ModelSet& set_;
  std::string file_;
  Context ctx_;
  int version_ = 3;
  std::size_t elements_ = 0;
};

void ModelSet::add_document(std::string_view text, const std::string& file) { DocumentParser(*this, file).parse(text); }

void ModelSet::report(std::string file, std::string path, std::string dtmi, std::string message) {
  diagnostics_.push_back({std::move(file), std::move(path), std::move(dtmi), std::move(message)});
}

std::string Diagnostic::str() const { return file + ": " + path + ": " + (dtmi.empty() ? "" : dtmi + ": ") + message; }

}  // namespace twinbench::twins::dtdl
