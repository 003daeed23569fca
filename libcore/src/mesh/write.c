/* mesh/write.c - OFF, OBJ and PLY (ASCII / binary little endian) writers. */
#include <stdio.h>
#include <string.h>

#include <parseval/error.h>
#include <parseval/fileout.h>
#include <parseval/mesh.h>

pv_mesh_format pv_mesh_format_from_name(const char *path);

static void write_off(FILE *fp, const pv_mesh *m) {
  fprintf(fp, "%s\n%lld %lld 0\n", m->rgb ? "COFF" : "OFF", (long long)m->nv, (long long)m->nf);
  for (int64_t i = 0; i < m->nv; i++) {
    fprintf(fp, "%.17g %.17g %.17g", m->v[3 * i], m->v[3 * i + 1], m->v[3 * i + 2]);
    if (m->rgb) fprintf(fp, " %d %d %d 255", m->rgb[3 * i], m->rgb[3 * i + 1], m->rgb[3 * i + 2]);
    fputc('\n', fp);
  }
  for (int64_t t = 0; t < m->nf; t++)
    fprintf(fp, "3 %lld %lld %lld\n", (long long)m->f[3 * t], (long long)m->f[3 * t + 1], (long long)m->f[3 * t + 2]);
}

static void write_obj(FILE *fp, const pv_mesh *m) {
  for (int64_t i = 0; i < m->nv; i++) {
    fprintf(fp, "v %.17g %.17g %.17g", m->v[3 * i], m->v[3 * i + 1], m->v[3 * i + 2]);
    if (m->rgb) fprintf(fp, " %.6g %.6g %.6g", m->rgb[3 * i] / 255.0, m->rgb[3 * i + 1] / 255.0, m->rgb[3 * i + 2] / 255.0);
    fputc('\n', fp);
  }
  for (int64_t t = 0; t < m->nf; t++)
    fprintf(fp, "f %lld %lld %lld\n", (long long)m->f[3 * t] + 1, (long long)m->f[3 * t + 1] + 1, (long long)m->f[3 * t + 2] + 1);
}

static void write_ply(FILE *fp, const pv_mesh *m, int binary) {
  unsigned one = 1;
  int host_le = *(unsigned char *)&one == 1;
  fprintf(fp, "ply\nformat %s 1.0\ncomment written by parseval\nelement vertex %lld\n"
              "property double x\nproperty double y\nproperty double z\n",
          binary ? (host_le ? "binary_little_endian" : "binary_big_endian") : "ascii", (long long)m->nv);
  if (m->rgb) fprintf(fp, "property uchar red\nproperty uchar green\nproperty uchar blue\n");
  fprintf(fp, "element face %lld\nproperty list uchar int vertex_indices\nend_header\n", (long long)m->nf);
  for (int64_t i = 0; i < m->nv; i++) {
    if (binary) {
      fwrite(m->v + 3 * i, sizeof(double), 3, fp);
      if (m->rgb) fwrite(m->rgb + 3 * i, 1, 3, fp);
    } else {
      fprintf(fp, "%.17g %.17g %.17g", m->v[3 * i], m->v[3 * i + 1], m->v[3 * i + 2]);
      if (m->rgb) fprintf(fp, " %d %d %d", m->rgb[3 * i], m->rgb[3 * i + 1], m->rgb[3 * i + 2]);
      fputc('\n', fp);
    }
  }
  for (int64_t t = 0; t < m->nf; t++) {
    if (binary) {
      unsigned char three = 3;
      int32_t idx[3] = {(int32_t)m->f[3 * t], (int32_t)m->f[3 * t + 1], (int32_t)m->f[3 * t + 2]};
      fwrite(&three, 1, 1, fp);
      fwrite(idx, sizeof(int32_t), 3, fp);
    } else {
      fprintf(fp, "3 %lld %lld %lld\n", (long long)m->f[3 * t], (long long)m->f[3 * t + 1], (long long)m->f[3 * t + 2]);
    }
  }
}

int pv_mesh_write(const pv_mesh *m, const char *path, pv_mesh_format fmt, int overwrite) {
  if (!m || !path) return PV_ERROR(PV_EINVAL, "pv_mesh_write: NULL argument");
  if (fmt == PV_MESH_AUTO) fmt = pv_mesh_format_from_name(path);
  if (fmt == PV_MESH_AUTO) return PV_ERROR(PV_EINVAL, "%s: cannot tell the mesh format from the name (use .off, .obj or .ply)", path);
  if (fmt == PV_MESH_PLY_BINARY && m->nv > INT32_MAX) return PV_ERROR(PV_EINVAL, "%s: %lld vertices exceed binary PLY int32 indices", path, (long long)m->nv);
  pv_fileout *fo;
  int rc = pv_fileout_open(path, overwrite, &fo);
  if (rc) return rc;
  FILE *fp = pv_fileout_stream(fo);
  if (fmt == PV_MESH_OFF) write_off(fp, m);
  else if (fmt == PV_MESH_OBJ) write_obj(fp, m);
  else write_ply(fp, m, fmt == PV_MESH_PLY_BINARY);
  if (ferror(fp)) {
    pv_fileout_abort(&fo);
    return PV_ERROR(PV_EIO, "%s: write failed", path);
  }
  return pv_fileout_commit(&fo);
}
