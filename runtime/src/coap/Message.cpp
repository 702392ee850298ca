#include "twinbench/runtime/coap/Message.hpp"

#include <stdexcept>

namespace twinbench::runtime::coap {

const Option* Message::find(std::uint16_t number) const {
  for (const Option& o : options)
    if (o.number == number) return &o;
  return nullptr;
}

std::optional<std::uint32_t> Message::uint_option(std::uint16_t number) const {
  const Option* o = find(number);
  if (!o || o->value.size() > 4) return std::nullopt;
  std::uint32_t v = 0;
  for (std::uint8_t b : o->value) v = v << 8 | b;
  return v;
}

std::vector<std::string_view> Message::strings(std::uint16_t number) const {
  std::vector<std::string_view> out;
  for (const Option& o : options)
    if (o.number == number) out.push_back(o.text());
  return out;
}

std::string Message::path() const {
  std::string p;
  for (const Option& o : options) {
    if (o.number != options::uri_path) continue;
    if (!p.empty()) p += '/';
    p += o.text();
  }
  return p;
}

std::string_view to_string(DecodeStatus s) {
  switch (s) {
    case DecodeStatus::ok: return "ok";
    case DecodeStatus::too_short: return "shorter than the 4-byte header";
    case DecodeStatus::bad_version: return "not CoAP version 1";
    case DecodeStatus::bad_token_length: return "token length over 8";
    case DecodeStatus::empty_with_content: return "an empty message (0.00) with a token, options or payload";
    case DecodeStatus::bad_option: return "malformed option";
    case DecodeStatus::empty_payload: return "payload marker without a payload";
  }
  return "?";
}

namespace {

/** An option's delta or length nibble with its extension bytes (RFC 7252 3.1); false if malformed. */
bool extended(unsigned nibble, std::span<const std::uint8_t> bytes, std::size_t& at, std::uint32_t& value) {
  if (nibble < 13) {
    value = nibble;
    return true;
  }
  if (nibble == 13) {
    if (at + 1 > bytes.size()) return false;
    value = 13u + bytes[at];
    at += 1;
    return true;
  }
  if (nibble == 14) {
    if (at + 2 > bytes.size()) return false;
    value = 269u + (static_cast<std::uint32_t>(bytes[at]) << 8 | bytes[at + 1]);
    at += 2;
    return true;
  }
  return false;  // 15 is reserved (only the payload marker 0xFF uses it)
}

}  // namespace

DecodeStatus decode(std::span<const std::uint8_t> bytes, Message& out) {
  if (bytes.size() < 4) return DecodeStatus::too_short;
  if (bytes[0] >> 6 != 1) return DecodeStatus::bad_version;
  const unsigned tkl = bytes[0] & 0x0F;
  if (tkl > 8) return DecodeStatus::bad_token_length;
  out.type = static_cast<Type>(bytes[0] >> 4 & 3);
  out.code = bytes[1];
  out.id = static_cast<std::uint16_t>(bytes[2] << 8 | bytes[3]);
  out.options.clear();
  out.payload = {};
  if (out.code == codes::empty) {
    if (bytes.size() != 4 || tkl != 0) return DecodeStatus::empty_with_content;
    out.token = {};
    return DecodeStatus::ok;
  }
  if (bytes.size() < 4 + tkl) return DecodeStatus::too_short;
  out.token = bytes.subspan(4, tkl);
  std::size_t at = 4 + tkl;
  std::uint32_t number = 0;
  while (at < bytes.size()) {
    const std::uint8_t head = bytes[at++];
    if (head == 0xFF) {
      if (at == bytes.size()) return DecodeStatus::empty_payload;
      out.payload = bytes.subspan(at);
      return DecodeStatus::ok;
    }
    std::uint32_t delta = 0, length = 0;
    if (!extended(head >> 4, bytes, at, delta) || !extended(head & 0x0F, bytes, at, length)) return DecodeStatus::bad_option;
    number += delta;
    if (number > 0xFFFF || length > bytes.size() - at) return DecodeStatus::bad_option;
    out.options.push_back({static_cast<std::uint16_t>(number), bytes.subspan(at, length)});
    at += length;
  }
  return DecodeStatus::ok;
}

UintBytes uint_bytes(std::uint32_t v) {
  UintBytes u;
  std::uint8_t n = v == 0 ? 0 : v < 0x100 ? 1 : v < 0x10000 ? 2 : v < 0x1000000 ? 3 : 4;
  u.size = n;
  for (std::uint8_t i = 0; i < n; ++i) u.bytes[i] = static_cast<std::uint8_t>(v >> (8 * (n - 1 - i)));
  return u;
}

Writer::Writer(std::vector<std::uint8_t>& out, Type type, std::uint8_t c, std::uint16_t id, std::span<const std::uint8_t> token)
    : out_(out) {
  if (token.size() > 8) throw std::logic_error("coap::Writer: a token has at most 8 bytes");
  out_.push_back(static_cast<std::uint8_t>(1u << 6 | static_cast<unsigned>(type) << 4 | token.size()));
  out_.push_back(c);
  out_.push_back(static_cast<std::uint8_t>(id >> 8));
  out_.push_back(static_cast<std::uint8_t>(id));
  out_.insert(out_.end(), token.begin(), token.end());
}

namespace {

/** The nibble for `v` and its extension bytes. */
unsigned nibble(std::uint32_t v) { return v < 13 ? v : v < 269 ? 13 : 14; }

void put_extension(std::vector<std::uint8_t>& out, std::uint32_t v) {
  if (v < 13) return;
  if (v < 269) {
    out.push_back(static_cast<std::uint8_t>(v - 13));
    return;
  }
  out.push_back(static_cast<std::uint8_t>((v - 269) >> 8));
  out.push_back(static_cast<std::uint8_t>(v - 269));
}

}  // namespace

Writer& Writer::option(std::uint16_t number, std::span<const std::uint8_t> value) {
  if (number < last_) throw std::logic_error("coap::Writer: options must be added in number order");
  if (value.size() > 0xFFFF + 269u) throw std::logic_error("coap::Writer: option value too long");
  const std::uint32_t delta = number - last_;
  const auto length = static_cast<std::uint32_t>(value.size());
  out_.push_back(static_cast<std::uint8_t>(nibble(delta) << 4 | nibble(length)));
  put_extension(out_, delta);
  put_extension(out_, length);
  out_.insert(out_.end(), value.begin(), value.end());
  last_ = number;
  return *this;
}

void Writer::payload(std::span<const std::uint8_t> bytes) {
  if (bytes.empty()) return;
  out_.push_back(0xFF);
  out_.insert(out_.end(), bytes.begin(), bytes.end());
}

void encode(const Message& m, std::vector<std::uint8_t>& out) {
  if (m.code == codes::empty) {
    encode_empty(m.type, m.id, out);
    return;
  }
  Writer w(out, m.type, m.code, m.id, m.token);
  for (const Option& o : m.options) w.option(o.number, o.value);
  w.payload(m.payload);
}

void encode_empty(Type type, std::uint16_t id, std::vector<std::uint8_t>& out) {
  out.push_back(static_cast<std::uint8_t>(1u << 6 | static_cast<unsigned>(type) << 4));
  out.push_back(codes::empty);
  out.push_back(static_cast<std::uint8_t>(id >> 8));
  out.push_back(static_cast<std::uint8_t>(id));
}

}  // namespace twinbench::runtime::coap
