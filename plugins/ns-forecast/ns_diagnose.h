/* ns_diagnose.h - `ns-forecast diagnose`: per-layer weight spectra of a
 * trained FNO-2D checkpoint (parseval/nn_diag.h). */
#ifndef NS_DIAGNOSE_H
#define NS_DIAGNOSE_H

#include <parseval/parseval.h>

#define NS_N_DIAGNOSE 3
extern const pv_param ns_diagnose_params[NS_N_DIAGNOSE];
int ns_run_diagnose(pv_ctx *ctx, const pv_args *a);

#define NS_DIAGNOSE_VERB                                                                        \
  {"diagnose", "per-layer weight spectra of a trained FNO-2D (table, JSON, PNG)",              \
   ns_diagnose_params, NS_N_DIAGNOSE, sizeof(pv_param), ns_run_diagnose,                        \
   "For every weight matrix: spectral norm, effective rank, alpha-ReQ and the heavy-tail "    \
   "power-law alpha of the FARMS-pooled eigenvalues (parseval/nn_diag.h). Spectral weights "   \
   "are analysed as one complex in x out matrix per Fourier mode (singular values from the "   \
   "real stacked form, each kept once); the table shows the largest norm and the mean "        \
   "effective rank and alpha-ReQ over the modes, the JSON every mode's."}

#endif
