#include "twinbench/runtime/drift/Drift.hpp"

#include <algorithm>
#include <cmath>

namespace twinbench::runtime::drift {

PageHinkley::Alarm PageHinkley::update(double x) {
  ++n_;
  mean_ += (x - mean_) / static_cast<double>(n_);
  up_ += x - mean_ - c_.delta;    // grows when values sit above the mean
  down_ += x - mean_ + c_.delta;  // falls when they sit below it
  up_min_ = std::min(up_min_, up_);
  down_max_ = std::max(down_max_, down_);
  const double rise = up_ - up_min_, fall = down_max_ - down_;
  last_gap_ = std::max(rise, fall);
  if (n_ < c_.min_samples || last_gap_ <= c_.lambda) return Alarm::none;
  const Alarm a = rise >= fall ? Alarm::increase : Alarm::decrease;
  const double gap = last_gap_;
  *this = PageHinkley(c_);
  last_gap_ = gap;  // the evidence stays readable after the reset
  return a;
}

double psi(std::span<const double> reference, std::span<const double> actual, std::size_t bins) {
  if (reference.empty() || actual.empty() || bins < 2) return 0;
  std::vector<double> ref(reference.begin(), reference.end());
  std::sort(ref.begin(), ref.end());
  std::vector<double> edges;  // bins - 1 inner edges at the reference's quantiles
  for (std::size_t k = 1; k < bins; ++k) edges.push_back(ref[std::min(ref.size() - 1, k * ref.size() / bins)]);
  const auto histogram = [&](std::span<const double> xs) {
    std::vector<double> h(bins, 0);
    for (double x : xs) h[static_cast<std::size_t>(std::upper_bound(edges.begin(), edges.end(), x) - edges.begin())] += 1;
    for (double& c : h) c = std::max(c, 0.5) / static_cast<double>(xs.size());  // an empty bin counts as half a value
    return h;
  };
  const auto e = histogram(reference), a = histogram(actual);
  double sum = 0;
  for (std::size_t k = 0; k < bins; ++k) sum += (a[k] - e[k]) * std::log(a[k] / e[k]);
  return sum;
}

double psi_binned(std::span<const std::uint64_t> counts, std::span<const double> expected) {
  if (counts.size() < 2) return 0;
  std::uint64_t n = 0;
  for (std::uint64_t c : counts) n += c;
  if (n == 0) return 0;
  double sum = 0;
  for (std::size_t k = 0; k < counts.size(); ++k) {
    const double e = k < expected.size() ? std::max(expected[k], 1e-6) : 1.0 / static_cast<double>(counts.size());
    const double a = std::max(static_cast<double>(counts[k]), 0.5) / static_cast<double>(n);
    sum += (a - e) * std::log(a / e);
  }
  return sum;
}

KsResult ks_binned(std::span<const std::uint64_t> counts, std::uint64_t reference_n, std::span<const double> expected) {
  KsResult r;
  std::uint64_t n = 0;
  for (std::uint64_t c : counts) n += c;
  if (n == 0 || counts.empty()) return r;
  std::uint64_t below = 0;
  double f_ref = 0;
  for (std::size_t k = 0; k + 1 < counts.size(); ++k) {
    below += counts[k];
    f_ref += k < expected.size() ? expected[k] : 1.0 / static_cast<double>(counts.size());
    r.statistic = std::max(r.statistic, std::abs(static_cast<double>(below) / static_cast<double>(n) - f_ref));
  }
  const double na = static_cast<double>(n), nb = reference_n ? static_cast<double>(reference_n) : 1e12;
  const double ne = na * nb / (na + nb);
  r.p_value = kolmogorov_q((std::sqrt(ne) + 0.12 + 0.11 / std::sqrt(ne)) * r.statistic);
  return r;
}

double kolmogorov_q(double lambda) {
  if (lambda < 0.2) return 1.0;  // the series converges slowly there, and Q is 1 to within 1e-9
  double sum = 0;
  for (int k = 1; k <= 100; ++k) {
    const double term = std::exp(-2.0 * k * k * lambda * lambda);
    sum += (k % 2 ? term : -term);
    if (term < 1e-12) break;
  }
  return std::clamp(2 * sum, 0.0, 1.0);
}

KsResult ks_two_sample(std::span<const double> a_in, std::span<const double> b_in) {
  KsResult r;
  if (a_in.empty() || b_in.empty()) return r;
  std::vector<double> a(a_in.begin(), a_in.end()), b(b_in.begin(), b_in.end());
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  const double na = static_cast<double>(a.size()), nb = static_cast<double>(b.size());
  std::size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    const double x = std::min(a[i], b[j]);
    while (i < a.size() && a[i] <= x) ++i;  // ties advance both sides together
    while (j < b.size() && b[j] <= x) ++j;
    r.statistic = std::max(r.statistic, std::abs(static_cast<double>(i) / na - static_cast<double>(j) / nb));
  }
  const double ne = na * nb / (na + nb);
  r.p_value = kolmogorov_q((std::sqrt(ne) + 0.12 + 0.11 / std::sqrt(ne)) * r.statistic);
  return r;
}

}  // namespace twinbench::runtime::drift
