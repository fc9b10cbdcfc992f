/* cli.h - what the subcommands share: option parsing, error lines,
 * finding and loading the data and the model, the CPU count (the clock is
 * the library's sm_now, clock.h). The CLI parses, loads, calls the library
 * (src/lib) and prints. Exit status: 0 ok, 1 runtime failure, 2 usage (EXIT_USAGE);
 * a command stopped by a signal: see the README, "Ctrl-C". */
#ifndef SIAMESE_CLI_H
#define SIAMESE_CLI_H

#include <getopt.h>
#include <stdint.h>
#include <stdio.h>

#include "clock.h"
#include "dataset.h"
#include "gemm.h"
#include "image.h"
#include "model.h"

#define EXIT_USAGE 2

/* The model file train writes and eval/show-pairs read by default. */
#define CLI_DEFAULT_MODEL "model.siam"

/* Option values: each returns 0, or prints "siamese CMD: --opt: ..." to
 * stderr and returns -1 (the caller then shows usage and exits 2). */
int opt_long(const char *cmd, const char *opt, const char *s, long min, long max, long *out);
int opt_u64(const char *cmd, const char *opt, const char *s, uint64_t *out);
/* opt_float's bounds: 0 for min < value <= max, or these flags:
 * OPT_FROM_MIN lets min itself pass, OPT_BELOW_MAX refuses max itself.
 * The value and both limits are compared as floats (what is stored). */
enum { OPT_FROM_MIN = 1, OPT_BELOW_MAX = 2 };
int opt_float(const char *cmd, const char *opt, const char *s, double min, double max,
              int bounds, float *out);
int opt_choice(const char *cmd, const char *opt, const char *s, const char *const *choices,
               int *out);

/* --size WxH: whole numbers from 1, W x H grey inputs within the limit
 * (opt_size_fits with one channel; --rgb's three are checked once every
 * option is parsed). */
int opt_size(const char *cmd, const char *opt, const char *s, int *w, int *h);

/* --size's one limit: w x h x channels inputs at most MODEL_MAX_INPUT
 * (channels 3 with --rgb). 0, or -1 after one message naming the limit,
 * the largest square sizes grey and with --rgb, and what was found
 * (given: the option's text, or NULL to spell it as WxH). */
int opt_size_fits(const char *cmd, const char *opt, const char *given, unsigned long w,
                  unsigned long h, int channels);

/* --layers W,W,...: 1..NET_MAX_LAYERS widths of 1..NET_MAX_WIDTH; out->in
 * is left 0. */
int opt_layers(const char *cmd, const char *opt, const char *s, net_shape *out);

/* --features auto|embedding|layer:K (embed.h's syntax; the model decides
 * later whether K is one of its layers): *(const char **)out = s. An
 * OPT_PARSE function (embed's and inspect's --features). */
int opt_features(const char *cmd, const char *opt, const char *s, void *out);

/* Reports getopt's '?' or ':' result for argv (unknown option, missing
 * value) on stderr. */
void opt_report(const char *cmd, int c, int optopt_value, char **argv);

/* Prints "siamese CMD: msg" to stderr. */
void cli_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* If OpenBLAS loaded generic kernels on a CPU with AVX2 or AVX-512:
 * sets OPENBLAS_CORETYPE and restarts the process (main, before any
 * command). Returns when nothing needs doing or the restart failed. */
void cli_fix_blas_kernels(char **argv);

/* Says which OpenBLAS kernels are loaded and whether they were fixed
 * (for --verbose and bench). */
void cli_blas_report(FILE *out);

/* Number of online CPUs (at least 1). */
int cli_cpu_count(void);

/* Finds the data (--data value opt, may be NULL; see dataset.h) and loads
 * it into ds with options o (may be NULL), writing the folder to dir. On failure prints the
 * reason as "siamese CMD: ..." and returns -1. */
int cli_load_data(const char *cmd, const char *opt, const data_options *o, char *dir,
                  size_t dirlen, dataset_t *ds);

/* Before any work: when o asks for what the data at opt (found as
 * cli_load_data finds it) cannot give (dataset_check_options: --rgb on IDX
 * files, labels of a folder of images; with o->flat, train --pairs
 * augment's, dataset_check_unlabelled: a folder of good/ and defect
 * folders), prints why and returns EXIT_USAGE; else 0 (a folder not found
 * is left to the loading to report). */
int cli_check_data_options(const char *cmd, const char *opt, const data_options *o);

/* Prints a one-line note on stderr about ds loaded from dir when there is
 * one (files skipped as not images by name); nothing otherwise. */
void cli_data_note(const char *cmd, const char *dir, const dataset_t *ds);

/* The note of `skipped` files that are not images by name, with the
 * endings that are, found in `where` (a folder, or NULL); nothing for 0. */
void cli_skipped_note(const char *cmd, size_t skipped, const char *where);

/* Loads the data (as cli_load_data) the way model m reads images: resized
 * to its input size when it was trained with --size, its three channels
 * kept when it was trained with --rgb. Refuses images that
 * do not fit it (without --data, opt NULL, as "trained on other data:
 * pass --data": a colour model and grey default data, or another image
 * size); says so (one line, stderr) when the data is not the data it was
 * trained on (unless quiet). threads: decoding threads. */
int cli_load_model_data(const char *cmd, const char *model_path, const model_t *m,
                        const char *opt, int threads, int quiet, char *dir, size_t dirlen,
                        dataset_t *ds);

/* Loads the model file at path into m (model_file.h), or prints why
 * ("siamese CMD: ...") and returns -1. */
int cli_load_model(const char *cmd, const char *path, model_t *m);

/* The threshold a model is judged at (model_threshold's one rule:
 * --threshold when given, else the model's, else its head's default),
 * with a note on stderr when the model stores none. from may be NULL. */
float cli_threshold(const char *cmd, const char *model_path, const model_t *m, int given,
                    float value, threshold_from *from);

#endif
