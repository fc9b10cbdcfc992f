/* score_knn.c - the knn score: the mean head distance to the k nearest
 * references (anomaly_kind.h). */
#include "anomaly_kind.h"

float anomaly_score_knn(const anomaly_refs *r, const float *x, const anomaly_near *near, int n,
                        float *scratch)
{
    (void)x;
    (void)scratch;
    double s = 0;
    for (int q = 0; q < r->k && q < n; q++)
        s += near[q].d;
    return (float)(s / r->k);
}
