#include "twinbench/twins/dtdl/TwinRegistry.hpp"

#include "JsonText.hpp"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <regex>

namespace twinbench::twins::dtdl {

using nlohmann::json;

namespace {

std::string show(const json& v) { return show_json(v, 40); }

bool matches(const json& v, const std::regex& re) { return v.is_string() && std::regex_match(v.get<std::string>(), re); }

/** GeoJSON position: [x, y] or [x, y, z] numbers. */
bool position(const json& p) {
  return p.is_array() && (p.size() == 2 || p.size() == 3) && std::all_of(p.begin(), p.end(), [](const json& c) { return c.is_number(); });
}
bool positions(const json& a, std::size_t min) {
  return a.is_array() && a.size() >= min && std::all_of(a.begin(), a.end(), [](const json& p) { return position(p); });
}
bool ring(const json& r) { return positions(r, 4) && r.front() == r.back(); }
bool polygon(const json& p) { return p.is_array() && !p.empty() && std::all_of(p.begin(), p.end(), [](const json& r) { return ring(r); }); }

/** A GeoJSON geometry of the given type (DTDL's geospatial schemas). */
std::optional<std::string> geometry(const std::string& term, const json& v) {
  static const std::map<std::string, std::string, std::less<>> kType = {
      {"point", "Point"}, {"multiPoint", "MultiPoint"}, {"lineString", "LineString"}, {"multiLineString", "MultiLineString"},
      {"polygon", "Polygon"}, {"multiPolygon", "MultiPolygon"}};
  const std::string& type = kType.at(term);
  if (!v.is_object() || !v.contains("type") || v["type"] != type || !v.contains("coordinates"))
    return "expected a GeoJSON " + type + " ({\"type\": \"" + type + "\", \"coordinates\": ...}), got " + show(v);
  const json& c = v["coordinates"];
  bool ok = false;
  if (term == "point") ok = position(c);
  else if (term == "multiPoint") ok = positions(c, 0);
  else if (term == "lineString") ok = positions(c, 2);
  else if (term == "multiLineString") ok = c.is_array() && std::all_of(c.begin(), c.end(), [](const json& l) { return positions(l, 2); });
  else if (term == "polygon") ok = polygon(c);
  else ok = c.is_array() && std::all_of(c.begin(), c.end(), [](const json& p) { return polygon(p); });
  if (!ok) return "coordinates are not a valid GeoJSON " + type;
  return std::nullopt;
}

std::optional<std::string> primitive(const std::string& p, const json& v) {
  // RFC 3339 (date, time, date-time) and ISO 8601 durations.
  static const std::regex kDate(R"(\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01]))");
  static const std::regex kTime(R"(([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d+)?([Zz]|[+-]([01]\d|2[0-3]):[0-5]\d)?)");
  static const std::regex kDateTime(
      R"(\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])[Tt]([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d+)?([Zz]|[+-]([01]\d|2[0-3]):[0-5]\d))");
  static const std::regex kDuration(R"(P(?!$)(\d+(\.\d+)?Y)?(\d+(\.\d+)?M)?(\d+(\.\d+)?W)?(\d+(\.\d+)?D)?(T(?=\d)(\d+(\.\d+)?H)?(\d+(\.\d+)?M)?(\d+(\.\d+)?S)?)?)");
  bool ok = false;
  if (p == "boolean") ok = v.is_boolean();
  else if (p == "string") ok = v.is_string();
  else if (p == "integer") ok = v.is_number_integer() && (v.is_number_unsigned() ? v.get<std::uint64_t>() <= INT32_MAX : v.get<std::int64_t>() >= INT32_MIN && v.get<std::int64_t>() <= INT32_MAX);
  else if (p == "long") ok = v.is_number_integer() && (!v.is_number_unsigned() || v.get<std::uint64_t>() <= INT64_MAX);
  else if (p == "double") ok = v.is_number();
  else if (p == "float") ok = v.is_number() && std::fabs(v.get<double>()) <= FLT_MAX;
  else if (p == "date") ok = matches(v, kDate);
  else if (p == "time") ok = matches(v, kTime);
  else if (p == "dateTime") ok = matches(v, kDateTime);
  else if (p == "duration") ok = matches(v, kDuration);
  else return geometry(p, v);
  if (ok) return std::nullopt;
  return "expected " + std::string(p == "integer" ? "an " : "a ") + p + ", got " + show(v);
}

std::optional<std::string> validate(const Schema& s, const json& v, const Interface& scope, const std::string& at, int depth) {
  auto fail = [&](const std::string& why) -> std::optional<std::string> { return (at.empty() ? "" : at + ": ") + why; };
  if (depth > 16) return fail("schema references nest too deeply");
  switch (s.kind) {
    case SchemaKind::primitive:
      if (auto e = primitive(s.primitive, v)) return fail(*e);
      return std::nullopt;
    case SchemaKind::reference: {
      auto it = scope.schemas.find(s.reference);
      if (it == scope.schemas.end() || !it->second) return fail("schema '" + s.reference + "' is not defined");
      return validate(*it->second, v, scope, at, depth + 1);
    }
    case SchemaKind::array:
      if (!v.is_array()) return fail("expected an array, got " + show(v));
      for (std::size_t i = 0; i < v.size() && s.element; ++i)
        if (auto e = validate(*s.element, v[i], scope, at + "/" + std::to_string(i), depth + 1)) return e;
      return std::nullopt;
    case SchemaKind::enumeration: {
      for (const auto& ev : s.enum_values) {
        const bool same = std::holds_alternative<std::int64_t>(ev.value)
                              ? v.is_number_integer() && v.get<std::int64_t>() == std::get<std::int64_t>(ev.value)
                              : v.is_string() && v.get<std::string>() == std::get<std::string>(ev.value);
        if (same) return std::nullopt;
      }
      std::string allowed;
      for (const auto& ev : s.enum_values)
        allowed += (allowed.empty() ? "" : ", ") + (std::holds_alternative<std::int64_t>(ev.value) ? std::to_string(std::get<std::int64_t>(ev.value))
                                                                                                   : "\"" + std::get<std::string>(ev.value) + "\"");
      return fail(show(v) + " is not a value of the Enum (" + (allowed.empty() ? "it has none" : allowed) + ")");
    }
    case SchemaKind::map:
      if (!v.is_object()) return fail("expected an object (a Map), got " + show(v));
      for (const auto& [k, item] : v.items())
        if (s.map_value.schema)
          if (auto e = validate(*s.map_value.schema, item, scope, at + "/" + k, depth + 1)) return e;
      return std::nullopt;
    case SchemaKind::object:
      if (!v.is_object()) return fail("expected an object, got " + show(v));
      for (const auto& [k, item] : v.items()) {
        const NamedSchema* field = nullptr;
        for (const auto& f : s.fields)
          if (f.name == k) field = &f;
        if (!field) return fail("unknown field '" + k + "'");
        if (field->schema)
          if (auto e = validate(*field->schema, item, scope, at + "/" + k, depth + 1)) return e;
      }
      return std::nullopt;
  }
  return fail("unknown schema kind");
}

}  // namespace

std::optional<std::string> validate_value(const Schema& schema, const json& value, const Interface& scope) {
  return validate(schema, value, scope, "", 0);
}

std::string_view to_string(Refusal r) {
  switch (r) {
    case Refusal::none: return "none";
    case Refusal::unknown_component: return "unknown_component";
    case Refusal::unknown_element: return "unknown_element";
    case Refusal::wrong_kind: return "wrong_kind";
    case Refusal::not_writable: return "not_writable";
    case Refusal::invalid_value: return "invalid_value";
  }
  return "unknown";
}

Twin::Twin(std::string id, const Interface& model, const ModelSet& models) : id_(std::move(id)), model_(model), models_(models) {}

std::string Twin::key(std::string_view component, std::string_view name) {
  std::string k(component);
  k += '/';
  k += name;
  return k;
}

UpdateResult Twin::refuse(Refusal why, std::string detail) {
  ++refused_[why];
  return {why, std::move(detail), 0};
}

Located locate(const ModelSet& models, const Interface& model, std::string_view component, std::string_view name) {
  Located r;
  const Interface* iface = &model;
  if (!component.empty()) {
    iface = nullptr;
    for (const Content* c : models.all_contents(model.info.id))
      if (c->kind == ContentKind::component && c->name == component) iface = models.find(c->component_interface);
    if (!iface) {
      r.refusal = Refusal::unknown_component;
      r.detail = "no Component '" + std::string(component) + "' in " + model.info.id;
      return r;
    }
  }
  for (const Content* c : models.all_contents(iface->info.id))
    if (c->name == name) {
      r.iface = iface;
      r.element = c;
      return r;
    }
  r.refusal = Refusal::unknown_element;
  r.detail = "no element '" + std::string(name) + "' in " + iface->info.id;
  return r;
}

UpdateResult Twin::telemetry(std::string_view component, std::string_view name, const json& value) {
  const Located t = locate(models_, model_, component, name);
  if (!t.element) return refuse(t.refusal, t.detail);
  if (t.element->kind != ContentKind::telemetry) return refuse(Refusal::wrong_kind, "'" + std::string(name) + "' is not a Telemetry");
  if (t.element->schema)
    if (auto e = validate_value(*t.element->schema, value, *t.iface)) return refuse(Refusal::invalid_value, key(component, name) + ": " + *e);
  return {};
}

UpdateResult Twin::report(std::string_view component, std::string_view name, const json& value) {
  return update(reported_, component, name, value, false);
}

UpdateResult Twin::desire(std::string_view component, std::string_view name, const json& value) {
  return update(desired_, component, name, value, true);
}

UpdateResult Twin::update(std::map<std::string, Slot, std::less<>>& state, std::string_view component, std::string_view name, const json& value,
                          bool must_be_writable) {
  const Located t = locate(models_, model_, component, name);
  if (!t.element) return refuse(t.refusal, t.detail);
  if (t.element->kind != ContentKind::property) return refuse(Refusal::wrong_kind, "'" + std::string(name) + "' is not a Property");
  if (must_be_writable && !t.element->writable) return refuse(Refusal::not_writable, "'" + std::string(name) + "' is read-only");
  if (t.element->schema)
    if (auto e = validate_value(*t.element->schema, value, *t.iface)) return refuse(Refusal::invalid_value, key(component, name) + ": " + *e);
  Slot& s = state[key(component, name)];
  s.value = value;
  return {Refusal::none, {}, ++s.version};
}

UpdateResult Twin::command_request(std::string_view component, std::string_view name, const json& request) {
  return command_payload(component, name, request, true);
}

UpdateResult Twin::command_response(std::string_view component, std::string_view name, const json& response) {
  return command_payload(component, name, response, false);
}

UpdateResult Twin::command_payload(std::string_view component, std::string_view name, const json& payload, bool request) {
  const Located t = locate(models_, model_, component, name);
  if (!t.element) return refuse(t.refusal, t.detail);
  if (t.element->kind != ContentKind::command) return refuse(Refusal::wrong_kind, "'" + std::string(name) + "' is not a Command");
  const auto& declared = request ? t.element->request : t.element->response;
  const char* what = request ? "request" : "response";
  if (!declared) {
    if (payload.is_null()) return {};
    return refuse(Refusal::invalid_value, key(component, name) + ": the Command declares no " + what + ", got " + show(payload));
  }
  if (payload.is_null()) return refuse(Refusal::invalid_value, key(component, name) + ": missing " + what + " '" + declared->name + "'");
  if (declared->schema)
    if (auto e = validate_value(*declared->schema, payload, *t.iface))
      return refuse(Refusal::invalid_value, key(component, name) + " " + what + ": " + *e);
  return {};
}

std::optional<std::pair<json, std::uint64_t>> Twin::reported(std::string_view component, std::string_view name) const {
  auto it = reported_.find(key(component, name));
  if (it == reported_.end()) return std::nullopt;
  return std::make_pair(it->second.value, it->second.version);
}

std::optional<std::pair<json, std::uint64_t>> Twin::desired(std::string_view component, std::string_view name) const {
  auto it = desired_.find(key(component, name));
  if (it == desired_.end()) return std::nullopt;
  return std::make_pair(it->second.value, it->second.version);
}

std::vector<std::string> Twin::pending() const {
  std::vector<std::string> out;
  for (const auto& [k, d] : desired_) {
    auto it = reported_.find(k);
    if (it == reported_.end() || it->second.value != d.value) out.push_back(k);
  }
  return out;
}

Twin* TwinRegistry::create(const std::string& id, std::string_view dtmi, std::string* error) {
  const Interface* model = models_.find(dtmi);
  if (!model) {
    if (error) *error = "no Interface '" + std::string(dtmi) + "' in the model set";
    return nullptr;
  }
  if (twins_.contains(id)) {
    if (error) *error = "a twin named '" + id + "' exists already";
    return nullptr;
  }
  return &twins_.emplace(id, Twin(id, *model, models_)).first->second;
}

Twin* TwinRegistry::find(std::string_view id) {
  auto it = twins_.find(id);
  return it == twins_.end() ? nullptr : &it->second;
}

}  // namespace twinbench::twins::dtdl
