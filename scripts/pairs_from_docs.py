#!/usr/bin/env python3
"""pairs_from_docs.py - rebuild siamese's pairs from docs/design.md alone.

An independent reimplementation of section 3 of docs/design.md (the random
streams, the pair builder and show-pairs' choice), written from the
document, not from the C sources, to prove the document is exact. Python 3
standard library only.

    pairs_from_docs.py [--data DIR] [--split test|train] [--seed 42]
        prints every pair: "pair<TAB>left<TAB>right<TAB>same|different"
    pairs_from_docs.py ... --check TABLE
        compares TABLE, the output of
        `siamese show-pairs --split S --count N --seed K`, with the pairs
        rebuilt here: for every row, the pair number chosen for its column
        (section 3.6), and that pair's left and right images, their classes
        and the truth (3.4). Prints each mismatch; exit 0 when every row
        matches, 1 otherwise (also when the table has no rows).
    pairs_from_docs.py --self-test
        checks the generator against the check values printed in the doc.
"""
import argparse
import gzip
import os
import signal
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from docs_rng import M64, Rng  # noqa: E402  (3.1-3.2, written from the docs)


CLASS_NAMES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
               "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]

# Stream numbers (docs/design.md 3.3).
STREAM_TRAIN_PAIRS, STREAM_TEST_PAIRS, STREAM_SHOW = 1, 2, 4


def read_labels(path):
    """The labels of an IDX1 file (4.1), gzipped or plain."""
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    if len(raw) < 8:
        sys.exit("%s: too short for an IDX label file" % path)
    magic, n = struct.unpack_from(">II", raw, 0)
    if magic != 0x00000801 or len(raw) != 8 + n:
        sys.exit("%s: not an IDX label file (magic 0x%08x, %d bytes for %d labels)"
                 % (path, magic, len(raw), n))
    return raw[8:]


def label_path(data, split):
    name = ("t10k" if split == "test" else "train") + "-labels-idx1-ubyte"
    for cand in (name + ".gz", name):
        if os.path.exists(os.path.join(data, cand)):
            return os.path.join(data, cand)
    sys.exit("%s: no %s(.gz)" % (data, name))


def build_pairs(labels, rng, classes=10):
    """The pair builder of 3.4: lists of (left, right, same)."""
    idx = [[] for _ in range(classes)]
    for i, c in enumerate(labels):
        idx[c].append(i)
    per = min(len(l) for l in idx) - 1
    if per < 1:
        sys.exit("a class has fewer than two images")
    pairs = []
    for c in range(classes):
        for i in range(per):
            pairs.append((idx[c][i], idx[c][i + 1], 1))
            dn = (c + 1 + rng.below(classes - 1)) % classes
            pairs.append((idx[c][i], idx[dn][i], 0))
    return pairs


def show_choice(seed, n_candidates, count):
    """Which candidates show-pairs draws (3.6), as positions in the list."""
    rng = Rng(seed, STREAM_SHOW)
    chosen = []
    for _ in range(min(count, n_candidates)):
        while True:
            p = rng.below(n_candidates)
            if p not in chosen:
                break
        chosen.append(p)
    return chosen


def self_test():
    r = Rng(42, 2)
    want = [0xfa797f03f3c87f80, 0xdc5a84b9a60bd82c, 0x2764fc05cf725627, 0x164a3a0f193d30cc]
    ok = r.s == want
    ok &= [r.next() for _ in range(3)] == [0xf4aa51180a7fdf56, 0xbe2e5718a3bab79b,
                                           0x20cce7783b783025]
    r = Rng(42, 2)
    ok &= [r.below(9) for _ in range(10)] == [8, 6, 1, 8, 6, 0, 7, 7, 3, 2]
    print("self-test: %s" % ("the check values of docs/design.md 3.1-3.2 match" if ok
                             else "MISMATCH with the check values of docs/design.md"))
    return 0 if ok else 1


def check_table(path, labels, pairs, seed):
    """Compares a show-pairs table with the rebuilt pairs; returns the exit status."""
    rows = []
    with open(path) as f:
        lines = f.read().splitlines()
    try:
        start = lines.index("column\tpair\tleft\tleft_class\tright\tright_class\ttruth") + 1
    except ValueError:
        print("%s: no show-pairs table header found" % path)
        return 1
    for line in lines[start:]:
        rows.append(line.split("\t"))
    choice = show_choice(seed, len(pairs), len(rows))
    bad = 0
    for k, row in enumerate(rows):
        if len(row) != 7:
            print("row %d: expected 7 tab-separated fields, found %d" % (k + 1, len(row)))
            bad += 1
            continue
        col, q, left, lcls, right, rcls, truth = row
        q, left, right = int(q), int(left), int(right)
        problems = []
        if int(col) != k + 1:
            problems.append("column %s, expected %d" % (col, k + 1))
        if k < len(choice) and q != choice[k]:
            problems.append("pair %d, expected pair %d (show-pairs' choice)" % (q, choice[k]))
        if not 0 <= q < len(pairs):
            problems.append("pair %d out of range 0..%d" % (q, len(pairs) - 1))
        else:
            l, r, same = pairs[q]
            want = (l, CLASS_NAMES[labels[l]], r, CLASS_NAMES[labels[r]],
                    "same" if same else "different")
            if (left, lcls, right, rcls, truth) != want:
                problems.append("found %s, rebuilt %s" % ((left, lcls, right, rcls, truth), want))
        if problems:
            print("row %d: %s" % (k + 1, "; ".join(problems)))
            bad += 1
    print("%d of %d rows match the pairs rebuilt from docs/design.md" % (len(rows) - bad,
                                                                         len(rows)))
    return 0 if rows and bad == 0 else 1


def main():
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # quiet under `| head`
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default=os.environ.get("SIAMESE_DATA",
                                                     "/usr/share/datasets/fashion-mnist"))
    ap.add_argument("--split", choices=["test", "train"], default="test")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--check", metavar="TABLE")
    ap.add_argument("--self-test", action="store_true")
    a = ap.parse_args()
    if a.self_test:
        return self_test()
    if not 0 <= a.seed <= M64:
        sys.exit("--seed: expected 0..2^64-1")
    labels = read_labels(label_path(a.data, a.split))
    stream = STREAM_TEST_PAIRS if a.split == "test" else STREAM_TRAIN_PAIRS
    pairs = build_pairs(labels, Rng(a.seed, stream))
    if a.check:
        return check_table(a.check, labels, pairs, a.seed)
    out = sys.stdout
    for k, (l, r, same) in enumerate(pairs):
        out.write("%d\t%d\t%d\t%s\n" % (k, l, r, "same" if same else "different"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
