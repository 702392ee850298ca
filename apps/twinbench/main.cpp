// twinbench: simulation and digital-twin test bench for AIoT fleets.

#include <cstdlib>
#include <exception>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include "Commands.hpp"
#include "twinbench/sim/ScenarioLoader.hpp"

namespace {

constexpr const char* kUsage = R"(usage: twinbench <command> [options]

Simulate AIoT fleets (devices, gateways, links, cloud) with the real edge runtime under SimGrid.

commands:
  run <scenario>        run a scenario and write its results (twinbench run --help)
  hil <scenario>        run it paced to the wall clock, for hardware-in-the-loop labs (twinbench hil --help)
  sweep <scenario>      run it over seeds and a parameter grid, with confidence intervals and gates (twinbench sweep --help)
  compare <a> <b>       compare two runs or sweeps, with significance for sweeps (twinbench compare --help)
  report <folder>       a run's or a sweep's results as one self-contained HTML page (twinbench report --help)
  validate <scenario>   check a scenario file without running it
  twins check <path...> check DTDL models (files or folders) like a compiler (twinbench twins --help)
  train <spec>          train an anomaly model on simulated devices of one asset class (twinbench train --help)
  audit verify <log>    check a tamper-evident audit log (twinbench audit --help)
  ota sign <artifact>   sign a model package or a firmware image for OTA (twinbench ota --help)
  credentials <scenario> --gateway NAME   a lab gateway's device logins, for twinbench-edge passwd --batch
  shape --to HOST:PORT  relay a lab's traffic shaped like a simulated link preset (twinbench shape --help)
  help                  show this text

<scenario> is a scenario JSON file or a folder holding scenario.json.
exit codes: 0 ok, 1 an assertion failed, 2 bad input or usage, 3 internal error.
)";

}  // namespace

/** A rank other than the first of an MPI job (twinbench run --shards): bad input is the same on every
 * rank, and the first says it. */
bool quiet_rank() {
  const char* rank = std::getenv("OMPI_COMM_WORLD_RANK");
  return rank && std::string_view(rank) != "0";
}

int main(int argc, char** argv) {
  using namespace twinbench::app;
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) {
    std::cerr << kUsage;
    return kBadInput;
  }
  const std::string cmd = args.front();
  args.erase(args.begin());
  try {
    if (cmd == "run") return cmd_run(args);
    if (cmd == "hil") return cmd_hil(args);
    if (cmd == "sweep") return cmd_sweep(args);
    if (cmd == "compare") return cmd_compare(args);
    if (cmd == "report") return cmd_report(args);
    if (cmd == "audit") return cmd_audit(args);
    if (cmd == "ota") return cmd_ota(args);
    if (cmd == "credentials") return cmd_credentials(args);
    if (cmd == "shape") return cmd_shape(args);
    if (cmd == "validate") return cmd_validate(args);
    if (cmd == "twins") return cmd_twins(args);
    if (cmd == "train") return cmd_train(args);
    if (cmd == "help" || cmd == "--help" || cmd == "-h") {
      std::cout << kUsage;
      return kOk;
    }
    if (cmd == "--version") {
      std::cout << "twinbench " TWINBENCH_VERSION "\n";
      return kOk;
    }
    std::cerr << "twinbench: unknown command '" << cmd << "'\n\n" << kUsage;
    return kBadInput;
  } catch (const UsageError& e) {
    if (quiet_rank()) return kBadInput;
    std::cerr << "twinbench " << cmd << ": " << e.message << "\n(see: twinbench " << cmd << " --help)\n";
    return kBadInput;
  } catch (const twinbench::core::InputError& e) {  // a scenario, a model package, a training spec...
    if (quiet_rank()) return kBadInput;
    std::cerr << "error: " << e.what() << '\n';
    return kBadInput;
  } catch (const std::exception& e) {
    std::cerr << "twinbench " << cmd << ": internal error: " << e.what() << '\n';
    return kInternalError;
  }
}
