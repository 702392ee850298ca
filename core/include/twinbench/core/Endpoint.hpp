#pragma once
// Where to connect or listen, as people write it: "scheme://host:port" or "host:port", an IPv6 address in
// brackets ("[::1]:1883"). One parser for the CLI, the scenario, the daemon's config and the transports.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace twinbench::core {

struct Endpoint {
  std::string scheme;  ///< "mqtt", "coap"... ("" when the text has none)
  std::string host;    ///< without the brackets of an IPv6 address
  std::uint16_t port = 0;
};

/**
 * @brief `text` as [scheme://]host:port, with a host that is not empty and a port in [min_port, 65535]
 * (decimal digits only); nullopt otherwise.
 */
std::optional<Endpoint> parse_endpoint(std::string_view text, std::uint16_t min_port = 1);

}  // namespace twinbench::core
