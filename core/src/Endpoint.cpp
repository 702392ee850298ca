#include "twinbench/core/Endpoint.hpp"

#include <charconv>

namespace twinbench::core {

std::optional<Endpoint> parse_endpoint(std::string_view text, std::uint16_t min_port) {
  Endpoint e;
  if (const auto sep = text.find("://"); sep != std::string_view::npos) {
    e.scheme = std::string(text.substr(0, sep));
    text.remove_prefix(sep + 3);
    if (e.scheme.empty()) return std::nullopt;
  }
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == text.size()) return std::nullopt;
  std::string_view host = text.substr(0, colon), port = text.substr(colon + 1);
  if (host.front() == '[') {
    if (host.size() < 3 || host.back() != ']') return std::nullopt;
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != std::string_view::npos) {
    return std::nullopt;  // an IPv6 address needs its brackets
  }
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (ec != std::errc() || end != port.data() + port.size() || port.front() == '+' || value < min_port || value > 65535) return std::nullopt;
  e.host = std::string(host);
  e.port = static_cast<std::uint16_t>(value);
  return e;
}

}  // namespace twinbench::core
