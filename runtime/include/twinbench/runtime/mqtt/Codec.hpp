#pragma once
// MQTT 3.1.1 and MQTT 5 packet codec, sans-IO: bytes in, packets out, and back. Decoded packets are views
// into the input buffer (zero copy). Every packet type of both versions; anything malformed is rejected
// with a reason. A connection's version is set by its CONNECT (protocol level 4 or 5), which decodes the
// same way in either; every other packet is decoded and encoded for the version the caller names. The
// MQTT 5 fields (properties, reason codes, subscription options) are ignored by MQTT 3.1.1.

#include <cstdint>
#include <span>
#include <string_view>
#include <variant>
#include <vector>

namespace twinbench::runtime::mqtt {

enum class PacketType : std::uint8_t {
  connect = 1, connack = 2, publish = 3, puback = 4, pubrec = 5, pubrel = 6, pubcomp = 7,
  subscribe = 8, suback = 9, unsubscribe = 10, unsuback = 11, pingreq = 12, pingresp = 13, disconnect = 14,
  auth = 15,  ///< MQTT 5 only
};

/** The protocol level of a connection: 4 = MQTT 3.1.1, 5 = MQTT 5. */
enum class Version : std::uint8_t { v311 = 4, v5 = 5 };

/** MQTT 5 property identifiers (MQTT 5 section 2.2.2.2). */
enum class PropertyId : std::uint8_t {
  payload_format_indicator = 0x01, message_expiry_interval = 0x02, content_type = 0x03, response_topic = 0x08,
  correlation_data = 0x09, subscription_identifier = 0x0B, session_expiry_interval = 0x11, assigned_client_identifier = 0x12,
  server_keep_alive = 0x13, authentication_method = 0x15, authentication_data = 0x16, request_problem_information = 0x17,
  will_delay_interval = 0x18, request_response_information = 0x19, response_information = 0x1A, server_reference = 0x1C,
  reason_string = 0x1F, receive_maximum = 0x21, topic_alias_maximum = 0x22, topic_alias = 0x23, maximum_qos = 0x24,
  retain_available = 0x25, user_property = 0x26, maximum_packet_size = 0x27, wildcard_subscription_available = 0x28,
  subscription_identifier_available = 0x29, shared_subscription_available = 0x2A,
};

/** One MQTT 5 property; which member holds its value depends on the identifier's type. */
struct Property {
  PropertyId id{};
  std::uint32_t number = 0;            ///< byte, two-byte, four-byte and variable byte integers
  std::string_view text{};               ///< UTF-8 strings; a user property's name
  std::string_view value{};              ///< a user property's value
  std::span<const std::uint8_t> data{};  ///< binary data
};
using Properties = std::vector<Property>;

/** @brief The first property with `id`, or nullptr. */
const Property* find_property(const Properties& props, PropertyId id);

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
  std::uint8_t protocol_level = 4;  ///< 4 = MQTT 3.1.1, 5 = MQTT 5: the connection's version
  Properties properties{};            ///< MQTT 5
  Properties will_properties{};       ///< MQTT 5
};

enum class ConnackCode : std::uint8_t {
  accepted = 0, bad_protocol_version = 1, identifier_rejected = 2, server_unavailable = 3,
  bad_username_or_password = 4, not_authorized = 5,
};

struct Connack {
  bool session_present = false;
  ConnackCode code = ConnackCode::accepted;  ///< MQTT 3.1.1 return code; MQTT 5 reason code (0 = success)
  Properties properties{};                     ///< MQTT 5
};

struct Publish {
  std::string_view topic;
  std::span<const std::uint8_t> payload;
  std::uint8_t qos = 0;
  bool retain = false;
  bool dup = false;
  std::uint16_t packet_id = 0;  ///< non-zero iff qos > 0
  Properties properties{};        ///< MQTT 5 (with a Topic Alias, the topic may be empty)
};

/**
 * The acknowledgements of a PUBLISH, one type each (they share a layout): a packet identifier, and in
 * MQTT 5 a reason code (0 = success) and properties.
 */
template <PacketType Type> struct Ack {
  static constexpr PacketType type = Type;
  std::uint16_t packet_id = 0;
  std::uint8_t reason = 0;
  Properties properties{};
};
using Puback = Ack<PacketType::puback>;
using Pubrec = Ack<PacketType::pubrec>;    ///< QoS 2, step 1 (receiver -> sender)
using Pubrel = Ack<PacketType::pubrel>;    ///< QoS 2, step 2 (sender -> receiver)
using Pubcomp = Ack<PacketType::pubcomp>;  ///< QoS 2, step 3 (receiver -> sender)

struct Subscription {
  std::string_view filter;
  std::uint8_t qos = 0;  ///< maximum QoS requested
  // MQTT 5 subscription options:
  bool no_local = false;             ///< not to the connection that published it
  bool retain_as_published = false;  ///< keep the RETAIN flag when forwarding
  std::uint8_t retain_handling = 0;  ///< retained messages on subscribe: 0 always, 1 if new, 2 never
};
struct Subscribe {
  std::uint16_t packet_id = 0;
  std::vector<Subscription> subscriptions;  ///< at least one (MQTT-3.8.3-3)
  Properties properties{};                    ///< MQTT 5
};
inline constexpr std::uint8_t kSubackFailure = 0x80;
struct Suback {
  std::uint16_t packet_id = 0;
  std::vector<std::uint8_t> return_codes;  ///< granted QoS 0-2, or kSubackFailure (MQTT 5: a reason code), one per subscription
  Properties properties{};                   ///< MQTT 5
};
struct Unsubscribe {
  std::uint16_t packet_id = 0;
  std::vector<std::string_view> filters;  ///< at least one (MQTT-3.10.3-2)
  Properties properties{};                  ///< MQTT 5
};
struct Unsuback {
  std::uint16_t packet_id = 0;
  std::vector<std::uint8_t> reason_codes{};  ///< MQTT 5: one per filter
  Properties properties{};                   ///< MQTT 5
};
struct Pingreq {};
struct Pingresp {};
struct Disconnect {
  std::uint8_t reason = 0;  ///< MQTT 5 (0 = normal disconnection)
  Properties properties{};    ///< MQTT 5
};
struct Auth {  ///< MQTT 5 only: extended authentication
  std::uint8_t reason = 0;  ///< 0x00 success, 0x18 continue authentication, 0x19 re-authenticate
  Properties properties{};
};

using Packet = std::variant<Connect, Connack, Publish, Puback, Pubrec, Pubrel, Pubcomp, Subscribe, Suback, Unsubscribe, Unsuback,
                            Pingreq, Pingresp, Disconnect, Auth>;

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
  bad_property,            ///< MQTT 5: unknown, duplicated, out of range, or not allowed in this packet
  bad_reason_code,         ///< MQTT 5: a reason code this packet cannot carry
  bad_subscription_options,///< MQTT 5: reserved bits, retain handling 3, or No Local on a shared subscription
};

/** @brief Stable name of a status for messages and logs. */
std::string_view to_string(DecodeStatus s);

struct DecodeResult {
  DecodeStatus status = DecodeStatus::need_more;
  std::size_t consumed = 0;  ///< bytes of the whole packet when status == ok
  Packet packet;
};

inline constexpr std::size_t kMaxRemainingLength = 268'435'455;

/**
 * @brief Decode the packet at the front of `bytes` as a packet of `version` (a CONNECT decodes either
 * version's layout, by its protocol level).
 */
DecodeResult decode(std::span<const std::uint8_t> bytes, std::size_t max_packet_bytes = kMaxRemainingLength + 5, Version version = Version::v311);

/**
 * @brief Append the encoding of a packet to `out` for `version` (a CONNECT uses its own protocol_level).
 * MQTT 5 acknowledgements and DISCONNECT/AUTH use the short forms when the reason is 0 and there are no
 * properties. Preconditions (asserted): fields fit MQTT's limits.
 */
void encode(const Connect& p, std::vector<std::uint8_t>& out);
void encode(const Connack& p, std::vector<std::uint8_t>& out, Version version = Version::v311);
void encode(const Publish& p, std::vector<std::uint8_t>& out, Version version = Version::v311);
/** @brief A QoS 0 PUBLISH of a text payload (the JSON control messages: twin, alerts, rules). */
void encode_text_publish(std::string_view topic, std::string_view payload, std::vector<std::uint8_t>& out);
void encode(const Puback& p, std::vector<std::uint8_t>& out, Version version = Version::v311);
void encode(const Pubrec& p, std::vector<std::uint8_t>& out, Version version = Version::v311);
void encode(const Pubrel& p, std::vector<std::uint8_t>& out, Version version = Version::v311);
void encode(const Pubcomp& p, std::vector<std::uint8_t>& out, Version version = Version::v311);
void encode(const Subscribe& p, std::vector<std::uint8_t>& out, Version version = Version::v311);
void encode(const Suback& p, std::vector<std::uint8_t>& out, Version version = Version::v311);
void encode(const Unsubscribe& p, std::vector<std::uint8_t>& out, Version version = Version::v311);
void encode(const Unsuback& p, std::vector<std::uint8_t>& out, Version version = Version::v311);
void encode(const Pingreq& p, std::vector<std::uint8_t>& out, Version version = Version::v311);
void encode(const Pingresp& p, std::vector<std::uint8_t>& out, Version version = Version::v311);
void encode(const Disconnect& p, std::vector<std::uint8_t>& out, Version version = Version::v311);
/** @brief AUTH exists in MQTT 5 only. */
void encode(const Auth& p, std::vector<std::uint8_t>& out, Version version = Version::v5);
void encode(const Packet& p, std::vector<std::uint8_t>& out, Version version = Version::v311);

/** @brief Encoded size of a PUBLISH with these field sizes (to size buffers and simulated comms). */
std::size_t publish_size(std::size_t topic_bytes, std::size_t payload_bytes, std::uint8_t qos);

/** @brief True if `f` is a valid topic filter: '+' and '#' only as whole levels, '#' only last (MQTT 4.7.1). */
bool valid_topic_filter(std::string_view f);

/** @brief True if `s` is well-formed UTF-8 without U+0000, as MQTT strings must be. */
bool valid_mqtt_utf8(std::string_view s);

}  // namespace twinbench::runtime::mqtt
