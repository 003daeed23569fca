/* SHA-256 against the FIPS 180 example vectors and coreutils' sha256sum;
 * the provenance record's pairs, JSON form (parsed back by Python's json
 * module when available) and construction from a verb's arguments. */
#include <stdlib.h>
#include <string.h>

#include <parseval/provenance.h>

#include "pv_test.h"

static void hex_of(const void *data, size_t n, char hex[65]) {
  unsigned char d[32];
  pv_sha256(data, n, d);
  pv_sha256_hex(d, hex);
}

static void test_sha256_vectors(void) {
  char hex[65];
  hex_of("", 0, hex);
  CHECK(strcmp(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855") == 0);
  hex_of("abc", 3, hex);
  CHECK(strcmp(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad") == 0);
  const char *m2 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
  hex_of(m2, strlen(m2), hex);
  CHECK(strcmp(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1") == 0);
  const char *m3 = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmno"
                   "ijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";
  hex_of(m3, strlen(m3), hex);
  CHECK(strcmp(hex, "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1") == 0);
  /* one million 'a', fed in uneven pieces to exercise block boundaries */
  pv_sha256_state s;
  pv_sha256_init(&s);
  char chunk[1024];
  memset(chunk, 'a', sizeof chunk);
  size_t left = 1000000;
  for (size_t step = 1; left; step = step % 997 + 13) {
    size_t k = step < left ? step : left;
    pv_sha256_update(&s, chunk, k);
    left -= k;
  }
  unsigned char d[32];
  pv_sha256_final(&s, d);
  pv_sha256_hex(d, hex);
  CHECK(strcmp(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0") == 0);
  /* padding edge cases: lengths 55, 56, 63, 64 hash identically in one piece
   * and byte by byte */
  size_t lens[] = {55, 56, 63, 64, 119, 120};
  for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
    char one[65], two[65];
    hex_of(chunk, lens[i], one);
    pv_sha256_init(&s);
    for (size_t b = 0; b < lens[i]; b++) pv_sha256_update(&s, chunk + b, 1);
    pv_sha256_final(&s, d);
    pv_sha256_hex(d, two);
    CHECK(strcmp(one, two) == 0);
  }
}

static void test_sha256_file(void) {
  char path[1024];
  snprintf(path, sizeof path, "%s/blob.bin", pv_test_tmpdir());
  unsigned char buf[200000];
  for (size_t i = 0; i < sizeof buf; i++) buf[i] = (unsigned char)(i * 7919u >> 3);
  CHECK_OK(pv_file_write_atomic(path, buf, sizeof buf, 1));
  char hex[65];
  uint64_t bytes = 0;
  CHECK_OK(pv_sha256_file(path, hex, &bytes));
  CHECK_EQ_INT(bytes, sizeof buf);
  char mem[65];
  hex_of(buf, sizeof buf, mem);
  CHECK(strcmp(hex, mem) == 0);
  /* second, independent implementation: coreutils */
  char cmd[1200];
  snprintf(cmd, sizeof cmd, "sha256sum '%s' 2>/dev/null", path);
  FILE *p = popen(cmd, "r");
  char line[256] = "";
  if (p && fgets(line, sizeof line, p) && strlen(line) >= 64) {
    CHECK(strncmp(line, hex, 64) == 0);
  } else {
    printf("SKIP: sha256sum not available\n");
  }
  if (p) pclose(p);
  snprintf(path, sizeof path, "%s/missing.bin", pv_test_tmpdir());
  CHECK_STATUS(pv_sha256_file(path, hex, NULL), PV_ENOTFOUND);
}

static void test_record_pairs(void) {
  pv_provenance *p = NULL;
  CHECK_OK(pv_provenance_create("quicklook", "run", &p));
  CHECK(strcmp(pv_provenance_get(p, "parseval.app"), "quicklook") == 0);
  CHECK(strcmp(pv_provenance_get(p, "parseval.version"), pv_version()) == 0);
  const char *date = pv_provenance_get(p, "parseval.date");
  /* YYYY-MM-DDTHH:MM:SSZ */
  CHECK(strlen(date) == 20 && date[4] == '-' && date[10] == 'T' && date[19] == 'Z');
  CHECK(pv_provenance_get(p, "parseval.host")[0] != '\0');
  CHECK_OK(pv_provenance_set_seed(p, 18446744073709551615ULL));
  CHECK(strcmp(pv_provenance_get(p, "parseval.seed"), "18446744073709551615") == 0);
  CHECK_OK(pv_provenance_set_param(p, "alpha", "0.5"));
  CHECK_OK(pv_provenance_set_param(p, "alpha", "0.25")); /* replaces */
  CHECK_STATUS(pv_provenance_set_param(p, "Bad Name", "x"), PV_EINVAL);
  CHECK(strcmp(pv_provenance_get(p, "parseval.param.alpha"), "0.25") == 0);
  size_t n = pv_provenance_count(p);
  CHECK_EQ_INT(n, 7);
  int seen_alpha = 0;
  for (size_t i = 0; i < n; i++) {
    const char *k, *v;
    CHECK_OK(pv_provenance_pair(p, i, &k, &v));
    CHECK(strncmp(k, "parseval.", 9) == 0);
    seen_alpha += strcmp(k, "parseval.param.alpha") == 0;
  }
  CHECK_EQ_INT(seen_alpha, 1);
  CHECK_STATUS(pv_provenance_pair(p, n, NULL, NULL), PV_EINVAL);
  CHECK(pv_provenance_get(p, "parseval.nothing") == NULL);
  pv_provenance_destroy(&p);
  CHECK(p == NULL);
}

/* Python's json module reads the file and prints one field; "" if absent. */
static int python_field(const char *path, const char *expr, char *out, size_t cap) {
  FILE *t = fopen("/usr/bin/python3", "rb");
  if (!t) return 0;
  fclose(t);
  char cmd[2048];
  snprintf(cmd, sizeof cmd,
           "/usr/bin/python3 -c \"import json,sys; d=json.load(open(sys.argv[1],encoding='utf-8'));"
           " sys.stdout.write(repr(%s))\" '%s'", expr, path);
  FILE *p = popen(cmd, "r");
  if (!p) return 0;
  size_t n = fread(out, 1, cap - 1, p);
  out[n] = '\0';
  return pclose(p) == 0;
}

static void test_json_and_inputs(void) {
  char in[1024], js[1024];
  snprintf(in, sizeof in, "%s/input \"q\".dat", pv_test_tmpdir());
  CHECK_OK(pv_file_write_atomic(in, "abc", 3, 1));
  pv_provenance *p = NULL;
  CHECK_OK(pv_provenance_create("app", "verb", &p));
  CHECK_OK(pv_provenance_set_date(p, "2026-01-02T03:04:05Z"));
  CHECK_OK(pv_provenance_set_param(p, "title", "tab\there \"quoted\" back\\slash \xff"));
  CHECK_OK(pv_provenance_add_input(p, in));
  CHECK_OK(pv_provenance_add_input(p, "HDF5:\"x.h5\"://sub")); /* not a file: no checksum */
  CHECK(strcmp(pv_provenance_get(p, "parseval.input.0.sha256"),
               "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad") == 0);
  CHECK(strcmp(pv_provenance_get(p, "parseval.input.0.bytes"), "3") == 0);
  CHECK(pv_provenance_get(p, "parseval.input.1.sha256") == NULL);
  char *text = NULL;
  CHECK_OK(pv_provenance_json_text(p, &text));
  CHECK(strstr(text, "\"date\":\"2026-01-02T03:04:05Z\"") != NULL);
  CHECK(strstr(text, "\"title\":\"tab\\there \\\"quoted\\\" back\\\\slash \\ufffd\"") != NULL);
  CHECK(strstr(text, "\"bytes\":3,\"sha256\":\"ba7816bf") != NULL);
  CHECK(strstr(text, "\"bytes\":null,\"sha256\":null") != NULL);
  pv_free(text);
  char *side = NULL;
  CHECK_OK(pv_provenance_sidecar_path("/a/b.npy", &side));
  CHECK(strcmp(side, "/a/b.npy.json") == 0);
  pv_free(side);
  snprintf(js, sizeof js, "%s/prov.json", pv_test_tmpdir());
  CHECK_OK(pv_provenance_write_json(p, js, 0));
  CHECK_STATUS(pv_provenance_write_json(p, js, 0), PV_EEXIST);
  char got[512];
  if (python_field(js, "d['provenance']['parameters']['title']", got, sizeof got)) {
    CHECK(strcmp(got, "'tab\\there \"quoted\" back\\\\slash \\ufffd'") == 0 ||
          strcmp(got, "'tab\\there \"quoted\" back\\\\slash \xef\xbf\xbd'") == 0);
    CHECK(python_field(js, "d['provenance']['inputs'][0]['bytes']", got, sizeof got));
    CHECK(strcmp(got, "3") == 0);
  } else {
    printf("SKIP: python3 json check\n");
  }
  pv_provenance_destroy(&p);
}

static void test_from_args(void) {
  static const pv_param params[] = {
      {"input", PV_PARAM_PATH, PV_ROLE_INPUT, 0, NULL, 0, 0, NULL, "input file", NULL},
      {"output", PV_PARAM_PATH, PV_ROLE_OUTPUT, 0, NULL, 0, 0, NULL, "output file", NULL},
      {"alpha", PV_PARAM_REAL, PV_ROLE_OPTION, 0, "0.5", 0, 0, NULL, "weight", NULL},
      {"bands", PV_PARAM_INT_LIST, PV_ROLE_OPTION, PV_PARAM_OPTIONAL, NULL, 0, 0, NULL,
       "bands", NULL},
  };
  char in[1024];
  snprintf(in, sizeof in, "%s/args-in.bin", pv_test_tmpdir());
  CHECK_OK(pv_file_write_atomic(in, "", 0, 1));
  pv_args *a = NULL;
  CHECK_OK(pv_args_create(params, 4, &a));
  CHECK_OK(pv_args_set(a, "input", in));
  CHECK_OK(pv_args_set(a, "output", "/tmp/never-written.png"));
  CHECK_OK(pv_args_finish(a));
  pv_ctx *ctx = NULL;
  CHECK_OK(pv_ctx_create(&ctx));
  pv_ctx_set_seed(ctx, 42);
  pv_provenance *p = NULL;
  CHECK_OK(pv_provenance_from_args(ctx, "app", "run", params, 4, a, &p));
  CHECK(strcmp(pv_provenance_get(p, "parseval.seed"), "42") == 0);
  CHECK(strcmp(pv_provenance_get(p, "parseval.param.alpha"), pv_args_text(a, "alpha")) == 0);
  CHECK(strcmp(pv_provenance_get(p, "parseval.param.input"), in) == 0);
  CHECK(pv_provenance_get(p, "parseval.param.bands") == NULL);
  CHECK(strcmp(pv_provenance_get(p, "parseval.input.0.path"), in) == 0);
  CHECK(strcmp(pv_provenance_get(p, "parseval.input.0.sha256"),
               "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855") == 0);
  CHECK(pv_provenance_get(p, "parseval.input.1.path") == NULL); /* output not hashed */
  pv_provenance_destroy(&p);
  pv_ctx_destroy(&ctx);
  pv_args_destroy(&a);
}

static void test_alloc_failures(void) {
  for (long k = 0; k < 200; k++) {
    long live = pv_test_alloc_live();
    pv_test_fail_alloc_after(k);
    pv_provenance *p = NULL;
    char *text = NULL;
    int st = pv_provenance_create("a", "b", &p);
    for (int i = 0; !st && i < 20; i++) {
      char name[16];
      snprintf(name, sizeof name, "p%d", i);
      st = pv_provenance_set_param(p, name, "value");
    }
    if (!st) st = pv_provenance_json_text(p, &text);
    pv_free(text);
    pv_provenance_destroy(&p);
    pv_test_fail_alloc_after(-1);
    pv_error_clear();
    CHECK_EQ_INT(pv_test_alloc_live(), live);
    if (st == 0) break;
    CHECK_EQ_INT(st, PV_ENOMEM);
  }
}

PV_TEST_MAIN(PV_CASE(test_sha256_vectors), PV_CASE(test_sha256_file), PV_CASE(test_record_pairs),
             PV_CASE(test_json_and_inputs), PV_CASE(test_from_args), PV_CASE(test_alloc_failures))
