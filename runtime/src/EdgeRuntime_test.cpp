#include "twinbench/runtime/EdgeRuntime.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <limits>
#include <map>

#include "twinbench/runtime/Telemetry.hpp"
#include "twinbench/runtime/TimerQueue.hpp"
#include "twinbench/runtime/coap/Message.hpp"
#include "twinbench/runtime/mqtt/Codec.hpp"
#include "EdgeRuntimeTesting.hpp"

namespace twinbench::runtime {
namespace {

struct UpRecord {
  std::uint64_t id;
  ConnId conn;
  Bytes record;
};
/** The records of an uplink payload (UplinkLog.hpp's format), in order. */
std::vector<UpRecord> uplink_records(std::span<const std::uint8_t> payload) {
  std::vector<UpRecord> out;
  EXPECT_TRUE(for_each_uplink_record(payload, [&](std::uint64_t id, std::uint32_t conn, std::span<const std::uint8_t> r) {
    out.push_back({id, conn, Bytes(r.begin(), r.end())});
  }));
  return out;
}


TEST_F(EdgeRuntimeTest, ConnectIsAcceptedWithConnack) {
  connect(0);
  EXPECT_EQ(transport.sent[0], Bytes({0x20, 2, 0, 0}));
  ASSERT_EQ(sink.of<ev::SessionOpened>().size(), 1u);
  EXPECT_EQ(sink.of<ev::SessionOpened>()[0].gateway, 3u);
  EXPECT_EQ(rt->sessions_connected(), 1u);
}

TEST_F(EdgeRuntimeTest, Qos1TelemetryIsAckedMeasuredAndCharged) {
  connect(2);
  transport.sent.clear();
  clock.advance_to(5'000);
  const Bytes pub = publish_bytes(1'000, 1, 77);
  rt->on_bytes(2, pub);
  EXPECT_EQ(transport.sent[2], Bytes({0x40, 2, 0, 77}));
  const auto tel = sink.of<ev::Telemetry>();
  ASSERT_EQ(tel.size(), 1u);
  EXPECT_EQ(tel[0].device, 2u);
  EXPECT_EQ(tel[0].mqtt_bytes, static_cast<std::int64_t>(pub.size()));
  EXPECT_EQ(tel[0].latency_us, 4'000);  // arrival 5000 us - device timestamp 1000 us
  EXPECT_EQ(tel[0].qos, 1);
  EXPECT_DOUBLE_EQ(compute.flops, 2 * config.ingest_cost_flops);
}

TEST_F(EdgeRuntimeTest, PacketSplitAcrossReadsIsReassembled) {
  connect(0);
  const Bytes pub = publish_bytes(0, 0);
  rt->on_bytes(0, std::span(pub).first(5));
  EXPECT_TRUE(sink.of<ev::Telemetry>().empty());
  Bytes rest(pub.begin() + 5, pub.end());
  const Bytes second = publish_bytes(0, 0);
  rest.insert(rest.end(), second.begin(), second.end());
  rt->on_bytes(0, rest);
  EXPECT_EQ(sink.of<ev::Telemetry>().size(), 2u);
}

TEST_F(EdgeRuntimeTest, PublishBeforeConnectIsAProtocolErrorThatClosesTheConnection) {
  rt->on_open(4);
  rt->on_bytes(4, publish_bytes(0, 0));
  ASSERT_EQ(sink.of<ev::ProtocolError>().size(), 1u);
  EXPECT_EQ(transport.closed, std::vector<ConnId>{4});
  EXPECT_TRUE(sink.of<ev::Telemetry>().empty());
}

TEST_F(EdgeRuntimeTest, SecondConnectAndMalformedBytesCloseTheSession) {
  connect(0);
  rt->on_bytes(0, connect_bytes());
  connect(1);
  rt->on_bytes(1, Bytes{0x36, 0x03, 0, 1, 't'});  // QoS 3
  const auto errors = sink.of<ev::ProtocolError>();
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[1].code, static_cast<std::int64_t>(mqtt::DecodeStatus::bad_qos));
  EXPECT_EQ(sink.of<ev::SessionClosed>().size(), 2u);
  EXPECT_EQ(rt->sessions_connected(), 0u);
  // A closed connection ignores late bytes instead of crashing or double-counting.
  rt->on_bytes(1, publish_bytes(0, 0));
  EXPECT_TRUE(sink.of<ev::Telemetry>().empty());
}

TEST_F(EdgeRuntimeTest, PingreqGetsPingrespAndDisconnectEndsTheSession) {
  connect(0);
  transport.sent.clear();
  rt->on_bytes(0, Bytes{0xC0, 0});
  EXPECT_EQ(transport.sent[0], Bytes({0xD0, 0}));
  rt->on_bytes(0, Bytes{0xE0, 0});
  ASSERT_EQ(sink.of<ev::SessionClosed>().size(), 1u);
  EXPECT_EQ(sink.of<ev::SessionClosed>()[0].reason, static_cast<std::int64_t>(CloseReason::client_disconnect));
}

TEST_F(EdgeRuntimeTest, SilentSessionExpiresAfterOneAndAHalfKeepalives) {
  rt->on_open(0);
  rt->on_bytes(0, connect_bytes(10));
  clock.advance_to(15'000'000);  // exactly 1.5 x keepalive: still alive
  EXPECT_TRUE(sink.of<ev::SessionClosed>().empty());
  clock.advance_to(16'000'000);
  const auto closed = sink.of<ev::SessionClosed>();
  ASSERT_EQ(closed.size(), 1u);
  EXPECT_EQ(closed[0].reason, static_cast<std::int64_t>(CloseReason::keepalive_timeout));
  EXPECT_EQ(transport.closed, std::vector<ConnId>{0});
}

TEST_F(EdgeRuntimeTest, TelemetryIsForwardedToTheCloudAsOneBatch) {
  connect(0);
  connect(1);
  rt->on_bytes(0, publish_bytes(0, 0));
  rt->on_bytes(1, publish_bytes(0, 0));
  clock.advance_to(10'000'000);
  const auto sent = sink.of<ev::UplinkSent>();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].records, 2);
  const auto up = cloud.on("tb/uplink/gw-a");
  ASSERT_EQ(up.size(), 1u);
  EXPECT_EQ(up[0].size(), 12 + 2 * (6 + record_bytes(6)));  // one run: first id, count, two records
  const auto recs = uplink_records(up[0]);
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_EQ(recs[0].id, 0u);
  EXPECT_EQ(recs[1].id, 1u);
  EXPECT_EQ(recs[0].conn, 0u);
  EXPECT_EQ(recs[1].conn, 1u);
  EXPECT_EQ(rt->records_pending(), 0u);  // the cloud's broker acknowledged them
}

TEST_F(EdgeRuntimeTest, UnreachableUplinkKeepsRecordsUntilItComesBack) {
  connect(0);
  clock.advance_to(1);  // the uplink connects
  ASSERT_EQ(sink.of<ev::UplinkConnected>().size(), 1u);
  cloud.cut();
  EXPECT_EQ(sink.of<ev::UplinkLost>().size(), 1u);
  rt->on_bytes(0, publish_bytes(0, 0));
  clock.advance_to(10'000'000);
  EXPECT_EQ(sink.of<ev::UplinkDeferred>().size(), 1u);
  EXPECT_EQ(rt->records_pending(), 1u);
  cloud.restore();
  clock.advance_to(40'000'000);  // the client reconnected within its backoff (30 s at most)
  ASSERT_EQ(sink.of<ev::UplinkSent>().size(), 1u);
  EXPECT_EQ(sink.of<ev::UplinkSent>()[0].records, 1);
  EXPECT_EQ(cloud.on("tb/uplink/gw-a").size(), 1u);
  EXPECT_EQ(rt->records_pending(), 0u);
}

TEST_F(EdgeRuntimeTest, APublicationLostWithItsConnectionIsResentInTheKeptSession) {
  connect(0);
  clock.advance_to(1);
  ASSERT_EQ(sink.of<ev::UplinkConnected>().size(), 1u);
  EXPECT_EQ(sink.of<ev::UplinkConnected>()[0].session_present, 0);  // the cloud's broker did not know us yet
  rt->on_bytes(0, publish_bytes(0, 0));
  cloud.blackhole = true;  // the batch leaves at 10 s and never arrives
  clock.advance_to(10'000'000);
  EXPECT_EQ(sink.of<ev::UplinkSent>().size(), 1u);
  EXPECT_EQ(rt->records_pending(), 1u);  // unacknowledged: still held
  cloud.blackhole = false;
  cloud.cut();
  cloud.restore();
  clock.advance_to(40'000'000);
  const auto c = sink.of<ev::UplinkConnected>();
  ASSERT_EQ(c.size(), 2u);
  EXPECT_EQ(c[1].session_present, 1);  // a persistent session (gateway_uplink_client)
  EXPECT_EQ(c[1].resent, 1);
  EXPECT_EQ(sink.of<ev::UplinkLost>().size(), 1u);
  ASSERT_EQ(cloud.on("tb/uplink/gw-a").size(), 1u);  // once: the first copy was lost
  EXPECT_EQ(uplink_records(cloud.on("tb/uplink/gw-a")[0]).size(), 1u);
  EXPECT_EQ(rt->records_pending(), 0u);
}

TEST_F(EdgeRuntimeTest, RecordsStoredBeforeARestartAreRecoveredAndSent) {
  MemoryStorage flash;
  config.uplink_sync_records = 1;  // each record stored as it comes
  restart_cloud();
  cloud.cut();  // the cloud stays out of reach for the first run
  rt = std::make_unique<EdgeRuntime>(config, EdgePorts{clock, transport, compute, sink, nullptr, nullptr, nullptr, nullptr, &flash});
  rt->start();
  connect(0);
  rt->on_bytes(0, publish_bytes(0, 0));
  rt->on_bytes(0, publish_bytes(1, 0));
  EXPECT_EQ(rt->records_unstored(), 0u);
  rt.reset();  // killed
  cloud.restore();
  rt = std::make_unique<EdgeRuntime>(config, EdgePorts{clock, transport, compute, sink, nullptr, nullptr, nullptr, nullptr, &flash});
  rt->start();
  const auto r = sink.of<ev::UplinkRecovered>();
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].records, 2);
  EXPECT_EQ(r[0].torn_segments, 0);
  clock.advance_to(10'000'000);
  ASSERT_EQ(cloud.on("tb/uplink/gw-a").size(), 1u);
  EXPECT_EQ(uplink_records(cloud.on("tb/uplink/gw-a")[0]).size(), 2u);
}

TEST_F(EdgeRuntimeTest, FullUplinkBufferDropsAndCountsTheOldestRecords) {
  config.uplink_buffer_bytes_max = 2 * (6 + record_bytes(6));
  SetUp();
  connect(0);
  cloud.cut();
  for (int i = 0; i < 5; ++i) rt->on_bytes(0, publish_bytes(i, 0));
  EXPECT_EQ(rt->records_pending(), 2u);
  clock.advance_to(10'000'000);
  ASSERT_EQ(sink.of<ev::UplinkDropped>().size(), 1u);
  EXPECT_EQ(sink.of<ev::UplinkDropped>()[0].records, 3);
  EXPECT_EQ(sink.of<ev::Telemetry>().size(), 5u);
  cloud.restore();
  clock.advance_to(40'000'000);
  ASSERT_EQ(cloud.on("tb/uplink/gw-a").size(), 1u);
  const auto recs = uplink_records(cloud.on("tb/uplink/gw-a")[0]);
  ASSERT_EQ(recs.size(), 2u);  // the newest two, taken at 3 and 4
  EXPECT_EQ(recs[0].id, 3u);
  EXPECT_EQ(recs[1].id, 4u);
  RecordHeader h;
  ASSERT_TRUE(decode_record_header(recs[1].record, h));
  EXPECT_EQ(h.t_us, 4);
}

TEST_F(EdgeRuntimeTest, Qos2IsIngestedExactlyOnce) {
  connect(0);
  transport.sent.clear();
  Bytes pub = publish_bytes(0, 1, 5);
  pub[0] = 0x34;  // the same PUBLISH as QoS 2
  rt->on_bytes(0, pub);
  pub[0] = 0x3C;  // retransmitted with DUP before the PUBREL: acknowledged again, not ingested again
  rt->on_bytes(0, pub);
  EXPECT_EQ(transport.sent[0], Bytes({0x50, 2, 0, 5, 0x50, 2, 0, 5}));
  EXPECT_EQ(sink.of<ev::Telemetry>().size(), 1u);
  transport.sent.clear();
  rt->on_bytes(0, Bytes{0x62, 2, 0, 5});  // PUBREL -> PUBCOMP; the id may be reused afterwards
  EXPECT_EQ(transport.sent[0], Bytes({0x70, 2, 0, 5}));
  pub[0] = 0x34;
  rt->on_bytes(0, pub);
  EXPECT_EQ(sink.of<ev::Telemetry>().size(), 2u);
}

TEST_F(EdgeRuntimeTest, ClientsOnTheGatewaySubscribeToWhatDevicesPublish) {
  connect(0);
  connect(5);
  transport.sent.clear();
  Bytes b;
  mqtt::encode(mqtt::Subscribe{3, {{"tb/gw-a/+/telemetry", 1}}}, b);
  rt->on_bytes(5, b);
  EXPECT_EQ(transport.sent[5], Bytes({0x90, 3, 0, 3, 1}));
  transport.sent.clear();
  const Bytes pub = publish_bytes(0, 0);
  rt->on_bytes(0, pub);
  EXPECT_EQ(transport.sent[5], pub);  // QoS 0 in, QoS 0 out
  EXPECT_EQ(sink.of<ev::Telemetry>().size(), 1u);  // and the runtime ingested it
  b.clear();
  mqtt::encode(mqtt::Unsubscribe{4, {"tb/gw-a/+/telemetry"}}, b);
  rt->on_bytes(5, b);
  transport.sent.clear();
  rt->on_bytes(0, pub);
  EXPECT_TRUE(transport.sent[5].empty());
  EXPECT_TRUE(sink.of<ev::ProtocolError>().empty());
}

TEST_F(EdgeRuntimeTest, OnlyTopicsMatchingTheTelemetryFilterAreIngested) {
  config.telemetry_filter = "tb/+/+/telemetry";
  SetUp();
  connect(0);
  rt->on_bytes(0, publish_bytes(0, 0));
  Bytes other;
  mqtt::encode_text_publish("plant/hall-1/note", "not a record", other);
  rt->on_bytes(0, other);
  EXPECT_EQ(sink.of<ev::Telemetry>().size(), 1u);
  EXPECT_TRUE(sink.of<ev::ProtocolError>().empty());  // not telemetry, so not a bad record
}

TEST_F(EdgeRuntimeTest, WithTheUplinkOnItsOwnBrokerTheCloudIsJustAnotherClient) {
  config.uplink = EdgeConfig::Uplink::own_broker;
  SetUp();
  connect(0);
  connect(7);  // the "cloud": subscribes to the uplink, publishes rules
  Bytes b;
  mqtt::encode(mqtt::Subscribe{1, {{"tb/uplink/#", 1}}}, b);
  rt->on_bytes(7, b);
  rt->on_bytes(0, publish_bytes(0, 0));
  transport.sent.clear();
  clock.advance_to(10'000'000);
  const auto r = mqtt::decode(transport.sent[7]);
  ASSERT_EQ(r.status, mqtt::DecodeStatus::ok);
  EXPECT_EQ(std::get<mqtt::Publish>(r.packet).topic, "tb/uplink/gw-a");
  EXPECT_EQ(uplink_records(std::get<mqtt::Publish>(r.packet).payload).size(), 1u);
  EXPECT_TRUE(cloud.published.empty());  // no uplink client in this mode
  b.clear();
  mqtt::encode_text_publish("tb/cloud/gw-a/rules", "{not json", b);
  rt->on_bytes(7, b);
  EXPECT_EQ(sink.of<ev::RulesRefused>().size(), 1u);
}

TEST_F(EdgeRuntimeTest, TheAuditHeadGoesToTheCloudWhenItMovesAndIsKeptWhileTheUplinkIsDown) {
  struct Audit final : AuditTrail {
    std::uint64_t n = 0;
    void record(TimeUs, std::string_view, std::string_view, std::string_view) override { ++n; }
    std::optional<Head> head() const override { return Head{n, std::string(64, static_cast<char>('a' + n % 6))}; }
  } audit;
  config.audit_head_interval_us = 60'000'000;
  restart_cloud();
  rt = std::make_unique<EdgeRuntime>(config, EdgePorts{clock, transport, compute, sink, nullptr, nullptr, &audit});
  rt->start();  // records runtime_started: 1 record
  const auto heads = [&] {
    std::vector<std::string> out;
    for (const Bytes& p : cloud.on("tb/audit/gw-a")) out.emplace_back(p.begin(), p.end());
    return out;
  };
  clock.advance_to(60'000'000);
  ASSERT_EQ(heads(), std::vector<std::string>{R"({"head":")" + std::string(64, 'b') + R"(","records":1})"});
  clock.advance_to(120'000'000);
  EXPECT_EQ(heads().size(), 1u) << "the head did not move: nothing new to send";
  cloud.cut();
  audit.record(0, "x", "y", "{}");
  clock.advance_to(180'000'000);  // the head moved, the uplink is down: kept
  EXPECT_EQ(heads().size(), 1u);
  cloud.restore();
  clock.advance_to(220'000'000);  // the client is back within its backoff (30 s at most), and the next forward takes it
  ASSERT_EQ(heads().size(), 2u);
  EXPECT_EQ(heads()[1], R"({"head":")" + std::string(64, 'c') + R"(","records":2})");
}

TEST_F(EdgeRuntimeTest, WithAccessControlOnlyTheCloudIdentityChangesRulesAndEveryRefusalIsAudited) {
  struct Audit final : AuditTrail {
    std::vector<std::string> records;  ///< "<actor> <action> <details>"
    void record(TimeUs, std::string_view actor, std::string_view action, std::string_view details) override {
      records.push_back(std::string(actor) + " " + std::string(action) + " " + std::string(details));
    }
  } audit;
  config.uplink = EdgeConfig::Uplink::own_broker;
  mqtt::AccessConfig a;
  const std::array<std::uint8_t, 16> salt{1, 2, 3};
  a.passwords.hashes["cloud"] = mqtt::hash_password("c", salt, mqtt::kLeastPasswordCost);
  a.passwords.hashes["device"] = mqtt::hash_password("d", salt, mqtt::kLeastPasswordCost);
  a.acl = {{"*", {"tb/%g/%c/#", "tb/cloud/%g/rules", "tb/alerts/%g"}, {"tb/%g/%c/#"}}, {"cloud", {}, {"tb/uplink/%g"}}};
  a.control_identities = {"cloud"};
  config.access = a;
  restart_cloud();
  rt = std::make_unique<EdgeRuntime>(config, EdgePorts{clock, transport, compute, sink, nullptr, nullptr, &audit});
  rt->start();
  const auto login = [&](ConnId conn, std::string_view id, std::string_view user, std::string_view password) {
    mqtt::Connect c;
    c.client_id = id;
    c.has_username = c.has_password = true;
    c.username = user;
    c.password = std::span(reinterpret_cast<const std::uint8_t*>(password.data()), password.size());
    Bytes b;
    mqtt::encode(c, b);
    rt->on_open(conn);
    rt->on_bytes(conn, b);
  };
  login(0, "0", "device", "d");
  login(7, "cloud-1", "cloud", "c");
  rt->on_open(9);
  rt->on_bytes(9, connect_bytes(60, 9));  // anonymous
  EXPECT_EQ(rt->sessions_connected(), 2u);
  Bytes b;
  mqtt::encode_text_publish("tb/cloud/gw-a/rules", "{not json", b);
  rt->on_bytes(0, b);  // a device: refused above its own ACL (which names the topic): control identities only
  b.clear();
  mqtt::encode_text_publish("tb/alerts/gw-a", "{}", b);
  rt->on_bytes(0, b);  // speaking for the gateway: no client may
  EXPECT_TRUE(sink.of<ev::RulesRefused>().empty());  // the rules never reached the runtime
  b.clear();
  mqtt::encode_text_publish("tb/cloud/gw-a/rules", "{not json", b);
  rt->on_bytes(7, b);
  EXPECT_EQ(sink.of<ev::RulesRefused>().size(), 1u);  // the cloud's did (and were refused as malformed)
  b.clear();
  mqtt::encode(mqtt::Subscribe{1, {{"#", 0}}}, b);
  rt->on_bytes(0, b);
  ASSERT_EQ(audit.records.size(), 6u);
  EXPECT_EQ(audit.records[0].substr(0, 29), "gateway/gw-a runtime_started ");
  EXPECT_EQ(audit.records[1], R"(gateway/gw-a access_refused {"client_id":"dev9","identity":null,"reason_code":5,"refused":"connect"})");
  EXPECT_EQ(audit.records[2], R"(gateway/gw-a access_refused {"client_id":"0","identity":"device","reason_code":0,"refused":"publish","topic":"tb/cloud/gw-a/rules"})");
  EXPECT_EQ(audit.records[3], R"(gateway/gw-a access_refused {"client_id":"0","identity":"device","reason_code":0,"refused":"publish","topic":"tb/alerts/gw-a"})");
  EXPECT_EQ(audit.records[4].substr(0, 27), "gateway/gw-a rules_refused ");
  EXPECT_EQ(audit.records[5], R"(gateway/gw-a access_refused {"client_id":"0","filter":"#","identity":"device","reason_code":128,"refused":"subscribe"})");
  EXPECT_EQ(sink.of<ev::AccessRefused>().size(), 4u);
}

TEST_F(EdgeRuntimeTest, OpcUaPubSubJsonBecomesTelemetryRecords) {
  config.opcua_filter = "opcua/#";
  config.opcua_fields = {"DischargePressure", "MotorCurrent"};
  config.utc_at_start_us = 1795581000'000000;  // runtime time 0 = 2026-11-25T04:30:00Z
  SetUp();
  connect(4);  // the PLC
  clock.advance_to(2'000'000);
  Bytes b;
  mqtt::encode_text_publish("opcua/plc-1", R"({"MessageId": "1", "MessageType": "ua-data", "Messages": [
      {"DataSetWriterId": 1, "SequenceNumber": 10, "Timestamp": "2026-11-25T04:30:01.5Z",
       "Payload": {"DischargePressure": {"UaType": 11, "Value": 8.5}, "MotorCurrent": {"UaType": 11, "Value": 40}, "Other": 1}},
      {"DataSetWriterId": 1, "SequenceNumber": 11, "MessageType": "ua-deltaframe", "Payload": {"MotorCurrent": 42}},
      {"DataSetWriterId": 1, "SequenceNumber": 12, "MessageType": "ua-keepalive"}]})", b);
  rt->on_bytes(4, b);
  const auto tel = sink.of<ev::Telemetry>();
  ASSERT_EQ(tel.size(), 2u);  // the keep-alive carries no record
  EXPECT_EQ(tel[0].latency_us, 500'000);  // arrived at 2 s, taken at 1.5 s
  EXPECT_EQ(tel[1].latency_us, 0);  // no Timestamp: stamped on arrival
  clock.advance_to(10'000'000);
  ASSERT_EQ(cloud.on("tb/uplink/gw-a").size(), 1u);
  const auto recs = uplink_records(cloud.on("tb/uplink/gw-a")[0]);
  ASSERT_EQ(recs.size(), 2u);
  ASSERT_EQ(recs[1].record.size(), record_bytes(2));
  const std::span<const std::uint8_t> second = recs[1].record;
  RecordHeader h;
  ASSERT_TRUE(decode_record_header(second, h));
  EXPECT_EQ(h.seq, 11u);
  EXPECT_EQ(record_value(second, 0), 8.5f);  // kept from the key frame
  EXPECT_EQ(record_value(second, 1), 42.0f);
  Bytes garbage;
  mqtt::encode_text_publish("opcua/plc-1", "{not json", garbage);
  rt->on_bytes(4, garbage);
  EXPECT_EQ(sink.of<ev::ProtocolError>().size(), 1u);  // counted; the session stays
  EXPECT_EQ(rt->sessions_connected(), 1u);
}

TEST_F(EdgeRuntimeTest, Lwm2mDevicesRegisterAndTheirSenMLReadingsBecomeRecords) {
  with_lwm2m = true;
  config.lwm2m_fields = {"/3303/0/5700", "/3316/0/5700"};
  config.lwm2m.observe = {"/3303/0"};
  config.utc_at_start_us = 1795581000'000000;
  SetUp();
  constexpr PeerId dev = 0x40000000;
  const auto post = [&](std::uint16_t id, std::vector<std::string_view> path, std::string_view query, std::uint16_t format,
                        std::string_view payload) {
    Bytes d;
    coap::Writer w(d, coap::Type::con, coap::codes::post, id, {});
    for (auto p : path) w.option(coap::options::uri_path, p);
    w.uint_option(coap::options::content_format, format);
    if (!query.empty()) w.option(coap::options::uri_query, query);
    w.payload(payload);
    rt->on_datagram(dev, d);
  };
  post(1, {"rd"}, "ep=chiller-1", coap::formats::link_format, "</3303/0>,</3316/0>");
  ASSERT_EQ(sink.of<ev::SessionOpened>().size(), 1u);
  EXPECT_EQ(sink.of<ev::SessionOpened>()[0].device, dev);
  ASSERT_EQ(datagrams.sent.size(), 2u);  // 2.01 Created, then the GET observing /3303/0
  clock.advance_to(3'000'000);
  // A Send at 3 s of readings taken at 2.5 s (absolute SenML time), then one with only the voltage.
  post(2, {"dp"}, "", coap::formats::senml_json, R"([{"bn":"/3303/0/","bt":1795581002.5,"n":"5700","v":7.25},{"bn":"/3316/0/","n":"5700","v":229.5}])");
  post(3, {"dp"}, "", coap::formats::senml_json, R"([{"n":"/3316/0/5700","v":231}])");
  post(4, {"dp"}, "", coap::formats::senml_json, R"([{"n":"/3316/0/5701","vs":"V"}])");  // no reading: no record
  // Readings of /3303/0 without its mapped one: the temperature is missing (NaN), the voltage kept.
  post(5, {"dp"}, "", coap::formats::senml_json, R"([{"n":"/3303/0/5601","v":-3}])");
  const auto tel = sink.of<ev::Telemetry>();
  ASSERT_EQ(tel.size(), 3u);
  EXPECT_EQ(tel[0].device, dev);
  EXPECT_EQ(tel[0].latency_us, 500'000);
  EXPECT_EQ(tel[1].latency_us, 0);
  clock.advance_to(10'000'000);
  ASSERT_EQ(cloud.on("tb/uplink/gw-a").size(), 1u);
  const auto recs = uplink_records(cloud.on("tb/uplink/gw-a")[0]);
  ASSERT_EQ(recs.size(), 3u);
  for (const UpRecord& rec : recs) ASSERT_EQ(rec.record.size(), record_bytes(2));
  const std::span<const std::uint8_t> second = recs[1].record, third = recs[2].record;
  EXPECT_EQ(record_value(second, 0), 7.25f);  // kept
  EXPECT_EQ(record_value(second, 1), 231.0f);
  EXPECT_TRUE(std::isnan(record_value(third, 0)));
  EXPECT_EQ(record_value(third, 1), 231.0f);
  // A Send that is not SenML is refused and counted.
  post(7, {"dp"}, "", coap::formats::senml_json, "[1]");
  EXPECT_EQ(sink.of<ev::ProtocolError>().size(), 1u);
  Bytes del;
  coap::Writer(del, coap::Type::con, coap::codes::del, 8, {}).option(coap::options::uri_path, "rd").option(coap::options::uri_path, "1");
  rt->on_datagram(dev, del);
  ASSERT_EQ(sink.of<ev::SessionClosed>().size(), 1u);
  EXPECT_EQ(sink.of<ev::SessionClosed>()[0].reason, static_cast<std::int64_t>(CloseReason::client_disconnect));
  EXPECT_EQ(rt->lwm2m()->registrations(), 0u);
}

TEST_F(EdgeRuntimeTest, RecordsAreCheckedAgainstTheTwinModel) {
  config.telemetry_model = std::vector<ChannelRule>(6);
  config.telemetry_model[2].integral = true;  // channel 2 must be a whole number
  config.telemetry_model[3].max = 4.5;        // channel 3 at most 4.5
  SetUp();
  connect(0);
  auto record = [](std::vector<float> v) {
    Bytes rec(record_bytes(v.size()));
    encode_record(0, 1, v, rec.data());
    Bytes b;
    mqtt::encode(mqtt::Publish{"t", rec, 0, false, false, 0}, b);
    return b;
  };
  const float nan = std::numeric_limits<float>::quiet_NaN();
  rt->on_bytes(0, record({1, 2, 3, 4, 5, 6}));    // fits
  rt->on_bytes(0, record({1, 2, 3.5f, 4, 5, 6})); // not integral
  rt->on_bytes(0, record({1, 2, 3, 5, 5, 6}));    // above max
  rt->on_bytes(0, record({1, 2, 3}));             // wrong channel count
  rt->on_bytes(0, record({nan, 2, 3, nan, 5, 6}));// fits, two readings missing
  EXPECT_EQ(rt->records_pending(), 2u);           // refused records are not forwarded
  clock.advance_to(10'000'000);
  const auto checked = sink.of<ev::TelemetryChecked>();
  ASSERT_EQ(checked.size(), 1u);
  EXPECT_EQ(checked[0].records_refused, 3);
  EXPECT_EQ(checked[0].readings_missing, 2);
  EXPECT_EQ(sink.of<ev::Telemetry>().size(), 5u);  // every record was received
}

}  // namespace
}  // namespace twinbench::runtime
