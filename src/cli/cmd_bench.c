/* cmd_bench.c - `siamese bench`: in one process and one run, this CPU's FMA
 * peak and the physical floor of an epoch, the BLAS floor, real training
 * epochs on the chosen kernels and on OpenBLAS, evaluation of the test
 * pairs, embedding, inspection and data loading, with the ratios epoch /
 * floor that compare across machines; with --layers, that network (a conv
 * net too), and per training step its time against the step's floor;
 * with --steps, only that many steps. The data loading is timed here (it
 * is the CLI's --data search); the rest is measured by timings.h. This
 * file fills the view of it all once; bench_print.h's formatters print it
 * as the table or, with --json, as one JSON object. On a terminal a
 * status line on stderr says what is being measured meanwhile. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "bench_print.h"
#include "blas_kernels.h"
#include "cli.h"
#include "command.h"
#include "guard.h"
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
    int json;          /* --json: one JSON object instead of the table */
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
 * options dopt, may be NULL), the last one kept in ds unless ds is NULL,
 * the status line saying `what` between them. 0 or -1 (said). */
static int time_load(const char *opt, const data_options *dopt, dataset_t *ds, double *median,
                     bench_status *s, const char *what)
{
    char dir[4096];
    double t[REPEATS];
    for (int i = 0; i < REPEATS; i++) {
        dataset_t d;
        /* The first load says its error or note (skipped files) itself
         * (cli_load_data), on a clean line, once; the line between the
         * later loads, cleared before an error of theirs. */
        if (i == 0)
            bench_status_clear(s);
        else
            bench_status_run(s, what, i + 1);
        double t0 = sm_now();
        sm_err e;
        if (i == 0 ? cli_load_data(cmd, opt, dopt, dir, sizeof dir, &d) != 0
                   : dataset_find_dir(opt, dir, sizeof dir, &e) != 0 ||
                         dataset_open(dir, dopt, &d, &e) != 0) {
            if (i > 0) {
                bench_status_clear(s);
                cli_error(cmd, "%s", e.msg);
            }
            return -1;
        }
        t[i] = sm_now() - t0;
        if (ds && i + 1 == REPEATS)
            *ds = d;
        else
            dataset_free(&d);
    }
    *median = timings_median(t, REPEATS);
    return 0;
}

/* The view's first part, known before the measurements: threads,
 * OpenBLAS's kernels, and in warning [n] why they are slow on this CPU
 * (v->warning NULL when they are not). */
static void view_header(const bench_opts *o, bench_view *v, char *warning, size_t n)
{
    v->threads = o->threads;
    v->cores = cli_cpu_count();
    v->blas_core = blas_core_name();
    v->set_layers = o->set_layers;
    v->set_steps = o->set_steps;
    v->folders = o->folders;
    v->warning = NULL;
    if (blas_better_core(v->blas_core, cpu_detect())) {
        snprintf(warning, n, "OpenBLAS runs its generic '%s' kernels on a CPU with %s: SGEMM is "
                 "several times slower than it should be (OPENBLAS_CORETYPE=%s is set by the "
                 "user?)", v->blas_core, cpu_detect().avx512 ? "AVX-512" : "AVX2",
                 getenv("OPENBLAS_CORETYPE") ? getenv("OPENBLAS_CORETYPE") : "unset");
        v->warning = warning;
    }
}

/* The rest of the view once everything is measured: the network (the
 * notebook's resolved), the FMA peak's path, peak memory. */
static void view_results(bench_view *v, const timings_setup *b, const timings *t)
{
    v->b = b;
    v->t = t;
    v->shape = b->shape.layers ? b->shape
                               : net_shape_default((int)(b->ds->train.rows * b->ds->train.cols));
    size_t k = 0;
    v->network[0] = 0;
    for (int l = 0; l < v->shape.layers && k < sizeof v->network; l++) {
        char item[32];
        net_item_name(v->shape, l, item, sizeof item);
        k += (size_t)snprintf(v->network + k, sizeof v->network - k, "%s%s", l ? "," : "", item);
    }
    kernels_path widest;
    sm_err e;
    kernels_resolve(KERNELS_AUTO, &widest, &e);
    v->peak_path = b->kernels == KERNELS_OPENBLAS ? widest : b->kernels;
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    v->max_rss_kb = ru.ru_maxrss;
}

/* With the data loaded and the pairs built: the measurements, the
 * folders' loading, the table or the JSON object, and whether standard
 * output took it. 0 or 1 (said). */
static int measure(const bench_opts *o, const timings_setup *b, bench_view *v,
                   bench_status *s)
{
    sm_err e;
    timings t;
    if (timings_measure(b, &t, &e) != 0) {
        bench_status_clear(s);
        cli_error(cmd, "%s", e.msg);
        return 1;
    }
    data_options fo = {.threads = (int)o->threads};
    v->folders_s = 0;
    int rc = o->folders ? time_load(o->folders, &fo, NULL, &v->folders_s, s,
                                    "loading the folders") : 0;
    bench_status_clear(s);
    if (rc != 0)
        return 1;
    view_results(v, b, &t);
    if (o->json)
        bench_print_json(v, stdout);
    else
        bench_print_text(v, stdout);
    const char *why = guard_stdout_failure();
    if (why) {
        cli_error(cmd, "write error on standard output: %s", why);
        return 1;
    }
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
    bench_view v;
    char warning[256];
    bench_status st;
    bench_status_start(&st, o->set_steps);
    int loaded = time_load(o->data, NULL, &ds, &v.load_s, &st, "loading the data");
    bench_status_clear(&st);
    if (loaded != 0)
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
    view_header(o, &v, warning, sizeof warning);
    if (!o->json)
        bench_print_header(&v, stdout);
    else if (v.warning) /* loud on the terminal still */
        cli_error(cmd, "WARNING: %s", v.warning);
    pairs_t tr, te;
    int rc = 1;
    if (seeds_build_pairs(&ds, SEED_DEFAULT, &tr, &te, &e) != 0) {
        cli_error(cmd, "%s", e.msg);
    } else {
        /* No progress function off a terminal: the timing loops run as
         * they do without one. */
        timings_setup b = {&ds, &tr, &te, (uint32_t)o->head, kp, (int)o->threads, blas_threads,
                           shape, (size_t)o->steps,
                           st.live ? bench_status_progress : NULL, &st};
        rc = measure(o, &b, &v, &st);
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
    OPT_JSON(bench_opts, json, "print the same measurements as one JSON object on\nstdout, "
             "each unit in its key, instead of the table"),
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
    "against the step's physical floor (the BLAS floor is of dense networks).\n"
    "With --json, the same numbers as one JSON object instead of the table, each\n"
    "key naming its unit (_s, _ms, gflop, gflops, ratio_to_floor per kernel\n"
    "path); a measurement not made is null, and \"skipped\" says why.\n"
    "On a terminal, progress on stderr: the stage measured, its run and steps.\n",
    20,
    options,
    sizeof options / sizeof *options,
    sizeof(bench_opts),
    defaults,
    run,
};
