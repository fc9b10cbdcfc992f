/* transpose.h - a float matrix transposed, fast: pure data movement, so
 * every implementation gives the same bits (the convolution's weight
 * gradient turns each image's dy [M, P] into [P, M] with it, conv.h). */
#ifndef SIAMESE_TRANSPOSE_H
#define SIAMESE_TRANSPOSE_H

/* t [cols, rows] (row stride ldt) = d [rows, cols] (row stride ldd)
 * transposed: t[j * ldt + i] = d[i * ldd + j]. In 8 x 8 blocks with AVX2
 * where the CPU has it, element by element elsewhere. */
void transpose_floats(float *t, int ldt, const float *d, int ldd, int rows, int cols);

#endif
