/* outputs.h - a command's output files, checked before its work starts, so
 * that a bad name costs seconds, not an epoch, and no output overwrites an
 * input.
 *
 * One call per command with every output (option and name) and every input
 * (the model read, the data files). Files are compared by device and inode
 * with links followed, so no spelling (./m, a symlink, a hard link)
 * escapes; an output that does not exist yet is identified by its folder
 * and name.
 */
#ifndef SIAMESE_OUTPUTS_H
#define SIAMESE_OUTPUTS_H

#include <stddef.h>

#include "err.h"

typedef struct {
    const char *option; /* "--model", for messages */
    const char *path;   /* as given; NULL when not used in this run */
    int stdout_ok;      /* "-" means standard output (pictures only) */
} output_spec;

typedef struct {
    const char *what;   /* "--model", "the data file": for messages */
    const char *path;   /* NULL when none */
} input_file;

/* outputs_check's result for a usage error (the caller exits 2). */
#define OUTPUTS_USAGE (-2)

/* Checks outputs out[0..n_out) against each other and the inputs
 * in[0..n_in) (an input that does not exist is skipped: its reader will
 * say so). Returns 0; OUTPUTS_USAGE for an empty name, "-" where standard
 * output is not allowed, is a terminal or is named twice, or an output
 * that is the same file as an input or another output (two outputs may
 * share a device or FIFO); -1 for an output that is a folder or cannot be
 * written (atomic_check_writable). e is one line naming option and path. */
int outputs_check(const output_spec *out, size_t n_out, const input_file *in, size_t n_in,
                  sm_err *e);

#endif
