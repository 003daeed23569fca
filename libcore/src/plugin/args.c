/* Parsed, validated verb arguments: the values a run function reads. */
#include <parseval/alloc.h>
#include <parseval/core.h>
#include <parseval/error.h>
#include <parseval/plugin.h>

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define PV_ARGS_MAX_LIST 4096

typedef struct {
  int set;
  char *text;
  int64_t i;
  double r;
  int64_t *ilist;
  double *rlist;
  size_t nlist;
} pv_arg_value;

struct pv_args {
  const pv_param *params;
  size_t n;
  int overwrite;
  pv_arg_value *vals;
};

static void value_clear(pv_arg_value *v) {
  pv_free(v->text);
  pv_free(v->ilist);
  pv_free(v->rlist);
  memset(v, 0, sizeof *v);
}

int pv_args_create(const pv_param *params, size_t n, pv_args **out) {
  if (!out || (n && !params)) return PV_ERROR(PV_EINVAL, "pv_args_create: NULL argument");
  *out = NULL;
  pv_args *a = pv_calloc(1, sizeof *a);
  if (!a) return PV_ENOMEM;
  a->vals = pv_calloc(n ? n : 1, sizeof *a->vals);
  if (!a->vals) {
    pv_free(a);
    return PV_ENOMEM;
  }
  a->params = params;
  a->n = n;
  *out = a;
  return PV_OK;
}

void pv_args_destroy(pv_args **pa) {
  if (!pa || !*pa) return;
  for (size_t i = 0; i < (*pa)->n; i++) value_clear(&(*pa)->vals[i]);
  pv_free((*pa)->vals);
  pv_free(*pa);
  *pa = NULL;
}

static long find(const pv_args *a, const char *name) {
  if (!a || !name) return -1;
  for (size_t i = 0; i < a->n; i++)
    if (a->params[i].name && strcmp(a->params[i].name, name) == 0) return (long)i;
  return -1;
}

static int parse_int(const pv_param *p, const char *s, int64_t *out) {
  errno = 0;
  char *end;
  long long v = strtoll(s, &end, 10);
  if (!*s || *end || errno == ERANGE || end == s)
    return PV_ERROR(PV_EINVAL, "--%s: \"%s\" is not an integer", p->name, s);
  if (((p->flags & PV_PARAM_HAS_MIN) && (double)v < p->min) ||
      ((p->flags & PV_PARAM_HAS_MAX) && (double)v > p->max))
    return PV_ERROR(PV_EINVAL, "--%s: %lld is outside [%.17g, %.17g]", p->name, v,
                    (p->flags & PV_PARAM_HAS_MIN) ? p->min : -INFINITY,
                    (p->flags & PV_PARAM_HAS_MAX) ? p->max : INFINITY);
  *out = v;
  return PV_OK;
}

static int parse_real(const pv_param *p, const char *s, double *out) {
  /* Plain decimal notation only: no hex floats, no inf/nan words. */
  if (!*s || strspn(s, "0123456789+-.eE") != strlen(s))
    return PV_ERROR(PV_EINVAL, "--%s: \"%s\" is not a number", p->name, s);
  errno = 0;
  char *end;
  double v = pv_strtod_c(s, &end);
  if (*end || end == s || !isfinite(v))
    return PV_ERROR(PV_EINVAL, "--%s: \"%s\" is not a finite number", p->name, s);
  if (((p->flags & PV_PARAM_HAS_MIN) && v < p->min) || ((p->flags & PV_PARAM_HAS_MAX) && v > p->max))
    return PV_ERROR(PV_EINVAL, "--%s: %s is outside [%.17g, %.17g]", p->name, s,
                    (p->flags & PV_PARAM_HAS_MIN) ? p->min : -INFINITY,
                    (p->flags & PV_PARAM_HAS_MAX) ? p->max : INFINITY);
  *out = v;
  return PV_OK;
}

static int parse_flag(const pv_param *p, const char *s, int64_t *out) {
  static const char *yes[] = {"", "1", "true", "yes", "on"}, *no[] = {"0", "false", "no", "off"};
  for (size_t i = 0; i < sizeof yes / sizeof *yes; i++)
    if (strcmp(s, yes[i]) == 0) return *out = 1, PV_OK;
  for (size_t i = 0; i < sizeof no / sizeof *no; i++)
    if (strcmp(s, no[i]) == 0) return *out = 0, PV_OK;
  return PV_ERROR(PV_EINVAL, "--%s: \"%s\" is not true/false", p->name, s);
}

static int parse_choice(const pv_param *p, const char *s) {
  const char *c = p->choices ? p->choices : "";
  size_t n = strlen(s);
  while (*c) {
    size_t w = strcspn(c, "|");
    if (w == n && n && strncmp(c, s, n) == 0) return PV_OK;
    c += w + (c[w] == '|');
  }
  return PV_ERROR(PV_EINVAL, "--%s: \"%s\" is not one of %s", p->name, s, p->choices ? p->choices : "(none)");
}

/* Comma-separated list; each element checked as a scalar of the same param. */
static int parse_list(const pv_param *p, const char *s, pv_arg_value *v) {
  int is_int = p->type == PV_PARAM_INT_LIST;
  size_t n = 1;
  for (const char *q = s; *q; q++) n += *q == ',';
  if (!*s || n > PV_ARGS_MAX_LIST)
    return PV_ERROR(PV_EINVAL, "--%s: list must have 1 to %d elements", p->name, PV_ARGS_MAX_LIST);
  void *arr = pv_calloc(n, 8);
  char *copy = pv_strdup(s);
  int rc = arr && copy ? PV_OK : PV_ENOMEM;
  char *q = copy;
  for (size_t k = 0; !rc && k < n; k++) {
    char *comma = strchr(q, ',');
    if (comma) *comma = '\0';
    rc = is_int ? parse_int(p, q, (int64_t *)arr + k) : parse_real(p, q, (double *)arr + k);
    q = comma ? comma + 1 : q + strlen(q);
  }
  pv_free(copy);
  if (rc) {
    pv_free(arr);
    return rc;
  }
  if (is_int) v->ilist = arr;
  else v->rlist = arr;
  v->nlist = n;
  return PV_OK;
}

static int parse_value(const pv_param *p, const char *text, pv_arg_value *v) {
  switch (p->type) {
  case PV_PARAM_FLAG: return parse_flag(p, text, &v->i);
  case PV_PARAM_INT: return parse_int(p, text, &v->i);
  case PV_PARAM_REAL: return parse_real(p, text, &v->r);
  case PV_PARAM_CHOICE: return parse_choice(p, text);
  case PV_PARAM_PATH:
    return *text ? PV_OK : PV_ERROR(PV_EINVAL, "%s: empty path", p->name);
  case PV_PARAM_STRING: return PV_OK;
  case PV_PARAM_INT_LIST:
  case PV_PARAM_REAL_LIST: return parse_list(p, text, v);
  default: return PV_ERROR(PV_EABI, "parameter %s has unknown type %d", p->name, (int)p->type);
  }
}

int pv_args_set(pv_args *a, const char *name, const char *text) {
  if (!a || !name || !text) return PV_ERROR(PV_EINVAL, "pv_args_set: NULL argument");
  long i = find(a, name);
  if (i < 0) return PV_ERROR(PV_ENOTFOUND, "unknown parameter \"%s\"", name);
  pv_arg_value v = {0};
  int rc = parse_value(&a->params[i], text, &v);
  if (!rc && !(v.text = pv_strdup(text))) rc = PV_ENOMEM;
  if (rc) {
    value_clear(&v);
    return rc;
  }
  v.set = 1;
  value_clear(&a->vals[i]);
  a->vals[i] = v;
  return PV_OK;
}

static int is_required(const pv_param *p) {
  if (p->role == PV_ROLE_OPTION) return (p->flags & PV_PARAM_REQUIRED) != 0;
  return !(p->flags & PV_PARAM_OPTIONAL);
}

int pv_args_finish(pv_args *a) {
  if (!a) return PV_ERROR(PV_EINVAL, "pv_args_finish: NULL");
  for (size_t i = 0; i < a->n; i++) {
    const pv_param *p = &a->params[i];
    if (a->vals[i].set) continue;
    if (p->def) {
      int rc = pv_args_set(a, p->name, p->def);
      if (rc == PV_ENOMEM) return rc;
      if (rc) return PV_ERROR(PV_EABI, "default \"%s\" of parameter %s is invalid", p->def, p->name);
    } else if (is_required(p)) {
      return PV_ERROR(PV_EINVAL, "missing %s %s%s", p->role == PV_ROLE_OPTION ? "required option" : pv_param_role_name(p->role),
                      p->role == PV_ROLE_OPTION ? "--" : "", p->name);
    }
  }
  return PV_OK;
}

void pv_args_set_overwrite(pv_args *a, int overwrite) {
  if (a) a->overwrite = overwrite != 0;
}
int pv_args_overwrite(const pv_args *a) { return a ? a->overwrite : 0; }

static const pv_arg_value *get(const pv_args *a, const char *name, int type) {
  long i = find(a, name);
  if (i < 0 || !a->vals[i].set) return NULL;
  if (type >= 0 && (int)a->params[i].type != type) return NULL;
  return &a->vals[i];
}

int pv_args_has(const pv_args *a, const char *name) { return get(a, name, -1) != NULL; }

int pv_args_flag(const pv_args *a, const char *name) {
  const pv_arg_value *v = get(a, name, PV_PARAM_FLAG);
  return v ? (int)v->i : 0;
}

int64_t pv_args_int(const pv_args *a, const char *name) {
  const pv_arg_value *v = get(a, name, PV_PARAM_INT);
  return v ? v->i : 0;
}

double pv_args_real(const pv_args *a, const char *name) {
  const pv_arg_value *v = get(a, name, PV_PARAM_REAL);
  return v ? v->r : 0.0;
}

const char *pv_args_string(const pv_args *a, const char *name) {
  long i = find(a, name);
  if (i < 0 || !a->vals[i].set) return NULL;
  pv_param_type t = a->params[i].type;
  return t == PV_PARAM_STRING || t == PV_PARAM_CHOICE || t == PV_PARAM_PATH ? a->vals[i].text : NULL;
}

size_t pv_args_int_list(const pv_args *a, const char *name, const int64_t **vals) {
  const pv_arg_value *v = get(a, name, PV_PARAM_INT_LIST);
  if (vals) *vals = v ? v->ilist : NULL;
  return v ? v->nlist : 0;
}

size_t pv_args_real_list(const pv_args *a, const char *name, const double **vals) {
  const pv_arg_value *v = get(a, name, PV_PARAM_REAL_LIST);
  if (vals) *vals = v ? v->rlist : NULL;
  return v ? v->nlist : 0;
}

const char *pv_args_text(const pv_args *a, const char *name) {
  const pv_arg_value *v = get(a, name, -1);
  return v ? v->text : NULL;
}

const char *pv_param_type_name(pv_param_type t) {
  static const char *names[] = {"flag", "int", "real", "string", "choice", "path", "int-list", "real-list"};
  return (unsigned)t < PV_PARAM_TYPE_COUNT ? names[t] : "unknown";
}

const char *pv_param_role_name(pv_param_role r) {
  static const char *names[] = {"option", "input", "output"};
  return (unsigned)r <= PV_ROLE_OUTPUT ? names[r] : "unknown";
}
