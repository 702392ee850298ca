#include "JsonLd.hpp"

#include <algorithm>
#include <array>
#include <optional>
#include <string_view>

#include "Context.hpp"
#include "JsonText.hpp"

namespace twinbench::twins::dtdl {

using nlohmann::json;

namespace {

// Properties that hold a set (or, for @type and @context, a list): arrays stay arrays there.
constexpr std::array<std::string_view, 8> kPlural = {"contents", "extends", "fields", "enumValues", "properties", "schemas", "@type", "@context"};
constexpr std::array<std::string_view, 2> kLocalizable = {"displayName", "description"};
// Properties that hold one value (an unknown key is left alone, for the parser to name).
constexpr std::array<std::string_view, 20> kSingular = {"name",         "schema",        "writable",       "unit",     "comment",   "target",
                                                        "minMultiplicity", "maxMultiplicity", "elementSchema", "mapKey", "mapValue",  "valueSchema",
                                                        "enumValue",    "request",       "response",       "telemetryTopic", "commandTopic", "payloadFormat",
                                                        "ttl",          "index"};
// Where a term IRI may stand for a DTDL term in a value.
constexpr std::array<std::string_view, 6> kTermValues = {"@type", "schema", "elementSchema", "valueSchema", "unit", "extends"};

template <std::size_t N> bool in(const std::array<std::string_view, N>& set, std::string_view s) {
  return std::find(set.begin(), set.end(), s) != set.end();
}

/** The term a reserved IRI stands for, and its DTDL version: "dtmi:dtdl:class:Array;3" -> ("Array", 3). */
std::optional<std::pair<std::string, int>> term_of(std::string_view iri) {
  static constexpr std::array<std::string_view, 6> kPrefixes = {"dtmi:dtdl:property:", "dtmi:dtdl:class:", "dtmi:dtdl:instance:Schema:",
                                                                "dtmi:standard:schema:geospatial:", "dtmi:standard:class:", "dtmi:standard:unit:"};
  for (std::string_view p : kPrefixes) {
    if (iri.rfind(p, 0) != 0) continue;
    const std::string_view rest = iri.substr(p.size());
    const auto semi = rest.find(';');
    if (semi == std::string_view::npos || semi == 0 || rest.find(':') != std::string_view::npos) return std::nullopt;
    const std::string_view v = rest.substr(semi + 1);
    if (v != "2" && v != "3") return std::nullopt;
    return std::pair{std::string(rest.substr(0, semi)), v[0] - '0'};
  }
  return std::nullopt;
}

class Compactor {
public:
  Compactor(int version, const std::function<void(const std::string&, const std::string&)>& report) : version_(version), report_(report) {}

  void element(json& j, const std::string& path, bool top) {
    if (!j.is_object()) return;
    rename_keys(j, path);
    if (!top && j.contains("@context") && !is_interface(j)) nested_context(j, path);
    int saved = version_;
    if (!top && j.contains("@context") && is_interface(j)) {  // an inline Interface: its own version applies below it
      Context c;
      if (read_context(j["@context"], true, c, [](const std::string&, const std::string&) {})) version_ = c.version;
    }
    for (auto it = j.begin(); it != j.end();) {
      const std::string key = it.key();
      json& v = it.value();
      const std::string p = path + "/" + key;
      if (in(kLocalizable, key)) {
        if (v.is_array() && v.empty()) {  // no display string
          it = j.erase(it);
          continue;
        }
        localizable(v, p);
      } else if (in(kPlural, key)) {
        if (v.is_array())
          for (std::size_t i = 0; i < v.size(); ++i) value(key, v[i], p + "/" + std::to_string(i));
        else value(key, v, p);
      } else if (in(kSingular, key)) {
        if (v.is_array() && v.empty()) {  // no value
          it = j.erase(it);
          continue;
        }
        if (v.is_array() && v.size() == 1) v = json(v[0]);
        if (v.is_array()) report_(p, "expected one value, got a list of " + std::to_string(v.size()));
        else value(key, v, p);
      }
      ++it;
    }
    version_ = saved;
  }

private:
  static bool is_interface(const json& j) {
    const auto t = j.find("@type");
    if (t == j.end()) return false;
    if (t->is_string()) return *t == "Interface";
    return t->is_array() && std::find(t->begin(), t->end(), json("Interface")) != t->end();
  }

  void rename_keys(json& j, const std::string& path) {
    std::vector<std::pair<std::string, std::string>> renames;
    for (const auto& item : j.items())
      if (auto t = term_of(item.key())) {
        if (t->second != version_) report_(path + "/" + item.key(), other_version(item.key(), t->second));
        else if (j.contains(t->first)) report_(path + "/" + item.key(), "'" + t->first + "' is given twice, as '" + t->first + "' and as '" + item.key() + "'");
        else renames.emplace_back(item.key(), t->first);
      }
    for (const auto& [from, to] : renames) {
      j[to] = std::move(j[from]);
      j.erase(from);
    }
  }

  std::string other_version(const std::string& iri, int v) const {
    std::string m = "'";  // built with += : GCC 12 warns falsely (-Wrestrict) on long + chains
    m += iri;
    m += "' is a DTDL v";
    m += std::to_string(v);
    m += " term in a DTDL v";
    m += std::to_string(version_);
    m += " document";
    return m;
  }

  void nested_context(json& j, const std::string& path) {
    const json& c = j["@context"];
    if (!(c.is_array() && c.empty())) {
      Context ctx;
      bool ok = true;
      const bool read = read_context(c, true, ctx, [&](const std::string&, const std::string&) { ok = false; });
      if (!read || !ok || ctx.version != version_)
        return report_(path + "/@context", "an element's @context must be empty or the document's own DTDL context (\"dtmi:dtdl:context;" +
                                               std::to_string(version_) + "\"), got " + show_json(c));
    }
    j.erase("@context");
  }

  void localizable(json& v, const std::string& p) {
    json items = v.is_array() ? v : json::array({v});
    if (!std::all_of(items.begin(), items.end(), [](const json& e) { return e.is_object() && e.contains("@value"); })) {
      if (v.is_array() && v.size() == 1) v = json(v[0]);
      return;  // a string or a language map: the parser reads it
    }
    json map = json::object();
    for (const json& e : items) {
      for (const auto& item : e.items())
        if (item.key() != "@value" && item.key() != "@language") return report_(p, "a display string's value object has only @value and @language, got '" + item.key() + "'");
      if (!e["@value"].is_string()) return report_(p + "/@value", "expected a string, got " + show_json(e["@value"]));
      const std::string lang = e.contains("@language") && e["@language"].is_string() ? e["@language"].get<std::string>() : "en";
      if (map.contains(lang)) return report_(p, "two values for language '" + lang + "'");
      map[lang] = e["@value"];
    }
    v = std::move(map);
  }

  void value(const std::string& key, json& v, const std::string& p) {
    if (v.is_object() && v.contains("@value")) {
      value_object(v, p);
      return;
    }
    if (v.is_string() && in(kTermValues, key))
      if (auto t = term_of(v.get<std::string>())) {
        if (t->second != version_) report_(p, other_version(v.get<std::string>(), t->second));
        else v = t->first;
      }
    if (v.is_object()) element(v, p, false);
  }

  void value_object(json& v, const std::string& p) {
    for (const auto& item : v.items())
      if (item.key() != "@value" && item.key() != "@type") return report_(p, "a value object has only @value and @type here, got '" + item.key() + "'");
    json inner = v["@value"];
    if (v.contains("@type")) {
      const json& t = v["@type"];
      const std::string type = t.is_string() ? t.get<std::string>() : "";
      if (inner.is_string() && type != "xsd:string") inner = lexical(inner.get<std::string>(), type);
      const bool fits = (type == "xsd:string" && inner.is_string()) || (type == "xsd:boolean" && inner.is_boolean()) ||
                        ((type == "xsd:int" || type == "xsd:integer" || type == "xsd:long") && inner.is_number_integer()) ||
                        ((type == "xsd:double" || type == "xsd:float") && inner.is_number());
      if (!fits) return report_(p + "/@type", "a value object's @type must be the XSD type of its value, got " + show_json(t) + " for " + show_json(inner));
    }
    v = std::move(inner);
  }

  /** A typed literal's lexical form ("5" as xsd:int, "true" as xsd:boolean) as JSON; unchanged if it is none. */
  static json lexical(const std::string& s, const std::string& type) {
    if (type == "xsd:boolean" && (s == "true" || s == "false")) return s == "true";
    if (type == "xsd:int" || type == "xsd:integer" || type == "xsd:long" || type == "xsd:double" || type == "xsd:float") {
      const json n = json::parse(s, nullptr, false);
      if (n.is_number()) return n;
    }
    return s;
  }

  int version_;
  const std::function<void(const std::string&, const std::string&)>& report_;
};

}  // namespace

void compact(json& doc, int version, const std::string& path, const std::function<void(const std::string&, const std::string&)>& report) {
  Compactor(version, report).element(doc, path, true);
}

}  // namespace twinbench::twins::dtdl
