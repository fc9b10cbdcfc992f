/* plot.h - the pictures of evaluation and training, drawn on a canvas
 * (canvas.h) and saved as PNG: the confusion-matrix heatmap, the ROC curve
 * and the loss curve. Text is stb_easy_font; every plot has a title, axis
 * labels and a legend where one is needed, legible at a glance.
 * `scale` multiplies every size (1 = small, 2 = default for files).
 */
#ifndef SIAMESE_PLOT_H
#define SIAMESE_PLOT_H

#include <stddef.h>
#include <stdint.h>

#include "canvas.h"
#include "err.h"
#include "metrics.h"

/* Heatmap of m like the notebook's seaborn heatmap: a 2 x 2 grid of
 * squares shaded from white (0) to dark blue (the largest count), the
 * count written in each cell (white on dark cells), rows labelled "true
 * different"/"true same", columns "predicted different"/"predicted same",
 * and a title naming the threshold. */
int plot_heatmap(canvas_t *c, const confusion_t *m, float threshold, int scale, sm_err *e);

/* Where plot_heatmap put cell [t][p]: its top-left corner and side, for
 * tests. */
void plot_heatmap_cell(int scale, int t, int p, int *x, int *y, int *side);

/* ROC curve: false-positive rate (x) against true-positive rate (y), both
 * 0..1, for n points in order of increasing rates, the diagonal of chance,
 * "AUC = ..." in the legend, and each of the `nmarks` marked operating
 * points (fpr, tpr, label such as "t=0.50") drawn as a dot with its label. */
typedef struct {
    float fpr, tpr;
    const char *label;
} plot_mark;

int plot_roc(canvas_t *c, const float *fpr, const float *tpr, size_t n, double auc,
             const plot_mark *marks, size_t nmarks, int scale, sm_err *e);

/* Loss curve: loss[i] and val_loss[i] of epochs 1..n against the epoch
 * number, two coloured lines with a legend, y from 0 to the largest value. */
int plot_losses(canvas_t *c, const float *loss, const float *val_loss, size_t n, int scale,
                sm_err *e);

#endif
