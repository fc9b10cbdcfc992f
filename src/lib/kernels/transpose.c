/* transpose.c - see transpose.h. rows x cols in, cols x rows out. */
#include "transpose.h"

#include <stddef.h>

#include "cpu.h"

/* The block [i0, i1) x [j0, j1) element by element. */
static void transpose_plain(float *restrict t, int ldt, const float *restrict d, int ldd, int i0,
                            int i1, int j0, int j1)
{
    for (int j = j0; j < j1; j++)
        for (int i = i0; i < i1; i++)
            t[(size_t)j * ldt + i] = d[(size_t)i * ldd + j];
}

#if (defined(__x86_64__) || defined(__i386__)) && defined(__GNUC__)
#include <immintrin.h>
#define HAVE_AVX2_TRANSPOSE 1

/* Whole 8 x 8 blocks in registers (8 loads, 24 shuffles, 8 stores), the
 * edges element by element. */
__attribute__((target("avx2"))) static void transpose_avx2(float *restrict t, int ldt,
                                                           const float *restrict d, int ldd,
                                                           int rows, int cols)
{
    const int r8 = rows / 8 * 8, c8 = cols / 8 * 8;
    for (int i = 0; i < r8; i += 8)
        for (int j = 0; j < c8; j += 8) {
            const float *s = d + (size_t)i * ldd + j;
            __m256 r0 = _mm256_loadu_ps(s), r1 = _mm256_loadu_ps(s + ldd);
            __m256 r2 = _mm256_loadu_ps(s + 2 * (size_t)ldd);
            __m256 r3 = _mm256_loadu_ps(s + 3 * (size_t)ldd);
            __m256 r4 = _mm256_loadu_ps(s + 4 * (size_t)ldd);
            __m256 r5 = _mm256_loadu_ps(s + 5 * (size_t)ldd);
            __m256 r6 = _mm256_loadu_ps(s + 6 * (size_t)ldd);
            __m256 r7 = _mm256_loadu_ps(s + 7 * (size_t)ldd);
            __m256 u0 = _mm256_unpacklo_ps(r0, r1), u1 = _mm256_unpackhi_ps(r0, r1);
            __m256 u2 = _mm256_unpacklo_ps(r2, r3), u3 = _mm256_unpackhi_ps(r2, r3);
            __m256 u4 = _mm256_unpacklo_ps(r4, r5), u5 = _mm256_unpackhi_ps(r4, r5);
            __m256 u6 = _mm256_unpacklo_ps(r6, r7), u7 = _mm256_unpackhi_ps(r6, r7);
            __m256 v0 = _mm256_shuffle_ps(u0, u2, 0x44), v1 = _mm256_shuffle_ps(u0, u2, 0xee);
            __m256 v2 = _mm256_shuffle_ps(u1, u3, 0x44), v3 = _mm256_shuffle_ps(u1, u3, 0xee);
            __m256 v4 = _mm256_shuffle_ps(u4, u6, 0x44), v5 = _mm256_shuffle_ps(u4, u6, 0xee);
            __m256 v6 = _mm256_shuffle_ps(u5, u7, 0x44), v7 = _mm256_shuffle_ps(u5, u7, 0xee);
            float *o = t + (size_t)j * ldt + i;
            _mm256_storeu_ps(o, _mm256_permute2f128_ps(v0, v4, 0x20));
            _mm256_storeu_ps(o + ldt, _mm256_permute2f128_ps(v1, v5, 0x20));
            _mm256_storeu_ps(o + 2 * (size_t)ldt, _mm256_permute2f128_ps(v2, v6, 0x20));
            _mm256_storeu_ps(o + 3 * (size_t)ldt, _mm256_permute2f128_ps(v3, v7, 0x20));
            _mm256_storeu_ps(o + 4 * (size_t)ldt, _mm256_permute2f128_ps(v0, v4, 0x31));
            _mm256_storeu_ps(o + 5 * (size_t)ldt, _mm256_permute2f128_ps(v1, v5, 0x31));
            _mm256_storeu_ps(o + 6 * (size_t)ldt, _mm256_permute2f128_ps(v2, v6, 0x31));
            _mm256_storeu_ps(o + 7 * (size_t)ldt, _mm256_permute2f128_ps(v3, v7, 0x31));
        }
    transpose_plain(t, ldt, d, ldd, 0, r8, c8, cols);
    transpose_plain(t, ldt, d, ldd, r8, rows, 0, cols);
}
#endif

void transpose_floats(float *t, int ldt, const float *d, int ldd, int rows, int cols)
{
#ifdef HAVE_AVX2_TRANSPOSE
    if (cpu_detect().avx2_fma) {
        transpose_avx2(t, ldt, d, ldd, rows, cols);
        return;
    }
#endif
    transpose_plain(t, ldt, d, ldd, 0, rows, 0, cols);
}
