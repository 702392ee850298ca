// twinbench-edge: the edge runtime on a real gateway. The same EdgeRuntime and MQTT broker the
// simulator runs, here on the wall clock and TCP sockets (hil/), with an embedded broker that devices
// and other clients connect to, and an LwM2M server on UDP for CoAP devices.

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>
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

namespace {

using namespace twinbench;

constexpr const char* kUsage = R"(usage: twinbench-edge --config <edge.json> [--verbose]
       twinbench-edge passwd <password-file> <username> [--delete] [--cost <log2 N>]   (passwd --help)

Run the twinbench edge runtime as a gateway daemon: an MQTT 3.1.1 and 5 broker for devices and other
clients (sessions, QoS 0/1/2, retained messages, wills, + and # subscriptions), telemetry ingest and
store-and-forward. The uplink (tb/uplink/<name>, tb/alerts/<name>, tb/twin/<name>) is published on
the embedded broker itself, or with "uplink.broker" at QoS 1 on an external broker through a client
session that reconnects with exponential backoff; cloud messages are taken from tb/cloud/<name>[/rules]
on the same broker. With "lwm2m", devices can also register over LwM2M 1.1 (CoAP over UDP): the server
observes their objects and takes Send operations, in SenML JSON. Prints "listening on <host>:<port>"
(and "lwm2m on udp <host>:<port>") once it accepts connections; stops cleanly on SIGINT or SIGTERM.

edge.json ("format": "twinbench-edge/1"):
  name                 gateway name (topics tb/uplink/<name>, tb/cloud/<name>)          required
  listen.host          IP address to listen on                                          "127.0.0.1"
  listen.port          TCP port, 0 = any free port                                       1883
  listen.tls.cert_file / key_file   devices connect over TLS, with this certificate and key (PEM)
  listen.tls.client_ca_file          CAs whose client certificates are taken (verified)   (none)
  listen.tls.require_client_certificate   refuse clients without one                    false
  auth                 who may connect and what they may do (docs/security.md)           required
  auth.password_file   usernames and scrypt hashes (twinbench-edge passwd; chmod 600)
  auth.acl             [{"identity": user | "*" (anyone authenticated) | "anonymous",
                         "publish": [filters], "subscribe": [filters]}]: all else is refused;
                       %c, %u, %g in a filter: the client id, the username, the gateway name
  auth.control_identities  who may publish tb/cloud/<name>/# (rules, OTA)                 none
  auth.allow_anonymous clients without credentials may connect (warned at start)          false
  auth.certificate_identity  a verified client certificate's CN (or DNS name) is the identity:
                       no password needed (needs listen.tls.client_ca_file)                false
  forward_interval_ms  how often buffered telemetry goes up                              10000
  telemetry_filter     topics whose messages are telemetry records                       "tb/+/+/telemetry"
  uplink_buffer_bytes  store-and-forward bound: past it the oldest records go (counted)    1048576
  store_forward.storage        a folder where the uplink buffer survives restarts and
                               power cuts (docs/store-and-forward.md)        (none: in memory)
  store_forward.sync_interval_ms   records are stored (fsync) at least this often            200
  store_forward.sync_records       and whenever this many wait                               1000
  mqtt.max_packet_bytes      larger packets close the connection                         65536
  mqtt.max_inflight          unacknowledged QoS 1/2 messages per subscriber              32
  mqtt.max_queued            further QoS 1/2 messages kept per session (oldest dropped)  1000
  mqtt.max_connections       open connections; one more is closed at once                100000
  mqtt.connect_timeout_ms    a connection without CONNECT by then is closed              10000
  mqtt.receive_maximum       MQTT 5: QoS 2 messages a client may have awaiting PUBREL    256
  mqtt.max_keepalive_s       MQTT 5: the keepalive imposed on clients asking for none
                             or for more (Server Keep Alive); 0 = theirs                 0
  uplink.broker        external broker, "mqtt://host:port" or with TLS "mqtts://host:port"
                       (absent: the embedded broker)
  uplink.client_id     client id there                                   "twinbench-edge-<name>"
  uplink.username      username there (absent: none)
  uplink.password_file a file holding the password alone (chmod 600; never in edge.json)
  uplink.keepalive_s   keepalive there                                                   30
  uplink.clean_session false keeps the session (and in-flight messages) across reconnects false
  uplink.mqtt_version  "3.1.1" or "5"                                                    "3.1.1"
  uplink.session_expiry_s   MQTT 5 session expiry     0 with clean_session, else never expires
  uplink.tls.ca_file   PEM CAs that sign the broker's certificate (mqtts)       the system's
  uplink.tls.cert_file / uplink.tls.key_file   client certificate and key (PEM), if the broker wants one
  uplink.tls.verify    false skips checking the broker's certificate (tests only)         true
  opcua.topic_filter   topics carrying OPC UA PubSub JSON (OPC 10000-14 7.2.5)         (none)
  opcua.fields         DataSet field names, in record order (required with topic_filter)
  lwm2m.listen.host / lwm2m.listen.port   UDP address of the LwM2M server   listen.host / 5683
  lwm2m.fields         resource paths ("/3303/0/5700"), in record order                  required
  lwm2m.observe        paths observed on registration ("/3303/0", "/3316")  each field's instance
  lwm2m.default_lifetime_s   lifetime of a registration without lt                      86400
  edge_ai.model        a model package folder (twinbench train); records carry every physics channel
  edge_ai.rules        an alert rules file (docs/edge-ai.md)                     the model's threshold
  edge_ai.batch_max / edge_ai.batch_latency_ms   inference batching                    64 / 200
  edge_ai.drift        drift monitoring against the model's reference, reported on tb/drift/<name>
                       (keys as a scenario's lifecycle.drift: docs/scenario-format.md)     (none)
  edge_ai.site_baseline  learn this site's alert threshold over its first duration_s, no alerts
                       meanwhile (keys as a scenario's edge_ai.site_baseline)              (none)
  ota.storage          with edge_ai: a folder for the model's two slots; model updates from the cloud
                       on tb/cloud/<name>/ota go there (docs/ota.md)                        (none)
  ota.trusted_key      the cloud's Ed25519 public key, 64 hex digits (twinbench ota sign)  required
  ota.factory_manifest the signed manifest of edge_ai.model's image, put into slot A the first time
                       (twinbench ota sign <model> ...)                                    required
  audit_head_interval_s  the audit log's head goes to the cloud on tb/audit/<name> this often    300
  audit_log            an audit log (docs/audit.md): start, rule changes, drift, OTA  (none)
                       steps, as a hash chain; an existing log is verified and continued
  (paths are relative to edge.json; alerts go up on tb/alerts/<name>)

options:
  --verbose   log sessions and protocol errors on stderr
exit codes: 0 stopped by a signal, 1 cannot listen, 2 bad configuration or usage, 3 internal error.
)";

struct Options {
  runtime::EdgeConfig edge;
  std::string host = "127.0.0.1";
  std::uint16_t port = 1883;
  bool lwm2m = false;
  std::string lwm2m_host;  ///< empty: the same as host
  std::uint16_t lwm2m_port = 5683;
  std::string file;                   ///< the configuration file, for errors found after loading it
  std::optional<hil::TlsConfig> tls;  ///< for an mqtts:// uplink
  std::optional<hil::TlsServerConfig> listen_tls;  ///< devices connect over TLS
  std::string audit_log;              ///< empty: none
  std::string store;                  ///< store_forward.storage; empty: the uplink buffer is in memory
  struct Ota {
    std::string storage, factory_manifest, model_dir;
    runtime::crypto::PublicKey trusted{};
  };
  std::optional<Ota> ota;  ///< model updates over the air
};

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
void read_edge_ai(const std::string& file, const core::JsonObject& a, runtime::EdgeConfig& e) {
  a.allow({"model", "rules", "batch_max", "batch_latency_ms", "drift", "site_baseline"});
  const auto relative = [&](const std::string& p) { return relative_to(file, p); };
  ai::ModelPackage pkg;
  try {
    pkg = ai::load_package(relative(a.string("model")));
    e.scorer = ai::load_torch_scorer(pkg);
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
  for (const std::string& ch : pkg.manifest.channels) d.positions.push_back(static_cast<std::uint16_t>(*asset.channel(ch)));
  d.batch_max = static_cast<std::size_t>(a.integer_or("batch_max", 1, 65'536, 64));
  d.batch_latency_us = static_cast<runtime::TimeUs>(a.non_negative_or("batch_latency_ms", 200) * 1000);
  d.max_gap_us = static_cast<runtime::TimeUs>(2.5 * pkg.manifest.period_s * 1e6);
  if (auto b = a.optional_object("site_baseline")) d.baseline = runtime::read_site_baseline(*b, ai::healthy_quantile(pkg.manifest), ai::threshold_margin(pkg.manifest));
  e.detector = d;
  e.rules = runtime::default_rules();
  if (a.has("rules")) {
    const std::string rules = relative(a.string("rules"));
    try {
      e.rules = runtime::parse_rules(core::parse_json(core::read_text_file(rules, "rules"), rules), rules);
    } catch (const core::InputError& err) {
      a.fail("rules", err.what());
    }
  }
}

Options load_config(const std::string& file) {
  const nlohmann::json doc = core::parse_json(core::read_text_file(file, "edge configuration"), file);
  const core::JsonObject root(doc, "", file);
  root.allow({"format", "name", "listen", "auth", "forward_interval_ms", "telemetry_filter", "uplink_buffer_bytes", "store_forward", "mqtt", "uplink",
              "opcua", "lwm2m", "edge_ai", "audit_log", "audit_head_interval_s", "ota"});
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
  if (auto a = root.optional_object("edge_ai")) read_edge_ai(file, *a, e);
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
  return o;
}

/** What the daemon reports: counts for the exit line, and a log line per session event with --verbose. */
class EdgeLog final : public runtime::Sink {
public:
  explicit EdgeLog(bool verbose) : verbose_(verbose) {}
  void emit(const runtime::Event& e) override {
    namespace ev = runtime::ev;
    opened_ += e.is<ev::SessionOpened>();
    telemetry_ += e.is<ev::Telemetry>();
    protocol_errors_ += e.is<ev::ProtocolError>();
    if (!verbose_) return;
    if (e.is<ev::SessionOpened>()) log(e, "session opened, keepalive " + std::to_string(e.as<ev::SessionOpened>().keepalive_s) + " s");
    if (e.is<ev::SessionClosed>()) log(e, "session closed (" + close_reason(e.as<ev::SessionClosed>().reason) + ")");
    if (e.is<ev::ProtocolError>()) log(e, "protocol error " + std::to_string(e.as<ev::ProtocolError>().code));
  }
  std::string summary() const {
    return std::to_string(opened_) + " sessions opened, " + std::to_string(telemetry_) + " telemetry records, " + std::to_string(protocol_errors_) +
           " protocol errors";
  }

private:
  static std::string close_reason(std::int64_t r) {
    switch (static_cast<runtime::CloseReason>(r)) {
      case runtime::CloseReason::keepalive_timeout: return "keepalive timeout";
      case runtime::CloseReason::protocol_error: return "protocol error";
      case runtime::CloseReason::client_disconnect: return "DISCONNECT";
      case runtime::CloseReason::peer_closed: return "connection lost";
      case runtime::CloseReason::taken_over: return "client id connected again";
      case runtime::CloseReason::gateway_shutdown: return "shutting down";
    }
    return "?";
  }
  void log(const runtime::Event& e, const std::string& what) {
    std::fprintf(stderr, "%10.3f conn %u: %s\n", static_cast<double>(e.t_us) * 1e-6, e.device, what.c_str());
  }
  bool verbose_;
  std::uint64_t opened_ = 0, telemetry_ = 0, protocol_errors_ = 0;
};

/** The first time: the configured model goes into slot A, with the cloud's signed manifest for it. */
void provision_factory_model(const Options::Ota& ota, runtime::Storage& flash, const std::string& file) {
  runtime::ota::Device slots(flash, ota.trusted);
  if (slots.boot()) return;  // provisioned before: the slots know which model runs
  const auto manifest = runtime::ota::Manifest::from_json(core::read_text_file(ota.factory_manifest, "factory manifest"));
  if (!manifest) throw core::InputError(ota.factory_manifest + ": not an OTA manifest (twinbench ota sign writes one)");
  const auto image = ai::pack_model_image(ota.model_dir);
  const std::string signed_text = manifest->signed_bytes();
  if (manifest->artifact != "model" || manifest->sha256 != runtime::crypto::sha256(image) ||
      !runtime::crypto::verify(ota.trusted, std::span(reinterpret_cast<const std::uint8_t*>(signed_text.data()), signed_text.size()),
                               manifest->signature))
    throw core::InputError(file + ": /ota/factory_manifest: " + ota.factory_manifest +
                           " is not the trusted key's signature of edge_ai.model's image");
  slots.provision(*manifest, image);
  if (!runtime::ota::Device(flash, ota.trusted).boot()) throw core::InputError(ota.storage + ": cannot store the factory model");
}

/**
 * Room for the connections asked for, within this process's file descriptors: the soft limit is raised
 * to the hard one, and max_connections is lowered to fit under it (with 64 kept for files, the uplink
 * and one accept beyond the limit, which is then closed at once) rather than accepts failing later.
 */
void fit_connections_to_file_limit(runtime::EdgeConfig& edge) {
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return;
  if (rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0) getrlimit(RLIMIT_NOFILE, &rl);
  }
  constexpr rlim_t kReserved = 64;
  const rlim_t room = rl.rlim_cur > 2 * kReserved ? rl.rlim_cur - kReserved : kReserved;
  if (rl.rlim_cur != RLIM_INFINITY && edge.broker.max_connections > room) {
    std::cerr << "twinbench-edge " << edge.name << ": mqtt.max_connections " << edge.broker.max_connections << " lowered to " << room
              << ": this process may open " << rl.rlim_cur << " files (ulimit -n)\n";
    edge.broker.max_connections = room;
  }
}

int run(const Options& o, bool verbose) {
  hil::EventLoop loop;
  hil::AsioClock clock(loop);
  hil::TcpTransport server(loop);
  // Certificates and keys load first: a file that does not leaves nothing behind (no audit log, no folders).
  if (o.listen_tls) {
    try {
      server.tls_server(*o.listen_tls);
    } catch (const std::runtime_error& e) {
      throw core::InputError(o.file + ": /listen/tls: " + e.what());
    }
  }
  if (o.tls) {
    try {
      server.tls_client(*o.tls);
    } catch (const std::runtime_error& e) {
      throw core::InputError(o.file + ": /uplink/tls: " + e.what());
    }
  }
  runtime::NoCompute compute;
  EdgeLog log(verbose);
  runtime::EdgeConfig edge = o.edge;
  fit_connections_to_file_limit(edge);
  // OPC UA timestamps are absolute: tell the runtime what UTC its time 0 was. (The daemon reads the wall
  // clock; the runtime never does.)
  edge.utc_at_start_us =
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch()).count() - clock.now_us();
  hil::UdpTransport udp(loop);
  std::unique_ptr<hil::FileAudit> audit;
  if (!o.audit_log.empty()) {
    try {
      audit = std::make_unique<hil::FileAudit>(o.audit_log, edge.utc_at_start_us);
    } catch (const std::runtime_error& e) {
      throw core::InputError(e.what());
    }
    if (const std::size_t torn = audit->recovered_bytes()) {  // the recovery is itself on the record
      audit->record(clock.now_us(), "gateway/" + edge.name, "audit_log_recovered",
                    nlohmann::json{{"torn_bytes_cut", torn}, {"records_kept", audit->records()}}.dump());
      std::cerr << "twinbench-edge " << edge.name << ": cut a torn last record (" << torn << " bytes) off the audit log " << o.audit_log << '\n';
    }
  }
  std::unique_ptr<hil::FileStorage> flash;
  if (o.ota) {
    const bool existed = std::filesystem::exists(o.ota->storage);
    flash = std::make_unique<hil::FileStorage>(o.ota->storage);
    try {
      provision_factory_model(*o.ota, *flash, o.file);
    } catch (const core::InputError&) {
      std::error_code ec;
      if (!existed) std::filesystem::remove_all(o.ota->storage, ec);  // bad input leaves nothing behind
      throw;
    }
    runtime::OtaConfig oc;
    oc.trusted = o.ota->trusted;
    oc.load_model = ai::model_image_loader((std::filesystem::path(o.ota->storage) / "models").string());
    edge.ota = oc;
  }
  std::unique_ptr<hil::FileStorage> store;
  if (!o.store.empty()) {
    try {
      store = std::make_unique<hil::FileStorage>(o.store);
    } catch (const std::runtime_error& e) {
      throw core::InputError(o.file + ": /store_forward/storage: " + e.what());
    }
  }
  hil::PasswordWorker passwords(loop);
  runtime::EdgeRuntime rt(edge, runtime::EdgePorts{clock, server, compute, log, o.lwm2m ? &udp : nullptr, flash.get(), audit.get(), &passwords,
                                                   store.get()});
  std::string last_failure;  // said once, not at every reconnect attempt
  server.on_connect_failure([&](runtime::ConnId, const std::string& why) {
    if (why != last_failure) std::cerr << "twinbench-edge " << o.edge.name << ": uplink: " << why << '\n';
    last_failure = why;
  });
  std::uint16_t port, lwm2m_port = 0;
  try {
    port = server.listen(o.host, o.port, rt);
    if (o.lwm2m) lwm2m_port = udp.listen(o.lwm2m_host.empty() ? o.host : o.lwm2m_host, o.lwm2m_port, rt);
  } catch (const std::runtime_error& e) {
    std::cerr << "twinbench-edge: " << e.what() << '\n';
    return 1;
  }
  rt.start();
  if (const auto& r = rt.uplink_recovery(); r.status != runtime::StorageStatus::ok)
    std::cerr << "twinbench-edge " << o.edge.name << ": warning: cannot read the uplink buffer in " << o.store << " (what it held is not sent)\n";
  else if (r.records > 0 || r.torn > 0)
    std::cerr << "twinbench-edge " << o.edge.name << ": uplink buffer: " << r.records << " records from the last run to send" << (r.torn ? " (" : "")
              << (r.torn ? std::to_string(r.torn) + " torn segments skipped: never synced)" : "") << '\n';
  if (!store)
    std::cerr << "twinbench-edge " << o.edge.name << ": warning: the uplink buffer is in memory (no store_forward.storage): records not yet "
                 "forwarded are lost when the gateway stops\n";
  if (edge.access->allow_anonymous)
    std::cerr << "twinbench-edge " << o.edge.name << ": warning: anonymous clients may connect (auth.allow_anonymous), with the rules for \"anonymous\"\n";
  if (o.edge.uplink == runtime::EdgeConfig::Uplink::external_broker)
    std::cout << "twinbench-edge " << o.edge.name << ": uplink to " << o.edge.uplink_client.endpoint << '\n';
  if (o.lwm2m) std::cout << "twinbench-edge " << o.edge.name << ": lwm2m on udp " << (o.lwm2m_host.empty() ? o.host : o.lwm2m_host) << ':' << lwm2m_port << '\n';
  std::cout << "twinbench-edge " << o.edge.name << ": listening on " << o.host << ':' << port << std::endl;
  std::size_t registered_at_stop = 0;
  loop.on_shutdown_signal([&](int) {
    if (const auto* l = rt.lwm2m()) registered_at_stop = l->registrations();
    rt.shutdown();  // stores what is buffered (and hands it to the uplink) before the loop stops
    loop.stop();
  });
  loop.run();
  const auto& st = rt.broker().stats();
  std::cerr << "twinbench-edge " << o.edge.name << ": stopped after " << clock.now_us() / 1'000'000 << " s: " << log.summary() << ", "
            << st.received << " messages received, " << st.delivered << " delivered, not delivered: " << st.queue_dropped << " from full queues, "
            << st.expired << " expired, " << st.too_large << " too large; connections refused: " << st.connections_refused
            << " over the limit, " << st.connect_timeouts << " without CONNECT, " << st.receive_maximum_exceeded << " over Receive Maximum; refused by access rules: "
            << st.connects_refused << " connects, " << st.publishes_refused << " publishes, " << st.subscriptions_refused << " subscriptions";
  if (const auto* c = rt.uplink_client())
    std::cerr << "; uplink: " << c->stats().connects << " connects, " << c->stats().acked << " acknowledged, " << c->pending() << " pending";
  if (o.listen_tls) std::cerr << "; TLS handshakes failed: " << server.tls_failures();
  std::cerr << "; " << rt.records_pending() << " records not yet acknowledged by the uplink" << (store ? " (stored: sent at the next start)" : " (lost)");
  if (const auto* l = rt.lwm2m())
    std::cerr << "; lwm2m: " << registered_at_stop << " registered, " << l->stats().requests << " requests, " << l->stats().notifications
              << " notifications";
  std::cerr << '\n';
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  std::string config;
  bool verbose = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--help" || args[i] == "-h") {
      std::cout << kUsage;
      return 0;
    } else if (i == 0 && args[i] == "passwd") {
      return edge::passwd({args.begin() + 1, args.end()});
    } else if (args[i] == "--config" && i + 1 < args.size()) {
      config = args[++i];
    } else if (args[i] == "--verbose") {
      verbose = true;
    } else {
      std::cerr << "twinbench-edge: unexpected argument '" << args[i] << "'\n\n" << kUsage;
      return 2;
    }
  }
  if (config.empty()) {
    std::cerr << "twinbench-edge: missing --config <edge.json>\n\n" << kUsage;
    return 2;
  }
  try {
    return run(load_config(config), verbose);
  } catch (const core::InputError& e) {
    std::cerr << "error: " << e.what() << '\n';
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "twinbench-edge: internal error: " << e.what() << '\n';
    return 3;
  }
}
