/* test_config.c - the pde-gp problem description file: a full file and its
 * presets/overrides, CRLF, reading from disk; every prefix of a valid file
 * (truncation) parses or fails cleanly; oversized and hostile inputs fail
 * with an error naming the file, the line and the field. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "pv_test.h"
#include <parseval/fileout.h>
#include <parseval/gp.h>

static const char *GOOD =
    "# 2-D Allen-Cahn with a Helmholtz-type twist\n"
    "[problem]\n"
    "solution = allencahn_2d-mix-sincos   ; h(x) h(y)\n"
    "equation = allen-cahn\n"
    "c0 = -2.5\n"
    "grid = 40, 30\n"
    "hi = 1, 0.5\n"
    "\n"
    "[kernel]\n"
    "kind = stm\n"
    "q = 12\n"
    "freq_scale = 25\n"
    "jitter = 1e-5\n"
    "[weights]\n"
    "lambda_b = 50\n"
    "[optimizer]\n"
    "method = adam\n"
    "iters = 77\n"
    "time = 12.5\n"
    "tol = 1e-9\n"
    "lr = 0.02\n"
    "memory = 7\n"
    "ntest = 50\n"
    "fix_noise = 1\n"
    "work = 500\n"
    "init = spectral\n"
    "coarse = 20\n";

/* Parse text expecting failure; the message must contain every needle. */
static void expect_error(const char *text, size_t len, const char *n1, const char *n2) {
  pv_gp_problem_file pf;
  int st = pv_gp_problem_file_parse(text, len, "case.ini", &pf);
  const char *msg = pv_error_message();
  if (st == 0 || !strstr(msg, "case.ini") || (n1 && !strstr(msg, n1)) || (n2 && !strstr(msg, n2)))
    printf("input '%.60s': status %d, message '%s'\n", text, st, msg);
  CHECK(st != 0);
  CHECK(strstr(msg, "case.ini") != NULL);
  if (n1) CHECK(strstr(msg, n1) != NULL);
  if (n2) CHECK(strstr(msg, n2) != NULL);
  pv_error_clear();
}

static void test_full_file(void) {
  pv_gp_problem_file pf;
  CHECK_OK(pv_gp_problem_file_parse(GOOD, strlen(GOOD), "good.ini", &pf));
  CHECK(strcmp(pf.bench.name, "allencahn_2d-mix-sincos") == 0);
  CHECK_EQ_INT(pf.bench.dim, 2);
  CHECK_EQ_INT(pf.run.n[0], 40);
  CHECK_EQ_INT(pf.run.n[1], 30);
  CHECK_NEAR(pf.bench.c2[0], 1.0, 0);   /* from the allen-cahn preset */
  CHECK_NEAR(pf.bench.c3, 1.0, 0);
  CHECK_NEAR(pf.bench.c0, -2.5, 0);     /* overridden */
  CHECK_NEAR(pf.bench.hi[1], 0.5, 0);
  CHECK_NEAR(pf.bench.lo[0], 0.0, 0);
  CHECK_EQ_INT(pf.run.kind, PV_GP_KERNEL_STM);
  CHECK_EQ_INT(pf.run.q, 12);
  CHECK_NEAR(pf.run.freq_scale, 25, 0);
  CHECK_NEAR(pf.run.jitter, 1e-5, 0);
  CHECK_NEAR(pf.run.lambda_b, 50, 0);
  CHECK_EQ_INT(pf.run.optim.method, PV_GP_ADAM);
  CHECK_EQ_INT(pf.run.optim.max_iter, 77);
  CHECK_NEAR(pf.run.optim.max_time, 12.5, 0);
  CHECK_NEAR(pf.run.optim.lr, 0.02, 0);
  CHECK_EQ_INT(pf.run.optim.lbfgs_m, 7);
  CHECK_EQ_INT(pf.run.ntest, 50);
  CHECK_EQ_INT(pf.run.optim.fix_noise, 1);
  CHECK_EQ_INT(pf.run.optim.max_work, 500);
  CHECK_EQ_INT(pf.run.init, PV_GP_INIT_SPECTRAL);
  CHECK_EQ_INT(pf.run.coarse_n, 20);
  /* defaults: the benchmark's operator and grid when not given; CRLF lines */
  const char *crlf = "[problem]\r\nsolution = advection-sin\r\n";
  CHECK_OK(pv_gp_problem_file_parse(crlf, strlen(crlf), "crlf.ini", &pf));
  CHECK_NEAR(pf.bench.c1[0], 200, 0);
  CHECK_EQ_INT(pf.run.n[0], 200);   /* the benchmark's grid */
  CHECK_EQ_INT(pf.run.q, 30);
  CHECK_EQ_INT(pf.run.init, PV_GP_INIT_AUTO);   /* resolved by the run: spectral in 2-D */
  CHECK_EQ_INT(pf.run.coarse_n, -1);
  /* from disk */
  const char *path = pv_test_path("problem.ini");
  CHECK_OK(pv_file_write_atomic(path, GOOD, strlen(GOOD), 1));
  CHECK_OK(pv_gp_problem_file_read(path, &pf));
  CHECK_EQ_INT(pf.run.n[1], 30);
  CHECK_STATUS(pv_gp_problem_file_read(pv_test_path("missing.ini"), &pf), PV_EIO);
}

/* Every prefix of a valid file either parses or fails with the file named. */
static void test_truncated(void) {
  size_t n = strlen(GOOD);
  int ok = 0;
  for (size_t k = 0; k <= n; k++) {
    pv_gp_problem_file pf;
    int st = pv_gp_problem_file_parse(GOOD, k, "cut.ini", &pf);
    if (st) CHECK(strstr(pv_error_message(), "cut.ini") != NULL);
    else ok++;
    pv_error_clear();
  }
  CHECK(ok > 0);   /* the prefixes that end after a complete problem parse */
}

static void test_bad_fields(void) {
  const char *t;
  t = "[kernel]\nkind = gm\n";
  expect_error(t, strlen(t), "solution", "missing");
  t = "[problem]\nsolution = poisson_9d\n";
  expect_error(t, strlen(t), ":2:", "poisson_9d");
  t = "[problem]\nsolution = poisson_1d-mix_sin\ngrid = abc\n";
  expect_error(t, strlen(t), ":3:", "grid");
  t = "[problem]\nsolution = poisson_1d-mix_sin\ngrid = 1\n";            /* grid of size 1 */
  expect_error(t, strlen(t), "grid", "outside");
  t = "[problem]\nsolution = poisson_1d-mix_sin\ngrid = 10.5\n";
  expect_error(t, strlen(t), "grid", "integer");
  t = "[problem]\nsolution = poisson_2d-sin_sin\nc2 = 1, 1, 1\n";
  expect_error(t, strlen(t), "c2", "more than 2");
  t = "[problem]\nsolution = poisson_2d-sin_sin\nc1 = 1\n";
  expect_error(t, strlen(t), "c1", "1 values for a 2-D");
  t = "[problem]\nsolution = poisson_1d-mix_sin\nc2 = 0\n";
  expect_error(t, strlen(t), "no derivative term", NULL);
  t = "[problem]\nsolution = poisson_1d-mix_sin\nlo = 2\nhi = 1\n";
  expect_error(t, strlen(t), "empty domain", NULL);
  t = "[problem]\nsolution = poisson_1d-mix_sin\nequation = heat\n";
  expect_error(t, strlen(t), "equation", "heat");
  t = "[problem]\nsolution = poisson_1d-mix_sin\nequation = advection\n";
  expect_error(t, strlen(t), "equation", "2-D");
  t = "[problem]\nsolution = poisson_1d-mix_sin\nc0 = nan\n";
  expect_error(t, strlen(t), "c0", "finite");
  t = "[problem]\nsolution = poisson_1d-mix_sin\nc0 = 1e999\n";
  expect_error(t, strlen(t), "c0", "finite");
  t = "[problem]\nsolution = poisson_1d-mix_sin\n[kernel]\nkind = rbf\n";
  expect_error(t, strlen(t), ":4:", "kind");
  t = "[problem]\nsolution = poisson_1d-mix_sin\n[kernel]\nwidth = 3\n";
  expect_error(t, strlen(t), "unknown field", "width");
  t = "[problem]\nsolution = poisson_1d-mix_sin\n[optimizer]\nmethod = newton\n";
  expect_error(t, strlen(t), "method", "newton");
  t = "[problem]\nsolution = poisson_1d-mix_sin\n[optimizer]\ninit = random\n";
  expect_error(t, strlen(t), "init", "random");
  t = "[problem]\nsolution = poisson_1d-mix_sin\n[optimizer]\ncoarse = -3\n";
  expect_error(t, strlen(t), "coarse", NULL);
  t = "[problem]\nsolution = poisson_1d-mix_sin\nsolution = poisson_1d-mix_sin\n";
  expect_error(t, strlen(t), "repeated", "line 2");
  t = "solution = poisson_1d-mix_sin\n";
  expect_error(t, strlen(t), "before any [section]", NULL);
  t = "[problem\nsolution = poisson_1d-mix_sin\n";
  expect_error(t, strlen(t), ":1:", "section");
  t = "[problem]\nsolution poisson_1d-mix_sin\n";
  expect_error(t, strlen(t), ":2:", "key = value");
  t = "[problem]\nsolution =\n";
  expect_error(t, strlen(t), "no value", NULL);
}

static void test_hostile(void) {
  /* NUL byte inside */
  static const char nul[] = "[problem]\nsolution = poisson_1d-mix_sin\n\0grid = 5\n";
  expect_error(nul, sizeof nul - 1, "NUL", ":3:");
  /* oversized: 70 KB of comments */
  size_t big = 70000;
  char *buf = pv_malloc(big);
  memset(buf, '#', big);
  for (size_t i = 100; i < big; i += 100) buf[i] = '\n';
  expect_error(buf, big, "bytes", "allowed");
  /* one line longer than allowed */
  memset(buf, 'x', 2000);
  memcpy(buf, "[problem]\nsolution = ", 21);
  expect_error(buf, 2000, ":2:", "longer");
  /* too many keys */
  size_t len = 0;
  len += (size_t)sprintf(buf + len, "[problem]\nsolution = poisson_1d-mix_sin\n");
  for (int i = 0; i < 70; i++) len += (size_t)sprintf(buf + len, "[s%d]\nk = 1\n", i);
  expect_error(buf, len, "more than 64 keys", NULL);
  /* binary noise */
  for (size_t i = 0; i < 4096; i++) buf[i] = (char)(i * 131 + 7);
  pv_gp_problem_file pf;
  CHECK(pv_gp_problem_file_parse(buf, 4096, "noise.ini", &pf) != 0);
  CHECK(strstr(pv_error_message(), "noise.ini") != NULL);
  pv_error_clear();
  pv_free(buf);
  CHECK_STATUS(pv_gp_problem_file_parse(NULL, 0, "x", &pf), PV_EINVAL);
}

PV_TEST_MAIN(PV_CASE(test_full_file), PV_CASE(test_truncated), PV_CASE(test_bad_fields),
             PV_CASE(test_hostile))
