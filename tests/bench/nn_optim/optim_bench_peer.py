#!/usr/bin/python3
"""Peer for bench_nn_optim: one optimiser step on the FNO-2D parameter set in
torch (CPU, float32), printed as "peer <name> <median ms>" lines.

Parameter shapes: ../shared/peers/ns/fno2d_bench.py (FNO2dNS, modes 12,
width 20, t_in 10): lift Linear(12->20), 4 x [SpectralConv2d w_pos/w_neg
(20,20,12,12) cfloat, Conv2d(20,20,1)], proj1 Linear(20->128), proj2
Linear(128->1); 926,357 real numbers.

Optimisers: torch.optim.Adam (lr 1e-3, weight_decay 1e-4, the peer's
training setting) and torch re-implementations of the reference codes
(KellerJordan/Muon muon.py, jie040109/Conda conda.py+projector.py,
ryyzn9/AuON optimizer.py), in float32 rather than the Muon reference's
bfloat16; complex spectral weights are orthogonalised (Muon, Hybrid-AuON) or
projected (Conda: batched complex SVD basis, |P g|^2 second moment) per Fourier
mode as a batch, 1-D parameters use Muon's adam_update.

Usage: optim_bench_peer.py [--reps 20] [--threads 1]"""
import argparse
import time

import torch

NSABC = (3.4445, -4.7750, 2.0315)


def fno_params(modes=12, width=20, t_in=10):
    shapes = [("lift.weight", (width, t_in + 2), False), ("lift.bias", (width,), False)]
    for l in range(4):
        shapes += [("spec.%d.w_pos" % l, (width, width, modes, modes), True),
                   ("spec.%d.w_neg" % l, (width, width, modes, modes), True),
                   ("pw.%d.weight" % l, (width, width, 1, 1), False), ("pw.%d.bias" % l, (width,), False)]
    shapes += [("proj1.weight", (128, width), False), ("proj1.bias", (128,), False),
               ("proj2.weight", (1, 128), False), ("proj2.bias", (1,), False)]
    g = torch.Generator().manual_seed(1)
    ps = []
    for name, sh, cplx in shapes:
        dt = torch.cfloat if cplx else torch.float32
        p = torch.nn.Parameter(torch.randn(sh, dtype=dt, generator=g) * 0.1)
        p.grad = torch.randn(sh, dtype=dt, generator=g) * 0.01
        ps.append((name, p))
    return ps


def ns5(G, steps):
    a, b, c = NSABC
    X = G
    tr = G.size(-2) > G.size(-1)
    if tr:
        X = X.mT
    X = X / (torch.linalg.norm(X, dim=(-2, -1), keepdim=True) + 1e-7)
    for _ in range(steps):
        A = X @ X.mH
        B = b * A + c * A @ A
        X = a * X + B @ X
    return X.mT if tr else X


def ortho(G, steps):
    if G.is_complex():  # (in, out, m1, m2) -> batch of per-mode (in, out)
        i, o = G.shape[0], G.shape[1]
        M = G.reshape(i, o, -1).permute(2, 0, 1)
        return ns5(M, steps).permute(1, 2, 0).reshape(G.shape), 1.0
    V = G.reshape(G.shape[0], -1)
    return ns5(V, steps).reshape(G.shape), max(1.0, V.shape[0] / V.shape[1]) ** 0.5


def is_matrix(p):
    return p.dim() >= 2


class AuxAdam:
    def __init__(self):
        self.s = {}

    def step(self, p, lr, betas=(0.9, 0.95), eps=1e-10, wd=0.0):
        st = self.s.setdefault(id(p), {"m": torch.zeros_like(p), "v": torch.zeros_like(p), "t": 0})
        st["t"] += 1
        g = p.grad
        gr = torch.view_as_real(g) if g.is_complex() else g
        m = torch.view_as_real(st["m"]) if g.is_complex() else st["m"]
        v = torch.view_as_real(st["v"]) if g.is_complex() else st["v"]
        m.lerp_(gr, 1 - betas[0])
        v.lerp_(gr.square(), 1 - betas[1])
        u = (m / (1 - betas[0] ** st["t"])) / ((v / (1 - betas[1] ** st["t"])).sqrt() + eps)
        pr = torch.view_as_real(p.data) if p.is_complex() else p.data
        pr.mul_(1 - lr * wd).add_(u, alpha=-lr)


class Muon:
    def __init__(self, params, lr=0.02, beta=0.95, ns=5):
        self.ps, self.lr, self.beta, self.ns = params, lr, beta, ns
        self.mom = {id(p): torch.zeros_like(p) for _, p in params}
        self.aux = AuxAdam()

    @torch.no_grad()
    def step(self):
        for _, p in self.ps:
            if not is_matrix(p):
                self.aux.step(p, self.lr * 0.015)
                continue
            m = self.mom[id(p)]
            m.lerp_(p.grad, 1 - self.beta)
            u = p.grad.lerp(m, self.beta)
            X, sc = ortho(u, self.ns)
            p.add_(X, alpha=-self.lr * sc)


class Conda:
    def __init__(self, params, lr=1e-3, gap=500, scale=0.25):
        self.ps, self.lr, self.gap, self.scale = params, lr, gap, scale
        self.s = {}

    @torch.no_grad()
    def step_modes(self, p, b1, b2):
        """complex (in, out, m1, m2): a batch of per-mode in x out matrices"""
        i, o = p.shape[0], p.shape[1]
        g = p.grad.reshape(i, o, -1).permute(2, 0, 1)
        st = self.s.setdefault(id(p), {"m": torch.zeros_like(g), "t": 0,
                                       "v": torch.zeros(g.shape, dtype=torch.float32)})
        m, v = st["m"], st["v"]
        m.mul_(b1).add_(g, alpha=1 - b1)
        tall = i >= o
        if st["t"] % self.gap == 0:
            U, s, Vh = torch.linalg.svd(m, full_matrices=False)
            st["P"] = Vh if tall else U
        P = st["P"]
        gp, mp = (g @ P.mH, m @ P.mH) if tall else (P.mH @ g, P.mH @ m)
        v.mul_(b2).add_(gp.abs().square(), alpha=1 - b2)
        st["t"] += 1
        ss = self.lr * (1 - b2 ** st["t"]) ** 0.5 / (1 - b1 ** st["t"])
        n = mp / (v.sqrt() + 1e-8)
        n = (n @ P if tall else P @ n) * self.scale
        p.data.add_(n.permute(1, 2, 0).reshape(p.shape), alpha=-ss)

    @torch.no_grad()
    def step(self):
        b1, b2 = 0.9, 0.999
        for _, p in self.ps:
            if p.is_complex():
                self.step_modes(p, b1, b2)
                continue
            g = torch.view_as_real(p.grad) if p.is_complex() else p.grad
            pd = torch.view_as_real(p.data) if p.is_complex() else p.data
            proj = not p.is_complex() and p.dim() >= 2
            if proj:
                g = g.reshape(g.shape[0], -1)
            st = self.s.setdefault(id(p), {"m": torch.zeros_like(g), "v": torch.zeros_like(g), "t": 0})
            m, v = st["m"], st["v"]
            m.mul_(b1).add_(g, alpha=1 - b1)
            if proj:
                tall = g.shape[0] >= g.shape[1]
                if st["t"] % self.gap == 0:
                    U, s, Vh = torch.linalg.svd(m, full_matrices=False)
                    st["P"] = Vh if tall else U
                P = st["P"]
                gp, mp = (g @ P.t(), m @ P.t()) if tall else (P.t() @ g, P.t() @ m)
            else:
                gp, mp = g, m
            v.mul_(b2).addcmul_(gp, gp, value=1 - b2)
            st["t"] += 1
            ss = self.lr * (1 - b2 ** st["t"]) ** 0.5 / (1 - b1 ** st["t"])
            n = mp / (v.sqrt() + 1e-8)
            if proj:
                n = (n @ P if tall else P @ n) * self.scale
            pd.add_(n.reshape(pd.shape), alpha=-ss)


class AuON:
    def __init__(self, params, lr=0.08, beta=0.95, gamma=1.5, hybrid=False, ns=1):
        self.ps, self.lr, self.beta, self.gamma, self.hybrid, self.ns = params, lr, beta, gamma, hybrid, ns
        self.mom = {id(p): torch.zeros_like(p) for _, p in params}
        self.aux = AuxAdam()

    @torch.no_grad()
    def step(self):
        for _, p in self.ps:
            if not is_matrix(p):
                self.aux.step(p, self.lr * 0.015)
                continue
            m = self.mom[id(p)]
            m.lerp_(p.grad, 1 - self.beta)
            G = p.grad.lerp(m, self.beta)
            if self.hybrid:
                G, _ = ortho(G, self.ns)
            Gr = torch.view_as_real(G) if G.is_complex() else G
            gn = torch.linalg.norm(Gr.reshape(-1))
            r = torch.sqrt(torch.mean(torch.cosh(Gr * (self.gamma / (gn + 1e-7))) ** 2))
            rows = G.shape[0]
            cols = G.shape[1] if (self.hybrid and G.is_complex()) else G.numel() // rows
            p.add_(G, alpha=-self.lr / float((gn + 1e-7) * (r + 1e-8)) * max(1.0, rows / cols) ** 0.5)


def timeit(step, reps):
    step()  # state allocation, first SVD
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter()
        step()
        ts.append(time.perf_counter() - t0)
    ts.sort()
    return 1e3 * ts[len(ts) // 2]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=20)
    ap.add_argument("--threads", type=int, default=1)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    n = sum(p.numel() * (2 if p.is_complex() else 1) for _, p in fno_params())
    print("peer params %d torch %s threads %d" % (n, torch.__version__, a.threads))
    ps = fno_params()
    adam = torch.optim.Adam([p for _, p in ps], lr=1e-3, weight_decay=1e-4)
    print("peer adam %.3f" % timeit(adam.step, a.reps))
    for name, mk in [("muon", lambda q: Muon(q)), ("conda", lambda q: Conda(q)),
                     ("auon", lambda q: AuON(q)), ("hybrid", lambda q: AuON(q, hybrid=True))]:
        opt = mk(fno_params())
        print("peer %s %.3f" % (name, timeit(opt.step, a.reps)), flush=True)


if __name__ == "__main__":
    main()
