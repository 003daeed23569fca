/* ns_nn.h - the neural-operator verbs of ns-forecast (train, predict, eval)
 * on the nn module's FNO-2D (parseval/nn.h). */
#ifndef NS_NN_H
#define NS_NN_H

#include <parseval/parseval.h>

#define NS_N_TRAIN 40
#define NS_N_PREDICT 7
#define NS_N_EVAL 9
extern const pv_param ns_train_params[NS_N_TRAIN];
extern const pv_param ns_predict_params[NS_N_PREDICT];
extern const pv_param ns_eval_params[NS_N_EVAL];
int ns_run_train(pv_ctx *ctx, const pv_args *a);
/* The --lr given, else the optimiser's default (1e-3; 0.02 for Muon, AuON). */
double ns_train_lr(const pv_args *a);
int ns_run_predict(pv_ctx *ctx, const pv_args *a);
int ns_run_eval(pv_ctx *ctx, const pv_args *a);
/* ns_st.c: space-time models (FNO-3D, SFNO) and the Spectral-Refiner stage. */
int ns_run_train_st(pv_ctx *ctx, const pv_args *a);
int ns_run_finetune(pv_ctx *ctx, const pv_args *a);
/* Model name stored in checkpoint path into kind; PV_EINVAL naming both when
 * want is not "auto" and differs. */
int ns_model_kind(const char *path, const char *want, char *kind, size_t cap);
/* Float space-time model from a checkpoint on an n x n grid, batch per call;
 * *t_out <= 0: all frames after t0 + t_in of `times` (set on return). */
int ns_load_st(pv_ctx *ctx, const char *path, int n, int batch, int t0, int times, int *t_out,
               pv_nn_st **m, pv_nn_ns_norm *norm);
/* PNG of the per-epoch train loss and test error. */
int ns_loss_plot(const char *path, int overwrite, const pv_nn_ns_train_result *r);

/* Entries of the plugin's verb table. */
#define NS_NN_VERBS                                                                             \
  {"train", "train an FNO-2D, FNO-3D or SFNO forecaster on a dataset; --finetune: Spectral-Refiner stage",               \
   ns_train_params, NS_N_TRAIN, sizeof(pv_param), ns_run_train,                                 \
   "Input: t-in snapshots plus the grid; the model predicts the next one and is rolled out "   \
   "t-out steps; loss = sum over steps of relative L2 summed over the batch; Adam with L2 "    \
   "weight decay (or AdamW), lr times gamma every step-size epochs. The first ntrain samples " \
   "train, the last ntest test. OUTPUT is the checkpoint (HDF5, layout in parseval/nn.h); "   \
   "--checkpoint-every saves it during training and --resume --overwrite continues it. "    \
   "--model=fno3d|sfno trains a space-time model (t-in frames to the t-out block in one call; " \
   "same protocol, loss = relative L2 over the block). --finetune=BASE.h5 (an SFNO) instead "  \
   "refines the last ntest trajectories: the output layer's modes are widened, the rest "    \
   "frozen, and Adam minimises the H^-1 Navier-Stokes residual of each prediction "          \
   "(--residual-dt); OUTPUT holds base and refined predictions, stdout the errors."},     \
  {"predict", "roll a trained FNO-2D forward on dataset samples into HDF5 (+ PNGs)",           \
   ns_predict_params, NS_N_PREDICT, sizeof(pv_param), ns_run_predict, NULL},                   \
  {"eval", "relative L2 of a trained FNO-2D per forecast step and overall (JSON)",             \
   ns_eval_params, NS_N_EVAL, sizeof(pv_param), ns_run_eval,                                    \
   "The model runs on the dataset's grid: a dataset finer than the training grid gives the "   \
   "zero-shot super-resolution error (the weights do not depend on the grid). --classical "   \
   "also runs the pseudo-spectral solver from each sample's last input snapshot with the "    \
   "dataset's parameters and prints both errors per step and the cost side by side."}

#endif
