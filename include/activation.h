/* activation.h - bias, ReLU and inverted dropout in one pass, in place.
 *
 * The network only ever uses dropout right after a ReLU, and a ReLU right
 * after a dense layer, so the three are one sweep over memory:
 *   x = dropout(relu(x + b))
 * Inverted dropout (Keras, PyTorch): in training a unit is zeroed with
 * probability `rate` and kept units are scaled by 1/(1-rate), so
 * evaluation is the identity. The backward pass needs only the output y: a
 * unit passes gradient iff y > 0 (ReLU active and kept), scaled by the same
 * 1/(1-rate).
 *
 * R = rows, M = features; x and y are [R, M], b is [M].
 */
#ifndef SIAMESE_ACTIVATION_H
#define SIAMESE_ACTIVATION_H

#include <stddef.h>

#include "rng.h"

/* x = relu(x + b), every row. */
void bias_relu_forward(float *x, const float *b, int R, int M);

/* x = dropout(relu(x + b)) with rate in [0, 1), drawing from r. */
void bias_relu_dropout_forward(float *x, const float *b, int R, int M, float rate, rng_t *r);

/* dx [n] = y > 0 ? dx * scale : 0, where y is the forward output and scale
 * is 1/(1-rate) after dropout, 1 otherwise. */
void relu_dropout_backward(float *dx, const float *y, size_t n, float scale);

#endif
