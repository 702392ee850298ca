#pragma once
// OPC UA PubSub, JSON message mapping (OPC 10000-14 section 7.2.5), the subscriber's side: what a PLC
// publishing its DataSets over MQTT sends. A message is a NetworkMessage (MessageType "ua-data" and
// Messages), or without the NetworkMessage header one DataSetMessage or an array of them, or without the
// DataSetMessage header just a Payload. Field values are read in all three field encodings: RawData
// (plain JSON values), Variant (reversible, {"UaType"|"Type": n, "Value"|"Body": v}) and DataValue
// ({"Value": ..., "StatusCode": ..., "SourceTimestamp": ...}). Only numeric and Boolean fields become
// readings: telemetry records carry numbers.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace twinbench::runtime::opcua {

struct Field {
  std::string name;
  std::optional<double> value;            ///< nullopt: not a number (a string, a structure...) or a Bad status
  std::uint32_t status = 0;               ///< StatusCode (0 = Good)
  std::optional<std::int64_t> source_us;  ///< SourceTimestamp, microseconds since 1970-01-01 UTC
};

enum class DataSetKind : std::uint8_t { key_frame, delta_frame, event, keep_alive, condition };

struct DataSetMessage {
  std::uint16_t writer_id = 0;  ///< 0 when absent
  std::string writer_name;
  std::optional<std::uint32_t> sequence_number;
  std::optional<std::int64_t> timestamp_us;  ///< microseconds since 1970-01-01 UTC
  std::uint32_t status = 0;
  DataSetKind kind = DataSetKind::key_frame;
  std::vector<Field> fields;  ///< in document order; none for a keep-alive
};

struct NetworkMessage {
  std::string message_id, publisher_id, writer_group;
  std::vector<DataSetMessage> messages;
};

/** @brief Parse a JSON PubSub message; nullopt with `error` (JSON path and what was expected) if it is not one. */
std::optional<NetworkMessage> parse(std::string_view json, std::string& error);

enum class FieldEncoding : std::uint8_t { raw, variant, data_value };

/** @brief A NetworkMessage with its header, for simulated publishers and tests (Double fields; UaType 11). */
std::string encode(const NetworkMessage& m, FieldEncoding encoding);

/** @brief An ISO 8601 / RFC 3339 UTC time ("2026-11-25T04:30:00.125Z", or with an offset) in microseconds since 1970. */
std::optional<std::int64_t> parse_datetime(std::string_view s);
std::string format_datetime(std::int64_t us);

/** @brief True for a StatusCode of severity Bad (its top two bits 10; Uncertain is 01). */
constexpr bool is_bad(std::uint32_t status) { return (status >> 30) == 2; }

}  // namespace twinbench::runtime::opcua
