/* class_errors.h - on which classes a threshold's mistakes fall.
 *
 * For every class: same-class pairs wrongly split (distance >= threshold),
 * different-class pairs wrongly joined (distance < threshold) counted for
 * both of their classes, and, for the joined ones, which partner class they
 * were confused with most. C = number of classes.
 */
#ifndef SIAMESE_CLASS_ERRORS_H
#define SIAMESE_CLASS_ERRORS_H

#include <stdint.h>

#include "err.h"
#include "pairs.h"

typedef struct {
    uint64_t same_pairs, diff_pairs; /* pairs involving the class */
    uint64_t split;                  /* same-class pairs judged different */
    uint64_t joined;                 /* different-class pairs judged same */
    uint64_t *partner;               /* [C] joined, by the other class */
} class_errors_t;

/* out [C] (allocated here, free with class_errors_free); d [p->n]
 * distances; labels of the split's images, each < C. Returns 0 or -1 with e
 * set on no memory. */
int class_errors(class_errors_t **out, int C, const float *d, const pairs_t *p,
                 const uint16_t *labels, float threshold, sm_err *e);

void class_errors_free(class_errors_t *ce, int C);

/* The partner class joined most often with class c (-1 if none). */
int class_errors_top_partner(const class_errors_t *c, int C);

#endif
