/* blas_kernels.c - see blas_kernels.h. */
#include "blas_kernels.h"

#include <cblas.h>
#include <strings.h>

cpu_features cpu_detect(void)
{
    cpu_features f = {0, 0};
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    f.avx2_fma = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    f.avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512cd") &&
               __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq") &&
               __builtin_cpu_supports("avx512vl");
#endif
    return f;
}

const char *blas_core_name(void)
{
    const char *name = openblas_get_corename();
    return name ? name : "unknown";
}

int blas_core_is_generic(const char *core)
{
    static const char *const modern[] = {"Haswell", "Zen", "SkylakeX", "Cooperlake",
                                         "SapphireRapids"};
    for (size_t i = 0; i < sizeof modern / sizeof *modern; i++)
        if (strcasecmp(core, modern[i]) == 0)
            return 0;
    return 1;
}

const char *blas_better_core(const char *core, cpu_features f)
{
    if (!f.avx2_fma || !blas_core_is_generic(core))
        return NULL;
    return f.avx512 ? "SkylakeX" : "Haswell";
}

void blas_set_threads(int n)
{
    openblas_set_num_threads(n);
}
