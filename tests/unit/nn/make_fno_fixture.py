#!/usr/bin/python3
"""Write the FNO-2D forward-parity fixture for test_nn_fno (PyTorch CPU).

The model is an independent re-implementation of the peer's FNO2dNS
(fourier_2d_time.py architecture) at a small size. Weights and inputs are
drawn deterministically (torch.manual_seed(1234)), then:
  fixtures/fno_params.npy  float32 [P]: every parameter flattened in the order
                           lift.weight, lift.bias, then per layer l
                           spec.l.w_pos, spec.l.w_neg (complex as re,im pairs),
                           pw.l.weight, pw.l.bias; proj1.*, proj2.*
  fixtures/fno_x.npy       float32 [B, t_in, n, n] input frames (channel-first)
  fixtures/fno_y.npy       float32 [B, n, n] the model's output
  fixtures/fno_config.npy  int32 [t_in, width, modes, layers, proj, n, B]
Usage: python3 make_fno_fixture.py [outdir]   (CI never needs torch: the test
skips when the files are absent)."""
import os, sys
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

T_IN, WIDTH, MODES, LAYERS, PROJ, N, B = 10, 8, 4, 4, 32, 16, 2


class Spec(nn.Module):
    def __init__(s, c, m):
        super().__init__()
        s.m = m
        sc = 1.0 / (c * c)
        s.w_pos = nn.Parameter(sc * torch.rand(c, c, m, m, dtype=torch.cfloat))
        s.w_neg = nn.Parameter(sc * torch.rand(c, c, m, m, dtype=torch.cfloat))

    def forward(s, x):
        b, c, nx, ny = x.shape
        m = s.m
        xh = torch.fft.rfft2(x)
        out = torch.zeros(b, c, nx, ny // 2 + 1, dtype=torch.cfloat)
        out[:, :, :m, :m] = torch.einsum("bixy,ioxy->boxy", xh[:, :, :m, :m], s.w_pos)
        out[:, :, -m:, :m] = torch.einsum("bixy,ioxy->boxy", xh[:, :, -m:, :m], s.w_neg)
        return torch.fft.irfft2(out, s=(nx, ny))


class FNO(nn.Module):
    def __init__(s):
        super().__init__()
        s.lift = nn.Linear(T_IN + 2, WIDTH)
        s.spec = nn.ModuleList([Spec(WIDTH, MODES) for _ in range(LAYERS)])
        s.pw = nn.ModuleList([nn.Conv2d(WIDTH, WIDTH, 1) for _ in range(LAYERS)])
        s.proj1 = nn.Linear(WIDTH, PROJ)
        s.proj2 = nn.Linear(PROJ, 1)

    def forward(s, x):  # x: (b, nx, ny, t_in)
        b, nx, ny, _ = x.shape
        gx = torch.linspace(0, 1, nx).view(1, nx, 1, 1).expand(b, nx, ny, 1)
        gy = torch.linspace(0, 1, ny).view(1, 1, ny, 1).expand(b, nx, ny, 1)
        v = s.lift(torch.cat([x, gx, gy], dim=-1)).permute(0, 3, 1, 2)
        for i in range(LAYERS):
            v = s.spec[i](v) + s.pw[i](v)
            if i < LAYERS - 1:
                v = F.gelu(v)
        return s.proj2(F.gelu(s.proj1(v.permute(0, 2, 3, 1))))[..., 0]


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures")
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(1234)
    model = FNO()
    x = torch.randn(B, N, N, T_IN)
    with torch.no_grad():
        y = model(x)
    flat = []
    order = ["lift.weight", "lift.bias"]
    for l in range(LAYERS):
        order += [f"spec.{l}.w_pos", f"spec.{l}.w_neg", f"pw.{l}.weight", f"pw.{l}.bias"]
    order += ["proj1.weight", "proj1.bias", "proj2.weight", "proj2.bias"]
    sd = dict(model.named_parameters())
    for k in order:
        p = sd[k].detach()
        if p.is_complex():
            p = torch.view_as_real(p)
        flat.append(p.reshape(-1).numpy().astype(np.float32))
    np.save(os.path.join(out, "fno_params.npy"), np.concatenate(flat))
    np.save(os.path.join(out, "fno_x.npy"), x.permute(0, 3, 1, 2).contiguous().numpy().astype(np.float32))
    np.save(os.path.join(out, "fno_y.npy"), y.numpy().astype(np.float32))
    np.save(os.path.join(out, "fno_config.npy"), np.array([T_IN, WIDTH, MODES, LAYERS, PROJ, N, B], dtype=np.int32))


if __name__ == "__main__":
    main()
