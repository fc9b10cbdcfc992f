/* patch.c - see patch.h. N images, M references, P positions per image, C
 * features per position, T = M * P reference positions, B bank entries;
 * tiles of TQ query positions x TB bank entries. */
#include "patch.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "head.h"
#include "pool.h"
#include "simd.h"

enum { TQ = 256, TB = 2048, KC = 4 /* the best and 3 spares */, RB = 16 /* keys a run */ };

/* mean [C] of rows a [n, C] (each column's sum in double in row order,
 * rounded once; acc [C] is scratch: the rows are read once, not once a
 * column); out_t [C, n] = a - mean, transposed, and sq [n] = squared
 * norms of the centred rows in double. */
static void centre(const float *a, size_t n, int C, double *acc, float *mean, float *out_t,
                   double *sq)
{
    memset(acc, 0, (size_t)C * sizeof *acc);
    for (size_t i = 0; i < n; i++)
        for (int c = 0; c < C; c++)
            acc[c] += a[i * (size_t)C + (size_t)c];
    for (int c = 0; c < C; c++)
        mean[c] = n ? (float)(acc[c] / (double)n) : 0.0f;
    for (size_t i = 0; i < n; i++) {
        double sum = 0;
        for (int c = 0; c < C; c++) {
            float v = a[i * (size_t)C + (size_t)c] - mean[c];
            out_t[(size_t)c * n + i] = v;
            sum += (double)v * v;
        }
        sq[i] = sum;
    }
}

int patch_coreset(uint32_t *sel, size_t n, const float *pts, size_t T, int C,
                  const patch_cfg *cfg, sm_err *e)
{
    return coreset_pick(sel, n, pts, T, C, cfg->threads, cfg->kernels, e);
}

static int by_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

void patch_bank_free(patch_bank *b)
{
    free(b->x);
    free(b->owner);
    free(b->start);
    memset(b, 0, sizeof *b);
}

int patch_check_size(size_t M, int P, int C, sm_err *e)
{
    size_t T = M * (size_t)P;
    if (M && T / M != (size_t)P)
        T = SIZE_MAX;
    if (T > PATCH_MAX_POSITIONS)
        return sm_fail(e, "%zu references of %d positions each are %zu positions, beyond the "
                       "bank's limit of %zu (PATCH_MAX_POSITIONS): use fewer references, a "
                       "smaller --size, or a later layer (--features layer:K)", M, P, T,
                       PATCH_MAX_POSITIONS);
    if ((double)T * C * sizeof(float) > 8.0 * (1 << 30))
        return sm_fail(e, "%zu positions of %d features are %.1f GiB of features, beyond 8 GiB: "
                       "use fewer references, a smaller --size, or a later layer", T, C,
                       (double)T * C * sizeof(float) / (1 << 30));
    return 0;
}

double patch_memory(size_t M, size_t N, int P, int C, size_t bank, double *feat,
                    double *coreset, double *search)
{
    size_t cal = M < PATCH_CALIBRATE ? M : PATCH_CALIBRATE; /* the calibration's queries */
    double T = (double)M * P, Q = (double)(cal > N ? cal : N) * P, B = bank && bank < T ? bank : T;
    double f = ((double)M + (double)N) * P * C * sizeof(float);
    /* the projection, its blocks, centres and radii, the order, the distances */
    double k = B < T ? T * (double)PATCH_CORESET_BYTES : 0;
    /* the bank, its centred transpose; the queries centred; scores and
     * nearest entries of every reference position (calibration) */
    double s = 2.0 * B * C * sizeof(float) + Q * C * sizeof(float) + (T + Q) * 2 * sizeof(float);
    if (feat)
        *feat = f;
    if (coreset)
        *coreset = k;
    if (search)
        *search = s;
    return f + k + s;
}

int patch_check_memory(size_t M, size_t N, int P, int C, size_t bank, size_t avail,
                       const char *limit, sm_err *e)
{
    double f, k, s, need = patch_memory(M, N, P, C, bank, &f, &k, &s), G = 1 << 30;
    if (need <= (double)avail)
        return 0;
    return sm_fail(e, "the patch score needs about %.2f GiB for %zu references and %zu images "
                   "of %d positions of %d features (features %.2f GiB, coreset %.2f GiB, bank "
                   "and search %.2f GiB), more than the %.2f GiB %s leaves: use fewer "
                   "references, a later layer with fewer positions (--features layer:K) or a "
                   "smaller --size%s", need / G, M, N, P, C, f / G, k / G, s / G,
                   (double)avail / G, limit,
                   s > f ? ", or a smaller --bank" : "");
}

/* The bank of --near: position p's M entries (reference m's at m P + p),
 * gathered into pts [M, C], thinned by the coreset to `per` of them
 * (sel [per], in reference order), appended to b. */
static int bank_by_position(patch_bank *b, const float *ref, size_t M, int P, int C,
                            size_t per, const patch_cfg *cfg, sm_err *e)
{
    float *pts = malloc((M * (size_t)C + 1) * sizeof *pts);
    uint32_t *sel = malloc((M + 1) * sizeof *sel);
    int rc = pts && sel ? 0 : sm_fail(e, "out of memory for the bank of one position");
    for (int p = 0; rc == 0 && p < P; p++) {
        for (size_t m = 0; m < M; m++) {
            memcpy(pts + m * (size_t)C, ref + (m * (size_t)P + (size_t)p) * (size_t)C,
                   (size_t)C * sizeof *pts);
            sel[m] = (uint32_t)m;
        }
        if (per < M) {
            rc = patch_coreset(sel, per, pts, M, C, cfg, e);
            qsort(sel, per, sizeof *sel, by_u32);
        }
        size_t at = b->start[p];
        for (size_t i = 0; rc == 0 && i < per; i++) {
            memcpy(b->x + (at + i) * (size_t)C, pts + (size_t)sel[i] * C,
                   (size_t)C * sizeof *b->x);
            b->owner[at + i] = sel[i];
        }
        b->start[p + 1] = at + per;
    }
    free(pts);
    free(sel);
    return rc;
}

int patch_bank_build(patch_bank *b, const float *ref, size_t M, int P, int C,
                     const patch_cfg *cfg, sm_err *e)
{
    memset(b, 0, sizeof *b);
    if (patch_check_size(M, P, C, e) != 0)
        return -1;
    if (cfg->near > PATCH_MAX_NEAR)
        return sm_fail(e, "--near %d: at most %d rows and columns", cfg->near, PATCH_MAX_NEAR);
    b->gw = cfg->gw;
    b->near = cfg->gw > 0 && cfg->near >= 0 ? cfg->near : PATCH_ANYWHERE;
    if (b->near >= 0) {
        size_t T = M * (size_t)P, per = M;
        if (cfg->bank && cfg->bank < T) {
            per = (cfg->bank + (size_t)P - 1) / (size_t)P;
            per = per < 2 ? 2 : per > M ? M : per;
        }
        b->B = per * (size_t)P;
        b->C = C;
        b->x = malloc((b->B * (size_t)C + 1) * sizeof *b->x);
        b->owner = malloc((b->B + 1) * sizeof *b->owner);
        b->start = calloc((size_t)P + 1, sizeof *b->start);
        if (!b->x || !b->owner || !b->start)
            return sm_fail(e, "out of memory for a bank of %zu entries of %d features (a "
                           "smaller --bank)", b->B, C);
        return bank_by_position(b, ref, M, P, C, per, cfg, e);
    }
    size_t T = M * (size_t)P, B = cfg->bank && cfg->bank < T ? cfg->bank : T;
    uint32_t *sel = malloc((B + 1) * sizeof *sel);
    b->x = malloc((B * (size_t)C + 1) * sizeof *b->x);
    b->owner = malloc((B + 1) * sizeof *b->owner);
    b->B = B;
    b->C = C;
    if (!sel || !b->x || !b->owner) {
        free(sel);
        return sm_fail(e, "out of memory for a bank of %zu entries of %d features (a smaller "
                       "--bank)", B, C);
    }
    int rc = 0;
    if (B < T) {
        rc = patch_coreset(sel, B, ref, T, C, cfg, e);
        qsort(sel, B, sizeof *sel, by_u32);
    } else {
        for (size_t i = 0; i < T; i++)
            sel[i] = (uint32_t)i;
    }
    for (size_t i = 0; rc == 0 && i < B; i++) {
        memcpy(b->x + i * (size_t)C, ref + (size_t)sel[i] * C, (size_t)C * sizeof *b->x);
        b->owner[i] = sel[i] / (uint32_t)P;
    }
    free(sel);
    return rc;
}

/* ---- the search ---- */

typedef struct {
    const patch_bank *b;
    const float *x;      /* [Q, C] the queries as given (Q = N * P) */
    const float *xk;     /* [Q, C] centred on the bank's mean */
    const float *bank_t; /* [C, B] the bank centred, transposed */
    const float *bsq;    /* [B] squared norms of the centred entries, rounded to float */
    size_t Q;
    int P, loo, T;
    kernels_path kp;
    float *pos;          /* [Q] */
    uint32_t *near;      /* [Q] nearest entry */
    int *failed;         /* [T] */
    const uint32_t *self; /* [N] with loo: the reference each image is (NULL: image i is i) */
} search_job;

typedef struct {
    float k;
    uint32_t i;
} cand;

/* A unit of the search: n query positions, qbase + r qstep for r < n
 * (anywhere: TQ consecutive positions; near: one grid position of up to
 * TQ images), against the bank entries of `nr` ranges [lo, hi). */
typedef struct {
    size_t qbase, qstep, n;
    size_t lo[2 * PATCH_MAX_NEAR + 1], hi[2 * PATCH_MAX_NEAR + 1];
    int nr;
} search_unit;

/* The units: anywhere, ceil(Q / TQ) tiles of positions; near, for each
 * position p, ceil(N / TQ) tiles of images, so that one product covers
 * one position's queries and its neighbours' entries. */
static size_t units(const search_job *j)
{
    if (j->b->near < 0)
        return (j->Q + TQ - 1) / TQ;
    size_t N = j->Q / (size_t)j->P;
    return (size_t)j->P * ((N + TQ - 1) / TQ);
}

static void unit_at(const search_job *j, size_t u, search_unit *s)
{
    const patch_bank *b = j->b;
    if (b->near < 0) {
        s->qbase = u * TQ;
        s->qstep = 1;
        s->n = j->Q - s->qbase < TQ ? j->Q - s->qbase : TQ;
        s->lo[0] = 0;
        s->hi[0] = b->B;
        s->nr = 1;
        return;
    }
    size_t N = j->Q / (size_t)j->P, tiles = (N + TQ - 1) / TQ, i0 = (u % tiles) * TQ;
    int p = (int)(u / tiles), gw = b->gw, gh = j->P / gw, y = p / gw, x = p % gw, R = b->near;
    int x0 = x - R < 0 ? 0 : x - R, x1 = x + R >= gw ? gw - 1 : x + R;
    s->qbase = i0 * (size_t)j->P + (size_t)p;
    s->qstep = (size_t)j->P;
    s->n = N - i0 < TQ ? N - i0 : TQ;
    s->nr = 0;
    for (int yy = y - R < 0 ? 0 : y - R; yy <= y + R && yy < gh; yy++) {
        s->lo[s->nr] = b->start[yy * gw + x0];
        s->hi[s->nr++] = b->start[yy * gw + x1 + 1];
    }
}

/* key [RB] = bsq - 2 dot (one rounding: the product by 2 is exact);
 * whether any is below worst (most runs hold no candidate). */
SM_VECTOR static int keys(float *restrict key, const float *restrict bsq,
                          const float *restrict dot, float worst)
{
    int hit = 0;
    for (int l = 0; l < RB; l++) {
        key[l] = bsq[l] - 2.0f * dot[l];
        hit |= key[l] < worst;
    }
    return hit;
}

/* best [n, KC] / cnt [n]: each query's candidates among entries b0 ..
 * b0 + m - 1, ranked by |b|^2 - 2 x.b (dot [n, m] = the products). */
static void rank(const search_job *j, const search_unit *s, const float *dot, size_t b0,
                 size_t m, cand *best, int *cnt)
{
    for (size_t r = 0; r < s->n; r++) {
        const float *row = dot + r * m;
        const float *bsq = j->bsq + b0;
        cand *bs = best + r * KC;
        size_t img = (s->qbase + r * s->qstep) / (size_t)j->P;
        uint32_t self = j->self ? j->self[img] : (uint32_t)img;
        int c_ = cnt[r];
        float worst = c_ < KC ? INFINITY : bs[KC - 1].k;
        for (size_t c0 = 0; c0 < m; c0 += RB) {
            /* a run of RB keys, and its least: most runs hold no candidate */
            size_t cn = m - c0 < RB ? m - c0 : RB;
            float key[RB];
            int hit = cn == RB ? keys(key, bsq + c0, row + c0, worst) : 1;
            for (size_t l = 0; cn < RB && l < cn; l++) /* a short run: key by key */
                key[l] = bsq[c0 + l] - 2.0f * row[c0 + l];
            for (size_t l = 0; hit && l < cn; l++) {
                float k = key[l];
                if (!(k < worst) || (j->loo && j->b->owner[b0 + c0 + l] == self))
                    continue;
                int p = c_ < KC ? c_++ : KC - 1;
                while (p > 0 && bs[p - 1].k > k) {
                    bs[p] = bs[p - 1];
                    p--;
                }
                bs[p] = (cand){k, (uint32_t)(b0 + c0 + l)};
                worst = c_ < KC ? INFINITY : bs[KC - 1].k;
            }
        }
        cnt[r] = c_;
    }
}

static void search_unit_run(const search_job *j, const search_unit *s, float *dot, cand *best,
                            int *cnt)
{
    const size_t B = j->b->B;
    const int C = j->b->C;
    memset(cnt, 0, s->n * sizeof *cnt);
    for (int g = 0; g < s->nr; g++)
        for (size_t b0 = s->lo[g]; b0 < s->hi[g]; b0 += TB) {
            size_t m = s->hi[g] - b0 < TB ? s->hi[g] - b0 : TB;
            /* dot [n, m] = queries [n, C] (rows qstep C apart) . bank_t [C, m] */
            gemm(j->kp, (int)s->n, (int)m, C, j->xk + s->qbase * (size_t)C,
                 (int)(s->qstep * (size_t)C), 1, j->bank_t + b0, (int)B, dot, (int)m, NULL, 0);
            rank(j, s, dot, b0, m, best, cnt);
        }
    for (size_t r = 0; r < s->n; r++) {
        /* the candidates' exact distances decide, ties by entry index */
        size_t q = s->qbase + r * s->qstep;
        const float *xr = j->x + q * (size_t)C;
        float dbest = INFINITY;
        uint32_t ibest = 0;
        for (int k = 0; k < cnt[r]; k++) {
            cand cd = best[r * KC + (size_t)k];
            float d = head_distance(HEAD_EUCLIDEAN, NULL, xr, j->b->x + (size_t)cd.i * C, C);
            if (d < dbest || (d == dbest && cd.i < ibest)) {
                dbest = d;
                ibest = cd.i;
            }
        }
        j->pos[q] = dbest;
        j->near[q] = ibest;
    }
}

static void search_worker(void *ctx, int t)
{
    search_job *j = ctx;
    float *dot = malloc((size_t)TQ * TB * sizeof *dot);
    cand *best = malloc((size_t)TQ * KC * sizeof *best);
    int *cnt = malloc(TQ * sizeof *cnt);
    if (!dot || !best || !cnt)
        j->failed[t] = 1;
    for (size_t u = (size_t)t, U = units(j); !j->failed[t] && u < U; u += (size_t)j->T) {
        search_unit s;
        unit_at(j, u, &s);
        search_unit_run(j, &s, dot, best, cnt);
    }
    free(dot);
    free(best);
    free(cnt);
}

/* The search's shared inputs: the bank centred and transposed, its norms,
 * the queries centred. */
static int search_prepare(search_job *j, const patch_bank *b, const float *x, sm_err *e)
{
    const size_t B = b->B, C = (size_t)b->C;
    float *mean = malloc((C + 1) * sizeof *mean);
    float *bank_t = malloc((B * C + 1) * sizeof *bank_t);
    float *bsq = malloc((B + 1) * sizeof *bsq);
    double *sq = malloc((B + C + 1) * sizeof *sq); /* and C sums */
    float *xk = malloc((j->Q * C + 1) * sizeof *xk);
    if (!mean || !bank_t || !bsq || !sq || !xk) {
        free(mean);
        free(bank_t);
        free(bsq);
        free(sq);
        free(xk);
        return sm_fail(e, "out of memory for the patch search (%zu positions against %zu "
                       "entries)", j->Q, B);
    }
    centre(b->x, B, b->C, sq + B, mean, bank_t, sq);
    for (size_t i = 0; i < B; i++)
        bsq[i] = (float)sq[i];
    for (size_t q = 0; q < j->Q; q++)
        for (size_t c = 0; c < C; c++)
            xk[q * C + c] = x[q * C + c] - mean[c];
    free(mean);
    free(sq);
    j->bank_t = bank_t;
    j->bsq = bsq;
    j->xk = xk;
    return 0;
}

static int scores(const patch_bank *b, const float *x, size_t N, int P, const patch_cfg *cfg,
                  int leave_one_out, const uint32_t *self, float *pos, float *score,
                  uint32_t *nearest, sm_err *e)
{
    search_job j;
    memset(&j, 0, sizeof j);
    j.b = b;
    j.x = x;
    j.Q = N * (size_t)P;
    j.P = P;
    j.loo = leave_one_out;
    j.self = self;
    j.pos = pos;
    if (kernels_resolve(cfg->kernels, &j.kp, e) != 0)
        return -1;
    if (b->B == 0)
        return sm_fail(e, "an empty bank");
    if (leave_one_out) { /* some entry must belong to another reference */
        size_t k = 1;
        while (k < b->B && b->owner[k] == b->owner[0])
            k++;
        if (k == b->B)
            return sm_fail(e, "every bank entry comes from one reference: need two to calibrate "
                           "the threshold (or give --threshold)");
    }
    j.T = cfg->threads < 1 ? 1 : cfg->threads;
    if ((size_t)j.T > units(&j))
        j.T = (int)units(&j);
    if (j.T < 1)
        j.T = 1;
    j.near = malloc((j.Q + 1) * sizeof *j.near);
    j.failed = calloc((size_t)j.T, sizeof *j.failed);
    pool_t *pool = NULL;
    int rc = 0;
    if (!j.near || !j.failed)
        rc = sm_fail(e, "out of memory for the patch search");
    else if (search_prepare(&j, b, x, e) != 0)
        rc = -1;
    else if (!(pool = pool_create(j.T, e)))
        rc = -1;
    if (rc == 0 && j.Q > 0) {
        kernels_begin(j.kp, j.T);
        pool_run(pool, search_worker, &j);
        for (int t = 0; t < j.T && rc == 0; t++)
            if (j.failed[t])
                rc = sm_fail(e, "out of memory for the patch search");
    }
    for (size_t i = 0; rc == 0 && i < N; i++) {
        size_t top = i * (size_t)P;
        for (int p = 1; p < P; p++)
            top = pos[i * (size_t)P + (size_t)p] > pos[top] ? i * (size_t)P + (size_t)p : top;
        score[i] = pos[top];
        nearest[i] = b->owner[j.near[top]];
    }
    pool_destroy(pool);
    free((void *)j.bank_t);
    free((void *)j.bsq);
    free((void *)j.xk);
    free(j.near);
    free(j.failed);
    return rc;
}

/* out [len, C] = the mean of a [len, C] (rows `stride` floats apart) over
 * the rows within r of each row, cut at the ends. */
static void box_1d(float *out, const float *a, size_t stride, size_t ostride, int len, int C,
                   int r)
{
    for (int i = 0; i < len; i++) {
        int lo = i - r < 0 ? 0 : i - r, hi = i + r >= len ? len - 1 : i + r;
        float *o = out + (size_t)i * ostride;
        for (int c = 0; c < C; c++)
            o[c] = a[(size_t)lo * stride + (size_t)c];
        for (int k = lo + 1; k <= hi; k++)
            for (int c = 0; c < C; c++)
                o[c] = o[c] + a[(size_t)k * stride + (size_t)c];
        float cnt = (float)(hi - lo + 1);
        for (int c = 0; c < C; c++)
            o[c] = o[c] / cnt;
    }
}

int patch_local(float *feat, size_t n, int gh, int gw, int C, int side, sm_err *e)
{
    if (side <= 1)
        return 0;
    size_t P = (size_t)gh * gw, row = (size_t)gw * C;
    float *tmp = malloc((P * (size_t)C + 1) * sizeof *tmp);
    if (!tmp)
        return sm_fail(e, "out of memory for the neighbourhoods of %zu positions", P);
    for (size_t i = 0; i < n; i++) {
        float *f = feat + i * P * (size_t)C;
        for (int y = 0; y < gh; y++) /* along the rows: tmp = box(f) */
            box_1d(tmp + (size_t)y * row, f + (size_t)y * row, (size_t)C, (size_t)C, gw, C,
                   side / 2);
        for (int x = 0; x < gw; x++) /* along the columns: f = box(tmp) */
            box_1d(f + (size_t)x * C, tmp + (size_t)x * C, row, row, gh, C, side / 2);
    }
    free(tmp);
    return 0;
}

int patch_scores(const patch_bank *b, const float *x, size_t N, int P, const patch_cfg *cfg,
                 int leave_one_out, float *pos, float *score, uint32_t *nearest, sm_err *e)
{
    return scores(b, x, N, P, cfg, leave_one_out, NULL, pos, score, nearest, e);
}

int patch_calibrate(const patch_bank *b, const float *ref, size_t M, int P, size_t cap,
                    const patch_cfg *cfg, float *score, size_t *n, sm_err *e)
{
    size_t k = cap && cap < M ? cap : M, C = (size_t)b->C, row = (size_t)P * C;
    *n = k;
    uint32_t *self = malloc((k + 1) * sizeof *self), *near = malloc((k + 1) * sizeof *near);
    float *sub = malloc((k * row + 1) * sizeof *sub), *pos = malloc((k * (size_t)P + 1) * sizeof *pos);
    int rc = -1;
    if (!self || !near || !sub || !pos) {
        sm_fail(e, "out of memory for the threshold's calibration");
    } else {
        for (size_t i = 0; i < k; i++) { /* evenly spread: reference floor(i M / k) */
            self[i] = (uint32_t)((double)i * (double)M / (double)k);
            memcpy(sub + i * row, ref + (size_t)self[i] * row, row * sizeof *sub);
        }
        rc = scores(b, sub, k, P, cfg, 1, self, pos, score, near, e);
    }
    free(self);
    free(near);
    free(sub);
    free(pos);
    return rc;
}

void patch_upsample(float *out, int H, int W, const float *map, int gh, int gw)
{
    for (int y = 0; y < H; y++) {
        double fy = ((double)y + 0.5) * gh / H - 0.5;
        fy = fy < 0 ? 0 : fy > gh - 1 ? gh - 1 : fy;
        int y0 = (int)fy, y1 = y0 + 1 < gh ? y0 + 1 : y0;
        double wy = fy - y0;
        for (int x = 0; x < W; x++) {
            double fx = ((double)x + 0.5) * gw / W - 0.5;
            fx = fx < 0 ? 0 : fx > gw - 1 ? gw - 1 : fx;
            int x0 = (int)fx, x1 = x0 + 1 < gw ? x0 + 1 : x0;
            double wx = fx - x0;
            double top = map[y0 * gw + x0] * (1 - wx) + map[y0 * gw + x1] * wx;
            double bot = map[y1 * gw + x0] * (1 - wx) + map[y1 * gw + x1] * wx;
            out[(size_t)y * W + x] = (float)(top * (1 - wy) + bot * wy);
        }
    }
}
