#!/usr/bin/env python3
"""Golden tests of `parseval hsi-segment` through the real host, against the
generator's truth of a synthetic scene: four regions (a disc, a ring, two
half-planes) with distinct mixed spectra plus Gaussian noise at 20 dB.
- spectral clustering (whole scene, and a 500-pixel sample extended out of
  sample) and k-means find the regions: accuracy after Hungarian matching
  and adjusted Rand index near 1; the label map, PNG and JSON are written;
- NaN pixels stay unlabelled (0) and are not counted;
- an ENVI raster streamed under a tiny RAM budget (sample, then a labelling
  pass block by block) finds the regions too;
- a truth map of the wrong size: one error line, exit 1, no output.
Usage: test_hsi_segment.py PARSEVAL"""
import json, math, os, random, struct, subprocess, sys, tempfile

pv = sys.argv[1]
tmp = tempfile.mkdtemp(prefix="pv-seg-")
passed = failed = 0


def check(name, cond, detail=""):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print(f"FAIL {name}: {detail}")


def npy(path, shape, values):
    hdr = "{'descr': '<f8', 'fortran_order': False, 'shape': (%s), }" % "".join(f"{s}, " for s in shape)
    hdr += " " * (118 - len(hdr)) + "\n"
    with open(path, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(hdr)) + hdr.encode())
        f.write(struct.pack(f"<{len(values)}d", *values))


rng = random.Random(4)
H, W, B = 40, 44, 24
truth = []
for r in range(H):
    for c in range(W):
        d = math.hypot(r - 20, c - 22)
        truth.append(1 if d < 7 else 2 if d < 13 else 3 if c < 22 else 4)
spectra = {k: [0.2 + 0.3 * math.exp(-0.5 * ((b - 5 * k) / 3.0) ** 2) for b in range(B)] for k in (1, 2, 3, 4)}
power = sum(v * v for s in spectra.values() for v in s) / (4 * B)
sigma = math.sqrt(power / 100.0)
cube = [0.0] * (B * H * W)
for p, t in enumerate(truth):
    for b in range(B):
        cube[b * H * W + p] = spectra[t][b] + rng.gauss(0, sigma)
cube[3 * H * W + 7] = float("nan")  # pixel 7 masked
scene, tpath = os.path.join(tmp, "scene.npy"), os.path.join(tmp, "truth.npy")
npy(scene, (B, H, W), cube)
npy(tpath, (H, W), [float(t) for t in truth])


def run(args):
    r = subprocess.run([pv, "hsi-segment", "run"] + args, capture_output=True, text=True, timeout=300)
    return r.returncode, r.stderr


for name, extra in (("spectral", []), ("spectral sampled", ["--sample=500"]), ("kmeans", ["--method=kmeans"]),
                    ("spectral on abundances", ["--features=abundances"])):
    out, rep = os.path.join(tmp, name.replace(" ", "_") + ".img"), os.path.join(tmp, name.replace(" ", "_"))
    rc, err = run(["--classes=4", f"--truth={tpath}"] + extra + [scene, out, rep])
    check(f"{name} run", rc == 0, err)
    if rc != 0:
        continue
    s = json.load(open(os.path.join(rep, "summary.json")))
    t = s["truth"]
    print(f"  {name}: accuracy {t['overall_accuracy']:.4f}, ARI {t['adjusted_rand_index']:.4f}, "
          f"clustered {s['clustered_pixels']} of {s['valid_pixels']}")
    check(f"{name} accuracy", t["overall_accuracy"] > 0.97, t)
    check(f"{name} ARI", t["adjusted_rand_index"] > 0.9, t)
    check(f"{name} masked pixel", s["valid_pixels"] == H * W - 1 and sum(s["class_sizes"]) == H * W - 1, s)
    labels = open(out, "rb").read()
    check(f"{name} label raster", len(labels) == H * W and labels[7] == 0 and set(labels) == {0, 1, 2, 3, 4},
          (len(labels), sorted(set(labels))))
    check(f"{name} png", os.path.getsize(os.path.join(rep, "labels.png")) > 100)
    if name == "spectral sampled":
        check("sample size", s["clustered_pixels"] <= 500, s["clustered_pixels"])

# The same scene as an ENVI raster, streamed under a 64 KiB budget: a pixel
# sample is clustered, the second pass labels every block.
import itertools
img = os.path.join(tmp, "scene.img")
with open(img, "wb") as f:
    f.write(struct.pack(f"<{len(cube)}d", *cube))
open(os.path.join(tmp, "scene.hdr"), "w").write(
    f"ENVI\nsamples = {W}\nlines = {H}\nbands = {B}\nheader offset = 0\ndata type = 5\ninterleave = bsq\n"
    "byte order = 0\n")
for method in ("spectral", "kmeans"):
    out, rep = os.path.join(tmp, f"streamed-{method}.img"), os.path.join(tmp, f"streamed-{method}")
    r = subprocess.run([pv, "--memory=64K", "hsi-segment", "run", "--classes=4", f"--method={method}", "--sample=400",
                        img, out, rep], capture_output=True, text=True, timeout=300)
    check(f"streamed {method} run", r.returncode == 0, r.stderr)
    if r.returncode != 0:
        continue
    s = json.load(open(os.path.join(rep, "summary.json")))
    labels = open(out, "rb").read()
    best = max(sum(1 for p, t in enumerate(truth) if p != 7 and labels[p] and perm[labels[p] - 1] == t)
               for perm in itertools.permutations((1, 2, 3, 4)))
    acc = best / (H * W - 1)
    print(f"  streamed {method}: accuracy {acc:.4f}, clustered {s['clustered_pixels']}")
    check(f"streamed {method} mode", s["mode"] == "streamed" and s["clustered_pixels"] <= 400, s)
    check(f"streamed {method} accuracy", acc > 0.97 and labels[7] == 0, acc)
    check(f"streamed {method} sizes", sum(s["class_sizes"]) == H * W - 1 == s["valid_pixels"], s["class_sizes"])
never = os.path.join(tmp, "never-streamed.img")
r = subprocess.run([pv, "--memory=64K", "hsi-segment", "run", f"--truth={tpath}", img, never],
                   capture_output=True, text=True, timeout=300)
check("streamed truth refused", r.returncode == 1 and "in memory" in r.stderr and not os.path.exists(never), r.stderr)

# GeoTIFF output.
rc, err = run(["--classes=4", scene, os.path.join(tmp, "l.tif")])
check("geotiff output", rc == 0 and os.path.exists(os.path.join(tmp, "l.tif")), err)

# A truth map of the wrong size: refused before any output.
bad = os.path.join(tmp, "bad.npy")
npy(bad, (H, W - 1), [1.0] * (H * (W - 1)))
never = os.path.join(tmp, "never.tif")
rc, err = run(["--classes=4", f"--truth={bad}", scene, never])
lines = [l for l in err.splitlines() if l.startswith("parseval:") and "warning" not in l]
check("bad truth refused", rc == 1 and len(lines) == 1 and "bad.npy" in err and not os.path.exists(never), (rc, err))

print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
