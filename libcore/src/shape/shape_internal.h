/* shape/shape_internal.h - helpers shared by the refinement methods. */
#ifndef PV_SHAPE_INTERNAL_H
#define PV_SHAPE_INTERNAL_H
#include <parseval/shape.h>
/* C (k x k) = argmin || Phi_y[S, :k] C - B || (B ns x k, overwritten). */
int pv_shape_lstsq_fmap(const pv_shape_basis *by, const int64_t *S, int64_t ns, int k, double *B, double *C);
/* T[S[s]] = nearest row of Phi_x[R, :k] C^T to Phi_y[S[s], :k] (R NULL:
 * all of X); E (nr or n_x rows x k), Q (ns x k), PR (nr x k) are scratch. */
int pv_shape_p2p_samples(pv_ctx *ctx, const pv_shape_basis *bx, const pv_shape_basis *by, const int64_t *S,
                         int64_t ns, const int64_t *R, int64_t nr, int k, const double *C, double *E, double *Q,
                         double *PR, int64_t *T);
/* Candidates of the local point maps: o->local_candidates, or when 0
 * max(512, 10 ny / ns). */
int64_t pv_shape_local_candidates(const pv_shape_zoomout_options *o, int64_t ny, int64_t ns);
#endif
