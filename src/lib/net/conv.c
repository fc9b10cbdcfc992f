/* conv.c - the 3 x 3 convolution on gemm.h by im2col; see conv.h for the
 * column order and every sum's order. R = images, C = input channels,
 * H x W = P positions, M = output channels, K = 9 C kernel rows. */
#include "conv.h"

#include <stddef.h>
#include <string.h>

size_t conv_scratch(int C, int H, int W, int M)
{
    (void)M;
    return (size_t)9 * (size_t)C * (size_t)H * (size_t)W;
}

size_t conv_weight_scratch(int C, int H, int W, int M)
{
    size_t P = (size_t)H * (size_t)W;
    return (size_t)9 * (size_t)C * P + P * (size_t)M;
}

/* row [P] = im2col row k = (c * 3 + ky) * 3 + kx of one image x [C, H, W]. */
void conv_im2col_row(float *restrict row, const float *restrict x, int H, int W, int k)
{
    int c = k / 9, ky = k / 3 % 3, kx = k % 3;
    const float *plane = x + (size_t)c * H * W;
    for (int oy = 0; oy < H; oy++) {
        float *out = row + (size_t)oy * W;
        int iy = oy + ky - 1;
        if (iy < 0 || iy >= H) {
            memset(out, 0, (size_t)W * sizeof(float));
            continue;
        }
        const float *in = plane + (size_t)iy * W;
        for (int ox = 0; ox < W; ox++) {
            int ix = ox + kx - 1;
            out[ox] = ix >= 0 && ix < W ? in[ix] : 0.0f;
        }
    }
}

/* cols [K, P] of one image x [C, H, W]. */
static void im2col(float *cols, const float *x, int C, int H, int W)
{
    size_t P = (size_t)H * W;
    for (int k = 0; k < 9 * C; k++)
        conv_im2col_row(cols + k * P, x, H, W, k);
}

/* y [M, P] = relu(y + b[m]) row by row: gemm's epilogue, for a bias per
 * row of C instead of per column. */
static void bias_relu_rows(float *restrict y, const float *restrict b, int M, size_t P)
{
    for (int m = 0; m < M; m++) {
        float *row = y + (size_t)m * P;
        for (size_t p = 0; p < P; p++) {
            float v = row[p] + b[m];
            row[p] = v > 0.0f ? v : 0.0f;
        }
    }
}

void conv_forward(kernels_path p, float *y, const float *x, const float *w, const float *b,
                  int R, int C, int H, int W, int M, float *scratch)
{
    int P = H * W, K = 9 * C;
    for (int r = 0; r < R; r++) {
        float *yr = y + (size_t)r * M * P;
        im2col(scratch, x + (size_t)r * C * P, C, H, W);
        /* yr [M, P] = w^T [M, K] cols [K, P]: A(m, k) = w[k * M + m] */
        gemm(p, M, P, K, w, 1, M, scratch, P, yr, P, NULL, 0);
        bias_relu_rows(yr, b, M, (size_t)P);
    }
}

/* dx [C, H, W] = col2im(dcols [K, P]), each element's taps added from +0
 * in the order ky, then kx (conv.h). */
static void col2im(float *restrict dx, const float *restrict dcols, int C, int H, int W)
{
    size_t P = (size_t)H * W;
    memset(dx, 0, (size_t)C * P * sizeof(float));
    for (int c = 0; c < C; c++)
        for (int t = 0; t < 9; t++) {
            int ky = t / 3, kx = t % 3;
            const float *d = dcols + (size_t)(c * 9 + t) * P;
            float *plane = dx + (size_t)c * P;
            /* input (iy, ix) takes output (iy - ky + 1, ix - kx + 1) */
            for (int iy = 0; iy < H; iy++) {
                int oy = iy - ky + 1;
                if (oy < 0 || oy >= H)
                    continue;
                for (int ix = 0; ix < W; ix++) {
                    int ox = ix - kx + 1;
                    if (ox >= 0 && ox < W)
                        plane[(size_t)iy * W + ix] += d[(size_t)oy * W + ox];
                }
            }
        }
}

void conv_input_grad(kernels_path p, float *dx, const float *dy, const float *w, int R, int C,
                     int H, int W, int M, float *scratch)
{
    int P = H * W, K = 9 * C;
    for (int r = 0; r < R; r++) {
        /* dcols [K, P] = w [K, M] dy_r [M, P] */
        gemm(p, K, P, M, w, M, 1, dy + (size_t)r * M * P, P, scratch, P, NULL, 0);
        col2im(dx + (size_t)r * C * P, scratch, C, H, W);
    }
}

void conv_weight_grad(kernels_path p, float *dw, const float *x, const float *dy, int R, int C,
                      int H, int W, int M, int k0, int k1, float *scratch)
{
    if (k1 <= k0)
        return;
    const int P = H * W, rows = k1 - k0;
    float *cols = scratch;                      /* [k1 - k0, P] */
    float *dyt = scratch + (size_t)rows * P;    /* [P, M] */
    float *out = dw + (size_t)k0 * M;           /* rows k0 .. k1-1 of dw */
    memset(out, 0, (size_t)rows * M * sizeof(float));
    for (int r = 0; r < R; r++) {
        const float *xr = x + (size_t)r * C * P, *dr = dy + (size_t)r * M * P;
        for (int k = k0; k < k1; k++)
            conv_im2col_row(cols + (size_t)(k - k0) * P, xr, H, W, k);
        for (int m = 0; m < M; m++)
            for (int q = 0; q < P; q++)
                dyt[(size_t)q * M + m] = dr[(size_t)m * P + q];
        /* out [k1 - k0, M] += cols [k1 - k0, P] dyt [P, M]: image r's terms */
        gemm_acc(p, rows, M, P, cols, P, 1, dyt, M, out, M);
    }
}

void conv_bias_grad(float *restrict db, const float *restrict dy, int R, int H, int W, int M)
{
    size_t P = (size_t)H * W;
    for (int m = 0; m < M; m++)
        db[m] = 0.0f;
    for (int r = 0; r < R; r++)
        for (int m = 0; m < M; m++) {
            const float *d = dy + ((size_t)r * M + m) * P;
            for (size_t q = 0; q < P; q++)
                db[m] += d[q];
        }
}
