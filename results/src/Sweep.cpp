#include "twinbench/results/Sweep.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>

#include "twinbench/results/Stats.hpp"

namespace twinbench::results {

using json = nlohmann::ordered_json;

namespace {

/** Numbers in aggregate.json: ten significant digits, so that sums in another order could not show. */
json num(double v) {
  if (!std::isfinite(v)) return nullptr;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.10g", v);
  return std::stod(buf);
}

std::optional<double> number_at(const json& s, const std::string& path) {
  const json::json_pointer p(path);
  if (!s.contains(p) || !s.at(p).is_number()) return std::nullopt;
  return s.at(p).get<double>();
}

/** (successes, trials) behind a KPI that is a proportion of counts, from the same summary. */
std::optional<std::pair<double, double>> proportion_counts(const std::string& kpi, const json& s) {
  const auto pair = [&](const std::string& num_path, const std::string& a, const std::string& b, double sign) -> std::optional<std::pair<double, double>> {
    const auto n = number_at(s, num_path), x = number_at(s, a), y = number_at(s, b);
    if (!n || !x || !y) return std::nullopt;
    return std::pair{*n, *x + sign * *y};
  };
  if (kpi == "/messages/delivery_ratio") return pair("/messages/received", "/messages/generated", "/messages/in_flight_at_end", -1);
  if (kpi == "/detection/recall") return pair("/detection/faults_detected", "/detection/faults_detected", "/detection/faults_missed", 1);
  if (kpi == "/detection/precision") return pair("/detection/true_alerts", "/detection/true_alerts", "/detection/false_alerts", 1);
  const std::string by_mode = "/detection/by_mode/";
  if (kpi.starts_with(by_mode) && kpi.ends_with("/recall")) {
    const std::string base = kpi.substr(0, kpi.size() - 7);
    return pair(base + "/detected", base + "/detected", base + "/missed", 1);
  }
  return std::nullopt;
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string o = "\"";
  for (char c : s) o += c == '"' ? std::string("\"\"") : std::string(1, c);
  return o + "\"";
}

std::string param_text(const json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

}  // namespace

std::string point_label(const SweepPoint& p) {
  std::string label = p.id;
  if (p.params.empty()) return label;
  label += " (";
  for (std::size_t i = 0; i < p.params.size(); ++i) label += (i ? ", " : "") + p.params[i].pointer + "=" + param_text(p.params[i].value);
  return label + ")";
}

std::vector<std::string> sweep_kpis(const SweepPoint& p) {
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (const SweepCell& c : p.cells) {
    if (!c.summary) continue;
    for (auto& path : measured_kpis(*c.summary))
      if (seen.insert(path).second) out.push_back(std::move(path));
  }
  return out;
}

std::optional<KpiDistribution> distribution(const SweepPoint& p, const std::string& kpi) {
  KpiDistribution d;
  const json::json_pointer ptr(kpi);
  double successes = 0, trials = 0;
  bool counted = true;
  for (const SweepCell& c : p.cells) {
    if (!c.summary || !c.summary->contains(ptr)) continue;
    const json& v = c.summary->at(ptr);
    if (v.is_null()) {
      ++d.nulls;
      continue;
    }
    if (!v.is_number()) continue;
    d.values.push_back(v.get<double>());
    const auto counts = proportion_counts(kpi, *c.summary);
    if (counts) successes += counts->first, trials += counts->second;
    else counted = false;
  }
  d.n = d.values.size();
  if (d.n == 0 && d.nulls == 0) return std::nullopt;
  if (d.n == 0) return d;
  d.min = *std::min_element(d.values.begin(), d.values.end());
  d.max = *std::max_element(d.values.begin(), d.values.end());
  const bool constant = d.min == d.max;  // then exactly that, without the rounding of a sum
  d.mean = constant ? d.min : stats::mean(d.values);
  d.sd = constant ? 0 : stats::sd(d.values);
  d.p05 = stats::quantile(d.values, 0.05);
  d.p50 = stats::quantile(d.values, 0.50);
  d.p95 = stats::quantile(d.values, 0.95);
  const stats::Interval t = constant ? stats::Interval{d.min, d.min} : stats::mean_ci(d.values);
  d.t_low = t.low, d.t_high = t.high;
  if (counted && trials > 0) {  // every value came with its counts
    const stats::Interval w = stats::wilson(successes, trials);
    d.ci_method = "wilson";
    d.ci_low = w.low, d.ci_high = w.high;
    d.successes = successes, d.trials = trials;
  } else {
    d.ci_method = "t";
    d.ci_low = t.low, d.ci_high = t.high;
  }
  return d;
}

double statistic(const KpiDistribution& d, const std::string& name) {
  if (name == "mean") return d.mean;
  if (name == "mean_ci_low") return d.ci_low;
  if (name == "mean_ci_high") return d.ci_high;
  if (name == "p90") return stats::quantile(d.values, 0.90);
  if (name == "min") return d.min;
  if (name == "max") return d.max;
  return std::nan("");
}

std::vector<AssertionResult> sweep_gates(const SweepPoint& p) {
  std::vector<AssertionResult> out;
  std::size_t completed = 0;
  for (const SweepCell& c : p.cells) completed += c.summary.has_value();
  for (const AssertionSpec& g : p.gates) {
    if (!g.over_seeds.empty()) {
      const auto d = distribution(p, g.kpi);
      const std::string what = g.kpi + " " + g.over_seeds + " over " + std::to_string(d ? d->n : 0) + " seeds";
      if (!d || d->n == 0) {
        out.push_back(check_value(g, std::nullopt, what));
        continue;
      }
      AssertionResult r = check_value(g, statistic(*d, g.over_seeds), what);
      r.note = std::to_string(d->n) + " seeds";
      if (d->nulls) {
        r.message += " (" + std::to_string(d->nulls) + " seeds had nothing to measure)";
        r.note += ", " + std::to_string(d->nulls) + " null";
      }
      out.push_back(std::move(r));
      continue;
    }
    // On every run: the worst cell decides; the message says how many held.
    std::size_t held = 0;
    std::optional<AssertionResult> worst;
    std::uint64_t worst_seed = 0;
    for (const SweepCell& c : p.cells) {
      if (!c.summary) continue;
      AssertionResult r = check_assertions(*c.summary, {g}).front();
      held += r.passed;
      const bool worse = !worst || (worst->passed && !r.passed) ||
                         (worst->passed == r.passed && r.value && worst->value &&
                          (g.min ? *r.value < *worst->value : *r.value > *worst->value));
      if (worse) worst = r, worst_seed = c.seed;
    }
    if (!worst) {
      out.push_back(check_value(g, std::nullopt, g.kpi + " on every run (no run completed)"));
      continue;
    }
    AssertionResult r = *worst;
    r.passed = held == completed;
    r.note = std::to_string(held) + "/" + std::to_string(completed) + " runs, worst: seed " + std::to_string(worst_seed);
    r.message = g.kpi + " " + bounds(g) + " held in " + std::to_string(held) + " of " + std::to_string(completed) + " runs; worst: " +
                worst->message + " (seed " + std::to_string(worst_seed) + ")";
    out.push_back(std::move(r));
  }
  return out;
}

std::string cells_csv(const std::vector<SweepPoint>& points) {
  std::vector<std::string> params, kpis;
  std::set<std::string> seen_params, seen_kpis;
  for (const SweepPoint& p : points) {
    for (const SweepParam& q : p.params)
      if (seen_params.insert(q.pointer).second) params.push_back(q.pointer);
    for (auto& k : sweep_kpis(p))
      if (seen_kpis.insert(k).second) kpis.push_back(std::move(k));
  }
  std::string out = "point,seed,status,gates_failed";
  for (const auto& q : params) out += "," + csv_field(q);
  for (const auto& k : kpis) out += "," + csv_field(k);
  out += '\n';
  for (const SweepPoint& p : points)
    for (const SweepCell& c : p.cells) {
      std::size_t failed = 0;
      if (c.summary)
        for (const auto& g : p.gates)
          if (g.over_seeds.empty() && !check_assertions(*c.summary, {g}).front().passed) ++failed;
      out += p.id + "," + std::to_string(c.seed) + "," + c.status + "," + (c.summary ? std::to_string(failed) : "");
      for (const auto& q : params) {
        out += ',';
        for (const SweepParam& x : p.params)
          if (x.pointer == q) out += csv_field(param_text(x.value));
      }
      for (const auto& k : kpis) {
        out += ',';
        if (!c.summary) continue;
        const json::json_pointer ptr(k);
        if (c.summary->contains(ptr) && c.summary->at(ptr).is_number()) out += c.summary->at(ptr).dump();
      }
      out += '\n';
    }
  return out;
}

json aggregate_json(const std::string& scenario, const std::vector<std::uint64_t>& seeds, const std::vector<SweepPoint>& points) {
  json a;
  a["format"] = "twinbench-aggregate/1";
  a["scenario"] = scenario;
  a["seeds"] = seeds;
  json list = json::array();
  bool passed = true;
  for (const SweepPoint& p : points) {
    json pj;
    pj["point"] = p.id;
    json params = json::object();
    for (const SweepParam& q : p.params) params[q.pointer] = q.value;
    pj["params"] = params;
    std::size_t ok = 0, failed = 0, pending = 0;
    for (const SweepCell& c : p.cells) ok += c.status == "ok", failed += c.status == "failed", pending += c.status == "pending";
    pj["cells"] = {{"total", p.cells.size()}, {"completed", ok}, {"failed", failed}, {"pending", pending}};
    json gates = json::array();
    for (const AssertionResult& r : sweep_gates(p)) {
      passed = passed && r.passed;
      json g = {{"kpi", r.spec.kpi}, {"on", r.spec.over_seeds.empty() ? "every_run" : r.spec.over_seeds}};
      if (r.spec.min) g["min"] = *r.spec.min;
      if (r.spec.max) g["max"] = *r.spec.max;
      g["value"] = r.value ? num(*r.value) : json(nullptr);
      g["passed"] = r.passed;
      g["message"] = r.message;
      gates.push_back(std::move(g));
    }
    pj["gates"] = gates;
    json kpis = json::object();
    for (const std::string& k : sweep_kpis(p)) {
      const auto d = distribution(p, k);
      if (!d) continue;
      json kj = {{"n", d->n}, {"null", d->nulls}};
      if (d->n > 0) {
        kj.update(json{{"mean", num(d->mean)}, {"sd", num(d->sd)},   {"min", num(d->min)}, {"p05", num(d->p05)},
                       {"p50", num(d->p50)},  {"p95", num(d->p95)}, {"max", num(d->max)}});
        json ci = {{"low", num(d->ci_low)}, {"high", num(d->ci_high)}, {"method", d->ci_method}};
        if (d->successes) ci["successes"] = *d->successes, ci["trials"] = *d->trials;
        kj["ci95"] = ci;
        if (d->ci_method == "wilson") kj["ci95_seeds"] = {{"low", num(d->t_low)}, {"high", num(d->t_high)}, {"method", "t"}};
      }
      kpis[k] = std::move(kj);
    }
    pj["kpis"] = kpis;
    list.push_back(std::move(pj));
  }
  a["passed"] = passed;
  a["points"] = list;
  return a;
}

}  // namespace twinbench::results
