/* ns_kernel_tmpl.h - per-precision kernels of the NS solver. Included by
 * ns_kernel.c with R (real type) and SUF (f64 / f32) defined. Complex numbers
 * are pairs of R (re, im). All spectra are unnormalised DFTs (pv_fft). */

#define CAT_(a, b) a##_##b
#define CAT(a, b) CAT_(a, b)
#define FN(name) CAT(name, SUF)

/* Step coefficients for dt: FNO/CNAB2 c1 = (1-a)/(1+a), c2 = dt/(1+a),
 * a = dt nu L / 2; IFRK4 c1 = exp(-nu L dt/2), c2 = c1^2 (computed in double). */
void FN(pv_ns_coef)(pv_ns_solver *s, double dt) {
  R *c1 = s->c1, *c2 = s->c2;
  double nu = s->o.nu;
  for (size_t k = 0; k < s->M; k++) {
    double L = s->Ld[k];
    if (s->o.scheme == PV_NS_SCHEME_IFRK4) {
      double e = exp(-0.5 * nu * L * dt);
      c1[k] = (R)e;
      c2[k] = (R)(e * e);
    } else {
      double a = 0.5 * dt * nu * L;
      c1[k] = (R)((1.0 - a) / (1.0 + a));
      c2[k] = (R)(dt / (1.0 + a));
    }
  }
  s->coef_dt = dt;
}

/* One row of the four spectra (u, v, w_x, w_y) hat / N from the state row
 * w (nh complex); il = 1/L of the row, kx its odd-derivative wavenumber.
 * Separate restrict arguments let the loop vectorise. */
static void FN(build_row)(R *restrict u, R *restrict v, R *restrict wx, R *restrict wy,
                          const R *restrict w, const R *restrict il, const R *restrict kyd,
                          R kx, R sc, int nh) {
  for (int j = 0; j < nh; j++) {
    const R ky = kyd[j], l = il[j] * sc;
    const R a = w[2 * j] * sc, b = w[2 * j + 1] * sc;  /* w / N */
    const R pa = w[2 * j] * l, pb = w[2 * j + 1] * l;  /* psi / N */
    u[2 * j] = -ky * pb;  u[2 * j + 1] = ky * pa;
    v[2 * j] = kx * pb;   v[2 * j + 1] = -kx * pa;
    wx[2 * j] = -kx * b;  wx[2 * j + 1] = kx * a;
    wy[2 * j] = -ky * b;  wy[2 * j + 1] = ky * a;
  }
}

/* spec4 = (u, v, w_x, w_y) hat / N from the state spectrum w. */
static void FN(build4)(const pv_ns_solver *s, const R *w, R *spec4) {
  const size_t M = s->M;
  const int n = s->n, nh = s->nh;
  const R sc = (R)(1.0 / (double)s->N);
  for (int i = 0; i < n; i++) {
    const size_t row = 2 * (size_t)i * (size_t)nh;
    R *u = spec4 + row;
    FN(build_row)(u, u + 2 * M, u + 4 * M, u + 6 * M, w + row, (const R *)s->invL + row / 2,
                  s->kyd, ((const R *)s->kxd)[i], sc, nh);
  }
}

/* Largest |u|/dx + |v|/dy over the grid (real4 slots 0 and 1). */
static double FN(cfl_rate)(const pv_ns_solver *s, const R *r) {
  const size_t N = s->N;
  const R *u = r, *v = r + N;
  R m = 0;
  for (size_t p = 0; p < N; p++) {
    R a = (u[p] < 0 ? -u[p] : u[p]) + (v[p] < 0 ? -v[p] : v[p]);
    m = a > m ? a : m;
  }
  return (double)m * (double)s->n;
}

/* NL = DFT(u w_x + v w_y) for state w, valid in columns 0..jc-1 only (the
 * others are cut by the 2/3 mask and never computed); *umax if asked.
 * The 2D c2r/r2c run as 1D passes: columns of the 4 spectra (backward, in
 * place), then blocks of rb rows: 4 row c2r into cache, the product, one
 * row r2c into NL; finally the forward column pass over columns < jc only. */
static void FN(eval_NL)(const pv_ns_solver *s, pv_ns_ws *ws, const R *w, R *NL, double *umax) {
  const int n = s->n, nh = s->nh, rb = s->rb;
  const size_t M = s->M, bl = (size_t)rb * (size_t)n;
  R *sp = ws->spec4, *blk = ws->rows, *prod = blk + 4 * bl;
  FN(build4)(s, w, sp);
  for (int f = 0; f < 4; f++) pv_fft_execute(s->colinv, sp + 2 * M * (size_t)f, sp + 2 * M * (size_t)f);
  R m = 0;
  for (int i0 = 0; i0 < n; i0 += rb) {
    const size_t off = 2 * (size_t)i0 * (size_t)nh;
    for (int f = 0; f < 4; f++) pv_fft_execute(s->rowc2r, sp + 2 * M * (size_t)f + off, blk + bl * (size_t)f);
    const R *u = blk, *v = blk + bl, *wx = blk + 2 * bl, *wy = blk + 3 * bl;
    for (size_t p = 0; p < bl; p++) prod[p] = u[p] * wx[p] + v[p] * wy[p];
    if (umax)
      for (size_t p = 0; p < bl; p++) {
        R a = (u[p] < 0 ? -u[p] : u[p]) + (v[p] < 0 ? -v[p] : v[p]);
        m = a > m ? a : m;
      }
    pv_fft_execute(s->rowr2c, prod, NL + off);
  }
  pv_fft_execute(s->colfwd, NL, NL);
  if (umax) *umax = (double)m * (double)n;
}

/* F = f_hat - mask * DFT(u w_x + v w_y) for state w; *umax if want_umax. */
static void FN(eval_F)(const pv_ns_solver *s, pv_ns_ws *ws, const R *w, R *F, double *umax) {
  FN(eval_NL)(s, ws, w, F, umax);
  const R *mrow = s->mrow, *fh = s->fhat;
  const int n = s->n, nh = s->nh, jc = s->jc;
  for (int i = 0; i < n; i++) {
    const size_t row = 2 * (size_t)i * (size_t)nh;
    const R m = mrow[i];
    R *Fr = F + row;
    const R *fr = fh + row;
    for (int q = 0; q < 2 * jc; q++) Fr[q] = fr[q] - m * Fr[q];
    for (int q = 2 * jc; q < 2 * nh; q++) Fr[q] = fr[q];
  }
}

/* One FNO step: w = c1 w + c2 (f_hat - mask N_hat(w)), mask and forcing
 * applied in the update pass (columns >= jc carry no N_hat). */
static void FN(step_fno)(const pv_ns_solver *s, pv_ns_ws *ws, R *w, double *umax) {
  R *NL = ws->F;
  FN(eval_NL)(s, ws, w, NL, umax);
  const R *c1 = s->c1, *c2 = s->c2, *fh = s->fhat, *mrow = s->mrow;
  const int n = s->n, nh = s->nh, jc = s->jc;
  for (int i = 0; i < n; i++) {
    const size_t row = (size_t)i * (size_t)nh;
    const R m = mrow[i];
    R *wr = w + 2 * row;
    const R *nr = NL + 2 * row, *fr = fh + 2 * row, *a = c1 + row, *b = c2 + row;
    for (int j = 0; j < jc; j++) {
      wr[2 * j] = a[j] * wr[2 * j] + b[j] * (fr[2 * j] - m * nr[2 * j]);
      wr[2 * j + 1] = a[j] * wr[2 * j + 1] + b[j] * (fr[2 * j + 1] - m * nr[2 * j + 1]);
    }
    for (int j = jc; j < nh; j++) {
      wr[2 * j] = a[j] * wr[2 * j] + b[j] * fr[2 * j];
      wr[2 * j + 1] = a[j] * wr[2 * j + 1] + b[j] * fr[2 * j + 1];
    }
  }
}

/* One CNAB2 step: w = c1 w + c2 ((1 + r/2) F - r/2 Fprev), r = dt/dt_prev;
 * an FNO step when there is no previous F. Fprev <- F. */
static void FN(step_cnab2)(const pv_ns_solver *s, pv_ns_ws *ws, R *w, R *Fp, int *have,
                           double ratio, double *umax) {
  R *F = ws->F;
  FN(eval_F)(s, ws, w, F, umax);
  const R *c1 = s->c1, *c2 = s->c2;
  const R g1 = *have ? (R)(1.0 + 0.5 * ratio) : (R)1, g0 = *have ? (R)(0.5 * ratio) : (R)0;
  for (size_t k = 0; k < s->M; k++) {
    for (int c = 0; c < 2; c++) {
      const size_t q = 2 * k + (size_t)c;
      R g = g1 * F[q] - g0 * Fp[q];
      w[q] = c1[k] * w[q] + c2[k] * g;
      Fp[q] = F[q];
    }
  }
  *have = 1;
}

/* One integrating-factor RK4 step, E = c1, E^2 = c2:
 * k1 = F(w), k2 = F(E(w + h/2 k1)), k3 = F(E w + h/2 k2), k4 = F(E^2 w + h E k3),
 * w <- E^2 w + h/6 (E^2 k1 + 2 E (k2 + k3) + k4). */
static void FN(step_ifrk4)(const pv_ns_solver *s, pv_ns_ws *ws, R *w, R h, double *umax) {
  R *F = ws->F, *y = ws->y, *acc = ws->acc;
  const R *E = s->c1, *E2 = s->c2;
  const R h2 = h / 2, h6 = h / 6;
  const size_t M = s->M;
  FN(eval_F)(s, ws, w, F, umax);
  for (size_t k = 0; k < M; k++)
    for (int c = 0; c < 2; c++) {
      const size_t q = 2 * k + (size_t)c;
      acc[q] = E2[k] * F[q];
      y[q] = E[k] * (w[q] + h2 * F[q]);
    }
  FN(eval_F)(s, ws, y, F, NULL);
  for (size_t k = 0; k < M; k++)
    for (int c = 0; c < 2; c++) {
      const size_t q = 2 * k + (size_t)c;
      acc[q] += 2 * E[k] * F[q];
      y[q] = E[k] * w[q] + h2 * F[q];
    }
  FN(eval_F)(s, ws, y, F, NULL);
  for (size_t k = 0; k < M; k++)
    for (int c = 0; c < 2; c++) {
      const size_t q = 2 * k + (size_t)c;
      acc[q] += 2 * E[k] * F[q];
      y[q] = E2[k] * w[q] + h * E[k] * F[q];
    }
  FN(eval_F)(s, ws, y, F, NULL);
  for (size_t k = 0; k < M; k++)
    for (int c = 0; c < 2; c++) {
      const size_t q = 2 * k + (size_t)c;
      w[q] = E2[k] * w[q] + h6 * (acc[q] + F[q]);
    }
}

/* nsteps steps of one field with workspace ws. */
static void FN(field_run)(pv_ns_solver *s, pv_ns_ws *ws, int b, int64_t nsteps, double dt,
                          int want_umax) {
  R *w = (R *)s->w + 2 * s->M * (size_t)b;
  double um = 0, *ump = want_umax ? &um : NULL;
  double ratio = s->dt_prev > 0 ? dt / s->dt_prev : 1.0;
  for (int64_t it = 0; it < nsteps; it++) {
    double *u1 = it == 0 ? ump : NULL; /* CFL rate of the state entering the call */
    switch (s->o.scheme) {
    case PV_NS_SCHEME_FNO: FN(step_fno)(s, ws, w, u1); break;
    case PV_NS_SCHEME_CNAB2:
      FN(step_cnab2)(s, ws, w, (R *)s->fprev + 2 * s->M * (size_t)b, &s->have_prev[b],
                     it == 0 ? ratio : 1.0, u1);
      break;
    case PV_NS_SCHEME_IFRK4: FN(step_ifrk4)(s, ws, w, (R)dt, u1); break;
    }
  }
  if (want_umax) s->umax[b] = um;
}

void FN(pv_ns_fields_step)(pv_ns_solver *s, int64_t nsteps, double dt, int want_umax) {
  const int B = s->o.batch;
  if (s->par_fields && s->nws > 1) {
#if PV_HAVE_OPENMP
#pragma omp parallel for num_threads(s->nws) schedule(static)
#endif
    for (int b = 0; b < B; b++) {
#if PV_HAVE_OPENMP
      pv_ns_ws *ws = &s->ws[omp_get_thread_num()];
#else
      pv_ns_ws *ws = &s->ws[0];
#endif
      FN(field_run)(s, ws, b, nsteps, dt, want_umax);
    }
  } else {
    for (int b = 0; b < B; b++) FN(field_run)(s, &s->ws[0], b, nsteps, dt, want_umax);
  }
}

void FN(pv_ns_set_real)(pv_ns_solver *s, int b, const double *w) {
  R *r = s->ws[0].real4;
  for (size_t p = 0; p < s->N; p++) r[p] = (R)w[p];
  pv_fft_execute(s->r2c1, r, (R *)s->w + 2 * s->M * (size_t)b);
}

void FN(pv_ns_set_forcing)(pv_ns_solver *s, const double *f) {
  R *r = s->ws[0].real4;
  for (size_t p = 0; p < s->N; p++) r[p] = (R)f[p];
  pv_fft_execute(s->r2c1, r, s->fhat);
}



/* Half-spectrum weight: columns 1..n/2-1 stand for two modes. */
static double FN(colw)(const pv_ns_solver *s, int j) {
  return (j == 0 || j == s->n / 2) ? 1.0 : 2.0;
}

/* Divergence check of the grid velocities in real4 slots 0, 1 (as the step
 * makes them): ||div u|| / ||grad u|| from their spectra (Parseval), ~ the
 * FFTs' round-off for a solenoidal field. Uses spec4 as scratch. */
static double FN(divergence)(const pv_ns_solver *s, pv_ns_ws *ws) {
  R *U = ws->spec4, *V = U + 2 * s->M;
  const R *r = ws->real4, *kxd = s->kxd, *kyd = s->kyd;
  pv_fft_execute(s->r2c1, (void *)r, U);
  pv_fft_execute(s->r2c1, (void *)(r + s->N), V);
  double dv = 0, g = 0;
  for (int i = 0; i < s->n; i++)
    for (int j = 0; j < s->nh; j++) {
      size_t k = (size_t)i * (size_t)s->nh + (size_t)j;
      double kx = kxd[i], ky = kyd[j], cw = FN(colw)(s, j);
      double dr = -kx * U[2 * k + 1] - ky * V[2 * k + 1], di = kx * U[2 * k] + ky * V[2 * k];
      dv += cw * (dr * dr + di * di);
      g += cw * (kx * kx * ((double)U[2 * k] * U[2 * k] + (double)U[2 * k + 1] * U[2 * k + 1]) +
                 ky * ky * ((double)V[2 * k] * V[2 * k] + (double)V[2 * k + 1] * V[2 * k + 1]));
    }
  return g > 0 ? sqrt(dv / g) : 0.0;
}

/* The field of state spectrum src on the grid, into ws->real4 (N reals). */
static void FN(pv_ns_get_real_into)(pv_ns_solver *s, const R *src, pv_ns_ws *ws) {
  R *c = ws->spec4, *r = ws->real4;
  const R sc = (R)(1.0 / (double)s->N);
  for (size_t q = 0; q < 2 * s->M; q++) c[q] = src[q] * sc;
  pv_fft_execute(s->c2r1, c, r);
}
void FN(pv_ns_get_real)(pv_ns_solver *s, int b, double *w) {
  FN(pv_ns_get_real_into)(s, (const R *)s->w + 2 * s->M * (size_t)b, &s->ws[0]);
  const R *r = s->ws[0].real4;
  for (size_t p = 0; p < s->N; p++) w[p] = (double)r[p];
}

void FN(pv_ns_diag)(pv_ns_solver *s, int b, pv_ns_diag *d) {
  const R *w = (const R *)s->w + 2 * s->M * (size_t)b, *fh = s->fhat;
  const R *kxd = s->kxd, *kyd = s->kyd;
  const double N2 = (double)s->N * (double)s->N;
  double en = 0, z = 0, p = 0, fw = 0;
  for (int i = 0; i < s->n; i++)
    for (int j = 0; j < s->nh; j++) {
      size_t k = (size_t)i * (size_t)s->nh + (size_t)j;
      double wr = w[2 * k], wi = w[2 * k + 1], a2 = wr * wr + wi * wi, cw = FN(colw)(s, j);
      double kx = kxd[i], ky = kyd[j], kk = kx * kx + ky * ky, L = s->Ld[k];
      z += cw * a2;
      p += cw * kk * a2;
      if (L > 0) en += cw * kk * a2 / (L * L);
      fw += cw * (wr * fh[2 * k] + wi * fh[2 * k + 1]);
    }
  d->enstrophy = 0.5 * z / N2;
  d->palinstrophy = 0.5 * p / N2;
  d->energy = 0.5 * en / N2;
  d->forcing_work = fw / N2;
  d->mean = (double)w[0] / (double)s->N;
  pv_ns_ws *ws = &s->ws[0];
  FN(build4)(s, w, ws->spec4);
  pv_fft_execute(s->c2r4, ws->spec4, ws->real4);
  d->umax = FN(cfl_rate)(s, ws->real4);
  d->divergence = FN(divergence)(s, ws);
  FN(pv_ns_get_real_into)(s, w, ws);
  const R *r = ws->real4;
  double wm = 0;
  for (size_t q = 0; q < s->N; q++) wm = fmax(wm, fabs((double)r[q]));
  d->wmax = wm;
}

int FN(pv_ns_finite)(const pv_ns_solver *s) {
  const R *w = s->w;
  R acc = 0;
  for (size_t q = 0; q < 2 * s->M * (size_t)s->o.batch; q++) acc += w[q] * (R)0;
  return acc == 0; /* NaN or Inf anywhere makes acc NaN */
}

#undef FN
#undef CAT
#undef CAT_
