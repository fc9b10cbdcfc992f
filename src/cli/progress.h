/* progress.h - a live progress line on a terminal, Keras style:
 *   Epoch 3/25  412/938 [=========>..........]  0:02 < 0:03  loss: 0.0731
 * redrawn in place at most ten times a second. */
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

/* Starts the bar of epoch `epoch` of `epochs` on out (a terminal). */
void progress_start(progress_bar *p, FILE *out, unsigned epoch, unsigned epochs);

/* Redraws after `step` of `steps`, with the running loss; the remaining
 * time is estimated from the steps done since progress_start. */
void progress_update(progress_bar *p, size_t step, size_t steps, double loss);
/* Erases the line so the next output starts clean. */
void progress_clear(progress_bar *p);

#endif
