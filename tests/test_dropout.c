/* test_dropout.c - bias + ReLU + inverted dropout: the kept fraction is 1 - rate, kept
 * units are scaled by exactly 1/(1-rate), evaluation mode has no dropout,
 * and the same RNG state gives the same mask. */
#include <math.h>

#include "activation.h"
#include "check.h"
#include "net.h"
#include "rng.h"

static void check_rate(float rate)
{
    enum { R = 1000, M = 1001, N = R * M }; /* odd rows: exercise the block tail */
    float *x = malloc(N * sizeof *x), *zero = calloc(M, sizeof *zero);
    rng_t r;
    rng_seed(&r, 3, 0);
    for (size_t i = 0; i < N; i++)
        x[i] = 0.5f + (float)(i % 7); /* all positive: ReLU keeps them */
    bias_relu_dropout_forward(x, zero, R, M, rate, &r);
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
    free(zero);
}

int main(void)
{
    check_rate(0.1f);
    check_rate(0.5f);

    /* ReLU still applies under dropout: negatives become 0. */
    rng_t r;
    rng_seed(&r, 1, 0);
    float neg[6] = {-1, -2, -3, -0.5f, -9, 0.5f}, shift[6] = {0, 0, 0, 0, 0, -0.6f};
    bias_relu_dropout_forward(neg, shift, 1, 6, 0.1f, &r);
    for (int i = 0; i < 6; i++)
        CHECK(neg[i] == 0.0f, "negative input %d survived: %g", i, neg[i]);
    /* The bias is added before the ReLU: 0.5 - 0.6 < 0 above; here
     * -0.2 + 0.5 > 0 survives (rate 0: no dropout). */
    float pos[2] = {-0.2f, 1.0f}, lift[2] = {0.5f, 0.25f};
    bias_relu_dropout_forward(pos, lift, 1, 2, 0.0f, &r);
    CHECK(pos[0] == -0.2f + 0.5f && pos[1] == 1.25f, "bias before ReLU: %g %g", pos[0], pos[1]);

    /* The network: evaluation mode (rng NULL) is deterministic and equals
     * training mode with rate 0; training mode with rate 0.1 differs and
     * repeats exactly for the same rng state. */
    net_shape s = {20, 3, {16, 16, 16}};
    enum { R = 8 };
    size_t n = net_param_count(s);
    float *p = malloc(n * sizeof *p), x[R * 20], e1[R * 16], e2[R * 16], t1[R * 16];
    net_cache c;
    sm_err e;
    CHECK(net_cache_init(&c, s, R, &e) == 0, "cache: %s", e.msg);
    net_init(p, s, &r);
    for (int i = 0; i < R * 20; i++)
        x[i] = rng_float(&r);
#define RUN(out, rate, rngp)                                                                   \
    do {                                                                                       \
        memcpy(c.x, x, sizeof x);                                                              \
        net_forward(p, &c, R, rate, rngp);                                                     \
        memcpy(out, net_embedding(&c), sizeof out);                                       \
    } while (0)
    RUN(e1, 0.1f, NULL);
    RUN(e2, 0.1f, NULL);
    CHECK(memcmp(e1, e2, sizeof e1) == 0, "evaluation mode must not vary");
    rng_t a, b;
    rng_seed(&a, 5, 0);
    b = a;
    RUN(e2, 0.0f, &a);
    CHECK(memcmp(e1, e2, sizeof e1) == 0, "eval must equal training with rate 0");
    rng_seed(&a, 5, 0);
    RUN(t1, 0.1f, &a);
    CHECK(memcmp(e1, t1, sizeof e1) != 0, "training mode must apply dropout");
    RUN(e2, 0.1f, &b);
    CHECK(memcmp(t1, e2, sizeof e2) == 0, "same rng state, same dropout mask");
    net_cache_free(&c);
    free(p);
    return check_done("dropout");
}
