"""docs_arithmetic.py - the arithmetic docs/design.md (2.2, 2.4) and
docs/model-format.md ("Input") write down, transcribed here from the
documents alone and compared bit for bit with what siamese computes.
Used by test_docs_arithmetic.sh; needs NumPy and the C library (ctypes:
fmaf, expf, as the documents name them).

  python3 docs_arithmetic.py heads BIN MODEL IMAGE...
      the head's distance of each neighbouring pair of IMAGEs, computed
      from the embeddings `siamese embed` writes, against `siamese compare
      --json`
  python3 docs_arithmetic.py resize BIN MODEL IMAGE...
      (a one-layer model trained with --size) each binary PGM IMAGE resized
      as documented, then the documented dense layer, against `siamese
      embed`; and a resize rounded otherwise must disagree
Prints one line per mismatch and a summary; exit 0 when all agree.
"""
import ctypes
import json
import os
import struct
import subprocess
import sys
import tempfile

import numpy as np

f32 = np.float32
libm = ctypes.CDLL("libm.so.6")
fmaf = libm.fmaf
fmaf.restype = ctypes.c_float
fmaf.argtypes = [ctypes.c_float] * 3
expf = libm.expf
expf.restype = ctypes.c_float
expf.argtypes = [ctypes.c_float]
sqrtf = libm.sqrtf
sqrtf.restype = ctypes.c_float
sqrtf.argtypes = [ctypes.c_float]
HEADS = ("euclidean", "manhattan", "cosine", "learned")


def read_model(path):
    """The fields used here, at the offsets of docs/model-format.md (v3)."""
    b = open(path, "rb").read()
    assert b[:8] == b"SIAMMODL" and struct.unpack_from("<I", b, 8)[0] == 3
    width, height, grey, resize, head, n_layers = struct.unpack_from("<6I", b, 12)
    widths = struct.unpack_from("<8I", b, 36)[:n_layers]
    epoch = struct.unpack_from("<I", b, 116)[0]
    n_classes = struct.unpack_from("<I", b, 184)[0]
    n_params = struct.unpack_from("<Q", b, 188)[0]
    pos = 196
    for _ in range(n_classes):
        pos += 2 + struct.unpack_from("<H", b, pos)[0]
    pos += 8 * epoch
    params = np.frombuffer(b, "<f4", n_params, pos).astype(f32)
    return dict(width=width, height=height, resize=resize, head=HEADS[head],
                widths=widths, params=params)


def embed_with_tool(binary, model, images):
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "e.npy")
        subprocess.run([binary, "embed", "--model", model, "--out", out, "--threads", "1"]
                       + images, check=True, stdout=subprocess.DEVNULL)
        return np.load(out)


def head_distance(m, a, b):
    """design.md 2.4, scalar by scalar in float32, j in order."""
    head, H = m["head"], a.size
    if head == "euclidean":
        s = f32(0)
        for j in range(H):
            t = f32(a[j] - b[j])
            s = f32(s + f32(t * t))
        return f32(sqrtf(s if s > f32(1e-7) else f32(1e-7)))
    if head == "manhattan":
        s = f32(0)
        for j in range(H):
            s = f32(s + abs(f32(a[j] - b[j])))
        return s
    if head == "cosine":
        ab = aa = bb = f32(0)
        for j in range(H):
            ab = f32(ab + f32(a[j] * b[j]))
            aa = f32(aa + f32(a[j] * a[j]))
            bb = f32(bb + f32(b[j] * b[j]))
        q = f32(f32(sqrtf(aa)) * f32(sqrtf(bb)))
        cos = f32(0) if q < f32(1e-12) else f32(ab / q)
        return f32(f32(1) - cos)
    w, c = m["params"][-(H + 1):-1], m["params"][-1]
    z = f32(c)
    for j in range(H):
        z = f32(z + f32(w[j] * abs(f32(a[j] - b[j]))))
    x = f32(-z)  # d = sigmoid(-z)
    if x >= 0:
        return f32(f32(1) / f32(f32(1) + f32(expf(-x))))
    e = f32(expf(x))
    return f32(e / f32(f32(1) + e))


def heads(binary, model, images):
    m = read_model(model)
    emb = embed_with_tool(binary, model, images)
    bad = 0
    for i in range(len(images) - 1):
        r = subprocess.run([binary, "compare", "--model", model, "--json", images[i],
                            images[i + 1]], check=True, capture_output=True, text=True)
        printed = f32(json.loads(r.stdout)["distance"])
        mine = head_distance(m, emb[i], emb[i + 1])
        if printed != mine:
            bad += 1
            print("%s: %s and %s: compare says %r, the documents %r"
                  % (m["head"], images[i], images[i + 1], float(printed), float(mine)))
    print("%s: %d distances, %d differ" % (m["head"], len(images) - 1, bad))
    return bad


def read_pgm(path):
    b = open(path, "rb").read()
    fields, pos = [], 0
    while len(fields) < 4:  # P5, width, height, maxval: no comments here
        while b[pos:pos + 1].isspace():
            pos += 1
        end = pos
        while not b[end:end + 1].isspace():
            end += 1
        fields.append(b[pos:end])
        pos = end
    assert fields[0] == b"P5" and fields[3] == b"255"
    w, h = int(fields[1]), int(fields[2])
    return np.frombuffer(b, np.uint8, w * h, pos + 1).reshape(h, w)


def box(x, t):
    x, t = abs(f32(x)), f32(t)
    if x <= f32(f32(0.5) - f32(t / f32(2))):
        return f32(1)
    top = f32(f32(0.5) + f32(t / f32(2)))
    return f32(f32(top - x) / t) if x < top else f32(0)


def axis_weights(n, m):
    """model-format.md, Input: weights [m, n] of n pixels resized to m
    (columns past the edges folded onto the edge pixel, in order)."""
    s = f32(f32(m) / f32(n))
    pad = n + 4
    wt = np.zeros((m, n + 2 * pad), dtype=f32)  # column i + pad: input pixel i
    if m <= n:
        r = f32(f32(f32(0.5) + f32(s / f32(2))) / s)
        for i in range(-pad, n + pad):
            c = f32(f32(i) + f32(0.5))
            lo = int(np.floor(float(f32(f32(c - r) * s)) + 0.5))
            hi = int(np.floor(float(f32(f32(c + r) * s)) - 0.5))
            for k in range(max(lo, 0), min(hi, m - 1) + 1):
                wt[k, i + pad] = f32(s * box(f32(f32(f32(k) + f32(0.5)) - f32(c * s)), s))
    else:
        inv = f32(f32(1) / s)
        r = f32(f32(f32(0.5) + f32(inv / f32(2))) * s)
        for k in range(m):
            c = f32(f32(k) + f32(0.5))
            lo = int(np.floor(float(f32(f32(c - r) / s)) + 0.5))
            hi = int(np.floor(float(f32(f32(c + r) / s)) - 0.5))
            for i in range(lo, hi + 1):
                wt[k, i + pad] = box(f32(f32(c / s) - f32(f32(i) + f32(0.5))), inv)
    for k in range(m):
        total = f32(0)
        for v in wt[k]:
            total = f32(total + v)
        wt[k] = wt[k] * f32(f32(1) / total)
    return wt, pad


def apply_axis(rows, n, m):
    """rows [R, n] -> [R, m]: sums from 0, input pixels in increasing order."""
    wt, pad = axis_weights(n, m)
    out = np.zeros((rows.shape[0], m), dtype=f32)
    for k in range(m):
        acc = np.zeros(rows.shape[0], dtype=f32)
        for col in np.nonzero(wt[k])[0]:
            i = min(max(col - pad, 0), n - 1)
            acc = (acc + (rows[:, i] * wt[k, col]).astype(f32)).astype(f32)
        out[:, k] = acc
    return out


def resize(px, W, H, rounding=0.5):
    h, w = px.shape
    if (w, h) == (W, H):
        return px.copy()
    x = (px.astype(f32) / f32(255)).astype(f32)
    v = apply_axis(apply_axis(x, w, W).T, h, H).T  # horizontal, then vertical
    v = np.clip(v, f32(0), f32(1)).astype(f32)
    return np.floor((v * f32(255)).astype(f32).astype(np.float64) + rounding).astype(np.uint8)


def dense(m, px):
    """design.md 2.2, one layer: acc = +0, fma chain in order, + b, ReLU."""
    K, width = px.size, m["widths"][0]
    kernel = m["params"][:K * width].reshape(K, width)
    bias = m["params"][K * width:K * width + width]
    x = [f32(f32(p) / f32(255)) for p in px.reshape(-1)]
    out = np.zeros(width, dtype=f32)
    for j in range(width):
        acc = f32(0)
        for p in range(K):
            acc = f32(fmaf(x[p], kernel[p, j], acc))
        acc = f32(acc + bias[j])
        out[j] = acc if acc > 0 else f32(0)
    return out


def resize_check(binary, model, images):
    m = read_model(model)
    assert len(m["widths"]) == 1 and m["resize"] == 1
    emb = embed_with_tool(binary, model, images)
    bad = caught = 0
    for i, path in enumerate(images):
        px = read_pgm(path)
        mine = dense(m, resize(px, m["width"], m["height"]))
        if not np.array_equal(mine, emb[i]):
            bad += 1
            print("%s (%d x %d): embed differs from the documents in %d of %d values"
                  % (path, px.shape[1], px.shape[0], int((mine != emb[i]).sum()), mine.size))
        if px.shape != (m["height"], m["width"]):
            other = dense(m, resize(px, m["width"], m["height"], rounding=0.0))
            caught += not np.array_equal(other, emb[i])
    print("resize: %d images, %d differ; truncating instead of rounding differs for %d"
          % (len(images), bad, caught))
    return bad + (caught == 0)


if __name__ == "__main__":
    mode, binary, model, images = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
    sys.exit(1 if (heads if mode == "heads" else resize_check)(binary, model, images) else 0)
