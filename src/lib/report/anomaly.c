/* anomaly.c - see anomaly.h. N images, M references, D features; tiles of
 * TN images x TM references. */
#include "anomaly.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "anomaly_kind.h"
#include "pool.h"

enum { TN = 256, TM = 2048 };

typedef struct {
    const float *ref, *x;       /* as given: the head's distances are taken on these */
    const float *xk;            /* [N, D] the images as the ranking product takes them */
    const float *refk_t;        /* [D, M] the references so, transposed (gemm's B) */
    size_t M, N;
    int D, loo, ranked;         /* ranked: candidates come from the product */
    anomaly_cfg cfg;
    kernels_path kp;            /* resolved */
    const double *ref_sq, *x_sq; /* [M], [N] squared norms of the centred rows (euclidean) */
    const anomaly_kind *kind;   /* the score's row */
    anomaly_refs refs;          /* what the score reads: k, the references' mean and sum */
    float *scores;
    uint32_t *nearest;
    int T;
    int *failed;                /* [T] a worker that ran out of memory */
} job;

/* A candidate neighbour: its distance (first the ranking's estimate). */
typedef anomaly_near cand;

static float dist(const job *j, const float *a, const float *b)
{
    return head_distance(j->cfg.head, j->cfg.hp, a, b, j->D);
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

static void worker(void *ctx, int t)
{
    job *j = ctx;
    /* The product only ranks the candidates (k + 3 of them: spares against
     * its rounding); their distances are then the head's own. Heads
     * without a product form (manhattan, learned) take every reference's
     * distance directly. */
    int k = j->refs.k;
    int kc = k + 3; /* spares against the ranking's rounding */
    float *dot = j->ranked ? malloc((size_t)TN * TM * sizeof *dot) : NULL;
    cand *best = malloc((size_t)TN * (size_t)kc * sizeof *best);
    int *cnt = malloc(TN * sizeof *cnt);
    float *mean = malloc(((size_t)j->D + 1) * sizeof *mean);
    if ((j->ranked && !dot) || !best || !cnt || !mean) {
        j->failed[t] = 1;
        goto out;
    }
    for (size_t i0 = (size_t)t * TN; i0 < j->N; i0 += (size_t)j->T * TN) {
        size_t n = j->N - i0 < TN ? j->N - i0 : TN;
        for (size_t r = 0; r < n; r++)
            cnt[r] = 0;
        for (size_t m0 = 0; m0 < j->M; m0 += TM) {
            size_t m = j->M - m0 < TM ? j->M - m0 : TM;
            if (j->ranked) /* dot [n, m] = x_tile [n, D] . ref_tile [m, D]^T */
                gemm(j->kp, (int)n, (int)m, j->D, j->xk + i0 * (size_t)j->D, j->D, 1,
                     j->refk_t + m0, (int)j->M, dot, (int)m, NULL, 0);
            for (size_t r = 0; r < n; r++) {
                size_t gi = i0 + r;
                const float *row = j->ranked ? dot + r * m : NULL;
                for (size_t c = 0; c < m; c++) {
                    size_t gm = m0 + c;
                    if (j->loo && gm == gi)
                        continue;
                    float d;
                    if (!j->ranked)
                        d = dist(j, j->x + gi * (size_t)j->D, j->ref + gm * (size_t)j->D);
                    else if (j->cfg.head == HEAD_COSINE) /* rows of norm 1: 1 - cos */
                        d = 1.0f - row[c];
                    else
                        d = (float)(j->x_sq[gi] + j->ref_sq[gm] - 2.0 * (double)row[c]);
                    keep_smallest(best + r * (size_t)kc, &cnt[r], kc, d, (uint32_t)gm);
                }
            }
        }
        for (size_t r = 0; r < n; r++) {
            size_t gi = i0 + r;
            cand *b = best + r * (size_t)kc;
            const float *xrow = j->x + gi * (size_t)j->D;
            /* The head's distances of the candidates, re-sorted (ties by
             * index). */
            for (int q = 0; j->ranked && q < cnt[r]; q++)
                b[q].d = dist(j, xrow, j->ref + (size_t)b[q].i * j->D);
            for (int q = 1; q < cnt[r]; q++)
                for (int p = q; p > 0 && (b[p - 1].d > b[p].d ||
                                          (b[p - 1].d == b[p].d && b[p - 1].i > b[p].i)); p--) {
                    cand tmp = b[p];
                    b[p] = b[p - 1];
                    b[p - 1] = tmp;
                }
            j->nearest[gi] = cnt[r] ? b[0].i : 0;
            j->scores[gi] = j->kind->score(&j->refs, xrow, b, cnt[r], mean);
        }
    }
out:
    free(dot);
    free(best);
    free(cnt);
    free(mean);
}

/* The rows of a [n, D] as the ranking product takes them, into out [n, D]
 * (and, for the euclidean ranking, their squared norms in double, sq [n]):
 * euclidean: minus mean [D] (centring keeps |x|^2 + |r|^2 - 2 x.r from
 * cancelling on large, similar images); cosine: divided by their norm,
 * taken on the row scaled by its largest |value| (no overflow; a zero row
 * stays zero). */
static void prepare(const float *a, size_t n, int D, uint32_t head, const float *mean,
                    float *out, double *sq)
{
    for (size_t i = 0; i < n; i++) {
        const float *row = a + i * (size_t)D;
        float *o = out + i * (size_t)D;
        if (head == HEAD_COSINE) {
            double mx = 0, s = 0;
            for (int k = 0; k < D; k++)
                mx = fabs((double)row[k]) > mx ? fabs((double)row[k]) : mx;
            for (int k = 0; mx > 0 && k < D; k++)
                s += (row[k] / mx) * (row[k] / mx);
            double inv = mx > 0 ? 1.0 / (sqrt(s) * mx) : 0;
            for (int k = 0; k < D; k++)
                o[k] = (float)(row[k] * inv);
        } else {
            double acc = 0;
            for (int k = 0; k < D; k++) {
                float v = row[k] - mean[k];
                o[k] = v;
                acc += (double)v * v;
            }
            sq[i] = acc;
        }
    }
}

/* out [D, n] = a [n, D] transposed. */
static void transpose(const float *a, size_t n, int D, float *out)
{
    for (size_t i = 0; i < n; i++)
        for (int k = 0; k < D; k++)
            out[(size_t)k * n + i] = a[i * (size_t)D + (size_t)k];
}

/* The score's row for cfg, or NULL with e set when there are not enough
 * references for it (M of them; need 2 with leave-one-out). */
static const anomaly_kind *kind_for(const anomaly_cfg *cfg, size_t M, int leave_one_out,
                                    sm_err *e)
{
    size_t need = leave_one_out ? 2 : 1;
    if (M < need) {
        sm_fail(e, "%zu reference%s: need at least %zu%s", M, M == 1 ? "" : "s", need,
                leave_one_out ? " to calibrate the threshold (or give --threshold)" : "");
        return NULL;
    }
    if ((size_t)cfg->score >= anomaly_n_kinds) {
        sm_fail(e, "score %d: there are %zu kinds of score", (int)cfg->score, anomaly_n_kinds);
        return NULL;
    }
    const anomaly_kind *kind = &anomaly_kinds[cfg->score];
    if (kind->positions) {
        sm_fail(e, "score %s compares positions: patch.h scores it", kind->name);
        return NULL;
    }
    if (kind->uses_k && (cfg->k < 1 || (size_t)cfg->k > M - (need - 1))) {
        sm_fail(e, "k = %d neighbours, but there are %zu references to choose from%s", cfg->k,
                M - (need - 1),
                leave_one_out ? " when each reference is scored against the others to "
                                "calibrate the threshold (a smaller --k, or give --threshold)"
                              : "");
        return NULL;
    }
    return kind;
}

/* sum [D] of ref [M, D] in double, in reference order (one fixed order),
 * and mean [D] = sum / M. */
static void ref_mean(const float *ref, size_t M, int D, double *sum, float *mean)
{
    for (int c = 0; c < D; c++) {
        double s = 0;
        for (size_t i = 0; i < M; i++)
            s += ref[i * (size_t)D + (size_t)c];
        sum[c] = s;
        mean[c] = (float)(s / (double)M);
    }
}

int anomaly_scores(const float *ref, size_t M, const float *x, size_t N, int D,
                   const anomaly_cfg *cfg, int leave_one_out, float *scores, uint32_t *nearest,
                   sm_err *e)
{
    const anomaly_kind *kind = kind_for(cfg, M, leave_one_out, e);
    if (!kind)
        return -1;
    job j;
    memset(&j, 0, sizeof j);
    j.ref = ref;
    j.x = x;
    j.M = M;
    j.N = N;
    j.D = D;
    j.loo = leave_one_out;
    j.cfg = *cfg;
    j.scores = scores;
    j.nearest = nearest;
    j.ranked = cfg->head == HEAD_EUCLIDEAN || cfg->head == HEAD_COSINE;
    if (kernels_resolve(cfg->kernels, &j.kp, e) != 0)
        return -1;
    j.T = cfg->threads < 1 ? 1 : cfg->threads;
    if ((size_t)j.T > (N + TN - 1) / TN)
        j.T = (int)((N + TN - 1) / TN);
    if (j.T < 1)
        j.T = 1;
    double *sum = calloc((size_t)D + 1, sizeof *sum);
    float *mean = calloc((size_t)D + 1, sizeof *mean);
    double *ref_sq = NULL, *x_sq = NULL;
    float *refk = NULL, *refk_t = NULL, *xk = NULL;
    int *failed = calloc((size_t)j.T, sizeof *failed);
    int rc = 0;
    pool_t *pool = NULL;
    if (!sum || !mean || !failed)
        rc = sm_fail(e, "out of memory scoring %zu images", N);
    if (rc == 0)
        ref_mean(ref, M, D, sum, mean);
    if (rc == 0 && j.ranked) {
        refk = malloc((M * (size_t)D + 1) * sizeof *refk);
        refk_t = malloc((M * (size_t)D + 1) * sizeof *refk_t);
        ref_sq = malloc((M + 1) * sizeof *ref_sq);
        if (!leave_one_out) {
            xk = malloc((N * (size_t)D + 1) * sizeof *xk);
            x_sq = malloc((N + 1) * sizeof *x_sq);
        }
        if (!refk || !refk_t || !ref_sq || (!leave_one_out && (!xk || !x_sq))) {
            rc = sm_fail(e, "out of memory scoring %zu images", N);
        } else {
            prepare(ref, M, D, cfg->head, mean, refk, ref_sq);
            transpose(refk, M, D, refk_t);
            if (leave_one_out) {
                j.xk = refk;
                j.x_sq = ref_sq;
            } else {
                prepare(x, N, D, cfg->head, mean, xk, x_sq);
                j.xk = xk;
                j.x_sq = x_sq;
            }
            j.refk_t = refk_t;
            j.ref_sq = ref_sq;
        }
    }
    if (rc == 0) {
        j.kind = kind;
        j.refs = (anomaly_refs){D, kind->uses_k ? cfg->k : 1, leave_one_out, M, cfg->head,
                                cfg->hp, mean, sum};
        j.failed = failed;
        if (!(pool = pool_create(j.T, e)))
            rc = -1;
    }
    if (rc == 0 && N > 0) {
        kernels_begin(j.kp, j.T);
        pool_run(pool, worker, &j);
        for (int t = 0; t < j.T && rc == 0; t++)
            if (failed[t])
                rc = sm_fail(e, "out of memory scoring %zu images", N);
    }
    pool_destroy(pool);
    free(xk);
    free(x_sq);
    free(refk);
    free(refk_t);
    free(ref_sq);
    free(sum);
    free(mean);
    free(failed);
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
