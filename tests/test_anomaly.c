/* test_anomaly.c - inspect's scoring against a brute-force double-precision
 * reference: k-NN mean distance and centroid distance, with and without
 * leave-one-out, over shapes that cross the tile sizes (more than 256
 * images, more than 2048 references) and odd widths, with 1 and 3 threads
 * (same results); the nearest reference; the quantile rule; refusals.
 * Then every head against brute force by the head's own per-pair function
 * (head_distance), and the same bits on every kernel path and thread
 * count. And the score table's rows (anomaly_kind.h). */
#include <math.h>

#include "gemm.h"
#include "head.h"

#include "anomaly.h"
#include "anomaly_kind.h"
#include "check.h"
#include "rng.h"

static double dist(const float *a, const float *b, int D)
{
    double s = 0;
    for (int c = 0; c < D; c++) {
        double t = (double)a[c] - b[c];
        s += t * t;
    }
    return sqrt(s > 1e-7 ? s : 1e-7);
}

static int by_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Brute force: score and nearest of x[i] against ref. */
static void brute(const float *ref, size_t M, const float *x, size_t i, int D, anomaly_score sc,
                  int k, int loo, double *score, size_t *nearest)
{
    double *d = malloc(M * sizeof *d), best = INFINITY;
    size_t m = 0;
    *nearest = 0;
    for (size_t j = 0; j < M; j++) {
        if (loo && j == i)
            continue;
        double v = dist(x + i * (size_t)D, ref + j * (size_t)D, D);
        if (v < best) {
            best = v;
            *nearest = j;
        }
        d[m++] = v;
    }
    if (sc == ANOMALY_KNN) {
        qsort(d, m, sizeof *d, by_double);
        double s = 0;
        for (int q = 0; q < k; q++)
            s += d[q];
        *score = s / k;
    } else {
        float *mean = calloc((size_t)D, sizeof *mean);
        for (int c = 0; c < D; c++) {
            double s = 0;
            for (size_t j = 0; j < M; j++)
                if (!(loo && j == i))
                    s += ref[j * (size_t)D + (size_t)c];
            mean[c] = (float)(s / (double)m);
        }
        *score = dist(x + i * (size_t)D, mean, D);
        free(mean);
    }
    free(d);
}

static void run_case(size_t M, size_t N, int D, anomaly_score sc, int k, int loo, uint64_t seed)
{
    rng_t r;
    rng_seed(&r, seed, 0);
    float *ref = malloc(M * (size_t)D * sizeof *ref), *x = malloc(N * (size_t)D * sizeof *x);
    for (size_t i = 0; i < M * (size_t)D; i++)
        ref[i] = rng_float(&r) * (i % 3 ? 1.0f : 0.0f); /* some exact zeros, like ReLU */
    for (size_t i = 0; i < N * (size_t)D; i++)
        x[i] = rng_float(&r) * 1.2f;
    if (loo) {
        free(x);
        x = ref;
        N = M;
    }
    float *s1 = malloc(N * sizeof *s1), *s3 = malloc(N * sizeof *s3);
    uint32_t *n1 = malloc(N * sizeof *n1), *n3 = malloc(N * sizeof *n3);
    sm_err e;
    anomaly_cfg c1 = {.score = sc, .k = k, .threads = 1}, c3 = c1;
    c3.threads = 3;
    CHECK(anomaly_scores(ref, M, x, N, D, &c1, loo, s1, n1, &e) == 0, "scores: %s", e.msg);
    CHECK(anomaly_scores(ref, M, x, N, D, &c3, loo, s3, n3, &e) == 0, "scores 3: %s", e.msg);
    CHECK(memcmp(s1, s3, N * sizeof *s1) == 0 && memcmp(n1, n3, N * sizeof *n1) == 0,
          "M %zu N %zu: 1 and 3 threads differ", M, N);
    double worst = 0;
    int wrong_nearest = 0;
    for (size_t i = 0; i < N; i += N / 40 + 1) {
        double want;
        size_t near;
        brute(ref, M, x, i, D, sc, k, loo, &want, &near);
        double rel = fabs(s1[i] - want) / want;
        if (rel > worst)
            worst = rel;
        /* Ties aside, the nearest is the same reference (float vs double
         * may swap two at equal distance: compare their distances). */
        if (n1[i] != near &&
            fabs(dist(x + i * (size_t)D, ref + (size_t)n1[i] * D, D) -
                 dist(x + i * (size_t)D, ref + near * D, D)) > 1e-4)
            wrong_nearest++;
    }
    printf("M %5zu N %4zu D %3d %-8s k %2d loo %d: worst relative error %.2e\n", M, N, D,
           sc == ANOMALY_KNN ? "knn" : "centroid", k, loo, worst);
    CHECK(worst < 2e-4, "scores differ from brute force by %.3g", worst);
    CHECK(wrong_nearest == 0, "%d wrong nearest references", wrong_nearest);
    free(s1);
    free(s3);
    free(n1);
    free(n3);
    if (x != ref)
        free(x);
    free(ref);
}

/* Large, nearly equal images (128 x 128, a few pixels darker): where
 * |x|^2 + |r|^2 - 2 x.r in float would cancel to nothing, the scores must
 * still match the exact distances (the review's case). */
static void check_cancellation(void)
{
    enum { D = 128 * 128, M = 6, N = 4 };
    float *ref = malloc((size_t)M * D * sizeof *ref), *x = malloc((size_t)N * D * sizeof *x);
    rng_t r;
    rng_seed(&r, 9, 0);
    for (int c = 0; c < D; c++) {
        float base = 0.3f + 0.6f * rng_float(&r);
        for (int i = 0; i < M; i++)
            ref[(size_t)i * D + c] = base;
        for (int i = 0; i < N; i++)
            x[(size_t)i * D + c] = base;
    }
    for (int i = 0; i < N; i++) /* image i: 1 + 4 i pixels darker by 20/255 */
        for (int p = 0; p < 1 + 4 * i; p++)
            x[(size_t)i * D + (size_t)(p * 997 % D)] -= 20.0f / 255.0f;
    const anomaly_score kinds[2] = {ANOMALY_KNN, ANOMALY_CENTROID};
    for (int t = 0; t < 2; t++) {
        float sc[N];
        uint32_t nr[N];
        sm_err e;
        anomaly_cfg cfg = {.score = kinds[t], .k = 1, .threads = 2};
        CHECK(anomaly_scores(ref, M, x, N, D, &cfg, 0, sc, nr, &e) == 0, "%s", e.msg);
        for (int i = 0; i < N; i++) {
            double want;
            size_t near;
            brute(ref, M, x, (size_t)i, D, kinds[t], 1, 0, &want, &near);
            CHECK(fabs(sc[i] - want) <= 1e-4 * want, "%s, image %d: score %.6g, exact %.6g",
                  kinds[t] == ANOMALY_KNN ? "knn" : "centroid", i, sc[i], want);
        }
    }
    free(ref);
    free(x);
}

static int by_float_asc(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

/* Brute force with the head's own per-pair function: score of x[i]
 * against every reference (the mean of the k smallest head distances, or
 * the head distance to the references' mean, as anomaly.h defines them). */
static float brute_head(const anomaly_cfg *c, const float *ref, size_t M, const float *x,
                        size_t i, int D, int loo)
{
    const float *a = x + i * (size_t)D;
    if (c->score == ANOMALY_KNN) {
        float *d = malloc(M * sizeof *d);
        size_t m = 0;
        for (size_t j = 0; j < M; j++)
            if (!(loo && j == i))
                d[m++] = head_distance(c->head, c->hp, a, ref + j * (size_t)D, D);
        qsort(d, m, sizeof *d, by_float_asc);
        double s = 0;
        for (int q = 0; q < c->k; q++)
            s += d[q];
        free(d);
        return (float)(s / c->k);
    }
    float *mean = malloc((size_t)D * sizeof *mean);
    for (int col = 0; col < D; col++) {
        double s = 0;
        for (size_t j = 0; j < M; j++)
            s += ref[j * (size_t)D + (size_t)col];
        mean[col] = loo ? (float)((s - a[col]) * (1.0 / (double)(M - 1))) : (float)(s / (double)M);
    }
    float r = head_distance(c->head, c->hp, a, mean, D);
    free(mean);
    return r;
}

/* Every head, both scores, with and without leave-one-out: the scores are
 * the brute force's (the ranking products only choose candidates). */
static void check_heads(void)
{
    enum { M = 400, N = 300, D = 12 };
    rng_t r;
    rng_seed(&r, 11, 0);
    float *ref = malloc((size_t)M * D * sizeof *ref), *x = malloc((size_t)N * D * sizeof *x);
    float hp[D + 1];
    for (size_t i = 0; i < (size_t)M * D; i++)
        ref[i] = rng_float(&r) * (i % 5 ? 1.0f : 0.0f);
    for (size_t i = 0; i < (size_t)N * D; i++)
        x[i] = rng_float(&r) * 1.3f;
    for (int q = 0; q <= D; q++)
        hp[q] = rng_float(&r) * 2.0f - 0.5f;
    float *s = malloc(M * sizeof *s);
    uint32_t *nr = malloc(M * sizeof *nr);
    for (uint32_t h = 0; h < head_count(); h++)
        for (int sc = 0; sc < 2; sc++)
            for (int loo = 0; loo < 2; loo++) {
                anomaly_cfg c = {.score = sc ? ANOMALY_CENTROID : ANOMALY_KNN, .k = sc ? 1 : 5,
                                 .threads = 2, .head = h, .hp = h == HEAD_LEARNED ? hp : NULL};
                size_t n = loo ? M : N;
                const float *xs = loo ? ref : x;
                sm_err e;
                CHECK(anomaly_scores(ref, M, xs, n, D, &c, loo, s, nr, &e) == 0, "%s", e.msg);
                size_t wrong = 0, wrong_near = 0;
                for (size_t i = 0; i < n; i++) {
                    wrong += s[i] != brute_head(&c, ref, M, xs, i, D, loo);
                    /* the nearest is at the smallest head distance */
                    float dn = head_distance(h, c.hp, xs + i * D, ref + (size_t)nr[i] * D, D);
                    wrong_near += loo && nr[i] == i; /* never itself */
                    for (size_t j = 0; j < M; j++)
                        if (!(loo && j == i) &&
                            head_distance(h, c.hp, xs + i * D, ref + j * D, D) < dn) {
                            wrong_near++;
                            break;
                        }
                }
                printf("head %-9s %-8s loo %d: %zu of %zu scores differ from brute force, %zu "
                       "wrong nearest\n", head_names[h], sc ? "centroid" : "knn", loo, wrong, n,
                       wrong_near);
                CHECK(wrong == 0 && wrong_near == 0, "head %s: %zu scores, %zu nearest wrong",
                      head_names[h], wrong, wrong_near);
            }
    free(s);
    free(nr);
    free(ref);
    free(x);
}

/* The same bits on every kernel path the CPU runs and for 1 and 3
 * threads (raw-pixel-like widths, tiles crossed). */
static void check_paths(void)
{
    enum { M = 2100, N = 600, D = 40 };
    rng_t r;
    rng_seed(&r, 12, 0);
    float *ref = malloc((size_t)M * D * sizeof *ref), *x = malloc((size_t)N * D * sizeof *x);
    for (size_t i = 0; i < (size_t)M * D; i++)
        ref[i] = rng_float(&r);
    for (size_t i = 0; i < (size_t)N * D; i++)
        x[i] = rng_float(&r) * 1.1f;
    float *want = malloc(N * sizeof *want), *got = malloc(N * sizeof *got);
    uint32_t *nw = malloc(N * sizeof *nw), *ng = malloc(N * sizeof *ng);
    const uint32_t heads[2] = {HEAD_EUCLIDEAN, HEAD_COSINE}; /* the ranked ones */
    for (int hi = 0; hi < 2; hi++)
        for (int sc = 0; sc < 2; sc++) {
            anomaly_cfg c = {.score = sc ? ANOMALY_CENTROID : ANOMALY_KNN, .k = 10, .threads = 1,
                             .head = heads[hi], .kernels = KERNELS_GENERIC};
            sm_err e;
            CHECK(anomaly_scores(ref, M, x, N, D, &c, 0, want, nw, &e) == 0, "%s", e.msg);
            for (int p = 0; p < KERNELS_COUNT; p++) {
                if (!kernels_available((kernels_path)p)) {
                    printf("skip: this CPU has no %s path\n", kernels_names[p]);
                    continue;
                }
                for (int t = 1; t <= 3; t += 2) {
                    c.kernels = (kernels_path)p;
                    c.threads = t;
                    CHECK(anomaly_scores(ref, M, x, N, D, &c, 0, got, ng, &e) == 0, "%s", e.msg);
                    CHECK(memcmp(want, got, N * sizeof *got) == 0 &&
                              memcmp(nw, ng, N * sizeof *ng) == 0,
                          "head %s %s: path %s, %d threads: other scores than generic, 1 thread",
                          head_names[heads[hi]], sc ? "centroid" : "knn", kernels_names[p], t);
                }
            }
        }
    printf("paths: every available path and 1, 3 threads give the same scores\n");
    free(want);
    free(got);
    free(nw);
    free(ng);
    free(ref);
    free(x);
}

int main(void)
{
    check_heads();
    check_paths();
    check_cancellation();
    run_case(50, 20, 7, ANOMALY_KNN, 1, 0, 1);
    run_case(50, 20, 7, ANOMALY_KNN, 5, 0, 2);
    run_case(2100, 300, 33, ANOMALY_KNN, 10, 0, 3);
    run_case(2100, 300, 33, ANOMALY_CENTROID, 1, 0, 4);
    run_case(300, 0, 16, ANOMALY_KNN, 3, 1, 5);
    run_case(300, 0, 16, ANOMALY_CENTROID, 1, 1, 6);
    run_case(1, 3, 4, ANOMALY_CENTROID, 1, 0, 7);

    /* Refusals: k above the references (left out: M - 1), too few. */
    float ref[8] = {0, 1, 2, 3, 4, 5, 6, 7}, s[4];
    uint32_t n[4];
    sm_err e;
    anomaly_cfg k3 = {.score = ANOMALY_KNN, .k = 3, .threads = 1}, k4 = k3,
                c = {.score = ANOMALY_CENTROID, .k = 1, .threads = 1};
    k4.k = 4;
    CHECK(anomaly_scores(ref, 4, ref, 4, 2, &k3, 1, s, n, &e) == 0, "k 3 of 4 - 1: %s", e.msg);
    CHECK(anomaly_scores(ref, 4, ref, 4, 2, &k4, 1, s, n, &e) == -1 && strstr(e.msg, "k = 4"),
          "k 4 of 4 - 1 accepted");
    CHECK(anomaly_scores(ref, 1, ref, 1, 2, &c, 1, s, n, &e) == -1, "one reference, left out");
    anomaly_cfg bad = {.score = (anomaly_score)anomaly_n_kinds, .k = 1, .threads = 1};
    CHECK(anomaly_scores(ref, 4, ref, 4, 2, &bad, 0, s, n, &e) == -1, "a score with no row");

    /* The table: the rows the enum names, and what --score offers. */
    CHECK(anomaly_n_kinds == 3 && !strcmp(anomaly_kinds[ANOMALY_KNN].name, "knn") &&
              anomaly_kinds[ANOMALY_KNN].uses_k &&
              !strcmp(anomaly_kinds[ANOMALY_CENTROID].name, "centroid") &&
              !anomaly_kinds[ANOMALY_CENTROID].uses_k &&
              !strcmp(anomaly_kinds[ANOMALY_PATCH].name, "patch") &&
              anomaly_kinds[ANOMALY_PATCH].positions && !anomaly_kinds[ANOMALY_PATCH].score,
          "the score table's rows");
    /* patch compares positions (patch.h): this search refuses it */
    anomaly_cfg pc = {.score = ANOMALY_PATCH, .k = 1, .threads = 1};
    CHECK(anomaly_scores(ref, 4, ref, 4, 2, &pc, 0, s, n, &e) == -1 && strstr(e.msg, "patch"),
          "the patch score through anomaly_scores");

    /* The quantile: numpy's default (linear). */
    float v[5] = {5, 1, 4, 2, 3};
    CHECK(anomaly_quantile(v, 5, 0.5) == 3.0f, "median %g", anomaly_quantile(v, 5, 0.5));
    CHECK(fabsf(anomaly_quantile(v, 5, 0.95) - 4.8f) < 1e-6f, "0.95: %g",
          anomaly_quantile(v, 5, 0.95));
    CHECK(anomaly_quantile(v, 5, 1.0) == 5.0f && anomaly_quantile(v, 1, 0.95) == 5.0f, "ends");
    return check_done("anomaly");
}
