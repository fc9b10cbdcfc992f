/* cmd_show_pairs.c - `siamese show-pairs`: the notebook's "let's see some
 * images", a PNG strip of pairs with their same/different labels. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "dataset.h"
#include "embed.h"
#include "guard.h"
#include "model_file.h"
#include "pairs.h"
#include "rng.h"
#include "seeds.h"
#include "strip.h"

#define DEFAULT_COUNT 10
#define MAX_COUNT 200
#define DEFAULT_SCALE 3
#define DEFAULT_OUT "pairs.png"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: siamese show-pairs [options]\n\n"
            "Draws N random pairs as a PNG strip: left images on the top row, right images\n"
            "below, each labelled same/different. Prints which pairs it drew.\n\n"
            "options:\n"
            "  -n, --count N      pairs to draw, 1..%d (default %d)\n"
            "      --split S      train or test (default train)\n"
            "      --seed N       seed of the pairs and of the choice among them (default\n"
            "                     %d; with --model the pairs are the model's own, those of\n"
            "                     its seed and --train-pairs subset, and --seed only\n"
            "                     chooses which of them are drawn; default: the model's)\n"
            "  -m, --model FILE   also print each pair's distance under this model and mark\n"
            "                     wrong predictions red\n"
            "  -t, --threshold X  same when distance < X, with --model (default: the\n"
            "                     threshold train stored in the model, else half the\n"
            "                     margin; 0.5 for the learned head)\n"
            "      --only-errors  with --model: draw only wrongly predicted pairs\n"
            "  -o, --out FILE     PNG to write (default %s; - is standard output, the list\n"
            "                     of pairs then goes to stderr)\n"
            "      --scale N      pixels per image pixel, 1..16 (default %d)\n"
            "      --data PATH    the data set: IDX files or image folders (default:\n"
            "                     $SIAMESE_DATA, ./data/fashion-mnist,\n"
            "                     /usr/share/datasets/fashion-mnist)\n"
            "  -h, --help         show this help\n",
            MAX_COUNT, DEFAULT_COUNT, SEED_DEFAULT, DEFAULT_OUT, DEFAULT_SCALE);
}

/* Chooses `count` distinct entries of pool[0..n) (count <= n). */
static void choose(rng_t *r, const size_t *pool, size_t n, size_t *which, size_t count)
{
    for (size_t k = 0; k < count; k++) {
        size_t p;
        int dup;
        do {
            p = pool[rng_below(r, (uint32_t)n)];
            dup = 0;
            for (size_t j = 0; j < k; j++)
                dup |= which[j] == p;
        } while (dup);
        which[k] = p;
    }
}

int cmd_show_pairs(int argc, char **argv)
{
    static const char *const splits[] = {"train", "test", NULL};
    static const struct option longopts[] = {
        {"count", required_argument, 0, 'n'}, {"split", required_argument, 0, 's'},
        {"seed", required_argument, 0, 'S'},  {"out", required_argument, 0, 'o'},
        {"scale", required_argument, 0, 'x'}, {"data", required_argument, 0, 'd'},
        {"model", required_argument, 0, 'm'}, {"threshold", required_argument, 0, 't'},
        {"only-errors", no_argument, 0, 'E'},
        {"help", no_argument, 0, 'h'},        {0, 0, 0, 0},
    };
    const char *cmd = "show-pairs";
    long count = DEFAULT_COUNT, scale = DEFAULT_SCALE;
    int split = 0;
    uint64_t seed = SEED_DEFAULT;
    int seed_set = 0;
    const char *out = DEFAULT_OUT, *data = NULL, *model_path = NULL;
    float threshold = 0.0f;
    int only_errors = 0, threshold_set = 0;

    opterr = 0;
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, ":n:o:m:t:h", longopts, NULL)) != -1) {
        int bad = 0;
        switch (c) {
        case 'n': bad = opt_long(cmd, "count", optarg, 1, MAX_COUNT, &count); break;
        case 's': bad = opt_choice(cmd, "split", optarg, splits, &split); break;
        case 'S': bad = opt_u64(cmd, "seed", optarg, &seed); seed_set = 1; break;
        case 'o': out = optarg; break;
        case 'x': bad = opt_long(cmd, "scale", optarg, 1, 16, &scale); break;
        case 'd': data = optarg; break;
        case 'm': model_path = optarg; break;
        case 't':
            bad = opt_float(cmd, "threshold", optarg, 0, 1e6, 0, &threshold);
            threshold_set = 1;
            break;
        case 'E': only_errors = 1; break;
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

    if (only_errors && !model_path) {
        cli_error(cmd, "--only-errors needs --model FILE (errors are wrong predictions)");
        usage(stderr);
        return EXIT_USAGE;
    }

    const output_spec outs[] = {{"--out", out, 1, 0}};
    int gr = guard_outputs(cmd, outs, 1, model_path, data, NULL, 0);
    if (gr != 0)
        return gr;
    /* With the picture on standard output, the list goes to stderr. */
    FILE *text = strcmp(out, "-") == 0 ? stderr : stdout;

    sm_err e;
    model_t m = {0};
    if (model_path && model_load(&m, model_path, &e) != 0) {
        cli_error(cmd, "%s", e.msg);
        return 1;
    }
    if (model_path) {
        threshold_from tf;
        threshold = model_threshold(&m, threshold_set, threshold, &tf);
        if (tf == THRESHOLD_DEFAULT)
            cli_error(cmd, "note: %s stores no threshold (a version-1 file, or training did "
                      "not finish); using %g (--threshold X to choose)", model_path, threshold);
    }
    char dir[4096];
    dataset_t ds;
    int threads = cli_cpu_count();
    if ((model_path ? cli_load_model_data(cmd, model_path, &m, data, threads, 0, dir, sizeof dir, &ds)
                    : cli_load_data(cmd, data, NULL, dir, sizeof dir, &ds)) != 0) {
        model_free(&m);
        return 1;
    }
    /* The pairs: the model's own (its seed and subset), or those of --seed. */
    train_config pc = train_config_default();
    pc.seed = seed;
    if (model_path) {
        pc = m.cfg;
        if (!seed_set) /* the choice follows the model's seed too */
            seed = m.cfg.seed;
    }
    pairs_t tr, te;
    if (seeds_pairs_for_model(&ds, &pc, &tr, &te, &e) != 0) {
        cli_error(cmd, "%s", e.msg);
        dataset_free(&ds);
        model_free(&m);
        return 1;
    }
    fprintf(text, "pairs: train %zu, test %zu (seed %llu)\n", tr.n, te.n,
            (unsigned long long)pc.seed);

    const split_t *s = split ? &ds.test : &ds.train;
    const pairs_t *p = split ? &te : &tr;
    int rc = 1;
    float *dist = NULL, shown[MAX_COUNT];
    size_t *pool = malloc(p->n * sizeof *pool), npool = 0;
    if (!pool) {
        cli_error(cmd, "out of memory");
        goto done;
    }
    strip_layout L;
    if (strip_layout_compute(&L, (size_t)count, s->rows, s->cols, (int)scale,
                             model_path != NULL, &e) != 0) {
        /* Fewer pairs or a smaller --scale help, unless one pair at scale
         * 1 is already too large: then it is the data, not the options. */
        int fits = strip_layout_compute(&L, 1, s->rows, s->cols, 1, model_path != NULL,
                                        NULL) == 0;
        cli_error(cmd, "%s: %s", e.msg, fits ? "draw fewer pairs or use a smaller --scale"
                  : "the images are too large to draw, even one pair at --scale 1");
        rc = fits ? EXIT_USAGE : 1;
        goto done;
    }
    if (model_path) {
        dist = malloc(p->n * sizeof *dist);
        if (!dist || distances_for_pairs(dist, &m, s, p, threads, model_kernels(&m), NULL, &e) != 0) {
            if (dist)
                cli_error(cmd, "%s: %s", model_path, e.msg);
            else
                cli_error(cmd, "out of memory");
            goto done;
        }
    }
    for (size_t i = 0; i < p->n; i++)
        if (!only_errors || (dist[i] < threshold) != (p->same[i] != 0))
            pool[npool++] = i;
    if (npool == 0) {
        fprintf(text, "no wrongly predicted %s pairs at threshold %g: nothing to draw\n",
                splits[split], threshold);
        rc = 0;
        goto done;
    }
    if ((size_t)count > npool)
        count = (long)npool;
    size_t which[MAX_COUNT];
    rng_t r;
    rng_seed(&r, seed, SEED_STREAM_SHOW);
    choose(&r, pool, npool, which, (size_t)count);
    for (long k = 0; k < count && dist; k++)
        shown[k] = dist[which[k]];

    canvas_t canvas;
    char title[160];
    if (dist)
        snprintf(title, sizeof title, "%s%s pairs, distance under each; same if < %g",
                 only_errors ? "wrongly predicted " : "", splits[split], threshold);
    else
        snprintf(title, sizeof title, "%s pairs: left image on top, right image below",
                 splits[split]);
    strip_spec spec = {s, p, which, (size_t)count, dist ? shown : NULL, threshold, title};
    rc = strip_render(&canvas, &spec, (int)scale, &e);
    if (rc == 0) {
        rc = canvas_save_png(&canvas, out, &e);
        canvas_free(&canvas);
    }
    if (rc != 0) {
        cli_error(cmd, "%s", e.msg);
        rc = 1;
        goto done;
    }
    if (only_errors)
        fprintf(text, "%zu of %zu %s pairs are wrongly predicted at threshold %g\n", npool,
                p->n, splits[split], threshold);
    fprintf(text, "wrote %s: %ld %s pairs\n", out, count, splits[split]);
    fprintf(text, "column\tpair\tleft\tleft_class\tright\tright_class\ttruth%s\n",
            dist ? "\tdistance\tprediction" : "");
    for (long k = 0; k < count; k++) {
        size_t q = which[k];
        fprintf(text, "%ld\t%zu\t%u\t%s\t%u\t%s\t%s", k + 1, q, p->left[q],
                ds.classes.names[s->labels[p->left[q]]], p->right[q],
                ds.classes.names[s->labels[p->right[q]]], p->same[q] ? "same" : "different");
        if (dist)
            fprintf(text, "\t%.4f\t%s", shown[k], shown[k] < threshold ? "same" : "different");
        fprintf(text, "\n");
    }
done:
    free(pool);
    free(dist);
    pairs_free(&tr);
    pairs_free(&te);
    dataset_free(&ds);
    model_free(&m);
    return rc;
}
