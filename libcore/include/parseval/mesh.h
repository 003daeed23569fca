/* parseval/mesh.h - triangle meshes and point clouds: OFF, OBJ and PLY
 * (ASCII, binary little/big endian) readers and writers, validation and
 * repair.
 *
 * A mesh is nv vertices (x, y, z row-major, double, file units) and nf
 * triangles (three 0-based vertex indices each). nf == 0 is a point cloud.
 * Polygons with more than three corners are fan-triangulated on reading.
 * Optional per-vertex colours are 8-bit RGB (NULL when absent). */
#ifndef PARSEVAL_MESH_H
#define PARSEVAL_MESH_H

#include <stddef.h>
#include <stdint.h>

#include <parseval/config.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A mesh; all arrays owned by the mesh (pv_malloc). */
typedef struct pv_mesh {
  int64_t nv;           /* vertices */
  int64_t nf;           /* triangles (0: point cloud) */
  double *v;            /* nv x 3 coordinates, row-major */
  int64_t *f;           /* nf x 3 vertex indices, 0-based */
  unsigned char *rgb;   /* nv x 3 colours or NULL */
} pv_mesh;

/* Largest file a reader accepts (bytes) and largest element counts. */
#define PV_MESH_MAX_BYTES ((size_t)1 << 31)
#define PV_MESH_MAX_ELEMENTS ((int64_t)1 << 28)

typedef enum {
  PV_MESH_AUTO = 0, /* from the file name's extension (reading: also content) */
  PV_MESH_OFF,
  PV_MESH_OBJ,
  PV_MESH_PLY,        /* reading: any PLY; writing: ASCII */
  PV_MESH_PLY_BINARY  /* writing: binary little endian */
} pv_mesh_format;

/* A mesh with room for nv vertices and nf triangles (contents zeroed), with
 * a colour array when with_rgb. *out owned by the caller. */
PV_API int pv_mesh_create(int64_t nv, int64_t nf, int with_rgb, pv_mesh **out);
/* Free a mesh; NULL-safe; sets *m to NULL. */
PV_API void pv_mesh_destroy(pv_mesh **m);
/* Deep copy. */
PV_API int pv_mesh_copy(const pv_mesh *m, pv_mesh **out);

/* Read a mesh file. Errors (PV_EIO, PV_EFORMAT) name the file, the line or
 * byte offset and the field: "a.ply: face 12: vertex index 9001 >= 5000".
 * Coordinates must be finite; indices in range; counts within limits. */
PV_API int pv_mesh_read(const char *path, pv_mesh_format fmt, pv_mesh **out);
/* Parse a file already in memory (data[n], borrowed; need not be
 * NUL-terminated). name is used in messages only. fmt AUTO sniffs the
 * content (magic "ply", "OFF", else OBJ). */
PV_API int pv_mesh_read_mem(const char *data, size_t n, pv_mesh_format fmt,
                            const char *name, pv_mesh **out);
/* Write atomically (never overwrites unless overwrite != 0). Coordinates are
 * written with 17 significant digits in text formats (exact round trip). */
PV_API int pv_mesh_write(const pv_mesh *m, const char *path, pv_mesh_format fmt,
                         int overwrite);

/* ---- validation and repair -------------------------------------------- */

/* What pv_mesh_check found. Counts, not lists. */
typedef struct pv_mesh_report {
  size_t struct_size;          /* sizeof(pv_mesh_report) */
  int64_t nonfinite_vertices;  /* NaN/inf coordinates */
  int64_t bad_indices;         /* triangles indexing outside [0, nv) */
  int64_t duplicate_vertices;  /* vertices equal to an earlier one (bitwise) */
  int64_t degenerate_faces;    /* a repeated corner index */
  int64_t zero_area_faces;     /* area <= area_eps * (bbox diagonal)^2, distinct corners */
  int64_t duplicate_faces;     /* same corner set as an earlier triangle */
  int64_t unreferenced_vertices; /* in no triangle (0 for point clouds) */
  int64_t nonmanifold_edges;   /* edges shared by more than two triangles */
  int64_t boundary_edges;      /* edges of exactly one triangle */
  int64_t components;          /* connected components (through triangles) */
  double area;                 /* total surface area */
} pv_mesh_report;

#define PV_MESH_REPORT_INIT { sizeof(pv_mesh_report), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }

#define PV_MESH_AREA_EPS 1e-14

/* Inspect a mesh; never modifies it. */
PV_API int pv_mesh_check(const pv_mesh *m, pv_mesh_report *rep);

/* Repairs, any combination. */
enum {
  PV_MESH_REPAIR_MERGE_DUPLICATES = 1,  /* weld bitwise-equal vertices */
  PV_MESH_REPAIR_DROP_DEGENERATE = 2,   /* drop repeated-corner, zero-area
                                           and duplicate triangles */
  PV_MESH_REPAIR_DROP_UNREFERENCED = 4, /* drop vertices in no triangle */
  PV_MESH_REPAIR_LARGEST_COMPONENT = 8, /* keep the component of largest area */
  PV_MESH_REPAIR_ALL = 15
};

/* Apply the repairs in `what` in place (non-finite vertices and bad indices
 * are errors, not repairable). vmap (may be NULL) receives, for each original
 * vertex, its new index or -1 when it was removed; it must hold the original
 * nv entries. *changed (may be NULL) counts removed vertices + faces. */
PV_API int pv_mesh_repair(pv_mesh *m, unsigned what, int64_t *vmap,
                          int64_t *changed);

/* Per-vertex connected component labels (0..ncomp-1, by first vertex) and
 * their number; label[nv] caller-owned. */
PV_API int pv_mesh_components(const pv_mesh *m, int64_t *label, int64_t *ncomp);

/* Total area (sum of triangle areas). */
PV_API double pv_mesh_area(const pv_mesh *m);

#ifdef __cplusplus
}
#endif
#endif /* PARSEVAL_MESH_H */
