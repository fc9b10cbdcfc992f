/* test_gradcheck.c - finite-difference checks of every backward pass:
 * dense, ReLU (+dropout's scale), the distance head (also at and below the
 * 1e-7 clamp), the contrastive loss (both labels, both sides of the margin),
 * every head (head_backward and head_param_grads, the functions training
 * calls) and the whole network through the trainer's backward pieces
 * (net_backward_rows, net_weight_grads, net_bias_grads), conv, pool and
 * gap layers included (odd sizes, 1 x 1 images; pooling ties, where no
 * difference quotient decides, checked against the first-maximum rule).
 * Each check also guards that the analytic gradient is not trivially zero.
 * Central differences in double around float code, so tolerances are
 * loose-ish (relative 2e-2 on values ~1); a network parameter whose
 * difference quotient straddles a ReLU or max-pool kink is left out (a
 * few at most). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "activation.h"
#include "check.h"
#include "contrastive.h"
#include "dense.h"
#include "distance.h"
#include "head.h"
#include "net.h"
#include "rmsprop.h"
#include "rng.h"

static void fill(float *x, size_t n, rng_t *r, float lo, float hi)
{
    for (size_t i = 0; i < n; i++)
        x[i] = lo + (hi - lo) * rng_float(r);
}

/* Compares analytic a[n] with numeric g[n]: max |a-g| / max(|g|, floor). */
static void compare(const char *what, const float *a, const double *g, size_t n, double tol)
{
    double worst = 0, amax = 0;
    size_t at = 0;
    for (size_t i = 0; i < n; i++) {
        double den = fabs(g[i]) > 1e-2 ? fabs(g[i]) : 1e-2;
        double rel = fabs(a[i] - g[i]) / den;
        if (rel > worst) {
            worst = rel;
            at = i;
        }
        if (fabs(a[i]) > amax)
            amax = fabs(a[i]);
    }
    printf("%-28s max rel diff %.2e at %zu (|grad| max %.3g)\n", what, worst, at, amax);
    CHECK(worst < tol, "%s: gradient mismatch %.3g at %zu (analytic %g, numeric %g)", what, worst,
          at, a[at], g[at]);
    CHECK(amax > 1e-3, "%s: gradient is trivially zero", what);
}

/* out = in w + b: the dense layer's product and bias without its ReLU. */
static void dense_affine(float *out, const float *in, const float *w, const float *b, int R,
                         int K, int M)
{
    gemm(KERNELS_GENERIC, R, M, K, in, K, 1, w, M, out, M, b, 0);
}

/* The dense layer's three gradients on the portable path; wt is scratch. */
static void dense_grads(float *din, float *dw, float *db, const float *dout, const float *in,
                        const float *w, float *wt, int R, int K, int M)
{
    dense_transpose(wt, w, K, M, 0, K);
    dense_input_grad(KERNELS_GENERIC, din, dout, wt, R, K, M);
    dense_weight_grad(KERNELS_GENERIC, dw, in, dout, R, K, M, 0, K);
    dense_bias_grad(db, dout, R, M, 0, M);
}

/* Loss used for the dense/relu checks: L = sum(out * weights). */
static double weighted_sum(const float *x, const float *w, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += (double)x[i] * w[i];
    return s;
}

static void check_dense(rng_t *r)
{
    enum { R = 5, K = 7, M = 4 };
    float in[R * K], w[K * M], b[M], out[R * M], lw[R * M];
    float din[R * K], dw[K * M] = {0}, db[M] = {0}, wt[M * K];
    double gin[R * K], gw[K * M], gb[M];
    fill(in, R * K, r, -1, 1);
    fill(w, K * M, r, -1, 1);
    fill(b, M, r, -1, 1);
    fill(lw, R * M, r, -1, 1);
    dense_affine(out, in, w, b, R, K, M);
    dense_grads(din, dw, db, lw, in, w, wt, R, K, M);
    const float h = 1e-2f;
    struct {
        float *p;
        double *g;
        int n;
    } sets[] = {{in, gin, R * K}, {w, gw, K * M}, {b, gb, M}};
    for (int s = 0; s < 3; s++) {
        for (int i = 0; i < sets[s].n; i++) {
            float keep = sets[s].p[i];
            sets[s].p[i] = keep + h;
            dense_affine(out, in, w, b, R, K, M);
            double up = weighted_sum(out, lw, R * M);
            sets[s].p[i] = keep - h;
            dense_affine(out, in, w, b, R, K, M);
            double down = weighted_sum(out, lw, R * M);
            sets[s].p[i] = keep;
            sets[s].g[i] = (up - down) / (2 * h);
        }
    }
    compare("dense d/d(input)", din, gin, R * K, 1e-3);
    compare("dense d/d(kernel)", dw, gw, K * M, 1e-3);
    compare("dense d/d(bias)", db, gb, M, 1e-3);

    /* The gradients are written, not added: a second call into buffers
     * holding the first call's values gives the same values again. */
    float din2[R * K], dw2[K * M], db2[M];
    memcpy(dw2, dw, sizeof dw);
    memcpy(db2, db, sizeof db);
    dense_grads(din2, dw2, db2, lw, in, w, wt, R, K, M);
    CHECK(memcmp(dw2, dw, sizeof dw) == 0 && memcmp(db2, db, sizeof db) == 0 &&
              memcmp(din2, din, sizeof din) == 0,
          "dense gradients must be written, not added into dw and db");
    /* Rows of dW computed in two ranges equal the whole. */
    memset(dw2, 0, sizeof dw2);
    dense_weight_grad(KERNELS_GENERIC, dw2, in, lw, R, K, M, 0, 3);
    dense_weight_grad(KERNELS_GENERIC, dw2, in, lw, R, K, M, 3, K);
    CHECK(memcmp(dw2, dw, sizeof dw) == 0, "dW in two row ranges must equal dW in one");
}

/* y [N] = relu(x + b): the dense epilogue on x times the identity (exact). */
static void bias_relu(float *y, const float *x, const float *b, int N)
{
    float *eye = calloc((size_t)N * N, sizeof *eye);
    for (int i = 0; i < N; i++)
        eye[i * N + i] = 1.0f;
    gemm(KERNELS_GENERIC, 1, N, N, x, N, 1, eye, N, y, N, b, 1);
    free(eye);
}

static void check_relu(rng_t *r)
{
    enum { N = 64 };
    float x[N], b[N], y[N], lw[N], dx[N];
    double g[N], gb[N];
    fill(x, N, r, -1, 1);
    fill(b, N, r, -0.5f, 0.5f);
    fill(lw, N, r, -1, 1);
    for (int i = 0; i < N; i++)
        if (fabsf(x[i] + b[i]) < 0.05f)
            x[i] += 0.3f; /* keep away from the kink */
    bias_relu(y, x, b, N);
    for (int i = 0; i < N; i++)
        dx[i] = lw[i];
    relu_dropout_backward(dx, y, N, 1.0f);
    const float h = 1e-3f;
    for (int i = 0; i < N; i++) {
        float t[N], tb[N];
        for (int pass = 0; pass < 2; pass++) { /* d/dx, then d/db */
            double side[2];
            for (int k = 0; k < 2; k++) {
                for (int j = 0; j < N; j++) {
                    t[j] = x[j];
                    tb[j] = b[j];
                }
                (pass ? tb : t)[i] += k ? -h : h;
                float ty[N];
                bias_relu(ty, t, tb, N);
                side[k] = weighted_sum(ty, lw, N);
            }
            (pass ? gb : g)[i] = (side[0] - side[1]) / (2 * h);
        }
    }
    compare("bias+relu d/d(x)", dx, g, N, 1e-3);
    /* d/d(b) equals d/d(x) for a bias added before the ReLU. */
    compare("bias+relu d/d(b)", dx, gb, N, 1e-3);
}

/* L = sum_i w_i * d_i for distances of B pairs. */
static double dist_loss(const float *a, const float *b, const float *lw, int B, int D)
{
    float d[8], sq[8];
    distance_forward(d, sq, a, b, B, D);
    return weighted_sum(d, lw, (size_t)B);
}

static void check_distance(rng_t *r)
{
    enum { B = 4, D = 6 };
    float a[B * D], b[B * D], lw[B], da[B * D], db[B * D], d[B], sq[B];
    double ga[B * D], gb[B * D];
    fill(a, B * D, r, -1, 1);
    fill(b, B * D, r, -1, 1);
    fill(lw, B, r, 0.5f, 1.5f);
    distance_forward(d, sq, a, b, B, D);
    distance_backward(da, db, lw, a, b, sq, d, B, D);
    const float h = 1e-3f;
    for (int i = 0; i < B * D; i++) {
        float keep = a[i];
        a[i] = keep + h;
        double up = dist_loss(a, b, lw, B, D);
        a[i] = keep - h;
        ga[i] = (up - dist_loss(a, b, lw, B, D)) / (2 * h);
        a[i] = keep;
        keep = b[i];
        b[i] = keep + h;
        up = dist_loss(a, b, lw, B, D);
        b[i] = keep - h;
        gb[i] = (up - dist_loss(a, b, lw, B, D)) / (2 * h);
        b[i] = keep;
    }
    compare("distance d/d(a)", da, ga, B * D, 1e-2);
    compare("distance d/d(b)", db, gb, B * D, 1e-2);

    /* At the clamp: identical rows give d = sqrt(1e-7) and zero gradient,
     * never NaN. Just below it too (sum = 0.5e-7). Just above it, the
     * gradient flows: (a - b) / d. */
    float z[D] = {0}, z2[D] = {0}, g1[D], g2[D], one = 1.0f;
    for (int j = 0; j < D; j++)
        z[j] = z2[j] = 0.25f * (float)j;
    distance_forward(d, sq, z, z2, 1, D);
    distance_backward(g1, g2, &one, z, z2, sq, d, 1, D);
    CHECK(fabsf(d[0] - sqrtf(1e-7f)) < 1e-9f, "clamped distance %g", d[0]);
    int zero = 1;
    for (int j = 0; j < D; j++)
        zero &= g1[j] == 0.0f && g2[j] == 0.0f;
    CHECK(zero, "gradient must be exactly zero at a == b");
    z2[0] += sqrtf(0.5e-7f);
    distance_forward(d, sq, z, z2, 1, D);
    distance_backward(g1, g2, &one, z, z2, sq, d, 1, D);
    CHECK(sq[0] < 1e-7f && g1[0] == 0.0f && isfinite(d[0]), "below the clamp: sq %g grad %g",
          sq[0], g1[0]);
    z2[0] = z[0] + 1e-3f; /* sum = 1e-6, above the clamp */
    distance_forward(d, sq, z, z2, 1, D);
    distance_backward(g1, g2, &one, z, z2, sq, d, 1, D);
    CHECK(fabsf(g1[0] - (z[0] - z2[0]) / d[0]) < 1e-4f && g1[0] != 0.0f,
          "above the clamp the gradient is (a-b)/d: %g", g1[0]);
}

static void check_contrastive(void)
{
    /* Both labels; negatives on both sides of the margin (1). */
    const float d0[] = {0.3f, 1.7f, 0.4f, 0.9f, 1.3f, 0.05f};
    const uint8_t y[] = {1, 1, 0, 0, 0, 1};
    enum { B = 6 };
    float dd[B], d[B];
    double g[B];
    contrastive_backward(dd, d0, y, B, 1.0f, B);
    const float h = 1e-3f;
    for (int i = 0; i < B; i++) {
        for (int j = 0; j < B; j++)
            d[j] = d0[j];
        d[i] = d0[i] + h;
        double up = contrastive_sum(d, y, B, 1.0f) / B;
        d[i] = d0[i] - h;
        g[i] = (up - contrastive_sum(d, y, B, 1.0f) / B) / (2 * h);
    }
    compare("contrastive", dd, g, B, 1e-3);
    CHECK(dd[4] == 0.0f, "a negative beyond the margin has zero gradient, got %g", dd[4]);
    CHECK(dd[2] < 0.0f && dd[0] > 0.0f, "negatives inside the margin push apart, positives "
          "pull together");
    /* Known values: 0.3^2 + 1.7^2 + 0.6^2 + 0.1^2 + 0 + 0.05^2 */
    double want = 0.09 + 2.89 + 0.36 + 0.01 + 0.0 + 0.0025;
    CHECK(fabs(contrastive_sum(d0, y, B, 1.0f) - want) < 1e-5, "loss sum %g, want %g",
          contrastive_sum(d0, y, B, 1.0f), want);
}

/* Mean loss of head h over B pairs of a, b [B, D] (labels y). */
static double head_mean_loss(uint32_t h, const float *hp, const float *a, const float *b,
                             const uint8_t *y, int B, int D, float margin)
{
    float d[8], cache[8 * head_cache_floats(h) + 1];
    head_forward(h, hp, d, cache, a, b, B, D);
    return head_loss_sum(h, d, y, B, margin) / B;
}

/* Every head: d(mean loss)/d(a), d(b) and d(head parameters) against
 * central differences, both labels, negatives on both sides of the
 * margin. */
static void check_head(rng_t *r, uint32_t h)
{
    enum { B = 6, D = 5 };
    const size_t C = head_cache_floats(h);
    float a[B * D], b[B * D], da[B * D], db[B * D], dd[B], d[B], cache[B * C + 1];
    float hp[D + 1] = {0}, dhp[D + 1] = {0};
    const uint8_t y[B] = {1, 0, 1, 0, 0, 1};
    float margin = head_default_margin(h);
    fill(a, B * D, r, 0.0f, 1.0f);
    fill(b, B * D, r, 0.0f, 1.0f);
    /* Scale pairs so some negatives are inside the margin, one far out. */
    if (h == HEAD_MANHATTAN)
        for (int j = 0; j < D; j++)
            b[3 * D + j] = a[3 * D + j] + 2.0f;
    head_init(h, hp, D, r);
    if (h == HEAD_LEARNED)
        hp[D] = 0.4f;
    /* As the trainer calls them: head_forward and head_backward on each
     * worker's pairs (here two shares, pairs 0..1 and 2..B-1, each with
     * its cache at pair * C), head_param_grads on the whole
     * batch. */
    head_forward(h, hp, d, cache, a, b, 2, D);
    head_forward(h, hp, d + 2, cache + 2 * C, a + 2 * D, b + 2 * D, B - 2, D);
    head_backward(h, hp, da, db, dd, a, b, d, cache, y, 2, D, margin, B);
    head_backward(h, hp, da + 2 * D, db + 2 * D, dd + 2, a + 2 * D, b + 2 * D, d + 2,
                  cache + 2 * C, y + 2, B - 2, D, margin, B);
    head_param_grads(h, dhp, a, b, d, y, B, D, B);
    double ga[B * D], gb[B * D], gh[D + 1];
    const float eps = 1e-3f;
    for (int i = 0; i < B * D; i++) {
        float keep = a[i];
        a[i] = keep + eps;
        double up = head_mean_loss(h, hp, a, b, y, B, D, margin);
        a[i] = keep - eps;
        ga[i] = (up - head_mean_loss(h, hp, a, b, y, B, D, margin)) / (2 * eps);
        a[i] = keep;
        keep = b[i];
        b[i] = keep + eps;
        up = head_mean_loss(h, hp, a, b, y, B, D, margin);
        b[i] = keep - eps;
        gb[i] = (up - head_mean_loss(h, hp, a, b, y, B, D, margin)) / (2 * eps);
        b[i] = keep;
    }
    char what[64];
    snprintf(what, sizeof what, "head %s d/d(a)", head_names[h]);
    compare(what, da, ga, B * D, 2e-2);
    snprintf(what, sizeof what, "head %s d/d(b)", head_names[h]);
    compare(what, db, gb, B * D, 2e-2);
    if (h == HEAD_LEARNED) {
        for (int i = 0; i <= D; i++) {
            float keep = hp[i];
            hp[i] = keep + eps;
            double up = head_mean_loss(h, hp, a, b, y, B, D, margin);
            hp[i] = keep - eps;
            gh[i] = (up - head_mean_loss(h, hp, a, b, y, B, D, margin)) / (2 * eps);
            hp[i] = keep;
        }
        compare("head learned d/d(w, c)", dhp, gh, D + 1, 2e-2);
    }
}

/* The points where a sub-gradient is chosen (head.h): |x| at 0 gives 0
 * (manhattan, learned), a zero embedding gives d = 1 and no gradient
 * (cosine), and d stays finite everywhere. */
static void check_head_subgradients(void)
{
    enum { D = 4 };
    float a[D] = {0.5f, 0.2f, 0.0f, 0.7f}, b[D] = {0.5f, 0.1f, 0.0f, 0.9f}, zero[D] = {0};
    /* cache: one pair of any of the heads used here (cosine: 3 floats) */
    float da[D], db[D], dd[1], d[1], cache[4], hp[D + 1] = {0.3f, -0.2f, 0.5f, 0.1f, 0.2f};
    float dhp[D + 1] = {0};
    uint8_t same = 1, diff = 0;
    head_forward(HEAD_MANHATTAN, NULL, d, cache, a, b, 1, D);
    head_backward(HEAD_MANHATTAN, NULL, da, db, dd, a, b, d, cache, &same, 1, D, 4.0f, 1);
    CHECK(fabsf(d[0] - 0.3f) < 1e-6f && da[0] == 0.0f && da[2] == 0.0f && da[1] > 0 && da[3] < 0,
          "manhattan at a_j = b_j: d %g, grads %g %g %g %g", d[0], da[0], da[1], da[2], da[3]);
    head_forward(HEAD_LEARNED, hp, d, cache, a, b, 1, D);
    head_backward(HEAD_LEARNED, hp, da, db, dd, a, b, d, cache, &same, 1, D, 1.0f, 1);
    head_param_grads(HEAD_LEARNED, dhp, a, b, d, &same, 1, D, 1);
    CHECK(da[0] == 0.0f && da[2] == 0.0f && dhp[0] == 0.0f && da[1] != 0.0f,
          "learned at a_j = b_j: %g %g %g", da[0], da[2], dhp[0]);
    head_forward(HEAD_COSINE, NULL, d, cache, zero, b, 1, D);
    head_backward(HEAD_COSINE, NULL, da, db, dd, zero, b, d, cache, &diff, 1, D, 0.5f, 1);
    int z = 1;
    for (int j = 0; j < D; j++)
        z &= da[j] == 0.0f && db[j] == 0.0f;
    CHECK(d[0] == 1.0f && z, "cosine of a zero embedding: d %g, gradient zero %d", d[0], z);
    head_forward(HEAD_COSINE, NULL, d, cache, a, a, 1, D);
    CHECK(fabsf(d[0]) < 1e-6f, "cosine of a with itself: %g", d[0]);
    /* The learned head's loss stays finite at extreme logits (clipped). */
    float big[D + 1] = {0, 0, 0, 0, 80.0f};
    head_forward(HEAD_LEARNED, big, d, cache, a, b, 1, D);
    CHECK(isfinite(head_pair_loss(HEAD_LEARNED, d[0], 0, 1.0f)) &&
              head_pair_loss(HEAD_LEARNED, d[0], 1, 1.0f) < 1e-6,
          "learned at z = 80: d %g", d[0]);
}

/* The network's backward pass as the trainer's step runs it (train.c):
 * d(loss)/d(embedding) into g[L-1], every kernel prepared (transposed for
 * dense), then phase 1 on each worker's rows (two shares here: rows
 * 0 .. R/2-1 and the rest) and phase 2 on each worker's kernel rows (two
 * shares: a conv layer's 9 C_in rows split mid-channel) and the biases.
 * grads (flat) = d(loss)/d(params) for d(loss)/d(embedding) = dout [R, H].
 * split = 0: everything on worker 0 in one share, for comparison. */
static void train_backward(const float *params, float *grads, net_cache *c, const float *dout,
                           int R, float rate, int split)
{
    net_shape s = c->shape;
    memcpy(c->g[s.layers - 1], dout, (size_t)R * (size_t)net_out(s) * sizeof(float));
    for (int l = 1; l < s.layers; l++)
        net_transpose(c, params, l, 0, net_kernel_rows(s, l));
    int half = split ? R / 2 : R;
    net_backward_rows(c, 0, half, rate, 0);
    if (half < R)
        net_backward_rows(c, half, R - half, rate, 1);
    for (int l = 0; l < s.layers; l++) {
        int K = net_kernel_rows(s, l), k1 = split ? K / 2 : K;
        int J = (int)net_tail_floats(s, l), j1 = split ? J / 2 : J;
        net_weight_grads(c, grads, l, R, 0, k1, 0);
        if (k1 < K)
            net_weight_grads(c, grads, l, R, k1, K, 1);
        net_bias_grads(c, grads, l, R, 0, j1);
        if (j1 < J)
            net_bias_grads(c, grads, l, R, j1, J);
    }
}

/* L = sum(emb * lw) of the network s on the R rows of x, at params p. */
static double net_loss(const float *p, net_cache *c, const float *x, const float *lw, int R,
                       const net_dropout *drop)
{
    net_shape s = c->shape;
    memcpy(c->x, x, (size_t)R * (size_t)s.in * sizeof(float));
    net_forward(p, c, 0, R, drop, 0);
    return weighted_sum(net_embedding(c), lw, (size_t)R * (size_t)net_out(s));
}

/* Whole network: L = sum(emb * lw), evaluation mode and a fixed dropout
 * mask (the same rng state replayed) in training mode, against central
 * differences of every parameter. x [R, IN] is the input, or NULL for
 * uniform [0, 1) pixels. Also: the gradients of the two-worker split are
 * bit-identical to those of one worker doing it all, and `after`, when not
 * NULL, looks at the cache after the backward pass (pool's dropped rows).
 * Returns the gradient (malloc'd) for further checks when keep. */
static float *check_net_x(rng_t *r, float rate, net_shape s, const char *name, const float *x0,
                          void (*after)(const net_cache *c, int R), int keep)
{
    enum { R = 4 };
    size_t n = net_param_count(s), IN = (size_t)s.in, H = (size_t)net_out(s);
    float *p = malloc(n * sizeof *p), *g = calloc(n, sizeof *g), *g1 = calloc(n, sizeof *g1);
    float *x = malloc(R * IN * sizeof *x), *lw = malloc(R * H * sizeof *lw);
    double *num = malloc(n * sizeof *num);
    net_cache c;
    sm_err e;
    CHECK(net_cache_init(&c, s, R, KERNELS_AUTO, 1, 2, &e) == 0, "cache: %s", e.msg);
    net_init(p, s, r);
    net_views v;
    net_point(&v, p, s);
    for (int l = 0; l < s.layers; l++) /* positive biases: most units active */
        fill(v.b[l], net_tail_floats(s, l), r, 0.05f, 0.3f);
    if (x0)
        memcpy(x, x0, R * IN * sizeof *x);
    else
        fill(x, R * IN, r, 0, 1);
    fill(lw, R * H, r, -1, 1);
    /* The same seed replays the same dropout masks. */
    const net_dropout drop = {rate, 99}, *dp = rate > 0 ? &drop : NULL;

    net_loss(p, &c, x, lw, R, dp);
    /* Garbage where the backward pass must write: a gradient it leaves
     * unwritten (a pool layer's dropped row) shows up. */
    for (int l = 0; l < s.layers; l++)
        for (size_t i = 0; i < R * (size_t)net_layer_out(s, l); i++)
            c.g[l][i] = 1e3f;
    train_backward(p, g, &c, lw, R, rate, 1);
    if (after)
        after(&c, R);
    net_loss(p, &c, x, lw, R, dp);
    train_backward(p, g1, &c, lw, R, rate, 0);
    CHECK(memcmp(g, g1, n * sizeof *g) == 0,
          "%s: two workers and two kernel-row shares must give the bits of one", name);
    /* With one parameter moving, the loss is piecewise linear in it (the
     * layers are linear in it, ReLU, max and mean pick or average, the
     * loss is a weighted sum): its one-sided differences agree unless a
     * ReLU input or a pool window's maximum changes side within +-h.
     * Such a parameter's central difference means nothing; it is left out
     * (numeric := analytic), and only a few may be. */
    const float h = 1e-3f;
    const double mid = net_loss(p, &c, x, lw, R, dp);
    size_t kinks = 0;
    for (size_t i = 0; i < n; i++) {
        float keep_p = p[i];
        p[i] = keep_p + h;
        double up = net_loss(p, &c, x, lw, R, dp);
        p[i] = keep_p - h;
        double down = net_loss(p, &c, x, lw, R, dp);
        p[i] = keep_p;
        num[i] = (up - down) / (2 * h);
        double fwd = (up - mid) / h, bwd = (mid - down) / h;
        if (fabs(fwd - bwd) > 5e-3 + 1e-2 * fabs(num[i])) {
            num[i] = g[i];
            kinks++;
        }
    }
    printf("  %s: %zu of %zu parameters at a kink within +-%g, left out\n", name, kinks, n,
           (double)h);
    CHECK(kinks * 20 <= n, "%s: %zu of %zu parameters at a kink: too many", name, kinks, n);
    char what[96];
    snprintf(what, sizeof what, "network %s (%s)", name, rate > 0 ? "dropout 0.3" : "eval");
    compare(what, g, num, n, 2e-2);
    /* Each layer's kernel on its own too: a small layer's error must not
     * hide under a large one's scale (compare's floor is absolute). */
    for (int l = 0; l < s.layers; l++) {
        size_t kn = (size_t)net_kernel_rows(s, l) * net_row_floats(s, l);
        if (kn == 0)
            continue;
        size_t off = (size_t)(v.w[l] - p);
        snprintf(what, sizeof what, "  %s layer %d kernel", name, l + 1);
        compare(what, g + off, num + off, kn, 2e-2);
    }
    net_cache_free(&c);
    free(p);
    free(g1);
    free(x);
    free(lw);
    free(num);
    if (keep)
        return g;
    free(g);
    return NULL;
}

static void check_net(rng_t *r, float rate, net_shape s)
{
    char name[32];
    snprintf(name, sizeof name, "%d layers", s.layers);
    check_net_x(r, rate, s, name, NULL, NULL, 0);
}

/* A network from --layers items on a c x h x w input. */
static net_shape shape_of(const char *layers, int c, int h, int w)
{
    net_shape s;
    sm_err e;
    memset(&s, 0, sizeof s);
    CHECK(net_parse_layers(layers, &s, &e) == 0, "%s: %s", layers, e.msg);
    net_set_input(&s, c, h, w);
    CHECK(net_check_shape(s, &e) == 0, "%s on %d x %d x %d: %s", layers, c, h, w, e.msg);
    return s;
}

/* Pool's gradient in the dropped last row or column of an odd input
 * (layer 1's input, layer 0's output): zero, written over the garbage. */
static void dropped_zero(const net_cache *c, int R)
{
    net_shape s = c->shape;
    layer_dims d = net_layer_out_dims(s, 0);
    int bad = 0;
    for (int r = 0; r < R; r++)
        for (int ch = 0; ch < d.c; ch++)
            for (int y = 0; y < d.h; y++)
                for (int x = 0; x < d.w; x++)
                    if ((d.h % 2 && y == d.h - 1) || (d.w % 2 && x == d.w - 1))
                        bad += c->g[0][(((size_t)r * d.c + ch) * d.h + y) * d.w + x] != 0.0f;
    CHECK(bad == 0, "%d gradients in pool's dropped row/column are not zero", bad);
}

/* Conv, pool and gap backward inside whole networks, every parameter
 * against central differences: odd sizes (7 x 5: pool drops a row and a
 * column; 3 x 3 pooled to 1 x 1), a conv on 1 x 1 images (its 8 outer
 * taps see only padding), a conv after a pool (conv's input gradient,
 * col2im) and gap on 1 x 1, dense after a flattened conv. */
static void check_conv_nets(rng_t *r)
{
    check_net_x(r, 0.0f, shape_of("conv3,pool,conv4,gap,5", 2, 7, 5), "conv3,pool,conv4,gap,5 "
                "on 2x7x5", NULL, dropped_zero, 0);
    check_net_x(r, 0.3f, shape_of("conv3,conv4,pool,conv2,gap,6,5", 1, 6, 6),
                "conv3,conv4,pool,conv2,gap,6,5 on 6x6", NULL, NULL, 0);
    check_net_x(r, 0.0f, shape_of("conv3,pool,conv4,5", 1, 5, 4), "conv3,pool,conv4,5 on 5x4 "
                "(dense reads C,H,W)", NULL, dropped_zero, 0);
    check_net_x(r, 0.0f, shape_of("conv3,pool,conv4,gap,5", 1, 3, 3),
                "conv3,pool,conv4,gap,5 on 3x3 (to 1x1)", NULL, dropped_zero, 0);
    /* 1 x 1 images: a conv at layer 0 and one at layer 1 (input
     * gradient through the centre tap only), then gap of one pixel. */
    net_shape one = shape_of("conv4,conv3,gap,5", 3, 1, 1);
    float *g = check_net_x(r, 0.0f, one, "conv4,conv3,gap,5 on 3x1x1", NULL, NULL, 1);
    net_views v;
    net_point(&v, g, one);
    int outer = 0;
    for (int l = 0; l < 2; l++) {
        int M = (int)net_row_floats(one, l), K = net_kernel_rows(one, l);
        for (int k = 0; k < K; k++)
            for (int m = 0; m < M && k % 9 != 4; m++)
                outer += v.w[l][k * M + m] != 0.0f;
    }
    CHECK(outer == 0, "a conv on 1 x 1 images: %d outer-tap gradients are not zero", outer);
    free(g);
}

/* Pooling ties at network level: conv1 with only its centre tap (1) and no
 * bias passes the image through its ReLU unchanged, so pool sees windows
 * of equal maxima; the gradient (through net_backward_rows, two workers)
 * must reach the first maximum in row-major order only. Image 4 x 4,
 * windows (row-major within each): {0.5, 0.7, 0.7, 0.2} (tie at 1 and 2),
 * {0.3, 0.3, 0.3, 0.3} (all tie), {0.1, 0.4, 0.2, 0.4} (1 and 3),
 * {0.2, 0.1, 0.9, 0.9} (2 and 3). */
static void check_pool_ties(void)
{
    enum { R = 2 };
    net_shape s = shape_of("conv1,pool,gap", 1, 4, 4);
    static const float win[4][4] = {
        {0.5f, 0.7f, 0.7f, 0.2f}, {0.3f, 0.3f, 0.3f, 0.3f},
        {0.1f, 0.4f, 0.2f, 0.4f}, {0.2f, 0.1f, 0.9f, 0.9f}};
    static const int first[4] = {1, 0, 1, 2};
    float p[11] = {0, 0, 0, 0, 1, 0, 0, 0, 0, 0}; /* w [9, 1], b [1] */
    float x[R * 16], dout[R];
    for (int rr = 0; rr < R; rr++)
        for (int w = 0; w < 4; w++)
            for (int j = 0; j < 4; j++) /* window w at (w / 2, w % 2), j = dy * 2 + dx */
                x[rr * 16 + (2 * (w / 2) + j / 2) * 4 + 2 * (w % 2) + j % 2] = win[w][j];
    dout[0] = 1.0f;
    dout[1] = -2.0f;
    net_cache c;
    sm_err e;
    CHECK(net_cache_init(&c, s, R, KERNELS_AUTO, 1, 2, &e) == 0, "cache: %s", e.msg);
    memcpy(c.x, x, sizeof x);
    net_forward(p, &c, 0, R, NULL, 0);
    for (int i = 0; i < R * 16; i++)
        c.g[0][i] = 1e3f;
    float grads[10];
    train_backward(p, grads, &c, dout, R, 0.0f, 1);
    int wrong = 0;
    for (int rr = 0; rr < R; rr++)
        for (int w = 0; w < 4; w++)
            for (int j = 0; j < 4; j++) {
                float want = j == first[w] ? dout[rr] / 4.0f : 0.0f; /* gap: / 4 pooled pixels */
                float got = c.g[0][rr * 16 + (2 * (w / 2) + j / 2) * 4 + 2 * (w % 2) + j % 2];
                if (got != want) {
                    wrong++;
                    fprintf(stderr, "pool tie: image %d window %d pixel %d: gradient %g, "
                            "want %g\n", rr, w, j, got, want);
                }
            }
    CHECK(wrong == 0, "pool ties: %d gradients off the first maximum rule", wrong);
    /* The centre tap's gradient: the sum of the chosen maxima times dout / 4. */
    double want = 0;
    for (int rr = 0; rr < R; rr++)
        for (int w = 0; w < 4; w++)
            want += win[w][first[w]] * dout[rr] / 4.0;
    CHECK(fabs(grads[4] - want) < 1e-6, "pool ties: centre tap gradient %g, want %g", grads[4],
          want);
    printf("%-28s gradient at the first maximum of each tied window\n", "pool ties");
    net_cache_free(&c);
}

/* The trainer's first conv layer below a pool (c->dy_on_demand): g[0]
 * left unwritten, and the layer's gradient by columns from its dy made
 * an image at a time from the pool's record, gives the bits of the pass
 * that writes g[0] and reads it back, on every split of the columns; ties
 * (pixels of few values) and an odd size with a dropped row included. */
static void check_dy_on_demand(rng_t *r, const char *layers, int C, int H, int W)
{
    enum { R = 6 };
    net_shape s = shape_of(layers, C, H, W);
    CHECK(net_by_columns(s, 0), "%s: the first layer's gradient is not by columns", layers);
    const size_t n = net_param_count(s), IN = (size_t)s.in, H0 = (size_t)net_out(s);
    const int M = (int)net_tail_floats(s, 0);
    float *p = malloc(n * sizeof *p), *want = calloc(n, sizeof *want), *got = calloc(n, sizeof *got);
    float *dout = malloc(R * H0 * sizeof *dout);
    net_init(p, s, r);
    net_views v;
    net_point(&v, p, s);
    fill(v.b[0], (size_t)M, r, -0.1f, 0.2f);
    fill(dout, R * H0, r, -1.0f, 1.0f);
    net_cache c;
    sm_err e;
    CHECK(net_cache_init(&c, s, R, KERNELS_AUTO, 1, 2, &e) == 0, "cache: %s", e.msg);
    for (size_t i = 0; i < R * IN; i++)
        c.x[i] = (float)(i * 7 % 5) / 4.0f; /* five values: ties in the pool windows */
    const size_t g0 = (size_t)R * (size_t)net_layer_out(s, 0);
    int untouched = 1;
    for (int lazy = 0; lazy < 2; lazy++) {
        c.dy_on_demand = lazy;
        for (size_t i = 0; i < g0; i++)
            c.g[0][i] = 1e3f;
        net_forward(p, &c, 0, R, NULL, 0);
        memcpy(c.g[s.layers - 1], dout, R * H0 * sizeof *dout);
        for (int l = 1; l < s.layers; l++)
            net_transpose(&c, p, l, 0, net_kernel_rows(s, l));
        net_backward_rows(&c, 0, R / 2, 0.0f, 0);
        net_backward_rows(&c, R / 2, R - R / 2, 0.0f, 1);
        float *g = lazy ? got : want;
        net_column_grads(&c, g, 0, R, 0, M / 2, 0);
        net_column_grads(&c, g, 0, R, M / 2, M, 1);
        for (size_t i = 0; lazy && i < g0; i++)
            untouched &= c.g[0][i] == 1e3f;
    }
    const size_t first = (size_t)net_kernel_rows(s, 0) * (size_t)M + (size_t)M;
    int nonzero = 0;
    for (size_t i = 0; i < first; i++)
        nonzero += want[i] != 0.0f;
    CHECK(untouched, "%s: dy on demand, yet g[0] was written", layers);
    CHECK(nonzero > 0, "%s: the first layer's gradient is all zero", layers);
    CHECK(memcmp(want, got, first * sizeof *want) == 0,
          "%s: the first layer's gradient from dy made on demand differs from g[0]'s", layers);
    printf("%-28s first layer's dy on demand: g[0]'s bits (%d of %zu nonzero)\n", layers,
           nonzero, first);
    net_cache_free(&c);
    free(p);
    free(want);
    free(got);
    free(dout);
}

int main(void)
{
    rng_t r;
    rng_seed(&r, 2024, 7);
    check_dense(&r);
    check_relu(&r);
    check_distance(&r);
    check_contrastive();
    net_shape three = {10, 3, {6, 6, 6}, {0}, 0, 0, 0}, four = {10, 4, {7, 5, 9, 6}, {0}, 0, 0, 0};
    net_shape one = {10, 1, {6}, {0}, 0, 0, 0};
    check_net(&r, 0.0f, three);
    check_net(&r, 0.3f, three);
    check_net(&r, 0.0f, four);
    check_net(&r, 0.3f, four);
    check_net(&r, 0.3f, one);
    check_conv_nets(&r);
    check_pool_ties();
    for (uint32_t h = 0; h < head_count(); h++)
        check_head(&r, h);
    check_head_subgradients();
    rng_t rd; /* a stream of its own: the draws above stay as they were */
    rng_seed(&rd, 2024, 8);
    check_dy_on_demand(&rd, "conv20,pool,conv4,gap,5", 1, 9, 7);
    check_dy_on_demand(&rd, "conv32,pool,gap,6", 3, 16, 16);

    /* RMSprop reports a step that leaves v or w non-finite: a gradient of
     * 1e20 overflows g^2 although the loss that produced it may be finite. */
    float w[4] = {0.1f, -0.2f, 0.3f, 0.4f}, v[4] = {0}, g[4] = {0.5f, -0.1f, 0.2f, 0.3f};
    rmsprop_cfg cfg = {0.001f, 0.9f, 1e-7f};
    CHECK(rmsprop_step(w, v, g, 4, cfg) == 0, "a normal step was reported non-finite");
    CHECK(fabsf(w[0] - (0.1f - 0.001f * 0.5f / sqrtf(0.1f * 0.25f + 1e-7f))) < 1e-7f,
          "Keras-3 RMSprop: w[0] = %.9g", w[0]);
    g[2] = 1e20f;
    CHECK(rmsprop_step(w, v, g, 4, cfg) == 1 && isinf(v[2]), "an overflowing v went unnoticed");
    return check_done("gradcheck");
}
