/* idx.h - reader for the IDX files of (Fashion-)MNIST, gzipped or plain.
 *
 * Format (big-endian): u32 magic = 0x000008TT with TT the element type and
 * the low byte the number of dimensions, then one u32 per dimension, then
 * the payload in row-major order. Only unsigned bytes (type 0x08) are read.
 * Labels are 0x00000801 ([N]), images 0x00000803 ([N, rows, cols]).
 *
 * Every fault is reported with its own message naming the file, what was
 * expected and what was found; the payload must be exactly as long as the
 * header says (a truncated or a longer file is refused). A gzip file may
 * hold several members, read as one stream (as gzip -d does); bytes after
 * the last member are refused as trailing garbage.
 */
#ifndef SIAMESE_IDX_H
#define SIAMESE_IDX_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define IDX_MAGIC_LABELS 0x00000801u
#define IDX_MAGIC_IMAGES 0x00000803u
#define IDX_MAX_DIMS 3
/* The largest payload accepted, far above Fashion-MNIST's 47 MB, so that a
 * damaged header cannot make us allocate gigabytes. */
#define IDX_MAX_BYTES ((size_t)1 << 30)

typedef struct {
    uint32_t ndim;
    uint32_t dims[IDX_MAX_DIMS];
    size_t size; /* product of dims, bytes in data */
    uint8_t *data;
} idx_array;

/* Reads the IDX file at path, which must have the given magic (one of the
 * IDX_MAGIC_* values). Fills out (free with idx_free) and returns 0, or
 * returns -1 with e set and out left empty. */
int idx_read(const char *path, uint32_t magic, idx_array *out, sm_err *e);

/* Frees the data of a; safe on an empty or already freed array. */
void idx_free(idx_array *a);

#endif
