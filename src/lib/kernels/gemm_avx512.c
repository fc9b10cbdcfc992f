/* gemm_avx512.c - the AVX-512F path of gemm.h: tiles of 6 rows x 64
 * columns (24 zmm accumulators). Compiled with -mavx512f -mfma
 * (CMakeLists); its row in the table (gemm.c) lets it run only when the
 * CPU has AVX-512F. */
#include "gemm_paths.h"

#ifdef SIAMESE_GEMM_AVX512 /* its build line in CMakeLists.txt */
#if !defined(__AVX512F__) || !defined(__FMA__)
#error "gemm_avx512.c is built with -mavx512f -mfma (CMakeLists.txt)"
#endif
#include <immintrin.h>

#define V __m512
#define VLEN 16
#define NV 4
#define V_ZERO() _mm512_setzero_ps()
#define V_LOAD(p) _mm512_loadu_ps(p)
#define V_STORE(p, x) _mm512_storeu_ps(p, x)
#define V_BCAST(p) _mm512_set1_ps(*(p))
#define V_FMA(a, b, acc) _mm512_fmadd_ps(a, b, acc)
#define V_ADD(x, y) _mm512_add_ps(x, y)
/* vmaxps returns its second operand when either is NaN or both are zero */
#define V_MAX0(x) _mm512_max_ps(x, _mm512_setzero_ps())
#define GEMM_NAME gemm_avx512
#define GEMM_ACC_NAME gemm_avx512_acc
#define PEAK_NAME gemm_avx512_peak
#define KC 128
#define MR_NARROW 16 /* accumulators, with a vector of B and a broadcast: 18 of 32 registers */
#include "gemm_tile.h"

#endif
