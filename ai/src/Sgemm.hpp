#pragma once
// sgemm with the netlib reference BLAS's rounding, vectorised (Sgemm.cpp says how and why).

namespace twinbench::ai {

/** @brief C := alpha * A * B + beta * C for column-major A (m x k), B (k x n), C (m x n), neither
 * transposed: every element of C gets exactly the operations of the reference BLAS's SGEMM, in its
 * order (beta's scaling first, then `c + (alpha * b) * a` for l = 1..k, each product and sum rounded
 * on its own), so the result is bitwise that of netlib's libblas. The arguments must be valid
 * (m, n, k >= 0, lda, ldc >= max(1, m), ldb >= max(1, k)). */
void sgemm_nn(int m, int n, int k, float alpha, const float* a, int lda, const float* b, int ldb, float beta, float* c, int ldc);

}  // namespace twinbench::ai
