#!/usr/bin/python3
"""patch_variants.py - a prototype bench for the patch score (issue 19):
which position features and which image score find the local defects of
scripts/make_defects.py best, with a full memory bank (no coreset), before
any of it is built into `siamese inspect`.

The model is read with docs/model-format.md's own Python reader (its first
python block, as test_numpy_conv.sh takes it); the conv layers run in
PyTorch (float32, its own summation order: features agree with siamese's
to about 1e-6, not bit for bit). Per class of DEFECTS (make_defects.py's
layout): the first NREF references form the bank's source, the first 300
of them are the calibration set scored against the other NREF - 300 (whose
positions are the bank), and the test images are scored against the same
bank. Position score: euclidean distance to the nearest bank entry.

Features (--variants, comma-separated; layer numbers are 1-based items of
--layers, e.g. for conv32,pool,conv64,pool,conv128,...: L2 = pool1 14x14,
L4 = pool2 7x7):
  L4        pool2 positions (inspect's default layer)
  L2L4      pool1 averaged over 2x2 windows, concatenated with pool2
  L1L4      conv1 averaged over 4x4 windows, concatenated with pool2
  P         the pixels of each position's 4 x 4 cell / 255 (28 x 28 images)
  L4P<f>    L4 followed by P, P weighted so that its mean norm over the
            references is f times L4's (inspect --pixels f); also L2L4P<f>
Image scores, for each:
  max       the largest position score (inspect --score patch today)
  z         the largest of (d - mean) / (sd + mean sd), mean and sd of
            the calibration set's scores at the same position
With NEAR=R[,R...] in the environment, each position is searched only
among the bank's entries of the positions within R rows and columns
(inspect --near R), and the scores are nearR and nearR z instead.
Pixel AUROC: the position scores upsampled bilinearly (align_corners
False) to 28 x 28, over every pixel of every test image of a class.

  usage: scripts/patch_variants.py MODEL DEFECTS [NREF [VARIANTS]]
  prints a Markdown table of means over the classes on stdout.
"""
import glob, os, sys
import numpy as np
import torch
from PIL import Image
from sklearn.metrics import roc_auc_score

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
doc = open(os.path.join(root, "docs", "model-format.md")).read().split("```python\n")
reader = {}
exec(doc[1].split("```")[0], reader)  # read_model, layers_of, walk, HEADS

def model_layers(path):
    """[(kind, kernel [9C, M] or None, bias [M] or None)], input dims."""
    m = reader["read_model"](path)
    p = np.array(m["params"], dtype=np.float32)
    dims, kinds = reader["layers_of"](m)
    at, out = 0, []
    for (kind, arg), (d_in, _, n) in zip(kinds, reader["walk"](dims, kinds)):
        rows = 9 * d_in[0] if kind == "conv" else 0
        out.append((kind, p[at:at + rows * arg].reshape(rows, arg) if rows else None,
                    p[at + rows * arg:at + n] if rows else None))
        at += n
    return out, dims

def feature_maps(layers, dims, pixels):
    """{"L1": [n, C, H, W], ...} for the leading conv/pool items."""
    x = torch.from_numpy((pixels.astype(np.float32) / 255).reshape(-1, *dims))
    out = {"L0": x}
    for i, (kind, w, b) in enumerate(layers, 1):
        if kind == "conv":
            C, M = x.shape[1], w.shape[1]
            k = torch.from_numpy(w.reshape(C, 3, 3, M).transpose(3, 0, 1, 2).copy())
            x = torch.relu(torch.nn.functional.conv2d(x, k, torch.from_numpy(b), padding=1))
        elif kind == "pool":
            x = torch.nn.functional.max_pool2d(x, 2)
        else:
            break
        out["L%d" % i] = x
    return out

def positions(a):
    """[n, C, h, w] -> [n, h w, C]"""
    n, C, h, w = a.shape
    return a.permute(0, 2, 3, 1).reshape(n, h * w, C).contiguous()

def nearest(q, bank, chunk=4096, bchunk=16384):
    """q [Q, C], bank [B, C] -> euclidean distance to the nearest entry [Q]."""
    out, bn = torch.empty(len(q)), (bank * bank).sum(1)
    for s in range(0, len(q), chunk):
        x = q[s:s + chunk]
        best = torch.full((len(x),), float("inf"))
        for b0 in range(0, len(bank), bchunk):
            d2 = torch.addmm(bn[None, b0:b0 + bchunk], x, bank[b0:b0 + bchunk].T, alpha=-2)
            best = torch.minimum(best, d2.min(1).values)
        out[s:s + chunk] = (best + (x * x).sum(1)).clamp_min(1e-7).sqrt()
    return out

def nearest_near(t, r, h, R):
    """t [n, P, C], r [m, P, C] -> [n, P]: the distance to the nearest entry
    of r at the positions within R rows and columns."""
    n, P, C = t.shape
    out = torch.empty(n, P)
    for p in range(P):
        y, x = divmod(p, h)
        nb = [q for q in range(P) if abs(q // h - y) <= R and abs(q % h - x) <= R]
        out[:, p] = nearest(t[:, p], r[:, nb].reshape(-1, C))
    return out

SCALE = {}

def variant(maps, name):
    def avg(a, f):
        return torch.nn.functional.avg_pool2d(a, f)
    L4 = maps["L4"]
    if name == "L4":
        return L4
    if name == "L2L4":
        return torch.cat([avg(maps["L2"], 2), L4], 1)
    if name == "L1L4":
        return torch.cat([avg(maps["L1"], 4), L4], 1)
    if name == "P" or name.startswith("L4P") or name.startswith("L2L4P"):
        P = torch.nn.functional.pixel_unshuffle(maps["L0"], 4)
        if name == "P":
            return P
        base = variant(maps, name.split("P")[0])
        if name not in SCALE:  # the references come first: their weight for both
            SCALE[name] = float(name.split("P")[1]) * base.norm(dim=1).mean() / P.norm(dim=1).mean()
        return torch.cat([base, P * SCALE[name]], 1)
    sys.exit("unknown variant %s" % name)

def load(files):
    return np.stack([np.array(Image.open(f).convert("L")).reshape(-1) for f in files])

def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__.split("\n\n")[-1])
    model, defects = sys.argv[1:3]
    nref = int(sys.argv[3]) if len(sys.argv) > 3 else 6000
    names = (sys.argv[4] if len(sys.argv) > 4 else "L4,L2L4,L1L4").split(",")
    torch.set_num_threads(int(os.environ.get("THREADS", "2")))
    layers, dims = model_layers(model)
    res = {}
    classes = sorted(c for c in os.listdir(defects) if os.path.isdir(os.path.join(defects, c)))
    radii = [int(r) for r in os.environ.get("NEAR", "").split(",") if r]
    for cls in classes:
        SCALE.clear()
        d = os.path.join(defects, cls)
        ref = sorted(glob.glob(os.path.join(d, "train", "good", "*.png")))[:nref]
        test = sorted(glob.glob(os.path.join(d, "test", "*", "*.png")))
        kinds = np.array([os.path.basename(os.path.dirname(f)) for f in test])
        masks = np.stack([np.zeros(784, np.uint8) if k == "good" else
                          (load([os.path.join(d, "ground_truth", k, os.path.basename(f)[:-4] + "_mask.png")])[0] > 127)
                          for f, k in zip(test, kinds)]).reshape(-1)
        y = (kinds != "good").astype(int)
        with torch.no_grad():
            R, T = feature_maps(layers, dims, load(ref)), feature_maps(layers, dims, load(test))
            for v in names:
                r, t = positions(variant(R, v)), positions(variant(T, v))
                P, C = r.shape[1], r.shape[2]
                h = int(round(P ** 0.5))
                cands = []
                for rad in radii or [None]:
                    if rad is None:
                        bank = r[300:].reshape(-1, C)
                        dt = nearest(t.reshape(-1, C), bank).reshape(len(t), P)
                        dr = nearest(r[:300].reshape(-1, C), bank).reshape(300, P)
                    else:
                        dt, dr = nearest_near(t, r[300:], h, rad), nearest_near(r[:300], r[300:], h, rad)
                    mu, sd = dr.mean(0), dr.std(0)
                    name = "max" if rad is None else "near%d" % rad
                    cands += [(name, dt), (name + " z" if rad is not None else "z", (dt - mu) / (sd + sd.mean()))]
                for score, m in cands:
                    img = m.max(1).values.numpy()
                    up = torch.nn.functional.interpolate(m.reshape(-1, 1, h, h), size=(28, 28),
                                                         mode="bilinear", align_corners=False)
                    row = [roc_auc_score(y, img), roc_auc_score(masks, up.reshape(-1).numpy())]
                    for k in ("scratch", "blob", "missing"):
                        sel = (kinds == k) | (kinds == "good")
                        row.append(roc_auc_score(y[sel], img[sel]))
                    res.setdefault((v, score), []).append(row)
        print(cls, file=sys.stderr, flush=True)
    print("| features | image score | image AUROC | pixel AUROC | scratch | blob | missing |")
    print("|---|---|---|---|---|---|---|")
    for (v, score), rows in res.items():
        m = np.array(rows).mean(0)
        print("| %s | %s | %s |" % (v, score, " | ".join("%.4f" % x for x in m)))

main()
