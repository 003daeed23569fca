/* pv_test.h - the tiny assertion kit of Parseval's unit tests.
 * A test program is a list of PV_TEST functions run by pv_test_main; each
 * failed check prints file:line and the values, and the program exits 1. */
#ifndef PV_TEST_H
#define PV_TEST_H

#include <math.h>
#include <stdio.h>
#include <parseval/parseval.h>

extern int pv_test_failures;
void pv_test_fail(const char *file, int line, const char *fmt, ...);

#define CHECK(cond) do { if (!(cond)) pv_test_fail(__FILE__, __LINE__, "check failed: %s", #cond); } while (0)
#define CHECK_EQ_INT(a, b) do { long long a_ = (long long)(a), b_ = (long long)(b); \
  if (a_ != b_) pv_test_fail(__FILE__, __LINE__, "%s = %lld, expected %s = %lld", #a, a_, #b, b_); } while (0)
/* |a - b| <= tol (absolute). */
#define CHECK_NEAR(a, b, tol) do { double a_ = (a), b_ = (b), t_ = (tol); \
  if (!(fabs(a_ - b_) <= t_)) pv_test_fail(__FILE__, __LINE__, "%s = %.17g, expected %.17g within %.3g (diff %.3g)", #a, a_, b_, t_, fabs(a_ - b_)); } while (0)
/* |a - b| <= rtol * max(|b|, tiny). */
#define CHECK_REL(a, b, rtol) do { double a_ = (a), b_ = (b), t_ = (rtol) * fmax(fabs(b_), 1e-300); \
  if (!(fabs(a_ - b_) <= t_)) pv_test_fail(__FILE__, __LINE__, "%s = %.17g, expected %.17g within rel %.3g", #a, a_, b_, (double)(rtol)); } while (0)
/* A libparseval call that must succeed; prints the error stack otherwise. */
#define CHECK_OK(expr) do { int s_ = (expr); if (s_ != 0) pv_test_fail(__FILE__, __LINE__, "%s returned %d: %s", #expr, s_, pv_error_message()); } while (0)
/* A call that must fail with status code; clears the error stack. */
#define CHECK_STATUS(expr, code) do { int s_ = (expr); if (s_ != (code)) pv_test_fail(__FILE__, __LINE__, "%s returned %d (%s), expected %d", #expr, s_, pv_error_message(), (int)(code)); pv_error_clear(); } while (0)

typedef void (*pv_test_fn)(void);
typedef struct { const char *name; pv_test_fn fn; } pv_test_case;
/* Runs the cases (all, or the one named by argv[1]); returns the exit code. */
int pv_test_main(int argc, char **argv, const pv_test_case *cases, int n);
#define PV_TEST_MAIN(...) int main(int argc, char **argv) { \
  static const pv_test_case cases_[] = { __VA_ARGS__ }; \
  return pv_test_main(argc, argv, cases_, (int)(sizeof cases_ / sizeof cases_[0])); }
#define PV_CASE(f) { #f, f }

/* Folder of the shared datasets (../shared/datasets) or NULL when absent;
 * tests that need it print "SKIP: ..." and return. */
const char *pv_test_shared_datasets(void);
/* A fresh empty scratch folder for this test program (removed at exit unless
 * PV_TEST_KEEP is set). Borrowed. */
const char *pv_test_tmpdir(void);

/* path of `name` inside pv_test_tmpdir(); one of 8 rotating buffers, so a
 * few may be used at once. Borrowed. */
const char *pv_test_path(const char *name);
/* 1 when path exists. */
int pv_test_exists(const char *path);

/* Allocation-failure countdown: after pv_test_fail_alloc_after(k), the
 * (k+1)-th allocation fails; -1 disables. pv_test_alloc_live() counts blocks
 * not yet freed (for leak checks around an error path). */
void pv_test_fail_alloc_after(long k);
long pv_test_alloc_live(void);
/* Fail the 1st, 2nd, ... allocation of mk until it succeeds: every failure
 * must return PV_ENOMEM, leave *obj NULL and leak nothing; the success is
 * released with rm (which must set *obj to NULL). what names it in output. */
void pv_test_alloc_countdown(const char *what, int (*mk)(void **obj), void (*rm)(void **obj));
#endif
