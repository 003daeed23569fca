/* parseval/provenance.h - the provenance record written with every output,
 * and the SHA-256 digest it uses for input checksums.
 *
 * A record holds: application and verb, library version (pv_version), seed,
 * creation date (UTC, ISO 8601 "2026-11-27T01:02:03Z"), host name, the
 * canonical text of every parameter, and each input file's path, size and
 * SHA-256. It serialises as one JSON object (pv_provenance_to_json) and as
 * flat key/value pairs for formats that carry text metadata (GeoTIFF/ENVI
 * metadata items, HDF5 attributes, PNG tEXt chunks). Keys of the pairs:
 *   parseval.app  parseval.verb  parseval.version  parseval.date
 *   parseval.host  parseval.seed  parseval.param.<name>
 *   parseval.input.<k>.path  parseval.input.<k>.sha256  parseval.input.<k>.bytes
 * Keys are ASCII [a-z0-9._-]; values are UTF-8 text as given (a path may
 * hold any byte: a consumer whose format forbids newlines must escape). */
#ifndef PARSEVAL_PROVENANCE_H
#define PARSEVAL_PROVENANCE_H

#include <stddef.h>
#include <stdint.h>
#include <parseval/config.h>
#include <parseval/ctx.h>
#include <parseval/json.h>
#include <parseval/plugin.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- SHA-256 (FIPS 180-4) -------------------------------------------- */

/* Incremental state; a plain value, no allocation. */
typedef struct pv_sha256_state {
  uint32_t h[8];
  uint64_t nbytes;          /* message bytes seen */
  unsigned char block[64];  /* pending partial block */
  size_t fill;              /* bytes in block */
} pv_sha256_state;

PV_API void pv_sha256_init(pv_sha256_state *s);
/* Hash n more bytes of data (borrowed). */
PV_API void pv_sha256_update(pv_sha256_state *s, const void *data, size_t n);
/* Finish and write the 32-byte digest; s must be re-initialised to reuse. */
PV_API void pv_sha256_final(pv_sha256_state *s, unsigned char digest[32]);
/* One-shot digest of n bytes. */
PV_API void pv_sha256(const void *data, size_t n, unsigned char digest[32]);
/* 64 lowercase hex digits plus NUL. */
PV_API void pv_sha256_hex(const unsigned char digest[32], char hex[65]);
/* Digest of a whole file as hex; *bytes (may be NULL) gets its size.
 * PV_ENOTFOUND / PV_EIO name the file. */
PV_API int pv_sha256_file(const char *path, char hex[65], uint64_t *bytes);

/* ---- Provenance record ----------------------------------------------- */

typedef struct pv_provenance pv_provenance;

/* New record for application `app`, verb `verb` (either may be NULL):
 * version, current UTC date and host name filled in, seed 0, no parameters,
 * no inputs. *out owned by the caller. */
PV_API int pv_provenance_create(const char *app, const char *verb, pv_provenance **out);
/* NULL-safe; sets *p to NULL. */
PV_API void pv_provenance_destroy(pv_provenance **p);

/* The complete record of a verb's run: pv_provenance_create, the seed of
 * ctx (ctx may be NULL: seed 0), the canonical text (pv_args_text) of every
 * parameter of params[0..n) present in args, and a checksum of every input
 * parameter of path type that names a regular file. params is the verb's
 * own table (current layout). */
PV_API int pv_provenance_from_args(const pv_ctx *ctx, const char *app, const char *verb,
                                   const pv_param *params, size_t n,
                                   const pv_args *args, pv_provenance **out);

PV_API int pv_provenance_set_seed(pv_provenance *p, uint64_t seed);
/* Replace the date (any text; for reruns and reproducible tests). */
PV_API int pv_provenance_set_date(pv_provenance *p, const char *date);
/* Record parameter `name` ([a-z0-9_-]+) with its text value; a second call
 * with the same name replaces the value. */
PV_API int pv_provenance_set_param(pv_provenance *p, const char *name, const char *value);
/* Record an input: its path, size and SHA-256 when it is a regular file
 * (other names, such as GDAL subdataset strings, get no checksum). PV_EIO
 * when a regular file cannot be read. */
PV_API int pv_provenance_add_input(pv_provenance *p, const char *path);

/* Flat pairs (see the header comment), in a stable order. */
PV_API size_t pv_provenance_count(const pv_provenance *p);
/* Pair i (0-based); key/value borrowed until the record changes.
 * PV_EINVAL when i is out of range. */
PV_API int pv_provenance_pair(const pv_provenance *p, size_t i, const char **key,
                              const char **value);
/* Value of the pair named key, or NULL. Borrowed. */
PV_API const char *pv_provenance_get(const pv_provenance *p, const char *key);

/* Append the record as one JSON object value to j:
 * {"app", "verb", "parseval_version", "date", "host", "seed",
 *  "parameters": {name: text}, "inputs": [{"path", "bytes", "sha256"}]} */
PV_API int pv_provenance_to_json(const pv_provenance *p, pv_json *j);
/* The record as compact JSON text (no newline); *text pv_malloc'd, owned by
 * the caller (pv_free). */
PV_API int pv_provenance_json_text(const pv_provenance *p, char **text);
/* Write {"provenance": record} as a pretty JSON file, atomically. */
PV_API int pv_provenance_write_json(const pv_provenance *p, const char *path, int overwrite);
/* Sidecar name of a data file: "<path>.json" (pv_malloc'd, caller frees). */
PV_API int pv_provenance_sidecar_path(const char *path, char **out);

#ifdef __cplusplus
}
#endif
#endif
