/* rmsprop.h - RMSprop as Keras 3 does it (momentum 0, not centered):
 *   v = rho * v + (1 - rho) * g^2
 *   w = w - lr * g / sqrt(v + eps)
 * Note eps is inside the root (Keras 3); Keras 2 and PyTorch use
 * g / (sqrt(v) + eps). v starts at 0.
 * reference: keras/src/optimizers/rmsprop.py (Keras 3)
 */
#ifndef SIAMESE_RMSPROP_H
#define SIAMESE_RMSPROP_H

#include <stddef.h>

typedef struct {
    float lr, rho, eps;
} rmsprop_cfg;

/* One step over the flat buffers w, v, g [n]. Returns 1 when a weight or
 * an entry of v came out NaN or infinite (checked in the same pass), else
 * 0: a finite loss does not prove finite parameters (v overflows first). */
int rmsprop_step(float *w, float *v, const float *g, size_t n, rmsprop_cfg cfg);

#endif
