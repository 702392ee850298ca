#pragma once
// Statistics over a sweep's seeds: summaries with confidence intervals (Student's t for means, Wilson for
// proportions), and the two-sample tests that compare a baseline with a candidate (Welch's t, Mann-Whitney
// U) with an effect size. Implemented here from their definitions (the regularized incomplete beta
// function for Student's t), so results depend on no statistics library.

#include <cstddef>
#include <span>
#include <vector>

namespace twinbench::results::stats {

double mean(std::span<const double> x);
/** @brief Sample standard deviation (n - 1); 0 for fewer than two values. */
double sd(std::span<const double> x);
/** @brief Quantile q of `x` with linear interpolation between order statistics (R's type 7, NumPy's default). */
double quantile(std::vector<double> x, double q);

/** @brief P(T <= t) for Student's t with `df` degrees of freedom (df > 0, not necessarily whole). */
double t_cdf(double t, double df);
/** @brief The t with P(T <= t) = p. */
double t_quantile(double p, double df);
/** @brief The standard normal's quantile. */
double normal_quantile(double p);

struct Interval {
  double low = 0, high = 0;
};
/** @brief The confidence interval of the mean of `x` (Student's t); the mean itself for fewer than two values. */
Interval mean_ci(std::span<const double> x, double level = 0.95);
/** @brief Wilson's score interval for a proportion of `successes` in `trials` (trials > 0). */
Interval wilson(double successes, double trials, double level = 0.95);

struct TwoSample {
  double statistic = 0;  ///< Welch: t; Mann-Whitney: U of the candidate
  double df = 0;         ///< Welch only
  double p = 1;          ///< two-sided
  double effect = 0;     ///< Welch: Hedges' g (candidate - baseline, pooled sd); Mann-Whitney: rank-biserial correlation
};
/** @brief Welch's unequal-variances t-test of b against a. Equal constant samples: p = 1; different constant ones: p = 0. */
TwoSample welch(std::span<const double> a, std::span<const double> b);
/** @brief Mann-Whitney U test of b against a (normal approximation with tie correction and continuity correction). */
TwoSample mann_whitney(std::span<const double> a, std::span<const double> b);

/** @brief Holm's step-down adjustment of p-values (family-wise error over several KPIs). */
std::vector<double> holm(const std::vector<double>& p);

}  // namespace twinbench::results::stats
