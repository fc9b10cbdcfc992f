/* simd.h - SM_VECTOR marks an element-wise loop function to be compiled
 * twice, for AVX2 and for the baseline x86-64, with the right one picked at
 * load time (GCC target_clones). Only element-wise functions get it:
 * they do the same IEEE operations in the same order either way (no FMA,
 * no reassociated sums), so results are bit-identical on every CPU. Only
 * with GCC: clang 14 leaves the clones undefined under -fsanitize. */
#ifndef SIAMESE_SIMD_H
#define SIAMESE_SIMD_H

#if defined(__x86_64__) && defined(__has_attribute)
#if __has_attribute(target_clones) && !defined(__clang__)
#define SM_VECTOR __attribute__((target_clones("avx2", "default")))
#endif
#endif
#ifndef SM_VECTOR
#define SM_VECTOR
#endif

/* SM_FMA_CLONES: the same for loops whose every step is an explicit
 * fmaf(): one build for CPUs with FMA3 (fmaf is then an instruction, and
 * the loop vectorises without changing any element's sequence), one for
 * the baseline (fmaf a library call). Same bits either way. */
#if defined(__x86_64__) && defined(__has_attribute)
#if __has_attribute(target_clones) && !defined(__clang__)
#define SM_FMA_CLONES __attribute__((target_clones("fma", "default")))
#endif
#endif
#ifndef SM_FMA_CLONES
#define SM_FMA_CLONES
#endif

#endif
