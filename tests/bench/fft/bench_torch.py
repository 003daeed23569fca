"""torch peer for bench_fft: batched 2D rfft2 and irfft2 of B fields N x N,
float32, one thread, median of R repetitions (bench_torch.py N B R); or FNO's
spectral-conv mode products (bench_torch.py conv N B C M R)."""
import sys
import time

import torch


def conv(n, b, c, m, r):
    """FNO SpectralConv2d's mode products (two corner blocks), as in the
    reference: einsum("bixy,ioxy->boxy") on x_ft[:, :, :m, :m] and [-m:, :m]."""
    torch.set_num_threads(1)
    x_ft = torch.rand(b, c, n, n // 2 + 1, dtype=torch.cfloat)
    w1 = torch.rand(c, c, m, m, dtype=torch.cfloat)
    w2 = torch.rand(c, c, m, m, dtype=torch.cfloat)
    ts = []
    for _ in range(r):
        t0 = time.perf_counter()
        out = torch.zeros(b, c, n, n // 2 + 1, dtype=torch.cfloat)
        out[:, :, :m, :m] = torch.einsum("bixy,ioxy->boxy", x_ft[:, :, :m, :m], w1)
        out[:, :, -m:, :m] = torch.einsum("bixy,ioxy->boxy", x_ft[:, :, -m:, :m], w2)
        ts.append(time.perf_counter() - t0)
    ts.sort()
    print(f"torch_spectral_conv N={n} batch={b} width={c} modes={m} forward_ms={ts[r // 2] * 1e3:.4f}")


def main():
    if sys.argv[1] == "conv":
        conv(*(int(a) for a in sys.argv[2:7]))
        return
    n, b, r = (int(a) for a in sys.argv[1:4])
    torch.set_num_threads(1)
    torch.manual_seed(1)
    x = torch.rand(b, n, n, dtype=torch.float32) - 0.5
    tf, tb = [], []
    for _ in range(r):
        t0 = time.perf_counter()
        xh = torch.fft.rfft2(x)
        t1 = time.perf_counter()
        x = torch.fft.irfft2(xh, s=(n, n))
        t2 = time.perf_counter()
        tf.append(t1 - t0)
        tb.append(t2 - t1)
    tf.sort()
    tb.sort()
    f, c = tf[r // 2], tb[r // 2]
    print(f"torch_fft N={n} batch={b} threads=1 r2c_ms={f * 1e3:.4f} c2r_ms={c * 1e3:.4f} "
          f"torch={torch.__version__}")


if __name__ == "__main__":
    main()
