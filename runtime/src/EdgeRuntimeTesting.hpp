#pragma once
// The edge runtime's test fixture: a runtime named gw-a with a manual clock, a test cloud for its
// uplink, and helpers for devices' CONNECT and PUBLISH bytes (EdgeRuntime_test.cpp, EdgeRuntimeAi_test.cpp).

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "twinbench/runtime/EdgeRuntime.hpp"
#include "twinbench/runtime/Telemetry.hpp"
#include "twinbench/runtime/TimerQueue.hpp"
#include "twinbench/runtime/mqtt/Codec.hpp"
#include "TestPorts.hpp"

namespace twinbench::runtime {

class EdgeRuntimeTest : public ::testing::Test {
protected:
  ManualClock clock;
  TestCloud cloud{clock};
  RecordingTransport transport{&cloud};
  CountingCompute compute;
  RecordingSink sink;
  EdgeConfig config = [] {
    EdgeConfig c;
    c.gateway_index = 3;
    c.name = "gw-a";
    c.forward_interval_us = 10'000'000;
    c.session_sweep_us = 1'000'000;
    c.uplink_client = gateway_uplink_client(c.name, "cloud");
    return c;
  }();
  RecordingDatagrams datagrams;
  bool with_lwm2m = false;
  HttpClient* http = nullptr;  ///< for webhooks
  AuditTrail* audit = nullptr;
  std::unique_ptr<EdgeRuntime> rt;

  void SetUp() override {
    restart_cloud();
    EdgePorts ports{clock, transport, compute, sink, with_lwm2m ? &datagrams : nullptr};
    ports.http = http;
    ports.audit = audit;
    rt = std::make_unique<EdgeRuntime>(config, ports);
    rt->start();
  }
  /** A runtime about to be replaced loses its uplink connection first (its process ends, and the socket with it). */
  void restart_cloud() {
    cloud.cut();
    cloud.restore();
  }
  static Bytes connect_bytes(std::uint16_t keepalive_s = 60, ConnId conn = 0) {
    const std::string id = "dev" + std::to_string(conn);
    mqtt::Connect c;
    c.client_id = id;
    c.keepalive_s = keepalive_s;
    Bytes b;
    mqtt::encode(c, b);
    return b;
  }
  static Bytes publish_bytes(TimeUs t_us, std::uint8_t qos, std::uint16_t id = 1) {
    const float v[] = {1, 2, 3, 4, 5, 6};
    Bytes rec(record_bytes(6));
    encode_record(t_us, 9, v, rec.data());
    Bytes b;
    mqtt::encode(mqtt::Publish{"tb/gw-a/0/telemetry", rec, qos, false, false, static_cast<std::uint16_t>(qos ? id : 0)}, b);
    return b;
  }
  void connect(ConnId conn) {
    rt->on_open(conn);
    rt->on_bytes(conn, connect_bytes(60, conn));
  }
  /** A telemetry record `values` from `conn` on `topic`, its sequence number `seq`, taken at seq x 10 s (device time). */
  void send_record(ConnId conn, const std::string& topic, std::vector<float> values, std::uint32_t seq) {
    Bytes rec(record_bytes(values.size()));
    encode_record(static_cast<TimeUs>(seq) * 10'000'000, seq, values, rec.data());
    Bytes b;
    mqtt::encode(mqtt::Publish{topic, rec, 0, false, false, 0}, b);
    rt->on_bytes(conn, b);
  }
};


/** A model of one record channel (`position`) in windows of 2 samples, scored by their largest value (MaxScorer). */
inline DetectorConfig max_detector(const char* model, const char* asset_class, std::uint16_t position, double threshold) {
  DetectorConfig d;
  d.model_id = model, d.model_version = "1", d.asset_class = asset_class, d.model_threshold = threshold;
  d.layout = {1, 2, 1, {0}, {1}};
  d.positions = {position};
  return d;
}

}  // namespace twinbench::runtime
