#!/usr/bin/env python3
"""NS solver benchmark: our step (bench_ns) beside the PyTorch peer
(../shared/peers/ns/ns_solver_bench.py) and the FFT floor, all in this run.

usage: python3 tests/bench/ns/run_bench.py BUILD_DIR [--threads 2] [--quick]
Prints one line per case and the ratios peer/ours and ours/floor."""
import argparse, os, re, subprocess, sys

HERE = os.path.dirname(os.path.abspath(__file__))
PEER = os.path.normpath(os.path.join(HERE, "..", "..", "..", "..", "shared", "peers", "ns",
                                     "ns_solver_bench.py"))


def kv(line):
    return dict(re.findall(r"(\w+)=([^\s]+)", line))


def run(cmd):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.strip()
    return out.splitlines()[-1]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--quick", action="store_true", help="fewer steps (noisier)")
    ap.add_argument("--peer", default=PEER)
    a = ap.parse_args()
    exe = os.path.join(a.build, "tests", "bench", "bench_ns")
    cases = [(64, 20, 200, 7), (256, 20, 5, 5)]
    if a.quick:
        cases = [(64, 20, 50, 5), (256, 20, 2, 3)]
    print(f"# threads={a.threads}; step = one FNO-scheme step of the whole batch of 20 fields")
    for n, b, steps, reps in cases:
        rows = {}
        for dt in ("f32", "f64"):
            ours = kv(run([exe, str(n), str(b), str(steps), str(reps), str(a.threads), dt]))
            peer_cmd = ["/usr/bin/python3", a.peer, "--n", str(n), "--batch", str(b),
                        "--steps", str(max(steps, 3)), "--reps", str(reps), "--threads", str(a.threads)]
            if dt == "f64":
                peer_cmd.append("--double")
            peer = kv(run(peer_cmd))
            s, f, p = float(ours["step_ms"]), float(ours["fft_floor_ms"]), float(peer["step_ms"])
            cs, cf = float(ours["cpu_step_ms"]), float(ours["cpu_floor_ms"])
            rows[dt] = (s, f, p)
            print(f"n={n} batch={b} {dt}: parseval {s:.3f} ms/step, FFT floor {f:.3f} ms "
                  f"(parseval/floor {s / f:.2f}; CPU time {cs:.3f} / {cf:.3f} ms = {cs / cf:.2f}), "
                  f"torch peer {p:.3f} ms (peer/parseval {p / s:.2f}x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
