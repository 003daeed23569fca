/* psh.h - the hsi-pansharpen application's pieces: one job carried from
 * the MS / PAN inputs to the outputs. */
#ifndef PV_PLUGIN_PSH_H
#define PV_PLUGIN_PSH_H

#include <parseval/json.h>
#include <parseval/pansharpen.h>
#include <parseval/parseval.h>
#include <parseval/provenance.h>
#include <parseval/raster.h>

typedef struct {
  pv_ctx *ctx;
  const pv_args *args;
  const char *ms_path, *pan_path;
  size_t bands, wl, hl, w, h;
  int ratio;
  pv_raster_cube ms;            /* low-resolution MS, f64 */
  pv_raster_cube pan;           /* PAN, f64 (data NULL when streamed) */
  pv_raster_meta out_meta;      /* MS band fields + PAN georeferencing */
  double *gnyq_ms, gnyq_pan;    /* [bands] MTF gains */
  double *weights;              /* [bands] Brovey weights, or NULL */
  pv_psh_options opt;
  int streamed;                 /* Brovey streamed from the PAN raster */
  size_t masked;                /* invalid output pixels (in memory) */
  double seconds;
} psh_job;

/* Load MS (whole, low resolution) and PAN (whole unless streamed), check
 * and derive the ratio from georeferencing or sizes, build the output
 * metadata, the gains and the weights. stream_ok: Brovey may stream. */
int psh_load(psh_job *j, int stream_ok);
void psh_job_free(psh_job *j);
/* Fuse and write the output raster (in memory, or streamed for Brovey). */
int psh_run(psh_job *j, const char *out_path, const pv_provenance *prov, double **fused);
/* Report folder: quicklooks (PAN, interpolated MS, fused) and indexes.json. */
int psh_report(psh_job *j, const char *dir, const double *fused, const pv_provenance *prov);
/* The full-resolution scores as one JSON object (after a key). */
void psh_json_fr(pv_json *js, const pv_psh_fr_scores *s);
/* Method names of a comma-separated list into m[] (at most max); count. */
int psh_methods(const char *list, pv_psh_method *m, int max, int *count);
#endif
