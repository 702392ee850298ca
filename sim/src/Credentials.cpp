#include "twinbench/sim/Credentials.hpp"

#include <cstdio>

#include "twinbench/core/Random.hpp"

namespace twinbench::sim {

namespace {

std::string hex16(core::RngStream& draw) {
  char pw[17];
  std::snprintf(pw, sizeof pw, "%016llx", static_cast<unsigned long long>(draw.next_u64()));
  return pw;
}

}  // namespace

std::vector<std::string> device_passwords(std::uint64_t seed, std::string_view gateway, std::uint32_t devices) {
  core::RngStream draw = core::Rng(seed).stream(std::string(gateway) + "/passwords");
  std::vector<std::string> out;
  out.reserve(devices);
  for (std::uint32_t d = 0; d < devices; ++d) out.push_back(hex16(draw));
  return out;
}

std::string bench_password(std::uint64_t seed, std::string_view gateway) {
  core::RngStream draw = core::Rng(seed).stream(std::string(gateway) + "/bench-password");
  return hex16(draw);
}

}  // namespace twinbench::sim
