#include <algorithm>
#include <regex>

#include "twinbench/ai/Training.hpp"
#include "twinbench/core/JsonReader.hpp"

namespace twinbench::ai {

using core::JsonObject;
using nlohmann::json;

namespace {

constexpr std::string_view kSpecFormat = "twinbench-training/1";

FleetDataSpec read_fleet(const JsonObject& o, FleetDataSpec d) {
  o.allow({"devices", "period_s", "duration_s"});
  d.devices = static_cast<std::uint32_t>(o.integer_or("devices", 1, 100'000, d.devices));
  d.period_s = o.positive_or("period_s", d.period_s);
  d.duration_s = o.positive_or("duration_s", d.duration_s);
  return d;
}

}  // namespace

TrainingSpec load_training_spec(const std::string& file) {
  const json doc = core::parse_json(core::read_text_file(file, "training spec"), file);
  const JsonObject root(doc, "", file);
  root.allow({"format", "model_id", "version", "seed", "asset_class", "features", "data", "model", "threshold", "output"});
  if (root.string("format") != kSpecFormat)
    root.fail("format", "expected \"" + std::string(kSpecFormat) + "\", got '" + root.string("format") + "'");
  TrainingSpec s;
  s.file = file;
  s.model_id = root.string("model_id");
  if (!std::regex_match(s.model_id, std::regex("[A-Za-z0-9][A-Za-z0-9._-]{0,63}")))
    root.fail("model_id", "expected a name of letters, digits, '.', '_' or '-' (at most 64), got '" + s.model_id + "'");
  s.version = root.string("version");
  if (!std::regex_match(s.version, std::regex("[0-9]+(\\.[0-9]+){0,2}"))) root.fail("version", "expected a version such as 1 or 1.2.0, got '" + s.version + "'");
  s.seed = root.integer_or("seed", 0, UINT64_MAX, 1);
  const JsonObject f = root.object("features");
  f.allow({"channels", "window", "hop"});
  const twins::AssetClass& asset = read_asset_class(root, "asset_class");
  s.channels = read_channels(f, "channels", asset.descriptor);
  s.window = static_cast<std::uint32_t>(f.integer("window", 2, 1000));
  s.hop = static_cast<std::uint32_t>(f.integer_or("hop", 1, s.window, std::min<std::uint64_t>(s.window, 3)));
  const JsonObject d = root.object("data");
  d.allow({"train", "validation", "ambients", "fault_ramp_s"});
  FleetDataSpec base;
  base.asset = &asset;
  if (d.has("ambients")) {
    base.ambients.clear();
    for (const auto& [j, path] : d.array("ambients", true)) {
      const JsonObject a(*j, path, file);
      a.allow({"mean_c", "amplitude_c"});
      twins::Ambient amb;
      amb.mean_c = a.number_or("mean_c", amb.mean_c);
      amb.amplitude_c = a.non_negative_or("amplitude_c", amb.amplitude_c);
      base.ambients.push_back(amb);
    }
    if (base.ambients.empty()) d.fail("ambients", "expected at least one climate");
  }
  s.train = read_fleet(d.object("train"), base);
  base.devices = 32;
  s.validation = d.optional_object("validation") ? read_fleet(d.object("validation"), base) : base;
  for (const FleetDataSpec* fl : {&s.train, &s.validation})
    if (fl->duration_s < fl->period_s * (s.window + s.hop))
      d.fail(fl == &s.train ? "train" : "validation", "duration_s is too short for even two windows of " + std::to_string(s.window) + " samples");
  s.fault_ramp_s = d.positive_or("fault_ramp_s", s.validation.duration_s * 2.0 / 3.0);
  if (auto m = root.optional_object("model")) {
    m->allow({"hidden", "epochs", "batch_size", "learning_rate"});
    if (m->has("hidden")) {
      s.hidden.clear();
      for (const auto& [j, path] : m->array("hidden", true)) {
        if (!j->is_number_unsigned() || j->get<std::uint64_t>() < 1 || j->get<std::uint64_t>() > 4096)
          JsonObject::fail_at(file, path, "expected a layer width from 1 to 4096, got " + JsonObject::show(*j));
        s.hidden.push_back(j->get<std::uint32_t>());
      }
      if (s.hidden.empty() || s.hidden.size() > 4) m->fail("hidden", "expected 1 to 4 layer widths (the encoder; the decoder mirrors it)");
    }
    s.epochs = static_cast<std::uint32_t>(m->integer_or("epochs", 1, 10'000, s.epochs));
    s.batch_size = static_cast<std::uint32_t>(m->integer_or("batch_size", 1, 65'536, s.batch_size));
    s.learning_rate = m->positive_or("learning_rate", s.learning_rate);
  }
  if (auto t = root.optional_object("threshold")) {
    t->allow({"healthy_quantile", "margin"});
    s.healthy_quantile = t->probability_or("healthy_quantile", s.healthy_quantile);
    if (s.healthy_quantile <= 0 || s.healthy_quantile >= 1) t->fail("healthy_quantile", "expected a quantile strictly between 0 and 1");
    s.margin = t->positive_or("margin", s.margin);
  }
  s.output = root.string_or("output", "");
  return s;
}

}  // namespace twinbench::ai
