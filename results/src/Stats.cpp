#include "twinbench/results/Stats.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>

namespace twinbench::results::stats {

double mean(std::span<const double> x) {
  if (x.empty()) return 0;
  return std::accumulate(x.begin(), x.end(), 0.0) / static_cast<double>(x.size());
}

double sd(std::span<const double> x) {
  if (x.size() < 2) return 0;
  const double m = mean(x);
  double ss = 0;
  for (double v : x) ss += (v - m) * (v - m);
  return std::sqrt(ss / static_cast<double>(x.size() - 1));
}

double quantile(std::vector<double> x, double q) {
  if (x.empty()) return 0;
  std::sort(x.begin(), x.end());
  const double h = (static_cast<double>(x.size()) - 1) * std::clamp(q, 0.0, 1.0);
  const auto lo = static_cast<std::size_t>(std::floor(h));
  const std::size_t hi = std::min(lo + 1, x.size() - 1);
  return x[lo] + (h - static_cast<double>(lo)) * (x[hi] - x[lo]);
}

namespace {

/** The continued fraction of the regularized incomplete beta function (modified Lentz). */
double beta_fraction(double a, double b, double x) {
  constexpr double tiny = 1e-300, eps = 1e-15;
  double c = 1, d = 1 - (a + b) * x / (a + 1);
  if (std::fabs(d) < tiny) d = tiny;
  d = 1 / d;
  double f = d;
  for (int m = 1; m <= 10000; ++m) {
    const double m2 = 2.0 * m;
    double num = m * (b - m) * x / ((a + m2 - 1) * (a + m2));
    d = 1 + num * d;
    c = 1 + num / c;
    if (std::fabs(d) < tiny) d = tiny;
    if (std::fabs(c) < tiny) c = tiny;
    d = 1 / d;
    f *= d * c;
    num = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1));
    d = 1 + num * d;
    c = 1 + num / c;
    if (std::fabs(d) < tiny) d = tiny;
    if (std::fabs(c) < tiny) c = tiny;
    d = 1 / d;
    const double step = d * c;
    f *= step;
    if (std::fabs(step - 1) < eps) break;
  }
  return f;
}

/** I_x(a, b). */
double incomplete_beta(double a, double b, double x) {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const double front = std::exp(std::lgamma(a + b) - std::lgamma(a) - std::lgamma(b) + a * std::log(x) + b * std::log1p(-x));
  // The fraction converges fast for x < (a + 1) / (a + b + 2); use the symmetry I_x(a, b) = 1 - I_{1-x}(b, a) beyond.
  if (x < (a + 1) / (a + b + 2)) return front * beta_fraction(a, b, x) / a;
  return 1 - front * beta_fraction(b, a, 1 - x) / b;
}

double normal_cdf(double z) { return 0.5 * std::erfc(-z / std::sqrt(2.0)); }

/** The x in [lo, hi] with f(x) = target, f increasing. */
template <class F>
double invert(F f, double target, double lo, double hi) {
  while (f(lo) > target) lo = lo * 2 - 1;
  while (f(hi) < target) hi = hi * 2 + 1;
  for (int i = 0; i < 200 && hi - lo > 1e-13 * std::max(1.0, std::fabs(lo)); ++i) {
    const double mid = 0.5 * (lo + hi);
    (f(mid) < target ? lo : hi) = mid;
  }
  return 0.5 * (lo + hi);
}

}  // namespace

double t_cdf(double t, double df) {
  if (!(df > 0)) throw std::invalid_argument("t_cdf: degrees of freedom must be positive");
  if (std::isinf(df)) return normal_cdf(t);
  const double tail = 0.5 * incomplete_beta(df / 2, 0.5, df / (df + t * t));  // P(T > |t|)
  return t >= 0 ? 1 - tail : tail;
}

double t_quantile(double p, double df) {
  if (!(p > 0 && p < 1)) throw std::invalid_argument("t_quantile: p must be in (0, 1)");
  return invert([df](double t) { return t_cdf(t, df); }, p, -10, 10);
}

double normal_quantile(double p) {
  if (!(p > 0 && p < 1)) throw std::invalid_argument("normal_quantile: p must be in (0, 1)");
  return invert(normal_cdf, p, -10, 10);
}

Interval mean_ci(std::span<const double> x, double level) {
  const double m = mean(x);
  if (x.size() < 2) return {m, m};
  const double half = t_quantile(0.5 + level / 2, static_cast<double>(x.size() - 1)) * sd(x) / std::sqrt(static_cast<double>(x.size()));
  return {m - half, m + half};
}

Interval wilson(double successes, double trials, double level) {
  if (!(trials > 0)) throw std::invalid_argument("wilson: no trials");
  const double z = normal_quantile(0.5 + level / 2), p = successes / trials, z2n = z * z / trials;
  const double centre = (p + z2n / 2) / (1 + z2n);
  const double half = z / (1 + z2n) * std::sqrt(p * (1 - p) / trials + z2n / (4 * trials));
  return {std::max(0.0, centre - half), std::min(1.0, centre + half)};
}

TwoSample welch(std::span<const double> a, std::span<const double> b) {
  TwoSample r;
  if (a.size() < 2 || b.size() < 2) return r;
  const double ma = mean(a), mb = mean(b), va = sd(a) * sd(a), vb = sd(b) * sd(b);
  const auto na = static_cast<double>(a.size()), nb = static_cast<double>(b.size());
  const double pooled = std::sqrt(((na - 1) * va + (nb - 1) * vb) / (na + nb - 2));
  const double j = 1 - 3 / (4 * (na + nb) - 9);  // Hedges' small-sample correction of Cohen's d
  if (va + vb == 0) {  // two constants: equal (no evidence of a change) or not (a certain one)
    r.p = ma == mb ? 1 : 0;
    r.statistic = ma == mb ? 0 : std::copysign(std::numeric_limits<double>::infinity(), mb - ma);
    r.effect = ma == mb ? 0 : r.statistic;
    return r;
  }
  const double se2 = va / na + vb / nb;
  r.statistic = (mb - ma) / std::sqrt(se2);
  r.df = se2 * se2 / (va * va / (na * na * (na - 1)) + vb * vb / (nb * nb * (nb - 1)));
  r.p = 2 * (1 - t_cdf(std::fabs(r.statistic), r.df));
  r.effect = pooled > 0 ? j * (mb - ma) / pooled : 0;
  return r;
}

TwoSample mann_whitney(std::span<const double> a, std::span<const double> b) {
  TwoSample r;
  if (a.empty() || b.empty()) return r;
  struct Ranked {
    double v;
    bool from_b;
  };
  std::vector<Ranked> all;
  for (double v : a) all.push_back({v, false});
  for (double v : b) all.push_back({v, true});
  std::sort(all.begin(), all.end(), [](const Ranked& x, const Ranked& y) { return x.v < y.v; });
  const auto na = static_cast<double>(a.size()), nb = static_cast<double>(b.size()), n = na + nb;
  double rank_b = 0, ties = 0;
  for (std::size_t i = 0; i < all.size();) {
    std::size_t j = i;
    while (j < all.size() && all[j].v == all[i].v) ++j;
    const double rank = (static_cast<double>(i + 1) + static_cast<double>(j)) / 2;  // mid-rank of a run of ties
    const double t = static_cast<double>(j - i);
    ties += t * t * t - t;
    for (std::size_t k = i; k < j; ++k)
      if (all[k].from_b) rank_b += rank;
    i = j;
  }
  r.statistic = rank_b - nb * (nb + 1) / 2;  // U of b: pairs (a, b) with b above, ties counting half
  const double mu = na * nb / 2, sigma = std::sqrt(na * nb / 12 * ((n + 1) - ties / (n * (n - 1))));
  r.effect = 2 * r.statistic / (na * nb) - 1;
  if (sigma == 0) {
    r.p = 1;
    return r;
  }
  const double z = (std::fabs(r.statistic - mu) - 0.5) / sigma;
  r.p = std::min(1.0, 2 * (1 - normal_cdf(std::max(0.0, z))));
  return r;
}

std::vector<double> holm(const std::vector<double>& p) {
  std::vector<std::size_t> order(p.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) { return p[x] < p[y]; });
  std::vector<double> adjusted(p.size());
  double running = 0;
  for (std::size_t i = 0; i < order.size(); ++i) {
    running = std::max(running, std::min(1.0, static_cast<double>(p.size() - i) * p[order[i]]));
    adjusted[order[i]] = running;
  }
  return adjusted;
}

}  // namespace twinbench::results::stats
