/* Renderer: font, colour maps against published viridis anchors,
 * percentiles against a sorted reference, PNG decoded back by libpng
 * (size, pixels, text chunks), quicklooks and plots at known pixels, SVG. */
#include <png.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <parseval/render.h>

#include "pv_test.h"

/* ---- independent PNG decoding with libpng ---- */
typedef struct {
  int w, h;
  unsigned char *rgba;
  char texts[16][2][512];
  int ntext;
} decoded;

static int decode_png(const char *path, decoded *d) {
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
  if (png_get_color_type(png, info) != PNG_COLOR_TYPE_RGB_ALPHA || png_get_bit_depth(png, info) != 8) {
    png_destroy_read_struct(&png, &info, NULL);
    fclose(f);
    return -1;
  }
  png_bytepp rows = png_get_rows(png, info);
  d->rgba = malloc((size_t)d->w * d->h * 4);
  for (int y = 0; y < d->h; y++) memcpy(d->rgba + (size_t)y * d->w * 4, rows[y], (size_t)d->w * 4);
  png_textp text;
  int n = 0;
  png_get_text(png, info, &text, &n);
  for (int i = 0; i < n && i < 16; i++) {
    snprintf(d->texts[i][0], 512, "%s", text[i].key);
    snprintf(d->texts[i][1], 512, "%s", text[i].text);
  }
  d->ntext = n < 16 ? n : 16;
  png_destroy_read_struct(&png, &info, NULL);
  fclose(f);
  return 0;
}

static const char *text_of(const decoded *d, const char *key) {
  for (int i = 0; i < d->ntext; i++)
    if (strcmp(d->texts[i][0], key) == 0) return d->texts[i][1];
  return NULL;
}

static const unsigned char *px(const decoded *d, int x, int y) {
  return d->rgba + ((size_t)y * d->w + x) * 4;
}

static int same_rgb(const unsigned char *a, const unsigned char *b) {
  return a[0] == b[0] && a[1] == b[1] && a[2] == b[2];
}

/* ---- font ---- */
static void test_font(void) {
  unsigned char g[95][7];
  for (int c = 32; c < 127; c++) pv_font_glyph((char)c, g[c - 32]);
  int empty = 0;
  for (int r = 0; r < 7; r++) empty += g[0][r] == 0;
  CHECK_EQ_INT(empty, 7); /* space */
  for (int a = 1; a < 95; a++) {
    int ink = 0;
    for (int r = 0; r < 7; r++) ink += g[a][r] != 0;
    if (!ink) pv_test_fail(__FILE__, __LINE__, "glyph '%c' is empty", a + 32);
    for (int b = 0; b < a; b++)
      if (memcmp(g[a], g[b], 7) == 0)
        pv_test_fail(__FILE__, __LINE__, "glyphs '%c' and '%c' are identical", a + 32, b + 32);
  }
  /* a non-ASCII byte draws as '?' */
  unsigned char q[7], hi[7];
  pv_font_glyph('?', q);
  pv_font_glyph((char)0xE9, hi);
  CHECK(memcmp(q, hi, 7) == 0);
  CHECK_EQ_INT(pv_text_width("ab", 1), 11);
  CHECK_EQ_INT(pv_text_width("ab", 3), 33);
  CHECK_EQ_INT(pv_text_width("", 2), 0);
  /* drawn pixels follow the glyph bits, horizontally and rotated */
  pv_image *img = NULL;
  CHECK_OK(pv_image_create(20, 20, NULL, &img));
  unsigned char red[4] = {255, 0, 0, 255};
  pv_image_draw_text(img, 2, 3, "F", 1, 0, red);
  unsigned char f[7];
  pv_font_glyph('F', f);
  int bad = 0;
  for (int r = 0; r < 7; r++)
    for (int c = 0; c < 5; c++) bad += (pv_image_pixel(img, 2 + c, 3 + r)[1] == 0) != ((f[r] >> (4 - c)) & 1);
  CHECK_EQ_INT(bad, 0);
  pv_image_destroy(&img);
  CHECK_OK(pv_image_create(20, 20, NULL, &img));
  pv_image_draw_text(img, 2, 15, "F", 1, 1, red); /* bottom-left corner (2, 15) */
  bad = 0;
  for (int r = 0; r < 7; r++)
    for (int c = 0; c < 5; c++) bad += (pv_image_pixel(img, 2 + r, 15 - 1 - c)[1] == 0) != ((f[r] >> (4 - c)) & 1);
  CHECK_EQ_INT(bad, 0);
  pv_image_destroy(&img);
}

/* ---- colour maps ---- */
/* coolwarm against Moreland's published table ("Diverging Color Maps for
 * Scientific Visualization", 2009: 33 entries at t = k/32, 8-bit sRGB);
 * the map is computed from its definition, so this is an independent check. */
static void test_cmap_coolwarm(void) {
  static const unsigned char tab[33][3] = {
      {59, 76, 192},   {68, 90, 204},   {77, 104, 215},  {87, 117, 225},  {98, 130, 234},
      {108, 142, 241}, {119, 154, 247}, {130, 165, 251}, {141, 176, 254}, {152, 185, 255},
      {163, 194, 255}, {174, 201, 253}, {184, 208, 249}, {194, 213, 244}, {204, 217, 238},
      {213, 219, 230}, {221, 221, 221}, {229, 216, 209}, {236, 211, 197}, {241, 204, 185},
      {245, 196, 173}, {247, 187, 160}, {247, 177, 148}, {247, 166, 135}, {244, 154, 123},
      {241, 141, 111}, {236, 127, 99},  {229, 112, 88},  {222, 96, 77},   {213, 80, 66},
      {203, 62, 56},   {192, 40, 47},   {180, 4, 38}};
  int worst = 0;
  for (int k = 0; k < 33; k++) {
    unsigned char c[3];
    pv_cmap_color(PV_CMAP_COOLWARM, k / 32.0, c);
    for (int ch = 0; ch < 3; ch++) worst = abs(c[ch] - tab[k][ch]) > worst ? abs(c[ch] - tab[k][ch]) : worst;
  }
  CHECK(worst <= 1); /* measured 1 (one entry, rounding) */
  pv_cmap m;
  CHECK_OK(pv_cmap_from_name("coolwarm", &m));
  CHECK(m == PV_CMAP_COOLWARM);
}

static void test_cmap(void) {
  /* viridis at k/9, as published (matplotlib / R viridisLite) */
  static const char *anchors[10] = {"440154", "482878", "3E4A89", "31688E", "26828E",
                                    "1F9E89", "35B779", "6DCD59", "B4DE2C", "FDE725"};
  for (int k = 0; k < 10; k++) {
    unsigned char c[3];
    pv_cmap_color(PV_CMAP_VIRIDIS, k / 9.0, c);
    unsigned v = (unsigned)strtoul(anchors[k], NULL, 16);
    int ref[3] = {(int)(v >> 16), (int)(v >> 8 & 255), (int)(v & 255)};
    for (int ch = 0; ch < 3; ch++)
      if (abs(c[ch] - ref[ch]) > 5)
        pv_test_fail(__FILE__, __LINE__, "viridis(%d/9) channel %d = %d, published %d", k, ch, c[ch], ref[ch]);
  }
  /* perceptual order: relative luminance rises monotonically along viridis */
  double prev = -1;
  for (int k = 0; k < 256; k++) {
    unsigned char c[3];
    pv_cmap_color(PV_CMAP_VIRIDIS, k / 255.0, c);
    double lum = 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
    CHECK(lum >= prev - 0.5);
    prev = lum;
  }
  unsigned char c[3];
  pv_cmap_color(PV_CMAP_GRAY, 0.5, c);
  CHECK(c[0] == 128 && c[1] == 128 && c[2] == 128);
  pv_cmap_color(PV_CMAP_VIRIDIS, NAN, c);
  unsigned char z[3];
  pv_cmap_color(PV_CMAP_VIRIDIS, -3, z);
  CHECK(memcmp(c, z, 3) == 0);
  pv_cmap m;
  CHECK_OK(pv_cmap_from_name("gray", &m));
  CHECK(m == PV_CMAP_GRAY);
  CHECK_STATUS(pv_cmap_from_name("jet", &m), PV_EINVAL);
}

/* ---- percentiles ---- */
static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static void test_percentiles(void) {
  double small[4] = {4, 1, 3, 2};
  size_t n4 = 4, nv = 0;
  pv_view v;
  CHECK_OK(pv_view_init(&v, small, PV_F64, 1, &n4));
  double pct[4] = {0, 50, 100, 2}, out[4];
  CHECK_OK(pv_percentiles(&v, pct, 4, NULL, out, &nv));
  CHECK(out[0] == 1 && out[1] == 2.5 && out[2] == 4);
  CHECK_NEAR(out[3], 1.06, 1e-12); /* 1 + 0.02 * 3 */
  CHECK_EQ_INT(nv, 4);
  /* random float32 with NaNs, infinities and a no-data value, strided */
  size_t shape[2] = {37, 29};
  float *a = pv_malloc(37 * 29 * sizeof *a);
  double *ref = pv_malloc(37 * 29 * sizeof *ref);
  pv_rng r;
  pv_rng_init(&r, 7, 0);
  size_t m = 0;
  for (size_t k = 0; k < 37 * 29; k++) {
    a[k] = (float)pv_rng_normal(&r);
    if (k % 17 == 0) a[k] = NAN;
    if (k % 23 == 0) a[k] = INFINITY;
    if (k % 31 == 0) a[k] = -9999.0f;
  }
  pv_view full, col;
  CHECK_OK(pv_view_init(&full, a, PV_F32, 2, shape));
  int perm[2] = {1, 0};
  CHECK_OK(pv_view_permute(&full, perm, &col)); /* traverse column-wise */
  for (size_t k = 0; k < 37 * 29; k++)
    if (isfinite(a[k]) && a[k] != -9999.0f) ref[m++] = a[k];
  qsort(ref, m, sizeof *ref, cmp_double);
  double qs[5] = {2, 25, 50, 98, 99.9}, got[5], nod = -9999.0;
  CHECK_OK(pv_percentiles(&col, qs, 5, &nod, got, &nv));
  CHECK_EQ_INT(nv, m);
  for (int q = 0; q < 5; q++) {
    double pos = qs[q] / 100 * (double)(m - 1);
    size_t k = (size_t)pos;
    double want = ref[k] + (pos - k) * (k + 1 < m ? ref[k + 1] - ref[k] : 0);
    CHECK_NEAR(got[q], want, 1e-12);
  }
  double all_nan[3] = {NAN, NAN, NAN};
  size_t n3 = 3;
  CHECK_OK(pv_view_init(&v, all_nan, PV_F64, 1, &n3));
  CHECK_STATUS(pv_percentiles(&v, pct, 1, NULL, out, NULL), PV_EINVAL);
  double bad = 101;
  CHECK_OK(pv_view_init(&v, small, PV_F64, 1, &n4));
  CHECK_STATUS(pv_percentiles(&v, &bad, 1, NULL, out, NULL), PV_EINVAL);
  pv_free(a);
  pv_free(ref);
}

/* ---- PNG ---- */
static void test_png_round_trip(void) {
  pv_image *img = NULL;
  unsigned char bg[4] = {10, 20, 30, 255};
  CHECK_OK(pv_image_create(33, 17, bg, &img));
  unsigned char c1[4] = {200, 100, 50, 255}, c2[4] = {0, 0, 0, 0};
  pv_image_fill_rect(img, 5, 4, 3, 2, c1);
  memcpy(pv_image_pixel(img, 32, 16), c2, 4);
  pv_image_fill_rect(img, -5, -5, 3, 3, c1); /* fully clipped */
  CHECK(pv_image_pixel(img, 33, 0) == NULL && pv_image_pixel(img, -1, 0) == NULL);
  pv_provenance *prov = NULL;
  CHECK_OK(pv_provenance_create("test", "png", &prov));
  CHECK_OK(pv_provenance_set_seed(prov, 1234));
  CHECK_OK(pv_provenance_set_param(prov, "title", "na\xc3\xafve"));
  const char *path = pv_test_path("rt.png");
  CHECK_OK(pv_image_write_png(img, path, prov, 0));
  decoded d;
  CHECK(decode_png(path, &d) == 0);
  CHECK(d.w == 33 && d.h == 17);
  CHECK(memcmp(px(&d, 5, 4), c1, 4) == 0 && memcmp(px(&d, 7, 5), c1, 4) == 0);
  CHECK(memcmp(px(&d, 8, 4), bg, 4) == 0 && memcmp(px(&d, 5, 6), bg, 4) == 0);
  CHECK(memcmp(px(&d, 32, 16), c2, 4) == 0);
  CHECK(memcmp(px(&d, 0, 0), bg, 4) == 0);
  CHECK(text_of(&d, "parseval.seed") && strcmp(text_of(&d, "parseval.seed"), "1234") == 0);
  CHECK(text_of(&d, "parseval.param.title") &&
        strcmp(text_of(&d, "parseval.param.title"), "na\xc3\xafve") == 0); /* iTXt, UTF-8 */
  CHECK(text_of(&d, "parseval.provenance") && strstr(text_of(&d, "parseval.provenance"), "\"seed\":1234"));
  CHECK(text_of(&d, "Software") && strncmp(text_of(&d, "Software"), "Parseval ", 9) == 0);
  free(d.rgba);
  CHECK_STATUS(pv_image_write_png(img, path, NULL, 0), PV_EEXIST);
  CHECK(pv_image_write_png(img, "/proc/nope/x.png", NULL, 1) < 0);
  pv_error_clear();
  CHECK(!pv_test_exists("/proc/nope/x.png"));
  pv_image_destroy(&img);
  pv_provenance_destroy(&prov);
  CHECK_STATUS(pv_image_create(0, 5, NULL, &img), PV_EINVAL);
}

/* ---- quicklooks ---- */
static void test_quicklook_band(void) {
  size_t shape[2] = {40, 100};
  double *a = pv_malloc(40 * 100 * sizeof *a);
  for (size_t r = 0; r < 40; r++)
    for (size_t c = 0; c < 100; c++) a[r * 100 + c] = (double)c + 0.01 * (double)r;
  for (size_t r = 10; r < 14; r++)
    for (size_t c = 20; c < 26; c++) a[r * 100 + c] = NAN;
  pv_view v;
  CHECK_OK(pv_view_init(&v, a, PV_F64, 2, shape));
  pv_quicklook_opts o = PV_QUICKLOOK_OPTS_INIT;
  o.title = "Ramp (test)";
  o.units = "DN";
  pv_image *img = NULL;
  pv_quicklook_info info;
  CHECK_OK(pv_quicklook_band(&v, &o, &img, &info));
  CHECK_EQ_INT(info.n_invalid, 24);
  CHECK_EQ_INT(info.zoom, 3); /* automatic: 300 / 100 */
  double pct[2] = {2, 98}, lim[2];
  CHECK_OK(pv_percentiles(&v, pct, 2, NULL, lim, NULL));
  CHECK(info.lo[0] == lim[0] && info.hi[0] == lim[1]);
  const char *path = pv_test_path("band.png");
  CHECK_OK(pv_image_write_png(img, path, NULL, 0));
  decoded d;
  CHECK(decode_png(path, &d) == 0);
  CHECK(d.w == img->width && d.h == img->height);
  /* data pixel (r, c) -> colour map of the stretched value, every zoomed pixel */
  size_t probes[4][2] = {{0, 0}, {5, 50}, {39, 99}, {30, 70}};
  for (int k = 0; k < 4; k++) {
    size_t r = probes[k][0], c = probes[k][1];
    double t = (a[r * 100 + c] - lim[0]) / (lim[1] - lim[0]);
    t = t < 0 ? 0 : t > 1 ? 1 : t;
    unsigned char want[3];
    pv_cmap_color(PV_CMAP_VIRIDIS, floor(255 * t + 0.5) / 255.0, want);
    for (int dy = 0; dy < 3; dy++)
      for (int dx = 0; dx < 3; dx++) {
        const unsigned char *p = px(&d, info.x0 + (int)c * 3 + dx, info.y0 + (int)r * 3 + dy);
        if (!same_rgb(p, want) || p[3] != 255)
          pv_test_fail(__FILE__, __LINE__, "pixel of (%zu,%zu): %d %d %d, want %d %d %d", r, c,
                       p[0], p[1], p[2], want[0], want[1], want[2]);
      }
  }
  /* NaN transparent */
  CHECK(px(&d, info.x0 + 22 * 3 + 1, info.y0 + 11 * 3 + 1)[3] == 0);
  /* colour bar: top is the map's end, bottom its start */
  unsigned char top[3], bot[3];
  pv_cmap_color(PV_CMAP_VIRIDIS, 1, top);
  pv_cmap_color(PV_CMAP_VIRIDIS, 0, bot);
  CHECK(same_rgb(px(&d, info.bar_x + info.bar_w / 2, info.bar_y), top));
  CHECK(same_rgb(px(&d, info.bar_x + info.bar_w / 2, info.bar_y + info.bar_h - 1), bot));
  /* the labels put ink right of the bar, near its top and bottom */
  int ink_top = 0, ink_bot = 0;
  for (int x = info.bar_x + info.bar_w + 2; x < d.w; x++)
    for (int y = 0; y < 14; y++) {
      ink_top += px(&d, x, info.bar_y + y)[0] < 100;
      ink_bot += px(&d, x, info.bar_y + info.bar_h - 1 - y)[0] < 100;
    }
  CHECK(ink_top > 10 && ink_bot > 10);
  free(d.rgba);
  pv_image_destroy(&img);
  /* bad input */
  pv_view one;
  size_t s1[1] = {4};
  CHECK_OK(pv_view_init(&one, a, PV_F64, 1, s1));
  CHECK_STATUS(pv_quicklook_band(&one, &o, &img, NULL), PV_EINVAL);
  for (size_t k = 0; k < 4000; k++) a[k] = NAN;
  CHECK(pv_quicklook_band(&v, &o, &img, NULL) == PV_EINVAL && img == NULL);
  pv_error_clear();
  o.lo_pct = 50;
  o.hi_pct = 10;
  CHECK_STATUS(pv_quicklook_band(&v, &o, &img, NULL), PV_EINVAL);
  pv_free(a);
}

static void test_quicklook_rgb(void) {
  size_t shape[2] = {20, 30};
  float *b = pv_malloc(3 * 600 * sizeof *b);
  for (int k = 0; k < 3; k++)
    for (int i = 0; i < 600; i++) b[k * 600 + i] = (float)((i * (k + 1)) % 600) * (k == 2 ? -1.0f : 1.0f);
  b[600 + 7 * 30 + 8] = NAN; /* green invalid at (7, 8) */
  pv_view ch[3];
  for (int k = 0; k < 3; k++) CHECK_OK(pv_view_init(&ch[k], b + k * 600, PV_F32, 2, shape));
  pv_quicklook_opts o = PV_QUICKLOOK_OPTS_INIT;
  o.zoom = 2;
  o.nan_rgba[0] = o.nan_rgba[1] = o.nan_rgba[2] = 128;
  o.nan_rgba[3] = 255;
  o.lo_pct = 0;
  o.hi_pct = 100;
  pv_image *img = NULL;
  pv_quicklook_info in;
  CHECK_OK(pv_quicklook_rgb(&ch[0], &ch[1], &ch[2], &o, &img, &in));
  CHECK_EQ_INT(in.n_invalid, 1);
  CHECK(in.lo[0] == 0 && in.hi[0] == 599 && in.lo[2] == -597 && in.hi[2] == 0);
  const char *path = pv_test_path("rgb.png");
  CHECK_OK(pv_image_write_png(img, path, NULL, 0));
  decoded d;
  CHECK(decode_png(path, &d) == 0);
  /* pixel i = 0: red 0 (min), green 0 (min), blue 0 (= max of the negated band) */
  const unsigned char *p0 = px(&d, in.x0, in.y0);
  CHECK(p0[0] == 0 && p0[1] == 0 && p0[2] == 255);
  /* pixel (19, 29), i = 599: red max */
  const unsigned char *pl = px(&d, in.x0 + 29 * 2 + 1, in.y0 + 19 * 2 + 1);
  CHECK(pl[0] == 255);
  /* i = 300: red 300/599 */
  const unsigned char *pm = px(&d, in.x0 + 0, in.y0 + 10 * 2);
  CHECK_EQ_INT(pm[0], (int)floor(255.0 * 300 / 599 + 0.5));
  const unsigned char *pn = px(&d, in.x0 + 8 * 2, in.y0 + 7 * 2);
  CHECK(pn[0] == 128 && pn[1] == 128 && pn[2] == 128 && pn[3] == 255);
  free(d.rgba);
  pv_image_destroy(&img);
  size_t other[2] = {20, 29};
  pv_view small;
  CHECK_OK(pv_view_init(&small, b, PV_F32, 2, other));
  CHECK_STATUS(pv_quicklook_rgb(&ch[0], &small, &ch[2], &o, &img, NULL), PV_EINVAL);
  pv_free(b);
}

/* ---- plots ---- */
static void test_plot(void) {
  pv_plot *p = NULL;
  CHECK_OK(pv_plot_create(640, 400, &p));
  CHECK_OK(pv_plot_set_title(p, "Spectra <a&b>"));
  CHECK_OK(pv_plot_set_xlabel(p, "wavelength (nm)"));
  CHECK_OK(pv_plot_set_ylabel(p, "reflectance"));
  double x[200], s1[200], s2[200];
  for (int i = 0; i < 200; i++) {
    x[i] = 400 + 2.0 * i;
    s1[i] = 0.5 + 0.4 * sin(i / 20.0);
    s2[i] = 0.3 + 0.2 * cos(i / 15.0);
  }
  s2[100] = NAN; /* breaks the second line */
  unsigned char red[3] = {220, 30, 30};
  CHECK_OK(pv_plot_add_series(p, "vegetation", x, s1, 200, red));
  CHECK_OK(pv_plot_add_series(p, "soil", x, s2, 200, NULL));
  pv_image *img = NULL;
  CHECK_OK(pv_plot_render(p, &img));
  CHECK(img->width == 640 && img->height == 400);
  /* the first series passes through its data points in its colour */
  int idx[3] = {10, 40, 75};
  for (int k = 0; k < 3; k++) {
    double fx, fy;
    CHECK_OK(pv_plot_data_to_pixel(p, x[idx[k]], s1[idx[k]], &fx, &fy));
    const unsigned char *q = pv_image_pixel(img, (int)floor(fx + 0.5), (int)floor(fy + 0.5));
    CHECK(q && same_rgb(q, red));
  }
  double fx, fy;
  CHECK_OK(pv_plot_data_to_pixel(p, x[30], s2[30], &fx, &fy));
  const unsigned char blue[3] = {0, 114, 178}; /* the palette's first colour */
  CHECK(same_rgb(pv_image_pixel(img, (int)floor(fx + 0.5), (int)floor(fy + 0.5)), blue));
  /* the NaN gap: nothing of the second series drawn at x[100] */
  CHECK_OK(pv_plot_data_to_pixel(p, x[100], 0.3 + 0.2 * cos(100 / 15.0), &fx, &fy));
  CHECK(!same_rgb(pv_image_pixel(img, (int)floor(fx + 0.5), (int)floor(fy + 0.5)), blue));
  pv_image_destroy(&img);
  pv_provenance *prov = NULL;
  CHECK_OK(pv_provenance_create("test", "plot", &prov));
  const char *png = pv_test_path("plot.png"), *svg = pv_test_path("plot.svg");
  CHECK_OK(pv_plot_write_png(p, png, prov, 0));
  CHECK_OK(pv_plot_write_svg(p, svg, prov, 0));
  CHECK_STATUS(pv_plot_write_svg(p, svg, prov, 0), PV_EEXIST);
  char *text = NULL;
  size_t n;
  CHECK_OK(pv_file_read_all(svg, 1 << 22, &text, &n));
  CHECK(strstr(text, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"640\" height=\"400\"") != NULL);
  CHECK(strstr(text, "stroke=\"#dc1e1e\"") != NULL);
  CHECK(strstr(text, "Spectra &lt;a&amp;b&gt;") != NULL);
  CHECK(strstr(text, "<metadata id=\"parseval-provenance\">{&quot;app&quot;:&quot;test&quot;") != NULL);
  CHECK(strstr(text, ">vegetation</text>") != NULL);
  CHECK(strstr(text, "rotate(-90") != NULL);
  pv_free(text);
  /* well-formed XML with the expected elements, checked by Python's parser */
  if (system("/usr/bin/python3 -c 'import xml.etree.ElementTree' >/dev/null 2>&1") == 0) {
    char cmd[1400];
    snprintf(cmd, sizeof cmd,
             "/usr/bin/python3 -c \"import sys, xml.etree.ElementTree as E; r=E.parse(sys.argv[1]).getroot();"
             " ns='{http://www.w3.org/2000/svg}'; p=r.findall(ns+'polyline'); t=[e.text for e in r.iter(ns+'text')];"
             " sys.exit(0 if len(p) >= 3 and 'Spectra <a&b>' in t and 'vegetation' in t else 1)\" '%s'", svg);
    CHECK(system(cmd) == 0);
  } else {
    printf("SKIP: python3 XML check\n");
  }
  decoded d;
  CHECK(decode_png(png, &d) == 0 && d.w == 640 && d.h == 400 && text_of(&d, "parseval.app"));
  free(d.rgba);
  pv_provenance_destroy(&prov);
  pv_plot_destroy(&p);
  CHECK_STATUS(pv_plot_create(10, 10, &p), PV_EINVAL);
}

static void test_plot_log_and_clip(void) {
  pv_plot *p = NULL;
  CHECK_OK(pv_plot_create(500, 320, &p));
  CHECK_OK(pv_plot_set_title(p, "Loss"));
  CHECK_OK(pv_plot_set_xlabel(p, "epoch"));
  CHECK_OK(pv_plot_set_ylabel(p, "relative L2"));
  pv_plot_set_log_y(p, 1);
  double loss[50];
  for (int i = 0; i < 50; i++) loss[i] = 2.0 * pow(10, -i / 12.0);
  loss[3] = -1; /* not on a log axis: gap */
  CHECK_OK(pv_plot_add_series(p, "train", NULL, loss, 50, NULL));
  pv_image *img = NULL;
  CHECK_OK(pv_plot_render(p, &img));
  double fx, fy;
  CHECK_OK(pv_plot_data_to_pixel(p, 20, loss[20], &fx, &fy));
  const unsigned char blue[3] = {0, 114, 178};
  CHECK(same_rgb(pv_image_pixel(img, (int)floor(fx + 0.5), (int)floor(fy + 0.5)), blue));
  /* decades: 1e-4 .. 1e1 -> the y axis spans whole powers of ten */
  double y_top, y_bot, dummy;
  CHECK_OK(pv_plot_data_to_pixel(p, 0, 10, &dummy, &y_top));
  CHECK_OK(pv_plot_data_to_pixel(p, 0, 1e-4, &dummy, &y_bot));
  CHECK(y_top < y_bot);
  CHECK_OK(pv_image_write_png(img, pv_test_path("loss.png"), NULL, 0));
  pv_image_destroy(&img);
  /* fixed limits: the line is clipped to the plot area */
  pv_plot_set_log_y(p, 0);
  pv_plot_set_xlim(p, 10, 30);
  pv_plot_set_ylim(p, 0, 0.5);
  CHECK_OK(pv_plot_render(p, &img));
  int outside = 0;
  double ax0, ay0, ax1, ay1;
  CHECK_OK(pv_plot_data_to_pixel(p, 10, 0.5, &ax0, &ay0));
  CHECK_OK(pv_plot_data_to_pixel(p, 30, 0, &ax1, &ay1));
  for (int y = 0; y < img->height; y++)
    for (int x = 0; x < img->width; x++) {
      int in = x >= ax0 - 1 && x <= ax1 + 1 && y >= ay0 - 1 && y <= ay1 + 1;
      if (!in && same_rgb(pv_image_pixel(img, x, y), blue)) outside++;
    }
  CHECK_EQ_INT(outside, 0);
  CHECK_OK(pv_image_write_png(img, pv_test_path("clipped.png"), NULL, 0));
  pv_image_destroy(&img);
  pv_plot_destroy(&p);
}

/* Allocation failures in quicklooks, PNG and SVG writing and plots: reported,
 * no leaks, no output left behind. */
static void test_alloc_failures(void) {
  double a[6 * 8];
  for (int k = 0; k < 48; k++) a[k] = k % 7 == 0 ? NAN : (double)k;
  size_t shape[2] = {6, 8};
  pv_view v;
  CHECK_OK(pv_view_init(&v, a, PV_F64, 2, shape));
  pv_provenance *prov = NULL;
  CHECK_OK(pv_provenance_create("t", "alloc", &prov));
  const char *png = pv_test_path("alloc.png"), *svg = pv_test_path("alloc.svg");
  int done = 0;
  for (long k = 0; k < 2000 && !done; k++) {
    long live = pv_test_alloc_live();
    pv_test_fail_alloc_after(k);
    pv_image *img = NULL;
    pv_plot *p = NULL;
    pv_quicklook_opts o = PV_QUICKLOOK_OPTS_INIT;
    o.title = "alloc";
    int st = pv_quicklook_band(&v, &o, &img, NULL);
    if (!st) st = pv_image_write_png(img, png, prov, 0);
    if (!st) st = pv_plot_create(300, 200, &p);
    if (!st) st = pv_plot_set_title(p, "t");
    if (!st) st = pv_plot_add_series(p, "s", NULL, a + 1, 5, NULL);
    if (!st) st = pv_plot_write_svg(p, svg, prov, 0);
    pv_plot_destroy(&p);
    pv_image_destroy(&img);
    pv_test_fail_alloc_after(-1);
    pv_error_clear();
    CHECK_EQ_INT(pv_test_alloc_live(), live);
    if (st == 0) {
      printf("quicklook, PNG, plot, SVG: %ld allocation failures handled\n", k);
      done = 1;
      break;
    }
    CHECK_EQ_INT(st, PV_ENOMEM);
    CHECK(!pv_test_exists(svg));
    remove(png); /* may have been written before a later step failed */
  }
  CHECK(done && pv_test_exists(png) && pv_test_exists(svg));
  pv_provenance_destroy(&prov);
}

/* Block means accumulated from blocks in any order equal direct means. */
static void test_downsampler(void) {
  enum { R = 13, C = 10, F = 3 };
  double a[R * C];
  pv_rng rng;
  pv_rng_init(&rng, 3, 0);
  for (int k = 0; k < R * C; k++) a[k] = k % 11 == 0 ? NAN : pv_rng_normal(&rng);
  for (int i = 0; i < 3; i++) /* a cell without any valid value */
    for (int j = 0; j < 3; j++) a[(3 + i) * C + 6 + j] = NAN;
  pv_downsampler *d = NULL;
  CHECK_OK(pv_downsampler_create(R, C, 2, F, &d));
  size_t orows, ocols;
  pv_downsampler_shape(d, &orows, &ocols);
  CHECK(orows == 5 && ocols == 4);
  /* band 0: four uneven blocks, bottom first; band 1: the whole image, scaled */
  size_t cuts[3][4] = {{7, 0, 6, 4}, {7, 4, 6, 6}, {0, 0, 7, 10}};
  for (int b = 0; b < 3; b++) {
    pv_view full, blk;
    size_t shape[2] = {R, C};
    CHECK_OK(pv_view_init(&full, a, PV_F64, 2, shape));
    CHECK_OK(pv_view_slice(&full, 0, cuts[b][0], cuts[b][0] + cuts[b][2], 1, &blk));
    CHECK_OK(pv_view_slice(&blk, 1, cuts[b][1], cuts[b][1] + cuts[b][3], 1, &blk));
    CHECK_OK(pv_downsampler_add(d, 0, cuts[b][0], cuts[b][1], &blk));
  }
  float af[R * C];
  for (int k = 0; k < R * C; k++) af[k] = (float)(2 * a[k]);
  pv_view fv;
  size_t shape[2] = {R, C};
  CHECK_OK(pv_view_init(&fv, af, PV_F32, 2, shape));
  CHECK_OK(pv_downsampler_add(d, 1, 0, 0, &fv));
  CHECK_STATUS(pv_downsampler_add(d, 1, 1, 0, &fv), PV_EINVAL); /* sticks out */
  CHECK_STATUS(pv_downsampler_add(d, 2, 0, 0, &fv), PV_EINVAL); /* no band 2 */
  pv_array *m = NULL;
  CHECK_OK(pv_downsampler_finish(d, &m));
  const double *md = pv_array_data(m);
  for (size_t i = 0; i < 5; i++)
    for (size_t j = 0; j < 4; j++) {
      double sum = 0;
      int n = 0;
      for (size_t r = i * F; r < i * F + F && r < R; r++)
        for (size_t c = j * F; c < j * F + F && c < C; c++)
          if (isfinite(a[r * C + c])) { sum += a[r * C + c]; n++; }
      double want = n ? sum / n : NAN;
      double got0 = md[i * 4 + j], got1 = md[20 + i * 4 + j];
      if (n) {
        CHECK_NEAR(got0, want, 1e-12);
        CHECK_NEAR(got1, 2 * want, 1e-5);
      } else {
        CHECK(isnan(got0) && isnan(got1));
      }
    }
  CHECK(isnan(md[1 * 4 + 2])); /* the all-NaN cell */
  pv_array_destroy(&m);
  pv_downsampler_destroy(&d);
  CHECK_STATUS(pv_downsampler_create(0, 5, 1, 2, &d), PV_EINVAL);
}

PV_TEST_MAIN(PV_CASE(test_downsampler), PV_CASE(test_alloc_failures), PV_CASE(test_font), PV_CASE(test_cmap), PV_CASE(test_cmap_coolwarm), PV_CASE(test_percentiles),
             PV_CASE(test_png_round_trip), PV_CASE(test_quicklook_band),
             PV_CASE(test_quicklook_rgb), PV_CASE(test_plot), PV_CASE(test_plot_log_and_clip))
