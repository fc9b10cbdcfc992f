#!/usr/bin/python3
"""make_reference.py - golden reference for tests/test_reference.c.

An independent PyTorch (float32, CPU) implementation of the Siamese model of
DESIGN.md ("Numerics"): the shared base network 784 -> 128 ReLU -> 128 ReLU
-> 128 ReLU (dropout off), the clamped Euclidean distance, the contrastive
loss with margin 1, its gradients by autograd, and three Keras-3 RMSprop
steps written out by hand. It writes tests/data/reference.bin, which the C
test reads and recomputes with the library.

Regenerate (needs Debian's python3-torch and python3-numpy, and the
dataset-fashion-mnist package for the t10k files):

    /usr/bin/python3 scripts/make_reference.py [OUT]
    /usr/bin/python3 scripts/make_reference.py --head manhattan|cosine|learned OUT
    /usr/bin/python3 scripts/make_reference.py --layers 96,64,32 OUT

The first is the notebook's model (Euclidean head, 128,128,128); the
others add a record "arch" = [head, L, width_1 .. width_L] (head: 0
euclidean, 1 manhattan, 2 cosine, 3 learned; see include/head.h) and use
the margin of the head's scale (recorded in "hyper"). The learned head's
parameters w [H] and c follow the network's in params.

(/usr/bin/python3 on purpose: a pyenv python3 on PATH may lack torch.)
The output is deterministic: same inputs, same bytes. The fixture is
committed, so CI and the C test need neither torch nor this script.

Fixture format, little-endian:
    8 bytes  magic "SMREF001"
    u32      record count
    per record:
        u32 name length, name bytes (no NUL), u32 ndim, u32 dims[ndim],
        float32 data [prod(dims)], row-major
Records (B = 16 pairs, P = 133,504 parameters):
    x       [2B, 784]  inputs, bytes/255; rows 0..B-1 left, B..2B-1 right
    y       [B]        1.0 same class, 0.0 different
    params0 [P]        w1 [784,128], b1 [128], w2 [128,128], b2 [128],
                       w3 [128,128], b3 [128]  (kernels [in, out], Keras)
    emb     [2B, 128]  embeddings at params0
    dist    [B]        pair distances at params0
    loss    [1]        mean contrastive loss at params0
    grads   [P]        d(loss)/d(params) at params0, same flat layout
    params3 [P]        after 3 RMSprop steps on the same batch
    hyper   [4]        margin, lr, rho, eps
"""

import gzip
import os
import struct
import sys

import numpy as np
import torch

DATA_DIR = "/usr/share/datasets/fashion-mnist"
IN, H = 784, 128
MARGIN, LR, RHO, EPS = 1.0, 0.001, 0.9, 1e-7
DIST_EPS = 1e-7  # the clamp inside the square root
STEPS = 3
SEED = 1234
BIAS_LIMIT = 0.05  # small nonzero biases, so bias gradients are exercised

# The batch, as (class, rank) pairs: rank r of class c is the r-th image of
# class c in the t10k file (ascending index). Positives are neighbours of
# one class; one positive uses the same image twice (distance clamp).
# Negatives pair rank r of one class with rank r of another; they were
# picked by their distance at the initial weights so that five are inside
# the margin (hinge active, d 0.67-0.90) and three far outside (d > 1.5,
# zero hinge gradient), none within 0.09 of it.
PAIRS = [
    # (class_a, rank_a, class_b, rank_b)
    (0, 0, 0, 1),
    (1, 0, 1, 1),
    (2, 0, 2, 1),
    (3, 0, 3, 1),
    (4, 0, 4, 1),
    (5, 0, 5, 1),
    (7, 0, 7, 0),  # the same image on both sides: sum of squares 0
    (8, 0, 8, 1),
    (3, 6, 7, 6),  # negatives below: the first five are closer than the
    (3, 8, 5, 8),  # margin at the initial weights (hinge active), the
    (2, 4, 4, 4),  # last three farther (zero hinge gradient)
    (1, 8, 3, 8),
    (5, 2, 7, 2),
    (7, 3, 9, 3),
    (0, 2, 6, 2),
    (8, 3, 5, 3),
]
B = len(PAIRS)


def read_idx(path, magic):
    """Reads a gzipped IDX file of unsigned bytes (big-endian header)."""
    with gzip.open(path, "rb") as f:
        raw = f.read()
    (m,) = struct.unpack(">I", raw[:4])
    if m != magic:
        sys.exit(f"{path}: magic 0x{m:08x}, expected 0x{magic:08x}")
    ndim = m & 0xFF
    dims = struct.unpack(">" + "I" * ndim, raw[4 : 4 + 4 * ndim])
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
    if data.size != int(np.prod(dims)):
        sys.exit(f"{path}: payload {data.size} bytes, header says {dims}")
    return data.reshape(dims)


HEADS = {"euclidean": 0, "manhattan": 1, "cosine": 2, "learned": 3}
HEAD = "euclidean"
WIDTHS = [H, H, H]
COS_GUARD = 1e-12
BCE_CLIP = 1e-7


def init_params():
    """Glorot-uniform kernels [in, out] and small uniform biases, from one
    numpy RandomState, drawn in the flat layout's order; then the learned
    head's w [H] (Glorot, fan-out 1) and c."""
    rs = np.random.RandomState(SEED)
    parts = []
    fans = [IN] + WIDTHS
    for fan_in, fan_out in zip(fans[:-1], fans[1:]):
        limit = np.sqrt(6.0 / (fan_in + fan_out))
        parts.append(rs.uniform(-limit, limit, size=(fan_in, fan_out)).astype(np.float32))
        parts.append(rs.uniform(-BIAS_LIMIT, BIAS_LIMIT, size=(fan_out,)).astype(np.float32))
    if HEAD == "learned":
        limit = np.sqrt(6.0 / (WIDTHS[-1] + 1))
        parts.append(rs.uniform(-limit, limit, size=(WIDTHS[-1],)).astype(np.float32))
        parts.append(rs.uniform(-BIAS_LIMIT, BIAS_LIMIT, size=(1,)).astype(np.float32))
    return parts


def head_d(a, bb, hp):
    """The dissimilarity of include/head.h, and the learned head's p."""
    if HEAD == "euclidean":
        sq = torch.sum((a - bb) ** 2, dim=1)
        return sq, torch.sqrt(torch.clamp(sq, min=DIST_EPS)), None
    if HEAD == "manhattan":
        d = torch.sum(torch.abs(a - bb), dim=1)
        return d, d, None
    if HEAD == "cosine":
        na, nb = torch.sqrt(torch.sum(a * a, dim=1)), torch.sqrt(torch.sum(bb * bb, dim=1))
        prod = na * nb
        cos = torch.where(prod < COS_GUARD, torch.zeros_like(prod),
                          torch.sum(a * bb, dim=1) / torch.clamp(prod, min=COS_GUARD))
        return cos, 1.0 - cos, None
    z = torch.matmul(torch.abs(a - bb), hp[0]) + hp[1]
    p = torch.sigmoid(z)
    return z, 1.0 - p, p


def forward(params, x, y):
    """Returns embeddings [2B, H], pre-activations, the head's cache value
    (Euclidean: the sums of squares), distances [B], loss."""
    h = x
    pre = []
    for layer in range(len(WIDTHS)):
        w, b = params[2 * layer], params[2 * layer + 1]
        z = torch.matmul(h, w) + b  # Keras layout: x [R, in] @ W [in, out]
        pre.append(z)
        h = torch.relu(z)
    emb = h
    a, bb = emb[:B], emb[B:]
    sq, d, p = head_d(a, bb, params[2 * len(WIDTHS):])
    if HEAD == "learned":
        per = -(y * torch.log(p) + (1.0 - y) * torch.log(1.0 - p))
    else:
        per = y * d * d + (1.0 - y) * torch.clamp(MARGIN - d, min=0.0) ** 2
    return emb, pre, sq, d, per.mean()


def grads_at(params, x, y):
    ps = [p.detach().clone().requires_grad_(True) for p in params]
    emb, pre, sq, d, loss = forward(ps, x, y)
    loss.backward()
    return emb.detach(), pre, sq.detach(), d.detach(), loss.detach(), [p.grad.detach() for p in ps]


def flat(ts):
    return torch.cat([t.reshape(-1) for t in ts]).numpy().astype(np.float32)


def run(params_np, x_np, y_np, dtype):
    """Forward/backward at the initial parameters, then STEPS RMSprop steps
    (Keras 3: eps inside the root), recomputing the gradient each step."""
    x = torch.tensor(x_np, dtype=dtype)
    y = torch.tensor(y_np, dtype=dtype)
    params = [torch.tensor(p, dtype=dtype) for p in params_np]
    v = [torch.zeros_like(p) for p in params]
    first = None
    min_pre = float("inf")
    masks = []  # which ReLUs and hinges are on, at every step
    for step in range(STEPS):
        emb, pre, sq, d, loss, g = grads_at(params, x, y)
        min_pre = min(min_pre, min(float(z.detach().abs().min()) for z in pre))
        masks += [(z > 0).numpy() for z in pre] + [(d < MARGIN).numpy()]
        if first is None:
            first = (emb, sq, d, loss, g)
        with torch.no_grad():
            for i in range(len(params)):
                v[i] = RHO * v[i] + (1.0 - RHO) * g[i] * g[i]
                params[i] = params[i] - LR * g[i] / torch.sqrt(v[i] + EPS)
    return first, params, min_pre, masks


# The C test's measure: largest |a-b| / max(|b|, F * max|b|) over an array,
# each parameter tensor (w1, b1, ...) on its own; F = 0.1, and 1 for
# params3 (see tests/test_reference.c for why).


def rel_diff(a, b, frac=0.1):
    a = np.asarray(a, dtype=np.float64).ravel()
    b = np.asarray(b, dtype=np.float64).ravel()
    floor = max(frac * np.abs(b).max(), 1e-30)
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(b), floor)))


def rel_diff_layers(a, b, frac):
    return max(rel_diff(u.detach(), v.detach(), frac) for u, v in zip(a, b))


def write_fixture(path, records):
    out = bytearray(b"SMREF001")
    out += struct.pack("<I", len(records))
    for name, arr in records:
        arr = np.ascontiguousarray(arr, dtype="<f4")
        nb = name.encode("ascii")
        out += struct.pack("<I", len(nb)) + nb
        out += struct.pack("<I", arr.ndim) + struct.pack("<" + "I" * arr.ndim, *arr.shape)
        out += arr.tobytes()
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(out)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    return len(out)


def main():
    global HEAD, WIDTHS, MARGIN
    args = sys.argv[1:]
    while args and args[0].startswith("--"):
        if args[0] == "--head" and len(args) > 1 and args[1] in HEADS:
            HEAD = args[1]
        elif args[0] == "--layers" and len(args) > 1:
            WIDTHS = [int(w) for w in args[1].split(",")]
        else:
            sys.exit("usage: make_reference.py [--head NAME] [--layers W,W,...] [OUT]")
        args = args[2:]
    # Margins where the fixture's negatives fall on both sides of the hinge
    # (the learned head has none: its loss is cross-entropy).
    MARGIN = {"euclidean": 1.0, "manhattan": 8.0, "cosine": 0.2, "learned": 1.0}[HEAD]
    default = HEAD == "euclidean" and WIDTHS == [H, H, H]
    here = os.path.dirname(os.path.abspath(__file__))
    out_path = args[0] if args else os.path.join(here, "..", "tests", "data", "reference.bin")
    out_path = os.path.normpath(out_path)

    torch.set_num_threads(1)  # fixed summation order, reproducible bytes
    images = read_idx(os.path.join(DATA_DIR, "t10k-images-idx3-ubyte.gz"), 0x00000803)
    labels = read_idx(os.path.join(DATA_DIR, "t10k-labels-idx1-ubyte.gz"), 0x00000801)
    by_class = [np.flatnonzero(labels == c) for c in range(10)]

    left = [int(by_class[ca][ra]) for ca, ra, _, _ in PAIRS]
    right = [int(by_class[cb][rb]) for _, _, cb, rb in PAIRS]
    y_np = np.array([1.0 if labels[l] == labels[r] else 0.0 for l, r in zip(left, right)], dtype=np.float32)
    x_np = images[left + right].reshape(2 * B, IN).astype(np.float32) / np.float32(255.0)

    params0 = init_params()
    (emb, sq, d, loss, g), params3, min_pre, masks = run(params0, x_np, y_np, torch.float32)
    # The same computation in float64, only to show how far float32 rounding
    # alone moves each array (a guide for the C test's tolerances).
    (emb64, _, d64, loss64, g64), params3_64, _, masks64 = run(params0, x_np, y_np, torch.float64)
    same_masks = all(np.array_equal(u, v) for u, v in zip(masks, masks64))

    hyper = np.array([MARGIN, LR, RHO, EPS], dtype=np.float32)
    records = [
        ("x", x_np),
        ("y", y_np),
        ("params0", flat([torch.from_numpy(p) for p in params0])),
        ("emb", emb.numpy()),
        ("dist", d.numpy()),
        ("loss", np.array([float(loss)], dtype=np.float32)),
        ("grads", flat(g)),
        ("params3", flat(params3)),
        ("hyper", hyper),
    ]
    if not default:
        records.append(("arch", np.array([HEADS[HEAD], len(WIDTHS)] + WIDTHS, dtype=np.float32)))
    os.makedirs(os.path.dirname(out_path), exist_ok=True)
    size = write_fixture(out_path, records)

    d_np = d.numpy()
    neg = y_np == 0
    clamp = [i for i in range(B) if float(sq[i]) < DIST_EPS] if HEAD == "euclidean" else [0]
    active = int(np.sum(neg & (d_np < MARGIN))) if HEAD != "learned" else 1
    g_flat = flat(g)
    print(f"wrote {out_path} ({size} bytes, {len(records)} records)")
    print(f"pairs: B={B}, {int(y_np.sum())} same, {int(neg.sum())} different")
    print(f"  left  t10k indices: {left}")
    print(f"  right t10k indices: {right}")
    print(f"loss at params0: {float(loss):.7g}")
    print("distances: " + " ".join(f"{v:.4f}" for v in d_np))
    print(f"  min {d_np.min():.6g}  max {d_np.max():.6g}")
    print(f"hinge-active negatives (d < margin {MARGIN}): {active} of {int(neg.sum())}")
    print(f"clamp case (sum of squares < {DIST_EPS}): " + (f"yes, pair(s) {clamp}" if clamp else "NO"))
    print(f"closest negative distance to the margin: {np.abs(d_np[neg] - MARGIN).min():.4g}")
    print(f"smallest |pre-activation| over the {STEPS} forward passes: {min_pre:.3g}")
    print(f"grads: max |g| {np.abs(g_flat).max():.4g}, {int(np.count_nonzero(g_flat))} of {g_flat.size} nonzero")
    print(f"params3 - params0: max |change| {np.abs(flat(params3) - records[2][1]).max():.4g}")
    print(f"ReLU and hinge on/off pattern identical in float32 and float64 at every step: {same_masks}")
    print("float32 vs float64, largest relative difference as the C test measures it")
    print("(float32 rounding alone; the test allows 1e-5 forward, 1e-4 grads and params3):")
    print(f"  emb {rel_diff(emb, emb64):.2g}  dist {rel_diff(d, d64):.2g}  loss {rel_diff([loss], [loss64]):.2g}"
          f"  grads {rel_diff_layers(g, g64, 0.1):.2g}  params3 {rel_diff_layers(params3, params3_64, 1.0):.2g}")

    problems = []
    if not clamp:
        problems.append("no pair exercises the distance clamp")
    if active == 0:
        problems.append("no negative pair has its hinge active")
    if active == int(neg.sum()):
        problems.append("every negative pair has its hinge active (none tests the zero branch)")
    if min_pre < 1e-6 or not same_masks:
        problems.append("a ReLU or hinge is too close to its kink: it may flip between implementations")
    if HEAD != "learned" and np.abs(d_np[neg] - MARGIN).min() < 1e-4:
        problems.append("a distance is within 1e-4 of the margin: the hinge may flip")
    if size >= 2 * 1024 * 1024:
        problems.append("fixture is 2 MB or more")
    for p in problems:
        print("WARNING: " + p, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
