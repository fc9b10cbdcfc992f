#!/usr/bin/python3
"""make_textures.py - the "textures" data set of issue 18: photographs of
real surfaces, cut into square grey patches, as an image-folder data set
the tool reads (`siamese train --data OUT`).

Source: the texture photographs Debian's python3-skimage ships in
/usr/lib/python3/dist-packages/skimage/data, read through skimage.data
(no download): brick, grass and gravel, each 512 x 512, 8-bit grey.
Other grey images of that package can be named with --classes (any
skimage.data function that returns a 2-D uint8 image without a download,
e.g. camera, moon, coins, text), but only the three above are surfaces.

Each image is cut into non-overlapping SIZE x SIZE patches on a grid from
its top-left corner (a 512 x 512 image gives 256 patches of 32 x 32; a
partial last row/column is dropped). The patches of each class are split
train/test by a seeded permutation (numpy default_rng(seed), one stream,
classes in order): round(TEST x n) patches go to test, the rest to train.
Patches never overlap, so no pixel is in both splits.

Written, replacing OUT/train, OUT/test and OUT/classes.txt if present:
  OUT/classes.txt                 one class name a line, in class order
  OUT/train/<class>/<nnnn>.png    8-bit grey PNG, nnnn = patch's grid index
  OUT/test/<class>/<nnnn>.png     (row-major over the source image)
The output is the same bytes for the same arguments (PNG by Pillow, no
timestamps).

usage: scripts/make_textures.py OUT [--classes brick,grass,gravel]
       [--size 32] [--test 0.2] [--seed 1]
"""
import argparse
import os
import shutil
import sys

import numpy as np
import skimage.data
from PIL import Image

DEFAULT_CLASSES = "brick,grass,gravel"


def load(name):
    fn = getattr(skimage.data, name, None)
    if fn is None or not callable(fn):
        sys.exit(f"make_textures: skimage.data has no image '{name}'")
    img = np.asarray(fn())
    if img.ndim != 2 or img.dtype != np.uint8:
        sys.exit(f"make_textures: skimage.data.{name} is {img.shape} {img.dtype}, "
                 "not a 2-D 8-bit grey image")
    return img


def patches(img, size):
    rows, cols = img.shape[0] // size, img.shape[1] // size
    return [img[r * size:(r + 1) * size, c * size:(c + 1) * size]
            for r in range(rows) for c in range(cols)]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out")
    ap.add_argument("--classes", default=DEFAULT_CLASSES,
                    help=f"comma-separated skimage.data names (default {DEFAULT_CLASSES})")
    ap.add_argument("--size", type=int, default=32, help="patch side in pixels (default 32)")
    ap.add_argument("--test", type=float, default=0.2, help="test fraction (default 0.2)")
    ap.add_argument("--seed", type=int, default=1, help="split seed (default 1)")
    args = ap.parse_args()
    classes = [c for c in args.classes.split(",") if c]
    if len(classes) < 2 or len(set(classes)) != len(classes):
        sys.exit("make_textures: --classes needs at least two distinct names")
    if args.size < 1 or not 0 < args.test < 1:
        sys.exit("make_textures: --size must be >= 1 and 0 < --test < 1")

    rng = np.random.default_rng(args.seed)
    for split in ("train", "test"):
        shutil.rmtree(os.path.join(args.out, split), ignore_errors=True)
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "classes.txt"), "w") as f:
        f.write("".join(c + "\n" for c in classes))

    for name in classes:
        img = load(name)
        p = patches(img, args.size)
        if len(p) < 2:
            sys.exit(f"make_textures: {name} {img.shape} gives fewer than 2 patches")
        order = rng.permutation(len(p))
        ntest = min(max(1, round(args.test * len(p))), len(p) - 1)
        test = set(order[:ntest].tolist())
        counts = {"train": 0, "test": 0}
        for i, patch in enumerate(p):
            split = "test" if i in test else "train"
            d = os.path.join(args.out, split, name)
            os.makedirs(d, exist_ok=True)
            Image.fromarray(patch, mode="L").save(os.path.join(d, f"{i:04d}.png"))
            counts[split] += 1
        print(f"{name}: {img.shape[1]}x{img.shape[0]} -> {len(p)} patches of "
              f"{args.size}x{args.size}, train {counts['train']}, test {counts['test']}")
    print(f"wrote {args.out}/{{train,test}}/<class>/*.png and {args.out}/classes.txt")


if __name__ == "__main__":
    main()
