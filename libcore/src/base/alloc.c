/* One hookable allocator for everything libparseval allocates. */
#include <parseval/alloc.h>
#include <parseval/error.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void *default_alloc(size_t size, size_t align, void *user) {
  (void)user;
  void *p = NULL;
  if (posix_memalign(&p, align, size ? size : align) != 0) return NULL;
  return p;
}

static void default_free(void *ptr, void *user) {
  (void)user;
  free(ptr);
}

static pv_allocator g_alloc = {default_alloc, default_free, NULL};

void pv_allocator_set(const pv_allocator *a) {
  if (a && a->alloc && a->free)
    g_alloc = *a;
  else
    g_alloc = (pv_allocator){default_alloc, default_free, NULL};
}

void pv_allocator_get(pv_allocator *a) {
  if (a) *a = g_alloc;
}

void *pv_malloc(size_t size) {
  void *p = g_alloc.alloc(size, PV_ALIGN, g_alloc.user);
  if (!p) PV_ERROR(PV_ENOMEM, "cannot allocate %zu bytes", size);
  return p;
}

void *pv_calloc(size_t count, size_t size) {
  if (size && count > SIZE_MAX / size) {
    PV_ERROR(PV_ENOMEM, "allocation of %zu x %zu bytes overflows", count, size);
    return NULL;
  }
  void *p = pv_malloc(count * size);
  if (p) memset(p, 0, count * size);
  return p;
}

void pv_free(void *ptr) {
  if (ptr) g_alloc.free(ptr, g_alloc.user);
}

char *pv_strdup(const char *s) {
  if (!s) return NULL;
  size_t n = strlen(s) + 1;
  char *d = pv_malloc(n);
  if (d) memcpy(d, s, n);
  return d;
}

int pv_realloc(void **ptr, size_t old_size, size_t new_size) {
  if (!ptr) return PV_ERROR(PV_EINVAL, "pv_realloc: NULL pointer");
  void *p = pv_malloc(new_size);
  if (!p) return PV_ENOMEM;
  if (*ptr) {
    memcpy(p, *ptr, old_size < new_size ? old_size : new_size);
    pv_free(*ptr);
  }
  *ptr = p;
  return PV_OK;
}
