/* pick.h - which pairs show-pairs draws: `count` distinct pairs of p
 * chosen at random (the seed's SEED_STREAM_SHOW stream, seeds.h) among
 * all of them, or among those a model predicts wrongly at a threshold
 * (same when the distance is below it). */
#ifndef SIAMESE_PICK_H
#define SIAMESE_PICK_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "pairs.h"

typedef struct {
    size_t *which; /* [count] the pairs drawn, in drawing order */
    float *dist;   /* [count] their distances; NULL when none were given */
    size_t count;  /* drawn: the count asked, at most pool */
    size_t pool;   /* could be drawn: p->n, or the wrongly predicted ones */
} pair_pick;

/* Chooses into out (pick_free it). dist [p->n] each pair's distance, or
 * NULL (then only_errors must be 0). Returns 0 (with out->count 0 when
 * the pool is empty) or -1 with e set (out of memory). */
int pick_pairs(pair_pick *out, const pairs_t *p, const float *dist, float threshold,
               int only_errors, size_t count, uint64_t seed, sm_err *e);

void pick_free(pair_pick *out);

#endif
