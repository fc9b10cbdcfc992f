/* cpu.c - see cpu.h. */
#include "cpu.h"

cpu_features cpu_detect(void)
{
    cpu_features f = {0, 0, 0};
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    f.avx2_fma = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    f.avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512cd") &&
               __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq") &&
               __builtin_cpu_supports("avx512vl");
    f.avx512f = __builtin_cpu_supports("avx512f");
#endif
    return f;
}
