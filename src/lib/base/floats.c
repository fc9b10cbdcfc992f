/* floats.c - see floats.h. */
#include "floats.h"

#include <stdlib.h>

float *sm_alloc_floats(size_t n)
{
    size_t bytes = (n * sizeof(float) + 63) & ~(size_t)63;
    return aligned_alloc(64, bytes ? bytes : 64);
}
