#!/usr/bin/python3
"""pixel_baseline.py - the pixel-level baseline of issue 19's local-defect
table, computed outside the tool: each inspected image's anomaly map is
its absolute difference to its nearest reference (raw pixels, Euclidean),
scored against the masks by scikit-learn's roc_auc_score over all pixels
of all images (overall), and per defect type over the pixels of that
type's images and of every good image (as pixel_auroc in
src/lib/report/metrics.h counts it).

Reads REF/**.png (references), IMAGES/good/*.png and IMAGES/<type>/*.png,
and MASKS/<type>/<name>_mask.png (MVTec AD's layout; > 127 = defect), all
of one size. Prints
  pixel AUROC X (raw difference to the nearest reference)
  type <type> pixel AUROC X
usage: scripts/pixel_baseline.py REF IMAGES MASKS
"""
import os
import sys

import numpy as np
from PIL import Image
from sklearn.metrics import roc_auc_score


def pngs(folder):
    out = []
    for d, _, files in sorted(os.walk(folder, followlinks=True)):
        out += [os.path.join(d, f) for f in sorted(files) if f.endswith(".png")]
    return out


def grey(path):
    return np.asarray(Image.open(path).convert("L"), dtype=np.float64)


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__.strip().splitlines()[-1])
    ref_dir, img_dir, mask_dir = sys.argv[1:]
    refs = np.stack([grey(p).ravel() for p in pngs(ref_dir)])
    types = sorted(t for t in os.listdir(img_dir) if os.path.isdir(os.path.join(img_dir, t)))
    if "good" not in types:
        sys.exit(f"pixel_baseline: no good/ in {img_dir}")
    maps, truth, kind = [], [], []
    for t in types:
        for p in pngs(os.path.join(img_dir, t)):
            x = grey(p)
            if t == "good":
                m = np.zeros(x.shape, bool)
            else:
                name = os.path.splitext(os.path.basename(p))[0]
                m = grey(os.path.join(mask_dir, t, name + "_mask.png")) > 127
            maps.append(x.ravel())
            truth.append(m.ravel())
            kind.append(t)
    X = np.stack(maps)
    # nearest reference: |x|^2 - 2 x.r + |r|^2, the |x|^2 term is per row
    d = (refs ** 2).sum(1)[None, :] - 2 * X @ refs.T
    nearest = refs[np.argmin(d, axis=1)]
    score = np.abs(X - nearest)
    truth = np.stack(truth)
    kind = np.array(kind)
    print(f"pixel AUROC {roc_auc_score(truth.ravel(), score.ravel()):.4f} "
          "(raw difference to the nearest reference)")
    for t in types:
        if t == "good":
            continue
        sel = (kind == t) | (kind == "good")
        print(f"type {t} pixel AUROC {roc_auc_score(truth[sel].ravel(), score[sel].ravel()):.4f}")


if __name__ == "__main__":
    main()
