/* embed_out.h - embed's two files as one: the embeddings (a NumPy .npy of
 * float32 [N, H], or a CSV of H numbers a line, %.9g so that every float
 * reads back to the same bits) and beside it their index, FILE.index.csv
 * with the columns row,path,class. Both are written to temporary files
 * (atomic_file.h) and only when both are complete renamed into place,
 * under the lock of the embeddings' file (file_lock.h), so that of two
 * runs writing the same --out at once one's rows never end up beside the
 * other's index.
 *
 * N = rows (images), H = embedding width. */
#ifndef SIAMESE_EMBED_OUT_H
#define SIAMESE_EMBED_OUT_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* What to write. */
typedef struct {
    const char *out;   /* the embeddings' file, .npy or .csv */
    const char *index; /* its index (embed_out_index_path) */
    int format;        /* embed_out_format(out) */
    const float *emb;  /* [n, H] */
    size_t n, H;
    char *const *paths;          /* [n] each row's file, or NULL: the row's number */
    const uint16_t *labels;      /* [n] each row's class, or NULL: the column is empty */
    char *const *class_names;    /* [C] the names labels index */
} embed_out;

/* How a write ended: which of the two files changed. The caller says it
 * after e's message. */
typedef enum {
    EMBED_OUT_OK,           /* both replaced */
    EMBED_OUT_FAILED,       /* neither changed; e says why (a file could not be started) */
    EMBED_OUT_INDEX_KEPT,   /* out failed, index unchanged too */
    EMBED_OUT_OUT_KEPT,     /* index failed, out unchanged too */
    EMBED_OUT_NEITHER,      /* the lock was not had: neither changed */
    EMBED_OUT_MISMATCH,     /* index failed after out was replaced */
} embed_out_result;

/* The format out's name asks for, by its ending in any case (one row of
 * embed_out.c's table a format: .npy, .csv), or -1 for none of them. */
int embed_out_format(const char *out);

/* The index's name, buf[n]: out with its format's ending replaced by
 * .index.csv (emb.npy -> emb.index.csv). */
void embed_out_index_path(const char *out, char *buf, size_t n);

/* 1 when a file of another format exists that shares out's index (the
 * same stem, another format's ending in any case: emb.npy or emb.NPY for
 * emb.csv), with its name in buf[n]; else 0. */
int embed_out_sibling(const char *out, char *buf, size_t n);

/* Writes both files. Waits up to a minute for another run holding the
 * lock (it holds it only for its two renames). Returns how it ended, e
 * set unless EMBED_OUT_OK. */
embed_out_result embed_out_write(const embed_out *w, sm_err *e);

#endif
