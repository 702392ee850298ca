// Google Benchmark kernels of the hot path: codec, physics, sensors, fleet driver, runtime ingest, results.
// Inputs are seeded, so runs are comparable. Report items/s (messages, devices or events per second).

#include <benchmark/benchmark.h>

#include <numeric>

#include "twinbench/ai/TorchScorer.hpp"
#include "twinbench/results/Collector.hpp"
#include "twinbench/runtime/EdgeRuntime.hpp"
#include "twinbench/runtime/Telemetry.hpp"
#include "twinbench/runtime/TimerQueue.hpp"
#include "twinbench/runtime/coap/Message.hpp"
#include "twinbench/runtime/drift/Monitor.hpp"
#include "twinbench/runtime/lwm2m/SenML.hpp"
#include "twinbench/runtime/mqtt/Codec.hpp"
#include "twinbench/runtime/mqtt/Subscriptions.hpp"
#include "twinbench/sim/FleetCore.hpp"
#include "twinbench/twins/dtdl/ModelSet.hpp"

namespace {

using namespace twinbench;

/** The benches' devices: the compressor class, looked up as a scenario does. */
const twins::AssetClass& compressor() { return *twins::find_asset_class("compressor"); }

std::vector<std::uint8_t> telemetry_record() {
  const float v[] = {55.1f, 7.4f, 88.2f, 1.9f, 32.0f, 0.61f};
  std::vector<std::uint8_t> rec(runtime::record_bytes(std::size(v)));
  runtime::encode_record(123456789, 42, v, rec.data());
  return rec;
}

void BM_MqttPublishEncodeDecode(benchmark::State& state) {
  const auto rec = telemetry_record();
  const runtime::mqtt::Publish p{"tb/plant-a-gw-0/417/telemetry", rec, 1, false, false, 4242};
  std::vector<std::uint8_t> buf;
  for (auto _ : state) {
    buf.clear();
    runtime::mqtt::encode(p, buf);
    auto r = runtime::mqtt::decode(buf);
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * buf.size()));
}
BENCHMARK(BM_MqttPublishEncodeDecode);

void BM_PhysicsStep(benchmark::State& state) {
  const auto n = static_cast<std::uint32_t>(state.range(0));
  const auto fleet = compressor().make_fleet(1000, {}, core::Rng(1).stream("p"));
  std::vector<std::uint32_t> idx(n);
  std::iota(idx.begin(), idx.end(), 0);
  std::vector<double> t(n);
  Eigen::ArrayXXd out(static_cast<Eigen::Index>(fleet->channels()), n);
  double now = 0;
  for (auto _ : state) {
    now += 10;
    std::fill(t.begin(), t.end(), now);
    fleet->step(idx, t, out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * n);
}
BENCHMARK(BM_PhysicsStep)->Arg(1)->Arg(10)->Arg(100)->Arg(1000);

void BM_SensorRead(benchmark::State& state) {
  const auto n = static_cast<std::uint32_t>(state.range(0));
  const twins::SensorSpec& spec = compressor().descriptor.sensors;
  twins::SensorBank bank(n, spec, core::Rng(1).stream("c"));
  std::vector<core::RngStream> rng;
  for (std::uint32_t i = 0; i < n; ++i) rng.push_back(core::Rng(1).stream("d", i));
  std::vector<std::uint32_t> idx(n);
  std::iota(idx.begin(), idx.end(), 0);
  const auto channels = static_cast<Eigen::Index>(spec.channels());
  const Eigen::ArrayXXd truth = Eigen::ArrayXXd::Constant(channels, n, 10.0);
  Eigen::ArrayXXf out(channels, n);
  for (auto _ : state) {
    bank.read(idx, truth, rng, out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * n);
}
BENCHMARK(BM_SensorRead)->Arg(10)->Arg(1000);

/** The fleet driver without SimGrid: 1000 devices every 10 s, produced in 100 ms windows (one item = one message). */
void BM_FleetDriverWindows(benchmark::State& state) {
  sim::FleetConfig c;
  c.topic_prefix = "tb/plant-a-gw-0";
  c.devices = 1000;
  c.period_us = 10'000'000;
  c.qos = 0;
  const core::Rng rng(1);
  c.power_channel = compressor().descriptor.power_channel;
  sim::FleetCore fleet(c, compressor().make_fleet(1000, {}, rng.stream("p")), twins::SensorBank(1000, compressor().descriptor.sensors, rng.stream("c")),
                       rng, "d");
  sim::WireBatch batch;
  std::int64_t messages = 0;
  for (auto _ : state) {
    batch.frames.clear();
    batch.bytes.clear();
    const runtime::TimeUs send = fleet.next_due_us();
    messages += fleet.produce(send, (send / 100'000 + 1) * 100'000, false, true, batch).messages;
  }
  state.SetItemsProcessed(messages);
}
BENCHMARK(BM_FleetDriverWindows);

struct NullTransport final : runtime::Transport {
  runtime::ConnId connect(std::string_view, runtime::TransportHandler&) override { return 0; }
  runtime::SendStatus send(runtime::ConnId, std::span<const std::uint8_t>) override { return runtime::SendStatus::ok; }
  void close(runtime::ConnId) override {}
};
struct NullSink final : runtime::Sink {
  void emit(const runtime::Event&) override {}
};

/** Gateway ingest: decode a PUBLISH, validate the record, emit the event, buffer for the uplink. */
void BM_EdgeRuntimeIngest(benchmark::State& state) {
  runtime::ManualClock clock;
  NullTransport transport;
  runtime::NoCompute compute;
  NullSink sink;
  runtime::EdgeConfig ec;
  ec.forward_interval_us = 1'000'000;
  runtime::EdgeRuntime rt(ec, {clock, transport, compute, sink});
  rt.start();
  std::vector<std::uint8_t> connect, publish;
  runtime::mqtt::Connect cn;
  cn.client_id = "d1";
  runtime::mqtt::encode(cn, connect);
  const auto rec = telemetry_record();
  runtime::mqtt::encode(runtime::mqtt::Publish{"tb/gw/1/telemetry", rec, 0, false, false, 0}, publish);
  rt.on_open(1);
  rt.on_bytes(1, connect);
  std::int64_t n = 0;
  for (auto _ : state) {
    rt.on_bytes(1, publish);
    if (++n % 10000 == 0) clock.advance_to(clock.now_us() + 1'000'000);  // forward, so the buffer stays bounded
  }
  state.SetItemsProcessed(n);
}
BENCHMARK(BM_EdgeRuntimeIngest);

struct NullDatagrams final : runtime::Datagrams {
  runtime::SendStatus send_to(runtime::PeerId, std::span<const std::uint8_t>) override { return runtime::SendStatus::ok; }
};

/** A SenML JSON pack of a compressor's six readings, as the simulated LwM2M devices send it. */
const std::string kSenmlPack =
    R"([{"bt":1767225612.345678,"n":"/3317/0/5700","v":55.1},{"n":"/3323/0/5700","v":7.4},{"n":"/3303/0/5700","v":88.2},)"
    R"({"n":"/3300/0/5700","v":1.9},{"n":"/3305/0/5800","v":32},{"n":"/3320/0/5700","v":0.61}])";

void BM_SenmlParse(benchmark::State& state) {
  std::string error;
  for (auto _ : state) benchmark::DoNotOptimize(runtime::senml::parse_json(kSenmlPack, error));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SenmlParse);

/** Gateway ingest of an LwM2M Send: CoAP decode, SenML, the record, its event and the uplink buffer. */
void BM_EdgeRuntimeIngestLwm2m(benchmark::State& state) {
  runtime::ManualClock clock;
  NullTransport transport;
  NullDatagrams datagrams;
  runtime::NoCompute compute;
  NullSink sink;
  runtime::EdgeConfig ec;
  ec.forward_interval_us = 1'000'000;
  ec.lwm2m_fields = {"/3317/0/5700", "/3323/0/5700", "/3303/0/5700", "/3300/0/5700", "/3305/0/5800", "/3320/0/5700"};
  ec.utc_at_start_us = 1'767'225'600'000'000;
  runtime::EdgeRuntime rt(ec, {clock, transport, compute, sink, &datagrams});
  rt.start();
  std::vector<std::uint8_t> reg, send;
  runtime::coap::Writer(reg, runtime::coap::Type::con, runtime::coap::codes::post, 1, {})
      .option(runtime::coap::options::uri_path, "rd")
      .option(runtime::coap::options::uri_query, "ep=d1")
      .payload("</3317/0>");
  runtime::coap::Writer(send, runtime::coap::Type::non, runtime::coap::codes::post, 2, {})
      .option(runtime::coap::options::uri_path, "dp")
      .uint_option(runtime::coap::options::content_format, runtime::coap::formats::senml_json)
      .payload(kSenmlPack);
  rt.on_datagram(7, reg);
  std::int64_t n = 0;
  for (auto _ : state) {
    rt.on_datagram(7, send);
    if (++n % 10000 == 0) clock.advance_to(clock.now_us() + 1'000'000);
  }
  state.SetItemsProcessed(n);
}
BENCHMARK(BM_EdgeRuntimeIngestLwm2m);

/** Results: one telemetry event into KPIs, histogram and trace hash. */
void BM_CollectorTelemetryEvent(benchmark::State& state) {
  results::RunMeta m;
  m.duration_s = 86400;
  m.sites = {"s"};
  m.gateways = {{"s", "g", 1000}};
  results::Collector c(m);
  runtime::Event e = runtime::Event::of(0, 0, 7, runtime::ev::Telemetry{.mqtt_bytes = 60, .latency_us = 3000});
  for (auto _ : state) {
    e.t_us += 100'000;
    e.field[1] = 3000 + (e.t_us & 1023);  // latency_us
    c.emit(e);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CollectorTelemetryEvent);

/** DTDL: parse and resolve a model set of 500 Interfaces (10 contents each, extends chains of 10). */
void BM_DtdlParse500Interfaces(benchmark::State& state) {
  std::vector<std::string> docs;
  for (int i = 0; i < 500; ++i) {
    std::string d = R"({"@context": ["dtmi:dtdl:context;3", "dtmi:dtdl:extension:quantitativeTypes;1"], "@type": "Interface", "@id": "dtmi:bench:I)";
    d += std::to_string(i);
    d += R"(;1", "displayName": {"en": "Interface", "de": "Schnittstelle"}, )";
    if (i % 10 != 0) {
      d += R"("extends": "dtmi:bench:I)";
      d += std::to_string(i - 1);
      d += R"(;1", )";
    }
    d += R"("contents": [)";
    for (int c = 0; c < 10; ++c) {
      std::string n = "i";  // built with += : GCC 12 warns falsely (-Wrestrict) on chains of string +
      n += std::to_string(i);
      n += 'c';
      n += std::to_string(c);
      if (c) d += ",";
      if (c % 3 == 0) d += R"({"@type": ["Telemetry", "Temperature"], "name": ")" + n + R"(", "schema": "double", "unit": "degreeCelsius"})";
      else if (c % 3 == 1) d += R"({"@type": "Property", "name": ")" + n + R"(", "writable": true, "schema": {"@type": "Object", "fields": [{"name": "a", "schema": "long"}, {"name": "b", "schema": {"@type": "Enum", "valueSchema": "integer", "enumValues": [{"name": "x", "enumValue": 1}, {"name": "y", "enumValue": 2}]}}]}})";
      else d += R"({"@type": "Command", "name": ")" + n + R"(", "request": {"name": "p", "schema": "string"}, "response": {"name": "r", "schema": {"@type": "Array", "elementSchema": "float"}}})";
    }
    docs.push_back(d + "]}");
  }
  for (auto _ : state) {
    twins::dtdl::ModelSet set;
    for (std::size_t i = 0; i < docs.size(); ++i) set.add_document(docs[i], "bench.json");
    set.resolve();
    if (!set.ok()) state.SkipWithError(set.diagnostics()[0].str().c_str());
    benchmark::DoNotOptimize(set.interfaces().size());
  }
  state.SetItemsProcessed(state.iterations() * 500);
}
BENCHMARK(BM_DtdlParse500Interfaces)->Unit(benchmark::kMillisecond);

}  // namespace

/**
 * One gateway end to end: 1000 devices' PUBLISHes (distinct devices in turn, realistic readings)
 * through session ingest, the feature windows and batched libtorch inference of the shipped
 * autoencoder (batch_max 64) and the rules. One item = one sample; every 3rd completes a window.
 */
void BM_GatewayIngestWindowInference(benchmark::State& state) {
  runtime::ManualClock clock;
  NullTransport transport;
  runtime::NoCompute compute;
  NullSink sink;
  const ai::ModelPackage pkg = ai::load_package(TWINBENCH_SOURCE_DIR "/models/compressor-ae");
  runtime::EdgeConfig ec;
  ec.forward_interval_us = 1'000'000;
  runtime::DetectorConfig dc;
  dc.model_id = pkg.manifest.model_id;
  dc.model_threshold = pkg.manifest.threshold;
  dc.layout = pkg.manifest.features;
  for (const auto& c : pkg.manifest.channels) dc.positions.push_back(static_cast<std::uint16_t>(*compressor().descriptor.channel(c)));
  dc.batch_max = 64;
  dc.batch_latency_us = 1'000'000'000;  // batches fill
  ec.detector = dc;
  ec.scorer = std::make_shared<ai::TorchScorer>(pkg);
  ec.rules = runtime::default_rules();
  runtime::EdgeRuntime rt(ec, {clock, transport, compute, sink});
  rt.start();
  constexpr std::uint32_t kDevices = 1000;
  std::vector<std::vector<std::uint8_t>> publish(kDevices);
  core::RngStream rng(9);
  for (std::uint32_t d = 0; d < kDevices; ++d) {
    std::vector<std::uint8_t> connect;
    runtime::mqtt::Connect cn;
    std::string id = "d";  // one session each (one client id would take the session over 999 times)
    id += std::to_string(d);
    cn.client_id = id;
    runtime::mqtt::encode(cn, connect);
    rt.on_open(d);
    rt.on_bytes(d, connect);
    std::vector<float> v(pkg.manifest.channels.size());
    for (std::size_t c = 0; c < v.size(); ++c) v[c] = pkg.manifest.features.mean[c] + pkg.manifest.features.scale[c] * static_cast<float>(rng.normal());
    std::vector<std::uint8_t> rec(runtime::record_bytes(v.size()));
    runtime::encode_record(0, 1, v, rec.data());
    runtime::mqtt::encode(runtime::mqtt::Publish{"tb/gw/1/telemetry", rec, 0, false, false, 0}, publish[d]);
  }
  std::int64_t n = 0;
  for (auto _ : state) {
    rt.on_bytes(static_cast<runtime::ConnId>(n % kDevices), publish[static_cast<std::size_t>(n % kDevices)]);
    if (++n % 10000 == 0) clock.advance_to(clock.now_us() + 1'000'000);
  }
  state.SetItemsProcessed(n);
  // A window completes every 3rd sample of a device after its first 12: fewer scored means samples were dropped.
  const auto scored = static_cast<std::int64_t>(rt.detector()->windows_scored());
  state.counters["windows_scored_per_sample"] = static_cast<double>(scored) / static_cast<double>(n);
  if (n >= 100 * kDevices && scored < (n - 12 * kDevices) / 3 - 64) state.SkipWithError("samples were not ingested (fewer windows scored than they make)");
}
BENCHMARK(BM_GatewayIngestWindowInference);

/**
 * Broker matching: 10,000 devices each subscribed to their own command topics (tb/gw-<g>/<d>/#), plus
 * three wildcard subscribers (a historian on tb/#, per-gateway dashboards on tb/gw-<g>/+/telemetry).
 * One item = one PUBLISH matched to its subscribers.
 */
void BM_SubscriptionMatch(benchmark::State& state) {
  runtime::mqtt::SubscriptionTree t;
  for (std::uint32_t d = 0; d < 10'000; ++d) {
    std::string f = "tb/gw-";
    ((((f += std::to_string(d / 1000)) += '/') += std::to_string(d)) += "/#");
    t.subscribe(d, f, 1);
  }
  t.subscribe(20'000, "tb/#", 0);
  for (std::uint32_t g = 0; g < 10; ++g) {
    std::string f = "tb/gw-";
    (f += std::to_string(g)) += "/+/telemetry";
    t.subscribe(20'001 + g, f, 1);
  }
  std::vector<std::string> topics;
  for (std::uint32_t d = 0; d < 10'000; d += 7) {
    std::string s = "tb/gw-";
    ((((s += std::to_string(d / 1000)) += '/') += std::to_string(d)) += "/telemetry");
    topics.push_back(s);
  }
  std::size_t i = 0, delivered = 0;
  for (auto _ : state) {
    t.match(topics[i], [&](runtime::ConnId, std::uint8_t) { ++delivered; });
    i = i + 1 == topics.size() ? 0 : i + 1;
  }
  benchmark::DoNotOptimize(delivered);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SubscriptionMatch);

struct NoHooks final : runtime::mqtt::BrokerHooks {
  void on_connected(runtime::ConnId) override {}
  void on_publish(runtime::ConnId, const runtime::mqtt::Publish&, std::size_t) override {}
};

/**
 * Broker fan-out, sans-IO: one client publishes a 64-byte QoS 0 message on load/x, the broker routes it
 * to N subscribers of load/# and encodes it for each. One item = one message delivered to one subscriber.
 */
void BM_BrokerFanOut(benchmark::State& state) {
  runtime::ManualClock clock;
  NullTransport transport;
  runtime::NoCompute compute;
  NullSink sink;
  NoHooks hooks;
  runtime::mqtt::Broker broker({}, {clock, transport, compute, sink}, hooks);
  const auto n = static_cast<runtime::ConnId>(state.range(0));
  std::vector<std::uint8_t> bytes;
  for (runtime::ConnId c = 0; c <= n; ++c) {
    bytes.clear();
    runtime::mqtt::Connect cn;
    const std::string id = "c" + std::to_string(c);
    cn.client_id = id;
    runtime::mqtt::encode(cn, bytes);
    if (c > 0) runtime::mqtt::encode(runtime::mqtt::Subscribe{1, {{"load/#", 0}}}, bytes);
    broker.on_open(c);
    broker.on_bytes(c, bytes);
  }
  const std::vector<std::uint8_t> payload(64, 'x');
  bytes.clear();
  runtime::mqtt::encode(runtime::mqtt::Publish{"load/x", payload, 0, false, false, 0}, bytes);
  for (auto _ : state) broker.on_bytes(0, bytes);
  state.SetItemsProcessed(state.iterations() * n);
}
BENCHMARK(BM_BrokerFanOut)->Arg(1)->Arg(10)->Arg(100)->Arg(1000);

/** The client session: a QoS 1 PUBLISH encoded and sent, and its PUBACK handled. One item = one message. */
void BM_ClientPublishQos1(benchmark::State& state) {
  struct Hooks final : runtime::mqtt::ClientHooks {
    void on_connected(bool) override {}
    void on_connection_lost() override {}
    void on_message(const runtime::mqtt::Publish&) override {}
  } hooks;
  runtime::ManualClock clock;
  NullTransport transport;
  runtime::mqtt::ClientConfig cc;
  cc.endpoint = "x";
  cc.client_id = "bench";
  runtime::mqtt::Client client(cc, {clock, transport, core::RngStream(1)}, hooks);
  client.start();
  client.on_open(0);
  std::vector<std::uint8_t> in;
  runtime::mqtt::encode(runtime::mqtt::Connack{}, in);
  client.on_bytes(0, in);
  const std::vector<std::uint8_t> payload(64, 'x');
  std::uint16_t id = 1;
  for (auto _ : state) {
    client.publish("load/x", payload, 1);
    in.clear();
    runtime::mqtt::encode(runtime::mqtt::Puback{id}, in);
    client.on_bytes(0, in);
    id = static_cast<std::uint16_t>(id == 65535 ? 1 : id + 1);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ClientPublishQos1);

/** The shipped compressor autoencoder (72 inputs), one thread: one item = one window scored. */
void BM_InferenceAutoencoder(benchmark::State& state) {
  ai::TorchScorer scorer(ai::load_package(TWINBENCH_SOURCE_DIR "/models/compressor-ae"));
  const auto batch = static_cast<std::size_t>(state.range(0));
  std::vector<float> x(batch * scorer.input_dim()), scores(batch);
  core::RngStream rng(5);
  for (float& v : x) v = static_cast<float>(rng.normal());
  for (auto _ : state) {
    scorer.score(x, batch, scores);
    benchmark::DoNotOptimize(scores.data());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(batch));
}
BENCHMARK(BM_InferenceAutoencoder)->Arg(1)->Arg(16)->Arg(64)->Arg(256);

/** Feature windows: one sample pushed for each of 1000 devices in turn, and the due windows copied out. */
void BM_FeatureWindowUpdate(benchmark::State& state) {
  runtime::FeatureWindows fw({6, 12, 3, std::vector<float>(6, 1.0f), std::vector<float>(6, 2.0f)});
  std::vector<float> out(fw.input_dim());
  const float sample[6] = {55.1f, 7.4f, 88.2f, 1.9f, 32.0f, 0.61f};
  std::uint32_t device = 0;
  for (auto _ : state) {
    if (fw.push(device, sample)) fw.copy(device, out);
    device = device == 999 ? 0 : device + 1;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_FeatureWindowUpdate);

// The gateway's drift monitor per telemetry record: six feature values and one score, each binned in the
// model's reference (20 bins) and summed; blocks close hourly (their PSI/KS/Page-Hinkley cost included).
static void BM_DriftMonitorRecord(benchmark::State& state) {
  runtime::drift::StreamReference sr;
  for (int k = 1; k < 20; ++k) sr.cuts.push_back(-2.0 + 4.0 * k / 20);
  runtime::drift::Monitor m({std::vector<runtime::drift::StreamReference>(7, sr), 100'000}, runtime::drift::MonitorConfig{}, 0);
  core::RngStream rng(3);
  std::vector<double> values(4096);
  for (double& v : values) v = rng.normal();
  runtime::TimeUs t = 0;
  std::size_t i = 0;
  for (auto _ : state) {
    t += 125'000;  // 8 records a second: 100 devices every 12.5 s
    for (std::size_t s = 0; s < 7; ++s) m.add(s, values[(i++) & 4095], t);
    benchmark::DoNotOptimize(m.poll(t));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DriftMonitorRecord);

BENCHMARK_MAIN();
