/* gemm_generic.c - the portable path of gemm.h: fmaf() in the specified
 * sequence, on any CPU; also the epilogue the OpenBLAS path shares.
 * M = rows of C, N = its columns, K = the length of each sum. */
#include <math.h>
#include <stddef.h>

#include "gemm_paths.h"
#include "simd.h"

float gemm_generic_peak(long iters, float x)
{
    float acc[12], s = 0.0f;
    for (int i = 0; i < 12; i++)
        acc[i] = x * (float)(i + 1);
    for (long n = 0; n < iters; n++)
        for (int i = 0; i < 12; i++)
            acc[i] = fmaf(acc[i], x, x);
    for (int i = 0; i < 12; i++)
        s += acc[i];
    return s;
}

/* Also called per row by gemm_generic below (inlined there). */
void gemm_epilogue(float *c, int n, const float *bias, int relu)
{
    for (int j = 0; bias && j < n; j++)
        c[j] = c[j] + bias[j];
    for (int j = 0; relu && j < n; j++)
        c[j] = c[j] > 0.0f ? c[j] : 0.0f;
}

/* Row i of C is its own accumulator: c[i][j] = fmaf(A(i,p), B[p][j],
 * c[i][j]) for p in order, walking B by rows (the cache-friendly order;
 * each element still sees p = 0, 1, ... in turn). Built twice (GCC): for
 * CPUs with FMA3, where fmaf is one instruction and the loop over j
 * vectorises (each element still one fused multiply-add per p), and for
 * the baseline, where fmaf is glibc's exact software routine. */
SM_FMA_CLONES void gemm_generic(int m, int n, int k, const float *a, int rsa, int csa,
                                const float *b, int ldb, float *c, int ldc, const float *bias,
                                int relu)
{
    for (int i = 0; i < m; i++) {
        float *ci = c + (size_t)i * ldc;
        for (int j = 0; j < n; j++)
            ci[j] = 0.0f;
        for (int p = 0; p < k; p++) {
            const float ap = a[(size_t)i * rsa + (size_t)p * csa];
            const float *bp = b + (size_t)p * ldb;
            for (int j = 0; j < n; j++)
                ci[j] = fmaf(ap, bp[j], ci[j]);
        }
        gemm_epilogue(ci, n, bias, relu);
    }
}

/* gemm_generic's loop without the zeroing and the epilogue: each element
 * continues its chain from the value in C. */
SM_FMA_CLONES void gemm_generic_acc(int m, int n, int k, const float *a, int rsa, int csa,
                                    const float *b, int ldb, float *c, int ldc)
{
    for (int i = 0; i < m; i++) {
        float *ci = c + (size_t)i * ldc;
        for (int p = 0; p < k; p++) {
            const float ap = a[(size_t)i * rsa + (size_t)p * csa];
            const float *bp = b + (size_t)p * ldb;
            for (int j = 0; j < n; j++)
                ci[j] = fmaf(ap, bp[j], ci[j]);
        }
    }
}
