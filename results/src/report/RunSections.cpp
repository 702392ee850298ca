#include "RunSections.hpp"

#include <algorithm>
#include <cmath>

#include "Svg.hpp"

namespace twinbench::results::report {

namespace {

/** Every k-th of n items so that at most kMarkersMax are drawn. */
std::size_t stride(std::size_t n) { return n <= kMarkersMax ? 1 : (n + kMarkersMax - 1) / kMarkersMax; }

std::string thinned(std::size_t k, const char* what) {
  return k == 1 ? std::string() : " (1 in " + std::to_string(k) + " " + what + " drawn)";
}

std::size_t index_of(const std::vector<std::string>& names, const std::string& name) {
  return static_cast<std::size_t>(std::find(names.begin(), names.end(), name) - names.begin());
}

}  // namespace

std::string alerts_figure(const Table& tl, const std::vector<std::string>& sites, double end_h) {
  // Three lanes per site: fault onsets above, true alerts in the middle, false and late alerts below.
  Chart c("Alerts against fault onsets, per site", "simulated time (h)", "site");
  c.y_categories(sites).x_range(0, end_h).no_legend();
  c.key("fault onset", 0).key("true alert", 2).key("false alert", 3).key("late alert", 4);
  std::size_t onsets = 0, alerts = 0;
  for (std::size_t r = 0; r < tl.rows(); ++r) onsets += tl.at(r, "event") == "fault_onset", alerts += tl.at(r, "event") == "alert";
  const std::size_t k_onsets = stride(onsets), k_alerts = stride(alerts);
  std::size_t n_onsets = 0, n_alerts = 0;
  for (std::size_t r = 0; r < tl.rows(); ++r) {
    const std::string& event = tl.at(r, "event");
    const std::size_t site = index_of(sites, tl.at(r, "site"));
    if (site == sites.size()) continue;
    const double y = static_cast<double>(site), t = tl.required(r, "t_s") / 3600.0;
    const std::string who = tl.at(r, "gateway") + " device " + tl.at(r, "device");
    if (event == "fault_onset" && n_onsets++ % k_onsets == 0) {
      c.marker({t, y + 0.25, who + ": " + tl.at(r, "detail") + " begins", 0});
    } else if (event == "alert" && n_alerts++ % k_alerts == 0) {
      const std::string& v = tl.at(r, "detail");
      c.marker({t, v == "true" ? y : y - 0.25, who + ": " + v + " alert", v == "true" ? 2 : v == "false" ? 3 : 4});
    }
  }
  return figure(c, "alerts",
                "When did each site raise alerts, and were they true? (top lane: a fault begins; middle: a true alert; bottom: a false or late one)" +
                    thinned(k_onsets, "onsets") + thinned(k_alerts, "alerts"));
}

std::string lead_time_figure(const Table& truth, const std::vector<std::string>& modes, std::map<std::string, double>& lead_p50_h) {
  Chart c("Detection time and lead time by fault mode", "hours", "fault mode");
  c.y_categories(modes).no_legend().key("onset to first alert", 0).key("first alert to failure (lead time)", 2);
  std::map<std::string, std::vector<double>> leads;
  double longest_h = 0;
  const std::size_t k = stride(truth.rows());
  for (std::size_t r = 0; r < truth.rows(); ++r) {
    const auto detected = truth.number(r, "detected_s");
    const std::size_t m = index_of(modes, truth.at(r, "mode"));
    if (!detected || m == modes.size()) continue;
    const double onset = truth.required(r, "onset_s"), failure = truth.required(r, "failure_s");
    const double lead_h = (failure - *detected) / 3600.0;
    leads[truth.at(r, "mode")].push_back(lead_h);
    longest_h = std::max({longest_h, lead_h, (*detected - onset) / 3600.0});
    if (r % k != 0) continue;
    const std::string who = truth.at(r, "site") + " device " + truth.at(r, "device");
    c.marker({(*detected - onset) / 3600.0, static_cast<double>(m) + 0.15, who + ": alert " + show(json((*detected - onset) / 3600.0), 3) + " h after onset", 0});
    c.marker({lead_h, static_cast<double>(m) - 0.15, who + ": alert " + show(json(lead_h), 3) + " h before failure", 2});
  }
  if (longest_h > 0) c.x_range(0, longest_h * 1.05);
  for (auto& [mode, v] : leads) {
    std::sort(v.begin(), v.end());
    lead_p50_h[mode] = v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
  }
  return figure(c, "lead-times", "How long after its onset is each kind of fault caught, and how long before it fails does the alert come?" + thinned(k, "faults"));
}

std::string lifecycle_section(const json& s, const Table* tl, const Table* versions, double end_h) {
  bool events = false;
  for (std::size_t r = 0; tl && r < tl->rows(); ++r) events = events || (tl->at(r, "event") != "fault_onset" && tl->at(r, "event") != "alert");
  const json& rollouts = at(s, "/lifecycle/rollouts");
  if (!events && !versions && !(rollouts.is_array() && !rollouts.empty())) return {};
  std::string h = "<section id=\"lifecycle\"><h2>Lifecycle</h2><div class=\"charts\">";

  // Version shares, with each rollout wave from its start to its gate as a band, and each retraining.
  Chart shares("Share of the fleet on each version", "simulated time (h)", "share");
  shares.x_range(0, end_h).y_range(0, 1);
  if (versions) {
    std::vector<std::string> names;
    for (std::size_t r = 0; r < versions->rows(); ++r) {
      const std::string name = versions->at(r, "artifact") + " " + versions->at(r, "version");
      if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
    }
    for (const std::string& name : names) {
      Series sr{name, {}, true};
      for (std::size_t r = 0; r < versions->rows(); ++r)
        if (versions->at(r, "artifact") + " " + versions->at(r, "version") == name) sr.points.emplace_back(versions->required(r, "t_h"), versions->required(r, "share"));
      shares.series(std::move(sr));
    }
  }
  std::map<std::string, double> wave_start;  // "rollout k ...; wave w" -> start (h)
  for (std::size_t r = 0; tl && r < tl->rows(); ++r) {
    const std::string& event = tl->at(r, "event");
    const std::string& detail = tl->at(r, "detail");
    const double t = tl->required(r, "t_s") / 3600.0;
    const std::string wave = detail.substr(0, detail.rfind("; "));  // without its targets
    if (event == "wave_started") wave_start[wave] = t;
    else if ((event == "wave_passed" || event == "wave_failed") && wave_start.contains(wave))
      shares.band({wave_start[wave], t, wave + (event == "wave_passed" ? ": gate passed" : ": gate failed")});
    else if (event == "model_trained") shares.marker({t, 1.0, "retrained: " + detail, 4});
  }
  if (shares.points() > 0) h += figure(shares, "versions", "Which versions does the fleet run over time, and how did each rollout's waves proceed? (bands: a wave from its start to its gate; dots: a retraining)");

  // Drift: each gateway's onsets against its detections.
  std::vector<std::string> gateways;
  for (std::size_t r = 0; tl && r < tl->rows(); ++r) {
    const std::string& event = tl->at(r, "event");
    if ((event == "drift_onset" || event == "drift_detected") && index_of(gateways, tl->at(r, "gateway")) == gateways.size()) gateways.push_back(tl->at(r, "gateway"));
  }
  std::sort(gateways.begin(), gateways.end());
  if (!gateways.empty()) {
    Chart drift("Drift: onsets and detections, per gateway", "simulated time (h)", "gateway");
    drift.y_categories(gateways).x_range(0, end_h).no_legend().key("drift begins", 0).key("drift detected", 3);
    for (std::size_t r = 0; r < tl->rows(); ++r) {
      const std::string& event = tl->at(r, "event");
      if (event != "drift_onset" && event != "drift_detected") continue;
      const std::string& gw = tl->at(r, "gateway");
      const double y = static_cast<double>(index_of(gateways, gw));
      const bool onset = event == "drift_onset";
      drift.marker({tl->required(r, "t_s") / 3600.0, onset ? y + 0.15 : y - 0.15, gw + ": " + (onset ? "drift begins (" : "drift detected (") + tl->at(r, "detail") + ")",
                    onset ? 0 : 3});
    }
    h += figure(drift, "drift", "Was each drift detected, how soon after it began, and were there detections without drift?");
  }
  h += "</div>";
  if (rollouts.is_array() && !rollouts.empty()) {
    h += "<table id=\"rollouts\"><tr><th>rollout</th><th>artifact</th><th>version</th><th>state</th><th>started (h)</th><th>took (h)</th><th>targets</th>"
         "<th>waves</th><th>gates passed</th><th>committed</th><th>rolled back</th><th>failed</th></tr>";
    for (const json& r : rollouts)
      h += "<tr><td>" + show(r.value("rollout", json())) + "</td><td>" + escape(r.value("artifact", "")) + "</td><td>" + escape(r.value("version", "")) + "</td><td>" +
           escape(r.value("state", "")) + "</td><td>" + show(r.value("started_h", json()), 3) + "</td><td>" + show(r.value("duration_h", json()), 3) + "</td><td>" +
           show(r.value("targets", json())) + "</td><td>" + show(r.value("waves", json())) + "</td><td>" + show(r.value("waves_passed", json())) + "</td><td>" +
           show(r.value("committed", json())) + "</td><td>" + show(r.value("rolled_back", json())) + "</td><td>" + show(r.value("failed", json())) + "</td></tr>";
    h += "</table>";
  }
  return h + "</section>";
}

}  // namespace twinbench::results::report
