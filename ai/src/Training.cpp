#include "TorchImpl.hpp"

#include <ATen/Parallel.h>
#include <torch/csrc/jit/runtime/graph_executor.h>
#include <torch/optim/adam.h>
#include <torch/script.h>
#include <torch/version.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "twinbench/ai/TorchScorer.hpp"
#include "twinbench/core/Random.hpp"

namespace twinbench::ai {

namespace fs = std::filesystem;
using core::JsonObject;
using nlohmann::json;

namespace {

std::string fmt(const char* f, double v) {
  char buf[48];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

double round6(double x) { return std::round(x * 1e6) / 1e6; }

/** TorchScript source of an autoencoder with tanh hidden layers `dims` = in, h1, ..., hk, ..., h1, in. */
std::string autoencoder_source(std::size_t layers) {
  std::string src = "def forward(self, x):\n    h = x\n";
  for (std::size_t i = 0; i < layers; ++i) {
    const std::string n = std::to_string(i);
    src += "    h = torch.addmm(self.b" + n + ", h, self.w" + n + ")\n";
    if (i + 1 < layers) src += "    h = torch.tanh(h)\n";
  }
  return src + "    return h\n";
}

torch::jit::Module build_autoencoder(std::size_t input_dim, const std::vector<std::uint32_t>& hidden) {
  std::vector<std::int64_t> dims = {static_cast<std::int64_t>(input_dim)};
  for (auto h : hidden) dims.push_back(h);
  for (auto it = hidden.rbegin() + 1; it != hidden.rend(); ++it) dims.push_back(*it);
  dims.push_back(static_cast<std::int64_t>(input_dim));
  torch::jit::Module m("TwinbenchAutoencoder");
  for (std::size_t i = 0; i + 1 < dims.size(); ++i) {
    const double a = std::sqrt(6.0 / static_cast<double>(dims[i] + dims[i + 1]));  // Xavier uniform
    std::string w = "w", b = "b";  // built with += : GCC 12 warns falsely (-Wrestrict) on "w" + to_string(i)
    w += std::to_string(i);
    b += std::to_string(i);
    m.register_parameter(w, (torch::rand({dims[i], dims[i + 1]}) * 2 - 1) * a, false);
    m.register_parameter(b, torch::zeros({dims[i + 1]}), false);
  }
  m.define(autoencoder_source(dims.size() - 1));
  return m;
}

std::vector<float> scores_of(TorchScorer& scorer, const Windows& w) {
  std::vector<float> s(w.size());
  constexpr std::size_t kBatch = 1024;
  for (std::size_t i = 0; i < w.size(); i += kBatch) {
    const std::size_t n = std::min(kBatch, w.size() - i);
    scorer.score(std::span<const float>(w.x.data() + i * w.dim, n * w.dim), n, std::span<float>(s.data() + i, n));
  }
  return s;
}

double quantile(std::vector<float> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const auto k = static_cast<std::size_t>(std::ceil(q * static_cast<double>(v.size()))) - 1;
  return v[std::min(k, v.size() - 1)];
}

/** Adam on shuffled minibatches of `w` (the shuffle from `rng`); the mean loss of the last epoch. */
double fit(torch::jit::Module& model, const Windows& w, std::uint32_t epochs, std::uint32_t batch_size, double learning_rate,
           const core::Rng& rng, const std::function<void(const std::string&)>& say) {
  std::vector<torch::Tensor> params;
  for (const auto& p : model.parameters()) params.push_back(p.set_requires_grad(true));
  torch::optim::Adam opt(params, torch::optim::AdamOptions(learning_rate));
  const auto n = static_cast<std::int64_t>(w.size());
  const torch::Tensor x = torch::from_blob(const_cast<float*>(w.x.data()), {n, static_cast<std::int64_t>(w.dim)}, torch::kFloat32);
  core::RngStream shuffle = rng.stream("train/shuffle");
  std::vector<std::int64_t> order(static_cast<std::size_t>(n));
  double loss_mean = 0;
  for (std::uint32_t epoch = 0; epoch < epochs; ++epoch) {
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = static_cast<std::int64_t>(i);
    for (std::size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[shuffle.below(i)]);
    double loss_sum = 0;
    std::int64_t batches = 0;
    for (std::int64_t b = 0; b < n; b += batch_size) {
      const std::int64_t len = std::min<std::int64_t>(batch_size, n - b);
      const torch::Tensor idx = torch::from_blob(order.data() + b, {len}, torch::kInt64);
      const torch::Tensor batch = x.index_select(0, idx);
      opt.zero_grad();
      const torch::Tensor loss = torch::mse_loss(model.forward({batch}).toTensor(), batch);
      loss.backward();
      opt.step();
      loss_sum += loss.item<double>();
      ++batches;
    }
    loss_mean = batches ? loss_sum / static_cast<double>(batches) : 0;
    if (say) say("epoch " + std::to_string(epoch + 1) + "/" + std::to_string(epochs) + ": loss " + fmt("%.6f", loss_mean));
  }
  for (auto& p : params) p.set_requires_grad(false);
  return loss_mean;
}

/** The drift reference of a package: each channel's normalised values in `raw`, and the log of `healthy` scores. */
runtime::drift::Reference drift_reference(const RawSamples& raw, const Manifest& m, const std::vector<float>& healthy) {
  runtime::drift::Reference ref;
  for (std::uint32_t c = 0; c < raw.channels; ++c) {
    std::vector<double> z;
    z.reserve(raw.values.size() / raw.channels);
    for (std::size_t i = c; i < raw.values.size(); i += raw.channels) z.push_back((raw.values[i] - m.features.mean[c]) / m.features.scale[c]);
    ref.streams.push_back(stream_reference(std::move(z)));
  }
  std::vector<double> log_score;
  for (float s : healthy) log_score.push_back(std::log(std::max<double>(s, 1e-9)));
  ref.streams.push_back(stream_reference(std::move(log_score)));
  ref.samples = healthy.size();
  return ref;
}

/** Write the manifest into `staging` (which holds the weights) and move the folder to `out`. */
void finish_package(const Manifest& m, const fs::path& staging, const fs::path& out) {
  {
    std::ofstream o(staging / "manifest.json", std::ios::binary);
    o << to_json(m).dump(2) << '\n';
    if (!o) throw core::InputError((staging / "manifest.json").string() + ": cannot write the manifest");
  }
  std::error_code ec;
  fs::remove_all(out, ec);
  fs::rename(staging, out, ec);
  if (ec) throw core::InputError(out.string() + ": cannot move the finished package into place: " + ec.message());
}

/** A fresh staging folder next to `out`. */
fs::path make_staging(const fs::path& out) {
  const fs::path staging = out.string() + ".partial";
  std::error_code ec;
  fs::remove_all(staging, ec);
  fs::create_directories(staging, ec);
  if (ec) throw core::InputError(staging.string() + ": cannot create the package folder: " + ec.message());
  return staging;
}

}  // namespace

Manifest train_with_torch(const TrainingSpec& spec, const std::string& out_dir, const std::function<void(const std::string&)>& progress) {
  auto say = [&](const std::string& line) {
    if (progress) progress(line);
  };
  use_one_torch_thread();
  torch::jit::setGraphExecutorOptimize(false);  // the plain interpreter: same arithmetic on every call
  torch::manual_seed(spec.seed);
  const core::Rng rng(spec.seed);

  // 1. Data: healthy fleets, simulated.
  const twins::AssetDescriptor& asset = spec.train.asset->descriptor;  // the spec's loader resolved it
  say("simulating " + std::to_string(spec.train.devices) + " healthy " + asset.name + " devices for training");
  const RawSamples train_raw = simulate_fleet(spec.train, spec.channels, rng, "train");
  Manifest m;
  m.model_id = spec.model_id;
  m.version = spec.version;
  m.output = ModelOutput::reconstruction;
  m.asset_class = asset.name;
  m.channels = spec.channels;
  m.features.channels = static_cast<std::uint32_t>(spec.channels.size());
  m.features.window = spec.window;
  m.features.hop = spec.hop;
  m.period_s = spec.train.period_s;
  normalisation(train_raw, m.features.mean, m.features.scale);
  const Windows train_w = make_windows(train_raw, m.features);
  const std::uint64_t data_hash =
      core::fnv1a64(std::string_view(reinterpret_cast<const char*>(train_raw.values.data()), train_raw.values.size() * sizeof(float)));

  // 2. Train the autoencoder: Adam on shuffled minibatches, the shuffle from the seed.
  torch::jit::Module model = build_autoencoder(train_w.dim, spec.hidden);
  const double loss_mean = fit(model, train_w, spec.epochs, spec.batch_size, spec.learning_rate, rng, say);

  // 3. Write the package into a staging folder; validate it through the serving path.
  const fs::path out(out_dir);
  const fs::path staging = make_staging(out);
  model.save((staging / m.weights_file).string());
  m.weights_hash = file_hash((staging / m.weights_file).string());
  m.threshold = 0;
  ModelPackage pkg{staging.string(), m};
  TorchScorer scorer(pkg);

  say("validating on " + std::to_string(spec.validation.devices) + " healthy and " + std::to_string(spec.validation.devices) + " faulty ones");
  const std::vector<float> healthy = scores_of(scorer, make_windows(simulate_fleet(spec.validation, spec.channels, rng, "validation/healthy"), m.features));
  m.threshold = round6(quantile(healthy, spec.healthy_quantile) * spec.margin);

  const double onset_s = std::floor(spec.validation.duration_s / 3.0);
  std::vector<InjectedFault> faults;
  const std::size_t modes_n = asset.faults.size();
  for (std::uint32_t i = 0; i < spec.validation.devices; ++i) faults.push_back({i % modes_n, onset_s, spec.fault_ramp_s});
  const Windows faulty_w = make_windows(simulate_fleet(spec.validation, spec.channels, rng, "validation/faulty", faults), m.features);
  const std::vector<float> faulty = scores_of(scorer, faulty_w);

  m.reference = drift_reference(train_raw, m, healthy);  // for the gateways' drift monitors
  std::uint64_t fp = 0, healthy_windows = healthy.size(), pos = 0, tp = 0;
  for (float s : healthy) fp += s > m.threshold;
  struct ModeStats {
    std::uint64_t devices = 0, detected = 0;
    double delay_s = 0;
  };
  std::vector<ModeStats> modes(modes_n);
  std::vector<double> first_alert(spec.validation.devices, -1);
  const double developed_s = onset_s + 0.25 * spec.fault_ramp_s;  // severity 1/16
  for (std::size_t i = 0; i < faulty_w.size(); ++i) {
    const double t = faulty_w.end_s[i];
    const bool alert = faulty[i] > m.threshold;
    if (t < onset_s) {
      ++healthy_windows;
      fp += alert;
    } else if (t >= developed_s) {
      ++pos;
      tp += alert;
    }
    if (alert && t >= onset_s && t < onset_s + spec.fault_ramp_s && first_alert[faulty_w.device[i]] < 0) first_alert[faulty_w.device[i]] = t;
  }
  std::uint64_t detected = 0;
  for (std::uint32_t d = 0; d < spec.validation.devices; ++d) {
    ModeStats& ms = modes[d % modes_n];
    ++ms.devices;
    if (first_alert[d] >= 0) ++ms.detected, ++detected, ms.delay_s += first_alert[d] - onset_s;
  }
  nlohmann::ordered_json by_mode;
  for (std::size_t k = 0; k < modes_n; ++k) {
    const ModeStats& ms = modes[k];
    by_mode[asset.faults[k].name] = {
        {"devices", ms.devices}, {"detected", ms.detected},
        {"mean_detection_delay_h", ms.detected ? round6(ms.delay_s / static_cast<double>(ms.detected) / 3600.0) : 0.0}};
  }
  char hash[17];
  std::snprintf(hash, sizeof hash, "%016llx", static_cast<unsigned long long>(data_hash));
  m.training = {{"spec", fs::path(spec.file).filename().string()}, {"seed", spec.seed}, {"data_hash", hash},
                {"devices", spec.train.devices},  {"period_s", spec.train.period_s},       {"duration_s", spec.train.duration_s},
                {"windows", train_w.size()},       {"hidden", spec.hidden},                 {"epochs", spec.epochs},
                {"batch_size", spec.batch_size},   {"learning_rate", spec.learning_rate},   {"final_loss", round6(loss_mean)},
                {"libtorch", TORCH_VERSION}};
  nlohmann::ordered_json climates = nlohmann::ordered_json::array();
  for (const auto& a : spec.train.ambients) climates.push_back({{"mean_c", a.mean_c}, {"amplitude_c", a.amplitude_c}});
  m.training["ambients"] = climates;
  m.validation = {{"healthy_quantile", spec.healthy_quantile},
                  {"margin", spec.margin},
                  {"healthy_score_p50", round6(quantile(healthy, 0.5))},
                  {"healthy_score_quantile", round6(quantile(healthy, spec.healthy_quantile))},
                  {"healthy_windows", healthy_windows},
                  {"false_positive_rate", healthy_windows ? round6(static_cast<double>(fp) / static_cast<double>(healthy_windows)) : 0.0},
                  {"fault_onset_s", onset_s},
                  {"fault_ramp_s", spec.fault_ramp_s},
                  {"developed_fault_windows", pos},
                  {"window_recall", pos ? round6(static_cast<double>(tp) / static_cast<double>(pos)) : 0.0},
                  {"faulty_devices", spec.validation.devices},
                  {"devices_detected", detected},
                  {"by_mode", by_mode}};
  finish_package(m, staging, out);
  say("wrote " + out.string() + ": threshold " + fmt("%.6g", m.threshold) + ", false positives " +
      fmt("%.4f", m.validation["false_positive_rate"].get<double>()) + ", window recall " + fmt("%.4f", m.validation["window_recall"].get<double>()) +
      ", devices detected " + std::to_string(detected) + "/" + std::to_string(spec.validation.devices));
  return m;
}

namespace {

/** Devices [from, to) of `raw`. */
RawSamples devices_of(const RawSamples& raw, std::uint32_t from, std::uint32_t to) {
  RawSamples r = raw;
  r.devices = to - from;
  const std::size_t per = std::size_t{raw.steps} * raw.channels;
  r.values.assign(raw.values.begin() + static_cast<std::ptrdiff_t>(from * per), raw.values.begin() + static_cast<std::ptrdiff_t>(to * per));
  return r;
}

}  // namespace

Manifest retrain_with_torch(const RetrainSpec& spec, const ModelPackage& parent, const RawSamples& data, const std::string& out_dir) {
  use_one_torch_thread();
  torch::jit::setGraphExecutorOptimize(false);
  torch::manual_seed(spec.seed);
  const core::Rng rng(spec.seed);
  if (data.channels != parent.manifest.channels.size())
    throw core::InputError("retraining data has " + std::to_string(data.channels) + " channels, the model reads " +
                           std::to_string(parent.manifest.channels.size()));
  const auto holdout = static_cast<std::uint32_t>(std::clamp(std::lround(spec.holdout_fraction * data.devices), 1L, static_cast<long>(data.devices) - 1));
  if (data.devices < 2 || data.steps < parent.manifest.features.window * 2)
    throw core::InputError("too little data to retrain on: " + std::to_string(data.devices) + " devices x " + std::to_string(data.steps) + " samples");
  const RawSamples train_raw = devices_of(data, 0, data.devices - holdout);
  const RawSamples held_raw = devices_of(data, data.devices - holdout, data.devices);

  Manifest m = parent.manifest;
  m.version = spec.version;
  normalisation(train_raw, m.features.mean, m.features.scale);  // the data the model now stands for
  const Windows train_w = make_windows(train_raw, m.features);
  if (train_w.size() == 0) throw core::InputError("retraining data makes no complete window");
  torch::jit::Module model = torch::jit::load(parent.weights_path());  // fine-tuned from the parent's weights
  const double loss = fit(model, train_w, spec.epochs, spec.batch_size, spec.learning_rate, rng, {});
  double params = 0;
  for (const auto& p : model.parameters()) params += static_cast<double>(p.numel());

  const fs::path out(out_dir);
  const fs::path staging = make_staging(out);
  model.save((staging / m.weights_file).string());
  m.weights_hash = file_hash((staging / m.weights_file).string());
  m.threshold = 0;
  TorchScorer scorer(ModelPackage{staging.string(), m});
  const std::vector<float> healthy = scores_of(scorer, make_windows(held_raw, m.features));
  m.threshold = round6(quantile(healthy, spec.healthy_quantile) * spec.margin);
  m.reference = drift_reference(train_raw, m, healthy);
  const std::uint64_t data_hash =
      core::fnv1a64(std::string_view(reinterpret_cast<const char*>(data.values.data()), data.values.size() * sizeof(float)));
  char hash[17];
  std::snprintf(hash, sizeof hash, "%016llx", static_cast<unsigned long long>(data_hash));
  std::uint64_t over = 0;
  for (float s : healthy) over += s > m.threshold;
  m.training = {{"parent", parent.manifest.version},
                {"data", spec.data},
                {"data_hash", hash},
                {"seed", spec.seed},
                {"devices", train_raw.devices},
                {"samples_per_device", data.steps},
                {"windows", train_w.size()},
                {"epochs", spec.epochs},
                {"batch_size", spec.batch_size},
                {"learning_rate", spec.learning_rate},
                {"final_loss", round6(loss)},
                // forward 2 and backward 4 flops per weight and window, each epoch
                {"flops", 6.0 * params * static_cast<double>(train_w.size()) * spec.epochs},
                {"libtorch", TORCH_VERSION}};
  m.validation = {{"holdout_devices", holdout},
                  {"healthy_quantile", spec.healthy_quantile},
                  {"margin", spec.margin},
                  {"healthy_windows", healthy.size()},
                  {"healthy_score_p50", round6(quantile(healthy, 0.5))},
                  {"healthy_score_quantile", round6(quantile(healthy, spec.healthy_quantile))},
                  {"false_positive_rate", healthy.empty() ? 0.0 : round6(static_cast<double>(over) / static_cast<double>(healthy.size()))}};
  finish_package(m, staging, out);
  return m;
}

}  // namespace twinbench::ai
