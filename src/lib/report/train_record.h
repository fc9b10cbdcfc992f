/* train_record.h - what a training run records beside the model's own
 * weights: the history CSV (epoch,loss,val_loss,seconds), the loss curve
 * drawn from it, and the threshold the finished run suggests. Nothing here
 * prints; errors come back in sm_err.
 *
 * E = epochs the model holds (m->epoch); secs [E] the seconds of each
 * epoch, NaN when not known (an earlier run's CSV was gone). */
#ifndef SIAMESE_TRAIN_RECORD_H
#define SIAMESE_TRAIN_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "dataset.h"
#include "err.h"
#include "gemm.h"
#include "model.h"
#include "pairs.h"

/* secs[0..n) = the seconds column of the CSV at path for epochs 1..n (an
 * earlier run's, read back on --resume); NaN where absent or unreadable. */
void record_read_seconds(const char *path, double *secs, uint32_t n);

/* Writes the CSV of m's E epochs to path (atomic replace): a header, then
 * one row per epoch, the seconds empty where NaN. 0 or -1 with e set. */
int record_write_history(const char *path, const model_t *m, const double *secs, sm_err *e);

/* The loss curve's file: the history's name with .csv replaced by .png
 * (else .png appended), into out [n]. */
void record_curve_path(const char *history, char *out, size_t n);

/* Draws loss and val_loss of m's E epochs (plot_losses, scale 2) as a PNG
 * at path. 0 or -1 with e set. */
int record_write_curve(const char *path, const model_t *m, sm_err *e);

/* m->threshold = the threshold with the best accuracy on the training
 * pairs tr of split s (distances_for_pairs on `threads` threads and path
 * k, then best_threshold): what eval, compare and inspect use when no
 * --threshold is given. 0 or -1 with e set. */
int record_suggest_threshold(model_t *m, const split_t *s, const pairs_t *tr, int threads,
                             kernels_path k, sm_err *e);

#endif
