#!/usr/bin/env python3
"""End-to-end: ns-forecast simulate -> train -> eval -> predict through the host.
Usage: test_nn_plugin.py PARSEVAL_HOST"""
import json, os, subprocess, sys, tempfile

host = sys.argv[1]
env = dict(os.environ)
env.setdefault("LSAN_OPTIONS", "suppressions=" + os.path.join(os.path.dirname(__file__), "../../lsan.supp"))


def run(*args, ok=True):
    p = subprocess.run([host, "ns-forecast"] + list(args), capture_output=True, text=True, env=env)
    if ok and p.returncode != 0:
        sys.exit(f"FAIL {' '.join(args)}: rc {p.returncode}\n{p.stderr}")
    return p


with tempfile.TemporaryDirectory() as d:
    ns, model = os.path.join(d, "ns.h5"), os.path.join(d, "model.h5")
    run("simulate", "--n=16", "--stride=1", "--samples=5", "--nt=8", "--dt=1e-2", "--dt-record=0.5",
        "--batch=5", "--reproducible", ns)
    tr = ["--ntrain=3", "--ntest=2", "--t-in=3", "--t-out=3", "--batch=3", "--modes=4", "--width=6"]
    p = run("train", "--epochs=2", "--metrics=" + os.path.join(d, "m.csv"),
            "--loss-png=" + os.path.join(d, "loss.png"), *tr, ns, model)
    assert open(os.path.join(d, "loss.png"), "rb").read(8) == b"\x89PNG\r\n\x1a\n"
    res = json.loads(p.stdout)
    assert res["epochs_run"] == 2 and 0 < res["test_rel_l2"] < 10, res
    lines = open(os.path.join(d, "m.csv")).read().splitlines()
    assert lines[0].startswith("epoch,lr") and len(lines) == 3, lines
    # resuming an existing checkpoint to more epochs (the host needs --overwrite)
    p = run("train", "--epochs=3", *tr, ns, model, ok=False)
    assert p.returncode != 0 and "exists" in p.stderr, p.stderr
    p = run("--overwrite", "train", "--epochs=3", "--resume", *tr, ns, model)
    assert json.loads(p.stdout)["epochs_run"] == 1
    rep = os.path.join(d, "rep.json")
    run("eval", "--samples=2", "--t-out=3", model, ns, rep)
    r = json.load(open(rep))
    assert len(r["rel_l2_per_step"]) == 3 and r["resolution"] == 16, r
    # the classical solver from the last input snapshot, same scheme and dt: the data itself
    p = run("--overwrite", "eval", "--classical", "--samples=2", "--t-out=3", model, ns, rep)
    assert "overall" in p.stdout and "cost" in p.stdout, p.stdout
    r = json.load(open(rep))
    c = r["classical"]
    assert c["scheme"] == "fno" and c["dt"] == 0.01 and c["steps_per_sample"] == 150, c
    assert c["rel_l2"] < 1e-12 and max(c["rel_l2_per_step"]) < 1e-12, c
    assert c["seconds_per_sample"] > 0 and r["seconds_per_sample"] > 0, r
    # a dataset whose steps the CFL rule chose (one sample per block): the same steps again
    nscfl = os.path.join(d, "nscfl.h5")
    run("simulate", "--n=16", "--stride=1", "--samples=2", "--nt=6", "--dt=0", "--dt-record=0.5",
        "--batch=1", "--reproducible", nscfl)
    p = run("--overwrite", "eval", "--classical", "--samples=2", "--t-out=3", model, nscfl, rep)
    c = json.load(open(rep))["classical"]
    assert c["dt"] == 0 and c["rel_l2"] < 1e-12 and "dt by CFL" in p.stdout, (c, p.stdout)
    # another scheme solves another (discrete) problem: small but not round-off
    run("--overwrite", "eval", "--classical", "--classical-scheme=ifrk4", "--samples=2", "--t-out=3",
        model, ns, rep)
    c = json.load(open(rep))["classical"]
    assert c["scheme"] == "ifrk4" and 1e-8 < c["rel_l2"] < 1e-2, c
    # zero-shot on a finer grid: the same initial fields solved at 32 x 32
    ns32 = os.path.join(d, "ns32.h5")
    run("simulate", "--n=32", "--stride=1", "--samples=5", "--nt=8", "--dt=1e-2", "--dt-record=0.5",
        "--batch=5", "--reproducible", ns32)
    run("--overwrite", "eval", "--samples=2", "--t-out=3", model, ns32, rep)
    r32 = json.load(open(rep))
    assert r32["resolution"] == 32 and 0 < r32["rel_l2"] < 10, r32
    # weight spectra of the trained model: table, JSON, PNG
    p = run("diagnose", "--png=" + os.path.join(d, "sv.png"), model, os.path.join(d, "diag.json"))
    assert "spec.0.w_pos" in p.stdout and "PL alpha" in p.stdout, p.stdout
    dj = json.load(open(os.path.join(d, "diag.json")))
    names = [l["name"] for l in dj["layers"]]
    assert "spec.0.w_pos" in names and "pw.0.weight" in names and "lift.bias" not in names, names
    for l in dj["layers"]:
        assert l["spectral_norm"] > 0 and 1 <= l["effective_rank"] <= min(l["rows"], l["cols"]) + 1e-9, l
    assert open(os.path.join(d, "sv.png"), "rb").read(8) == b"\x89PNG\r\n\x1a\n"
    run("predict", "--samples=1", "--png=" + os.path.join(d, "png"), model, ns, os.path.join(d, "pred.h5"))
    for n in ("truth", "prediction", "error"):
        assert os.path.exists(os.path.join(d, "png", n + ".png")), n
    # another architecture's checkpoint cannot be resumed
    p = run("--overwrite", "train", "--epochs=3", "--resume", "--width=7", *tr[:-1], ns, model, ok=False)
    assert p.returncode != 0 and "architecture" in p.stderr, p.stderr
    # --normalize=gaussian: the statistics go into the checkpoint; eval applies them and
    # reproduces train's final test error (same samples: the last 2); zero-shot at 32 x 32
    mn = os.path.join(d, "norm.h5")
    p = run("train", "--epochs=2", "--normalize=gaussian", *tr, ns, mn)
    tn = json.loads(p.stdout)["test_rel_l2"]
    run("--overwrite", "eval", "--samples=2", "--t-out=3", mn, ns, rep)
    en = json.load(open(rep))["rel_l2"]
    assert abs(en - tn) <= 1e-5 * tn, (en, tn)  # train prints 6 significant digits
    run("--overwrite", "eval", "--samples=2", "--t-out=3", mn, ns32, rep)
    r32 = json.load(open(rep))
    assert r32["resolution"] == 32 and 0 < r32["rel_l2"] < 10, r32
    p = run("--overwrite", "train", "--epochs=3", "--resume", *tr, ns, mn, ok=False)
    assert p.returncode != 0 and "norm_kind" in p.stderr, p.stderr
print("ok")
