/* guard.h - what every command that writes files does before its work,
 * and how the CLI finds write errors on standard output:
 *  - its outputs checked at once against each other, the model it reads
 *    and the data files (outputs.h), so a bad name costs no work;
 *  - SIGINT, SIGTERM and SIGHUP remove the temporary files being written
 *    (atomic_file.h) before the process ends (train has its own handler,
 *    which saves first: cmd_train.c);
 *  - standard output checked after the last write (main.c, and train after
 *    each epoch line), since stdio keeps only a sticky error flag.
 */
#ifndef SIAMESE_GUARD_H
#define SIAMESE_GUARD_H

#include <stddef.h>

#include "outputs.h"

/* Checks out[0..n) (outputs.h) against model_in (the model file read, may
 * be NULL) and the data files in the folder --data (data_opt, may be NULL)
 * leads to. Returns 0, or prints "siamese CMD: ..." and returns the exit
 * status: 2 for a usage error, 1 for an output that cannot be written. */
int guard_outputs(const char *cmd, const output_spec *out, size_t n, const char *model_in,
                  const char *data_opt);

/* SIGINT, SIGTERM, SIGHUP: remove the temporary files being written, then
 * end by the same signal (exit status 128 + signal in a shell). A SIGHUP
 * ignored when the process started (nohup) stays ignored. */
void guard_catch_signals(void);

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
