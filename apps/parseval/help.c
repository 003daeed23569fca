/* Help texts, `parseval list`, and `parseval describe APP --json`, all
 * derived from the plugins' parameter tables. */
#include "host.h"

#include <string.h>

void pv_host_print_usage(FILE *f) {
  fprintf(f,
          "usage: parseval [host options] COMMAND ...\n"
          "\n"
          "commands:\n"
          "  list                          installed applications\n"
          "  APP [VERB] [--opt=value] inputs... outputs...\n"
          "                                run an application (VERB may be omitted when APP has one)\n"
          "  APP [VERB] --help             its parameters\n"
          "  describe APP --json           machine-readable description (docs/describe-json.md)\n"
          "  demo [--out=DIR] [APP...]     every application on its bundled sample, with out/index.html\n"
          "\n"
          "host options (anywhere before --):\n"
          "  --help, --version, --threads=N, --seed=N, --memory=SIZE (RAM budget, e.g. 4G),\n"
          "  --progress, --overwrite,\n"
          "  --params=FILE (name = value lines), --verbose, --quiet\n"
          "exit codes: 0 ok, 1 the work failed, 2 usage error, 3 plugin/ABI error\n");
}

void pv_host_print_list(FILE *f, const pv_host_registry *reg) {
  for (size_t i = 0; i < reg->n; i++) {
    const pv_plugin_descriptor *d = &reg->plugins[i].desc;
    fprintf(f, "%-16s %-8s %s\n", d->name, d->version ? d->version : "", d->summary ? d->summary : "");
    for (uint32_t k = 0; d->n_verbs > 1 && k < d->n_verbs; k++)
      fprintf(f, "  %-14s %s\n", reg->plugins[i].verbs[k].verb.name,
              reg->plugins[i].verbs[k].verb.summary ? reg->plugins[i].verbs[k].verb.summary : "");
  }
}

void pv_host_print_app_help(FILE *f, const pv_host_plugin *p) {
  fprintf(f, "%s %s - %s\n\nverbs:\n", p->desc.name, p->desc.version ? p->desc.version : "",
          p->desc.summary ? p->desc.summary : "");
  for (uint32_t k = 0; k < p->desc.n_verbs; k++)
    fprintf(f, "  %-14s %s\n", p->verbs[k].verb.name, p->verbs[k].verb.summary ? p->verbs[k].verb.summary : "");
  fprintf(f, "\n'parseval %s VERB --help' shows a verb's parameters.\n", p->desc.name);
}

static void print_range(FILE *f, const pv_param *q) {
  if (q->flags & PV_PARAM_HAS_MIN) fprintf(f, " min %.17g", q->min);
  if (q->flags & PV_PARAM_HAS_MAX) fprintf(f, " max %.17g", q->max);
  if (q->type == PV_PARAM_CHOICE) fprintf(f, " one of %s", q->choices);
}

void pv_host_print_verb_help(FILE *f, const pv_host_plugin *p, const pv_host_verb *hv) {
  const pv_verb *v = &hv->verb;
  fprintf(f, "usage: parseval %s %s [options]", p->desc.name, v->name);
  for (int role = PV_ROLE_INPUT; role <= PV_ROLE_OUTPUT; role++)
    for (uint32_t i = 0; i < v->n_params; i++)
      if ((int)v->params[i].role == role)
        fprintf(f, (v->params[i].flags & PV_PARAM_OPTIONAL) ? " [%s]" : " %s", v->params[i].name);
  fprintf(f, "\n\n%s\n", v->summary ? v->summary : "");
  if (v->description) fprintf(f, "\n%s\n", v->description);
  static const int order[] = {PV_ROLE_INPUT, PV_ROLE_OUTPUT, PV_ROLE_OPTION};
  for (int r = 0; r < 3; r++) {
    int role = order[r], header = 0;
    for (uint32_t i = 0; i < v->n_params; i++) {
      const pv_param *q = &v->params[i];
      if ((int)q->role != role) continue;
      if (!header++) fprintf(f, "\n%ss:\n", pv_param_role_name((pv_param_role)role));
      if (role == PV_ROLE_OPTION)
        fprintf(f, "  --%s=%s", q->name, pv_param_type_name(q->type));
      else
        fprintf(f, "  %s", q->name);
      fprintf(f, "\n      %s", q->help ? q->help : "");
      if (q->units) fprintf(f, " [%s]", q->units);
      if (q->def) fprintf(f, " (default %s)", q->def);
      else if (role == PV_ROLE_OPTION && (q->flags & PV_PARAM_REQUIRED)) fprintf(f, " (required)");
      print_range(f, q);
      fputc('\n', f);
    }
  }
}

void pv_host_json_string(FILE *f, const char *s) {
  if (!s) {
    fputs("null", f);
    return;
  }
  fputc('"', f);
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    switch (*p) {
    case '"': fputs("\\\"", f); break;
    case '\\': fputs("\\\\", f); break;
    case '\n': fputs("\\n", f); break;
    case '\t': fputs("\\t", f); break;
    case '\r': fputs("\\r", f); break;
    default:
      if (*p < 0x20) fprintf(f, "\\u%04x", *p);
      else fputc(*p, f);
    }
  }
  fputc('"', f);
}

static void json_number_or_null(FILE *f, int present, double x) {
  if (present) fprintf(f, "%.17g", x);
  else fputs("null", f);
}

static void describe_choices(FILE *f, const char *choices) {
  if (!choices) {
    fputs("null", f);
    return;
  }
  fputc('[', f);
  const char *c = choices;
  int first = 1;
  while (*c) {
    size_t w = strcspn(c, "|");
    char word[128];
    snprintf(word, sizeof word, "%.*s", (int)(w < 127 ? w : 127), c);
    fputs(first ? "" : ", ", f);
    pv_host_json_string(f, word);
    first = 0;
    c += w + (c[w] == '|');
  }
  fputc(']', f);
}

static void describe_param(FILE *f, const pv_param *q) {
  int required = q->role == PV_ROLE_OPTION ? (q->flags & PV_PARAM_REQUIRED) != 0 : !(q->flags & PV_PARAM_OPTIONAL);
  fputs("        {\"name\": ", f);
  pv_host_json_string(f, q->name);
  fprintf(f, ", \"type\": \"%s\", \"role\": \"%s\", \"required\": %s, \"default\": ",
          pv_param_type_name(q->type), pv_param_role_name(q->role), required ? "true" : "false");
  pv_host_json_string(f, q->def);
  fputs(", \"min\": ", f);
  json_number_or_null(f, (q->flags & PV_PARAM_HAS_MIN) != 0, q->min);
  fputs(", \"max\": ", f);
  json_number_or_null(f, (q->flags & PV_PARAM_HAS_MAX) != 0, q->max);
  fputs(", \"choices\": ", f);
  describe_choices(f, q->type == PV_PARAM_CHOICE ? q->choices : NULL);
  fputs(", \"units\": ", f);
  pv_host_json_string(f, q->units);
  fprintf(f, ", \"is_folder\": %s, \"help\": ", (q->flags & PV_PARAM_DIR) ? "true" : "false");
  pv_host_json_string(f, q->help ? q->help : "");
  fputc('}', f);
}

void pv_host_describe_json(FILE *f, const pv_host_plugin *p) {
  const pv_plugin_descriptor *d = &p->desc;
  fprintf(f, "{\n  \"schema\": \"parseval-describe\",\n  \"schema_version\": 1,\n");
  fprintf(f, "  \"parseval_version\": \"%s\",\n  \"host_abi\": \"%d.%d\",\n", pv_version(),
          PV_PLUGIN_ABI_MAJOR, PV_PLUGIN_ABI_MINOR);
  fputs("  \"name\": ", f);
  pv_host_json_string(f, d->name);
  fputs(",\n  \"version\": ", f);
  pv_host_json_string(f, d->version ? d->version : "");
  fputs(",\n  \"summary\": ", f);
  pv_host_json_string(f, d->summary ? d->summary : "");
  fprintf(f, ",\n  \"abi\": \"%u.%u\",\n  \"path\": ", p->abi_version >> 16, p->abi_version & 0xffff);
  pv_host_json_string(f, p->path);
  fputs(",\n  \"verbs\": [\n", f);
  for (uint32_t k = 0; k < d->n_verbs; k++) {
    const pv_verb *v = &p->verbs[k].verb;
    fputs("    {\"name\": ", f);
    pv_host_json_string(f, v->name);
    fputs(", \"summary\": ", f);
    pv_host_json_string(f, v->summary ? v->summary : "");
    fputs(", \"description\": ", f);
    pv_host_json_string(f, v->description);
    fprintf(f, ", \"implicit\": %s,\n      \"parameters\": [\n", d->n_verbs == 1 ? "true" : "false");
    for (uint32_t i = 0; i < v->n_params; i++) {
      describe_param(f, &v->params[i]);
      fputs(i + 1 < v->n_params ? ",\n" : "\n", f);
    }
    fprintf(f, "      ]}%s\n", k + 1 < d->n_verbs ? "," : "");
  }
  fputs("  ],\n  \"demos\": [", f);
  for (int i = 0; d->demos && d->demos[i]; i++) {
    fputs(i ? ", " : "", f);
    pv_host_json_string(f, d->demos[i]);
  }
  fputs("]\n}\n", f);
}
