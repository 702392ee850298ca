// twinbench-edge's configuration file: reading and checking it (Config.hpp).

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <cctype>
#include <optional>
#include <regex>
#include <string>
#include <vector>
#include <sys/resource.h>
#include "Auth.hpp"
#include "twinbench/core/Endpoint.hpp"
#include "twinbench/ai/ModelImage.hpp"
#include "twinbench/ai/ModelPackage.hpp"
#include "twinbench/ai/Torch.hpp"
#include "twinbench/core/JsonReader.hpp"
#include "twinbench/core/Random.hpp"
#include "twinbench/hil/AsioClock.hpp"
#include "twinbench/hil/FileAudit.hpp"
#include "twinbench/hil/FileStorage.hpp"
#include "twinbench/hil/PasswordWorker.hpp"
#include "twinbench/hil/TcpTransport.hpp"
#include "twinbench/hil/UdpTransport.hpp"
#include "twinbench/runtime/EdgeRuntime.hpp"
#include "twinbench/runtime/Telemetry.hpp"
#include "twinbench/runtime/mqtt/Codec.hpp"
#include "twinbench/twins/dtdl/ModelSet.hpp"
#include "Config.hpp"

namespace twinbench::edge {

namespace {

/** "/3303/0/5700" (levels == 3) or "/3303", "/3303/0", "/3303/0/5700" (levels == 0: any of those). */
bool lwm2m_path(std::string_view p, int levels) {
  int n = 0;
  std::size_t at = 0;
  while (at < p.size()) {
    if (p[at] != '/') return false;
    const std::size_t end = std::min(p.find('/', at + 1), p.size());
    if (end == at + 1 || end - at > 6) return false;
    for (std::size_t i = at + 1; i < end; ++i)
      if (p[i] < '0' || p[i] > '9') return false;
    ++n;
    at = end;
  }
  return levels == 0 ? n >= 1 && n <= 3 : n == levels;
}

/** A path in the configuration, relative to its file. */
std::string relative_to(const std::string& file, const std::string& p) {
  const std::filesystem::path path(p);
  return path.is_absolute() ? p : (std::filesystem::path(file).parent_path() / path).string();
}

/** edge_ai: the model package and rules, as a simulated gateway's (sim/ScenarioLoader), for devices that send every physics channel. */
void read_edge_ai(const std::string& file, const core::JsonObject& a, std::optional<runtime::DetectorConfig>& detector,
                  std::shared_ptr<runtime::Scorer>& scorer, runtime::RuleSet& rules) {
  a.allow({"model", "rules", "batch_max", "batch_latency_ms", "drift", "site_baseline"});
  const auto relative = [&](const std::string& p) { return relative_to(file, p); };
  ai::ModelPackage pkg;
  try {
    pkg = ai::load_package(relative(a.string("model")));
    scorer = ai::load_torch_scorer(pkg);
  } catch (const core::InputError& err) {
    a.fail("model", err.what());
  }
  runtime::DetectorConfig d;
  d.model_id = pkg.manifest.model_id;
  d.model_version = pkg.manifest.version;
  d.model_threshold = pkg.manifest.threshold;
  d.asset_class = pkg.manifest.asset_class;
  d.stream_names = pkg.manifest.channels;
  d.stream_names.emplace_back("log_score");
  if (auto dr = a.optional_object("drift")) {
    if (pkg.manifest.reference.streams.empty()) a.fail("drift", "the model has no drift reference (`twinbench train` writes one)");
    d.drift = runtime::drift::read_monitor_config(*dr);
    d.drift_reference = pkg.manifest.reference;
  }
  d.layout = pkg.manifest.features;
  // Devices send every channel of their class, in its order (the package's loader checked the names).
  const twins::AssetDescriptor& asset = twins::find_asset_class(pkg.manifest.asset_class)->descriptor;
  std::string missing;  // (none without a binding: the package's loader checked the names)
  d.positions = runtime::record_positions(pkg.manifest.channels, asset, {}, missing);
  d.batch_max = static_cast<std::size_t>(a.integer_or("batch_max", 1, 65'536, 64));
  d.batch_latency_us = static_cast<runtime::TimeUs>(a.non_negative_or("batch_latency_ms", 200) * 1000);
  d.max_gap_us = static_cast<runtime::TimeUs>(2.5 * pkg.manifest.period_s * 1e6);
  if (auto b = a.optional_object("site_baseline")) d.baseline = runtime::read_site_baseline(*b, ai::healthy_quantile(pkg.manifest), ai::threshold_margin(pkg.manifest));
  detector = d;
  rules = runtime::default_rules();
  if (a.has("rules")) {
    const std::string path = relative(a.string("rules"));
    try {
      rules = runtime::parse_rules(core::parse_json(core::read_text_file(path, "rules"), path), path);
    } catch (const core::InputError& err) {
      a.fail("rules", err.what());
    }
  }
}

/** webhooks: partners that take the gateway's alerts, each with a secret only the daemon's user can read. */
void read_webhooks(const std::string& file, const core::JsonObject& w, Options& o) {
  w.allow({"partners", "tls"});
  if (auto t = w.optional_object("tls")) {
    t->allow({"ca_file", "verify"});
    if (t->has("ca_file")) o.webhook_tls.ca_file = relative_to(file, t->string("ca_file"));
    o.webhook_tls.verify = t->boolean_or("verify", true);
  }
  const auto entries = w.array("partners", true);
  if (entries.empty()) w.fail("partners", "expected at least one partner");
  for (const auto& [j, path] : entries) {
    const core::JsonObject p(*j, path, file);
    p.allow({"name", "url", "secret_file", "kinds", "queue_bytes"});
    runtime::WebhookPartner partner;
    partner.name = p.string("name");
    if (partner.name.empty() || partner.name.size() > 64 ||
        !std::all_of(partner.name.begin(), partner.name.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_'; }))
      p.fail("name", "expected a name of letters, digits, '-' or '_' (at most 64), got '" + partner.name + "'");
    for (const auto& other : o.edge.webhooks)
      if (other.name == partner.name) p.fail("name", "two partners named '" + partner.name + "'");
    partner.url = p.string("url");
    if (!std::regex_match(partner.url, std::regex(R"(^https?://[A-Za-z0-9.\-\[\]:]+(:[0-9]{1,5})?(/\S*)?$)")))
      p.fail("url", "expected \"https://host[:port]/path\" (or http:// on a trusted network), got '" + partner.url + "'");
    const std::string secret = edge::read_secret_file(relative_to(file, p.string("secret_file")), p, "secret_file");
    if (secret.size() < 16) p.fail("secret_file", "expected a secret of at least 16 bytes (a shared HMAC key), got " + std::to_string(secret.size()));
    partner.secret.assign(secret.begin(), secret.end());
    if (p.has("kinds")) {
      partner.kinds.clear();
      for (const auto& [k, kpath] : p.array("kinds", false)) {
        if (!k->is_string() || (*k != "alert" && *k != "summary"))
          core::JsonObject::fail_at(file, kpath, "expected \"alert\" or \"summary\" (the events a gateway posts)");
        partner.kinds.push_back(k->get<std::string>());
      }
    }
    partner.queue_bytes_max = p.integer_or("queue_bytes", 4096, 1ull << 30, partner.queue_bytes_max);
    o.edge.webhooks.push_back(std::move(partner));
  }
}

/** other_classes: devices of further asset classes on this gateway, each on topics of its own with its own model. */
void read_other_classes(const std::string& file, const core::JsonObject& root, runtime::EdgeConfig& e) {
  const auto entries = root.array("other_classes", false);
  if (entries.empty()) return;
  if (!root.has("edge_ai")) root.fail("other_classes", "needs \"edge_ai\": the gateway's own class's model (its rules scope to its class)");
  // One rule set for the gateway: each class's rules for any class become its class's.
  e.rules = runtime::scoped_to(e.rules, e.detector->asset_class);
  for (const auto& [j, path] : entries) {
    const core::JsonObject o(*j, path, file);
    o.allow({"telemetry_filter", "edge_ai"});
    runtime::DeviceClass c;
    c.telemetry_filter = o.string("telemetry_filter");
    if (!runtime::mqtt::valid_topic_filter(c.telemetry_filter) || !runtime::mqtt::valid_mqtt_utf8(c.telemetry_filter))
      o.fail("telemetry_filter", "expected an MQTT topic filter ('+' and '#' only as whole levels, '#' last), got '" + c.telemetry_filter + "'");
    runtime::RuleSet rules;
    read_edge_ai(file, o.object("edge_ai"), c.detector, c.scorer, rules);
    for (const runtime::DeviceClass& other : e.other_classes)
      if (other.detector->asset_class == c.detector->asset_class)
        o.fail("edge_ai", "two entries for the " + c.detector->asset_class + " class: a class has one model per gateway");
    if (c.detector->asset_class == e.detector->asset_class)
      o.fail("edge_ai", "the " + c.detector->asset_class + " class is the gateway's own (edge_ai): other_classes are further classes");
    for (runtime::Rule& r : runtime::scoped_to(rules, c.detector->asset_class).rules) e.rules.rules.push_back(std::move(r));
    e.other_classes.push_back(std::move(c));
  }
}

}  // namespace

Options load_config(const std::string& file) {
  const nlohmann::json doc = core::parse_json(core::read_text_file(file, "edge configuration"), file);
  const core::JsonObject root(doc, "", file);
  root.allow({"format", "name", "listen", "auth", "forward_interval_ms", "telemetry_filter", "uplink_buffer_bytes", "store_forward", "mqtt", "uplink",
              "opcua", "lwm2m", "edge_ai", "other_classes", "webhooks", "audit_log", "audit_head_interval_s", "ota", "console", "twin"});
  constexpr std::string_view kFormat = "twinbench-edge/1";
  if (root.string("format") != kFormat) root.fail("format", "expected \"" + std::string(kFormat) + "\", got '" + root.string("format") + "'");
  Options o;
  o.file = file;
  runtime::EdgeConfig& e = o.edge;
  e.name = root.string("name");
  if (e.name.empty() || e.name.find_first_of("/+#") != std::string::npos)
    root.fail("name", "expected a name usable as one MQTT topic level (no '/', '+' or '#'), got '" + e.name + "'");
  if (auto l = root.optional_object("listen")) {
    l->allow({"host", "port", "tls"});
    o.host = l->string_or("host", o.host);
    o.port = static_cast<std::uint16_t>(l->integer_or("port", 0, 65535, o.port));
    if (auto t = l->optional_object("tls")) {
      t->allow({"cert_file", "key_file", "client_ca_file", "require_client_certificate"});
      hil::TlsServerConfig& tls = o.listen_tls.emplace();
      tls.cert_file = relative_to(file, t->string("cert_file"));
      tls.key_file = relative_to(file, t->string("key_file"));
      if (t->has("client_ca_file")) tls.client_ca_file = relative_to(file, t->string("client_ca_file"));
      tls.require_client_cert = t->boolean_or("require_client_certificate", false);
      if (tls.require_client_cert && tls.client_ca_file.empty())
        t->fail("require_client_certificate", "client certificates are checked against client_ca_file: expected one");
    }
  }
  e.forward_interval_us = static_cast<runtime::TimeUs>(root.integer_or("forward_interval_ms", 1, 86'400'000, 10'000)) * 1000;
  e.telemetry_filter = root.string_or("telemetry_filter", "tb/+/+/telemetry");
  if (!runtime::mqtt::valid_topic_filter(e.telemetry_filter) || !runtime::mqtt::valid_mqtt_utf8(e.telemetry_filter))
    root.fail("telemetry_filter", "expected an MQTT topic filter ('+' and '#' only as whole levels, '#' last), got '" + e.telemetry_filter + "'");
  e.uplink_buffer_bytes_max = root.integer_or("uplink_buffer_bytes", 1024, 1ull << 32, e.uplink_buffer_bytes_max);
  e.uplink_sync_interval_us = 200'000;
  e.uplink_sync_records = 1000;
  if (auto sf = root.optional_object("store_forward")) {
    sf->allow({"storage", "sync_interval_ms", "sync_records"});
    o.store = relative_to(file, sf->string("storage"));
    if (o.store.empty() || (std::filesystem::exists(o.store) && !std::filesystem::is_directory(o.store)))
      sf->fail("storage", "expected a folder for the uplink buffer, got '" + o.store + "'");
    e.uplink_sync_interval_us = static_cast<runtime::TimeUs>(sf->integer_or("sync_interval_ms", 1, 60'000, 200)) * 1000;
    e.uplink_sync_records = sf->integer_or("sync_records", 1, 1'000'000, 1000);
  }
  if (auto m = root.optional_object("mqtt")) {
    m->allow({"max_packet_bytes", "max_inflight", "max_queued", "max_connections", "connect_timeout_ms", "receive_maximum", "max_keepalive_s"});
    auto& b = e.broker;
    b.max_packet_bytes = m->integer_or("max_packet_bytes", 64, runtime::mqtt::kMaxRemainingLength + 5, b.max_packet_bytes);
    b.max_inflight = static_cast<std::uint16_t>(m->integer_or("max_inflight", 1, 65535, b.max_inflight));
    b.max_queued = m->integer_or("max_queued", 0, 10'000'000, b.max_queued);
    b.max_connections = m->integer_or("max_connections", 1, 1'000'000, b.max_connections);
    b.connect_timeout_us = static_cast<runtime::TimeUs>(m->integer_or("connect_timeout_ms", 100, 3'600'000, b.connect_timeout_us / 1000)) * 1000;
    b.receive_maximum = static_cast<std::uint16_t>(m->integer_or("receive_maximum", 1, 65535, b.receive_maximum));
    b.max_keepalive_s = static_cast<std::uint16_t>(m->integer_or("max_keepalive_s", 0, 65535, b.max_keepalive_s));
  }
  if (auto u = root.optional_object("opcua")) {
    u->allow({"topic_filter", "fields"});
    e.opcua_filter = u->string("topic_filter");
    if (!runtime::mqtt::valid_topic_filter(e.opcua_filter) || !runtime::mqtt::valid_mqtt_utf8(e.opcua_filter))
      u->fail("topic_filter", "expected an MQTT topic filter, got '" + e.opcua_filter + "'");
    for (const auto& [j, path] : u->array("fields", true)) {
      if (!j->is_string() || j->get<std::string>().empty()) core::JsonObject::fail_at(file, path, "expected a DataSet field name");
      e.opcua_fields.push_back(j->get<std::string>());
    }
    if (e.opcua_fields.empty() || e.opcua_fields.size() > runtime::kMaxChannels)
      u->fail("fields", "expected 1 to " + std::to_string(runtime::kMaxChannels) + " field names");
  }
  if (auto l = root.optional_object("lwm2m")) {
    l->allow({"listen", "fields", "observe", "default_lifetime_s"});
    o.lwm2m = true;
    if (auto at = l->optional_object("listen")) {
      at->allow({"host", "port"});
      o.lwm2m_host = at->string_or("host", "");
      o.lwm2m_port = static_cast<std::uint16_t>(at->integer_or("port", 0, 65535, o.lwm2m_port));
    }
    for (const auto& [j, path] : l->array("fields", true)) {
      if (!j->is_string() || !lwm2m_path(j->get<std::string>(), 3))
        core::JsonObject::fail_at(file, path, "expected a resource path /object/instance/resource, like \"/3303/0/5700\"");
      e.lwm2m_fields.push_back(j->get<std::string>());
    }
    if (e.lwm2m_fields.empty() || e.lwm2m_fields.size() > runtime::kMaxChannels)
      l->fail("fields", "expected 1 to " + std::to_string(runtime::kMaxChannels) + " resource paths");
    if (l->has("observe")) {
      for (const auto& [j, path] : l->array("observe", false)) {
        if (!j->is_string() || !lwm2m_path(j->get<std::string>(), 0))
          core::JsonObject::fail_at(file, path, "expected an object, instance or resource path, like \"/3303/0\"");
        e.lwm2m.observe.push_back(j->get<std::string>());
      }
    } else {
      e.lwm2m.observe = runtime::lwm2m::instances_of(e.lwm2m_fields);
    }
    e.lwm2m.default_lifetime_s = static_cast<std::uint32_t>(l->integer_or("default_lifetime_s", 1, 0xFFFFFFFFll, e.lwm2m.default_lifetime_s));
  }
  if (auto a = root.optional_object("edge_ai")) read_edge_ai(file, *a, e.detector, e.scorer, e.rules);
  read_other_classes(file, root, e);
  if (auto w = root.optional_object("webhooks")) read_webhooks(file, *w, o);
  if (auto t = root.optional_object("twin")) {  // the devices' DTDL Interface: desired properties and commands relayed, reports checked (docs/dtdl.md)
    t->allow({"models", "interface", "telemetry_binding"});
    auto set = std::make_shared<twins::dtdl::ModelSet>();
    for (const auto& [j, path] : t->array("models", true)) {
      if (!j->is_string()) core::JsonObject::fail_at(file, path, "expected a path to a DTDL file or folder, got " + core::JsonObject::show(*j));
      set->add_path(relative_to(file, j->get<std::string>()));
    }
    set->resolve();
    if (!set->ok())
      t->fail("models", "the DTDL models have " + std::to_string(set->diagnostics().size()) + " error(s); the first: " + set->diagnostics().front().str() +
                            " (twinbench twins check lists them all)");
    e.twin_dtmi = t->string("interface");
    if (!set->find(e.twin_dtmi)) t->fail("interface", "no Interface '" + e.twin_dtmi + "' in the models");
    if (t->has("telemetry_binding")) {  // records carry the bound Telemetry, as a scenario's devices with a twin send them
      if (!e.detector) t->fail("telemetry_binding", "needs \"edge_ai\": its model's asset class names the channels bound");
      const twins::AssetDescriptor& asset = twins::find_asset_class(e.detector->asset_class)->descriptor;
      const auto binding = runtime::read_telemetry_binding(t->object("telemetry_binding"), *set, e.twin_dtmi, asset);
      if (binding.empty()) t->fail("telemetry_binding", "binds no Telemetry");
      e.telemetry_model.clear();
      for (const auto& b : binding) e.telemetry_model.push_back(b.rule);
      std::string missing;
      // The model's channels: its streams but the last, log_score (read_edge_ai).
      e.detector->positions = runtime::record_positions({e.detector->stream_names.begin(), e.detector->stream_names.end() - 1}, asset, binding, missing);
      if (e.detector->positions.empty()) t->fail("telemetry_binding", "the model reads '" + missing + "', which the binding does not send");
    }
    e.models = std::move(set);
  }
  if (auto u = root.optional_object("ota")) {
    u->allow({"storage", "trusted_key", "factory_manifest"});
    if (!root.has("edge_ai")) u->fail("storage", "model updates need \"edge_ai\": a model to start from");
    Options::Ota ota;
    ota.storage = relative_to(file, u->string("storage"));
    ota.factory_manifest = relative_to(file, u->string("factory_manifest"));
    ota.model_dir = relative_to(file, root.object("edge_ai").string("model"));
    if (!runtime::crypto::from_hex(u->string("trusted_key"), ota.trusted))
      u->fail("trusted_key", "expected an Ed25519 public key as 64 hex digits");
    o.ota = ota;
  }
  if (root.has("audit_head_interval_s") && !root.has("audit_log")) root.fail("audit_head_interval_s", "the audit head is an audit log's: expected \"audit_log\" too");
  e.audit_head_interval_us = static_cast<runtime::TimeUs>(root.integer_or("audit_head_interval_s", 1, 86'400, 300)) * 1'000'000;
  if (root.has("audit_log")) {
    o.audit_log = relative_to(file, root.string("audit_log"));
    if (o.audit_log.empty() || std::filesystem::is_directory(o.audit_log)) root.fail("audit_log", "expected a file for the audit log");
  }
  e.uplink = runtime::EdgeConfig::Uplink::own_broker;
  if (auto u = root.optional_object("uplink")) {
    u->allow({"broker", "client_id", "username", "password", "password_file", "keepalive_s", "clean_session", "tls", "mqtt_version", "session_expiry_s"});
    runtime::mqtt::ClientConfig& c = e.uplink_client;
    c = runtime::gateway_uplink_client(e.name, u->string("broker"));
    const auto broker = core::parse_endpoint(c.endpoint);
    const bool secure = broker && broker->scheme == "mqtts";
    if (!broker || (!secure && broker->scheme != "mqtt"))
      u->fail("broker", "expected \"mqtt://host:port\" or \"mqtts://host:port\", got '" + c.endpoint + "'");
    if (secure) o.tls.emplace();
    if (auto t = u->optional_object("tls")) {
      if (!secure) u->fail("tls", "TLS settings need an \"mqtts://\" broker");
      t->allow({"ca_file", "cert_file", "key_file", "verify"});
      o.tls->ca_file = t->string_or("ca_file", "");
      o.tls->cert_file = t->string_or("cert_file", "");
      o.tls->key_file = t->string_or("key_file", "");
      if (o.tls->cert_file.empty() != o.tls->key_file.empty()) t->fail("cert_file", "a client certificate needs its key_file, and a key its cert_file");
      const auto& verify = t->raw().contains("verify") ? t->raw()["verify"] : nlohmann::json(true);
      if (!verify.is_boolean()) t->fail("verify", "expected true or false, got " + core::JsonObject::show(verify));
      o.tls->verify = verify.get<bool>();
    }
    c.client_id = u->string_or("client_id", c.client_id);
    if (c.client_id.empty() || c.client_id.size() > 65535 || !runtime::mqtt::valid_mqtt_utf8(c.client_id))
      u->fail("client_id", "expected a non-empty MQTT string");
    if (u->has("username")) c.username = u->string("username");
    if (u->has("password"))
      u->fail("password", "secrets are not kept in edge.json: put the password alone in a file only the daemon's user can read (chmod 600) "
                          "and name it in \"password_file\"");
    if (u->has("password_file")) c.password = edge::read_secret_file(relative_to(file, u->string("password_file")), *u, "password_file");
    if (c.password && !c.username) u->fail("password_file", "a password needs a username (MQTT 3.1.1 section 3.1.2.9)");
    c.keepalive_s = static_cast<std::uint16_t>(u->integer_or("keepalive_s", 0, 65535, c.keepalive_s));
    const auto& clean = u->raw().contains("clean_session") ? u->raw()["clean_session"] : nlohmann::json(c.clean_session);
    if (!clean.is_boolean()) u->fail("clean_session", "expected true or false, got " + core::JsonObject::show(clean));
    c.clean_session = clean.get<bool>();
    const std::string version = u->string_or("mqtt_version", "3.1.1");
    if (version != "3.1.1" && version != "5") u->fail("mqtt_version", "expected \"3.1.1\" or \"5\", got '" + version + "'");
    c.version = version == "5" ? runtime::mqtt::Version::v5 : runtime::mqtt::Version::v311;
    if (u->has("session_expiry_s")) {
      if (c.version != runtime::mqtt::Version::v5) u->fail("session_expiry_s", "a session expiry needs \"mqtt_version\": \"5\"");
      c.session_expiry_s = static_cast<std::uint32_t>(u->integer_or("session_expiry_s", 0, 0xFFFFFFFFll, 0));
    }
    e.uplink = runtime::EdgeConfig::Uplink::external_broker;
    e.seed = core::fnv1a64(e.name);  // gateways rebooting together must not reconnect in step
  }
  // Keepalives and CONNECT timeouts are checked 10 times a second: a burst of connections that time out
  // together is closed in several small steps rather than one long one.
  e.session_sweep_us = 100'000;
  if (!root.has("auth"))
    root.fail("auth", "expected who may connect and what they may do (a password file and ACL rules, or explicitly \"allow_anonymous\": true; "
                      "docs/security.md)");
  e.access = edge::read_auth(root.object("auth"), [&](const std::string& p) { return relative_to(file, p); });
  if (e.access->certificate_identity && (!o.listen_tls || o.listen_tls->client_ca_file.empty()))
    core::JsonObject(root.raw().at("auth"), "/auth", file)
        .fail("certificate_identity", "client certificates are identities only on a TLS listener that checks them: expected listen.tls.client_ca_file");
  if (auto c = root.optional_object("console")) {
    if (!e.detector) c->fail("users", "the console's alerts and rules are the edge AI's: expected \"edge_ai\" too");
    if (e.access->passwords.hashes.empty()) c->fail("users", "people log in with the passwords of auth.password_file: expected one");
    if (!root.has("audit_log")) c->fail("users", "what people do at the console is audited: expected \"audit_log\" too");
    o.console = read_console(file, *c, e.access->passwords, [&](const std::string& p) { return relative_to(file, p); });
    o.console->initial_rules = runtime::rules_json(e.rules);
    e.detector->score_history = 100'000;  // what rule previews replay
    e.keep_last_records = true;           // the operator's devices
    for (auto& other : e.other_classes)
      if (other.detector) other.detector->score_history = 100'000;
  }
  return o;
}

}  // namespace twinbench::edge
