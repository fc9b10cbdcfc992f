/* dense.c - the dense layer on gemm.h; see dense.h.
 * R = rows, K = inputs, M = outputs; all matrices row-major. */
#include "dense.h"

#include <stddef.h>

#include "simd.h"

void dense_forward(kernels_path p, float *out, const float *in, const float *w, const float *b,
                   int R, int K, int M)
{
    gemm(p, R, M, K, in, K, 1, w, M, out, M, b, 1);
}

void dense_input_grad(kernels_path p, float *din, const float *dout, const float *wt, int R,
                      int K, int M)
{
    gemm(p, R, K, M, dout, M, 1, wt, K, din, K, NULL, 0);
}

void dense_weight_grad(kernels_path p, float *dw, const float *in, const float *dout, int R,
                       int K, int M, int k0, int k1)
{
    /* A(i, r) = in[r][k0 + i]: in^T, read down its columns */
    if (k1 > k0)
        gemm(p, k1 - k0, M, R, in + k0, 1, K, dout, M, dw + (size_t)k0 * M, M, NULL, 0);
}

SM_VECTOR void dense_bias_grad(float *restrict db, const float *restrict dout, int R, int M)
{
    for (int j = 0; j < M; j++)
        db[j] = 0.0f;
    for (int r = 0; r < R; r++) {
        const float *restrict row = dout + (size_t)r * M;
        for (int j = 0; j < M; j++)
            db[j] += row[j];
    }
}

/* In 16 x 16 blocks: the reads of a block's rows and the writes of its
 * columns both stay within a few cache lines. */
void dense_transpose(float *restrict wt, const float *restrict w, int K, int M, int k0, int k1)
{
    enum { T = 16 };
    for (int kb = k0; kb < k1; kb += T) {
        int ke = kb + T < k1 ? kb + T : k1;
        for (int jb = 0; jb < M; jb += T) {
            int je = jb + T < M ? jb + T : M;
            for (int k = kb; k < ke; k++)
                for (int j = jb; j < je; j++)
                    wt[(size_t)j * K + k] = w[(size_t)k * M + j];
        }
    }
}
