/* Plugin discovery and loading: dlopen each pv-*.so, check the ABI major
 * before touching anything else, copy the descriptor through its declared
 * sizes into the current layout (missing trailing fields read as zero). */
#include "host.h"

#include <dirent.h>
#include <dlfcn.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* Sizes of the ABI 1.0 structs: the smallest layouts we still accept. */
#define PV_PARAM_SIZE_1_0 offsetof(pv_param, units)
#define PV_VERB_SIZE_1_0 offsetof(pv_verb, description)
#define PV_DESC_SIZE_1_0 offsetof(pv_plugin_descriptor, demos)

static const char *const reserved_names[] = {"help", "version", "threads", "seed", "progress",
                                             "overwrite", "params", "verbose", "quiet", "out", "memory"};

static int valid_name(const char *s) {
  if (!s || !*s || strlen(s) > 64) return 0;
  for (const char *p = s; *p; p++)
    if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-')) return 0;
  return s[0] != '-';
}

static int adopt_param(const char *raw, const char *path, const char *verb, pv_param *out) {
  const pv_param *p = (const pv_param *)raw;
  if (!valid_name(p->name))
    return PV_ERROR(PV_EABI, "%s: verb %s: parameter name \"%s\" is not [a-z0-9-]+", path, verb,
                    p->name ? p->name : "(null)");
  for (size_t i = 0; i < sizeof reserved_names / sizeof *reserved_names; i++)
    if (strcmp(p->name, reserved_names[i]) == 0)
      return PV_ERROR(PV_EABI, "%s: verb %s: parameter --%s clashes with a host option", path, verb, p->name);
  if ((unsigned)p->type >= PV_PARAM_TYPE_COUNT || (unsigned)p->role > PV_ROLE_OUTPUT)
    return PV_ERROR(PV_EABI, "%s: verb %s: parameter %s has an unknown type or role", path, verb, p->name);
  if (p->role != PV_ROLE_OPTION && p->type != PV_PARAM_PATH)
    return PV_ERROR(PV_EABI, "%s: verb %s: input/output %s must be a path", path, verb, p->name);
  if (p->type == PV_PARAM_CHOICE && (!p->choices || !*p->choices))
    return PV_ERROR(PV_EABI, "%s: verb %s: choice %s has no choices", path, verb, p->name);
  *out = *p; /* caller copied only the declared size into raw */
  return PV_OK;
}

static int adopt_verb(const char *raw, size_t verb_size, const char *path, pv_host_verb *out) {
  pv_verb v;
  memset(&v, 0, sizeof v);
  memcpy(&v, raw, verb_size < sizeof v ? verb_size : sizeof v);
  if (!valid_name(v.name) || !v.run)
    return PV_ERROR(PV_EABI, "%s: a verb has an invalid name or no run function", path);
  if (v.n_params > 256 || (v.n_params && (!v.params || v.param_size < PV_PARAM_SIZE_1_0)))
    return PV_ERROR(PV_EABI, "%s: verb %s: parameter table size %u x %u bytes is invalid", path,
                    v.name, v.n_params, v.param_size);
  out->params = pv_calloc(v.n_params ? v.n_params : 1, sizeof(pv_param));
  if (!out->params) return PV_ENOMEM;
  for (uint32_t i = 0; i < v.n_params; i++) {
    pv_param tmp;
    memset(&tmp, 0, sizeof tmp);
    size_t n = v.param_size < sizeof tmp ? v.param_size : sizeof tmp;
    memcpy(&tmp, (const char *)v.params + (size_t)i * v.param_size, n);
    int rc = adopt_param((const char *)&tmp, path, v.name, &out->params[i]);
    for (uint32_t j = 0; !rc && j < i; j++)
      if (strcmp(out->params[j].name, tmp.name) == 0)
        rc = PV_ERROR(PV_EABI, "%s: verb %s declares parameter %s twice", path, v.name, tmp.name);
    if (rc) return rc;
  }
  v.params = out->params;
  v.param_size = sizeof(pv_param);
  out->verb = v;
  return PV_OK;
}

void pv_host_plugin_release(pv_host_plugin *p) {
  if (!p) return;
  for (uint32_t i = 0; p->verbs && i < p->desc.n_verbs; i++) pv_free(p->verbs[i].params);
  pv_free(p->verbs);
  pv_free(p->path);
  /* Handles stay open: a plugin may have registered atexit handlers. */
  memset(p, 0, sizeof *p);
}

int pv_host_plugin_adopt(const pv_plugin_descriptor *d, const char *path, pv_host_plugin *out) {
  memset(out, 0, sizeof *out);
  if (!d) return PV_ERROR(PV_EABI, "%s: the entry point returned no descriptor", path);
  uint32_t major = d->abi_version >> 16, minor = d->abi_version & 0xffff;
  if (major != PV_PLUGIN_ABI_MAJOR)
    return PV_ERROR(PV_EABI, "%s: plugin ABI %u.%u, this host speaks %d.x", path, major, minor,
                    PV_PLUGIN_ABI_MAJOR);
  if (d->struct_size < PV_DESC_SIZE_1_0)
    return PV_ERROR(PV_EABI, "%s: descriptor of %u bytes is smaller than ABI 1.0's %zu", path,
                    d->struct_size, (size_t)PV_DESC_SIZE_1_0);
  memcpy(&out->desc, d, d->struct_size < sizeof out->desc ? d->struct_size : sizeof out->desc);
  out->abi_version = d->abi_version;
  out->path = pv_strdup(path);
  if (!out->path) return PV_ENOMEM;
  const pv_plugin_descriptor *nd = &out->desc;
  int rc = PV_OK;
  if (!valid_name(nd->name)) rc = PV_ERROR(PV_EABI, "%s: plugin name is not [a-z0-9-]+", path);
  else if (!nd->n_verbs || nd->n_verbs > 64 || !nd->verbs || nd->verb_size < PV_VERB_SIZE_1_0)
    rc = PV_ERROR(PV_EABI, "%s: plugin %s has an invalid verb table (%u verbs of %u bytes)", path,
                  nd->name, nd->n_verbs, nd->verb_size);
  if (!rc && !(out->verbs = pv_calloc(nd->n_verbs, sizeof *out->verbs))) rc = PV_ENOMEM;
  for (uint32_t i = 0; !rc && i < nd->n_verbs; i++) {
    rc = adopt_verb((const char *)nd->verbs + (size_t)i * nd->verb_size, nd->verb_size, path, &out->verbs[i]);
    for (uint32_t j = 0; !rc && j < i; j++)
      if (strcmp(out->verbs[j].verb.name, out->verbs[i].verb.name) == 0)
        rc = PV_ERROR(PV_EABI, "%s: verb %s declared twice", path, out->verbs[i].verb.name);
  }
  if (rc) {
    pv_host_plugin_release(out);
    return rc;
  }
  out->desc.verbs = NULL; /* use out->verbs */
  out->desc.verb_size = sizeof(pv_verb);
  return PV_OK;
}

static int load_file(const char *path, pv_host_plugin *out) {
  void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (!h) return PV_ERROR(PV_EABI, "cannot load plugin %s: %s", path, dlerror());
  pv_plugin_entry_fn entry;
  *(void **)&entry = dlsym(h, PV_PLUGIN_SYMBOL);
  if (!entry) {
    dlclose(h);
    return PV_ERROR(PV_EABI, "%s: no %s symbol (not a parseval plugin?)", path, PV_PLUGIN_SYMBOL);
  }
  int rc = pv_host_plugin_adopt(entry(), path, out);
  if (rc) {
    dlclose(h);
    return rc;
  }
  out->handle = h;
  return PV_OK;
}

static int is_plugin_file(const char *name) {
  size_t n = strlen(name);
  return n > 6 && strncmp(name, "pv-", 3) == 0 && strcmp(name + n - 3, ".so") == 0;
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted plugin file names of one folder (a missing folder is empty). */
static int list_dir(const char *dir, char ***names, size_t *n) {
  *names = NULL;
  *n = 0;
  DIR *d = opendir(dir);
  if (!d) return PV_OK;
  size_t cap = 0;
  int rc = PV_OK;
  struct dirent *e;
  while (!rc && (e = readdir(d))) {
    if (!is_plugin_file(e->d_name)) continue;
    if (*n == cap) {
      rc = pv_realloc((void **)names, cap * sizeof **names, (cap ? 2 * cap : 8) * sizeof **names);
      cap = cap ? 2 * cap : 8;
    }
    if (!rc && !((*names)[(*n)++] = pv_strdup(e->d_name))) rc = PV_ENOMEM;
  }
  closedir(d);
  if (*n) qsort(*names, *n, sizeof **names, cmp_str);
  return rc;
}

static int add_plugin(pv_host_registry *reg, const char *path) {
  pv_host_plugin p;
  int rc = load_file(path, &p);
  if (rc) return rc;
  const pv_host_plugin *twin = pv_host_registry_find(reg, p.desc.name);
  if (twin) {
    rc = PV_ERROR(PV_EABI, "two plugins are named %s: %s and %s", p.desc.name, twin->path, path);
  } else {
    rc = pv_realloc((void **)&reg->plugins, reg->n * sizeof p, (reg->n + 1) * sizeof p);
    if (!rc) reg->plugins[reg->n++] = p;
  }
  if (rc) pv_host_plugin_release(&p);
  return rc;
}

/* Scan one folder, skipping it when the same real folder was seen before. */
static int load_dir(pv_host_registry *reg, const char *dir, char seen[][PATH_MAX], int *n_seen) {
  char real[PATH_MAX];
  if (!realpath(dir, real)) return PV_OK;
  for (int i = 0; i < *n_seen; i++)
    if (strcmp(seen[i], real) == 0) return PV_OK;
  if (*n_seen < 32) strcpy(seen[(*n_seen)++], real);
  char **names;
  size_t n;
  int rc = list_dir(real, &names, &n);
  for (size_t i = 0; i < n; i++) {
    char path[PATH_MAX + 256];
    snprintf(path, sizeof path, "%s/%s", real, names[i]);
    if (!rc) rc = add_plugin(reg, path);
    pv_free(names[i]);
  }
  pv_free(names);
  return rc;
}

int pv_host_registry_load(const char *dirs, pv_host_registry *reg) {
  memset(reg, 0, sizeof *reg);
  static char seen[32][PATH_MAX];
  int n_seen = 0, rc = PV_OK;
  const char *p = dirs ? dirs : "";
  while (!rc && *p) {
    size_t n = strcspn(p, ":");
    char dir[PATH_MAX];
    if (n && n < sizeof dir) {
      memcpy(dir, p, n);
      dir[n] = '\0';
      rc = load_dir(reg, dir, seen, &n_seen);
    }
    p += n + (p[n] == ':');
  }
  if (rc) pv_host_registry_free(reg);
  return rc;
}

void pv_host_registry_free(pv_host_registry *reg) {
  for (size_t i = 0; i < reg->n; i++) pv_host_plugin_release(&reg->plugins[i]);
  pv_free(reg->plugins);
  memset(reg, 0, sizeof *reg);
}

const pv_host_plugin *pv_host_registry_find(const pv_host_registry *reg, const char *name) {
  for (size_t i = 0; i < reg->n; i++)
    if (strcmp(reg->plugins[i].desc.name, name) == 0) return &reg->plugins[i];
  return NULL;
}
