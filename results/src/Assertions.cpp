#include "twinbench/results/Assertions.hpp"

#include <cstdio>
#include <sstream>

namespace twinbench::results {

using json = nlohmann::ordered_json;

namespace {

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

std::string bounds(const AssertionSpec& s) {
  if (s.min && s.max) return "in [" + num(*s.min) + ", " + num(*s.max) + "]";
  if (s.min) return ">= " + num(*s.min);
  return "<= " + num(*s.max);
}

std::string xml_escape(const std::string& s) {
  std::string o;
  for (char c : s) {
    switch (c) {
      case '&': o += "&amp;"; break;
      case '<': o += "&lt;"; break;
      case '>': o += "&gt;"; break;
      case '"': o += "&quot;"; break;
      default: o += c;
    }
  }
  return o;
}

void collect(const json& j, const std::string& path, std::vector<std::string>& out) {
  if (j.is_object()) {
    for (const auto& [k, v] : j.items()) collect(v, path + "/" + k, out);
  } else if (j.is_array()) {
    for (std::size_t i = 0; i < j.size(); ++i) collect(j[i], path + "/" + std::to_string(i), out);
  } else if (j.is_number()) {
    out.push_back(path);
  }
}

}  // namespace

std::vector<std::string> numeric_kpis(const json& summary) {
  std::vector<std::string> out;
  collect(summary, "", out);
  return out;
}

std::vector<AssertionResult> check_assertions(const json& summary, const std::vector<AssertionSpec>& specs) {
  std::vector<AssertionResult> results;
  for (const AssertionSpec& s : specs) {
    AssertionResult r{s, std::nullopt, false, ""};
    const json::json_pointer ptr(s.kpi);
    if (summary.contains(ptr) && summary.at(ptr).is_number()) {
      const double v = summary.at(ptr).get<double>();
      r.value = v;
      r.passed = (!s.min || v >= *s.min) && (!s.max || v <= *s.max);
      r.message = s.kpi + " = " + num(v) + ", expected " + bounds(s);
    } else {
      r.message = s.kpi + " is not a numeric KPI of summary.json";
    }
    results.push_back(std::move(r));
  }
  return results;
}

std::string junit_xml(const std::string& scenario, const std::vector<AssertionResult>& results, double wall_s) {
  std::size_t failures = 0;
  for (const auto& r : results) failures += r.passed ? 0 : 1;
  std::ostringstream o;
  o << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  o << "<testsuites tests=\"" << results.size() << "\" failures=\"" << failures << "\">\n";
  o << "  <testsuite name=\"twinbench." << xml_escape(scenario) << "\" tests=\"" << results.size() << "\" failures=\"" << failures
    << "\" errors=\"0\" time=\"" << num(wall_s) << "\">\n";
  for (const auto& r : results) {
    o << "    <testcase classname=\"" << xml_escape(scenario) << "\" name=\"" << xml_escape(r.spec.kpi + " " + bounds(r.spec)) << "\"";
    if (r.passed) {
      o << "/>\n";
    } else {
      o << ">\n      <failure message=\"" << xml_escape(r.message) << "\"/>\n    </testcase>\n";
    }
  }
  o << "  </testsuite>\n</testsuites>\n";
  return o.str();
}

}  // namespace twinbench::results
