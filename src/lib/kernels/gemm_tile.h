/* gemm_tile.h - the body of a vector gemm path (gemm.h), included by
 * gemm_avx2.c and gemm_avx512.c after they define the vector operations:
 *
 *   V, VLEN          the vector type and its float lanes
 *   NV               vectors per row of a full tile (NR = NV * VLEN columns)
 *   V_ZERO() V_LOAD(p) V_STORE(p, x) V_BCAST(p) V_FMA(a, b, acc)
 *   V_ADD(x, y) V_MAX0(x)   (max(x, +0): NaN and -0 give +0)
 *   GEMM_NAME        the function to define (the path's gemm)
 *   GEMM_ACC_NAME    and its accumulating form (gemm_acc_fn, gemm.h)
 *   PEAK_NAME        its FMA-peak loop (gemm_peak_fn, gemm.h)
 *   KC               the longest block of the sum kept in L1
 *   MR_NARROW        the most rows of a one-vector-wide tile (below)
 *
 * Tiles of MR rows x NR columns keep MR * NV accumulators in registers;
 * per p it loads NV vectors of B's row p and broadcasts MR values of A,
 * then MR * NV fused multiply-adds. A strip one vector wide (N = 16 on
 * AVX-512, or the vector left after the full strips: N = 400 = 6 x 64 +
 * 16) takes taller tiles, up to MR_NARROW rows: with MR rows it would have
 * only MR independent chains, and each fma would wait on the one before
 * it (4 cycles) instead of filling the two FMA units. Each element of C sees exactly the
 * sequence of gemm.h (acc = +0, or C's value when accumulating, then one
 * fma per p in order): columns that
 * do not fill a vector take the same fmaf() one at a time.
 */
#include <math.h>
#include <stddef.h>
#include <string.h>

#define MR 6
#define NR (NV * VLEN)
#ifndef MR_NARROW
#define MR_NARROW MR
#endif
/* the accumulators' rows: enough for either tile */
#define MR_ALL (MR_NARROW > MR ? MR_NARROW : MR)

/* One tile of mr <= MR rows and nv <= NV vectors over p in [0, k) of this
 * block of the sum; always inlined with constant mr and nv, so the
 * accumulators stay in registers. The first block starts from +0, later
 * ones from the partial sums stored in C (a float stored and loaded is
 * the same float: the sequence of fmas is unchanged); the last applies
 * the epilogue. */
static inline __attribute__((always_inline)) void tile(int mr, int nv, int k, const float *a,
                                                       int rsa, int csa, const float *b, int ldb,
                                                       float *c, int ldc, int first, int last,
                                                       const float *bias, int relu)
{
    V acc[MR_ALL][NV];
    for (int i = 0; i < mr; i++)
        for (int v = 0; v < nv; v++)
            acc[i][v] = first ? V_ZERO() : V_LOAD(c + (size_t)i * ldc + v * VLEN);
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
            if (last && bias)
                x = V_ADD(x, V_LOAD(bias + v * VLEN));
            if (last && relu)
                x = V_MAX0(x);
            V_STORE(c + (size_t)i * ldc + v * VLEN, x);
        }
}

/* Rows i0 .. i0+mr of C at columns [j0, j0 + nv * VLEN). */
static inline __attribute__((always_inline)) void tile_rows(int mr, int nv, int k,
                                                            const float *a, int rsa, int csa,
                                                            const float *b, int ldb, float *c,
                                                            int ldc, int first, int last,
                                                            const float *bias, int relu)
{
#define TILE(r) tile(r, nv, k, a, rsa, csa, b, ldb, c, ldc, first, last, bias, relu)
    switch (mr) {
    case 6: TILE(6); break;
    case 5: TILE(5); break;
    case 4: TILE(4); break;
    case 3: TILE(3); break;
    case 2: TILE(2); break;
    default: TILE(1); break;
    }
#undef TILE
}

/* Rows i0 .. i0+mr of a one-vector strip, mr <= MR_NARROW: tiles of
 * MR_NARROW rows, then of 8, 4, 2, 1 (each with its rows' accumulators in
 * registers). */
static inline __attribute__((always_inline)) void narrow_rows(int mr, int k, const float *a,
                                                              int rsa, int csa, const float *b,
                                                              int ldb, float *c, int ldc,
                                                              int first, int last,
                                                              const float *bias, int relu)
{
#define NTILE(r) tile(r, 1, k, a, rsa, csa, b, ldb, c, ldc, first, last, bias, relu)
    if (mr >= MR_NARROW)
        NTILE(MR_NARROW);
    else if (mr >= 8)
        NTILE(8);
    else if (mr >= 4)
        NTILE(4);
    else if (mr >= 2)
        NTILE(2);
    else
        NTILE(1);
#undef NTILE
}

/* The height of the next narrow tile (narrow_rows) for m - i0 rows left. */
static inline int narrow_height(int left)
{
    return left >= MR_NARROW ? MR_NARROW : left >= 8 ? 8 : left >= 4 ? 4 : left >= 2 ? 2 : 1;
}

/* A tile of nv (2 .. NV) vectors: the full strips and the narrower one
 * left at the end (n = 80 on AVX-512: 64, then a 16-wide strip). */
static inline __attribute__((always_inline)) void tile_strip(int mr, int nv, int k,
                                                             const float *a, int rsa, int csa,
                                                             const float *b, int ldb, float *c,
                                                             int ldc, int first, int last,
                                                             const float *bias, int relu)
{
#define STRIP(v) tile_rows(mr, (v) < NV ? (v) : NV, k, a, rsa, csa, b, ldb, c, ldc, first, last, \
                           bias, relu)
    switch (nv) { /* 1: narrow_rows */
    case 2: STRIP(2); break;
    case 3: STRIP(3); break;
    default: STRIP(NV); break;
    }
#undef STRIP
}

/* Columns past the last whole vector: one element at a time, the same
 * sequence with scalar fmaf (a single instruction on this path), from +0
 * or (accumulate) from C. */
static void tail_columns(int mr, int j0, int n, int k, const float *a, int rsa, int csa,
                         const float *b, int ldb, float *c, int ldc, const float *bias, int relu,
                         int accumulate)
{
    for (int i = 0; i < mr; i++)
        for (int j = j0; j < n; j++) {
            float acc = accumulate ? c[(size_t)i * ldc + j] : 0.0f;
            for (int p = 0; p < k; p++)
                acc = fmaf(a[(size_t)i * rsa + (size_t)p * csa], b[(size_t)p * ldb + j], acc);
            if (bias)
                acc = acc + bias[j];
            if (relu)
                acc = acc > 0.0f ? acc : 0.0f;
            c[(size_t)i * ldc + j] = acc;
        }
}

/* The sum over p runs in blocks of at most KC (set per path so that a
 * KC x NR slice of B, copied side by side, stays in L1 while every row
 * tile passes over it: 12 KB with AVX2, 32 KB with AVX-512); inside a
 * block the column tiles, then the row tiles. */
#ifndef KC
#define KC 192
#endif

/* gemm.h's operation; accumulate: every sum starts from C instead of +0
 * (and there is no epilogue: bias NULL, relu 0). */
static inline __attribute__((always_inline)) void run(int m, int n, int k, const float *a,
                                                      int rsa, int csa, const float *b, int ldb,
                                                      float *c, int ldc, const float *bias,
                                                      int relu, int accumulate)
{
    if (accumulate && k == 0)
        return;
    const int nfull = n / NR * NR, nvec = n / VLEN * VLEN, copy = ldb % 32 == 0;
    float panel[KC * NR] __attribute__((aligned(64)));
    /* blocks of equal size, at most KC: 784 = 5 x 157, not 4 x 192 + 16 */
    const int blocks = (k + KC - 1) / KC, step = blocks ? (k + blocks - 1) / blocks : 0;
    for (int p0 = 0; p0 < k || p0 == 0; p0 += step) {
        const int kc = k - p0 < step ? k - p0 : step;
        const int first = p0 == 0 && !accumulate, last = p0 + step >= k;
        const float *ap = a + (size_t)p0 * csa, *bp = b + (size_t)p0 * ldb;
        /* whole NR-wide strips, then the vectors left (fewer than NV) as
         * one strip of their own width */
        for (int j0 = 0; j0 < nvec; j0 += j0 < nfull ? NR : nvec - nfull) {
            const float *bj = bias ? bias + j0 : NULL;
            const int w = j0 < nfull ? NR : nvec - nfull, nv = w / VLEN;
            /* B's rows are usually 512 bytes apart: in L1 such rows fall in
             * 1 set of 8 and evict each other. Copied side by side, the
             * KC x w slice stays in L1 while every row tile passes. Rows an
             * odd number of 64-byte lines apart (or not whole lines) spread
             * over every set: read in place, the copy saved. */
            const float *bs = copy ? panel : bp + j0; /* the slice the tiles read */
            const int lds = copy ? w : ldb;
            if (!copy)
                ;
            else if (w == NR)
                for (int p = 0; p < kc; p++)
                    memcpy(panel + (size_t)p * NR, bp + (size_t)p * ldb + j0, NR * sizeof *panel);
            else
                for (int p = 0; p < kc; p++)
                    memcpy(panel + (size_t)p * w, bp + (size_t)p * ldb + j0,
                           (size_t)w * sizeof *panel);
            for (int i0 = 0; i0 < m && nv == 1;) {
                const int mr = narrow_height(m - i0);
                narrow_rows(mr, kc, ap + (size_t)i0 * rsa, rsa, csa, bs, lds,
                            c + (size_t)i0 * ldc + j0, ldc, first, last, bj, relu);
                i0 += mr;
            }
            for (int i0 = 0; i0 < m && nv > 1; i0 += MR) {
                const int mr = m - i0 < MR ? m - i0 : MR;
                const float *ai = ap + (size_t)i0 * rsa;
                float *ci = c + (size_t)i0 * ldc + j0;
                tile_strip(mr, nv, kc, ai, rsa, csa, bs, lds, ci, ldc, first, last, bj, relu);
            }
        }
        if (k == 0)
            break;
    }
    if (nvec < n)
        for (int i0 = 0; i0 < m; i0 += MR)
            tail_columns(m - i0 < MR ? m - i0 : MR, nvec, n, k, a + (size_t)i0 * rsa, rsa, csa,
                         b, ldb, c + (size_t)i0 * ldc, ldc, bias, relu, accumulate);
}

void GEMM_NAME(int m, int n, int k, const float *a, int rsa, int csa, const float *b, int ldb,
               float *c, int ldc, const float *bias, int relu)
{
    run(m, n, k, a, rsa, csa, b, ldb, c, ldc, bias, relu, 0);
}

void GEMM_ACC_NAME(int m, int n, int k, const float *a, int rsa, int csa, const float *b,
                   int ldb, float *c, int ldc)
{
    run(m, n, k, a, rsa, csa, b, ldb, c, ldc, NULL, 0, 1);
}

/* The FMA peak: `iters` rounds of 12 independent fused multiply-adds on
 * registers (enough chains to cover the latency of two FMA units), no
 * memory traffic. Returns a value that depends on every result, so the
 * compiler keeps the work. Flops: iters * 12 * VLEN * 2. */
float PEAK_NAME(long iters, float x)
{
    V acc[12], m = V_BCAST(&x), s = V_ZERO();
    for (int i = 0; i < 12; i++) {
        float v = x * (float)(i + 1);
        acc[i] = V_BCAST(&v);
    }
    for (long n = 0; n < iters; n++)
        for (int i = 0; i < 12; i++)
            acc[i] = V_FMA(acc[i], m, m);
    for (int i = 0; i < 12; i++)
        s = V_ADD(s, acc[i]);
    float out[VLEN];
    V_STORE(out, s);
    return out[0];
}
