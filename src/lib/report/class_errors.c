/* class_errors.c - see class_errors.h. */
#include "class_errors.h"

#include <stdlib.h>
#include <string.h>

void class_errors_free(class_errors_t *ce, int C)
{
    for (int k = 0; ce && k < C; k++)
        free(ce[k].partner);
    free(ce);
}

int class_errors(class_errors_t **outp, int C, const float *d, const pairs_t *p,
                 const uint16_t *labels, float threshold, sm_err *e)
{
    class_errors_t *out = calloc((size_t)C, sizeof *out);
    for (int k = 0; out && k < C; k++)
        if (!(out[k].partner = calloc((size_t)C, sizeof *out[k].partner))) {
            class_errors_free(out, C);
            out = NULL;
        }
    *outp = out;
    if (!out)
        return sm_fail(e, "out of memory for the errors of %d classes", C);
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
    return 0;
}

int class_errors_top_partner(const class_errors_t *c, int C)
{
    int best = -1;
    uint64_t most = 0;
    for (int k = 0; k < C; k++) {
        if (c->partner[k] > most) {
            most = c->partner[k];
            best = k;
        }
    }
    return best;
}
