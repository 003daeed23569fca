/* Progress for people: a redrawn bar on a terminal, a line per 10% in logs. */
#include "host.h"

#include <unistd.h>

int pv_host_progress(double frac, const char *msg, void *user) {
  static int last = -1;
  (void)user;
  int pct = (int)(frac * 100 + 0.5);
  if (isatty(STDERR_FILENO)) {
    int filled = pct * 30 / 100;
    fprintf(stderr, "\r[%.*s%*s] %3d%% %-40.40s", filled, "##############################", 30 - filled, "",
            pct, msg ? msg : "");
    if (pct >= 100) fputc('\n', stderr);
  } else if (pct / 10 != last / 10 || pct == 100) {
    if (pct != last) fprintf(stderr, "parseval: progress %3d%% %s\n", pct, msg ? msg : "");
  }
  last = pct >= 100 ? -1 : pct;
  fflush(stderr);
  return 1;
}
