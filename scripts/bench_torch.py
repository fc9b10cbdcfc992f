#!/usr/bin/python3
"""bench_torch.py - an independent PyTorch (CPU, float32) rebuild of the Keras
Fashion-MNIST Siamese notebook model, used only to compare training speed
with our C tool. CI never runs it; it needs Debian's python3-torch and numpy.

Same data, pairs, network, loss, batch size and epoch structure as
DESIGN.md "Numerics" (/work/shared/DESIGN.md). Differences that do not matter for timing:
  - the pair RNG and the shuffle RNG are numpy's / torch's, not the tool's,
    so the numbers are not bit-comparable;
  - torch.optim.RMSprop puts eps outside the root, g / (sqrt(v) + eps)
    (as Keras 2 did), whereas the tool follows Keras 3, g / sqrt(v + eps).
    This is for timing, not numerics.

usage: scripts/bench_torch.py [--epochs 3] [--threads 2]
"""
import argparse
import ctypes
import gzip
import os
import re
import statistics
import time

import numpy as np
import torch
import torch.nn as nn

DATA_DIR = "/usr/share/datasets/fashion-mnist"


def read_idx(path):
    """Read a gzip'd IDX file (big-endian header) into a numpy uint8 array."""
    with gzip.open(path, "rb") as f:
        raw = f.read()
    magic = int.from_bytes(raw[0:4], "big")
    if magic >> 8 != 0x08:  # 0x0000 08 nd: unsigned byte data
        raise ValueError(f"{path}: unexpected IDX magic {magic:#x}")
    ndim = magic & 0xFF
    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
    if data.size != int(np.prod(dims)):
        raise ValueError(f"{path}: size {data.size} does not match header {dims}")
    return data.reshape(dims)


def load(prefix):
    images = read_idx(os.path.join(DATA_DIR, f"{prefix}-images-idx3-ubyte.gz"))
    labels = read_idx(os.path.join(DATA_DIR, f"{prefix}-labels-idx1-ubyte.gz"))
    x = images.reshape(len(images), -1).astype(np.float32) / np.float32(255.0)
    return x, labels.astype(np.int64)


def make_pairs(x, y, rng):
    """The notebook's pairs: positive (idx[c][i], idx[c][i+1]) label 1, then
    negative (idx[c][i], idx[(c+k)%10][i]) label 0, k uniform in 1..9."""
    idx = [np.flatnonzero(y == c) for c in range(10)]  # ascending
    n = min(len(i) for i in idx) - 1
    left, right, label = [], [], []
    for c in range(10):
        for i in range(n):
            left.append(idx[c][i]); right.append(idx[c][i + 1]); label.append(1.0)
            k = int(rng.integers(1, 10))
            left.append(idx[c][i]); right.append(idx[(c + k) % 10][i]); label.append(0.0)
    a = torch.from_numpy(np.ascontiguousarray(x[left]))
    b = torch.from_numpy(np.ascontiguousarray(x[right]))
    return a, b, torch.tensor(label, dtype=torch.float32)


class Base(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(784, 128), nn.ReLU(), nn.Dropout(0.1),
            nn.Linear(128, 128), nn.ReLU(), nn.Dropout(0.1),
            nn.Linear(128, 128), nn.ReLU(),
        )
        for m in self.net:
            if isinstance(m, nn.Linear):  # as Keras: Glorot-uniform, zero bias
                nn.init.xavier_uniform_(m.weight)
                nn.init.zeros_(m.bias)

    def forward(self, x):
        return self.net(x)


def siamese_loss(model, a, b, y):
    """Both sides as one forward of the concatenated [2B, 784] batch."""
    bsz = a.shape[0]
    out = model(torch.cat((a, b), 0))
    ea, eb = out[:bsz], out[bsz:]
    d = torch.sqrt(torch.clamp(((ea - eb) ** 2).sum(1), min=1e-7))
    return (y * d * d + (1 - y) * torch.clamp(1 - d, min=0) ** 2).mean()


def runtime_info():
    """A few lines on threads and BLAS: the parallel_info() thread count and
    backend, the BLAS torch was built against, and OpenBLAS's own config if
    that is what the system libblas.so.3 resolves to (Debian's torch links
    libblas.so.3 through update-alternatives; float32 Linear goes to sgemm)."""
    par = [l.strip() for l in torch.__config__.parallel_info().splitlines()]
    lines = [l for l in par if l.startswith("at::get_num_threads")
             or l.startswith("ATen parallel backend")]
    blas = re.search(r"BLAS_INFO=([^,]*)", torch.__config__.show())
    lines.append(f"BLAS_INFO={blas.group(1) if blas else '?'}, "
                 f"mkldnn={torch.backends.mkldnn.is_available()}, "
                 f"mkl={torch.backends.mkl.is_available()}")
    try:  # already loaded into this process if libblas.so.3 is OpenBLAS
        ob = ctypes.CDLL("libopenblas.so.0", mode=os.RTLD_NOLOAD)
        ob.openblas_get_config.restype = ctypes.c_char_p
        lines.append(f"{ob.openblas_get_config().decode()}, "
                     f"openblas_get_num_threads() = {ob.openblas_get_num_threads()}")
    except (OSError, AttributeError):
        pass
    return lines


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)

    info = runtime_info()
    print(f"torch {torch.__version__}, numpy {np.__version__}, "
          f"torch.get_num_threads() = {torch.get_num_threads()}")
    for line in info:
        print(f"  {line}")

    t0 = time.perf_counter()
    xtr, ytr = load("train")
    xte, yte = load("t10k")
    tr_a, tr_b, tr_y = make_pairs(xtr, ytr, rng)
    te_a, te_b, te_y = make_pairs(xte, yte, rng)
    print(f"data: {len(tr_y)} train pairs, {len(te_y)} test pairs "
          f"(loaded and paired in {time.perf_counter() - t0:.2f} s)")

    model = Base()
    print(f"parameters: {sum(p.numel() for p in model.parameters())}")
    # PyTorch RMSprop: v = alpha*v + (1-alpha)*g^2; w -= lr*g/(sqrt(v)+eps),
    # eps outside the root (Keras 3 uses sqrt(v+eps)). For timing, not numerics.
    opt = torch.optim.RMSprop(model.parameters(), lr=0.001, alpha=0.9, eps=1e-7)

    ntr, bs = len(tr_y), args.batch
    epoch_secs = []
    for epoch in range(1, args.epochs + 1):
        model.train()
        t0 = time.perf_counter()
        perm = torch.randperm(ntr)
        total, steps = 0.0, 0
        for s in range(0, ntr, bs):
            i = perm[s:s + bs]
            loss = siamese_loss(model, tr_a[i], tr_b[i], tr_y[i])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            total += loss.item() * len(i)  # sample-weighted epoch mean
            steps += 1
        t_train = time.perf_counter() - t0

        model.eval()
        t0 = time.perf_counter()
        vtotal = 0.0
        with torch.no_grad():
            for s in range(0, len(te_y), bs):
                sl = slice(s, s + bs)
                vtotal += siamese_loss(model, te_a[sl], te_b[sl], te_y[sl]).item() \
                    * len(te_y[sl])
        t_val = time.perf_counter() - t0

        epoch_secs.append(t_train + t_val)
        print(f"epoch {epoch}: train {t_train:.2f} s ({steps} steps), val {t_val:.2f} s, "
              f"loss {total / ntr:.4f} val_loss {vtotal / len(te_y):.4f}", flush=True)

    print(f"median epoch seconds (steps + validation): {statistics.median(epoch_secs):.2f}"
          f"  [torch {torch.__version__}, {torch.get_num_threads()} threads; "
          f"{'; '.join(info[:2])}]")


if __name__ == "__main__":
    main()
