/* shape/kdtree.c - exact k nearest neighbours of 3-D points by an implicit
 * k-d tree (median splits on the widest axis, built in place on an index
 * permutation). Used by the point-cloud Laplacian. */
#include <math.h>
#include <string.h>

#include <parseval/alloc.h>
#include <parseval/error.h>

#include <parseval/shape.h>

enum { LEAF = 12 };

typedef struct {
  const double *p; /* n x 3 */
  int64_t *idx;    /* permutation: node of range [lo, hi) is idx[(lo + hi) / 2] */
  unsigned char *dim;
} kdt;

static double coord(const kdt *t, int64_t i, int d) { return t->p[3 * t->idx[i] + d]; }

/* Reorder idx[lo, hi) so that idx[mid] has the median coordinate d. */
static void select_mid(kdt *t, int64_t lo, int64_t hi, int64_t mid, int d) {
  hi--;
  while (lo < hi) {
    double piv = coord(t, (lo + hi) / 2, d);
    int64_t i = lo, j = hi;
    while (i <= j) {
      while (coord(t, i, d) < piv) i++;
      while (coord(t, j, d) > piv) j--;
      if (i <= j) {
        int64_t s = t->idx[i];
        t->idx[i++] = t->idx[j];
        t->idx[j--] = s;
      }
    }
    if (mid <= j) hi = j;
    else if (mid >= i) lo = i;
    else return;
  }
}

static void build(kdt *t, int64_t lo, int64_t hi) {
  while (hi - lo > LEAF) {
    double mn[3] = {INFINITY, INFINITY, INFINITY}, mx[3] = {-INFINITY, -INFINITY, -INFINITY};
    for (int64_t i = lo; i < hi; i++)
      for (int d = 0; d < 3; d++) {
        mn[d] = fmin(mn[d], coord(t, i, d));
        mx[d] = fmax(mx[d], coord(t, i, d));
      }
    int d = mx[1] - mn[1] > mx[0] - mn[0] ? 1 : 0;
    if (mx[2] - mn[2] > mx[d] - mn[d]) d = 2;
    int64_t mid = lo + (hi - lo) / 2;
    select_mid(t, lo, hi, mid, d);
    t->dim[mid] = (unsigned char)d;
    build(t, lo, mid); /* depth log2(n / LEAF): recursion on one side only */
    lo = mid + 1;
  }
}

/* Bounded max-heap of the k best (d2, index) seen so far. */
typedef struct { double *d2; int64_t *id; int k, n; } heap;

static void heap_push(heap *h, double d2, int64_t id) {
  if (h->n == h->k) {
    if (d2 >= h->d2[0]) return;
    int i = 0; /* replace the root and sift down */
    for (;;) {
      int c = 2 * i + 1;
      if (c >= h->n) break;
      if (c + 1 < h->n && h->d2[c + 1] > h->d2[c]) c++;
      if (h->d2[c] <= d2) break;
      h->d2[i] = h->d2[c];
      h->id[i] = h->id[c];
      i = c;
    }
    h->d2[i] = d2;
    h->id[i] = id;
    return;
  }
  int i = h->n++;
  while (i > 0 && h->d2[(i - 1) / 2] < d2) {
    h->d2[i] = h->d2[(i - 1) / 2];
    h->id[i] = h->id[(i - 1) / 2];
    i = (i - 1) / 2;
  }
  h->d2[i] = d2;
  h->id[i] = id;
}

static void visit(const kdt *t, int64_t j, const double *q, int64_t self, heap *h) {
  int64_t id = t->idx[j];
  if (id == self) return;
  const double *p = t->p + 3 * id;
  double d2 = (p[0] - q[0]) * (p[0] - q[0]) + (p[1] - q[1]) * (p[1] - q[1]) + (p[2] - q[2]) * (p[2] - q[2]);
  heap_push(h, d2, id);
}

static void query(const kdt *t, int64_t lo, int64_t hi, const double *q, int64_t self, heap *h) {
  if (hi - lo <= LEAF) {
    for (int64_t j = lo; j < hi; j++) visit(t, j, q, self, h);
    return;
  }
  int64_t mid = lo + (hi - lo) / 2;
  int d = t->dim[mid];
  double diff = q[d] - coord(t, mid, d);
  visit(t, mid, q, self, h);
  if (diff < 0) query(t, lo, mid, q, self, h);
  else query(t, mid + 1, hi, q, self, h);
  if (h->n < h->k || diff * diff < h->d2[0]) {
    if (diff < 0) query(t, mid + 1, hi, q, self, h);
    else query(t, lo, mid, q, self, h);
  }
}

/* Pop the heap into nb[0..k) in ascending distance. */
static void drain(heap *h, int64_t *nb) {
  for (int r = h->n - 1; r >= 0; r--) {
    nb[r] = h->id[0];
    double last = h->d2[--h->n];
    int64_t lid = h->id[h->n];
    int j = 0;
    for (;;) {
      int c = 2 * j + 1;
      if (c >= h->n) break;
      if (c + 1 < h->n && h->d2[c + 1] > h->d2[c]) c++;
      if (h->d2[c] <= last) break;
      h->d2[j] = h->d2[c];
      h->id[j] = h->id[c];
      j = c;
    }
    if (h->n > 0) { h->d2[j] = last; h->id[j] = lid; }
  }
}

/* k nearest points of p (n x 3) to each of the m queries q (m x 3); a query
 * i < m with self[i] >= 0 skips point self[i]. */
static int knn_core(const double *p, int64_t n, const double *q, int64_t m, const int64_t *self, int k, int64_t *nb) {
  kdt t = {p, pv_malloc((size_t)n * sizeof(int64_t)), pv_calloc((size_t)n, 1)};
  double *d2 = pv_malloc((size_t)k * sizeof *d2);
  int64_t *id = pv_malloc((size_t)k * sizeof *id);
  if (!t.idx || !t.dim || !d2 || !id) {
    pv_free(t.idx); pv_free(t.dim); pv_free(d2); pv_free(id);
    return PV_ENOMEM;
  }
  for (int64_t i = 0; i < n; i++) t.idx[i] = i;
  build(&t, 0, n);
  for (int64_t i = 0; i < m; i++) {
    heap h = {d2, id, k, 0};
    query(&t, 0, n, q + 3 * i, self ? self[i] : -1, &h);
    drain(&h, nb + (int64_t)k * i);
  }
  pv_free(t.idx); pv_free(t.dim); pv_free(d2); pv_free(id);
  return 0;
}

int pv_shape_knn3(const double *p, int64_t n, int k, int64_t *nb) {
  if (!p || !nb || n < 2 || k < 1 || k >= n)
    return PV_ERROR(PV_EINVAL, "k nearest neighbours: k = %d of n = %lld points", k, (long long)n);
  int64_t *self = pv_malloc((size_t)n * sizeof *self);
  if (!self) return PV_ENOMEM;
  for (int64_t i = 0; i < n; i++) self[i] = i;
  int rc = knn_core(p, n, p, n, self, k, nb);
  pv_free(self);
  return rc;
}

int pv_shape_knn3_query(const double *p, int64_t n, const double *q, int64_t m, int k, int64_t *nb) {
  if (!p || !q || !nb || n < 1 || m < 0 || k < 1 || k > n)
    return PV_ERROR(PV_EINVAL, "k nearest neighbours: k = %d of n = %lld points, %lld queries", k, (long long)n,
                    (long long)m);
  return knn_core(p, n, q, m, NULL, k, nb);
}
