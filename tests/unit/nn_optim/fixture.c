/* Fixture reader for the nn_optim tests (see fixture.h). */
#include "fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct { char name[64]; size_t n; double *v; } fx_entry;
static fx_entry *fx;
static size_t nfx;

int fx_load(void) {
  if (fx) return 0;
  FILE *f = fopen(PV_NN_OPTIM_FIXTURE, "r");
  if (!f) return -1;
  char name[64];
  size_t n;
  while (fscanf(f, "%63s %zu", name, &n) == 2) {
    fx_entry *t = realloc(fx, (nfx + 1) * sizeof *fx);
    if (!t) break;
    fx = t;
    fx_entry *e = &fx[nfx++];
    snprintf(e->name, sizeof e->name, "%s", name);
    e->n = n;
    e->v = malloc((n ? n : 1) * sizeof *e->v);
    for (size_t i = 0; i < n; i++)
      if (!e->v || fscanf(f, "%lf", &e->v[i]) != 1) {
        fclose(f);
        return -1;
      }
  }
  fclose(f);
  return nfx ? 0 : -1;
}

void fx_free(void) {
  for (size_t i = 0; i < nfx; i++) free(fx[i].v);
  free(fx);
  fx = NULL;
  nfx = 0;
}

const double *fx_get(const char *name, size_t *n) {
  for (size_t i = 0; i < nfx; i++)
    if (!strcmp(fx[i].name, name)) {
      *n = fx[i].n;
      return fx[i].v;
    }
  *n = 0;
  return NULL;
}
