/* coreset.c - see coreset.h. T points of C features, projected to d =
 * PATCH_PROJECT (or fewer when C is smaller); CB points a block, SB blocks
 * a group, nb blocks, ng groups. */
#include "coreset.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pool.h"
#include "simd.h"

/* The coreset compares points of more features on this many (projection). */
#define PATCH_PROJECT 16

/* ---- the coreset ----
 * The points are put in a spatial order first (a k-d split: each segment
 * cut at a multiple of CB points, on the feature of the widest range, by
 * (value, index)), then held in blocks of CB: soa [nb, 16, CB], a block's
 * CB values of one feature side by side. A round's update (each point's
 * squared distance to the new pick, then its minimum with the distance to
 * the picks before) is element-wise over the CB points of a block: the
 * same IEEE operations in the same order for every point on any CPU
 * (SM_VECTOR), in float, on 16 features (fewer are padded with zeros: they
 * add exact zeros). A block is skipped when the triangle inequality says
 * no point of it can come nearer: (|pick - centre| - radius)^2 above its
 * largest minimum by a margin (1e-4 relative) far beyond float's rounding
 * of a sum of 16 squares (about 2e-6), so skipping never changes a pick. */

enum { CB = 16, SB = 16 /* blocks a group */ };

typedef double vsb __attribute__((vector_size(SB * sizeof(double))));

/* Half a block: the CB / 2 lanes AVX2 holds in one register. */
typedef float vh __attribute__((vector_size(CB / 2 * sizeof(float))));
typedef int32_t ih __attribute__((vector_size(CB / 2 * sizeof(float))));

/* mind [nb * CB] = min(mind, |soa point - q|^2) for nb blocks, the sum in
 * feature order; bmax [nb] = each block's largest minimum (distances, -1
 * for picked points: never NaN, so the largest is one value whatever
 * order the lanes are compared in: the halves lane by lane, then a tree).
 * A picked point holds -1 and keeps it (no distance is below). The sizes
 * are constants so that the lanes, not the blocks, are vectorised, half a
 * block at a time. */
SM_VECTOR static void coreset_update(float *restrict mind, float *restrict bmax,
                                     const float *restrict soa, const float *restrict q,
                                     size_t nb)
{
    for (size_t b = 0; b < nb; b++) {
        const float *blk = soa + b * PATCH_PROJECT * CB;
        vh half[2];
        for (int h = 0; h < 2; h++) {
            vh acc = {0}, m, t;
            for (int k = 0; k < PATCH_PROJECT; k++) {
                memcpy(&t, blk + k * CB + h * (CB / 2), sizeof t);
                t = t - q[k];
                acc = acc + t * t;
            }
            memcpy(&m, mind + b * CB + h * (CB / 2), sizeof m);
            ih lt = acc < m, ia, im;
            memcpy(&ia, &acc, sizeof ia);
            memcpy(&im, &m, sizeof im);
            im = (lt & ia) | (~lt & im);
            memcpy(mind + b * CB + h * (CB / 2), &im, sizeof im);
            memcpy(&half[h], &im, sizeof im);
        }
        ih gt = half[0] > half[1], i0, i1;
        memcpy(&i0, &half[0], sizeof i0);
        memcpy(&i1, &half[1], sizeof i1);
        i0 = (gt & i0) | (~gt & i1);
        float a[CB / 2];
        memcpy(a, &i0, sizeof a);
        for (int w = CB / 4; w >= 1; w /= 2)
            for (int l = 0; l < w; l++)
                a[l] = a[l] > a[l + w] ? a[l] : a[l + w];
        bmax[b] = a[0];
    }
}

typedef struct {
    const float *soa;    /* [nb, PATCH_PROJECT, CB] the points in blocks, zero-padded */
    const double *bcen;  /* [ng, PATCH_PROJECT, SB] the blocks' centres, a group's side by side */
    const double *brad;  /* [ng * SB] their radii: no point of a block is farther from its centre */
    const double *gcen;  /* [ng, PATCH_PROJECT] the groups' centres */
    const double *grad;  /* [ng] their radii */
    const uint32_t *idx; /* [nb * CB] the point at each place (padding: UINT32_MAX) */
    float *mind;         /* [nb * CB] squared distance to the nearest pick; -1: picked or padding */
    float *bmax;         /* [ng * SB] each block's largest mind; -1: padding */
    float *gmax;         /* [ng] each group's (ng = nb / SB rounded up) */
    const float *pick;   /* [PATCH_PROJECT] the round's pick, padded with zeros */
    size_t nb;
    int nt;
    size_t best[256];    /* per thread: the place of its farthest point, (size_t)-1 for none */
} coreset_job;

/* Whether a group of SB blocks of centre cen [16], radius rad and largest
 * minimum mx can be left out of this round (see above). */
static int skips(const float *pick, const double *cen, double rad, float mx)
{
    if (mx < 0)
        return 1;
    double s = 0;
    for (int k = 0; k < PATCH_PROJECT; k++) {
        double v = (double)pick[k] - cen[k];
        s += v * v;
    }
    double lower = sqrt(s) - rad;
    return lower > 0 && lower * lower * (1 - 1e-4) > (double)mx;
}

/* skip [SB] = skips() of each block of a group, of centres cen [16, SB],
 * radii rad [SB] and largest minima mx [SB]: the same operations in the
 * same order, lane by lane (the blocks side by side), so the same
 * answers. */
SM_VECTOR static void block_skips(int *restrict skip, const float *restrict pick,
                                  const double *restrict cen, const double *restrict rad,
                                  const float *restrict mx)
{
    vsb s = {0}, c, v;
    for (int k = 0; k < PATCH_PROJECT; k++) {
        memcpy(&c, cen + k * SB, sizeof c);
        v = (double)pick[k] - c;
        s = s + v * v;
    }
    double sl[SB];
    memcpy(sl, &s, sizeof sl);
    for (int l = 0; l < SB; l++) {
        double lower = sqrt(sl[l]) - rad[l];
        skip[l] = (mx[l] < 0) | ((lower > 0) & (lower * lower * (1 - 1e-4) > (double)mx[l]));
    }
}

/* Thread t's groups of blocks (every nt-th: near groups are skipped or
 * not alike, so the threads get even work): their blocks' update (runs of
 * blocks not skipped at once) and their largest minimum, then its
 * farthest point (ties: the lowest index). */
static void coreset_worker(void *ctx, int t)
{
    coreset_job *j = ctx;
    size_t ng = (j->nb + SB - 1) / SB, step = (size_t)j->nt;
    j->best[t] = (size_t)-1;
    int skip[SB + 1];
    for (size_t g = (size_t)t; g < ng; g += step) {
        if (skips(j->pick, j->gcen + g * PATCH_PROJECT, j->grad[g], j->gmax[g]))
            continue;
        size_t hi = (g + 1) * SB < j->nb ? (g + 1) * SB : j->nb;
        block_skips(skip, j->pick, j->bcen + g * PATCH_PROJECT * SB, j->brad + g * SB,
                    j->bmax + g * SB);
        skip[hi - g * SB] = 1;
        for (size_t b = g * SB; b < hi;) {
            size_t run = b;
            while (!skip[run - g * SB])
                run++;
            if (run > b)
                coreset_update(j->mind + b * CB, j->bmax + b, j->soa + b * PATCH_PROJECT * CB,
                               j->pick, run - b);
            b = run + 1;
        }
        float mx = -2;
        for (size_t b = g * SB; b < hi; b++)
            mx = j->bmax[b] > mx ? j->bmax[b] : mx;
        j->gmax[g] = mx;
    }
    float far = -1;
    size_t best = (size_t)-1;
    for (size_t g = (size_t)t; g < ng; g += step) {
        if (j->gmax[g] < far || j->gmax[g] < 0)
            continue;
        size_t hi = (g + 1) * SB < j->nb ? (g + 1) * SB : j->nb;
        for (size_t b = g * SB; b < hi; b++) {
            if (j->bmax[b] < far || j->bmax[b] < 0)
                continue;
            for (size_t l = b * CB; l < (b + 1) * CB; l++)
                if (j->mind[l] == j->bmax[b] &&
                    (j->bmax[b] > far || best == (size_t)-1 || j->idx[l] < j->idx[best])) {
                    far = j->bmax[b];
                    best = l;
                }
        }
    }
    j->best[t] = best;
}

/* The point of pts [T, d] farthest from their mean (double; ties: the
 * lowest index). */
static size_t farthest_from_mean(const float *pts, size_t T, int d)
{
    double mean[PATCH_PROJECT] = {0}, best = -1;
    size_t cur = 0;
    for (int k = 0; k < d; k++) {
        for (size_t i = 0; i < T; i++)
            mean[k] += pts[i * (size_t)d + (size_t)k];
        mean[k] /= (double)T;
    }
    for (size_t i = 0; i < T; i++) {
        double s = 0;
        for (int k = 0; k < d; k++) {
            double v = pts[i * (size_t)d + (size_t)k] - mean[k];
            s += v * v;
        }
        if (s > best) {
            best = s;
            cur = i;
        }
    }
    return cur;
}

/* ---- the k-d order ----
 * A segment's split reads its points' rows once (the ranges of all d
 * features in one pass) and then selects on keys copied side by side: kv
 * [T] the values on the split's feature, ki [T] the points, at the places
 * of ix (scratch the caller lends: the distances and the places, not yet
 * in use). The select makes the same swaps as on ix itself, so the order
 * is the one a select through ix gives; segments below the first splits
 * are ordered on the pool's threads, each alone, so the order never
 * depends on the thread count either. */

typedef struct {
    uint32_t *ix;        /* [T] the order being made */
    const float *pts;    /* [T, d] */
    int d;
    float *kv;           /* [T] scratch: keys' values */
    uint32_t *ki;        /* [T] scratch: keys' points */
    size_t seg[2 * 64];  /* the top segments: lo, hi of each */
    int nseg, nt;
} kd_job;

/* Key (x, a) before key (y, b): by value, then by point index. */
static int before(float x, uint32_t a, float y, uint32_t b)
{
    return x < y || (x == y && a < b);
}

/* Rearranges the keys kv, ki [lo, hi) so that the one at place m is where
 * it would be in order, none before it after it, none after it before
 * (quickselect, the middle place's key as pivot). */
static void select_at(float *kv, uint32_t *ki, size_t lo, size_t hi, size_t m)
{
    while (hi - lo > 1) {
        float pv = kv[lo + (hi - lo) / 2], tv;
        uint32_t pi = ki[lo + (hi - lo) / 2], ti;
        size_t lt = lo, i = lo, gt = hi; /* [lo, lt) before, [lt, i) pivot, [gt, hi) after */
        while (i < gt) {
            size_t to = i;
            if (before(kv[i], ki[i], pv, pi))
                to = lt++;
            else if (before(pv, pi, kv[i], ki[i]))
                to = --gt;
            tv = kv[to], kv[to] = kv[i], kv[i] = tv;
            ti = ki[to], ki[to] = ki[i], ki[i] = ti;
            i += to != gt; /* an element from the end has not been looked at */
        }
        if (m < lt)
            hi = lt;
        else if (m >= gt)
            lo = gt;
        else
            return;
    }
}

/* mn, mx [d] = the least and largest value of each feature of the points
 * ix [lo, hi) of pts [T, d]: one pass, the rows asked for a few points
 * ahead (they lie anywhere in the T rows). */
static inline __attribute__((always_inline)) void ranges(float *mn, float *mx,
                                                         const uint32_t *ix, size_t lo,
                                                         size_t hi, const float *pts,
                                                         const int d)
{
    for (int c = 0; c < d; c++)
        mn[c] = INFINITY, mx[c] = -INFINITY;
    for (size_t i = lo; i < hi; i++) {
        if (i + 8 < hi)
            __builtin_prefetch(pts + (size_t)ix[i + 8] * d);
        const float *p = pts + (size_t)ix[i] * d;
        for (int c = 0; c < d; c++) {
            mn[c] = p[c] < mn[c] ? p[c] : mn[c];
            mx[c] = p[c] > mx[c] ? p[c] : mx[c];
        }
    }
}

/* One split of ix [lo, hi): on the feature of the widest range (the
 * first of equals), the point of place mid (a multiple of CB from lo) at
 * its place in (value, index) order. Returns mid. */
static size_t kd_split(const kd_job *j, size_t lo, size_t hi)
{
    const int d = j->d;
    float mn[PATCH_PROJECT], mx[PATCH_PROJECT], wide = -1;
    int k = 0;
    if (d == PATCH_PROJECT) /* the projected points: the loop on registers */
        ranges(mn, mx, j->ix, lo, hi, j->pts, PATCH_PROJECT);
    else
        ranges(mn, mx, j->ix, lo, hi, j->pts, d);
    for (int c = 0; c < d; c++)
        if (mx[c] - mn[c] > wide) {
            wide = mx[c] - mn[c];
            k = c;
        }
    size_t blocks = (hi - lo + CB - 1) / CB, mid = lo + blocks / 2 * CB;
    for (size_t i = lo; i < hi; i++) {
        if (i + 8 < hi)
            __builtin_prefetch(j->pts + (size_t)j->ix[i + 8] * d + k);
        j->ki[i] = j->ix[i];
        j->kv[i] = j->pts[(size_t)j->ix[i] * d + k];
    }
    select_at(j->kv, j->ki, lo, hi, mid);
    memcpy(j->ix + lo, j->ki + lo, (hi - lo) * sizeof *j->ix);
    return mid;
}

/* The spatial order of ix [lo, hi): k-d splits at multiples of CB. */
static void kd_order(const kd_job *j, size_t lo, size_t hi)
{
    while (hi - lo > CB) {
        size_t mid = kd_split(j, lo, hi);
        kd_order(j, lo, mid);
        lo = mid;
    }
}

/* Thread t orders the top segments t, t + nt, ... */
static void kd_worker(void *ctx, int t)
{
    kd_job *j = ctx;
    for (int s = t; s < j->nseg; s += j->nt)
        kd_order(j, j->seg[2 * s], j->seg[2 * s + 1]);
}

/* ix [T] = the k-d order of pts [T, d]: the splits of the top levels
 * here, until there is a segment a thread (each level is one pass over
 * the points), then the segments on the pool's nt threads. */
static void kd_parallel(uint32_t *ix, size_t T, const float *pts, int d, float *kv,
                        uint32_t *ki, pool_t *pool, int nt)
{
    kd_job j = {ix, pts, d, kv, ki, {0, T}, 1, nt};
    while (j.nseg < nt && 2 * j.nseg <= 64) {
        int n = 0;
        size_t next[2 * 64];
        for (int s = 0; s < j.nseg; s++) {
            size_t lo = j.seg[2 * s], hi = j.seg[2 * s + 1];
            size_t mid = hi - lo > CB ? kd_split(&j, lo, hi) : hi;
            next[2 * n] = lo, next[2 * n + 1] = mid, n++;
            if (mid < hi)
                next[2 * n] = mid, next[2 * n + 1] = hi, n++;
        }
        if (n == j.nseg)
            break;
        memcpy(j.seg, next, 2 * (size_t)n * sizeof *next);
        j.nseg = n;
    }
    pool_run(pool, kd_worker, &j);
}

/* cen [16] and rad: the centre (mean) of the points idx [lo, hi) of pts
 * [T, d] that are points (< T; padding is not), and their largest
 * distance to it (double, rounded up). */
static void sphere(double *cen, double *rad, const uint32_t *idx, size_t lo, size_t hi,
                   const float *pts, size_t T, int d)
{
    double r = 0;
    int n = 0;
    for (int k = 0; k < PATCH_PROJECT; k++)
        cen[k] = 0;
    for (size_t a = lo; a < hi; a++)
        if (idx[a] < T) {
            for (int k = 0; k < d; k++)
                cen[k] += pts[(size_t)idx[a] * d + k];
            n++;
        }
    for (int k = 0; k < d && n; k++)
        cen[k] /= n;
    for (size_t a = lo; a < hi; a++) {
        if (idx[a] >= T)
            continue;
        double s = 0;
        for (int k = 0; k < PATCH_PROJECT; k++) {
            double v = (k < d ? pts[(size_t)idx[a] * d + k] : 0) - cen[k];
            s += v * v;
        }
        r = s > r ? s : r;
    }
    *rad = sqrt(r) * (1 + 1e-9);
}

/* What make_blocks writes, from the points pts [T, d] in the order idx
 * [nb * CB]: soa, the centres and radii of the blocks (bcen, brad; a
 * group's padding blocks: centre 0, radius 0) and of the groups (gcen,
 * grad); mind INFINITY, padding -1; bmax INFINITY, padding blocks -1. */
typedef struct {
    float *soa, *mind, *bmax;
    double *bcen, *brad, *gcen, *grad;
    const uint32_t *idx;
    const float *pts;
    size_t T, nb;
    int d, nt;
} blocks_job;

/* Group g's blocks and its sphere. */
static void make_group(const blocks_job *j, size_t g)
{
    const size_t T = j->T;
    const int d = j->d;
    for (size_t b = g * SB; b < (g + 1) * SB; b++) {
        double cen[PATCH_PROJECT] = {0}, rad = 0;
        size_t l = b % SB;
        j->bmax[b] = b < j->nb ? INFINITY : -1;
        for (size_t a = b * CB; b < j->nb && a < (b + 1) * CB; a++) {
            uint32_t i = j->idx[a];
            j->mind[a] = i < T ? INFINITY : -1; /* padding is never picked */
            for (int k = 0; k < PATCH_PROJECT; k++)
                j->soa[(b * PATCH_PROJECT + (size_t)k) * CB + a % CB] =
                    i < T && k < d ? j->pts[(size_t)i * d + k] : 0;
        }
        if (b < j->nb)
            sphere(cen, &rad, j->idx, b * CB, (b + 1) * CB, j->pts, T, d);
        for (int k = 0; k < PATCH_PROJECT; k++)
            j->bcen[(g * PATCH_PROJECT + (size_t)k) * SB + l] = cen[k];
        j->brad[b] = rad;
    }
    size_t hi = (g + 1) * SB * CB < j->nb * CB ? (g + 1) * SB * CB : j->nb * CB;
    sphere(j->gcen + g * PATCH_PROJECT, j->grad + g, j->idx, g * SB * CB, hi, j->pts, T, d);
}

/* Thread t makes the groups t, t + nt, ... (each alone: the same bytes
 * for any thread count). */
static void blocks_worker(void *ctx, int t)
{
    const blocks_job *j = ctx;
    size_t ng = (j->nb + SB - 1) / SB;
    for (size_t g = (size_t)t; g < ng; g += (size_t)j->nt)
        make_group(j, g);
}

/* The picks sel [n] of the greedy on the blocks of j, the first at place
 * cur: each round's pick (pts [T, d] padded with zeros) to every thread,
 * then the farthest of the threads' farthest (ties: the lowest index). */
static void rounds(coreset_job *j, pool_t *pool, uint32_t *sel, size_t n, size_t cur,
                   const float *pts, int d)
{
    float q[PATCH_PROJECT] = {0};
    j->pick = q;
    for (size_t t = 0; t < n; t++) {
        sel[t] = j->idx[cur];
        j->mind[cur] = -1;
        if (t + 1 == n)
            break;
        memcpy(q, pts + (size_t)j->idx[cur] * d, (size_t)d * sizeof *q);
        pool_run(pool, coreset_worker, j);
        size_t best = (size_t)-1;
        for (int w = 0; w < j->nt; w++) {
            size_t c = j->best[w];
            if (c != (size_t)-1 && (best == (size_t)-1 || j->mind[c] > j->mind[best] ||
                                    (j->mind[c] == j->mind[best] && j->idx[c] < j->idx[best])))
                best = c;
        }
        cur = best;
    }
    j->pick = NULL;
}

/* The greedy on pts [T, d], d <= PATCH_PROJECT. */
static int greedy(uint32_t *sel, size_t n, const float *pts, size_t T, int d, int threads,
                  sm_err *e)
{
    coreset_job j;
    memset(&j, 0, sizeof j);
    if (n > T)
        return sm_fail(e, "a coreset of %zu from %zu points", n, T);
    if (n == 0)
        return 0;
    j.nb = (T + CB - 1) / CB;
    j.nt = threads < 1 ? 1 : threads > 256 ? 256 : threads;
    if ((size_t)j.nt > j.nb / 256 + 1) /* a few thousand points a thread at least */
        j.nt = (int)(j.nb / 256 + 1);
    float *soa = malloc(j.nb * PATCH_PROJECT * CB * sizeof *soa);
    size_t ng = (j.nb + SB - 1) / SB;
    double *bcen = malloc(ng * SB * PATCH_PROJECT * sizeof *bcen);
    double *brad = malloc(ng * SB * sizeof *brad);
    double *gcen = malloc(ng * PATCH_PROJECT * sizeof *gcen), *grad = malloc(ng * sizeof *grad);
    uint32_t *idx = malloc(j.nb * CB * sizeof *idx), *place = malloc(T * sizeof *place);
    float *mind = malloc(j.nb * CB * sizeof *mind), *bmax = malloc(ng * SB * sizeof *bmax);
    float *gmax = malloc(ng * sizeof *gmax);
    pool_t *pool = NULL;
    int rc = 0;
    if (!soa || !bcen || !brad || !gcen || !grad || !idx || !place || !mind || !bmax || !gmax)
        rc = sm_fail(e, "out of memory for the coreset of %zu positions (%.0f MiB): a smaller "
                     "--bank does not help here; use fewer references or a later layer", T,
                     (double)T * PATCH_CORESET_BYTES / 1048576.0);
    else if (!(pool = pool_create(j.nt, e)))
        rc = -1;
    if (rc == 0) {
        for (size_t i = 0; i < j.nb * CB; i++)
            idx[i] = i < T ? (uint32_t)i : UINT32_MAX;
        kd_parallel(idx, T, pts, d, mind, place, pool, j.nt); /* lent: not yet in use */
        for (size_t i = 0; i < T; i++)
            place[idx[i]] = (uint32_t)i;
        blocks_job bj = {soa, mind, bmax, bcen, brad, gcen, grad, idx, pts, T, j.nb, d, j.nt};
        pool_run(pool, blocks_worker, &bj);
        for (size_t g = 0; g < ng; g++)
            gmax[g] = INFINITY;
        j.gmax = gmax;
        j.soa = soa;
        j.bcen = bcen;
        j.brad = brad;
        j.gcen = gcen;
        j.grad = grad;
        j.idx = idx;
        j.mind = mind;
        j.bmax = bmax;
        rounds(&j, pool, sel, n, place[farthest_from_mean(pts, T, d)], pts, d);
    }
    pool_destroy(pool);
    free(soa);
    free(bcen);
    free(brad);
    free(gcen);
    free(grad);
    free(idx);
    free(place);
    free(mind);
    free(bmax);
    free(gmax);
    return rc;
}

/* A fixed sparse random projection (Achlioptas 2003: entries +1, 0, -1
 * with probabilities 1/6, 2/3, 1/6, from splitmix64 of the entry's index,
 * no seed): rt [C, d], as gemm's B. */
static void projection(float *rt, int C, int d)
{
    for (uint64_t i = 0; i < (uint64_t)C * (uint64_t)d; i++) {
        uint64_t z = (i + 1) * 0x9E3779B97F4A7C15ull;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        z ^= z >> 31;
        unsigned v = (unsigned)(z % 6);
        rt[i] = v == 0 ? 1.0f : v == 1 ? -1.0f : 0.0f;
    }
}

int coreset_pick(uint32_t *sel, size_t n, const float *pts, size_t T, int C, int threads,
                 kernels_path kernels, sm_err *e)
{
    if (C <= PATCH_PROJECT)
        return greedy(sel, n, pts, T, C, threads, e);
    /* Each round streams every point: on PATCH_PROJECT dims, not C, as
     * PatchCore's own coreset does (a random projection keeps distances
     * within a small factor, Johnson-Lindenstrauss). */
    kernels_path kp;
    if (kernels_resolve(kernels, &kp, e) != 0)
        return -1;
    float *rt = malloc((size_t)C * PATCH_PROJECT * sizeof *rt);
    float *low = malloc((T * PATCH_PROJECT + 1) * sizeof *low);
    if (!rt || !low) {
        free(rt);
        free(low);
        return sm_fail(e, "out of memory for the coreset of %zu positions", T);
    }
    projection(rt, C, PATCH_PROJECT);
    /* low [T, d] = pts [T, C] . rt [C, d], in row blocks (any split: the
     * same bits on the exact paths) */
    for (size_t i0 = 0; i0 < T; i0 += 65536) {
        size_t m = T - i0 < 65536 ? T - i0 : 65536;
        gemm(kp, (int)m, PATCH_PROJECT, C, pts + i0 * (size_t)C, C, 1, rt, PATCH_PROJECT,
             low + i0 * PATCH_PROJECT, PATCH_PROJECT, NULL, 0);
    }
    int rc = greedy(sel, n, low, T, PATCH_PROJECT, threads, e);
    free(rt);
    free(low);
    return rc;
}
