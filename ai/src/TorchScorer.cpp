#include "twinbench/ai/TorchScorer.hpp"

#include <ATen/Parallel.h>
#include <torch/script.h>

#include <cassert>
#include <cstring>
#include <mutex>

namespace twinbench::ai {

struct TorchScorer::Impl {
  torch::jit::Module module;
};

namespace {
/** The gist of a libtorch error: the interpreter's "RuntimeError: ..." line if there is one, else the
 * first line, without the TorchScript traceback or the C++ backtrace. */
std::string first_line(const std::exception& e) {
  std::string s = e.what();
  if (auto at = s.find("RuntimeError: "); at != std::string::npos) s = s.substr(at + 14);
  if (auto nl = s.find('\n'); nl != std::string::npos) s = s.substr(0, nl);
  return s;
}
}  // namespace

void use_one_torch_thread() {
  static std::once_flag once;
  std::call_once(once, [] {
    // libtorch refuses a second set_num_interop_threads, and another copy of this function (the plugin's,
    // in a test that also links the scorer) may have made the first: then only check that it took.
    try {
      at::set_num_interop_threads(1);
    } catch (const c10::Error&) {
      if (at::get_num_interop_threads() != 1) throw;
    }
    at::set_num_threads(1);
  });
}

TorchScorer::TorchScorer(const ModelPackage& package)
    : impl_(std::make_unique<Impl>()), input_dim_(package.manifest.input_dim()), output_(package.manifest.output) {
  use_one_torch_thread();
  const std::string path = package.weights_path();
  try {
    impl_->module = torch::jit::load(path);
  } catch (const std::exception& e) {
    throw core::InputError(path + ": not a TorchScript model (" + first_line(e) + ")");
  }
  impl_->module.eval();
  const auto& f = package.manifest.features;
  const std::string expects = std::to_string(input_dim_) + " inputs per window (" + std::to_string(f.window) + " samples x " +
                              std::to_string(f.channels) + " channels)";
  std::vector<float> zeros(2 * input_dim_, 0.0f), scores(2);
  try {
    score(zeros, 2, scores);
  } catch (const std::exception& e) {
    throw core::InputError(path + ": the model does not fit the manifest's " + expects + " and " + to_string(output_) + " output: " + first_line(e));
  }
}

TorchScorer::~TorchScorer() = default;

void TorchScorer::score(std::span<const float> x, std::size_t batch, std::span<float> scores) {
  assert(x.size() >= batch * input_dim_ && scores.size() >= batch);
  c10::InferenceMode guard;
  const auto n = static_cast<std::int64_t>(batch), d = static_cast<std::int64_t>(input_dim_);
  // from_blob does not copy; the model only reads its input.
  const torch::Tensor in = torch::from_blob(const_cast<float*>(x.data()), {n, d}, torch::kFloat32);
  torch::Tensor out = impl_->module.forward({in}).toTensor().to(torch::kFloat32).contiguous();
  const auto shape = out.sizes().vec();
  if (output_ == ModelOutput::reconstruction) {
    if (shape != std::vector<std::int64_t>{n, d})
      throw core::InputError("the model returns " + c10::str(out.sizes()) + " for a [" + std::to_string(n) + ", " + std::to_string(d) +
                             "] batch; a reconstruction model must return its input's shape");
    out = (out - in).pow(2).mean(1);
  } else if (!(shape == std::vector<std::int64_t>{n} || shape == std::vector<std::int64_t>{n, 1})) {
    throw core::InputError("the model returns " + c10::str(out.sizes()) + " for a [" + std::to_string(n) + ", " + std::to_string(d) +
                           "] batch; a score model must return [" + std::to_string(n) + "] or [" + std::to_string(n) + ", 1]");
  }
  std::memcpy(scores.data(), out.contiguous().data_ptr<float>(), batch * sizeof(float));
}

}  // namespace twinbench::ai
