#pragma once
// A site baseline: a gateway learns its own alert threshold from the scores of its first hours
// (commissioning, on a healthy plant), by the rule the model package's threshold was chosen with on the
// training data: a quantile of the healthy scores times a margin. A model reused at a site hotter, colder
// or busier than its training data then alerts on what is unusual for that site, not on the site itself.

#include <cstdint>
#include <optional>
#include <vector>

#include "twinbench/runtime/ports/Clock.hpp"

namespace twinbench::core {
class JsonObject;
}

namespace twinbench::runtime {

struct SiteBaseline {
  TimeUs duration_us = 0;  ///< learning time, from when the detector starts (no alerts meanwhile)
  double quantile = 0.999;
  double margin = 1.5;
};

/**
 * @brief Settings from JSON (`edge_ai.site_baseline`): `duration_s` (required), `quantile` and `margin`
 * (defaulting to the model package's own). Bad input: core::InputError naming the path.
 */
SiteBaseline read_site_baseline(const core::JsonObject& o, double default_quantile, double default_margin);

/**
 * The scores of a learning period in bounded memory: a histogram of log10(score) from 1e-8 to 1e4 in
 * 4096 bins (0.3 % of a decade each). The threshold is the upper edge of the bin that holds the
 * quantile (never below the exact quantile, at most 0.7 % above it), times the margin.
 */
class BaselineLearner {
public:
  explicit BaselineLearner(SiteBaseline b) : b_(b), bins_(kBins, 0) {}
  void add(float score);
  std::uint64_t windows() const { return n_; }
  /** @brief Fewer scores than this cannot place the quantile (ten expected above it). */
  std::uint64_t min_windows() const;
  /** @brief The learned threshold; none with fewer than min_windows() scores. */
  std::optional<double> threshold() const;

  static constexpr std::size_t kBins = 4096;

private:
  SiteBaseline b_;
  std::vector<std::uint32_t> bins_;
  std::uint64_t n_ = 0;
};

}  // namespace twinbench::runtime
