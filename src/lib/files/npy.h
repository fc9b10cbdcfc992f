/* npy.h - NumPy's .npy files for 2-D float32 arrays (embeddings out to
 * Python and back).
 *
 * Layout (format version 1.0, numpy.lib.format / NEP 1):
 *   6 bytes   magic "\x93NUMPY"
 *   2 bytes   version 1, 0
 *   2 bytes   header length L, little-endian u16
 *   L bytes   the header, a Python dict literal in ASCII:
 *             {'descr': '<f4', 'fortran_order': False, 'shape': (N, H), }
 *             padded with spaces and ended by '\n' so that 10 + L is a
 *             multiple of 64 (the data starts aligned)
 *   N*H*4     the floats, row-major (C order), little-endian IEEE 754
 * N = rows (images), H = columns (embedding width).
 */
#ifndef SIAMESE_NPY_H
#define SIAMESE_NPY_H

#include <stddef.h>

#include "atomic_file.h"
#include "err.h"

/* Alignment of the data start, from the format's specification. */
#define NPY_ALIGN 64

/* Writes x [n, h] as a version-1.0 '<f4' C-order .npy to path, atomically
 * (atomic_file.h: the old file survives any failure). n may be 0. Returns
 * 0 or -1 with e naming the file. */
int npy_write_f32(const char *path, const float *x, size_t n, size_t h, sm_err *e);

/* The same bytes written into a (opened by atomic_open; committing it is
 * the caller's). Returns 0, or -1 with e set when n x h is too large. */
int npy_put_f32(atomic_file *a, const float *x, size_t n, size_t h, sm_err *e);

/* Reads a 2-D '<f4' C-order .npy of version 1.0, 2.0 or 3.0 (numpy.save
 * writes those): *x [*n, *h] is allocated here (free(); at least
 * one byte, so not NULL when n*h is 0). Checks the magic, version, header
 * length and terminator, every dict key, and the file size against the
 * shape. Returns 0 or -1 with e naming the file, what was expected and
 * what was found. */
int npy_read_f32(const char *path, float **x, size_t *n, size_t *h, sm_err *e);

#endif
