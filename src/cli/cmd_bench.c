/* cmd_bench.c - `siamese bench`: in one process and one run, this CPU's FMA
 * peak and the physical floor of an epoch, the BLAS floor, real training
 * epochs on the chosen kernels and on OpenBLAS, evaluation of the test
 * pairs, embedding, inspection and data loading, with the ratios epoch /
 * floor that compare across machines. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "anomaly.h"
#include "bench.h"
#include "blas_kernels.h"
#include "cli.h"
#include "dataset.h"
#include "embed.h"
#include "model.h"
#include "pairs.h"
#include "seeds.h"
#include "train.h"

static const char *const cmd = "bench";
#define REPEATS 5

static void usage(FILE *out)
{
    fprintf(out,
            "usage: siamese bench [options]\n\n"
            "Measures, in one run: loading the data; this CPU's FMA peak on N threads and\n"
            "the physical floor of a training epoch (its flops at that peak); the BLAS\n"
            "floor (the epoch's SGEMM calls alone through OpenBLAS, on random data); real\n"
            "training epochs (steps plus validation) on the chosen kernels and on\n"
            "OpenBLAS; evaluation of the test pairs; embedding; inspection; peak memory.\n"
            "Each time is the median of %d runs. Ratios, not seconds, compare across\n"
            "machines.\n\n"
            "options:\n"
            "  -j, --threads N   worker threads (default: all %d cores)\n"
            "      --kernels K   the kernels measured: auto (default), avx512, avx2,\n"
            "                    generic or openblas (always measured too)\n"
            "      --data PATH   the data set: IDX files or image folders (default:\n"
            "                    $SIAMESE_DATA, ./data/fashion-mnist,\n"
            "                    /usr/share/datasets/fashion-mnist)\n"
            "      --distance H  the head of the epochs measured: euclidean (default),\n"
            "                    manhattan, cosine or learned\n"
            "      --folders DIR also time loading the same data as image folders (the\n"
            "                    output of `siamese export`)\n"
            "  -h, --help        show this help\n",
            REPEATS, cli_cpu_count());
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, by_value);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* *seconds = one training epoch of m (steps and validation loss) on
 * `threads` workers and kernels k, its trainer set up outside the timing
 * and freed after it (one trainer alive at a time). 0 or -1 with e set. */
static int time_epoch(model_t *m, const dataset_t *ds, const pairs_t *tr, const pairs_t *te,
                      int threads, kernels_path k, double *seconds, sm_err *e)
{
    trainer_t t;
    if (trainer_init(&t, m, &ds->train, tr, threads, k, e) != 0)
        return -1;
    double t0 = cli_now(), loss, val;
    size_t steps;
    int rc = trainer_epoch(&t, m, NULL, NULL, &loss, &steps, e);
    if (rc == 0)
        rc = trainer_mean_loss(&t, m, &ds->test, te, &val, e);
    *seconds = cli_now() - t0;
    trainer_free(&t);
    return rc == 0 ? 0 : -1;
}

int cmd_bench(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"threads", required_argument, 0, 'j'},
        {"data", required_argument, 0, 'd'},
        {"folders", required_argument, 0, 'F'},
        {"distance", required_argument, 0, 'X'},
        {"kernels", required_argument, 0, 'K'},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    long threads = cli_cpu_count();
    const char *data = NULL, *folders = NULL;
    int head = HEAD_EUCLIDEAN, kernels = KERNELS_AUTO;
    opterr = 0;
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, ":j:h", longopts, NULL)) != -1) {
        int bad = 0;
        switch (c) {
        case 'j': bad = opt_long(cmd, "threads", optarg, 1, MODEL_MAX_THREADS, &threads); break;
        case 'd': data = optarg; break;
        case 'F': folders = optarg; break;
        case 'X': bad = opt_choice(cmd, "distance", optarg, head_names, &head); break;
        case 'K': bad = opt_choice(cmd, "kernels", optarg, kernels_names, &kernels); break;
        case 'h': usage(stdout); return 0;
        default: opt_report(cmd, c, optopt, argv); bad = 1; break;
        }
        if (bad) {
            fputc('\n', stderr);
            usage(stderr);
            return EXIT_USAGE;
        }
    }
    if (optind < argc) {
        cli_error(cmd, "unexpected argument '%s'", argv[optind]);
        usage(stderr);
        return EXIT_USAGE;
    }

    sm_err e;
    kernels_path kp;
    if (kernels_resolve((kernels_path)kernels, &kp, &e) != 0) {
        cli_error(cmd, "%s", e.msg);
        return 1;
    }
    /* OpenBLAS's own threads busy-wait: never more of them than cores (the
     * floor then runs at the machine's speed, not at its contention). */
    int blas_threads = threads < cli_cpu_count() ? (int)threads : cli_cpu_count();
    char dir[4096];
    dataset_t ds;
    double t_load[REPEATS];
    for (int i = 0; i < REPEATS; i++) {
        double t0 = cli_now();
        if (cli_load_data(cmd, data, NULL, dir, sizeof dir, &ds) != 0)
            return 1;
        t_load[i] = cli_now() - t0;
        if (i + 1 < REPEATS)
            dataset_free(&ds);
    }
    blas_set_threads(blas_threads);
    const char *core = blas_core_name();
    printf("siamese bench: %ld threads, OpenBLAS '%s' kernels, %d cores\n", threads, core,
           cli_cpu_count());
    if (blas_better_core(core, cpu_detect()))
        printf("WARNING: OpenBLAS runs its generic '%s' kernels on a CPU with %s: SGEMM is "
               "several times slower than it should be (OPENBLAS_CORETYPE=%s is set by the "
               "user?)\n", core, cpu_detect().avx512 ? "AVX-512" : "AVX2",
               getenv("OPENBLAS_CORETYPE") ? getenv("OPENBLAS_CORETYPE") : "unset");

    pairs_t tr, te;
    if (seeds_build_pairs(&ds, SEED_DEFAULT, &tr, &te, &e) != 0) {
        cli_error(cmd, "%s", e.msg);
        dataset_free(&ds);
        return 1;
    }
    train_config cfg = train_config_default();
    net_shape shape = net_shape_default((int)(ds.train.rows * ds.train.cols));
    model_t m, mb; /* trained on the chosen kernels, and on OpenBLAS */
    memset(&mb, 0, sizeof mb);
    int rc = 1;
    float *dist = malloc(te.n * sizeof *dist);
    uint8_t *used = malloc(ds.test.n + 1);
    if (!dist || !used) {
        cli_error(cmd, "out of memory");
        free(used);
        goto out;
    }
    pairs_mark_used(used, ds.test.n, &te);
    size_t val_images = 0;
    for (size_t i = 0; i < ds.test.n; i++)
        val_images += used[i];
    free(used);
    const int both = kp != KERNELS_OPENBLAS; /* else the chosen path is OpenBLAS */
    double t_floor[REPEATS], t_epoch[REPEATS], t_blas_epoch[REPEATS], t_eval[REPEATS];
    double peak[REPEATS], flops = 0;
    const double epoch_flops = bench_epoch_flops(shape.in, shape.width, shape.layers, tr.n,
                                                 val_images);
    cfg.margin = head_default_margin((uint32_t)head);
    if (model_init(&m, shape, (uint32_t)head, cfg, &e) != 0 ||
        (both && model_init(&mb, shape, (uint32_t)head, cfg, &e) != 0)) {
        cli_error(cmd, "%s", e.msg);
        model_free(&m);
        goto out;
    }
    /* Peak, floor and epochs alternate, so a slow spell of a shared
     * machine hits them all and the ratios stay fair. */
    for (int i = 0; i < REPEATS; i++) {
        /* The BLAS floor: one epoch's SGEMM calls at full batch size,
         * OpenBLAS threading them itself over all the threads. */
        bench_floor f;
        blas_set_threads(blas_threads);
        if (bench_blas_floor(&f, shape.in, net_out(shape), tr.n, (int)cfg.batch, &e) != 0 ||
            bench_fma_peak(kp, (int)threads, &peak[i], &e) != 0 ||
            time_epoch(&m, &ds, &tr, &te, (int)threads, kp, &t_epoch[i], &e) != 0 ||
            (both && time_epoch(&mb, &ds, &tr, &te, (int)threads, KERNELS_OPENBLAS,
                                &t_blas_epoch[i], &e) != 0)) {
            cli_error(cmd, "%s", e.msg);
            model_free(&m);
            model_free(&mb);
            goto out;
        }
        t_floor[i] = f.seconds;
        flops = f.flops;
        if (!both)
            t_blas_epoch[i] = t_epoch[i];
    }
    model_free(&mb);
    blas_set_threads(blas_threads);
    for (int i = 0; i < REPEATS; i++) {
        double t0 = cli_now();
        if (distances_for_pairs(dist, &m, &ds.test, &te, (int)threads, kp, NULL, &e) != 0) {
            cli_error(cmd, "%s", e.msg);
            model_free(&m);
            goto out;
        }
        t_eval[i] = cli_now() - t0;
    }
    /* What inspection needs: embedding images, and scoring the test images
     * against up to 6,000 references (the first training images). */
    double t_embed[REPEATS], t_knn[REPEATS], t_cent[REPEATS], t_folders[REPEATS];
    size_t H = (size_t)net_out(m.shape), nref = ds.train.n < 6000 ? ds.train.n : 6000;
    float *emb = malloc((ds.train.n + ds.test.n) * H * sizeof *emb);
    float *sc = malloc((ds.test.n + 1) * sizeof *sc);
    uint32_t *near = malloc((ds.test.n + 1) * sizeof *near);
    if (!emb || !sc || !near) {
        cli_error(cmd, "out of memory");
        free(emb);
        free(sc);
        free(near);
        model_free(&m);
        goto out;
    }
    float *emb_test = emb + ds.train.n * H;
    int ok = 1;
    for (int i = 0; i < REPEATS && ok; i++) {
        double t0 = cli_now();
        int bad = embed_images(emb, m.params, m.shape, ds.train.images, ds.train.n, NULL,
                               (int)threads, kp, &e);
        t_embed[i] = cli_now() - t0;
        bad = bad || embed_images(emb_test, m.params, m.shape, ds.test.images, ds.test.n, NULL,
                                  (int)threads, kp, &e);
        anomaly_cfg knn = {.score = ANOMALY_KNN, .k = 10, .threads = (int)threads,
                           .head = m.head, .hp = model_head_params(&m, m.params), .kernels = kp};
        anomaly_cfg cent = knn;
        cent.score = ANOMALY_CENTROID;
        cent.k = 1;
        t0 = cli_now();
        bad = bad || anomaly_scores(emb, nref, emb_test, ds.test.n, (int)H, &knn, 0, sc, near, &e);
        t_knn[i] = cli_now() - t0;
        t0 = cli_now();
        bad = bad || anomaly_scores(emb, nref, emb_test, ds.test.n, (int)H, &cent, 0, sc, near, &e);
        t_cent[i] = cli_now() - t0;
        if (bad) {
            cli_error(cmd, "%s", e.msg);
            ok = 0;
            break;
        }
        t_folders[i] = 0;
        if (folders) {
            dataset_t f;
            data_options fo = {0, 0, (int)threads};
            t0 = cli_now();
            if (cli_load_data(cmd, folders, &fo, dir, sizeof dir, &f) != 0) {
                ok = 0;
                break;
            }
            t_folders[i] = cli_now() - t0;
            dataset_free(&f);
        }
    }
    free(emb);
    free(sc);
    free(near);
    model_free(&m);
    if (!ok)
        goto out;

    double floor_s = median(t_floor, REPEATS), epoch_s = median(t_epoch, REPEATS);
    double blas_epoch_s = median(t_blas_epoch, REPEATS), peak_s = median(peak, REPEATS);
    double phys_s = epoch_flops / peak_s;
    kernels_path widest;
    kernels_resolve(KERNELS_AUTO, &widest, &e);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    char what[64];
    printf("%-34s %8.3f s\n", "data load (4 files)", median(t_load, REPEATS));
    snprintf(what, sizeof what, "FMA peak (%s, %ld thread%s)",
             kernels_names[kp == KERNELS_OPENBLAS ? widest : kp], threads, threads == 1 ? "" : "s");
    printf("%-34s %8.1f GFLOP/s\n", what, peak_s * 1e-9);
    printf("%-34s %8.3f s  (%.1f GFLOP at the FMA peak)\n", "physical floor of an epoch", phys_s,
           epoch_flops * 1e-9);
    snprintf(what, sizeof what, "training epoch, %s", kernels_names[kp]);
    printf("%-34s %8.3f s  %6.1f GFLOP/s  ratio epoch/physical floor %.2f\n", what, epoch_s,
           epoch_flops / epoch_s * 1e-9, epoch_s / phys_s);
    if (both)
        printf("%-34s %8.3f s  %6.1f GFLOP/s  ratio epoch/physical floor %.2f\n",
               "training epoch, openblas", blas_epoch_s, epoch_flops / blas_epoch_s * 1e-9,
               blas_epoch_s / phys_s);
    printf("%-34s %8.3f s  %6.1f GFLOP/s  (%.1f GFLOP)\n", "BLAS floor (SGEMMs of one epoch)",
           floor_s, flops / floor_s * 1e-9, flops * 1e-9);
    printf("%-34s %8.3f s\n", "eval of the test pairs", median(t_eval, REPEATS));
    double te_ = median(t_embed, REPEATS);
    snprintf(what, sizeof what, "embed (%zu training images)", ds.train.n);
    printf("%-34s %8.3f s  %8.0f images/s\n", what, te_, (double)ds.train.n / te_);
    snprintf(what, sizeof what, "inspect %zu x %zu, centroid", ds.test.n, nref);
    printf("%-34s %8.3f s\n", what, median(t_cent, REPEATS));
    snprintf(what, sizeof what, "inspect %zu x %zu, 10-NN", ds.test.n, nref);
    printf("%-34s %8.3f s\n", what, median(t_knn, REPEATS));
    if (folders)
        printf("%-34s %8.3f s  (IDX files: %.3f s)\n", "data load (image folders)",
               median(t_folders, REPEATS), median(t_load, REPEATS));
    printf("%-34s %8ld MB\n", "peak memory (max RSS)", ru.ru_maxrss / 1024);
    printf("(medians of %d; %zu training pairs, %zu test pairs, batch %u)\n", REPEATS, tr.n,
           te.n, cfg.batch);
    rc = 0;
out:
    free(dist);
    pairs_free(&tr);
    pairs_free(&te);
    dataset_free(&ds);
    return rc;
}
