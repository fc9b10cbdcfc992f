/* test_conv.c - the convolution, max pooling and global average pooling
 * kernels (conv.h, maxpool.h, gap.h), not yet layer rows (issue 18):
 *  - conv forward, input gradient and weight gradient against the sums
 *    conv.h documents, written out as direct loops here (no im2col):
 *    identical bits, on every exact kernel path the CPU has;
 *  - finite differences of conv's input, weight and bias gradients, of
 *    max pooling (odd sizes, 1 x 1) and of global average pooling;
 *  - max pooling against a direct scan of each window, and its ties (the
 *    first maximum in row-major order);
 *  - the weight gradient's rows split in two parts vs one: same bits;
 *  - the bias gradient against its one chain per channel: same bits;
 *  - a first layer's gradients split by output channels: same bits;
 *  - im2col (conv_im2col_group) against its one-row definition, on data
 *    with NaN, -0 and infinities, row ranges cut inside channels.
 *  - conv_col2im alone against its sum written out, with NaN, -0 and
 *    infinities in dcols and NaN around it: same bits.
 * R = images, C = input channels, H x W = P positions, M = output
 * channels, K = 9 C kernel rows; tensors channels first.
 *
 * Finite differences: central, loss L = sum(lw * y) accumulated in double
 * around the float code. Conv (between ReLU kinks), max pooling (between
 * ties) and gap are linear in each input, so the difference quotient has
 * no truncation error; what remains is the float rounding of the outputs
 * (about 1e-7 each, some 1e-6 over the sum) over 2 eps: about 1e-4 at
 * eps = 0.01, 1e-3 at the retry step eps/8. Hence a tolerance of 5e-3,
 * relative to max(|g|, a tenth of the largest |g|). An entry whose step
 * moves a pre-activation across 0 (or an argmax) at eps and at eps/8 is
 * skipped (counted: at most a quarter of the entries, plus one). */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "activation.h"
#include "check.h"
#include "conv.h"
#include "gap.h"
#include "gemm.h"
#include "maxpool.h"
#include "rng.h"

#define EPS 0.01f
#define TOL 5e-3

static void fill(float *x, size_t n, rng_t *r, float lo, float hi)
{
    for (size_t i = 0; i < n; i++)
        x[i] = lo + (hi - lo) * rng_float(r);
}

static float *floats(size_t n)
{
    float *p = calloc(n ? n : 1, sizeof(float));
    if (!p) {
        fprintf(stderr, "out of memory\n");
        exit(1);
    }
    return p;
}

/* x[c][iy][ix] of one image [C, H, W], 0 outside (the zero padding). */
static float at(const float *x, int H, int W, int c, int iy, int ix)
{
    if (iy < 0 || iy >= H || ix < 0 || ix >= W)
        return 0.0f;
    return x[((size_t)c * H + iy) * W + ix];
}

/* y [R, M, H, W]: conv.h's forward sum, directly. */
static void direct_forward(float *y, const float *x, const float *w, const float *b, int R, int C,
                           int H, int W, int M)
{
    for (int r = 0; r < R; r++)
        for (int m = 0; m < M; m++)
            for (int oy = 0; oy < H; oy++)
                for (int ox = 0; ox < W; ox++) {
                    const float *xr = x + (size_t)r * C * H * W;
                    float acc = 0.0f;
                    for (int c = 0; c < C; c++)
                        for (int ky = 0; ky < 3; ky++)
                            for (int kx = 0; kx < 3; kx++)
                                acc = fmaf(at(xr, H, W, c, oy + ky - 1, ox + kx - 1),
                                           w[((c * 3 + ky) * 3 + kx) * M + m], acc);
                    acc = acc + b[m];
                    y[(((size_t)r * M + m) * H + oy) * W + ox] = acc > 0.0f ? acc : 0.0f;
                }
}

/* dx [R, C, H, W]: conv.h's dcols chain and its taps in order, directly. */
static void direct_input_grad(float *dx, const float *dy, const float *w, int R, int C, int H,
                              int W, int M)
{
    size_t P = (size_t)H * W;
    for (int r = 0; r < R; r++)
        for (int c = 0; c < C; c++)
            for (int iy = 0; iy < H; iy++)
                for (int ix = 0; ix < W; ix++) {
                    float s = 0.0f;
                    for (int ky = 0; ky < 3; ky++)
                        for (int kx = 0; kx < 3; kx++) {
                            int oy = iy - ky + 1, ox = ix - kx + 1, k = (c * 3 + ky) * 3 + kx;
                            if (oy < 0 || oy >= H || ox < 0 || ox >= W)
                                continue;
                            float acc = 0.0f;
                            for (int m = 0; m < M; m++)
                                acc = fmaf(w[k * M + m],
                                           dy[((size_t)r * M + m) * P + oy * W + ox], acc);
                            s = s + acc;
                        }
                    dx[(((size_t)r * C + c) * H + iy) * W + ix] = s;
                }
}

/* dw [K, M]: one chain over images, then positions, directly. */
static void direct_weight_grad(float *dw, const float *x, const float *dy, int R, int C, int H,
                               int W, int M)
{
    size_t P = (size_t)H * W;
    for (int k = 0; k < 9 * C; k++)
        for (int m = 0; m < M; m++) {
            int c = k / 9, ky = k / 3 % 3, kx = k % 3;
            float acc = 0.0f;
            for (int r = 0; r < R; r++)
                for (int oy = 0; oy < H; oy++)
                    for (int ox = 0; ox < W; ox++)
                        acc = fmaf(at(x + (size_t)r * C * P, H, W, c, oy + ky - 1, ox + kx - 1),
                                   dy[((size_t)r * M + m) * P + oy * W + ox], acc);
            dw[k * M + m] = acc;
        }
}

/* One conv shape and its buffers: x [R, C, H, W], w [K, M], b [M],
 * b [M] right after w (one buffer, as the layer keeps them),
 * y and dy [R, M, H, W], dx like x, dw like w, lw like y (the loss's
 * weights), y0 (the unperturbed output), scratch for every call. */
typedef struct {
    int R, C, H, W, M;
    float *x, *w, *b, *y, *y0, *dy, *lw, *dx, *dw, *db, *scratch;
} conv_case;

static size_t n_in(const conv_case *t) { return (size_t)t->R * t->C * t->H * t->W; }
static size_t n_out(const conv_case *t) { return (size_t)t->R * t->M * t->H * t->W; }
static size_t n_w(const conv_case *t) { return (size_t)9 * t->C * t->M; }

static conv_case case_new(int R, int C, int H, int W, int M, rng_t *r)
{
    conv_case t = {.R = R, .C = C, .H = H, .W = W, .M = M};
    size_t s1 = conv_scratch(C, H, W, M), s2 = conv_weight_scratch(C, H, W, M);
    t.x = floats(n_in(&t));
    t.dx = floats(n_in(&t));
    t.w = floats(n_w(&t) + (size_t)M); /* w [K, M] then b [M], as conv_forward reads them */
    t.dw = floats(n_w(&t));
    t.b = t.w + n_w(&t);
    t.db = floats(M);
    t.y = floats(n_out(&t));
    t.y0 = floats(n_out(&t));
    t.dy = floats(n_out(&t));
    t.lw = floats(n_out(&t));
    t.scratch = floats(s1 > s2 ? s1 : s2);
    fill(t.x, n_in(&t), r, -1.0f, 1.0f);
    fill(t.w, n_w(&t), r, -0.5f, 0.5f);
    fill(t.b, M, r, -0.3f, 0.3f);
    fill(t.dy, n_out(&t), r, -1.0f, 1.0f);
    fill(t.lw, n_out(&t), r, -1.0f, 1.0f);
    return t;
}

static void case_free(conv_case *t)
{
    float *all[] = {t->x, t->w, t->y, t->y0, t->dy, t->lw, t->dx, t->dw, t->db, t->scratch};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++)
        free(all[i]);
}

static int same(const float *a, const float *b, size_t n)
{
    return memcmp(a, b, n * sizeof(float)) == 0;
}

/* Every exact path this CPU has, generic first; their count. */
static int exact_paths(kernels_path *out)
{
    static const kernels_path want[] = {KERNELS_GENERIC, KERNELS_AVX2, KERNELS_AVX512};
    int n = 0;
    for (int i = 0; i < 3; i++) {
        if (kernels_available(want[i]) && kernels_exact(want[i]))
            out[n++] = want[i];
        else
            printf("SKIP (part): kernel path %s: this CPU lacks it\n",
                   kernels_row_of(want[i])->name);
    }
    return n;
}

/* The weight gradient on path p, rows split at `cut` (0: one call). */
static void weight_grad_split(kernels_path p, conv_case *t, int cut)
{
    int K = 9 * t->C;
    if (cut <= 0 || cut >= K) {
        conv_weight_grad(p, t->dw, t->x, t->dy, t->R, t->C, t->H, t->W, t->M, 0, K, t->scratch);
        return;
    }
    conv_weight_grad(p, t->dw, t->x, t->dy, t->R, t->C, t->H, t->W, t->M, 0, cut, t->scratch);
    conv_weight_grad(p, t->dw, t->x, t->dy, t->R, t->C, t->H, t->W, t->M, cut, K, t->scratch);
}

/* Forward, input and weight gradients (whole, and split in two) on every
 * exact path: the bits of the direct loops above. */
static void check_exact(int R, int C, int H, int W, int M, rng_t *r)
{
    conv_case t = case_new(R, C, H, W, M, r);
    float *yr = floats(n_out(&t)), *dxr = floats(n_in(&t)), *dwr = floats(n_w(&t));
    direct_forward(yr, t.x, t.w, t.b, R, C, H, W, M);
    direct_input_grad(dxr, t.dy, t.w, R, C, H, W, M);
    direct_weight_grad(dwr, t.x, t.dy, R, C, H, W, M);
    kernels_path paths[3];
    int np = exact_paths(paths), cuts[] = {0, 1, 9 * C / 2 + 1, 9 * C - 1};
    for (int q = 0; q < np; q++) {
        const char *name = kernels_row_of(paths[q])->name;
        conv_forward(paths[q], t.y, t.x, t.w, R, C, H, W, M, t.scratch);
        CHECK(same(t.y, yr, n_out(&t)), "forward %s %dx%dx%dx%d->%d", name, R, C, H, W, M);
        conv_input_grad(paths[q], t.dx, t.dy, t.w, R, C, H, W, M, t.scratch);
        CHECK(same(t.dx, dxr, n_in(&t)), "input grad %s %dx%dx%dx%d", name, R, C, H, W);
        for (int i = 0; i < 4; i++) {
            memset(t.dw, 0xff, n_w(&t) * sizeof(float));
            weight_grad_split(paths[q], &t, cuts[i]);
            CHECK(same(t.dw, dwr, n_w(&t)), "weight grad %s cut %d %dx%dx%dx%d->%d", name,
                  cuts[i], R, C, H, W, M);
        }
    }
    /* db: one addition chain per channel, images then positions */
    float *dbr = floats((size_t)M);
    for (int m = 0; m < M; m++) {
        float acc = 0.0f;
        for (int q = 0; q < R; q++)
            for (int i = 0; i < H * W; i++)
                acc = acc + t.dy[((size_t)q * M + m) * H * W + i];
        dbr[m] = acc;
    }
    memset(t.db, 0xff, (size_t)M * sizeof(float));
    conv_bias_grad(t.db, t.dy, R, H, W, M, 0, M);
    CHECK(same(t.db, dbr, (size_t)M), "bias grad %dx%dx%d->%d", R, H, W, M);
    /* both in one pass (the trainer's), the rows and the bias entries
     * split between two calls, one of them with no kernel rows at all */
    const int K = 9 * C, kc = K / 2 + 1, mc = M / 3 + 1 < M ? M / 3 + 1 : M;
    for (int q = 0; q < np; q++) {
        memset(t.dw, 0xff, n_w(&t) * sizeof(float));
        memset(t.db, 0xff, (size_t)M * sizeof(float));
        conv_grads(paths[q], t.dw, t.db, t.x, t.dy, R, C, H, W, M, 0, kc, 0, mc, t.scratch);
        conv_grads(paths[q], t.dw, t.db, t.x, t.dy, R, C, H, W, M, kc, K, mc, M, t.scratch);
        CHECK(same(t.dw, dwr, n_w(&t)) && same(t.db, dbr, (size_t)M),
              "weight and bias grads in one pass %s %dx%dx%dx%d->%d",
              kernels_row_of(paths[q])->name, R, C, H, W, M);
        memset(t.db, 0xff, (size_t)M * sizeof(float));
        conv_grads(paths[q], t.dw, t.db, t.x, t.dy, R, C, H, W, M, K, K, 0, M, t.scratch);
        CHECK(same(t.db, dbr, (size_t)M), "bias grad alone in one pass %s %dx%dx%d->%d",
              kernels_row_of(paths[q])->name, R, H, W, M);
        if (conv_few_rows(C)) { /* the first layer's split by output channels */
            memset(t.dw, 0xff, n_w(&t) * sizeof(float));
            memset(t.db, 0xff, (size_t)M * sizeof(float));
            conv_grads_columns(paths[q], t.dw, t.db, t.x, t.dy, R, C, H, W, M, 0, mc, t.scratch);
            conv_grads_columns(paths[q], t.dw, t.db, t.x, t.dy, R, C, H, W, M, mc, M, t.scratch);
            CHECK(same(t.dw, dwr, n_w(&t)) && same(t.db, dbr, (size_t)M),
                  "weight and bias grads split by channels %s %dx%dx%dx%d->%d",
                  kernels_row_of(paths[q])->name, R, C, H, W, M);
        }
    }
    free(dbr);
    printf("conv %dx%dx%dx%d -> %d: bits of the direct sums on %d exact path(s)\n", R, C, H, W,
           M, np);
    free(yr);
    free(dxr);
    free(dwr);
    case_free(&t);
}

/* L = sum(lw * y) of the forward pass (generic path); *kink set when an
 * output's ReLU state differs from y0's. */
static double conv_loss(conv_case *t, int *kink)
{
    conv_forward(KERNELS_GENERIC, t->y, t->x, t->w, t->R, t->C, t->H, t->W, t->M, t->scratch);
    double L = 0;
    for (size_t i = 0; i < n_out(t); i++) {
        L += (double)t->lw[i] * t->y[i];
        if ((t->y[i] > 0.0f) != (t->y0[i] > 0.0f))
            *kink = 1;
    }
    return L;
}

/* Central difference of L in v[i] (one of t's buffers), step eps; NAN
 * across a kink. */
static double conv_numeric(conv_case *t, float *v, size_t i, float eps)
{
    float old = v[i];
    int kink = 0;
    v[i] = old + eps;
    float vp = v[i];
    double lp = conv_loss(t, &kink);
    v[i] = old - eps;
    float vm = v[i];
    double lm = conv_loss(t, &kink);
    v[i] = old;
    return kink ? NAN : (lp - lm) / ((double)vp - vm);
}

/* Analytic a [n] against the numeric gradient fn(ctx, i) (NAN: skipped),
 * relative to max(|g|, a tenth of the largest |g|). */
static void compare(const char *what, const float *a, size_t n, double (*fn)(void *, size_t),
                    void *ctx)
{
    double *g = malloc((n ? n : 1) * sizeof(double)), gmax = 0, worst = 0, amax = 0;
    size_t at_i = 0, skipped = 0;
    for (size_t i = 0; i < n; i++) {
        g[i] = fn(ctx, i);
        skipped += isnan(g[i]) != 0;
        gmax = fabs(g[i]) > gmax ? fabs(g[i]) : gmax;
    }
    for (size_t i = 0; i < n; i++) {
        double den = fabs(g[i]) > 0.1 * gmax ? fabs(g[i]) : 0.1 * gmax + 1e-30;
        double rel = isnan(g[i]) ? 0 : fabs(a[i] - g[i]) / den;
        if (isnan(rel))
            rel = INFINITY; /* an entry left unwritten (NaN) */
        if (rel > worst) {
            worst = rel;
            at_i = i;
        }
        amax = fabs(a[i]) > amax ? fabs(a[i]) : amax;
    }
    printf("%-24s max rel diff %.2e at %zu (|grad| max %.3g, %zu of %zu skipped at kinks)\n",
           what, worst, at_i, amax, skipped, n);
    CHECK(worst < TOL, "%s: gradient mismatch %.3g at %zu", what, worst, at_i);
    CHECK(amax > 1e-3, "%s: gradient is trivially zero", what);
    CHECK(skipped <= n / 4 + 1, "%s: %zu of %zu entries at kinks", what, skipped, n);
    free(g);
}

typedef struct {
    conv_case *t;
    float *v;
} conv_probe;

static double conv_probe_at(void *ctx, size_t i)
{
    conv_probe *p = ctx;
    double g = NAN;
    for (float eps = EPS; isnan(g) && eps > EPS / 10; eps /= 8)
        g = conv_numeric(p->t, p->v, i, eps); /* a smaller step past a kink */
    return g;
}

/* dy = lw where the output is positive (ReLU's backward), then the three
 * gradients against finite differences of L = sum(lw * y). */
static void check_conv_fd(int R, int C, int H, int W, int M, rng_t *r)
{
    conv_case t = case_new(R, C, H, W, M, r);
    int kink = 0;
    conv_loss(&t, &kink);
    memcpy(t.y0, t.y, n_out(&t) * sizeof(float));
    for (size_t i = 0; i < n_out(&t); i++)
        t.dy[i] = t.y0[i] > 0.0f ? t.lw[i] : 0.0f;
    conv_input_grad(KERNELS_GENERIC, t.dx, t.dy, t.w, R, C, H, W, M, t.scratch);
    weight_grad_split(KERNELS_GENERIC, &t, 0);
    conv_bias_grad(t.db, t.dy, R, H, W, M, 0, M);
    char what[64];
    conv_probe px = {&t, t.x}, pw = {&t, t.w}, pb = {&t, t.b};
    snprintf(what, sizeof what, "conv dx %dx%dx%dx%d->%d", R, C, H, W, M);
    compare(what, t.dx, n_in(&t), conv_probe_at, &px);
    snprintf(what, sizeof what, "conv dw %dx%dx%dx%d->%d", R, C, H, W, M);
    compare(what, t.dw, n_w(&t), conv_probe_at, &pw);
    snprintf(what, sizeof what, "conv db %dx%dx%dx%d->%d", R, C, H, W, M);
    compare(what, t.db, (size_t)M, conv_probe_at, &pb);
    case_free(&t);
}

/* A pooling case: x [R, C, H, W], lw [R, C, Ho, Wo] (pool) or [R, C]
 * (gap), y like lw, arg0 the unperturbed argmax. */
typedef struct {
    int R, C, H, W, gap;
    float *x, *y, *lw;
    int32_t *arg, *arg0;
} pool_case;

static size_t pool_outs(const pool_case *t)
{
    return t->gap ? (size_t)t->R * t->C : (size_t)t->R * t->C * (t->H / 2) * (t->W / 2);
}

/* arg [R, C, H/2, W/2]: where each window's first maximum is (its index
 * in the image, c H W + iy W + ix), by a direct scan of the window. */
static void direct_arg(int32_t *arg, const float *x, int R, int C, int H, int W)
{
    int Ho = H / 2, Wo = W / 2;
    for (int i = 0; i < R * C; i++)
        for (int o = 0; o < Ho * Wo; o++) {
            int top = 2 * (o / Wo) * W + 2 * (o % Wo);
            int32_t win[4] = {top, top + 1, top + W, top + W + 1}, best = win[0];
            const float *xi = x + (size_t)i * H * W;
            for (int j = 1; j < 4; j++)
                best = xi[win[j]] > xi[best] ? win[j] : best;
            arg[(size_t)i * Ho * Wo + o] = (i % C) * H * W + best;
        }
}

/* L = sum(lw * y); NAN when the step moved an argmax (a tie crossed). */
static double pool_loss(pool_case *t)
{
    if (t->gap) {
        gap_forward(t->y, t->x, t->R, t->C, t->H, t->W);
    } else {
        maxpool_forward(t->y, t->x, t->R, t->C, t->H, t->W);
        direct_arg(t->arg, t->x, t->R, t->C, t->H, t->W);
    }
    double L = 0;
    for (size_t i = 0; i < pool_outs(t); i++) {
        L += (double)t->lw[i] * t->y[i];
        if (!t->gap && t->arg[i] != t->arg0[i])
            return NAN;
    }
    return L;
}

static double pool_probe_at(void *ctx, size_t i)
{
    pool_case *t = ctx;
    float old = t->x[i];
    t->x[i] = old + EPS;
    float vp = t->x[i];
    double lp = pool_loss(t);
    t->x[i] = old - EPS;
    float vm = t->x[i];
    double lm = pool_loss(t);
    t->x[i] = old;
    return (lp - lm) / ((double)vp - vm);
}

/* Max pooling's y against the window scanned here (direct_arg: the
 * largest of the four, at its first place in row-major order). */
static void check_pool_direct(const pool_case *t)
{
    int Ho = t->H / 2, Wo = t->W / 2, bad = 0;
    size_t img = (size_t)t->C * t->H * t->W;
    for (int i = 0; i < t->R * t->C; i++)
        for (int o = 0; o < Ho * Wo; o++) {
            size_t at_o = (size_t)i * Ho * Wo + o;
            bad += t->y[at_o] != t->x[(size_t)(i / t->C) * img + t->arg[at_o]];
        }
    CHECK(bad == 0, "maxpool %dx%dx%dx%d: %d windows differ from the direct max", t->R, t->C,
          t->H, t->W, bad);
}

/* Max pooling (gap = 0) or global average pooling (gap = 1) backward
 * against finite differences; a 1-pixel side (no pooled output) must give
 * an all-zero gradient instead. */
static void check_pool_fd(int gap, int R, int C, int H, int W, rng_t *r)
{
    size_t n = (size_t)R * C * H * W;
    pool_case t = {.R = R, .C = C, .H = H, .W = W, .gap = gap};
    t.x = floats(n);
    t.y = floats(n);
    t.lw = floats(n);
    float *dx = floats(n);
    t.arg = calloc(n, sizeof(int32_t));
    t.arg0 = calloc(n, sizeof(int32_t));
    fill(t.x, n, r, 0.0f, 1.0f); /* after a ReLU; distinct with probability 1 */
    fill(t.lw, n, r, -1.0f, 1.0f);
    pool_loss(&t);
    if (!gap)
        check_pool_direct(&t);
    memcpy(t.arg0, t.arg, n * sizeof(int32_t));
    memset(dx, 0xff, n * sizeof(float));
    if (gap)
        gap_backward(dx, t.lw, R, C, H, W);
    else
        maxpool_backward(dx, t.lw, t.x, R, C, H, W);
    char what[64];
    snprintf(what, sizeof what, "%s dx %dx%dx%dx%d", gap ? "gap" : "maxpool", R, C, H, W);
    if (pool_outs(&t) == 0) {
        int zero = 1;
        for (size_t i = 0; i < n; i++)
            zero &= dx[i] == 0.0f;
        CHECK(zero, "%s: no output, yet a gradient", what);
        printf("%-34s no output, zero gradient\n", what);
    } else {
        compare(what, dx, n, pool_probe_at, &t);
    }
    free(t.x);
    free(t.y);
    free(t.lw);
    free(t.arg);
    free(t.arg0);
    free(dx);
}

/* Ties go to the first maximum in row-major order; an odd side drops its
 * last row and column; backward puts dy at the argmax, 0 elsewhere. */
static void check_pool_ties(void)
{
    /* one 5 x 5 plane: four windows, then a dropped row and column (9s) */
    const float x[25] = {1, 1, 0, 2, 9, /* */ 1, 1, 2, 1, 9, /* */ 0, 0, 4, 4, 9,
                         3, 3, 4, 4, 9, /* */ 9, 9, 9, 9, 9};
    const int32_t want_arg[4] = {0, 3, 15, 12};
    const float want_y[4] = {1, 2, 3, 4}, dy[4] = {10, 20, 30, 40};
    float y[4], dx[25];
    maxpool_forward(y, x, 1, 1, 5, 5);
    for (int i = 0; i < 4; i++)
        CHECK(y[i] == want_y[i], "window %d: y %g, want %g", i, y[i], want_y[i]);
    memset(dx, 0xff, sizeof dx);
    maxpool_backward(dx, dy, x, 1, 1, 5, 5);
    for (int i = 0; i < 25; i++) {
        float want = 0.0f;
        for (int j = 0; j < 4; j++)
            if (want_arg[j] == i)
                want = dy[j];
        CHECK(dx[i] == want, "dx[%d] = %g, want %g", i, dx[i], want);
    }
    printf("maxpool ties, odd size: first maximum, dropped row and column\n");
}

/* The fused backward passes (pool or gap, then the ReLU backward of the
 * layer below) give the bits of the two passes one after the other, on
 * inputs with negatives, zeros of both signs, ties and odd sizes. */
static void check_fused_relu(int R, int C, int H, int W, rng_t *r)
{
    size_t n = (size_t)R * C * H * W;
    float *x = floats(n), *dy = floats(n), *want = floats(n), *got = floats(n);
    fill(x, n, r, -1.0f, 1.0f);
    fill(dy, n, r, -1.0f, 1.0f);
    for (size_t i = 0; i < n; i += 5)
        x[i] = i % 2 ? -0.0f : 0.0f;
    for (size_t i = 3; i < n; i += 7)
        x[i] = x[i - 1];
    for (int gap = 0; gap < 2; gap++) {
        memset(want, 0xff, n * sizeof(float));
        memset(got, 0x7f, n * sizeof(float));
        if (gap) {
            gap_backward(want, dy, R, C, H, W);
            gap_backward_relu(got, dy, x, R, C, H, W);
        } else {
            maxpool_backward(want, dy, x, R, C, H, W);
            maxpool_backward_relu(got, dy, x, R, C, H, W);
        }
        relu_dropout_backward(want, x, n, 1.0f);
        CHECK(memcmp(want, got, n * sizeof(float)) == 0,
              "%s backward with ReLU %dx%dx%dx%d: not the bits of the two passes",
              gap ? "gap" : "maxpool", R, C, H, W);
    }
    free(x);
    free(dy);
    free(want);
    free(got);
}

/* The training pair (maxpool_forward_taps, maxpool_backward_taps: the
 * backward from the forward's record, not from x) gives the x-based
 * functions' bits: y, then dx with and without the ReLU, on inputs with
 * negatives, zeros of both signs, ties, a NaN and odd sizes. */
static void check_pool_taps(int R, int C, int H, int W, rng_t *r)
{
    size_t n = (size_t)R * C * H * W, no = (size_t)R * C * (H / 2) * (W / 2);
    float *x = floats(n), *dy = floats(no + 1), *want = floats(n), *got = floats(n);
    float *y = floats(no + 1), *yt = floats(no + 1);
    int32_t *taps = malloc((no + 1) * sizeof *taps);
    fill(x, n, r, -1.0f, 1.0f);
    fill(dy, no, r, -1.0f, 1.0f);
    /* five values (ties between any two taps of a window), zeros of both
     * signs, a NaN */
    for (size_t i = 0; i < n; i++)
        x[i] = floorf(x[i] * 2.5f) / 2.0f;
    for (size_t i = 0; i < n; i += 5)
        x[i] = i % 2 ? -0.0f : 0.0f;
    x[n / 2] = NAN;
    maxpool_forward(y, x, R, C, H, W);
    memset(taps, 0xff, (no + 1) * sizeof *taps);
    maxpool_forward_taps(yt, taps, x, R, C, H, W);
    CHECK(memcmp(y, yt, no * sizeof(float)) == 0, "maxpool taps %dx%dx%dx%d: y differs", R, C,
          H, W);
    for (int relu = 0; relu < 2; relu++) {
        memset(want, 0xff, n * sizeof(float));
        memset(got, 0x7f, n * sizeof(float));
        (relu ? maxpool_backward_relu : maxpool_backward)(want, dy, x, R, C, H, W);
        maxpool_backward_taps(got, dy, taps, R, C, H, W, relu);
        CHECK(memcmp(want, got, n * sizeof(float)) == 0,
              "maxpool backward from taps %dx%dx%dx%d, relu %d: not the bits from x", R, C, H,
              W, relu);
    }
    free(x);
    free(dy);
    free(want);
    free(got);
    free(y);
    free(yt);
    free(taps);
}

/* gap's sum runs in row-major order from +0, then one division: with
 * 1e8, 1, -1e8, 1 that is ((1e8 + 1) - 1e8) + 1 = 1 in float, so 0.25
 * (a pairwise sum would give 0). */
/* conv_im2col_group (the forward's and the weight gradient's im2col)
 * against conv_im2col_row, the definition, bit for bit: G images of C
 * channels, rows k0 .. k1-1 into an operand whose rows are ld = G P + 3
 * apart (the 3 columns after each row, and 9 rows' worth of floats before
 * the first row and after the last, must stay as they were). The data has NaNs (quiet and signalling, with
 * payloads), -0 and +-infinity planted, some in the first and last
 * columns, where the horizontal taps read padding: a mask applied by
 * arithmetic (v * keep) would turn those into NaN or -0. */
static void check_im2col(int G, int C, int H, int W, int k0, int k1, rng_t *r)
{
    const size_t P = (size_t)H * W, n = (size_t)G * C * P, ld = (size_t)G * P + 3;
    const size_t rows = (size_t)(k1 - k0), guard = 9 * ld, size = rows * ld + 2 * guard;
    float *x = floats(n), *got = floats(size), *want = floats(size), *row = floats(P);
    float *work = floats(conv_im2col_work(G, H, W));
    fill(x, n, r, -2.0f, 2.0f);
    static const uint32_t odd[] = {0x7fc12345u, 0xff812345u, 0x80000000u, 0x7f800000u,
                                   0xff800000u, 0x00000001u};
    for (size_t i = 0; i < n; i += 1 + rng_below(r, 4)) /* some at the edges */
        memcpy(x + i, &odd[rng_below(r, 6)], sizeof(float));
    memcpy(x, &odd[0], sizeof(float));
    memcpy(x + n - 1, &odd[1], sizeof(float));
    memset(got, 0xa5, size * sizeof(float));
    memset(want, 0xa5, size * sizeof(float));
    for (int g = 0; g < G; g++)
        for (int k = k0; k < k1; k++) {
            conv_im2col_row(row, x + (size_t)g * C * P, H, W, k);
            memcpy(want + guard + (size_t)(k - k0) * ld + (size_t)g * P, row, P * sizeof(float));
        }
    memset(work, 0x7f, conv_im2col_work(G, H, W) * sizeof(float)); /* stale work */
    conv_im2col_group(got + guard, ld, x, G, C, H, W, k0, k1, work);
    CHECK(memcmp(got, want, size * sizeof(float)) == 0,
          "im2col of %d images %dx%dx%d, rows %d .. %d: not conv_im2col_row's bits", G, C, H, W,
          k0, k1 - 1);
    free(x);
    free(got);
    free(want);
    free(row);
    free(work);
}

static void check_gap_order(void)
{
    const float x[4] = {1e8f, 1.0f, -1e8f, 1.0f};
    float y, dx[4], dy = 1.0f;
    gap_forward(&y, x, 1, 1, 2, 2);
    CHECK(y == 0.25f, "gap of 1e8, 1, -1e8, 1 is %g, want 0.25 (row-major sum)", y);
    gap_backward(dx, &dy, 1, 1, 2, 2);
    CHECK(dx[0] == 0.25f && dx[3] == 0.25f, "gap backward %g, want 0.25", dx[0]);
}

/* conv_col2im against conv.h's sum written out (tap by tap, skipped
 * outside, from +0), bit for bit: dcols [9 C, P] rows ld = P + 5 apart,
 * random values with NaN (payloads of their own), -0 and +-inf planted
 * (used and unused positions alike), the gaps between rows and the
 * margins the function may read (W + 1 floats before, W + 8 after) all
 * NaN: a tap read where it is not used, or a tap left out, shows (bits
 * compared, any NaN taken for a NaN). dx is
 * filled with 0xff first and has a sentinel after it (written exactly
 * C P floats). C need not be a multiple of 8. */
static void check_col2im(int C, int H, int W, rng_t *r)
{
    const size_t P = (size_t)H * W, ld = P + 5, lo = (size_t)W + 1;
    const size_t n = lo + (size_t)(9 * C - 1) * ld + P + (size_t)W + 8;
    float *buf = floats(n), *dx = floats((size_t)C * P + 8), *want = floats((size_t)C * P);
    float *masks = floats(conv_col2im_masks_size(H, W));
    const uint32_t gap_nan = 0x7fc0beefu;
    for (size_t i = 0; i < n; i++)
        memcpy(buf + i, &gap_nan, sizeof gap_nan);
    float *dcols = buf + lo;
    for (size_t k = 0; k < (size_t)9 * C; k++)
        for (size_t i = 0; i < P; i++) {
            /* magnitudes 0.1 .. 10 with full mantissas, so that sums in
             * another order round differently */
            float v = (2.0f * rng_float(r) - 1.0f) * (0.1f + 9.9f * rng_float(r));
            float u = rng_float(r);
            uint32_t nan = 0x7fc00000u | (uint32_t)(k * P + i + 1);
            if (u < 0.01f)
                memcpy(&v, &nan, sizeof v);
            else if (u < 0.03f)
                v = -0.0f;
            else if (u < 0.04f)
                v = u < 0.035f ? INFINITY : -INFINITY;
            dcols[k * ld + i] = v;
        }
    for (int c = 0; c < C; c++)
        for (int iy = 0; iy < H; iy++)
            for (int ix = 0; ix < W; ix++) {
                float acc = 0.0f;
                for (int ky = 0; ky < 3; ky++)
                    for (int kx = 0; kx < 3; kx++) {
                        int oy = iy - ky + 1, ox = ix - kx + 1;
                        if (oy >= 0 && oy < H && ox >= 0 && ox < W)
                            acc = acc + dcols[(size_t)((c * 3 + ky) * 3 + kx) * ld +
                                              (size_t)oy * W + (size_t)ox];
                    }
                want[(size_t)c * P + (size_t)iy * W + (size_t)ix] = acc;
            }
    memset(dx, 0xff, ((size_t)C * P + 8) * sizeof(float));
    conv_col2im_masks(masks, H, W);
    conv_col2im(dx, dcols, ld, C, H, W, masks);
    /* bits, but any NaN for a NaN: which payload a sum of two NaNs keeps
     * depends on the operands' order in the instruction, and to the
     * compiler + commutes (the direct sum here and the vector code may
     * differ; so did the code before) */
    int ok = 1;
    for (size_t i = 0; i < (size_t)C * P; i++)
        ok &= isnan(want[i]) ? isnan(dx[i]) != 0 : same(dx + i, want + i, 1);
    CHECK(ok, "col2im %dx%dx%d: not the bits of the direct sum", C, H, W);
    uint32_t tail[8], ff[8];
    memcpy(tail, dx + (size_t)C * P, sizeof tail);
    memset(ff, 0xff, sizeof ff);
    CHECK(memcmp(tail, ff, sizeof tail) == 0, "col2im %dx%dx%d wrote past dx", C, H, W);
    if (ok)
        printf("col2im %dx%dx%d: bits of the direct sum, NaN, -0 and inf planted\n", C, H, W);
    free(buf);
    free(dx);
    free(want);
    free(masks);
}

int main(void)
{
    /* im2col against its one-row definition: the sizes of the brief's
     * list (1 x 1, a row, a column, odd and the target's planes), all rows
     * and ranges that start and end inside a channel; first (a wrong row
     * range fails here before it corrupts the heap below), on a stream of
     * its own */
    rng_t ri;
    rng_seed(&ri, 18, 5);
    static const int planes[][2] = {{1, 1}, {1, 5}, {5, 1}, {2, 3}, {7, 7}, {14, 14}, {7, 9}};
    static const int ranges[][2] = {{0, 27}, {4, 23}, {10, 11}, {9, 18}, {1, 8}, {0, 1}};
    for (size_t i = 0; i < sizeof planes / sizeof *planes; i++)
        for (size_t j = 0; j < sizeof ranges / sizeof *ranges; j++)
            check_im2col(1 + (int)(j % 3), 3, planes[i][0], planes[i][1], ranges[j][0],
                         ranges[j][1], &ri);
    printf("im2col: conv_im2col_row's bits on %zu plane sizes, %zu row ranges\n",
           sizeof planes / sizeof *planes, sizeof ranges / sizeof *ranges);
    rng_t r;
    rng_seed(&r, 18, 0);
    /* shapes: tiny, 1 x 1, odd sizes, wider than a vector tile (M > 16,
     * P > 64), several images */
    static const int shapes[][5] = {{1, 1, 1, 1, 1},  {2, 2, 1, 1, 3},   {1, 1, 3, 3, 2},
                                    {3, 2, 5, 7, 5},  {2, 3, 9, 11, 20}, {2, 4, 8, 8, 33},
                                    {1, 1, 28, 28, 8}, {4, 5, 6, 13, 70}};
    for (size_t i = 0; i < sizeof shapes / sizeof *shapes; i++)
        check_exact(shapes[i][0], shapes[i][1], shapes[i][2], shapes[i][3], shapes[i][4], &r);
    static const int fd[][5] = {{2, 2, 1, 1, 3}, {2, 2, 5, 4, 3}, {1, 3, 3, 6, 4}};
    for (size_t i = 0; i < sizeof fd / sizeof *fd; i++)
        check_conv_fd(fd[i][0], fd[i][1], fd[i][2], fd[i][3], fd[i][4], &r);
    static const int pools[][4] = {{2, 3, 4, 6}, {1, 2, 5, 7}, {2, 1, 3, 2}, {1, 2, 1, 1},
                                   {1, 1, 1, 5}};
    for (size_t i = 0; i < sizeof pools / sizeof *pools; i++)
        for (int gap = 0; gap < 2; gap++)
            check_pool_fd(gap, pools[i][0], pools[i][1], pools[i][2], pools[i][3], &r);
    /* 14 x 14 and 28 x 28: maxpool.c's loops for constant widths (not
     * gap: its gradient, 1 / P, is too small for the check's guard) */
    check_pool_fd(0, 2, 2, 14, 14, &r);
    check_pool_fd(0, 1, 1, 28, 28, &r);
    check_pool_ties();
    check_gap_order();
    /* a stream of their own, so the draws above and below stay as they were */
    rng_t rf;
    rng_seed(&rf, 18, 2);
    static const int fused[][4] = {{2, 3, 28, 28}, {1, 2, 5, 7}, {3, 4, 14, 14}, {1, 1, 1, 1}};
    for (size_t i = 0; i < sizeof fused / sizeof *fused; i++)
        check_fused_relu(fused[i][0], fused[i][1], fused[i][2], fused[i][3], &rf);
    rng_seed(&rf, 18, 3);
    static const int taps[][4] = {{2, 3, 28, 28}, {1, 2, 5, 7}, {3, 4, 14, 14}, {1, 1, 1, 1},
                                  {2, 2, 7, 7}};
    for (size_t i = 0; i < sizeof taps / sizeof *taps; i++)
        check_pool_taps(taps[i][0], taps[i][1], taps[i][2], taps[i][3], &rf);
    /* several products of grouped images, the last one short (conv.c puts
     * some 384 columns in one product); a stream of their own, so the
     * draws above stay as they were */
    rng_seed(&r, 18, 1);
    static const int grouped[][5] = {{19, 3, 7, 7, 20}, {3, 2, 13, 30, 17}, {5, 2, 10, 10, 16}};
    for (size_t i = 0; i < sizeof grouped / sizeof *grouped; i++)
        check_exact(grouped[i][0], grouped[i][1], grouped[i][2], grouped[i][3], grouped[i][4],
                    &r);
    /* more input channels than conv_input_grad's block of 8 (11 = 8 + 3,
     * 17 = 8 + 8 + 1), on 7 x 7 and 14 x 14 (the target's conv128 and
     * conv64 planes); a stream of their own */
    rng_seed(&r, 18, 4);
    static const int blocked[][5] = {{3, 11, 7, 7, 20}, {2, 17, 14, 14, 9}};
    for (size_t i = 0; i < sizeof blocked / sizeof *blocked; i++)
        check_exact(blocked[i][0], blocked[i][1], blocked[i][2], blocked[i][3], blocked[i][4],
                    &r);
    /* conv_col2im alone, with NaN, -0 and infinities: sizes below a
     * vector, a vector's tail, the target's planes; a stream of its own */
    rng_seed(&r, 18, 5);
    static const int c2i[][3] = {{1, 1, 1},  {3, 1, 5},   {5, 2, 3}, {11, 7, 7},
                                 {13, 14, 14}, {3, 7, 9}, {2, 5, 1}};
    for (size_t i = 0; i < sizeof c2i / sizeof *c2i; i++)
        check_col2im(c2i[i][0], c2i[i][1], c2i[i][2], &r);
    return check_done("test_conv");
}
