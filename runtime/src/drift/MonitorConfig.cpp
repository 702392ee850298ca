// The drift monitor's settings as JSON: a scenario's "lifecycle.drift", and twinbench-edge's "edge_ai.drift".
#include <cmath>

#include "twinbench/core/JsonReader.hpp"
#include "twinbench/runtime/drift/Monitor.hpp"

namespace twinbench::runtime::drift {

MonitorConfig read_monitor_config(const core::JsonObject& o) {
  o.allow({"block_s", "window_blocks", "page_hinkley", "psi", "ks_alpha", "ks_min_statistic", "min_window_samples", "cooldown_s", "reference",
           "baseline_s"});
  MonitorConfig c;
  c.block_us = std::llround(o.positive_or("block_s", static_cast<double>(c.block_us) * 1e-6) * 1e6);
  c.window_blocks = static_cast<std::uint32_t>(o.integer_or("window_blocks", 1, 10'000, c.window_blocks));
  if (auto ph = o.optional_object("page_hinkley")) {
    ph->allow({"delta", "lambda", "min_blocks"});
    c.page_hinkley.delta = ph->non_negative_or("delta", c.page_hinkley.delta);
    c.page_hinkley.lambda = ph->positive_or("lambda", c.page_hinkley.lambda);
    c.page_hinkley.min_samples = ph->integer_or("min_blocks", 1, 1'000'000, c.page_hinkley.min_samples);
  }
  c.psi_threshold = o.positive_or("psi", c.psi_threshold);
  c.ks_alpha = o.probability_or("ks_alpha", c.ks_alpha);
  c.ks_min_statistic = o.probability_or("ks_min_statistic", c.ks_min_statistic);
  c.min_window_samples = o.integer_or("min_window_samples", 1, UINT64_MAX, c.min_window_samples);
  c.cooldown_us = std::llround(o.non_negative_or("cooldown_s", static_cast<double>(c.cooldown_us) * 1e-6) * 1e6);
  const std::string reference = o.string_or("reference", "package");
  if (reference == "site_baseline") {
    c.baseline_us = std::llround(o.positive_or("baseline_s", 86'400) * 1e6);
  } else if (reference != "package") {
    o.fail("reference", "expected \"package\" (the model's reference as it is) or \"site_baseline\" (each gateway's first baseline_s, in the "
                        "model's bins), got '" + reference + "'");
  } else if (o.has("baseline_s")) {
    o.fail("baseline_s", "only with \"reference\": \"site_baseline\"");
  }
  return c;
}

}  // namespace twinbench::runtime::drift
