/* anomaly.c - see anomaly.h. N images, M references, D features; tiles of
 * TN images x TM references. */
#include "anomaly.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "blas_kernels.h"
#include "distance.h"
#include "pool.h"

enum { TN = 256, TM = 2048 };

typedef struct {
    const float *ref, *x;       /* as given: exact distances are taken on these */
    const float *refc, *xc;     /* centred on the references' mean: the SGEMM's */
    size_t M, N;
    int D, loo;
    anomaly_cfg cfg;
    const double *ref_sq, *x_sq; /* [M], [N] squared norms of the centred rows */
    const float *centroid;      /* [D] mean of the references (centroid score) */
    const float *ref_sum;       /* [D] their sum (leave-one-out centroid) */
    float *scores;
    uint32_t *nearest;
    int T;
} job;

static float clamp_dist(float sq)
{
    return sqrtf(sq > DISTANCE_EPS ? sq : DISTANCE_EPS);
}

/* A candidate neighbour: its distance as the SGEMM estimates it. */
typedef struct {
    float d;
    uint32_t i;
} cand;

/* The exact distance of x row xi to reference ri, in double, clamped as
 * the distance head is. */
static float exact_dist(const job *j, const float *xrow, size_t ri)
{
    const float *r = j->ref + ri * (size_t)j->D;
    double s = 0;
    for (int c = 0; c < j->D; c++) {
        double t = (double)xrow[c] - r[c];
        s += t * t;
    }
    return sqrtf((float)(s > DISTANCE_EPS ? s : DISTANCE_EPS));
}

/* Inserts (d, i) into best [k] (ascending; cnt filled so far). */
static void keep_smallest(cand *best, int *cnt, int k, float d, uint32_t i)
{
    int p;
    if (*cnt < k) {
        p = (*cnt)++;
    } else {
        if (d >= best[k - 1].d)
            return;
        p = k - 1;
    }
    while (p > 0 && best[p - 1].d > d) {
        best[p] = best[p - 1];
        p--;
    }
    best[p] = (cand){d, i};
}

static float centroid_dist(const job *j, size_t i)
{
    const float *a = j->x + i * (size_t)j->D;
    double sq = 0;
    if (j->loo) { /* the mean of the other M - 1 references */
        double inv = 1.0 / (double)(j->M - 1);
        for (int c = 0; c < j->D; c++) {
            double m = ((double)j->ref_sum[c] - a[c]) * inv, t = a[c] - m;
            sq += t * t;
        }
    } else {
        for (int c = 0; c < j->D; c++) {
            double t = (double)a[c] - j->centroid[c];
            sq += t * t;
        }
    }
    return clamp_dist((float)sq);
}

static void worker(void *ctx, int t)
{
    job *j = ctx;
    /* The SGEMM only ranks the candidates (k of them, at least 4, for the
     * nearest too); their distances are then taken exactly. */
    int k = j->cfg.score == ANOMALY_KNN ? j->cfg.k : 1;
    int kc = k < 4 ? 4 : k;
    float *dot = malloc((size_t)TN * TM * sizeof *dot);
    cand *best = malloc((size_t)TN * (size_t)kc * sizeof *best);
    int *cnt = malloc(TN * sizeof *cnt);
    if (!dot || !best || !cnt) {
        /* Marked as failed: the caller sees NaN scores. */
        for (size_t i = (size_t)t * TN; i < j->N; i += (size_t)j->T * TN)
            for (size_t r = i; r < i + TN && r < j->N; r++)
                j->scores[r] = NAN;
        goto out;
    }
    for (size_t i0 = (size_t)t * TN; i0 < j->N; i0 += (size_t)j->T * TN) {
        size_t n = j->N - i0 < TN ? j->N - i0 : TN;
        for (size_t r = 0; r < n; r++)
            cnt[r] = 0;
        for (size_t m0 = 0; m0 < j->M; m0 += TM) {
            size_t m = j->M - m0 < TM ? j->M - m0 : TM;
            /* dot [n, m] = x_tile [n, D] . ref_tile [m, D]^T */
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, (int)m, j->D, 1.0f,
                        j->xc + i0 * (size_t)j->D, j->D, j->refc + m0 * (size_t)j->D, j->D,
                        0.0f, dot, (int)m);
            for (size_t r = 0; r < n; r++) {
                size_t gi = i0 + r;
                const float *row = dot + r * m;
                for (size_t c = 0; c < m; c++) {
                    size_t gm = m0 + c;
                    if (j->loo && gm == gi)
                        continue;
                    float d = (float)(j->x_sq[gi] + j->ref_sq[gm] - 2.0 * (double)row[c]);
                    keep_smallest(best + r * (size_t)kc, &cnt[r], kc, d, (uint32_t)gm);
                }
            }
        }
        for (size_t r = 0; r < n; r++) {
            size_t gi = i0 + r;
            cand *b = best + r * (size_t)kc;
            const float *xrow = j->x + gi * (size_t)j->D;
            /* Exact distances of the candidates, re-sorted (ties by index). */
            for (int q = 0; q < cnt[r]; q++)
                b[q].d = exact_dist(j, xrow, b[q].i);
            for (int q = 1; q < cnt[r]; q++)
                for (int p = q; p > 0 && (b[p - 1].d > b[p].d ||
                                          (b[p - 1].d == b[p].d && b[p - 1].i > b[p].i)); p--) {
                    cand t = b[p];
                    b[p] = b[p - 1];
                    b[p - 1] = t;
                }
            j->nearest[gi] = cnt[r] ? b[0].i : 0;
            if (j->cfg.score == ANOMALY_KNN) {
                double s = 0;
                for (int q = 0; q < k && q < cnt[r]; q++)
                    s += b[q].d;
                j->scores[gi] = cnt[r] >= k ? (float)(s / k) : NAN;
            } else {
                j->scores[gi] = centroid_dist(j, gi);
            }
        }
    }
out:
    free(dot);
    free(best);
    free(cnt);
}

/* The rows of a [n, D] minus mean [D] (the SGEMM's inputs: centring keeps
 * |x|^2 + |r|^2 - 2 x.r from cancelling on large, similar images), and
 * their squared norms in double. */
static float *centred(const float *a, size_t n, int D, const float *mean, double **sq)
{
    float *c = malloc((n * (size_t)D + 1) * sizeof *c);
    *sq = malloc((n + 1) * sizeof **sq);
    if (!c || !*sq) {
        free(c);
        free(*sq);
        *sq = NULL;
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        double acc = 0;
        for (int k = 0; k < D; k++) {
            float v = a[i * (size_t)D + (size_t)k] - mean[k];
            c[i * (size_t)D + (size_t)k] = v;
            acc += (double)v * v;
        }
        (*sq)[i] = acc;
    }
    return c;
}

int anomaly_scores(const float *ref, size_t M, const float *x, size_t N, int D,
                   const anomaly_cfg *cfg, int leave_one_out, float *scores, uint32_t *nearest,
                   sm_err *e)
{
    size_t need = leave_one_out ? 2 : 1;
    if (M < need)
        return sm_fail(e, "%zu reference%s: need at least %zu%s", M, M == 1 ? "" : "s", need,
                       leave_one_out ? " to calibrate the threshold (or give --threshold)" : "");
    if (cfg->score == ANOMALY_KNN && (cfg->k < 1 || (size_t)cfg->k > M - (need - 1)))
        return sm_fail(e, "k = %d neighbours, but there are %zu references to choose from%s",
                       cfg->k, M - (need - 1),
                       leave_one_out ? " when each reference is scored against the others to "
                                       "calibrate the threshold (a smaller --k, or give "
                                       "--threshold)" : "");
    job j = {ref, x, NULL, NULL, M, N, D, leave_one_out, *cfg, NULL, NULL, NULL, NULL, scores,
             nearest, 1};
    j.T = cfg->threads < 1 ? 1 : cfg->threads;
    if ((size_t)j.T > (N + TN - 1) / TN)
        j.T = (int)((N + TN - 1) / TN);
    if (j.T < 1)
        j.T = 1;
    float *sum = calloc((size_t)D, sizeof *sum), *mean = calloc((size_t)D, sizeof *mean);
    double *ref_sq = NULL, *x_sq = NULL;
    float *refc = NULL, *xc = NULL;
    int rc = 0;
    pool_t *pool = NULL;
    if (!sum || !mean)
        rc = sm_fail(e, "out of memory scoring %zu images", N);
    if (rc == 0) {
        /* The sum in double, in reference order: one fixed order. */
        for (int c = 0; c < D; c++) {
            double s = 0;
            for (size_t i = 0; i < M; i++)
                s += ref[i * (size_t)D + (size_t)c];
            sum[c] = (float)s;
            mean[c] = (float)(s / (double)M);
        }
        refc = centred(ref, M, D, mean, &ref_sq);
        if (leave_one_out) {
            xc = refc;
            x_sq = ref_sq;
        } else {
            xc = centred(x, N, D, mean, &x_sq);
        }
        if (!refc || !xc)
            rc = sm_fail(e, "out of memory scoring %zu images", N);
    }
    if (rc == 0) {
        j.refc = refc;
        j.xc = xc;
        j.ref_sq = ref_sq;
        j.x_sq = x_sq;
        j.centroid = mean;
        j.ref_sum = sum;
        if (!(pool = pool_create(j.T, e)))
            rc = -1;
    }
    if (rc == 0 && N > 0) {
        blas_set_threads(1); /* the workers are the parallelism */
        pool_run(pool, worker, &j);
        for (size_t i = 0; i < N && rc == 0; i++)
            if (isnan(scores[i]))
                rc = sm_fail(e, "out of memory scoring %zu images", N);
    }
    pool_destroy(pool);
    if (xc != refc) {
        free(xc);
        free(x_sq);
    }
    free(refc);
    free(ref_sq);
    free(sum);
    free(mean);
    return rc;
}

static int by_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

float anomaly_quantile(const float *v, size_t n, double q)
{
    float *s = malloc(n * sizeof *s);
    if (!s)
        return NAN;
    memcpy(s, v, n * sizeof *s);
    qsort(s, n, sizeof *s, by_float);
    double pos = q * (double)(n - 1);
    size_t lo = (size_t)pos;
    size_t hi = lo + 1 < n ? lo + 1 : lo;
    float r = (float)((double)s[lo] + (pos - (double)lo) * ((double)s[hi] - (double)s[lo]));
    free(s);
    return r;
}
