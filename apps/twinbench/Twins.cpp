// `twinbench twins check`: the DTDL parser as a command-line compiler for model sets.

#include <iostream>

#include "Commands.hpp"
#include "twinbench/twins/dtdl/ModelSet.hpp"

namespace twinbench::app {

namespace {

constexpr const char* kTwinsHelp = R"(usage: twinbench twins check <file or folder>... [--allow-undefined-extensions]

Parse and check DTDL models (v3, and v2) like a compiler: every .json file given, or found under a given
folder (recursively), is one model set. References across files resolve (extends, Component schemas);
every rule of the specification is checked. Each problem is printed as
  <file>: <JSON path>: <DTMI>: <rule>
and the exit code is 2 if there is any; otherwise a summary is printed and the exit code is 0.

options:
  --allow-undefined-extensions   accept @context extensions this parser does not know; their terms
                                 being unknown, elements under them may carry undefined co-types
                                 and, with one, undefined properties (as DTDL v2 always allows)
Known extensions: QuantitativeTypes v1 (semantic types and units), MQTT v1 (the Mqtt, Idempotent,
Cacheable and Indexed adjunct types).
)";

}  // namespace

int cmd_twins(const std::vector<std::string>& args) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    (args.empty() ? std::cerr : std::cout) << kTwinsHelp;
    return args.empty() ? kBadInput : kOk;
  }
  if (args[0] != "check") throw UsageError{"unknown subcommand '" + args[0] + "' (expected: check)"};
  twins::dtdl::ParseOptions options;
  std::vector<std::string> paths;
  for (std::size_t i = 1; i < args.size(); ++i) {
    if (args[i] == "--help" || args[i] == "-h") {
      std::cout << kTwinsHelp;
      return kOk;
    }
    if (args[i] == "--allow-undefined-extensions") options.allow_undefined_extensions = true;
    else if (!args[i].empty() && args[i][0] == '-') throw UsageError{"unknown option '" + args[i] + "'"};
    else paths.push_back(args[i]);
  }
  if (paths.empty()) throw UsageError{"missing <file or folder> to check"};
  twins::dtdl::ModelSet set(options);
  for (const auto& p : paths) set.add_path(p);
  set.resolve();
  for (const auto& d : set.diagnostics()) std::cerr << "error: " << d.str() << '\n';
  if (!set.ok()) {
    std::cerr << set.diagnostics().size() << " error(s) in " << set.interfaces().size() << " interface(s)\n";
    return kBadInput;
  }
  std::size_t contents = 0;
  for (const auto& [id, iface] : set.interfaces()) contents += set.all_contents(id).size();
  std::cout << "ok: " << set.interfaces().size() << " interface(s), " << contents << " content element(s) with inherited ones, no errors\n";
  return kOk;
}

}  // namespace twinbench::app
