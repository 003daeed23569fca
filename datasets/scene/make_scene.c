/* make_scene - a deterministic synthetic hyperspectral scene (see README.md).
 *
 *   make_scene [--width=40] [--height=40] [--bands=32] [--snr=40] [--seed=1]
 *              [--overwrite] OUTDIR
 *
 * Writes OUTDIR/scene.img (+ scene.hdr, ENVI BSQ, uint16 reflectance x 10000),
 * OUTDIR/scene.tif (same cube, tiled deflate GeoTIFF), OUTDIR/abundances.tif
 * (float32, one band per endmember) and OUTDIR/endmembers.csv. Every random
 * draw comes from pv_rng (seed, stream): stream 0 places the abundance blobs
 * and pure patches, stream 1 draws the noise. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <parseval/parseval.h>
#include <parseval/raster.h>

#define P 4 /* endmembers */
static const char *names[P] = {"vegetation", "soil", "water", "asphalt"};

static double gauss(double x, double mu, double sd) { return exp(-0.5 * (x - mu) * (x - mu) / (sd * sd)); }
static double logistic(double x, double mu, double w) { return 1.0 / (1.0 + exp(-(x - mu) / w)); }

/* Reflectance (0..1) of endmember k at wavelength l (nm). */
static double spectrum(int k, double l) {
  switch (k) {
  case 0: /* green peak, red well, red edge at 720 nm, NIR plateau, leaf water bands */
    return 0.04 + 0.06 * gauss(l, 550, 35) + 0.42 * logistic(l, 720, 18) -
           0.20 * logistic(l, 1300, 60) - 0.12 * gauss(l, 1450, 60) - 0.15 * gauss(l, 1940, 70);
  case 1: /* rising soil line with a clay feature at 2200 nm */
    return 0.08 + 0.22 * logistic(l, 900, 350) - 0.05 * gauss(l, 2200, 40) - 0.03 * gauss(l, 1420, 50);
  case 2: /* clear water: blue-green maximum, black in the infrared */
    return 0.02 + 0.06 * gauss(l, 480, 90) * (1.0 - logistic(l, 750, 40));
  default: /* asphalt: dark, flat, slightly rising */
    return 0.07 + 0.00002 * (l - 400);
  }
}

typedef struct opts {
  long width, height, bands, seed;
  double snr;
  int overwrite;
  const char *dir;
} opts;

static int parse(int argc, char **argv, opts *o) {
  *o = (opts){40, 40, 32, 1, 40.0, 0, NULL};
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (!strncmp(a, "--width=", 8)) o->width = strtol(a + 8, NULL, 10);
    else if (!strncmp(a, "--height=", 9)) o->height = strtol(a + 9, NULL, 10);
    else if (!strncmp(a, "--bands=", 8)) o->bands = strtol(a + 8, NULL, 10);
    else if (!strncmp(a, "--seed=", 7)) o->seed = strtol(a + 7, NULL, 10);
    else if (!strncmp(a, "--snr=", 6)) o->snr = strtod(a + 6, NULL);
    else if (!strcmp(a, "--overwrite")) o->overwrite = 1;
    else if (a[0] != '-' && !o->dir) o->dir = a;
    else return 1;
  }
  return !o->dir || o->width < 8 || o->height < 8 || o->bands < 4 || o->bands > 1000 || o->width > 20000 ||
         o->height > 20000 || !(o->snr > 0);
}

/* Abundances: 3 Gaussian blobs per endmember give a field f_k; a = softmax(4 f);
 * then one 2x2 pure patch per endmember at a seeded spot of its own quadrant. */
static void abundances(const opts *o, double *a) {
  size_t W = (size_t)o->width, H = (size_t)o->height, n = W * H;
  pv_rng r;
  pv_rng_init(&r, (uint64_t)o->seed, 0);
  double cx[P][3], cy[P][3], rad[P][3];
  for (int k = 0; k < P; k++)
    for (int j = 0; j < 3; j++) {
      cx[k][j] = pv_rng_uniform(&r) * (double)W;
      cy[k][j] = pv_rng_uniform(&r) * (double)H;
      rad[k][j] = (0.15 + 0.2 * pv_rng_uniform(&r)) * (double)(W < H ? W : H);
    }
  for (size_t y = 0; y < H; y++)
    for (size_t x = 0; x < W; x++) {
      double f[P], s = 0;
      for (int k = 0; k < P; k++) {
        f[k] = 0;
        for (int j = 0; j < 3; j++) {
          double dx = (double)x - cx[k][j], dy = (double)y - cy[k][j];
          f[k] += exp(-(dx * dx + dy * dy) / (2 * rad[k][j] * rad[k][j]));
        }
        f[k] = exp(4.0 * f[k]);
        s += f[k];
      }
      for (int k = 0; k < P; k++) a[k * n + y * W + x] = f[k] / s;
    }
  for (int k = 0; k < P; k++) {
    size_t qx = (size_t)(k % 2) * W / 2, qy = (size_t)(k / 2) * H / 2;
    size_t px = qx + 1 + (size_t)pv_rng_below(&r, W / 2 - 3), py = qy + 1 + (size_t)pv_rng_below(&r, H / 2 - 3);
    for (size_t y = py; y < py + 2; y++)
      for (size_t x = px; x < px + 2; x++)
        for (int j = 0; j < P; j++) a[j * n + y * W + x] = j == k;
  }
}

static void set_common_meta(pv_raster_meta *m) {
  double gt[6] = {560000.0, 30.0, 0.0, 4140000.0, 0.0, -30.0};
  memcpy(m->geotransform, gt, sizeof gt);
  m->has_geotransform = 1;
  pv_raster_meta_set_srs(m, "EPSG:32610");
}

/* Signal = sum_k a_k spectrum_k; white noise of the chosen SNR; reflectance
 * x 10000 clipped at 0; a 3x2 no-data hole in the bottom-right corner.
 * Returns the noise sigma (reflectance units). */
static double fill_scene(const opts *o, const double *a, const double *wl, double *x) {
  size_t W = (size_t)o->width, H = (size_t)o->height, B = (size_t)o->bands, n = W * H;
  double ms = 0;
  for (size_t b = 0; b < B; b++)
    for (size_t i = 0; i < n; i++) {
      double v = 0;
      for (int k = 0; k < P; k++) v += spectrum(k, wl[b]) * a[k * n + i];
      x[b * n + i] = v;
      ms += v * v;
    }
  double sigma = sqrt(ms / (double)(n * B)) * pow(10.0, -o->snr / 20.0);
  pv_rng r;
  pv_rng_init(&r, (uint64_t)o->seed, 1);
  for (size_t i = 0; i < n * B; i++) x[i] = fmax(0.0, 10000.0 * (x[i] + sigma * pv_rng_normal(&r)));
  for (size_t b = 0; b < B; b++)
    for (size_t y = H - 2; y < H; y++)
      for (size_t c = W - 3; c < W; c++) x[b * n + y * W + c] = NAN;
  return sigma;
}

/* Spectral fields, no-data, provenance of the generator. */
static int scene_meta(const opts *o, const double *wl, const double *fw, double sigma,
                      pv_raster_meta *m) {
  size_t B = (size_t)o->bands;
  set_common_meta(m);
  int st = pv_raster_meta_set_wavelengths(m, wl, fw, "Nanometers");
  if (st == 0 && !(m->bbl = pv_malloc(B))) st = PV_ENOMEM;
  for (size_t b = 0; st == 0 && b < B; b++)
    m->bbl[b] = !((wl[b] > 1340 && wl[b] < 1460) || (wl[b] > 1790 && wl[b] < 1960));
  m->has_nodata = 1;
  m->nodata = 65535;
  char buf[256];
  snprintf(buf, sizeof buf, "make_scene --width=%ld --height=%ld --bands=%ld --snr=%g --seed=%ld",
           o->width, o->height, o->bands, o->snr, o->seed);
  if (st == 0) st = pv_raster_meta_set_item(m, "generator", buf);
  if (st == 0) st = pv_raster_meta_set_item(m, "scale_factor", "0.0001");
  snprintf(buf, sizeof buf, "%.17g", sigma);
  if (st == 0) st = pv_raster_meta_set_item(m, "noise_sigma_reflectance", buf);
  return st;
}

static int write_csv(const opts *o, const double *wl) {
  char csv[65536], path[4096];
  size_t u = (size_t)snprintf(csv, sizeof csv, "wavelength_nm,%s,%s,%s,%s\n", names[0], names[1],
                              names[2], names[3]);
  for (size_t b = 0; b < (size_t)o->bands && u < sizeof csv - 128; b++)
    u += (size_t)snprintf(csv + u, sizeof csv - u, "%.6f,%.6f,%.6f,%.6f,%.6f\n", wl[b],
                          spectrum(0, wl[b]), spectrum(1, wl[b]), spectrum(2, wl[b]),
                          spectrum(3, wl[b]));
  snprintf(path, sizeof path, "%s/endmembers.csv", o->dir);
  return pv_file_write_atomic(path, csv, u, o->overwrite);
}

static int write_all(pv_ctx *ctx, const opts *o, const pv_raster_cube *scene,
                     const pv_raster_cube *ab, const double *wl) {
  char path[4096];
  snprintf(path, sizeof path, "%s/scene.img", o->dir);
  int st = pv_raster_write(ctx, path, PV_RASTER_ENVI, scene, PV_U16, o->overwrite);
  snprintf(path, sizeof path, "%s/scene.tif", o->dir);
  if (!st) st = pv_raster_write(ctx, path, PV_RASTER_GTIFF, scene, PV_U16, o->overwrite);
  snprintf(path, sizeof path, "%s/abundances.tif", o->dir);
  if (!st) st = pv_raster_write(ctx, path, PV_RASTER_GTIFF, ab, PV_F32, o->overwrite);
  if (!st) st = write_csv(o, wl);
  return st;
}

static int run(pv_ctx *ctx, const opts *o) {
  size_t W = (size_t)o->width, H = (size_t)o->height, B = (size_t)o->bands, n = W * H;
  double *a = pv_malloc(P * n * sizeof(double));
  double *wl = pv_malloc(B * sizeof(double)), *fw = pv_malloc(B * sizeof(double));
  pv_raster_cube scene, ab;
  memset(&scene, 0, sizeof scene);
  memset(&ab, 0, sizeof ab);
  int st = (a && wl && fw) ? 0 : PV_ENOMEM;
  if (!st) st = pv_raster_cube_alloc(&scene, W, H, B, PV_F64);
  if (!st) st = pv_raster_cube_alloc(&ab, W, H, P, PV_F32);
  if (!st) {
    abundances(o, a);
    for (size_t b = 0; b < B; b++) {
      wl[b] = 400.0 + 2080.0 * (double)b / (double)(B - 1);
      fw[b] = 1.1 * 2080.0 / (double)(B - 1);
    }
    double sigma = fill_scene(o, a, wl, scene.data);
    for (size_t i = 0; i < P * n; i++) ((float *)ab.data)[i] = (float)a[i];
    st = scene_meta(o, wl, fw, sigma, &scene.meta);
  }
  set_common_meta(&ab.meta);
  for (int k = 0; !st && k < P; k++) st = pv_raster_meta_set_band_name(&ab.meta, (size_t)k, names[k]);
  if (!st) st = pv_raster_meta_set_item(&ab.meta, "generator", "make_scene abundances (sum to one per pixel)");
  if (!st) st = write_all(ctx, o, &scene, &ab, wl);
  pv_raster_cube_free(&scene);
  pv_raster_cube_free(&ab);
  pv_free(a);
  pv_free(wl);
  pv_free(fw);
  return st;
}

int main(int argc, char **argv) {
  opts o;
  if (parse(argc, argv, &o)) {
    fprintf(stderr, "usage: make_scene [--width=40] [--height=40] [--bands=32] [--snr=40] [--seed=1] "
                    "[--overwrite] OUTDIR\n");
    return 2;
  }
  pv_ctx *ctx;
  if (pv_init() || pv_ctx_create(&ctx)) return 1;
  pv_ctx_set_log(ctx, PV_LOG_WARN, pv_log_stderr, NULL);
  int st = run(ctx, &o);
  if (st) fprintf(stderr, "make_scene: %s\n", pv_error_message());
  pv_ctx_destroy(&ctx);
  return st ? 1 : 0;
}
