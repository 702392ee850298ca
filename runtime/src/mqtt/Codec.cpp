#include "twinbench/runtime/mqtt/Codec.hpp"

#include <cassert>
#include <cstring>

namespace twinbench::runtime::mqtt {

namespace {

using Bytes = std::span<const std::uint8_t>;

/** Cursor over the variable header and payload of one packet; every read checks the bounds. */
class Reader {
public:
  explicit Reader(Bytes b) : b_(b) {}
  bool u8(std::uint8_t& v) {
    if (pos_ + 1 > b_.size()) return false;
    v = b_[pos_++];
    return true;
  }
  bool u16(std::uint16_t& v) {
    if (pos_ + 2 > b_.size()) return false;
    v = static_cast<std::uint16_t>((b_[pos_] << 8) | b_[pos_ + 1]);
    pos_ += 2;
    return true;
  }
  bool binary(Bytes& v) {
    std::uint16_t n;
    if (!u16(n) || pos_ + n > b_.size()) return false;
    v = b_.subspan(pos_, n);
    pos_ += n;
    return true;
  }
  bool string(std::string_view& v) {
    Bytes raw;
    if (!binary(raw)) return false;
    v = {reinterpret_cast<const char*>(raw.data()), raw.size()};
    return true;
  }
  Bytes rest() {
    Bytes r = b_.subspan(pos_);
    pos_ = b_.size();
    return r;
  }
  bool at_end() const { return pos_ == b_.size(); }

private:
  Bytes b_;
  std::size_t pos_ = 0;
};

DecodeResult fail(DecodeStatus s) { return {s, 0, Disconnect{}}; }

// The sub-decoders fill a packet in place and return a status: a Packet is ~150 bytes, and copying it
// out of helpers cost more than decoding a telemetry PUBLISH.
DecodeStatus decode_connect(Reader r, Connect& c) {
  std::string_view name;
  std::uint8_t level, flags;
  if (!r.string(name) || !r.u8(level) || !r.u8(flags) || !r.u16(c.keepalive_s)) return DecodeStatus::length_mismatch;
  if (name != "MQTT") return DecodeStatus::bad_protocol_name;
  if (level != 4) return DecodeStatus::bad_protocol_level;
  c.clean_session = flags & 0x02;
  c.will = flags & 0x04;
  c.will_qos = (flags >> 3) & 0x03;
  c.will_retain = flags & 0x20;
  c.has_password = flags & 0x40;
  c.has_username = flags & 0x80;
  const bool reserved = flags & 0x01;                                            // MQTT-3.1.2-3
  const bool will_bits_without_will = !c.will && (c.will_qos != 0 || c.will_retain);  // MQTT-3.1.2-11/13/15
  const bool password_without_user = c.has_password && !c.has_username;          // MQTT-3.1.2-22
  if (reserved || will_bits_without_will || c.will_qos == 3 || password_without_user) return DecodeStatus::bad_connect_flags;
  if (!r.string(c.client_id)) return DecodeStatus::length_mismatch;
  if (!valid_mqtt_utf8(c.client_id)) return DecodeStatus::bad_utf8;
  if (c.will) {
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

DecodeStatus decode_publish(std::uint8_t flags, Reader r, Publish& p) {
  p.dup = flags & 0x08;
  p.qos = (flags >> 1) & 0x03;
  p.retain = flags & 0x01;
  if (p.qos == 3 || (p.qos == 0 && p.dup)) return DecodeStatus::bad_qos;  // MQTT-3.3.1-2/4
  if (!r.string(p.topic)) return DecodeStatus::length_mismatch;
  if (p.topic.empty()) return DecodeStatus::bad_topic;
  for (char c : p.topic) {
    if (c == '+' || c == '#') return DecodeStatus::bad_topic;  // MQTT-3.3.2-2: no wildcards in a topic name
  }
  if (!valid_mqtt_utf8(p.topic)) return DecodeStatus::bad_utf8;
  if (p.qos > 0) {
    if (!r.u16(p.packet_id)) return DecodeStatus::length_mismatch;
    if (p.packet_id == 0) return DecodeStatus::bad_packet_id;
  }
  p.payload = r.rest();
  return DecodeStatus::ok;
}

DecodeStatus decode_filter(Reader& r, std::string_view& filter) {
  if (!r.string(filter)) return DecodeStatus::length_mismatch;
  if (!valid_mqtt_utf8(filter)) return DecodeStatus::bad_utf8;
  return valid_topic_filter(filter) ? DecodeStatus::ok : DecodeStatus::bad_topic_filter;
}

DecodeStatus decode_subscribe(Reader r, Subscribe& s) {
  if (!r.u16(s.packet_id)) return DecodeStatus::length_mismatch;
  if (s.packet_id == 0) return DecodeStatus::bad_packet_id;
  while (!r.at_end()) {
    Subscription sub;
    if (auto st = decode_filter(r, sub.filter); st != DecodeStatus::ok) return st;
    if (!r.u8(sub.qos)) return DecodeStatus::length_mismatch;
    if (sub.qos > 2) return DecodeStatus::bad_return_code;  // reserved bits set, or QoS 3 (MQTT-3-8.3-4)
    s.subscriptions.push_back(sub);
  }
  return s.subscriptions.empty() ? DecodeStatus::no_topic_filter : DecodeStatus::ok;
}

DecodeStatus decode_unsubscribe(Reader r, Unsubscribe& u) {
  if (!r.u16(u.packet_id)) return DecodeStatus::length_mismatch;
  if (u.packet_id == 0) return DecodeStatus::bad_packet_id;
  while (!r.at_end()) {
    std::string_view f;
    if (auto st = decode_filter(r, f); st != DecodeStatus::ok) return st;
    u.filters.push_back(f);
  }
  return u.filters.empty() ? DecodeStatus::no_topic_filter : DecodeStatus::ok;
}

DecodeStatus decode_suback(Reader r, Suback& s) {
  if (!r.u16(s.packet_id)) return DecodeStatus::length_mismatch;
  if (s.packet_id == 0) return DecodeStatus::bad_packet_id;
  std::uint8_t code;
  while (r.u8(code)) {
    if (code > 2 && code != kSubackFailure) return DecodeStatus::bad_return_code;
    s.return_codes.push_back(code);
  }
  return s.return_codes.empty() ? DecodeStatus::length_mismatch : DecodeStatus::ok;
}

/** PUBACK, PUBREC, PUBREL, PUBCOMP, UNSUBACK: a non-zero packet identifier and nothing else. */
template <typename P> DecodeStatus decode_packet_id_only(Reader r, std::size_t remaining, P& p) {
  if (remaining != 2 || !r.u16(p.packet_id)) return DecodeStatus::length_mismatch;
  return p.packet_id == 0 ? DecodeStatus::bad_packet_id : DecodeStatus::ok;
}

void put_u16(std::vector<std::uint8_t>& out, std::uint16_t v) {
  out.push_back(static_cast<std::uint8_t>(v >> 8));
  out.push_back(static_cast<std::uint8_t>(v));
}

void put_string(std::vector<std::uint8_t>& out, std::string_view s) {
  assert(s.size() <= 0xFFFF);
  put_u16(out, static_cast<std::uint16_t>(s.size()));
  out.insert(out.end(), s.begin(), s.end());
}

void put_binary(std::vector<std::uint8_t>& out, Bytes b) {
  assert(b.size() <= 0xFFFF);
  put_u16(out, static_cast<std::uint16_t>(b.size()));
  out.insert(out.end(), b.begin(), b.end());
}

void put_fixed_header(std::vector<std::uint8_t>& out, std::uint8_t first, std::size_t remaining) {
  assert(remaining <= kMaxRemainingLength);
  out.push_back(first);
  do {
    std::uint8_t byte = remaining & 0x7F;
    remaining >>= 7;
    if (remaining > 0) byte |= 0x80;
    out.push_back(byte);
  } while (remaining > 0);
}

std::size_t remaining_length_bytes(std::size_t n) { return n < 128 ? 1 : n < 16384 ? 2 : n < 2097152 ? 3 : 4; }

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

DecodeResult decode(std::span<const std::uint8_t> bytes, std::size_t max_packet_bytes) {
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
  if (bytes[0] >> 4 == 0 || bytes[0] >> 4 == 15) return fail(DecodeStatus::reserved_packet_type);
  if (type != PacketType::publish) {
    const bool needs_0010 = type == PacketType::pubrel || type == PacketType::subscribe || type == PacketType::unsubscribe;
    if (flags != (needs_0010 ? 0x2 : 0x0)) return fail(DecodeStatus::bad_fixed_header_flags);
  }
  if (bytes.size() < header + remaining) return fail(DecodeStatus::need_more);
  Reader r(bytes.subspan(header, remaining));

  DecodeResult res;
  switch (type) {
    case PacketType::connect: res.status = decode_connect(r, res.packet.emplace<Connect>()); break;
    case PacketType::publish: res.status = decode_publish(flags, r, res.packet.emplace<Publish>()); break;
    case PacketType::connack: {
      std::uint8_t ack_flags, code;
      if (remaining != 2 || !r.u8(ack_flags) || !r.u8(code)) return fail(DecodeStatus::length_mismatch);
      if (ack_flags & 0xFE) return fail(DecodeStatus::bad_fixed_header_flags);
      if (code > 5) return fail(DecodeStatus::length_mismatch);
      res.packet = Connack{(ack_flags & 1) != 0, static_cast<ConnackCode>(code)};
      res.status = DecodeStatus::ok;
      break;
    }
    case PacketType::puback: res.status = decode_packet_id_only(r, remaining, res.packet.emplace<Puback>()); break;
    case PacketType::pubrec: res.status = decode_packet_id_only(r, remaining, res.packet.emplace<Pubrec>()); break;
    case PacketType::pubrel: res.status = decode_packet_id_only(r, remaining, res.packet.emplace<Pubrel>()); break;
    case PacketType::pubcomp: res.status = decode_packet_id_only(r, remaining, res.packet.emplace<Pubcomp>()); break;
    case PacketType::unsuback: res.status = decode_packet_id_only(r, remaining, res.packet.emplace<Unsuback>()); break;
    case PacketType::subscribe: res.status = decode_subscribe(r, res.packet.emplace<Subscribe>()); break;
    case PacketType::suback: res.status = decode_suback(r, res.packet.emplace<Suback>()); break;
    case PacketType::unsubscribe: res.status = decode_unsubscribe(r, res.packet.emplace<Unsubscribe>()); break;
    case PacketType::pingreq:
    case PacketType::pingresp:
    case PacketType::disconnect:
      if (remaining != 0) return fail(DecodeStatus::length_mismatch);
      if (type == PacketType::pingreq) res.packet = Pingreq{};
      else if (type == PacketType::pingresp) res.packet = Pingresp{};
      else res.packet = Disconnect{};
      res.status = DecodeStatus::ok;
      break;
    default: return fail(DecodeStatus::unsupported_packet_type);
  }
  if (res.status == DecodeStatus::ok) res.consumed = header + remaining;
  else res.packet = Disconnect{};  // a failed decode carries no half-filled packet
  return res;
}

std::size_t publish_size(std::size_t topic_bytes, std::size_t payload_bytes, std::uint8_t qos) {
  const std::size_t remaining = 2 + topic_bytes + (qos > 0 ? 2 : 0) + payload_bytes;
  return 1 + remaining_length_bytes(remaining) + remaining;
}

void encode(const Connect& c, std::vector<std::uint8_t>& out) {
  std::size_t remaining = 10 + 2 + c.client_id.size();
  if (c.will) remaining += 4 + c.will_topic.size() + c.will_message.size();
  if (c.has_username) remaining += 2 + c.username.size();
  if (c.has_password) remaining += 2 + c.password.size();
  put_fixed_header(out, 0x10, remaining);
  put_string(out, "MQTT");
  out.push_back(4);
  std::uint8_t flags = 0;
  if (c.clean_session) flags |= 0x02;
  if (c.will) flags |= 0x04 | static_cast<std::uint8_t>(c.will_qos << 3) | (c.will_retain ? 0x20 : 0);
  if (c.has_password) flags |= 0x40;
  if (c.has_username) flags |= 0x80;
  out.push_back(flags);
  put_u16(out, c.keepalive_s);
  put_string(out, c.client_id);
  if (c.will) {
    put_string(out, c.will_topic);
    put_binary(out, c.will_message);
  }
  if (c.has_username) put_string(out, c.username);
  if (c.has_password) put_binary(out, c.password);
}

void encode(const Connack& p, std::vector<std::uint8_t>& out) {
  out.insert(out.end(), {0x20, 0x02, static_cast<std::uint8_t>(p.session_present ? 1 : 0), static_cast<std::uint8_t>(p.code)});
}

void encode(const Publish& p, std::vector<std::uint8_t>& out) {
  assert(p.qos <= 2 && (p.qos == 0) == (p.packet_id == 0));
  const std::size_t remaining = 2 + p.topic.size() + (p.qos > 0 ? 2 : 0) + p.payload.size();
  const auto first = static_cast<std::uint8_t>(0x30 | (p.dup ? 0x08 : 0) | (p.qos << 1) | (p.retain ? 1 : 0));
  out.reserve(out.size() + 5 + remaining);
  put_fixed_header(out, first, remaining);
  put_string(out, p.topic);
  if (p.qos > 0) put_u16(out, p.packet_id);
  out.insert(out.end(), p.payload.begin(), p.payload.end());
}

namespace {
void encode_packet_id_only(std::uint8_t first, std::uint16_t id, std::vector<std::uint8_t>& out) {
  out.insert(out.end(), {first, 0x02, static_cast<std::uint8_t>(id >> 8), static_cast<std::uint8_t>(id)});
}
}  // namespace

void encode(const Puback& p, std::vector<std::uint8_t>& out) { encode_packet_id_only(0x40, p.packet_id, out); }
void encode(const Pubrec& p, std::vector<std::uint8_t>& out) { encode_packet_id_only(0x50, p.packet_id, out); }
void encode(const Pubrel& p, std::vector<std::uint8_t>& out) { encode_packet_id_only(0x62, p.packet_id, out); }
void encode(const Pubcomp& p, std::vector<std::uint8_t>& out) { encode_packet_id_only(0x70, p.packet_id, out); }
void encode(const Unsuback& p, std::vector<std::uint8_t>& out) { encode_packet_id_only(0xB0, p.packet_id, out); }

void encode(const Subscribe& p, std::vector<std::uint8_t>& out) {
  assert(!p.subscriptions.empty());
  std::size_t remaining = 2;
  for (const auto& s : p.subscriptions) remaining += 3 + s.filter.size();
  put_fixed_header(out, 0x82, remaining);
  put_u16(out, p.packet_id);
  for (const auto& s : p.subscriptions) {
    put_string(out, s.filter);
    out.push_back(s.qos);
  }
}

void encode(const Suback& p, std::vector<std::uint8_t>& out) {
  put_fixed_header(out, 0x90, 2 + p.return_codes.size());
  put_u16(out, p.packet_id);
  out.insert(out.end(), p.return_codes.begin(), p.return_codes.end());
}

void encode(const Unsubscribe& p, std::vector<std::uint8_t>& out) {
  assert(!p.filters.empty());
  std::size_t remaining = 2;
  for (const auto& f : p.filters) remaining += 2 + f.size();
  put_fixed_header(out, 0xA2, remaining);
  put_u16(out, p.packet_id);
  for (const auto& f : p.filters) put_string(out, f);
}

void encode(const Pingreq&, std::vector<std::uint8_t>& out) { out.insert(out.end(), {0xC0, 0x00}); }
void encode(const Pingresp&, std::vector<std::uint8_t>& out) { out.insert(out.end(), {0xD0, 0x00}); }
void encode(const Disconnect&, std::vector<std::uint8_t>& out) { out.insert(out.end(), {0xE0, 0x00}); }

void encode(const Packet& p, std::vector<std::uint8_t>& out) {
  std::visit([&out](const auto& packet) { encode(packet, out); }, p);
}

void encode_text_publish(std::string_view topic, std::string_view payload, std::vector<std::uint8_t>& out) {
  encode(Publish{topic, std::span(reinterpret_cast<const std::uint8_t*>(payload.data()), payload.size()), 0, false, false, 0}, out);
}

}  // namespace twinbench::runtime::mqtt
