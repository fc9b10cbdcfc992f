/* progress.h - a live progress line on a terminal, Keras style:
 *   Epoch 3/25  412/938 [=========>..........]  0:02 < 0:03  loss: 0.0731
 * redrawn in place at most ten times a second, fitted to the terminal's
 * width (a narrower bar, then fewer parts) so that it never wraps; or a
 * status line of the same kind (progress_status, bench's). Only on a
 * terminal that can redraw (progress_live); elsewhere the caller prints
 * its plain lines alone. */
#ifndef SIAMESE_PROGRESS_H
#define SIAMESE_PROGRESS_H

#include <stddef.h>
#include <stdio.h>

typedef struct {
    FILE *out;
    unsigned epoch, epochs;
    double start, last_draw;
    size_t first;  /* steps already done when this run started (resume) */
    int started;
} progress_bar;

/* Whether out is a terminal that can redraw a line in place: a tty whose
 * TERM is set, not empty and not "dumb" (which has no \r redraw or
 * erase-line escape to rely on). */
int progress_live(FILE *out);

/* Columns of out's terminal: its window size, else $COLUMNS, else 80. */
int progress_columns(FILE *out);

/* Starts the bar of epoch `epoch` of `epochs` on out (a live terminal). */
void progress_start(progress_bar *p, FILE *out, unsigned epoch, unsigned epochs);

/* Redraws after `step` of `steps`, with the running loss; the remaining
 * time is estimated from the steps done since progress_start. */
void progress_update(progress_bar *p, size_t step, size_t steps, double loss);

/* A status line instead of the epoch's bar (bench's):
 *   bench: training epoch, avx2, run 2/5  412/469 [=====>......]  1:23
 * head, then a bar of step of steps when steps > 0, then the time since
 * progress_start, fitted as the bar is. A new stage (force) is drawn at
 * once; redraws within it (force 0) at most ten times a second. */
void progress_status(progress_bar *p, const char *head, size_t step, size_t steps, int force);

/* Erases the line so the next output starts clean. */
void progress_clear(progress_bar *p);

#endif
