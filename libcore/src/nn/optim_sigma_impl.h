/* optim_sigma_impl.h - sigmaReparam forward/backward, instantiated for
 * T = float (suffix _f) and T = double (suffix _d) by optim_sigma.c.
 * u, v are kept in double in the object for both. */
#define SR_CAT2(a, b) a##b
#define SR_CAT(a, b) SR_CAT2(a, b)
#define SR_FN(name) SR_CAT(name, SR_SUFFIX)

int SR_FN(pv_nn_sigma_reparam_forward_)(pv_nn_sigma_reparam *s, const SR_T *w, SR_T gamma,
                                        int iters, SR_T *wh, double *sigma) {
  if (!s || !w || iters < 0 || !sigma)
    return PV_ERROR(PV_EINVAL, "nn_sigma_reparam_forward: bad arguments");
  size_t r = s->rows, c = s->cols;
  double fro = 0.0;
  for (size_t k = 0; k < r * c; k++) fro += (double)w[k] * w[k];
  if (!(fro > 0) || !isfinite(fro)) /* checked first: u, v stay intact */
    return PV_ERROR(PV_EINVAL, "nn_sigma_reparam_forward: W is zero or not finite");
  for (int it = 0; it < iters; it++) {
    for (size_t j = 0; j < c; j++) s->v[j] = 0.0; /* v = W^T u */
    for (size_t i = 0; i < r; i++)
      for (size_t j = 0; j < c; j++) s->v[j] += (double)w[i * c + j] * s->u[i];
    sr_normalise(s->v, c);
    for (size_t i = 0; i < r; i++) { /* u = W v */
      double a = 0.0;
      for (size_t j = 0; j < c; j++) a += (double)w[i * c + j] * s->v[j];
      s->u[i] = a;
    }
    sr_normalise(s->u, r);
  }
  double sg = 0.0;
  for (size_t i = 0; i < r; i++) {
    double a = 0.0;
    for (size_t j = 0; j < c; j++) a += (double)w[i * c + j] * s->v[j];
    sg += s->u[i] * a;
  }
  *sigma = sg;
  if (!(sg > 0) || !isfinite(sg))
    return PV_ERROR(PV_EINVAL, "nn_sigma_reparam_forward: sigma = %g (W zero or not finite)", sg);
  if (wh) {
    SR_T f = (SR_T)((double)gamma / sg);
    for (size_t k = 0; k < r * c; k++) wh[k] = f * w[k];
  }
  s->sigma = sg;
  return PV_OK;
}

int SR_FN(pv_nn_sigma_reparam_backward_)(const pv_nn_sigma_reparam *s, const SR_T *w,
                                         SR_T gamma, const SR_T *gwh, SR_T *gw, int accumulate,
                                         SR_T *ggamma) {
  if (!s || !w || !gwh || !gw || !(s->sigma > 0))
    return PV_ERROR(PV_EINVAL, "nn_sigma_reparam_backward: bad arguments or no forward yet");
  size_t r = s->rows, c = s->cols;
  double gdotw = 0.0, sg = s->sigma;
  for (size_t k = 0; k < r * c; k++) gdotw += (double)gwh[k] * w[k];
  double a = (double)gamma / sg, b = (double)gamma * gdotw / (sg * sg);
  for (size_t i = 0; i < r; i++)
    for (size_t j = 0; j < c; j++) {
      size_t k = i * c + j;
      SR_T d = (SR_T)(a * gwh[k] - b * s->u[i] * s->v[j]);
      gw[k] = accumulate ? gw[k] + d : d;
    }
  if (ggamma) *ggamma = (SR_T)(gdotw / sg);
  return PV_OK;
}
#undef SR_FN
#undef SR_CAT
#undef SR_CAT2
