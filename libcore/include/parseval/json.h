/* parseval/json.h - a small streaming JSON builder.
 *
 * Values are appended in document order into a growing buffer the builder
 * owns. Strings are escaped (quote, backslash, control characters as \uXXXX,
 * invalid UTF-8 replaced by U+FFFD, U+2028/2029 escaped), numbers are written
 * in the C locale with the fewest digits that read back to the same double,
 * and non-finite numbers are written as null. The builder checks structure
 * (a key before every object member, containers closed in order); the first
 * error sticks and every later call returns it. */
#ifndef PARSEVAL_JSON_H
#define PARSEVAL_JSON_H

#include <stddef.h>
#include <stdint.h>
#include <parseval/config.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Deepest nesting of objects/arrays a builder accepts. */
#define PV_JSON_MAX_DEPTH 64

typedef struct pv_json pv_json;

/* New empty builder. indent 0 writes compact JSON, 1..8 pretty-prints with
 * that many spaces per level. *out owned by the caller. */
PV_API int pv_json_create(int indent, pv_json **out);
/* Free the builder and its text; NULL-safe; sets *j to NULL. */
PV_API void pv_json_destroy(pv_json **j);

/* Open / close a container. */
PV_API int pv_json_object_begin(pv_json *j);
PV_API int pv_json_object_end(pv_json *j);
PV_API int pv_json_array_begin(pv_json *j);
PV_API int pv_json_array_end(pv_json *j);

/* Name of the next member inside an object (escaped like any string). */
PV_API int pv_json_key(pv_json *j, const char *key);

/* Scalar values. s NULL writes null; pv_json_number writes null for NaN/inf. */
PV_API int pv_json_string(pv_json *j, const char *s);
PV_API int pv_json_string_n(pv_json *j, const char *s, size_t n);
PV_API int pv_json_number(pv_json *j, double v);
PV_API int pv_json_int(pv_json *j, int64_t v);
PV_API int pv_json_uint(pv_json *j, uint64_t v);
PV_API int pv_json_bool(pv_json *j, int v);
PV_API int pv_json_null(pv_json *j);
/* Insert an already serialised JSON value (for example pv_build_info_json());
 * the caller vouches that it is valid JSON. */
PV_API int pv_json_raw(pv_json *j, const char *json);

/* An array of n numbers (NaN/inf as null): [v0, v1, ...]. */
PV_API int pv_json_numbers(pv_json *j, const double *v, size_t n);

/* Shortcuts: key then value. */
PV_API int pv_json_kv_string(pv_json *j, const char *key, const char *s);
PV_API int pv_json_kv_number(pv_json *j, const char *key, double v);
PV_API int pv_json_kv_int(pv_json *j, const char *key, int64_t v);

/* The text written so far (borrowed until the next call on j; "" when
 * empty); *len (may be NULL) gets its length. */
PV_API const char *pv_json_text(const pv_json *j, size_t *len);
/* Status of the builder: 0, or the first error it met. */
PV_API int pv_json_status(const pv_json *j);
/* Check that exactly one complete top-level value was written (a trailing
 * newline is added); PV_EINVAL otherwise. */
PV_API int pv_json_finish(pv_json *j);
/* pv_json_finish, then write the text atomically to path. */
PV_API int pv_json_write_file(pv_json *j, const char *path, int overwrite);

/* Format v in the C locale with the fewest significant digits (<= 17) that
 * read back exactly; "null" for NaN/inf. buf needs >= 32 bytes. Returns the
 * length written. */
PV_API size_t pv_json_format_double(double v, char *buf, size_t cap);

#ifdef __cplusplus
}
#endif
#endif
