/* Fuzz the pde-gp problem description parser: any bytes either parse into a
 * problem whose fields are in range or fail with an error, never a crash. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <parseval/gp.h>
#include <parseval/parseval.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static int init;
  if (!init) { pv_init(); init = 1; }
  pv_gp_problem_file pf;
  if (pv_gp_problem_file_parse((const char *)data, size, "fuzz.ini", &pf) == 0) {
    const pv_gp_benchmark *b = &pf.bench;
    if (b->dim < 1 || b->dim > 2 || !pv_gp_benchmark_find(b->name)) abort();
    for (int a = 0; a < b->dim; a++)
      if (!(b->hi[a] > b->lo[a]) || !isfinite(b->c2[a]) || !isfinite(b->c1[a]) ||
          (pf.run.n[a] != 0 && (pf.run.n[a] < 3 || pf.run.n[a] > 4000)))
        abort();
    if (pf.run.q < 1 || pf.run.q > 1000 || pf.run.ntest < 2 || pf.run.ntest > 5000) abort();
  }
  pv_error_clear();
  return 0;
}
