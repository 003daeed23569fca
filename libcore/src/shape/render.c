/* shape/render.c - a small z-buffered software rasteriser for meshes. */
#include <math.h>
#include <string.h>

#include <parseval/alloc.h>
#include <parseval/error.h>
#include <parseval/render.h>
#include <parseval/shape.h>

int pv_shape_position_colors(const pv_mesh *m, unsigned char *rgb) {
  if (!m || !rgb) return PV_ERROR(PV_EINVAL, "position colours: NULL argument");
  double lo[3] = {INFINITY, INFINITY, INFINITY}, hi[3] = {-INFINITY, -INFINITY, -INFINITY};
  for (int64_t i = 0; i < m->nv; i++)
    for (int k = 0; k < 3; k++) {
      lo[k] = fmin(lo[k], m->v[3 * i + k]);
      hi[k] = fmax(hi[k], m->v[3 * i + k]);
    }
  for (int64_t i = 0; i < m->nv; i++)
    for (int k = 0; k < 3; k++) {
      double t = hi[k] > lo[k] ? (m->v[3 * i + k] - lo[k]) / (hi[k] - lo[k]) : 0.5;
      rgb[3 * i + k] = (unsigned char)(30 + 225 * t);
    }
  return 0;
}

typedef struct { double x, y, z; } vec3;

/* Rotated, fitted screen coordinates of every vertex. */
static void project(const pv_mesh *m, double yaw, int x0, int y0, int w, int h, vec3 *s) {
  double c = cos(yaw), sn = sin(yaw), lo[2] = {INFINITY, INFINITY}, hi[2] = {-INFINITY, -INFINITY};
  for (int64_t i = 0; i < m->nv; i++) {
    const double *p = m->v + 3 * i;
    s[i] = (vec3){c * p[0] + sn * p[2], p[1], -sn * p[0] + c * p[2]};
    lo[0] = fmin(lo[0], s[i].x); hi[0] = fmax(hi[0], s[i].x);
    lo[1] = fmin(lo[1], s[i].y); hi[1] = fmax(hi[1], s[i].y);
  }
  double span = fmax(hi[0] - lo[0], hi[1] - lo[1]), sc = 0.9 * fmin(w, h) / (span > 0 ? span : 1);
  for (int64_t i = 0; i < m->nv; i++) {
    s[i].x = x0 + 0.5 * w + sc * (s[i].x - 0.5 * (lo[0] + hi[0]));
    s[i].y = y0 + 0.5 * h - sc * (s[i].y - 0.5 * (lo[1] + hi[1]));
  }
}

static void draw_tri(pv_image *img, float *zb, int x0, int y0, int w, int h, const vec3 *a, const vec3 *b,
                     const vec3 *c, const unsigned char *ca, const unsigned char *cb, const unsigned char *cc,
                     double shade) {
  double area = (b->x - a->x) * (c->y - a->y) - (b->y - a->y) * (c->x - a->x);
  if (fabs(area) < 1e-12) return;
  int xmin = (int)fmax(x0, floor(fmin(a->x, fmin(b->x, c->x)))), xmax = (int)fmin(x0 + w - 1, ceil(fmax(a->x, fmax(b->x, c->x))));
  int ymin = (int)fmax(y0, floor(fmin(a->y, fmin(b->y, c->y)))), ymax = (int)fmin(y0 + h - 1, ceil(fmax(a->y, fmax(b->y, c->y))));
  for (int y = ymin; y <= ymax; y++)
    for (int x = xmin; x <= xmax; x++) {
      double px = x + 0.5, py = y + 0.5;
      double l1 = ((b->x - px) * (c->y - py) - (b->y - py) * (c->x - px)) / area;
      double l2 = ((c->x - px) * (a->y - py) - (c->y - py) * (a->x - px)) / area;
      double l3 = 1 - l1 - l2;
      if (l1 < 0 || l2 < 0 || l3 < 0) continue;
      float z = (float)(l1 * a->z + l2 * b->z + l3 * c->z);
      float *zp = zb + (size_t)(y - y0) * w + (x - x0);
      if (z <= *zp) continue;
      *zp = z;
      unsigned char *px8 = pv_image_pixel(img, x, y);
      if (!px8) continue;
      for (int k = 0; k < 3; k++) px8[k] = (unsigned char)fmin(255.0, shade * (l1 * ca[k] + l2 * cb[k] + l3 * cc[k]));
      px8[3] = 255;
    }
}

int pv_shape_render(const pv_mesh *m, const unsigned char *rgb, double yaw, pv_image *img, int x0, int y0, int w,
                    int h) {
  if (!m || !img || w < 1 || h < 1) return PV_ERROR(PV_EINVAL, "render: bad arguments");
  vec3 *s = pv_malloc((size_t)m->nv * sizeof *s + 8);
  float *zb = pv_malloc((size_t)w * h * sizeof *zb);
  if (!s || !zb) { pv_free(s); pv_free(zb); return PV_ENOMEM; }
  for (size_t i = 0; i < (size_t)w * h; i++) zb[i] = -INFINITY;
  project(m, yaw, x0, y0, w, h, s);
  static const unsigned char grey[3] = {200, 200, 200};
  for (int64_t t = 0; t < m->nf; t++) {
    const int64_t *c = m->f + 3 * t;
    const vec3 *a = &s[c[0]], *b = &s[c[1]], *d = &s[c[2]];
    /* Normal in view space for two-sided Lambert shading (light from the viewer). */
    double ux = b->x - a->x, uy = b->y - a->y, uz = b->z - a->z, vx = d->x - a->x, vy = d->y - a->y, vz = d->z - a->z;
    double nx = uy * vz - uz * vy, ny = uz * vx - ux * vz, nz = ux * vy - uy * vx, nn = sqrt(nx * nx + ny * ny + nz * nz);
    double shade = nn > 0 ? 0.35 + 0.65 * fabs(nz) / nn : 0.35;
    draw_tri(img, zb, x0, y0, w, h, a, b, d, rgb ? rgb + 3 * c[0] : grey, rgb ? rgb + 3 * c[1] : grey,
             rgb ? rgb + 3 * c[2] : grey, shade);
  }
  pv_free(s);
  pv_free(zb);
  return 0;
}
