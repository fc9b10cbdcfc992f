"""augment_from_docs.py - rebuilds augmented images from docs/design.md
alone (3.1 and 3.2: the generator and its draws; 3.7: the epoch's
shuffle; 3.8: the pairs of cold start, their keys and the pipeline) and
compares them, byte for byte, with what siamese made (test_augment DIR
writes DIR/train.npy, test.npy, batch.npy, val.npy and meta.txt).

usage: augment_from_docs.py DIR    exit 0 when every image matches, 1 not
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scripts"))
import docs_rng  # noqa: E402  (design.md 3.1-3.2, written from the docs)


class Rng(docs_rng.Rng):
    """The library's generator (scripts/docs_rng.py) with rng_float, 3.2."""

    def float(self):
        return np.float32(self.next() >> 40) * np.float32(2.0 ** -24)


ORDER = ("flip", "flipv", "rot90", "shift", "brightness", "contrast", "noise")
F32 = np.float32


def to_byte(v):
    """floor(v + 0.5) clamped to 0..255, v float32."""
    w = (v.astype(F32) + F32(0.5)).astype(F32)
    return np.clip(np.floor(w), 0, 255).astype(np.uint8)


def augment(img, kinds, r):
    """img uint8 [C, H, W] augmented as design.md 3.8's pipeline."""
    x = img.copy()
    for kind in ORDER:
        if kind not in kinds:
            continue
        arg = kinds[kind]
        if kind == "flip":
            if r.next() >> 63:
                x = x[:, :, ::-1]
        elif kind == "flipv":
            if r.next() >> 63:
                x = x[:, ::-1, :]
        elif kind == "rot90":
            q = r.below(4)
            x = np.stack([np.rot90(p, q) for p in x])
        elif kind == "shift":
            n = int(arg)
            dx = r.below(2 * n + 1) - n
            dy = r.below(2 * n + 1) - n
            C, H, W = x.shape
            out = np.zeros_like(x)
            for y in range(H):
                for xx in range(W):
                    sy, sx = y - dy, xx - dx
                    if 0 <= sy < H and 0 <= sx < W:
                        out[:, y, xx] = x[:, sy, sx]
            x = out
        elif kind in ("brightness", "contrast"):
            F = F32(arg)
            if kind == "contrast":
                m = F32(int(x.astype(np.uint64).sum())) / F32(x.size)
            u = r.float()
            f = (F32(1) - F) + (F32(2) * F) * u
            if kind == "brightness":
                x = to_byte(x.astype(F32) * f)
            else:
                x = to_byte((x.astype(F32) - m) * f + m)
        else:  # noise: one draw per byte in memory order
            s = F32(255) * F32(arg)
            flat = x.reshape(-1).astype(F32)
            u = np.array([r.float() for _ in range(flat.size)], dtype=F32)
            x = to_byte(flat + s * (F32(2) * u - F32(1))).reshape(x.shape)
    return np.ascontiguousarray(x)


def pairs(n, seed, stream):
    """design.md 3.8: (i, i) then (i, j) for each image i."""
    r = Rng(seed, stream)
    out = []
    for i in range(n):
        out.append((i, i, 1))
        out.append((i, (i + 1 + r.below(n - 1)) % n, 0))
    return out


def side(images, pair, s, key, p, kinds):
    return augment(images[pair[s]], kinds, Rng(key, 2 * p + s + 1))


def main():
    d = sys.argv[1]
    meta = dict(line.split(" ", 1) for line in open(d + "/meta.txt").read().splitlines())
    seed, key, B = int(meta["seed"]), int(meta["epoch_seed"]), int(meta["batch"])
    shape = tuple(int(v) for v in meta["shape"].split())
    kinds = {}
    for item in meta["augment"].split(","):
        name, _, arg = item.partition(":")
        kinds[name] = float(arg) if arg else 0.0
    load = lambda name: np.load(d + "/" + name + ".npy").astype(np.uint8).reshape(-1, *shape)
    train, test, batch, val = load("train"), load("test"), load("batch"), load("val")
    bad = 0
    # The first training step: the epoch's order (3.7), pairs order[0..B).
    tp = pairs(len(train), seed, 1)
    order = list(range(len(tp)))
    Rng(key, 0).shuffle(order)
    for k in range(B):
        p = order[k]
        for s in (0, 1):
            want = side(train, tp[p], s, key, p, kinds)
            if not np.array_equal(want, batch[s * B + k]):
                bad += 1
                print("batch row %d (pair %d, side %d) differs" % (s * B + k, p, s))
    # The validation pairs: key next() of (seed, 7); left k, right n + k.
    vp = pairs(len(test), seed, 2)
    vkey = Rng(seed, 7).next()
    n = len(vp)
    for p in range(n):
        for s in (0, 1):
            want = side(test, vp[p], s, vkey, p, kinds)
            if not np.array_equal(want, val[s * n + p]):
                bad += 1
                print("validation pair %d side %d differs" % (p, s))
    total = 2 * B + 2 * n
    print("%d of %d augmented images match the rebuild from docs/design.md" % (total - bad,
                                                                                total))
    sys.exit(1 if bad else 0)


main()
