#!/usr/bin/python3
"""make_defects.py - the local-defect data set of issue 19: good
Fashion-MNIST test images with defects drawn into them, and the defects'
masks, in MVTec AD's layout, for each class asked for (by default the five
classes of the unseen-classes protocol: Sandal, Shirt, Sneaker, Bag, Ankle
boot).

Source: Fashion-MNIST, read with numpy from the IDX files (.gz or plain;
default /usr/share/datasets/fashion-mnist) or from image folders written by
`siamese export` (DATA/classes.txt, DATA/train/<class>/*.png,
DATA/test/<class>/*.png, which hold the same pixels).

Per class, written (OUT/<class>/ replaced if present; <class> is the class
name with '/' as '-', as `siamese export` names folders):
  train/good/<index>.png      the class's training images (references),
                              all of them unless --train N (the first N)
  test/good/<index>.png       --good test images of the class, untouched
  test/<defect>/<index>.png   --defective test images of the class, a third
                              of them (rounded down; the rest to the last
                              kind) per kind: scratch, blob, missing
  ground_truth/<defect>/<index>_mask.png   255 = defect pixel, 0 = normal
<index> is the image's index in its IDX split (5 digits). Which test images
are good and which get which defect: a permutation of the class's test
images (numpy default_rng(seed), one stream for the whole run, classes in
the order given): the first --good are good, the next --defective defective
(scratch, then blob, then missing). Same arguments, same bytes (PNG by
Pillow, no timestamps).

The drawing, on 28 x 28 grey images whose objects are brighter than their
black (0) background. A defect is centred on a random pixel of the object
(value >= 64); its shape S is then drawn:
  scratch  a straight line 1 pixel wide (skimage.draw.line), length 8 to 14
           pixels, angle uniform in [0, pi); each pixel of S becomes 255
           where the image is below 128 there and 0 where it is 128 or
           above (a scratch shows as the contrast to its surface, at least
           128 levels)
  blob     a filled ellipse (skimage.draw.ellipse), semi-axes 2 to 4 pixels
           each, rotation uniform in [0, pi); its pixels are shifted by
           +-(60 to 100) levels, one shift for the blob, darker when the
           blob's mean is 128 or more, brighter otherwise, clipped to 0..255
  missing  an axis-aligned rectangle, sides 4 to 8 pixels, set to 0 (the
           background shows through a hole in the object)
All numbers are drawn uniformly (integers inclusive). The mask is the
pixels of S whose value changed (a pixel of S that stays the same, e.g. a
missing patch over background, is not marked: no method can see it). A
drawing that changes fewer than 6 pixels, or fewer than half of S, is drawn
again (new centre and shape), up to 100 times; then the image is drawn
anew from the remaining test images (never in practice on Fashion-MNIST).

usage: scripts/make_defects.py OUT [--classes 5,6,7,8,9] [--seed 1]
       [--good 100] [--defective 300] [--train N] [--data PATH]
--classes takes indices (0..9) or names, comma-separated.
"""
import argparse
import gzip
import os
import shutil
import sys

import numpy as np
from PIL import Image
from skimage.draw import ellipse, line

NAMES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
         "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
KINDS = ["scratch", "blob", "missing"]
DEFAULT_DATA = "/usr/share/datasets/fashion-mnist"


def read_idx(path):
    op = gzip.open if path.endswith(".gz") else open
    with op(path, "rb") as f:
        b = f.read()
    magic = int.from_bytes(b[0:4], "big")
    dims = [int.from_bytes(b[4 + 4 * i:8 + 4 * i], "big") for i in range(magic & 0xff)]
    data = np.frombuffer(b, np.uint8, offset=4 + 4 * len(dims))
    if data.size != int(np.prod(dims)):
        sys.exit(f"make_defects: {path}: {data.size} bytes of data, header says {dims}")
    return data.reshape(dims)


def find_idx(root, stem):
    for name in (stem, stem + ".gz"):
        p = os.path.join(root, name)
        if os.path.exists(p):
            return p
    sys.exit(f"make_defects: no {stem}[.gz] in {root}")


def load_split(data, split, c):
    """Images [n, 28, 28] of class c in split ('train'/'test'), and their
    indices in the split."""
    if os.path.exists(os.path.join(data, "classes.txt")):  # siamese export
        folder = os.path.join(data, split, NAMES[c].replace("/", "-"))
        names = sorted(f for f in os.listdir(folder) if f.endswith(".png"))
        idx = np.array([int(os.path.splitext(f)[0]) for f in names])
        imgs = np.stack([np.asarray(Image.open(os.path.join(folder, f)).convert("L"))
                         for f in names])
        order = np.argsort(idx, kind="stable")
        return imgs[order], idx[order]
    stem = "train" if split == "train" else "t10k"
    imgs = read_idx(find_idx(data, f"{stem}-images-idx3-ubyte"))
    labels = read_idx(find_idx(data, f"{stem}-labels-idx1-ubyte"))
    idx = np.nonzero(labels == c)[0]
    return imgs[idx], idx


def draw(img, kind, rng):
    """One defect of kind drawn into a copy of img: (image, mask) or None
    when the drawing changes too little."""
    h, w = img.shape
    ys, xs = np.nonzero(img >= 64)
    k = rng.integers(len(ys))
    cy, cx = int(ys[k]), int(xs[k])
    out = img.astype(np.int32)
    shape = np.zeros(img.shape, bool)
    if kind == "scratch":
        length = rng.integers(8, 15)
        angle = rng.uniform(0, np.pi)
        dy, dx = np.sin(angle) * (length - 1) / 2, np.cos(angle) * (length - 1) / 2
        rr, cc = line(int(round(cy - dy)), int(round(cx - dx)),
                      int(round(cy + dy)), int(round(cx + dx)))
        ok = (rr >= 0) & (rr < h) & (cc >= 0) & (cc < w)
        shape[rr[ok], cc[ok]] = True
        out[shape] = np.where(img[shape] < 128, 255, 0)
    elif kind == "blob":
        ry, rx = rng.integers(2, 5), rng.integers(2, 5)
        rot = rng.uniform(0, np.pi)
        shift = rng.integers(60, 101)
        rr, cc = ellipse(cy, cx, ry, rx, shape=img.shape, rotation=rot)
        shape[rr, cc] = True
        sign = -1 if img[shape].mean() >= 128 else 1
        out[shape] = np.clip(out[shape] + sign * shift, 0, 255)
    else:  # missing
        sh, sw = rng.integers(4, 9), rng.integers(4, 9)
        y0, x0 = max(0, cy - sh // 2), max(0, cx - sw // 2)
        shape[y0:min(h, y0 + sh), x0:min(w, x0 + sw)] = True
        out[shape] = 0
    out = out.astype(np.uint8)
    mask = shape & (out != img)
    if mask.sum() < 6 or mask.sum() * 2 < shape.sum():
        return None
    return out, mask


def save(path, px):
    Image.fromarray(np.ascontiguousarray(px, dtype=np.uint8), mode="L").save(path)


def make_class(out, data, c, rng, args):
    root = os.path.join(out, NAMES[c].replace("/", "-"))
    shutil.rmtree(root, ignore_errors=True)
    train, train_idx = load_split(data, "train", c)
    test, test_idx = load_split(data, "test", c)
    need = args.good + args.defective
    if len(test) < need:
        sys.exit(f"make_defects: class {NAMES[c]} has {len(test)} test images, {need} needed")
    n_train = len(train) if args.train is None else min(args.train, len(train))
    os.makedirs(os.path.join(root, "train", "good"))
    for i in range(n_train):
        save(os.path.join(root, "train", "good", f"{train_idx[i]:05d}.png"), train[i])
    os.makedirs(os.path.join(root, "test", "good"))
    for k in KINDS:
        os.makedirs(os.path.join(root, "test", k))
        os.makedirs(os.path.join(root, "ground_truth", k))
    perm = rng.permutation(len(test))
    for j in perm[:args.good]:
        save(os.path.join(root, "test", "good", f"{test_idx[j]:05d}.png"), test[j])
    third = args.defective // 3
    kinds = [KINDS[min(i // third, 2)] if third else KINDS[2] for i in range(args.defective)]
    spare = list(perm[need:])  # drawn from when an image takes no defect
    counts = dict.fromkeys(KINDS, 0)
    for j, kind in zip(perm[args.good:need], kinds):
        result = None
        while result is None:
            for _ in range(100):
                result = draw(test[j], kind, rng)
                if result is not None:
                    break
            if result is None:
                if not spare:
                    sys.exit(f"make_defects: class {NAMES[c]}: no image takes a {kind}")
                j = spare.pop(0)
        name = f"{test_idx[j]:05d}"
        save(os.path.join(root, "test", kind, name + ".png"), result[0])
        save(os.path.join(root, "ground_truth", kind, name + "_mask.png"),
             result[1].astype(np.uint8) * 255)
        counts[kind] += 1
    print(f"{root}: {n_train} references, {args.good} good, " +
          ", ".join(f"{counts[k]} {k}" for k in KINDS), file=sys.stderr)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out")
    ap.add_argument("--classes", default="5,6,7,8,9",
                    help="indices or names, comma-separated (default 5,6,7,8,9)")
    ap.add_argument("--seed", type=int, default=1, help="seed (default 1)")
    ap.add_argument("--good", type=int, default=100, help="good test images per class (default 100)")
    ap.add_argument("--defective", type=int, default=300,
                    help="defective test images per class (default 300)")
    ap.add_argument("--train", type=int, default=None,
                    help="references per class (default: all training images of the class)")
    ap.add_argument("--data", default=os.environ.get("SIAMESE_DATA", DEFAULT_DATA),
                    help=f"IDX folder or `siamese export` folder (default $SIAMESE_DATA or {DEFAULT_DATA})")
    args = ap.parse_args()
    classes = []
    for item in filter(None, args.classes.split(",")):
        if item.isdigit() and int(item) < len(NAMES):
            classes.append(int(item))
        elif item in NAMES:
            classes.append(NAMES.index(item))
        else:
            sys.exit(f"make_defects: --classes: '{item}' is neither 0..9 nor one of {NAMES}")
    if not classes or len(set(classes)) != len(classes):
        sys.exit("make_defects: --classes needs distinct classes")
    if args.good < 1 or args.defective < 1 or (args.train is not None and args.train < 1):
        sys.exit("make_defects: --good, --defective and --train must be >= 1")
    rng = np.random.default_rng(args.seed)
    os.makedirs(args.out, exist_ok=True)
    for c in classes:
        make_class(args.out, args.data, c, rng, args)


if __name__ == "__main__":
    main()
