// MQTT 3.1.1 and MQTT 5 packets: decoding with every check each version asks for, and encoding.
// MQTT 5 property lists are in Properties.cpp, the wire types in CodecWire.hpp.
#include "twinbench/runtime/mqtt/Codec.hpp"

#include <algorithm>
#include <cassert>
#include <cstring>

#include "CodecWire.hpp"

namespace twinbench::runtime::mqtt {

using namespace wire;

namespace {

DecodeResult fail(DecodeStatus s) { return {s, 0, Pingreq{}}; }

// ---- Decoders -----------------------------------------------------------------------------------

// The sub-decoders fill a packet in place and return a status: a Packet is ~200 bytes, and copying it
// out of helpers cost more than decoding a telemetry PUBLISH.
DecodeStatus decode_connect(Reader r, Connect& c) {
  std::string_view name;
  std::uint8_t level, flags;
  if (!r.string(name) || !r.u8(level) || !r.u8(flags) || !r.u16(c.keepalive_s)) return DecodeStatus::length_mismatch;
  if (name != "MQTT") return DecodeStatus::bad_protocol_name;
  if (level != 4 && level != 5) return DecodeStatus::bad_protocol_level;
  c.protocol_level = level;
  const bool v5 = level == 5;
  c.clean_session = flags & 0x02;
  c.will = flags & 0x04;
  c.will_qos = (flags >> 3) & 0x03;
  c.will_retain = flags & 0x20;
  c.has_password = flags & 0x40;
  c.has_username = flags & 0x80;
  const bool reserved = flags & 0x01;                                            // MQTT-3.1.2-3
  const bool will_bits_without_will = !c.will && (c.will_qos != 0 || c.will_retain);  // MQTT-3.1.2-11/13/15
  const bool password_without_user = !v5 && c.has_password && !c.has_username;   // MQTT-3.1.2-22 (MQTT 5 allows it)
  if (reserved || will_bits_without_will || c.will_qos == 3 || password_without_user) return DecodeStatus::bad_connect_flags;
  if (v5) {
    if (auto st = decode_properties(r, bit(PacketType::connect), c.properties); st != DecodeStatus::ok) return st;
  }
  if (!r.string(c.client_id)) return DecodeStatus::length_mismatch;
  if (!valid_mqtt_utf8(c.client_id)) return DecodeStatus::bad_utf8;
  if (c.will) {
    if (v5) {
      if (auto st = decode_properties(r, kWill, c.will_properties); st != DecodeStatus::ok) return st;
    }
    if (!r.string(c.will_topic) || !r.binary(c.will_message)) return DecodeStatus::length_mismatch;
    if (!valid_mqtt_utf8(c.will_topic)) return DecodeStatus::bad_utf8;
  }
  if (c.has_username) {
    if (!r.string(c.username)) return DecodeStatus::length_mismatch;
    if (!valid_mqtt_utf8(c.username)) return DecodeStatus::bad_utf8;
  }
  if (c.has_password && !r.binary(c.password)) return DecodeStatus::length_mismatch;
  return r.at_end() ? DecodeStatus::ok : DecodeStatus::length_mismatch;
}

bool valid_connack_reason(std::uint8_t c) {
  switch (c) {
    case 0x00: case 0x80: case 0x81: case 0x82: case 0x83: case 0x84: case 0x85: case 0x86: case 0x87: case 0x88: case 0x89:
    case 0x8A: case 0x8C: case 0x90: case 0x95: case 0x97: case 0x99: case 0x9A: case 0x9B: case 0x9C: case 0x9D: case 0x9F:
      return true;
    default: return false;
  }
}

DecodeStatus decode_connack(Reader r, std::size_t remaining, Version v, Connack& c) {
  std::uint8_t ack_flags, code;
  if ((v == Version::v311 && remaining != 2) || !r.u8(ack_flags) || !r.u8(code)) return DecodeStatus::length_mismatch;
  if (ack_flags & 0xFE) return DecodeStatus::bad_fixed_header_flags;
  c.session_present = ack_flags & 1;
  c.code = static_cast<ConnackCode>(code);
  if (v == Version::v311) return code > 5 ? DecodeStatus::bad_return_code : DecodeStatus::ok;
  if (!valid_connack_reason(code)) return DecodeStatus::bad_reason_code;
  if (c.session_present && code != 0) return DecodeStatus::bad_connect_flags;  // MQTT-3.2.2-6
  if (auto st = decode_properties(r, bit(PacketType::connack), c.properties); st != DecodeStatus::ok) return st;
  return r.at_end() ? DecodeStatus::ok : DecodeStatus::length_mismatch;
}

DecodeStatus decode_publish(std::uint8_t flags, Reader r, Version v, Publish& p) {
  p.dup = flags & 0x08;
  p.qos = (flags >> 1) & 0x03;
  p.retain = flags & 0x01;
  if (p.qos == 3 || (p.qos == 0 && p.dup)) return DecodeStatus::bad_qos;  // MQTT-3.3.1-2/4
  if (!r.string(p.topic)) return DecodeStatus::length_mismatch;
  for (char c : p.topic) {
    if (c == '+' || c == '#') return DecodeStatus::bad_topic;  // MQTT-3.3.2-2: no wildcards in a topic name
  }
  if (!valid_mqtt_utf8(p.topic)) return DecodeStatus::bad_utf8;
  if (p.qos > 0) {
    if (!r.u16(p.packet_id)) return DecodeStatus::length_mismatch;
    if (p.packet_id == 0) return DecodeStatus::bad_packet_id;
  }
  if (v == Version::v5) {
    if (auto st = decode_properties(r, bit(PacketType::publish), p.properties); st != DecodeStatus::ok) return st;
    // An empty topic needs a Topic Alias (MQTT 5 section 3.3.2.1).
    if (p.topic.empty() && !find_property(p.properties, PropertyId::topic_alias)) return DecodeStatus::bad_topic;
  } else if (p.topic.empty()) {
    return DecodeStatus::bad_topic;
  }
  p.payload = r.rest();
  return DecodeStatus::ok;
}

/** An MQTT 5 shared subscription: $share/<name>/<filter>, the name one level without wildcards. */
bool shared(std::string_view f) { return f.starts_with("$share/"); }

bool valid_filter_for(std::string_view f, Version v) {
  if (!valid_topic_filter(f)) return false;
  if (v == Version::v5 && shared(f)) {
    const auto rest = f.substr(7);
    const auto slash = rest.find('/');
    if (slash == 0 || slash == std::string_view::npos || slash + 1 == rest.size()) return false;
    if (rest.substr(0, slash).find_first_of("+#") != std::string_view::npos) return false;
  }
  return true;
}

DecodeStatus decode_filter(Reader& r, Version v, std::string_view& filter) {
  if (!r.string(filter)) return DecodeStatus::length_mismatch;
  if (!valid_mqtt_utf8(filter)) return DecodeStatus::bad_utf8;
  return valid_filter_for(filter, v) ? DecodeStatus::ok : DecodeStatus::bad_topic_filter;
}

DecodeStatus decode_subscribe(Reader r, Version v, Subscribe& s) {
  if (!r.u16(s.packet_id)) return DecodeStatus::length_mismatch;
  if (s.packet_id == 0) return DecodeStatus::bad_packet_id;
  if (v == Version::v5) {
    if (auto st = decode_properties(r, bit(PacketType::subscribe), s.properties); st != DecodeStatus::ok) return st;
  }
  while (!r.at_end()) {
    Subscription sub;
    if (auto st = decode_filter(r, v, sub.filter); st != DecodeStatus::ok) return st;
    std::uint8_t options;
    if (!r.u8(options)) return DecodeStatus::length_mismatch;
    sub.qos = options & 0x03;
    if (sub.qos == 3) return DecodeStatus::bad_return_code;  // MQTT-3-8.3-4
    if (v == Version::v311) {
      if (options & 0xFC) return DecodeStatus::bad_return_code;  // reserved bits (MQTT-3-8.3-4)
    } else {
      sub.no_local = options & 0x04;
      sub.retain_as_published = options & 0x08;
      sub.retain_handling = (options >> 4) & 0x03;
      if ((options & 0xC0) || sub.retain_handling == 3) return DecodeStatus::bad_subscription_options;
      if (sub.no_local && shared(sub.filter)) return DecodeStatus::bad_subscription_options;  // MQTT-3.8.3-4
    }
    s.subscriptions.push_back(sub);
  }
  return s.subscriptions.empty() ? DecodeStatus::no_topic_filter : DecodeStatus::ok;
}

DecodeStatus decode_unsubscribe(Reader r, Version v, Unsubscribe& u) {
  if (!r.u16(u.packet_id)) return DecodeStatus::length_mismatch;
  if (u.packet_id == 0) return DecodeStatus::bad_packet_id;
  if (v == Version::v5) {
    if (auto st = decode_properties(r, bit(PacketType::unsubscribe), u.properties); st != DecodeStatus::ok) return st;
  }
  while (!r.at_end()) {
    std::string_view f;
    if (auto st = decode_filter(r, v, f); st != DecodeStatus::ok) return st;
    u.filters.push_back(f);
  }
  return u.filters.empty() ? DecodeStatus::no_topic_filter : DecodeStatus::ok;
}

bool valid_suback_reason(std::uint8_t c) {
  switch (c) {
    case 0x00: case 0x01: case 0x02: case 0x80: case 0x83: case 0x87: case 0x8F: case 0x91: case 0x97: case 0x9E: case 0xA1: case 0xA2:
      return true;
    default: return false;
  }
}

bool valid_unsuback_reason(std::uint8_t c) {
  switch (c) {
    case 0x00: case 0x11: case 0x80: case 0x83: case 0x87: case 0x8F: case 0x91: return true;
    default: return false;
  }
}

DecodeStatus decode_suback(Reader r, Version v, Suback& s) {
  if (!r.u16(s.packet_id)) return DecodeStatus::length_mismatch;
  if (s.packet_id == 0) return DecodeStatus::bad_packet_id;
  if (v == Version::v5) {
    if (auto st = decode_properties(r, bit(PacketType::suback), s.properties); st != DecodeStatus::ok) return st;
  }
  std::uint8_t code;
  while (r.u8(code)) {
    if (v == Version::v311 ? (code > 2 && code != kSubackFailure) : !valid_suback_reason(code)) return DecodeStatus::bad_return_code;
    s.return_codes.push_back(code);
  }
  return s.return_codes.empty() ? DecodeStatus::length_mismatch : DecodeStatus::ok;
}

DecodeStatus decode_unsuback(Reader r, std::size_t remaining, Version v, Unsuback& u) {
  if (v == Version::v311) {
    if (remaining != 2 || !r.u16(u.packet_id)) return DecodeStatus::length_mismatch;
    return u.packet_id == 0 ? DecodeStatus::bad_packet_id : DecodeStatus::ok;
  }
  if (!r.u16(u.packet_id)) return DecodeStatus::length_mismatch;
  if (u.packet_id == 0) return DecodeStatus::bad_packet_id;
  if (auto st = decode_properties(r, bit(PacketType::unsuback), u.properties); st != DecodeStatus::ok) return st;
  std::uint8_t code;
  while (r.u8(code)) {
    if (!valid_unsuback_reason(code)) return DecodeStatus::bad_reason_code;
    u.reason_codes.push_back(code);
  }
  return u.reason_codes.empty() ? DecodeStatus::length_mismatch : DecodeStatus::ok;
}

bool valid_ack_reason(PacketType t, std::uint8_t c) {
  if (t == PacketType::pubrel || t == PacketType::pubcomp) return c == 0x00 || c == 0x92;
  switch (c) {  // PUBACK, PUBREC
    case 0x00: case 0x10: case 0x80: case 0x83: case 0x87: case 0x90: case 0x91: case 0x97: case 0x99: return true;
    default: return false;
  }
}

/**
 * PUBACK, PUBREC, PUBREL, PUBCOMP: a non-zero packet identifier; in MQTT 5 then optionally a reason code
 * and optionally properties (remaining length 2: success, no properties).
 */
template <typename P> DecodeStatus decode_ack(Reader r, std::size_t remaining, PacketType t, Version v, P& p) {
  if (v == Version::v311 && remaining != 2) return DecodeStatus::length_mismatch;
  if (!r.u16(p.packet_id)) return DecodeStatus::length_mismatch;
  if (p.packet_id == 0) return DecodeStatus::bad_packet_id;
  if (v == Version::v311 || r.at_end()) return DecodeStatus::ok;
  if (!r.u8(p.reason)) return DecodeStatus::length_mismatch;
  if (!valid_ack_reason(t, p.reason)) return DecodeStatus::bad_reason_code;
  if (r.at_end()) return DecodeStatus::ok;
  if (auto st = decode_properties(r, bit(t), p.properties); st != DecodeStatus::ok) return st;
  return r.at_end() ? DecodeStatus::ok : DecodeStatus::length_mismatch;
}

bool valid_disconnect_reason(std::uint8_t c) {
  switch (c) {
    case 0x00: case 0x04: case 0x80: case 0x81: case 0x82: case 0x83: case 0x87: case 0x89: case 0x8B: case 0x8D: case 0x8E:
    case 0x8F: case 0x90: case 0x93: case 0x94: case 0x95: case 0x96: case 0x97: case 0x98: case 0x99: case 0x9A: case 0x9B:
    case 0x9C: case 0x9D: case 0x9E: case 0x9F: case 0xA0: case 0xA1: case 0xA2:
      return true;
    default: return false;
  }
}

/** MQTT 5 DISCONNECT and AUTH: optionally a reason code, then optionally properties. */
template <typename P> DecodeStatus decode_reason_and_properties(Reader r, PacketType t, P& p) {
  if (r.at_end()) return DecodeStatus::ok;  // remaining length 0: success
  if (!r.u8(p.reason)) return DecodeStatus::length_mismatch;
  const bool ok = t == PacketType::auth ? (p.reason == 0x00 || p.reason == 0x18 || p.reason == 0x19) : valid_disconnect_reason(p.reason);
  if (!ok) return DecodeStatus::bad_reason_code;
  if (r.at_end()) return DecodeStatus::ok;
  if (auto st = decode_properties(r, bit(t), p.properties); st != DecodeStatus::ok) return st;
  return r.at_end() ? DecodeStatus::ok : DecodeStatus::length_mismatch;
}

}  // namespace

std::string_view to_string(DecodeStatus s) {
  switch (s) {
    case DecodeStatus::ok: return "ok";
    case DecodeStatus::need_more: return "need_more";
    case DecodeStatus::bad_remaining_length: return "bad_remaining_length";
    case DecodeStatus::packet_too_large: return "packet_too_large";
    case DecodeStatus::bad_fixed_header_flags: return "bad_fixed_header_flags";
    case DecodeStatus::unsupported_packet_type: return "unsupported_packet_type";
    case DecodeStatus::reserved_packet_type: return "reserved_packet_type";
    case DecodeStatus::bad_protocol_name: return "bad_protocol_name";
    case DecodeStatus::bad_protocol_level: return "bad_protocol_level";
    case DecodeStatus::bad_connect_flags: return "bad_connect_flags";
    case DecodeStatus::bad_utf8: return "bad_utf8";
    case DecodeStatus::bad_qos: return "bad_qos";
    case DecodeStatus::bad_topic: return "bad_topic";
    case DecodeStatus::bad_packet_id: return "bad_packet_id";
    case DecodeStatus::length_mismatch: return "length_mismatch";
    case DecodeStatus::bad_topic_filter: return "bad_topic_filter";
    case DecodeStatus::no_topic_filter: return "no_topic_filter";
    case DecodeStatus::bad_return_code: return "bad_return_code";
    case DecodeStatus::bad_property: return "bad_property";
    case DecodeStatus::bad_reason_code: return "bad_reason_code";
    case DecodeStatus::bad_subscription_options: return "bad_subscription_options";
  }
  return "unknown";
}

bool valid_topic_filter(std::string_view f) {
  if (f.empty()) return false;
  std::size_t start = 0;
  for (;;) {
    const auto slash = f.find('/', start);
    const std::string_view level = f.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    const bool has_hash = level.find('#') != std::string_view::npos, has_plus = level.find('+') != std::string_view::npos;
    if ((has_hash || has_plus) && level.size() != 1) return false;  // a wildcard is a whole level (MQTT-4.7.1-2/3)
    if (has_hash && slash != std::string_view::npos) return false;  // '#' is the last level (MQTT-4.7.1-2)
    if (slash == std::string_view::npos) return true;
    start = slash + 1;
  }
}

bool valid_mqtt_utf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = p + s.size();
  while (p < end) {
    // Fast path: 8 bytes at a time while they are all ASCII and none is NUL (topics nearly always are).
    if (end - p >= 8) {
      std::uint64_t w;
      std::memcpy(&w, p, 8);
      const bool high_bit = w & 0x8080808080808080ull;
      const bool has_zero = (w - 0x0101010101010101ull) & ~w & 0x8080808080808080ull;
      if (!high_bit && !has_zero) {
        p += 8;
        continue;
      }
    }
    const unsigned char c = *p;
    if (c >= 0x01 && c < 0x80) {  // ASCII fast path; U+0000 is forbidden (MQTT-1.5.3-2)
      ++p;
      continue;
    }
    int n;
    std::uint32_t cp;
    if (c >= 0xC2 && c <= 0xDF) n = 1, cp = c & 0x1F;
    else if (c >= 0xE0 && c <= 0xEF) n = 2, cp = c & 0x0F;
    else if (c >= 0xF0 && c <= 0xF4) n = 3, cp = c & 0x07;
    else return false;  // NUL, stray continuation, overlong lead, or beyond U+10FFFF
    if (end - p <= n) return false;
    for (int i = 1; i <= n; ++i) {
      if ((p[i] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (p[i] & 0x3F);
    }
    if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10FFFF))) return false;  // overlong / range
    if (cp >= 0xD800 && cp <= 0xDFFF) return false;  // surrogates (MQTT-1.5.3-1)
    p += n + 1;
  }
  return true;
}

DecodeResult decode(std::span<const std::uint8_t> bytes, std::size_t max_packet_bytes, Version version) {
  if (bytes.size() < 2) return fail(DecodeStatus::need_more);
  std::size_t remaining = 0;
  std::size_t i = 1;
  for (int shift = 0;; shift += 7, ++i) {
    if (i > 4) return fail(DecodeStatus::bad_remaining_length);
    if (i >= bytes.size()) return fail(DecodeStatus::need_more);
    remaining |= static_cast<std::size_t>(bytes[i] & 0x7F) << shift;
    if (!(bytes[i] & 0x80)) {
      if (bytes[i] == 0 && i > 1) return fail(DecodeStatus::bad_remaining_length);  // not minimal (MQTT-1.5.5-1 in v5)
      break;
    }
  }
  const std::size_t header = i + 1;
  if (header + remaining > max_packet_bytes) return fail(DecodeStatus::packet_too_large);
  const auto type = static_cast<PacketType>(bytes[0] >> 4);
  const std::uint8_t flags = bytes[0] & 0x0F;
  const bool v5 = version == Version::v5;
  if (bytes[0] >> 4 == 0 || (bytes[0] >> 4 == 15 && !v5)) return fail(DecodeStatus::reserved_packet_type);
  if (type != PacketType::publish) {
    const bool needs_0010 = type == PacketType::pubrel || type == PacketType::subscribe || type == PacketType::unsubscribe;
    if (flags != (needs_0010 ? 0x2 : 0x0)) return fail(DecodeStatus::bad_fixed_header_flags);
  }
  if (bytes.size() < header + remaining) return fail(DecodeStatus::need_more);
  Reader r(bytes.subspan(header, remaining));

  DecodeResult res;
  switch (type) {
    case PacketType::connect: res.status = decode_connect(r, res.packet.emplace<Connect>()); break;
    case PacketType::publish: res.status = decode_publish(flags, r, version, res.packet.emplace<Publish>()); break;
    case PacketType::connack: res.status = decode_connack(r, remaining, version, res.packet.emplace<Connack>()); break;
    case PacketType::puback: res.status = decode_ack(r, remaining, type, version, res.packet.emplace<Puback>()); break;
    case PacketType::pubrec: res.status = decode_ack(r, remaining, type, version, res.packet.emplace<Pubrec>()); break;
    case PacketType::pubrel: res.status = decode_ack(r, remaining, type, version, res.packet.emplace<Pubrel>()); break;
    case PacketType::pubcomp: res.status = decode_ack(r, remaining, type, version, res.packet.emplace<Pubcomp>()); break;
    case PacketType::unsuback: res.status = decode_unsuback(r, remaining, version, res.packet.emplace<Unsuback>()); break;
    case PacketType::subscribe: res.status = decode_subscribe(r, version, res.packet.emplace<Subscribe>()); break;
    case PacketType::suback: res.status = decode_suback(r, version, res.packet.emplace<Suback>()); break;
    case PacketType::unsubscribe: res.status = decode_unsubscribe(r, version, res.packet.emplace<Unsubscribe>()); break;
    case PacketType::disconnect:
      if (v5) {
        res.status = decode_reason_and_properties(r, type, res.packet.emplace<Disconnect>());
        break;
      }
      [[fallthrough]];
    case PacketType::pingreq:
    case PacketType::pingresp:
      if (remaining != 0) return fail(DecodeStatus::length_mismatch);
      if (type == PacketType::pingreq) res.packet = Pingreq{};
      else if (type == PacketType::pingresp) res.packet = Pingresp{};
      else res.packet = Disconnect{};
      res.status = DecodeStatus::ok;
      break;
    case PacketType::auth: res.status = decode_reason_and_properties(r, type, res.packet.emplace<Auth>()); break;
    default: return fail(DecodeStatus::unsupported_packet_type);
  }
  if (res.status == DecodeStatus::ok) res.consumed = header + remaining;
  else res.packet = Pingreq{};  // a failed decode carries no half-filled packet
  return res;
}

std::size_t publish_size(std::size_t topic_bytes, std::size_t payload_bytes, std::uint8_t qos) {
  const std::size_t remaining = 2 + topic_bytes + (qos > 0 ? 2 : 0) + payload_bytes;
  return 1 + varint_size(remaining) + remaining;
}

// ---- Encoders -----------------------------------------------------------------------------------

void encode(const Connect& c, std::vector<std::uint8_t>& out) {
  const bool v5 = c.protocol_level == 5;
  assert(c.protocol_level == 4 || v5);
  std::size_t remaining = 10 + 2 + c.client_id.size();
  if (v5) remaining += properties_field_bytes(c.properties);
  if (c.will) remaining += 4 + c.will_topic.size() + c.will_message.size() + (v5 ? properties_field_bytes(c.will_properties) : 0);
  if (c.has_username) remaining += 2 + c.username.size();
  if (c.has_password) remaining += 2 + c.password.size();
  put_fixed_header(out, 0x10, remaining);
  put_string(out, "MQTT");
  out.push_back(c.protocol_level);
  std::uint8_t flags = 0;
  if (c.clean_session) flags |= 0x02;
  if (c.will) flags |= 0x04 | static_cast<std::uint8_t>(c.will_qos << 3) | (c.will_retain ? 0x20 : 0);
  if (c.has_password) flags |= 0x40;
  if (c.has_username) flags |= 0x80;
  out.push_back(flags);
  put_u16(out, c.keepalive_s);
  if (v5) put_properties(out, c.properties);
  put_string(out, c.client_id);
  if (c.will) {
    if (v5) put_properties(out, c.will_properties);
    put_string(out, c.will_topic);
    put_binary(out, c.will_message);
  }
  if (c.has_username) put_string(out, c.username);
  if (c.has_password) put_binary(out, c.password);
}

void encode(const Connack& p, std::vector<std::uint8_t>& out, Version v) {
  const std::size_t props = v == Version::v5 ? properties_field_bytes(p.properties) : 0;
  put_fixed_header(out, 0x20, 2 + props);
  out.push_back(static_cast<std::uint8_t>(p.session_present ? 1 : 0));
  out.push_back(static_cast<std::uint8_t>(p.code));
  if (v == Version::v5) put_properties(out, p.properties);
}

void encode(const Publish& p, std::vector<std::uint8_t>& out, Version v) {
  assert(p.qos <= 2 && (p.qos == 0) == (p.packet_id == 0));
  const std::size_t props = v == Version::v5 ? properties_field_bytes(p.properties) : 0;
  const std::size_t remaining = 2 + p.topic.size() + (p.qos > 0 ? 2 : 0) + props + p.payload.size();
  const auto first = static_cast<std::uint8_t>(0x30 | (p.dup ? 0x08 : 0) | (p.qos << 1) | (p.retain ? 1 : 0));
  out.reserve(out.size() + 5 + remaining);
  put_fixed_header(out, first, remaining);
  put_string(out, p.topic);
  if (p.qos > 0) put_u16(out, p.packet_id);
  if (v == Version::v5) put_properties(out, p.properties);
  out.insert(out.end(), p.payload.begin(), p.payload.end());
}

namespace {
/** An acknowledgement; in MQTT 5 the reason and properties are left out when they say nothing. */
template <typename P> void encode_ack(std::uint8_t first, const P& p, Version v, std::vector<std::uint8_t>& out) {
  if (v == Version::v311 || (p.reason == 0 && p.properties.empty())) {
    out.insert(out.end(), {first, 0x02, static_cast<std::uint8_t>(p.packet_id >> 8), static_cast<std::uint8_t>(p.packet_id)});
    return;
  }
  const bool props = !p.properties.empty();
  put_fixed_header(out, first, 3 + (props ? properties_field_bytes(p.properties) : 0));
  put_u16(out, p.packet_id);
  out.push_back(p.reason);
  if (props) put_properties(out, p.properties);
}

/** MQTT 5 DISCONNECT and AUTH: nothing, a reason, or a reason and properties. */
template <typename P> void encode_reason_and_properties(std::uint8_t first, const P& p, std::vector<std::uint8_t>& out) {
  if (p.reason == 0 && p.properties.empty()) {
    out.insert(out.end(), {first, 0x00});
    return;
  }
  const bool props = !p.properties.empty();
  put_fixed_header(out, first, 1 + (props ? properties_field_bytes(p.properties) : 0));
  out.push_back(p.reason);
  if (props) put_properties(out, p.properties);
}
}  // namespace

void encode(const Puback& p, std::vector<std::uint8_t>& out, Version v) { encode_ack(0x40, p, v, out); }
void encode(const Pubrec& p, std::vector<std::uint8_t>& out, Version v) { encode_ack(0x50, p, v, out); }
void encode(const Pubrel& p, std::vector<std::uint8_t>& out, Version v) { encode_ack(0x62, p, v, out); }
void encode(const Pubcomp& p, std::vector<std::uint8_t>& out, Version v) { encode_ack(0x70, p, v, out); }

void encode(const Unsuback& p, std::vector<std::uint8_t>& out, Version v) {
  if (v == Version::v311) {
    out.insert(out.end(), {0xB0, 0x02, static_cast<std::uint8_t>(p.packet_id >> 8), static_cast<std::uint8_t>(p.packet_id)});
    return;
  }
  assert(!p.reason_codes.empty());
  put_fixed_header(out, 0xB0, 2 + properties_field_bytes(p.properties) + p.reason_codes.size());
  put_u16(out, p.packet_id);
  put_properties(out, p.properties);
  out.insert(out.end(), p.reason_codes.begin(), p.reason_codes.end());
}

void encode(const Subscribe& p, std::vector<std::uint8_t>& out, Version v) {
  assert(!p.subscriptions.empty());
  std::size_t remaining = 2 + (v == Version::v5 ? properties_field_bytes(p.properties) : 0);
  for (const auto& s : p.subscriptions) remaining += 3 + s.filter.size();
  put_fixed_header(out, 0x82, remaining);
  put_u16(out, p.packet_id);
  if (v == Version::v5) put_properties(out, p.properties);
  for (const auto& s : p.subscriptions) {
    put_string(out, s.filter);
    std::uint8_t options = s.qos;
    if (v == Version::v5)
      options |= static_cast<std::uint8_t>((s.no_local ? 0x04 : 0) | (s.retain_as_published ? 0x08 : 0) | (s.retain_handling << 4));
    out.push_back(options);
  }
}

void encode(const Suback& p, std::vector<std::uint8_t>& out, Version v) {
  const std::size_t props = v == Version::v5 ? properties_field_bytes(p.properties) : 0;
  put_fixed_header(out, 0x90, 2 + props + p.return_codes.size());
  put_u16(out, p.packet_id);
  if (v == Version::v5) put_properties(out, p.properties);
  out.insert(out.end(), p.return_codes.begin(), p.return_codes.end());
}

void encode(const Unsubscribe& p, std::vector<std::uint8_t>& out, Version v) {
  assert(!p.filters.empty());
  std::size_t remaining = 2 + (v == Version::v5 ? properties_field_bytes(p.properties) : 0);
  for (const auto& f : p.filters) remaining += 2 + f.size();
  put_fixed_header(out, 0xA2, remaining);
  put_u16(out, p.packet_id);
  if (v == Version::v5) put_properties(out, p.properties);
  for (const auto& f : p.filters) put_string(out, f);
}

void encode(const Pingreq&, std::vector<std::uint8_t>& out, Version) { out.insert(out.end(), {0xC0, 0x00}); }
void encode(const Pingresp&, std::vector<std::uint8_t>& out, Version) { out.insert(out.end(), {0xD0, 0x00}); }

void encode(const Disconnect& p, std::vector<std::uint8_t>& out, Version v) {
  if (v == Version::v311) out.insert(out.end(), {0xE0, 0x00});
  else encode_reason_and_properties(0xE0, p, out);
}

void encode(const Auth& p, std::vector<std::uint8_t>& out, Version v) {
  assert(v == Version::v5);
  (void)v;
  encode_reason_and_properties(0xF0, p, out);
}

void encode(const Packet& p, std::vector<std::uint8_t>& out, Version v) {
  std::visit(
      [&](const auto& packet) {
        if constexpr (std::is_same_v<std::decay_t<decltype(packet)>, Connect>) encode(packet, out);
        else encode(packet, out, v);
      },
      p);
}

void encode_text_publish(std::string_view topic, std::string_view payload, std::vector<std::uint8_t>& out) {
  encode(Publish{topic, std::span(reinterpret_cast<const std::uint8_t*>(payload.data()), payload.size()), 0, false, false, 0}, out);
}

}  // namespace twinbench::runtime::mqtt
