#!/usr/bin/env python3
"""End-to-end test of `parseval ns-forecast` through the real host:
simulate -> HDF5 + PNG + JSON summary, export -> .npy; the summary's
enstrophy at t = 0 equals 1/2 mean(w^2) of the exported field (Parseval's
identity, computed here independently); reruns with --reproducible give the
same bytes; existing outputs, bad options and a mismatched .partial are
refused without touching files.
usage: test_ns_plugin.py PARSEVAL_HOST"""
import json, os, struct, subprocess, sys, tempfile

HOST = sys.argv[1]
FAILS = []


def check(cond, what):
    if not cond:
        FAILS.append(what)
        print("FAIL", what)


def run(*args):
    p = subprocess.run([HOST, "ns-forecast", *args], capture_output=True, text=True)
    return p.returncode, p.stderr


def read_npy(path):
    with open(path, "rb") as f:
        data = f.read()
    assert data[:6] == b"\x93NUMPY", "npy magic"
    hl = struct.unpack("<H", data[8:10])[0]
    header = eval(data[10:10 + hl].decode("latin1"))  # a Python dict literal
    body = data[10 + hl:]
    n = len(body) // 4
    return header, struct.unpack("<%df" % n, body)


def main():
    d = tempfile.mkdtemp(prefix="ns_plugin_")
    base = ["--n=32", "--stride=2", "--samples=3", "--nt=2", "--dt-record=0.1", "--dt=0.01",
            "--batch=2", "--reproducible", "--seed=5"]
    h5 = os.path.join(d, "a.h5")
    rc, err = run("simulate", *base, "--png=" + os.path.join(d, "png"),
                  "--summary=" + os.path.join(d, "s.json"), h5)
    check(rc == 0, "simulate exit %d: %s" % (rc, err))
    check(os.path.exists(h5) and not os.path.exists(h5 + ".partial"), "dataset complete")
    pngs = sorted(os.listdir(os.path.join(d, "png")))
    check(len(pngs) == 3, "3 PNG snapshots, got %s" % pngs)
    for p in pngs:
        with open(os.path.join(d, "png", p), "rb") as f:
            check(f.read(8) == b"\x89PNG\r\n\x1a\n", "PNG signature " + p)
    s = json.load(open(os.path.join(d, "s.json")))
    check(len(s["energy_mean"]) == 3 and len(s["enstrophy_mean"]) == 3, "summary lengths")
    check(all(e > 0 for e in s["energy_mean"]), "energy positive")
    check(s["provenance"]["seed"] in (5, "5"), "provenance seed %r" % s["provenance"].get("seed"))

    npy = os.path.join(d, "a.npy")
    rc, err = run("export", h5, npy)
    check(rc == 0, "export exit %d: %s" % (rc, err))
    hdr, v = read_npy(npy)
    check(hdr["descr"] == "<f4" and tuple(hdr["shape"]) == (3, 16, 16, 3), "npy header %r" % hdr)
    # enstrophy of t = 0 averaged over samples: 1/2 mean over points of w^2
    N, X, Y, T = hdr["shape"]
    z0 = 0.0
    for n in range(N):
        acc = 0.0
        for i in range(X * Y):
            w = v[(n * X * Y + i) * T + 0]
            acc += w * w
        z0 += 0.5 * acc / (X * Y) / N
    rel = abs(z0 - s["enstrophy_mean"][0]) / s["enstrophy_mean"][0]
    check(rel < 1e-6, "enstrophy(t=0) %g vs summary %g (rel %g)" % (z0, s["enstrophy_mean"][0], rel))

    # reproducible: a second run gives identical exported bytes
    h5b, npyb = os.path.join(d, "b.h5"), os.path.join(d, "b.npy")
    check(run("simulate", *base, h5b)[0] == 0, "second simulate")
    check(run("export", h5b, npyb)[0] == 0, "second export")
    check(open(npy, "rb").read() == open(npyb, "rb").read(), "reproducible bytes")

    # existing output refused, untouched
    before = open(h5, "rb").read()
    rc, err = run("simulate", *base, h5)
    check(rc != 0 and open(h5, "rb").read() == before, "existing output refused (rc %d)" % rc)
    # bad options
    rc, err = run("simulate", "--n=33", os.path.join(d, "c.h5"))
    check(rc != 0 and "n = 33" in err, "odd n refused: %d %s" % (rc, err))
    rc, err = run("simulate", "--nu=-1", os.path.join(d, "c.h5"))
    check(rc == 2, "negative nu refused as usage error: %d %s" % (rc, err))
    check(not os.path.exists(os.path.join(d, "c.h5")), "no output from bad runs")
    # a .partial of another layout is refused and kept as it was
    part = os.path.join(d, "p.h5")
    p_args = ["--n=32", "--stride=2", "--samples=4", "--nt=1", "--dt-record=0.1", "--dt=0.01",
              "--batch=2", "--reproducible"]
    subprocess.run([HOST, "ns-forecast", "simulate", *p_args, part], capture_output=True)
    os.replace(part, part + ".partial")
    before = open(part + ".partial", "rb").read()
    rc, err = run("simulate", *p_args[:-2], "--nu=2e-3", "--batch=2", "--reproducible", part)
    check(rc != 0 and "nu" in err, "mismatched resume refused: %d %s" % (rc, err))
    check(open(part + ".partial", "rb").read() == before, ".partial untouched")
    print("ok" if not FAILS else "%d failures" % len(FAILS))
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())
