/* config.c - the pde-gp problem description file: INI sections with
 * key = value lines (see parseval/gp.h for the keys). Parsing is two-pass:
 * the lines are split into (section, key, value, line) entries with the
 * syntax checked, then applied in a fixed order (solution, equation preset,
 * coefficient overrides, the rest) so keys may come in any order. Every error
 * names the file, the line and the field. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <parseval/alloc.h>
#include <parseval/error.h>
#include <parseval/fileout.h>
#include <parseval/gp.h>

#define CFG_MAX_BYTES 65536   /* a problem description is a few hundred bytes */
#define CFG_MAX_LINE 512
#define CFG_MAX_ENTRIES 64
#define CFG_MAX_TOKEN 64

typedef struct { char sec[CFG_MAX_TOKEN], key[CFG_MAX_TOKEN], val[CFG_MAX_LINE]; int line, used; } entry;
typedef struct { const char *file; entry e[CFG_MAX_ENTRIES]; int n; } cfg;

static char *trim(char *s) {
  while (*s == ' ' || *s == '\t') s++;
  size_t n = strlen(s);
  while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r')) s[--n] = '\0';
  return s;
}

static int name_ok(const char *s) {
  if (!*s) return 0;
  for (; *s; s++)
    if (!(isalnum((unsigned char)*s) || *s == '_' || *s == '-')) return 0;
  return 1;
}

/* One line (NUL-terminated copy, comments stripped) into the entry list. */
static int parse_line(cfg *c, char *sec, char *s, int line) {
  char *hash = strpbrk(s, "#;");
  if (hash) *hash = '\0';
  s = trim(s);
  if (!*s) return 0;
  if (*s == '[') {
    char *end = strchr(s, ']');
    if (!end || end[1] != '\0')
      return PV_ERROR(PV_EFORMAT, "%s:%d: section header '%s' is not '[name]'", c->file, line, s);
    *end = '\0';
    char *name = trim(s + 1);
    if (!name_ok(name) || strlen(name) >= CFG_MAX_TOKEN)
      return PV_ERROR(PV_EFORMAT, "%s:%d: bad section name", c->file, line);
    strcpy(sec, name);
    return 0;
  }
  char *eq = strchr(s, '=');
  if (!eq) return PV_ERROR(PV_EFORMAT, "%s:%d: expected 'key = value'", c->file, line);
  *eq = '\0';
  char *key = trim(s), *val = trim(eq + 1);
  if (!name_ok(key) || strlen(key) >= CFG_MAX_TOKEN)
    return PV_ERROR(PV_EFORMAT, "%s:%d: bad key name", c->file, line);
  if (!*sec) return PV_ERROR(PV_EFORMAT, "%s:%d: key '%s' before any [section]", c->file, line, key);
  if (!*val) return PV_ERROR(PV_EFORMAT, "%s:%d: [%s] %s has no value", c->file, line, sec, key);
  for (int i = 0; i < c->n; i++)
    if (!strcmp(c->e[i].sec, sec) && !strcmp(c->e[i].key, key))
      return PV_ERROR(PV_EFORMAT, "%s:%d: [%s] %s is repeated (first on line %d)", c->file, line,
                      sec, key, c->e[i].line);
  if (c->n == CFG_MAX_ENTRIES)
    return PV_ERROR(PV_EFORMAT, "%s:%d: more than %d keys", c->file, line, CFG_MAX_ENTRIES);
  entry *e = &c->e[c->n++];
  strcpy(e->sec, sec);
  strcpy(e->key, key);
  strcpy(e->val, val);
  e->line = line;
  e->used = 0;
  return 0;
}

static int split_lines(cfg *c, const char *text, size_t len) {
  char sec[CFG_MAX_TOKEN] = "", buf[CFG_MAX_LINE + 1];
  size_t i = 0;
  int line = 0;
  while (i < len) {
    size_t j = i;
    while (j < len && text[j] != '\n') {
      if (text[j] == '\0') return PV_ERROR(PV_EFORMAT, "%s:%d: NUL byte", c->file, line + 1);
      j++;
    }
    line++;
    if (j - i > CFG_MAX_LINE)
      return PV_ERROR(PV_EFORMAT, "%s:%d: line longer than %d characters", c->file, line, CFG_MAX_LINE);
    memcpy(buf, text + i, j - i);
    buf[j - i] = '\0';
    int st = parse_line(c, sec, buf, line);
    if (st) return st;
    i = j + 1;
  }
  return 0;
}

static entry *find(cfg *c, const char *sec, const char *key) {
  for (int i = 0; i < c->n; i++)
    if (!strcmp(c->e[i].sec, sec) && !strcmp(c->e[i].key, key)) { c->e[i].used = 1; return &c->e[i]; }
  return NULL;
}

#define FIELD_ERR(c, e, fmt, ...) \
  PV_ERROR(PV_EINVAL, "%s:%d: [%s] %s: " fmt, (c)->file, (e)->line, (e)->sec, (e)->key, __VA_ARGS__)

/* Up to `max` comma-separated finite reals in [lo, hi]; the count into *k. */
static int get_reals(cfg *c, entry *e, double *v, int max, int *k, double lo, double hi) {
  const char *s = e->val;
  *k = 0;
  for (;;) {
    char *end;
    errno = 0;
    double x = strtod(s, &end);
    if (end == s || errno == ERANGE || !isfinite(x))
      return FIELD_ERR(c, e, "'%s' is not a finite number", e->val);
    if (x < lo || x > hi) return FIELD_ERR(c, e, "%g is outside [%g, %g]", x, lo, hi);
    if (*k == max) return FIELD_ERR(c, e, "more than %d values", max);
    v[(*k)++] = x;
    while (*end == ' ' || *end == '\t') end++;
    if (!*end) return 0;
    if (*end != ',') return FIELD_ERR(c, e, "unexpected '%c' in '%s'", *end, e->val);
    s = end + 1;
  }
}

/* Optional scalar: absent leaves *v alone; integers checked when isint. */
static int opt_real(cfg *c, const char *sec, const char *key, double *v, double lo, double hi,
                    int isint) {
  entry *e = find(c, sec, key);
  if (!e) return 0;
  int k;
  double x;
  int st = get_reals(c, e, &x, 1, &k, lo, hi);
  if (st) return st;
  if (isint && x != floor(x)) return FIELD_ERR(c, e, "%g is not an integer", x);
  *v = x;
  return 0;
}

static int opt_int(cfg *c, const char *sec, const char *key, int *v, int lo, int hi) {
  double x = *v;
  int st = opt_real(c, sec, key, &x, lo, hi, 1);
  *v = (int)x;
  return st;
}

/* Per-axis list: `dim` values (or one value for all axes when one_ok). */
static int opt_axes(cfg *c, const char *key, int dim, int one_ok, double *v, double lo, double hi) {
  entry *e = find(c, "problem", key);
  if (!e) return 0;
  double x[2];
  int k, st = get_reals(c, e, x, 2, &k, lo, hi);
  if (st) return st;
  if (k != dim && !(one_ok && k == 1))
    return FIELD_ERR(c, e, "%d values for a %d-D problem", k, dim);
  for (int a = 0; a < dim; a++) v[a] = x[k == 1 ? 0 : a];
  return 0;
}

static int apply_problem(cfg *c, pv_gp_problem_file *out) {
  entry *e = find(c, "problem", "solution");
  if (!e) return PV_ERROR(PV_EINVAL, "%s: [problem] solution is missing (a benchmark name)", c->file);
  const pv_gp_benchmark *b = pv_gp_benchmark_find(e->val);
  if (!b) return FIELD_ERR(c, e, "unknown benchmark '%s'", e->val);
  pv_gp_benchmark *B = &out->bench;
  *B = *b;
  int dim = B->dim, st = 0;
  if ((e = find(c, "problem", "equation")) != NULL) {
    double c2[2] = {1, 1}, c1[2] = {0, 0}, c0 = 0, c3 = 0;
    if (!strcmp(e->val, "allen-cahn")) { c0 = -1; c3 = 1; }
    else if (!strcmp(e->val, "advection")) {
      if (dim != 2) return FIELD_ERR(c, e, "advection needs a 2-D solution, '%s' is %d-D", B->name, dim);
      c2[0] = c2[1] = 0; c1[0] = 200; c1[1] = 1;
    } else if (!strcmp(e->val, "helmholtz")) c0 = 1;
    else if (strcmp(e->val, "poisson") != 0)
      return FIELD_ERR(c, e, "'%s' is not poisson, allen-cahn, advection or helmholtz", e->val);
    for (int a = 0; a < 2; a++) { B->c2[a] = a < dim ? c2[a] : 0; B->c1[a] = a < dim ? c1[a] : 0; }
    B->c0 = c0;
    B->c3 = c3;
  }
  if (!st) st = opt_axes(c, "c2", dim, 0, B->c2, -1e12, 1e12);
  if (!st) st = opt_axes(c, "c1", dim, 0, B->c1, -1e12, 1e12);
  if (!st) st = opt_real(c, "problem", "c0", &B->c0, -1e12, 1e12, 0);
  if (!st) st = opt_real(c, "problem", "c3", &B->c3, -1e12, 1e12, 0);
  if (!st) st = opt_axes(c, "lo", dim, 1, B->lo, -1e6, 1e6);
  if (!st) st = opt_axes(c, "hi", dim, 1, B->hi, -1e6, 1e6);
  double n[2] = {B->n[0], B->n[1]};
  if (!st) st = opt_axes(c, "grid", dim, 1, n, 3, dim == 1 ? 4000 : 2000);
  if (st) return st;
  for (int a = 0; a < dim; a++) {
    if (n[a] != floor(n[a]))
      return PV_ERROR(PV_EINVAL, "%s: [problem] grid: %g is not an integer", c->file, n[a]);
    out->run.n[a] = (int)n[a];
    if (!(B->hi[a] > B->lo[a]))
      return PV_ERROR(PV_EINVAL, "%s: [problem] lo/hi: empty domain [%g, %g] on axis %d", c->file,
                      B->lo[a], B->hi[a], a);
  }
  int any = 0;
  for (int a = 0; a < dim; a++) any |= B->c2[a] != 0 || B->c1[a] != 0;
  if (!any) return PV_ERROR(PV_EINVAL, "%s: [problem] c2/c1: the operator has no derivative term", c->file);
  return 0;
}

/* [kernel] and [weights]. */
static int apply_rest(cfg *c, pv_gp_run_options *r) {
  entry *e;
  int st = 0;
  if ((e = find(c, "kernel", "kind")) != NULL && pv_gp_kernel_kind_parse(e->val, &r->kind)) {
    pv_error_clear();
    return FIELD_ERR(c, e, "'%s' is not gm, stm, se or matern", e->val);
  }
  if (!st) st = opt_int(c, "kernel", "q", &r->q, 1, 1000);
  if (!st) st = opt_real(c, "kernel", "freq_scale", &r->freq_scale, 1e-12, 1e9, 0);
  if (!st) st = opt_real(c, "kernel", "jitter", &r->jitter, 1e-15, 1, 0);
  if (!st) st = opt_real(c, "weights", "lambda_b", &r->lambda_b, 1e-12, 1e12, 0);
  return st;
}

/* [optimizer]: method, stopping, start (init, coarse grid), noise, work. */
static int apply_optimizer(cfg *c, pv_gp_run_options *r) {
  entry *e;
  int st = 0;
  if ((e = find(c, "optimizer", "method")) != NULL) {
    if (!strcmp(e->val, "lbfgs")) r->optim.method = PV_GP_LBFGS;
    else if (!strcmp(e->val, "adam")) r->optim.method = PV_GP_ADAM;
    else return FIELD_ERR(c, e, "'%s' is not lbfgs or adam", e->val);
  }
  if (!st) st = opt_int(c, "optimizer", "iters", &r->optim.max_iter, 1, 100000000);
  if (!st) st = opt_real(c, "optimizer", "time", &r->optim.max_time, 0, 1e7, 0);
  if (!st) st = opt_real(c, "optimizer", "tol", &r->optim.tol, 0, 1, 0);
  if (!st) st = opt_real(c, "optimizer", "lr", &r->optim.lr, 1e-12, 10, 0);
  if (!st) st = opt_int(c, "optimizer", "memory", &r->optim.lbfgs_m, 1, 64);
  if (!st) st = opt_int(c, "optimizer", "ntest", &r->ntest, 2, 5000);
  if (!st) st = opt_int(c, "optimizer", "fix_noise", &r->optim.fix_noise, 0, 2);
  int work = 0;
  if (!st) st = opt_int(c, "optimizer", "work", &work, 1, 100000000);
  if (!st && work > 0) r->optim.max_work = work;
  if (!st && (e = find(c, "optimizer", "init")) != NULL) {
    if (!strcmp(e->val, "auto")) r->init = PV_GP_INIT_AUTO;
    else if (!strcmp(e->val, "reference")) r->init = PV_GP_INIT_REFERENCE;
    else if (!strcmp(e->val, "spectral")) r->init = PV_GP_INIT_SPECTRAL;
    else return FIELD_ERR(c, e, "'%s' is not auto, reference or spectral", e->val);
  }
  if (!st) st = opt_int(c, "optimizer", "coarse", &r->coarse_n, 0, 100000);
  return st;
}

int pv_gp_problem_file_parse(const char *text, size_t len, const char *name,
                             pv_gp_problem_file *out) {
  if (!text || !out) return PV_ERROR(PV_EINVAL, "gp problem file: NULL argument");
  if (!name) name = "(problem description)";
  if (len > CFG_MAX_BYTES)
    return PV_ERROR(PV_EFORMAT, "%s: %zu bytes, more than the %d allowed", name, len, CFG_MAX_BYTES);
  cfg *c = pv_calloc(1, sizeof *c);
  if (!c) return PV_ERROR(PV_ENOMEM, "gp problem file");
  c->file = name;
  pv_gp_problem_file res;
  memset(&res, 0, sizeof res);
  pv_gp_run_options ro = PV_GP_RUN_OPTIONS_INIT;
  res.run = ro;
  int st = split_lines(c, text, len);
  if (!st) st = apply_problem(c, &res);
  if (!st) st = apply_rest(c, &res.run);
  if (!st) st = apply_optimizer(c, &res.run);
  for (int i = 0; i < c->n && !st; i++)
    if (!c->e[i].used)
      st = PV_ERROR(PV_EINVAL, "%s:%d: unknown field [%s] %s", name, c->e[i].line, c->e[i].sec,
                    c->e[i].key);
  if (!st) *out = res;
  pv_free(c);
  return st;
}

int pv_gp_problem_file_read(const char *path, pv_gp_problem_file *out) {
  if (!path || !out) return PV_ERROR(PV_EINVAL, "gp problem file: NULL argument");
  char *text = NULL;
  size_t n = 0;
  int st = pv_file_read_all(path, CFG_MAX_BYTES, &text, &n);
  if (!st) st = pv_gp_problem_file_parse(text, n, path, out);
  pv_free(text);
  return st;
}
