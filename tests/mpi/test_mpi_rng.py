#!/usr/bin/env python3
"""MPI smoke test: `mpirun -np 2 parseval selfcheck rng` must give the same
moments, bit for bit, as the single-process run, and report 2 ranks.
Usage: test_mpi_rng.py MPIEXEC PARSEVAL LSAN_SUPPRESSIONS"""
import json, os, subprocess, sys, tempfile

mpiexec, pv, supp = sys.argv[1], sys.argv[2], sys.argv[3]
tmp = tempfile.mkdtemp(prefix="pv-mpi-")
env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
           OMPI_MCA_mca_base_component_disable_dlclose="1", OMPI_MCA_rmaps_base_oversubscribe="1")
# Open MPI keeps memory until exit by design: in sanitizer builds let
# LeakSanitizer see into it (slow unwinding) and apply the suppressions.
env["ASAN_OPTIONS"] = ":".join(x for x in (env.get("ASAN_OPTIONS"), "fast_unwind_on_malloc=0") if x)
if "suppressions=" not in env.get("LSAN_OPTIONS", ""):
    env["LSAN_OPTIONS"] = ":".join(x for x in (env.get("LSAN_OPTIONS"), f"suppressions={supp}") if x)
args = ["selfcheck", "rng", "--seed=2024", "--blocks=7", "--samples=300001"]
one, two = os.path.join(tmp, "one.json"), os.path.join(tmp, "two.json")
r1 = subprocess.run([pv] + args + [one], env=env, capture_output=True, text=True, timeout=300)
r2 = subprocess.run([mpiexec, "-np", "2", pv] + args + [two], env=env, capture_output=True, text=True, timeout=300)
passed = failed = 0
def check(name, cond, detail=""):
    global passed, failed
    passed, failed = (passed + 1, failed) if cond else (passed, failed + 1)
    if not cond:
        print(f"FAIL {name}: {detail}")
check("serial run", r1.returncode == 0, r1.stderr)
check("mpirun -np 2", r2.returncode == 0, r2.stderr[-3000:])
if r1.returncode == 0 and r2.returncode == 0:
    a, b = json.load(open(one)), json.load(open(two))
    check("ranks recorded", a["ranks"] == 1 and b["ranks"] == 2, (a["ranks"], b["ranks"]))
    check("identical moments", a["moments"] == b["moments"], (a["moments"], b["moments"]))
    check("moments pass", a["pass"] and b["pass"])
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
