/* cmd_show_pairs.c - `siamese show-pairs`: the notebook's "let's see some images", a PNG
 * strip of pairs with their same/different labels. The pairs are the model's own or those
 * of --seed (seeds.h), their distances the model's head (distances_for_pairs), the choice
 * pick.h's, the picture strip.h's; this file parses and prints. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "command.h"
#include "dataset.h"
#include "embed.h"
#include "guard.h"
#include "model_file.h"
#include "pairs.h"
#include "pick.h"
#include "seeds.h"
#include "strip.h"

#define DEFAULT_COUNT 10
#define MAX_COUNT 200
#define DEFAULT_SCALE 3
#define DEFAULT_OUT "pairs.png"

static const char *const cmd = "show-pairs";

typedef struct {
    long count, scale;
    int split;
    uint64_t seed;
    const char *out, *data, *model;
    float threshold;
    int seed_set, threshold_set, only_errors, rgb; /* rgb: without --model only */
} show_opts;

static void defaults(void *opts)
{
    show_opts *o = opts;
    o->count = DEFAULT_COUNT;
    o->scale = DEFAULT_SCALE;
    o->seed = SEED_DEFAULT;
    o->out = DEFAULT_OUT;
}

/* What a run holds: the model (m.params NULL without one), the data and
 * its pairs. */
typedef struct {
    show_opts o; /* threshold and seed as used */
    model_t m;
    dataset_t ds;
    pairs_t tr, te;
    FILE *text;  /* where the list goes */
} show_run;

/* The model and its threshold, when --model is given; 0 or 1. */
static int load_model(show_run *r)
{
    if (!r->o.model)
        return 0;
    if (cli_load_model(cmd, r->o.model, &r->m) != 0)
        return 1;
    r->o.threshold = cli_threshold(cmd, r->o.model, &r->m, r->o.threshold_set, r->o.threshold,
                                   NULL);
    return 0;
}

/* The data and its pairs: the model's own (its seed and subset), or those
 * of --seed. 0 or 1. */
static int load_pairs(show_run *r)
{
    char dir[4096];
    const char *model = r->o.model;
    if ((model ? cli_load_model_data(cmd, model, &r->m, r->o.data, cli_cpu_count(), 0, dir,
                                     sizeof dir, &r->ds)
               : cli_load_data(cmd, r->o.data, &(data_options){.threads = 1, .rgb = r->o.rgb},
                               dir, sizeof dir, &r->ds)) != 0)
        return 1;
    train_config pc = train_config_default();
    pc.seed = r->o.seed;
    if (model) {
        pc = r->m.cfg;
        if (!r->o.seed_set) /* the choice follows the model's seed too */
            r->o.seed = r->m.cfg.seed;
    }
    sm_err e;
    if (seeds_pairs_for_model(&r->ds, &pc, &r->tr, &r->te, &e) != 0) {
        cli_error(cmd, "%s", e.msg);
        return 1;
    }
    fprintf(r->text, "pairs: train %zu, test %zu (seed %llu)\n", r->tr.n, r->te.n,
            (unsigned long long)pc.seed);
    return 0;
}

/* Whether the strip fits; 0, or the exit status after saying why. */
static int check_layout(const show_run *r, const split_t *s)
{
    sm_err e;
    strip_layout L;
    int with = r->o.model != NULL;
    if (strip_layout_compute(&L, (size_t)r->o.count, s->rows, s->cols, (int)r->o.scale, with,
                             &e) == 0)
        return 0;
    /* Fewer pairs or a smaller --scale help, unless one pair at scale 1 is
     * already too large: then it is the data, not the options. */
    int fits = strip_layout_compute(&L, 1, s->rows, s->cols, 1, with, NULL) == 0;
    cli_error(cmd, "%s: %s", e.msg, fits ? "draw fewer pairs or use a smaller --scale"
              : "the images are too large to draw, even one pair at --scale 1");
    return fits ? EXIT_USAGE : 1;
}

/* Draws the picked pairs and writes the PNG; 0 or 1. */
static int draw(const show_run *r, const split_t *s, const pairs_t *p, const pair_pick *k)
{
    const char *split = CLI_SPLIT_NAMES[r->o.split];
    char title[160];
    if (k->dist)
        snprintf(title, sizeof title, "%s%s pairs%s, distance under each; same if < %g",
                 r->o.only_errors ? "wrongly predicted " : "", split,
                 r->m.cfg.pairs == PAIRS_AUGMENT ? " (augmented)" : "", r->o.threshold);
    else
        snprintf(title, sizeof title, "%s pairs: left image on top, right image below", split);
    strip_spec spec = {s, p, k->which, k->count, k->dist, r->o.threshold, title};
    sm_err e;
    canvas_t canvas;
    int rc = strip_render(&canvas, &spec, (int)r->o.scale, &e);
    if (rc == 0) {
        rc = canvas_save_png(&canvas, r->o.out, &e);
        canvas_free(&canvas);
    }
    if (rc != 0)
        cli_error(cmd, "%s", e.msg);
    return rc != 0;
}

/* The list of the drawn pairs, one line each. */
static void print_list(const show_run *r, const split_t *s, const pairs_t *p,
                       const pair_pick *k)
{
    const char *split = CLI_SPLIT_NAMES[r->o.split];
    FILE *text = r->text;
    float t = r->o.threshold;
    if (r->o.only_errors)
        fprintf(text, "%zu of %zu %s pairs are wrongly predicted at threshold %g\n", k->pool,
                p->n, split, t);
    fprintf(text, "wrote %s: %zu %s pairs\n", r->o.out, k->count, split);
    fprintf(text, "column\tpair\tleft\tleft_class\tright\tright_class\ttruth%s\n",
            k->dist ? "\tdistance\tprediction" : "");
    char *const *names = r->ds.classes.names;
    for (size_t c = 0; c < k->count; c++) {
        size_t q = k->which[c];
        fprintf(text, "%zu\t%zu\t%u\t%s\t%u\t%s\t%s", c + 1, q, p->left[q],
                names[s->labels[p->left[q]]], p->right[q], names[s->labels[p->right[q]]],
                p->same[q] ? "same" : "different");
        if (k->dist)
            fprintf(text, "\t%.4f\t%s", k->dist[c], k->dist[c] < t ? "same" : "different");
        fprintf(text, "\n");
    }
}

/* Distances (with a model), the choice, the picture, the list; the exit
 * status. */
static int show(show_run *r)
{
    const split_t *s = r->o.split ? &r->ds.test : &r->ds.train;
    const pairs_t *p = r->o.split ? &r->te : &r->tr;
    int rc = check_layout(r, s);
    if (rc != 0)
        return rc;
    sm_err e;
    float *dist = NULL; /* [p->n] */
    /* An augment model's pairs as it sees them, each side augmented as validation draws
     * them (seeds_val_augmented), drawn and measured; the list names their images. */
    split_t as = {0}; pairs_t ap = {0};
    if (r->o.model && r->m.cfg.pairs == PAIRS_AUGMENT &&
        seeds_val_augmented(s, p, &r->m.cfg, &as, &ap, &e) != 0) {
        cli_error(cmd, "%s", e.msg);
        return 1;
    }
    const split_t *ds = as.images ? &as : s; /* as.images: augmented */
    const pairs_t *dp = as.images ? &ap : p;
    if (r->o.model) {
        dist = malloc(p->n * sizeof *dist);
        if (!dist || distances_for_pairs(dist, &r->m, ds, dp, cli_cpu_count(),
                                         model_kernels(&r->m), NULL, &e) != 0) {
            cli_error(cmd, "%s%s%s", dist ? r->o.model : "", dist ? ": " : "",
                      dist ? e.msg : "out of memory");
            rc = 1;
        }
    }
    pair_pick k;
    if (rc == 0 && pick_pairs(&k, p, dist, r->o.threshold, r->o.only_errors,
                              (size_t)r->o.count, r->o.seed, &e) != 0) {
        cli_error(cmd, "%s", e.msg);
        rc = 1;
    } else if (rc == 0) {
        if (k.pool == 0)
            fprintf(r->text, "no wrongly predicted %s pairs at threshold %g: nothing to draw\n",
                    CLI_SPLIT_NAMES[r->o.split], r->o.threshold);
        else if ((rc = draw(r, ds, dp, &k)) == 0)
            print_list(r, s, p, &k);
        pick_free(&k);
    }
    free(dist);
    split_free(&as);
    pairs_free(&ap);
    return rc;
}

/* The usage errors found before any work: 0, or EXIT_USAGE after saying
 * why and showing the help (without a blank line first). */
static int check_usage(const show_opts *o, int argc, char **argv)
{
    if (argc > 0)
        cli_error(cmd, "unexpected argument '%s'", argv[0]);
    else if (o->only_errors && !o->model)
        cli_error(cmd, "--only-errors needs --model FILE (errors are wrong predictions)");
    else if (o->threshold_set && !o->model)
        cli_error(cmd, "--threshold needs --model FILE (without a model there are no "
                  "distances to judge)");
    else if (o->rgb && o->model)
        cli_error(cmd, "--rgb is for show-pairs without --model: a model reads images in the "
                  "channels it was trained with (train --rgb)");
    else
        return 0;
    cli_help(&cmd_show_pairs, stderr);
    return EXIT_USAGE;
}

static int run(void *opts, int argc, char **argv)
{
    show_run r = {.o = *(const show_opts *)opts};
    if (check_usage(&r.o, argc, argv) != 0)
        return EXIT_USAGE;
    /* Without a model, --rgb on IDX files or a plain folder (no labels to
     * pair by) is a usage error, before any work; a model's own reading
     * (an augment model pairs its plain folder) is checked as it loads. */
    data_options dopt = {.threads = 1, .rgb = r.o.rgb};
    int rc = r.o.model ? 0 : cli_check_data_options(cmd, r.o.data, &dopt);
    if (rc != 0)
        return rc;
    const output_spec outs[] = {{"--out", r.o.out, 1, 0}};
    rc = guard_outputs(cmd, outs, 1, r.o.model, r.o.data, NULL, 0);
    if (rc != 0)
        return rc;
    /* With the picture on standard output, the list goes to stderr. */
    r.text = strcmp(r.o.out, "-") == 0 ? stderr : stdout;
    if (load_model(&r) != 0)
        return 1;
    rc = load_pairs(&r);
    if (rc == 0)
        rc = show(&r);
    pairs_free(&r.tr);
    pairs_free(&r.te);
    dataset_free(&r.ds);
    model_free(&r.m);
    return rc;
}

static const opt_spec options[] = {
    {"count", 'n', "N", OPT_LONG, OPT_AT(show_opts, count), 0, 1, MAX_COUNT, 0, NULL, NULL,
     "pairs to draw, 1.." CLI_STR(MAX_COUNT) " (default " CLI_STR(DEFAULT_COUNT) ")"},
    OPT_SPLIT(show_opts, split, "train or test (default train)"),
    {"seed", 0, "N", OPT_U64, OPT_AT(show_opts, seed), OPT_GIVEN(show_opts, seed_set), 0, 0, 0,
     NULL, NULL,
     "seed of the pairs and of the choice among them (default\n" CLI_STR(SEED_DEFAULT)
     "; with --model the pairs are the model's own, those of\nits seed and --train-pairs "
     "subset, and --seed only\nchooses which of them are drawn; default: the model's)"},
    OPT_MODEL(show_opts, model, "also print each pair's distance under this model and mark\n"
                                "wrong predictions red"),
    OPT_THRESHOLD(show_opts, threshold, threshold_set,
     "same when distance < X; needs --model (default: the\nthreshold train stored in the "
     "model, else half the\nmargin; 0.5 for the learned head)"),
    {"only-errors", 0, NULL, OPT_FLAG, OPT_AT(show_opts, only_errors), 0, 0, 0, 0, NULL, NULL,
     "with --model: draw only wrongly predicted pairs"},
    {"out", 'o', "FILE", OPT_STR, OPT_AT(show_opts, out), 0, 0, 0, 0, NULL, NULL,
     "PNG to write (default " DEFAULT_OUT "; - is standard output, the list\nof pairs then "
     "goes to stderr)"},
    {"scale", 0, "N", OPT_LONG, OPT_AT(show_opts, scale), 0, 1, 16, 0, NULL, NULL,
     "pixels per image pixel, 1..16 (default " CLI_STR(DEFAULT_SCALE) ")"},
    OPT_DATA(show_opts, data, "PATH", OPT_DATA_HELP),
    {"rgb", 0, NULL, OPT_FLAG, OPT_AT(show_opts, rgb), 0, 0, 0, 0, NULL, NULL,
     "draw colour images' red, green and blue channels (image\nfolders; without --model: a "
     "model reads images as it\nwas trained, colour with train --rgb; default: grey)"},
    OPT_HELP_ROW,
};

const command cmd_show_pairs = {
    "show-pairs",
    "draw a PNG strip of same/different pairs",
    "usage: siamese show-pairs [options]\n\n"
    "Draws N random pairs as a PNG strip: left images on the top row, right images\n"
    "below, each labelled same/different. Prints which pairs it drew.\n",
    21,
    options,
    sizeof options / sizeof *options,
    sizeof(show_opts),
    defaults,
    run,
};
