#!/usr/bin/env python3
"""`mpirun -np 2 parseval ns-forecast simulate` writes the same dataset as the
single-process run: samples split over ranks give identical exported bytes;
`--mpi` (each field split into slabs over the ranks, CFL step) equals the
serial float64 data to 1e-6 relative after the float32 export.
usage: test_ns_mpi_plugin.py MPIEXEC PARSEVAL LSAN_SUPPRESSIONS"""
import ast, os, struct, subprocess, sys, tempfile

mpiexec, pv, supp = sys.argv[1:4]
env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
           OMPI_MCA_mca_base_component_disable_dlclose="1", OMPI_MCA_rmaps_base_oversubscribe="1")
# MPI's own allocations are suppressed by library name: LSan needs the slow
# unwinder to see them, whatever ASAN_OPTIONS the caller set
env["ASAN_OPTIONS"] = ":".join(x for x in (env.get("ASAN_OPTIONS", ""), "fast_unwind_on_malloc=0") if x)
env.setdefault("LSAN_OPTIONS", f"suppressions={supp}")
d = tempfile.mkdtemp(prefix="pv-ns-mpi-")


def npy_floats(path):
    """(shape, values) of a little-endian float32 .npy (no NumPy needed)."""
    b = open(path, "rb").read()
    hlen = struct.unpack("<H", b[8:10])[0]
    hdr = ast.literal_eval(b[10:10 + hlen].decode("latin1"))
    assert hdr["descr"] == "<f4", hdr
    data = b[10 + hlen:]
    return hdr["shape"], struct.unpack(f"<{len(data) // 4}f", data)


def run_case(tag, args, pre_par):
    out = {}
    for name, pre in (("ser", []), ("par", pre_par)):
        h5, npy = os.path.join(d, f"{tag}_{name}.h5"), os.path.join(d, f"{tag}_{name}.npy")
        r = subprocess.run(pre + [pv] + args + [h5], env=env, capture_output=True, text=True, timeout=300)
        if r.returncode:
            print(f"FAIL {tag} {name} simulate: {r.stderr[-2000:]}")
            sys.exit(1)
        r = subprocess.run([pv, "ns-forecast", "export", h5, npy], env=env, capture_output=True, text=True)
        if r.returncode:
            print(f"FAIL {tag} {name} export: {r.stderr[-2000:]}")
            sys.exit(1)
        out[name] = npy
        leftovers = [f for f in os.listdir(d) if ".partial" in f]
        if leftovers:
            print(f"FAIL {tag}: leftover parts {leftovers}")
            sys.exit(1)
    return out


common = ["ns-forecast", "simulate", "--n=32", "--stride=2", "--nt=2", "--dt-record=0.1",
          "--reproducible", "--seed=3"]
out = run_case("split", common + ["--samples=5", "--dt=0.01", "--batch=2"], [mpiexec, "-np", "2"])
if open(out["ser"], "rb").read() != open(out["par"], "rb").read():
    print("FAIL the 2-rank dataset differs from the serial one")
    sys.exit(1)

out = run_case("slab", common + ["--samples=2", "--dt=0", "--dt-max=0.02", "--warmup=0.1", "--mpi"],
               [mpiexec, "-np", "2"])
(sa, a), (sb, b) = npy_floats(out["ser"]), npy_floats(out["par"])
if sa != sb or len(a) != 2 * 16 * 16 * 3:
    print(f"FAIL --mpi shapes {sa} vs {sb}")
    sys.exit(1)
mx = max(abs(x) for x in a)
md = max(abs(x - y) for x, y in zip(a, b))
print(f"--mpi over 2 ranks: max |par - ser| = {md:.3g} (max |w| {mx:.3g})")
if not (mx > 0.1 and md <= 1e-6 * mx):
    print("FAIL the --mpi dataset differs from the serial one")
    sys.exit(1)
print("ok")
