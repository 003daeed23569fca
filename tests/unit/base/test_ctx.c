/* Context: defaults, validation, log filtering by level and category,
 * progress with cancellation, statistics. */
#include "pv_test.h"

#include <string.h>

typedef struct { int n; char last[256]; pv_log_level level; } sink;

static void capture(pv_log_level level, const char *cat, const char *msg, void *user) {
  sink *s = user;
  s->n++;
  s->level = level;
  snprintf(s->last, sizeof s->last, "%s|%s", cat, msg);
}

static void test_defaults_and_validation(void) {
  pv_ctx *c = NULL;
  CHECK_OK(pv_ctx_create(&c));
  CHECK_EQ_INT(pv_ctx_threads(c), 1);
  CHECK(pv_ctx_ram_budget(c) > 0);
  CHECK_EQ_INT(pv_ctx_rank(c), 0);
  CHECK_EQ_INT(pv_ctx_nranks(c), 1);
  CHECK_STATUS(pv_ctx_set_threads(c, 0), PV_EINVAL);
  CHECK_OK(pv_ctx_set_threads(c, 2));
  CHECK_EQ_INT(pv_ctx_threads(c), 2);
  CHECK_STATUS(pv_ctx_set_ram_budget(c, 0), PV_EINVAL);
  pv_ctx_set_seed(c, 12345);
  CHECK(pv_ctx_seed(c) == 12345);
  pv_ctx_destroy(&c);
  CHECK(c == NULL);
  pv_ctx_destroy(&c);
}

static void test_log_levels_and_categories(void) {
  pv_ctx *c;
  CHECK_OK(pv_ctx_create(&c));
  sink s = {0};
  pv_log(c, PV_LOG_WARN, "io", "dropped: no sink");
  pv_ctx_set_log(c, PV_LOG_WARN, capture, &s);
  pv_log(c, PV_LOG_INFO, "io", "below threshold");
  CHECK_EQ_INT(s.n, 0);
  pv_log(c, PV_LOG_WARN, "io", "band %d invalid", 3);
  CHECK_EQ_INT(s.n, 1);
  CHECK(strcmp(s.last, "io|band 3 invalid") == 0);
  CHECK_OK(pv_ctx_set_debug(c, "fft, io"));
  pv_log(c, PV_LOG_DEBUG, "io", "io debug");
  pv_log(c, PV_LOG_DEBUG, "linalg", "linalg debug");
  CHECK_EQ_INT(s.n, 2);
  CHECK(strcmp(s.last, "io|io debug") == 0);
  CHECK_OK(pv_ctx_set_debug(c, "all"));
  CHECK(pv_log_enabled(c, PV_LOG_DEBUG, "anything"));
  CHECK_OK(pv_ctx_set_debug(c, ""));
  CHECK(!pv_log_enabled(c, PV_LOG_DEBUG, "io"));
  CHECK_STATUS(pv_ctx_set_debug(c, "a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q,r"), PV_EINVAL);
  pv_ctx_stats st = {sizeof st, 0, 0};
  CHECK_OK(pv_ctx_get_stats(c, &st));
  CHECK(st.warnings == 2);
  pv_ctx_destroy(&c);
}

static int stop_at_half(double frac, const char *msg, void *user) {
  (void)msg;
  ++*(int *)user;
  return frac < 0.5;
}

static void test_progress_cancel(void) {
  pv_ctx *c;
  CHECK_OK(pv_ctx_create(&c));
  CHECK_OK(pv_ctx_progress(c, 0.7, "no sink: never cancels"));
  int calls = 0, rc = 0, i;
  pv_ctx_set_progress(c, stop_at_half, &calls);
  for (i = 0; i <= 10 && rc == 0; i++) rc = pv_ctx_progress(c, i / 10.0, "loop");
  CHECK_EQ_INT(rc, PV_ECANCEL);
  CHECK_EQ_INT(calls, 6);
  CHECK(strstr(pv_error_message(), "cancelled at 50%") != NULL);
  pv_error_clear();
  pv_ctx_destroy(&c);
}

PV_TEST_MAIN(PV_CASE(test_defaults_and_validation), PV_CASE(test_log_levels_and_categories),
             PV_CASE(test_progress_cancel))
