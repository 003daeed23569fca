/* Provenance record: flat key/value pairs are the store; JSON is derived. */
#include <parseval/provenance.h>

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <parseval/alloc.h>
#include <parseval/core.h>
#include <parseval/error.h>

#include "out/strbuf.h"

typedef struct {
  char *key;
  char *value;
} prov_pair;

struct pv_provenance {
  prov_pair *pairs;
  size_t n, cap;
  size_t n_inputs;
};

#define KEY_PREFIX "parseval."

static int find(const pv_provenance *p, const char *key) {
  for (size_t i = 0; i < p->n; i++)
    if (strcmp(p->pairs[i].key, key) == 0) return (int)i;
  return -1;
}

/* Set key to value: replace in place, or append. */
static int put(pv_provenance *p, const char *key, const char *value) {
  char *v = pv_strdup(value ? value : "");
  if (!v) return PV_ENOMEM;
  int i = find(p, key);
  if (i >= 0) {
    pv_free(p->pairs[i].value);
    p->pairs[i].value = v;
    return 0;
  }
  if (p->n == p->cap) {
    size_t cap = p->cap ? 2 * p->cap : 16;
    void *a = p->pairs;
    int st = pv_realloc(&a, p->cap * sizeof *p->pairs, cap * sizeof *p->pairs);
    if (st) { pv_free(v); return st; }
    p->pairs = a;
    p->cap = cap;
  }
  char *k = pv_strdup(key);
  if (!k) { pv_free(v); return PV_ENOMEM; }
  p->pairs[p->n++] = (prov_pair){k, v};
  return 0;
}

static int put_u64(pv_provenance *p, const char *key, uint64_t v) {
  char t[32];
  pv_snprintf_c(t, sizeof t, "%" PRIu64, v);
  return put(p, key, t);
}

int pv_provenance_create(const char *app, const char *verb, pv_provenance **out) {
  if (!out) return PV_ERROR(PV_EINVAL, "pv_provenance_create: NULL out");
  *out = NULL;
  pv_provenance *p = pv_calloc(1, sizeof *p);
  if (!p) return PV_ENOMEM;
  char date[32] = "unknown", host[256] = "unknown";
  time_t now = time(NULL);
  struct tm tm;
  if (gmtime_r(&now, &tm)) strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", &tm);
  if (gethostname(host, sizeof host) != 0) strcpy(host, "unknown");
  host[sizeof host - 1] = '\0';
  int st = put(p, KEY_PREFIX "app", app ? app : "");
  if (!st) st = put(p, KEY_PREFIX "verb", verb ? verb : "");
  if (!st) st = put(p, KEY_PREFIX "version", pv_version());
  if (!st) st = put(p, KEY_PREFIX "date", date);
  if (!st) st = put(p, KEY_PREFIX "host", host);
  if (!st) st = put_u64(p, KEY_PREFIX "seed", 0);
  if (st) { pv_provenance_destroy(&p); return st; }
  *out = p;
  return 0;
}

void pv_provenance_destroy(pv_provenance **pp) {
  if (!pp || !*pp) return;
  pv_provenance *p = *pp;
  for (size_t i = 0; i < p->n; i++) {
    pv_free(p->pairs[i].key);
    pv_free(p->pairs[i].value);
  }
  pv_free(p->pairs);
  pv_free(p);
  *pp = NULL;
}

int pv_provenance_set_seed(pv_provenance *p, uint64_t seed) {
  return put_u64(p, KEY_PREFIX "seed", seed);
}

int pv_provenance_set_date(pv_provenance *p, const char *date) {
  if (!date) return PV_ERROR(PV_EINVAL, "provenance date is NULL");
  return put(p, KEY_PREFIX "date", date);
}

static int valid_name(const char *s) {
  if (!s || !*s || strlen(s) > 64) return 0;
  for (; *s; s++)
    if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-' || *s == '_'))
      return 0;
  return 1;
}

int pv_provenance_set_param(pv_provenance *p, const char *name, const char *value) {
  if (!valid_name(name))
    return PV_ERROR(PV_EINVAL, "provenance parameter name \"%s\" is not [a-z0-9_-]{1,64}",
                    name ? name : "(null)");
  char key[96];
  snprintf(key, sizeof key, KEY_PREFIX "param.%s", name);
  return put(p, key, value);
}

int pv_provenance_add_input(pv_provenance *p, const char *path) {
  if (!path) return PV_ERROR(PV_EINVAL, "provenance input path is NULL");
  char hex[65] = "";
  uint64_t bytes = 0;
  struct stat sb;
  int regular = stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
  if (regular) {
    int st = pv_sha256_file(path, hex, &bytes);
    if (st) return PV_ERROR(st, "provenance of input %s", path);
  }
  char key[64];
  size_t k = p->n_inputs;
  snprintf(key, sizeof key, KEY_PREFIX "input.%zu.path", k);
  int st = put(p, key, path);
  if (!st && regular) {
    snprintf(key, sizeof key, KEY_PREFIX "input.%zu.sha256", k);
    st = put(p, key, hex);
  }
  if (!st && regular) {
    snprintf(key, sizeof key, KEY_PREFIX "input.%zu.bytes", k);
    st = put_u64(p, key, bytes);
  }
  if (!st) p->n_inputs++;
  return st;
}

int pv_provenance_from_args(const pv_ctx *ctx, const char *app, const char *verb,
                            const pv_param *params, size_t n, const pv_args *args,
                            pv_provenance **out) {
  if (!out || (n && (!params || !args)))
    return PV_ERROR(PV_EINVAL, "pv_provenance_from_args: NULL argument");
  int st = pv_provenance_create(app, verb, out);
  if (st) return st;
  pv_provenance *p = *out;
  if (ctx) st = pv_provenance_set_seed(p, pv_ctx_seed(ctx));
  for (size_t i = 0; i < n && !st; i++) {
    const pv_param *q = &params[i];
    if (!pv_args_has(args, q->name)) continue;
    const char *text = pv_args_text(args, q->name);
    st = pv_provenance_set_param(p, q->name, text ? text : "");
    if (!st && q->role == PV_ROLE_INPUT && q->type == PV_PARAM_PATH && text && *text)
      st = pv_provenance_add_input(p, text);
  }
  if (st) pv_provenance_destroy(out);
  return st;
}

size_t pv_provenance_count(const pv_provenance *p) { return p ? p->n : 0; }

int pv_provenance_pair(const pv_provenance *p, size_t i, const char **key, const char **value) {
  if (!p || i >= p->n) return PV_ERROR(PV_EINVAL, "provenance pair %zu out of range", i);
  if (key) *key = p->pairs[i].key;
  if (value) *value = p->pairs[i].value;
  return 0;
}

const char *pv_provenance_get(const pv_provenance *p, const char *key) {
  int i = p && key ? find(p, key) : -1;
  return i >= 0 ? p->pairs[i].value : NULL;
}

static int starts(const char *s, const char *prefix) {
  return strncmp(s, prefix, strlen(prefix)) == 0;
}

static void json_inputs(const pv_provenance *p, pv_json *j) {
  pv_json_array_begin(j);
  for (size_t k = 0; k < p->n_inputs; k++) {
    char key[64];
    pv_json_object_begin(j);
    snprintf(key, sizeof key, KEY_PREFIX "input.%zu.path", k);
    pv_json_kv_string(j, "path", pv_provenance_get(p, key));
    snprintf(key, sizeof key, KEY_PREFIX "input.%zu.bytes", k);
    const char *b = pv_provenance_get(p, key);
    pv_json_key(j, "bytes");
    if (b) pv_json_raw(j, b); else pv_json_null(j);
    snprintf(key, sizeof key, KEY_PREFIX "input.%zu.sha256", k);
    pv_json_kv_string(j, "sha256", pv_provenance_get(p, key));
    pv_json_object_end(j);
  }
  pv_json_array_end(j);
}

int pv_provenance_to_json(const pv_provenance *p, pv_json *j) {
  if (!p || !j) return PV_ERROR(PV_EINVAL, "pv_provenance_to_json: NULL argument");
  pv_json_object_begin(j);
  pv_json_kv_string(j, "app", pv_provenance_get(p, KEY_PREFIX "app"));
  pv_json_kv_string(j, "verb", pv_provenance_get(p, KEY_PREFIX "verb"));
  pv_json_kv_string(j, "parseval_version", pv_provenance_get(p, KEY_PREFIX "version"));
  pv_json_kv_string(j, "date", pv_provenance_get(p, KEY_PREFIX "date"));
  pv_json_kv_string(j, "host", pv_provenance_get(p, KEY_PREFIX "host"));
  pv_json_key(j, "seed");
  pv_json_raw(j, pv_provenance_get(p, KEY_PREFIX "seed"));
  pv_json_key(j, "parameters");
  pv_json_object_begin(j);
  for (size_t i = 0; i < p->n; i++)
    if (starts(p->pairs[i].key, KEY_PREFIX "param."))
      pv_json_kv_string(j, p->pairs[i].key + strlen(KEY_PREFIX "param."), p->pairs[i].value);
  pv_json_object_end(j);
  pv_json_key(j, "inputs");
  json_inputs(p, j);
  return pv_json_object_end(j);
}

int pv_provenance_json_text(const pv_provenance *p, char **text) {
  if (!text) return PV_ERROR(PV_EINVAL, "pv_provenance_json_text: NULL out");
  *text = NULL;
  pv_json *j = NULL;
  int st = pv_json_create(0, &j);
  if (!st) st = pv_provenance_to_json(p, j);
  if (!st) {
    *text = pv_strdup(pv_json_text(j, NULL));
    if (!*text) st = PV_ENOMEM;
  }
  pv_json_destroy(&j);
  return st;
}

int pv_provenance_write_json(const pv_provenance *p, const char *path, int overwrite) {
  pv_json *j = NULL;
  int st = pv_json_create(2, &j);
  if (!st) st = pv_json_object_begin(j);
  if (!st) st = pv_json_key(j, "provenance");
  if (!st) st = pv_provenance_to_json(p, j);
  if (!st) st = pv_json_object_end(j);
  if (!st) st = pv_json_write_file(j, path, overwrite);
  pv_json_destroy(&j);
  return st;
}

int pv_provenance_sidecar_path(const char *path, char **out) {
  if (!path || !out) return PV_ERROR(PV_EINVAL, "pv_provenance_sidecar_path: NULL argument");
  size_t n = strlen(path);
  *out = pv_malloc(n + 6);
  if (!*out) return PV_ENOMEM;
  memcpy(*out, path, n);
  memcpy(*out + n, ".json", 6);
  return 0;
}
