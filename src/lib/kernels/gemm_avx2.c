/* gemm_avx2.c - the AVX2 + FMA3 path of gemm.h: tiles of 6 rows x 16
 * columns (12 ymm accumulators). Compiled with -mavx2 -mfma (CMakeLists);
 * its row in the table (gemm.c) lets it run only when the CPU has both. */
#include "gemm_paths.h"

#ifdef SIAMESE_GEMM_AVX2 /* its build line in CMakeLists.txt */
#if !defined(__AVX2__) || !defined(__FMA__)
#error "gemm_avx2.c is built with -mavx2 -mfma (CMakeLists.txt)"
#endif
#include <immintrin.h>

#define V __m256
#define VLEN 8
#define NV 2
#define V_ZERO() _mm256_setzero_ps()
#define V_LOAD(p) _mm256_loadu_ps(p)
#define V_STORE(p, x) _mm256_storeu_ps(p, x)
#define V_BCAST(p) _mm256_broadcast_ss(p)
#define V_FMA(a, b, acc) _mm256_fmadd_ps(a, b, acc)
#define V_ADD(x, y) _mm256_add_ps(x, y)
/* maxps returns its second operand when either is NaN or both are zero */
#define V_MAX0(x) _mm256_max_ps(x, _mm256_setzero_ps())
#define GEMM_NAME gemm_avx2
#define GEMM_ACC_NAME gemm_avx2_acc
#define PEAK_NAME gemm_avx2_peak
#define KC 192
#define MR_NARROW 12 /* accumulators, with a vector of B and a broadcast: 14 of 16 registers */
#include "gemm_tile.h"

#endif
