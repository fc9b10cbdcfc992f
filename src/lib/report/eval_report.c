/* eval_report.c - the eval report built once from a model and a data set
 * (eval_report.h). N = test pairs, M = training pairs. */
#include "eval_report.h"

#include <stdlib.h>
#include <string.h>

#include "embed.h"
#include "head.h"
#include "pairs.h"
#include "seeds.h"

/* The test scores at S thresholds step, 2 step, ...: the head's scale. */
static void build_sweep(eval_report *r, const model_t *m, const float *d, const uint8_t *same)
{
    r->n_sweep = EVAL_SWEEP_ROWS;
    float step = head_sweep_step(m->head, m->cfg.margin);
    for (int i = 0; i < EVAL_SWEEP_ROWS; i++) {
        confusion_t c;
        r->sweep[i].threshold = step + step * (float)i;
        confusion_at(&c, d, same, r->n_test, r->sweep[i].threshold);
        r->sweep[i].at = scores_of(&c);
    }
}

/* Everything that follows from the distances dte [N] and dtr [M]. */
static int build_results(eval_report *r, const model_t *m, const dataset_t *ds,
                         const pairs_t *tr, const pairs_t *te, const float *dtr,
                         const float *dte, int sweep, sm_err *e)
{
    if (roc_build(&r->roc, dte, te->same, te->n, e) != 0 ||
        best_threshold(dtr, tr->same, tr->n, &r->suggested, &r->suggested_train_acc, e) != 0)
        return -1;
    confusion_at(&r->cm, dte, te->same, te->n, r->threshold);
    r->at = scores_of(&r->cm);
    confusion_t c;
    confusion_at(&c, dtr, tr->same, tr->n, r->threshold);
    r->train_acc_at = scores_of(&c).accuracy;
    confusion_at(&r->suggested_cm, dte, te->same, te->n, r->suggested);
    r->suggested_test = scores_of(&r->suggested_cm);
    if (sweep)
        build_sweep(r, m, dte, te->same);
    if (class_errors(&r->classes, ds->classes.n, dte, te, ds->test.labels, r->threshold, e) != 0)
        return -1;
    r->n_classes = ds->classes.n;
    return 0;
}

int eval_report_build(eval_report *r, const model_t *m, const dataset_t *ds, float threshold,
                      int sweep, int threads, kernels_path k, sm_err *e)
{
    memset(r, 0, sizeof *r);
    r->threshold = threshold;
    train_config cfg = m->cfg;
    if (cfg.pairs == PAIRS_AUGMENT) {
        r->no_labels = 1;
        if (seeds_val_loss(m, ds, threads, k, &r->val_loss, &r->n_val, e) != 0)
            return EVAL_FAILED_MODEL;
        if (ds->classes.n < CLASSES_MIN)
            return 0; /* a plain folder: no classes to pair */
        cfg.pairs = PAIRS_LABELS; /* the usual metrics, on the data's classes */
    }
    r->has_pairs = 1;
    pairs_t tr, te;
    if (seeds_pairs_for_model(ds, &cfg, &tr, &te, e) != 0)
        return EVAL_FAILED;
    r->n_test = te.n;
    r->n_train = tr.n;
    int rc = EVAL_FAILED;
    float *dte = malloc(te.n * sizeof *dte), *dtr = malloc(tr.n * sizeof *dtr);
    if (!dte || !dtr)
        sm_fail(e, "out of memory");
    else if (distances_for_pairs(dte, m, &ds->test, &te, threads, k, NULL, e) != 0 ||
             distances_for_pairs(dtr, m, &ds->train, &tr, threads, k, NULL, e) != 0)
        rc = EVAL_FAILED_MODEL;
    else if (build_results(r, m, ds, &tr, &te, dtr, dte, sweep, e) == 0)
        rc = 0;
    free(dte);
    free(dtr);
    pairs_free(&tr);
    pairs_free(&te);
    if (rc != 0)
        eval_report_free(r);
    return rc;
}

void eval_report_free(eval_report *r)
{
    class_errors_free(r->classes, r->n_classes);
    roc_free(&r->roc);
    memset(r, 0, sizeof *r);
}
