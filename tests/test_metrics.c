/* test_metrics.c - metrics on hand-made distances with known answers:
 * confusion matrix (sklearn layout), accuracy, precision/recall/F1 of
 * "same", ROC AUC with and without ties, EER, the best threshold; the
 * pixel AUROC (overall and per type) against a brute-force O(N^2) count on
 * random scores with many ties, and its speed on 1,000 images of 28 x 28. */
#include <math.h>
#include <time.h>

#include "check.h"
#include "metrics.h"

#define NEAR(a, b) (fabs((double)(a) - (double)(b)) < 1e-9)

/* Brute force: twice the Mann-Whitney count over the pixels of the images
 * whose type is in {0, k} (every image when k < 0), and the pair count. */
static double brute_auroc(const float *sc, const uint8_t *tr, const int *ty, size_t n, size_t P,
                          int k)
{
    double twice = 0, pairs = 0;
    for (size_t a = 0; a < n * P; a++) {
        if (!tr[a] || (k >= 0 && ty[a / P] != 0 && ty[a / P] != k))
            continue;
        for (size_t b = 0; b < n * P; b++) {
            if (tr[b] || (k >= 0 && ty[b / P] != 0 && ty[b / P] != k))
                continue;
            twice += sc[a] > sc[b] ? 2 : sc[a] == sc[b] ? 1 : 0;
            pairs++;
        }
    }
    return pairs ? twice / (2 * pairs) : NAN;
}

/* xorshift64, for the random fixtures only. */
static uint64_t next(uint64_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return *x;
}

static void pixel_checks(void)
{
    sm_err e;
    uint64_t x = 88172645463325252ull;
    enum { n = 40, P = 49, T = 4 };
    static float sc[n * P], neg[n * P];
    static uint8_t tr[n * P];
    int ty[n];
    for (int round = 0; round < 3; round++) {
        for (size_t i = 0; i < n; i++) {
            /* type 0 (good) images have no defect pixel, as masks give them;
             * the last round also puts defect pixels in good images */
            ty[i] = (int)(next(&x) % T);
            for (size_t p = 0; p < P; p++) {
                size_t q = i * P + p;
                tr[q] = (ty[i] != 0 || round == 2) && next(&x) % 5 == 0;
                /* few levels: many ties, within and across images and
                 * classes; -0 and +0 in round 1 */
                sc[q] = (float)(int)(next(&x) % 9) * 0.25f - 1.0f + (tr[q] ? 0.3f : 0.0f) *
                        (float)(next(&x) % 2);
                if (round == 1 && sc[q] == 0.0f && next(&x) % 2)
                    sc[q] = -0.0f;
                neg[q] = -sc[q];
            }
        }
        pixel_auroc_t r;
        CHECK(pixel_auroc(sc, tr, n, P, ty, T, &r, &e) == 0, "pixel auroc: %s", e.msg);
        double want = brute_auroc(sc, tr, ty, n, P, -1);
        CHECK(fabs(r.auroc - want) < 1e-12, "round %d: pixel auroc %.15f, brute force %.15f",
              round, r.auroc, want);
        CHECK(r.auroc > 0.5 && r.auroc < 1, "round %d: auroc %g is not a mixed case", round,
              r.auroc);
        /* The image AUROC's ties, through roc_build (score -d, truth = same). */
        roc_t roc;
        CHECK(roc_build(&roc, neg, tr, n * P, &e) == 0 && fabs(roc.auc - r.auroc) < 1e-9,
              "round %d: roc_build %.15f, pixel %.15f", round, roc.auc, r.auroc);
        roc_free(&roc);
        CHECK(r.ntypes == T && isnan(r.type_auroc[0]), "type 0 (good) has no AUROC of its own");
        for (int k = 1; k < T; k++) {
            double w = brute_auroc(sc, tr, ty, n, P, k);
            CHECK(fabs(r.type_auroc[k] - w) < 1e-12 && r.type_auroc[k] != r.auroc,
                  "round %d type %d: %.15f, brute force %.15f", round, k, r.type_auroc[k], w);
        }
        pixel_auroc_free(&r);
        /* Without types: the same overall figure. */
        CHECK(pixel_auroc(sc, tr, n, P, NULL, 0, &r, &e) == 0 && r.auroc == want &&
                  r.ntypes == 0 && r.type_auroc == NULL,
              "without types: %.15f", r.auroc);
        pixel_auroc_free(&r);
    }
    /* Errors: one class, a NaN, a type out of range. */
    pixel_auroc_t r;
    memset(tr, 0, sizeof tr);
    CHECK(pixel_auroc(sc, tr, n, P, ty, T, &r, &e) == -1 && strstr(e.msg, "0 defect"),
          "no defect pixel: %s", e.msg);
    tr[5] = 1;
    sc[P + 3] = NAN;
    CHECK(pixel_auroc(sc, tr, n, P, ty, T, &r, &e) == -1 &&
              strstr(e.msg, "image 1 has a NaN score at pixel 3"),
          "NaN: %s", e.msg);
    sc[P + 3] = 0;
    CHECK(pixel_auroc(sc, tr, n, P, ty, 2, &r, &e) == -1 && strstr(e.msg, "expected 0 to 1"),
          "type out of range: %s", e.msg);

    /* Speed: 1,000 images of 28 x 28 (784,000 pixels), scores of a
     * continuum plus ties. */
    size_t big = 1000, bp = 784;
    float *bs = malloc(big * bp * sizeof *bs);
    uint8_t *bt = malloc(big * bp);
    int *bty = malloc(big * sizeof *bty);
    for (size_t i = 0; i < big; i++) {
        bty[i] = (int)(i % 4);
        for (size_t p = 0; p < bp; p++) {
            size_t q = i * bp + p;
            bt[q] = bty[i] != 0 && next(&x) % 10 == 0;
            sc[0] = (float)(next(&x) % 1000000) / 1e6f;
            bs[q] = (p % 7 == 0 ? 0.5f : sc[0]) + (bt[q] ? 0.2f : 0.0f);
        }
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    CHECK(pixel_auroc(bs, bt, big, bp, bty, 4, &r, &e) == 0, "big: %s", e.msg);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double sec = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
    printf("pixel AUROC of %zu pixels: %.3f s (auroc %.4f)\n", big * bp, sec, r.auroc);
    CHECK(sec < 2.0, "pixel AUROC of 784,000 pixels took %.3f s", sec);
    CHECK(r.auroc > 0.6 && r.auroc < 0.9, "big auroc %g", r.auroc);
    pixel_auroc_free(&r);
    free(bs);
    free(bt);
    free(bty);
}

int main(void)
{
    pixel_checks();
    /*            same pairs: small d          different pairs: large d   */
    const float d[] = {0.1f, 0.2f, 0.35f, 0.6f, 0.3f, 0.55f, 0.7f, 0.9f, 1.2f, 0.25f};
    const uint8_t y[] = {1, 1, 1, 1, 0, 0, 0, 0, 0, 0};
    const size_t n = 10;
    confusion_t m;
    confusion_at(&m, d, y, n, 0.5f);
    /* true different (y=0): 0.3, 0.25 predicted same -> [0][1] = 2, [0][0] = 4
     * true same (y=1): 0.6 predicted different -> [1][0] = 1, [1][1] = 3 */
    CHECK(m.cell[0][0] == 4 && m.cell[0][1] == 2 && m.cell[1][0] == 1 && m.cell[1][1] == 3,
          "confusion %llu %llu / %llu %llu", (unsigned long long)m.cell[0][0],
          (unsigned long long)m.cell[0][1], (unsigned long long)m.cell[1][0],
          (unsigned long long)m.cell[1][1]);
    CHECK(m.cell[0][0] + m.cell[0][1] + m.cell[1][0] + m.cell[1][1] == n, "cells sum to n");
    scores_t s = scores_of(&m);
    CHECK(NEAR(s.accuracy, 0.7), "accuracy %g", s.accuracy);
    CHECK(NEAR(s.precision, 3.0 / 5.0), "precision %g", s.precision);
    CHECK(NEAR(s.recall, 3.0 / 4.0), "recall %g", s.recall);
    CHECK(NEAR(s.f1, 2 * 0.6 * 0.75 / 1.35), "f1 %g", s.f1);
    /* A threshold equal to a distance predicts that pair different (d < t). */
    confusion_at(&m, d, y, n, 0.6f);
    CHECK(m.cell[1][0] == 1 && m.cell[0][1] == 3, "d == threshold must be 'different'");
    /* Nothing predicted same: precision defined as 0, not NaN. */
    confusion_at(&m, d, y, n, 0.0f);
    s = scores_of(&m);
    CHECK(s.precision == 0 && s.recall == 0 && s.f1 == 0 && NEAR(s.accuracy, 0.6),
          "empty predictions: %g %g %g %g", s.precision, s.recall, s.f1, s.accuracy);

    /* AUC = P(d_same < d_diff): count by hand. same {0.1,0.2,0.35,0.6},
     * diff {0.3,0.55,0.7,0.9,1.2,0.25}: pairs (s, f) with s < f:
     * 0.1: 6, 0.2: 6, 0.35: 4, 0.6: 3 -> 19 of 24. */
    roc_t r;
    sm_err e;
    CHECK(roc_build(&r, d, y, n, &e) == 0, "roc: %s", e.msg);
    CHECK(NEAR(r.auc, 19.0 / 24.0), "auc %.6f, want %.6f", r.auc, 19.0 / 24.0);
    CHECK(r.n == n + 1, "roc points %zu", r.n);
    CHECK(r.fpr[0] == 0 && r.tpr[0] == 0 && r.fpr[r.n - 1] == 1 && r.tpr[r.n - 1] == 1,
          "roc must run from (0,0) to (1,1)");
    int monotone = 1;
    for (size_t i = 1; i < r.n; i++)
        monotone &= r.fpr[i] >= r.fpr[i - 1] && r.tpr[i] >= r.tpr[i - 1];
    CHECK(monotone, "roc must be monotone");
    /* Each point's threshold reproduces its rates. */
    for (size_t i = 0; i < r.n; i++) {
        confusion_at(&m, d, y, n, r.threshold[i]);
        CHECK(NEAR(r.tpr[i], (float)m.cell[1][1] / 4.0f) && NEAR(r.fpr[i], (float)m.cell[0][1] / 6.0f),
              "point %zu: threshold %g gives tpr %g fpr %g", i, r.threshold[i], r.tpr[i],
              r.fpr[i]);
    }
    /* EER: FNR = FPR where sorted sweep crosses: at t between 0.35 and 0.55
     * tpr 3/4 (fnr .25), fpr 2/6 (.333); at t<0.35: tpr 2/4, fpr 2/6 -> gap
     * .1667; best gap .0833 -> eer (1/3 + 1/4)/2. */
    CHECK(NEAR(r.eer, (1.0 / 3 + 0.25) / 2), "eer %g", r.eer);
    confusion_at(&m, d, y, n, r.eer_threshold);
    CHECK(m.cell[1][1] == 3 && m.cell[0][1] == 2, "eer threshold %g", r.eer_threshold);
    roc_free(&r);

    /* Ties count half: all distances equal -> AUC 0.5. */
    const float t[] = {0.5f, 0.5f, 0.5f, 0.5f};
    const uint8_t ty[] = {1, 0, 1, 0};
    CHECK(roc_build(&r, t, ty, 4, &e) == 0 && NEAR(r.auc, 0.5), "ties auc %g", r.auc);
    roc_free(&r);
    /* A tie across one same and one different pair: same {0.1, 0.4}, diff
     * {0.4, 0.8}: pairs 0.1<0.4, 0.1<0.8, 0.4=0.4 (half), 0.4<0.8 -> 3.5/4 */
    const float t2[] = {0.1f, 0.4f, 0.4f, 0.8f};
    const uint8_t t2y[] = {1, 1, 0, 0};
    CHECK(roc_build(&r, t2, t2y, 4, &e) == 0 && NEAR(r.auc, 3.5 / 4), "tie auc %g", r.auc);
    roc_free(&r);
    /* Perfect separation. */
    const float p[] = {0.1f, 0.2f, 0.8f, 0.9f};
    CHECK(roc_build(&r, p, t2y, 4, &e) == 0 && NEAR(r.auc, 1.0) && NEAR(r.eer, 0.0),
          "perfect auc %g eer %g", r.auc, r.eer);
    roc_free(&r);
    /* One class only: an error, not a division by zero. */
    CHECK(roc_build(&r, p, (const uint8_t[]){1, 1, 1, 1}, 4, &e) == -1 &&
              strstr(e.msg, "0 different"),
          "one class: %s", e.msg);

    /* Best threshold: on the 10 pairs, the best accuracy is 0.8 (t in
     * (0.6, 0.7): misses 0.3 and 0.25 only... check by brute force. */
    float bt;
    double bacc;
    CHECK(best_threshold(d, y, n, &bt, &bacc, &e) == 0, "best");
    double brute = 0;
    for (float x = 0.0f; x < 1.5f; x += 0.001f) {
        confusion_at(&m, d, y, n, x);
        double a = scores_of(&m).accuracy;
        if (a > brute)
            brute = a;
    }
    confusion_at(&m, d, y, n, bt);
    CHECK(NEAR(bacc, brute) && NEAR(scores_of(&m).accuracy, bacc),
          "best threshold %g acc %g, brute force %g", bt, bacc, brute);
    return check_done("metrics");
}
