#!/usr/bin/python3
"""make_reference.py - golden reference for tests/test_reference.c.

An independent PyTorch (float32, CPU) implementation of the Siamese model of
DESIGN.md ("Numerics"): the shared base network 784 -> 128 ReLU -> dropout
-> 128 ReLU -> dropout -> 128 ReLU, the head's dissimilarity (clamped
Euclidean by default) and loss (contrastive, margin of the head's scale;
the learned head's cross-entropy), gradients by autograd, and Keras-3
RMSprop written out by hand. It writes tests/data/reference.bin, which the C
test reads and recomputes with the library.

Two computations:
  - evaluation mode at the initial parameters (no dropout): embeddings,
    distances, loss (the forward pass embed, eval and inspect use);
  - three training steps as the library's trainer takes them (train.h):
    one epoch of the B pairs in batches of TRAIN_BATCH, the pairs shuffled
    and each step's dropout masks drawn with the library's RNG
    (xoshiro256** seeded by splitmix64, rng.h) re-implemented here: the
    model's training stream is rng_seed(TRAIN_SEED, 0); the epoch draws
    the shuffle's seed, then each step its dropout seed; row r of layer l
    draws from stream (l << 32) + r of that seed, a unit dropped when its
    32-bit draw is below rate * 2^32, kept ones scaled by 1 / (1 - rate)
    (activation.h). The batch rows are the trainer's: the step's left
    images in rows 0..b-1, the right ones in rows b..2b-1.

Regenerate (needs Debian's python3-torch and python3-numpy, and the
dataset-fashion-mnist package for the t10k files):

    /usr/bin/python3 scripts/make_reference.py [OUT]
    /usr/bin/python3 scripts/make_reference.py --head manhattan|cosine|learned OUT
    /usr/bin/python3 scripts/make_reference.py --layers 96,64,32 OUT
    /usr/bin/python3 scripts/make_reference.py --layers conv8,pool,conv16,gap,32,16 \
        --margin 0.04 tests/data/reference-conv.bin
    /usr/bin/python3 scripts/make_reference.py --head cosine \
        --layers conv8,pool,conv16,gap,32,16 --margin 0.025 tests/data/reference-conv-cosine.bin

The first is the notebook's model (Euclidean head, 128,128,128); the
others add a record "arch" = [head, L, arg_1 .. arg_L] (head: 0
euclidean, 1 manhattan, 2 cosine, 3 learned; see src/lib/net/head.h; arg:
a dense layer's units, a conv layer's channels, 0 for pool and gap) and use
the margin of the head's scale, or --margin's (recorded in "hyper"). The
learned head's parameters w [H] and c follow the network's in params.

--layers takes the items of `siamese --layers` (src/lib/net/layer_kind.h):
<N> dense, conv<N> (3 x 3, stride 1, zero padding 1, bias, ReLU; its
kernel in params is [9 C_in, N], row (c * 3 + ky) * 3 + kx, which is
PyTorch's weight[m][c][ky][kx] at [k][m]), pool (2 x 2 max, stride 2,
floor) and gap (global mean). Dropout follows dense layers only, never the
last layer; row r of layer l draws from stream (l << 32) + r with l
counting every layer. A conv network's fixture adds "kinds" [L] (0 dense,
1 conv, 2 pool, 3 gap) and "input" [3] = 1, 28, 28 (channels, height,
width). Its margins above put five of the eight negatives inside the
margin at the initial weights: its embeddings start close together.

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
    x       [2B, 784]  inputs, bytes/255; rows 0..B-1 left, B..2B-1 right;
                       also the training images (pair k: images k, B+k)
    y       [B]        1.0 same class, 0.0 different
    params0 [P]        w1 [784,128], b1 [128], w2 [128,128], b2 [128],
                       w3 [128,128], b3 [128]  (kernels [in, out], Keras)
    emb     [2B, 128]  embeddings at params0, evaluation mode
    dist    [B]        pair distances at params0, evaluation mode
    loss    [1]        mean loss at params0, evaluation mode
    hyper   [4]        margin, lr, rho, eps
    train   [3]        TRAIN_SEED, TRAIN_BATCH, dropout rate
    train_loss   [3]   the epoch's mean pair loss after each step
    train_grads1 [P]   d(loss)/d(params) of the first step
    train_params3 [P]  the parameters after the three steps
    arch    [2 + L]    head, L, each layer's argument (not the default model)
    kinds   [L]        each layer's kind (a conv network)
    input   [3]        channels, height, width of an image (a conv network)
"""

import gzip
import os
import struct
import sys

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from docs_rng import Rng  # noqa: E402  (the library's RNG, docs/design.md 3.1)

DATA_DIR = "/usr/share/datasets/fashion-mnist"
IN, H = 784, 128
MARGIN, LR, RHO, EPS = 1.0, 0.001, 0.9, 1e-7
DIST_EPS = 1e-7  # the clamp inside the square root
STEPS = 3
SEED = 1234
# Training: one epoch of the B = 16 pairs in steps of 6, 6 and 4 pairs (a
# short last batch, as an epoch's last step may be), dropout on.
TRAIN_SEED = 7
TRAIN_BATCH = 6
DROPOUT = 0.2
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
# The layer kinds of src/lib/net/layer_kind.h, by id (the "kinds" record).
KINDS = {"dense": 0, "conv": 1, "pool": 2, "gap": 3}
# The network: (kind, arg) per layer, from the input (arg: a dense layer's
# units, a conv layer's channels, 0 for pool and gap).
LAYERS = [("dense", H)] * 3
INPUT = (1, 28, 28)  # channels x height x width of an image


def parse_layers(spec):
    """--layers items as src/lib/net/layers.c reads them: "<N>", "conv<N>",
    "pool", "gap"."""
    out = []
    for item in spec.split(","):
        if item in ("pool", "gap"):
            out.append((item, 0))
        elif item.startswith("conv"):
            out.append(("conv", int(item[4:])))
        else:
            out.append(("dense", int(item)))
    return out


def is_spatial():
    return any(kind != "dense" for kind, _ in LAYERS)


def layer_dims():
    """Each layer's (in, out) dims, (channels, height, width); a flat
    vector of N is (N, 1, 1). Pooling drops an odd last row or column."""
    d = INPUT if is_spatial() else (IN, 1, 1)
    dims = []
    for kind, arg in LAYERS:
        c, h, w = d
        o = {"dense": (arg, 1, 1), "conv": (arg, h, w), "pool": (c, h // 2, w // 2),
             "gap": (c, 1, 1)}[kind]
        dims.append((d, o))
        d = o
    return dims


def emb_width():
    c, h, w = layer_dims()[-1][1]
    return c * h * w
COS_GUARD = 1e-12
POOL_GAPS = []  # per pool layer and training step: (largest - second largest, largest) per window
BCE_CLIP = 1e-7


def init_params():
    """Glorot-uniform kernels and small uniform biases, from one numpy
    RandomState, drawn in the flat layout's order: a dense kernel [in, out]
    (Keras), a conv kernel [9 C_in, C_out] (fan_in 9 C_in, fan_out
    9 C_out; row k = (c * 3 + ky) * 3 + kx, src/lib/net/conv.h); pool and
    gap have none. Then the learned head's w [H] (Glorot, fan-out 1) and c."""
    rs = np.random.RandomState(SEED)
    parts = []
    for (kind, arg), (din, _) in zip(LAYERS, layer_dims()):
        if kind == "dense":
            fan_in, fan_out, shape = din[0] * din[1] * din[2], arg, (din[0] * din[1] * din[2], arg)
        elif kind == "conv":
            fan_in, fan_out, shape = 9 * din[0], 9 * arg, (9 * din[0], arg)
        else:
            continue
        limit = np.sqrt(6.0 / (fan_in + fan_out))
        parts.append(rs.uniform(-limit, limit, size=shape).astype(np.float32))
        parts.append(rs.uniform(-BIAS_LIMIT, BIAS_LIMIT, size=(shape[1],)).astype(np.float32))
    if HEAD == "learned":
        limit = np.sqrt(6.0 / (emb_width() + 1))
        parts.append(rs.uniform(-limit, limit, size=(emb_width(),)).astype(np.float32))
        parts.append(rs.uniform(-BIAS_LIMIT, BIAS_LIMIT, size=(1,)).astype(np.float32))
    return parts


def head_d(a, bb, hp):
    """The dissimilarity of src/lib/net/head.h, and the learned head's p."""
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


def forward(params, x, y, masks=None, pools=None):
    """Returns embeddings [2b, H], pre-activations, the head's cache value
    (Euclidean: the sums of squares), distances [b], loss (the mean over the
    b pairs). masks[l] [2b, width_l] multiplies dense layer l's output
    (dropout: 0 or 1 / (1 - rate)) for every dense layer but the last; None
    = evaluation. A spatial network sees x as [2b, C, H, W], channels
    first; a dense layer after spatial ones reads its input flat, C, H, W.
    Each pool layer appends its windows' argmax and the gap between each
    window's largest and second largest value to `pools` (if given)."""
    h = x
    pre = []
    b = x.shape[0] // 2
    L = len(LAYERS)
    if is_spatial():
        h = x.reshape((x.shape[0],) + INPUT)
    pi = 0
    for layer, (kind, arg) in enumerate(LAYERS):
        if kind == "dense":
            w, bias = params[pi], params[pi + 1]
            pi += 2
            h = h.reshape(h.shape[0], -1)
            z = torch.matmul(h, w) + bias  # Keras layout: x [R, in] @ W [in, out]
            pre.append(z)
            h = torch.relu(z)
            if masks is not None and layer < L - 1:
                h = h * masks[layer]
        elif kind == "conv":
            w, bias = params[pi], params[pi + 1]
            pi += 2
            # w [9 C, M], row (c * 3 + ky) * 3 + kx: PyTorch's weight[m][c][ky][kx]
            weight = w.reshape(h.shape[1], 3, 3, arg).permute(3, 0, 1, 2)
            z = F.conv2d(h, weight, bias, stride=1, padding=1)
            pre.append(z)
            h = torch.relu(z)
        elif kind == "pool":
            # ties: PyTorch's CPU kernel keeps the first maximum (row-major), as
            # maxpool.h; floor mode drops an odd last row or column
            if pools is not None:
                R, C, Hh, Ww = h.shape
                win = h.detach()[:, :, :Hh // 2 * 2, :Ww // 2 * 2].reshape(R, C, Hh // 2, 2, Ww // 2, 2)
                win = win.permute(0, 1, 2, 4, 3, 5).reshape(R, C, Hh // 2, Ww // 2, 4)
                top2 = torch.topk(win, 2, dim=-1).values
                pools.append((F.max_pool2d(h.detach(), 2, return_indices=True)[1].numpy(),
                              (top2[..., 0] - top2[..., 1]).numpy(), top2[..., 0].numpy()))
            h = F.max_pool2d(h, 2)
        else:  # gap
            h = torch.mean(h, dim=(2, 3), keepdim=True)
    emb = h.reshape(h.shape[0], -1)
    a, bb = emb[:b], emb[b:]
    sq, d, p = head_d(a, bb, params[pi:])
    if HEAD == "learned":
        per = -(y * torch.log(p) + (1.0 - y) * torch.log(1.0 - p))
    else:
        per = y * d * d + (1.0 - y) * torch.clamp(MARGIN - d, min=0.0) ** 2
    return emb, pre, sq, d, per.mean()


def grads_at(params, x, y, masks=None, pools=None):
    ps = [p.detach().clone().requires_grad_(True) for p in params]
    emb, pre, sq, d, loss = forward(ps, x, y, masks, pools)
    loss.backward()
    return emb.detach(), pre, sq.detach(), d.detach(), loss.detach(), [p.grad.detach() for p in ps]


def flat(ts):
    return torch.cat([t.reshape(-1) for t in ts]).numpy().astype(np.float32)


def dropout_masks(seed, rows, rate):
    """The trainer's dropout multipliers for a batch of `rows` rows, one
    [rows, width_l] array per layer but the last (activation.c): row r of
    layer l draws from stream (l << 32) + r in blocks of 256 units."""
    cut = int(float(np.float32(rate)) * 4294967296.0)
    scale = np.float32(1.0) / (np.float32(1.0) - np.float32(rate))
    masks = []
    for layer, (kind, width) in enumerate(LAYERS[:-1]):
        if kind != "dense":  # dropout follows dense layers only
            masks.append(None)
            continue
        m = np.empty((rows, width), dtype=np.float32)
        for r in range(rows):
            g = Rng(seed, (layer << 32) + r)
            draws = []
            for j0 in range(0, width, 256):
                draws += g.fill_u32(min(256, width - j0))
            m[r] = [0.0 if u < cut else scale for u in draws]
        masks.append(m)
    return masks


def train(params_np, x_np, y_np, dtype):
    """STEPS steps of the library's trainer: one epoch of the B pairs
    (pair k is images k and B+k of x) in batches of TRAIN_BATCH. Returns
    the epoch's mean loss after each step, the first step's gradient, the
    parameters after the last step, the smallest |pre-activation| seen and
    the ReLU and hinge patterns of every step."""
    n = len(y_np)
    model_rng = Rng(TRAIN_SEED, 0)
    order = list(range(n))
    Rng(model_rng.next(), 0).shuffle(order)  # the epoch's shuffle
    params = [torch.tensor(p, dtype=dtype) for p in params_np]
    v = [torch.zeros_like(p) for p in params]
    losses, grads1, min_pre, patterns = [], None, float("inf"), []
    hinge = [0, 0, float("inf")]  # negatives inside, outside the margin; closest gap
    loss_sum = 0.0
    for step in range(STEPS):
        ids = order[step * TRAIN_BATCH:(step + 1) * TRAIN_BATCH]
        b = len(ids)
        drop_seed = model_rng.next()
        rows = ids + [n + k for k in ids]
        x = torch.tensor(x_np[rows], dtype=dtype)
        y = torch.tensor(y_np[ids], dtype=dtype)
        masks = [None if m is None else torch.tensor(m, dtype=dtype)
                 for m in dropout_masks(drop_seed, 2 * b, DROPOUT)]
        pools = []
        _, pre, _, d, loss, g = grads_at(params, x, y, masks, pools)
        loss_sum += float(loss) * b
        losses.append(loss_sum / (step * TRAIN_BATCH + b))
        min_pre = min(min_pre, min(float(z.detach().abs().min()) for z in pre))
        patterns += [(z > 0).numpy() for z in pre] + [(d < MARGIN).numpy()]
        patterns += [idx for idx, _, _ in pools]
        POOL_GAPS.extend((gap, top) for _, gap, top in pools)
        neg = y.numpy() == 0
        hinge[0] += int(np.sum(neg & (d.numpy() < MARGIN)))
        hinge[1] += int(np.sum(neg & (d.numpy() >= MARGIN)))
        if neg.any():
            hinge[2] = min(hinge[2], float(np.abs(d.numpy()[neg] - MARGIN).min()))
        if grads1 is None:
            grads1 = g
        with torch.no_grad():
            for i in range(len(params)):
                v[i] = RHO * v[i] + (1.0 - RHO) * g[i] * g[i]
                params[i] = params[i] - LR * g[i] / torch.sqrt(v[i] + EPS)
    return losses, grads1, params, min_pre, patterns, order, hinge


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
    global HEAD, LAYERS, MARGIN
    args = sys.argv[1:]
    margin = None
    while args and args[0].startswith("--"):
        if args[0] == "--head" and len(args) > 1 and args[1] in HEADS:
            HEAD = args[1]
        elif args[0] == "--layers" and len(args) > 1:
            LAYERS = parse_layers(args[1])
        elif args[0] == "--margin" and len(args) > 1:
            margin = float(args[1])
        else:
            sys.exit("usage: make_reference.py [--head NAME] [--layers ITEM,ITEM,...] "
                     "[--margin M] [OUT]")
        args = args[2:]
    # Margins where the fixture's negatives fall on both sides of the hinge
    # (the learned head has none: its loss is cross-entropy).
    MARGIN = {"euclidean": 1.0, "manhattan": 8.0, "cosine": 0.2, "learned": 1.0}[HEAD]
    if margin is not None:
        MARGIN = margin
    default = HEAD == "euclidean" and LAYERS == [("dense", H)] * 3 and margin is None
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
    x32 = torch.tensor(x_np)
    pools0 = []
    emb, pre0, sq, d, loss = forward([torch.from_numpy(p) for p in params0], x32, torch.tensor(y_np),
                                     None, pools0)
    losses, g, params3, min_pre, masks, order, hinge = train(params0, x_np, y_np, torch.float32)
    # The same computations in float64, only to show how far float32
    # rounding alone moves each array (a guide for the C test's tolerances).
    emb64, pre0_64, _, d64, loss64 = forward([torch.from_numpy(p).double() for p in params0],
                                             x32.double(), torch.tensor(y_np).double())
    # How close to a kink (a ReLU input near 0, a max-pool window's two
    # largest values near each other) is too close: 1e-6 for a dense net; a
    # conv net has some 10^6 ReLU inputs over the passes, and a few always
    # come within 1e-6 of 0, so there it is the largest float32 rounding of
    # any pre-activation at params0 (float32 against float64): a value
    # farther from its kink than that keeps its side in any float32
    # implementation that rounds as PyTorch does (the patterns are also
    # compared between float32 and float64 at every step, below).
    rounding = max(float((u.double() - v).abs().max()) for u, v in zip(pre0, pre0_64))
    kink = rounding if is_spatial() else 1e-6
    losses64, g64, params3_64, _, masks64, _, _ = train(params0, x_np, y_np, torch.float64)
    same_masks = all(np.array_equal(u, v) for u, v in zip(masks, masks64))
    min_pre = min(min_pre, min(float(z.abs().min()) for z in pre0))

    hyper = np.array([MARGIN, LR, RHO, EPS], dtype=np.float32)
    records = [
        ("x", x_np),
        ("y", y_np),
        ("params0", flat([torch.from_numpy(p) for p in params0])),
        ("emb", emb.numpy()),
        ("dist", d.numpy()),
        ("loss", np.array([float(loss)], dtype=np.float32)),
        ("hyper", hyper),
        ("train", np.array([TRAIN_SEED, TRAIN_BATCH, DROPOUT], dtype=np.float32)),
        ("train_loss", np.array(losses, dtype=np.float32)),
        ("train_grads1", flat(g)),
        ("train_params3", flat(params3)),
    ]
    if not default:
        args_ = [arg for _, arg in LAYERS]
        records.append(("arch", np.array([HEADS[HEAD], len(LAYERS)] + args_, dtype=np.float32)))
    if is_spatial():
        records.append(("kinds", np.array([KINDS[k] for k, _ in LAYERS], dtype=np.float32)))
        records.append(("input", np.array(INPUT, dtype=np.float32)))
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
    print(f"evaluation mode at params0: loss {float(loss):.7g}")
    print("distances: " + " ".join(f"{v:.4f}" for v in d_np))
    print(f"  min {d_np.min():.6g}  max {d_np.max():.6g}")
    print(f"hinge-active negatives (d < margin {MARGIN}): {active} of {int(neg.sum())}")
    print(f"clamp case (sum of squares < {DIST_EPS}): " + (f"yes, pair(s) {clamp}" if clamp else "NO"))
    print(f"closest negative distance to the margin: {np.abs(d_np[neg] - MARGIN).min():.4g}")
    print(f"training: seed {TRAIN_SEED}, batch {TRAIN_BATCH}, dropout {DROPOUT}, pair order {order}")
    print("  mean loss after each step: " + " ".join(f"{v:.7g}" for v in losses))
    if HEAD != "learned":
        print(f"  negatives inside / outside the margin over the {STEPS} steps: {hinge[0]} / {hinge[1]},"
              f" closest to it {hinge[2]:.4g}")
    print(f"smallest |pre-activation| over the {STEPS + 1} forward passes: {min_pre:.3g}")
    print(f"grads of step 1: max |g| {np.abs(g_flat).max():.4g}, {int(np.count_nonzero(g_flat))} of {g_flat.size} nonzero")
    print(f"params3 - params0: max |change| {np.abs(flat(params3) - records[2][1]).max():.4g}")
    print(f"ReLU, hinge and max-pool patterns identical in float32 and float64 at every step: {same_masks}")
    tops = [(g, t) for _, g, t in pools0] + POOL_GAPS
    gaps = np.concatenate([g.ravel() for g, _ in tops]) if tops else np.zeros(0)
    top = np.concatenate([t.ravel() for _, t in tops]) if tops else np.zeros(0)
    near_tie = float(gaps[gaps > 0].min()) if np.any(gaps > 0) else float("inf")
    print(f"float32 rounding of a pre-activation at params0: {rounding:.3g}; a kink needs a margin of {kink:.3g}")
    if tops:
        print(f"max-pool windows over the {STEPS + 1} forward passes: {gaps.size}, "
              f"{int(np.sum(gaps == 0))} exact ties, {int(np.sum((gaps == 0) & (top > 0)))} of them "
              f"at a positive value (the first maximum takes the gradient); "
              f"smallest nonzero gap to the runner-up {near_tie:.3g}")
    print("float32 vs float64, largest relative difference as the C test measures it")
    print("(float32 rounding alone; the test allows 1e-5 forward and losses, 1e-4 grads and params3):")
    print(f"  emb {rel_diff(emb, emb64):.2g}  dist {rel_diff(d, d64):.2g}  loss {rel_diff([loss], [loss64]):.2g}"
          f"  train_loss {rel_diff(losses, losses64):.2g}"
          f"  grads1 {rel_diff_layers(g, g64, 0.1):.2g}  params3 {rel_diff_layers(params3, params3_64, 1.0):.2g}")

    problems = []
    if not clamp:
        problems.append("no pair exercises the distance clamp")
    if active == 0:
        problems.append("no negative pair has its hinge active")
    if active == int(neg.sum()):
        problems.append("every negative pair has its hinge active (none tests the zero branch)")
    if near_tie < kink:
        problems.append("a max-pool window's two largest values are too close: the maximum may move")
    if min_pre < kink or not same_masks:
        problems.append("a ReLU or hinge is too close to its kink: it may flip between implementations")
    if HEAD != "learned" and min(np.abs(d_np[neg] - MARGIN).min(), hinge[2]) < 1e-4:
        problems.append("a distance is within 1e-4 of the margin: the hinge may flip")
    if HEAD != "learned" and (hinge[0] == 0 or hinge[1] == 0):
        problems.append("the training steps do not see negatives on both sides of the margin")
    if size >= 2 * 1024 * 1024:
        problems.append("fixture is 2 MB or more")
    for p in problems:
        print("WARNING: " + p, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
