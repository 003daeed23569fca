/* PNG output through libpng, written into an atomic pv_fileout stream, with
 * provenance as text chunks. libpng reports errors by longjmp; the handler
 * records the message first. */
#include <png.h>
#include <setjmp.h>
#include <string.h>

#include <parseval/alloc.h>
#include <parseval/core.h>
#include <parseval/error.h>
#include <parseval/fileout.h>
#include <parseval/render.h>

typedef struct {
  jmp_buf jmp;
  char msg[256];
} png_guard;

static void on_error(png_structp png, png_const_charp msg) {
  png_guard *g = png_get_error_ptr(png);
  snprintf(g->msg, sizeof g->msg, "%s", msg ? msg : "libpng error");
  longjmp(g->jmp, 1);
}

static void on_warning(png_structp png, png_const_charp msg) { (void)png; (void)msg; }

static int is_ascii(const char *s) {
  for (; *s; s++)
    if ((unsigned char)*s >= 0x80) return 0;
  return 1;
}

/* Text chunks: provenance pairs, the JSON record, Software. */
static int make_texts(const pv_provenance *prov, char *software, png_text **texts, int *n,
                      char **json) {
  size_t np = prov ? pv_provenance_count(prov) : 0;
  *texts = pv_calloc(np + 2, sizeof **texts);
  if (!*texts) return PV_ENOMEM;
  int k = 0;
  (*texts)[k].compression = PNG_TEXT_COMPRESSION_NONE;
  (*texts)[k].key = "Software";
  (*texts)[k++].text = software;
  for (size_t i = 0; i < np; i++) {
    const char *key, *val;
    pv_provenance_pair(prov, i, &key, &val);
    if (strlen(key) > 79) continue; /* PNG keywords are 1..79 bytes */
    (*texts)[k].compression = is_ascii(val) ? PNG_TEXT_COMPRESSION_NONE : PNG_ITXT_COMPRESSION_NONE;
    (*texts)[k].key = (char *)key;
    (*texts)[k++].text = (char *)val;
  }
  if (prov) {
    int st = pv_provenance_json_text(prov, json);
    if (st) return st;
    (*texts)[k].compression = is_ascii(*json) ? PNG_TEXT_COMPRESSION_NONE : PNG_ITXT_COMPRESSION_NONE;
    (*texts)[k].key = "parseval.provenance";
    (*texts)[k++].text = *json;
  }
  *n = k;
  return 0;
}

static int encode(const pv_image *img, FILE *f, png_text *texts, int n, png_guard *g,
                  png_bytep *rows) {
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, g, on_error, on_warning);
  png_infop info = png ? png_create_info_struct(png) : NULL;
  if (!png || !info) {
    png_destroy_write_struct(&png, &info);
    return PV_ERROR(PV_ENOMEM, "libpng: cannot create writer");
  }
  if (setjmp(g->jmp)) {
    png_destroy_write_struct(&png, &info);
    return PV_ERROR(PV_EIO, "libpng: %s", g->msg);
  }
  png_init_io(png, f);
  png_set_IHDR(png, info, (png_uint_32)img->width, (png_uint_32)img->height, 8,
               PNG_COLOR_TYPE_RGB_ALPHA, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
               PNG_FILTER_TYPE_DEFAULT);
  if (n) png_set_text(png, info, texts, n);
  png_set_rows(png, info, rows);
  png_write_png(png, info, PNG_TRANSFORM_IDENTITY, NULL);
  png_destroy_write_struct(&png, &info);
  return 0;
}

int pv_image_write_png(const pv_image *img, const char *path, const pv_provenance *prov,
                       int overwrite) {
  if (!img || !path) return PV_ERROR(PV_EINVAL, "pv_image_write_png: NULL argument");
  png_text *texts = NULL;
  char *json = NULL;
  int n = 0;
  pv_fileout *fo = NULL;
  png_bytep *rows = pv_malloc((size_t)img->height * sizeof *rows);
  char software[64];
  snprintf(software, sizeof software, "Parseval %s", pv_version());
  int st = rows ? make_texts(prov, software, &texts, &n, &json) : PV_ENOMEM;
  if (!st) st = pv_fileout_open(path, overwrite, &fo);
  if (!st) {
    for (int y = 0; y < img->height; y++) rows[y] = img->rgba + (size_t)y * (size_t)img->width * 4;
    png_guard *g = pv_calloc(1, sizeof *g); /* lives outside the setjmp frame */
    st = g ? encode(img, pv_fileout_stream(fo), texts, n, g, rows) : PV_ENOMEM;
    pv_free(g);
    if (st) st = PV_ERROR(st, "writing PNG %s", path);
  }
  if (!st) st = pv_fileout_commit(&fo);
  pv_fileout_abort(&fo);
  pv_free(rows);
  pv_free(texts);
  pv_free(json);
  return st;
}
