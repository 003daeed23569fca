#!/usr/bin/env python3
"""Deterministic generator of the shape-match demo pair (standard library only).

blob_a.off: an icosphere (4 subdivisions, 2562 vertices) pushed out along its
normals by a smooth asymmetric bump field (no mirror symmetry).
blob_b.off: the same surface bent non-rigidly (a twist about the y axis
growing with height plus a sideways bend), rotated, and with its vertices
in a shuffled order. Ground truth: line k of blob_a.vts matches line k of
blob_b.vts (1-based, the .vts convention of the benchmark data).

Run:  python3 make_pair.py   (writes the four files beside itself)
"""
import math, os, random

def icosphere(level):
    p = (1 + 5 ** 0.5) / 2
    v = [(-1, p, 0), (1, p, 0), (-1, -p, 0), (1, -p, 0), (0, -1, p), (0, 1, p), (0, -1, -p), (0, 1, -p),
         (p, 0, -1), (p, 0, 1), (-p, 0, -1), (-p, 0, 1)]
    f = [(0, 11, 5), (0, 5, 1), (0, 1, 7), (0, 7, 10), (0, 10, 11), (1, 5, 9), (5, 11, 4), (11, 10, 2), (10, 7, 6),
         (7, 1, 8), (3, 9, 4), (3, 4, 2), (3, 2, 6), (3, 6, 8), (3, 8, 9), (4, 9, 5), (2, 4, 11), (6, 2, 10), (8, 6, 7),
         (9, 8, 1)]
    v = [tuple(c / math.sqrt(sum(x * x for x in q)) for c in q) for q in v]
    for _ in range(level):
        mid, nf = {}, []
        def m(a, b):
            key = (min(a, b), max(a, b))
            if key not in mid:
                q = [(v[a][k] + v[b][k]) / 2 for k in range(3)]
                r = math.sqrt(sum(x * x for x in q))
                v.append(tuple(x / r for x in q))
                mid[key] = len(v) - 1
            return mid[key]
        for a, b, c in f:
            ab, bc, ca = m(a, b), m(b, c), m(c, a)
            nf += [(a, ab, ca), (b, bc, ab), (c, ca, bc), (ab, bc, ca)]
        f = nf
    return v, f

def bumps(q):
    x, y, z = q
    r = 1 + 0.25 * math.sin(2 * x + 1) * math.cos(3 * y) + 0.15 * z * z * x + 0.1 * y + 0.3 * math.exp(-8 * ((x - 0.3) ** 2 + (y - 0.8) ** 2)) + 0.12 * z + 0.1 * x * z
    return (x * r, 1.6 * y * r, z * r)

def bend(q):
    x, y, z = q
    a = 0.2 * y                       # twist about y, growing with height
    x, z = x * math.cos(a) - z * math.sin(a), x * math.sin(a) + z * math.cos(a)
    x += 0.08 * y * y                 # sideways bend
    c, s = math.cos(0.6), math.sin(0.6)  # rigid rotation about z
    return (c * x - s * y, s * x + c * y, z + 0.2)

def write_off(path, v, f):
    with open(path, "w") as fp:
        fp.write("OFF\n%d %d 0\n" % (len(v), len(f)))
        for q in v:
            fp.write("%.9f %.9f %.9f\n" % q)
        for t in f:
            fp.write("3 %d %d %d\n" % t)

here = os.path.dirname(os.path.abspath(__file__))
v, f = icosphere(4)
a = [bumps(q) for q in v]
perm = list(range(len(a)))
random.Random(20261127).shuffle(perm)          # vertex i of b is vertex perm[i] of a
inv = [0] * len(perm)
for i, p in enumerate(perm):
    inv[p] = i
b = [bend(a[perm[i]]) for i in range(len(a))]
fb = [(inv[x], inv[y], inv[z]) for x, y, z in f]
write_off(os.path.join(here, "blob_a.off"), a, f)
write_off(os.path.join(here, "blob_b.off"), b, fb)
# Every vertex: a's vertex k matches b's vertex inv[k].
with open(os.path.join(here, "blob_a.vts"), "w") as fp:
    fp.write("".join("%d\n" % (k + 1) for k in range(len(a))))
with open(os.path.join(here, "blob_b.vts"), "w") as fp:
    fp.write("".join("%d\n" % (inv[k] + 1) for k in range(len(a))))
