/* gap.h - global average pooling, C x H x W to C, channels first; the gap
 * layer's row is layer_gap.c.
 *
 * R = images, C = channels, P = H * W positions. x [R, C, H, W], y [R, C]:
 *   y[c] = s / (float)P, s = +0, then s = s + x[c][p] for p = 0 .. P-1
 * (float additions in row-major order, then one division; not a multiply
 * by 1/P). Backward: dx[c][p] = dy[c] / (float)P for every p.
 * Inputs after a ReLU are >= 0, so the output needs no ReLU of its own.
 */
#ifndef SIAMESE_GAP_H
#define SIAMESE_GAP_H

/* y [R, C] = the mean of each plane of x [R, C, H, W]. */
void gap_forward(float *y, const float *x, int R, int C, int H, int W);

/* dx [R, C, H, W] from dy [R, C] (written). */
void gap_backward(float *dx, const float *dy, int R, int C, int H, int W);

/* gap_backward, then the ReLU backward of the layer x [R, C, H, W] came
 * from, in the same pass: dx = 0 where x <= 0 (or NaN). The same bits as
 * gap_backward followed by relu_dropout_backward(dx, x, n, 1). */
void gap_backward_relu(float *dx, const float *dy, const float *x, int R, int C, int H, int W);

#endif
