/* conv.h - the 3 x 3 convolution (stride 1, zero padding 1, so the output
 * keeps H x W), with bias and ReLU, on the matrix products of gemm.h via
 * im2col: on every exact kernel path each output element is one fixed
 * sequence of fused multiply-adds, the same bits (docs/design.md 5.1).
 * Not yet a row of the layer table (layers.c): issue 18.
 *
 * R = images (rows of the batch), C = input channels, H, W = height and
 * width, P = H * W positions, M = output channels, K = 9 C kernel rows.
 * Tensors are channels first, row-major: x [R, C, H, W], y [R, M, H, W].
 *
 * im2col, per image: cols [K, P], row k = (c * 3 + ky) * 3 + kx (c, then
 * ky, then kx, each from 0), column p = oy * W + ox (the output position):
 *   cols[k][p] = x[c][oy + ky - 1][ox + kx - 1], 0 outside the image.
 * Weights w [K, M]: kernel row k, output channel m (like dense's W [K, M],
 * so the trainer's split of weight-gradient rows applies); PyTorch's
 * weight[m][c][ky][kx] is w[(c * 3 + ky) * 3 + kx][m]. Bias b [M].
 *
 * The sums, each from +0 (fma = one rounding, + = a float addition):
 *   y[m][p]   = relu(acc + b[m]),  acc = fma(cols[k][p], w[k][m], acc)
 *               for k = 0 .. K-1 (relu: acc > 0 ? acc : +0, NaN gives +0);
 *   dcols[k][p] = fma(w[k][m], dy[m][p], acc) for m = 0 .. M-1, then
 *   dx[c][iy][ix] = + dcols[(c*3+ky)*3+kx][(iy-ky+1) W + (ix-kx+1)] for
 *               ky = 0..2, then kx = 0..2, taps outside the output skipped;
 *   dw[k][m]  = fma(cols_r[k][p], dy_r[m][p], acc) for r = 0 .. R-1, then
 *               p = 0 .. P-1: one chain over the whole batch, like dense;
 *   db[m]     = + dy_r[m][p] for r = 0 .. R-1, then p = 0 .. P-1.
 * dy is the gradient at the pre-activation (ReLU's backward is the
 * caller's). Gradients are written, not added to.
 *
 * The products (gemm.h, one per image): forward y_r [M, P] = w^T cols
 * (A(m, k) = w[k M + m], B = cols), then bias and ReLU by row; dcols
 * [K, P] = w dy_r (A = w, B = dy_r); dw rows [k1 - k0, M] set to +0, then
 * per image r gemm_acc adds that image's P terms to each chain: A = the
 * image's im2col rows k0 .. k1-1 [k1 - k0, P], B = dy_r as [P, M]. The
 * chain over r, then p, is unbroken (gemm_acc continues it), so the
 * scratch does not grow with R. Which operand w is does not change a bit
 * (fma's product is exact).
 *
 * No allocation, no threads: the caller passes `scratch` of the floats
 * the *_scratch functions give (per worker).
 */
#ifndef SIAMESE_CONV_H
#define SIAMESE_CONV_H

#include <stddef.h>

#include "gemm.h"

/* Floats of scratch conv_forward and conv_input_grad need, for any R. */
size_t conv_scratch(int C, int H, int W, int M);

/* Floats of scratch conv_weight_grad needs, for any R and any k0 .. k1:
 * K P (im2col rows of one image) + P M (its dy as [P, M]). */
size_t conv_weight_scratch(int C, int H, int W, int M);

/* y [R, M, H, W] = relu(conv(x [R, C, H, W], w [K, M]) + b [M]). */
void conv_forward(kernels_path p, float *y, const float *x, const float *w, const float *b,
                  int R, int C, int H, int W, int M, float *scratch);

/* dx [R, C, H, W] from dy [R, M, H, W] and w [K, M]. */
void conv_input_grad(kernels_path p, float *dx, const float *dy, const float *w, int R, int C,
                     int H, int W, int M, float *scratch);

/* Rows k0 .. k1-1 of dw [K, M] from x [R, C, H, W] and dy [R, M, H, W]:
 * the same bits however the rows are split. */
void conv_weight_grad(kernels_path p, float *dw, const float *x, const float *dy, int R, int C,
                      int H, int W, int M, int k0, int k1, float *scratch);

/* db [M] from dy [R, M, H, W]. */
void conv_bias_grad(float *db, const float *dy, int R, int H, int W, int M);

/* Row k of image x's im2col [C, H, W] into row [P] (as above). */
void conv_im2col_row(float *row, const float *x, int H, int W, int k);

#endif
