/* JSON builder: escaping of hostile strings, C-locale shortest numbers,
 * structure errors, atomic file output. */
#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include <parseval/json.h>

#include "pv_test.h"

static char *build_string(const char *s, size_t n) {
  pv_json *j = NULL;
  CHECK_OK(pv_json_create(0, &j));
  CHECK_OK(pv_json_string_n(j, s, n));
  char *out = pv_strdup(pv_json_text(j, NULL));
  pv_json_destroy(&j);
  return out;
}

static void expect_string(const char *s, size_t n, const char *want) {
  char *got = build_string(s, n);
  if (strcmp(got, want) != 0) pv_test_fail(__FILE__, __LINE__, "escaped %s, expected %s", got, want);
  pv_free(got);
}

static void test_escaping(void) {
  expect_string("plain", 5, "\"plain\"");
  expect_string("a\"b\\c", 5, "\"a\\\"b\\\\c\"");
  expect_string("\n\r\t\b\f", 5, "\"\\n\\r\\t\\u0008\\u000c\"");
  expect_string("\x01\x1f\x7f", 3, "\"\\u0001\\u001f\\u007f\"");
  /* an embedded NUL is data when the length is given */
  expect_string("a\0b", 3, "\"a\\u0000b\"");
  /* valid UTF-8 passes through: e-acute, euro sign, an emoji (4 bytes) */
  expect_string("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 9, "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"");
  /* invalid UTF-8: lone continuation, overlong '/', surrogate, truncated, > U+10FFFF */
  expect_string("\x80", 1, "\"\\ufffd\"");
  expect_string("\xc0\xaf", 2, "\"\\ufffd\\ufffd\"");
  expect_string("\xed\xa0\x80", 3, "\"\\ufffd\\ufffd\\ufffd\"");
  expect_string("x\xe2\x82", 3, "\"x\\ufffd\\ufffd\"");
  expect_string("\xf4\x90\x80\x80", 4, "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
  /* line and paragraph separators are escaped (valid JSON, safe in JS) */
  expect_string("\xe2\x80\xa8\xe2\x80\xa9", 6, "\"\\u2028\\u2029\"");
  /* a hostile string cannot close the string and inject a member */
  expect_string("\",\"x\":1}", 8, "\"\\\",\\\"x\\\":1}\"");
}

static void expect_number(double v, const char *want) {
  char buf[32];
  pv_json_format_double(v, buf, sizeof buf);
  if (strcmp(buf, want) != 0) pv_test_fail(__FILE__, __LINE__, "%.17g written %s, expected %s", v, buf, want);
}

static void test_numbers(void) {
  expect_number(0.1, "0.1");
  expect_number(1.0 / 3.0, "0.3333333333333333");
  expect_number(2.0 / 3.0, "0.6666666666666666");
  expect_number(0.1 + 0.2, "0.30000000000000004");
  expect_number(100.0, "100");
  expect_number(-4096.0, "-4096");
  expect_number(150.25, "150.25");
  expect_number(1e22, "1e+22");
  expect_number(1e300, "1e+300");
  expect_number(-0.0, "-0");
  expect_number(5e-324, "5e-324");
  expect_number(123456789012345678.0, "1.2345678901234568e+17");
  expect_number(NAN, "null");
  expect_number(INFINITY, "null");
  expect_number(-INFINITY, "null");
  /* every formatted value reads back exactly */
  double vals[] = {0.1 + 0.2, 1e-310, 1.7976931348623157e308, 3.14159265358979};
  for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
    char buf[32];
    pv_json_format_double(vals[i], buf, sizeof buf);
    CHECK(strtod(buf, NULL) == vals[i]);
  }
  /* a locale with a decimal comma does not leak into JSON (when installed) */
  const char *locs[] = {"de_DE.UTF-8", "fr_FR.UTF-8", "de_DE", NULL};
  for (int i = 0; locs[i]; i++) {
    if (!setlocale(LC_NUMERIC, locs[i])) continue;
    expect_number(2.5, "2.5");
    setlocale(LC_NUMERIC, "C");
    break;
  }
}

static void test_document(void) {
  pv_json *j = NULL;
  CHECK_OK(pv_json_create(0, &j));
  CHECK_OK(pv_json_object_begin(j));
  CHECK_OK(pv_json_kv_string(j, "name", "x"));
  CHECK_OK(pv_json_kv_number(j, "v", NAN));
  CHECK_OK(pv_json_kv_int(j, "n", -9007199254740993LL));
  CHECK_OK(pv_json_key(j, "list"));
  CHECK_OK(pv_json_array_begin(j));
  CHECK_OK(pv_json_bool(j, 1));
  CHECK_OK(pv_json_bool(j, 0));
  CHECK_OK(pv_json_null(j));
  CHECK_OK(pv_json_uint(j, 18446744073709551615ULL));
  CHECK_OK(pv_json_raw(j, "{\"a\":[]}"));
  CHECK_OK(pv_json_array_end(j));
  CHECK_OK(pv_json_key(j, "curve"));
  double curve[3] = {0.5, NAN, -2};
  CHECK_OK(pv_json_numbers(j, curve, 3));
  CHECK_OK(pv_json_key(j, "empty"));
  CHECK_OK(pv_json_object_begin(j));
  CHECK_OK(pv_json_object_end(j));
  CHECK_OK(pv_json_object_end(j));
  CHECK_OK(pv_json_finish(j));
  CHECK(strcmp(pv_json_text(j, NULL),
               "{\"name\":\"x\",\"v\":null,\"n\":-9007199254740993,\"list\":[true,false,null,"
               "18446744073709551615,{\"a\":[]}],\"curve\":[0.5,null,-2],\"empty\":{}}\n") == 0);
  pv_json_destroy(&j);
  CHECK(j == NULL);
  pv_json_destroy(&j); /* NULL-safe */

  CHECK_OK(pv_json_create(2, &j));
  CHECK_OK(pv_json_object_begin(j));
  CHECK_OK(pv_json_kv_int(j, "a", 1));
  CHECK_OK(pv_json_key(j, "b"));
  CHECK_OK(pv_json_array_begin(j));
  CHECK_OK(pv_json_int(j, 2));
  CHECK_OK(pv_json_array_end(j));
  CHECK_OK(pv_json_object_end(j));
  CHECK_OK(pv_json_finish(j));
  CHECK(strcmp(pv_json_text(j, NULL), "{\n  \"a\": 1,\n  \"b\": [\n    2\n  ]\n}\n") == 0);
  pv_json_destroy(&j);
}

static void test_structure_errors(void) {
  pv_json *j = NULL;
  CHECK_OK(pv_json_create(0, &j));
  CHECK_OK(pv_json_object_begin(j));
  CHECK_STATUS(pv_json_int(j, 1), PV_EINVAL); /* value without key */
  CHECK_STATUS(pv_json_object_end(j), PV_EINVAL); /* sticky */
  pv_json_destroy(&j);

  CHECK_OK(pv_json_create(0, &j));
  CHECK_STATUS(pv_json_key(j, "k"), PV_EINVAL); /* key outside object */
  pv_json_destroy(&j);

  CHECK_OK(pv_json_create(0, &j));
  CHECK_OK(pv_json_array_begin(j));
  CHECK_STATUS(pv_json_object_end(j), PV_EINVAL); /* mismatched close */
  pv_json_destroy(&j);

  CHECK_OK(pv_json_create(0, &j));
  CHECK_OK(pv_json_array_begin(j));
  CHECK_STATUS(pv_json_finish(j), PV_EINVAL); /* incomplete */
  pv_json_destroy(&j);

  CHECK_OK(pv_json_create(0, &j));
  CHECK_OK(pv_json_int(j, 1));
  CHECK_STATUS(pv_json_int(j, 2), PV_EINVAL); /* two top-level values */
  pv_json_destroy(&j);

  CHECK_OK(pv_json_create(0, &j));
  for (int i = 0; i < PV_JSON_MAX_DEPTH; i++) CHECK_OK(pv_json_array_begin(j));
  CHECK_STATUS(pv_json_array_begin(j), PV_EINVAL);
  pv_json_destroy(&j);

  CHECK_OK(pv_json_create(0, &j));
  CHECK_OK(pv_json_object_begin(j));
  CHECK_OK(pv_json_key(j, "a"));
  CHECK_STATUS(pv_json_key(j, "b"), PV_EINVAL);
  pv_json_destroy(&j);

  CHECK_STATUS(pv_json_create(9, &j), PV_EINVAL);
  CHECK(j == NULL);
}

static void test_write_file(void) {
  char path[1024];
  snprintf(path, sizeof path, "%s/doc.json", pv_test_tmpdir());
  pv_json *j = NULL;
  CHECK_OK(pv_json_create(0, &j));
  CHECK_OK(pv_json_array_begin(j));
  CHECK_OK(pv_json_array_end(j));
  CHECK_OK(pv_json_write_file(j, path, 0));
  pv_json_destroy(&j);
  char *data = NULL;
  size_t n = 0;
  CHECK_OK(pv_file_read_all(path, 1 << 20, &data, &n));
  CHECK(n == 3 && memcmp(data, "[]\n", 3) == 0);
  pv_free(data);
  /* an existing file is kept unless overwriting is allowed */
  CHECK_OK(pv_json_create(0, &j));
  CHECK_OK(pv_json_int(j, 7));
  CHECK_STATUS(pv_json_write_file(j, path, 0), PV_EEXIST);
  pv_json_destroy(&j);
  CHECK_OK(pv_file_read_all(path, 1 << 20, &data, &n));
  CHECK(n == 3);
  pv_free(data);
  /* an incomplete document never reaches the disk */
  snprintf(path, sizeof path, "%s/partial.json", pv_test_tmpdir());
  CHECK_OK(pv_json_create(0, &j));
  CHECK_OK(pv_json_object_begin(j));
  CHECK_STATUS(pv_json_write_file(j, path, 0), PV_EINVAL);
  pv_json_destroy(&j);
  FILE *f = fopen(path, "rb");
  CHECK(f == NULL);
  if (f) fclose(f);
}

static void test_alloc_failures(void) {
  /* every allocation failure is reported and leaks nothing */
  for (long k = 0; k < 40; k++) {
    long live = pv_test_alloc_live();
    pv_test_fail_alloc_after(k);
    pv_json *j = NULL;
    int st = pv_json_create(0, &j);
    if (!st) {
      pv_json_array_begin(j);
      for (int i = 0; i < 200; i++) pv_json_string(j, "a fairly long string to grow the buffer");
      pv_json_array_end(j);
      st = pv_json_finish(j);
    }
    pv_json_destroy(&j);
    pv_test_fail_alloc_after(-1);
    pv_error_clear();
    CHECK_EQ_INT(pv_test_alloc_live(), live);
    if (st == 0) break;
    CHECK_EQ_INT(st, PV_ENOMEM);
  }
}

PV_TEST_MAIN(PV_CASE(test_escaping), PV_CASE(test_numbers), PV_CASE(test_document),
             PV_CASE(test_structure_errors), PV_CASE(test_write_file),
             PV_CASE(test_alloc_failures))
