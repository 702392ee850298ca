#include "Sgemm.hpp"

#include <dlfcn.h>

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

namespace twinbench::ai {
namespace {

using Fortran = void(const char*, const char*, const int*, const int*, const int*, const float*, const float*, const int*, const float*,
                     const int*, const float*, float*, const int*);

/** The oracle: netlib's reference SGEMM, from its own library (not the `sgemm_` this binary exports). */
Fortran* reference() {
  static void* lib = dlopen(TWINBENCH_NETLIB_BLAS, RTLD_NOW | RTLD_LOCAL);
  static auto* f = lib ? reinterpret_cast<Fortran*>(dlsym(lib, "sgemm_")) : nullptr;
  return f;
}

/** Floats over many binades, so that rounding differs between orders of summation; `special` of them
 * (one in `special`) are 0, -0, +-inf, NaN or subnormal. */
std::vector<float> values(std::mt19937& rng, std::size_t n, int special) {
  std::uniform_real_distribution<float> mantissa(-2.0f, 2.0f);
  std::uniform_int_distribution<int> exponent(-12, 12), pick(0, special > 0 ? special - 1 : 0), kind(0, 5);
  const float specials[] = {0.0f, -0.0f, std::numeric_limits<float>::infinity(), -std::numeric_limits<float>::infinity(),
                            std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::denorm_min() * 37};
  std::vector<float> v(n);
  for (auto& x : v) x = special > 0 && pick(rng) == 0 ? specials[kind(rng)] : std::ldexp(mantissa(rng), exponent(rng));
  return v;
}

/** Bitwise equal, except that any NaN equals any NaN (which NaN's payload wins a sum of two is the operand order's). */
bool same(float x, float y) { return (std::isnan(x) && std::isnan(y)) || std::bit_cast<std::uint32_t>(x) == std::bit_cast<std::uint32_t>(y); }

struct Case {
  int m, n, k, pad;
  float alpha, beta;
  int special;
};

void check(const Case& t, std::mt19937& rng) {
  const int lda = std::max(1, t.m + t.pad), ldb = std::max(1, t.k + t.pad), ldc = std::max(1, t.m + t.pad);
  const auto a = values(rng, static_cast<std::size_t>(lda) * std::max(1, t.k), t.special);
  const auto b = values(rng, static_cast<std::size_t>(ldb) * std::max(1, t.n), t.special);
  const auto c0 = values(rng, static_cast<std::size_t>(ldc) * std::max(1, t.n), t.special);
  std::vector<float> want = c0, got = c0;
  reference()("N", "N", &t.m, &t.n, &t.k, &t.alpha, a.data(), &lda, b.data(), &ldb, &t.beta, want.data(), &ldc);
  sgemm_nn(t.m, t.n, t.k, t.alpha, a.data(), lda, b.data(), ldb, t.beta, got.data(), ldc);
  for (std::size_t i = 0; i < want.size(); ++i)
    ASSERT_TRUE(same(want[i], got[i])) << "m=" << t.m << " n=" << t.n << " k=" << t.k << " pad=" << t.pad << " alpha=" << t.alpha
                                       << " beta=" << t.beta << " special=1/" << t.special << ": C[" << i << "] is " << got[i]
                                       << " (bits " << std::bit_cast<std::uint32_t>(got[i]) << "), the reference's " << want[i] << " (bits "
                                       << std::bit_cast<std::uint32_t>(want[i]) << ")";
}

TEST(Sgemm, BitwiseTheReferenceBlasOverShapesScalarsAndPadding) {
  ASSERT_NE(reference(), nullptr) << TWINBENCH_NETLIB_BLAS << ": " << dlerror();
  std::mt19937 rng(20261207);
  // Row counts around the 16- and 8-row blocks and the model's layers (72, 32, 8); column counts
  // around the blocks of 4; padding makes the leading dimensions differ from the sizes.
  for (int m : {0, 1, 7, 8, 9, 16, 17, 24, 32, 72})
    for (int n : {0, 1, 3, 4, 5, 11})
      for (int k : {0, 1, 2, 8, 33, 72})
        for (int pad : {0, 3}) {
          check({m, n, k, pad, 1.0f, 1.0f, 0}, rng);
          check({m, n, k, pad, -0.75f, 0.5f, 0}, rng);
        }
  for (float alpha : {1.0f, 0.0f, -0.0f, 2.5f})
    for (float beta : {1.0f, 0.0f, -1.5f}) check({37, 6, 19, 2, alpha, beta, 0}, rng);
}

TEST(Sgemm, BitwiseTheReferenceWithZerosInfinitiesNaNsAndSubnormals) {
  ASSERT_NE(reference(), nullptr) << TWINBENCH_NETLIB_BLAS << ": " << dlerror();
  std::mt19937 rng(7);
  // The reference skips nothing: 0 * inf is NaN, and -0 + 0 * x is +0 (a broadcast that added 0 would differ).
  for (int special : {2, 5, 40})
    for (float alpha : {1.0f, -1.0f, 0.0f})
      for (float beta : {1.0f, 0.0f, 3.0f}) check({33, 9, 17, 1, alpha, beta, special}, rng);
}

TEST(Sgemm, TheExportedSymbolHandsTransposedProductsToTheSystemBlas) {
  ASSERT_NE(reference(), nullptr) << TWINBENCH_NETLIB_BLAS << ": " << dlerror();
  // This binary defines sgemm_ (Sgemm.cpp); a transposed product goes on to libblas's, bit for bit.
  auto* exported = reinterpret_cast<Fortran*>(dlsym(RTLD_DEFAULT, "sgemm_"));
  ASSERT_NE(exported, nullptr);
  ASSERT_NE(exported, reference());
  std::mt19937 rng(3);
  const int m = 5, n = 7, k = 9;
  const float alpha = 1.25f, beta = 0.5f;
  const auto a = values(rng, k * m, 0), b = values(rng, n * k, 0), c0 = values(rng, m * n, 0);
  std::vector<float> want = c0, got = c0;
  reference()("T", "T", &m, &n, &k, &alpha, a.data(), &k, b.data(), &n, &beta, want.data(), &m);
  exported("T", "T", &m, &n, &k, &alpha, a.data(), &k, b.data(), &n, &beta, got.data(), &m);
  for (std::size_t i = 0; i < want.size(); ++i) EXPECT_TRUE(same(want[i], got[i])) << i;
  // And an untransposed one is this file's, with the same bits.
  std::vector<float> want2 = c0, got2 = c0;
  reference()("N", "N", &m, &n, &k, &alpha, a.data(), &m, b.data(), &k, &beta, want2.data(), &m);
  exported("n", "n", &m, &n, &k, &alpha, a.data(), &m, b.data(), &k, &beta, got2.data(), &m);
  for (std::size_t i = 0; i < want2.size(); ++i) EXPECT_TRUE(same(want2[i], got2[i])) << i;
}

}  // namespace
}  // namespace twinbench::ai
