/* la_testutil.h - independent helpers for the linalg tests: random
 * orthonormal matrices from Householder reflectors (no LAPACK), products and
 * norms written out as plain loops. Row-major throughout. */
#ifndef PV_LA_TESTUTIL_H
#define PV_LA_TESTUTIL_H
#include <math.h>
#include <string.h>
#include <parseval/alloc.h>
#include <parseval/rng.h>

/* q (m x r, ld r): the first r columns of H_1 ... H_nref applied to I, each
 * H = I - 2 v v^T / v^T v with v standard normal: orthonormal columns. */
static inline void la_random_orthonormal(pv_rng *g, int m, int r, double *q) {
  double *v = pv_malloc((size_t)m * sizeof *v);
  memset(q, 0, (size_t)m * r * sizeof *q);
  for (int j = 0; j < r; j++) q[(size_t)j * r + j] = 1.0;
  for (int h = 0; h < r + 2 && h < m + 2; h++) {
    pv_rng_fill_normal(g, v, (size_t)m);
    double vv = 0.0;
    for (int i = 0; i < m; i++) vv += v[i] * v[i];
    for (int j = 0; j < r; j++) {
      double d = 0.0;
      for (int i = 0; i < m; i++) d += v[i] * q[(size_t)i * r + j];
      d *= 2.0 / vv;
      for (int i = 0; i < m; i++) q[(size_t)i * r + j] -= d * v[i];
    }
  }
  pv_free(v);
}

/* a (m x n) = U diag(s) V^T with random orthonormal U (m x r), V (n x r),
 * r = min(m, n); optionally returns U and V (may be NULL). */
static inline void la_make_matrix(pv_rng *g, int m, int n, const double *s, double *a,
                                  double *u_out, double *v_out) {
  int r = m < n ? m : n;
  double *u = pv_malloc((size_t)m * r * sizeof *u), *v = pv_malloc((size_t)n * r * sizeof *v);
  la_random_orthonormal(g, m, r, u);
  la_random_orthonormal(g, n, r, v);
  for (int i = 0; i < m; i++)
    for (int j = 0; j < n; j++) {
      double acc = 0.0;
      for (int p = 0; p < r; p++) acc += u[(size_t)i * r + p] * s[p] * v[(size_t)j * r + p];
      a[(size_t)i * n + j] = acc;
    }
  if (u_out) memcpy(u_out, u, (size_t)m * r * sizeof *u);
  if (v_out) memcpy(v_out, v, (size_t)n * r * sizeof *v);
  pv_free(u);
  pv_free(v);
}

/* ||A - U diag(s) VT||_F for rank k (U m x k ld ldu, VT k x n ld n). */
static inline double la_recon_err(int m, int n, const double *a, int k, const double *u,
                                  int ldu, const double *s, const double *vt) {
  double e = 0.0;
  for (int i = 0; i < m; i++)
    for (int j = 0; j < n; j++) {
      double acc = a[(size_t)i * n + j];
      for (int p = 0; p < k; p++) acc -= u[(size_t)i * ldu + p] * s[p] * vt[(size_t)p * n + j];
      e += acc * acc;
    }
  return sqrt(e);
}

/* max |X X^T - I| over the r rows of x (length n, ld ldx). */
static inline double la_orth_rows_err(int r, int n, const double *x, int ldx) {
  double e = 0.0;
  for (int i = 0; i < r; i++)
    for (int j = 0; j < r; j++) {
      double d = 0.0;
      for (int p = 0; p < n; p++) d += x[(size_t)i * ldx + p] * x[(size_t)j * ldx + p];
      d -= i == j;
      if (fabs(d) > e) e = fabs(d);
    }
  return e;
}

/* max |U^T U - I| over the r columns of u (m rows, ld ldu). */
static inline double la_orth_cols_err(int m, int r, const double *u, int ldu) {
  double e = 0.0;
  for (int i = 0; i < r; i++)
    for (int j = 0; j < r; j++) {
      double d = 0.0;
      for (int p = 0; p < m; p++) d += u[(size_t)p * ldu + i] * u[(size_t)p * ldu + j];
      d -= i == j;
      if (fabs(d) > e) e = fabs(d);
    }
  return e;
}

/* 1 when the largest-magnitude entry (first on ties) of x[0..n) is positive. */
static inline int la_sign_ok(int n, const double *x) {
  int b = 0;
  for (int i = 1; i < n; i++)
    if (fabs(x[i]) > fabs(x[b])) b = i;
  return x[b] > 0.0;
}
#endif
