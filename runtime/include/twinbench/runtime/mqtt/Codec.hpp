#pragma once
// MQTT 3.1.1 packet codec, sans-IO: bytes in, packets out, and back. Decoded packets are views into the
// input buffer (zero copy). Every packet type of MQTT 3.1.1; anything malformed is rejected with a reason.

#include <cstdint>
#include <span>
#include <string_view>
#include <variant>
#include <vector>

namespace twinbench::runtime::mqtt {

enum class PacketType : std::uint8_t {
  connect = 1, connack = 2, publish = 3, puback = 4, pubrec = 5, pubrel = 6, pubcomp = 7,
  subscribe = 8, suback = 9, unsubscribe = 10, unsuback = 11, pingreq = 12, pingresp = 13, disconnect = 14,
};

struct Connect {
  std::string_view client_id;
  std::uint16_t keepalive_s = 0;
  bool clean_session = true;
  bool will = false;
  std::uint8_t will_qos = 0;
  bool will_retain = false;
  std::string_view will_topic;
  std::span<const std::uint8_t> will_message;
  bool has_username = false;
  std::string_view username;
  bool has_password = false;
  std::span<const std::uint8_t> password;
};

enum class ConnackCode : std::uint8_t {
  accepted = 0, bad_protocol_version = 1, identifier_rejected = 2, server_unavailable = 3,
  bad_username_or_password = 4, not_authorized = 5,
};

struct Connack {
  bool session_present = false;
  ConnackCode code = ConnackCode::accepted;
};

struct Publish {
  std::string_view topic;
  std::span<const std::uint8_t> payload;
  std::uint8_t qos = 0;
  bool retain = false;
  bool dup = false;
  std::uint16_t packet_id = 0;  ///< non-zero iff qos > 0
};

struct Puback { std::uint16_t packet_id = 0; };
struct Pubrec { std::uint16_t packet_id = 0; };   ///< QoS 2, step 1 (receiver -> sender)
struct Pubrel { std::uint16_t packet_id = 0; };   ///< QoS 2, step 2 (sender -> receiver)
struct Pubcomp { std::uint16_t packet_id = 0; };  ///< QoS 2, step 3 (receiver -> sender)

struct Subscription {
  std::string_view filter;
  std::uint8_t qos = 0;  ///< maximum QoS requested
};
struct Subscribe {
  std::uint16_t packet_id = 0;
  std::vector<Subscription> subscriptions;  ///< at least one (MQTT-3.8.3-3)
};
inline constexpr std::uint8_t kSubackFailure = 0x80;
struct Suback {
  std::uint16_t packet_id = 0;
  std::vector<std::uint8_t> return_codes;  ///< granted QoS 0-2, or kSubackFailure, one per subscription
};
struct Unsubscribe {
  std::uint16_t packet_id = 0;
  std::vector<std::string_view> filters;  ///< at least one (MQTT-3.10.3-2)
};
struct Unsuback { std::uint16_t packet_id = 0; };
struct Pingreq {};
struct Pingresp {};
struct Disconnect {};

using Packet = std::variant<Connect, Connack, Publish, Puback, Pubrec, Pubrel, Pubcomp, Subscribe, Suback, Unsubscribe, Unsuback,
                            Pingreq, Pingresp, Disconnect>;

enum class DecodeStatus : std::uint8_t {
  ok = 0,
  need_more,               ///< not a whole packet yet: feed more bytes
  bad_remaining_length,    ///< more than 4 length bytes
  packet_too_large,        ///< remaining length above the caller's limit
  bad_fixed_header_flags,  ///< reserved flag bits wrong for the type (MQTT-2.2.2-1/2)
  unsupported_packet_type, ///< not a packet of MQTT 3.1.1 (AUTH is MQTT 5)
  reserved_packet_type,    ///< type 0 or 15
  bad_protocol_name,       ///< CONNECT protocol name is not "MQTT"
  bad_protocol_level,      ///< CONNECT protocol level is not 4
  bad_connect_flags,       ///< reserved bit set, or will/user/password flags inconsistent
  bad_utf8,                ///< ill-formed UTF-8 or U+0000 in a string (MQTT-1.5.3)
  bad_qos,                 ///< QoS 3, or DUP set on QoS 0
  bad_topic,               ///< empty topic, or a wildcard in a PUBLISH topic
  bad_packet_id,           ///< packet identifier 0 where one is required
  length_mismatch,         ///< fields overrun or underrun the remaining length
  bad_topic_filter,        ///< a wildcard not alone in its level, '#' not last, or an empty filter (MQTT-4.7.1)
  no_topic_filter,         ///< SUBSCRIBE or UNSUBSCRIBE without any filter (MQTT-3.8.3-3, MQTT-3.10.3-2)
  bad_return_code,         ///< a SUBACK code other than 0, 1, 2, 0x80 / requested QoS byte with reserved bits
};

/** @brief Stable name of a status for messages and logs. */
std::string_view to_string(DecodeStatus s);

struct DecodeResult {
  DecodeStatus status = DecodeStatus::need_more;
  std::size_t consumed = 0;  ///< bytes of the whole packet when status == ok
  Packet packet;
};

inline constexpr std::size_t kMaxRemainingLength = 268'435'455;

/** @brief Decode the packet at the front of `bytes`. */
DecodeResult decode(std::span<const std::uint8_t> bytes, std::size_t max_packet_bytes = kMaxRemainingLength + 5);

/** @brief Append the encoding of a packet to `out`. Preconditions (asserted): fields fit MQTT's limits. */
void encode(const Connect& p, std::vector<std::uint8_t>& out);
void encode(const Connack& p, std::vector<std::uint8_t>& out);
void encode(const Publish& p, std::vector<std::uint8_t>& out);
/** @brief A QoS 0 PUBLISH of a text payload (the JSON control messages: twin, alerts, rules). */
void encode_text_publish(std::string_view topic, std::string_view payload, std::vector<std::uint8_t>& out);
void encode(const Puback& p, std::vector<std::uint8_t>& out);
void encode(const Pubrec& p, std::vector<std::uint8_t>& out);
void encode(const Pubrel& p, std::vector<std::uint8_t>& out);
void encode(const Pubcomp& p, std::vector<std::uint8_t>& out);
void encode(const Subscribe& p, std::vector<std::uint8_t>& out);
void encode(const Suback& p, std::vector<std::uint8_t>& out);
void encode(const Unsubscribe& p, std::vector<std::uint8_t>& out);
void encode(const Unsuback& p, std::vector<std::uint8_t>& out);
void encode(const Pingreq& p, std::vector<std::uint8_t>& out);
void encode(const Pingresp& p, std::vector<std::uint8_t>& out);
void encode(const Disconnect& p, std::vector<std::uint8_t>& out);
void encode(const Packet& p, std::vector<std::uint8_t>& out);

/** @brief Encoded size of a PUBLISH with these field sizes (to size buffers and simulated comms). */
std::size_t publish_size(std::size_t topic_bytes, std::size_t payload_bytes, std::uint8_t qos);

/** @brief True if `f` is a valid topic filter: '+' and '#' only as whole levels, '#' only last (MQTT 4.7.1). */
bool valid_topic_filter(std::string_view f);

/** @brief True if `s` is well-formed UTF-8 without U+0000, as MQTT strings must be. */
bool valid_mqtt_utf8(std::string_view s);

}  // namespace twinbench::runtime::mqtt
