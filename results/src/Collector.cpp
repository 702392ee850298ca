#include "twinbench/results/Collector.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <stdexcept>
#include <tuple>

#include "twinbench/results/Assertions.hpp"

#include "kpi/DetectionKpis.hpp"
#include "kpi/GatewayKpis.hpp"
#include "kpi/SecurityKpis.hpp"
#include "kpi/LifecycleKpis.hpp"
#include "kpi/MessageKpis.hpp"
#include "kpi/PeopleKpis.hpp"
#include "kpi/SessionKpis.hpp"
#include "kpi/TimeSeries.hpp"
#include "kpi/TwinKpis.hpp"
#include "kpi/WebhookKpis.hpp"

namespace twinbench::results {

using json = nlohmann::ordered_json;
using runtime::Event;
using kpi::Scope;

struct Collector::Domains {
  explicit Domains(RunMeta m) : meta(std::move(m)) {
    for (std::uint32_t g = 0; g < meta.gateways.size(); ++g) {
      fleet.gateways.push_back(g);
      fleet.devices += meta.gateways[g].devices;
    }
    fleet.fleet = true;
    for (const std::string& name : meta.sites) {
      Scope s;
      for (std::uint32_t g = 0; g < meta.gateways.size(); ++g)
        if (meta.gateways[g].site == name) s.gateways.push_back(g), s.devices += meta.gateways[g].devices;
      sites.push_back(std::move(s));
    }
    // An asset class's scope: the gateways of its sites' devices of that class, classes in the order the
    // sites first name them. A shared gateway's groups give the class a range of its devices.
    std::vector<std::vector<std::pair<std::uint32_t, std::pair<std::uint32_t, std::uint32_t>>>> parts;  // per class: (gateway, range)
    const auto add = [&](const std::string& c, std::uint32_t g, std::uint32_t first, std::uint32_t end) {
      auto at = std::find(classes.begin(), classes.end(), c);
      if (at == classes.end()) classes.push_back(c), parts.emplace_back(), at = classes.end() - 1;
      parts[static_cast<std::size_t>(at - classes.begin())].push_back({g, {first, end}});
    };
    for (std::size_t i = 0; i < sites.size(); ++i)
      for (std::uint32_t g : sites[i].gateways) {
        const GatewayMeta& gm = meta.gateways[g];
        if (gm.groups.empty()) {
          add(class_of(i), g, 0, gm.devices);
          continue;
        }
        std::uint32_t first = 0;
        for (const DeviceGroupMeta& group : gm.groups) add(group.asset_class, g, first, first + group.devices), first += group.devices;
      }
    for (auto& p : parts) {
      std::sort(p.begin(), p.end());
      Scope s;
      bool partial = false;
      for (const auto& [g, range] : p) {
        s.gateways.push_back(g);
        s.device_ranges.push_back(range);
        s.devices += range.second - range.first;
        partial = partial || range.first > 0 || range.second < meta.gateways[g].devices;
      }
      if (!partial) s.device_ranges.clear();
      class_scopes.push_back(std::move(s));
    }
  }
  std::string class_of(std::size_t site) const { return site < meta.site_classes.size() ? meta.site_classes[site] : "compressor"; }
  RunMeta meta;
  Scope fleet;
  std::vector<Scope> sites;
  std::vector<std::string> classes;
  std::vector<Scope> class_scopes;
  kpi::MessageKpis messages{meta};
  kpi::SessionKpis sessions{meta};
  kpi::GatewayKpis gateway{meta};
  kpi::TwinKpis twin{meta};
  kpi::DetectionKpis detection{meta};
  kpi::LifecycleKpis lifecycle{meta};
  kpi::SecurityKpis security{meta};
  kpi::WebhookKpis webhooks{meta};
  kpi::PeopleKpis people{meta};
  kpi::TimeSeries series{meta};
  auto all() { return std::tie(messages, sessions, gateway, twin, detection, lifecycle, security, webhooks, people, series); }

  Scope of_gateway(std::uint32_t g) const { return {false, {g}, meta.gateways[g].devices, {}}; }
  /** The families of a scope, in summary.json's order. */
  json kpis(const Scope& scope) const {
    json s;
    s["fleet"] = scope.fleet ? json{{"sites", meta.sites.size()}, {"gateways", scope.gateways.size()}, {"devices", scope.devices}}
                             : json{{"gateways", scope.gateways.size()}, {"devices", scope.devices}};
    for (const char* family : {"messages", "latency_ms", "sessions", "bytes", "uplink", "gateway_cpu", "energy", "faults", "twin", "inference",
                               "detection", "economics", "security"})
      s[family] = nullptr;
    if (scope.partial()) {  // an asset class on shared gateways: only what its own devices did (DetectionKpis)
      detection.write(scope, s);
      return s;
    }
    messages.write(scope, s);
    sessions.write(scope, s);
    gateway.write(scope, s);
    twin.write(scope, s);
    detection.write(scope, s);
    lifecycle.write(scope, s);
    security.write(scope, s);
    webhooks.write(scope, s);
    people.write(scope, s);
    return s;
  }
};

namespace {

// Dispatch: each event kind goes to every domain with an on() for it, through a table indexed by kind.
using Handler = void (*)(Collector::Domains&, const Event&);
constexpr std::size_t kKinds = 80;

template <class D, class P>
void call(D& domain, const Event& e, const P& p) {
  if constexpr (requires { domain.on(e, p); }) domain.on(e, p);
}

template <class P>
void deliver(Collector::Domains& d, const Event& e) {
  const P p = e.as<P>();
  std::apply([&](auto&... domain) { (call(domain, e, p), ...); }, d.all());
}

template <class... P>
constexpr std::array<Handler, kKinds> add_kinds(runtime::EventKinds<P...>, std::array<Handler, kKinds> table) {
  const auto put = [&](std::size_t id, Handler h) {
    if (id >= kKinds || table[id] != nullptr) throw std::logic_error("event kind ids must be unique and below 80");
    table[id] = h;
  };
  (put(static_cast<std::size_t>(P::kind), &deliver<P>), ...);
  return table;
}

constexpr std::array<Handler, kKinds> kTable = add_kinds(sim::ev::All{}, add_kinds(runtime::ev::All{}, {}));

/** The headline KPI of each family, and which way is worse: summary.json names the worst site and gateway for each. */
struct Headline {
  const char* name;
  const char* kpi;
  bool higher_is_worse;
};
constexpr Headline kHeadlines[] = {
    {"delivery_ratio", "/messages/delivery_ratio", false},
    {"latency_p99", "/latency_ms/p99", true},
    {"connected_ratio", "/sessions/connected_ratio", false},
    {"uplink_records_dropped", "/uplink/records_dropped", true},
    {"gateway_cpu", "/gateway_cpu/utilization_max", true},
    {"radio_energy", "/energy/per_device_per_day_j", true},
    {"twin_failed", "/twin/failed", true},
    {"inference_latency_p99", "/inference/latency_ms/p99", true},
    {"recall", "/detection/recall", false},
    {"false_alert_rate", "/detection/false_alerts_per_1000_device_days", true},
    {"net_savings", "/economics/net_savings", false},
    {"drift_delay", "/lifecycle/drift/detection_delay_h/max", true},
    {"ota_failed", "/lifecycle/ota/failed", true},
};

/** A table with a row per scope: the label columns, then a column per numeric KPI path of the first row. */
std::string table_csv(const std::vector<std::string>& label_names, const std::vector<std::vector<std::string>>& labels,
                      const std::vector<json>& rows) {
  std::string out;
  for (const auto& l : label_names) out += l + ',';
  const std::vector<std::string> paths = rows.empty() ? std::vector<std::string>{} : kpi_paths(rows.front());
  for (std::size_t i = 0; i < paths.size(); ++i) out += paths[i] + (i + 1 < paths.size() ? "," : "");
  out += '\n';
  for (std::size_t r = 0; r < rows.size(); ++r) {
    for (const auto& l : labels[r]) out += l + ',';
    for (std::size_t i = 0; i < paths.size(); ++i) {
      const json::json_pointer ptr(paths[i]);
      if (rows[r].contains(ptr) && rows[r].at(ptr).is_number()) out += rows[r].at(ptr).dump();
      out += i + 1 < paths.size() ? "," : "";
    }
    out += '\n';
  }
  return out;
}

}  // namespace

Collector::Collector(RunMeta meta) : d_(std::make_unique<Domains>(std::move(meta))), hashes_(d_->meta.gateways.size(), kHashSeed) {}
Collector::~Collector() = default;

void Collector::emit(const Event& e) {
  if (e.gateway >= d_->meta.gateways.size()) throw std::logic_error("an event names gateway " + std::to_string(e.gateway) + " of a run with fewer");
  // Trace hash: every field of every event, in order, one chain per gateway (see trace_hash()).
  std::uint64_t& h = hashes_[e.gateway];
  for (std::uint64_t x : {static_cast<std::uint64_t>(e.t_us), (static_cast<std::uint64_t>(e.kind) << 32) ^ e.gateway,
                          static_cast<std::uint64_t>(e.device), static_cast<std::uint64_t>(e.field[0]), static_cast<std::uint64_t>(e.field[1]),
                          static_cast<std::uint64_t>(e.field[2]), static_cast<std::uint64_t>(e.field[3])})
    h = mix(h, x);
  ++events_;
  const auto k = static_cast<std::size_t>(e.kind);
  if (k < kKinds && kTable[k]) kTable[k](*d_, e);
}

void Collector::set_lifecycle_names(LifecycleNames n) { d_->lifecycle.set_names(std::move(n)); }

json Collector::site_kpis(std::size_t site) const { return d_->kpis(d_->sites.at(site)); }
json Collector::gateway_kpis(std::uint32_t gateway) const { return d_->kpis(d_->of_gateway(gateway)); }

json Collector::summary() const {
  const RunMeta& m = d_->meta;
  json s;
  s["format"] = "twinbench-summary/1";
  s["scenario"] = m.scenario;
  s["seed"] = m.seed;
  s["duration_s"] = m.duration_s;
  s.update(d_->kpis(d_->fleet));
  // The worst site and gateway of each family's headline KPI (ties: the first); null where none has a value.
  std::vector<json> sites, gateways;
  for (std::size_t i = 0; i < d_->sites.size(); ++i) sites.push_back(site_kpis(i));
  for (std::uint32_t g = 0; g < m.gateways.size(); ++g) gateways.push_back(gateway_kpis(g));
  json worst = json::object();
  for (const Headline& h : kHeadlines) {
    const json::json_pointer ptr(h.kpi);
    const auto pick = [&](const std::vector<json>& rows, auto name_of) -> std::pair<json, json> {
      std::optional<std::size_t> best;
      for (std::size_t i = 0; i < rows.size(); ++i) {
        if (!rows[i].contains(ptr) || !rows[i].at(ptr).is_number()) continue;
        const double v = rows[i].at(ptr).get<double>();
        if (!best || (h.higher_is_worse ? v > rows[*best].at(ptr).get<double>() : v < rows[*best].at(ptr).get<double>())) best = i;
      }
      if (!best) return {nullptr, nullptr};
      return {name_of(*best), rows[*best].at(ptr)};
    };
    const auto [site, site_value] = pick(sites, [&](std::size_t i) { return m.sites[i]; });
    const auto [gateway, gateway_value] = pick(gateways, [&](std::size_t i) { return m.gateways[i].name; });
    worst[h.name] = {{"kpi", h.kpi}, {"worse", h.higher_is_worse ? "higher" : "lower"}, {"site", site}, {"site_value", site_value},
                     {"gateway", gateway}, {"gateway_value", gateway_value}};
  }
  // Every KPI family per asset class.
  json by_class = json::object();
  for (std::size_t c = 0; c < d_->classes.size(); ++c) {
    json k = d_->kpis(d_->class_scopes[c]);
    const auto own = m.class_fault_modes.find(d_->classes[c]);
    if (own != m.class_fault_modes.end() && k["detection"].is_object() && k["detection"].contains("by_mode")) {
      json modes = json::object();
      for (const std::string& mode : own->second)
        if (k["detection"]["by_mode"].contains(mode)) modes[mode] = k["detection"]["by_mode"][mode];
      k["detection"]["by_mode"] = std::move(modes);
    }
    by_class[d_->classes[c]] = std::move(k);
  }
  s["asset_classes"] = by_class;
  s["worst"] = worst;
  s["events"] = events_;
  s["trace_hash"] = trace_hash();
  return s;
}

std::string Collector::sites_csv() const {
  std::vector<json> rows;
  std::vector<std::vector<std::string>> labels;
  for (std::size_t i = 0; i < d_->sites.size(); ++i) rows.push_back(site_kpis(i)), labels.push_back({d_->meta.sites[i], d_->class_of(i)});
  return table_csv({"site", "asset_class"}, labels, rows);
}

std::string Collector::gateways_csv() const {
  std::vector<json> rows;
  std::vector<std::vector<std::string>> labels;
  for (std::uint32_t g = 0; g < d_->meta.gateways.size(); ++g)
    rows.push_back(gateway_kpis(g)), labels.push_back({d_->meta.gateways[g].site, d_->meta.gateways[g].name});
  return table_csv({"site", "gateway"}, labels, rows);
}

std::string Collector::timeseries_csv() const { return d_->series.csv(d_->detection, d_->lifecycle); }

std::string Collector::latency_csv() const {
  std::string out = "scope,name,kind,lower_ms,upper_ms,count,cumulative_fraction\n";
  char line[160];
  const auto add = [&](const char* scope, const std::string& name, const char* kind, const Histogram& h) {
    std::uint64_t seen = 0;
    for (const Histogram::Bucket& b : h.buckets()) {
      seen += b.count;
      std::snprintf(line, sizeof line, ",%s,%.3f,%.3f,%llu,%.6f\n", kind, static_cast<double>(b.lowest) / 1000.0, static_cast<double>(b.highest) / 1000.0,
                    static_cast<unsigned long long>(b.count), static_cast<double>(seen) / static_cast<double>(h.count()));
      out += scope;
      out += ',' + name + line;
    }
  };
  add("fleet", d_->meta.scenario, "message", d_->messages.latency_us(d_->fleet));
  add("fleet", d_->meta.scenario, "inference", d_->detection.inference_us(d_->fleet));
  for (std::size_t i = 0; i < d_->sites.size(); ++i) {
    add("site", d_->meta.sites[i], "message", d_->messages.latency_us(d_->sites[i]));
    add("site", d_->meta.sites[i], "inference", d_->detection.inference_us(d_->sites[i]));
  }
  return out;
}

std::string Collector::ground_truth_csv() const { return d_->detection.ground_truth_csv(); }
std::string Collector::outages_csv() const { return d_->detection.outages_csv(); }

std::string Collector::timeline_csv() const {
  std::vector<kpi::Mark> marks;
  d_->detection.timeline(marks);
  d_->lifecycle.timeline(marks);
  // In time order, then by gateway (the cloud's first): the same order however different gateways' events interleaved.
  std::stable_sort(marks.begin(), marks.end(), [](const kpi::Mark& a, const kpi::Mark& b) { return a.t_us != b.t_us ? a.t_us < b.t_us : a.gateway < b.gateway; });
  std::string out = "t_s,site,gateway,device,event,detail\n";
  char t[32];
  for (const kpi::Mark& m : marks) {
    std::snprintf(t, sizeof t, "%.3f", static_cast<double>(m.t_us) / 1e6);
    out += t;
    out += ',';
    if (m.gateway >= 0) {
      const GatewayMeta& g = d_->meta.gateways[static_cast<std::size_t>(m.gateway)];
      out += g.site + ',' + g.name;
    } else {
      out += ',';
    }
    out += ',';
    if (m.device >= 0) out += std::to_string(m.device);
    out += ',';
    out += m.event;
    out += ',';
    for (char c : m.detail) out += c == ',' || c == '\n' || c == '\r' || c == '"' ? ' ' : c;  // a version is free text: the CSV has no quoting
    out += '\n';
  }
  return out;
}

std::string Collector::versions_csv() const { return d_->lifecycle.enabled() ? d_->lifecycle.versions_csv() : ""; }

std::string Collector::trace_hash() const {
  // The gateways' chains in gateway order: the same whatever the interleaving of different gateways'
  // events, which a sharded run's ranks cannot reproduce (docs/performance.md), and which carries nothing.
  std::uint64_t h = kHashSeed;
  for (std::uint64_t g : hashes_) h = mix(h, g);
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

}  // namespace twinbench::results
