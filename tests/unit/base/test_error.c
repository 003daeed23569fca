/* The per-thread error stack: frames, joined message, overflow, isolation. */
#include "pv_test.h"

#include <pthread.h>
#include <string.h>

static void test_frames_and_message(void) {
  pv_error_clear();
  CHECK_EQ_INT(pv_error_depth(), 0);
  CHECK(strcmp(pv_error_message(), "") == 0);
  CHECK_EQ_INT(PV_ERROR(PV_EFORMAT, "band %d: %d valid pixels", 7, 0), PV_EFORMAT);
  CHECK_EQ_INT(PV_ERROR(PV_EIO, "reading %s", "scene.tif"), PV_EIO);
  CHECK_EQ_INT(pv_error_depth(), 2);
  CHECK_EQ_INT(pv_error_code(), PV_EFORMAT);   /* root cause */
  CHECK_EQ_INT(pv_error_last_code(), PV_EIO);  /* outermost */
  CHECK(strcmp(pv_error_message(), "reading scene.tif: band 7: 0 valid pixels") == 0);
  int code, line;
  const char *file, *msg;
  CHECK_OK(pv_error_frame(0, &code, &file, &line, &msg));
  CHECK_EQ_INT(code, PV_EFORMAT);
  CHECK(strstr(file, "test_error.c") != NULL);
  CHECK(line > 0);
  CHECK(strcmp(msg, "band 7: 0 valid pixels") == 0);
  CHECK_EQ_INT(pv_error_frame(2, NULL, NULL, NULL, NULL), PV_EINVAL);
  pv_error_clear();
  CHECK_EQ_INT(pv_error_code(), PV_OK);
}

static void test_overflow_keeps_root_cause(void) {
  pv_error_clear();
  PV_ERROR(PV_ENOMEM, "root");
  for (int i = 0; i < 3 * PV_ERROR_MAX_FRAMES; i++) PV_ERROR(PV_EIO, "context %d", i);
  CHECK_EQ_INT(pv_error_depth(), PV_ERROR_MAX_FRAMES);
  CHECK_EQ_INT(pv_error_code(), PV_ENOMEM);
  const char *m = pv_error_message();
  CHECK(strstr(m, "root") != NULL);
  CHECK(strstr(m, "context 47") != NULL);
  pv_error_clear();
}

static void test_long_message_truncated(void) {
  char big[4 * PV_ERROR_MAX_MSG];
  memset(big, 'x', sizeof big - 1);
  big[sizeof big - 1] = '\0';
  PV_ERROR(PV_EINVAL, "%s", big);
  CHECK_EQ_INT(strlen(pv_error_message()), PV_ERROR_MAX_MSG - 1);
  pv_error_clear();
}

static void *thread_fn(void *arg) {
  (void)arg;
  /* A new thread starts with an empty stack, and its errors stay its own. */
  long empty = pv_error_depth() == 0;
  PV_ERROR(PV_ENUMERIC, "in thread");
  return (void *)(empty && pv_error_code() == PV_ENUMERIC ? 1L : 0L);
}

static void test_threads_are_isolated(void) {
  pv_error_clear();
  PV_ERROR(PV_EIO, "main thread");
  pthread_t t;
  void *res = NULL;
  CHECK(pthread_create(&t, NULL, thread_fn, NULL) == 0);
  pthread_join(t, &res);
  CHECK(res == (void *)1L);
  CHECK_EQ_INT(pv_error_depth(), 1);
  CHECK_EQ_INT(pv_error_code(), PV_EIO);
  pv_error_clear();
}

static void test_truncate_keeps_older_frames(void) {
  pv_error_clear();
  PV_ERROR(PV_EIO, "caller context");
  int saved = pv_error_depth();
  PV_ERROR(PV_EIO, "GDAL: generic refusal");
  PV_ERROR(PV_EIO, "more noise");
  pv_error_truncate(saved);
  PV_ERROR(PV_EFORMAT, "precise: field 'samples'");
  CHECK_EQ_INT(pv_error_depth(), 2);
  CHECK(strcmp(pv_error_message(), "precise: field 'samples': caller context") == 0);
  pv_error_truncate(10); /* more than there are: no-op */
  CHECK_EQ_INT(pv_error_depth(), 2);
  pv_error_clear();
}

static void test_strerror(void) {
  CHECK(strcmp(pv_strerror(PV_ENOMEM), "out of memory") == 0);
  CHECK(strcmp(pv_strerror(-999), "unknown error") == 0);
  for (int c = PV_EINTERNAL; c <= PV_OK; c++) CHECK(strcmp(pv_strerror(c), "unknown error") != 0);
}

PV_TEST_MAIN(PV_CASE(test_frames_and_message), PV_CASE(test_overflow_keeps_root_cause),
             PV_CASE(test_long_message_truncated), PV_CASE(test_threads_are_isolated),
             PV_CASE(test_truncate_keeps_older_frames), PV_CASE(test_strerror))
