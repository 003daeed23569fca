/* Fuzz one mesh reader (PV_FUZZ_MESH_FORMAT, set per target by CMake): any
 * bytes must give a mesh that passes validation or a clean error, never a
 * crash or leak; a parsed mesh is also checked and repaired. */
#include <stddef.h>
#include <stdint.h>

#include <parseval/error.h>
#include <parseval/mesh.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  pv_mesh *m = NULL;
  if (pv_mesh_read_mem((const char *)data, size, PV_FUZZ_MESH_FORMAT, "fuzz-mesh", &m) == 0) {
    pv_mesh_report r = PV_MESH_REPORT_INIT;
    if (pv_mesh_check(m, &r) || r.bad_indices || r.nonfinite_vertices) __builtin_trap();
    pv_mesh_repair(m, PV_MESH_REPAIR_ALL, NULL, NULL);
  }
  pv_mesh_destroy(&m);
  pv_error_clear();
  return 0;
}
