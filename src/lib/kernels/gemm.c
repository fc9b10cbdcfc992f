/* gemm.c - the kernel-path table of gemm.h: one row per path, the
 * questions asked of it (may this CPU run a path, which path auto means,
 * what a model file records), and the one dispatch: per call (a layer of
 * a batch), never per element. */
#include "gemm.h"

#include <stddef.h>

#include "gemm_paths.h"

/* What each vector path needs of the CPU (the avx512 path's file is built
 * with -mfma too). */
static int runs_avx512(cpu_features f)
{
    return f.avx2_fma && f.avx512f;
}

static int runs_avx2(cpu_features f)
{
    return f.avx2_fma;
}

/* The vector paths' functions where CMakeLists.txt builds them; a path not
 * built keeps its row and name (model files and --kernels number them)
 * with no gemm, so it is never available. */
#ifdef SIAMESE_GEMM_AVX512
#define AVX512_FNS .gemm = gemm_avx512, .gemm_acc = gemm_avx512_acc, .peak = gemm_avx512_peak,
#else
#define AVX512_FNS
#endif
#ifdef SIAMESE_GEMM_AVX2
#define AVX2_FNS .gemm = gemm_avx2, .gemm_acc = gemm_avx2_acc, .peak = gemm_avx2_peak,
#else
#define AVX2_FNS
#endif

/* The table: ROW(path, name, the other fields of kernels_row), in the
 * order of kernels_path. The rows and kernels_names are both made from it. */
#define KERNELS_TABLE(ROW)                                                                    \
    ROW(KERNELS_AUTO, "auto", .gemm = gemm_generic, .gemm_acc = gemm_generic_acc, .lanes = 1,  \
        .exact = 1)                                                                           \
    ROW(KERNELS_AVX512, "avx512", .needs = "AVX-512F", .runs = runs_avx512, AVX512_FNS        \
        .lanes = 16, .exact = 1, .speed = 3)                                                  \
    ROW(KERNELS_AVX2, "avx2", .needs = "AVX2 and FMA3", .runs = runs_avx2, AVX2_FNS           \
        .lanes = 8, .exact = 1, .speed = 2)                                                   \
    ROW(KERNELS_GENERIC, "generic", .gemm = gemm_generic, .gemm_acc = gemm_generic_acc,      \
        .peak = gemm_generic_peak,                                                            \
        .lanes = 1, .exact = 1, .speed = 1)                                                   \
    ROW(KERNELS_OPENBLAS, "openblas", .gemm = gemm_openblas, .gemm_acc = gemm_openblas_acc,   \
        .lanes = 1, .family = 1,                                                              \
        .begin = gemm_openblas_begin)

#define AS_ROW(path, nm, ...) [path] = {.name = nm, __VA_ARGS__},
#define AS_NAME(path, nm, ...) [path] = nm,

static const kernels_row rows[] = {KERNELS_TABLE(AS_ROW)};
_Static_assert(sizeof rows / sizeof *rows == KERNELS_COUNT, "one row per kernels_path");

/* The entry after the last row stays NULL (the end of an opt_choice list). */
const char *const kernels_names[KERNELS_COUNT + 1] = {KERNELS_TABLE(AS_NAME)};

const kernels_row *kernels_row_of(kernels_path p)
{
    return &rows[p];
}

int kernels_available(kernels_path p)
{
    if (p < KERNELS_AUTO || p >= KERNELS_COUNT || !rows[p].gemm)
        return 0;
    return !rows[p].runs || rows[p].runs(cpu_detect());
}

int kernels_resolve(kernels_path want, kernels_path *got, sm_err *e)
{
    if (want == KERNELS_AUTO) {
        kernels_path best = KERNELS_GENERIC;
        for (int p = 0; p < KERNELS_COUNT; p++)
            if (rows[p].exact && rows[p].speed > rows[best].speed &&
                kernels_available((kernels_path)p))
                best = (kernels_path)p;
        *got = best;
        return 0;
    }
    if (!kernels_available(want))
        return sm_fail(e, "--kernels %s: this CPU does not have %s", rows[want].name,
                       rows[want].needs);
    *got = want;
    return 0;
}

int kernels_exact(kernels_path p)
{
    return rows[p].exact;
}

unsigned kernels_family(int p)
{
    return rows[p].family;
}

int kernels_lanes(kernels_path p)
{
    return rows[p].lanes;
}

void kernels_begin(kernels_path p, int workers)
{
    if (rows[p].begin)
        rows[p].begin(workers);
}

void gemm(kernels_path p, int m, int n, int k, const float *a, int rsa, int csa, const float *b,
          int ldb, float *c, int ldc, const float *bias, int relu)
{
    rows[p].gemm(m, n, k, a, rsa, csa, b, ldb, c, ldc, bias, relu);
}

void gemm_acc(kernels_path p, int m, int n, int k, const float *a, int rsa, int csa,
              const float *b, int ldb, float *c, int ldc)
{
    rows[p].gemm_acc(m, n, k, a, rsa, csa, b, ldb, c, ldc);
}
