#pragma once
// CoAP messages (RFC 7252 section 3), sans-IO: the 4-byte header, the token, options in delta encoding
// and the payload. decode() checks every rule of the message format and returns views into the datagram;
// Writer builds one straight into a byte vector. The same bytes go over real UDP and the simulated links.

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace twinbench::runtime::coap {

enum class Type : std::uint8_t { con = 0, non = 1, ack = 2, rst = 3 };

/** A code is class.detail, 3 and 5 bits: 0.01 GET, 2.05 Content, 4.04 Not Found... */
constexpr std::uint8_t code(unsigned cls, unsigned detail) { return static_cast<std::uint8_t>(cls << 5 | detail); }
constexpr unsigned code_class(std::uint8_t c) { return c >> 5; }

namespace codes {
inline constexpr std::uint8_t empty = 0, get = 1, post = 2, put = 3, del = 4, fetch = 5;
inline constexpr std::uint8_t created = code(2, 1), deleted = code(2, 2), valid = code(2, 3), changed = code(2, 4),
                              content = code(2, 5);
inline constexpr std::uint8_t bad_request = code(4, 0), bad_option = code(4, 2), forbidden = code(4, 3),
                              not_found = code(4, 4), method_not_allowed = code(4, 5), not_acceptable = code(4, 6),
                              precondition_failed = code(4, 12), request_entity_too_large = code(4, 13),
                              unsupported_content_format = code(4, 15);
inline constexpr std::uint8_t internal_server_error = code(5, 0), service_unavailable = code(5, 3),
                              proxying_not_supported = code(5, 5);
}  // namespace codes

/** Option numbers (RFC 7252 5.10, RFC 7641 observe, RFC 7959 block-wise). Odd numbers are critical. */
namespace options {
inline constexpr std::uint16_t if_match = 1, uri_host = 3, etag = 4, if_none_match = 5, observe = 6, uri_port = 7,
                               location_path = 8, uri_path = 11, content_format = 12, max_age = 14, uri_query = 15,
                               accept = 17, location_query = 20, block2 = 23, block1 = 27, size2 = 28, proxy_uri = 35,
                               proxy_scheme = 39, size1 = 60;
}  // namespace options

/** Content-Format identifiers (IANA CoAP registry). */
namespace formats {
inline constexpr std::uint16_t text = 0, link_format = 40, json = 50, cbor = 60, senml_json = 110, senml_cbor = 112,
                               lwm2m_tlv = 11542, lwm2m_json = 11543;
}  // namespace formats

constexpr bool is_critical(std::uint16_t option) { return (option & 1) != 0; }

struct Option {
  std::uint16_t number = 0;
  std::span<const std::uint8_t> value;
  std::string_view text() const { return {reinterpret_cast<const char*>(value.data()), value.size()}; }
};

struct Message {
  Type type = Type::con;
  std::uint8_t code = 0;
  std::uint16_t id = 0;
  std::span<const std::uint8_t> token;  ///< 0..8 bytes
  std::vector<Option> options;          ///< in wire order (non-decreasing numbers)
  std::span<const std::uint8_t> payload;

  bool is_request() const { return code_class(code) == 0 && code != codes::empty; }
  bool is_response() const { return code_class(code) >= 2 && code_class(code) <= 5; }
  /** The first option `number`, if present. */
  const Option* find(std::uint16_t number) const;
  /** An unsigned-integer option (RFC 7252 3.2: 0-4 bytes, big-endian); nullopt if absent or longer than 4 bytes. */
  std::optional<std::uint32_t> uint_option(std::uint16_t number) const;
  /** Every instance of a repeatable string option (Uri-Path, Uri-Query, Location-Path...), in order. */
  std::vector<std::string_view> strings(std::uint16_t number) const;
  /** The Uri-Path segments joined with '/', without a leading one ("rd/5"). */
  std::string path() const;
};

enum class DecodeStatus : std::uint8_t {
  ok,
  too_short,           ///< under the 4-byte header
  bad_version,         ///< not version 1 (silently ignored, RFC 7252 3)
  bad_token_length,    ///< TKL 9..15
  empty_with_content,  ///< code 0.00 with a token, options or payload
  bad_option,          ///< reserved nibble 15, option number over 65535, or a value past the end
  empty_payload,       ///< a payload marker with nothing after it
};

std::string_view to_string(DecodeStatus s);

/** @brief Parse a datagram; the views in `out` point into `bytes`. */
DecodeStatus decode(std::span<const std::uint8_t> bytes, Message& out);

/** @brief The bytes of an unsigned-integer option value (shortest form: 0 is empty). */
struct UintBytes {
  std::array<std::uint8_t, 4> bytes{};
  std::uint8_t size = 0;
  std::span<const std::uint8_t> span() const { return {bytes.data(), size}; }
};
UintBytes uint_bytes(std::uint32_t v);

/**
 * @brief Builds a message at the end of `out`: the header and token, then options in non-decreasing
 * number order (std::logic_error otherwise: the caller's bug), then the payload.
 */
class Writer {
public:
  Writer(std::vector<std::uint8_t>& out, Type type, std::uint8_t code, std::uint16_t id, std::span<const std::uint8_t> token);
  Writer& option(std::uint16_t number, std::span<const std::uint8_t> value);
  Writer& option(std::uint16_t number, std::string_view value) {
    return option(number, std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(value.data()), value.size()));
  }
  Writer& uint_option(std::uint16_t number, std::uint32_t v) { return option(number, uint_bytes(v).span()); }
  /** Appends the payload marker and the payload (nothing for an empty one). */
  void payload(std::span<const std::uint8_t> bytes);
  void payload(std::string_view text) {
    payload(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
  }

private:
  std::vector<std::uint8_t>& out_;
  std::uint16_t last_ = 0;
};

/** @brief Encode a decoded message again (options in their order, which decode guarantees). */
void encode(const Message& m, std::vector<std::uint8_t>& out);

/** @brief An empty ACK or RST for message `id` (4 bytes). */
void encode_empty(Type type, std::uint16_t id, std::vector<std::uint8_t>& out);

}  // namespace twinbench::runtime::coap
