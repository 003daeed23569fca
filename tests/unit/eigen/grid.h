/* grid.h - grid Laplacians with closed-form spectra, shared by the eigen
 * tests (header-only helpers). */
#ifndef PV_TEST_EIGEN_GRID_H
#define PV_TEST_EIGEN_GRID_H

#include <math.h>
#include <stdlib.h>

#include <parseval/parseval.h>
#include <parseval/sparse.h>

/* 5-point (2D) or 3-point (1D, ny = 1) Laplacian on nx x ny nodes with unit
 * spacing; periodic wraps both axes, else Dirichlet (boundary rows keep
 * the full diagonal). */
static int grid_laplacian(int nx, int ny, int periodic, pv_sparse **out) {
  int64_t n = (int64_t)nx * ny, cap = 5 * n, t = 0;
  int64_t *r = malloc(sizeof(int64_t) * cap), *c = malloc(sizeof(int64_t) * cap);
  double *v = malloc(sizeof(double) * cap);
  for (int y = 0; y < ny; y++)
    for (int x = 0; x < nx; x++) {
      int64_t i = (int64_t)y * nx + x;
      int dims = ny > 1 ? 2 : 1;
      r[t] = i, c[t] = i, v[t++] = 2.0 * dims;
      int nb[4][2] = {{x - 1, y}, {x + 1, y}, {x, y - 1}, {x, y + 1}};
      for (int d = 0; d < 2 * dims; d++) {
        int xx = nb[d][0], yy = nb[d][1];
        if (periodic) {
          xx = (xx + nx) % nx;
          yy = (yy + ny) % ny;
        } else if (xx < 0 || xx >= nx || yy < 0 || yy >= ny) {
          continue;
        }
        r[t] = i, c[t] = (int64_t)yy * nx + xx, v[t++] = -1;
      }
    }
  int st = pv_sparse_create_coo(NULL, n, n, t, r, c, v, out);
  free(r), free(c), free(v);
  return st;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* All eigenvalues of grid_laplacian, ascending (n = nx ny doubles). */
static double *grid_spectrum(int nx, int ny, int periodic) {
  double *w = malloc(sizeof(double) * (size_t)nx * ny);
  for (int q = 0; q < ny; q++)
    for (int p = 0; p < nx; p++) {
      double lx =
          periodic ? 2 - 2 * cos(2 * M_PI * p / nx) : 2 - 2 * cos(M_PI * (p + 1) / (nx + 1));
      double ly = ny == 1    ? 0
                  : periodic ? 2 - 2 * cos(2 * M_PI * q / ny)
                             : 2 - 2 * cos(M_PI * (q + 1) / (ny + 1));
      w[(size_t)q * nx + p] = lx + ly;
    }
  qsort(w, (size_t)nx * ny, sizeof *w, cmp_double);
  return w;
}

#endif
