/* gemm_tile.h - the body of a vector gemm path (gemm.h), included by
 * gemm_avx2.c and gemm_avx512.c after they define the vector operations:
 *
 *   V, VLEN          the vector type and its float lanes
 *   NV               vectors per row of a full tile (NR = NV * VLEN columns)
 *   V_ZERO() V_LOAD(p) V_STORE(p, x) V_BCAST(p) V_FMA(a, b, acc)
 *   V_ADD(x, y) V_MAX0(x)   (max(x, +0): NaN and -0 give +0)
 *   GEMM_NAME        the function to define
 *
 * Tiles of MR rows x NR columns keep MR * NV accumulators in registers;
 * per p it loads NV vectors of B's row p and broadcasts MR values of A,
 * then MR * NV fused multiply-adds. Each element of C sees exactly the
 * sequence of gemm.h (acc = +0, then one fma per p in order): columns that
 * do not fill a vector take the same fmaf() one at a time.
 */
#include <math.h>
#include <stddef.h>

#define MR 6
#define NR (NV * VLEN)

/* One tile of mr <= MR rows and nv <= NV vectors; always inlined with
 * constant mr and nv, so the accumulators stay in registers. */
static inline __attribute__((always_inline)) void tile(int mr, int nv, int k, const float *a,
                                                       int rsa, int csa, const float *b, int ldb,
                                                       float *c, int ldc, const float *bias,
                                                       int relu)
{
    V acc[MR][NV];
    for (int i = 0; i < mr; i++)
        for (int v = 0; v < nv; v++)
            acc[i][v] = V_ZERO();
    for (int p = 0; p < k; p++) {
        const float *bp = b + (size_t)p * ldb, *ap = a + (size_t)p * csa;
        V bv[NV];
        for (int v = 0; v < nv; v++)
            bv[v] = V_LOAD(bp + v * VLEN);
        for (int i = 0; i < mr; i++) {
            V ai = V_BCAST(ap + (size_t)i * rsa);
            for (int v = 0; v < nv; v++)
                acc[i][v] = V_FMA(ai, bv[v], acc[i][v]);
        }
    }
    for (int i = 0; i < mr; i++)
        for (int v = 0; v < nv; v++) {
            V x = acc[i][v];
            if (bias)
                x = V_ADD(x, V_LOAD(bias + v * VLEN));
            if (relu)
                x = V_MAX0(x);
            V_STORE(c + (size_t)i * ldc + v * VLEN, x);
        }
}

/* Rows i0 .. i0+mr of C at columns [j0, j0 + nv * VLEN). */
static inline __attribute__((always_inline)) void tile_rows(int mr, int nv, int k,
                                                            const float *a, int rsa, int csa,
                                                            const float *b, int ldb, float *c,
                                                            int ldc, const float *bias, int relu)
{
    switch (mr) {
    case 6: tile(6, nv, k, a, rsa, csa, b, ldb, c, ldc, bias, relu); break;
    case 5: tile(5, nv, k, a, rsa, csa, b, ldb, c, ldc, bias, relu); break;
    case 4: tile(4, nv, k, a, rsa, csa, b, ldb, c, ldc, bias, relu); break;
    case 3: tile(3, nv, k, a, rsa, csa, b, ldb, c, ldc, bias, relu); break;
    case 2: tile(2, nv, k, a, rsa, csa, b, ldb, c, ldc, bias, relu); break;
    default: tile(1, nv, k, a, rsa, csa, b, ldb, c, ldc, bias, relu); break;
    }
}

/* Columns past the last whole vector: one element at a time, the same
 * sequence with scalar fmaf (a single instruction on this path). */
static void tail_columns(int mr, int j0, int n, int k, const float *a, int rsa, int csa,
                         const float *b, int ldb, float *c, int ldc, const float *bias, int relu)
{
    for (int i = 0; i < mr; i++)
        for (int j = j0; j < n; j++) {
            float acc = 0.0f;
            for (int p = 0; p < k; p++)
                acc = fmaf(a[(size_t)i * rsa + (size_t)p * csa], b[(size_t)p * ldb + j], acc);
            if (bias)
                acc = acc + bias[j];
            if (relu)
                acc = acc > 0.0f ? acc : 0.0f;
            c[(size_t)i * ldc + j] = acc;
        }
}

void GEMM_NAME(int m, int n, int k, const float *a, int rsa, int csa, const float *b, int ldb,
               float *c, int ldc, const float *bias, int relu)
{
    for (int i0 = 0; i0 < m; i0 += MR) {
        int mr = m - i0 < MR ? m - i0 : MR;
        const float *ai = a + (size_t)i0 * rsa;
        float *ci = c + (size_t)i0 * ldc;
        int j0 = 0;
        for (; j0 + NR <= n; j0 += NR)
            tile_rows(mr, NV, k, ai, rsa, csa, b + j0, ldb, ci + j0, ldc, bias ? bias + j0 : NULL,
                      relu);
        for (; j0 + VLEN <= n; j0 += VLEN)
            tile_rows(mr, 1, k, ai, rsa, csa, b + j0, ldb, ci + j0, ldc, bias ? bias + j0 : NULL,
                      relu);
        if (j0 < n)
            tail_columns(mr, j0, n, k, ai, rsa, csa, b, ldb, ci, ldc, bias, relu);
    }
}
