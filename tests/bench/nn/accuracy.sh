#!/bin/sh
# accuracy.sh - issue #6 accuracy protocol: FNO-2D trained by parseval vs the PyTorch peer
# (../shared/peers/ns/fno2d_train.py) on the same Navier-Stokes data, same split and protocol.
#
#   tests/bench/nn/accuracy.sh BUILD_DIR WORK_DIR
#
# BUILD_DIR: a Release build (bin/parseval and the ns-forecast plugin built);
# WORK_DIR:  data, models, logs and results (created; ~150 MB of data).
#
# Protocol (issue #6): nu = 1e-3, 64 x 64, 10 input + 10 forecast steps (t = 1..10 -> 11..20),
# 150 samples: the first 100 train, the last 50 test; 30 epochs, batch 20, Adam lr 1e-3 with
# L2 weight decay 1e-4 (torch.optim.Adam's weight_decay), lr halved every 10 epochs; loss =
# sum over the rollout steps of the relative L2 summed over the batch; no normalisation.
# Metric: relative L2 of the whole 10-step predicted trajectory, averaged over the 50 test
# samples (our train verb prints it; `eval` recomputes it from the saved model as a check).
#
# Steps, strictly one process at a time (each is skipped when its result file exists, so an
# interrupted run is continued by rerunning the same command):
#   1. data: `simulate` 150 samples of the FNO setting (GRF alpha 2.5, tau 7, FNO forcing,
#      nu 1e-3, a snapshot every time unit, t = 0 of the file = t = 1 of the solve, as FNO's
#      .mat) solved at 64 x 64 in f64 with IF-RK4, dt 0.01 (matches a 256 x 256 solve
#      sub-sampled to 64 x 64 to ~1e-9, far below the errors compared); `export` to .npy;
#   2. for each seed in SEEDS: ours (train + eval), then the peer, alternating so that both
#      see the same machine load;
#   3. for each optimiser in OPTIMIZERS and each seed in OPT_SEEDS: ours with --optimizer
#      (the peer has Adam only);
#   4. the table: test error per run, mean, sample standard deviation, min-max, wall time,
#      and the ratio of our Adam mean to the peer's mean (goal: within 5 %).
#
# Environment (defaults in brackets): SEEDS ["0 1 2"], OPTIMIZERS ["muon conda auon"],
# OPT_SEEDS ["0"], OPT_LR [unset: the protocol's 1e-3; set: that --lr for the optimiser runs,
# labelled OPTIMIZER@LR], EPOCHS [30], THREADS [1] (ours --threads and the peer's torch threads),
# PEER [../shared/peers/ns/fno2d_train.py beside the repository, else /work/shared/...],
# PYTHON [/usr/bin/python3], TABLE_ONLY [0] (1: print the table of the results so far).
# Each run's log is WORK_DIR/logs/NAME.log; its result line is WORK_DIR/res/NAME.txt:
#   name side optimizer seed test_rel_l2 eval_rel_l2 final_train_loss wall_s median_epoch_s
#   load_before load_after
set -eu

[ $# -eq 2 ] || { sed -n '2,12p' "$0"; exit 2; }
BUILD=$(cd "$1" && pwd)
mkdir -p "$2"
WORK=$(cd "$2" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
PV="$BUILD/bin/parseval"
SEEDS=${SEEDS:-"0 1 2"}
OPTIMIZERS=${OPTIMIZERS:-"muon conda auon"}
OPT_SEEDS=${OPT_SEEDS:-"0"}
EPOCHS=${EPOCHS:-30}
THREADS=${THREADS:-1}
PYTHON=${PYTHON:-/usr/bin/python3}
PEER=${PEER:-"$HERE/../../../../shared/peers/ns/fno2d_train.py"}
[ -f "$PEER" ] || PEER=/work/shared/peers/ns/fno2d_train.py
DATA="$WORK/ns1e-3_64_150.h5"
NPY="$WORK/ns1e-3_64_150.npy"
export OMP_NUM_THREADS="$THREADS" OMP_WAIT_POLICY=passive OPENBLAS_NUM_THREADS=1
mkdir -p "$WORK/logs" "$WORK/res" "$WORK/models"

now() { date +%s.%N; }
load1() { cut -d' ' -f1 /proc/loadavg; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

data() {
  [ -f "$NPY" ] && return 0
  echo "== data: 150 samples, 64 x 64, t = 1..20" >&2
  "$PV" --threads="$THREADS" --seed=0 ns-forecast simulate --n=64 --stride=1 --samples=150 \
    --nt=19 --warmup=1 --dt=0.01 --scheme=ifrk4 --precision=f64 --reproducible "$DATA" \
    > "$WORK/logs/simulate.log" 2>&1
  "$PV" ns-forecast export --t-begin=0 "$DATA" "$NPY" >> "$WORK/logs/simulate.log" 2>&1
}

# ours NAME OPTIMIZER SEED [LR]   (the table labels a run with LR as OPTIMIZER@LR)
ours() {
  res="$WORK/res/$1.txt"
  [ -f "$res" ] && return 0
  lr=${4:-1e-3}
  label=$2${4:+@$4}
  echo "== $1: parseval, optimizer $2, lr $lr, seed $3 ($(date -u +%H:%M:%S) UTC," \
    "load $(load1))" >&2
  l0=$(load1); t0=$(now)
  "$PV" --threads="$THREADS" --seed="$3" --overwrite --verbose ns-forecast train \
    --ntrain=100 --ntest=50 --epochs="$EPOCHS" --optimizer="$2" --lr="$lr" \
    --metrics="$WORK/logs/$1.csv" "$DATA" "$WORK/models/$1.h5" > "$WORK/logs/$1.log" 2>&1
  t1=$(now); l1=$(load1)
  "$PV" --threads="$THREADS" --overwrite ns-forecast eval --samples=50 --t-out=10 \
    "$WORK/models/$1.h5" "$DATA" "$WORK/logs/$1.eval.json" > /dev/null 2>> "$WORK/logs/$1.log"
  line=$(grep '"test_rel_l2"' "$WORK/logs/$1.log" | tail -1)
  get() { echo "$line" | sed -n "s/.*\"$1\": *\([^,}]*\).*/\1/p"; }
  ev=$(sed -n 's/^ *"rel_l2": *\([^,]*\),*/\1/p' "$WORK/logs/$1.eval.json")
  echo "$1 parseval $label $3 $(get test_rel_l2) $ev $(get train_loss) $(elapsed "$t0" "$t1")" \
    "$(get median_epoch_s) $l0 $l1" > "$res"
}

# peer NAME SEED
peer() {
  res="$WORK/res/$1.txt"
  [ -f "$res" ] && return 0
  echo "== $1: PyTorch peer, Adam, seed $2 ($(date -u +%H:%M:%S) UTC, load $(load1))" >&2
  l0=$(load1); t0=$(now)
  "$PYTHON" "$PEER" "$NPY" --ntrain 100 --ntest 50 --epochs "$EPOCHS" --threads "$THREADS" \
    --seed "$2" > "$WORK/logs/$1.log" 2>&1
  t1=$(now); l1=$(load1)
  line=$(grep '^peer=' "$WORK/logs/$1.log" | tail -1)
  get() { echo "$line" | sed -n "s/.*$1=\([^ ]*\).*/\1/p"; }
  tl=$(sed -n 's/.*train_step_loss=\([^ ]*\).*/\1/p' "$WORK/logs/$1.log" | tail -1)
  echo "$1 pytorch adam $2 $(get test_rel_l2) - $tl $(elapsed "$t0" "$t1")" \
    "$(get median_epoch_s) $l0 $l1" > "$res"
}

table() {
  echo "runs (test_rel_l2 = train verb's final test error; eval = recomputed from the model):"
  printf '%-20s %-9s %-9s %4s %9s %9s %9s %8s %7s %s\n' \
    name side optim seed test eval train_loss wall_s epoch_s load
  cat "$WORK"/res/*.txt 2>/dev/null | sort -k2,2 -k3,3 -k4,4n | awk '{
    e = ($6 == "-") ? "-" : sprintf("%.6g", $6)
    printf "%-20s %-9s %-9s %4s %9s %9s %9s %8s %7s %s-%s\n",
           $1, $2, $3, $4, $5, e, $7, $8, $9, $10, $11 }'
  echo
  echo "summary (mean, sample std, min-max over seeds; ratio = mean / PyTorch Adam mean):"
  printf '%-18s %5s %9s %9s %19s %9s %8s\n' "side optimizer" runs mean std min-max ratio wall_s
  cat "$WORK"/res/*.txt 2>/dev/null | awk '
    { k = $2 " " $3; n[k]++; s[k] += $5; q[k] += $5 * $5; w[k] += $8
      if (!(k in lo) || $5 < lo[k]) lo[k] = $5; if (!(k in hi) || $5 > hi[k]) hi[k] = $5 }
    END {
      ref = ("pytorch adam" in n) ? s["pytorch adam"] / n["pytorch adam"] : 0
      for (k in n) {
        m = s[k] / n[k]; v = (n[k] > 1) ? (q[k] - n[k] * m * m) / (n[k] - 1) : 0
        sd = (v > 0) ? sqrt(v) : 0; r = (ref > 0) ? sprintf("%.3f", m / ref) : "-"
        printf "%-18s %5d %9.5f %9.5f %9.5f-%-9.5f %9s %8.0f\n", k, n[k], m, sd, lo[k], hi[k], r,
               w[k] / n[k]
      }
    }' | sort
  # Adam: our mean minus the peer's, with its standard error (Welch), to judge the ratio
  cat "$WORK"/res/*.txt 2>/dev/null | awk '
    $3 == "adam" { k = $2; n[k]++; s[k] += $5; q[k] += $5 * $5 }
    END {
      if (n["parseval"] < 2 || n["pytorch"] < 2) exit
      for (k in n) { m[k] = s[k] / n[k]; v[k] = (q[k] - n[k] * m[k] * m[k]) / (n[k] - 1) }
      d = m["parseval"] - m["pytorch"]
      se = sqrt(v["parseval"] / n["parseval"] + v["pytorch"] / n["pytorch"])
      printf "Adam: parseval - pytorch = %.5f +- %.5f (standard error), %.1f standard errors\n",
             d, se, (se > 0) ? d / se : 0
    }'
}

if [ "${TABLE_ONLY:-0}" != 1 ]; then
  data
  for s in $SEEDS; do
    ours "ours_adam_s$s" adam "$s"
    peer "peer_adam_s$s" "$s"
  done
  for o in $OPTIMIZERS; do
    for s in $OPT_SEEDS; do
      if [ -n "${OPT_LR:-}" ]; then ours "ours_${o}_lr${OPT_LR}_s$s" "$o" "$s" "$OPT_LR"
      else ours "ours_${o}_s$s" "$o" "$s"; fi
    done
  done
fi
table
