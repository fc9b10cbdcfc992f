/* timings.c - bench's measurements after the data is loaded (timings.h). */
#include "timings.h"

#include <stdlib.h>
#include <string.h>

#include "anomaly.h"
#include "bench.h"
#include "blas_kernels.h"
#include "clock.h"
#include "embed.h"
#include "model.h"
#include "train.h"

#define R TIMINGS_REPEATS

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double timings_median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, by_value);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

double timings_flops(net_shape s, double train_rows, double eval_rows)
{
    const double fwd = net_forward_macs(s);
    return 2.0 * (train_rows * (fwd + net_backward_macs(s)) + eval_rows * fwd);
}

int timings_has_blas_floor(net_shape s)
{
    for (int l = 0; l < s.layers; l++)
        if (s.kind[l] != LAYER_DENSE || s.width[l] != s.width[0])
            return 0;
    return s.layers == 3;
}

/* Tells b's progress function (if any) where the measurements are. */
static void tell(const timings_setup *b, timings_stage stage, kernels_path k, int run,
                 size_t step, size_t steps)
{
    if (b->progress) {
        timings_where w = {stage, k, run, step, steps};
        b->progress(b->progress_ctx, &w);
    }
}

/* The clock after every step of a run: step k's seconds into dur[k - 1 -
 * skip] once the first `skip` are past; stops the run at `stop` steps
 * (0: never). With a progress function, it is told the timed steps done
 * after each timed step, and the time that takes is added to `outside` and
 * left out of the next step's seconds (the clock restarts after it) and
 * of the run's: a drawing (the CLI's, at most ten a second) is in no
 * timed span, so it does not skew the medians. */
typedef struct {
    const timings_setup *b;
    kernels_path k;
    int run;
    double *dur;
    size_t done, skip, stop;
    double last, outside;
} step_clock;

static int on_step(void *ctx, size_t step, size_t steps, double mean_loss)
{
    (void)mean_loss;
    step_clock *c = ctx;
    double now = sm_now();
    if (c->done >= c->skip)
        c->dur[c->done - c->skip] = now - c->last;
    c->last = now;
    c->done++;
    if (c->b->progress && c->done > c->skip) { /* not after the untimed step */
        if (c->stop)
            tell(c->b, TIMINGS_AT_TRAINING, c->k, c->run, c->done - c->skip, c->stop - c->skip);
        else
            tell(c->b, TIMINGS_AT_TRAINING, c->k, c->run, step, steps);
        c->last = sm_now();
        c->outside += c->last - now;
    }
    return c->stop && c->done >= c->stop;
}

/* Run `run` of m's training on path k, its trainer set up outside the
 * timing and freed after it (one trainer alive at a time): without
 * b->steps one epoch, *seconds its steps and validation loss, dur [steps
 * of an epoch] each step; with it, one untimed step then b->steps steps
 * into dur [b->steps] (continuing m's epoch, into the next one at its
 * end). The progress function's time is not in *seconds (step_clock). 0
 * or -1 with e set. */
static int time_run(const timings_setup *b, model_t *m, kernels_path k, int run,
                    double *seconds, double *dur, sm_err *e)
{
    trainer_t t;
    if (trainer_init(&t, m, &b->ds->train, b->train, b->threads, k, e) != 0)
        return -1;
    const size_t per = b->steps ? b->steps : trainer_steps(&t);
    step_clock c = {b, k, run, dur, 0, b->steps ? 1 : 0, b->steps ? b->steps + 1 : 0, 0, 0};
    tell(b, TIMINGS_AT_TRAINING, k, run, 0, per);
    double t0 = sm_now(), loss, val;
    size_t steps;
    c.last = t0;
    int rc;
    do
        rc = trainer_epoch(&t, m, on_step, &c, &loss, &steps, e);
    while (rc == 0 && c.stop && c.done < c.stop);
    if (rc == 0 && !b->steps) {
        double t1 = sm_now();
        tell(b, TIMINGS_AT_VALIDATION, k, run, 0, 0);
        c.outside += sm_now() - t1;
        rc = trainer_mean_loss(&t, m, &b->ds->test, b->test, &val, e);
    }
    *seconds = sm_now() - t0 - c.outside;
    trainer_free(&t);
    return rc >= 0 ? 0 : -1;
}

/* The BLAS floor of one epoch at full batch size, OpenBLAS threading its
 * SGEMMs itself (timings_has_blas_floor networks only). */
static int blas_floor(const timings_setup *b, const model_t *m, uint32_t batch,
                      bench_floor *f, sm_err *e)
{
    blas_set_threads(b->blas_threads);
    return bench_blas_floor(f, m->shape.in, net_out(m->shape), b->train->n, (int)batch, e);
}

/* Peak, BLAS floor and training runs, alternating: m on the chosen
 * kernels, mb on OpenBLAS (NULL when the chosen kernels are OpenBLAS).
 * dur, bdur [R * per] the steps' seconds, per = steps timed per run. */
static int measure_training(const timings_setup *b, model_t *m, model_t *mb, timings *out,
                            double *dur, double *bdur, size_t per, sm_err *e)
{
    double t_floor[R], t_epoch[R], t_blas[R], peak[R];
    for (int i = 0; i < R; i++) {
        bench_floor f = {0, 0};
        if (out->has_floor) {
            tell(b, TIMINGS_AT_BLAS_FLOOR, KERNELS_OPENBLAS, i + 1, 0, 0);
            if (blas_floor(b, m, out->batch, &f, e) != 0)
                return -1;
        }
        tell(b, TIMINGS_AT_PEAK, b->kernels, i + 1, 0, 0);
        if (bench_fma_peak(b->kernels, b->threads, &peak[i], e) != 0 ||
            time_run(b, m, b->kernels, i + 1, &t_epoch[i], dur + i * per, e) != 0 ||
            (mb && time_run(b, mb, KERNELS_OPENBLAS, i + 1, &t_blas[i], bdur + i * per, e) != 0))
            return -1;
        t_floor[i] = f.seconds;
        out->floor_flops = f.flops;
        if (!mb)
            t_blas[i] = t_epoch[i];
    }
    out->floor_s = timings_median(t_floor, R);
    out->epoch_s = b->steps ? 0 : timings_median(t_epoch, R);
    out->blas_epoch_s = b->steps ? 0 : timings_median(t_blas, R);
    out->peak = timings_median(peak, R);
    out->steps_timed = R * per;
    out->step_s = timings_median(dur, (int)(R * per));
    out->blas_step_s = mb ? timings_median(bdur, (int)(R * per)) : out->step_s;
    return 0;
}

/* measure_training with the steps' buffers: a run times b->steps steps,
 * or an epoch's (the last may be short). */
static int measure_steps(const timings_setup *b, model_t *m, model_t *mb, timings *out,
                         sm_err *e)
{
    const size_t per = b->steps ? b->steps
                                : (b->train->n + out->batch - 1) / (size_t)out->batch;
    if (per == 0 || per > ((size_t)1 << 26))
        return sm_fail(e, "bench: %zu steps per run, expected 1 to %zu", per, (size_t)1 << 26);
    double *dur = malloc(2 * R * per * sizeof *dur);
    if (!dur)
        return sm_fail(e, "out of memory");
    int rc = measure_training(b, m, mb, out, dur, dur + R * per, per, e);
    free(dur);
    return rc;
}

/* The distances of every test pair, as eval computes them. */
static int measure_eval(const timings_setup *b, const model_t *m, timings *out, sm_err *e)
{
    double t[R];
    float *dist = malloc((b->test->n + 1) * sizeof *dist);
    if (!dist)
        return sm_fail(e, "out of memory");
    int rc = 0;
    blas_set_threads(b->blas_threads);
    for (int i = 0; i < R && rc == 0; i++) {
        tell(b, TIMINGS_AT_EVAL, b->kernels, i + 1, 0, 0);
        double t0 = sm_now();
        rc = distances_for_pairs(dist, m, &b->ds->test, b->test, b->threads, b->kernels, NULL, e);
        t[i] = sm_now() - t0;
    }
    free(dist);
    if (rc == 0)
        out->eval_s = timings_median(t, R);
    return rc;
}

/* What inspection needs: embedding images, and scoring the test images
 * against the first out->refs training images, by centroid and 10-NN.
 * emb [train + test, H], sc and near [Ntest]. */
static int time_inspect(const timings_setup *b, const model_t *m, float *emb, float *sc,
                        uint32_t *near, double *t, sm_err *e)
{
    const dataset_t *ds = b->ds;
    const size_t H = (size_t)net_out(m->shape), refs = ds->train.n < 6000 ? ds->train.n : 6000;
    float *emb_test = emb + ds->train.n * H;
    double t0 = sm_now();
    int bad = embed_images(emb, m->params, m->shape, ds->train.images, ds->train.n, NULL,
                           b->threads, b->kernels, e);
    t[0] = sm_now() - t0;
    bad = bad || embed_images(emb_test, m->params, m->shape, ds->test.images, ds->test.n, NULL,
                              b->threads, b->kernels, e);
    anomaly_cfg knn = {.score = ANOMALY_KNN, .k = 10, .threads = b->threads, .head = m->head,
                       .hp = model_head_params(m, m->params), .kernels = b->kernels};
    anomaly_cfg cent = knn;
    cent.score = ANOMALY_CENTROID;
    cent.k = 1;
    t0 = sm_now();
    bad = bad || anomaly_scores(emb, refs, emb_test, ds->test.n, (int)H, &knn, 0, sc, near, e);
    t[1] = sm_now() - t0;
    t0 = sm_now();
    bad = bad || anomaly_scores(emb, refs, emb_test, ds->test.n, (int)H, &cent, 0, sc, near, e);
    t[2] = sm_now() - t0;
    return bad ? -1 : 0;
}

static int measure_inspect(const timings_setup *b, const model_t *m, timings *out, sm_err *e)
{
    const dataset_t *ds = b->ds;
    size_t H = (size_t)net_out(m->shape);
    float *emb = malloc((ds->train.n + ds->test.n) * H * sizeof *emb);
    float *sc = malloc((ds->test.n + 1) * sizeof *sc);
    uint32_t *near = malloc((ds->test.n + 1) * sizeof *near);
    double t_embed[R], t_knn[R], t_cent[R], t[3];
    int rc = emb && sc && near ? 0 : sm_fail(e, "out of memory");
    for (int i = 0; i < R && rc == 0; i++) {
        tell(b, TIMINGS_AT_INSPECT, b->kernels, i + 1, 0, 0);
        rc = time_inspect(b, m, emb, sc, near, t, e);
        t_embed[i] = t[0];
        t_knn[i] = t[1];
        t_cent[i] = t[2];
    }
    free(emb);
    free(sc);
    free(near);
    if (rc != 0)
        return -1;
    out->embed_s = timings_median(t_embed, R);
    out->knn_s = timings_median(t_knn, R);
    out->centroid_s = timings_median(t_cent, R);
    out->refs = ds->train.n < 6000 ? ds->train.n : 6000;
    return 0;
}

/* *count = the test images the validation embeds (each distinct one
 * once). 0 or -1 with e set. */
static int val_images(const timings_setup *b, size_t *count, sm_err *e)
{
    size_t n = b->ds->test.n;
    uint8_t *used = malloc(n + 1);
    if (!used)
        return sm_fail(e, "out of memory");
    pairs_mark_used(used, n, b->test);
    *count = 0;
    for (size_t i = 0; i < n; i++)
        *count += used[i];
    free(used);
    return 0;
}

int timings_measure(const timings_setup *b, timings *out, sm_err *e)
{
    memset(out, 0, sizeof *out);
    train_config cfg = train_config_default();
    net_shape shape = b->shape.layers
                          ? b->shape
                          : net_shape_default((int)(b->ds->train.rows * b->ds->train.cols));
    size_t val = 0;
    if (val_images(b, &val, e) != 0)
        return -1;
    out->batch = cfg.batch;
    out->epoch_flops = timings_flops(shape, 2.0 * (double)b->train->n, (double)val);
    out->step_flops = timings_flops(shape, 2.0 * cfg.batch, 0);
    out->has_floor = timings_has_blas_floor(shape) && !b->steps;
    cfg.margin = head_default_margin(b->head);
    const int both = b->kernels != KERNELS_OPENBLAS; /* else the chosen path is OpenBLAS */
    model_t m, mb; /* trained on the chosen kernels, and on OpenBLAS */
    memset(&m, 0, sizeof m);
    memset(&mb, 0, sizeof mb);
    int rc = model_init(&m, shape, b->head, cfg, e);
    if (rc == 0 && both)
        rc = model_init(&mb, shape, b->head, cfg, e);
    if (rc == 0)
        rc = measure_steps(b, &m, both ? &mb : NULL, out, e);
    model_free(&mb);
    if (rc == 0 && !b->steps)
        rc = measure_eval(b, &m, out, e);
    if (rc == 0 && !b->steps)
        rc = measure_inspect(b, &m, out, e);
    model_free(&m);
    return rc;
}
