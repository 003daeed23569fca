#!/usr/bin/env python3
"""Golden tests of `parseval hsi-unmix` through the real host:
- the bundled synthetic scene against its generator's truth (endmembers and
  abundances it was mixed from): matched SAD and abundance RMSE;
- streamed (tiny RAM budget) and in-memory runs give identical abundances;
- moffett.mat / Jasper.mat with their ground-truth endmembers reproduce the
  exact FCLS abundance RMSE of ../shared/notes/hyperspectral.md;
- bad input: one line on stderr, exit 1, no output left behind.
Usage: test_hsi_unmix.py PARSEVAL DATA_DIR SHARED_DIR"""
import json, os, struct, subprocess, sys, tempfile

pv, data, shared = sys.argv[1], sys.argv[2], sys.argv[3]
tmp = tempfile.mkdtemp(prefix="pv-hsi-")
scene = os.path.join(data, "scene")
passed = failed = 0


def check(name, cond, detail=""):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print(f"FAIL {name}: {detail}")


def run(args):
    r = subprocess.run([pv, "hsi-unmix"] + args, capture_output=True, text=True, timeout=300)
    return r.returncode, r.stderr


def summary(folder):
    return json.load(open(os.path.join(folder, "summary.json")))


truth = [f"--truth-endmembers={scene}/endmembers.csv", f"--truth-abundances={scene}/abundances.tif"]
out = os.path.join(tmp, "a.img")
rc, err = run(["run", "--endmembers=4", "--scale=10000"] + truth + [f"{scene}/scene.tif", out, f"{tmp}/rep"])
check("synthetic run", rc == 0, err)
if rc == 0:
    s = summary(f"{tmp}/rep")
    t = s["truth"]
    print(f"  synthetic: SAD mean {t['sad_mean_deg']:.2f} deg, abundance RMSE {t['abundance_rmse']:.4f}")
    check("synthetic SAD", t["sad_mean_deg"] < 3.0, t)
    check("synthetic abundance RMSE", t["abundance_rmse"] < 0.05, t)
    check("no-data patch masked", s["masked_pixels"] == 6, s["masked_pixels"])
    check("report files", all(os.path.exists(f"{tmp}/rep/{f}") for f in
                              ("endmembers.csv", "endmembers.sli", "endmembers.hdr", "endmembers.png",
                               "abundance-4.png")))
    # The same run streamed block by block under a 64 KiB budget.
    out2 = os.path.join(tmp, "b.img")
    r = subprocess.run([pv, "--memory=64K", "hsi-unmix", "run", "--endmembers=4", "--scale=10000",
                        f"{scene}/scene.tif", out2, f"{tmp}/rep2"], capture_output=True, text=True, timeout=300)
    check("streamed run", r.returncode == 0, r.stderr)
    if r.returncode == 0:
        check("streamed mode", summary(f"{tmp}/rep2")["mode"] == "streamed")
        a, b = open(out, "rb").read(), open(out2, "rb").read()
        fa = struct.unpack(f"<{len(a)//4}f", a)
        fb = struct.unpack(f"<{len(b)//4}f", b)
        diff = max(abs(x - y) for x, y in zip(fa, fb) if x == x and y == y)
        check("streamed equals in-memory", len(a) == len(b) and diff < 1e-6, f"max diff {diff}")

# The generator's endmembers as CSV, ENVI (.sli, micrometres) and USGS
# splib07 ASCII (a folder, micrometres) libraries: the same abundances.
def floats(path):
    b = open(path, "rb").read()
    return struct.unpack(f"<{len(b)//4}f", b)

rows = [l.strip().split(",") for l in open(f"{scene}/endmembers.csv")]
names, wl = rows[0][1:], [float(r[0]) for r in rows[1:]]
spectra = [[float(r[1 + i]) for r in rows[1:]] for i in range(len(names))]
sli = os.path.join(tmp, "lib.sli")
open(sli, "wb").write(b"".join(struct.pack(f"<{len(wl)}d", *s_) for s_ in spectra))
open(os.path.join(tmp, "lib.hdr"), "w").write(
    f"ENVI\nsamples = {len(wl)}\nlines = {len(names)}\nbands = 1\nheader offset = 0\n"
    "file type = ENVI Spectral Library\ndata type = 5\nbyte order = 0\nwavelength units = Micrometers\n"
    f"spectra names = {{{', '.join(names)}}}\nwavelength = {{{', '.join(repr(w / 1000) for w in wl)}}}\n")
usgs = os.path.join(tmp, "usgs")
os.mkdir(usgs)
open(os.path.join(usgs, "splib07a_Wavelengths_TEST_microns.txt"), "w").write(
    " splib07a Record=1: Wavelengths TEST\n" + "".join(f"{w / 1000!r}\n" for w in wl))
for i, nm in enumerate(names):
    open(os.path.join(usgs, f"splib07a_{i}_{nm}_AREF.txt"), "w").write(
        f" splib07a Record={i + 2}: {nm} TESTa AREF\n" + "".join(f"{v!r}\n" for v in spectra[i]))
outs = {}
for kind, path in (("csv", f"{scene}/endmembers.csv"), ("envi", sli), ("usgs", usgs)):
    o_ = os.path.join(tmp, f"lib-{kind}.img")
    rc, err = run(["run", "--scale=10000", f"--library={path}", f"{scene}/scene.tif", o_, f"{tmp}/rep-{kind}"])
    check(f"library {kind}", rc == 0, err)
    if rc == 0:
        outs[kind] = floats(o_)
        if kind == "envi":
            got = open(f"{tmp}/rep-{kind}/endmembers.csv").readline()
            check("library names carried", "soil" in got and "water" in got, got)
for kind in ("envi", "usgs"):
    if kind in outs and "csv" in outs:
        d = max(abs(x - y) for x, y in zip(outs["csv"], outs[kind]) if x == x and y == y)
        check(f"library {kind} equals CSV", len(outs[kind]) == len(outs["csv"]) and d < 1e-5, d)

# SUnSAL-TV on the generator's library: scored against the truth; refused
# when the scene would be streamed (TV couples neighbouring pixels).
rep = os.path.join(tmp, "rep-tv")
for tv in ("anisotropic", "isotropic"):
    rc, err = run(["run", "--scale=10000", "--method=sunsal-tv", f"--tv={tv}", f"--library={scene}/endmembers.csv"] +
                  truth + [f"{scene}/scene.tif", os.path.join(tmp, f"tv-{tv}.img"), rep + tv])
    check(f"sunsal-tv {tv} run", rc == 0, err)
    if rc == 0:
        t = summary(rep + tv)["truth"]
        print(f"  sunsal-tv {tv}: abundance RMSE {t['abundance_rmse']:.4f}")
        check(f"sunsal-tv {tv} abundance RMSE", t["abundance_rmse"] < 0.05, t)
r = subprocess.run([pv, "--memory=64K", "hsi-unmix", "run", "--scale=10000", "--method=sunsal-tv", "--endmembers=4",
                    f"{scene}/scene.tif", os.path.join(tmp, "tv-never.tif")], capture_output=True, text=True, timeout=300)
check("sunsal-tv streamed refused", r.returncode == 1 and "in memory" in r.stderr and
      not os.path.exists(os.path.join(tmp, "tv-never.tif")), r.stderr)

# Real scenes with their ground-truth endmembers (exact FCLS figures).
for name, scale, want in (("moffett.mat", "1", 0.00073), ("Jasper.mat", "5437", 0.07803)):
    m = os.path.join(shared, "datasets", "hsi", name)
    if not os.path.exists(m):
        print(f"  SKIP {name}: ../shared/datasets not present")
        continue
    rep = os.path.join(tmp, name + ".rep")
    rc, err = run(["run", f"--scale={scale}", f"--library={m}", f"--truth-endmembers={m}",
                   f"--truth-abundances={m}", m, os.path.join(tmp, name + ".tif"), rep])
    check(f"{name} run", rc == 0, err)
    if rc == 0:
        got = summary(rep)["truth"]["abundance_rmse"]
        print(f"  {name}: FCLS abundance RMSE {got:.5f} (notes {want})")
        check(f"{name} RMSE", abs(got - want) <= 0.01 * want + 1e-5, got)

# Bad input: exit 1, one line, nothing written.
def refused(name, args, out_file, needle):
    rc, err = run(args)
    lines = [l for l in err.splitlines() if l.startswith("parseval:") and "warning" not in l]
    check(name, rc == 1 and len(lines) == 1 and needle in err and not os.path.exists(out_file), (rc, err))

lib = os.path.join(tmp, "lib.csv")
open(lib, "w").write("band,a,b\n1,0.1,0.2\n2,0.3,0.4\n")
o = os.path.join(tmp, "never.tif")
refused("library band count", ["run", f"--library={lib}", f"{scene}/scene.tif", o], o, "lib.csv")
refused("truth count mismatch", ["run", "--endmembers=3", "--scale=10000"] + truth +
        [f"{scene}/scene.tif", o, f"{tmp}/rep3"], o, "give --endmembers=4")
nan = os.path.join(tmp, "nan.npy")
hdr = "{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4, 5), }"
hdr += " " * (118 - len(hdr)) + "\n"
open(nan, "wb").write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(hdr)) + hdr.encode() + struct.pack("<d", float("nan")) * 60)
refused("all-NaN scene", ["run", "--endmembers=2", nan, o], o, "valid pixel")

print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
