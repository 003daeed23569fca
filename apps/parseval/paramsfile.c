/* Parameter files: "name = value" lines, '#' comments, optional double
 * quotes with \" \\ \n escapes. Every error names the file and line. */
#include "host.h"

#include <string.h>

#define PV_PARAMS_MAX_LINE 8192

static int is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

/* Unquote value in place; returns PV_OK or PV_EFORMAT. */
static int unquote(char *v, const char *fname, int line) {
  size_t n = strlen(v);
  if (v[0] != '"') {
    if (strchr(v, '"'))
      return PV_ERROR(PV_EFORMAT, "%s:%d: value: stray '\"' (quote the whole value)", fname, line);
    return PV_OK;
  }
  char *o = v;
  for (size_t i = 1; i < n; i++) {
    char c = v[i];
    if (c == '"') {
      if (i + 1 != n) return PV_ERROR(PV_EFORMAT, "%s:%d: value: text after the closing quote", fname, line);
      *o = '\0';
      return PV_OK;
    }
    if (c == '\\') {
      char e = v[++i];
      if (e == 'n') c = '\n';
      else if (e == '"' || e == '\\') c = e;
      else return PV_ERROR(PV_EFORMAT, "%s:%d: value: unknown escape \\%c", fname, line, e ? e : '0');
    }
    *o++ = c;
  }
  return PV_ERROR(PV_EFORMAT, "%s:%d: value: unterminated quote", fname, line);
}

static char *trim(char *s) {
  while (*s == ' ' || *s == '\t') s++;
  size_t n = strlen(s);
  while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r')) s[--n] = '\0';
  return s;
}

static int parse_line(char *buf, const char *fname, int line, pv_host_param_fn set, void *user) {
  char *s = trim(buf);
  if (!*s || *s == '#') return PV_OK;
  char *eq = strchr(s, '=');
  if (!eq) return PV_ERROR(PV_EFORMAT, "%s:%d: expected \"name = value\"", fname, line);
  *eq = '\0';
  char *name = trim(s), *val = trim(eq + 1);
  if (!*name || strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789-") != strlen(name) || !is_name_char(*name))
    return PV_ERROR(PV_EFORMAT, "%s:%d: name \"%.40s\" is not [a-z0-9-]+", fname, line, name);
  int rc = unquote(val, fname, line);
  if (rc) return rc;
  rc = set(name, val, user);
  if (rc) return PV_ERROR(rc, "%s:%d: %s", fname, line, name);
  return PV_OK;
}

int pv_host_params_parse(const char *text, size_t n, const char *fname, pv_host_param_fn set, void *user) {
  char *buf = pv_malloc(PV_PARAMS_MAX_LINE + 1);
  if (!buf) return PV_ENOMEM;
  int rc = PV_OK, line = 0;
  size_t pos = 0;
  while (!rc && pos < n) {
    size_t end = pos;
    while (end < n && text[end] != '\n') end++;
    line++;
    size_t len = end - pos;
    if (len > PV_PARAMS_MAX_LINE)
      rc = PV_ERROR(PV_EFORMAT, "%s:%d: line longer than %d bytes", fname, line, PV_PARAMS_MAX_LINE);
    else if (memchr(text + pos, '\0', len))
      rc = PV_ERROR(PV_EFORMAT, "%s:%d: NUL byte (not a text file?)", fname, line);
    else {
      memcpy(buf, text + pos, len);
      buf[len] = '\0';
      rc = parse_line(buf, fname, line, set, user);
    }
    pos = end + 1;
  }
  pv_free(buf);
  return rc;
}
