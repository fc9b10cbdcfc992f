/* bench_text.c - `siamese bench`'s table for a reader (bench_print.h):
 * formatting only, every number comes from the view. */
#include "bench_print.h"

#include "gemm.h"

void bench_print_header(const bench_view *v, FILE *out)
{
    fprintf(out, "siamese bench: %ld threads, OpenBLAS '%s' kernels, %d cores\n", v->threads,
            v->blas_core, v->cores);
    if (v->warning)
        fprintf(out, "WARNING: %s\n", v->warning);
}

/* One measured line: label, seconds (ms when ms), the rate of `flops`
 * in them, the ratio to the floor `floor_s`. */
static void print_run(FILE *out, const char *label, double s, int ms, double flops,
                      double floor_s)
{
    fprintf(out, "%-34s %8.3f %s  %6.1f GFLOP/s  ratio %s/physical floor %.2f\n", label,
            ms ? 1e3 * s : s, ms ? "ms" : "s", flops / s * 1e-9, ms ? "step" : "epoch",
            s / floor_s);
}

/* The training lines: epochs (without --steps), steps (with --layers or
 * --steps), the BLAS floor or why there is none. */
static void print_training(const bench_view *v, FILE *out)
{
    const timings_setup *b = v->b;
    const timings *t = v->t;
    const int blas_too = b->kernels != KERNELS_OPENBLAS;
    char what[64];
    if (!v->set_steps) {
        const double phys_s = t->epoch_flops / t->peak;
        fprintf(out, "%-34s %8.3f s  (%.1f GFLOP at the FMA peak)\n",
                "physical floor of an epoch", phys_s, t->epoch_flops * 1e-9);
        snprintf(what, sizeof what, "training epoch, %s", kernels_names[b->kernels]);
        print_run(out, what, t->epoch_s, 0, t->epoch_flops, phys_s);
        if (blas_too)
            print_run(out, "training epoch, openblas", t->blas_epoch_s, 0, t->epoch_flops,
                      phys_s);
    }
    if (v->set_steps || v->set_layers) {
        const double phys_s = t->step_flops / t->peak;
        fprintf(out, "%-34s %8.3f ms  (%.4f GFLOP at the FMA peak)\n",
                "physical floor of a step", 1e3 * phys_s, t->step_flops * 1e-9);
        snprintf(what, sizeof what, "training step, %s", kernels_names[b->kernels]);
        print_run(out, what, t->step_s, 1, t->step_flops, phys_s);
        if (blas_too)
            print_run(out, "training step, openblas", t->blas_step_s, 1, t->step_flops, phys_s);
    }
    if (t->has_floor)
        fprintf(out, "%-34s %8.3f s  %6.1f GFLOP/s  (%.1f GFLOP)\n",
                "BLAS floor (SGEMMs of one epoch)", t->floor_s, t->floor_flops / t->floor_s * 1e-9,
                t->floor_flops * 1e-9);
    else if (v->set_layers && !timings_has_blas_floor(v->shape))
        fprintf(out, "BLAS floor: not measured: it times the SGEMM calls of three dense layers "
                     "of one width, %s\n", net_is_spatial(v->shape)
                                               ? "and a conv net's products are others"
                                               : "which this network is not");
    else
        fprintf(out, "BLAS floor: not measured with --steps: it times a whole epoch's SGEMM "
                     "calls\n");
}

/* Eval, embedding and inspection, or with --steps what an epoch would
 * take at the median step. */
static void print_rest(const bench_view *v, FILE *out)
{
    const timings_setup *b = v->b;
    const timings *t = v->t;
    const dataset_t *ds = b->ds;
    char what[64];
    if (v->set_steps) {
        size_t n = (b->train->n + t->batch - 1) / t->batch;
        fprintf(out, "(--steps: no epoch, eval, embedding or inspection timed; an epoch's %zu "
                     "steps at the median step: %.1f s, no validation)\n",
                n, (double)n * t->step_s);
        return;
    }
    fprintf(out, "%-34s %8.3f s\n", "eval of the test pairs", t->eval_s);
    snprintf(what, sizeof what, "embed (%zu training images)", ds->train.n);
    fprintf(out, "%-34s %8.3f s  %8.0f images/s\n", what, t->embed_s,
            (double)ds->train.n / t->embed_s);
    snprintf(what, sizeof what, "inspect %zu x %zu, centroid", ds->test.n, t->refs);
    fprintf(out, "%-34s %8.3f s\n", what, t->centroid_s);
    snprintf(what, sizeof what, "inspect %zu x %zu, 10-NN", ds->test.n, t->refs);
    fprintf(out, "%-34s %8.3f s\n", what, t->knn_s);
}

void bench_print_text(const bench_view *v, FILE *out)
{
    const timings_setup *b = v->b;
    const timings *t = v->t;
    char what[64];
    if (v->set_layers)
        fprintf(out, "network: %s on %d x %d x %d, %zu parameters\n", v->network, v->shape.in_c,
                v->shape.in_h, v->shape.in_w, net_param_count(v->shape));
    fprintf(out, "%-34s %8.3f s\n", "data load (4 files)", v->load_s);
    snprintf(what, sizeof what, "FMA peak (%s, %ld thread%s)", kernels_names[v->peak_path],
             v->threads, v->threads == 1 ? "" : "s");
    fprintf(out, "%-34s %8.1f GFLOP/s\n", what, t->peak * 1e-9);
    print_training(v, out);
    print_rest(v, out);
    if (v->folders)
        fprintf(out, "%-34s %8.3f s  (IDX files: %.3f s)\n", "data load (image folders)",
                v->folders_s, v->load_s);
    fprintf(out, "%-34s %8ld MB\n", "peak memory (max RSS)", v->max_rss_kb / 1024);
    fprintf(out, "(medians of %d; %zu training pairs, %zu test pairs, batch %u", TIMINGS_REPEATS,
            b->train->n, b->test->n, t->batch);
    if (v->set_steps || v->set_layers)
        fprintf(out, "; steps: the median of %zu per path%s", t->steps_timed,
                v->set_steps ? ", each run after one untimed step" : "");
    fprintf(out, ")\n");
}
