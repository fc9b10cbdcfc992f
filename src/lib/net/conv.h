/* conv.h - the 3 x 3 convolution (stride 1, zero padding 1, so the output
 * keeps H x W), with bias and ReLU, on the matrix products of gemm.h via
 * im2col: on every exact kernel path each output element is one fixed
 * sequence of fused multiply-adds, the same bits (docs/design.md 5.1).
 * The conv layer's row is layer_conv.c.
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
 * weight[m][c][ky][kx] is w[(c * 3 + ky) * 3 + kx][m]. Bias b [M] right
 * after them (the layer's parameters, wb [K + 1, M]: b is row K).
 *
 * The sums, each from +0 (fma = one rounding, + = a float addition):
 *   y[m][p]   = relu(acc + b[m]),  acc = fma(cols[k][p], w[k][m], acc)
 *               for k = 0 .. K-1 (relu: acc > 0 ? acc : +0, NaN gives +0);
 *               the bias is added as one more fma, fma(1, b[m], acc): its
 *               product is exact, so that is the addition, the same bits;
 *   dcols[k][p] = fma(w[k][m], dy[m][p], acc) for m = 0 .. M-1, then
 *   dx[c][iy][ix] = + dcols[(c*3+ky)*3+kx][(iy-ky+1) W + (ix-kx+1)] for
 *               ky = 0..2, then kx = 0..2, taps outside the output skipped;
 *   dw[k][m]  = fma(cols_r[k][p], dy_r[m][p], acc) for r = 0 .. R-1, then
 *               p = 0 .. P-1: one chain over the whole batch, like dense;
 *   db[m]     = + dy_r[m][p] for r = 0 .. R-1, then p = 0 .. P-1.
 * dy is the gradient at the pre-activation (ReLU's backward is the
 * caller's). Gradients are written, not added to.
 *
 * The products (gemm.h) take G images at once, G = ceil(384 / P) (1 when
 * P >= 384; 2 at 14 x 14, 8 at 7 x 7), their columns side by side, N =
 * G P rounded up to an odd number of 16-float vectors (zero columns,
 * outputs unused), so that a product is wide, no column falls outside the
 * vector tiles, and gemm reads B's rows in place (gemm_tile.h):
 *   forward     out [M, N] = relu(wb^T cols) (A(m, k) = wb[k M + m], read
 *               from wb transposed, [M, K + 1], so that each channel's
 *               kernel rows are one stream; B = the
 *               G images' im2col [K, N] and a row of ones [K + 1, N]:
 *               row K adds the bias), then each image's columns copied to
 *               y (written in place when one image fills the product: G =
 *               1 and P an odd number of 16-float vectors, as 28 x 28);
 *   input grad  dcols [K, N] = w [K, M] dyG [M, N] (dy of the G images side
 *               by side), then col2im per image (conv_col2im: per input
 *               position its 9 taps summed in a register, each tap a flat
 *               shifted read ANDed with a bit mask that is +0 where the
 *               tap falls outside, written once); computed 8 input
 *               channels (72 rows of dcols) at a time, each block's
 *               col2im while its rows are in cache;
 *   weight grad dw rows [k1 - k0, M] set to +0, then per group gemm_acc
 *               adds its G P terms to each chain: A = the group's im2col
 *               rows k0 .. k1-1 [k1 - k0, G P], B = its dy transposed
 *               [G P, M]. gemm_acc continues each chain (r, then p, unbroken),
 *               so the scratch does not grow with R. A first layer's few
 *               kernel rows (K + 1 <= 32: C <= 3) take it transposed,
 *               dy read in place and never transposed: dwt [M, Kw] +=
 *               dy_r [M, P] colst_r [P, Kw] image by image, colst_r the
 *               image's im2col transposed and a column of ones (Kw = K + 1
 *               rounded up to 16): dwt[m][k] is dw[k][m]'s chain, dwt[m][K]
 *               adds fma(dy, 1, acc) = acc + dy, db's chain, the same bits.
 * Which operand w is does not change a bit (fma's product is exact), nor
 * does G: each output is its own chain in the order above.
 *
 * im2col copies each channel's plane (of the G images) once between zero
 * margins of W + 1 floats, then writes each of its 9 rows as one flat
 * shifted read of all P positions, with the two horizontal taps cleared at
 * the row edges by a mask (conv_im2col_group); the bits of
 * conv_im2col_row.
 *
 * No allocation, no threads: the caller passes `scratch` of the floats
 * the *_scratch functions give (per worker).
 */
#ifndef SIAMESE_CONV_H
#define SIAMESE_CONV_H

#include <stddef.h>

#include "gemm.h"

/* Floats of scratch conv_forward and conv_input_grad need, for any R:
 * (K + 1 + M) N (a group's operand and product), M (K + 1) (the forward's
 * weights transposed) and im2col's work; or the input gradient's dyG
 * [M, N], a block of dcols [9 min(C, 8), N] between margins and the tap
 * masks, if more. */
size_t conv_scratch(int C, int H, int W, int M);

/* Floats of scratch conv_weight_grad needs, for any R and any k0 .. k1:
 * (K + M') G P (a group's im2col rows and its dy transposed, rows M'
 * apart: M rounded up to an odd number of 16-float vectors) and im2col's
 * work. */
size_t conv_weight_scratch(int C, int H, int W, int M);

/* y [R, M, H, W] = relu(conv(x [R, C, H, W], w [K, M]) + b [M]), with
 * wb [K + 1, M] the kernel rows then the bias: conv_transpose_weights
 * into the scratch, then conv_forward_transposed. */
void conv_forward(kernels_path p, float *y, const float *x, const float *wb, int R, int C, int H,
                  int W, int M, float *scratch);

/* wt [M, K + 1] = wb [K + 1, M] transposed: the forward's broadcast
 * operand A(m, k) read along k, each output channel's kernel rows one
 * stream instead of one cache line a k (conv64's and conv128's forward
 * products: about 10 % faster). The trainer makes it once a step. */
void conv_transpose_weights(float *wt, const float *wb, int C, int M);

/* conv_forward from wt (conv_transpose_weights'), not touching its part
 * of the scratch: the same bits. */
void conv_forward_transposed(kernels_path p, float *y, const float *x, const float *wt, int R,
                             int C, int H, int W, int M, float *scratch);

/* dx [R, C, H, W] from dy [R, M, H, W] and w [K, M]. */
void conv_input_grad(kernels_path p, float *dx, const float *dy, const float *w, int R, int C,
                     int H, int W, int M, float *scratch);

/* Floats of conv_col2im's tap masks for H x W: 4 Pv, Pv = H W rounded up
 * to 8. */
size_t conv_col2im_masks_size(int H, int W);

/* masks [Pv / 8, 4, 8] for H x W: for each 8 input positions i = iy W +
 * ix, four bit masks (all bits set, or +0), set where a row of taps ky = 0
 * (iy < H - 1), ky = 2 (iy > 0), a column kx = 0 (ix < W - 1), kx = 2
 * (ix > 0) reads an output inside the image; +0 for i >= H W. */
void conv_col2im_masks(float *masks, int H, int W);

/* dx [C, H, W] = col2im(dcols [9 C, H W], rows ld apart): conv.h's sum
 * of taps, from +0, ky then kx, taps outside skipped (as adding +0: the
 * same bits). Reads, and ignores, up to W + 1 floats before each row's
 * first value and W + 8 after its last: that memory must be readable.
 * masks from conv_col2im_masks(H, W). */
void conv_col2im(float *dx, const float *dcols, size_t ld, int C, int H, int W,
                 const float *masks);

/* Rows k0 .. k1-1 of dw [K, M] from x [R, C, H, W] and dy [R, M, H, W]:
 * the same bits however the rows are split. */
void conv_weight_grad(kernels_path p, float *dw, const float *x, const float *dy, int R, int C,
                      int H, int W, int M, int k0, int k1, float *scratch);

/* conv_weight_grad and entries m0 .. m1-1 of db (conv_bias_grad's sums,
 * the same bits) in one pass: each group's dy is read once, transposed,
 * and its terms are added to db from the transposed copy while it is in
 * cache. db NULL: no bias. */
void conv_grads(kernels_path p, float *dw, float *db, const float *x, const float *dy, int R,
                int C, int H, int W, int M, int k0, int k1, int m0, int m1, float *scratch);

/* 1 when conv_grads takes the transposed path for C input channels (the
 * few kernel rows of a first layer: C <= 3): every kernel row's work then
 * reads all of dy, and conv_grads_columns splits it better. */
int conv_few_rows(int C);

/* For conv_few_rows(C): columns m0 .. m1-1 of every row of dw [K, M] and
 * entries m0 .. m1-1 of db (NULL: none), conv_grads' bits, reading only
 * dy's channels m0 .. m1-1. */
void conv_grads_columns(kernels_path p, float *dw, float *db, const float *x, const float *dy,
                        int R, int C, int H, int W, int M, int m0, int m1, float *scratch);

/* Makes image r's dy channels m0 .. m1-1 into out [m1 - m0, H W]. */
typedef void (*conv_dy_fn)(const void *ctx, int r, int m0, int m1, float *out);

/* conv_grads_columns with dy made an image at a time by dy_rows (into the
 * scratch, while in cache) instead of read from a tensor: the same bits
 * when it makes the same values. */
void conv_grads_columns_made(kernels_path p, float *dw, float *db, const float *x,
                             conv_dy_fn dy_rows, const void *dy_ctx, int R, int C, int H, int W,
                             int M, int m0, int m1, float *scratch);

/* Entries m0 .. m1-1 of db [M] from dy [R, M, H, W]: the same bits however
 * the entries are split. */
void conv_bias_grad(float *db, const float *dy, int R, int H, int W, int M, int m0, int m1);

/* Row k of image x's im2col [C, H, W] into row [P] (as above): the
 * definition, one row at a time (the first layer's few rows use it). */
void conv_im2col_row(float *row, const float *x, int H, int W, int k);

/* Floats of work conv_im2col_group needs for G images of H x W: 2 P + G
 * (P + 2 W + 2) (part of the *_scratch sizes above). */
size_t conv_im2col_work(int G, int H, int W);

/* Rows k0 .. k1-1 (any range, channels cut anywhere) of the im2col of G
 * images x [G, C, H, W] into a group's operand: image g's row k at dst +
 * (k - k0) ld + g P, conv_im2col_row's bits. */
void conv_im2col_group(float *dst, size_t ld, const float *x, int G, int C, int H, int W, int k0,
                       int k1, float *work);

#endif
