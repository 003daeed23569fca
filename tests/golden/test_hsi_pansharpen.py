#!/usr/bin/env python3
"""Golden tests of `parseval hsi-pansharpen` through the real host (standard
library only: outputs are read as ENVI float32):
- the bundled pair against the truth it was made from: ERGAS and SAM
  recomputed here; MTF-GLP beats plain interpolation; the no-data patches of
  MS and PAN (and nothing else) are no-data in the output;
- Brovey and MTF-GLP streamed under a tiny RAM budget equal their in-memory
  runs, and sum_b w_b Brovey_b = PAN;
- `assess`: the reduced-resolution scores rank the methods as the unit tests
  do; the JSON carries provenance;
- ../shared/datasets/hsi/WV3_example.mat (real WorldView-3) runs both
  protocols when present;
- bad input: one message, exit 1, no output left behind.
Usage: test_hsi_pansharpen.py PARSEVAL DATA_DIR SHARED_DIR"""
import json, math, os, shutil, struct, subprocess, sys, tempfile

pv, data, shared = sys.argv[1], sys.argv[2], sys.argv[3]
tmp = tempfile.mkdtemp(prefix="pv-psh-")
d = os.path.join(data, "pansharpen")
ms, pan, truth = (os.path.join(d, f) for f in ("ms.tif", "pan.tif", "truth.tif"))
passed = failed = 0


def check(name, cond, detail=""):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print(f"FAIL {name}: {detail}")


def run(args, host=()):
    r = subprocess.run([pv, *host, "hsi-pansharpen"] + args, capture_output=True, text=True, timeout=300)
    return r.returncode, r.stderr


def envi(path, bands):
    """Band-sequential float32; the header's data ignore value reads as NaN."""
    hdr = open(os.path.splitext(path)[0] + ".hdr").read()
    ign = [float(l.split("=")[1]) for l in hdr.splitlines() if l.startswith("data ignore value")]
    raw = open(path, "rb").read()
    n = len(raw) // 4 // bands
    v = [math.nan if ign and x == ign[0] else x for x in struct.unpack(f"<{len(raw) // 4}f", raw)]
    return [v[b * n:(b + 1) * n] for b in range(bands)]


def ergas_sam(ref, fus, ratio):
    B, n = len(ref), len(ref[0])
    ok = [all(not math.isnan(fus[b][i]) for b in range(B)) for i in range(n)]
    acc = 0
    for b in range(B):
        se = sum((ref[b][i] - fus[b][i]) ** 2 for i in range(n) if ok[i])
        m = sum(ref[b][i] for i in range(n) if ok[i])
        c = sum(ok)
        acc += (se / c) / (m / c) ** 2
    ang = []
    for i in range(n):
        if not ok[i]:
            continue
        xy = sum(ref[b][i] * fus[b][i] for b in range(B))
        nn = math.sqrt(sum(ref[b][i] ** 2 for b in range(B)) * sum(fus[b][i] ** 2 for b in range(B)))
        if nn > 0:
            ang.append(math.acos(max(-1.0, min(1.0, xy / nn))))
    return 100 / ratio * math.sqrt(acc / B), math.degrees(sum(ang) / len(ang))


# The truth as ENVI float32 through the convert application.
tr = os.path.join(tmp, "truth.img")
r = subprocess.run([pv, "convert", truth, tr], capture_output=True, text=True, timeout=120)
check("convert truth", r.returncode == 0, r.stderr)
T = envi(tr, 4)

scores = {}
for m in ("exp", "glp", "brovey"):
    out = os.path.join(tmp, f"{m}.img")
    rep = os.path.join(tmp, f"rep-{m}")
    rc, err = run(["run", f"--method={m}", ms, pan, out, rep])
    check(f"run {m}", rc == 0, err)
    if rc:
        continue
    F = envi(out, 4)
    scores[m] = ergas_sam(T, F, 4)
    nan = [i for i in range(len(F[0])) if any(math.isnan(F[b][i]) for b in range(4))]
    expect = {(y, x) for y in range(236, 239) for x in range(30, 33)} | \
             {(y, x) for y in range(20, 28) for x in range(228, 236)}
    check(f"{m}: no-data pixels", {(i // 256, i % 256) for i in nan} == expect, f"{len(nan)} NaN pixels")
    s = json.load(open(os.path.join(rep, "indexes.json")))
    check(f"{m}: report", s["masked_pixels"] == 73 and s["provenance"]["app"] == "hsi-pansharpen" and
          all(os.path.exists(os.path.join(rep, f)) for f in ("pan.png", "ms.png", "fused.png")), s)
    fr = s.get("full_resolution", {})
    check(f"{m}: FR indexes", 0 <= fr.get("d_lambda_khan", -1) <= 1 and 0 <= fr.get("qnr", -1) <= 1, fr)
    if m == "brovey":  # sum_b w_b out_b = PAN (default weights 1/4)
        P = envi(os.path.join(tmp, "pan.img"), 1)[0] if os.path.exists(os.path.join(tmp, "pan.img")) else None
        if P is None:
            subprocess.run([pv, "convert", pan, os.path.join(tmp, "pan.img")], capture_output=True, timeout=120)
            P = envi(os.path.join(tmp, "pan.img"), 1)[0]
        worst = max(abs(sum(F[b][i] for b in range(4)) / 4 - P[i]) / P[i]
                    for i in range(len(P)) if not math.isnan(F[0][i]))
        check("brovey: pseudo-PAN equals PAN", worst < 1e-6, worst)  # float32 output
if len(scores) == 3:
    print("  vs truth (ERGAS, SAM deg): " + ", ".join(f"{k} {v[0]:.3f} {v[1]:.3f}" for k, v in scores.items()))
    check("GLP beats interpolation", scores["glp"][0] < scores["exp"][0] and scores["glp"][1] < scores["exp"][1],
          scores)
    check("Brovey keeps SAM", abs(scores["brovey"][1] - scores["exp"][1]) < 1e-3, scores)

# Brovey and MTF-GLP streamed under a 1 MiB budget equal the in-memory runs.
for m in ("brovey", "glp"):
    out2 = os.path.join(tmp, f"{m}-streamed.img")
    rc, err = run(["run", f"--method={m}", "--no-assess", ms, pan, out2, os.path.join(tmp, f"rep-s-{m}")],
                  host=("--memory=1M",))
    check(f"streamed {m}", rc == 0, err)
    if rc == 0:
        s = json.load(open(os.path.join(tmp, f"rep-s-{m}", "indexes.json")))
        check(f"streamed {m}: mode", s["mode"] == "streamed", s["mode"])
        a, b = envi(os.path.join(tmp, f"{m}.img"), 4), envi(out2, 4)
        diff = max(abs(x - y) for u, v in zip(a, b) for x, y in zip(u, v) if x == x and y == y)
        same_nan = all((x != x) == (y != y) for u, v in zip(a, b) for x, y in zip(u, v))
        check(f"streamed {m} equals in-memory", diff <= 1e-3 and same_nan, f"max diff {diff}, same no-data {same_nan}")

# assess: Wald's protocol and FR indexes for several methods.
idx = os.path.join(tmp, "idx.json")
rc, err = run(["assess", "--methods=exp,brovey,gsa,glp", ms, pan, idx])
check("assess", rc == 0, err)
if rc == 0:
    j = json.load(open(idx))["methods"]
    rr = {k: v["reduced_resolution"] for k, v in j.items()}
    for k in ("brovey", "gsa", "glp"):
        check(f"assess: {k} beats exp", rr[k]["ergas"] < rr["exp"]["ergas"] and rr[k]["q2n"] > rr["exp"]["q2n"], rr)
    check("assess: Brovey SAM", abs(rr["brovey"]["sam_deg"] - rr["exp"]["sam_deg"]) < 1e-9, rr)

# Real WorldView-3 pair (no georeferencing: --ratio given).
wv3 = os.path.join(shared, "datasets", "hsi", "WV3_example.mat")
if os.path.exists(wv3):
    rc, err = run(["assess", "--ratio=4", "--sensor=WV3", "--methods=exp,gsa,glp", wv3, wv3, os.path.join(tmp, "wv3.json")])
    check("WV3 assess", rc == 0, err)
    if rc == 0:
        j = json.load(open(os.path.join(tmp, "wv3.json")))["methods"]
        print("  WV3: " + ", ".join(f"{k} ERGAS {v['reduced_resolution']['ergas']:.3f} QNR "
                                    f"{v['full_resolution']['qnr']:.3f}" for k, v in j.items()))
        check("WV3 GLP beats EXP", j["glp"]["reduced_resolution"]["ergas"] < j["exp"]["reduced_resolution"]["ergas"])
else:
    print("SKIP WV3: ../shared/datasets absent")

# MS as one file per band (a .txt list) gives the same cube as the multi-band file.
lst = os.path.join(tmp, "bands.txt")
names = []
for b in range(1, 5):
    f = os.path.join(tmp, f"band{b}.tif")
    subprocess.run([pv, "convert", f"--bands={b}", ms, f], capture_output=True, timeout=120)
    names.append(os.path.basename(f))
open(lst, "w").write("# one band per line\n" + "\n".join(names) + "\n")
rc, err = run(["run", "--method=gsa", "--no-assess", lst, pan, os.path.join(tmp, "gsa-bands.img")])
rc2, err2 = run(["run", "--method=gsa", "--no-assess", ms, pan, os.path.join(tmp, "gsa-cube.img")])
check("per-band MS files", rc == 0 and rc2 == 0 and open(os.path.join(tmp, "gsa-bands.img"), "rb").read() ==
      open(os.path.join(tmp, "gsa-cube.img"), "rb").read(), err + err2)

# A PAN shifted by 50 m: the georeferencing says the pair does not overlap.
shifted = os.path.join(tmp, "pan-shifted.img")
open(shifted, "wb").write(open(os.path.join(tmp, "pan.img"), "rb").read())
hdr = open(os.path.join(tmp, "pan.hdr")).read().replace("560000", "560050")
open(os.path.join(tmp, "pan-shifted.hdr"), "w").write(hdr)

# Bad band lists: empty, and bands of different sizes.
empty = os.path.join(tmp, "empty.txt")
open(empty, "w").write("# nothing\n\n")
mixed = os.path.join(tmp, "mixed.txt")
open(mixed, "w").write(f"band1.tif\n{pan}\n")

# Bad input: clear error, exit 1, nothing left behind.
bad = os.path.join(tmp, "bad.img")
for name, args in (("MS given as PAN", ["run", ms, ms, bad]),
                   ("PAN not aligned with MS", ["run", ms, shifted, bad]),
                   ("empty band list", ["run", empty, pan, bad]),
                   ("band files of different sizes", ["run", mixed, pan, bad]),
                   ("ratio disagrees", ["run", "--ratio=3", ms, pan, bad]),
                   ("unknown sensor band count", ["run", "--sensor=WV3", ms, pan, bad])):
    rc, err = run(args)
    check(f"bad input: {name}", rc == 1 and err.strip() and not os.path.exists(bad), f"rc {rc}: {err}")

print(f"{passed} passed, {failed} failed")
if not failed:
    shutil.rmtree(tmp, ignore_errors=True)
sys.exit(1 if failed else 0)
