/* class_errors.h - on which classes a threshold's mistakes fall.
 *
 * For every class: same-class pairs wrongly split (distance >= threshold),
 * different-class pairs wrongly joined (distance < threshold) counted for
 * both of their classes, and, for the joined ones, which partner class they
 * were confused with most.
 */
#ifndef SIAMESE_CLASS_ERRORS_H
#define SIAMESE_CLASS_ERRORS_H

#include <stdint.h>

#include "dataset.h"
#include "pairs.h"

typedef struct {
    uint64_t same_pairs, diff_pairs;       /* pairs involving the class */
    uint64_t split;                        /* same-class pairs judged different */
    uint64_t joined;                       /* different-class pairs judged same */
    uint64_t partner[DATASET_CLASSES];     /* joined, by the other class */
} class_errors_t;

/* out [DATASET_CLASSES]; d [p->n] distances; labels of the split's images. */
void class_errors(class_errors_t *out, const float *d, const pairs_t *p, const uint8_t *labels,
                  float threshold);

/* The partner class joined most often with class c (-1 if none). */
int class_errors_top_partner(const class_errors_t *c);

#endif
