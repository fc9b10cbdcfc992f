/* gemm.c - path choice, the portable path and the OpenBLAS path of gemm.h. */
#include "gemm.h"

#include <cblas.h>
#include <math.h>
#include <stddef.h>

#include "blas_kernels.h"
#include "simd.h"

const char *const kernels_names[KERNELS_COUNT + 1] = {"auto", "avx512", "avx2", "generic",
                                                      "openblas", NULL};

int kernels_available(kernels_path p)
{
    cpu_features f = cpu_detect();
    if (p == KERNELS_AVX512) /* F alone (and FMA3): all the path uses */
        return f.avx2_fma && f.avx512f;
    if (p == KERNELS_AVX2)
        return f.avx2_fma;
    return p >= KERNELS_AUTO && p < KERNELS_COUNT;
}

int kernels_resolve(kernels_path want, kernels_path *got, sm_err *e)
{
    if (want == KERNELS_AUTO) {
        *got = kernels_available(KERNELS_AVX512) ? KERNELS_AVX512
               : kernels_available(KERNELS_AVX2) ? KERNELS_AVX2
                                                 : KERNELS_GENERIC;
        return 0;
    }
    if (!kernels_available(want))
        return sm_fail(e, "--kernels %s: this CPU does not have %s", kernels_names[want],
                       want == KERNELS_AVX512 ? "AVX-512F" : "AVX2 and FMA3");
    *got = want;
    return 0;
}

int kernels_exact(kernels_path p)
{
    return p != KERNELS_OPENBLAS;
}

unsigned kernels_family(int p)
{
    return p == KERNELS_OPENBLAS ? 1u : 0u; /* MODEL_KERNELS_OPENBLAS, _EXACT */
}

int kernels_lanes(kernels_path p)
{
    return p == KERNELS_AVX512 ? 16 : p == KERNELS_AVX2 ? 8 : 1;
}

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

/* The epilogue of gemm.h on one row of n values. */
static void epilogue(float *c, int n, const float *bias, int relu)
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
SM_FMA_CLONES void gemm_generic(int m, int n, int k, const float *a, int rsa, int csa, const float *b, int ldb,
                  float *c, int ldc, const float *bias, int relu)
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
        epilogue(ci, n, bias, relu);
    }
}

/* A(i, p) = a[i * rsa + p * csa] is a row-major [m, k] matrix with
 * leading dimension rsa when csa == 1, or the transpose of a row-major
 * [k, m] one with leading dimension csa when rsa == 1. */
static void gemm_openblas(int m, int n, int k, const float *a, int rsa, int csa, const float *b,
                          int ldb, float *c, int ldc, const float *bias, int relu)
{
    if (m > 0 && n > 0 && k > 0) {
        int lda, trans;
        if (csa == 1 && (rsa >= k || m == 1)) {
            trans = 0;
            lda = m == 1 ? k : rsa;
        } else if (rsa == 1 && (csa >= m || k == 1)) {
            trans = 1;
            lda = k == 1 ? m : csa;
        } else { /* not a BLAS layout: never made by this project */
            gemm_generic(m, n, k, a, rsa, csa, b, ldb, c, ldc, bias, relu);
            return;
        }
        cblas_sgemm(CblasRowMajor, trans ? CblasTrans : CblasNoTrans, CblasNoTrans, m, n, k,
                    1.0f, a, lda, b, ldb, 0.0f, c, ldc);
    } else {
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
                c[(size_t)i * ldc + j] = 0.0f;
    }
    for (int i = 0; i < m; i++)
        epilogue(c + (size_t)i * ldc, n, bias, relu);
}

void gemm(kernels_path p, int m, int n, int k, const float *a, int rsa, int csa, const float *b,
          int ldb, float *c, int ldc, const float *bias, int relu)
{
    switch (p) {
    case KERNELS_AVX512: gemm_avx512(m, n, k, a, rsa, csa, b, ldb, c, ldc, bias, relu); break;
    case KERNELS_AVX2: gemm_avx2(m, n, k, a, rsa, csa, b, ldb, c, ldc, bias, relu); break;
    case KERNELS_OPENBLAS: gemm_openblas(m, n, k, a, rsa, csa, b, ldb, c, ldc, bias, relu); break;
    default: gemm_generic(m, n, k, a, rsa, csa, b, ldb, c, ldc, bias, relu); break;
    }
}
