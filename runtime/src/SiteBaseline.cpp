#include "twinbench/runtime/SiteBaseline.hpp"

#include <algorithm>
#include <cmath>

#include "twinbench/core/JsonReader.hpp"

namespace twinbench::runtime {

namespace {
constexpr double kLogLow = -8, kLogHigh = 4;
double decades_per_bin() { return (kLogHigh - kLogLow) / static_cast<double>(BaselineLearner::kBins); }
}  // namespace

SiteBaseline read_site_baseline(const core::JsonObject& o, double default_quantile, double default_margin) {
  o.allow({"duration_s", "quantile", "margin"});
  SiteBaseline b;
  b.duration_us = static_cast<TimeUs>(std::llround(o.positive("duration_s") * 1e6));
  b.quantile = o.number_or("quantile", default_quantile);
  if (!(b.quantile > 0.5 && b.quantile < 1)) o.fail("quantile", "expected a quantile of the healthy scores between 0.5 and 1 (exclusive), such as 0.999");
  b.margin = o.positive_or("margin", default_margin);
  return b;
}

void BaselineLearner::add(float score) {
  const double l = std::log10(std::max(static_cast<double>(score), 1e-30));
  const double x = std::floor((l - kLogLow) / decades_per_bin());
  ++bins_[static_cast<std::size_t>(std::clamp(x, 0.0, static_cast<double>(kBins - 1)))];
  ++n_;
}

std::uint64_t BaselineLearner::min_windows() const { return static_cast<std::uint64_t>(std::ceil(10.0 / (1.0 - b_.quantile))); }

std::optional<double> BaselineLearner::threshold() const {
  if (n_ < min_windows() || n_ == 0) return std::nullopt;
  // The k-th smallest score, k = ceil(q n) (the empirical quantile, as ai::quantile takes it).
  const auto rank = static_cast<std::uint64_t>(std::ceil(b_.quantile * static_cast<double>(n_)));
  std::uint64_t seen = 0;
  std::size_t bin = 0;
  while (bin + 1 < kBins && (seen += bins_[bin]) < rank) ++bin;
  return std::pow(10.0, kLogLow + decades_per_bin() * static_cast<double>(bin + 1)) * b_.margin;
}

}  // namespace twinbench::runtime
