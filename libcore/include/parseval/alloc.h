/* parseval/alloc.h - aligned allocation through one hookable allocator.
 *
 * All memory libparseval allocates passes through pv_malloc/pv_free, so a
 * test can install an allocator that fails on a countdown and check that
 * every error path cleans up. Blocks are aligned to PV_ALIGN bytes (SIMD,
 * FFTW). Install a hook before any other call, never while threads run. */
#ifndef PARSEVAL_ALLOC_H
#define PARSEVAL_ALLOC_H

#include <stddef.h>
#include <parseval/config.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PV_ALIGN 64

/* alloc returns a block of size bytes aligned to align (a power of two), or
 * NULL; free releases a block from alloc (NULL-safe). user is passed back. */
typedef struct pv_allocator {
  void *(*alloc)(size_t size, size_t align, void *user);
  void (*free)(void *ptr, void *user);
  void *user;
} pv_allocator;

/* Install a (copied) allocator; NULL restores the default (posix_memalign). */
PV_API void pv_allocator_set(const pv_allocator *a);
/* The allocator in use (copied into *a). */
PV_API void pv_allocator_get(pv_allocator *a);

/* size bytes aligned to PV_ALIGN; NULL on failure (records PV_ENOMEM).
 * size 0 returns a unique valid block. Release with pv_free. */
PV_API void *pv_malloc(size_t size);
/* count * size zeroed bytes, overflow-checked; NULL on failure. */
PV_API void *pv_calloc(size_t count, size_t size);
/* Release a block from pv_malloc/pv_calloc/pv_strdup; NULL-safe. */
PV_API void pv_free(void *ptr);
/* Copy of a NUL-terminated string (NULL in, NULL out); release with pv_free. */
PV_API char *pv_strdup(const char *s);
/* Resize keeping the first min(old, new) bytes; old_size is the caller's
 * record of the block's size. On failure *ptr is unchanged. */
PV_API int pv_realloc(void **ptr, size_t old_size, size_t new_size);

#ifdef __cplusplus
}
#endif
#endif
