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

With --layers holding conv/pool/gap items (issue 18), it times one
training step of that network instead (see conv_bench): 3x3 conv stride 1
padding 1 + ReLU, 2x2 max pool stride 2, global average pool, dense + ReLU,
dropout after each dense layer but the network's last; both sides of 128
pairs of 28x28 grey images (256 images) as one batch, contrastive loss,
RMSprop. It reports the median ms per step after warm-up on each thread
count, the step's GFLOP and GFLOP/s. With no --layers or an all-dense one
the epoch benchmark below runs as before. (Debian's torch 1.13 runs these
convolutions, forward and backward, on oneDNN, aten::mkldnn_convolution;
only the dense layers go to libblas.so.3.)

usage: scripts/bench_torch.py [--epochs 3] [--threads 2] [--layers 128,128,128]
       scripts/bench_torch.py --layers conv32,pool,conv64,pool,conv128,gap,128
                              [--threads 1,2] [--steps 20] [--warmup 3]
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


def parse_layers(spec):
    """'conv32,pool,conv64,pool,conv128,gap,128' -> [('conv', 32), ('pool', 0),
    ..., ('dense', 128)]; exits with a message naming a bad item."""
    items = []
    for it in spec.split(","):
        if it == "pool" or it == "gap":
            items.append((it, 0))
        elif re.fullmatch(r"conv[1-9][0-9]*", it):
            items.append(("conv", int(it[4:])))
        elif re.fullmatch(r"[1-9][0-9]*", it):
            items.append(("dense", int(it)))
        else:
            raise SystemExit(f"bench_torch: --layers: '{it}' is not conv<N>, pool, gap or <N>")
    return items


class Base(nn.Module):
    """The shared network. layers=None is the notebook's 128,128,128 (the
    script's original model, unchanged); otherwise parse_layers() items on a
    (channels, height, width) input, or on flat rows of shape (features,)."""

    def __init__(self, layers=None, shape=(784,), dropout=0.1):
        super().__init__()
        if layers is None:
            layers = [("dense", 128)] * 3
        mods = []
        c, h, w = shape if len(shape) == 3 else (shape[0], 1, 1)
        flat = shape[0] if len(shape) == 1 else None  # features once flat
        for i, (kind, n) in enumerate(layers):
            last = i == len(layers) - 1
            if kind == "conv":
                if flat is not None:
                    raise SystemExit(f"bench_torch: --layers: conv{n} after a flat layer")
                mods += [nn.Conv2d(c, n, 3, stride=1, padding=1), nn.ReLU()]
                c = n
            elif kind == "pool":
                if flat is not None or h < 2 or w < 2:
                    raise SystemExit(f"bench_torch: --layers: item {i + 1} 'pool' has no "
                                     f"2x2 window left ({c}x{h}x{w})")
                mods.append(nn.MaxPool2d(2, 2))  # floor: an odd last row/col is dropped
                h, w = h // 2, w // 2
            elif kind == "gap":
                if flat is not None:
                    raise SystemExit("bench_torch: --layers: gap after a flat layer")
                mods += [nn.AdaptiveAvgPool2d(1), nn.Flatten()]
                flat = c
            else:  # dense; after conv/pool without gap: flatten in C, H, W order
                if flat is None:
                    mods.append(nn.Flatten())
                    flat = c * h * w
                mods += [nn.Linear(flat, n), nn.ReLU()]
                flat = n
                if not last:
                    mods.append(nn.Dropout(dropout))
        if flat is None:
            mods.append(nn.Flatten())
        self.net = nn.Sequential(*mods)
        for m in self.net:
            # as Keras: Glorot-uniform (conv: fan_in 9 C_in, fan_out 9 C_out,
            # which is what xavier_uniform_ computes for a 4-D kernel), zero bias
            if isinstance(m, (nn.Linear, nn.Conv2d)):
                nn.init.xavier_uniform_(m.weight)
                nn.init.zeros_(m.bias)

    def forward(self, x):
        return self.net(x)


def step_flops(layers, shape, images):
    """FLOP of one training step, counted as the issue does: each conv and
    dense layer's multiply-adds (conv: H_out W_out C_out C_in 9 per image,
    dense: in x out per image) x 2 for the forward pass, and x 3 of that for
    forward + backward (forward, input gradient, weight gradient: three
    products of the same size). The first layer's input gradient, which
    nothing needs (PyTorch skips it), is counted all the same, as are all
    images of the batch. Biases, ReLU, pooling, gap, the loss and RMSprop
    (elementwise, a few per parameter or activation) are not counted.
    Returns (forward FLOP, training-step FLOP)."""
    c, h, w = shape
    flat = None
    macs = 0
    for kind, n in layers:
        if kind == "conv":
            macs += h * w * n * c * 9  # padding 1 keeps h, w
            c = n
        elif kind == "pool":
            h, w = h // 2, w // 2
        elif kind == "gap":
            flat = c
        else:
            if flat is None:
                flat = c * h * w
            macs += flat * n
            flat = n
    fwd = 2 * macs * images
    return fwd, 3 * fwd


def set_threads(n):
    """torch.set_num_threads(n), and OpenBLAS's own pool to n as well if
    libblas.so.3 is OpenBLAS (torch does not pass its count on to it).
    Returns OpenBLAS's count after, or None."""
    torch.set_num_threads(n)
    try:
        ob = ctypes.CDLL("libopenblas.so.0", mode=os.RTLD_NOLOAD)
        ob.openblas_set_num_threads(n)
        return ob.openblas_get_num_threads()
    except (OSError, AttributeError):
        return None


def conv_bench(args, layers):
    """Median ms of one training step of the conv net, per thread count."""
    shape = (1, 28, 28)
    rng = np.random.default_rng(args.seed)
    t0 = time.perf_counter()
    if os.path.exists(os.path.join(DATA_DIR, "train-images-idx3-ubyte.gz")):
        xtr, ytr = load("train")
        tr_a, tr_b, tr_y = make_pairs(xtr, ytr, rng)
        src = f"Fashion-MNIST train pairs ({len(tr_y)})"
    else:  # the timing does not depend on the pixel values
        n = 119980
        tr_a = torch.from_numpy(rng.random((n, 784), dtype=np.float32))
        tr_b = torch.from_numpy(rng.random((n, 784), dtype=np.float32))
        tr_y = torch.from_numpy((rng.random(n) < 0.5).astype(np.float32))
        src = f"random pixels ({DATA_DIR} not found)"
    tr_a, tr_b = tr_a.view(-1, *shape), tr_b.view(-1, *shape)
    ntr, bs = len(tr_y), args.batch
    epoch_steps = (ntr + bs - 1) // bs
    print(f"data: {src}, loaded and paired in {time.perf_counter() - t0:.2f} s")

    fwd, step = step_flops(layers, shape, 2 * bs)
    print(f"layers: {args.layers} on {shape[0]}x{shape[1]}x{shape[2]}, "
          f"{bs} pairs a step ({2 * bs} images)")
    print(f"step: {step / 1e9:.2f} GFLOP (forward {fwd / 1e9:.3f} GFLOP x 3; "
          "conv/dense multiply-adds x 2)")
    results = []
    for nt in args.threads:
        ob = set_threads(nt)
        torch.manual_seed(args.seed)
        model = Base(layers, shape)
        if nt == args.threads[0]:
            print(f"parameters: {sum(p.numel() for p in model.parameters())}")
            print("  " + str(model.net).replace("\n", "\n  "))
        opt = torch.optim.RMSprop(model.parameters(), lr=0.001, alpha=0.9, eps=1e-7)
        model.train()
        perm = torch.randperm(ntr)
        times = []
        for k in range(args.warmup + args.steps):
            i = perm[(k * bs) % (ntr - bs):][:bs]
            t0 = time.perf_counter()
            loss = siamese_loss(model, tr_a[i], tr_b[i], tr_y[i])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            loss.item()
            if k >= args.warmup:
                times.append(time.perf_counter() - t0)
        med = statistics.median(times)
        results.append((nt, med))
        print(f"threads {nt} (torch {torch.get_num_threads()}, openblas {ob}): "
              f"median {1e3 * med:.1f} ms a step of {args.steps} after {args.warmup} warm-up "
              f"(min {1e3 * min(times):.1f}, max {1e3 * max(times):.1f}), "
              f"{step / med / 1e9:.1f} GFLOP/s, {epoch_steps} steps = "
              f"{epoch_steps * med:.1f} s an epoch (no validation)", flush=True)
    print("summary: " + "; ".join(f"{nt} thread{'s' if nt > 1 else ''} {1e3 * m:.1f} ms "
                                  f"{step / m / 1e9:.1f} GFLOP/s" for nt, m in results)
          + f"; step {step / 1e9:.2f} GFLOP [torch {torch.__version__}]")


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
    ap.add_argument("--threads", default=None,
                    help="dense: one count (default 2); conv: a list (default 1,2)")
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--layers", default=None,
                    help="e.g. conv32,pool,conv64,pool,conv128,gap,128 (default: "
                         "the notebook's 128,128,128)")
    ap.add_argument("--steps", type=int, default=20, help="conv: timed steps (default 20)")
    ap.add_argument("--warmup", type=int, default=3, help="conv: untimed steps first (default 3)")
    args = ap.parse_args()
    layers = parse_layers(args.layers) if args.layers else None
    try:
        threads = [int(t) for t in (args.threads or "").split(",") if t]
    except ValueError:
        raise SystemExit(f"bench_torch: --threads: '{args.threads}' is not N or N,N,...")
    if layers is not None and any(k != "dense" for k, _ in layers):
        args.threads = threads or [1, 2]
        if min(args.threads) < 1 or args.steps < 1 or args.warmup < 0:
            raise SystemExit("bench_torch: --threads and --steps must be >= 1")
        Base(layers, (1, 28, 28))  # shape check before the data is read
        print(f"torch {torch.__version__}, numpy {np.__version__}")
        for line in runtime_info():
            print(f"  {line}")
        conv_bench(args, layers)
        return
    if len(threads) > 1:
        raise SystemExit("bench_torch: --threads takes one count for a dense network")
    args.threads = threads[0] if threads else 2

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

    model = Base(layers)
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
