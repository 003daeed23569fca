/* The test kit's runner, scratch folders and allocation countdown. */
#include "pv_test.h"

#include <ftw.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int pv_test_failures = 0;

void pv_test_fail(const char *file, int line, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "%s:%d: ", file, line);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  pv_test_failures++;
}

static char tmpdir[512];

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
  (void)sb; (void)flag; (void)ftw;
  return remove(path);
}

static void tmpdir_cleanup(void) {
  if (tmpdir[0] && !getenv("PV_TEST_KEEP")) nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

const char *pv_test_tmpdir(void) {
  if (!tmpdir[0]) {
    const char *base = getenv("TMPDIR");
    snprintf(tmpdir, sizeof tmpdir, "%s/pv-test-XXXXXX", base ? base : "/tmp");
    if (!mkdtemp(tmpdir)) {
      perror("mkdtemp");
      exit(1);
    }
    atexit(tmpdir_cleanup);
  }
  return tmpdir;
}

const char *pv_test_shared_datasets(void) {
  static char path[1024];
  const char *shared = getenv("PV_SHARED_DIR");
  if (!shared) return NULL;
  snprintf(path, sizeof path, "%s/datasets", shared);
  struct stat st;
  return stat(path, &st) == 0 && S_ISDIR(st.st_mode) ? path : NULL;
}

/* Countdown allocator: wraps the default one, fails once the budget is spent. */
static long countdown = -1, live = 0;
static pv_allocator base_alloc;
static int hooked = 0;

static void *count_alloc(size_t size, size_t align, void *user) {
  (void)user;
  if (countdown == 0) return NULL;
  if (countdown > 0) countdown--;
  void *p = base_alloc.alloc(size, align, base_alloc.user);
  if (p) live++;
  return p;
}

static void count_free(void *p, void *user) {
  (void)user;
  if (p) live--;
  base_alloc.free(p, base_alloc.user);
}

void pv_test_fail_alloc_after(long k) {
  if (!hooked) {
    pv_allocator_get(&base_alloc);
    pv_allocator a = {count_alloc, count_free, NULL};
    pv_allocator_set(&a);
    hooked = 1;
  }
  countdown = k;
}

long pv_test_alloc_live(void) { return live; }

void pv_test_alloc_countdown(const char *what, int (*mk)(void **obj), void (*rm)(void **obj)) {
  for (long k = 0; k < 64; k++) {
    long before = pv_test_alloc_live();
    void *obj = NULL;
    pv_test_fail_alloc_after(k);
    int rc = mk(&obj);
    pv_test_fail_alloc_after(-1);
    if (rc == PV_OK) {
      rm(&obj);
      if (obj != NULL) pv_test_fail(__FILE__, __LINE__, "%s: destroy did not reset the pointer", what);
      if (pv_test_alloc_live() != before) pv_test_fail(__FILE__, __LINE__, "%s: leaked after success", what);
      printf("  %s: %ld allocation failure points\n", what, k);
      return;
    }
    if (rc != PV_ENOMEM) pv_test_fail(__FILE__, __LINE__, "%s: failure %ld returned %d, not PV_ENOMEM", what, k, rc);
    if (obj != NULL) pv_test_fail(__FILE__, __LINE__, "%s: failure %ld left an object", what, k);
    if (pv_test_alloc_live() != before) pv_test_fail(__FILE__, __LINE__, "%s: failure %ld leaked", what, k);
    pv_error_clear();
  }
  pv_test_fail(__FILE__, __LINE__, "%s never succeeded", what);
}

const char *pv_test_path(const char *name) {
  static char buf[8][1024];
  static int k;
  k = (k + 1) % 8;
  snprintf(buf[k], sizeof buf[k], "%s/%s", pv_test_tmpdir(), name);
  return buf[k];
}

int pv_test_exists(const char *path) {
  struct stat sb;
  return stat(path, &sb) == 0;
}

int pv_test_main(int argc, char **argv, const pv_test_case *cases, int n) {
  pv_init();
  int ran = 0, failed = 0;
  for (int i = 0; i < n; i++) {
    if (argc > 1 && strcmp(argv[1], cases[i].name) != 0) continue;
    int before = pv_test_failures;
    pv_error_clear();
    cases[i].fn();
    printf("%s %s\n", pv_test_failures == before ? "ok  " : "FAIL", cases[i].name);
    failed += pv_test_failures != before;
    ran++;
  }
  if (!ran) {
    fprintf(stderr, "no test case named %s\n", argc > 1 ? argv[1] : "(none)");
    return 1;
  }
  printf("%d passed, %d failed\n", ran - failed, failed);
  return pv_test_failures ? 1 : 0;
}
