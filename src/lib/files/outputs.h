/* outputs.h - a command's output files, checked before its work starts, so
 * that a bad name costs seconds, not an epoch, and no output overwrites an
 * input.
 *
 * One call per command with every output (option and name) and every input
 * (the model read, the data files and folders: dataset_inputs,
 * folders_inputs). Files are compared by device and inode with links
 * followed, so no spelling (./m, a symlink, a hard link) escapes; an output
 * that does not exist yet is identified by its folder and name. An output
 * inside a folder that is read (at any depth, its folders followed through
 * links) is refused too: it would become part of the input.
 */
#ifndef SIAMESE_OUTPUTS_H
#define SIAMESE_OUTPUTS_H

#include <stddef.h>

#include "err.h"

typedef struct {
    const char *option; /* "--model", for messages */
    const char *path;   /* as given; NULL when not used in this run */
    int stdout_ok;      /* a PNG picture: "-" means standard output, and a
                           name ending as another image format's (.jpg) is
                           a usage error */
    int folder;         /* OUTPUT_FILE, or one of the folders below */
} output_spec;

/* output_spec.folder: a file; a folder its writer creates whole (export:
 * checked against the inputs only, its writer checks the rest); a folder
 * files are written into, made when absent (inspect --maps: checked
 * against the inputs, and by atomic_check_folder that it is a folder, or
 * can be made, where files can be created). */
enum { OUTPUT_FILE = 0, OUTPUT_NEW_FOLDER = 1, OUTPUT_FILES_FOLDER = 2 };

typedef struct {
    const char *what;   /* "--model", "the data file": for messages */
    const char *path;   /* a file or a folder; NULL when none */
} input_file;

/* outputs_check's result for a usage error (the caller exits 2). */
#define OUTPUTS_USAGE (-2)

/* Checks outputs out[0..n_out) against each other and the inputs
 * in[0..n_in) (an input that does not exist is skipped: its reader will
 * say so). Returns 0; OUTPUTS_USAGE for an empty name, "-" where standard
 * output is not allowed, is a terminal or is named twice, an output that is
 * the same file as an input or another output (two outputs may share a
 * device or FIFO), that lies in a folder given as an input, or that is the
 * regular file standard output goes to (/dev/stdout redirected to a file:
 * the text printed there would be lost); -1 for an output that is a folder
 * or cannot be written (atomic_check_writable; OUTPUT_FILES_FOLDER:
 * atomic_check_folder). e is one line naming option and path. */
int outputs_check(const output_spec *out, size_t n_out, const input_file *in, size_t n_in,
                  sm_err *e);

#endif
