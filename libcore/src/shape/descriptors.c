/* shape/descriptors.c - heat and wave kernel signatures. */
#include <math.h>
#include <string.h>

#include <parseval/alloc.h>
#include <parseval/error.h>
#include <parseval/shape.h>

static int use_k(const pv_shape_basis *b, int k, const char *who) {
  if (!b) return PV_ERROR(PV_EINVAL, "%s: NULL basis", who);
  if (k <= 0 || k > b->k) k = b->k;
  return k;
}

/* First eigenvalue clearly above zero (skips the constant mode(s)). */
static int first_nonzero(const pv_shape_basis *b, int k) {
  double big = b->evals[k - 1];
  for (int j = 0; j < k; j++)
    if (b->evals[j] > 1e-9 * big) return j;
  return k;
}

int pv_shape_hks(const pv_shape_basis *b, int k, int nt, double *out) {
  int rc = use_k(b, k, "HKS");
  if (rc < 0) return rc;
  k = rc;
  int j0 = first_nonzero(b, k);
  if (nt < 1 || !out || j0 >= k) return PV_ERROR(PV_EINVAL, "HKS: need nt >= 1 and a nonzero eigenvalue (nt = %d)", nt);
  double tmin = 4 * log(10.0) / b->evals[k - 1], tmax = 4 * log(10.0) / b->evals[j0];
  for (int i = 0; i < nt; i++) {
    double t = nt == 1 ? tmin : tmin * pow(tmax / tmin, (double)i / (nt - 1));
    double *o = out + b->n * i;
    memset(o, 0, (size_t)b->n * sizeof *o);
    for (int j = 0; j < k; j++) {
      double w = exp(-b->evals[j] * t);
      const double *phi = b->evecs + b->n * j;
      for (int64_t v = 0; v < b->n; v++) o[v] += w * phi[v] * phi[v];
    }
  }
  return 0;
}

int pv_shape_wks(const pv_shape_basis *b, int k, int ne, double *out) {
  int rc = use_k(b, k, "WKS");
  if (rc < 0) return rc;
  k = rc;
  int j0 = first_nonzero(b, k);
  if (ne < 1 || !out || j0 >= k - 1) return PV_ERROR(PV_EINVAL, "WKS: need ne >= 1 and two nonzero eigenvalues (ne = %d)", ne);
  double emin = log(b->evals[j0]), emax = log(b->evals[k - 1]);
  double sigma = 7 * (emax - emin) / ne;
  emin += 2 * sigma;
  emax -= 2 * sigma;
  double *w = pv_malloc((size_t)k * sizeof *w);
  if (!w) return PV_ENOMEM;
  for (int i = 0; i < ne; i++) {
    double E = ne == 1 ? 0.5 * (emin + emax) : emin + (emax - emin) * i / (ne - 1), sum = 0;
    for (int j = 0; j < k; j++) {
      w[j] = j < j0 ? 0 : exp(-(E - log(b->evals[j])) * (E - log(b->evals[j])) / (2 * sigma * sigma));
      sum += w[j];
    }
    double *o = out + b->n * i;
    memset(o, 0, (size_t)b->n * sizeof *o);
    for (int j = j0; j < k; j++) {
      const double *phi = b->evecs + b->n * j;
      double c = sum > 0 ? w[j] / sum : 0;
      for (int64_t v = 0; v < b->n; v++) o[v] += c * phi[v] * phi[v];
    }
  }
  pv_free(w);
  return 0;
}

int pv_shape_landmark_hks(const pv_shape_basis *b, int k, int nt, const int64_t *lm, int nl, double *out) {
  int rc = use_k(b, k, "landmark HKS");
  if (rc < 0) return rc;
  k = rc;
  int j0 = first_nonzero(b, k);
  if (nt < 1 || nl < 1 || !lm || !out || j0 >= k) return PV_ERROR(PV_EINVAL, "landmark HKS: bad arguments (nt = %d, nl = %d)", nt, nl);
  for (int l = 0; l < nl; l++)
    if (lm[l] < 0 || lm[l] >= b->n) return PV_ERROR(PV_EINVAL, "landmark %d: vertex %lld outside [0, %lld)", l, (long long)lm[l], (long long)b->n);
  double tmin = 4 * log(10.0) / b->evals[k - 1], tmax = 4 * log(10.0) / b->evals[j0];
  for (int l = 0; l < nl; l++)
    for (int i = 0; i < nt; i++) {
      double t = nt == 1 ? tmin : tmin * pow(tmax / tmin, (double)i / (nt - 1));
      double *o = out + b->n * ((int64_t)l * nt + i);
      memset(o, 0, (size_t)b->n * sizeof *o);
      for (int j = 0; j < k; j++) {
        const double *phi = b->evecs + b->n * j;
        double c = exp(-b->evals[j] * t) * phi[lm[l]];
        for (int64_t v = 0; v < b->n; v++) o[v] += c * phi[v];
      }
    }
  return 0;
}

int pv_shape_descr_normalize(const pv_shape_basis *b, int nd, double *D) {
  if (!b || !D || nd < 0) return PV_ERROR(PV_EINVAL, "descriptor normalisation: bad arguments");
  for (int i = 0; i < nd; i++) {
    double *d = D + b->n * i, s = 0;
    for (int64_t v = 0; v < b->n; v++) s += b->mass[v] * d[v] * d[v];
    if (s > 0) {
      s = 1 / sqrt(s);
      for (int64_t v = 0; v < b->n; v++) d[v] *= s;
    }
  }
  return 0;
}
