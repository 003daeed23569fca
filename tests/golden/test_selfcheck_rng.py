#!/usr/bin/env python3
"""Golden test of `parseval selfcheck rng` through the real host against an
independent Python implementation of the documented generator (seeding,
xoshiro256**, 53-bit uniforms, the portable logarithm, Marsaglia's polar
method) and of the block sums. Python floats are IEEE doubles without fused
multiply-adds, so the moments must agree to the last bit: this is the
cross-platform reproducibility promise of parseval/rng.h, checked.
Usage: test_selfcheck_rng.py PARSEVAL PLUGIN_DIR"""
import json, os, struct, subprocess, sys, tempfile

M = (1 << 64) - 1


def splitmix(x):
    x = (x + 0x9E3779B97F4A7C15) & M
    z = x
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M
    return x, z ^ (z >> 31)


class Rng:
    def __init__(self, seed, stream):
        _, m = splitmix(stream ^ 0xD1B54A32D192ED03)
        x = seed ^ m
        self.s = []
        for _ in range(4):
            x, z = splitmix(x)
            self.s.append(z)
        self.spare = None

    def u64(self):
        s = self.s
        rotl = lambda v, k: ((v << k) | (v >> (64 - k))) & M
        out = (rotl((s[1] * 5) & M, 7) * 9) & M
        t = (s[1] << 17) & M
        s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3]; s[2] ^= t; s[3] = rotl(s[3], 45)
        return out

    def uniform(self):
        return float(self.u64() >> 11) * 2.0 ** -53

    def normal(self):
        if self.spare is not None:
            z, self.spare = self.spare, None
            return z
        while True:
            u = 2 * self.uniform() - 1
            v = 2 * self.uniform() - 1
            s = u * u + v * v
            if s < 1 and s != 0:
                break
        f = (-2 * portable_log(s) / s) ** 0.5
        self.spare = v * f
        return u * f


C = [1.0 / k for k in (25, 23, 21, 19, 17, 15, 13, 11, 9, 7, 5, 3)]


def portable_log(x):
    bits = struct.unpack("<Q", struct.pack("<d", x))[0]
    e = ((bits >> 52) & 0x7FF) - 1022  # inputs here are normal numbers in (0, 1)
    m = struct.unpack("<d", struct.pack("<Q", (bits & ~(0x7FF << 52)) | (1022 << 52)))[0]
    if m < 0.70710678118654752440:
        m *= 2
        e -= 1
    s = (m - 1) / (m + 1)
    s2 = s * s
    p = 0.0
    for c in C:
        p = (p + c) * s2
    logm = 2 * s + 2 * s * p
    return float(e) * 6.93147180369123816490e-01 + (float(e) * 1.90821492927058770002e-10 + logm)


def moments(seed, samples, blocks):
    tot = [0.0] * 5
    sums = []
    for b in range(blocks):
        n = samples // blocks + (1 if b < samples % blocks else 0)
        r = Rng(seed, b)
        a1 = a2 = a3 = a4 = 0.0
        for _ in range(n):
            z = r.normal()
            z2 = z * z
            a1 += z; a2 += z2; a3 += z2 * z; a4 += z2 * z2
        sums.append([float(n), a1, a2, a3, a4])
    for s in sums:
        for k in range(5):
            tot[k] += s[k]
    n = tot[0]
    return {"mean": tot[1] / n, "m2": tot[2] / n, "m3": tot[3] / n, "m4": tot[4] / n}, Rng(seed, 0).u64()


pv = sys.argv[1]
tmp = tempfile.mkdtemp(prefix="pv-golden-")
passed = failed = 0
for seed, samples, blocks in [(7, 30001, 3), (2**64 - 1, 20000, 5)]:
    out = os.path.join(tmp, f"rng-{seed}.json")
    r = subprocess.run([pv, "selfcheck", "rng", f"--seed={seed}", f"--samples={samples}", f"--blocks={blocks}", out],
                       capture_output=True, text=True, timeout=120)
    if r.returncode != 0:
        failed += 1
        print("FAIL run:", r.stderr)
        continue
    got = json.load(open(out))
    want, first = moments(seed, samples, blocks)
    for k, v in want.items():
        if got["moments"][k] == v:
            passed += 1
        else:
            failed += 1
            print(f"FAIL seed {seed} {k}: parseval {got['moments'][k]!r} python {v!r}")
    if int(got["first_u64_stream0"], 16) == first and got["parameters"]["seed"] == seed:
        passed += 1
    else:
        failed += 1
        print("FAIL first draw / recorded seed", got["first_u64_stream0"], hex(first))
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
