/* ns_nn.h - the neural-operator verbs of ns-forecast (train, predict, eval)
 * on the nn module's FNO-2D (parseval/nn.h). */
#ifndef NS_NN_H
#define NS_NN_H

#include <parseval/parseval.h>

#define NS_N_TRAIN 23
#define NS_N_PREDICT 6
#define NS_N_EVAL 8
extern const pv_param ns_train_params[NS_N_TRAIN];
extern const pv_param ns_predict_params[NS_N_PREDICT];
extern const pv_param ns_eval_params[NS_N_EVAL];
int ns_run_train(pv_ctx *ctx, const pv_args *a);
int ns_run_predict(pv_ctx *ctx, const pv_args *a);
int ns_run_eval(pv_ctx *ctx, const pv_args *a);

/* Entries of the plugin's verb table. */
#define NS_NN_VERBS                                                                             \
  {"train", "train an FNO-2D forecaster on a dataset (FNO's recurrent protocol)",              \
   ns_train_params, NS_N_TRAIN, sizeof(pv_param), ns_run_train,                                 \
   "Input: t-in snapshots plus the grid; the model predicts the next one and is rolled out "   \
   "t-out steps; loss = sum over steps of relative L2 summed over the batch; Adam with L2 "    \
   "weight decay (or AdamW), lr times gamma every step-size epochs. The first ntrain samples " \
   "train, the last ntest test. OUTPUT is the checkpoint (HDF5, layout in parseval/nn.h); "   \
   "--checkpoint-every saves it during training and --resume --overwrite continues it."},     \
  {"predict", "roll a trained FNO-2D forward on dataset samples into HDF5 (+ PNGs)",           \
   ns_predict_params, NS_N_PREDICT, sizeof(pv_param), ns_run_predict, NULL},                   \
  {"eval", "relative L2 of a trained FNO-2D per forecast step and overall (JSON)",             \
   ns_eval_params, NS_N_EVAL, sizeof(pv_param), ns_run_eval,                                    \
   "The model runs on the dataset's grid: a dataset finer than the training grid gives the "   \
   "zero-shot super-resolution error (the weights do not depend on the grid). --classical "   \
   "also runs the pseudo-spectral solver from each sample's last input snapshot with the "    \
   "dataset's parameters and prints both errors per step and the cost side by side."}

#endif
