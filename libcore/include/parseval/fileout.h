/* parseval/fileout.h - atomic file output and output-path checks.
 *
 * Outputs are never half-written: data goes to a temporary file in the same
 * folder, which is flushed, synced and renamed over the destination only on
 * commit. Abort, failure or a crash leaves the destination untouched. */
#ifndef PARSEVAL_FILEOUT_H
#define PARSEVAL_FILEOUT_H

#include <stdio.h>
#include <stddef.h>
#include <parseval/config.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct pv_fileout pv_fileout;

/* Check, before any work, that path can be written: its folder exists and is
 * writable, and path does not exist unless overwrite is nonzero (PV_EEXIST),
 * and is not a folder. Errors name the path. */
PV_API int pv_output_check(const char *path, int overwrite);

/* Open a temporary file beside path ("path.tmp-XXXXXX") after
 * pv_output_check. *out owned by the caller: finish with commit or abort. */
PV_API int pv_fileout_open(const char *path, int overwrite, pv_fileout **out);
/* The stdio stream of the temporary file (borrowed). */
PV_API FILE *pv_fileout_stream(pv_fileout *f);
/* The temporary file's path, for libraries that write by name (GDAL, HDF5);
 * close any handle on it before commit. Borrowed. */
PV_API const char *pv_fileout_tmp_path(const pv_fileout *f);
/* Flush, fsync and rename over the destination; on any failure the temporary
 * file is removed and the destination left as it was. Frees *f, sets NULL. */
PV_API int pv_fileout_commit(pv_fileout **f);
/* Remove the temporary file and free *f; NULL-safe. */
PV_API void pv_fileout_abort(pv_fileout **f);

/* Write n bytes atomically to path. */
PV_API int pv_file_write_atomic(const char *path, const void *data, size_t n,
                                int overwrite);
/* Read a whole file (at most max_bytes, else PV_EFORMAT naming the file) into
 * a pv_malloc'd, NUL-terminated buffer; *n excludes the NUL. */
PV_API int pv_file_read_all(const char *path, size_t max_bytes, char **data,
                            size_t *n);

#ifdef __cplusplus
}
#endif
#endif
