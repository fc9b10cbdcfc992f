/* rng.c - xoshiro256** seeded by splitmix64; see rng.h.
 * reference: https://prng.di.unimi.it/xoshiro256starstar.c and
 *            https://prng.di.unimi.it/splitmix64.c */
#include "rng.h"

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static inline uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

void rng_seed(rng_t *r, uint64_t seed, uint64_t stream)
{
    uint64_t x = seed ^ (stream * 0xd1b54a32d192ed03ULL);
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&x);
}

uint64_t rng_next(rng_t *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

void rng_fill_u32(rng_t *r, uint32_t *out, size_t n)
{
    rng_t local = *r; /* keeps the state in registers through the loop */
    size_t i = 0;
    for (; i + 1 < n; i += 2) {
        uint64_t u = rng_next(&local);
        out[i] = (uint32_t)u;
        out[i + 1] = (uint32_t)(u >> 32);
    }
    if (i < n)
        out[i] = (uint32_t)rng_next(&local);
    *r = local;
}

uint32_t rng_below(rng_t *r, uint32_t n)
{
    /* Lemire's multiply-shift with rejection of the biased low range. */
    uint64_t m = (uint64_t)(uint32_t)(rng_next(r) >> 32) * n;
    uint32_t lo = (uint32_t)m;
    if (lo < n) {
        uint32_t threshold = (uint32_t)(-n) % n;
        while (lo < threshold) {
            m = (uint64_t)(uint32_t)(rng_next(r) >> 32) * n;
            lo = (uint32_t)m;
        }
    }
    return (uint32_t)(m >> 32);
}

float rng_float(rng_t *r)
{
    return (float)(rng_next(r) >> 40) * (1.0f / 16777216.0f);
}

void rng_shuffle_u32(rng_t *r, uint32_t *a, size_t n)
{
    for (size_t i = n; i > 1; i--) {
        size_t j = rng_below(r, (uint32_t)i);
        uint32_t t = a[i - 1];
        a[i - 1] = a[j];
        a[j] = t;
    }
}
