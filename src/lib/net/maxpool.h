/* maxpool.h - 2 x 2 max pooling, stride 2, channels first; the pool
 * layer's row is layer_pool.c.
 *
 * R = images, C = channels, H x W in, Ho = H / 2, Wo = W / 2 out (rounded
 * down: an odd size drops the last row or column; a 1-pixel side gives no
 * output). x [R, C, H, W], y [R, C, Ho, Wo].
 *
 * y[c][oy][ox] = the largest of x[c][2oy + dy][2ox + dx], scanned in
 * row-major order (dy, then dx): a later value is taken only when it is
 * strictly greater, so ties go to the first maximum (and a NaN is taken
 * only when it comes first; after a ReLU there is none). Backward finds
 * each window's maximum again from x by the same scan (maxpool_backward),
 * or, in training, reads it from the forward's record (the _taps pair):
 * an int32 a window, taps [R, C, Ho, Wo], the tap taken (0 .. 3, row-major
 * in the window) plus 4 when the value taken is > 0, so that the backward
 * does not read x, 4 times its size, again, and the trainer need not keep
 * x at all (net.c). An int, not a byte, so its vectors hold as many as a
 * float's; the AVX2 loops (where the CPU has them) give the scalar loops'
 * bits. Inputs after a ReLU are >= 0, so the output needs no ReLU of its
 * own.
 */
#ifndef SIAMESE_MAXPOOL_H
#define SIAMESE_MAXPOOL_H

#include <stdint.h>

/* y [R, C, H/2, W/2] from x [R, C, H, W]. */
void maxpool_forward(float *y, const float *x, int R, int C, int H, int W);

/* dx [R, C, H, W] = dy [R, C, H/2, W/2] at each window's first maximum in
 * x (the forward's scan), 0 elsewhere, including a dropped odd row or
 * column: written in full, not added to. */
void maxpool_backward(float *dx, const float *dy, const float *x, int R, int C, int H, int W);

/* maxpool_backward, then the ReLU backward of the layer x came from, in
 * the same pass: dx = 0 also where x <= 0 (or NaN). The same bits as
 * maxpool_backward followed by relu_dropout_backward(dx, x, n, 1). */
void maxpool_backward_relu(float *dx, const float *dy, const float *x, int R, int C, int H,
                           int W);

/* maxpool_forward, and each window's record into taps [R, C, Ho, Wo]. */
void maxpool_forward_taps(float *y, int32_t *taps, const float *x, int R, int C, int H,
                          int W);

/* maxpool_backward (relu 0) or maxpool_backward_relu (relu 1) from the
 * forward's record instead of x: the same bits. */
void maxpool_backward_taps(float *dx, const float *dy, const int32_t *taps, int R, int C,
                           int H, int W, int relu);

#endif
