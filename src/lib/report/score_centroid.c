/* score_centroid.c - the centroid score: the head distance of the image to
 * the references' mean, or with leave-one-out to the mean of the other
 * M - 1 (anomaly_kind.h). */
#include "anomaly_kind.h"

#include "head.h"

float anomaly_score_centroid(const anomaly_refs *r, const float *x, const anomaly_near *near,
                             int n, float *scratch)
{
    (void)near;
    (void)n;
    if (!r->loo)
        return head_distance(r->head, r->hp, x, r->mean, r->D);
    /* mean of the others [D] = (sum - x) / (M - 1) */
    double inv = 1.0 / (double)(r->M - 1);
    for (int c = 0; c < r->D; c++)
        scratch[c] = (float)((r->sum[c] - x[c]) * inv);
    return head_distance(r->head, r->hp, x, scratch, r->D);
}
