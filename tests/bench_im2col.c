/* bench_im2col.c - im2col's CPU time a training step on the target net's
 * conv64 (32 x 14 x 14 input) and conv128 (64 x 7 x 7) shapes (issue 18):
 * per step 256 images (128 pairs) through the forward's im2col (all K
 * rows, the group's operand N columns wide, padding set) and again through
 * the weight gradient's (all K rows, G P wide), as one thread does them.
 * "old" is the build-up row by row with conv_im2col_row (conv.c before
 * conv_im2col_group), "new" conv_im2col_group; the two run alternately in
 * each round (which goes first alternates too), so the shared machine's
 * noise hits both, and their outputs are compared bit for bit. Prints the
 * median of each and the median of the per-round ratios. Times are the
 * thread's CPU time. Built, not a ctest:
 *   build/tests/bench_im2col [rounds] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_time.h"
#include "conv.h"

typedef struct {
    int R, C, H, W, G0;
    size_t N; /* the forward's operand width (conv.c: G0 P rounded up to an odd
               * number of 16-float vectors) */
    const float *x;
    float *dst, *work;
} shape;

/* Both im2cols of a step, old (row by row) or new (conv_im2col_group). */
static void step_im2col(const shape *s, int new)
{
    const int P = s->H * s->W, K = 9 * s->C;
    for (int pass = 0; pass < 2; pass++)
        for (int r0 = 0; r0 < s->R; r0 += s->G0) {
            const int G = s->R - r0 < s->G0 ? s->R - r0 : s->G0;
            const size_t ld = pass == 0 ? s->N : (size_t)G * P;
            const float *x = s->x + (size_t)r0 * s->C * P;
            if (new)
                conv_im2col_group(s->dst, ld, x, G, s->C, s->H, s->W, 0, K, s->work);
            for (int k = 0; k < K; k++) {
                float *row = s->dst + (size_t)k * ld;
                for (int g = 0; g < G && !new; g++)
                    conv_im2col_row(row + (size_t)g * P, x + (size_t)g * s->C * P, s->H, s->W, k);
                if (pass == 0 && (!new || r0 == 0 || G < s->G0))
                    memset(row + (size_t)G * P, 0, (ld - (size_t)G * P) * sizeof(float));
            }
        }
}

int main(int argc, char **argv)
{
    int rounds = argc > 1 ? atoi(argv[1]) : 15;
    if (rounds < 1 || rounds > 99)
        return 2;
    static const int shapes[2][3] = {{32, 14, 14}, {64, 7, 7}};
    printf("im2col a step (256 images, forward + weight gradient, all K rows), one thread, "
           "CPU ms, median of %d alternating rounds\n", rounds);
    for (int i = 0; i < 2; i++) {
        shape s = {256, shapes[i][0], shapes[i][1], shapes[i][2], 0, 0, NULL, NULL, NULL};
        const int P = s.H * s.W, K = 9 * s.C;
        s.G0 = P >= 384 ? 1 : (384 + P - 1) / P;
        s.N = (((size_t)s.G0 * P + 15) / 16 | 1) * 16;
        s.x = floats((size_t)s.R * s.C * P);
        s.dst = floats((size_t)K * s.N);
        s.work = floats(conv_im2col_work(s.G0, s.H, s.W));
        float *ref = floats((size_t)K * s.N);
        double t[2][99], ratio[99];
        int same = 1;
        for (int r = 0; r < rounds; r++)
            for (int j = 0; j < 2; j++) {
                const int new = (r + j) % 2;
                double t0 = cpu_now();
                step_im2col(&s, new);
                t[new][r] = cpu_now() - t0;
                if (j == 0)
                    memcpy(ref, s.dst, (size_t)K * s.N * sizeof(float));
                else
                    same &= memcmp(ref, s.dst, (size_t)K * s.N * sizeof(float)) == 0;
            }
        for (int r = 0; r < rounds; r++)
            ratio[r] = t[1][r] / t[0][r];
        qsort(t[0], (size_t)rounds, sizeof(double), cmp);
        qsort(t[1], (size_t)rounds, sizeof(double), cmp);
        qsort(ratio, (size_t)rounds, sizeof(double), cmp);
        printf("conv%-3d %2dx%2dx%-3d old %6.2f ms  new %6.2f ms  new/old %.3f (per-round "
               "median)  outputs %s\n", 2 * s.C, s.H, s.W, s.C, 1e3 * t[0][rounds / 2],
               1e3 * t[1][rounds / 2], ratio[rounds / 2], same ? "identical" : "DIFFER");
        free((void *)s.x);
        free(s.dst);
        free(s.work);
        free(ref);
        if (!same)
            return 1;
    }
    return 0;
}
