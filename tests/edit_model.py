#!/usr/bin/env python3
"""edit_model.py - rewrites a siamese model file (format 3, docs/model-format.md)
for the tests, with a valid CRC: the weights scaled, or the threshold set.

usage: edit_model.py IN OUT scale F     every network parameter (kernels and
                                        biases; not the head's) times F
       edit_model.py IN OUT threshold X the stored threshold (nan = none)
Standard library only (struct, zlib)."""
import struct
import sys
import zlib


def main():
    src, dst, what, value = sys.argv[1:5]
    b = bytearray(open(src, "rb").read())
    if b[:8] != b"SIAMMODL" or struct.unpack_from("<I", b, 8)[0] != 3:
        sys.exit(f"{src}: not a version-3 model file")
    width, height = struct.unpack_from("<II", b, 12)
    n_layers = struct.unpack_from("<I", b, 32)[0]
    widths = struct.unpack_from("<8I", b, 36)[:n_layers]
    epoch = struct.unpack_from("<I", b, 116)[0]
    n_classes = struct.unpack_from("<I", b, 184)[0]
    n_params = struct.unpack_from("<Q", b, 188)[0]
    at = 196
    for _ in range(n_classes):  # the class table
        at += 2 + struct.unpack_from("<H", b, at)[0]
    params = at + 8 * epoch
    fan_in, n_net = width * height, 0
    for w in widths:
        n_net += fan_in * w + w
        fan_in = w
    assert n_net <= n_params and len(b) == params + 8 * n_params + 4, "sizes"
    if what == "scale":
        f = float(value)
        for i in range(n_net):
            o = params + 4 * i
            struct.pack_into("<f", b, o, struct.unpack_from("<f", b, o)[0] * f)
    elif what == "threshold":
        struct.pack_into("<f", b, 180, float(value))
    else:
        sys.exit(f"unknown edit {what}")
    struct.pack_into("<I", b, len(b) - 4, zlib.crc32(bytes(b[:-4])) & 0xFFFFFFFF)
    open(dst, "wb").write(bytes(b))


if __name__ == "__main__":
    main()
