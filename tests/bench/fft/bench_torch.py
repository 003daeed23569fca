"""torch.fft peer for bench_fft: batched 2D rfft2 and irfft2 of B fields N x N,
float32, one thread, median of R repetitions. Usage: bench_torch.py N B R"""
import sys
import time

import torch


def main():
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
