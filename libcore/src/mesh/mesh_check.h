/* mesh/mesh_check.h - helpers shared by check.c and repair.c. */
#ifndef PV_MESH_CHECK_H
#define PV_MESH_CHECK_H
#include <parseval/mesh.h>
/* rep[i] = smallest index of a vertex bitwise equal to vertex i. */
int pv_mesh_dup_vertices(const pv_mesh *m, int64_t *rep);
/* Per-face status: 0 ok, 1 repeated corner, 2 zero area, 3 duplicate. */
int pv_mesh_face_status(const pv_mesh *m, unsigned char *st);
double pv_mesh_tri_area(const pv_mesh *m, int64_t t);
double pv_mesh_bbox_diag(const pv_mesh *m);
#endif
