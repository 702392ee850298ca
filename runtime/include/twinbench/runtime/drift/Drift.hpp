#pragma once
// Drift detection against a model's reference statistics (issue 6): a streaming Page-Hinkley test for
// shifts of the mean, and two window tests against a reference sample, the Population Stability Index
// and the two-sample Kolmogorov-Smirnov test. Sans-IO, allocation-free per sample for Page-Hinkley.

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace twinbench::runtime::drift {

/**
 * Page-Hinkley (Page 1954; Hinkley 1971), two-sided: the cumulative deviation from the running mean,
 * less a tolerance `delta`, against its own minimum (increase) or maximum (decrease). An alarm when
 * either gap passes `lambda`; then it starts over.
 */
class PageHinkley {
public:
  /// For values standardized by the reference (z-scores): a quarter-sigma tolerance, and a one-sigma
  /// step alarms after about lambda / 0.75 = 40 samples, with no false alarm in 20,000 stationary ones.
  struct Config {
    double delta = 0.25;    ///< shifts smaller than this are tolerated
    double lambda = 30;     ///< alarm threshold on the cumulative gap
    std::uint64_t min_samples = 30;  ///< no alarm before this many samples (the mean must settle)
  };
  explicit PageHinkley(Config c) : c_(c) {}
  enum class Alarm : std::uint8_t { none, increase, decrease };
  /** @brief Feed one value; an alarm resets the test. */
  Alarm update(double x);
  /** @brief The larger of the two gaps now (the evidence when it alarms). */
  double statistic() const { return last_gap_; }
  std::uint64_t samples() const { return n_; }

private:
  Config c_;
  std::uint64_t n_ = 0;
  double mean_ = 0, up_ = 0, up_min_ = 0, down_ = 0, down_max_ = 0, last_gap_ = 0;
};

/**
 * Population Stability Index of `actual` against `reference`, over `bins` bins cut at the reference's
 * quantiles: sum (a - e) ln(a / e), with empty bins counted as half an observation. Rule of thumb:
 * < 0.1 stable, 0.1-0.25 shifting, > 0.25 drifted.
 */
double psi(std::span<const double> reference, std::span<const double> actual, std::size_t bins = 10);

/**
 * @brief PSI from counts in the reference's bins, whose shares in the reference are `expected` (empty:
 * equally likely bins); an empty bin counts as half a value.
 */
double psi_binned(std::span<const std::uint64_t> counts, std::span<const double> expected = {});

struct KsResult {
  double statistic = 0;  ///< D = sup |F_ref - F_act|
  double p_value = 1;    ///< asymptotic (Kolmogorov distribution, Stephens' small-sample correction)
};
/** @brief Two-sample Kolmogorov-Smirnov test (inputs need not be sorted). */
KsResult ks_two_sample(std::span<const double> a, std::span<const double> b);
/**
 * @brief The KS statistic between the reference (`reference_n` values in bins with shares `expected`,
 * empty: equally likely) and `counts`, evaluated at the bins' edges (a lower bound on D), with its p-value.
 */
KsResult ks_binned(std::span<const std::uint64_t> counts, std::uint64_t reference_n, std::span<const double> expected = {});
/** @brief Q_KS(lambda) = 2 sum_k (-1)^(k-1) exp(-2 k^2 lambda^2): the Kolmogorov distribution's tail. */
double kolmogorov_q(double lambda);

}  // namespace twinbench::runtime::drift
