/* HDF5 partial I/O: blocks written at an offset into a dataset created
 * empty, read back whole and block-wise (strided, converted); appends to an
 * extendible dataset; read-write reopen; out-of-range blocks, foreign,
 * truncated and absent files give clear errors and leave files untouched. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <parseval/h5.h>

#include "pv_test.h"

static void path_of(char *buf, size_t cap, const char *name) {
  snprintf(buf, cap, "%s/%s", pv_test_tmpdir(), name);
}

/* v[i][j][k] = 100 i + 10 j + k inside the block [1,3) x [1,3) x [0,5), 0 outside. */
static double expect(size_t i, size_t j, size_t k) {
  return (i >= 1 && i < 3 && j >= 1 && j < 3) ? 100.0 * i + 10.0 * j + k : 0.0;
}

static void test_block_roundtrip(void) {
  char path[512];
  path_of(path, sizeof path, "slab.h5");
  pv_h5 *f = NULL;
  CHECK_OK(pv_h5_create(path, 1, &f));
  size_t shape[3] = {3, 4, 5};
  pv_h5_dataset_opts o = PV_H5_DATASET_OPTS_INIT;
  o.chunk[0] = 1, o.chunk[1] = 2, o.chunk[2] = 5;
  CHECK_OK(pv_h5_create_dataset(f, "grp/cube", PV_F64, 3, shape, &o));
  CHECK_STATUS(pv_h5_create_dataset(f, "grp/cube", PV_F64, 3, shape, NULL), PV_EEXIST);
  CHECK_OK(pv_h5_commit(&f));
  CHECK_OK(pv_h5_open_rw(path, &f));
  /* the block [1,3) x [1,3) x [0,5) from a k-major (transposed) float array */
  float src[5][2][2];
  for (size_t i = 0; i < 2; i++)
    for (size_t j = 0; j < 2; j++)
      for (size_t k = 0; k < 5; k++) src[k][j][i] = (float)expect(i + 1, j + 1, k);
  size_t s522[3] = {5, 2, 2};
  pv_view v, vt;
  CHECK_OK(pv_view_init(&v, src, PV_F32, 3, s522));
  int perm[3] = {2, 1, 0};
  CHECK_OK(pv_view_permute(&v, perm, &vt)); /* shape 2 x 2 x 5, strided */
  size_t off[3] = {1, 1, 0};
  CHECK_OK(pv_h5_write_slab(f, "grp/cube", off, &vt));
  CHECK_OK(pv_h5_flush(f));
  pv_h5_close(&f);
  /* whole dataset: the block where written, zeros elsewhere */
  CHECK_OK(pv_h5_open(path, &f));
  pv_array *all = NULL;
  CHECK_OK(pv_h5_read_dataset(f, "grp/cube", PV_F64, &all));
  const double *a = pv_array_data(all);
  int bad = 0;
  for (size_t i = 0; i < 3; i++)
    for (size_t j = 0; j < 4; j++)
      for (size_t k = 0; k < 5; k++) bad += a[(i * 4 + j) * 5 + k] != expect(i, j, k);
  CHECK_EQ_INT(bad, 0);
  pv_array_destroy(&all);
  /* a block read into a strided view, as i32 */
  int32_t dst[5][3];
  size_t s53[2] = {5, 3}, o2[3] = {2, 0, 0};
  pv_view d, dt_;
  CHECK_OK(pv_view_init(&d, dst, PV_I32, 2, s53));
  int p2[2] = {1, 0};
  CHECK_OK(pv_view_permute(&d, p2, &dt_)); /* 3 x 5 */
  pv_view d3 = dt_;                        /* as 1 x 3 x 5: rank 3 like the dataset */
  d3.ndim = 3;
  d3.shape[0] = 1, d3.shape[1] = 3, d3.shape[2] = 5;
  d3.strides[0] = 0, d3.strides[1] = dt_.strides[0], d3.strides[2] = dt_.strides[1];
  CHECK_OK(pv_h5_read_slab(f, "grp/cube", o2, &d3));
  bad = 0;
  for (size_t j = 0; j < 3; j++)
    for (size_t k = 0; k < 5; k++) bad += dst[k][j] != (int32_t)expect(2, j, k);
  CHECK_EQ_INT(bad, 0);
  /* writes refused on a read-only handle */
  CHECK_STATUS(pv_h5_write_slab(f, "grp/cube", off, &vt), PV_EINVAL);
  pv_h5_close(&f);
}

static void test_block_errors(void) {
  char path[512];
  path_of(path, sizeof path, "slab_err.h5");
  pv_h5 *f = NULL;
  CHECK_OK(pv_h5_create(path, 1, &f));
  size_t shape[2] = {4, 6};
  CHECK_OK(pv_h5_create_dataset(f, "m", PV_F32, 2, shape, NULL));
  float buf[12] = {0};
  size_t s34[2] = {3, 4};
  pv_view v;
  CHECK_OK(pv_view_init(&v, buf, PV_F32, 2, s34));
  size_t ok[2] = {1, 2}, over[2] = {2, 0}, wrap[2] = {0, SIZE_MAX - 1};
  CHECK_OK(pv_h5_write_slab(f, "m", ok, &v));
  int st = pv_h5_write_slab(f, "m", over, &v);
  CHECK(st == PV_EINVAL && strstr(pv_error_message(), "axis 0") &&
        strstr(pv_error_message(), "slab_err.h5") && strstr(pv_error_message(), "dataset m"));
  pv_error_clear();
  CHECK_STATUS(pv_h5_write_slab(f, "m", wrap, &v), PV_EINVAL); /* off + count overflows */
  CHECK_STATUS(pv_h5_read_slab(f, "m", wrap, &v), PV_EINVAL);
  pv_view v1 = v;
  v1.ndim = 1;
  CHECK_STATUS(pv_h5_write_slab(f, "m", ok, &v1), PV_EINVAL); /* rank */
  CHECK_STATUS(pv_h5_write_slab(f, "absent", ok, &v), PV_ENOTFOUND);
  st = pv_h5_append(f, "m", &v, NULL); /* not extendible */
  CHECK(st == PV_EINVAL && strstr(pv_error_message(), "extendible"));
  pv_error_clear();
  size_t bad_shape[1] = {0};
  CHECK_STATUS(pv_h5_create_dataset(f, "z", PV_C64, 1, bad_shape, NULL), PV_EINVAL);
  CHECK_STATUS(pv_h5_create_dataset(f, "z", PV_F64, 0, bad_shape, NULL), PV_EINVAL);
  CHECK_OK(pv_h5_commit(&f));
}

static void test_append(void) {
  char path[512];
  path_of(path, sizeof path, "append.h5");
  pv_h5 *f = NULL;
  CHECK_OK(pv_h5_create(path, 1, &f));
  size_t shape[2] = {0, 3};
  pv_h5_dataset_opts o = PV_H5_DATASET_OPTS_INIT;
  o.extendible = 1;
  o.deflate = 4;
  CHECK_OK(pv_h5_create_dataset(f, "rows", PV_I32, 2, shape, &o));
  CHECK_OK(pv_h5_commit(&f));
  int32_t r[5][3];
  for (int i = 0; i < 5; i++)
    for (int j = 0; j < 3; j++) r[i][j] = 10 * i + j;
  size_t first = 99, s2[2] = {2, 3}, s3[2] = {3, 3}, s4[2] = {1, 4};
  pv_view a, b, c;
  CHECK_OK(pv_view_init(&a, r[0], PV_I32, 2, s2));
  CHECK_OK(pv_view_init(&b, r[2], PV_I32, 2, s3));
  CHECK_OK(pv_view_init(&c, r[0], PV_I32, 2, s4));
  CHECK_OK(pv_h5_open_rw(path, &f));
  CHECK_OK(pv_h5_append(f, "rows", &a, &first));
  CHECK(first == 0);
  pv_h5_close(&f); /* appends survive a close and reopen */
  CHECK_OK(pv_h5_open_rw(path, &f));
  CHECK_OK(pv_h5_append(f, "rows", &b, &first));
  CHECK(first == 2);
  CHECK_STATUS(pv_h5_append(f, "rows", &c, NULL), PV_EINVAL); /* 4 columns, not 3 */
  pv_h5_close(&f);
  CHECK_OK(pv_h5_open(path, &f));
  pv_dtype t;
  int nd = 0;
  size_t sh[PV_MAX_DIMS];
  CHECK_OK(pv_h5_dataset_info(f, "rows", &t, &nd, sh));
  CHECK(nd == 2 && sh[0] == 5 && sh[1] == 3 && t == PV_I32);
  pv_array *all = NULL;
  CHECK_OK(pv_h5_read_dataset(f, "rows", PV_I32, &all));
  CHECK(memcmp(pv_array_data(all), r, sizeof r) == 0);
  pv_array_destroy(&all);
  pv_h5_close(&f);
}

static void test_u64(void) {
  char path[512];
  path_of(path, sizeof path, "u64.h5");
  pv_h5 *f = NULL;
  CHECK_OK(pv_h5_create(path, 1, &f));
  uint64_t s[3] = {0, UINT64_MAX, (uint64_t)1 << 63}, back[3] = {1, 1, 1};
  CHECK_OK(pv_h5_write_u64(f, "seed", s, 3));
  CHECK_STATUS(pv_h5_write_u64(f, "seed", s, 3), PV_EEXIST);
  CHECK_OK(pv_h5_commit(&f));
  CHECK_OK(pv_h5_open(path, &f));
  CHECK_OK(pv_h5_read_u64(f, "seed", back, 3));
  CHECK(memcmp(s, back, sizeof s) == 0);
  CHECK_STATUS(pv_h5_read_u64(f, "seed", back, 2), PV_EFORMAT);
  pv_h5_close(&f);
}

static long long file_size(const char *p) {
  struct stat sb;
  return stat(p, &sb) == 0 ? (long long)sb.st_size : -1;
}

/* Absent, foreign and truncated files: clear errors naming the file; a
 * foreign file is left byte for byte as it was. */
static void test_hostile_files(void) {
  char path[512], junk[512], cut[512];
  path_of(path, sizeof path, "absent.h5");
  path_of(junk, sizeof junk, "junk.h5");
  path_of(cut, sizeof cut, "cut.h5");
  pv_h5 *f = NULL;
  unlink(path);
  CHECK_STATUS(pv_h5_open_rw(path, &f), PV_ENOTFOUND);
  FILE *fp = fopen(junk, "wb");
  CHECK(fp != NULL);
  for (int k = 0; k < 4096; k++) fputc(k * 7 & 255, fp);
  fclose(fp);
  int st = pv_h5_open_rw(junk, &f);
  CHECK(st == PV_EFORMAT && strstr(pv_error_message(), "junk.h5"));
  pv_error_clear();
  CHECK(file_size(junk) == 4096);
  fp = fopen(junk, "rb");
  int same = 1;
  for (int k = 0; k < 4096 && fp; k++) same &= fgetc(fp) == (k * 7 & 255);
  if (fp) fclose(fp);
  CHECK(same);
  /* a 2 MB dataset, then the file cut in half */
  CHECK_OK(pv_h5_create(cut, 1, &f));
  size_t shape[2] = {512, 512};
  CHECK_OK(pv_h5_create_dataset(f, "big", PV_F64, 2, shape, NULL));
  static double row[512];
  for (int j = 0; j < 512; j++) row[j] = j;
  size_t s1[2] = {1, 512};
  pv_view v;
  CHECK_OK(pv_view_init(&v, row, PV_F64, 2, s1));
  for (size_t i = 0; i < 512; i++) {
    size_t off[2] = {i, 0};
    CHECK_OK(pv_h5_write_slab(f, "big", off, &v));
  }
  CHECK_OK(pv_h5_commit(&f));
  long long full = file_size(cut);
  CHECK(full > 2000000);
  CHECK(truncate(cut, full / 2) == 0);
  st = pv_h5_open_rw(cut, &f);
  if (st == 0) { /* if HDF5 opens it, the lost half must not read as data */
    size_t off[2] = {500, 0};
    st = pv_h5_read_slab(f, "big", off, &v);
    pv_h5_close(&f);
  }
  CHECK(st == PV_EFORMAT && strstr(pv_error_message(), "cut.h5"));
  pv_error_clear();
}

PV_TEST_MAIN(PV_CASE(test_block_roundtrip), PV_CASE(test_block_errors), PV_CASE(test_append),
             PV_CASE(test_u64), PV_CASE(test_hostile_files))
