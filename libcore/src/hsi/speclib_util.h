/* speclib_util.h - small helpers shared by the spectral-library readers. */
#ifndef PV_HSI_SPECLIB_UTIL_H
#define PV_HSI_SPECLIB_UTIL_H
#include <stddef.h>

/* Largest spectra count and band count a library may have. */
#define PV_HSI_SPECLIB_MAX 65536

/* A pv_malloc'd copy of s[0..n) without leading/trailing white space; NULL
 * when out of memory. */
char *pv_hsi_speclib_trimdup(const char *s, size_t n);
/* pv_free each of s[0..n) and s itself; NULL-safe. */
void pv_hsi_speclib_free_strings(char **s, size_t n);
#endif
