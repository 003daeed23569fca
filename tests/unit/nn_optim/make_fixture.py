#!/usr/bin/python3
"""Reference trajectories for tests/unit/nn_optim (writes fixture_optim.txt).

Run: /usr/bin/python3 tests/unit/nn_optim/make_fixture.py > tests/unit/nn_optim/fixture_optim.txt
(torch 1.13 CPU, float64, deterministic; a few kB).

The optimisers are re-implemented in torch from their reference code, read at:
  Muon   github.com/KellerJordan/Muon  muon.py @857d1ad (muon_update,
         zeropower_via_newtonschulz5, SingleDeviceMuonWithAuxAdam, adam_update)
  Conda  github.com/jie040109/Conda    conda_torch/conda.py, projector.py @449af71
  AuON   github.com/ryyzn9/AuON        auon/optimizer.py @bba2e82 (AuON, HybridAuON);
         the unit-norm variant follows the paper's description (arXiv 2509.24320):
         the Frobenius-normalised momentum over the cosh RMS, times sqrt(max(1, m/n)).
Differences kept on purpose: float64 instead of the reference's bfloat16
Newton-Schulz; complex spectral weights orthogonalised per Fourier mode with
X X^H (the references have no complex path); gradients are not modified in
place (the references lerp p.grad).

Problem: four parameters with closed-form gradients,
  w1 (6x4 real):     0.5 ||A1 w1 - B1||^2          grad A1^T (A1 w1 - B1)
  w2 (3x5 real):     0.5 ||A2 w2 - B2||^2          grad A2^T (A2 w2 - B2)
  c1 (2,3,2,2) cplx: 0.5 sum d |c1 - T|^2          grad d (c1 - T)
  b1 (5,) real:      0.5 sum e (b1 - t)^2          grad e (b1 - t)   (auxiliary)
Records the parameters after steps 1, 4 and 8 for each configuration, and the
learning rates of torch's schedulers."""
import math
import sys

import torch

torch.manual_seed(20251127)
D = torch.float64
NSABC = (3.4445, -4.7750, 2.0315)


def out(name, t):
    t = torch.view_as_real(t) if t.is_complex() else t
    v = t.detach().reshape(-1).tolist()
    print(name, len(v), " ".join("%.10g" % x for x in v))


# ---- problem ----
A1, B1 = torch.randn(8, 6, dtype=D), torch.randn(8, 4, dtype=D)
A2, B2 = torch.randn(4, 3, dtype=D), torch.randn(4, 5, dtype=D)
Tc = torch.randn(2, 3, 2, 2, dtype=torch.complex128)
dc = 0.5 + torch.rand(2, 3, 2, 2, dtype=D)
tb, eb = torch.randn(5, dtype=D), 0.5 + torch.rand(5, dtype=D)
W0 = {"w1": torch.randn(6, 4, dtype=D), "w2": torch.randn(3, 5, dtype=D),
      "c1": torch.randn(2, 3, 2, 2, dtype=torch.complex128), "b1": torch.randn(5, dtype=D)}
for k, v in [("A1", A1), ("B1", B1), ("A2", A2), ("B2", B2), ("Tc", Tc), ("dc", dc),
             ("tb", tb), ("eb", eb)]:
    out(k, v)
for k, v in W0.items():
    out("init." + k, v)


def grads(W):
    return {"w1": A1.T @ (A1 @ W["w1"] - B1), "w2": A2.T @ (A2 @ W["w2"] - B2),
            "c1": dc * (W["c1"] - Tc), "b1": eb * (W["b1"] - tb)}


# ---- Newton-Schulz (muon.py zeropower_via_newtonschulz5, float64) ----
def ns5(G, steps):
    a, b, c = NSABC
    X = G
    tr = G.size(-2) > G.size(-1)
    if tr:
        X = X.mT
    X = X / (torch.linalg.norm(X) + 1e-7)
    for _ in range(steps):
        A = X @ X.mH
        B = b * A + c * A @ A
        X = a * X + B @ X
    return X.mT if tr else X


def ortho(name, G, steps):
    """Matrix view: real -> (shape[0], rest); complex (in,out,modes) -> per mode."""
    if G.is_complex():
        i, o = G.shape[0], G.shape[1]
        M = G.reshape(i, o, -1)
        R = torch.stack([ns5(M[:, :, k], steps) for k in range(M.shape[2])], dim=2)
        return R.reshape(G.shape), 1.0
    V = G.reshape(G.shape[0], -1)
    return ns5(V, steps).reshape(G.shape), max(1.0, V.shape[0] / V.shape[1]) ** 0.5


def aux_adam(p, g, st, lr, betas, eps, wd):
    """muon.py adam_update + the aux branch of SingleDeviceMuonWithAuxAdam."""
    if not st:
        st.update(m=torch.zeros_like(g), v=torch.zeros_like(g), t=0)
    st["t"] += 1
    pr, gr = (torch.view_as_real(p), torch.view_as_real(g)) if p.is_complex() else (p, g)
    st["m"] = st["m"].lerp(gr, 1 - betas[0])
    st["v"] = st["v"].lerp(gr.square(), 1 - betas[1])
    u = (st["m"] / (1 - betas[0] ** st["t"])) / ((st["v"] / (1 - betas[1] ** st["t"])).sqrt() + eps)
    pr = pr * (1 - lr * wd) - lr * u
    return torch.view_as_complex(pr.contiguous()) if p.is_complex() else pr


def muon_step(W, S, cfg):
    G = grads(W)
    for k in W:
        st = S.setdefault(k, {})
        if k == "b1":
            W[k] = aux_adam(W[k], G[k], st, cfg["lr"] * cfg["aux_scale"], (0.9, 0.95), 1e-10,
                            cfg["aux_wd"])
            continue
        m = st.setdefault("m", torch.zeros_like(G[k]))
        m = m.lerp(G[k], 1 - cfg["beta"])
        st["m"] = m
        u = G[k].lerp(m, cfg["beta"])
        X, sc = ortho(k, u, cfg["ns"])
        W[k] = W[k] * (1 - cfg["lr"] * cfg["wd"]) - cfg["lr"] * sc * X


def conda_modes(p, g, st, cfg, b1, b2):
    """Conda per Fourier mode on a complex (in, out, modes..) weight: complex SVD
    basis of each mode's momentum, P x = x Vh^H (in >= out) or U^H x, one second
    moment |P g|^2 per complex entry (our extension; see nn_optim.h)."""
    i, o = g.shape[0], g.shape[1]
    G = g.reshape(i, o, -1)
    m = st.setdefault("m", torch.zeros_like(G))
    v = st.setdefault("v", torch.zeros(G.shape[2], i, o, dtype=D))
    m.mul_(b1).add_(G, alpha=1 - b1)
    tall = i >= o
    if st["step"] % cfg["gap"] == 0:
        Ps = []
        for kk in range(G.shape[2]):
            U, s, Vh = torch.linalg.svd(m[:, :, kk], full_matrices=False)
            Ps.append(Vh if tall else U)
        st["P"] = Ps
    st["step"] += 1
    step_size = cfg["lr"] * math.sqrt(1 - b2 ** st["step"]) / (1 - b1 ** st["step"])
    out = torch.zeros_like(G)
    for kk in range(G.shape[2]):
        P = st["P"][kk]
        gp = G[:, :, kk] @ P.mH if tall else P.mH @ G[:, :, kk]
        mp = m[:, :, kk] @ P.mH if tall else P.mH @ m[:, :, kk]
        v[kk] = b2 * v[kk] + (1 - b2) * gp.abs() ** 2
        n = mp / (v[kk].sqrt() + 1e-8)
        out[:, :, kk] = (n @ P if tall else P @ n) * cfg["scale"]
    p = p - step_size * out.reshape(p.shape)
    return p - cfg["lr"] * cfg["wd"] * p


def conda_step(W, S, cfg):
    """conda.py Conda.step with the projector (proj_type std) on real 2-D weights."""
    G = grads(W)
    b1, b2 = 0.9, 0.999
    for k in W:
        st = S.setdefault(k, {"step": 0})
        if G[k].is_complex():
            W[k] = conda_modes(W[k], G[k], st, cfg, b1, b2)
            continue
        g = G[k]
        cplx = g.is_complex()
        if cplx:
            g = torch.view_as_real(g)
        p = torch.view_as_real(W[k]) if cplx else W[k]
        m = st.setdefault("m", torch.zeros_like(g))
        v = st.setdefault("v", torch.zeros_like(g))
        m.mul_(b1).add_(g, alpha=1 - b1)
        proj = g.dim() == 2
        if proj:
            if st["step"] % cfg["gap"] == 0:
                U, s, Vh = torch.linalg.svd(m, full_matrices=False)
                st["P"] = Vh if g.shape[0] >= g.shape[1] else U
            P = st["P"]
            if g.shape[0] >= g.shape[1]:
                gp, mp = g @ P.t(), m @ P.t()
            else:
                gp, mp = P.t() @ g, P.t() @ m
        else:
            gp, mp = g, m
        v.mul_(b2).addcmul_(gp, gp, value=1 - b2)
        denom = v.sqrt().add_(1e-8)
        st["step"] += 1
        step_size = cfg["lr"] * math.sqrt(1 - b2 ** st["step"]) / (1 - b1 ** st["step"])
        n = mp / denom
        if proj:
            n = (n @ P if g.shape[0] >= g.shape[1] else P @ n) * cfg["scale"]
        p = p - step_size * n
        p = p - cfg["lr"] * cfg["wd"] * p
        W[k] = torch.view_as_complex(p.contiguous()) if cplx else p


def auon_step(W, S, cfg):
    """optimizer.py AuON / HybridAuON on matrices; aux Adam for the vector."""
    G = grads(W)
    for k in W:
        st = S.setdefault(k, {})
        if k == "b1":
            W[k] = aux_adam(W[k], G[k], st, cfg["lr"] * cfg["aux_scale"], (0.9, 0.95), 1e-10,
                            cfg["aux_wd"])
            continue
        W[k] = W[k] * (1 - cfg["lr"] * cfg["wd"])
        m = st.setdefault("m", torch.zeros_like(G[k]))
        m = m.lerp(G[k], 1 - cfg["beta"])
        st["m"] = m
        Gk = G[k].lerp(m, cfg["beta"])
        if cfg["hybrid"]:
            Gk, _ = ortho(k, Gk, cfg["ns"])
        Gr = torch.view_as_real(Gk) if Gk.is_complex() else Gk
        gn = torch.linalg.norm(Gr.reshape(-1))
        r = torch.sqrt(torch.mean(torch.cosh(Gr / (gn + 1e-7) * cfg["gamma"]) ** 2))
        if cfg["normalize"]:
            rows = Gk.shape[0]  # aspect of the matrix view (per mode when hybrid+complex)
            cols = Gk.shape[1] if (cfg["hybrid"] and Gk.is_complex()) else Gk.numel() // rows
            upd = Gk / (gn + 1e-7) / (r + 1e-8) * max(1.0, rows / cols) ** 0.5
        else:
            upd = Gk / (r + 1e-8)
        W[k] = W[k] - cfg["lr"] * upd


CONFIGS = [
    ("muon", muon_step, dict(lr=0.05, beta=0.95, ns=5, wd=0.1, aux_scale=0.5, aux_wd=0.01)),
    ("conda", conda_step, dict(lr=0.05, gap=3, scale=0.25, wd=0.1)),
    ("auon_paper", auon_step, dict(lr=0.1, beta=0.95, gamma=1.5, wd=0.1, normalize=1,
                                   hybrid=0, ns=0, aux_scale=0.5, aux_wd=0.01)),
    ("auon_code", auon_step, dict(lr=0.01, beta=0.95, gamma=1.5, wd=0.1, normalize=0,
                                  hybrid=0, ns=0, aux_scale=0.5, aux_wd=0.01)),
    ("hybrid_paper", auon_step, dict(lr=0.1, beta=0.95, gamma=1.5, wd=0.1, normalize=1,
                                     hybrid=1, ns=1, aux_scale=0.5, aux_wd=0.01)),
    ("hybrid_code", auon_step, dict(lr=0.05, beta=0.95, gamma=1.5, wd=0.1, normalize=0,
                                    hybrid=1, ns=5, aux_scale=0.5, aux_wd=0.01)),
]

for name, fn, cfg in CONFIGS:
    W = {k: v.clone() for k, v in W0.items()}
    S = {}
    for step in range(1, 9):
        fn(W, S, cfg)
        if step in (1, 4, 8):
            for k in W:
                out("%s.%d.%s" % (name, step, k), W[k])

# ---- schedules (torch's own classes, lr as printed by get_last_lr) ----
def sched_lrs(make, n):
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.Adam([p], lr=0.1)
    s = make(opt)
    lrs, moms = [], []
    for _ in range(n):
        lrs.append(s.get_last_lr()[0])
        moms.append(opt.param_groups[0]["betas"][0])
        opt.step()
        s.step()
    return torch.tensor(lrs, dtype=D), torch.tensor(moms, dtype=D)


lr, _ = sched_lrs(lambda o: torch.optim.lr_scheduler.StepLR(o, step_size=7, gamma=0.5), 30)
out("sched.step", lr)
lr, _ = sched_lrs(lambda o: torch.optim.lr_scheduler.SequentialLR(o, [
    torch.optim.lr_scheduler.LinearLR(o, start_factor=0.1, total_iters=5),
    torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=25, eta_min=0.001)], milestones=[5]), 30)
out("sched.warmup_cosine", lr)
lr, mom = sched_lrs(lambda o: torch.optim.lr_scheduler.OneCycleLR(
    o, max_lr=0.01, total_steps=40, div_factor=1e3, final_div_factor=1e4), 40)
out("sched.one_cycle", lr)
out("sched.one_cycle_beta1", mom)
sys.stdout.flush()
