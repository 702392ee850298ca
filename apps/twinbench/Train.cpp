// twinbench train: a model package from a training spec.

#include <filesystem>
#include <iostream>

#include "Commands.hpp"
#include "twinbench/ai/Training.hpp"

namespace twinbench::app {

namespace {

constexpr const char* kTrainHelp = R"(usage: twinbench train <training-spec.json> [--out DIR] [--quiet]

Simulate healthy devices of the spec's asset class ("asset_class": compressor, pump or chiller) from
their physics, train an autoencoder over sliding feature windows with libtorch (one thread, seeded),
choose the alert threshold on held-out healthy devices, measure it on held-out faulty ones (every fault
mode of the class), and write a model package:
  manifest.json   model id and version, asset class, features (channels, window, hop, normalisation),
                  threshold, weights hash, training provenance (seed, data hash), validation metrics
  model.pt        the weights, a TorchScript archive (torch.jit.load reads it too)
The same spec and seed give the same weights, byte for byte. The package appears only when complete.

options:
  --out DIR   package folder (default: the spec's "output", relative to the spec's folder)
  --quiet     no progress on stderr
exit codes: 0 ok, 2 bad input or usage, 3 internal error.
)";

}  // namespace

int cmd_train(const std::vector<std::string>& args) {
  std::string spec_file, out;
  bool quiet = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--help" || a == "-h") {
      std::cout << kTrainHelp;
      return kOk;
    } else if (a == "--out") {
      if (i + 1 >= args.size()) throw UsageError{"--out needs a value"};
      out = args[++i];
    } else if (a == "--quiet") {
      quiet = true;
    } else if (!a.empty() && a[0] == '-') {
      throw UsageError{"unknown option '" + a + "'"};
    } else if (spec_file.empty()) {
      spec_file = a;
    } else {
      throw UsageError{"one training spec at a time (got '" + spec_file + "' and '" + a + "')"};
    }
  }
  if (spec_file.empty()) throw UsageError{"missing <training-spec.json>"};
  const ai::TrainingSpec spec = ai::load_training_spec(spec_file);
  if (out.empty()) {
    if (spec.output.empty()) throw UsageError{"the spec has no \"output\"; say where the package goes with --out DIR"};
    const std::filesystem::path p(spec.output);
    out = (p.is_absolute() ? p : std::filesystem::path(spec_file).parent_path() / p).lexically_normal().string();
  }
  const ai::Manifest m = ai::train(spec, out, [&](const std::string& line) {
    if (!quiet) std::cerr << "train: " << line << '\n';
  });
  std::cout << out << ": " << m.model_id << " v" << m.version << ", weights " << m.weights_hash << ", threshold " << m.threshold << '\n';
  return kOk;
}

}  // namespace twinbench::app
