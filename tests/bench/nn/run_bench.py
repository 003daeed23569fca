#!/usr/bin/python3
"""Run the Parseval FNO-2D benchmark and the PyTorch peer in one go and print
both lines plus the ratios peer/parseval.
Usage: python3 tests/bench/nn/run_bench.py BUILD_DIR [--threads 2] [bench options]"""
import os, re, subprocess, sys

def keys(line):
    return dict(re.findall(r"(\S+?)=(\S+)", line))

def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    build, extra = sys.argv[1], sys.argv[2:]
    if "--threads" not in extra:
        extra += ["--threads", "2"]
    here = os.path.dirname(os.path.abspath(__file__))
    peer = os.path.normpath(os.path.join(here, "../../../../shared/peers/ns/fno2d_bench.py"))
    if not os.path.exists(peer):
        peer = "/work/shared/peers/ns/fno2d_bench.py"
    ours = subprocess.run([os.path.join(build, "tests/bench/bench_fno2d")] + extra,
                          check=True, capture_output=True, text=True).stdout.strip()
    theirs = subprocess.run(["/usr/bin/python3", peer] + extra, check=True,
                            capture_output=True, text=True).stdout.strip()
    print(ours)
    print(theirs)
    a, b = keys(ours), keys(theirs)
    for k in a:
        if k.endswith("_ms") and k in b:
            print(f"ratio peer/parseval {k}: {float(b[k]) / float(a[k]):.2f}")

if __name__ == "__main__":
    main()
