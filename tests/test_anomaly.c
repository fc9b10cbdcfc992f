/* test_anomaly.c - inspect's scoring against a brute-force double-precision
 * reference: k-NN mean distance and centroid distance, with and without
 * leave-one-out, over shapes that cross the tile sizes (more than 256
 * images, more than 2048 references) and odd widths, with 1 and 3 threads
 * (same results); the nearest reference; the quantile rule; refusals. */
#include <math.h>

#include "anomaly.h"
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
    anomaly_cfg c1 = {sc, k, 1}, c3 = {sc, k, 3};
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
        anomaly_cfg cfg = {kinds[t], 1, 2};
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

int main(void)
{
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
    anomaly_cfg k3 = {ANOMALY_KNN, 3, 1}, k4 = {ANOMALY_KNN, 4, 1}, c = {ANOMALY_CENTROID, 1, 1};
    CHECK(anomaly_scores(ref, 4, ref, 4, 2, &k3, 1, s, n, &e) == 0, "k 3 of 4 - 1: %s", e.msg);
    CHECK(anomaly_scores(ref, 4, ref, 4, 2, &k4, 1, s, n, &e) == -1 && strstr(e.msg, "k = 4"),
          "k 4 of 4 - 1 accepted");
    CHECK(anomaly_scores(ref, 1, ref, 1, 2, &c, 1, s, n, &e) == -1, "one reference, left out");

    /* The quantile: numpy's default (linear). */
    float v[5] = {5, 1, 4, 2, 3};
    CHECK(anomaly_quantile(v, 5, 0.5) == 3.0f, "median %g", anomaly_quantile(v, 5, 0.5));
    CHECK(fabsf(anomaly_quantile(v, 5, 0.95) - 4.8f) < 1e-6f, "0.95: %g",
          anomaly_quantile(v, 5, 0.95));
    CHECK(anomaly_quantile(v, 5, 1.0) == 5.0f && anomaly_quantile(v, 1, 0.95) == 5.0f, "ends");
    return check_done("anomaly");
}
