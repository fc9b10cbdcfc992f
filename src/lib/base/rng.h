/* rng.h - seeded pseudo-random numbers, passed explicitly.
 *
 * xoshiro256** (Blackman & Vigna, https://prng.di.unimi.it/) seeded through
 * splitmix64, so any 64-bit seed gives a well-mixed state. The whole state is
 * four words: the model file stores it so --resume continues the same stream.
 * No globals: every user owns its rng.
 */
#ifndef SIAMESE_RNG_H
#define SIAMESE_RNG_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint64_t s[4];
} rng_t;

/* Seeds r from seed; `stream` picks an independent sequence for the same
 * seed (pairs, subset, training each use their own). */
void rng_seed(rng_t *r, uint64_t seed, uint64_t stream);

/* Next 64 random bits. */
uint64_t rng_next(rng_t *r);

/* out [n] = the next n random 32-bit words: the low then the high half of
 * each 64-bit draw (an odd n discards the last high half). */
void rng_fill_u32(rng_t *r, uint32_t *out, size_t n);

/* Uniform integer in [0, n), n > 0, without modulo bias. */
uint32_t rng_below(rng_t *r, uint32_t n);

/* Uniform float in [0, 1) with 24 random bits. */
float rng_float(rng_t *r);

/* Fisher-Yates shuffle of a[0..n). */
void rng_shuffle_u32(rng_t *r, uint32_t *a, size_t n);

#endif
