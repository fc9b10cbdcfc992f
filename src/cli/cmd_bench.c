/* cmd_bench.c - `siamese bench`: in one process and one run, this CPU's FMA
 * peak and the physical floor of an epoch, the BLAS floor, real training
 * epochs on the chosen kernels and on OpenBLAS, evaluation of the test
 * pairs, embedding, inspection and data loading, with the ratios epoch /
 * floor that compare across machines; with --layers, that network (a conv
 * net too), and per training step its time against the step's floor;
 * with --steps, only that many steps. The data loading is timed here (it
 * is the CLI's --data search); the rest is measured by timings.h, and
 * this file prints it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "blas_kernels.h"
#include "cli.h"
#include "command.h"
#include "seeds.h"
#include "timings.h"

static const char *const cmd = "bench";
#define REPEATS TIMINGS_REPEATS

typedef struct {
    long threads;
    const char *data, *folders;
    int head, kernels;
    int kernels_given; /* the row's "given" flag; bench needs no difference */
    net_shape layers;  /* --layers; layers.layers = 0: the notebook's */
    int set_layers;
    long steps;        /* --steps; 0: whole epochs */
    int set_steps;
} bench_opts;

static void defaults(void *opts)
{
    bench_opts *o = opts;
    o->threads = cli_cpu_count();
    o->head = HEAD_EUCLIDEAN;
    o->kernels = KERNELS_AUTO;
}

static int parse_layers(const char *c, const char *opt, const char *arg, void *v)
{
    return opt_layers(c, opt, arg, v);
}

/* *median = the median seconds of REPEATS loads of the data at opt (with
 * options dopt, may be NULL), the last one kept in ds unless ds is NULL.
 * 0 or -1 (said). */
static int time_load(const char *opt, const data_options *dopt, dataset_t *ds, double *median)
{
    char dir[4096];
    double t[REPEATS];
    for (int i = 0; i < REPEATS; i++) {
        dataset_t d;
        double t0 = sm_now();
        if (cli_load_data(cmd, opt, dopt, dir, sizeof dir, &d) != 0)
            return -1;
        t[i] = sm_now() - t0;
        if (ds && i + 1 == REPEATS)
            *ds = d;
        else
            dataset_free(&d);
    }
    *median = timings_median(t, REPEATS);
    return 0;
}

/* The first lines: threads and OpenBLAS's kernels, and a warning when
 * they are its generic ones on a CPU with wider vectors. */
static void print_header(long threads)
{
    const char *core = blas_core_name();
    printf("siamese bench: %ld threads, OpenBLAS '%s' kernels, %d cores\n", threads, core,
           cli_cpu_count());
    if (blas_better_core(core, cpu_detect()))
        printf("WARNING: OpenBLAS runs its generic '%s' kernels on a CPU with %s: SGEMM is "
               "several times slower than it should be (OPENBLAS_CORETYPE=%s is set by the "
               "user?)\n", core, cpu_detect().avx512 ? "AVX-512" : "AVX2",
               getenv("OPENBLAS_CORETYPE") ? getenv("OPENBLAS_CORETYPE") : "unset");
}

/* One measured line: label, seconds (ms when ms), the rate of `flops`
 * in them, the ratio to the floor `floor_s`. */
static void print_run(const char *label, double s, int ms, double flops, double floor_s)
{
    printf("%-34s %8.3f %s  %6.1f GFLOP/s  ratio %s/physical floor %.2f\n", label,
           ms ? 1e3 * s : s, ms ? "ms" : "s", flops / s * 1e-9, ms ? "step" : "epoch",
           s / floor_s);
}

/* The training lines: epochs (without --steps), steps (with --layers or
 * --steps), the BLAS floor or why there is none. */
static void print_training(const bench_opts *o, const timings_setup *b, const timings *t)
{
    const int blas_too = b->kernels != KERNELS_OPENBLAS;
    char what[64];
    if (!o->set_steps) {
        const double phys_s = t->epoch_flops / t->peak;
        printf("%-34s %8.3f s  (%.1f GFLOP at the FMA peak)\n", "physical floor of an epoch",
               phys_s, t->epoch_flops * 1e-9);
        snprintf(what, sizeof what, "training epoch, %s", kernels_names[b->kernels]);
        print_run(what, t->epoch_s, 0, t->epoch_flops, phys_s);
        if (blas_too)
            print_run("training epoch, openblas", t->blas_epoch_s, 0, t->epoch_flops, phys_s);
    }
    if (o->set_steps || o->set_layers) {
        const double phys_s = t->step_flops / t->peak;
        printf("%-34s %8.3f ms  (%.4f GFLOP at the FMA peak)\n", "physical floor of a step",
               1e3 * phys_s, t->step_flops * 1e-9);
        snprintf(what, sizeof what, "training step, %s", kernels_names[b->kernels]);
        print_run(what, t->step_s, 1, t->step_flops, phys_s);
        if (blas_too)
            print_run("training step, openblas", t->blas_step_s, 1, t->step_flops, phys_s);
    }
    if (t->has_floor)
        printf("%-34s %8.3f s  %6.1f GFLOP/s  (%.1f GFLOP)\n", "BLAS floor (SGEMMs of one epoch)",
               t->floor_s, t->floor_flops / t->floor_s * 1e-9, t->floor_flops * 1e-9);
    else if (o->set_layers && !timings_has_blas_floor(b->shape))
        printf("BLAS floor: not measured: it times the SGEMM calls of three dense layers of one "
               "width, %s\n", net_is_spatial(b->shape) ? "and a conv net's products are others"
                                                       : "which this network is not");
    else
        printf("BLAS floor: not measured with --steps: it times a whole epoch's SGEMM calls\n");
}

/* The table: each time, its rate, and the ratios to the floors. */
static void print_timings(const bench_opts *o, const timings_setup *b, const timings *t,
                          double load_s, double folders_s)
{
    const dataset_t *ds = b->ds;
    kernels_path widest;
    sm_err e;
    kernels_resolve(KERNELS_AUTO, &widest, &e);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    char what[64];
    if (o->set_layers) {
        printf("network:");
        for (int l = 0; l < b->shape.layers; l++) {
            net_item_name(b->shape, l, what, sizeof what);
            printf("%c%s", l ? ',' : ' ', what);
        }
        printf(" on %d x %d x %d, %zu parameters\n", b->shape.in_c, b->shape.in_h,
               b->shape.in_w, net_param_count(b->shape));
    }
    printf("%-34s %8.3f s\n", "data load (4 files)", load_s);
    snprintf(what, sizeof what, "FMA peak (%s, %ld thread%s)",
             kernels_names[b->kernels == KERNELS_OPENBLAS ? widest : b->kernels], o->threads,
             o->threads == 1 ? "" : "s");
    printf("%-34s %8.1f GFLOP/s\n", what, t->peak * 1e-9);
    print_training(o, b, t);
    if (o->set_steps) {
        size_t n = (b->train->n + t->batch - 1) / t->batch;
        printf("(--steps: no epoch, eval, embedding or inspection timed; an epoch's %zu steps at "
               "the median step: %.1f s, no validation)\n", n, (double)n * t->step_s);
    } else {
        printf("%-34s %8.3f s\n", "eval of the test pairs", t->eval_s);
        snprintf(what, sizeof what, "embed (%zu training images)", ds->train.n);
        printf("%-34s %8.3f s  %8.0f images/s\n", what, t->embed_s,
               (double)ds->train.n / t->embed_s);
        snprintf(what, sizeof what, "inspect %zu x %zu, centroid", ds->test.n, t->refs);
        printf("%-34s %8.3f s\n", what, t->centroid_s);
        snprintf(what, sizeof what, "inspect %zu x %zu, 10-NN", ds->test.n, t->refs);
        printf("%-34s %8.3f s\n", what, t->knn_s);
    }
    if (o->folders)
        printf("%-34s %8.3f s  (IDX files: %.3f s)\n", "data load (image folders)", folders_s,
               load_s);
    printf("%-34s %8ld MB\n", "peak memory (max RSS)", ru.ru_maxrss / 1024);
    printf("(medians of %d; %zu training pairs, %zu test pairs, batch %u", REPEATS,
           b->train->n, b->test->n, t->batch);
    if (o->set_steps || o->set_layers)
        printf("; steps: the median of %zu per path%s", t->steps_timed,
               o->set_steps ? ", each run after one untimed step" : "");
    printf(")\n");
}

/* With the data loaded and the pairs built: the measurements, the
 * folders' loading, the table. 0 or 1 (said). */
static int measure(const bench_opts *o, const timings_setup *b, double load_s)
{
    sm_err e;
    timings t;
    if (timings_measure(b, &t, &e) != 0) {
        cli_error(cmd, "%s", e.msg);
        return 1;
    }
    double folders_s = 0;
    data_options fo = {.threads = (int)o->threads};
    if (o->folders && time_load(o->folders, &fo, NULL, &folders_s) != 0)
        return 1;
    print_timings(o, b, &t, load_s, folders_s);
    return 0;
}

static int run(void *opts, int argc, char **argv)
{
    const bench_opts *o = opts;
    if (argc > 0) { /* said without the blank line the other usage errors have */
        cli_error(cmd, "unexpected argument '%s'", argv[0]);
        cli_help(&cmd_bench, stderr);
        return EXIT_USAGE;
    }
    sm_err e;
    kernels_path kp;
    if (kernels_resolve((kernels_path)o->kernels, &kp, &e) != 0) {
        cli_error(cmd, "%s", e.msg);
        return 1;
    }
    /* OpenBLAS's own threads busy-wait: never more of them than cores (the
     * floor then runs at the machine's speed, not at its contention). */
    int blas_threads = o->threads < cli_cpu_count() ? (int)o->threads : cli_cpu_count();
    dataset_t ds;
    double load_s;
    if (time_load(o->data, NULL, &ds, &load_s) != 0)
        return 1;
    blas_set_threads(blas_threads);
    net_shape shape = o->layers; /* layers = 0 without --layers: the notebook's */
    if (o->set_layers) {
        net_set_input(&shape, 1, (int)ds.train.rows, (int)ds.train.cols);
        if (net_check_shape(shape, &e) != 0) {
            cli_error(cmd, "%s", e.msg); /* a usage error: the spec does not fit the images */
            dataset_free(&ds);
            return EXIT_USAGE;
        }
    }
    print_header(o->threads);
    pairs_t tr, te;
    int rc = 1;
    if (seeds_build_pairs(&ds, SEED_DEFAULT, &tr, &te, &e) != 0) {
        cli_error(cmd, "%s", e.msg);
    } else {
        timings_setup b = {&ds, &tr, &te, (uint32_t)o->head, kp, (int)o->threads, blas_threads,
                           shape, (size_t)o->steps};
        rc = measure(o, &b, load_s);
        pairs_free(&tr);
        pairs_free(&te);
    }
    dataset_free(&ds);
    return rc;
}

static const opt_spec options[] = {
    OPT_THREADS(bench_opts, threads, "worker threads (default: all {cores} cores)"),
    OPT_KERNELS(bench_opts, kernels, kernels_given, "the kernels measured: auto (default), avx512, "
                                              "avx2,\ngeneric or openblas (always measured too)"),
    OPT_DATA(bench_opts, data, "PATH", OPT_DATA_HELP),
    {"distance", 0, "H", OPT_CHOICE, OPT_AT(bench_opts, head), 0, 0, 0, 0, head_names, NULL,
     "the head of the epochs measured: euclidean (default),\nmanhattan, cosine or learned"},
    {"layers", 0, "SPEC", OPT_PARSE, OPT_AT(bench_opts, layers), OPT_GIVEN(bench_opts, set_layers),
     0, 0, 0, NULL, parse_layers, "the network measured, as train's --layers (default\n"
     "128,128,128); adds each step's time against its floor"},
    {"steps", 0, "N", OPT_LONG, OPT_AT(bench_opts, steps), OPT_GIVEN(bench_opts, set_steps), 1,
     100000, 0, NULL, NULL, "time N training steps per run (after one untimed\nstep) instead "
     "of whole epochs; skips eval, embedding\nand inspection (a conv epoch takes minutes)"},
    {"folders", 0, "DIR", OPT_STR, OPT_AT(bench_opts, folders), 0, 0, 0, 0, NULL, NULL,
     "also time loading the same data as image folders (the\noutput of `siamese export`)"},
    OPT_HELP_ROW,
};

const command cmd_bench = {
    "bench",
    "measure data loading, the BLAS floor, training and evaluation",
    "usage: siamese bench [options]\n\n"
    "Measures, in one run: loading the data; this CPU's FMA peak on N threads and\n"
    "the physical floor of a training epoch (its flops at that peak); the BLAS\n"
    "floor (the epoch's SGEMM calls alone through OpenBLAS, on random data); real\n"
    "training epochs (steps plus validation) on the chosen kernels and on\n"
    "OpenBLAS; evaluation of the test pairs; embedding; inspection; peak memory.\n"
    "Each time is the median of 5 runs. Ratios, not seconds, compare across\n"
    "machines. With --layers, that network, and the median training step\n"
    "against the step's physical floor (the BLAS floor is of dense networks).\n",
    20,
    options,
    sizeof options / sizeof *options,
    sizeof(bench_opts),
    defaults,
    run,
};
