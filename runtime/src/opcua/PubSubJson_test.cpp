// OPC UA PubSub JSON messages as OPC 10000-14 section 7.2.5 lays them out: with and without the
// NetworkMessage and DataSetMessage headers, the three field encodings, 1.04's and 1.05's Variant
// spellings, key and delta frames, keep-alives, and what is not a PubSub message.
#include "twinbench/runtime/opcua/PubSubJson.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <iterator>

namespace twinbench::runtime::opcua {
namespace {

NetworkMessage parsed(std::string_view text) {
  std::string error;
  auto m = parse(text, error);
  EXPECT_TRUE(m) << error;
  return m ? *m : NetworkMessage{};
}

std::string error_of(std::string_view text) {
  std::string error;
  EXPECT_FALSE(parse(text, error));
  return error;
}

TEST(OpcUaPubSubJson, ANetworkMessageWithKeyFramesDeltaFramesAndAKeepAlive) {
  // Variant field encoding, 1.05 spelling; the NetworkMessage and DataSetMessage headers on.
  const auto n = parsed(R"({
    "MessageId": "32235546-05d9-4fd7-97df-ea3ff3408574",
    "MessageType": "ua-data",
    "PublisherId": "plc-hall-1",
    "WriterGroupName": "compressors",
    "Messages": [
      { "DataSetWriterId": 101, "SequenceNumber": 7, "Timestamp": "2026-11-25T04:30:00.125Z",
        "MessageType": "ua-keyframe",
        "Payload": { "DischargePressure": { "UaType": 11, "Value": 8.25 },
                     "MotorCurrent": { "UaType": 10, "Value": 41.5 },
                     "Running": { "UaType": 1, "Value": true },
                     "Serial": { "UaType": 12, "Value": "C-0042" } } },
      { "DataSetWriterId": 101, "SequenceNumber": 8, "MessageType": "ua-deltaframe",
        "Payload": { "MotorCurrent": { "UaType": 10, "Value": 43.0 } } },
      { "DataSetWriterId": 102, "SequenceNumber": 3, "MessageType": "ua-keepalive" }
    ]
  })");
  EXPECT_EQ(n.publisher_id, "plc-hall-1");
  EXPECT_EQ(n.writer_group, "compressors");
  ASSERT_EQ(n.messages.size(), 3u);
  const auto& key = n.messages[0];
  EXPECT_EQ(key.writer_id, 101);
  EXPECT_EQ(key.sequence_number, 7u);
  EXPECT_EQ(key.timestamp_us, parse_datetime("2026-11-25T04:30:00.125Z"));
  ASSERT_EQ(key.fields.size(), 4u);
  EXPECT_EQ(key.fields[0].name, "DischargePressure");  // document order
  EXPECT_EQ(key.fields[0].value, 8.25);
  EXPECT_EQ(key.fields[2].value, 1.0);                   // Boolean true
  EXPECT_FALSE(key.fields[3].value);                     // a String is not a reading
  EXPECT_EQ(n.messages[1].kind, DataSetKind::delta_frame);
  ASSERT_EQ(n.messages[1].fields.size(), 1u);
  EXPECT_EQ(n.messages[1].fields[0].value, 43.0);
  EXPECT_EQ(n.messages[2].kind, DataSetKind::keep_alive);
  EXPECT_TRUE(n.messages[2].fields.empty());
}

TEST(OpcUaPubSubJson, The104VariantSpellingAnd64BitIntegersAsStrings) {
  const auto n = parsed(R"({"MessageId": "1", "MessageType": "ua-data", "Messages": [
    { "DataSetWriterId": 5, "Payload": { "Speed": { "Type": 11, "Body": 1480.5 },
                                         "Hours": { "Type": 8, "Body": "123456789012" },
                                         "Flow": { "Type": 11, "Body": "NaN" } } } ]})");
  const auto& f = n.messages.at(0).fields;
  ASSERT_EQ(f.size(), 3u);
  EXPECT_EQ(f[0].value, 1480.5);
  EXPECT_EQ(f[1].value, 123456789012.0);
  ASSERT_TRUE(f[2].value);
  EXPECT_TRUE(std::isnan(*f[2].value));
}

TEST(OpcUaPubSubJson, DataValuesCarryStatusAndSourceTimestamps) {
  const auto n = parsed(R"([
    { "DataSetWriterId": 7, "Payload": {
        "Temperature": { "Value": { "UaType": 11, "Value": 71.5 }, "SourceTimestamp": "2026-11-25T05:30:00+01:00" },
        "Vibration": { "Value": { "UaType": 11, "Value": 9.9 }, "StatusCode": { "Code": 2150891520, "Symbol": "BadSensorFailure" } },
        "Level": { "Value": 0.25, "StatusCode": 1073741824 } } }
  ])");  // no NetworkMessage header: an array of DataSetMessages
  const auto& f = n.messages.at(0).fields;
  ASSERT_EQ(f.size(), 3u);
  EXPECT_EQ(f[0].value, 71.5);
  EXPECT_EQ(f[0].source_us, parse_datetime("2026-11-25T04:30:00Z"));  // +01:00 is an hour ahead of UTC
  EXPECT_FALSE(f[1].value);  // Bad: no reading
  EXPECT_TRUE(is_bad(f[1].status));
  EXPECT_EQ(f[2].value, 0.25);  // Uncertain still reads
  EXPECT_FALSE(is_bad(f[2].status));
}

TEST(OpcUaPubSubJson, WithoutHeadersAMessageIsItsPayload) {
  const auto n = parsed(R"({ "Pressure": 8.1, "Current": 40 })");  // RawData, no headers at all
  ASSERT_EQ(n.messages.size(), 1u);
  ASSERT_EQ(n.messages[0].fields.size(), 2u);
  EXPECT_EQ(n.messages[0].fields[1].value, 40.0);
  EXPECT_EQ(n.messages[0].kind, DataSetKind::key_frame);
}

TEST(OpcUaPubSubJson, WhatIsNotAPubSubDataMessageIsRefusedWithItsPath) {
  EXPECT_EQ(error_of("{\"MessageId\": 1"), "/: not JSON");
  EXPECT_EQ(error_of(R"({"MessageId": "m", "MessageType": "ua-metadata", "Messages": []})"),
            "/MessageType: expected \"ua-data\" (a NetworkMessage of DataSetMessages)");
  EXPECT_EQ(error_of(R"({"MessageType": "ua-data", "Messages": [{"Timestamp": "yesterday", "Payload": {}}]})"),
            "/Messages/0/Timestamp: expected an ISO 8601 UTC time such as \"2026-11-25T04:30:00.125Z\"");
  EXPECT_EQ(error_of(R"({"MessageType": "ua-data", "Messages": [{"DataSetWriterId": 70000, "Payload": {}}]})"),
            "/Messages/0/DataSetWriterId: expected a UInt16");
  EXPECT_EQ(error_of(R"({"MessageType": "ua-data", "Messages": [{"MessageType": "ua-gossip", "Payload": {}}]})"),
            "/Messages/0/MessageType: expected ua-keyframe, ua-deltaframe, ua-event, ua-keepalive or ua-condition");
  EXPECT_EQ(error_of(R"({"MessageType": "ua-data", "Messages": [{"SequenceNumber": 1, "Payload": [1, 2]}]})"),
            "/Messages/0/Payload: expected the DataSet's fields as a JSON object");
  EXPECT_EQ(error_of("42"), "/: expected a DataSetMessage (a JSON object)");
}

TEST(OpcUaPubSubJson, TheFixtureTheInteropTestPublishes) {
  std::ifstream in(TWINBENCH_RUNTIME_TESTDATA "/opcua/network-message.json");
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto n = parsed(text);
  ASSERT_EQ(n.messages.size(), 4u);
  EXPECT_EQ(n.messages[2].kind, DataSetKind::event);
  EXPECT_EQ(n.messages[2].fields[0].source_us, parse_datetime("2026-11-25T04:30:19.9Z"));
  EXPECT_FALSE(n.messages[2].fields[1].value);  // BadSensorFailure
  EXPECT_EQ(n.messages[3].kind, DataSetKind::keep_alive);
}

TEST(OpcUaPubSubJson, TimesParseAndFormatAsRfc3339) {
  EXPECT_EQ(parse_datetime("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(parse_datetime("2000-03-01T00:00:00.5Z"), 951868800'500000);
  EXPECT_EQ(parse_datetime("2026-11-25T04:30:00.125Z"), 1795581000'125000);
  EXPECT_EQ(parse_datetime("2026-11-25T06:30:00.125+02:00"), parse_datetime("2026-11-25T04:30:00.125Z"));
  for (const char* bad : {"2026-11-25T04:30:00", "2026-13-01T00:00:00Z", "2026-11-25 04:30:00Z", "2026-11-25T04:30:00.Z", "x"})
    EXPECT_FALSE(parse_datetime(bad)) << bad;
  EXPECT_EQ(format_datetime(1795581000'125000), "2026-11-25T04:30:00.125000Z");
  EXPECT_EQ(parse_datetime(format_datetime(-1)), -1);  // before 1970 too
}

TEST(OpcUaPubSubJson, EncodedMessagesParseBackInEveryFieldEncoding) {
  NetworkMessage n;
  n.message_id = "m-1";
  n.publisher_id = "sim";
  DataSetMessage m;
  m.writer_id = 9;
  m.sequence_number = 41;
  m.timestamp_us = 1795581000'000000;
  m.fields = {{"a", 1.5, 0, {}}, {"b", -2.0, 0, {}}};
  n.messages = {m};
  for (auto e : {FieldEncoding::raw, FieldEncoding::variant, FieldEncoding::data_value}) {
    const auto back = parsed(encode(n, e));
    ASSERT_EQ(back.messages.size(), 1u);
    EXPECT_EQ(back.messages[0].sequence_number, 41u);
    EXPECT_EQ(back.messages[0].timestamp_us, m.timestamp_us);
    ASSERT_EQ(back.messages[0].fields.size(), 2u);
    EXPECT_EQ(back.messages[0].fields[1].value, -2.0);
  }
}

}  // namespace
}  // namespace twinbench::runtime::opcua
