/* activation.h - inverted dropout after a ReLU, and the backward pass of
 * both. (The bias and the ReLU itself are the dense layer's epilogue,
 * dense.h: out = relu(in W + b) in one pass.)
 *
 * Inverted dropout (Keras, PyTorch): in training a unit is zeroed with
 * probability `rate` and kept units are scaled by 1/(1-rate), so
 * evaluation is the identity. Every row draws its mask from a stream of
 * its own, rng_seed(seed, stream0 + row): the mask of a row depends on the
 * step's seed and the row's place in the batch, never on which thread or
 * which slice of the batch computes it. The backward pass needs only the
 * output y: a unit passes gradient iff y > 0 (ReLU active and kept),
 * scaled by the same 1/(1-rate).
 *
 * R = rows, M = features; x and y are [R, M].
 */
#ifndef SIAMESE_ACTIVATION_H
#define SIAMESE_ACTIVATION_H

#include <stddef.h>
#include <stdint.h>

/* x = dropout(x) for ReLU outputs x >= 0, rate in [0, 1); row i draws
 * from stream stream0 + i of seed. rate 0 leaves x as it is. */
void dropout_forward(float *x, int R, int M, float rate, uint64_t seed, uint64_t stream0);

/* dx [n] = y > 0 ? dx * scale : 0, where y is the forward output and scale
 * is 1/(1-rate) after dropout, 1 otherwise. */
void relu_dropout_backward(float *dx, const float *y, size_t n, float scale);

#endif
