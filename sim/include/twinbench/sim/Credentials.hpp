#pragma once
// The credentials of a scenario with "security" (docs/security.md): every device's password, and the
// bench's own login at a real gateway, all drawn from the seed, so that a simulated run, a lab's password
// file (twinbench credentials) and twinbench hil's devices agree without anything stored.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace twinbench::sim {

/** The username twinbench hil's uplink reader logs in as at a real gateway. */
inline constexpr std::string_view kBenchUser = "twinbench-hil";

/** @brief The passwords of gateway `gateway`'s `devices` devices (device i logs in as username "i"): 16 hex digits each. */
std::vector<std::string> device_passwords(std::uint64_t seed, std::string_view gateway, std::uint32_t devices);
/** @brief The bench's password at gateway `gateway` (user kBenchUser). */
std::string bench_password(std::uint64_t seed, std::string_view gateway);

}  // namespace twinbench::sim
