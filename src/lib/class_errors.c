/* class_errors.c - see class_errors.h. */
#include "class_errors.h"

#include <string.h>

void class_errors(class_errors_t *out, const float *d, const pairs_t *p, const uint8_t *labels,
                  float threshold)
{
    memset(out, 0, DATASET_CLASSES * sizeof *out);
    for (size_t i = 0; i < p->n; i++) {
        int a = labels[p->left[i]], b = labels[p->right[i]];
        int joined = d[i] < threshold;
        if (p->same[i]) {
            out[a].same_pairs++;
            out[a].split += !joined;
        } else {
            out[a].diff_pairs++;
            out[b].diff_pairs++;
            if (joined) {
                out[a].joined++;
                out[b].joined++;
                out[a].partner[b]++;
                out[b].partner[a]++;
            }
        }
    }
}

int class_errors_top_partner(const class_errors_t *c)
{
    int best = -1;
    uint64_t most = 0;
    for (int k = 0; k < DATASET_CLASSES; k++) {
        if (c->partner[k] > most) {
            most = c->partner[k];
            best = k;
        }
    }
    return best;
}
