/* mat_read.c - MATLAB .mat (v5/v7/v7.3) hyperspectral cubes through matio. */
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <zlib.h>
#include <strings.h>
#include <sys/stat.h>

#include <matio.h>

#include <parseval/alloc.h>
#include <parseval/ctx.h>
#include <parseval/error.h>
#include <parseval/matfile.h>
#include <parseval/raster.h>

#include "raster_internal.h"

/* matio logs through one global function; ours keeps the last message per
 * thread (for error text) and prints nothing. */
static _Thread_local char mat_msg[256];
static void mat_log(int level, char *message) {
  (void)level;
  snprintf(mat_msg, sizeof mat_msg, "%s", message ? message : "");
}
static pthread_once_t log_once = PTHREAD_ONCE_INIT;
static void log_init(void) { Mat_LogInitFunc("parseval", mat_log); }

int pv_matfile_is_mat(const char *path) {
  size_t l = strlen(path);
  return l > 4 && strcasecmp(path + l - 4, ".mat") == 0;
}

static int numeric_class(enum matio_classes c) {
  return c == MAT_C_DOUBLE || c == MAT_C_SINGLE || c == MAT_C_INT8 || c == MAT_C_UINT8 ||
         c == MAT_C_INT16 || c == MAT_C_UINT16 || c == MAT_C_INT32 || c == MAT_C_UINT32 ||
         c == MAT_C_INT64 || c == MAT_C_UINT64;
}

/* Element i of a numeric variable's data as double. */
static double element(const matvar_t *v, size_t i) {
  switch (v->class_type) {
  case MAT_C_DOUBLE: return ((const double *)v->data)[i];
  case MAT_C_SINGLE: return ((const float *)v->data)[i];
  case MAT_C_INT8: return ((const int8_t *)v->data)[i];
  case MAT_C_UINT8: return ((const uint8_t *)v->data)[i];
  case MAT_C_INT16: return ((const int16_t *)v->data)[i];
  case MAT_C_UINT16: return ((const uint16_t *)v->data)[i];
  case MAT_C_INT32: return ((const int32_t *)v->data)[i];
  case MAT_C_UINT32: return ((const uint32_t *)v->data)[i];
  case MAT_C_INT64: return (double)((const int64_t *)v->data)[i];
  default: return (double)((const uint64_t *)v->data)[i];
  }
}

/* Element count of v (dims product), 0 on overflow. */
static size_t count_of(const matvar_t *v) {
  size_t n = 1;
  for (int i = 0; i < v->rank; i++)
    if (__builtin_mul_overflow(n, v->dims[i], &n)) return 0;
  return n;
}

/* Is v a real, dense, numeric array whose data buffer holds count_of(v) values? */
static int usable(const matvar_t *v) {
  return v && numeric_class(v->class_type) && !v->isComplex && !v->isLogical &&
         v->rank >= 1 && v->rank <= 8 && v->dims;
}

/* Names of the file's variables, for "not found" messages. */
static void list_vars(mat_t *mat, char *buf, size_t size) {
  buf[0] = 0;
  Mat_Rewind(mat);
  matvar_t *v;
  size_t used = 0;
  int k = 0, guard = 0;
  while (k < 20 && guard++ < 1024 && (v = Mat_VarReadNextInfo(mat)) != NULL) {
    if (v->name && used + strlen(v->name) + 3 < size)
      used += (size_t)snprintf(buf + used, size - used, "%s%s", k++ ? ", " : "", v->name);
    Mat_VarFree(v);
  }
  Mat_Rewind(mat);
}

/* Deflate expands at most ~1032:1: no variable holds more values than that
 * many times the file's size (a guard against hostile declared sizes). */
static _Thread_local long long cur_file_size;
static int plausible(const matvar_t *v) {
  unsigned long long cap = (unsigned long long)cur_file_size * 1032ULL + 4096ULL;
  return count_of(v) > 0 && count_of(v) <= cap;
}

/* A positive integer scalar variable; *found 0 when absent. */
static int read_scalar(mat_t *mat, const char *path, const char *name, size_t *out, int *found) {
  *found = 0;
  matvar_t *info = Mat_VarReadInfo(mat, name);
  if (!info) return 0;
  int one = usable(info) && count_of(info) == 1;
  Mat_VarFree(info);
  matvar_t *v = one ? Mat_VarRead(mat, name) : NULL;
  *found = 1;
  int st = 0;
  double x = (usable(v) && v->data && count_of(v) == 1) ? element(v, 0) : NAN;
  if (!(x >= 1 && x <= 1e9 && x == floor(x)))
    st = PV_ERROR(PV_EFORMAT, "%s: variable '%s' is not a positive integer scalar", path, name);
  else
    *out = (size_t)x;
  Mat_VarFree(v);
  return st;
}

/* Image size from options, else the first scalar variable found. */
static int image_size(mat_t *mat, const char *path, const pv_matfile_options *o, size_t *rows,
                      size_t *cols, char *from, size_t from_size) {
  static const char *row_names[] = {"lines", "rows", "nRow", "nrow", "H", NULL};
  static const char *col_names[] = {"cols", "nCol", "ncol", "W", NULL};
  *rows = o->rows;
  *cols = o->cols;
  snprintf(from, from_size, "given");
  int found, st = 0;
  const char *one[2] = {NULL, NULL};
  const char **names = o->rows_var ? (one[0] = o->rows_var, one) : row_names;
  for (int i = 0; !*rows && names[i]; i++) {
    st = read_scalar(mat, path, names[i], rows, &found);
    if (st) return st;
    if (found) snprintf(from, from_size, "from variables '%s'", names[i]);
  }
  one[0] = o->cols_var;
  names = o->cols_var ? one : col_names;
  for (int i = 0; !*cols && names[i]; i++) {
    st = read_scalar(mat, path, names[i], cols, &found);
    if (st) return st;
    if (found) {
      size_t l = strlen(from);
      snprintf(from + l, from_size - l, " and '%s'", names[i]);
    }
  }
  return 0;
}

/* The data variable's name: the option, else "Y", else the only 3-D one. */
static int pick_var(mat_t *mat, const char *path, const char *want, char *name, size_t size) {
  char vars[512];
  if (want) {
    matvar_t *v = Mat_VarReadInfo(mat, want);
    if (!v) {
      list_vars(mat, vars, sizeof vars);
      return PV_ERROR(PV_ENOTFOUND, "%s: no variable '%s' (variables: %s)", path, want,
                      vars[0] ? vars : "none");
    }
    Mat_VarFree(v);
    snprintf(name, size, "%s", want);
    return 0;
  }
  matvar_t *v = Mat_VarReadInfo(mat, "Y");
  if (v) {
    Mat_VarFree(v);
    snprintf(name, size, "Y");
    return 0;
  }
  int n3 = 0, guard = 0;
  Mat_Rewind(mat);
  while (guard++ < 1024 && (v = Mat_VarReadNextInfo(mat)) != NULL) {
    if (usable(v) && v->rank == 3 && v->name && n3++ == 0) snprintf(name, size, "%s", v->name);
    Mat_VarFree(v);
  }
  Mat_Rewind(mat);
  if (n3 == 1) return 0;
  list_vars(mat, vars, sizeof vars);
  return PV_ERROR(PV_ENOTFOUND, "%s: no variable 'Y' and %s 3-D numeric variable; name one "
                  "(variables: %s)", path, n3 ? "more than one" : "no", vars[0] ? vars : "none");
}

/* MAT v5 structure check (before matio, which trusts the sizes it reads):
 * every data element must fit in the file, and every sub-element of an
 * uncompressed matrix (flags, dims, name, data, nested fields) in its
 * parent; a dims element must hold 2..32 int32. Inside zlib-compressed
 * elements the matrix header is inflated and checked (v5_compressed). */
typedef struct v5 {
  FILE *fp;
  int little;
  const char *path;
  long long avail; /* bytes readable: the file, or an inflated prefix */
} v5;

static int v5_tag(const v5 *f, long long off, uint32_t *type, uint32_t *nb) {
  unsigned char t[8];
  if (fseeko(f->fp, (off_t)off, SEEK_SET) != 0 || fread(t, 1, 8, f->fp) != 8)
    return PV_ERROR(PV_EFORMAT, "%s: truncated: data element tag at byte %lld cut off", f->path, off);
  int a = f->little ? 0 : 3, s = f->little ? 1 : -1;
  *type = (uint32_t)t[a] | (uint32_t)t[a + s] << 8 | (uint32_t)t[a + 2 * s] << 16 |
          (uint32_t)t[a + 3 * s] << 24;
  a += 4;
  *nb = (uint32_t)t[a] | (uint32_t)t[a + s] << 8 | (uint32_t)t[a + 2 * s] << 16 |
        (uint32_t)t[a + 3 * s] << 24;
  return 0;
}

/* The array class (low byte of the flags), -1 if unreadable. */
static int v5_class(const v5 *f, long long off, uint32_t type) {
  unsigned char b[4];
  if (type >> 16 || fseeko(f->fp, (off_t)off + 8, SEEK_SET) != 0 || fread(b, 1, 4, f->fp) != 4)
    return -1;
  return f->little ? b[0] : b[3];
}

/* Dimensions: miINT32, 2..32 of them, non-negative, and (but for sparse
 * arrays) no more elements than the matrix has bytes. */
static int v5_dims(const v5 *f, long long off, uint32_t type, uint32_t nb, int cls,
                   long long matrix_bytes) {
  unsigned char b[128];
  if (off + 8 + (long long)nb > f->avail) return 0; /* beyond an inflated prefix: unseen */
  if ((type >> 16) || type != 5 || nb % 4 || nb < 8 || nb > 128 ||
      fseeko(f->fp, (off_t)off + 8, SEEK_SET) != 0 || fread(b, 1, nb, f->fp) != nb)
    return PV_ERROR(PV_EFORMAT, "%s: data element at byte %lld: invalid dimensions element",
                    f->path, off);
  unsigned long long prod = 1;
  for (uint32_t i = 0; i < nb; i += 4) {
    int32_t d;
    unsigned char q[4] = {b[i], b[i + 1], b[i + 2], b[i + 3]};
    if (!f->little) { unsigned char t0 = q[0], t1 = q[1]; q[0] = q[3]; q[1] = q[2]; q[2] = t1; q[3] = t0; }
    memcpy(&d, q, 4);
    if (d < 0 || __builtin_mul_overflow(prod, (unsigned long long)d, &prod))
      return PV_ERROR(PV_EFORMAT, "%s: data element at byte %lld: invalid dimension %d", f->path,
                      off, (int)d);
  }
  if (cls != 5 && prod > (unsigned long long)matrix_bytes)
    return PV_ERROR(PV_EFORMAT, "%s: data element at byte %lld: dimensions give %llu values, more "
                    "than its %lld bytes hold", f->path, off, prod, matrix_bytes);
  return 0;
}

/* A zlib-compressed element (miCOMPRESSED, nb bytes at off + 8): matio
 * inflates it and trusts the sizes inside (dims, name and field-name
 * lengths, nested elements), so inflate its first bytes here and walk the
 * headers they hold like an uncompressed element's. zlib expands at most
 * 1032:1, which bounds the inner matrix's declared size; every header must
 * fit in that matrix, and headers past the inflated prefix stay unchecked
 * (their sizes are still bounded by the matrix). */
enum { V5_PREFIX = 64 * 1024 };
static int v5_walk(const v5 *f, long long off, long long end, int depth, int in_matrix);
static int v5_compressed(const v5 *f, long long off, uint32_t nb, int depth) {
  unsigned char in[4096];
  size_t take = nb < sizeof in ? nb : sizeof in;
  if (fseeko(f->fp, (off_t)off + 8, SEEK_SET) != 0 || fread(in, 1, take, f->fp) != take)
    return PV_ERROR(PV_EFORMAT, "%s: truncated: compressed element at byte %lld", f->path, off);
  unsigned char *out = pv_malloc(V5_PREFIX);
  if (!out) return PV_ERROR(PV_ENOMEM, "%s: no memory to inspect a compressed element", f->path);
  z_stream z;
  memset(&z, 0, sizeof z);
  if (inflateInit(&z) != Z_OK) {
    pv_free(out);
    return PV_ERROR(PV_ENOMEM, "%s: zlib initialisation failed", f->path);
  }
  z.next_in = in;
  z.avail_in = (uInt)take;
  z.next_out = out;
  z.avail_out = V5_PREFIX;
  int zr = inflate(&z, Z_SYNC_FLUSH);
  size_t got = V5_PREFIX - z.avail_out;
  inflateEnd(&z);
  int st = 0;
  FILE *m = NULL;
  if ((zr != Z_OK && zr != Z_STREAM_END && zr != Z_BUF_ERROR) || got < 8)
    st = PV_ERROR(PV_EFORMAT, "%s: compressed element at byte %lld: not valid zlib data", f->path, off);
  else if (!(m = fmemopen(out, got, "rb")))
    st = PV_ERROR(PV_ENOMEM, "%s: cannot inspect compressed element", f->path);
  v5 sub = {m, f->little, f->path, (long long)got};
  uint32_t type = 0, inner = 0;
  if (!st) st = v5_tag(&sub, 0, &type, &inner);
  if (!st && type == 14 && (unsigned long long)inner > 1032ULL * nb + 64)
    st = PV_ERROR(PV_EFORMAT, "%s: compressed element at byte %lld declares a %u-byte matrix, more than "
                  "%u compressed bytes can hold", f->path, off, (unsigned)inner, (unsigned)nb);
  if (!st && type == 14) {
    if (depth > 8) st = PV_ERROR(PV_EFORMAT, "%s: matrices nested deeper than 8 levels", f->path);
    else st = v5_walk(&sub, 8, 8 + (long long)inner, depth + 1, 1);
    if (st) PV_ERROR(st, "%s: inside the compressed element at byte %lld", f->path, off);
  }
  if (m) fclose(m);
  pv_free(out);
  return st;
}

/* Elements in [off, end): each must fit; matrices are walked recursively. */
static int v5_walk(const v5 *f, long long off, long long end, int depth, int in_matrix) {
  int k = 0, cls_store = -1, *cls = &cls_store;
  long long start = off;
  while (off < end) {
    uint32_t type = 0, nb = 0;
    if (off + 8 > f->avail) return 0; /* past an inflated prefix: unseen */
    int st = v5_tag(f, off, &type, &nb);
    if (st) return st;
    long long next;
    if (type >> 16) { /* small data element: 4 bytes of data in the tag */
      if ((type >> 16) > 4)
        return PV_ERROR(PV_EFORMAT, "%s: data element at byte %lld: small element of %u bytes",
                        f->path, off, (unsigned)(type >> 16));
      next = off + 8;
    } else {
      next = off + 8 + (long long)nb;
      if (type != 15) next = (next + 7) / 8 * 8; /* padded to 8 bytes */
    }
    long long limit = in_matrix ? end : end + 7;
    if (next > limit)
      return PV_ERROR(PV_EFORMAT, "%s: truncated or corrupt: data element at byte %lld declares "
                      "%u bytes, its %s ends at byte %lld", f->path, off, (unsigned)nb,
                      in_matrix ? "enclosing matrix" : "file", end);
    if (in_matrix && k == 0) *cls = v5_class(f, off, type);
    if (in_matrix && k == 1) {
      st = v5_dims(f, off, type, nb, *cls, end - start);
      if (st) return st;
    }
    if (type == 15 && !(type >> 16)) {
      st = v5_compressed(f, off, nb, depth);
      if (st) return st;
    }
    if (type == 14 && !(type >> 16)) {
      if (depth > 8)
        return PV_ERROR(PV_EFORMAT, "%s: matrices nested deeper than 8 levels", f->path);
      st = v5_walk(f, off + 8, off + 8 + (long long)nb, depth + 1, 1);
      if (st) return st;
    }
    off = next;
    k++;
  }
  return 0;
}

static int v5_check_extent(const char *path, long long size) {
  FILE *fp = fopen(path, "rb");
  if (!fp) return PV_ERROR(PV_EIO, "%s: cannot open", path);
  unsigned char h[128];
  int st = 0;
  if (fread(h, 1, 128, fp) == 128 && ((h[126] == 'I' && h[127] == 'M') ||
                                      (h[126] == 'M' && h[127] == 'I'))) {
    v5 f = {fp, h[126] == 'I', path, size};
    unsigned version = f.little ? (unsigned)(h[124] | h[125] << 8) : (unsigned)(h[125] | h[124] << 8);
    if (version == 0x0100) st = v5_walk(&f, 128, size, 0, 0);
  }
  fclose(fp);
  return st;
}

/* Where value (b, row, col) sits in the column-major variable. */
typedef enum { BANDS_PIXELS, PIXELS_BANDS, CUBE } layout;

typedef struct shape {
  layout lay;
  size_t rows, cols, bands;
} shape;

static size_t isqrt_exact(size_t n) {
  size_t r = (size_t)llround(sqrt((double)n));
  return r * r == n ? r : 0;
}

static int pick_shape(pv_ctx *ctx, mat_t *mat, const char *path, const char *name,
                      const matvar_t *v, const pv_matfile_options *o, shape *s) {
  size_t rows, cols;
  char from[128];
  int st = image_size(mat, path, o, &rows, &cols, from, sizeof from);
  if (st) return st;
  if (v->rank == 3) {
    s->lay = CUBE;
    s->rows = v->dims[0];
    s->cols = v->dims[1];
    s->bands = v->dims[2];
    if ((o->rows && o->rows != s->rows) || (o->cols && o->cols != s->cols))
      return PV_ERROR(PV_EFORMAT, "%s: variable '%s' is %zu x %zu x %zu, not %zu rows x %zu cols",
                      path, name, s->rows, s->cols, s->bands, o->rows, o->cols);
    return 0;
  }
  if (v->rank != 2)
    return PV_ERROR(PV_EFORMAT, "%s: variable '%s' has %d dimensions; need a [bands x pixels] "
                    "matrix or a [rows x cols x bands] cube", path, name, v->rank);
  size_t d0 = v->dims[0], d1 = v->dims[1];
  if (!rows || !cols) {
    size_t q1 = isqrt_exact(d1);
    if (q1 && d1 >= d0) rows = cols = q1; /* [bands x pixels] with a square image */
    else
      return PV_ERROR(PV_EFORMAT, "%s: variable '%s' is %zu x %zu and the image size is unknown; "
                      "give rows and cols", path, name, d0, d1);
    pv_log(ctx, PV_LOG_WARN, "io", "%s: no image size given or stored; taking %zu x %zu", path,
           rows, cols);
    snprintf(from, sizeof from, "assumed square");
  }
  size_t np = rows * cols;
  s->rows = rows;
  s->cols = cols;
  if (d1 == np) { s->lay = BANDS_PIXELS; s->bands = d0; }
  else if (d0 == np) { s->lay = PIXELS_BANDS; s->bands = d1; }
  else
    return PV_ERROR(PV_EFORMAT, "%s: variable '%s' is %zu x %zu but the image has %zu x %zu = %zu "
                    "pixels (size %s)", path, name, d0, d1, rows, cols, np, from);
  return 0;
}

/* Column-major source -> band-sequential cube. */
static void copy_cube(const matvar_t *v, const shape *s, pv_raster_cube *c) {
  size_t R = s->rows, C = s->cols, Bn = s->bands, np = R * C;
  for (size_t b = 0; b < Bn; b++)
    for (size_t r = 0; r < R; r++)
      for (size_t col = 0; col < C; col++) {
        size_t n = r + col * R, src;
        if (s->lay == BANDS_PIXELS) src = b + n * Bn;
        else src = n + b * np; /* [pixels x bands] and [rows x cols x bands] alike */
        double x = element(v, src);
        size_t dst = (b * R + r) * C + col;
        if (c->dtype == PV_F32) ((float *)c->data)[dst] = (float)x;
        else ((double *)c->data)[dst] = x;
      }
}

static int read_var(pv_ctx *ctx, mat_t *mat, const char *path, const pv_matfile_options *o,
                    pv_raster_cube *cube) {
  char name[128];
  int st = pick_var(mat, path, o->var, name, sizeof name);
  if (st) return st;
  matvar_t *info = Mat_VarReadInfo(mat, name);
  if (!usable(info) || info->class_type == MAT_C_SPARSE || !plausible(info)) {
    st = PV_ERROR(PV_EFORMAT, "%s: variable '%s' is not a real dense numeric array", path, name);
    Mat_VarFree(info);
    return st;
  }
  shape s = {BANDS_PIXELS, 0, 0, 0};
  st = pick_shape(ctx, mat, path, name, info, o, &s);
  size_t need = count_of(info) * (info->data_size > 0 ? (size_t)info->data_size : 8) +
                count_of(info) * pv_dtype_size(o->dtype);
  Mat_VarFree(info);
  if (st) return st;
  if (ctx && need > pv_ctx_ram_budget(ctx))
    return PV_ERROR(PV_ENOMEM, "%s: variable '%s' needs %zu bytes, RAM budget is %zu", path,
                    name, need, pv_ctx_ram_budget(ctx));
  matvar_t *v = Mat_VarRead(mat, name);
  if (!usable(v) || !v->data || v->rank != (s.lay == CUBE ? 3 : 2) || count_of(v) == 0 ||
      count_of(v) != s.rows * s.cols * s.bands ||
      v->nbytes < count_of(v) * (size_t)Mat_SizeOfClass(v->class_type)) {
    Mat_VarFree(v);
    return PV_ERROR(PV_EFORMAT, "%s: reading variable '%s' failed%s%s", path, name,
                    mat_msg[0] ? ": " : "", mat_msg);
  }
  st = pv_raster_cube_alloc(cube, s.cols, s.rows, s.bands, o->dtype);
  if (st == 0) copy_cube(v, &s, cube);
  Mat_VarFree(v);
  if (st == 0) st = pv_raster_meta_set_item(&cube->meta, "source_variable", name);
  return st;
}

int pv_matfile_read(pv_ctx *ctx, const char *path, const pv_matfile_options *opt,
                    pv_raster_cube *cube) {
  pv_matfile_options o = PV_MATFILE_OPTIONS_INIT;
  if (opt) memcpy(&o, opt, opt->struct_size < sizeof o ? opt->struct_size : sizeof o);
  memset(cube, 0, sizeof *cube);
  if (o.dtype != PV_F32 && o.dtype != PV_F64)
    return PV_ERROR(PV_EINVAL, "%s: cube type must be f32 or f64", path);
  pthread_once(&log_once, log_init);
  struct stat sb;
  if (stat(path, &sb) != 0) return PV_ERROR(PV_ENOTFOUND, "%s: no such file", path);
  if (S_ISDIR(sb.st_mode)) return PV_ERROR(PV_EINVAL, "%s: is a folder, not a MAT file", path);
  if (sb.st_size == 0) return PV_ERROR(PV_EFORMAT, "%s: empty file (0 bytes)", path);
  cur_file_size = (long long)sb.st_size;
  int st = v5_check_extent(path, (long long)sb.st_size);
  if (st) return st;
  mat_msg[0] = 0;
  mat_t *mat = Mat_Open(path, MAT_ACC_RDONLY);
  if (!mat)
    return PV_ERROR(PV_EFORMAT, "%s: not a MAT file matio can read%s%s", path,
                    mat_msg[0] ? ": " : "", mat_msg);
  st = read_var(ctx, mat, path, &o, cube);
  Mat_Close(mat);
  if (st == 0) {
    pv_raster_cube_count_invalid(cube);
    pv_raster_report_invalid(ctx, path, &cube->meta, cube->invalid, cube->width * cube->height);
  }
  if (st) pv_raster_cube_free(cube);
  return st;
}
