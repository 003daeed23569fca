/* Per-thread error stack: pv_error() is the single entry every failure
 * passes through (a breakpoint there catches them all). */
#include <parseval/error.h>

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

typedef struct {
  int code;
  int line;
  const char *file;
  char msg[PV_ERROR_MAX_MSG];
} pv_error_frame_t;

typedef struct {
  int depth;
  pv_error_frame_t frames[PV_ERROR_MAX_FRAMES];
  char joined[PV_ERROR_MAX_FRAMES * (PV_ERROR_MAX_MSG + 2)];
} pv_error_state;

static _Thread_local pv_error_state tls_err;

int pv_error(int code, const char *file, int line, const char *fmt, ...) {
  pv_error_state *st = &tls_err;
  /* A full stack keeps the root cause and replaces the outermost context. */
  int slot = st->depth < PV_ERROR_MAX_FRAMES ? st->depth++ : PV_ERROR_MAX_FRAMES - 1;
  pv_error_frame_t *f = &st->frames[slot];
  f->code = code;
  f->file = file ? file : "?";
  f->line = line;
  f->msg[0] = '\0';
  if (fmt) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->msg, sizeof f->msg, fmt, ap);
    va_end(ap);
  }
  return code;
}

int pv_error_code(void) { return tls_err.depth ? tls_err.frames[0].code : PV_OK; }

int pv_error_last_code(void) {
  return tls_err.depth ? tls_err.frames[tls_err.depth - 1].code : PV_OK;
}

int pv_error_depth(void) { return tls_err.depth; }

int pv_error_frame(int i, int *code, const char **file, int *line, const char **message) {
  if (i < 0 || i >= tls_err.depth) return PV_EINVAL;
  const pv_error_frame_t *f = &tls_err.frames[i];
  if (code) *code = f->code;
  if (file) *file = f->file;
  if (line) *line = f->line;
  if (message) *message = f->msg;
  return PV_OK;
}

const char *pv_error_message(void) {
  pv_error_state *st = &tls_err;
  size_t used = 0, cap = sizeof st->joined;
  st->joined[0] = '\0';
  for (int i = st->depth - 1; i >= 0; i--) {
    const char *m = st->frames[i].msg;
    if (!*m) continue;
    int w = snprintf(st->joined + used, cap - used, "%s%s", used ? ": " : "", m);
    if (w < 0 || (size_t)w >= cap - used) break;
    used += (size_t)w;
  }
  return st->joined;
}

void pv_error_clear(void) { tls_err.depth = 0; }

void pv_error_truncate(int depth) {
  if (depth >= 0 && depth < tls_err.depth) tls_err.depth = depth;
}

const char *pv_strerror(int code) {
  switch (code) {
  case PV_OK: return "success";
  case PV_ENOMEM: return "out of memory";
  case PV_EINVAL: return "invalid argument";
  case PV_EIO: return "input/output error";
  case PV_EFORMAT: return "malformed or unsupported data";
  case PV_ENOTCONV: return "did not converge";
  case PV_ECANCEL: return "cancelled";
  case PV_EMPI: return "MPI error";
  case PV_EEXIST: return "output exists";
  case PV_ENOTFOUND: return "not found";
  case PV_EABI: return "plugin ABI error";
  case PV_ENUMERIC: return "numerical failure";
  case PV_EUNSUPPORTED: return "not supported by this build";
  case PV_EINTERNAL: return "internal error";
  case PV_WARN: return "warning";
  default: return code > 0 ? "warning" : "unknown error";
  }
}
