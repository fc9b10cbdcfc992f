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

/* --- Pixel AUROC ------------------------------------------------------------
 * N = n P pixels. Each pixel becomes (key, tag): key orders as its score
 * does (the float's bits, sign folded), tag = type << 1 | truth. */
typedef struct {
    uint32_t key, tag;
} pixel_t;

typedef unsigned __int128 u128;

/* An unsigned key that sorts as the float does (-0 taken as +0). */
static uint32_t order_key(float f)
{
    uint32_t u;
    if (f == 0.0f)
        f = 0.0f;
    memcpy(&u, &f, sizeof u);
    return (u & 0x80000000u) ? ~u : u | 0x80000000u;
}

/* Sorts a [N] by key, least significant byte first; tmp [N] is scratch.
 * A pass whose byte is the same for every pixel is skipped. */
static void radix_sort(pixel_t *a, pixel_t *tmp, size_t N)
{
    pixel_t *src = a, *dst = tmp;
    for (int shift = 0; shift < 32; shift += 8) {
        size_t count[257] = {0};
        for (size_t i = 0; i < N; i++)
            count[((src[i].key >> shift) & 0xffu) + 1]++;
        if (count[((src[0].key >> shift) & 0xffu) + 1] == N)
            continue;
        for (int b = 0; b < 256; b++)
            count[b + 1] += count[b];
        for (size_t i = 0; i < N; i++)
            dst[count[(src[i].key >> shift) & 0xffu]++] = src[i];
        pixel_t *t = src;
        src = dst;
        dst = t;
    }
    if (src != a)
        memcpy(a, src, N * sizeof *a);
}

/* Per-type counters of the sweep, T rows: in the current tie group (pos,
 * neg), below it (pos_below, neg_below), in all (pos_all, neg_all), and
 * twice the area so far of type k >= 1 without the good-against-good
 * part, which is one number (area00). */
typedef struct {
    uint64_t *pos, *neg, *pos_below, *neg_below, *pos_all, *neg_all;
    u128 *area, area00;
    int *touched;
} sweep_t;

/* Adds one tie group's counts to the areas (twice the area, so that a tie's
 * half stays an integer), then moves the group below. For type k, over
 * the pixels of k and of good (0): area(k) = A(k,k) + A(k,0) + A(0,k) +
 * A(0,0), A(a,b) = sum over defect pixels p of a of the normal pixels of b
 * below p (plus half those equal); A(0,k) is summed over k's normal
 * pixels q as the good defect pixels above q (plus half those equal). */
static void sweep_group(sweep_t *s, int nt)
{
    uint64_t g0p = s->pos[0], g0n = s->neg[0];
    s->area00 += (u128)g0p * (2 * s->neg_below[0] + g0n);
    for (int i = 0; i < nt; i++) {
        int k = s->touched[i];
        if (k == 0)
            continue;
        u128 a = (u128)s->pos[k] * (2 * s->neg_below[k] + s->neg[k]);
        a += (u128)s->pos[k] * (2 * s->neg_below[0] + g0n);
        a += (u128)s->neg[k] * (2 * (s->pos_all[0] - s->pos_below[0] - g0p) + g0p);
        s->area[k] += a;
    }
    for (int i = 0; i < nt; i++) {
        int k = s->touched[i];
        s->pos_below[k] += s->pos[k];
        s->neg_below[k] += s->neg[k];
        s->pos[k] = s->neg[k] = 0;
    }
}

/* The sweep over px [N] sorted by key: overall AUROC into r, per type
 * (T = r->ntypes rows, or 1 without types) into r->type_auroc. */
static int pixel_sweep(const pixel_t *px, size_t N, int T, pixel_auroc_t *r, sm_err *e)
{
    sweep_t s;
    memset(&s, 0, sizeof s);
    uint64_t *c = calloc((size_t)T * 6, sizeof *c);
    s.area = calloc((size_t)T, sizeof *s.area);
    s.touched = malloc((size_t)T * sizeof *s.touched);
    if (!c || !s.area || !s.touched) {
        free(c);
        free(s.area);
        free(s.touched);
        return sm_fail(e, "out of memory for the pixel AUROC of %d types", T);
    }
    s.pos = c, s.neg = c + T, s.pos_below = c + 2 * T, s.neg_below = c + 3 * T;
    s.pos_all = c + 4 * T, s.neg_all = c + 5 * T;
    for (size_t i = 0; i < N; i++)
        (px[i].tag & 1u ? s.pos_all : s.neg_all)[px[i].tag >> 1]++;
    u128 area = 0;
    uint64_t below = 0;
    for (size_t i = 0; i < N;) {
        int nt = 0;
        uint64_t dpos = 0, dneg = 0;
        size_t j = i;
        for (; j < N && px[j].key == px[i].key; j++) {
            int k = (int)(px[j].tag >> 1);
            if (s.pos[k] == 0 && s.neg[k] == 0)
                s.touched[nt++] = k;
            px[j].tag & 1u ? (s.pos[k]++, dpos++) : (s.neg[k]++, dneg++);
        }
        area += (u128)dpos * (2 * below + dneg);
        below += dneg;
        sweep_group(&s, nt);
        i = j;
    }
    r->auroc = (double)area / (2.0 * (double)r->pos * (double)r->neg);
    for (int k = 0; k < r->ntypes; k++) {
        double p = (double)(s.pos_all[k] + s.pos_all[0]), q = (double)(s.neg_all[k] + s.neg_all[0]);
        r->type_auroc[k] = k == 0 || p == 0 || q == 0 ? NAN
                                                      : (double)(s.area[k] + s.area00) / (2.0 * p * q);
    }
    free(c);
    free(s.area);
    free(s.touched);
    return 0;
}

void pixel_auroc_free(pixel_auroc_t *r)
{
    free(r->type_auroc);
    memset(r, 0, sizeof *r);
}

int pixel_auroc(const float *score, const uint8_t *truth, size_t n, size_t P, const int *type,
                int ntypes, pixel_auroc_t *r, sm_err *e)
{
    memset(r, 0, sizeof *r);
    if (type && (ntypes < 1 || ntypes > (1 << 30)))
        return sm_fail(e, "pixel AUROC: %d types, expected 1 to %d", ntypes, 1 << 30);
    if (P != 0 && n > SIZE_MAX / P / (2 * sizeof(pixel_t)))
        return sm_fail(e, "pixel AUROC: %zu images of %zu pixels is too many to sort", n, P);
    size_t N = n * P;
    pixel_t *px = malloc((N ? N : 1) * sizeof *px), *tmp = malloc((N ? N : 1) * sizeof *tmp);
    if (!px || !tmp || (type && !(r->type_auroc = calloc((size_t)ntypes, sizeof(double))))) {
        free(px);
        free(tmp);
        return sm_fail(e, "out of memory for the pixel AUROC of %zu pixels (%zu bytes)", N,
                       N * 2 * sizeof *px);
    }
    r->ntypes = type ? ntypes : 0;
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        int k = type ? type[i] : 0;
        if (k < 0 || k >= (type ? ntypes : 1)) {
            rc = sm_fail(e, "pixel AUROC: image %zu has type %d, expected 0 to %d", i, k,
                         ntypes - 1);
            break;
        }
        for (size_t p = 0; p < P; p++) {
            float f = score[i * P + p];
            if (isnan(f)) {
                rc = sm_fail(e, "pixel AUROC: image %zu has a NaN score at pixel %zu", i, p);
                break;
            }
            uint32_t t = truth[i * P + p] ? 1u : 0u;
            px[i * P + p] = (pixel_t){order_key(f), (uint32_t)k << 1 | t};
            t ? r->pos++ : r->neg++;
        }
    }
    if (rc == 0 && (r->pos == 0 || r->neg == 0))
        rc = sm_fail(e, "no pixel AUROC: the masks hold %llu defect and %llu normal pixels",
                     (unsigned long long)r->pos, (unsigned long long)r->neg);
    if (rc == 0) {
        radix_sort(px, tmp, N);
        rc = pixel_sweep(px, N, type ? ntypes : 1, r, e);
    }
    free(px);
    free(tmp);
    if (rc != 0)
        pixel_auroc_free(r);
    return rc;
}
