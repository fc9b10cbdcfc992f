/* eval_report.h - everything `siamese eval` reports, computed once as
 * plain data: the distances of the test pairs under a model, the
 * confusion matrix and scores at a threshold, the ROC curve, the threshold
 * suggested by the training pairs, the threshold sweep and the errors by
 * class. Printers (text, JSON, pictures) only format this struct, so the
 * numbers cannot differ between them.
 *
 * C = classes of the data set, S = rows of the sweep.
 */
#ifndef SIAMESE_EVAL_REPORT_H
#define SIAMESE_EVAL_REPORT_H

#include <stddef.h>

#include "class_errors.h"
#include "dataset.h"
#include "err.h"
#include "gemm.h"
#include "metrics.h"
#include "model.h"

/* Rows of the sweep eval --sweep shows. */
#define EVAL_SWEEP_ROWS 12

/* One threshold of the sweep and the test scores there. */
typedef struct {
    float threshold;
    scores_t at;
} eval_sweep_row;

typedef struct {
    /* A model trained without labels (train --pairs augment): its
     * validation loss over the n_val augmented pairs of the test split
     * (seeds_val_loss); has_pairs = 0 when the data has no classes (a
     * plain folder): then nothing below is set. */
    int no_labels;
    double val_loss;
    size_t n_val;
    int has_pairs;          /* the pair metrics below are set */
    size_t n_test, n_train; /* pairs */
    float threshold;        /* the one asked for */
    confusion_t cm;         /* test pairs at threshold */
    scores_t at;            /* scores_of(&cm) */
    double train_acc_at;    /* training accuracy at threshold */
    roc_t roc;              /* of the test pairs */
    float suggested;        /* best threshold on the training pairs */
    double suggested_train_acc;
    confusion_t suggested_cm; /* test pairs at suggested */
    scores_t suggested_test;  /* scores_of(&suggested_cm) */
    int n_sweep;              /* S: 0 or EVAL_SWEEP_ROWS */
    eval_sweep_row sweep[EVAL_SWEEP_ROWS]; /* [S] at step, 2 step, ... (head_sweep_step) */
    int n_classes;            /* C */
    class_errors_t *classes;  /* [C] at threshold, in the order of the data's classes */
} eval_report;

/* Which part failed, for the caller's message. */
enum { EVAL_FAILED = -1, EVAL_FAILED_MODEL = -2 };

/* Builds r for model m on ds: for a model trained without labels, the
 * validation loss and, when ds has classes, the rest on the pairs of the
 * data's classes; for any other, the test and training pairs of m's seed
 * (seeds_pairs_for_model), their distances (on `threads` threads, kernel
 * path k), then the results at threshold; the sweep when sweep is set.
 * Returns 0; EVAL_FAILED_MODEL when the distances could not be computed
 * (the model's numbers: e says why, the caller names the model file); or
 * EVAL_FAILED with e set (no memory, a split without both kinds of pair).
 * On failure r holds nothing to free. */
int eval_report_build(eval_report *r, const model_t *m, const dataset_t *ds, float threshold,
                      int sweep, int threads, kernels_path k, sm_err *e);

void eval_report_free(eval_report *r);

#endif
