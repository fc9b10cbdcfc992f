/* cmd_bench.c - `siamese bench`: in one process and one run, this CPU's FMA
 * peak and the physical floor of an epoch, the BLAS floor, real training
 * epochs on the chosen kernels and on OpenBLAS, evaluation of the test
 * pairs, embedding, inspection and data loading, with the ratios epoch /
 * floor that compare across machines. The data loading is timed here (it
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
} bench_opts;

static void defaults(void *opts)
{
    bench_opts *o = opts;
    o->threads = cli_cpu_count();
    o->head = HEAD_EUCLIDEAN;
    o->kernels = KERNELS_AUTO;
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

/* The table: each time, its rate, and the ratios to the floors. */
static void print_timings(const bench_opts *o, const timings_setup *b, const timings *t,
                          double load_s, double folders_s)
{
    const dataset_t *ds = b->ds;
    const double phys_s = t->epoch_flops / t->peak;
    kernels_path widest;
    sm_err e;
    kernels_resolve(KERNELS_AUTO, &widest, &e);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    char what[64];
    printf("%-34s %8.3f s\n", "data load (4 files)", load_s);
    snprintf(what, sizeof what, "FMA peak (%s, %ld thread%s)",
             kernels_names[b->kernels == KERNELS_OPENBLAS ? widest : b->kernels], o->threads,
             o->threads == 1 ? "" : "s");
    printf("%-34s %8.1f GFLOP/s\n", what, t->peak * 1e-9);
    printf("%-34s %8.3f s  (%.1f GFLOP at the FMA peak)\n", "physical floor of an epoch", phys_s,
           t->epoch_flops * 1e-9);
    snprintf(what, sizeof what, "training epoch, %s", kernels_names[b->kernels]);
    printf("%-34s %8.3f s  %6.1f GFLOP/s  ratio epoch/physical floor %.2f\n", what, t->epoch_s,
           t->epoch_flops / t->epoch_s * 1e-9, t->epoch_s / phys_s);
    if (b->kernels != KERNELS_OPENBLAS)
        printf("%-34s %8.3f s  %6.1f GFLOP/s  ratio epoch/physical floor %.2f\n",
               "training epoch, openblas", t->blas_epoch_s,
               t->epoch_flops / t->blas_epoch_s * 1e-9, t->blas_epoch_s / phys_s);
    printf("%-34s %8.3f s  %6.1f GFLOP/s  (%.1f GFLOP)\n", "BLAS floor (SGEMMs of one epoch)",
           t->floor_s, t->floor_flops / t->floor_s * 1e-9, t->floor_flops * 1e-9);
    printf("%-34s %8.3f s\n", "eval of the test pairs", t->eval_s);
    snprintf(what, sizeof what, "embed (%zu training images)", ds->train.n);
    printf("%-34s %8.3f s  %8.0f images/s\n", what, t->embed_s, (double)ds->train.n / t->embed_s);
    snprintf(what, sizeof what, "inspect %zu x %zu, centroid", ds->test.n, t->refs);
    printf("%-34s %8.3f s\n", what, t->centroid_s);
    snprintf(what, sizeof what, "inspect %zu x %zu, 10-NN", ds->test.n, t->refs);
    printf("%-34s %8.3f s\n", what, t->knn_s);
    if (o->folders)
        printf("%-34s %8.3f s  (IDX files: %.3f s)\n", "data load (image folders)", folders_s,
               load_s);
    printf("%-34s %8ld MB\n", "peak memory (max RSS)", ru.ru_maxrss / 1024);
    printf("(medians of %d; %zu training pairs, %zu test pairs, batch %u)\n", REPEATS,
           b->train->n, b->test->n, t->batch);
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
    data_options fo = {0, 0, (int)o->threads, 0};
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
    print_header(o->threads);
    pairs_t tr, te;
    int rc = 1;
    if (seeds_build_pairs(&ds, SEED_DEFAULT, &tr, &te, &e) != 0) {
        cli_error(cmd, "%s", e.msg);
    } else {
        timings_setup b = {&ds, &tr, &te, (uint32_t)o->head, kp, (int)o->threads, blas_threads};
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
    "machines.\n",
    20,
    options,
    sizeof options / sizeof *options,
    sizeof(bench_opts),
    defaults,
    run,
};
