/* atomic_file.h - write a file so that a crash never leaves it half-written.
 *
 * The data goes to a temporary file in the same folder (so rename stays on
 * one file system), which is flushed, fsync'd and then renamed over the
 * target; the folder is fsync'd too. Until the rename the old file is
 * untouched; on any failure the temporary file is removed.
 * (The checkpoint rule of TensorFlow/Orbax and SQLite's journal.)
 */
#ifndef SIAMESE_ATOMIC_FILE_H
#define SIAMESE_ATOMIC_FILE_H

#include <stddef.h>
#include <stdio.h>

#include "err.h"

typedef struct {
    FILE *f;           /* write here between atomic_open and atomic_commit */
    char path[4096];   /* the final name */
    char tmp[4096 + 32];
    int failed;        /* set by atomic_write on a short write */
    int err_no;        /* errno of the first failure */
} atomic_file;

/* The temporary file's name for path in this process: path + ".tmp-" +
 * pid. Known in advance, so a signal handler can remove it. */
void atomic_tmp_name(const char *path, char *out, size_t n);

/* Creates the temporary file for path. Returns 0 or -1 with e set (folder
 * missing or not writable, ...). */
int atomic_open(atomic_file *a, const char *path, sm_err *e);

/* fwrite that remembers failure; the error is reported by atomic_commit. */
void atomic_write(atomic_file *a, const void *data, size_t n);

/* Flushes, syncs, closes and renames over the target (tests can make it
 * pause first: SIAMESE_TEST_WRITE_DELAY_MS, see atomic_file.c). Returns 0, or -1 with
 * e set and the temporary file removed (the old target is left intact). */
int atomic_commit(atomic_file *a, sm_err *e);

/* Gives up: closes and removes the temporary file. */
void atomic_abort(atomic_file *a);

/* Checks that a file can be created at path (before long work): creates
 * and removes a temporary file beside it. Returns 0 or -1 with e set. */
int atomic_check_writable(const char *path, sm_err *e);

#endif
