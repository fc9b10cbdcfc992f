/* guard.h - what every command that writes files does before its work,
 * and how the CLI finds write errors on standard output:
 *  - its outputs checked at once against each other and everything it
 *    reads (the model, what the data source lists with dataset_inputs, the
 *    files and folders of its PATH arguments), so a bad name costs no work
 *    and no output overwrites an input (outputs.h);
 *  - one signal regime, installed by main before any command runs:
 *    SIGINT, SIGTERM and SIGHUP remove the temporary files being written
 *    (atomic_file.h) and end the process; a command that must finish
 *    something first (train saves, export removes its folder) defers them
 *    and polls guard_stop_signal;
 *  - standard output checked after the last write (main.c, and train after
 *    each epoch line), since stdio keeps only a sticky error flag.
 */
#ifndef SIAMESE_GUARD_H
#define SIAMESE_GUARD_H

#include <stddef.h>

#include "outputs.h"

/* data_opt for a command that reads no data set. */
#define GUARD_NO_DATA ((const char *)-1)

/* Checks out[0..n) (outputs.h) against model_in (the model file read, may
 * be NULL), the data set --data (data_opt, NULL = the default place;
 * GUARD_NO_DATA = none) leads to, and the files and folders
 * read[0..n_read) (PATH arguments: each folder with the images and folders
 * under it). Returns 0, or prints "siamese CMD: ..." and returns the exit
 * status: 2 for a usage error, 1 for an output that cannot be written. */
int guard_outputs(const char *cmd, const output_spec *out, size_t n, const char *model_in,
                  const char *data_opt, const input_file *read, size_t n_read);

/* Installs the regime (main, before any command): SIGINT, SIGTERM, SIGHUP
 * remove the temporary files being written, then end the process by the
 * same signal (exit status 128 + signal in a shell). A SIGHUP ignored when
 * the process started (nohup) stays ignored. */
void guard_catch_signals(void);

/* From now on the first of those signals is only noted (guard_stop_signal)
 * for the command to stop cleanly; a later one prints again (if not NULL),
 * removes the temporary files being written and exits 130 at once; with
 * again NULL it is noted too. */
void guard_defer_signals(const char *again);

/* The signal noted since guard_defer_signals, or 0. */
int guard_stop_signal(void);

/* Flushes standard output. Returns NULL when everything written to it so
 * far went out, else why not (strerror text; stdio forgets the errno of an
 * earlier failed flush, so it is asked again where it can be). */
const char *guard_stdout_failure(void);

/* For a command whose picture goes to standard output: sends what it
 * prints with printf to standard error instead, until guard_text_back.
 * Returns the saved standard output (a descriptor), or -1. */
int guard_text_to_stderr(void);
void guard_text_back(int saved);

#endif
