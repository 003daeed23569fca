/* Atomic output: temporary file beside the destination, renamed on commit. */
#include <parseval/alloc.h>
#include <parseval/error.h>
#include <parseval/fileout.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct pv_fileout {
  FILE *fp;
  char *path;
  char *tmp;
};

/* Folder part of path ("." when there is none); pv_malloc'd. */
static char *dir_of(const char *path) {
  const char *slash = strrchr(path, '/');
  if (!slash) return pv_strdup(".");
  size_t n = slash == path ? 1 : (size_t)(slash - path);
  char *d = pv_malloc(n + 1);
  if (!d) return NULL;
  memcpy(d, path, n);
  d[n] = '\0';
  return d;
}

/* "dir/.base.tmp-XXXXXX" for mkstemp; pv_malloc'd. */
static char *tmp_template(const char *path) {
  const char *slash = strrchr(path, '/');
  size_t dirlen = slash ? (size_t)(slash - path) + 1 : 0;
  size_t n = strlen(path) + 16;
  char *t = pv_malloc(n);
  if (!t) return NULL;
  memcpy(t, path, dirlen);
  snprintf(t + dirlen, n - dirlen, ".%s.tmp-XXXXXX", path + dirlen);
  return t;
}

static int check_folder(const char *path) {
  char *dir = dir_of(path);
  if (!dir) return PV_ENOMEM;
  struct stat st;
  int rc = PV_OK;
  if (stat(dir, &st) != 0)
    rc = PV_ERROR(PV_EIO, "output folder %s of %s: %s", dir, path, strerror(errno));
  else if (!S_ISDIR(st.st_mode))
    rc = PV_ERROR(PV_EIO, "output folder %s of %s is not a folder", dir, path);
  pv_free(dir);
  if (rc) return rc;
  /* Probe by creating a file: access() says yes to root on read-only mounts. */
  char *probe = tmp_template(path);
  if (!probe) return PV_ENOMEM;
  int fd = mkstemp(probe);
  if (fd < 0) {
    rc = PV_ERROR(PV_EIO, "output folder of %s is not writable: %s", path, strerror(errno));
  } else {
    close(fd);
    unlink(probe);
  }
  pv_free(probe);
  return rc;
}

int pv_output_check(const char *path, int overwrite) {
  if (!path || !*path) return PV_ERROR(PV_EINVAL, "output path is empty");
  struct stat st;
  if (stat(path, &st) == 0) {
    if (S_ISDIR(st.st_mode)) return PV_ERROR(PV_EIO, "output %s is a folder", path);
    if (!overwrite)
      return PV_ERROR(PV_EEXIST, "output %s exists and overwriting was not requested", path);
  }
  return check_folder(path);
}

int pv_fileout_open(const char *path, int overwrite, pv_fileout **out) {
  if (!out) return PV_ERROR(PV_EINVAL, "pv_fileout_open: out is NULL");
  *out = NULL;
  int rc = pv_output_check(path, overwrite);
  if (rc) return rc;
  pv_fileout *f = pv_calloc(1, sizeof *f);
  if (!f) return PV_ENOMEM;
  f->path = pv_strdup(path);
  f->tmp = tmp_template(path);
  if (!f->path || !f->tmp) {
    pv_fileout_abort(&f);
    return PV_ENOMEM;
  }
  int fd = mkstemp(f->tmp);
  if (fd < 0) {
    rc = PV_ERROR(PV_EIO, "cannot create a temporary file for %s: %s", path, strerror(errno));
    f->tmp[0] = '\0';
    pv_fileout_abort(&f);
    return rc;
  }
  fchmod(fd, 0644);
  f->fp = fdopen(fd, "wb");
  if (!f->fp) {
    close(fd);
    pv_fileout_abort(&f);
    return PV_ERROR(PV_EIO, "cannot open a stream on the temporary file of %s", path);
  }
  *out = f;
  return PV_OK;
}

FILE *pv_fileout_stream(pv_fileout *f) { return f ? f->fp : NULL; }
const char *pv_fileout_tmp_path(const pv_fileout *f) { return f ? f->tmp : NULL; }

int pv_fileout_commit(pv_fileout **pf) {
  if (!pf || !*pf) return PV_ERROR(PV_EINVAL, "pv_fileout_commit: NULL file");
  pv_fileout *f = *pf;
  int rc = PV_OK;
  if (f->fp) {
    int bad = fflush(f->fp) != 0 || ferror(f->fp) || fsync(fileno(f->fp)) != 0;
    int err = errno;
    bad |= fclose(f->fp) != 0;
    f->fp = NULL;
    if (bad) rc = PV_ERROR(PV_EIO, "writing %s failed: %s", f->path, strerror(err ? err : errno));
  }
  if (!rc && rename(f->tmp, f->path) != 0)
    rc = PV_ERROR(PV_EIO, "cannot move the finished output into %s: %s", f->path, strerror(errno));
  if (!rc) f->tmp[0] = '\0'; /* nothing left to remove */
  pv_fileout_abort(pf);
  return rc;
}

void pv_fileout_abort(pv_fileout **pf) {
  if (!pf || !*pf) return;
  pv_fileout *f = *pf;
  if (f->fp) fclose(f->fp);
  if (f->tmp && f->tmp[0]) unlink(f->tmp);
  pv_free(f->tmp);
  pv_free(f->path);
  pv_free(f);
  *pf = NULL;
}

int pv_file_write_atomic(const char *path, const void *data, size_t n, int overwrite) {
  pv_fileout *f;
  int rc = pv_fileout_open(path, overwrite, &f);
  if (rc) return rc;
  if (n && fwrite(data, 1, n, f->fp) != n) {
    rc = PV_ERROR(PV_EIO, "writing %zu bytes to %s failed: %s", n, path, strerror(errno));
    pv_fileout_abort(&f);
    return rc;
  }
  return pv_fileout_commit(&f);
}

int pv_file_read_all(const char *path, size_t max_bytes, char **data, size_t *n) {
  if (!path || !data || !n) return PV_ERROR(PV_EINVAL, "pv_file_read_all: NULL argument");
  *data = NULL;
  *n = 0;
  FILE *fp = fopen(path, "rb");
  if (!fp) return PV_ERROR(PV_EIO, "cannot open %s: %s", path, strerror(errno));
  size_t cap = 4096, len = 0;
  char *buf = pv_malloc(cap + 1);
  int rc = buf ? PV_OK : PV_ENOMEM;
  while (!rc) {
    size_t got = fread(buf + len, 1, cap - len, fp);
    len += got;
    if (got == 0) break;
    if (len > max_bytes) {
      rc = PV_ERROR(PV_EFORMAT, "%s is larger than the %zu bytes allowed", path, max_bytes);
    } else if (len == cap) {
      rc = pv_realloc((void **)&buf, cap + 1, 2 * cap + 1);
      cap *= 2;
    }
  }
  if (!rc && ferror(fp)) rc = PV_ERROR(PV_EIO, "reading %s failed", path);
  fclose(fp);
  if (rc) {
    pv_free(buf);
    return rc;
  }
  buf[len] = '\0';
  *data = buf;
  *n = len;
  return PV_OK;
}
