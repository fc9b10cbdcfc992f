/* bench_col2im.c - conv_input_grad's col2im alone, per training step of
 * the target net (issue 18: 128 pairs, R = 256 images on one thread), on
 * conv64's dx (C = 32, 14 x 14, G = 2 images a product) and conv128's
 * (C = 64, 7 x 7, G = 8), called as conv_input_grad calls it: per group of
 * G images, block of 8 channels and image, on a block of dcols [72, N].
 * Rounds alternate the code before (kept here, verbatim, as old_col2im)
 * and conv_col2im, so the shared machine's noise hits both; prints the
 * median CPU ms a step of each and the median of the rounds' ratios, and
 * fails if the two disagree in a bit. Built, not a ctest:
 *   build/tests/bench_col2im [rounds] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_time.h"
#include "conv.h"
#include "simd.h"

/* The col2im before conv_col2im (commit 86172fc), unchanged. */
static SM_VECTOR void old_col2im(float *restrict dx, float *restrict dcols, size_t ld, int C,
                                 int H, int W)
{
    const size_t P = (size_t)H * W;
    memset(dx, 0, (size_t)C * P * sizeof(float));
    for (int c = 0; c < C; c++)
        for (int t = 0; t < 9; t++) {
            const int ky = t / 3, kx = t % 3;
            float *restrict d = dcols + (size_t)(c * 9 + t) * ld;
            float *restrict plane = dx + (size_t)c * P;
            int iy0 = ky == 2 ? 1 : 0, iy1 = ky == 0 ? H - 1 : H;
            if (iy1 <= iy0)
                continue;
            const size_t n = (size_t)(iy1 - iy0) * W;
            float *to = plane + (size_t)iy0 * W;
            const float *from = d + (size_t)(iy0 - ky + 1) * W;
            if (kx == 1) {
                for (size_t i = 0; i < n; i++)
                    to[i] += from[i];
            } else if (kx == 0) {
                for (size_t i = 0; i < P; i += W)
                    d[i] = 0.0f;
                for (size_t i = 0; i + 1 < n; i++)
                    to[i] += from[i + 1];
            } else {
                for (size_t i = W - 1; i < P; i += W)
                    d[i] = 0.0f;
                for (size_t i = 1; i < n; i++)
                    to[i] += from[i - 1];
            }
        }
}

/* One step's col2im for C channels on H x W, G images a group, N columns:
 * old (1) or new (0). */
static void step(int old, float *dx, float *dcols, const float *masks, int R, int C, int H,
                 int W, int G0, size_t N)
{
    const size_t P = (size_t)H * W;
    for (int r0 = 0; r0 < R; r0 += G0) {
        const int G = R - r0 < G0 ? R - r0 : G0;
        for (int c0 = 0; c0 < C; c0 += 8) {
            const int cb = C - c0 < 8 ? C - c0 : 8;
            for (int g = 0; g < G; g++) {
                float *to = dx + ((size_t)(r0 + g) * C + c0) * P;
                if (old)
                    old_col2im(to, dcols + (size_t)g * P, N, cb, H, W);
                else
                    conv_col2im(to, dcols + (size_t)g * P, N, cb, H, W, masks);
            }
        }
    }
}

int main(int argc, char **argv)
{
    int rounds = argc > 1 ? atoi(argv[1]) : 15;
    if (rounds < 1 || rounds > 99)
        return 2;
    static const int shapes[][4] = {{32, 14, 14, 2}, {64, 7, 7, 8}}; /* C, H, W, G */
    const int R = 256;
    const size_t N = 400, margin = 64; /* conv_cols for both: 392 rounded up */
    int bad = 0;
    for (int s = 0; s < 2; s++) {
        const int C = shapes[s][0], H = shapes[s][1], W = shapes[s][2], G = shapes[s][3];
        const size_t P = (size_t)H * W, nx = (size_t)R * C * P, nd = 72 * N + 2 * margin;
        float *dx0 = malloc(nx * sizeof(float)), *dx1 = malloc(nx * sizeof(float));
        float *buf = malloc(nd * sizeof(float));
        float *masks = malloc(conv_col2im_masks_size(H, W) * sizeof(float));
        if (!dx0 || !dx1 || !buf || !masks)
            return 1;
        for (size_t i = 0; i < nd; i++)
            buf[i] = (float)((i * 2654435761u) % 1000) / 1000.0f - 0.5f;
        conv_col2im_masks(masks, H, W);
        float *dcols = buf + margin;
        double t[2][99], ratio[99];
        for (int r = 0; r < rounds; r++) {
            for (int o = 0; o < 2; o++) {
                int old = (r + o) % 2; /* alternate which goes first */
                double t0 = cpu_now();
                step(old, old ? dx1 : dx0, dcols, masks, R, C, H, W, G, N);
                t[old][r] = cpu_now() - t0;
            }
            ratio[r] = t[0][r] / t[1][r];
        }
        if (memcmp(dx0, dx1, nx * sizeof(float)) != 0) {
            fprintf(stderr, "bench_col2im: old and new col2im differ (C %d, %d x %d)\n", C, H, W);
            bad = 1;
        }
        qsort(t[0], (size_t)rounds, sizeof(double), cmp);
        qsort(t[1], (size_t)rounds, sizeof(double), cmp);
        qsort(ratio, (size_t)rounds, sizeof(double), cmp);
        printf("dx %2dx%2dx%-3d old %6.3f ms, new %6.3f ms a step (CPU, median of %d), "
               "new/old %.3f (median ratio)\n",
               C, H, W, 1e3 * t[1][rounds / 2], 1e3 * t[0][rounds / 2], rounds,
               ratio[rounds / 2]);
        free(dx0);
        free(dx1);
        free(buf);
        free(masks);
    }
    return bad;
}
