#!/usr/bin/python3
"""Independent NumPy reference for the pansharpening indexes and filters.

Written from the definitions of the pansharpening toolbox of Vivone et al.
(ERGAS.m, SAM.m, SCC.m, img_qi.m, q2n.m / onions_quality.m / onion_mult.m,
genMTF.m with fir_filter_wind, interp23tap.m / interp23tapGeneral.m) in the
most literal form: zero-inserted upsampling with circular filtering, the
recursive Cayley-Dickson product, sliding windows by explicit loops. It
shares no code with the C library. Needs only python3-numpy.

Writes reference.txt (key = value lines) read by test_psh_reference.c:
    /usr/bin/python3 reference.py > reference.txt
The inputs are closed-form arrays the C test rebuilds with the same formulas.
"""
import numpy as np


def cube(bands, h, w, kind):
    b, r, c = np.meshgrid(np.arange(bands), np.arange(h), np.arange(w), indexing="ij")
    base = 100 + 40 * np.sin(0.31 * r + 0.7 * b) * np.cos(0.23 * c + 0.05 * b * r) + 7 * b
    if kind == 0:
        return base
    return base + 6 * np.sin(1.37 * r * c + b) + 3 * np.cos(0.91 * c - 0.4 * r * b)


def ergas(ref, fus, ratio):
    acc = 0.0
    for k in range(ref.shape[0]):
        acc += np.mean((ref[k] - fus[k]) ** 2) / np.mean(ref[k]) ** 2
    return 100.0 / ratio * np.sqrt(acc / ref.shape[0])


def sam(ref, fus):
    num = np.sum(ref * fus, 0)
    den = np.sqrt(np.sum(ref * ref, 0) * np.sum(fus * fus, 0))
    keep = den != 0
    return np.degrees(np.mean(np.arccos(np.clip(num[keep] / den[keep], -1, 1))))


def sobel_mag(img):
    x = img[1:-1, 1:-1]
    p = np.pad(x, 1)
    k = np.array([[1.0, 2, 1], [0, 0, 0], [-1, -2, -1]])
    gy = np.zeros_like(x)
    gx = np.zeros_like(x)
    for a in range(3):
        for b in range(3):
            sl = p[a:a + x.shape[0], b:b + x.shape[1]]
            gy += k[a, b] * sl
            gx += k[b, a] * sl
    return np.sqrt(gx ** 2 + gy ** 2)


def scc(ref, fus):
    a = np.stack([sobel_mag(f) for f in fus])
    b = np.stack([sobel_mag(r) for r in ref])
    return np.sum(a * b) / np.sqrt(np.sum(a * a)) / np.sqrt(np.sum(b * b))


def img_qi(x, y, bs):
    h, w = x.shape
    vals = []
    n = bs * bs
    for r in range(h - bs + 1):
        for c in range(w - bs + 1):
            a = x[r:r + bs, c:c + bs]
            b = y[r:r + bs, c:c + bs]
            s1, s2 = a.sum(), b.sum()
            sq = (a * a).sum() + (b * b).sum()
            s12 = (a * b).sum()
            mul, sqmul = s1 * s2, s1 * s1 + s2 * s2
            num = 4 * (n * s12 - mul) * mul
            den1 = n * sq - sqmul
            den = den1 * sqmul
            q = 1.0
            if den1 == 0 and sqmul != 0:
                q = 2 * mul / sqmul
            if den != 0:
                q = num / den
            vals.append(q)
    return float(np.mean(vals))


def conj(v):
    return np.concatenate(([v[0]], -v[1:]))


def onion_mult(o1, o2):
    n = len(o1)
    if n == 1:
        return o1 * o2
    h = n // 2
    a, b = o1[:h], conj(o1[h:])
    c, d = o2[:h], conj(o2[h:])
    if n == 2:
        return np.concatenate((a * c - d * b, a * d + c * b))
    return np.concatenate((onion_mult(a, c) - onion_mult(d, conj(b)),
                           onion_mult(conj(a), d) + onion_mult(c, b)))


def onions_quality(d1, d2):
    """d1, d2: (n, bs, bs) blocks."""
    d1 = d1.astype(float).copy()
    d2 = d2.astype(float).copy()
    d2[1:] = -d2[1:]
    n = d1.shape[0]
    P = d1.shape[1] * d1.shape[2]
    for i in range(n):
        s = d1[i].mean()
        t = d1[i].std(ddof=1)
        if t == 0:
            t = np.finfo(float).eps
        d1[i] = (d1[i] - s) / t + 1
        if s == 0:
            d2[i] = d2[i] - s + 1 if i == 0 else -(-d2[i] - s + 1)
        else:
            d2[i] = (d2[i] - s) / t + 1 if i == 0 else -((-d2[i] - s) / t + 1)
    m1 = d1.reshape(n, -1).mean(1)
    m2 = d2.reshape(n, -1).mean(1)
    f = P / (P - 1)
    mq1, mq2 = np.sqrt(np.sum(m1 ** 2)), np.sqrt(np.sum(m2 ** 2))
    int1 = f * np.mean(np.sum(d1 ** 2, 0))
    int2 = f * np.mean(np.sum(d2 ** 2, 0))
    t3 = int1 + int2 - f * (mq1 ** 2 + mq2 ** 2)
    bias = 2 * mq1 * mq2 / (mq1 ** 2 + mq2 ** 2)
    if t3 == 0:
        q = np.zeros(n)
        q[-1] = bias
        return q
    qv = np.zeros(n)
    for r in range(d1.shape[1]):
        for c in range(d1.shape[2]):
            qv += onion_mult(d1[:, r, c], d2[:, r, c])
    qv = f * qv / P
    q = qv - f * onion_mult(m1, m2)
    return q * bias * 2 / t3


def q2n(ref, fus, bs, shift):
    nb, h, w = ref.shape
    sx, sy = -(-h // shift), -(-w // shift)
    e1, e2 = (sx - 1) * shift + bs - h, (sy - 1) * shift + bs - w

    def ext(im):
        if e2:
            im = np.concatenate((im, im[:, :, w - 1:w - 1 - e2:-1] if w - 1 - e2 >= 0 else im[:, :, ::-1][:, :, :e2]), 2)
        if e1:
            im = np.concatenate((im, im[:, h - 1:h - 1 - e1:-1, :] if h - 1 - e1 >= 0 else im[:, ::-1, :][:, :e1, :]), 1)
        return im

    a, b = ext(ref), ext(fus)
    n = 1
    while n < nb:
        n *= 2
    if n != nb:
        z = np.zeros((n - nb,) + a.shape[1:])
        a, b = np.concatenate((a, z)), np.concatenate((b, z))
    vals = []
    for j in range(sx):
        for i in range(sy):
            blk = (slice(None), slice(j * shift, j * shift + bs), slice(i * shift, i * shift + bs))
            vals.append(np.sqrt(np.sum(onions_quality(a[blk], b[blk]) ** 2)))
    return float(np.mean(vals))


def mtf_kernel(gnyq, ratio, n):
    fcut = 1.0 / ratio
    alpha = np.sqrt(((n - 1) * (fcut / 2)) ** 2 / (-2 * np.log(gnyq)))
    t = np.arange(-(n - 1) / 2, (n + 1) / 2)
    t1, t2 = np.meshgrid(t, t)
    H = np.exp(-0.5 * (t1 / alpha) ** 2) * np.exp(-0.5 * (t2 / alpha) ** 2)
    Hd = H / H.max()
    hd = np.rot90(np.fft.fftshift(np.rot90(Hd, 2)), 2)
    h = np.fft.fftshift(np.fft.ifft2(hd))
    h = np.real(np.rot90(h, 2))
    tw = t / (n - 1)
    u1, u2 = np.meshgrid(tw, tw)
    rho = np.sqrt(u1 ** 2 + u2 ** 2)
    win = np.interp(rho, tw, np.kaiser(n, 0.5))
    win[rho > tw[-1]] = 0
    h = h * win
    return h / h.sum()


def circ_filter_1d(x, k, axis):
    """Circular correlation along axis with a centred odd kernel."""
    m = len(k) // 2
    out = np.zeros_like(x)
    for i, c in enumerate(k):
        out += c * np.roll(x, -(i - m), axis=axis)
    return out


def interp23tap(img, ratio):
    half = [0.5, 0.305334091185, 0, -0.072698593239, 0, 0.021809577942, 0, -0.005192756653, 0,
            0.000807762146, 0, -0.000060081482]
    c = 2 * np.array(half[:0:-1] + half)
    first = True
    for _ in range(int(round(np.log2(ratio)))):
        h, w = img.shape
        up = np.zeros((2 * h, 2 * w))
        if first:
            up[1::2, 1::2] = img
            first = False
        else:
            up[::2, ::2] = img
        img = circ_filter_1d(circ_filter_1d(up, c, 1), c, 0)
    return img


def interp_general(img, ratio):
    L = 44
    i = np.arange(L + 1)
    hk = np.sinc((i - L / 2) / ratio) * np.hamming(L + 1)
    k = ratio * hk / hk.sum()
    h, w = img.shape
    up = np.zeros((h * ratio, w * ratio))
    up[ratio // 2::ratio, ratio // 2::ratio] = img
    return circ_filter_1d(circ_filter_1d(up, k, 1), k, 0)


def main():
    out = []

    def put(key, val):
        out.append(f"{key} = {val:.17g}")

    for bands, h, w, bs in ((1, 24, 24, 8), (3, 20, 28, 8), (4, 32, 32, 16), (8, 16, 16, 8)):
        ref, fus = cube(bands, h, w, 0), cube(bands, h, w, 1)
        tag = f"b{bands}_{h}x{w}"
        put(f"ergas_{tag}", ergas(ref, fus, 4))
        put(f"sam_{tag}", sam(ref, fus))
        put(f"scc_{tag}", scc(ref, fus))
        put(f"q2n_{tag}_bs{bs}", q2n(ref, fus, bs, bs))
        put(f"uiqi_{tag}_bs{bs}", img_qi(ref[0], fus[0], bs))
    for g, r in ((0.3, 4), (0.15, 4), (0.29, 2), (0.25, 3)):
        k = mtf_kernel(g, r, 41)
        for (a, b) in ((20, 20), (20, 23), (17, 25), (20, 30)):
            put(f"mtf_{g}_{r}_{a}_{b}", k[a, b])
    lr = cube(1, 6, 5, 1)[0]
    for r, f in ((2, interp23tap), (4, interp23tap), (3, interp_general), (6, interp_general)):
        up = f(lr, r)
        for (a, b) in ((0, 0), (1, 2), (r + 1, 2 * r - 1), (5 * r, 4 * r + r // 2), (3 * r - 1, r)):
            put(f"interp_{r}_{a}_{b}", up[a, b])
    print("\n".join(out))


if __name__ == "__main__":
    main()
