/* Command-line parsing: host options anywhere before "--", then a verb's
 * options (--name=value, --name value, --flag, --no-flag) and positionals
 * (inputs, then outputs, in declaration order). */
#include "host.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int parse_u64(const char *opt, const char *s, uint64_t max, uint64_t *out) {
  if (!s || !*s || strspn(s, "0123456789") != strlen(s) || strlen(s) > 20)
    return PV_ERROR(PV_EINVAL, "--%s: \"%s\" is not a non-negative integer", opt, s ? s : "");
  errno = 0;
  unsigned long long v = strtoull(s, NULL, 10);
  if (errno == ERANGE || v > max)
    return PV_ERROR(PV_EINVAL, "--%s: %s is out of range (max %llu)", opt, s, (unsigned long long)max);
  *out = v;
  return PV_OK;
}

typedef enum { HOST_FLAG, HOST_VALUE } host_kind;
typedef struct { const char *name; host_kind kind; } host_opt;
static const host_opt host_opts[] = {
    {"help", HOST_FLAG},       {"version", HOST_FLAG}, {"progress", HOST_FLAG},
    {"overwrite", HOST_FLAG},  {"verbose", HOST_FLAG}, {"quiet", HOST_FLAG},
    {"threads", HOST_VALUE},   {"seed", HOST_VALUE},   {"params", HOST_VALUE},
    {"out", HOST_VALUE},       {"memory", HOST_VALUE},
};

/* "512M", "2G", "65536" -> bytes (K, M, G, T binary multiples). */
static int parse_size(const char *opt, const char *s, size_t *out) {
  char *end;
  errno = 0;
  unsigned long long v = s && *s >= '0' && *s <= '9' ? strtoull(s, &end, 10) : 0;
  if (!s || !*s || *s < '0' || *s > '9' || errno == ERANGE)
    return PV_ERROR(PV_EINVAL, "--%s: \"%s\" is not a size (e.g. 512M, 4G)", opt, s ? s : "");
  int shift = 0;
  switch (*end) {
  case 'K': case 'k': shift = 10; end++; break;
  case 'M': case 'm': shift = 20; end++; break;
  case 'G': case 'g': shift = 30; end++; break;
  case 'T': case 't': shift = 40; end++; break;
  default: break;
  }
  if (*end || v == 0 || v > (SIZE_MAX >> shift))
    return PV_ERROR(PV_EINVAL, "--%s: \"%s\" is not a positive size (e.g. 512M, 4G)", opt, s);
  *out = (size_t)v << shift;
  return PV_OK;
}

static int set_host_opt(pv_host_opts *o, const char *name, const char *val) {
  uint64_t v;
  int rc = PV_OK;
  if (!strcmp(name, "help")) o->help = 1;
  else if (!strcmp(name, "version")) o->version = 1;
  else if (!strcmp(name, "progress")) o->progress = 1;
  else if (!strcmp(name, "overwrite")) o->overwrite = 1;
  else if (!strcmp(name, "verbose")) o->verbose = 1;
  else if (!strcmp(name, "quiet")) o->quiet = 1;
  else if (!strcmp(name, "threads")) {
    if (!(rc = parse_u64(name, val, 4096, &v))) {
      if (v == 0) rc = PV_ERROR(PV_EINVAL, "--threads: must be at least 1");
      o->threads = (int)v;
    }
  } else if (!strcmp(name, "seed")) {
    if (!(rc = parse_u64(name, val, UINT64_MAX, &v))) o->seed = v, o->seed_given = 1;
  } else if (!strcmp(name, "params")) {
    o->params = val;
  } else if (!strcmp(name, "out")) {
    o->out = val;
  } else if (!strcmp(name, "memory")) {
    rc = parse_size(name, val, &o->memory);
  }
  return rc;
}

/* Is word a host option? Sets *consumed (1 or 2 words) on success. */
static int try_host_opt(pv_host_opts *o, const char *w, const char *next, int *consumed) {
  *consumed = 0;
  if (!strcmp(w, "-h")) w = "--help";
  if (strncmp(w, "--", 2) != 0) return PV_OK;
  const char *name = w + 2, *eq = strchr(name, '=');
  size_t len = eq ? (size_t)(eq - name) : strlen(name);
  for (size_t i = 0; i < sizeof host_opts / sizeof *host_opts; i++) {
    if (strlen(host_opts[i].name) != len || strncmp(name, host_opts[i].name, len)) continue;
    const char *val = NULL;
    if (host_opts[i].kind == HOST_FLAG) {
      if (eq) return PV_ERROR(PV_EINVAL, "--%s takes no value", host_opts[i].name);
      *consumed = 1;
    } else if (eq) {
      val = eq + 1;
      *consumed = 1;
    } else {
      if (!next) return PV_ERROR(PV_EINVAL, "--%s needs a value", host_opts[i].name);
      val = next;
      *consumed = 2;
    }
    return set_host_opt(o, host_opts[i].name, val);
  }
  return PV_OK;
}

int pv_host_cmdline_parse(int argc, char **argv, pv_host_cmdline *cl) {
  memset(cl, 0, sizeof *cl);
  cl->words = pv_calloc(argc > 0 ? (size_t)argc : 1, sizeof *cl->words);
  if (!cl->words) return PV_ENOMEM;
  int after = 0;
  cl->dashdash = -1;
  for (int i = 1; i < argc; i++) {
    const char *w = argv[i];
    if (!after && !strcmp(w, "--")) {
      after = 1;
      cl->dashdash = cl->n_words;
      continue;
    }
    int consumed = 0, rc = PV_OK;
    if (!after) rc = try_host_opt(&cl->opts, w, i + 1 < argc ? argv[i + 1] : NULL, &consumed);
    if (rc) {
      pv_host_cmdline_free(cl);
      return rc;
    }
    if (consumed) {
      i += consumed - 1;
      continue;
    }
    cl->words[cl->n_words++] = w;
  }
  if (cl->dashdash < 0) cl->dashdash = cl->n_words;
  return PV_OK;
}

void pv_host_cmdline_free(pv_host_cmdline *cl) {
  pv_free(cl->words);
  memset(cl, 0, sizeof *cl);
}

static long find_param(const pv_verb *v, const char *name, size_t len) {
  for (uint32_t i = 0; i < v->n_params; i++)
    if (strlen(v->params[i].name) == len && !strncmp(v->params[i].name, name, len)) return i;
  return -1;
}

/* --name[=value] at words[*i]; advances *i past a separate value word. */
static int take_option(const pv_verb *v, const char **words, int n, int *i, int limit,
                       pv_args *args, unsigned char *given) {
  const char *name = words[*i] + 2, *eq = strchr(name, '=');
  size_t len = eq ? (size_t)(eq - name) : strlen(name);
  long k = find_param(v, name, len);
  const char *val = eq ? eq + 1 : NULL;
  if (k < 0 && len > 3 && !strncmp(name, "no-", 3) && !eq) {
    k = find_param(v, name + 3, len - 3);
    if (k >= 0 && v->params[k].type == PV_PARAM_FLAG) val = "false";
    else k = -1;
  }
  if (k < 0) return PV_ERROR(PV_EINVAL, "unknown option --%.*s for verb %s", (int)len, name, v->name);
  if (!val && v->params[k].type == PV_PARAM_FLAG) val = "true";
  if (!val) {
    if (*i + 1 >= n || *i + 1 >= limit)
      return PV_ERROR(PV_EINVAL, "option --%s needs a value", v->params[k].name);
    val = words[++*i];
  }
  given[k] = 1;
  return pv_args_set(args, v->params[k].name, val);
}

static int take_positional(const pv_verb *v, const char *w, pv_args *args, unsigned char *given) {
  for (int role = PV_ROLE_INPUT; role <= PV_ROLE_OUTPUT; role++)
    for (uint32_t k = 0; k < v->n_params; k++)
      if ((int)v->params[k].role == role && !given[k]) {
        given[k] = 1;
        return pv_args_set(args, v->params[k].name, w);
      }
  return PV_ERROR(PV_EINVAL, "unexpected argument \"%s\": verb %s takes no more inputs or outputs", w, v->name);
}

int pv_host_args_from_words(const pv_verb *v, const char **words, int n, int first_positional_only,
                            pv_args *args) {
  unsigned char *given = pv_calloc(v->n_params ? v->n_params : 1, 1);
  if (!given) return PV_ENOMEM;
  int rc = PV_OK;
  for (int i = 0; !rc && i < n; i++) {
    const char *w = words[i];
    int optional_zone = i < first_positional_only;
    if (optional_zone && !strncmp(w, "--", 2) && w[2])
      rc = take_option(v, words, n, &i, first_positional_only, args, given);
    else if (optional_zone && w[0] == '-' && w[1])
      rc = PV_ERROR(PV_EINVAL, "unknown option %s (options are --name=value)", w);
    else
      rc = take_positional(v, w, args, given);
  }
  pv_free(given);
  return rc;
}

int pv_host_pick_verb(const pv_host_plugin *p, const char **words, int n_words,
                      const pv_host_verb **verb, int *consumed) {
  *consumed = 0;
  *verb = NULL;
  if (n_words > 0)
    for (uint32_t i = 0; i < p->desc.n_verbs; i++)
      if (!strcmp(words[0], p->verbs[i].verb.name)) {
        *verb = &p->verbs[i];
        *consumed = 1;
        return PV_OK;
      }
  if (p->desc.n_verbs == 1) {
    *verb = &p->verbs[0];
    return PV_OK;
  }
  char names[512] = "";
  for (uint32_t i = 0; i < p->desc.n_verbs; i++) {
    size_t u = strlen(names);
    snprintf(names + u, sizeof names - u, "%s%s", i ? ", " : "", p->verbs[i].verb.name);
  }
  if (n_words > 0 && words[0][0] != '-')
    return PV_ERROR(PV_ENOTFOUND, "%s has no verb \"%s\" (verbs: %s)", p->desc.name, words[0], names);
  return PV_ERROR(PV_EINVAL, "%s needs a verb: %s", p->desc.name, names);
}
