#include "twinbench/runtime/lwm2m/SenML.hpp"

#include <nlohmann/json.hpp>

#include <cmath>

namespace twinbench::runtime::senml {

namespace {

using json = nlohmann::json;

bool name_ok(std::string_view n) {
  if (n.empty()) return false;
  const auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); };
  if (!alnum(n[0]) && n[0] != '/') return false;
  for (char c : n)
    if (!alnum(c) && c != '-' && c != ':' && c != '.' && c != '/' && c != '_') return false;
  return true;
}

struct Base {
  std::string name, unit;
  double time = 0, value = 0, sum = 0;
};

}  // namespace

std::optional<std::vector<Record>> parse_json(std::string_view text, std::string& error) {
  const json doc = json::parse(text, nullptr, false);
  if (doc.is_discarded()) {
    error = "/: not JSON";
    return std::nullopt;
  }
  if (!doc.is_array()) {
    error = "/: expected an array of SenML records";
    return std::nullopt;
  }
  std::vector<Record> out;
  out.reserve(doc.size());
  Base base;
  for (std::size_t i = 0; i < doc.size(); ++i) {
    const json& r = doc[i];
    const std::string at = "/" + std::to_string(i);
    const auto fail = [&](const std::string& key, const char* what) {
      error = at + (key.empty() ? "" : "/") + key + ": " + what;
      return std::nullopt;
    };
    if (!r.is_object()) return fail("", "expected an object (a SenML record)");
    Record rec;
    int values = 0;
    std::optional<double> v, t, s;
    std::string name;
    for (const auto& [key, val] : r.items()) {
      if (key == "bn" || key == "n" || key == "bu" || key == "u" || key == "vs" || key == "vd") {
        if (!val.is_string()) return fail(key, "expected a string");
        const auto& str = val.get_ref<const std::string&>();
        if (key == "bn") base.name = str;
        else if (key == "n") name = str;
        else if (key == "bu") base.unit = str;
        else if (key == "u") rec.unit = str;
        else {
          rec.kind = key == "vs" ? Kind::text : Kind::data;
          rec.text = str;
          ++values;
        }
      } else if (key == "bt" || key == "bv" || key == "bs" || key == "bver" || key == "v" || key == "s" || key == "t" ||
                 key == "ut") {
        if (!val.is_number()) return fail(key, "expected a number");
        const double d = val.get<double>();
        if (!std::isfinite(d)) return fail(key, "expected a finite number");
        if (key == "bt") base.time = d;
        else if (key == "bv") base.value = d;
        else if (key == "bs") base.sum = d;
        else if (key == "bver") {
          if (d != std::floor(d) || d < 1 || d > 10) return fail(key, "unsupported SenML version (this reader knows up to 10)");
        } else if (key == "v") {
          v = d;
          ++values;
        } else if (key == "s") s = d;
        else if (key == "t") t = d;
      } else if (key == "vb") {
        if (!val.is_boolean()) return fail(key, "expected true or false");
        rec.kind = Kind::boolean;
        rec.boolean = val.get<bool>();
        ++values;
      } else if (!key.empty() && key.back() == '_') {
        return fail(key, "a must-understand field this reader does not know");
      }  // other unknown fields are extensions to ignore (RFC 8428 4.4)
    }
    if (values > 1) return fail("", "more than one value field (v, vs, vb, vd)");
    rec.name = base.name + name;
    if (!name_ok(rec.name)) return fail("n", "the resolved name is empty or has a character SenML does not allow");
    if (rec.unit.empty()) rec.unit = base.unit;
    if (v) {
      rec.kind = Kind::number;
      rec.number = base.value + *v;
    }
    if (s) rec.sum = base.sum + *s;
    rec.time_s = base.time + t.value_or(0);
    out.push_back(std::move(rec));
  }
  return out;
}

std::string encode_json(std::span<const Record> records, std::string_view base_name, double base_time) {
  json pack = json::array();
  for (std::size_t i = 0; i < records.size(); ++i) {
    const Record& r = records[i];
    json o = json::object();
    if (i == 0 && !base_name.empty()) o["bn"] = base_name;
    if (i == 0 && base_time != 0) o["bt"] = base_time;
    std::string_view n = r.name;
    if (!base_name.empty() && n.substr(0, base_name.size()) == base_name) n.remove_prefix(base_name.size());
    if (!n.empty()) o["n"] = n;
    if (!r.unit.empty()) o["u"] = r.unit;
    switch (r.kind) {
      case Kind::number: o["v"] = r.number; break;
      case Kind::boolean: o["vb"] = r.boolean; break;
      case Kind::text: o["vs"] = r.text; break;
      case Kind::data: o["vd"] = r.text; break;
      case Kind::none: break;
    }
    if (r.sum) o["s"] = *r.sum;
    const double t = r.time_s - base_time;
    if (t != 0) o["t"] = t;
    pack.push_back(std::move(o));
  }
  return pack.dump();
}

}  // namespace twinbench::runtime::senml
