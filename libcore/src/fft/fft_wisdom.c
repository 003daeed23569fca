/* fft_wisdom.c - one wisdom file for both precisions:
 *   "parseval-fftw-wisdom 1\n" "f64 <bytes>\n" <text> "\n" "f32 <bytes>\n" <text> "\n"
 * where <text> is FFTW's own export for that precision. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <parseval/alloc.h>
#include <parseval/error.h>
#include <parseval/fileout.h>
#include "fft_internal.h"

#define WISDOM_MAGIC "parseval-fftw-wisdom 1\n"
#define WISDOM_MAX_BYTES ((size_t)64 << 20)

/* FFTW's importer aborts (a CK assertion) on entries whose flag fields do
 * not fit its bit fields, so the text is checked against the grammar FFTW
 * exports before FFTW sees it:
 *   "(" "fftw-<version>" "<fftw|fftwf>_wisdom" hex x4
 *   { "(" name decimal hex hex hex hex hex hex hex ")" } ")"
 * with hex "#x" + 1-8 lowercase digits, l and u (1st, 2nd hex) < 2^20 and
 * the time limit (3rd) < 2^9. */
typedef struct { const char *p; const char *end; } wscan;

static void skip_space(wscan *w) {
  while (w->p < w->end && (*w->p == ' ' || *w->p == '\n' || *w->p == '\t' || *w->p == '\r')) w->p++;
}

static int take_char(wscan *w, char c) {
  skip_space(w);
  if (w->p < w->end && *w->p == c) {
    w->p++;
    return 1;
  }
  return 0;
}

/* A word of [A-Za-z0-9_.-] of 1..64 characters; copied into buf. */
static int take_word(wscan *w, char *buf) {
  skip_space(w);
  size_t n = 0;
  while (w->p < w->end && n < 64 &&
         ((*w->p >= 'a' && *w->p <= 'z') || (*w->p >= 'A' && *w->p <= 'Z') ||
          (*w->p >= '0' && *w->p <= '9') || *w->p == '_' || *w->p == '.' || *w->p == '-'))
    buf[n++] = *w->p++;
  buf[n] = '\0';
  return n > 0 && (w->p == w->end || *w->p == ' ' || *w->p == '\n' || *w->p == ')' || *w->p == '\t');
}

static int take_hex(wscan *w, unsigned long *v) {
  skip_space(w);
  if (w->end - w->p < 3 || w->p[0] != '#' || w->p[1] != 'x') return 0;
  w->p += 2;
  int n = 0;
  *v = 0;
  while (w->p < w->end && n < 9 &&
         ((*w->p >= '0' && *w->p <= '9') || (*w->p >= 'a' && *w->p <= 'f'))) {
    *v = *v * 16 + (unsigned long)(*w->p <= '9' ? *w->p - '0' : *w->p - 'a' + 10);
    w->p++;
    n++;
  }
  return n >= 1 && n <= 8;
}

static int take_dec(wscan *w) {
  skip_space(w);
  int n = 0;
  while (w->p < w->end && n < 10 && *w->p >= '0' && *w->p <= '9') {
    w->p++;
    n++;
  }
  return n >= 1 && n <= 9;
}

/* 0 when text is well formed; else the 1-based entry number that is not
 * (0-th = the preamble) through *bad. */
static int check_text(const char *text, size_t len, const char *word, long *bad) {
  wscan w = {text, text + len};
  char buf[65];
  unsigned long h;
  *bad = 0;
  if (!take_char(&w, '(') || !take_word(&w, buf) || strncmp(buf, "fftw-", 5) != 0 ||
      !take_word(&w, buf) || strcmp(buf, word) != 0)
    return -1;
  for (int i = 0; i < 4; i++)
    if (!take_hex(&w, &h)) return -1;
  for (long entry = 1;; entry++) {
    *bad = entry;
    if (take_char(&w, ')')) break;
    unsigned long l, u, t;
    if (!take_char(&w, '(') || !take_word(&w, buf) || !take_dec(&w) || !take_hex(&w, &l) ||
        !take_hex(&w, &u) || !take_hex(&w, &t) || l >= (1ul << 20) || u >= (1ul << 20) ||
        t >= (1ul << 9))
      return -1;
    for (int i = 0; i < 4; i++)
      if (!take_hex(&w, &h)) return -1;
    if (!take_char(&w, ')')) return -1;
  }
  skip_space(&w);
  return w.p == w.end ? 0 : -1;
}

/* Parse "<tag> <bytes>\n<text>\n" at *pos; import the text. */
static int import_section(const char *path, const char *data, size_t n, size_t *pos,
                          const char *tag, const char *word, int (*import)(const char *)) {
  size_t p = *pos, tl = strlen(tag);
  if (n - p < tl + 2 || memcmp(data + p, tag, tl) != 0 || data[p + tl] != ' ')
    return PV_ERROR(PV_EFORMAT, "wisdom file %s: section '%s' missing at byte %zu", path, tag, p);
  p += tl + 1;
  size_t len = 0, digits = 0;
  while (p < n && data[p] >= '0' && data[p] <= '9' && digits < 12) {
    len = len * 10 + (size_t)(data[p++] - '0');
    digits++;
  }
  if (digits == 0 || p >= n || data[p] != '\n')
    return PV_ERROR(PV_EFORMAT, "wisdom file %s: section '%s' has a bad length field", path, tag);
  p++;
  if (len > n - p || n - p - len < 1 || data[p + len] != '\n')
    return PV_ERROR(PV_EFORMAT, "wisdom file %s: section '%s' of %zu bytes is truncated",
                    path, tag, len);
  long bad = 0;
  if (len > 0 && check_text(data + p, len, word, &bad) != 0)
    return PV_ERROR(PV_EFORMAT, "wisdom file %s: section '%s' is not FFTW wisdom (%s %ld)", path,
                    tag, bad ? "entry" : "preamble", bad);
  char *text = pv_malloc(len + 1);
  if (!text) return PV_ERROR(PV_ENOMEM, "wisdom file %s", path);
  memcpy(text, data + p, len);
  text[len] = '\0';
  pv_fft_lock();
  int ok = len == 0 || import(text);
  pv_fft_unlock();
  pv_free(text);
  if (!ok) return PV_ERROR(PV_EFORMAT, "wisdom file %s: FFTW rejected the '%s' wisdom", path, tag);
  *pos = p + len + 1;
  return PV_OK;
}

int pv_fft_wisdom_load(const char *path) {
  if (!path) return PV_ERROR(PV_EINVAL, "pv_fft_wisdom_load: path is NULL");
  char *data = NULL;
  size_t n = 0;
  int s = pv_file_read_all(path, WISDOM_MAX_BYTES, &data, &n);
  if (s) return s;
  size_t pos = strlen(WISDOM_MAGIC);
  if (n < pos || memcmp(data, WISDOM_MAGIC, pos) != 0) {
    pv_free(data);
    return PV_ERROR(PV_EFORMAT, "wisdom file %s: not a Parseval FFTW wisdom file", path);
  }
  s = import_section(path, data, n, &pos, "f64", "fftw_wisdom", pv_fft_raw_import_f64);
  if (!s) s = import_section(path, data, n, &pos, "f32", "fftwf_wisdom", pv_fft_raw_import_f32);
  pv_free(data);
  return s;
}

static int put_section(FILE *f, const char *tag, char *text, void (*release)(void *)) {
  size_t len = text ? strlen(text) : 0;
  int ok = fprintf(f, "%s %zu\n", tag, len) > 0 && fwrite(text ? text : "", 1, len, f) == len &&
           fputc('\n', f) != EOF;
  if (text) release(text);
  return ok;
}

int pv_fft_wisdom_save(const char *path) {
  if (!path) return PV_ERROR(PV_EINVAL, "pv_fft_wisdom_save: path is NULL");
  pv_fileout *fo = NULL;
  int s = pv_fileout_open(path, 1, &fo);
  if (s) return s;
  FILE *f = pv_fileout_stream(fo);
  pv_fft_lock();
  char *t64 = pv_fft_raw_export_f64();
  char *t32 = pv_fft_raw_export_f32();
  pv_fft_unlock();
  int ok = fputs(WISDOM_MAGIC, f) != EOF;
  ok = put_section(f, "f64", t64, pv_fft_raw_free_f64) && ok;
  ok = put_section(f, "f32", t32, pv_fft_raw_free_f32) && ok;
  if (!ok) {
    pv_fileout_abort(&fo);
    return PV_ERROR(PV_EIO, "wisdom file %s: write failed", path);
  }
  return pv_fileout_commit(&fo);
}

void pv_fft_wisdom_forget(void) {
  pv_fft_lock();
  pv_fft_raw_forget_f64();
  pv_fft_raw_forget_f32();
  pv_fft_unlock();
}

int pv_fft_wisdom_default_path(char *buf, size_t cap) {
  if (!buf || cap == 0) return PV_ERROR(PV_EINVAL, "pv_fft_wisdom_default_path: no buffer");
  const char *v = getenv("PV_FFT_WISDOM");
  int len;
  if (v && *v) len = snprintf(buf, cap, "%s", v);
  else if ((v = getenv("XDG_CACHE_HOME")) && *v)
    len = snprintf(buf, cap, "%s/parseval/fftw-wisdom", v);
  else if ((v = getenv("HOME")) && *v)
    len = snprintf(buf, cap, "%s/.cache/parseval/fftw-wisdom", v);
  else {
    buf[0] = '\0';
    return PV_ERROR(PV_ENOTFOUND, "no wisdom path: PV_FFT_WISDOM, XDG_CACHE_HOME and HOME unset");
  }
  if (len < 0 || (size_t)len >= cap) {
    buf[0] = '\0';
    return PV_ERROR(PV_EINVAL, "wisdom path does not fit in %zu bytes", cap);
  }
  return PV_OK;
}
