#!/usr/bin/env python3
"""`mpirun -np 2 parseval ns-forecast simulate` (samples split over ranks)
writes the same dataset as the single-process run: identical exported bytes.
usage: test_ns_mpi_plugin.py MPIEXEC PARSEVAL LSAN_SUPPRESSIONS"""
import os, subprocess, sys, tempfile

mpiexec, pv, supp = sys.argv[1:4]
env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
           OMPI_MCA_mca_base_component_disable_dlclose="1", OMPI_MCA_rmaps_base_oversubscribe="1")
env.setdefault("ASAN_OPTIONS", "fast_unwind_on_malloc=0")
env.setdefault("LSAN_OPTIONS", f"suppressions={supp}")
d = tempfile.mkdtemp(prefix="pv-ns-mpi-")
args = ["ns-forecast", "simulate", "--n=32", "--stride=2", "--samples=5", "--nt=2",
        "--dt-record=0.1", "--dt=0.01", "--batch=2", "--reproducible", "--seed=3"]
out = {}
for name, pre in (("ser", []), ("par", [mpiexec, "-np", "2"])):
    h5, npy = os.path.join(d, name + ".h5"), os.path.join(d, name + ".npy")
    r = subprocess.run(pre + [pv] + args + [h5], env=env, capture_output=True, text=True, timeout=300)
    if r.returncode:
        print(f"FAIL {name} simulate: {r.stderr[-2000:]}")
        sys.exit(1)
    r = subprocess.run([pv, "ns-forecast", "export", h5, npy], env=env, capture_output=True, text=True)
    if r.returncode:
        print(f"FAIL {name} export: {r.stderr[-2000:]}")
        sys.exit(1)
    out[name] = open(npy, "rb").read()
    leftovers = [f for f in os.listdir(d) if ".partial" in f]
    if leftovers:
        print(f"FAIL leftover parts {leftovers}")
        sys.exit(1)
if out["ser"] != out["par"]:
    print("FAIL the 2-rank dataset differs from the serial one")
    sys.exit(1)
print("ok")
