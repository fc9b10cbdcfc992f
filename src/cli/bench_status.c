/* bench_status.c - the live status line of `siamese bench` on stderr
 * (bench_print.h): what is being measured, which run of five, and in a
 * training run its steps as a bar, with the time since bench started:
 *   bench: training epoch, avx2, run 2/5  412/469 [=====>......]  1:23
 * Drawn only when stderr is a terminal that can redraw (progress_live);
 * elsewhere every call here does nothing. */
#include "bench_print.h"

#include "gemm.h"

void bench_status_start(bench_status *s, int steps)
{
    s->live = progress_live(stderr);
    s->drawn = 0;
    s->steps = steps;
    if (s->live)
        progress_start(&s->bar, stderr, 0, 0);
}

/* Draws "bench: what, run i/5", with a bar of step of steps when steps
 * > 0; a new stage (force) at once, a step at most ten times a second. */
static void draw(bench_status *s, const char *what, int run, size_t step, size_t steps,
                 int force)
{
    if (!s->live)
        return;
    char head[128];
    snprintf(head, sizeof head, "bench: %s, run %d/%d", what, run, TIMINGS_REPEATS);
    progress_status(&s->bar, head, step, steps, force);
    s->drawn = 1;
}

void bench_status_run(bench_status *s, const char *what, int run)
{
    draw(s, what, run, 0, 0, 1);
}

void bench_status_clear(bench_status *s)
{
    if (s->drawn)
        progress_clear(&s->bar);
    s->drawn = 0;
}

void bench_status_progress(void *ctx, const timings_where *w)
{
    bench_status *s = ctx;
    const char *k = kernels_names[w->kernels];
    char what[96];
    switch (w->stage) {
    case TIMINGS_AT_PEAK: snprintf(what, sizeof what, "FMA peak"); break;
    case TIMINGS_AT_BLAS_FLOOR: snprintf(what, sizeof what, "BLAS floor"); break;
    case TIMINGS_AT_TRAINING:
        snprintf(what, sizeof what, "training %s, %s", s->steps ? "steps" : "epoch", k);
        break;
    case TIMINGS_AT_VALIDATION: snprintf(what, sizeof what, "validation, %s", k); break;
    case TIMINGS_AT_EVAL: snprintf(what, sizeof what, "eval, %s", k); break;
    default: snprintf(what, sizeof what, "embedding and inspection, %s", k); break;
    }
    /* Step 0 opens a stage's run: drawn at once; steps at most 10 a second. */
    draw(s, what, w->run, w->step, w->steps, w->step == 0);
}
