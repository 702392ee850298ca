// libtorch's matrix products at the speed of SIMD and the rounding of the reference BLAS.
//
// Debian's libtorch calls the Fortran BLAS `sgemm_` of libblas.so.3, which is netlib's reference
// implementation unless the machine's alternatives point elsewhere: scalar code, a third of an edge-AI
// run's time (docs/performance.md). An optimised BLAS would change how each element's sum is rounded
// (blocking over k, fused multiply-adds), so every model's scores, every edge-AI scenario's alerts and
// the gates drawn from them would move. This file defines `sgemm_` itself, exported from the libtorch
// plugin (or from the executable that links these objects): the dynamic linker binds libtorch's calls
// to the first definition in the plugin's search scope, which is this one (the plugin comes before
// libblas). The untransposed product, the only one inference makes (`addmm(bias, x, w)` on row-major
// tensors), runs here: each element of C sees exactly the reference's operations in the reference's
// order, only several elements at once in the lanes of a vector register, so the results are bitwise
// the reference's (Sgemm_test checks that against netlib's own library, special values included), and
// no longer depend on which BLAS a machine has installed. Every other call (the transposed products of
// training's backward pass, bad arguments for XERBLA to report) goes on to the next `sgemm_`, the
// system's BLAS, as before.
//
// Built with -ffp-contract=off (ai/CMakeLists.txt): a fused multiply-add rounds once where the
// reference rounds twice.

#include "Sgemm.hpp"

#include <dlfcn.h>

#include <algorithm>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace twinbench::ai {
namespace {

using v8 = float __attribute__((vector_size(32)));

inline __attribute__((always_inline)) v8 load(const float* p) {
  v8 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline __attribute__((always_inline)) void store(float* p, v8 v) { std::memcpy(p, &v, sizeof v); }

/** Rows [i, i + 8 * R) of columns [j, j + N): accumulators in registers across the whole k loop. */
template <int R, int N>
inline __attribute__((always_inline)) void block(int i, int j, int k, float alpha, const float* a, int lda, const float* b, int ldb, float* c,
                                                 int ldc) {
  v8 acc[N][R];
  for (int q = 0; q < N; ++q)
    for (int r = 0; r < R; ++r) acc[q][r] = load(c + i + 8 * r + static_cast<std::ptrdiff_t>(j + q) * ldc);
  for (int l = 0; l < k; ++l) {
    const float* al = a + i + static_cast<std::ptrdiff_t>(l) * lda;
    v8 av[R];
    for (int r = 0; r < R; ++r) av[r] = load(al + 8 * r);
    for (int q = 0; q < N; ++q) {
      const float t = alpha * b[l + static_cast<std::ptrdiff_t>(j + q) * ldb];  // the reference's TEMP = ALPHA*B(L,J)
      const v8 tv = {t, t, t, t, t, t, t, t};  // a broadcast, not 0 + t (which would turn -0 into +0)
      for (int r = 0; r < R; ++r) acc[q][r] = acc[q][r] + tv * av[r];
    }
  }
  for (int q = 0; q < N; ++q)
    for (int r = 0; r < R; ++r) store(c + i + 8 * r + static_cast<std::ptrdiff_t>(j + q) * ldc, acc[q][r]);
}

/** Row i of columns [j, j + N), the rows left over after the blocks of 8. */
template <int N>
inline __attribute__((always_inline)) void row(int i, int j, int k, float alpha, const float* a, int lda, const float* b, int ldb, float* c,
                                               int ldc) {
  for (int q = 0; q < N; ++q) {
    float* cij = c + i + static_cast<std::ptrdiff_t>(j + q) * ldc;
    float s = *cij;
    for (int l = 0; l < k; ++l) s = s + (alpha * b[l + static_cast<std::ptrdiff_t>(j + q) * ldb]) * a[i + static_cast<std::ptrdiff_t>(l) * lda];
    *cij = s;
  }
}

template <int N>
inline __attribute__((always_inline)) void columns(int m, int j, int k, float alpha, const float* a, int lda, const float* b, int ldb, float* c,
                                                   int ldc) {
  int i = 0;
  for (; i + 16 <= m; i += 16) block<2, N>(i, j, k, alpha, a, lda, b, ldb, c, ldc);
  for (; i + 8 <= m; i += 8) block<1, N>(i, j, k, alpha, a, lda, b, ldb, c, ldc);
  for (; i < m; ++i) row<N>(i, j, k, alpha, a, lda, b, ldb, c, ldc);
}

}  // namespace

__attribute__((target_clones("avx2", "default"))) void sgemm_nn(int m, int n, int k, float alpha, const float* a, int lda, const float* b,
                                                                 int ldb, float beta, float* c, int ldc) {
  if (m == 0 || n == 0 || ((alpha == 0 || k == 0) && beta == 1)) return;
  // The reference scales a column by beta before it adds to it; whole C first is the same per element.
  if (beta != 1)
    for (int j = 0; j < n; ++j) {
      float* cj = c + static_cast<std::ptrdiff_t>(j) * ldc;
      if (beta == 0) std::fill(cj, cj + m, 0.0f);
      else
        for (int i = 0; i < m; ++i) cj[i] = beta * cj[i];
    }
  if (alpha == 0) return;
  int j = 0;
  for (; j + 4 <= n; j += 4) columns<4>(m, j, k, alpha, a, lda, b, ldb, c, ldc);
  for (; j < n; ++j) columns<1>(m, j, k, alpha, a, lda, b, ldb, c, ldc);
}

}  // namespace twinbench::ai

namespace {

using Sgemm = void(const char*, const char*, const int*, const int*, const int*, const float*, const float*, const int*, const float*, const int*,
                   const float*, float*, const int*, std::size_t, std::size_t);

bool untransposed(char t) { return t == 'N' || t == 'n'; }

}  // namespace

extern "C" __attribute__((visibility("default"))) void sgemm_(const char* transa, const char* transb, const int* m, const int* n, const int* k,
                                                              const float* alpha, const float* a, const int* lda, const float* b, const int* ldb,
                                                              const float* beta, float* c, const int* ldc) {
  if (untransposed(*transa) && untransposed(*transb) && *m >= 0 && *n >= 0 && *k >= 0 && *lda >= std::max(1, *m) &&
      *ldb >= std::max(1, *k) && *ldc >= std::max(1, *m)) {
    twinbench::ai::sgemm_nn(*m, *n, *k, *alpha, a, *lda, b, *ldb, *beta, c, *ldc);
    return;
  }
  static Sgemm* const next = reinterpret_cast<Sgemm*>(dlsym(RTLD_NEXT, "sgemm_"));
  if (next == nullptr) {
    std::fprintf(stderr, "twinbench: no BLAS sgemm_ after the plugin's own (%s); libtorch needs libblas.so.3\n", dlerror());
    std::abort();
  }
  next(transa, transb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, 1, 1);  // Fortran's hidden lengths of TRANSA and TRANSB
}
