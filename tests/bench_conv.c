/* bench_conv.c - the convolution kernels' speed on one thread, per op,
 * on the target network's three layer shapes (issue 18): conv32 on 28 x 28
 * grey, conv64 on 14 x 14 x 32, conv128 on 7 x 7 x 64. Forward and input
 * gradient over R = 128 images (one worker's rows of a 128-pair batch on
 * two threads), weight gradient over R = 256 images for half of the
 * kernel rows (one worker's share). Prints the median time and GFLOP/s
 * (2 K M P flops per image and op) of `reps` runs, and the median share
 * of the path's FMA peak, each run's rate over the peak loop's rate
 * measured just before it. Times are the thread's CPU time, so that
 * other processes on a shared machine do not count. Built, not a ctest:
 *   build/tests/bench_conv [path [reps [layer]]]
 * path: auto, avx512, avx2, ...; layer 1, 2 or 3: that layer only. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "bench_time.h"
#include "conv.h"
#include "gemm.h"

int main(int argc, char **argv)
{
    kernels_path p = KERNELS_AUTO;
    int reps = argc > 2 ? atoi(argv[2]) : 5;
    for (int i = 0; argc > 1 && i < KERNELS_COUNT; i++)
        if (strcmp(argv[1], kernels_names[i]) == 0)
            p = (kernels_path)i;
    if (kernels_resolve(p, &p, NULL) != 0 || reps < 1 || reps > 99)
        return 2;
    double peak;
    if (bench_fma_peak(p, 1, &peak, NULL) != 0)
        return 1;
    printf("path %s, FMA peak %.1f GFLOP/s on one thread, median of %d runs\n",
           kernels_names[p], peak / 1e9, reps);
    static const int shapes[][4] = {{1, 28, 28, 32}, {32, 14, 14, 64}, {64, 7, 7, 128}};
    int only = argc > 3 ? atoi(argv[3]) : 0;
    for (int s = 0; s < 3; s++) {
        if (only && s != only - 1)
            continue;
        int C = shapes[s][0], H = shapes[s][1], W = shapes[s][2], M = shapes[s][3];
        int K = 9 * C, P = H * W, R1 = 128, R2 = 256;
        size_t s1 = conv_scratch(C, H, W, M), s2 = conv_weight_scratch(C, H, W, M);
        float *x = floats((size_t)R2 * C * P), *dy = floats((size_t)R2 * M * P);
        float *y = floats((size_t)R2 * M * P), *dx = floats((size_t)R2 * C * P);
        float *w = floats((size_t)(K + 1) * M), *dw = floats((size_t)K * M);
        float *scratch = floats(s1 > s2 ? s1 : s2);
        /* each run: the peak loop (about 5 ms), then the three ops; the
         * share of the peak is taken per run (a shared machine slows both
         * alike), then the median */
        const kernels_row *row = kernels_row_of(p);
        long iters = (long)(5e-3 * peak / (12.0 * row->lanes * 2.0));
        double t[3][99], share[3][99];
        for (int r = 0; r < reps; r++) {
            double tp = cpu_now();
            volatile float sink = row->peak(iters, 0.999f);
            (void)sink;
            double t0 = cpu_now();
            conv_forward(p, y, x, w, R1, C, H, W, M, scratch);
            double t1 = cpu_now();
            conv_input_grad(p, dx, dy, w, R1, C, H, W, M, scratch);
            double t2 = cpu_now();
            conv_weight_grad(p, dw, x, dy, R2, C, H, W, M, 0, K / 2, scratch);
            double t3 = cpu_now();
            double now_peak = (double)iters * 12.0 * row->lanes * 2.0 / (t0 - tp);
            t[0][r] = t1 - t0;
            t[1][r] = t2 - t1;
            t[2][r] = t3 - t2;
            share[0][r] = now_peak; /* the shares are computed below */
        }
        const char *op[3] = {"forward", "input grad", "weight grad"};
        double flops[3] = {2.0 * K * M * P * R1, 2.0 * K * M * P * R1,
                           2.0 * (K / 2) * M * P * R2};
        double peaks[99];
        for (int r = 0; r < reps; r++)
            peaks[r] = share[0][r];
        for (int o = 0; o < 3; o++) {
            for (int r = 0; r < reps; r++)
                share[o][r] = flops[o] / t[o][r] / peaks[r];
            qsort(t[o], (size_t)reps, sizeof(double), cmp);
            qsort(share[o], (size_t)reps, sizeof(double), cmp);
            double med = t[o][reps / 2], rate = flops[o] / med;
            printf("conv%-3d %2dx%2dx%-3d %-11s %7.2f ms %6.1f GFLOP/s %5.1f %% of peak\n", M,
                   H, W, C, op[o], med * 1e3, rate / 1e9, 100.0 * share[o][reps / 2]);
        }
        free(x);
        free(dy);
        free(y);
        free(dx);
        free(w);
        free(dw);
        free(scratch);
    }
    return 0;
}
