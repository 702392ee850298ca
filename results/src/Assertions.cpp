#include "twinbench/results/Assertions.hpp"

#include "kpi/WebhookKpis.hpp"

#include "Markup.hpp"

#include <algorithm>
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

void collect(const json& j, const std::string& path, std::vector<std::string>& out) {
  if (j.is_object()) {
    for (const auto& [k, v] : j.items()) collect(v, path + "/" + k, out);
  } else if (j.is_array()) {
    for (std::size_t i = 0; i < j.size(); ++i) collect(j[i], path + "/" + std::to_string(i), out);
  } else if (j.is_number() || j.is_null()) {
    out.push_back(path);
  }
}

}  // namespace

const std::vector<std::string>& statistics() {
  static const std::vector<std::string> names = {"mean", "mean_ci_low", "mean_ci_high", "p90", "min", "max"};
  return names;
}

bool is_statistic(const std::string& name) { return std::find(statistics().begin(), statistics().end(), name) != statistics().end(); }

std::vector<std::string> kpi_paths(const json& summary) {
  std::vector<std::string> out;
  collect(summary, "", out);
  return out;
}

std::vector<std::string> measured_kpis(const json& summary) {
  std::vector<std::string> out = kpi_paths(summary);
  std::erase_if(out, [](const std::string& p) { return p == "/seed" || p == "/events"; });
  return out;
}

std::string bounds(const AssertionSpec& s) {
  if (s.min && s.max) return "in [" + num(*s.min) + ", " + num(*s.max) + "]";
  if (s.min) return ">= " + num(*s.min);
  return "<= " + num(*s.max);
}

AssertionResult check_value(const AssertionSpec& s, std::optional<double> v, const std::string& what) {
  AssertionResult r{s, v, false, true, ""};
  if (!v) {
    r.message = what + " is null: nothing to measure (expected " + bounds(s) + ")";
    return r;
  }
  r.passed = (!s.min || *v >= *s.min) && (!s.max || *v <= *s.max);
  r.message = what + " = " + num(*v) + ", expected " + bounds(s);
  return r;
}

std::vector<AssertionResult> check_assertions(const json& summary, const std::vector<AssertionSpec>& specs) {
  std::vector<AssertionResult> results;
  for (const AssertionSpec& s : specs) {
    if (!s.over_seeds.empty()) {
      results.push_back({s, std::nullopt, true, false, s.kpi + " " + s.over_seeds + " over seeds " + bounds(s) + ": not evaluated in one run (twinbench sweep checks it)"});
      continue;
    }
    const json::json_pointer ptr(s.kpi);
    if (!summary.contains(ptr) || !(summary.at(ptr).is_number() || summary.at(ptr).is_null())) {
      results.push_back({s, std::nullopt, false, true, s.kpi + " is not a KPI of summary.json"});
      continue;
    }
    const json& v = summary.at(ptr);
    results.push_back(check_value(s, v.is_null() ? std::nullopt : std::optional<double>(v.get<double>()), s.kpi));
    // A partner's SLA gate says why it failed (what missed the bound, how long the partner was out of reach).
    if (AssertionResult& r = results.back(); !r.passed && s.kpi.starts_with("/webhooks/"))
      if (const std::string why = kpi::WebhookKpis::explain(summary.at(ptr.parent_pointer())); !why.empty()) r.message += ": " + why;
  }
  return results;
}

std::string junit_xml(const std::vector<JunitSuite>& suites) {
  std::size_t tests = 0, failures = 0;
  for (const auto& suite : suites)
    for (const auto& r : suite.results) ++tests, failures += r.passed ? 0 : 1;
  std::ostringstream o;
  o << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  o << "<testsuites tests=\"" << tests << "\" failures=\"" << failures << "\">\n";
  for (const auto& suite : suites) {
    std::size_t f = 0, skipped = 0;
    for (const auto& r : suite.results) f += r.passed ? 0 : 1, skipped += r.evaluated ? 0 : 1;
    o << "  <testsuite name=\"twinbench." << escape_markup(suite.name) << "\" tests=\"" << suite.results.size() << "\" failures=\"" << f
      << "\" errors=\"0\" skipped=\"" << skipped << "\" time=\"" << num(suite.wall_s) << "\">\n";
    for (const auto& r : suite.results) {
      const std::string over = r.spec.over_seeds.empty() ? "" : " " + r.spec.over_seeds + " over seeds";
      o << "    <testcase classname=\"" << escape_markup(suite.name) << "\" name=\"" << escape_markup(r.spec.kpi + over + " " + bounds(r.spec)) << "\">\n";
      o << "      <properties>\n";
      o << "        <property name=\"kpi\" value=\"" << escape_markup(r.spec.kpi) << "\"/>\n";
      if (!r.spec.over_seeds.empty()) o << "        <property name=\"statistic\" value=\"" << escape_markup(r.spec.over_seeds) << "\"/>\n";
      if (r.value) o << "        <property name=\"value\" value=\"" << num(*r.value) << "\"/>\n";
      if (r.spec.min) o << "        <property name=\"min\" value=\"" << num(*r.spec.min) << "\"/>\n";
      if (r.spec.max) o << "        <property name=\"max\" value=\"" << num(*r.spec.max) << "\"/>\n";
      o << "      </properties>\n";
      if (!r.evaluated) o << "      <skipped message=\"" << escape_markup(r.message) << "\"/>\n";
      else if (!r.passed) o << "      <failure message=\"" << escape_markup(r.message) << "\"/>\n";
      o << "      <system-out>" << escape_markup(r.message) << "</system-out>\n";
      o << "    </testcase>\n";
    }
    o << "  </testsuite>\n";
  }
  o << "</testsuites>\n";
  return o.str();
}

}  // namespace twinbench::results
