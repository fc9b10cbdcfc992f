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

/* Pixel-level AUROC of anomaly maps against defect masks: n images of P
 * pixels each, score [n, P] (higher = more anomalous), truth [n, P] (1 =
 * defect pixel, the positive class). The area is P(score of a defect pixel
 * > score of a normal pixel), a tie counted half (Mann-Whitney), as
 * roc_build counts the image AUROC; computed exactly (integer counts in
 * 128 bits) after one sort of all n P pixels by score (a radix sort: 16
 * bytes a pixel in all, time linear in n P). Per defect type, as anomalib's
 * per-category pixel AUROC restricted to a type: type [n] gives each
 * image's type (0 = good, as mvtec_types numbers them); type k >= 1 is
 * measured over the pixels of its own images and of every good image (its
 * defect pixels against every normal pixel of both), so a type's figure
 * counts false alarms on good images too. */
typedef struct {
    double auroc;      /* over every pixel of every image */
    uint64_t pos, neg; /* defect and normal pixels in all */
    int ntypes;
    double *type_auroc; /* [ntypes]; NAN for type 0 and for a type without a
                           defect pixel (or without a normal one) */
} pixel_auroc_t;

/* Fills *r (type_auroc allocated here when type is not NULL: free with
 * pixel_auroc_free). type may be NULL (then ntypes = 0, overall only).
 * Returns 0, or -1 with e set: no defect pixel or no normal pixel at all, a
 * NaN score (naming its image and pixel), a type outside [0, ntypes), out
 * of memory. */
int pixel_auroc(const float *score, const uint8_t *truth, size_t n, size_t P, const int *type,
                int ntypes, pixel_auroc_t *r, sm_err *e);
void pixel_auroc_free(pixel_auroc_t *r);

#endif
