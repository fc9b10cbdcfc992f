/* test_reference.c - the library against an independent PyTorch reference.
 *
 * scripts/make_reference.py computes, in PyTorch (float32), the forward
 * pass, loss, gradients and three Keras-3 RMSprop steps of the Siamese model
 * on a fixed batch of real Fashion-MNIST test pairs and writes them to
 * tests/data/reference.bin. This test reads that file, recomputes everything
 * with the library (net, distance, contrastive, rmsprop) and compares.
 *
 *   usage: test_reference tests/data/reference.bin
 *   exit:  0 all match, 1 a mismatch or a bad fixture, 2 usage error
 *
 * B = pairs in the batch, R = 2B rows (left sides, then right sides),
 * IN = 784 input pixels, H = 128 embedding width, P = parameter count.
 *
 * Fixture format, little-endian: 8-byte magic "SMREF001", u32 record count,
 * then per record: u32 name length, name (no NUL), u32 ndim, u32 dims[ndim],
 * float32 data, row-major. See scripts/make_reference.py.
 * reference: llm.c test_gpt2.c (golden reference from the framework).
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "head.h"
#include "net.h"
#include "rmsprop.h"

#define IN 784
#define MAX_RECORDS 64
#define MAX_NAME 64
#define MAX_DIMS 4
#define STEPS 3

/* Tolerances on the largest relative difference (see rel_floor below). */
#define TOL_FORWARD 1e-5 /* emb, dist, loss */
#define TOL_GRADS 1e-4
#define TOL_PARAMS 1e-4 /* params after STEPS RMSprop steps */

/* How the relative difference is measured:
 *   rel = |got - want| / max(|want|, floor),  floor = F * max|want|
 * over each array, and over each parameter tensor (w1, b1, ...) on its own,
 * since their scales differ by orders of magnitude.
 *
 * Why a floor proportional to the array's largest value: every number here
 * is a float32 sum (784- or 128-term dot products, sums over the 2B rows),
 * and a float32 sum carries an absolute error of a few ulps of its largest
 * terms, whatever its own size. An entry 1000x smaller than its neighbours
 * (a ReLU output just above 0, a gradient where positive and negative
 * contributions cancel) is exact only to that absolute error, so a purely
 * relative test would flag rounding, not bugs. Measured on this fixture
 * (make_reference.py prints it: float32 against float64 runs of the same
 * script), F = 0.1 leaves float32 rounding at about 2e-6 for emb and 5e-6
 * for grads, well under the tolerances; F = 1e-3 would put emb at 8e-5.
 *
 * params3 uses F = 1 (error relative to the tensor's largest weight):
 * near g = 0 the Keras-3 update is lr * g / sqrt(eps) = 3.16 * g, so the
 * absolute rounding noise of small gradients goes straight into the weights
 * (float32 alone gives 4e-5 with F = 0.1, too close to 1e-4). With F = 1
 * the tolerance is about 1e-5 absolute, 0.3 % of one step
 * (lr * sqrt(10) = 3.2e-3): a wrong formula (eps outside the root, a
 * missing 1 - rho, rho and 1 - rho swapped, a gradient off by a factor)
 * moves params3 by 4e-2 .. 2e-1 in this measure. */
#define FLOOR_FRACTION 0.1
#define FLOOR_FRACTION_PARAMS 1.0

typedef struct {
    char name[MAX_NAME + 1];
    uint32_t ndim;
    uint32_t dims[MAX_DIMS];
    size_t count; /* product of dims */
    float *data;  /* [count] */
} record;

typedef struct {
    int n;
    record r[MAX_RECORDS];
} fixture;

static void fixture_free(fixture *f)
{
    for (int i = 0; i < f->n; i++)
        free(f->r[i].data);
    f->n = 0;
}

/* Reads the next n bytes of buf [len] at *pos, or returns NULL. */
static const unsigned char *take(const unsigned char *buf, size_t len, size_t *pos, size_t n)
{
    if (n > len - *pos)
        return NULL;
    const unsigned char *p = buf + *pos;
    *pos += n;
    return p;
}

static uint32_t le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Reads the whole file at path into *out (malloc'd), its size into *len. */
static int read_file(const char *path, unsigned char **out, size_t *len, sm_err *e)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return sm_fail(e, "%s: cannot open: %s (regenerate with "
                          "/usr/bin/python3 scripts/make_reference.py)",
                       path, strerror(errno));
    size_t cap = 1 << 20, n = 0;
    unsigned char *buf = malloc(cap);
    for (;;) {
        if (!buf) {
            fclose(f);
            return sm_fail(e, "%s: out of memory", path);
        }
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap)
            break;
        if (cap >= (size_t)64 << 20) { /* the fixture is < 2 MB */
            free(buf);
            fclose(f);
            return sm_fail(e, "%s: larger than 64 MB, not a reference fixture", path);
        }
        unsigned char *bigger = realloc(buf, cap * 2);
        if (!bigger)
            free(buf);
        buf = bigger;
        cap *= 2;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        return sm_fail(e, "%s: read error", path);
    }
    *out = buf;
    *len = n;
    return 0;
}

/* Parses the fixture; every length is checked against the file. */
static int fixture_load(const char *path, fixture *fx, sm_err *e)
{
    unsigned char *buf = NULL;
    size_t len = 0, pos = 0;
    fx->n = 0;
    if (read_file(path, &buf, &len, e))
        return -1;
    const unsigned char *p = take(buf, len, &pos, 8);
    if (!p || memcmp(p, "SMREF001", 8) != 0) {
        free(buf);
        return sm_fail(e, "%s: not a reference fixture (expected magic \"SMREF001\")", path);
    }
    if (!(p = take(buf, len, &pos, 4))) {
        free(buf);
        return sm_fail(e, "%s: truncated before the record count", path);
    }
    uint32_t nrec = le32(p);
    if (nrec == 0 || nrec > MAX_RECORDS) {
        free(buf);
        return sm_fail(e, "%s: %u records, expected 1..%d", path, nrec, MAX_RECORDS);
    }
    for (uint32_t i = 0; i < nrec; i++) {
        record *r = &fx->r[fx->n];
        uint32_t nlen;
        if (!(p = take(buf, len, &pos, 4)) || (nlen = le32(p)) == 0 || nlen > MAX_NAME ||
            !(p = take(buf, len, &pos, nlen))) {
            fixture_free(fx);
            free(buf);
            return sm_fail(e, "%s: record %u: bad or truncated name (offset %zu)", path, i,
                           pos);
        }
        memcpy(r->name, p, nlen);
        r->name[nlen] = '\0';
        if (!(p = take(buf, len, &pos, 4)) || (r->ndim = le32(p)) == 0 || r->ndim > MAX_DIMS) {
            fixture_free(fx);
            free(buf);
            return sm_fail(e, "%s: record \"%s\": bad or truncated ndim (1..%d)", path,
                           r->name, MAX_DIMS);
        }
        r->count = 1;
        for (uint32_t k = 0; k < r->ndim; k++) {
            if (!(p = take(buf, len, &pos, 4))) {
                fixture_free(fx);
                free(buf);
                return sm_fail(e, "%s: record \"%s\": truncated dims", path, r->name);
            }
            r->dims[k] = le32(p);
            /* Overflow-checked: the product must also fit in the file. */
            if (r->dims[k] == 0 || r->count > (len / sizeof(float)) / r->dims[k]) {
                fixture_free(fx);
                free(buf);
                return sm_fail(e, "%s: record \"%s\": dimension %u = %u is zero or larger "
                                  "than the file",
                               path, r->name, k, r->dims[k]);
            }
            r->count *= r->dims[k];
        }
        if (!(p = take(buf, len, &pos, r->count * sizeof(float)))) {
            fixture_free(fx);
            free(buf);
            return sm_fail(e, "%s: record \"%s\": %zu floats declared, only %zu bytes left",
                           path, r->name, r->count, len - pos);
        }
        if (!(r->data = malloc(r->count * sizeof(float)))) {
            fixture_free(fx);
            free(buf);
            return sm_fail(e, "%s: out of memory", path);
        }
        for (size_t k = 0; k < r->count; k++) {
            uint32_t u = le32(p + 4 * k);
            memcpy(&r->data[k], &u, sizeof u);
        }
        for (int j = 0; j < fx->n; j++)
            if (strcmp(fx->r[j].name, r->name) == 0) {
                free(r->data);
                fixture_free(fx);
                free(buf);
                return sm_fail(e, "%s: record \"%s\" appears twice", path, fx->r[j].name);
            }
        fx->n++;
    }
    if (pos != len) {
        fixture_free(fx);
        free(buf);
        return sm_fail(e, "%s: %zu bytes after the last record", path, len - pos);
    }
    free(buf);
    return 0;
}

/* The record `name` with exactly the shape dims[ndim], or NULL with e set. */
static const record *need(const fixture *fx, const char *path, const char *name, uint32_t ndim,
                          const uint32_t *dims, sm_err *e)
{
    for (int i = 0; i < fx->n; i++) {
        const record *r = &fx->r[i];
        if (strcmp(r->name, name) != 0)
            continue;
        int ok = r->ndim == ndim;
        for (uint32_t k = 0; ok && k < ndim; k++)
            ok = r->dims[k] == dims[k];
        if (!ok) {
            char want[64], got[64];
            int w = 0, g = 0;
            for (uint32_t k = 0; k < ndim; k++)
                w += snprintf(want + w, sizeof want - (size_t)w, "%s%u", k ? "," : "", dims[k]);
            for (uint32_t k = 0; k < r->ndim; k++)
                g += snprintf(got + g, sizeof got - (size_t)g, "%s%u", k ? "," : "", r->dims[k]);
            sm_fail(e, "%s: record \"%s\" has shape [%s], expected [%s]", path, name, got, want);
            return NULL;
        }
        for (size_t k = 0; k < r->count; k++)
            if (!isfinite(r->data[k])) {
                sm_fail(e, "%s: record \"%s\" holds a non-finite value at [%zu]", path, name, k);
                return NULL;
            }
        return r;
    }
    sm_fail(e, "%s: record \"%s\" missing", path, name);
    return NULL;
}

/* Compares got [n] with want [n] (rows of `cols`, for printing) and prints
 * one line. Returns 1 on failure: the largest relative difference is above
 * tol, or got holds a NaN or infinity. */
static int compare(const char *name, const float *got, const float *want, size_t n, size_t cols,
                   double frac, double tol)
{
    double maxw = 0.0;
    for (size_t i = 0; i < n; i++)
        maxw = fmax(maxw, fabs((double)want[i]));
    double floor = frac * maxw > 1e-30 ? frac * maxw : 1e-30;
    double worst = 0.0;
    size_t at = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(got[i])) { /* NaN would slip through a `>` test */
            printf("%-12s not finite at [%zu] (%g): FAIL\n", name, i, (double)got[i]);
            return 1;
        }
        double r = fabs((double)got[i] - want[i]) / fmax(fabs((double)want[i]), floor);
        if (r > worst) {
            worst = r;
            at = i;
        }
    }
    int fail = !(worst <= tol);
    char where[48];
    if (cols > 1)
        snprintf(where, sizeof where, "[%zu,%zu]", at / cols, at % cols);
    else
        snprintf(where, sizeof where, "[%zu]", at);
    printf("%-12s max rel diff %.3e at %-10s (got % .8e, want % .8e; floor %.1e, tol %.0e): "
           "%s\n",
           name, worst, where, (double)got[at], (double)want[at], floor, tol,
           fail ? "FAIL" : "PASS");
    return fail;
}

/* Compares two flat parameter-layout buffers tensor by tensor, the head's
 * parameters (hn floats after the network's) last. */
static int compare_params(const char *what, float *got, float *want, net_shape s, size_t hn,
                          double frac, double tol)
{
    net_views g, w;
    net_point(&g, got, s);
    net_point(&w, want, s);
    int fails = 0;
    for (int l = 0; l < s.layers; l++) {
        char name[32];
        size_t rows = l == 0 ? (size_t)s.in : (size_t)s.width[l - 1], cols = (size_t)s.width[l];
        snprintf(name, sizeof name, "%s.w%d", what, l + 1);
        fails += compare(name, g.w[l], w.w[l], rows * cols, cols, frac, tol);
        snprintf(name, sizeof name, "%s.b%d", what, l + 1);
        fails += compare(name, g.b[l], w.b[l], cols, 1, frac, tol);
    }
    if (hn) {
        char name[32];
        size_t n = net_param_count(s);
        snprintf(name, sizeof name, "%s.head", what);
        fails += compare(name, got + n, want + n, hn, 1, frac, tol);
    }
    return fails;
}

/* Everything one training step needs, allocated once. */
typedef struct {
    int B, H;
    uint32_t head;
    size_t n_net;       /* the network's parameters; the head's follow */
    net_cache c;
    float *d, *sq, *dd; /* [B]; sq [B * HEAD_CACHE] */
    float *dout;        /* [R, H] gradient w.r.t. the embeddings */
    uint8_t *y;         /* [B] */
    float margin;
} batch;

/* Eval-mode forward and backward at params: grads [P] is zeroed and then
 * filled; c.a[2], d and sq hold the forward values. Returns the mean loss. */
static double forward_backward(batch *t, const float *params, float *grads, size_t P)
{
    int B = t->B, R = 2 * B, H = t->H;
    net_forward(params, &t->c, 0, R, NULL);
    const float *emb = net_embedding(&t->c), *hp = params + t->n_net;
    head_forward(t->head, hp, t->d, t->sq, emb, emb + (size_t)B * H, B, H);
    double loss = head_loss_sum(t->head, t->d, t->y, B, t->margin) / B;
    memset(grads, 0, P * sizeof(float));
    head_backward(t->head, hp, grads + t->n_net, t->dout, t->dout + (size_t)B * H, t->dd, emb,
                  emb + (size_t)B * H, t->d, t->sq, t->y, B, H, t->margin, B);
    net_backward(params, grads, &t->c, t->dout, R, 0.0f);
    return loss;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s tests/data/reference.bin\n", argv[0]);
        return 2;
    }
    const char *path = argv[1];
    sm_err e = {{0}};
    fixture fx;
    if (fixture_load(path, &fx, &e)) {
        fprintf(stderr, "test_reference: %s\n", e.msg);
        return 1;
    }
    /* The architecture: the notebook's unless an "arch" record says
     * [head, L, width_1 .. width_L]. */
    net_shape s = net_shape_default(IN);
    uint32_t head = HEAD_EUCLIDEAN;
    for (int i = 0; i < fx.n; i++) {
        const record *r = &fx.r[i];
        if (strcmp(r->name, "arch") != 0)
            continue;
        int L = r->count >= 2 ? (int)r->data[1] : 0;
        int ok = r->count >= 2 && r->data[0] >= 0 && r->data[0] < HEAD_COUNT && L >= 1 &&
                 L <= NET_MAX_LAYERS && r->count == (size_t)L + 2;
        for (int l = 0; ok && l < L; l++)
            ok = r->data[2 + l] >= 1 && r->data[2 + l] <= NET_MAX_WIDTH;
        if (!ok) {
            fprintf(stderr, "test_reference: %s: record \"arch\" is not [head, L, widths]\n",
                    path);
            fixture_free(&fx);
            return 1;
        }
        head = (uint32_t)r->data[0];
        s.layers = L;
        for (int l = 0; l < NET_MAX_LAYERS; l++)
            s.width[l] = l < L ? (int)r->data[2 + l] : 0;
    }
    const int H = net_out(s);
    const size_t P = net_param_count(s) + head_param_count(head, H);

    /* B comes from y; every other record must agree with it and with P. */
    const record *ry = NULL;
    for (int i = 0; i < fx.n; i++)
        if (strcmp(fx.r[i].name, "y") == 0)
            ry = &fx.r[i];
    if (!ry || ry->ndim != 1 || ry->dims[0] == 0 || ry->dims[0] > 4096) {
        fprintf(stderr, "test_reference: %s: record \"y\" missing or not of shape [B], "
                        "1 <= B <= 4096\n", path);
        fixture_free(&fx);
        return 1;
    }
    const uint32_t B = ry->dims[0], R = 2 * B, Pu = (uint32_t)P;
    const record *rx, *rp0, *remb, *rdist, *rloss, *rgrads, *rp3, *rhyp;
    if (!(rx = need(&fx, path, "x", 2, (uint32_t[]){R, IN}, &e)) ||
        !(ry = need(&fx, path, "y", 1, (uint32_t[]){B}, &e)) ||
        !(rp0 = need(&fx, path, "params0", 1, &Pu, &e)) ||
        !(remb = need(&fx, path, "emb", 2, (uint32_t[]){R, H}, &e)) ||
        !(rdist = need(&fx, path, "dist", 1, (uint32_t[]){B}, &e)) ||
        !(rloss = need(&fx, path, "loss", 1, (uint32_t[]){1}, &e)) ||
        !(rgrads = need(&fx, path, "grads", 1, &Pu, &e)) ||
        !(rp3 = need(&fx, path, "params3", 1, &Pu, &e)) ||
        !(rhyp = need(&fx, path, "hyper", 1, (uint32_t[]){4}, &e))) {
        fprintf(stderr, "test_reference: %s\n", e.msg);
        fixture_free(&fx);
        return 1;
    }
    const float margin = rhyp->data[0];
    const rmsprop_cfg cfg = {rhyp->data[1], rhyp->data[2], rhyp->data[3]};
    if (!(margin > 0.0f) || !(cfg.lr > 0.0f) || !(cfg.rho > 0.0f && cfg.rho < 1.0f) ||
        !(cfg.eps > 0.0f)) {
        fprintf(stderr, "test_reference: %s: hyper = margin %g, lr %g, rho %g, eps %g out of "
                        "range\n", path, margin, cfg.lr, cfg.rho, cfg.eps);
        fixture_free(&fx);
        return 1;
    }

    batch t = {.B = (int)B, .H = H, .head = head, .n_net = net_param_count(s), .margin = margin};
    float *params = malloc(P * sizeof(float)), *grads = malloc(P * sizeof(float));
    float *v = calloc(P, sizeof(float));
    t.d = malloc(B * sizeof(float));
    t.sq = malloc(B * HEAD_CACHE * sizeof(float));
    t.dd = malloc(B * sizeof(float));
    t.dout = malloc((size_t)R * H * sizeof(float));
    t.y = malloc(B);
    if (!params || !grads || !v || !t.d || !t.sq || !t.dd || !t.dout || !t.y ||
        net_cache_init(&t.c, s, (int)R, KERNELS_AUTO, 1, &e)) {
        fprintf(stderr, "test_reference: out of memory %s\n", e.msg);
        return 1;
    }
    int bad_y = 0;
    for (uint32_t i = 0; i < B; i++) {
        bad_y |= ry->data[i] != 0.0f && ry->data[i] != 1.0f;
        t.y[i] = ry->data[i] == 1.0f;
    }
    if (bad_y) {
        fprintf(stderr, "test_reference: %s: record \"y\" holds a value other than 0 and 1\n",
                path);
        return 1;
    }
    memcpy(t.c.x, rx->data, (size_t)R * IN * sizeof(float));
    memcpy(params, rp0->data, P * sizeof(float));
    printf("fixture %s: %s head, %d layers (embedding %d), B = %u pairs, %zu parameters, margin "
           "%g, lr %g, rho %g, eps %g\n", path, head_names[head], s.layers, H, B, P, margin,
           cfg.lr, cfg.rho, cfg.eps);

    int fails = 0;

    /* Forward values and gradients at params0. */
    float loss = (float)forward_backward(&t, params, grads, P);
    fails += compare("emb", net_embedding(&t.c), remb->data, (size_t)R * H, H, FLOOR_FRACTION,
                     TOL_FORWARD);
    fails += compare("dist", t.d, rdist->data, B, 1, FLOOR_FRACTION, TOL_FORWARD);
    fails += compare("loss", &loss, rloss->data, 1, 1, FLOOR_FRACTION, TOL_FORWARD);
    fails += compare_params("grads", grads, rgrads->data, s, head_param_count(head, H),
                            FLOOR_FRACTION, TOL_GRADS);

    /* A gradient that is all zeros would make the steps below vacuous. */
    size_t nonzero = 0, ref_nonzero = 0;
    for (size_t i = 0; i < P; i++) {
        nonzero += grads[i] != 0.0f;
        ref_nonzero += rgrads->data[i] != 0.0f;
    }
    int grads_zero = nonzero == 0 || ref_nonzero == 0;
    printf("grads nonzero: %zu of %zu (reference %zu): %s\n", nonzero, P, ref_nonzero,
           grads_zero ? "FAIL" : "PASS");
    fails += grads_zero;

    /* STEPS RMSprop steps on the same batch, the gradient recomputed at
     * the current parameters each time. */
    for (int step = 0; step < STEPS; step++) {
        forward_backward(&t, params, grads, P);
        rmsprop_step(params, v, grads, P, cfg);
    }
    size_t moved = 0;
    for (size_t i = 0; i < P; i++)
        moved += params[i] != rp0->data[i];
    printf("params changed by %d steps: %zu of %zu: %s\n", STEPS, moved, P,
           moved ? "PASS" : "FAIL");
    fails += moved == 0;
    fails += compare_params("params3", params, rp3->data, s, head_param_count(head, H),
                            FLOOR_FRACTION_PARAMS, TOL_PARAMS);

    printf("%s: %d failure%s\n", fails ? "FAIL" : "PASS", fails, fails == 1 ? "" : "s");
    net_cache_free(&t.c);
    free(params);
    free(grads);
    free(v);
    free(t.d);
    free(t.sq);
    free(t.dd);
    free(t.dout);
    free(t.y);
    fixture_free(&fx);
    return fails ? 1 : 0;
}
