// twinbench credentials: the passwords a scenario with "security" gives one gateway's devices (and the
// bench's own login), for a lab's real gateway: piped into twinbench-edge passwd --batch, never shown.

#include <unistd.h>

#include <algorithm>
#include <iostream>
#include <optional>

#include "Commands.hpp"
#include "twinbench/sim/Credentials.hpp"
#include "twinbench/sim/ScenarioLoader.hpp"

namespace twinbench::app {

namespace {

constexpr const char* kCredentialsHelp = R"(usage: twinbench credentials <scenario> --gateway NAME [--seed N] | twinbench-edge passwd FILE --batch

The logins a scenario with "security" (docs/security.md) gives the devices of gateway NAME (usernames 0,
1, ...: their index) and the bench (twinbench-hil, the uplink reader of twinbench hil), drawn from the
seed (the scenario's, or --seed): as "<username> <password>" lines on standard output, for a lab's real
gateway to hash into its password file. Standard output must not be a terminal: the passwords are not
shown.
exit codes: 0 ok, 2 bad input or usage.
)";

}  // namespace

int cmd_credentials(const std::vector<std::string>& args) {
  std::string scenario, gateway;
  std::optional<std::uint64_t> seed;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&]() -> const std::string& {
      if (i + 1 >= args.size()) throw UsageError{a + " needs a value"};
      return args[++i];
    };
    if (a == "--help" || a == "-h") {
      std::cout << kCredentialsHelp;
      return kOk;
    } else if (a == "--gateway") {
      gateway = value();
    } else if (a == "--seed") {
      seed = parse_seed(value());
    } else if (!a.empty() && a[0] == '-') {
      throw UsageError{"unknown option '" + a + "'"};
    } else if (scenario.empty()) {
      scenario = a;
    } else {
      throw UsageError{"one scenario at a time"};
    }
  }
  if (scenario.empty()) throw UsageError{"missing <scenario>"};
  if (gateway.empty()) throw UsageError{"missing --gateway NAME"};
  const sim::Scenario sc = sim::load_scenario(scenario);
  if (!sc.security) throw core::InputError(sc.file + ": no \"security\": its devices log in without passwords");
  const auto refs = sc.gateways();
  const auto ref = std::find_if(refs.begin(), refs.end(), [&](const sim::GatewayRef& r) { return r.name == gateway; });
  if (ref == refs.end()) throw UsageError{"--gateway: no gateway of the scenario is named '" + gateway + "' (gateways are named <site>-gw-<k>)"};
  if (::isatty(STDOUT_FILENO)) throw UsageError{"standard output is a terminal: pipe it into twinbench-edge passwd FILE --batch (passwords are not shown)"};
  const std::uint64_t s = seed.value_or(sc.seed);
  const auto passwords = sim::device_passwords(s, gateway, sc.sites[ref->site].devices_per_gateway_all());
  for (std::size_t d = 0; d < passwords.size(); ++d) std::cout << d << ' ' << passwords[d] << '\n';
  std::cout << sim::kBenchUser << ' ' << sim::bench_password(s, gateway) << '\n';
  return kOk;
}

}  // namespace twinbench::app
