/* floats.h - float buffers for the kernels: 64-byte aligned (a cache
 * line, one AVX-512 load) and a whole number of cache lines, so a vector
 * loop may read to the end of the last line. */
#ifndef SIAMESE_FLOATS_H
#define SIAMESE_FLOATS_H

#include <stddef.h>

/* n floats (at least one cache line even for n = 0), or NULL; free(). */
float *sm_alloc_floats(size_t n);

#endif
