#define _POSIX_C_SOURCE 200809L
/* `parseval quicklook` end to end through the real host: pictures decoded
 * with libpng and compared with a stretch computed here from the input
 * (sorted values, linear percentiles), provenance in the text chunks, .npy
 * and .mat inputs, and bad input giving exit 1, one stderr line naming the
 * file and no output. The host binary is the last argument. */
#include <math.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <parseval/npy.h>
#include <parseval/raster.h>
#include <parseval/render.h>

#include "pv_test.h"

static const char *host;
static char err_text[8192];

static const char *scene(const char *name) {
  static char buf[1024];
  const char *src = getenv("PV_SOURCE_DIR");
  snprintf(buf, sizeof buf, "%s/datasets/scene/%s", src ? src : ".", name);
  return buf;
}

static int run(const char *args) {
  char cmd[4096], errf[1024];
  snprintf(errf, sizeof errf, "%s/stderr.txt", pv_test_tmpdir());
  snprintf(cmd, sizeof cmd, "%s quicklook %s 2> %s", host, args, errf);
  int st = system(cmd);
  FILE *fp = fopen(errf, "r");
  size_t n = fp ? fread(err_text, 1, sizeof err_text - 1, fp) : 0;
  err_text[n] = 0;
  if (fp) fclose(fp);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int exists(const char *p) {
  struct stat sb;
  return stat(p, &sb) == 0;
}

typedef struct {
  int w, h;
  unsigned char *rgba;
  char key[32][64], val[32][512];
  int nt;
} png_img;

static int load_png(const char *path, png_img *d) {
  memset(d, 0, sizeof *d);
  FILE *f = fopen(path, "rb");
  if (!f) return -1;
  png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
  png_infop info = png_create_info_struct(png);
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_read_struct(&png, &info, NULL);
    fclose(f);
    return -1;
  }
  png_init_io(png, f);
  png_read_png(png, info, PNG_TRANSFORM_IDENTITY, NULL);
  d->w = (int)png_get_image_width(png, info);
  d->h = (int)png_get_image_height(png, info);
  png_bytepp rows = png_get_rows(png, info);
  d->rgba = malloc((size_t)d->w * d->h * 4);
  for (int y = 0; y < d->h; y++) memcpy(d->rgba + (size_t)y * d->w * 4, rows[y], (size_t)d->w * 4);
  png_textp t;
  int n = 0;
  png_get_text(png, info, &t, &n);
  for (int i = 0; i < n && i < 32; i++) {
    snprintf(d->key[i], 64, "%s", t[i].key);
    snprintf(d->val[i], 512, "%s", t[i].text);
  }
  d->nt = n < 32 ? n : 32;
  png_destroy_read_struct(&png, &info, NULL);
  fclose(f);
  return 0;
}

static const char *text(const png_img *d, const char *key) {
  for (int i = 0; i < d->nt; i++)
    if (!strcmp(d->key[i], key)) return d->val[i];
  return NULL;
}

static const unsigned char *pix(const png_img *d, int x, int y) {
  return d->rgba + ((size_t)y * d->w + x) * 4;
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Percentile p of the finite values of v[0..n), by sorting. */
static double pct_sorted(const double *v, size_t n, double p) {
  double *s = malloc(n * sizeof *s);
  size_t m = 0;
  for (size_t i = 0; i < n; i++)
    if (isfinite(v[i])) s[m++] = v[i];
  qsort(s, m, sizeof *s, cmp);
  double pos = p / 100 * (double)(m - 1);
  size_t k = (size_t)pos;
  double r = s[k] + (pos - (double)k) * (k + 1 < m ? s[k + 1] - s[k] : 0);
  free(s);
  return r;
}

static int byte_of(double v, double lo, double hi) {
  double t = (v - lo) / (hi - lo);
  t = t < 0 ? 0 : t > 1 ? 1 : t;
  return (int)floor(255 * t + 0.5);
}

static void test_scene_true_colour(void) {
  char args[4096];
  const char *out = pv_test_path("scene.png");
  snprintf(args, sizeof args, "%s %s", scene("scene.img"), out);
  CHECK_EQ_INT(run(args), 0);
  png_img d;
  CHECK(load_png(out, &d) == 0);
  /* the input, read independently: true colour = bands nearest 640/550/460 nm */
  pv_ctx *ctx = NULL;
  CHECK_OK(pv_ctx_create(&ctx));
  pv_raster_cube c;
  CHECK_OK(pv_raster_read(ctx, scene("scene.img"), NULL, &c));
  size_t want[3] = {4, 2, 1}; /* 668.4, 534.2, 467.1 nm */
  CHECK(fabs(c.meta.wavelength[4] - 668.387) < 0.01 && fabs(c.meta.wavelength[1] - 467.097) < 0.01);
  const double *data = c.data;
  size_t np = c.width * c.height;
  double lo[3], hi[3];
  for (int k = 0; k < 3; k++) {
    lo[k] = pct_sorted(data + want[k] * np, np, 2);
    hi[k] = pct_sorted(data + want[k] * np, np, 98);
  }
  /* layout from the library (same options), values from the computation above */
  pv_view v[3];
  size_t shape[2] = {c.height, c.width};
  for (int k = 0; k < 3; k++) pv_view_init(&v[k], (double *)data + want[k] * np, PV_F64, 2, shape);
  pv_quicklook_opts o = PV_QUICKLOOK_OPTS_INIT;
  o.title = "scene.img: RGB = bands 5,3,2";
  pv_image *ref = NULL;
  pv_quicklook_info in;
  CHECK_OK(pv_quicklook_rgb(&v[0], &v[1], &v[2], &o, &ref, &in));
  CHECK(d.w == ref->width && d.h == ref->height);
  pv_image_destroy(&ref);
  int checked = 0, nan_seen = 0;
  for (size_t r = 0; r < c.height; r += 3)
    for (size_t q = 0; q < c.width; q += 3) {
      const unsigned char *p = pix(&d, in.x0 + (int)q * in.zoom + in.zoom / 2, in.y0 + (int)r * in.zoom + in.zoom / 2);
      int valid = 1;
      for (int k = 0; k < 3; k++) valid &= isfinite(data[want[k] * np + r * c.width + q]);
      if (!valid) { nan_seen++; CHECK(p[3] == 0); continue; }
      for (int k = 0; k < 3; k++) {
        int e = byte_of(data[want[k] * np + r * c.width + q], lo[k], hi[k]);
        if (p[k] != e)
          pv_test_fail(__FILE__, __LINE__, "(%zu,%zu) channel %d = %d, expected %d", r, q, k, p[k], e);
      }
      checked++;
    }
  CHECK(checked > 100);
  /* provenance: the input's checksum, the bands shown and the stretch */
  char hex[65];
  CHECK_OK(pv_sha256_file(scene("scene.img"), hex, NULL));
  CHECK(text(&d, "parseval.input.0.sha256") && !strcmp(text(&d, "parseval.input.0.sha256"), hex));
  CHECK(text(&d, "parseval.app") && !strcmp(text(&d, "parseval.app"), "quicklook"));
  CHECK(text(&d, "parseval.param.shown-bands") && strstr(text(&d, "parseval.param.shown-bands"), "668"));
  CHECK(text(&d, "parseval.param.stretch") && !strcmp(text(&d, "parseval.param.stretch"), "2,98"));
  free(d.rgba);
  pv_raster_cube_free(&c);
  pv_ctx_destroy(&ctx);
}

static void test_npy_band(void) {
  size_t shape[3] = {2, 10, 20};
  double *a = pv_malloc(400 * sizeof *a);
  for (size_t k = 0; k < 400; k++) a[k] = k < 200 ? 0.0 : (double)((k * 37) % 200) - 50.0;
  a[200 + 3 * 20 + 4] = NAN;
  pv_view v;
  CHECK_OK(pv_view_init(&v, a, PV_F64, 3, shape));
  const char *in = pv_test_path("cube.npy"), *out = pv_test_path("cube.png");
  CHECK_OK(pv_npy_write(in, &v, NULL, 0));
  char args[4096];
  snprintf(args, sizeof args, "--bands=2 --cmap=gray --stretch=0,100 --zoom=1 --nan=black %s %s", in, out);
  CHECK_EQ_INT(run(args), 0);
  png_img d;
  CHECK(load_png(out, &d) == 0);
  pv_view band;
  size_t s2[2] = {10, 20};
  pv_view_init(&band, a + 200, PV_F64, 2, s2);
  pv_quicklook_opts o = PV_QUICKLOOK_OPTS_INIT;
  o.zoom = 1;
  o.title = "cube.npy: band 2";
  pv_image *ref = NULL;
  pv_quicklook_info in2;
  CHECK_OK(pv_quicklook_band(&band, &o, &ref, &in2));
  pv_image_destroy(&ref);
  double lo = -50, hi = 149;
  int bad = 0;
  for (int r = 0; r < 10; r++)
    for (int q = 0; q < 20; q++) {
      const unsigned char *p = pix(&d, in2.x0 + q, in2.y0 + r);
      double x = a[200 + r * 20 + q];
      int e = isnan(x) ? 0 : byte_of(x, lo, hi);
      bad += p[0] != e || p[1] != e || p[2] != e || p[3] != 255;
    }
  CHECK_EQ_INT(bad, 0);
  free(d.rgba);
  pv_free(a);
}

/* --max-size: a 40 x 40 band shown as means of 3 x 3 blocks (14 x 14). */
static void test_reduction(void) {
  const char *out = pv_test_path("reduced.png");
  char args[4096];
  snprintf(args, sizeof args, "--bands=12 --max-size=16 --zoom=2 --cmap=gray %s %s", scene("scene.tif"), out);
  CHECK_EQ_INT(run(args), 0);
  pv_ctx *ctx = NULL;
  CHECK_OK(pv_ctx_create(&ctx));
  pv_raster_cube c;
  CHECK_OK(pv_raster_read(ctx, scene("scene.tif"), NULL, &c));
  const double *band = (const double *)c.data + 11 * c.width * c.height;
  double mean[14 * 14];
  for (size_t i = 0; i < 14; i++)
    for (size_t j = 0; j < 14; j++) {
      double s = 0;
      int n = 0;
      for (size_t r = 3 * i; r < 3 * i + 3 && r < 40; r++)
        for (size_t q = 3 * j; q < 3 * j + 3 && q < 40; q++)
          if (isfinite(band[r * 40 + q])) { s += band[r * 40 + q]; n++; }
      mean[i * 14 + j] = n ? s / n : NAN;
    }
  double lo = pct_sorted(mean, 196, 2), hi = pct_sorted(mean, 196, 98);
  png_img d;
  CHECK(load_png(out, &d) == 0);
  pv_view v;
  size_t shape[2] = {14, 14};
  pv_view_init(&v, mean, PV_F64, 2, shape);
  pv_quicklook_opts o = PV_QUICKLOOK_OPTS_INIT;
  o.zoom = 2;
  o.cmap = PV_CMAP_GRAY;
  o.title = "x";
  pv_image *ref = NULL;
  pv_quicklook_info in;
  CHECK_OK(pv_quicklook_band(&v, &o, &ref, &in));
  pv_image_destroy(&ref);
  int bad = 0;
  for (int i = 0; i < 14; i++)
    for (int j = 0; j < 14; j++) {
      const unsigned char *p = pix(&d, in.x0 + 2 * j, in.y0 + 2 * i);
      if (isnan(mean[i * 14 + j])) { bad += p[3] != 0; continue; }
      bad += abs(p[0] - byte_of(mean[i * 14 + j], lo, hi)) > 1;
    }
  CHECK_EQ_INT(bad, 0);
  CHECK(text(&d, "parseval.param.reduction") && !strcmp(text(&d, "parseval.param.reduction"), "3"));
  free(d.rgba);
  pv_raster_cube_free(&c);
  pv_ctx_destroy(&ctx);
}

static void test_jasper(void) {
  const char *ds = pv_test_shared_datasets();
  if (!ds) { printf("SKIP: shared datasets absent\n"); return; }
  char in[1024], args[4096];
  snprintf(in, sizeof in, "%s/hsi/Jasper.mat", ds);
  if (!exists(in)) { printf("SKIP: %s absent\n", in); return; }
  const char *out = pv_test_path("jasper.png");
  snprintf(args, sizeof args, "%s %s", in, out);
  CHECK_EQ_INT(run(args), 0);
  png_img d;
  CHECK(load_png(out, &d) == 0);
  CHECK(d.w > 300 && d.h > 300); /* 100 x 100 pixels at zoom 3, plus bar and title */
  char hex[65];
  CHECK_OK(pv_sha256_file(in, hex, NULL));
  CHECK(text(&d, "parseval.input.0.sha256") && !strcmp(text(&d, "parseval.input.0.sha256"), hex));
  CHECK(text(&d, "parseval.param.shown-bands") && !strcmp(text(&d, "parseval.param.shown-bands"), "band 100"));
  free(d.rgba);
}

static int lines(const char *s) {
  int k = 0;
  for (; *s; s++) k += *s == '\n';
  return k;
}

static void expect_failure(const char *args, const char *needle, const char *out) {
  int rc = run(args);
  if (rc != 1 || lines(err_text) != 1 || !strstr(err_text, needle))
    pv_test_fail(__FILE__, __LINE__, "%s: exit %d, stderr \"%s\" (want 1 line naming %s)", args,
                 rc, err_text, needle);
  if (out) CHECK(!exists(out));
}

static void test_bad_input(void) {
  char args[4096];
  const char *out = pv_test_path("never.png");
  snprintf(args, sizeof args, "%s %s", pv_test_path("missing.tif"), out);
  expect_failure(args, "missing.tif", out);
  FILE *f = fopen(pv_test_path("zero.npy"), "wb");
  fclose(f);
  snprintf(args, sizeof args, "%s %s", pv_test_path("zero.npy"), out);
  expect_failure(args, "zero.npy", out);
  snprintf(args, sizeof args, "--bands=1,2 %s %s", scene("scene.img"), out);
  expect_failure(args, "--bands", out);
  snprintf(args, sizeof args, "--bands=99 %s %s", scene("scene.img"), out);
  expect_failure(args, "99", out);
  /* an existing output is kept unless --overwrite */
  const char *keep = pv_test_path("keep.png");
  f = fopen(keep, "wb");
  fputs("keep", f);
  fclose(f);
  snprintf(args, sizeof args, "%s %s", scene("scene.img"), keep);
  CHECK(run(args) != 0 && strstr(err_text, "keep.png"));
  struct stat sb;
  CHECK(stat(keep, &sb) == 0 && sb.st_size == 4);
  snprintf(args, sizeof args, "--overwrite %s %s", scene("scene.img"), keep);
  CHECK_EQ_INT(run(args), 0);
  CHECK(stat(keep, &sb) == 0 && sb.st_size > 1000);
  snprintf(args, sizeof args, "%s /proc/parseval-no/q.png", scene("scene.img"));
  expect_failure(args, "q.png", NULL);
  char cmd[1200];
  snprintf(cmd, sizeof cmd, "ls %s | grep -q tmp-", pv_test_tmpdir());
  CHECK(system(cmd) != 0); /* no temporaries left */
}

int main(int argc, char **argv) {
  host = argc > 1 ? argv[argc - 1] : "parseval";
  static const pv_test_case cases[] = {PV_CASE(test_scene_true_colour), PV_CASE(test_npy_band),
                                       PV_CASE(test_reduction), PV_CASE(test_jasper),
                                       PV_CASE(test_bad_input)};
  return pv_test_main(argc > 2 ? 2 : 1, argv, cases, 5);
}
