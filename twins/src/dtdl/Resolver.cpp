// Checks across documents: references resolve, extends and schema graphs have no cycles and respect
// DTDL's depth limits, names stay unique with inherited contents, Components do not nest.

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>
#include <type_traits>

#include "twinbench/core/JsonReader.hpp"
#include "twinbench/twins/dtdl/ModelSet.hpp"
#include "twinbench/twins/dtdl/Terms.hpp"

namespace twinbench::twins::dtdl {

namespace {
/** JSON pointer of `key` under `path` (an element's path is "/" at the document root). */
std::string under(const std::string& path, const char* key) { return (path == "/" ? std::string() : path) + "/" + key; }

constexpr int kExtendsDepthMax = 10;
constexpr std::size_t kExtendsCountMax = 1024;
constexpr int kComplexSchemaDepthMax = 5;
constexpr std::size_t kElementsMax = 100'000;
}  // namespace

void ModelSet::add_path(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  std::vector<fs::path> files;
  if (fs::is_directory(path, ec)) {
    for (const auto& e : fs::recursive_directory_iterator(path, ec))
      if (e.is_regular_file() && e.path().extension() == ".json") files.push_back(e.path());
    std::sort(files.begin(), files.end());
    if (files.empty()) report(path, "/", "", "no .json files in this folder");
  } else {
    files.emplace_back(path);
  }
  for (const auto& f : files) {
    std::string why;
    const auto text = core::read_regular_file(f.string(), core::kInputBytesMax, why);  // never a FIFO or a device
    if (!text) {
      report(f.string(), "/", "", why == "no such file" ? why : "cannot read the file: " + why);
      continue;
    }
    add_document(*text, f.string());
  }
}

const Interface* ModelSet::find(std::string_view id) const {
  auto it = interfaces_.find(id);
  return it == interfaces_.end() ? nullptr : &it->second;
}

std::vector<const Content*> ModelSet::all_contents(std::string_view id) const {
  std::vector<const Content*> out;
  std::set<std::string, std::less<>> seen;
  std::function<void(std::string_view, int)> walk = [&](std::string_view iid, int depth) {
    const Interface* iface = find(iid);
    if (!iface || depth > kExtendsDepthMax || !seen.emplace(iid).second) return;
    for (const auto& base : iface->extends) walk(base, depth + 1);
    for (const auto& c : iface->contents) out.push_back(&c);
  };
  walk(id, 0);
  return out;
}

void ModelSet::substitute_references() {
  for (auto& entry : interfaces_) {
    Interface& iface = entry.second;
    std::set<const Schema*> seen;  // schemas are shared: each is walked once
    // Substitution copies elements (a Relationship with its properties): bounded like an Interface's own
    // elements, so a small document cannot name a large element a million times.
    std::size_t copied = 0;
    bool too_many = false;
    // The element defined under `el`'s reference, if it is one of `types`; `what` names them for the message.
    auto substitute = [&](auto& el, std::initializer_list<std::string_view> types, const std::string& what) {
      using Element = std::decay_t<decltype(el)>;
      if (el.info.reference.empty()) return;
      const std::string ref = el.info.reference, path = el.info.path;
      const auto it = definitions_.find(ref);
      if (it == definitions_.end()) {
        report(iface.file, path, "", "'" + ref + "' names no element of this model set (an element given by its @id must be defined in one of its documents)");
        return;
      }
      const bool fits = std::find(types.begin(), types.end(), it->second.type) != types.end() && std::holds_alternative<Element>(it->second.element);
      if (!fits) {
        const std::string& type = it->second.type;
        report(iface.file, path, "", "'" + ref + "' is " + (std::string_view("AEIOU").find(type[0]) != std::string_view::npos ? "an " : "a ") + type + ", where " + what + " is expected");
        return;
      }
      const Element& def = std::get<Element>(it->second.element);
      std::size_t size = 1;
      if constexpr (std::is_same_v<Element, Content>) size += def.properties.size() + 2;
      if ((copied += size) > kElementsMax) {
        if (!too_many) report(iface.file, path, iface.info.id, "more than 100,000 elements under the Interface's contents, counting those given by their @id");
        too_many = true;
        return;
      }
      el = def;
      el.info.path = path;
    };
    auto unique_names = [&](const auto& elements, const std::string& what) {
      std::set<std::string> names;
      for (const auto& e : elements)
        if (!e.name.empty() && !names.insert(e.name).second) report(iface.file, e.info.path, e.info.id, "duplicate name '" + e.name + "' in " + what);
    };
    std::function<void(const SchemaPtr&)> schema = [&](const SchemaPtr& s) {
      if (!s || !seen.insert(s.get()).second) return;
      schema(s->element);
      bool referenced = false;
      for (auto& v : s->enum_values) {
        referenced = referenced || !v.info.reference.empty();
        substitute(v, {"EnumValue"}, "an EnumValue");
      }
      for (auto& f : s->fields) {
        referenced = referenced || !f.info.reference.empty();
        substitute(f, {"Field"}, "a Field");
        schema(f.schema);
      }
      if (referenced) {
        unique_names(s->enum_values, "the Enum's enumValues");
        unique_names(s->fields, "the Object's fields");
      }
      if (s->kind == SchemaKind::map) {
        substitute(s->map_key, {"MapKey"}, "a MapKey");
        substitute(s->map_value, {"MapValue"}, "a MapValue");
        schema(s->map_value.schema);
      }
    };
    const bool v2 = iface.dtdl_version == 2;
    std::function<void(Content&)> content = [&](Content& c) {
      schema(c.schema);
      if (c.request) {
        substitute(*c.request, {v2 ? "CommandPayload" : "CommandRequest"}, v2 ? "a CommandPayload" : "a CommandRequest");
        schema(c.request->schema);
      }
      if (c.response) {
        substitute(*c.response, {v2 ? "CommandPayload" : "CommandResponse"}, v2 ? "a CommandPayload" : "a CommandResponse");
        schema(c.response->schema);
      }
      bool referenced = false;
      for (auto& p : c.properties) {
        referenced = referenced || !p.info.reference.empty();
        substitute(p, {"Property"}, "a Property");
        content(p);
      }
      if (referenced) unique_names(c.properties, "the Relationship's properties");
    };
    std::map<std::string, bool> names;  // name -> given by @id
    for (auto& c : iface.contents) {
      const bool referenced = !c.info.reference.empty();
      substitute(c, {"Telemetry", "Property", "Command", "Relationship", "Component"}, "a content element (Telemetry, Property, Command, Relationship or Component)");
      content(c);
      if (c.name.empty()) continue;
      const auto [it, fresh] = names.emplace(c.name, referenced);
      if (!fresh && (referenced || it->second))  // two inline ones: the parser said so
        report(iface.file, c.info.path, c.info.id, "duplicate name '" + c.name + "' in the Interface's contents");
    }
    for (auto& [sid, s] : iface.schemas) schema(s);
  }
}

void ModelSet::resolve() {
  substitute_references();
  for (const auto& entry : interfaces_) {
    const std::string& id = entry.first;  // named references: lambdas below capture them (clang 14 cannot capture bindings)
    const Interface& iface = entry.second;
    auto at = [&](const std::string& path, const std::string& dtmi, const std::string& msg) { report(iface.file, path, dtmi, msg); };

    // extends: defined, acyclic, at most 10 deep and 1024 Interfaces.
    std::set<std::string, std::less<>> hierarchy;
    std::function<void(const Interface&, std::vector<std::string>&)> walk = [&](const Interface& cur, std::vector<std::string>& chain) {
      for (const auto& base : cur.extends) {
        if (std::find(chain.begin(), chain.end(), base) != chain.end()) {
          std::string cycle;
          for (const auto& c : chain) cycle += c + " -> ";
          at(under(iface.info.path, "extends"), id, "extends cycle: " + cycle + base);
          continue;
        }
        const Interface* b = find(base);
        if (!b) {
          if (&cur == &iface) at(under(iface.info.path, "extends"), id, "extends '" + base + "', which is not an Interface of this model set");
          continue;
        }
        if (static_cast<int>(chain.size()) > kExtendsDepthMax) {  // chain holds the Interface and the bases above it: size - 1 levels
          at(under(iface.info.path, "extends"), id, "extends hierarchy is deeper than " + std::to_string(kExtendsDepthMax) + " levels");
          continue;
        }
        hierarchy.insert(base);
        chain.push_back(base);
        walk(*b, chain);
        chain.pop_back();
      }
    };
    std::vector<std::string> chain{id};
    walk(iface, chain);
    if (hierarchy.size() > kExtendsCountMax) at(under(iface.info.path, "extends"), id, "more than 1024 Interfaces in the extends hierarchy");

    // Names unique across own and inherited contents (each inherited Interface counted once).
    // (Duplicates among an Interface's own contents are reported where they are parsed or substituted.)
    std::map<std::string, const Content*> names;
    const auto own = [&](const Content* c) {
      return std::find_if(iface.contents.begin(), iface.contents.end(), [&](const Content& o) { return &o == c; }) != iface.contents.end();
    };
    for (const Content* c : all_contents(id)) {
      auto [it, fresh] = names.emplace(c->name, c);
      if (!fresh && !c->name.empty() && own(c) && !own(it->second))
        at(under(c->info.path, "name"), c->info.id, "name '" + c->name + "' is already used by " + it->second->info.id + " (inherited)");
    }

    // Components: the schema is an Interface of the set, and it holds no Component itself (DTDL v2 and v3).
    for (const auto& c : iface.contents) {
      if (c.kind != ContentKind::component || c.component_interface.empty()) continue;
      if (!find(c.component_interface)) {
        at(under(c.info.path, "schema"), c.info.id, "Component schema '" + c.component_interface + "' is not an Interface of this model set");
        continue;
      }
      for (const Content* inner : all_contents(c.component_interface))
        if (inner->kind == ContentKind::component) {
          at(under(c.info.path, "schema"), c.info.id, "Component schema '" + c.component_interface + "' contains a Component ('" + inner->name +
                                                     "'); Components may not nest (DTDL v2 and v3)");
          break;
        }
    }

    // Schema references: only this Interface's own `schemas` (not inherited, not the container's);
    // complex schemas at most 5 deep through references; no schema that contains itself.
    std::function<void(const SchemaPtr&, int, std::vector<std::string>&)> check = [&](const SchemaPtr& s, int depth, std::vector<std::string>& stack) {
      if (!s) return;
      if (s->kind == SchemaKind::reference) {
        auto it = iface.schemas.find(s->reference);
        if (it == iface.schemas.end()) {
          at(s->info.path, id, "'" + s->reference + "' is not a schema defined in this Interface's 'schemas'");
          return;
        }
        if (std::find(stack.begin(), stack.end(), s->reference) != stack.end()) {
          at(s->info.path, s->reference, "schema '" + s->reference + "' contains itself");
          return;
        }
        stack.push_back(s->reference);
        check(it->second, depth, stack);
        stack.pop_back();
        return;
      }
      if (s->kind == SchemaKind::primitive) return;
      if (depth > kComplexSchemaDepthMax) {
        at(s->info.path, s->info.id, "complex schemas nest deeper than " + std::to_string(kComplexSchemaDepthMax) + " levels");
        return;
      }
      check(s->element, depth + 1, stack);
      check(s->map_value.schema, depth + 1, stack);
      for (const auto& f : s->fields) check(f.schema, depth + 1, stack);
    };
    std::vector<std::string> stack;
    for (const auto& [sid, s] : iface.schemas) {
      stack = {sid};
      check(s, 1, stack);
    }
    for (const auto& c : iface.contents) {
      stack.clear();
      check(c.schema, 1, stack);
      if (c.request) check(c.request->schema, 1, stack);
      if (c.response) check(c.response->schema, 1, stack);
      for (const auto& p : c.properties) check(p.schema, 1, stack);
    }

    if (iface.dtdl_version != 2) continue;
    // DTDL v2: at most 300 contents, inherited ones included; no Array in a Property's schema, so no
    // geospatial schema either (GeoJSON coordinates are arrays).
    if (const auto n = all_contents(id).size(); n > 300)
      at(iface.info.path, id, "DTDL v2 allows at most 300 contents, including those imported via extends; got " + std::to_string(n));
    std::function<const Schema*(const SchemaPtr&, int)> array_in = [&](const SchemaPtr& s, int depth) -> const Schema* {
      if (!s || depth > kComplexSchemaDepthMax + 1) return nullptr;  // too deep or cyclic: reported above
      if (s->kind == SchemaKind::reference) {
        auto it = iface.schemas.find(s->reference);
        return it == iface.schemas.end() ? nullptr : array_in(it->second, depth);
      }
      if (s->kind == SchemaKind::array || (s->kind == SchemaKind::primitive && is_geospatial_schema(s->primitive))) return s.get();
      if (auto* a = array_in(s->map_value.schema, depth + 1)) return a;
      for (const auto& f : s->fields)
        if (auto* a = array_in(f.schema, depth + 1)) return a;
      return nullptr;
    };
    auto no_array = [&](const Content& p) {
      if (const Schema* a = array_in(p.schema, 1))
        at(under(p.info.path, "schema"), p.info.id,
           std::string("a Property's schema may not contain ") + (a->kind == SchemaKind::array ? "an Array" : "a geospatial schema (an array)") +
               " in DTDL v2" + (a->info.path == under(p.info.path, "schema") ? "" : " (at " + a->info.path + ")"));
    };
    for (const auto& c : iface.contents) {
      if (c.kind == ContentKind::property) no_array(c);
      for (const auto& p : c.properties) no_array(p);
    }
  }
}

}  // namespace twinbench::twins::dtdl
