#include "twinbench/results/Compare.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>

#include "twinbench/results/Stats.hpp"
#include "twinbench/results/Sweep.hpp"

namespace twinbench::results {

using json = nlohmann::ordered_json;

namespace {

std::vector<double> values_of(const CompareSide& s, const std::string& kpi) {
  std::vector<double> v;
  const json::json_pointer p(kpi);
  for (const json& sum : s.summaries)
    if (sum.contains(p) && sum.at(p).is_number()) v.push_back(sum.at(p).get<double>());
  return v;
}

/** The side's gates, each passed or not (sweeps: as twinbench sweep checks them). */
std::vector<AssertionResult> gates_of(const CompareSide& s) {
  SweepPoint p;
  p.id = s.label;
  p.gates = s.gates;
  for (std::size_t i = 0; i < s.summaries.size(); ++i) p.cells.push_back({i, "ok", s.summaries[i]});
  if (s.sweep) return sweep_gates(p);
  std::vector<AssertionSpec> per_run;
  for (const auto& g : s.gates)
    if (g.over_seeds.empty()) per_run.push_back(g);
  return s.summaries.empty() ? std::vector<AssertionResult>{} : check_assertions(s.summaries.front(), per_run);
}

std::string num(std::optional<double> v) {
  if (!v) return "null";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", *v);
  return buf;
}

std::string p_text(std::optional<double> p) {
  if (!p) return "";
  if (*p < 0.001) return "<0.001";
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.3f", *p);
  return buf;
}

json opt(std::optional<double> v) { return v && std::isfinite(*v) ? json(*v) : json(nullptr); }

}  // namespace

std::map<std::string, Tolerance> tolerances_from_gates(const std::vector<AssertionSpec>& gates) {
  std::map<std::string, Tolerance> t;
  for (const AssertionSpec& g : gates) {
    if (g.min && g.max) continue;  // two-sided: the gate check judges it
    t[g.kpi] = Tolerance{g.min.has_value(), 0, 0};
  }
  return t;
}

Comparison compare(const CompareSide& base, const CompareSide& cand, const std::map<std::string, Tolerance>& tolerances, double alpha) {
  Comparison c;
  c.baseline = base.label;
  c.candidate = cand.label;
  c.sweep = base.sweep && cand.sweep;
  c.alpha = alpha;
  // Every KPI either side has, in the baseline's order.
  std::vector<std::string> kpis;
  std::set<std::string> seen;
  for (const CompareSide* s : {&base, &cand})
    for (const json& sum : s->summaries)
      for (auto& p : measured_kpis(sum))
        if (seen.insert(p).second) kpis.push_back(std::move(p));
  std::vector<KpiComparison> judged, others;
  for (const std::string& k : kpis) {
    KpiComparison r;
    r.kpi = k;
    const auto a = values_of(base, k), b = values_of(cand, k);
    r.n_baseline = a.size(), r.n_candidate = b.size();
    if (!a.empty()) r.baseline = stats::mean(a);
    if (!b.empty()) r.candidate = stats::mean(b);
    if (r.baseline && r.candidate) {
      r.delta = *r.candidate - *r.baseline;
      if (*r.baseline != 0) r.relative = *r.delta / std::fabs(*r.baseline);
      if (c.sweep && a.size() >= 2 && b.size() >= 2) {
        const stats::TwoSample w = stats::welch(a, b);
        r.p = w.p, r.effect = w.effect;
        r.p_mann_whitney = stats::mann_whitney(a, b).p;
      }
    }
    if (const auto t = tolerances.find(k); t != tolerances.end()) {
      r.tolerance = t->second;
      judged.push_back(std::move(r));
    } else {
      others.push_back(std::move(r));
    }
  }
  // Holm over the judged KPIs' p-values, and separately over the others'.
  for (auto* list : {&judged, &others}) {
    std::vector<double> ps;
    for (const auto& r : *list)
      if (r.p) ps.push_back(*r.p);
    const auto adjusted = stats::holm(ps);
    std::size_t i = 0;
    for (auto& r : *list)
      if (r.p) r.p_adjusted = adjusted[i++];
  }
  for (KpiComparison& r : judged) {
    const Tolerance& t = *r.tolerance;
    if (r.baseline && !r.candidate) {
      r.verdict = "regression";
      r.why = "nothing to measure in the candidate";
      continue;
    }
    if (!r.delta) {
      r.verdict = "unchanged";
      continue;
    }
    const double slack = std::max(t.abs, t.rel * std::fabs(*r.baseline));
    const bool worse = t.higher_is_better ? *r.delta < 0 : *r.delta > 0;
    const bool significant = !c.sweep || (r.p_adjusted && *r.p_adjusted < alpha);
    if (*r.delta == 0) r.verdict = "unchanged";
    else if (std::fabs(*r.delta) <= slack) r.verdict = "within tolerance";
    else if (c.sweep && !significant) r.verdict = "not significant";
    else if (!worse) r.verdict = "improvement";
    else if (!c.sweep && t.abs == 0 && t.rel == 0) r.verdict = "changed";  // one run each: only a broken gate or a tolerance judges
    else r.verdict = "regression";
    if (r.verdict == "regression") {
      char buf[160];
      std::snprintf(buf, sizeof buf, "%s by %.4g (allowed %.4g)%s", t.higher_is_better ? "lower" : "higher", std::fabs(*r.delta), slack,
                    c.sweep ? ", significant" : "");
      r.why = buf;
    }
  }
  const auto base_gates = gates_of(base), cand_gates = gates_of(cand);
  for (const AssertionResult& g : cand_gates) {
    const auto before = std::find_if(base_gates.begin(), base_gates.end(), [&](const AssertionResult& x) {
      return x.spec.kpi == g.spec.kpi && x.spec.over_seeds == g.spec.over_seeds && x.spec.min == g.spec.min && x.spec.max == g.spec.max;
    });
    if (!g.passed && g.evaluated && before != base_gates.end() && before->passed) c.gates_broken.push_back(g.message);
  }
  for (KpiComparison& r : others) {
    if (!r.delta || *r.delta == 0) continue;
    const bool notable = c.sweep ? (r.p_adjusted && *r.p_adjusted < alpha) : (r.relative && std::fabs(*r.relative) >= 0.05);
    if (notable) c.changed.push_back(std::move(r));
  }
  std::stable_sort(c.changed.begin(), c.changed.end(), [](const KpiComparison& x, const KpiComparison& y) {
    return std::fabs(x.relative.value_or(0)) > std::fabs(y.relative.value_or(0));
  });
  c.judged = std::move(judged);
  c.regression = !c.gates_broken.empty() ||
                 std::any_of(c.judged.begin(), c.judged.end(), [](const KpiComparison& r) { return r.verdict == "regression"; });
  return c;
}

std::string compare_markdown(const Comparison& c) {
  std::string o = "## twinbench compare\n\n";
  o += "Baseline `" + c.baseline + "`, candidate `" + c.candidate + "`" + (c.sweep ? " (sweeps: means over seeds, Welch's t-test, Holm-adjusted)" : " (one run each)") + ".\n\n";
  if (c.regression) o += "**Regression.**";
  else o += "**No regression.**";
  if (!c.gates_broken.empty()) {
    o += " Gates the baseline held and the candidate fails:\n\n";
    for (const auto& g : c.gates_broken) o += "- " + g + "\n";
  }
  o += "\n\n";
  const auto table = [&](const std::vector<KpiComparison>& rows, bool judged) {
    o += judged ? "| KPI | better | baseline | candidate | change | change % | p | effect (g) | verdict |\n|---|---|---:|---:|---:|---:|---:|---:|---|\n"
                : "| KPI | baseline | candidate | change | change % | p | effect (g) |\n|---|---:|---:|---:|---:|---:|---:|\n";
    for (const auto& r : rows) {
      std::string pct = r.relative ? num(*r.relative * 100) + " %" : "";
      o += "| `" + r.kpi + "` | ";
      if (judged) o += std::string(r.tolerance->higher_is_better ? "higher" : "lower") + " | ";
      o += num(r.baseline) + " | " + num(r.candidate) + " | " + (r.delta ? num(*r.delta) : "") + " | " + pct + " | " + p_text(r.p_adjusted) + " | " +
           (r.effect ? num(*r.effect) : "") + " |";
      if (judged) o += " " + (r.verdict == "regression" ? "**regression**: " + r.why : r.verdict) + " |";
      o += "\n";
    }
  };
  if (!c.judged.empty()) {
    o += "### Gated KPIs\n\n";
    table(c.judged, true);
    o += "\n";
  }
  if (!c.changed.empty()) {
    o += c.sweep ? "### Other KPIs that changed significantly\n\n" : "### Other KPIs that changed by 5 % or more\n\n";
    std::vector<KpiComparison> shown(c.changed.begin(), c.changed.begin() + static_cast<std::ptrdiff_t>(std::min<std::size_t>(c.changed.size(), 40)));
    table(shown, false);
    if (c.changed.size() > shown.size()) o += "\n(" + std::to_string(c.changed.size() - shown.size()) + " more in the JSON report)\n";
  }
  return o;
}

json compare_json(const Comparison& c) {
  const auto row = [](const KpiComparison& r) {
    json j = {{"kpi", r.kpi},        {"n_baseline", r.n_baseline}, {"n_candidate", r.n_candidate}, {"baseline", opt(r.baseline)},
              {"candidate", opt(r.candidate)}, {"delta", opt(r.delta)}, {"relative", opt(r.relative)}, {"p_welch", opt(r.p)},
              {"p_adjusted", opt(r.p_adjusted)}, {"hedges_g", opt(r.effect)}, {"p_mann_whitney", opt(r.p_mann_whitney)}};
    if (r.tolerance)
      j["tolerance"] = {{"better", r.tolerance->higher_is_better ? "higher" : "lower"}, {"abs", r.tolerance->abs}, {"rel", r.tolerance->rel}};
    if (!r.verdict.empty()) j["verdict"] = r.verdict;
    if (!r.why.empty()) j["why"] = r.why;
    return j;
  };
  json judged = json::array(), changed = json::array();
  for (const auto& r : c.judged) judged.push_back(row(r));
  for (const auto& r : c.changed) changed.push_back(row(r));
  return {{"format", "twinbench-compare/1"}, {"baseline", c.baseline}, {"candidate", c.candidate},  {"kind", c.sweep ? "sweep" : "run"},
          {"alpha", c.alpha},               {"regression", c.regression}, {"gates_broken", c.gates_broken}, {"judged", judged},
          {"changed", changed}};
}

}  // namespace twinbench::results
