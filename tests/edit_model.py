#!/usr/bin/env python3
"""edit_model.py - rewrites a siamese model file (format 3 or 4,
docs/model-format.md) for the tests, with a valid CRC: the weights scaled,
or the threshold set.

usage: edit_model.py IN OUT scale F     every network parameter (kernels and
                                        biases; not the head's) times F
       edit_model.py IN OUT threshold X the stored threshold (nan = none)
Standard library only (struct, zlib)."""
import struct
import sys
import zlib

# Offsets of the fields used here, by version (docs/model-format.md).
LAYOUT = {
    3: dict(n_layers=32, epoch=116, threshold=180, n_classes=184, n_params=188, header=196),
    4: dict(n_layers=48, epoch=228, threshold=292, n_classes=296, n_params=300, header=308),
}


def layers(b, version, n_layers):
    """The input's (C, H, W) and [(kind, arg)]: version 3 is dense, grey."""
    width, height = struct.unpack_from("<II", b, 12)
    if version == 3:
        return (1, height, width), [(0, w) for w in struct.unpack_from("<8I", b, 36)[:n_layers]]
    dims = struct.unpack_from("<3I", b, 32)
    kinds = struct.unpack_from("<16I", b, 52)[:n_layers]
    args = struct.unpack_from("<16I", b, 116)[:n_layers]
    return dims, list(zip(kinds, args))


def net_params(dims, table):
    """Floats of the network: dense K x N + N, conv 9C x N + N, pool/gap 0."""
    c, h, w = dims
    n = 0
    for kind, arg in table:
        if kind == 0:
            n += c * h * w * arg + arg
            c, h, w = arg, 1, 1
        elif kind == 1:
            n += 9 * c * arg + arg
            c = arg
        elif kind == 2:
            h, w = h // 2, w // 2
        else:
            h, w = 1, 1
    return n


def main():
    src, dst, what, value = sys.argv[1:5]
    b = bytearray(open(src, "rb").read())
    version = struct.unpack_from("<I", b, 8)[0]
    if b[:8] != b"SIAMMODL" or version not in LAYOUT:
        sys.exit(f"{src}: not a version-3 or version-4 model file")
    at = LAYOUT[version]
    n_layers = struct.unpack_from("<I", b, at["n_layers"])[0]
    epoch = struct.unpack_from("<I", b, at["epoch"])[0]
    n_classes = struct.unpack_from("<I", b, at["n_classes"])[0]
    n_params = struct.unpack_from("<Q", b, at["n_params"])[0]
    pos = at["header"]
    for _ in range(n_classes):  # the class table
        pos += 2 + struct.unpack_from("<H", b, pos)[0]
    params = pos + 8 * epoch
    n_net = net_params(*layers(b, version, n_layers))
    assert n_net <= n_params and len(b) == params + 8 * n_params + 4, "sizes"
    if what == "scale":
        f = float(value)
        for i in range(n_net):
            o = params + 4 * i
            struct.pack_into("<f", b, o, struct.unpack_from("<f", b, o)[0] * f)
    elif what == "threshold":
        struct.pack_into("<f", b, at["threshold"], float(value))
    else:
        sys.exit(f"unknown edit {what}")
    struct.pack_into("<I", b, len(b) - 4, zlib.crc32(bytes(b[:-4])) & 0xFFFFFFFF)
    open(dst, "wb").write(bytes(b))


if __name__ == "__main__":
    main()
