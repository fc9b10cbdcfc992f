/* activation.h - ReLU followed by inverted dropout, in place.
 *
 * The network only ever uses dropout right after a ReLU, so the pair is
 * one sweep over memory. Inverted dropout (Keras, PyTorch): in training a
 * unit is zeroed with probability `rate` and kept units are scaled by
 * 1/(1-rate), so evaluation is the identity. The backward pass needs only
 * the output y: a unit passes gradient iff y > 0 (ReLU active and kept),
 * and then it is scaled by the same 1/(1-rate).
 */
#ifndef SIAMESE_ACTIVATION_H
#define SIAMESE_ACTIVATION_H

#include <stddef.h>

#include "rng.h"

/* x [n] = relu(x). */
void relu_forward(float *x, size_t n);

/* x [n] = dropout(relu(x)) with rate in [0, 1), drawing from r. */
void relu_dropout_forward(float *x, size_t n, float rate, rng_t *r);

/* dx [n] = y > 0 ? dx * scale : 0, where y is the forward output and scale
 * is 1/(1-rate) after relu_dropout_forward, 1 after relu_forward. */
void relu_dropout_backward(float *dx, const float *y, size_t n, float scale);

#endif
