#pragma once
// DocumentParser: one DTDL document into Interfaces, checking every rule that needs no other document.
// Here: documents and the common properties (contexts, ids, names, display strings); Parser.cpp: Interfaces
// and their contents; ParserSchemas.cpp: schemas.
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

// Shared by the parser's files.

inline constexpr std::size_t kStringMax = 512;
inline constexpr int kComplexSchemaDepthMax = 5;
inline constexpr std::size_t kInterfaceBytesMax = 1u << 20;
inline constexpr std::size_t kElementsMax = 100'000;

/** `j[key]` if it is a string, else "" (json::value would throw on a value of another type). */
inline std::string string_or_empty(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

inline std::string show(const json& v) { return show_json(v); }

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

  /** @type as a list of strings (empty, with a diagnostic, if malformed), without undefined co-types. */
  std::vector<std::string> types(const json& j, const std::string& path, const std::string& dtmi) {
    std::vector<std::string> out = raw_types(j);
    if (out.empty() && j.contains("@type")) report(path + "/@type", dtmi, "expected a type name or a list of them, got " + show(j["@type"]));
    if (has_undefined_cotype(j)) std::erase_if(out, [&](const std::string& t) { return !defined_type(t); });
    return out;
  }

  static std::vector<std::string> raw_types(const json& j) {
    std::vector<std::string> out;
    const auto t = j.find("@type");
    if (t == j.end()) return out;
    if (t->is_string()) out.push_back(t->get<std::string>());
    else if (t->is_array() && std::all_of(t->begin(), t->end(), [](const json& e) { return e.is_string(); }))
      for (const auto& e : *t) out.push_back(e.get<std::string>());
    return out;
  }

  /**
   * DTDL's open world: an element with a type the language defines may have co-types it does not define,
   * and then properties it does not define (DTDL v2 always; v3 only below an @context naming an extension
   * this parser does not know, which --allow-undefined-extensions admits).
   */
  bool has_undefined_cotype(const json& j) const {
    if (version_ != 2 && !ctx_.undefined_extension) return false;
    const auto t = raw_types(j);
    return std::any_of(t.begin(), t.end(), [&](const std::string& x) { return defined_type(x); }) &&
           std::any_of(t.begin(), t.end(), [&](const std::string& x) { return !defined_type(x); });
  }

  /** A type the DTDL version (with its standard extensions) defines. */
  bool defined_type(std::string_view t) const {
    static constexpr std::array<std::string_view, 16> kClasses = {"Interface", "Telemetry", "Property", "Command", "Relationship", "Component",
                                                                  "Array",     "Enum",      "EnumValue", "Map",   "MapKey",       "MapValue",
                                                                  "Object",    "Field",     "Unit",      "UnitAttribute"};
    static constexpr std::array<std::string_view, 6> kV3 = {"CommandRequest", "CommandResponse", "Mqtt", "Idempotent", "Cacheable", "Indexed"};
    const auto in = [&](const auto& list) { return std::find(list.begin(), list.end(), t) != list.end(); };
    if (in(kClasses) || is_primitive_schema(t)) return true;
    if (version_ == 2) return t == "CommandPayload" || semantic_types_v2().contains(t);
    return in(kV3) || is_geospatial_schema(t) || quantitative_types_v1().contains(t);
  }

  /**
   * Keys of `j` must be common properties, `allowed`, `extra` or `more`; on an element with an undefined
   * co-type, so may any key that is not a DTDL term (the co-type might define it).
   */
  void check_keys(const json& j, const std::string& path, const std::string& dtmi, const std::string& what,
                  std::initializer_list<std::string_view> allowed, std::initializer_list<std::string_view> extra = {},
                  const std::vector<std::string>& more = {}) {
    static constexpr std::array<std::string_view, 5> kCommon = {"@id", "@type", "comment", "description", "displayName"};
    static constexpr std::array<std::string_view, 28> kTerms = {
        "@context",      "name",      "schema",     "writable",      "unit",           "contents",       "extends",
        "schemas",       "target",    "properties", "elementSchema", "mapKey",         "mapValue",       "valueSchema",
        "enumValues",    "enumValue", "fields",     "request",       "response",       "minMultiplicity", "maxMultiplicity",
        "telemetryTopic", "commandTopic", "payloadFormat", "ttl",    "index",          "commandType",    "@value"};
    const bool open = has_undefined_cotype(j);
    for (const auto& item : j.items()) {
      const std::string& key = item.key();
      const auto is = [&](const auto& list) { return std::find(list.begin(), list.end(), key) != list.end(); };
      if (is(kCommon) || is(allowed) || is(extra) || is(more)) continue;
      if (open && !is(kTerms) && key.front() != '@') continue;
      report(path + "/" + key, dtmi, "'" + key + "' is not a property of " + what);
    }
  }

  /**
   * The MQTT extension's adjunct co-types (Idempotent and Cacheable on a Command; Indexed on a Telemetry,
   * Field or EnumValue): taken out of `t`, their properties read into `e` and `ttl`. Returns the keys they
   * add to the element.
   */
  std::vector<std::string> adjuncts(const json& j, std::vector<std::string>& t, const std::string& base, const std::string& path, ElementInfo& e,
                                    std::string* ttl = nullptr);

  /** A DTMI where an element is expected: a placeholder that ModelSet::resolve() replaces by the element with that @id. */
  template <class Element> std::optional<Element> reference(const json& v, const std::string& path, const std::string& owner) {
    const std::string s = v.get<std::string>();
    if (auto err = dtmi_problem(s)) {
      report(path, owner, "'" + s + "' is not a valid DTMI (an element given by its @id): it " + *err);
      return std::nullopt;
    }
    Element el;
    el.info.reference = s;
    el.info.path = path;
    return el;
  }

  /** Record an element under its @id, for references to it (ModelSet::resolve()). */
  template <class Element> void define(const std::string& type, const Element& el) {
    if (!el.info.id.empty() && el.info.reference.empty()) set_.definitions_.emplace(el.info.id, ModelSet::Definition{type, el});
  }

  /** Indexed elements of one property (contents, fields, enumValues) each have their own index. */
  void unique_index(const ElementInfo& e, std::set<std::int64_t>& seen, const std::string& path, const std::string& what) {
    if (e.index && !seen.insert(*e.index).second)
      report(path + "/index", e.id, "index " + std::to_string(*e.index) + " is already used by another " + what);
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

  SchemaPtr schema(const json& j, const std::string& path, const std::string& auto_id, int depth);

  void enumeration(const json& j, const std::string& path, Schema& s);

  /** An element that is a name plus a schema: Field, MapValue, CommandRequest, CommandResponse. */
  NamedSchema named(const json& j, const std::string& path, const std::string& what, const std::string& parent_id, const std::string& property,
                    int depth, bool plural = true);

  NamedSchema named_part(const json& j, const std::string& key, const std::string& what, const std::string& path, const std::string& parent_id,
                         int depth, bool key_part);

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

  /** Elements of an array property (a single element counts as a one-element set, as in JSON-LD). */
  std::vector<std::pair<const json*, std::string>> list(const json& j, const std::string& key, const std::string& path, const std::string& dtmi) {
    std::vector<std::pair<const json*, std::string>> out;
    if (!j.contains(key)) return out;
    const json& v = j[key];
    if (v.is_array()) {
      for (std::size_t i = 0; i < v.size(); ++i) out.emplace_back(&v[i], path + "/" + key + "/" + std::to_string(i));
    } else if (v.is_object() || v.is_string()) {  // one element, or the @id of one
      out.emplace_back(&v, path + "/" + key);
    } else {
      report(path + "/" + key, dtmi, "expected a list, got " + show(v));
    }
    return out;
  }

  // ---- interfaces and contents ----

  void interface(const json& j, const std::string& path, Context ctx, bool top);

  std::vector<std::pair<const json*, std::string>> extends_list(const json& j, const std::string& path, const std::string& dtmi);

  std::optional<Content> content_element(const json& j, const std::string& path, const std::string& iface_id);

  void only_base_type(const std::vector<std::string>& t, const std::string& base, const std::string& path, const std::string& id);

  bool boolean(const json& j, const char* key, const std::string& path, const std::string& id);

  void relationship(const json& j, const std::string& path, Content& c, const std::vector<std::string>& t);

  ModelSet& set_;
  std::string file_;
  Context ctx_;
  int version_ = 3;
  std::size_t elements_ = 0;
};

}  // namespace twinbench::twins::dtdl
