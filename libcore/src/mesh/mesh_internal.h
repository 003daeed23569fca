/* mesh/mesh_internal.h - shared pieces of the mesh readers: a text cursor
 * over an in-memory file with C-locale number parsing, and growable arrays. */
#ifndef PV_MESH_INTERNAL_H
#define PV_MESH_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include <parseval/mesh.h>

/* A read position in data[0..n); line counts from 1. */
typedef struct pv_mcur {
  const char *p, *end;
  const char *name;
  int64_t line;
} pv_mcur;

void pv_mcur_init(pv_mcur *c, const char *data, size_t n, const char *name);
/* Skip blanks; with `lines` also newlines and '#' comments. */
void pv_mcur_skip(pv_mcur *c, int lines);
/* 1 when the cursor is at the end of data (after pv_mcur_skip). */
int pv_mcur_eof(const pv_mcur *c);
/* Next whitespace-delimited token: *tok, *len (0 at end of line/data). */
void pv_mcur_token(pv_mcur *c, const char **tok, size_t *len);
/* Move past the end of the current line. */
void pv_mcur_next_line(pv_mcur *c);
/* Parse a token as a finite double / integer; what names the field. */
int pv_mcur_double(pv_mcur *c, int lines, const char *what, double *out);
int pv_mcur_int(pv_mcur *c, int lines, const char *what, int64_t *out);
/* Parse tok[0..len) (C locale); 0 on success, -1 when not a number. */
int pv_parse_double(const char *tok, size_t len, double *out);
int pv_parse_int(const char *tok, size_t len, int64_t *out);

/* Growable arrays used by readers that do not know counts upfront. */
typedef struct pv_dvec { double *d; int64_t n, cap; } pv_dvec;
typedef struct pv_ivec { int64_t *d; int64_t n, cap; } pv_ivec;
int pv_dvec_push(pv_dvec *a, double x);
int pv_ivec_push(pv_ivec *a, int64_t x);
/* Move the triangle list tri (3 indices per face) into m, replacing its
 * faces; tri is left empty. PV_ENOMEM when tri was empty and the
 * placeholder allocation failed. */
int pv_mesh_adopt_faces(pv_mesh *m, pv_ivec *tri);

/* A colour channel (0..255 scale) as a byte: clamped, NaN -> 0. */
static inline unsigned char pv_mesh_color_byte(double x) {
  return !(x >= 0) ? 0 : x > 255 ? 255 : (unsigned char)x;
}
/* Check index/coordinate sanity after a reader filled m; names the file. */
int pv_mesh_validate_read(const pv_mesh *m, const char *name);

int pv_mesh_read_off(const char *data, size_t n, const char *name, pv_mesh **out);
int pv_mesh_read_obj(const char *data, size_t n, const char *name, pv_mesh **out);
int pv_mesh_read_ply(const char *data, size_t n, const char *name, pv_mesh **out);

#endif
