/* metrics.c - confusion matrix, scores, ROC/AUC/EER, best threshold; see
 * metrics.h. n = pairs. */
#include "metrics.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void confusion_at(confusion_t *m, const float *d, const uint8_t *same, size_t n,
                  float threshold)
{
    memset(m, 0, sizeof *m);
    for (size_t i = 0; i < n; i++)
        m->cell[same[i] ? 1 : 0][d[i] < threshold ? 1 : 0]++;
}

scores_t scores_of(const confusion_t *m)
{
    double tn = (double)m->cell[0][0], fp = (double)m->cell[0][1];
    double fn = (double)m->cell[1][0], tp = (double)m->cell[1][1];
    double total = tn + fp + fn + tp;
    scores_t s = {0, 0, 0, 0};
    s.accuracy = total > 0 ? (tp + tn) / total : 0;
    s.precision = tp + fp > 0 ? tp / (tp + fp) : 0;
    s.recall = tp + fn > 0 ? tp / (tp + fn) : 0;
    s.f1 = s.precision + s.recall > 0 ? 2 * s.precision * s.recall / (s.precision + s.recall) : 0;
    return s;
}

/* Pair order by distance, for the sweeps below. */
typedef struct {
    float d;
    uint8_t same;
} scored;

static int by_distance(const void *a, const void *b)
{
    float x = ((const scored *)a)->d, y = ((const scored *)b)->d;
    return (x > y) - (x < y);
}

static scored *sorted_pairs(const float *d, const uint8_t *same, size_t n)
{
    scored *s = malloc((n + 1) * sizeof *s);
    if (!s)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        s[i].d = d[i];
        s[i].same = same[i] ? 1 : 0;
    }
    qsort(s, n, sizeof *s, by_distance);
    return s;
}

void roc_free(roc_t *r)
{
    free(r->fpr);
    free(r->tpr);
    free(r->threshold);
    memset(r, 0, sizeof *r);
}

int roc_build(roc_t *r, const float *d, const uint8_t *same, size_t n, sm_err *e)
{
    memset(r, 0, sizeof *r);
    size_t pos = 0;
    for (size_t i = 0; i < n; i++)
        pos += same[i] != 0;
    size_t neg = n - pos;
    if (pos == 0 || neg == 0)
        return sm_fail(e, "no ROC curve: the pairs hold %zu same and %zu different", pos, neg);
    scored *s = sorted_pairs(d, same, n);
    r->fpr = malloc((n + 2) * sizeof *r->fpr);
    r->tpr = malloc((n + 2) * sizeof *r->tpr);
    r->threshold = malloc((n + 2) * sizeof *r->threshold);
    if (!s || !r->fpr || !r->tpr || !r->threshold) {
        free(s);
        roc_free(r);
        return sm_fail(e, "out of memory for the ROC curve of %zu pairs", n);
    }
    /* Walk the thresholds upward: at threshold t every pair with d < t is
     * predicted same. Pairs with equal distances move together. */
    size_t tp = 0, fp = 0, k = 0;
    double area = 0, best_gap = INFINITY;
    r->fpr[k] = 0;
    r->tpr[k] = 0;
    r->threshold[k++] = s[0].d; /* nothing is below the smallest distance */
    for (size_t i = 0; i < n;) {
        size_t j = i, dtp = 0, dfp = 0;
        for (; j < n && s[j].d == s[i].d; j++)
            s[j].same ? dtp++ : dfp++;
        /* Trapezoid over this step: ties give the diagonal, i.e. half
         * credit, as in the Mann-Whitney statistic. */
        area += (double)dfp * ((double)tp + (double)dtp / 2.0);
        tp += dtp;
        fp += dfp;
        r->threshold[k] = j < n ? 0.5f * (s[i].d + s[j].d) : nextafterf(s[i].d, INFINITY);
        r->fpr[k] = (float)((double)fp / (double)neg);
        r->tpr[k] = (float)((double)tp / (double)pos);
        /* Equal-error rate: where FPR and FNR = 1 - TPR cross. */
        double fpr = (double)fp / (double)neg, fnr = 1.0 - (double)tp / (double)pos;
        if (fabs(fpr - fnr) < best_gap) {
            best_gap = fabs(fpr - fnr);
            r->eer = 0.5 * (fpr + fnr);
            r->eer_threshold = r->threshold[k];
        }
        k++;
        i = j;
    }
    r->n = k;
    r->auc = area / ((double)pos * (double)neg);
    free(s);
    return 0;
}

int best_threshold(const float *d, const uint8_t *same, size_t n, float *threshold,
                   double *accuracy, sm_err *e)
{
    scored *s = sorted_pairs(d, same, n);
    if (!s)
        return sm_fail(e, "out of memory sorting %zu distances", n);
    size_t neg = 0;
    for (size_t i = 0; i < n; i++)
        neg += s[i].same == 0;
    /* Below the first distance everything is "different": neg correct. */
    size_t correct = neg, best = neg;
    float best_t = n ? s[0].d : 0.5f;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        for (; j < n && s[j].d == s[i].d; j++) {
            /* Moving below the threshold: a same pair becomes right, a
             * different pair wrong. */
            if (s[j].same)
                correct++;
            else
                correct--;
        }
        if (correct > best) {
            best = correct;
            best_t = j < n ? 0.5f * (s[i].d + s[j].d) : nextafterf(s[i].d, INFINITY);
        }
        i = j;
    }
    *threshold = best_t;
    *accuracy = n ? (double)best / (double)n : 0;
    free(s);
    return 0;
}
