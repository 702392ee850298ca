#include "twinbench/core/Endpoint.hpp"
#include "twinbench/sim/ScenarioLoader.hpp"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "LoaderParts.hpp"
#include "twinbench/ai/Torch.hpp"
#include "twinbench/core/JsonReader.hpp"
#include "twinbench/twins/dtdl/Terms.hpp"
#include "twinbench/twins/dtdl/Topics.hpp"
#include "twinbench/twins/dtdl/TwinRegistry.hpp"

namespace twinbench::sim {

using nlohmann::json;
using core::JsonObject;

namespace loader {

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) (out += out.empty() ? "" : ", ") += n;
  return out;
}

std::string scenario_path(const Scenario& sc, const std::string& p) {
  const std::filesystem::path path(p);
  return (path.is_absolute() ? path : std::filesystem::path(sc.file).parent_path() / path).lexically_normal().string();
}

double scheduled_at(const Scenario& sc, const JsonObject& o) {
  const double at_s = o.non_negative_or("at_s", 0);
  if (at_s >= sc.duration_s) {
    char what[160];
    std::snprintf(what, sizeof what, "expected a time before the end of the run (duration_s %g), got %g: it would never happen", sc.duration_s, at_s);
    o.fail("at_s", what);
  }
  return at_s;
}

std::size_t site_index(const Scenario& sc, const JsonObject& o, std::string_view key) {
  const std::string name = o.string(key);
  for (std::size_t i = 0; i < sc.sites.size(); ++i)
    if (sc.sites[i].name == name) return i;
  o.fail(key, "no site named '" + name + "'");
}

void refuse_shared(const Scenario& sc, const JsonObject& o, std::optional<std::size_t> site, std::string_view key, const std::string& what) {
  for (std::size_t i = 0; i < sc.sites.size(); ++i)
    if ((!site || *site == i) && sc.sites[i].shared)
      o.fail(key, what + " on site '" + sc.sites[i].name + "', whose gateways are shared by device groups (\"devices\"): not yet supported" +
                      (site ? "" : "; name a \"site\" of one device group"));
}

}  // namespace loader

using loader::scenario_path;
using loader::scheduled_at;
using loader::read_fault;
using loader::read_security;
using loader::site_index;
using loader::read_group;
using loader::read_rules_file;
using loader::kDevicesPerGatewayMax;

namespace {

constexpr std::string_view kFormat = "twinbench-scenario/1";
constexpr std::uint32_t kGatewaysPerSiteMax = 100'000;

bool valid_name(const std::string& s) { return std::regex_match(s, std::regex("[A-Za-z0-9][A-Za-z0-9._-]{0,63}")); }


LinkSpec read_link(const JsonObject& o) {
  o.allow({"preset", "bandwidth_bps", "latency_ms", "loss_probability", "overhead_bytes_per_message", "energy_nj_per_bit",
           "energy_nj_per_message", "jitter", "burst_loss"});
  const std::string name = o.string("preset");
  std::optional<LinkSpec> preset = link_preset(name);
  if (!preset) {
    std::string list;
    for (const auto& n : link_preset_names()) list += (list.empty() ? "" : ", ") + n;
    o.fail("preset", "unknown preset '" + name + "' (expected one of: " + list + ")");
  }
  LinkSpec l = *preset;
  l.bandwidth_bps = o.positive_or("bandwidth_bps", l.bandwidth_bps);
  l.latency_ms = o.non_negative_or("latency_ms", l.latency_ms);
  l.loss_probability = o.probability_or("loss_probability", l.loss_probability);
  if (o.has("loss_probability")) l.burst_loss.reset();
  if (l.loss_probability >= 1) o.fail("loss_probability", "expected a probability below 1 (nothing would ever arrive), got 1");
  l.overhead_bytes_per_message = o.non_negative_or("overhead_bytes_per_message", l.overhead_bytes_per_message);
  l.energy_nj_per_bit = o.non_negative_or("energy_nj_per_bit", l.energy_nj_per_bit);
  l.energy_nj_per_message = o.non_negative_or("energy_nj_per_message", l.energy_nj_per_message);
  if (auto j = o.optional_object("jitter")) {
    j->allow({"median_ms", "sigma"});
    if (!j->has("median_ms")) JsonObject::fail_at(j->file(), o.path_of("jitter"), "missing required key 'median_ms' (0: no jitter)");
    l.jitter_median_ms = j->non_negative_or("median_ms", 0);
    l.jitter_sigma = j->non_negative_or("sigma", 0);
    if (l.jitter_sigma > 5) j->fail("sigma", "expected a log-space standard deviation of at most 5 (a p99 of 10^5 times the median), got " + std::to_string(l.jitter_sigma));
  }
  if (auto b = o.optional_object("burst_loss")) {
    if (o.has("loss_probability")) o.fail("burst_loss", "give either \"loss_probability\" (independent losses) or \"burst_loss\", not both");
    b->allow({"p_enter_bad", "p_leave_bad", "loss_in_good", "loss_in_bad"});
    core::BurstLoss g;
    g.p_enter_bad = b->probability_or("p_enter_bad", -1);
    if (g.p_enter_bad < 0) b->fail("p_enter_bad", "required: the probability that a message finds the channel turning bad");
    g.p_leave_bad = b->probability_or("p_leave_bad", -1);
    if (g.p_leave_bad <= 0) b->fail("p_leave_bad", "required, above 0: the probability that the bad state ends at a message");
    g.loss_in_good = b->probability_or("loss_in_good", 0);
    g.loss_in_bad = b->probability_or("loss_in_bad", 1);
    if (g.loss_ratio() >= 1) b->fail("loss_in_good", "the channel would lose every message");
    l.burst_loss = g;
  }
  return l;
}

/** The Telemetry `name` ("name" or "component/name") of Interface `twin`, or nullptr. */
SiteSpec read_site(const Scenario& sc, const JsonObject& o) {
  static constexpr std::string_view kGroupKeys[] = {"asset_class", "devices_per_gateway", "device", "twin", "telemetry_binding", "edge_ai"};
  o.allow({"name", "asset_class", "gateways", "devices_per_gateway", "ambient", "device", "link", "wan", "gateway", "twin", "telemetry_binding",
           "edge_ai", "devices"});
  SiteSpec s;
  s.name = o.string("name");
  if (!valid_name(s.name)) o.fail("name", "expected a name of letters, digits, '.', '_' or '-' (at most 64), got '" + s.name + "'");
  s.gateways = static_cast<std::uint32_t>(o.integer("gateways", 1, kGatewaysPerSiteMax));
  if (auto a = o.optional_object("ambient")) {
    a->allow({"mean_c", "amplitude_c"});
    s.ambient.mean_c = a->number_or("mean_c", s.ambient.mean_c);
    s.ambient.amplitude_c = a->non_negative_or("amplitude_c", s.ambient.amplitude_c);
  }
  s.link = read_link(o.object("link"));
  if (!o.has("devices")) {
    read_group(sc, o, s);
  } else {  // shared gateways: a device group per asset class
    for (std::string_view k : kGroupKeys)
      if (o.has(k)) o.fail(std::string(k), "with \"devices\", each device group says its own (move it into an entry of \"devices\")");
    const auto entries = o.array("devices", true);
    if (entries.empty() || entries.size() > 16) o.fail("devices", "expected 1 to 16 device groups, got " + std::to_string(entries.size()));
    s.shared = true;
    std::uint64_t total = 0;
    for (std::size_t i = 0; i < entries.size(); ++i) {
      const JsonObject g(*entries[i].first, entries[i].second, o.file());
      DeviceGroup& group = i == 0 ? static_cast<DeviceGroup&>(s) : s.other_groups.emplace_back();
      read_group(sc, g, group);
      if (group.device.protocol != DeviceSpec::Protocol::mqtt)
        g.fail("device", "on a shared gateway every device group speaks MQTT (the gateway routes records by topic)");
      for (std::size_t k = 0; k < i; ++k)
        if (s.group(k).asset == group.asset) g.fail("asset_class", "two device groups of the " + group.asset->descriptor.name + " class: merge them");
      if (!group.telemetry_topic.empty())
        g.fail("twin", group.twin + " sets an Mqtt telemetryTopic; on a shared gateway each class publishes on <gateway>/<device>/telemetry/<class>");
      total += group.devices_per_gateway;
    }
    if (total > kDevicesPerGatewayMax)
      o.fail("devices", "expected at most " + std::to_string(kDevicesPerGatewayMax) + " devices per gateway over all groups, got " + std::to_string(total));
  }
  if (auto w = o.optional_object("wan")) {
    w->allow({"bandwidth_bps", "latency_ms"});
    s.wan.bandwidth_bps = w->positive_or("bandwidth_bps", s.wan.bandwidth_bps);
    s.wan.latency_ms = w->non_negative_or("latency_ms", s.wan.latency_ms);
  }
  if (auto g = o.optional_object("gateway")) {
    g->allow({"cpu_flops", "forward_interval_s", "uplink_buffer_bytes_max", "sync_interval_s", "sync_records", "ingest_cost_flops", "mqtt"});
    s.gateway.cpu_flops = g->positive_or("cpu_flops", s.gateway.cpu_flops);
    s.gateway.forward_interval_s = g->positive_or("forward_interval_s", s.gateway.forward_interval_s);
    s.gateway.uplink_buffer_bytes_max = g->integer_or("uplink_buffer_bytes_max", 1024, UINT32_MAX, s.gateway.uplink_buffer_bytes_max);
    s.gateway.sync_interval_s = g->non_negative_or("sync_interval_s", s.gateway.sync_interval_s);
    s.gateway.sync_records = g->integer_or("sync_records", 0, 1'000'000, s.gateway.sync_records);
    s.gateway.ingest_cost_flops = g->non_negative_or("ingest_cost_flops", s.gateway.ingest_cost_flops);
    if (auto m = g->optional_object("mqtt")) {  // the keys and ranges of twinbench-edge's "mqtt"
      m->allow({"max_packet_bytes", "max_inflight", "max_queued", "max_connections", "connect_timeout_ms", "receive_maximum", "max_keepalive_s"});
      auto& b = s.gateway.mqtt;
      b.max_packet_bytes = m->integer_or("max_packet_bytes", 64, runtime::mqtt::kMaxRemainingLength + 5, b.max_packet_bytes);
      b.max_inflight = static_cast<std::uint16_t>(m->integer_or("max_inflight", 1, 65535, b.max_inflight));
      b.max_queued = m->integer_or("max_queued", 0, 10'000'000, b.max_queued);
      b.max_connections = m->integer_or("max_connections", 1, 1'000'000, b.max_connections);
      b.connect_timeout_us = static_cast<runtime::TimeUs>(m->integer_or("connect_timeout_ms", 100, 3'600'000, b.connect_timeout_us / 1000)) * 1000;
      b.receive_maximum = static_cast<std::uint16_t>(m->integer_or("receive_maximum", 1, 65535, b.receive_maximum));
      b.max_keepalive_s = static_cast<std::uint16_t>(m->integer_or("max_keepalive_s", 0, 65535, b.max_keepalive_s));
    }
  }
  return s;
}

void read_twin_operation(Scenario& sc, const JsonObject& o) {
  o.allow({"at_s", "site", "gateway", "set_property", "command"});
  TwinOperation op;
  op.at_s = scheduled_at(sc, o);
  op.site = site_index(sc, o, "site");
  const SiteSpec& site = sc.sites[op.site];
  if (o.has("gateway")) op.gateway = static_cast<std::uint32_t>(o.integer("gateway", 0, site.gateways - 1));
  if (o.has("set_property") == o.has("command")) o.fail("set_property", "expected exactly one of \"set_property\" and \"command\"");
  if (site.twin.empty()) o.fail("site", "site '" + site.name + "' has no \"twin\": there is no model to send properties or commands to");
  if (site.shared) o.fail("site", "site '" + site.name + "' has shared gateways (\"devices\"): twin operations need a site of one device group (not yet supported)");
  const bool property = o.has("set_property");
  const std::string key = property ? "set_property" : "command";
  const JsonObject body = o.object(key);
  body.allow(property ? std::initializer_list<std::string_view>{"name", "value"} : std::initializer_list<std::string_view>{"name", "request"});
  op.kind = property ? TwinOperation::Kind::set_property : TwinOperation::Kind::command;
  op.name = body.string("name");
  const char sep = property ? '/' : '*';
  const auto at = op.name.find(sep);
  const std::string component = at == std::string::npos ? "" : op.name.substr(0, at);
  const std::string element = at == std::string::npos ? op.name : op.name.substr(at + 1);
  const twins::dtdl::Interface& model = *sc.models->find(site.twin);
  const twins::dtdl::Located l = twins::dtdl::locate(*sc.models, model, component, element);
  if (!l.element) body.fail("name", l.detail);
  const nlohmann::json none;
  const nlohmann::json& value = body.has(property ? "value" : "request") ? body.raw()[property ? "value" : "request"] : none;
  if (property) {
    if (l.element->kind != twins::dtdl::ContentKind::property) body.fail("name", "'" + op.name + "' is not a Property of " + site.twin);
    if (!l.element->writable) body.fail("name", "Property '" + op.name + "' of " + site.twin + " is not writable");
    if (!body.has("value")) body.fail("value", "missing: the value to set");
    if (l.element->schema)
      if (auto e = twins::dtdl::validate_value(*l.element->schema, value, *l.iface)) body.fail("value", "does not fit the model: " + *e);
  } else {
    if (l.element->kind != twins::dtdl::ContentKind::command) body.fail("name", "'" + op.name + "' is not a Command of " + site.twin);
    const auto& request = l.element->request;
    if (!request && body.has("request")) body.fail("request", "Command '" + op.name + "' takes no request");
    if (request && !body.has("request")) body.fail("request", "missing: Command '" + op.name + "' takes a request ('" + request->name + "')");
    if (request && request->schema)
      if (auto e = twins::dtdl::validate_value(*request->schema, value, *l.iface)) body.fail("request", "does not fit the model: " + *e);
  }
  op.value_json = value.dump();
  sc.twin_operations.push_back(std::move(op));
}

void read_rule_change(Scenario& sc, const JsonObject& o) {
  o.allow({"at_s", "site", "set_rules"});
  RuleChange c;
  c.at_s = scheduled_at(sc, o);
  if (o.has("site")) c.site = site_index(sc, o, "site");
  bool any = false;
  for (std::size_t i = 0; i < sc.sites.size(); ++i)
    if (sc.sites[i].edge_ai && (!c.site || *c.site == i)) any = true;
  if (!any) o.fail(o.has("site") ? "site" : "set_rules", "no site in scope has \"edge_ai\": there are no rules to change");
  read_rules_file(sc, o, "set_rules", &c.rules_json);
  sc.rule_changes.push_back(std::move(c));
}

void read_economics(Scenario& sc, const JsonObject& o) { sc.economics = core::read_economics(o); }

void read_sensors(Scenario& sc, const JsonObject& o) {
  o.allow({"dropout_probability", "noise_scale", "bias_scale"});
  if (o.has("dropout_probability")) sc.sensor_scaling.dropout_probability = o.probability("dropout_probability");
  sc.sensor_scaling.noise_scale = o.non_negative_or("noise_scale", 1.0);
  sc.sensor_scaling.bias_scale = o.non_negative_or("bias_scale", 1.0);
}

void read_assertion(Scenario& sc, const JsonObject& o) {
  o.allow({"kpi", "min", "max", "over_seeds"});
  Assertion a;
  a.kpi = o.string("kpi");
  if (a.kpi.empty() || a.kpi[0] != '/') o.fail("kpi", "expected a JSON pointer into summary.json such as \"/messages/delivery_ratio\", got '" + a.kpi + "'");
  a.min = o.optional_number("min");
  a.max = o.optional_number("max");
  if (!a.min && !a.max) o.fail("min", "an assertion needs \"min\", \"max\" or both");
  if (a.min && a.max && *a.min > *a.max) o.fail("max", "expected max >= min");
  if (auto over = o.optional_object("over_seeds")) {  // the statistic's name is checked with the KPI path (twinbench validate)
    over->allow({"statistic"});
    a.over_seeds = over->string("statistic");
  }
  sc.assertions.push_back(a);
}

/** "models": DTDL files or folders, relative to the scenario's folder; any model error is bad input. */
void read_models(Scenario& sc, const JsonObject& root) {
  const auto entries = root.array("models", false);
  if (entries.empty()) return;
  auto set = std::make_shared<twins::dtdl::ModelSet>();
  for (const auto& [j, path] : entries) {
    if (!j->is_string()) JsonObject::fail_at(sc.file, path, "expected a path to a DTDL file or folder, got " + JsonObject::show(*j));
    set->add_path(scenario_path(sc, j->get<std::string>()));
  }
  set->resolve();
  if (!set->ok()) {
    const auto& d = set->diagnostics();
    JsonObject::fail_at(sc.file, "/models", "the DTDL models have " + std::to_string(d.size()) + " error(s); the first: " + d.front().str() +
                                                 " (twinbench twins check lists them all)");
  }
  sc.models = std::move(set);
}

void read_hil(Scenario& sc, const JsonObject& h) {
  HilSpec& hil = sc.hil;
  h.allow({"speed", "policy", "max_lag_ms", "tick_ms", "gateways"});
  hil.speed = h.positive_or("speed", hil.speed);
  const std::string policy = h.string_or("policy", "best-effort");
  if (policy != "best-effort" && policy != "hard-limit") h.fail("policy", "expected \"best-effort\" or \"hard-limit\", got '" + policy + "'");
  hil.hard_limit = policy == "hard-limit";
  hil.max_lag_ms = h.positive_or("max_lag_ms", hil.max_lag_ms);
  hil.tick_ms = h.positive_or("tick_ms", hil.tick_ms);
  if (hil.tick_ms < 1) h.fail("tick_ms", "expected at least 1 ms between pacing ticks");
  if (auto g = h.optional_object("gateways")) {
    for (const auto& [name, value] : g->raw().items()) {
      const std::string path = "/hil/gateways/" + name;
      HilSpec::Bridge b;
      if (value.is_string()) {
        b.devices = b.uplink = value.get<std::string>();
      } else if (value.is_object()) {
        const JsonObject o(value, "/hil/gateways/" + name, sc.file);
        o.allow({"devices", "uplink"});
        b.devices = o.string("devices");
        b.uplink = o.string("uplink");
      } else {
        JsonObject::fail_at(sc.file, path, "expected \"mqtt://host:port\", or {\"devices\": \"coap://host:port\", \"uplink\": \"mqtt://host:port\"}");
      }
      if (const std::string why = check_bridge(sc, name, b); !why.empty()) JsonObject::fail_at(sc.file, path, why);
      hil.gateways[name] = b;
    }
  }
}

}  // namespace

std::string check_bridge(const Scenario& sc, const std::string& name, const HilSpec::Bridge& b) {
  const auto refs = sc.gateways();
  const auto ref = std::find_if(refs.begin(), refs.end(), [&](const GatewayRef& r) { return r.name == name; });
  if (ref == refs.end()) return "no gateway of the scenario is named '" + name + "' (gateways are named <site>-gw-<k>)";
  const auto url_ok = [](const std::string& url, std::string_view scheme) {  // scheme://host:port, port in 1..65535
    const auto e = core::parse_endpoint(url);
    return e && e->scheme == scheme;
  };
  if (sc.sites[ref->site].shared) return "its site has shared gateways (\"devices\"): a real gateway cannot play one yet";
  const bool lwm2m = sc.sites[ref->site].device.protocol == DeviceSpec::Protocol::lwm2m;
  if (!url_ok(b.devices, lwm2m ? "coap" : "mqtt"))
    return std::string("its devices speak ") + (lwm2m ? "LwM2M: expected coap://host:port" : "MQTT: expected mqtt://host:port") +
           " for them, got '" + b.devices + "'";
  if (!url_ok(b.uplink, "mqtt")) return "expected the gateway's uplink broker as mqtt://host:port, got '" + b.uplink + "'";
  return "";
}

Scenario parse_scenario(const std::string& text, const std::string& file) {
  const json doc = core::parse_json(text, file);
  const JsonObject root(doc, "", file);
  root.allow({"format", "name", "description", "seed", "duration_s", "network", "sensors", "models", "sites", "faults", "twin_operations",
              "rule_changes", "economics", "assertions", "results", "hil", "lifecycle", "security", "partners", "people"});
  Scenario sc;
  sc.file = file;
  if (root.has("format") && root.string("format") != kFormat)
    root.fail("format", "expected \"" + std::string(kFormat) + "\", got '" + root.string("format") + "'");
  sc.name = root.string("name");
  if (!valid_name(sc.name)) root.fail("name", "expected a name of letters, digits, '.', '_' or '-' (at most 64), got '" + sc.name + "'");
  sc.description = root.string_or("description", "");
  sc.seed = root.integer_or("seed", 0, UINT64_MAX, 1);
  sc.duration_s = root.positive("duration_s");
  if (auto n = root.optional_object("network")) {
    n->allow({"batch_window_ms"});
    sc.batch_window_ms = n->non_negative_or("batch_window_ms", sc.batch_window_ms);
  }
  if (auto s = root.optional_object("sensors")) read_sensors(sc, *s);
  read_models(sc, root);
  const auto sites = root.array("sites", true);
  if (sites.empty()) root.fail("sites", "expected at least one site");
  for (const auto& [j, path] : sites) {
    sc.sites.push_back(read_site(sc, JsonObject(*j, path, file)));
    for (std::size_t k = 0; k + 1 < sc.sites.size(); ++k)
      if (sc.sites[k].name == sc.sites.back().name) JsonObject::fail_at(file, path + "/name", "duplicate site name '" + sc.sites.back().name + "'");
    for (std::size_t g = 0; g < sc.sites.back().groups(); ++g)
      for (const twins::FaultInfo& f : sc.sites.back().group(g).asset->descriptor.faults)
        if (std::find(sc.fault_modes.begin(), sc.fault_modes.end(), f.name) == sc.fault_modes.end()) sc.fault_modes.push_back(f.name);
  }
  for (const auto& [j, path] : root.array("partners", false)) loader::read_partner(sc, JsonObject(*j, path, file));
  if (auto p = root.optional_object("people")) {
    p->allow({"acknowledge_after_s"});
    sc.people = PeopleSpec{p->positive_or("acknowledge_after_s", PeopleSpec{}.acknowledge_after_s)};
  }
  for (const auto& [j, path] : root.array("faults", false)) read_fault(sc, JsonObject(*j, path, file));
  if (auto s = root.optional_object("security")) read_security(sc, *s);
  for (const auto& [j, path] : root.array("twin_operations", false)) read_twin_operation(sc, JsonObject(*j, path, file));
  for (const auto& [j, path] : root.array("rule_changes", false)) read_rule_change(sc, JsonObject(*j, path, file));
  if (auto e = root.optional_object("economics")) read_economics(sc, *e);
  if (auto l = root.optional_object("lifecycle")) loader::read_lifecycle(sc, *l);
  for (const auto& [j, path] : root.array("assertions", false)) read_assertion(sc, JsonObject(*j, path, file));
  if (auto r = root.optional_object("results")) {
    r->allow({"interval_s"});
    sc.results.interval_s = r->positive_or("interval_s", sc.results.interval_s);
    if (sc.results.interval_s < 1) r->fail("interval_s", "expected at least 1 s between the time series' rows");
    if (sc.duration_s / sc.results.interval_s > 100'000) r->fail("interval_s", "expected at most 100,000 intervals in the run");
  }
  if (auto h = root.optional_object("hil")) read_hil(sc, *h);
  return sc;
}

Scenario load_scenario(const std::string& path, const std::vector<Override>& overrides) {
  std::error_code ec;
  std::string file = path;
  if (std::filesystem::is_directory(path, ec)) file = (std::filesystem::path(path) / "scenario.json").string();
  std::string text = core::read_text_file(file, "scenario");
  if (overrides.empty()) return parse_scenario(text, file);
  json doc = core::parse_json(text, file);
  for (const Override& o : overrides) {
    const std::string where = "--set " + o.pointer + ": ";
    json::json_pointer ptr;
    try {
      ptr = json::json_pointer(o.pointer);
    } catch (const json::exception&) {
      throw ScenarioError(where + "expected a JSON pointer such as /sites/0/devices_per_gateway");
    }
    if (ptr.empty()) throw ScenarioError(where + "expected a JSON pointer below the root, such as /duration_s");
    const json::json_pointer parent = ptr.parent_pointer();
    if (!doc.contains(parent) || !(doc.at(parent).is_object() || doc.at(parent).is_array()))
      throw ScenarioError(where + "the scenario has no object or array at " + (parent.empty() ? std::string("/") : parent.to_string()));
    if (doc.at(parent).is_array() && !doc.contains(ptr)) throw ScenarioError(where + "no such element of the array at " + parent.to_string());
    // JSON (with a file's limits: depth, duplicate keys), else a string.
    doc[ptr] = json::accept(o.value) ? core::parse_json(o.value, where + "the value") : json(o.value);
  }
  return parse_scenario(doc.dump(), file);
}

}  // namespace twinbench::sim
