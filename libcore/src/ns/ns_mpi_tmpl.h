/* ns_mpi_tmpl.h - per-precision kernels of the slab-decomposed NS solver.
 * Included by ns_mpi_kernel.c with R (real type) and SUF (f64 / f32)
 * defined. The arithmetic mirrors the serial kernels (ns_kernel_tmpl.h)
 * mode by mode, so both agree to the FFTs' round-off. */

#define CAT_(a, b) a##_##b
#define CAT(a, b) CAT_(a, b)
#define FN(name) CAT(name, SUF)

void FN(pv_ns_mpi_tables)(pv_ns_mpi_solver *s) {
  const int n = s->n;
  const double tp = 2 * M_PI;
  R *kx = s->kx, *ky = s->ky, *invL = s->invL, *mask = s->mask;
  for (ptrdiff_t jj = 0; jj < s->i1.cols; jj++) {
    int j = (int)(s->i1.col_start + jj);
    for (int i = 0; i < n; i++) {
      size_t m = (size_t)jj * (size_t)n + (size_t)i;
      int mx = i <= n / 2 ? i : i - n;
      double L = tp * tp * ((double)mx * mx + (double)j * j);
      s->Ld[m] = L;
      kx[m] = (R)(i == n / 2 ? 0 : tp * mx);
      ky[m] = (R)(j == n / 2 ? 0 : tp * j);
      invL[m] = (R)(L > 0 ? 1 / L : 0);
      mask[m] = (3 * (mx < 0 ? -mx : mx) <= 2 * (n / 2) && 3 * j <= 2 * (n / 2)) ? 1 : 0;
    }
  }
}

/* Step coefficients for dt, as the serial solver's (computed in double). */
void FN(pv_ns_mpi_coef)(pv_ns_mpi_solver *s, double dt) {
  R *c1 = s->c1, *c2 = s->c2;
  const double nu = s->o.nu;
  for (size_t m = 0; m < s->M; m++) {
    double L = s->Ld[m];
    if (s->o.scheme == PV_NS_SCHEME_IFRK4) {
      double e = exp(-0.5 * nu * L * dt);
      c1[m] = (R)e;
      c2[m] = (R)(e * e);
    } else {
      double a = 0.5 * dt * nu * L;
      c1[m] = (R)((1.0 - a) / (1.0 + a));
      c2[m] = (R)(dt / (1.0 + a));
    }
  }
  s->coef_dt = dt;
}

/* spec4 = (u, v, w_x, w_y) hat / N of state W, interleaved per mode. */
static void FN(build4)(pv_ns_mpi_solver *s, const R *W) {
  const R sc = (R)(1.0 / ((double)s->n * (double)s->n));
  const R *kxt = s->kx, *kyt = s->ky, *invL = s->invL;
  R *c = s->spec4;
  for (size_t m = 0; m < s->M; m++) {
    const R kx = kxt[m], ky = kyt[m], l = invL[m] * sc;
    const R a = W[2 * m] * sc, b = W[2 * m + 1] * sc, pa = W[2 * m] * l, pb = W[2 * m + 1] * l;
    R *q = c + 8 * m;
    q[0] = -ky * pb; q[1] = ky * pa;  /* u = d psi / dy */
    q[2] = kx * pb;  q[3] = -kx * pa; /* v = -d psi / dx */
    q[4] = -kx * b;  q[5] = kx * a;   /* w_x */
    q[6] = -ky * b;  q[7] = ky * a;   /* w_y */
  }
}

/* F = f_hat - mask * DFT(u w_x + v w_y) of state W; *umax (this rank's
 * largest |u| + |v| on the grid, times n) when umax is not NULL. */
static void FN(eval_F)(pv_ns_mpi_solver *s, const R *W, R *F, double *umax) {
  FN(build4)(s, W);
  pv_fft_mpi_backward(s->p4, s->spec4, s->real4);
  const R *r4 = s->real4;
  R *r1 = s->real1, um = 0;
  for (ptrdiff_t i = 0; i < s->i1.rows; i++)
    for (int j = 0; j < s->n; j++) {
      size_t p = (size_t)i * (size_t)s->n1p + (size_t)j;
      const R *r = r4 + 4 * p;
      r1[p] = r[0] * r[2] + r[1] * r[3];
      if (umax) {
        R a = (r[0] < 0 ? -r[0] : r[0]) + (r[1] < 0 ? -r[1] : r[1]);
        um = a > um ? a : um;
      }
    }
  if (umax) *umax = (double)um * (double)s->n;
  pv_fft_mpi_forward(s->p1, s->real1, F);
  const R *fh = s->fhat, *mask = s->mask;
  for (size_t m = 0; m < s->M; m++) {
    F[2 * m] = fh[2 * m] - mask[m] * F[2 * m];
    F[2 * m + 1] = fh[2 * m + 1] - mask[m] * F[2 * m + 1];
  }
}

/* One integrating-factor RK4 step of h (see ns_kernel_tmpl.h). */
static void FN(step_ifrk4)(pv_ns_mpi_solver *s, R h) {
  R *w = s->w, *F = s->F, *y = s->y, *acc = s->acc;
  const R *E = s->c1, *E2 = s->c2, h2 = h / 2, h6 = h / 6;
  const size_t M2 = 2 * s->M;
  FN(eval_F)(s, w, F, NULL);
  for (size_t q = 0; q < M2; q++) {
    acc[q] = E2[q / 2] * F[q];
    y[q] = E[q / 2] * (w[q] + h2 * F[q]);
  }
  FN(eval_F)(s, y, F, NULL);
  for (size_t q = 0; q < M2; q++) {
    acc[q] += 2 * E[q / 2] * F[q];
    y[q] = E[q / 2] * w[q] + h2 * F[q];
  }
  FN(eval_F)(s, y, F, NULL);
  for (size_t q = 0; q < M2; q++) {
    acc[q] += 2 * E[q / 2] * F[q];
    y[q] = E2[q / 2] * w[q] + h * E[q / 2] * F[q];
  }
  FN(eval_F)(s, y, F, NULL);
  for (size_t q = 0; q < M2; q++) w[q] = E2[q / 2] * w[q] + h6 * (acc[q] + F[q]);
}

/* FNO / CNAB2 step: w = c1 w + c2 g, g = F (FNO, or CNAB2's first step) or
 * (1 + r/2) F - r/2 F_prev with r = dt / dt_prev (variable-step AB2). */
static void FN(step_cn)(pv_ns_mpi_solver *s, double ratio) {
  R *w = s->w, *F = s->F, *Fp = s->fprev;
  const R *c1 = s->c1, *c2 = s->c2;
  FN(eval_F)(s, w, F, NULL);
  const int ab = s->o.scheme == PV_NS_SCHEME_CNAB2 && s->have_prev;
  const R g1 = ab ? (R)(1.0 + 0.5 * ratio) : (R)1, g0 = ab ? (R)(0.5 * ratio) : (R)0;
  for (size_t q = 0; q < 2 * s->M; q++) {
    R g = ab ? g1 * F[q] - g0 * Fp[q] : F[q];
    w[q] = c1[q / 2] * w[q] + c2[q / 2] * g;
    Fp[q] = F[q];
  }
  s->have_prev = 1;
}

void FN(pv_ns_mpi_steps)(pv_ns_mpi_solver *s, int64_t nsteps, double dt) {
  const double ratio = s->dt_prev > 0 ? dt / s->dt_prev : 1.0;
  for (int64_t k = 0; k < nsteps; k++) {
    if (s->o.scheme == PV_NS_SCHEME_IFRK4) FN(step_ifrk4)(s, (R)dt);
    else FN(step_cn)(s, k == 0 ? ratio : 1.0);
  }
}

void FN(pv_ns_mpi_forcing)(pv_ns_mpi_solver *s) {
  R *r1 = s->real1;
  for (ptrdiff_t i = 0; i < s->i1.rows; i++)
    for (int j = 0; j < s->n; j++) {
      double a = 2 * M_PI * ((double)(s->i1.row_start + i) / s->n + (double)j / s->n);
      r1[(size_t)i * (size_t)s->n1p + (size_t)j] = (R)(0.1 * (sin(a) + cos(a)));
    }
  pv_fft_mpi_forward(s->p1, s->real1, s->fhat);
}

/* State from this rank's rows of w (rows x n doubles); 1 if any value is
 * not finite (the state is then left as it was). */
int FN(pv_ns_mpi_put)(pv_ns_mpi_solver *s, const double *w) {
  R *r1 = s->real1;
  int bad = 0;
  for (ptrdiff_t i = 0; i < s->i1.rows; i++)
    for (int j = 0; j < s->n; j++) {
      double v = w[(size_t)i * (size_t)s->n + (size_t)j];
      bad |= !isfinite(v);
      r1[(size_t)i * (size_t)s->n1p + (size_t)j] = (R)v;
    }
  return bad;
}

/* This rank's rows of the field into w (rows x n doubles). */
void FN(pv_ns_mpi_take)(pv_ns_mpi_solver *s, double *w) {
  const R sc = (R)(1.0 / ((double)s->n * (double)s->n));
  const R *src = s->w;
  R *tmp = s->y;
  for (size_t q = 0; q < 2 * s->M; q++) tmp[q] = src[q] * sc;
  pv_fft_mpi_backward(s->p1, tmp, s->real1);
  const R *r1 = s->real1;
  for (ptrdiff_t i = 0; i < s->i1.rows; i++)
    for (int j = 0; j < s->n; j++)
      w[(size_t)i * (size_t)s->n + (size_t)j] = (double)r1[(size_t)i * (size_t)s->n1p + (size_t)j];
}

/* One real field (slot h of the 4 interleaved in real4) to its spectrum. */
static void FN(slot_spectrum)(pv_ns_mpi_solver *s, int h, R *out) {
  const R *r4 = s->real4;
  R *r1 = s->real1;
  for (ptrdiff_t i = 0; i < s->i1.rows; i++)
    for (int j = 0; j < s->n; j++) {
      size_t p = (size_t)i * (size_t)s->n1p + (size_t)j;
      r1[p] = r4[4 * p + (size_t)h];
    }
  pv_fft_mpi_forward(s->p1, s->real1, out);
}

/* This rank's parts of the diagnostics (ns.h): sums = {enstrophy, palinstrophy,
 * energy, forcing work, mean, |div u|^2, |grad u|^2} (unscaled, as the
 * serial kernel), maxes = {max |u| + |v|, max |w|} on the grid. */
void FN(pv_ns_mpi_diag_local)(pv_ns_mpi_solver *s, double sums[8], double maxes[2]) {
  const R *w = s->w, *fh = s->fhat, *kxt = s->kx, *kyt = s->ky;
  const int n = s->n;
  for (int k = 0; k < 8; k++) sums[k] = 0;
  for (ptrdiff_t jj = 0; jj < s->i1.cols; jj++) {
    int j = (int)(s->i1.col_start + jj);
    double cw = (j == 0 || j == n / 2) ? 1.0 : 2.0;
    for (int i = 0; i < n; i++) {
      size_t m = (size_t)jj * (size_t)n + (size_t)i;
      double wr = w[2 * m], wi = w[2 * m + 1], a2 = wr * wr + wi * wi;
      double kx = kxt[m], ky = kyt[m], kk = kx * kx + ky * ky, L = s->Ld[m];
      sums[0] += cw * a2;
      sums[1] += cw * kk * a2;
      if (L > 0) sums[2] += cw * kk * a2 / (L * L);
      sums[3] += cw * (wr * fh[2 * m] + wi * fh[2 * m + 1]);
    }
  }
  if (s->i1.cols > 0 && s->i1.col_start == 0) sums[4] = (double)w[0];
  /* velocities on the grid: CFL rate, then the divergence of their spectra */
  FN(build4)(s, w);
  pv_fft_mpi_backward(s->p4, s->spec4, s->real4);
  const R *r4 = s->real4;
  double um = 0;
  for (ptrdiff_t i = 0; i < s->i1.rows; i++)
    for (int j = 0; j < n; j++) {
      size_t p = (size_t)i * (size_t)s->n1p + (size_t)j;
      double a = fabs((double)r4[4 * p]) + fabs((double)r4[4 * p + 1]);
      um = a > um ? a : um;
    }
  maxes[0] = um * n;
  R *U = s->F, *V = s->acc;
  FN(slot_spectrum)(s, 0, U);
  FN(slot_spectrum)(s, 1, V);
  for (ptrdiff_t jj = 0; jj < s->i1.cols; jj++) {
    int j = (int)(s->i1.col_start + jj);
    double cw = (j == 0 || j == n / 2) ? 1.0 : 2.0;
    for (int i = 0; i < n; i++) {
      size_t m = (size_t)jj * (size_t)n + (size_t)i;
      double kx = kxt[m], ky = kyt[m];
      double dr = -kx * U[2 * m + 1] - ky * V[2 * m + 1], di = kx * U[2 * m] + ky * V[2 * m];
      sums[5] += cw * (dr * dr + di * di);
      sums[6] += cw * (kx * kx * ((double)U[2 * m] * U[2 * m] + (double)U[2 * m + 1] * U[2 * m + 1]) +
                       ky * ky * ((double)V[2 * m] * V[2 * m] + (double)V[2 * m + 1] * V[2 * m + 1]));
    }
  }
  const R sc = (R)(1.0 / ((double)n * (double)n)), *src = s->w;
  R *tmp = s->y;
  for (size_t q = 0; q < 2 * s->M; q++) tmp[q] = src[q] * sc;
  pv_fft_mpi_backward(s->p1, tmp, s->real1);
  const R *r1 = s->real1;
  double wm = 0;
  for (ptrdiff_t i = 0; i < s->i1.rows; i++)
    for (int j = 0; j < n; j++) wm = fmax(wm, fabs((double)r1[(size_t)i * (size_t)s->n1p + (size_t)j]));
  maxes[1] = wm;
}

int FN(pv_ns_mpi_finite)(const pv_ns_mpi_solver *s) {
  const R *w = s->w;
  R acc = 0;
  for (size_t q = 0; q < 2 * s->M; q++) acc += w[q] * (R)0;
  return acc == 0;
}

#undef FN
#undef CAT
#undef CAT_
