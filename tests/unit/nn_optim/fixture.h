/* fixture.h - reads fixture_optim.txt (lines "name n v1 ... vn") written by
 * make_fixture.py. */
#ifndef PV_NN_OPTIM_FIXTURE_H
#define PV_NN_OPTIM_FIXTURE_H
#include <stddef.h>

/* Load the whole fixture once (path from PV_NN_OPTIM_FIXTURE); 0 on success. */
int fx_load(void);
void fx_free(void);
/* Values of entry `name` (NULL when absent); *n receives the count. */
const double *fx_get(const char *name, size_t *n);
#endif
