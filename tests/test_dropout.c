/* test_dropout.c - inverted dropout: the kept fraction is 1 - rate, kept
 * units are scaled by exactly 1/(1-rate), evaluation mode has no dropout,
 * the same seed gives the same mask, and a row's mask depends on its
 * index, not on the call (or thread) that computes it. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "activation.h"
#include "check.h"
#include "net.h"
#include "rng.h"

static void check_rate(float rate)
{
    enum { R = 1000, M = 1001, N = R * M }; /* odd rows: exercise the block tail */
    float *x = malloc(N * sizeof *x);
    for (size_t i = 0; i < N; i++)
        x[i] = 0.5f + (float)(i % 7); /* ReLU outputs */
    dropout_forward(x, R, M, rate, 3, 0);
    size_t kept = 0, wrong_scale = 0;
    const float scale = 1.0f / (1.0f - rate);
    for (size_t i = 0; i < N; i++) {
        if (x[i] != 0.0f) {
            kept++;
            if (x[i] != (0.5f + (float)(i % 7)) * scale)
                wrong_scale++;
        }
    }
    double frac = (double)kept / N;
    /* binomial standard deviation sqrt(p(1-p)/N) <= 5e-4: allow 6 sigma */
    printf("rate %.2f: kept %.5f (want %.5f)\n", rate, frac, 1.0 - rate);
    CHECK(fabs(frac - (1.0 - rate)) < 3e-3, "rate %g: kept fraction %g", rate, frac);
    CHECK(wrong_scale == 0, "rate %g: %zu kept units not scaled by 1/(1-rate)", rate, wrong_scale);

    /* Backward: gradient passes (scaled) exactly where the output is > 0. */
    float y[4] = {0.0f, 2.0f, 0.0f, 1.0f}, g[4] = {1, 1, 1, 1};
    relu_dropout_backward(g, y, 4, scale);
    CHECK(g[0] == 0 && g[2] == 0 && g[1] == scale && g[3] == scale, "backward mask/scale");
    free(x);
}

/* Rows dropped in one call or in two (the second starting at stream 3)
 * get the same masks; two rows get different ones; another seed too. */
static void check_rows(void)
{
    enum { R = 7, M = 300 };
    static float one[R * M], two[R * M], other[R * M];
    for (int i = 0; i < R * M; i++)
        one[i] = two[i] = other[i] = 1.0f;
    dropout_forward(one, R, M, 0.5f, 42, 100);
    dropout_forward(two, 3, M, 0.5f, 42, 100);
    dropout_forward(two + 3 * M, R - 3, M, 0.5f, 42, 103);
    CHECK(memcmp(one, two, sizeof one) == 0, "a row's mask must not depend on the call");
    CHECK(memcmp(one, one + M, M * sizeof *one) != 0, "rows 0 and 1 got the same mask");
    dropout_forward(other, R, M, 0.5f, 43, 100);
    CHECK(memcmp(one, other, sizeof one) != 0, "seeds 42 and 43 gave the same masks");
}

int main(void)
{
    check_rate(0.1f);
    check_rate(0.5f);

    check_rows();
    rng_t r;
    rng_seed(&r, 1, 0);

    /* The network: evaluation mode (no dropout) is deterministic and
     * equals training mode with rate 0; training mode with rate 0.1
     * differs, repeats exactly for the same seed, and gives the same rows
     * when the batch is run as two slices. */
    net_shape s = {20, 3, {16, 16, 16}, {0}, 0, 0, 0};
    enum { R = 8 };
    size_t n = net_param_count(s);
    float *p = malloc(n * sizeof *p), x[R * 20], e1[R * 16], e2[R * 16], t1[R * 16];
    net_cache c;
    sm_err e;
    CHECK(net_cache_init(&c, s, R, KERNELS_AUTO, 0, 1, &e) == 0, "cache: %s", e.msg);
    net_init(p, s, &r);
    for (int i = 0; i < R * 20; i++)
        x[i] = rng_float(&r);
#define RUN(out, dropp)                                                                        \
    do {                                                                                       \
        memcpy(c.x, x, sizeof x);                                                              \
        net_forward(p, &c, 0, R, dropp, 0);                                                       \
        memcpy(out, net_embedding(&c), sizeof out);                                            \
    } while (0)
    RUN(e1, NULL);
    RUN(e2, NULL);
    CHECK(memcmp(e1, e2, sizeof e1) == 0, "evaluation mode must not vary");
    const net_dropout none = {0.0f, 5}, some = {0.1f, 5};
    RUN(e2, &none);
    CHECK(memcmp(e1, e2, sizeof e1) == 0, "eval must equal training with rate 0");
    RUN(t1, &some);
    CHECK(memcmp(e1, t1, sizeof e1) != 0, "training mode must apply dropout");
    RUN(e2, &some);
    CHECK(memcmp(t1, e2, sizeof e2) == 0, "same seed, same dropout mask");
    memcpy(c.x, x, sizeof x);
    net_forward(p, &c, 0, 3, &some, 0);
    net_forward(p, &c, 3, R - 3, &some, 0);
    CHECK(memcmp(t1, net_embedding(&c), sizeof t1) == 0,
          "rows run as two slices must equal the batch run at once");
    net_cache_free(&c);
    free(p);
    return check_done("dropout");
}
