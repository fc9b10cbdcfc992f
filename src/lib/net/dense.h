/* dense.h - the fully connected layer, out = relu(in W + b), on a batch of
 * rows, all on the matrix products of gemm.h (so on any of its paths).
 *
 * R = rows, K = input features, M = output features. W is [K, M]
 * row-major (Keras's kernel layout), b is [M]. The bias and the ReLU are
 * the product's epilogue: out = max(fl(fl(in W) + b), 0), one pass. The
 * gradients are written, not added: every entry of dW and db is one sum
 * over all R rows in row order, so a range of dW rows can be computed by
 * any thread and the result never depends on how the work was shared.
 */
#ifndef SIAMESE_DENSE_H
#define SIAMESE_DENSE_H

#include "gemm.h"

/* out [R, M] = relu(in [R, K] * w [K, M] + b) */
void dense_forward(kernels_path p, float *out, const float *in, const float *w, const float *b,
                   int R, int K, int M);

/* din [R, K] = dout [R, M] * W^T, from wt = W^T [M, K] (dense_transpose). */
void dense_input_grad(kernels_path p, float *din, const float *dout, const float *wt, int R,
                      int K, int M);

/* Rows k0 .. k1-1 of dw [K, M] = in^T [K, R] * dout [R, M]. */
void dense_weight_grad(kernels_path p, float *dw, const float *in, const float *dout, int R,
                       int K, int M, int k0, int k1);

/* Entries j0 .. j1-1 of db [M] = column sums of dout [R, M], adding rows
 * 0, 1, ... in order. */
void dense_bias_grad(float *db, const float *dout, int R, int M, int j0, int j1);

/* Rows k0 .. k1-1 of W [K, M] into wt = W^T [M, K] (column k of wt). */
void dense_transpose(float *wt, const float *w, int K, int M, int k0, int k1);

#endif
