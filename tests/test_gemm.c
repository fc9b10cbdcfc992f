/* test_gemm.c - the kernel paths of gemm.h:
 *  - the table: one named row per path in the order model files and
 *    --kernels number them, auto resolving to the fastest own path here;
 *  - every own path of the table (generic, avx2, avx512 where the CPU has
 *    them, and any exact path added later) gives
 *    the same bits as the others and as the sequence gemm.h specifies
 *    (acc = +0, then fmaf over p in order), on random shapes (1, odd,
 *    tails of every tile size, the training's real shapes), both layouts
 *    of A, with and without bias and ReLU, with k = 0;
 *  - each agrees with cblas_sgemm within a rounding tolerance and with a
 *    double-precision sum within the error bound of a k-term sum;
 *  - gemm_acc: one sum computed in pieces (the first by gemm, or from +0
 *    in C, the rest accumulated) is the one product, bit for bit, on every
 *    own path (openblas: within rounding), and k = 0 leaves C alone;
 *  - the epilogue maps NaN and -0 to +0 under ReLU on every path;
 *  - columns past n (ldc > n) are never written;
 *  - before a parallel run the openblas path makes OpenBLAS single-threaded
 *    per call, and the own paths leave it alone.
 * A path the CPU lacks is skipped with a message. */
#include <cblas.h>
#include <math.h>
#include <stdint.h>

#include "check.h"
#include "gemm.h"
#include "rng.h"

/* The own paths: every exact row of the table but auto, generic first
 * (the reference the others are compared with); list_own fills it. */
static kernels_path own[KERNELS_COUNT];
static int n_own;

static void list_own(void)
{
    own[n_own++] = KERNELS_GENERIC;
    for (int p = 0; p < KERNELS_COUNT; p++)
        if (p != KERNELS_AUTO && p != KERNELS_GENERIC && kernels_exact((kernels_path)p))
            own[n_own++] = (kernels_path)p;
}

/* The table: names in their fixed order (model files and --kernels store
 * the index), each row named as kernels_names says, and auto resolving to
 * the fastest exact path this CPU runs. */
static void check_table(void)
{
    static const char *const fixed[] = {"auto", "avx512", "avx2", "generic", "openblas"};
    for (int p = 0; p < KERNELS_COUNT; p++) {
        const char *name = kernels_row_of((kernels_path)p)->name;
        CHECK(name && kernels_names[p] && strcmp(name, kernels_names[p]) == 0,
              "row %d is named '%s', kernels_names says '%s'", p, name ? name : "(null)",
              kernels_names[p] ? kernels_names[p] : "(null)");
        CHECK(p >= (int)(sizeof fixed / sizeof *fixed) || (name && strcmp(name, fixed[p]) == 0),
              "path %d must stay '%s' (model files store its index)", p, fixed[p]);
    }
    CHECK(kernels_names[KERNELS_COUNT] == NULL, "kernels_names must end with NULL");
    CHECK(kernels_family(KERNELS_OPENBLAS) == 1 && kernels_family(KERNELS_GENERIC) == 0 &&
              kernels_family(KERNELS_AUTO) == 0,
          "model files record openblas as 1, the exact paths as 0");
    kernels_path got;
    CHECK(kernels_resolve(KERNELS_AUTO, &got, NULL) == 0 && got != KERNELS_AUTO &&
              kernels_exact(got) && kernels_available(got),
          "auto must resolve to an exact path this CPU runs");
    for (int p = 0; p < KERNELS_COUNT; p++)
        CHECK(!kernels_exact((kernels_path)p) || !kernels_available((kernels_path)p) ||
                  kernels_row_of((kernels_path)p)->speed <= kernels_row_of(got)->speed,
              "auto chose %s over the faster %s", kernels_names[got], kernels_names[p]);
    printf("auto is %s here\n", kernels_names[got]);
}

/* Values of mixed sign and magnitude, so that any other order of the
 * additions (lanes, partial sums) changes the rounding of most sums. */
static float value(rng_t *r)
{
    float v = (2.0f * rng_float(r) - 1.0f) * (float)(1 << (rng_below(r, 12)));
    return v * (1.0f / 1024.0f);
}

/* The specification, element by element. */
static float spec(int i, int j, int k, const float *a, int rsa, int csa, const float *b, int ldb,
                  const float *bias, int relu)
{
    float acc = 0.0f;
    for (int p = 0; p < k; p++)
        acc = fmaf(a[(size_t)i * rsa + (size_t)p * csa], b[(size_t)p * ldb + j], acc);
    if (bias)
        acc = acc + bias[j];
    if (relu)
        acc = acc > 0.0f ? acc : 0.0f;
    return acc;
}

static int shapes_run, skipped_reported[KERNELS_COUNT];

/* One shape: A [m, k] (transposed when trans: stored [k, m]), B [k, n],
 * C [m, n] with ldc = n + 3 and sentinels in the padding. B's rows are
 * n + 1 apart, or a multiple of 32 floats with a bias (the vector paths
 * copy such rows to a panel first and read others in place). */
static void check_shape(rng_t *r, int m, int n, int k, int trans, int with_bias, int relu)
{
    const int lda = trans ? m : k, ldb = with_bias ? (n + 32) / 32 * 32 : n + 1, ldc = n + 3;
    const int rsa = trans ? 1 : lda, csa = trans ? lda : 1;
    size_t na = (size_t)(trans ? k : m) * (size_t)(lda ? lda : 1);
    float *a = malloc((na + 1) * sizeof *a), *b = malloc(((size_t)k * ldb + 1) * sizeof *b);
    float *bias = malloc(((size_t)n + 1) * sizeof *bias);
    float *ref = malloc(((size_t)m * ldc + 1) * sizeof *ref);
    float *got = malloc(((size_t)m * ldc + 1) * sizeof *got);
    for (size_t i = 0; i < na; i++)
        a[i] = value(r);
    for (size_t i = 0; i < (size_t)k * ldb; i++)
        b[i] = value(r);
    for (int j = 0; j < n; j++)
        bias[j] = value(r);
    const float *bs = with_bias ? bias : NULL;
    const float sentinel = -12345.0f;

    /* The portable path against the specification, bit for bit. */
    for (size_t i = 0; i < (size_t)m * ldc; i++)
        ref[i] = sentinel;
    gemm(KERNELS_GENERIC, m, n, k, a, rsa, csa, b, ldb, ref, ldc, bs, relu);
    int bad = 0, pad = 0;
    for (int i = 0; i < m; i++) {
        for (int j = 0; j < n; j++) {
            float want = spec(i, j, k, a, rsa, csa, b, ldb, bs, relu);
            bad += memcmp(&want, &ref[(size_t)i * ldc + j], 4) != 0;
        }
        for (int j = n; j < ldc; j++)
            pad += ref[(size_t)i * ldc + j] != sentinel;
    }
    CHECK(bad == 0, "%dx%dx%d%s: generic differs from the specified fma sequence in %d places",
          m, n, k, trans ? " (A^T)" : "", bad);
    CHECK(pad == 0, "%dx%dx%d: generic wrote past column n", m, n, k);

    /* Every other own path: the same bits. */
    for (int q = 1; q < n_own; q++) {
        if (!kernels_available(own[q])) {
            const char *needs = kernels_row_of(own[q])->needs;
            if (!skipped_reported[q]++)
                printf("SKIP: this CPU has no %s: the %s path is not compared\n",
                       needs ? needs : "build of it", kernels_names[own[q]]);
            continue;
        }
        for (size_t i = 0; i < (size_t)m * ldc; i++)
            got[i] = sentinel;
        gemm(own[q], m, n, k, a, rsa, csa, b, ldb, got, ldc, bs, relu);
        int diff = 0, over = 0;
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++)
                diff += memcmp(&got[(size_t)i * ldc + j], &ref[(size_t)i * ldc + j], 4) != 0;
            for (int j = n; j < ldc; j++)
                over += got[(size_t)i * ldc + j] != sentinel;
        }
        CHECK(diff == 0, "%dx%dx%d%s bias %d relu %d: %s differs from generic in %d of %d", m,
              n, k, trans ? " (A^T)" : "", with_bias, relu, kernels_names[own[q]], diff,
              m * n);
        CHECK(over == 0, "%dx%dx%d: %s wrote past column n", m, n, k, kernels_names[own[q]]);
    }

    /* OpenBLAS and a double-precision sum: close, within the rounding of
     * a k-term float sum (gamma_k * sum |a b|, k eps / (1 - k eps)). */
    for (size_t i = 0; i < (size_t)m * ldc; i++)
        got[i] = sentinel;
    gemm(KERNELS_OPENBLAS, m, n, k, a, rsa, csa, b, ldb, got, ldc, bs, relu);
    double worst_blas = 0, worst_exact = 0;
    for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++) {
            double exact = 0, mag = 0;
            for (int p = 0; p < k; p++) {
                double t = (double)a[(size_t)i * rsa + (size_t)p * csa] * b[(size_t)p * ldb + j];
                exact += t;
                mag += fabs(t);
            }
            if (bs) {
                exact += bs[j];
                mag += fabs(bs[j]);
            }
            if (relu)
                exact = exact > 0 ? exact : 0;
            double bound = (k + 2) * 6e-8 * mag + 1e-30;
            double e1 = fabs(ref[(size_t)i * ldc + j] - exact) / bound;
            double e2 = fabs(got[(size_t)i * ldc + j] - ref[(size_t)i * ldc + j]) / (2 * bound);
            worst_exact = e1 > worst_exact ? e1 : worst_exact;
            worst_blas = e2 > worst_blas ? e2 : worst_blas;
        }
    CHECK(worst_exact <= 1.0, "%dx%dx%d: generic is %.2f error bounds from the exact sum", m, n,
          k, worst_exact);
    CHECK(worst_blas <= 1.0, "%dx%dx%d: OpenBLAS is %.2f bounds from generic", m, n, k,
          worst_blas);
    shapes_run++;
    free(a);
    free(b);
    free(bias);
    free(ref);
    free(got);
}

/* A [m, k] (transposed when trans) B [k, n] in pieces along k: C = +0
 * then gemm_acc per piece (zero_start), or gemm over the first piece then
 * gemm_acc over the rest: the bits of one gemm on each own path; openblas
 * (beta = 1) within a few roundings of its own one-call product. */
static void check_acc(rng_t *r, int m, int n, int k, int trans, int pieces, int zero_start)
{
    const int lda = trans ? m : k, ldb = n + 2, ldc = n + 1;
    const int rsa = trans ? 1 : lda, csa = trans ? lda : 1;
    size_t na = (size_t)(trans ? k : m) * (size_t)(lda ? lda : 1) + 1;
    float *a = malloc(na * sizeof *a), *b = malloc(((size_t)k * ldb + 1) * sizeof *b);
    float *one = malloc(((size_t)m * ldc + 1) * sizeof *one);
    float *got = malloc(((size_t)m * ldc + 1) * sizeof *got);
    for (size_t i = 0; i < na; i++)
        a[i] = value(r);
    for (size_t i = 0; i < (size_t)k * ldb; i++)
        b[i] = value(r);
    for (int q = 0; q <= n_own; q++) {
        kernels_path p = q < n_own ? own[q] : KERNELS_OPENBLAS;
        if (!kernels_available(p))
            continue;
        const float sentinel = -777.0f;
        for (size_t i = 0; i < (size_t)m * ldc; i++)
            one[i] = got[i] = sentinel;
        gemm(p, m, n, k, a, rsa, csa, b, ldb, one, ldc, NULL, 0);
        int p0 = 0;
        if (zero_start) {
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++)
                    got[(size_t)i * ldc + j] = 0.0f;
        }
        for (int t = 0; t < pieces; t++) {
            int p1 = t == pieces - 1 ? k : p0 + (k - p0) / (pieces - t) + (t & 1);
            p1 = p1 > k ? k : p1;
            const float *ap = a + (size_t)p0 * csa, *bp = b + (size_t)p0 * ldb;
            if (t == 0 && !zero_start)
                gemm(p, m, n, p1 - p0, ap, rsa, csa, bp, ldb, got, ldc, NULL, 0);
            else
                gemm_acc(p, m, n, p1 - p0, ap, rsa, csa, bp, ldb, got, ldc);
            p0 = p1;
        }
        int diff = 0, over = 0;
        double worst = 0;
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                size_t at = (size_t)i * ldc + j;
                diff += memcmp(&got[at], &one[at], 4) != 0;
                double mag = 0;
                for (int pp = 0; pp < k; pp++)
                    mag += fabs((double)a[(size_t)i * rsa + (size_t)pp * csa] *
                                b[(size_t)pp * ldb + j]);
                double e = fabs(got[at] - one[at]) / (2 * (k + 2) * 6e-8 * mag + 1e-30);
                worst = e > worst ? e : worst;
            }
            over += got[(size_t)i * ldc + n] != sentinel;
        }
        if (kernels_exact(p))
            CHECK(diff == 0, "%dx%dx%d%s in %d pieces (%s): %s differs from one gemm in %d of %d",
                  m, n, k, trans ? " (A^T)" : "", pieces, zero_start ? "from +0" : "gemm first",
                  kernels_names[p], diff, m * n);
        else
            CHECK(worst <= 1.0, "%dx%dx%d in %d pieces: openblas %.2f bounds from one call", m,
                  n, k, pieces, worst);
        CHECK(over == 0, "%dx%dx%d: %s gemm_acc wrote past column n", m, n, k, kernels_names[p]);
    }
    /* k = 0 accumulates nothing */
    for (int q = 0; q <= n_own; q++) {
        kernels_path p = q < n_own ? own[q] : KERNELS_OPENBLAS;
        if (!kernels_available(p))
            continue;
        for (size_t i = 0; i < (size_t)m * ldc; i++)
            got[i] = one[i] = (float)i;
        gemm_acc(p, m, n, 0, a, rsa, csa, b, ldb, got, ldc);
        CHECK(memcmp(got, one, (size_t)m * ldc * sizeof *got) == 0, "%s: gemm_acc k = 0 wrote C",
              kernels_names[p]);
    }
    free(a);
    free(b);
    free(one);
    free(got);
}

/* NaN and -0 through the ReLU epilogue: +0 on every path. */
static void check_epilogue(void)
{
    float a[2] = {NAN, -0.0f}, b[8] = {1, 1, 1, 1, 1, 1, 1, 1};
    for (int q = 0; q < n_own; q++) {
        if (!kernels_available(own[q]))
            continue;
        float c[2 * 8];
        /* row 0: NaN * 1 = NaN; row 1: fma(-0, 1, +0) = +0; bias -0 keeps it */
        float nz[8] = {-0.0f, -0.0f, -0.0f, -0.0f, -0.0f, -0.0f, -0.0f, -0.0f};
        gemm(own[q], 2, 8, 1, a, 1, 1, b, 8, c, 8, nz, 1);
        int bad = 0;
        for (int i = 0; i < 16; i++)
            bad += !(c[i] == 0.0f && !signbit(c[i]));
        CHECK(bad == 0, "%s: ReLU of NaN or -0 must be +0 (%d wrong)", kernels_names[own[q]],
              bad);
        /* The bias is added before the ReLU: -0.2 + 0.5 survives. */
        float x = -0.2f, one = 1.0f, lift = 0.5f, y;
        gemm(own[q], 1, 1, 1, &x, 1, 1, &one, 1, &y, 1, &lift, 1);
        CHECK(y == -0.2f + 0.5f, "%s: bias before ReLU: %g", kernels_names[own[q]], y);
    }
}

/* kernels_begin: the workers are the parallelism on the openblas path. */
static void check_begin(void)
{
    openblas_set_num_threads(2);
    CHECK(openblas_get_num_threads() == 2, "OpenBLAS took 2 threads as %d",
          openblas_get_num_threads());
    for (int p = 0; p < KERNELS_COUNT; p++)
        if (p != KERNELS_OPENBLAS)
            kernels_begin((kernels_path)p, 4);
    CHECK(openblas_get_num_threads() == 2, "an own path changed OpenBLAS's threads to %d",
          openblas_get_num_threads());
    kernels_begin(KERNELS_OPENBLAS, 4);
    CHECK(openblas_get_num_threads() == 1, "openblas: %d OpenBLAS threads per call, not 1",
          openblas_get_num_threads());
}

int main(void)
{
    check_table();
    list_own();
    rng_t r;
    rng_seed(&r, 20261129, 0);
    /* The training's shapes (default network, batch 128 on two threads):
     * forward 128 x 128 x 784, input gradient 128 x 128 x 128, weight
     * gradient 392 x 128 x 256 (A transposed). */
    check_shape(&r, 128, 128, 784, 0, 1, 1);
    check_shape(&r, 128, 128, 128, 0, 0, 0);
    check_shape(&r, 392, 128, 256, 1, 0, 0);
    /* Every tail: m across the tile height, n across 1, 8, 16, 64 lanes and
     * the narrower last strips (1, 2, 3 vectors). */
    const int ms[] = {1, 2, 5, 6, 7, 13};
    const int ns[] = {1, 3, 8, 9, 15, 16, 17, 31, 33, 49, 64, 65, 120, 130};
    const int ks[] = {0, 1, 2, 7, 255, 256, 257, 600};
    for (size_t i = 0; i < sizeof ms / sizeof *ms; i++)
        for (size_t j = 0; j < sizeof ns / sizeof *ns; j++)
            check_shape(&r, ms[i], ns[j], ks[(i + j) % 8], (int)((i + j) & 1), (int)(j & 1),
                        (int)((i >> 1) & 1));
    /* One-vector strips (n of 8 to 31, or a vector left after the full
     * strips: 80, 400) take tiles up to 16 rows (AVX-512) or 12 (AVX2),
     * then 8, 4, 2, 1: m across all of them. */
    const int mt[] = {3, 11, 12, 15, 16, 17, 29, 31, 40};
    const int nt[] = {8, 9, 16, 24, 31, 80, 400};
    for (size_t i = 0; i < sizeof mt / sizeof *mt; i++)
        for (size_t j = 0; j < sizeof nt / sizeof *nt; j++)
            check_shape(&r, mt[i], nt[j], ks[(i + 2 * j) % 8], (int)(j & 1), (int)((i + j) & 1),
                        (int)(i & 1));
    /* Random shapes. */
    for (int t = 0; t < 40; t++)
        check_shape(&r, 1 + (int)rng_below(&r, 40), 1 + (int)rng_below(&r, 150),
                    (int)rng_below(&r, 900), (int)rng_below(&r, 2), (int)rng_below(&r, 2),
                    (int)rng_below(&r, 2));
    /* gemm_acc in pieces: the conv weight gradient's shape (one piece per
     * image: 144 x 64 x 196 per image, A transposed or not), tails, k
     * across the KC blocks. */
    check_acc(&r, 144, 64, 4 * 196, 0, 4, 1);
    check_acc(&r, 37, 128, 5 * 49, 1, 5, 1);
    /* the first conv layer's transposed weight gradient (conv.c,
     * conv_grads_few): 32 x 16 x 784 per image, A read in place */
    check_acc(&r, 32, 16, 3 * 784, 0, 3, 1);
    for (int t = 0; t < 24; t++)
        check_acc(&r, 1 + (int)rng_below(&r, 20), 1 + (int)rng_below(&r, 140),
                  (int)rng_below(&r, 700), (int)rng_below(&r, 2), 1 + (int)rng_below(&r, 6),
                  (int)rng_below(&r, 2));
    check_epilogue();
    check_begin();
    printf("%d shapes compared\n", shapes_run);
    return check_done("gemm");
}
