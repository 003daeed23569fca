/* Atomic output: commit, refusal to overwrite, abort, and a failing rename
 * that must leave the destination untouched and no temporary behind. */
#include "pv_test.h"

#include <dirent.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int count_entries(const char *dir) {
  DIR *d = opendir(dir);
  int n = 0;
  struct dirent *e;
  while (d && (e = readdir(d)))
    if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) n++;
  if (d) closedir(d);
  return n;
}

static void test_commit_and_overwrite(void) {
  char dir[600], path[700];
  snprintf(dir, sizeof dir, "%s/commit", pv_test_tmpdir());
  mkdir(dir, 0755);
  snprintf(path, sizeof path, "%s/a.txt", dir);
  CHECK_OK(pv_file_write_atomic(path, "hello", 5, 0));
  char *data;
  size_t n;
  CHECK_OK(pv_file_read_all(path, 100, &data, &n));
  CHECK(n == 5 && strcmp(data, "hello") == 0);
  pv_free(data);
  CHECK_STATUS(pv_file_write_atomic(path, "bye", 3, 0), PV_EEXIST);
  CHECK_OK(pv_file_write_atomic(path, "bye", 3, 1));
  CHECK_OK(pv_file_read_all(path, 100, &data, &n));
  CHECK(n == 3 && strcmp(data, "bye") == 0);
  pv_free(data);
  CHECK_STATUS(pv_file_read_all(path, 2, &data, &n), PV_EFORMAT);
  CHECK_EQ_INT(count_entries(dir), 1);
}

static void test_abort_leaves_nothing(void) {
  char dir[600], path[700];
  snprintf(dir, sizeof dir, "%s/abort", pv_test_tmpdir());
  mkdir(dir, 0755);
  snprintf(path, sizeof path, "%s/b.bin", dir);
  pv_fileout *f;
  CHECK_OK(pv_fileout_open(path, 0, &f));
  fputs("partial", pv_fileout_stream(f));
  CHECK(access(pv_fileout_tmp_path(f), F_OK) == 0);
  pv_fileout_abort(&f);
  CHECK(f == NULL);
  CHECK_EQ_INT(count_entries(dir), 0);
}

static void test_failing_rename(void) {
  char dir[600], path[700], inner[800];
  snprintf(dir, sizeof dir, "%s/rename", pv_test_tmpdir());
  mkdir(dir, 0755);
  snprintf(path, sizeof path, "%s/c.bin", dir);
  pv_fileout *f;
  CHECK_OK(pv_fileout_open(path, 1, &f));
  fputs("new content", pv_fileout_stream(f));
  /* Something else puts a non-empty folder at the destination meanwhile. */
  CHECK(mkdir(path, 0755) == 0);
  snprintf(inner, sizeof inner, "%s/keep", path);
  FILE *k = fopen(inner, "w");
  fputs("x", k);
  fclose(k);
  CHECK_STATUS(pv_fileout_commit(&f), PV_EIO);
  CHECK(f == NULL);
  CHECK(access(inner, F_OK) == 0);         /* destination untouched */
  CHECK_EQ_INT(count_entries(dir), 1);     /* temporary removed */
}

static void test_output_checks(void) {
  char path[700];
  snprintf(path, sizeof path, "%s/no/such/folder/x.txt", pv_test_tmpdir());
  CHECK_STATUS(pv_output_check(path, 0), PV_EIO);
  CHECK_STATUS(pv_output_check("/proc/parseval-test.txt", 1), PV_EIO); /* unwritable, even for root */
  CHECK_STATUS(pv_output_check(pv_test_tmpdir(), 1), PV_EIO);          /* a folder */
  CHECK_STATUS(pv_output_check("", 1), PV_EINVAL);
  snprintf(path, sizeof path, "%s/notafolder", pv_test_tmpdir());
  CHECK_OK(pv_file_write_atomic(path, "x", 1, 1));
  char below[800];
  snprintf(below, sizeof below, "%s/out.txt", path);
  CHECK_STATUS(pv_output_check(below, 1), PV_EIO);
  CHECK_STATUS(pv_file_read_all("/nonexistent/parseval", 10, &(char *){0}, &(size_t){0}), PV_EIO);
}

PV_TEST_MAIN(PV_CASE(test_commit_and_overwrite), PV_CASE(test_abort_leaves_nothing),
             PV_CASE(test_failing_rename), PV_CASE(test_output_checks))
