/* blas_kernels.c - see blas_kernels.h. */
#include "blas_kernels.h"

#include <cblas.h>
#include <strings.h>

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
