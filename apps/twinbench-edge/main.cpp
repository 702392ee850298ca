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
#include "Console.hpp"
#include "twinbench/hil/HttpsServer.hpp"
#include "Config.hpp"
#include "twinbench/core/Endpoint.hpp"
#include "twinbench/ai/ModelImage.hpp"
#include "twinbench/ai/ModelPackage.hpp"
#include "twinbench/ai/Torch.hpp"
#include "twinbench/core/JsonReader.hpp"
#include "twinbench/core/Random.hpp"
#include "twinbench/hil/AsioClock.hpp"
#include "twinbench/hil/FileAudit.hpp"
#include "twinbench/hil/FileStorage.hpp"
#include "twinbench/hil/HttpsClient.hpp"
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
  webhooks.partners    partners that take the gateway's alerts as signed JSON posts (docs/webhooks.md):
                       [{"name": "cmms", "url": "https://host/path", "secret_file": "cmms.key"
                       (chmod 600, at least 16 bytes), "kinds": ["alert", "summary"] (summary: a daily
                       digest at UTC midnight), "queue_bytes": 4194304}]; queued in
                       store_forward.storage when there is one                               (none)
  webhooks.tls.ca_file / webhooks.tls.verify   the partners' CAs / false skips the check (tests only)
  other_classes        a gateway shared by several asset classes: [{"telemetry_filter": "tb/+/+/telemetry/pump",
                       "edge_ai": {...}}]: records on those topics are the class's, checked and scored by
                       its model and alerted by its rules (edge_ai is then the first class's)    (none)
  ota.storage          with edge_ai: a folder for the model's two slots; model updates from the cloud
                       on tb/cloud/<name>/ota go there (docs/ota.md)                        (none)
  ota.trusted_key      the cloud's Ed25519 public key, 64 hex digits (twinbench ota sign)  required
  ota.factory_manifest the signed manifest of edge_ai.model's image, put into slot A the first time
                       (twinbench ota sign <model> ...)                                    required
  audit_head_interval_s  the audit log's head goes to the cloud on tb/audit/<name> this often    300
  twin.models / twin.interface   DTDL files or folders, and the devices' Interface (a DTMI):
                       desired properties and commands relayed, reports checked (docs/dtdl.md)  (none)
  twin.telemetry_binding   {"<Telemetry>": "<channel of edge_ai's class>"}: the devices' records carry
                       these Telemetry, by name, checked against the Interface (as a scenario's)  (none)
  console              a web console over HTTPS (docs/console.md); needs edge_ai, audit_log and
                       auth.password_file, whose passwords people log in with                (none)
  console.listen       {"host", "port"}                                                127.0.0.1:8443
  console.tls          {"cert_file", "key_file" (chmod 600)}                               required
  console.users        {"tom": "technician" | "operator" | "manager"}                      required
  console.rules_dir    where every version of the alert rules is kept                      required
  console.session_minutes / console.economics   session length / the business case
                       (a scenario's "economics" keys) for the manager's figures       480 / (none)
  audit_log            an audit log (docs/audit.md): start, rule changes, drift, OTA  (none)
                       steps, as a hash chain; an existing log is verified and continued
  (paths are relative to edge.json; alerts go up on tb/alerts/<name>)

options:
  --verbose   log sessions and protocol errors on stderr
exit codes: 0 stopped by a signal, 1 cannot listen, 2 bad configuration or usage, 3 internal error.
)";

using edge::Options;
using edge::load_config;
using edge::Console;

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
  std::unique_ptr<Console> console;  // the web console (docs/console.md): its server (and certificate) now, itself once the runtime is
  std::unique_ptr<hil::HttpsServer> console_server;
  if (o.console) {
    try {
      console_server = std::make_unique<hil::HttpsServer>(loop, o.console->tls, [&console](const hil::HttpIn& in, hil::HttpReply r) {
        console->handle(in, std::move(r));
      });
    } catch (const std::runtime_error& e) {
      throw core::InputError(o.file + ": /console/tls: " + e.what());
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
  std::unique_ptr<hil::HttpsClient> partners;  // webhooks' posts
  if (!edge.webhooks.empty()) {
    try {
      partners = std::make_unique<hil::HttpsClient>(loop, o.webhook_tls);
    } catch (const std::runtime_error& e) {
      throw core::InputError(o.file + ": /webhooks/tls: " + e.what());
    }
  }
  runtime::EdgeRuntime rt(edge, runtime::EdgePorts{clock, server, compute, log, o.lwm2m ? &udp : nullptr, flash.get(), audit.get(), &passwords,
                                                   store.get(), partners.get()});
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
  if (o.console) {
    const auto started = std::chrono::steady_clock::now();
    Console::Health health = [&rt, &o, started] {
      rusage ru{};
      ::getrusage(RUSAGE_SELF, &ru);
      const double cpu_s = static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) + static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e-6;
      const double wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      nlohmann::json h = {{"sessions", rt.broker().sessions()},
                          {"uplink_pending", rt.records_pending()},
                          {"uplink_connected", rt.uplink_client() ? nlohmann::json(rt.uplink_client()->connected()) : nlohmann::json(nullptr)},
                          {"cpu_percent", wall_s > 0 ? nlohmann::json(100 * cpu_s / wall_s) : nlohmann::json(nullptr)},
                          {"webhooks", nlohmann::json::array()}};
      if (const auto* w = rt.webhooks())
        for (std::size_t i = 0; i < w->partners(); ++i)
          h["webhooks"].push_back({{"partner", o.edge.webhooks[i].name}, {"queued", w->figures(i).queued}, {"delivered", w->figures(i).delivered},
                                   {"pending", w->pending(i)}, {"failed_attempts", w->figures(i).failed_attempts}});
      return h;
    };
    console = std::make_unique<Console>(*o.console, rt, clock, passwords, edge.access->passwords, audit.get(), std::move(health));
    try {
      console->start();
    } catch (const std::exception& e) {
      throw core::InputError(o.file + ": /console/rules_dir: " + e.what());
    }
    try {
      const std::uint16_t console_port = console_server->listen(o.console->host, o.console->port);
      std::cout << "twinbench-edge " << o.edge.name << ": console on https://" << o.console->host << ':' << console_port << '\n';
    } catch (const std::runtime_error& e) {
      std::cerr << "twinbench-edge: console: " << e.what() << '\n';
      return 1;
    }
  }
  std::cout << "twinbench-edge " << o.edge.name << ": listening on " << o.host << ':' << port << std::endl;
  std::size_t registered_at_stop = 0;
  loop.on_shutdown_signal([&](int) {
    if (const auto* l = rt.lwm2m()) registered_at_stop = l->registrations();
    if (console_server) console_server->close();
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
  if (const auto* w = rt.webhooks())
    for (std::size_t i = 0; i < w->partners(); ++i) {  // each partner's SLA figures
      const auto& f = w->figures(i);
      std::vector<runtime::TimeUs> l = f.latency_us;
      std::sort(l.begin(), l.end());
      std::cerr << "; webhooks to " << o.edge.webhooks[i].name << ": " << f.queued << " queued, " << f.delivered << " delivered";
      if (!l.empty()) std::cerr << " (latency p50 " << l[l.size() / 2] / 1000 << " ms, max " << l.back() / 1000 << " ms)";
      std::cerr << ", " << f.rejected << " refused, " << f.dropped << " dropped, " << w->pending(i) << " pending"
                << (store ? " (stored)" : " (lost)") << ", " << f.failed_attempts << " of " << f.attempts << " posts failed";
    }
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
