#!/usr/bin/env python3
"""End-to-end test of the pde-gp plugin through the real host: solve writes
U (.npy), two PNGs and a JSON report; U is compared with the exact solution
evaluated here independently; bad operators are refused; bench prints rows."""
import ast, json, math, os, struct, subprocess, sys, tempfile

host = sys.argv[1]
tmp = tempfile.mkdtemp(prefix="pde_gp_")
fail = 0

def check(cond, what):
    global fail
    if not cond:
        print("FAIL:", what)
        fail = 1

def run(args):
    return subprocess.run([host, "pde-gp"] + args, capture_output=True, text=True, timeout=120)

def exact_mix(x):
    return math.sin(x) + 0.1 * math.sin(20 * x) + 0.05 * math.sin(100 * x)

def load_npy(path):
    """Minimal independent .npy reader (version 1/2, little-endian f8, C order)."""
    b = open(path, "rb").read()
    assert b[:6] == b"\x93NUMPY", "magic"
    if b[6] == 1:
        hl, off = struct.unpack("<H", b[8:10])[0], 10
    else:
        hl, off = struct.unpack("<I", b[8:12])[0], 12
    hdr = ast.literal_eval(b[off:off + hl].decode("latin1"))
    assert hdr["descr"] == "<f8" and not hdr["fortran_order"], hdr
    n = 1
    for s in hdr["shape"]:
        n *= s
    return hdr["shape"], list(struct.unpack("<%dd" % n, b[off + hl:off + hl + 8 * n]))

for tag, extra in (("poisson", []), ("helmholtz", ["--c0=-30"])):
    outs = [os.path.join(tmp, f"{tag}{s}") for s in (".npy", ".png", "_err.png", ".json")]
    r = run(["solve", "--problem=poisson_1d-mix_sin", "--n=150", "--q=10", "--time=8"] + extra + outs)
    check(r.returncode == 0, f"{tag}: exit {r.returncode}: {r.stderr}")
    if r.returncode:
        continue
    shape, u = load_npy(outs[0])
    check(tuple(shape) == (150,), f"{tag}: shape {shape}")
    e = [exact_mix(i / 149.0) for i in range(150)]
    grid_err = math.sqrt(sum((a - b) ** 2 for a, b in zip(u, e)) / sum(b * b for b in e))
    rep = json.load(open(outs[3]))
    print(f"{tag}: grid rel L2 {grid_err:.3e}, reported test rel L2 {rep['rel_l2']:.3e}")
    check(grid_err < 1e-2, f"{tag}: grid error {grid_err}")
    check(rep["rel_l2"] < 1e-2, f"{tag}: reported error {rep['rel_l2']}")
    check(abs(math.log10(rep["rel_l2"] / grid_err)) < 1.5, f"{tag}: report vs grid error")
    check(rep["provenance"]["app"] == "pde-gp", f"{tag}: provenance")
    check(rep["init"] == "reference" and rep["coarse_grid"] == 0, f"{tag}: 1-D start {rep['init']}")
    # 1-D staged route: the default work budget 2e11 / n^3 and its stage split
    st = rep["stages"]
    check(1 <= len(st) <= 3 and rep["work"] == sum(s["work"] for s in st), f"{tag}: stages {st}")
    check(st[0]["work_limit"] == int(0.4 * (2e11 / 150 ** 3)), f"{tag}: stage budget {st[0]}")
    for png in outs[1:3]:
        check(open(png, "rb").read(8) == b"\x89PNG\r\n\x1a\n", f"{tag}: {png} is not a PNG")
    check(os.path.exists(outs[0] + ".json"), f"{tag}: npy sidecar")

# 2-D: the spectral start by default, a coarse grid on request
outs = [os.path.join(tmp, f"ac2{s}") for s in (".npy", ".png", "_err.png", ".json")]
r = run(["solve", "--problem=allencahn_2d-mix-sincos", "--n=48", "--coarse=24", "--iters=20", "--time=120"]
        + outs)
check(r.returncode == 0, f"2-D coarse: exit {r.returncode}: {r.stderr}")
if r.returncode == 0:
    rep = json.load(open(outs[3]))
    print(f"allen-cahn 48^2 from 24^2: test rel L2 {rep['rel_l2']:.3e}")
    check(rep["init"] == "spectral" and rep["coarse_grid"] == 24, f"2-D start {rep['init']} {rep['coarse_grid']}")
    check(rep["rel_l2"] < 1e-2, f"2-D coarse: error {rep['rel_l2']}")   # reference: 2.6e-3

bad = [os.path.join(tmp, f"bad{s}") for s in (".npy", ".png", "_err.png", ".json")]
r = run(["solve", "--problem=poisson_1d-single_sin", "--c2=1,1"] + bad)
check(r.returncode == 1 and "--c2" in r.stderr, f"bad --c2: exit {r.returncode}, {r.stderr}")
check(not any(os.path.exists(p) for p in bad), "bad --c2 left outputs behind")
r = run(["solve", "--problem=poisson_1d-single_sin", "--c2=0"] + bad)
check(r.returncode == 1 and "derivative" in r.stderr, f"no derivative term: {r.stderr}")
r = run(["solve", "--problem=poisson_1d-single_sin", "--n=1"] + bad)
check(r.returncode == 2 or r.returncode == 1, f"--n=1: exit {r.returncode}")

# the same Helmholtz-type problem from a problem description file
cfg = os.path.join(tmp, "helmholtz.ini")
open(cfg, "w").write("""# pde-gp problem description
[problem]
solution = poisson_1d-mix_sin
equation = helmholtz
c0 = -30
grid = 150
[kernel]
kind = gm
q = 10
[optimizer]
time = 8
""")
outs = [os.path.join(tmp, f"cfg{s}") for s in (".npy", ".png", "_err.png", ".json")]
r = run(["solve", f"--config={cfg}"] + outs)
check(r.returncode == 0, f"config: exit {r.returncode}: {r.stderr}")
if r.returncode == 0:
    shape, u = load_npy(outs[0])
    e = [exact_mix(i / 149.0) for i in range(150)]
    grid_err = math.sqrt(sum((a - b) ** 2 for a, b in zip(u, e)) / sum(b * b for b in e))
    print(f"config: grid rel L2 {grid_err:.3e}")
    check(tuple(shape) == (150,) and grid_err < 1e-2, f"config: shape {shape}, error {grid_err}")
open(cfg, "w").write("[problem]\nsolution = poisson_1d-mix_sin\n[kernel]\nq = many\n")
r = run(["solve", f"--config={cfg}"] + bad)
check(r.returncode == 1 and "helmholtz.ini:4" in r.stderr and "q" in r.stderr,
      f"bad config: exit {r.returncode}, {r.stderr}")
check(not any(os.path.exists(p) for p in bad), "bad config left outputs behind")

r = run(["bench", "--only=mix", "--kernels=gm,se", "--time=2", "--n=60"])
check(r.returncode == 0, f"bench: exit {r.returncode}: {r.stderr}")
rows = [l for l in r.stdout.splitlines() if l.startswith("poisson_1d-mix_sin")]
check(len(rows) == 2, f"bench rows: {r.stdout}")
sys.exit(fail)
