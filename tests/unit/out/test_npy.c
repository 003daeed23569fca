/* .npy: hand-made files decoded by the format's rules, writer layout, round
 * trips (ours and NumPy's when /usr/bin/python3 has numpy), hostile and
 * truncated input, the provenance sidecar and no partial outputs. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <parseval/npy.h>

#include "pv_test.h"

/* Build preamble + header (v1.0) + data by hand, following the spec. */
static size_t hand_npy(unsigned char *out, const char *dict, const void *data, size_t nbytes) {
  size_t dl = strlen(dict), hlen = dl + 1;
  while ((10 + hlen) % 64) hlen++;
  memcpy(out, "\x93NUMPY\x01\x00", 8);
  out[8] = (unsigned char)(hlen & 0xff);
  out[9] = (unsigned char)(hlen >> 8);
  memcpy(out + 10, dict, dl);
  memset(out + 10 + dl, ' ', hlen - dl - 1);
  out[10 + hlen - 1] = '\n';
  memcpy(out + 10 + hlen, data, nbytes);
  return 10 + hlen + nbytes;
}

static void test_hand_made(void) {
  unsigned char buf[1024];
  double d[6] = {1, 2, 3, 4, 5, 6.5};
  size_t n = hand_npy(buf, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }", d, sizeof d);
  pv_array *a = NULL;
  CHECK_OK(pv_npy_read_mem(buf, n, "hand.npy", &a));
  const pv_view *v = pv_array_view(a);
  CHECK(v->dtype == PV_F64 && v->ndim == 2 && v->shape[0] == 2 && v->shape[1] == 3);
  CHECK(((double *)v->data)[5] == 6.5 && ((double *)v->data)[3] == 4);
  pv_array_destroy(&a);

  /* big-endian float32, Fortran order: element (i,j) stored at i + 2 j */
  unsigned char be[24];
  for (int k = 0; k < 6; k++) {
    float f = (float)(10 * (k % 2) + k / 2); /* value 10 i + j */
    unsigned char *p = (unsigned char *)&f;
    for (int b = 0; b < 4; b++) be[4 * k + b] = p[3 - b];
  }
  n = hand_npy(buf, "{\"shape\": (2,3), \"fortran_order\": True, \"descr\": \">f4\"}", be, sizeof be);
  CHECK_OK(pv_npy_read_mem(buf, n, "hand.npy", &a));
  v = pv_array_view(a);
  CHECK(v->dtype == PV_F32 && v->shape[0] == 2 && v->shape[1] == 3);
  const float *f = v->data;
  for (int i = 0; i < 2; i++)
    for (int j = 0; j < 3; j++) CHECK(f[3 * i + j] == (float)(10 * i + j));
  pv_array_destroy(&a);

  /* 0-d array, Python 2 long suffix, u1 without byte order */
  unsigned char one = 7;
  n = hand_npy(buf, "{'descr': '|u1', 'fortran_order': False, 'shape': (), }", &one, 1);
  CHECK_OK(pv_npy_read_mem(buf, n, "hand.npy", &a));
  CHECK(pv_array_view(a)->ndim == 0 && *(unsigned char *)pv_array_data(a) == 7);
  pv_array_destroy(&a);
  int32_t iv[3] = {-1, 0, 1 << 30};
  n = hand_npy(buf, "{'descr': '<i4', 'fortran_order': False, 'shape': (3L,), }", iv, sizeof iv);
  CHECK_OK(pv_npy_read_mem(buf, n, "hand.npy", &a));
  CHECK(((int32_t *)pv_array_data(a))[2] == 1 << 30);
  pv_array_destroy(&a);
}

static void check_layout(const char *path, const char *dict_prefix) {
  char *data = NULL;
  size_t n = 0;
  CHECK_OK(pv_file_read_all(path, 1 << 24, &data, &n));
  CHECK(memcmp(data, "\x93NUMPY\x01\x00", 8) == 0);
  size_t hlen = (unsigned char)data[8] | (size_t)(unsigned char)data[9] << 8;
  CHECK((10 + hlen) % 64 == 0);
  CHECK(data[10 + hlen - 1] == '\n');
  CHECK(strncmp(data + 10, dict_prefix, strlen(dict_prefix)) == 0);
  pv_free(data);
}

static void test_write_read(void) {
  /* a 3-D float64 cube written through a permuted, sliced view */
  size_t shape[3] = {4, 5, 6};
  pv_array *src = NULL;
  CHECK_OK(pv_array_create(PV_F64, 3, shape, &src));
  double *s = pv_array_data(src);
  for (size_t k = 0; k < 120; k++) s[k] = (double)k * 0.25 - 7.0;
  pv_view sl, pm;
  CHECK_OK(pv_view_slice(pv_array_view(src), 1, 1, 5, 2, &sl)); /* 4 x 2 x 6 */
  int perm[3] = {2, 0, 1};
  CHECK_OK(pv_view_permute(&sl, perm, &pm)); /* 6 x 4 x 2 */
  const char *p = pv_test_path("cube.npy");
  CHECK_OK(pv_npy_write(p, &pm, NULL, 0));
  check_layout(p, "{'descr': '<f8', 'fortran_order': False, 'shape': (6, 4, 2), }");
  CHECK(!pv_test_exists(pv_test_path("cube.npy.json"))); /* no provenance given: no sidecar */
  pv_array *back = NULL;
  CHECK_OK(pv_npy_read(p, &back));
  const pv_view *b = pv_array_view(back);
  CHECK(b->ndim == 3 && b->shape[0] == 6 && b->shape[1] == 4 && b->shape[2] == 2);
  const double *bd = b->data;
  for (size_t c = 0; c < 6; c++)
    for (size_t r = 0; r < 4; r++)
      for (size_t q = 0; q < 2; q++) /* pm(c, r, q) = src(r, 1 + 2q, c) */
        CHECK(bd[(c * 4 + r) * 2 + q] == s[(r * 5 + 1 + 2 * q) * 6 + c]);
  pv_npy_info info;
  CHECK_OK(pv_npy_read_info(p, &info));
  CHECK(info.data_offset % 64 == 0 && info.data_bytes == 48 * 8 && !info.fortran_order);
  pv_array_destroy(&back);

  /* float32 1-D keeps bit patterns (NaN, -0, denormal) */
  float f[5] = {NAN, -0.0f, 1e-40f, 3.25f, -INFINITY};
  pv_view fv;
  size_t n5 = 5;
  CHECK_OK(pv_view_init(&fv, f, PV_F32, 1, &n5));
  p = pv_test_path("vec.npy");
  CHECK_OK(pv_npy_write(p, &fv, NULL, 0));
  check_layout(p, "{'descr': '<f4', 'fortran_order': False, 'shape': (5,), }");
  CHECK_OK(pv_npy_read(p, &back));
  CHECK(memcmp(pv_array_data(back), f, sizeof f) == 0);
  pv_array_destroy(&back);
  /* existing output is kept without overwrite */
  CHECK_STATUS(pv_npy_write(p, &fv, NULL, 0), PV_EEXIST);
  CHECK_OK(pv_npy_write(p, &fv, NULL, 1));
  pv_array_destroy(&src);
}

static int have_numpy(void) {
  return system("/usr/bin/python3 -c 'import numpy' >/dev/null 2>&1") == 0;
}

static void test_numpy_interop(void) {
  if (!have_numpy()) { printf("SKIP: numpy not available\n"); return; }
  /* ours -> numpy: numpy checks shape, dtype and every value */
  size_t shape[2] = {3, 4};
  float v[12];
  for (int k = 0; k < 12; k++) v[k] = (float)k / 8.0f - 0.5f;
  pv_view view;
  CHECK_OK(pv_view_init(&view, v, PV_F32, 2, shape));
  const char *p = pv_test_path("for_numpy.npy");
  CHECK_OK(pv_npy_write(p, &view, NULL, 0));
  char cmd[2048];
  snprintf(cmd, sizeof cmd,
           "/usr/bin/python3 -c \"import numpy as np,sys; a=np.load(sys.argv[1]);"
           " e=(np.arange(12,dtype='f4')/8-0.5).reshape(3,4);"
           " sys.exit(0 if a.dtype==np.float32 and a.shape==(3,4) and (a==e).all() else 1)\" '%s'", p);
  CHECK(system(cmd) == 0);
  /* numpy -> ours, in Fortran order and big-endian float64 */
  const char *q = pv_test_path("from_numpy.npy");
  snprintf(cmd, sizeof cmd,
           "/usr/bin/python3 -c \"import numpy as np,sys;"
           " a=np.asfortranarray((np.arange(30,dtype='>f8')*1.5).reshape(2,3,5)); np.save(sys.argv[1],a)\" '%s'", q);
  CHECK(system(cmd) == 0);
  pv_array *a = NULL;
  CHECK_OK(pv_npy_read(q, &a));
  const pv_view *av = pv_array_view(a);
  CHECK(av->dtype == PV_F64 && av->ndim == 3 && av->shape[2] == 5);
  for (int k = 0; k < 30; k++) CHECK(((double *)av->data)[k] == 1.5 * k);
  pv_array_destroy(&a);
}

/* Each hostile header is refused with PV_EFORMAT and a message naming the field. */
static void test_hostile_headers(void) {
  static const struct { const char *dict; const char *field; } cases[] = {
      {"{'descr': '<f8', 'fortran_order': False}", "'shape'"},
      {"{'descr': '<f8', 'fortran_order': False, 'shape': (2,), 'x': 1}", "'x'"},
      {"{'descr': '<f8', 'descr': '<f8', 'fortran_order': False, 'shape': (2,)}", "'descr'"},
      {"{'descr': '<u8', 'fortran_order': False, 'shape': (2,)}", "'descr'"},
      {"{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': (2,)}", "'descr'"},
      {"{'descr': '<f8', 'fortran_order': 0, 'shape': (2,)}", "'fortran_order'"},
      {"{'descr': '<f8', 'fortran_order': False, 'shape': (2)}", "'shape'"},
      {"{'descr': '<f8', 'fortran_order': False, 'shape': (-2,)}", "'shape'"},
      {"{'descr': '<f8', 'fortran_order': False, 'shape': (1,1,1,1,1,1,1,1,1)}", "'shape'"},
      {"{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999999999999999,)}", "'shape'"},
      {"{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296, 4294967296)}", "'shape'"},
      {"{'descr': '<f8', 'fortran_order': False, 'shape': (0, 4294967296, 4294967296)}", "'shape'"},
      {"{'descr': '<f8', 'fortran_order': False, 'shape': (2,)} junk", "'dict'"},
      {"{'descr': '<f8\\n', 'fortran_order': False, 'shape': (2,)}", "'descr'"},
      {"['descr', '<f8']", "'dict'"},
      {"{'descr': '<f8', 'fortran_order': False, 'shape': (2,)", "'dict'"},
      {"{'descr: '<f8'}", "'descr"},
  };
  unsigned char buf[512];
  double d[2] = {1, 2};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    size_t n = hand_npy(buf, cases[i].dict, d, sizeof d);
    pv_array *a = NULL;
    int st = pv_npy_read_mem(buf, n, "bad.npy", &a);
    if (st != PV_EFORMAT || !strstr(pv_error_message(), "bad.npy") ||
        !strstr(pv_error_message(), cases[i].field))
      pv_test_fail(__FILE__, __LINE__, "case %zu: status %d, message \"%s\"", i, st,
                   pv_error_message());
    CHECK(a == NULL);
    pv_error_clear();
  }
  /* preamble problems */
  size_t n = hand_npy(buf, "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", d, sizeof d);
  pv_array *a = NULL;
  buf[0] = 'X';
  CHECK_STATUS(pv_npy_read_mem(buf, n, "bad.npy", &a), PV_EFORMAT);
  buf[0] = 0x93;
  buf[6] = 4;
  CHECK_STATUS(pv_npy_read_mem(buf, n, "bad.npy", &a), PV_EFORMAT);
  buf[6] = 1;
  CHECK_STATUS(pv_npy_read_mem(buf, n + 8, "bad.npy", &a), PV_EFORMAT); /* trailing data */
  unsigned char huge[16] = {0x93, 'N', 'U', 'M', 'P', 'Y', 2, 0, 0xff, 0xff, 0xff, 0x7f, '{'};
  CHECK_STATUS(pv_npy_read_mem(huge, sizeof huge, "huge.npy", &a), PV_EFORMAT);
  /* every truncation of a valid file is refused */
  for (size_t k = 0; k < n; k++) {
    int st = pv_npy_read_mem(buf, k, "cut.npy", &a);
    if (st != PV_EFORMAT) pv_test_fail(__FILE__, __LINE__, "prefix %zu: status %d", k, st);
    pv_error_clear();
  }
  CHECK(a == NULL);
}

static void test_file_errors(void) {
  pv_array *a = NULL;
  CHECK_STATUS(pv_npy_read(pv_test_path("nope.npy"), &a), PV_ENOTFOUND);
  const char *z = pv_test_path("zero.npy");
  CHECK_OK(pv_file_write_atomic(z, "", 0, 1));
  CHECK(pv_npy_read(z, &a) == PV_EFORMAT && strstr(pv_error_message(), "zero.npy"));
  pv_error_clear();
  /* a truncated file on disk */
  size_t shape[1] = {1000};
  pv_array *big = NULL;
  CHECK_OK(pv_array_create(PV_F64, 1, shape, &big));
  const char *p = pv_test_path("cut.npy");
  CHECK_OK(pv_npy_write(p, pv_array_view(big), NULL, 0));
  CHECK(truncate(p, 4000) == 0);
  CHECK(pv_npy_read(p, &a) == PV_EFORMAT && strstr(pv_error_message(), "truncated"));
  pv_error_clear();
  /* unwritable folder: error, nothing created */
  CHECK(pv_npy_write("/proc/no-such-dir/x.npy", pv_array_view(big), NULL, 0) < 0);
  pv_error_clear();
  pv_array_destroy(&big);
}

static void test_sidecar(void) {
  pv_provenance *prov = NULL;
  CHECK_OK(pv_provenance_create("test", "npy", &prov));
  CHECK_OK(pv_provenance_set_param(prov, "note", "quote \" here"));
  double d[4] = {1, 2, 3, 4};
  size_t shape[2] = {2, 2};
  pv_view v;
  CHECK_OK(pv_view_init(&v, d, PV_F64, 2, shape));
  const char *p = pv_test_path("with_prov.npy"), *side = pv_test_path("with_prov.npy.json");
  CHECK_OK(pv_npy_write(p, &v, prov, 0));
  char hex[65];
  CHECK_OK(pv_sha256_file(p, hex, NULL));
  char *js = NULL;
  size_t n;
  CHECK_OK(pv_file_read_all(side, 1 << 20, &js, &n));
  CHECK(strstr(js, hex) != NULL); /* the sidecar names the exact bytes */
  CHECK(strstr(js, "\"shape\": [\n    2,\n    2\n  ]") != NULL);
  CHECK(strstr(js, "\"note\": \"quote \\\" here\"") != NULL);
  pv_free(js);
  /* sidecar exists, no overwrite: refused before the .npy is touched */
  const char *p2 = pv_test_path("blocked.npy"), *side2 = pv_test_path("blocked.npy.json");
  CHECK_OK(pv_file_write_atomic(side2, "{}", 2, 0));
  CHECK_STATUS(pv_npy_write(p2, &v, prov, 0), PV_EEXIST);
  CHECK(!pv_test_exists(p2));
  /* invalid view: nothing written */
  pv_view badv = v;
  badv.dtype = (pv_dtype)99;
  CHECK_STATUS(pv_npy_write(pv_test_path("bad.npy"), &badv, prov, 0), PV_EINVAL);
  CHECK(!pv_test_exists(pv_test_path("bad.npy")) && !pv_test_exists(pv_test_path("bad.npy.json")));
  pv_provenance_destroy(&prov);
}

/* Every allocation failure while writing (with sidecar) or reading is
 * reported, leaks nothing and leaves no output behind. */
static void test_alloc_failures(void) {
  double d[6] = {1, 2, 3, 4, 5, 6};
  size_t shape[2] = {3, 2};
  pv_view v, vt;
  CHECK_OK(pv_view_init(&v, d, PV_F64, 2, shape));
  int perm[2] = {1, 0};
  CHECK_OK(pv_view_permute(&v, perm, &vt)); /* non-contiguous: staging buffer */
  pv_provenance *prov = NULL;
  CHECK_OK(pv_provenance_create("t", "alloc", &prov));
  const char *p = pv_test_path("alloc.npy"), *side = pv_test_path("alloc.npy.json");
  int done = 0;
  for (long k = 0; k < 400 && !done; k++) {
    long live = pv_test_alloc_live();
    pv_test_fail_alloc_after(k);
    int st = pv_npy_write(p, &vt, prov, 0);
    pv_array *a = NULL;
    if (!st) st = pv_npy_read(p, &a);
    pv_test_fail_alloc_after(-1);
    pv_error_clear();
    if (st) {
      CHECK_EQ_INT(st, PV_ENOMEM);
      if (pv_test_exists(p) && !a) { /* the write succeeded, the read failed */
        CHECK(pv_test_exists(side));
        remove(p);
        remove(side);
      } else {
        CHECK(!pv_test_exists(p) && !pv_test_exists(side));
      }
    } else {
      CHECK(((double *)pv_array_data(a))[1] == 3.0);
      printf("npy write+read: %ld allocation failures handled\n", k);
      done = 1;
    }
    pv_array_destroy(&a);
    CHECK_EQ_INT(pv_test_alloc_live(), live);
  }
  CHECK(done);
  pv_provenance_destroy(&prov);
}

PV_TEST_MAIN(PV_CASE(test_alloc_failures), PV_CASE(test_hand_made), PV_CASE(test_write_read), PV_CASE(test_numpy_interop),
             PV_CASE(test_hostile_headers), PV_CASE(test_file_errors), PV_CASE(test_sidecar))
