/* metrics.h - how well distances separate same from different.
 *
 * A pair is predicted "same" when its distance d < threshold. "Same" is the
 * positive class for precision, recall, F1 and the ROC curve (whose score
 * is -d: smaller distance, more likely same). n = pairs.
 */
#ifndef SIAMESE_METRICS_H
#define SIAMESE_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* scikit-learn's layout: cell[t][p] counts pairs of true class t predicted
 * as p, 0 = different, 1 = same. */
typedef struct {
    uint64_t cell[2][2];
} confusion_t;

typedef struct {
    double accuracy;
    double precision, recall, f1; /* of "same"; 0 when undefined (no predictions) */
} scores_t;

void confusion_at(confusion_t *m, const float *d, const uint8_t *same, size_t n,
                  float threshold);
scores_t scores_of(const confusion_t *m);

/* The ROC curve over every threshold: the distinct distances sorted, with
 * ties kept together. */
typedef struct {
    size_t n;        /* points, from (0,0) to (1,1) */
    float *fpr, *tpr; /* [n] */
    float *threshold; /* [n] predicted same iff d < threshold[i] */
    double auc;       /* area, ties counted half (Mann-Whitney) */
    double eer;       /* equal-error rate: where FPR = 1 - TPR */
    float eer_threshold;
} roc_t;

/* Builds the ROC curve of d/same. Returns 0, or -1 with e set when a class
 * is missing (no ROC then) or memory runs out. */
int roc_build(roc_t *r, const float *d, const uint8_t *same, size_t n, sm_err *e);
void roc_free(roc_t *r);

/* The threshold with the best accuracy on these pairs (the midpoint between
 * the two distances it separates), and that accuracy. Returns -1 on no
 * memory. */
int best_threshold(const float *d, const uint8_t *same, size_t n, float *threshold,
                   double *accuracy, sm_err *e);

#endif
