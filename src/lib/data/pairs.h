/* pairs.h - the notebook's same/different pairs.
 *
 * For each class c (in order), with idx[c] the indices of its images in
 * ascending order and n = (smallest class count) - 1, for i < n:
 *   positive (idx[c][i], idx[c][i+1])        label 1 (same)
 *   negative (idx[c][i], idx[(c+k)%C][i])    label 0, k uniform in 1..C-1
 * so pairs alternate positive/negative. Fashion-MNIST gives 119,980
 * training and 19,980 test pairs.
 */
#ifndef SIAMESE_PAIRS_H
#define SIAMESE_PAIRS_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "rng.h"

typedef struct {
    size_t n;          /* number of pairs */
    uint32_t *left;    /* [n] image index of the left side */
    uint32_t *right;   /* [n] image index of the right side */
    uint8_t *same;     /* [n] 1 = same class, 0 = different */
} pairs_t;

/* Builds the pairs for labels[0..n) over `classes` classes, drawing the
 * negative partners from r. Returns -1 with e set when there are fewer than
 * two classes or a class has fewer than two images. */
int pairs_build(const uint16_t *labels, size_t n, int classes, rng_t *r, pairs_t *out,
                sm_err *e);

/* The pairs of cold-start training (train --pairs augment), labels
 * ignored: for each image i = 0..n-1 in order, a positive (i, i) (two
 * augmentations of one image, augment.h) then a negative (i, j), j = (i + 1
 * + below(n - 1)) mod n drawn from r, a different image: 2n pairs,
 * alternating like pairs_build's. -1 with e set when n < 2. */
int pairs_build_augment(size_t n, rng_t *r, pairs_t *out, sm_err *e);

/* Keeps `count` pairs chosen uniformly at random by r, in their original
 * order; count >= p->n keeps them all. */
void pairs_subset(pairs_t *p, size_t count, rng_t *r);

void pairs_free(pairs_t *p);

#endif
