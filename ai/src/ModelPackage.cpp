#include "twinbench/ai/ModelPackage.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "twinbench/core/Random.hpp"

namespace twinbench::ai {

using core::JsonObject;
using nlohmann::json;

std::string ModelPackage::weights_path() const { return (std::filesystem::path(dir) / manifest.weights_file).string(); }

std::string to_string(ModelOutput o) { return o == ModelOutput::reconstruction ? "reconstruction" : "score"; }

std::string file_hash(const std::string& path) {
  const std::uint64_t h = core::fnv1a64(core::read_text_file(path, "model weights", kModelBytesMax));
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

namespace {

std::vector<float> floats(const JsonObject& o, const char* key, std::size_t n, bool positive) {
  const auto items = o.array(key, true);
  if (items.size() != n) o.fail(key, "expected " + std::to_string(n) + " numbers (one per channel), got " + std::to_string(items.size()));
  std::vector<float> out;
  for (const auto& [j, path] : items) {
    if (!j->is_number() || !std::isfinite(j->get<double>()) || (positive && j->get<double>() <= 0))
      JsonObject::fail_at(o.file(), path, std::string("expected a ") + (positive ? "positive " : "") + "number, got " + JsonObject::show(*j));
    out.push_back(j->get<float>());
  }
  return out;
}

}  // namespace

const twins::AssetClass& read_asset_class(const JsonObject& o, std::string_view key) {
  const std::string name = o.string_or(key, "compressor");
  const twins::AssetClass* c = twins::find_asset_class(name);
  if (!c) o.fail(key, "unknown asset class '" + name + "' (expected one of: " + twins::asset_class_names() + ")");
  return *c;
}

std::vector<std::string> read_channels(const JsonObject& o, std::string_view key, const twins::AssetDescriptor& asset) {
  std::vector<std::string> out;
  for (const auto& [j, path] : o.array(key, true)) {
    if (!j->is_string() || !asset.channel(j->get<std::string>()))
      JsonObject::fail_at(o.file(), path, "expected a channel of the " + asset.name + " class (" + asset.channel_names() + "), got " + JsonObject::show(*j));
    if (std::find(out.begin(), out.end(), j->get<std::string>()) != out.end())
      JsonObject::fail_at(o.file(), path, "channel " + JsonObject::show(*j) + " is listed twice");
    out.push_back(j->get<std::string>());
  }
  if (out.empty()) o.fail(key, "expected at least one channel");
  return out;
}

ModelPackage load_package(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    throw core::InputError(dir + ": not a model package (expected a folder with manifest.json and the weights)");
  ModelPackage p;
  p.dir = dir;
  const std::string file = (fs::path(dir) / "manifest.json").string();
  const json doc = core::parse_json(core::read_text_file(file, "model manifest"), file);
  const JsonObject root(doc, "", file);
  root.allow({"format", "model_id", "version", "output", "asset_class", "features", "threshold", "weights", "training", "validation", "reference"});
  if (root.string("format") != kManifestFormat)
    root.fail("format", "expected \"" + std::string(kManifestFormat) + "\", got '" + root.string("format") + "'");
  Manifest& m = p.manifest;
  m.model_id = root.string("model_id");
  m.version = root.string("version");
  const std::string output = root.string("output");
  if (output == "reconstruction") m.output = ModelOutput::reconstruction;
  else if (output == "score") m.output = ModelOutput::score;
  else root.fail("output", "expected \"reconstruction\" (an autoencoder) or \"score\" (one score per window), got '" + output + "'");

  const twins::AssetClass& asset = read_asset_class(root, "asset_class");
  m.asset_class = asset.descriptor.name;
  const JsonObject f = root.object("features");
  f.allow({"channels", "window", "hop", "period_s", "mean", "scale"});
  m.channels = read_channels(f, "channels", asset.descriptor);
  m.features.channels = static_cast<std::uint32_t>(m.channels.size());
  m.features.window = static_cast<std::uint32_t>(f.integer("window", 1, 10'000));
  m.features.hop = static_cast<std::uint32_t>(f.integer("hop", 1, m.features.window));
  m.period_s = f.non_negative_or("period_s", 0);
  m.features.mean = floats(f, "mean", m.channels.size(), false);
  m.features.scale = floats(f, "scale", m.channels.size(), true);
  m.threshold = root.number_or("threshold", std::nan(""));
  if (!std::isfinite(m.threshold)) root.fail("threshold", "expected a number (the default alert threshold on the score)");

  const JsonObject w = root.object("weights");
  w.allow({"file", "hash"});
  m.weights_file = w.string("file");
  if (m.weights_file.empty() || m.weights_file.find('/') != std::string::npos || m.weights_file.find("..") != std::string::npos)
    w.fail("file", "expected a file name inside the package folder, got '" + m.weights_file + "'");
  m.weights_hash = w.string("hash");
  const std::string actual = file_hash(p.weights_path());
  if (actual != m.weights_hash)
    throw core::InputError(p.weights_path() + ": the file's hash is " + actual + " but " + file +
                           " says " + m.weights_hash + " (a corrupt or replaced weights file)");
  if (auto r = root.optional_object("reference")) {
    r->allow({"samples", "streams"});
    m.reference.samples = r->integer("samples", 1, UINT64_MAX);
    const auto streams = r->array("streams", true);
    if (streams.size() != m.channels.size() + 1)
      r->fail("streams", "expected " + std::to_string(m.channels.size() + 1) + " streams (one per channel, then the log score), got " +
                             std::to_string(streams.size()));
    for (const auto& [j, path] : streams) {
      const JsonObject o(*j, path, file);
      o.allow({"name", "mean", "sd", "cuts", "shares"});
      runtime::drift::StreamReference sr;
      sr.mean = o.number_or("mean", 0);
      sr.sd = o.positive("sd");
      for (const auto& [c, cpath] : o.array("cuts", true)) {
        if (!c->is_number()) JsonObject::fail_at(file, cpath, "expected a number, got " + JsonObject::show(*c));
        if (!sr.cuts.empty() && c->get<double>() <= sr.cuts.back()) JsonObject::fail_at(file, cpath, "expected cut points in strictly ascending order");
        sr.cuts.push_back(c->get<double>());
      }
      for (const auto& [c, cpath] : o.array("shares", false)) {
        if (!c->is_number() || c->get<double>() < 0 || c->get<double>() > 1) JsonObject::fail_at(file, cpath, "expected a share in [0, 1]");
        sr.shares.push_back(c->get<double>());
      }
      if (!sr.shares.empty() && sr.shares.size() != sr.cuts.size() + 1)
        o.fail("shares", "expected one share per bin: " + std::to_string(sr.cuts.size() + 1) + " for " + std::to_string(sr.cuts.size()) + " cuts");
      m.reference.streams.push_back(std::move(sr));
    }
  }
  if (root.has("training")) m.training = nlohmann::ordered_json::parse(doc["training"].dump());
  if (root.has("validation")) m.validation = nlohmann::ordered_json::parse(doc["validation"].dump());
  return p;
}

runtime::drift::StreamReference stream_reference(std::vector<double> values, std::size_t bins) {
  std::erase_if(values, [](double v) { return std::isnan(v); });
  runtime::drift::StreamReference r;
  if (values.empty()) return r;
  std::sort(values.begin(), values.end());
  double sum = 0, sq = 0;
  for (double v : values) sum += v;
  r.mean = sum / static_cast<double>(values.size());
  for (double v : values) sq += (v - r.mean) * (v - r.mean);
  r.sd = std::max(1e-6, std::sqrt(sq / static_cast<double>(values.size())));
  auto round6 = [](double x) { return std::round(x * 1e6) / 1e6; };
  r.mean = round6(r.mean);
  r.sd = std::max(1e-6, round6(r.sd));
  // Cut at the quantiles, each cut once: a value many readings share (a quantised sensor, a load/unload
  // level) makes a bin of its own rather than empty ones, and each bin's share is what the data says.
  for (std::size_t k = 1; k < bins; ++k) {
    const double c = values[k * values.size() / bins];  // exact: a cut is a value of the data, so no bin is empty
    if (r.cuts.empty() || c > r.cuts.back()) r.cuts.push_back(c);
  }
  // Bin k holds cuts[k-1] <= v < cuts[k], as the monitor counts (a value equal to a cut goes to the bin above).
  std::size_t below = 0;
  for (std::size_t k = 0; k <= r.cuts.size(); ++k) {
    const std::size_t at = k < r.cuts.size() ? static_cast<std::size_t>(std::lower_bound(values.begin(), values.end(), r.cuts[k]) - values.begin())
                                             : values.size();
    r.shares.push_back(round6(static_cast<double>(at - below) / static_cast<double>(values.size())));
    below = at;
  }
  return r;
}

nlohmann::ordered_json to_json(const Manifest& m) {
  nlohmann::ordered_json j;
  j["format"] = kManifestFormat;
  j["model_id"] = m.model_id;
  j["version"] = m.version;
  j["output"] = to_string(m.output);
  j["asset_class"] = m.asset_class;
  j["features"] = {{"channels", m.channels}, {"window", m.features.window}, {"hop", m.features.hop}, {"period_s", m.period_s},
                   {"mean", m.features.mean}, {"scale", m.features.scale}};
  j["threshold"] = m.threshold;
  j["weights"] = {{"file", m.weights_file}, {"hash", m.weights_hash}};
  if (!m.reference.streams.empty()) {
    nlohmann::ordered_json streams = nlohmann::ordered_json::array();
    for (std::size_t i = 0; i < m.reference.streams.size(); ++i) {
      const auto& sr = m.reference.streams[i];
      const std::string name = i < m.channels.size() ? m.channels[i] : "log_score";
      streams.push_back({{"name", name}, {"mean", sr.mean}, {"sd", sr.sd}, {"cuts", sr.cuts}, {"shares", sr.shares}});
    }
    j["reference"] = {{"samples", m.reference.samples}, {"streams", streams}};
  }
  j["training"] = m.training;
  j["validation"] = m.validation;
  return j;
}

namespace {
double validation_number(const Manifest& m, const char* key, double fallback) {
  const auto it = m.validation.find(key);
  return it != m.validation.end() && it->is_number() ? it->get<double>() : fallback;
}
}  // namespace

double healthy_quantile(const Manifest& m) { return validation_number(m, "healthy_quantile", 0.999); }
double threshold_margin(const Manifest& m) { return validation_number(m, "margin", 1.5); }

}  // namespace twinbench::ai
