// MQTT 5 properties (MQTT 5 section 2.2.2): which packets each may appear in, its type and its values.
#include <algorithm>

#include "CodecWire.hpp"

namespace twinbench::runtime::mqtt {

namespace wire {
namespace {

// ---- MQTT 5 properties -------------------------------------------------------------------------

enum class PropType : std::uint8_t { byte, two, four, varint, utf8, binary, pair };


struct PropSpec {
  PropType type;
  std::uint32_t allowed;
};

PropSpec spec_of(PropertyId id, bool& known) {
  using P = PacketType;
  known = true;
  switch (id) {
    case PropertyId::payload_format_indicator: return {PropType::byte, bit(P::publish) | kWill};
    case PropertyId::message_expiry_interval: return {PropType::four, bit(P::publish) | kWill};
    case PropertyId::content_type: return {PropType::utf8, bit(P::publish) | kWill};
    case PropertyId::response_topic: return {PropType::utf8, bit(P::publish) | kWill};
    case PropertyId::correlation_data: return {PropType::binary, bit(P::publish) | kWill};
    case PropertyId::subscription_identifier: return {PropType::varint, bit(P::publish) | bit(P::subscribe)};
    case PropertyId::session_expiry_interval: return {PropType::four, bit(P::connect) | bit(P::connack) | bit(P::disconnect)};
    case PropertyId::assigned_client_identifier: return {PropType::utf8, bit(P::connack)};
    case PropertyId::server_keep_alive: return {PropType::two, bit(P::connack)};
    case PropertyId::authentication_method: return {PropType::utf8, bit(P::connect) | bit(P::connack) | bit(P::auth)};
    case PropertyId::authentication_data: return {PropType::binary, bit(P::connect) | bit(P::connack) | bit(P::auth)};
    case PropertyId::request_problem_information: return {PropType::byte, bit(P::connect)};
    case PropertyId::will_delay_interval: return {PropType::four, kWill};
    case PropertyId::request_response_information: return {PropType::byte, bit(P::connect)};
    case PropertyId::response_information: return {PropType::utf8, bit(P::connack)};
    case PropertyId::server_reference: return {PropType::utf8, bit(P::connack) | bit(P::disconnect)};
    case PropertyId::reason_string:
      return {PropType::utf8, bit(P::connack) | bit(P::puback) | bit(P::pubrec) | bit(P::pubrel) | bit(P::pubcomp) | bit(P::suback) |
                                  bit(P::unsuback) | bit(P::disconnect) | bit(P::auth)};
    case PropertyId::receive_maximum: return {PropType::two, bit(P::connect) | bit(P::connack)};
    case PropertyId::topic_alias_maximum: return {PropType::two, bit(P::connect) | bit(P::connack)};
    case PropertyId::topic_alias: return {PropType::two, bit(P::publish)};
    case PropertyId::maximum_qos: return {PropType::byte, bit(P::connack)};
    case PropertyId::retain_available: return {PropType::byte, bit(P::connack)};
    case PropertyId::user_property:
      return {PropType::pair, kWill | bit(P::connect) | bit(P::connack) | bit(P::publish) | bit(P::puback) | bit(P::pubrec) | bit(P::pubrel) |
                                  bit(P::pubcomp) | bit(P::subscribe) | bit(P::suback) | bit(P::unsubscribe) | bit(P::unsuback) |
                                  bit(P::disconnect) | bit(P::auth)};
    case PropertyId::maximum_packet_size: return {PropType::four, bit(P::connect) | bit(P::connack)};
    case PropertyId::wildcard_subscription_available: return {PropType::byte, bit(P::connack)};
    case PropertyId::subscription_identifier_available: return {PropType::byte, bit(P::connack)};
    case PropertyId::shared_subscription_available: return {PropType::byte, bit(P::connack)};
  }
  known = false;
  return {PropType::byte, 0};
}

/** Values a property may take beyond its type (MQTT 5 section 3's "It is a Protocol Error..."). */
bool value_ok(const Property& p) {
  switch (p.id) {
    case PropertyId::payload_format_indicator:
    case PropertyId::request_problem_information:
    case PropertyId::request_response_information:
    case PropertyId::maximum_qos:
    case PropertyId::retain_available:
    case PropertyId::wildcard_subscription_available:
    case PropertyId::subscription_identifier_available:
    case PropertyId::shared_subscription_available: return p.number <= 1;
    case PropertyId::subscription_identifier:
    case PropertyId::receive_maximum:
    case PropertyId::topic_alias:
    case PropertyId::maximum_packet_size: return p.number != 0;
    case PropertyId::response_topic: return !p.text.empty() && p.text.find_first_of("+#") == std::string_view::npos;  // MQTT-3.3.2-14
    default: return true;
  }
}

}  // namespace

DecodeStatus decode_properties(Reader& r, std::uint32_t where, Properties& out) {
  std::uint32_t length;
  if (!r.varint(length)) return DecodeStatus::length_mismatch;
  Bytes block;
  if (!r.take(length, block)) return DecodeStatus::length_mismatch;
  Reader pr(block);
  std::uint64_t seen = 0;  // one bit per identifier below 64: duplicates are a protocol error
  while (!pr.at_end()) {
    std::uint32_t raw_id;
    if (!pr.varint(raw_id)) return DecodeStatus::length_mismatch;
    if (raw_id > 0x7F) return DecodeStatus::bad_property;
    Property p;
    p.id = static_cast<PropertyId>(raw_id);
    bool known;
    const PropSpec spec = spec_of(p.id, known);
    if (!known || !(spec.allowed & where)) return DecodeStatus::bad_property;
    const bool repeatable = p.id == PropertyId::user_property || (p.id == PropertyId::subscription_identifier && where == bit(PacketType::publish));
    if (!repeatable && (seen & (1ull << raw_id))) return DecodeStatus::bad_property;
    seen |= 1ull << raw_id;
    bool ok = false;
    switch (spec.type) {
      case PropType::byte: {
        std::uint8_t v;
        ok = pr.u8(v);
        p.number = v;
        break;
      }
      case PropType::two: {
        std::uint16_t v;
        ok = pr.u16(v);
        p.number = v;
        break;
      }
      case PropType::four: ok = pr.u32(p.number); break;
      case PropType::varint: ok = pr.varint(p.number); break;
      case PropType::utf8:
        ok = pr.string(p.text);
        if (ok && !valid_mqtt_utf8(p.text)) return DecodeStatus::bad_utf8;
        break;
      case PropType::binary: ok = pr.binary(p.data); break;
      case PropType::pair:
        ok = pr.string(p.text) && pr.string(p.value);
        if (ok && (!valid_mqtt_utf8(p.text) || !valid_mqtt_utf8(p.value))) return DecodeStatus::bad_utf8;
        break;
    }
    if (!ok) return DecodeStatus::length_mismatch;
    if (!value_ok(p)) return DecodeStatus::bad_property;
    out.push_back(p);
  }
  return DecodeStatus::ok;
}


std::size_t property_bytes(const Property& p) {
  bool known;
  const PropSpec spec = spec_of(p.id, known);
  assert(known);
  switch (spec.type) {
    case PropType::byte: return 2;
    case PropType::two: return 3;
    case PropType::four: return 5;
    case PropType::varint: return 1 + varint_size(p.number);
    case PropType::utf8: return 3 + p.text.size();
    case PropType::binary: return 3 + p.data.size();
    case PropType::pair: return 5 + p.text.size() + p.value.size();
  }
  return 0;
}

std::size_t properties_bytes(const Properties& ps) {
  std::size_t n = 0;
  for (const auto& p : ps) n += property_bytes(p);
  return n;
}

/** A property list with its length prefix. */
std::size_t properties_field_bytes(const Properties& ps) {
  const std::size_t n = properties_bytes(ps);
  return varint_size(n) + n;
}

void put_properties(std::vector<std::uint8_t>& out, const Properties& ps) {
  put_varint(out, properties_bytes(ps));
  for (const Property& p : ps) {
    out.push_back(static_cast<std::uint8_t>(p.id));
    bool known;
    switch (spec_of(p.id, known).type) {
      case PropType::byte: out.push_back(static_cast<std::uint8_t>(p.number)); break;
      case PropType::two: put_u16(out, static_cast<std::uint16_t>(p.number)); break;
      case PropType::four: put_u32(out, p.number); break;
      case PropType::varint: put_varint(out, p.number); break;
      case PropType::utf8: put_string(out, p.text); break;
      case PropType::binary: put_binary(out, p.data); break;
      case PropType::pair:
        put_string(out, p.text);
        put_string(out, p.value);
        break;
    }
  }
}

}  // namespace wire

const Property* find_property(const Properties& props, PropertyId id) {
  auto it = std::find_if(props.begin(), props.end(), [id](const Property& p) { return p.id == id; });
  return it == props.end() ? nullptr : &*it;
}

}  // namespace twinbench::runtime::mqtt
