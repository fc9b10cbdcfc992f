"""docs_rng.py - the library's random numbers (docs/design.md 3.1-3.2,
src/lib/base/rng.c) written again from their description, on Python
integers: xoshiro256** seeded through splitmix64 for a (seed, stream),
and the derived draws. Imported by make_reference.py (the golden
fixtures) and pairs_from_docs.py (the pairs rebuilt from the docs)."""

M64 = (1 << 64) - 1
M32 = (1 << 32) - 1


def rotl(x, k):
    return ((x << k) | (x >> (64 - k))) & M64


class Rng:
    def __init__(self, seed, stream):
        x = (seed ^ (stream * 0xD1B54A32D192ED03)) & M64
        self.s = []
        for _ in range(4):
            x = (x + 0x9E3779B97F4A7C15) & M64
            z = x
            z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
            z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
            self.s.append(z ^ (z >> 31))

    def next(self):
        s = self.s
        result = (rotl((s[1] * 5) & M64, 7) * 9) & M64
        t = (s[1] << 17) & M64
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = rotl(s[3], 45)
        return result

    def fill_u32(self, n):
        """n 32-bit draws: each 64-bit draw gives its low half, then its
        high half; an odd n uses the last draw's low half only."""
        out = []
        while len(out) < n:
            u = self.next()
            out.append(u & M32)
            if len(out) < n:
                out.append(u >> 32)
        return out

    def below(self, n):
        """Lemire's multiply-shift with rejection, as rng_below."""
        m = (self.next() >> 32) * n
        lo = m & M32
        if lo < n:
            threshold = ((1 << 32) - n) % n
            while lo < threshold:
                m = (self.next() >> 32) * n
                lo = m & M32
        return m >> 32

    def shuffle(self, a):
        for i in range(len(a), 1, -1):
            j = self.below(i)
            a[i - 1], a[j] = a[j], a[i - 1]
