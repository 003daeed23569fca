#!/usr/bin/env python3
"""End-to-end tests of the parseval host through the real executable: every
exit code, one stderr line per failure, parsing of every parameter type,
parameter files, the ABI cases and describe --json against the documented
schema. Usage: test_cli.py PARSEVAL TEST_PLUGIN_ROOT SOURCE_DIR"""
import json, os, subprocess, sys, tempfile

PV, ROOT, SRC = sys.argv[1], sys.argv[2], sys.argv[3]
passed = failed = 0
tmp = tempfile.mkdtemp(prefix="pv-cli-")


def run(args, path=("good",), env_extra=None, cwd=None):
    env = dict(os.environ)
    env["PARSEVAL_PLUGIN_PATH"] = ":".join(os.path.join(ROOT, p) for p in path)
    env.update(env_extra or {})
    r = subprocess.run([PV] + args, capture_output=True, text=True, env=env, cwd=cwd or tmp, timeout=900)
    return r.returncode, r.stdout, r.stderr


def check(name, cond, detail=""):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print(f"FAIL {name}: {detail}")


def expect(name, args, code, path=("good",), stderr_has=None, env_extra=None):
    rc, out, err = run(args, path, env_extra)
    lines = [l for l in err.splitlines() if l.strip()]
    ok = rc == code
    if code != 0:
        ok = ok and len(lines) == 1  # one clear line on stderr
    if stderr_has:
        ok = ok and stderr_has in err
    check(name, ok, f"args={args} rc={rc} (want {code}) stderr={err!r}")
    return out


def write(name, text):
    p = os.path.join(tmp, name)
    with open(p, "w") as f:
        f.write(text)
    return p


def read_kv(p):
    return dict(l.split("=", 1) for l in open(p).read().splitlines())


# ---- a tiny JSON Schema checker (the subset docs/describe.schema.json uses)
def validate(x, s, where="$"):
    errs = []
    types = {"object": dict, "array": list, "string": str, "boolean": bool, "null": type(None)}
    if "const" in s and x != s["const"]:
        errs.append(f"{where}: {x!r} != {s['const']!r}")
    if "enum" in s and x not in s["enum"]:
        errs.append(f"{where}: {x!r} not in {s['enum']}")
    if "type" in s:
        ts = s["type"] if isinstance(s["type"], list) else [s["type"]]
        def is_t(t):
            if t == "number":
                return isinstance(x, (int, float)) and not isinstance(x, bool)
            if t == "integer":
                return isinstance(x, int) and not isinstance(x, bool)
            return isinstance(x, types[t])
        if not any(is_t(t) for t in ts):
            errs.append(f"{where}: {x!r} is not {ts}")
            return errs
    if isinstance(x, dict):
        for k in s.get("required", []):
            if k not in x:
                errs.append(f"{where}: missing {k}")
        props = s.get("properties", {})
        for k, v in x.items():
            if k in props:
                errs += validate(v, props[k], f"{where}.{k}")
            elif s.get("additionalProperties") is False:
                errs.append(f"{where}: unexpected {k}")
    if isinstance(x, list) and "items" in s:
        for i, v in enumerate(x):
            errs += validate(v, s["items"], f"{where}[{i}]")
    return errs


inp = write("in.txt", "input data\n")
out = os.path.join(tmp, "out.txt")

# ---- host-level usage
expect("version", ["--version"], 0)
expect("help", ["--help"], 0)
expect("no command", [], 2)
expect("unknown app", ["nosuchapp"], 2, stderr_has="nosuchapp")
expect("threads zero", ["--threads=0", "list"], 2, stderr_has="--threads")
expect("threads missing value", ["list", "--threads"], 2)
expect("seed not a number", ["--seed=abc", "list"], 2, stderr_has="--seed")
expect("flag with value", ["--overwrite=yes", "list"], 2)
expect("memory not a size", ["--memory=lots", "list"], 2, stderr_has="--memory")
expect("memory zero", ["--memory=0", "list"], 2)
o = expect("list", ["list"], 0, path=("good", "old"))
check("list shows plugins", all(n in o for n in ("pvtest", "pvsingle", "pvold", "selfcheck")), o)

# ---- parsing of every type, host options anywhere
o = expect("echo all types", ["pvtest", "echo", "--n", "7", "--ratio=1.5e-3", "--flag", "--mode=long-name",
                              "--name=hello world", "--bands=4,5", "--weights=0.25,-1e2", inp, out,
                              "--threads=2", "--seed=99", "--memory=64M"], 0)
kv = read_kv(out)
want = {"n": "7", "ratio": "0.0015", "flag": "1", "mode": "long-name", "name": "hello world",
        "bands": "4,5", "weights": "0.25,-100", "threads": "2", "seed": "99", "input": inp,
        "memory": str(64 << 20)}
check("echo values", all(kv.get(k) == v for k, v in want.items()), kv)
expect("output exists", ["pvtest", "echo", "--weights=1", inp, out], 1, stderr_has="exists")
check("existing output untouched", read_kv(out).get("n") == "7")
expect("overwrite", ["--overwrite", "pvtest", "echo", "--weights=1", "--no-flag", inp, out], 0)
kv = read_kv(out)
check("defaults applied", kv.get("n") == "3" and kv.get("flag") == "0" and kv.get("mode") == "a"
      and kv.get("bands") == "1,2,3" and kv.get("name") == "(unset)", kv)
expect("C locale under de_DE", ["pvtest", "echo", "--overwrite", "--weights=1", "--ratio=2.5", inp, out], 0,
       env_extra={"LC_ALL": "de_DE.UTF-8", "LC_NUMERIC": "de_DE.UTF-8"})
check("C locale value", read_kv(out).get("ratio") == "2.5")
dash = write("--odd-name", "x")
expect("positional after --", ["pvtest", "echo", "--overwrite", "--weights=1", "--", "--odd-name", out], 0)
check("dash input", read_kv(out).get("input") == "--odd-name")

# ---- usage errors: exit 2, one line
base = ["pvtest", "echo", "--overwrite", inp, out]
expect("unknown option", base + ["--weights=1", "--bogus=1"], 2, stderr_has="--bogus")
expect("short option", base + ["--weights=1", "-x"], 2)
expect("missing value", base + ["--weights=1", "--n"], 2, stderr_has="--n")
expect("int out of range", base + ["--weights=1", "--n=101"], 2, stderr_has="outside")
expect("int garbage", base + ["--weights=1", "--n=3x"], 2, stderr_has="integer")
expect("real nan", base + ["--weights=1", "--ratio=nan"], 2)
expect("real inf", base + ["--weights=1", "--ratio=1e999"], 2)
expect("real below min", base + ["--weights=1", "--ratio=-1"], 2)
expect("bad choice", base + ["--weights=1", "--mode=c"], 2, stderr_has="a|b|long-name")
expect("bad flag", base + ["--weights=1", "--flag=maybe"], 2)
expect("bad list", base + ["--weights=1,,2"], 2)
expect("missing required option", base, 2, stderr_has="--weights")
expect("missing output", ["pvtest", "echo", "--weights=1", inp], 2, stderr_has="output")
expect("surplus positional", base + ["--weights=1", "extra"], 2, stderr_has="extra")
expect("no verb", ["pvtest"], 2, stderr_has="echo")
expect("unknown verb", ["pvtest", "nosuch"], 2, stderr_has="nosuch")
expect("verb help", ["pvtest", "echo", "--help"], 0)
expect("app help", ["pvtest", "--help"], 0)
expect("help command", ["help", "pvtest"], 0)

# ---- work failures: exit 1, checked before work
expect("missing input", ["pvtest", "echo", "--weights=1", os.path.join(tmp, "nope"), out, "--overwrite"], 1,
       stderr_has="nope")
expect("unwritable folder", ["pvtest", "echo", "--weights=1", inp, "/proc/pv-out.txt"], 1, stderr_has="writable")
expect("GDAL dataset names pass to the plugin", ["pvtest", "echo", "--weights=1", "--overwrite",
       'HDF5:"scene.h5"://cube', out], 0)
check("GDAL name echoed", read_kv(out).get("input") == 'HDF5:"scene.h5"://cube')
expect("missing folder", ["pvtest", "echo", "--weights=1", inp, os.path.join(tmp, "no/dir/o.txt")], 1)
expect("numerical failure", ["pvtest", "fail"], 1, stderr_has="not positive definite")
expect("progress", ["pvtest", "progress", "--progress", "--steps=20"], 0)

# ---- parameter files
pf = write("p.conf", '# comment\nn = 9\nweights = "1.5,2"\nname = "quoted \\"x\\""\n\nmode=b\n')
expect("params file", ["pvtest", "echo", "--params", pf, "--n=11", "--overwrite", inp, out], 0)
kv = read_kv(out)
check("params values", kv.get("n") == "11" and kv.get("weights") == "1.5,2" and kv.get("mode") == "b"
      and kv.get("name") == 'quoted "x"', kv)
pf = write("bad.conf", "n = 9\nthis line has no equals sign\n")
expect("params syntax", ["pvtest", "echo", f"--params={pf}", "--overwrite", inp, out], 2, stderr_has="bad.conf:2")
pf = write("unk.conf", "weights=1\nnosuch = 3\n")
expect("params unknown key", ["pvtest", "echo", f"--params={pf}", "--overwrite", inp, out], 2, stderr_has="unk.conf:2")
pf = write("range.conf", "weights=1\nn = 1000\n")
expect("params out of range", ["pvtest", "echo", f"--params={pf}", "--overwrite", inp, out], 2, stderr_has="range.conf:2")
expect("params missing", ["pvtest", "echo", "--params=/nonexistent.conf", inp, out], 1)

# ---- single-verb and ABI cases
o2 = os.path.join(tmp, "copy.txt")
expect("implicit verb", ["pvsingle", inp, o2], 0)
check("copy content", open(o2).read() == "input data\n")
expect("explicit verb", ["pvsingle", "copy", "--overwrite", inp, o2], 0)
o3 = os.path.join(tmp, "old.txt")
expect("old ABI plugin runs", ["pvold", "--level=5", o3], 0, path=("old",))
check("old ABI output", open(o3).read() == "level=5\n")
expect("wrong ABI major", ["list"], 3, path=("good", "badmajor"), stderr_has="ABI 2.0")
expect("duplicate names", ["list"], 3, path=("dup",), stderr_has="two plugins are named pvdup")
expect("missing symbol", ["list"], 3, path=("nosym",), stderr_has="parseval_plugin")
expect("reserved parameter", ["list"], 3, path=("reserved",), stderr_has="--threads")

# ---- describe --json against the schema
schema = json.load(open(os.path.join(SRC, "docs", "describe.schema.json")))
for app in ("pvtest", "pvsingle", "pvold", "selfcheck"):
    rc, o, e = run(["describe", app, "--json"], ("good", "old"))
    try:
        d = json.loads(o)
        errs = validate(d, schema)
    except ValueError as ex:
        errs = [f"invalid JSON: {ex}"]
    check(f"describe {app}", rc == 0 and not errs, f"rc={rc} {errs[:5]} {e}")
rc, o, e = run(["describe", "pvold", "--json"], ("old",))
d = json.loads(o)
check("old abi described", d["abi"] == "1.0" and d["verbs"][0]["parameters"][0]["units"] is None
      and d["demos"] == [] and d["verbs"][0]["implicit"] is True, d)
rc, o, e = run(["describe", "pvtest", "--json"])
d = json.loads(o)
p = {q["name"]: q for q in d["verbs"][0]["parameters"]}
check("describe fields", p["n"]["min"] == 1 and p["n"]["max"] == 100 and p["mode"]["choices"] == ["a", "b", "long-name"]
      and p["ratio"]["units"] == "m" and p["weights"]["required"] and p["input"]["role"] == "input", p)
expect("describe unknown", ["describe", "nosuch", "--json"], 2)
expect("describe nothing", ["describe"], 2)

# ---- demo with its HTML index
demo_out = os.path.join(tmp, "demo")
rc, o, e = run(["demo", f"--out={demo_out}"], ("good",))
index = os.path.join(demo_out, "index.html")
check("demo runs", rc == 0 and os.path.exists(index), e)
if os.path.exists(index):
    html = open(index).read()
    check("demo index lists apps", "selfcheck" in html and "rng.json" in html and "pvsingle" in html, html[:300])
expect("demo unknown app", ["demo", "nosuch"], 2)

print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
