/* `parseval demo`: run every installed application's demo command lines on
 * the bundled samples, then write out/index.html linking what they made. */
#include "host.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define DEMO_MAX_WORDS 64

typedef struct {
  const char *app;
  char command[1024];
  int code;
  double seconds;
} demo_result;

static int mkdir_p(const char *path) {
  char tmp[4096];
  snprintf(tmp, sizeof tmp, "%s", path);
  for (char *p = tmp + 1; *p; p++)
    if (*p == '/') {
      *p = '\0';
      if (mkdir(tmp, 0755) != 0 && errno != EEXIST) return PV_ERROR(PV_EIO, "cannot create %s: %s", tmp, strerror(errno));
      *p = '/';
    }
  if (mkdir(tmp, 0755) != 0 && errno != EEXIST) return PV_ERROR(PV_EIO, "cannot create %s: %s", tmp, strerror(errno));
  return PV_OK;
}

/* Replace {data} and {out} in line; result in buf. */
static void expand(const char *line, const char *data, const char *out, char *buf, size_t cap) {
  size_t u = 0;
  buf[0] = '\0';
  for (const char *p = line; *p && u + 1 < cap;) {
    const char *rep = !strncmp(p, "{data}", 6) ? data : !strncmp(p, "{out}", 5) ? out : NULL;
    if (rep) {
      u += (size_t)snprintf(buf + u, cap - u, "%s", rep);
      p += rep == data ? 6 : 5;
    } else {
      buf[u++] = *p++;
      buf[u] = '\0';
    }
    if (u >= cap) u = cap - 1;
  }
}

static double now_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int run_one(const pv_host_plugin *p, const pv_host_cmdline *cl, char *command) {
  const char *words[DEMO_MAX_WORDS];
  int n = 0;
  char *save = NULL;
  for (char *w = strtok_r(command, " ", &save); w && n < DEMO_MAX_WORDS; w = strtok_r(NULL, " ", &save))
    words[n++] = w;
  const pv_host_verb *v;
  int consumed;
  if (pv_host_pick_verb(p, words, n, &v, &consumed)) {
    pv_host_report(p->desc.name);
    return PV_EXIT_PLUGIN;
  }
  pv_host_cmdline demo_cl = *cl;
  demo_cl.opts.overwrite = 1;
  return pv_host_run_verb(p, v, &demo_cl, words + consumed, n - consumed, n - consumed);
}

static void html_escape(FILE *f, const char *s) {
  for (; *s; s++) {
    if (*s == '<') fputs("&lt;", f);
    else if (*s == '>') fputs("&gt;", f);
    else if (*s == '&') fputs("&amp;", f);
    else if (*s == '"') fputs("&quot;", f);
    else fputc(*s, f);
  }
}

static int has_suffix(const char *s, const char *suf) {
  size_t n = strlen(s), m = strlen(suf);
  return n >= m && !strcmp(s + n - m, suf);
}

static int cmp_names(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* One output file: a link, the picture inline, a small text shown. rel is
 * the path relative to the index ("APP/sub/name"). */
static void html_file(FILE *f, const char *path, const char *rel, const char *name) {
  struct stat st;
  long size = stat(path, &st) == 0 ? (long)st.st_size : -1;
  fputs("<li><a href=\"", f);
  html_escape(f, rel);
  fputs("\">", f);
  html_escape(f, name);
  fprintf(f, "</a> (%ld bytes)", size);
  if (has_suffix(name, ".png") || has_suffix(name, ".svg")) {
    fputs("<br><img src=\"", f);
    html_escape(f, rel);
    fputs("\" style=\"max-width:480px\">", f);
  } else if ((has_suffix(name, ".json") || has_suffix(name, ".txt") || has_suffix(name, ".csv")) && size >= 0 &&
             size < 8192) {
    char *text;
    size_t len;
    if (pv_file_read_all(path, 8192, &text, &len) == PV_OK) {
      fputs("<pre>", f);
      html_escape(f, text);
      fputs("</pre>", f);
      pv_free(text);
    }
    pv_error_clear();
  }
  fputs("</li>\n", f);
}

/* The files of dir (relative path rel), sorted, with one level of
 * subfolders listed inside their own item. */
static void html_outputs(FILE *f, const char *dir, const char *rel, int depth) {
  DIR *d = opendir(dir);
  if (!d) return;
  char *names[256];
  int n = 0;
  struct dirent *e;
  while ((e = readdir(d)) && n < 256)
    if (e->d_name[0] != '.' && (names[n] = pv_strdup(e->d_name))) n++;
  closedir(d);
  qsort(names, (size_t)n, sizeof *names, cmp_names);
  fputs("<ul>\n", f);
  for (int i = 0; i < n; i++) {
    char path[8192], sub[8192];
    snprintf(path, sizeof path, "%s/%s", dir, names[i]);
    snprintf(sub, sizeof sub, "%s/%s", rel, names[i]);
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
      if (depth < 1) {
        fputs("<li>", f);
        html_escape(f, names[i]);
        fputs("/", f);
        html_outputs(f, path, sub, depth + 1);
        fputs("</li>\n", f);
      }
    } else {
      html_file(f, path, sub, names[i]);
    }
    pv_free(names[i]);
  }
  fputs("</ul>\n", f);
}

static int write_index(const char *out_dir, const demo_result *r, int n) {
  char path[4096];
  snprintf(path, sizeof path, "%s/index.html", out_dir);
  pv_fileout *fo;
  int rc = pv_fileout_open(path, 1, &fo);
  if (rc) return rc;
  FILE *f = pv_fileout_stream(fo);
  time_t t = time(NULL);
  char date[64];
  strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
  fprintf(f, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Parseval demo</title>\n"
             "<style>body{font-family:sans-serif;max-width:1000px;margin:auto}td,th{padding:4px 8px}"
             ".ok{color:green}.fail{color:#b00}pre{background:#f4f4f4;padding:6px;overflow:auto}</style>"
             "</head><body>\n<h1>Parseval %s demo</h1>\n<p>Made %s. Build: <code>", pv_version(), date);
  html_escape(f, pv_build_info_json());
  fputs("</code></p>\n<table><tr><th>application</th><th>command</th><th>status</th><th>seconds</th></tr>\n", f);
  for (int i = 0; i < n; i++) {
    fprintf(f, "<tr><td><a href=\"#%s\">%s</a></td><td><code>", r[i].app, r[i].app);
    html_escape(f, r[i].command);
    fprintf(f, "</code></td><td class=\"%s\">%s</td><td>%.2f</td></tr>\n", r[i].code ? "fail" : "ok",
            r[i].code ? "failed" : "ok", r[i].seconds);
  }
  fputs("</table>\n", f);
  for (int i = 0; i < n; i++) {
    if (i && !strcmp(r[i].app, r[i - 1].app)) continue;
    fprintf(f, "<h2 id=\"%s\">%s</h2>\n", r[i].app, r[i].app);
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/%s", out_dir, r[i].app);
    html_outputs(f, dir, r[i].app, 0);
  }
  fputs("</body></html>\n", f);
  return pv_fileout_commit(&fo);
}

static int selected(const pv_host_cmdline *cl, const char *app) {
  if (cl->n_words <= 1) return 1;
  for (int i = 1; i < cl->n_words; i++)
    if (!strcmp(cl->words[i], app)) return 1;
  return 0;
}

int pv_host_demo(const pv_host_registry *reg, const pv_host_cmdline *cl, const char *data_dir, const char *out_dir) {
  for (int i = 1; i < cl->n_words; i++)
    if (!pv_host_registry_find(reg, cl->words[i])) {
      fprintf(stderr, "parseval: demo: no application named %s (see 'parseval list')\n", cl->words[i]);
      return PV_EXIT_USAGE;
    }
  demo_result results[256];
  int n = 0, failed = 0;
  if (mkdir_p(out_dir)) {
    pv_host_report("demo");
    return PV_EXIT_FAIL;
  }
  for (size_t k = 0; k < reg->n; k++) {
    const pv_host_plugin *p = &reg->plugins[k];
    if (!selected(cl, p->desc.name) || !p->desc.demos) continue;
    char app_out[4096];
    snprintf(app_out, sizeof app_out, "%s/%s", out_dir, p->desc.name);
    if (mkdir_p(app_out)) {
      pv_host_report("demo");
      return PV_EXIT_FAIL;
    }
    for (int i = 0; p->desc.demos[i] && n < 256; i++) {
      demo_result *r = &results[n++];
      r->app = p->desc.name;
      char cmd[4096];
      expand(p->desc.demos[i], data_dir, app_out, cmd, sizeof cmd);
      snprintf(r->command, sizeof r->command, "parseval %s %s", p->desc.name, cmd);
      fprintf(stderr, "parseval: demo: %s\n", r->command);
      double t0 = now_seconds();
      r->code = run_one(p, cl, cmd);
      r->seconds = now_seconds() - t0;
      failed += r->code != 0;
    }
  }
  if (write_index(out_dir, results, n)) {
    pv_host_report("demo");
    return PV_EXIT_FAIL;
  }
  fprintf(stderr, "parseval: demo: %d run(s), %d failed; see %s/index.html\n", n, failed, out_dir);
  return failed ? PV_EXIT_FAIL : PV_EXIT_OK;
}
