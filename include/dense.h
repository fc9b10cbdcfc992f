/* dense.h - fully connected layer, out = in W + b, on a batch of rows.
 *
 * R = rows in the batch, K = input features, M = output features.
 * W is [K, M] row-major (Keras's kernel layout), b is [M].
 * Forward is one SGEMM, out = in W; the bias is added by the activation
 * pass that follows (activation.h), so bias, ReLU and dropout are one sweep
 * over memory. The sum is the same either way: fl(fl(in W) + b).
 * Backward is at most two SGEMMs and adds into the gradients (zeroing them
 * is the caller's job, once per step).
 */
#ifndef SIAMESE_DENSE_H
#define SIAMESE_DENSE_H

/* out [R, M] = in [R, K] * w [K, M]  (no bias: see above) */
void dense_forward(float *out, const float *in, const float *w, int R, int K, int M);

/* dw [K, M] += in^T * dout; db [M] += column sums of dout [R, M];
 * din [R, K] = dout * w^T unless din is NULL (first layer: no input
 * gradient needed). */
void dense_backward(float *din, float *dw, float *db, const float *dout, const float *in,
                    const float *w, int R, int K, int M);

#endif
