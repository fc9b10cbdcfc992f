/* test_reference.c - the library against an independent PyTorch reference.
 *
 * scripts/make_reference.py computes, in PyTorch (float32), the Siamese
 * model on a fixed batch of real Fashion-MNIST test pairs: the forward pass
 * in evaluation mode, and three training steps as the library's trainer
 * takes them (shuffled pairs, the trainer's dropout masks, the head's loss,
 * gradients, Keras-3 RMSprop). It writes them to tests/data/reference*.bin.
 * This test reads that file and recomputes everything through the code
 * production runs: net_forward and head_forward for the forward pass, and
 * the trainer itself (train.h: trainer_init, trainer_epoch, its two-phase
 * step) with 1 and with 3 threads for the training steps. It compares the
 * losses, the first step's gradient and the parameters after three steps,
 * and checks that 1 and 3 threads give the same bits.
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

#include "dataset.h"
#include "err.h"
#include "head.h"
#include "model.h"
#include "net.h"
#include "pairs.h"
#include "rmsprop.h"
#include "rng.h"
#include "train.h"

#define IN 784
#define MAX_RECORDS 64
#define MAX_NAME 64
#define MAX_DIMS 4
#define STEPS 3

/* Tolerances on the largest relative difference (see rel_floor below). */
#define TOL_FORWARD 1e-5 /* emb, dist, loss, train_loss */
#define TOL_GRADS 1e-4  /* the first training step's gradient */
#define TOL_PARAMS 1e-4 /* params after STEPS training steps */

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

/* What the progress callback keeps of a training run: the epoch's mean
 * loss after each step, and the gradient of the first step (the trainer's
 * own buffer, written in full by its phase 2). */
typedef struct {
    const trainer_t *tr;
    size_t P;
    float loss[STEPS];
    float *grads1; /* [P] */
    int calls;
} progress_log;

static int on_step(void *ctx, size_t step, size_t steps, double mean_loss)
{
    progress_log *g = ctx;
    (void)steps;
    if (step >= 1 && step <= STEPS)
        g->loss[step - 1] = (float)mean_loss;
    if (step == 1)
        memcpy(g->grads1, g->tr->grads, g->P * sizeof(float));
    g->calls++;
    return 0;
}

/* Runs one epoch (STEPS steps) of the library's trainer on T threads from
 * params0, as `siamese train` does. Fills log and params3 [P]. Returns the
 * number of failures (0 or 1; a message says which). */
static int train_epoch(const model_t *proto, const split_t *split, const pairs_t *pairs,
                       uint64_t seed, int T, progress_log *log, float *params3)
{
    sm_err e = {{0}};
    model_t m;
    trainer_t tr;
    if (model_init(&m, proto->shape, proto->head, proto->cfg, &e)) {
        printf("model_init: %s: FAIL\n", e.msg);
        return 1;
    }
    memcpy(m.params, proto->params, m.n_params * sizeof(float));
    rng_seed(&m.rng, seed, 0); /* the training stream the fixture draws from */
    if (trainer_init(&tr, &m, split, pairs, T, KERNELS_AUTO, &e)) {
        printf("trainer_init (%d threads): %s: FAIL\n", T, e.msg);
        model_free(&m);
        return 1;
    }
    int fail = 0;
    if (trainer_steps(&tr) != STEPS) {
        printf("trainer: %zu steps in an epoch, the fixture has %d: FAIL\n", trainer_steps(&tr),
               STEPS);
        fail = 1;
    }
    log->tr = &tr;
    log->calls = 0;
    double mean = 0.0;
    size_t done = 0;
    int rc = fail ? -1 : trainer_epoch(&tr, &m, on_step, log, &mean, &done, &e);
    if (!fail && (rc != 0 || done != STEPS || log->calls != STEPS)) {
        printf("trainer_epoch (%d threads): returned %d after %zu steps (%d progress calls)%s%s: "
               "FAIL\n", T, rc, done, log->calls, rc < 0 ? ": " : "", rc < 0 ? e.msg : "");
        fail = 1;
    }
    memcpy(params3, m.params, m.n_params * sizeof(float));
    trainer_free(&tr);
    model_free(&m);
    return fail;
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
        int ok = r->count >= 2 && r->data[0] >= 0 && r->data[0] < head_count() && L >= 1 &&
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
    const size_t HN = head_param_count(head, H);

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
    const record *rx, *rp0, *remb, *rdist, *rloss, *rhyp, *rtrain, *rtloss, *rg1, *rp3;
    if (!(rx = need(&fx, path, "x", 2, (uint32_t[]){R, IN}, &e)) ||
        !(ry = need(&fx, path, "y", 1, (uint32_t[]){B}, &e)) ||
        !(rp0 = need(&fx, path, "params0", 1, &Pu, &e)) ||
        !(remb = need(&fx, path, "emb", 2, (uint32_t[]){R, H}, &e)) ||
        !(rdist = need(&fx, path, "dist", 1, (uint32_t[]){B}, &e)) ||
        !(rloss = need(&fx, path, "loss", 1, (uint32_t[]){1}, &e)) ||
        !(rhyp = need(&fx, path, "hyper", 1, (uint32_t[]){4}, &e)) ||
        !(rtrain = need(&fx, path, "train", 1, (uint32_t[]){3}, &e)) ||
        !(rtloss = need(&fx, path, "train_loss", 1, (uint32_t[]){STEPS}, &e)) ||
        !(rg1 = need(&fx, path, "train_grads1", 1, &Pu, &e)) ||
        !(rp3 = need(&fx, path, "train_params3", 1, &Pu, &e))) {
        fprintf(stderr, "test_reference: %s\n", e.msg);
        fixture_free(&fx);
        return 1;
    }
    const float margin = rhyp->data[0];
    const rmsprop_cfg cfg = {rhyp->data[1], rhyp->data[2], rhyp->data[3]};
    const float seed_f = rtrain->data[0], batch_f = rtrain->data[1], rate = rtrain->data[2];
    if (!(margin > 0.0f) || !(cfg.lr > 0.0f) || !(cfg.rho > 0.0f && cfg.rho < 1.0f) ||
        !(cfg.eps > 0.0f) || !(seed_f >= 0.0f && seed_f < 16777216.0f) ||
        seed_f != floorf(seed_f) || !(batch_f >= 1.0f && batch_f <= (float)B) ||
        batch_f != floorf(batch_f) || !(rate >= 0.0f && rate < 1.0f)) {
        fprintf(stderr, "test_reference: %s: hyper = margin %g, lr %g, rho %g, eps %g, train = "
                        "seed %g, batch %g, dropout %g out of range\n", path, margin, cfg.lr,
                cfg.rho, cfg.eps, seed_f, batch_f, rate);
        fixture_free(&fx);
        return 1;
    }

    /* The data as the trainer sees it: 2B images of 28 x 28 bytes (the
     * fixture's x is bytes / 255), pair k = images k and B + k. */
    split_t split = {.n = R, .channels = 1, .rows = 28, .cols = 28};
    pairs_t pairs = {.n = B};
    split.images = malloc((size_t)R * IN);
    pairs.left = malloc(B * sizeof *pairs.left);
    pairs.right = malloc(B * sizeof *pairs.right);
    pairs.same = malloc(B);
    float *grads_1 = malloc(P * sizeof(float)), *grads_3 = malloc(P * sizeof(float));
    float *params_1 = malloc(P * sizeof(float)), *params_3 = malloc(P * sizeof(float));
    float *d = malloc(B * sizeof(float));
    float *sq = malloc((B * head_cache_floats(head) + 1) * sizeof(float));
    net_cache c;
    if (!split.images || !pairs.left || !pairs.right || !pairs.same || !grads_1 || !grads_3 ||
        !params_1 || !params_3 || !d || !sq || net_cache_init(&c, s, (int)R, KERNELS_AUTO, 0, 1, &e)) {
        fprintf(stderr, "test_reference: out of memory %s\n", e.msg);
        return 1;
    }
    int bad_input = 0;
    for (size_t i = 0; i < (size_t)R * IN; i++) {
        long v = lrintf(rx->data[i] * 255.0f);
        split.images[i] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
        bad_input |= (float)split.images[i] / 255.0f != rx->data[i];
    }
    for (uint32_t i = 0; i < B; i++) {
        bad_input |= ry->data[i] != 0.0f && ry->data[i] != 1.0f;
        pairs.same[i] = ry->data[i] == 1.0f;
        pairs.left[i] = i;
        pairs.right[i] = B + i;
    }
    if (bad_input) {
        fprintf(stderr, "test_reference: %s: record \"x\" is not bytes / 255, or \"y\" holds a "
                        "value other than 0 and 1\n", path);
        return 1;
    }
    printf("fixture %s: %s head, %d layers (embedding %d), B = %u pairs, %zu parameters, margin "
           "%g, lr %g, rho %g, eps %g; training: seed %g, batch %g, dropout %g\n", path,
           head_names[head], s.layers, H, B, P, margin, cfg.lr, cfg.rho, cfg.eps, seed_f,
           batch_f, rate);

    int fails = 0;

    /* Evaluation mode at params0: the forward pass embed, eval and inspect
     * run. */
    memcpy(c.x, rx->data, (size_t)R * IN * sizeof(float));
    net_forward(rp0->data, &c, 0, (int)R, NULL, 0);
    const float *emb = net_embedding(&c);
    head_forward(head, rp0->data + net_param_count(s), d, sq, emb, emb + (size_t)B * H, (int)B,
                 H);
    float loss = (float)(head_loss_sum(head, d, pairs.same, (int)B, margin) / B);
    fails += compare("emb", emb, remb->data, (size_t)R * H, H, FLOOR_FRACTION, TOL_FORWARD);
    fails += compare("dist", d, rdist->data, B, 1, FLOOR_FRACTION, TOL_FORWARD);
    fails += compare("loss", &loss, rloss->data, 1, 1, FLOOR_FRACTION, TOL_FORWARD);

    /* STEPS steps of the trainer, on 1 and on 3 threads. */
    model_t proto = {.shape = s, .head = head, .params = rp0->data};
    proto.cfg = train_config_default();
    proto.cfg.lr = cfg.lr;
    proto.cfg.rho = cfg.rho;
    proto.cfg.eps = cfg.eps;
    proto.cfg.margin = margin;
    proto.cfg.dropout = rate;
    proto.cfg.batch = (uint32_t)batch_f;
    proto.cfg.epochs = 1;
    const int threads[2] = {1, 3};
    for (int k = 0; k < 2; k++) {
        int T = threads[k];
        float *g1 = k ? grads_3 : grads_1, *p3 = k ? params_3 : params_1;
        progress_log log = {.P = P, .grads1 = g1};
        memset(g1, 0, P * sizeof(float));
        printf("-- trainer, %d thread%s\n", T, T == 1 ? "" : "s");
        if (train_epoch(&proto, &split, &pairs, (uint64_t)seed_f, T, &log, p3)) {
            fails++;
            continue;
        }
        fails += compare("train_loss", log.loss, rtloss->data, STEPS, 1, FLOOR_FRACTION,
                         TOL_FORWARD);
        fails += compare_params("grads1", g1, rg1->data, s, HN, FLOOR_FRACTION, TOL_GRADS);

        /* A gradient that is all zeros would make the steps vacuous. */
        size_t nonzero = 0, ref_nonzero = 0, moved = 0;
        for (size_t i = 0; i < P; i++) {
            nonzero += g1[i] != 0.0f;
            ref_nonzero += rg1->data[i] != 0.0f;
            moved += p3[i] != rp0->data[i];
        }
        int zero = nonzero == 0 || ref_nonzero == 0 || (HN && g1[P - 1] == 0.0f);
        printf("grads1 nonzero: %zu of %zu (reference %zu): %s\n", nonzero, P, ref_nonzero,
               zero ? "FAIL" : "PASS");
        fails += zero;
        printf("params changed by %d steps: %zu of %zu: %s\n", STEPS, moved, P,
               moved ? "PASS" : "FAIL");
        fails += moved == 0;
        fails += compare_params("params3", p3, rp3->data, s, HN, FLOOR_FRACTION_PARAMS,
                                TOL_PARAMS);
    }
    /* The trainer splits work by outputs, never inside a sum: on the exact
     * kernel paths the thread count changes no bit. */
    int same = memcmp(grads_1, grads_3, P * sizeof(float)) == 0 &&
               memcmp(params_1, params_3, P * sizeof(float)) == 0;
    printf("3 threads against 1: grads1 and params3 bit-identical: %s\n", same ? "PASS" : "FAIL");
    fails += !same;

    printf("%s: %d failure%s\n", fails ? "FAIL" : "PASS", fails, fails == 1 ? "" : "s");
    net_cache_free(&c);
    free(split.images);
    free(pairs.left);
    free(pairs.right);
    free(pairs.same);
    free(grads_1);
    free(grads_3);
    free(params_1);
    free(params_3);
    free(d);
    free(sq);
    fixture_free(&fx);
    return fails ? 1 : 0;
}
