/* cmd_embed.c - `siamese embed`: the embeddings of image files, folders or
 * a data set's split under a trained model, as a NumPy .npy or a CSV, with
 * an index CSV naming the image of each row (embed_out.h writes both).
 *
 * N = images, H = embedding width. Images are read the way the model
 * reads them (input.h, or cli_load_model_data for --data) and embedded by
 * the one embedding call (embed_images, threaded). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "command.h"
#include "embed.h"
#include "embed_out.h"
#include "folders.h"
#include "guard.h"
#include "input.h"
#include "model_file.h"

static const char *const cmd = "embed";

typedef struct {
    const char *out, *model, *data, *features;
    int split;      /* -1 none, 0 train, 1 test */
    long threads;
    int verbose;
} embed_opts;

static void defaults(void *opts)
{
    embed_opts *o = opts;
    o->model = CLI_DEFAULT_MODEL;
    o->features = "embedding";
    o->split = -1;
    o->threads = cli_cpu_count();
}

/* The checks between options and arguments; 0, or -1 after saying why
 * (a usage error). */
static int check_args(const embed_opts *o, int n_paths, char *const *paths)
{
    if (!o->out)
        cli_error(cmd, "--out FILE.npy or FILE.csv is required");
    else if (embed_out_format(o->out) < 0)
        cli_error(cmd, "--out: expected a file name ending in .npy or .csv (the format), "
                  "found '%s'", o->out);
    else if (o->split >= 0 && !o->data)
        cli_error(cmd, "--split needs --data DIR (the data set whose split to embed)");
    else if (o->data && o->split < 0)
        cli_error(cmd, "--data needs --split train or --split test");
    else if (o->data && n_paths > 0)
        cli_error(cmd, "unexpected argument '%s': embed either PATHs or --data DIR --split S",
                  paths[0]);
    else if (!o->data && n_paths == 0)
        cli_error(cmd, "nothing to embed: give image files or folders, or --data DIR --split S");
    else
        return 0;
    return -1;
}

/* Both files are written at the end: checks now that they can be, and
 * that neither is the model, a data file or a PATH read. 0 or the exit
 * status. */
static int check_outputs(const embed_opts *o, const char *index, int n_paths,
                         char *const *paths)
{
    char other[4200];
    struct stat st;
    /* new emb.csv beside emb.npy and its index: emb.npy would lose it */
    if (stat(o->out, &st) != 0 && stat(index, &st) == 0 &&
        embed_out_sibling(o->out, other, sizeof other)) {
        cli_error(cmd, "--out %s: its index %s is also the index of %s, which exists; give "
                  "another name, or remove %s first", o->out, index, other, other);
        return EXIT_USAGE;
    }
    output_spec outs[] = {{"--out", o->out, 0, 0}, {"--out (its index)", index, 0, 0}};
    input_file *read = malloc(((size_t)n_paths + 1) * sizeof *read);
    if (!read) {
        cli_error(cmd, "out of memory");
        return 1;
    }
    for (int i = 0; i < n_paths; i++)
        read[i] = (input_file){"PATH", paths[i]};
    int gr = guard_outputs(cmd, outs, 2, o->model, o->data ? o->data : GUARD_NO_DATA, read,
                           (size_t)n_paths);
    free(read);
    return gr;
}

/* The images to embed: a split of --data, or the files under the PATHs. */
typedef struct {
    dataset_t ds;
    char **listed;          /* [n] the files found under the PATHs */
    uint8_t *decoded;       /* [n, P] their pixels */
    size_t n;
    const uint8_t *images;  /* [n, P] */
    char *const *paths;     /* [n] or NULL (IDX) */
    const uint16_t *labels; /* [n] or NULL (PATHs) */
} embed_input;

static void input_free(embed_input *in)
{
    for (size_t i = 0; in->listed && i < in->n; i++)
        free(in->listed[i]);
    free(in->listed);
    free(in->decoded);
    dataset_free(&in->ds);
}

/* Lists the image files of the PATH arguments (bytewise order within each
 * folder, arguments in the order given) into in; notes skipped files on
 * stderr. */
static int list_paths(embed_input *in, int n_paths, char *const *paths)
{
    sm_err e;
    size_t skipped = 0;
    for (int i = 0; i < n_paths; i++)
        if (folders_list_images(paths[i], &in->listed, &in->n, &skipped, &e) != 0) {
            cli_error(cmd, "%s", e.msg);
            return -1;
        }
    if (in->n == 0) {
        cli_error(cmd, "%s%s: no image files found (%zu other file%s skipped; images: .png .jpg "
                  ".jpeg .bmp .pgm .ppm .pnm .tga .gif)", paths[0], n_paths > 1 ? " ..." : "",
                  skipped, skipped == 1 ? "" : "s");
        return -1;
    }
    cli_skipped_note(cmd, skipped, NULL);
    return 0;
}

/* Reads the images the way m reads them. 0 or -1 after saying why. */
static int read_input(const embed_opts *o, const model_t *m, int n_paths, char *const *paths,
                      embed_input *in)
{
    if (o->data) {
        char dir[4096];
        if (cli_load_model_data(cmd, o->model, m, o->data, (int)o->threads, 0, dir, sizeof dir,
                                &in->ds) != 0)
            return -1;
        const split_t *s = o->split ? &in->ds.test : &in->ds.train;
        in->n = s->n;
        in->images = s->images;
        in->paths = s->paths;
        in->labels = s->labels;
        return 0;
    }
    sm_err e;
    if (list_paths(in, n_paths, paths) != 0)
        return -1;
    if (input_load_files(&m->input, in->listed, in->n, (int)o->threads, &in->decoded, &e) != 0) {
        cli_error(cmd, "%s", e.msg);
        return -1;
    }
    in->images = in->decoded;
    in->paths = in->listed;
    return 0;
}

/* Writes both files (embed_out.h); 0 or -1 after saying why, and which
 * of the two changed. */
static int write_files(const embed_out *w)
{
    sm_err e;
    switch (embed_out_write(w, &e)) {
    case EMBED_OUT_OK: return 0;
    case EMBED_OUT_FAILED: cli_error(cmd, "%s", e.msg); break;
    case EMBED_OUT_INDEX_KEPT: cli_error(cmd, "%s; %s is unchanged too", e.msg, w->index); break;
    case EMBED_OUT_OUT_KEPT: cli_error(cmd, "%s; %s is unchanged too", e.msg, w->out); break;
    case EMBED_OUT_NEITHER:
        cli_error(cmd, "%s; neither %s nor %s was changed", e.msg, w->out, w->index);
        break;
    case EMBED_OUT_MISMATCH:
        cli_error(cmd, "%s; but %s was already replaced: it no longer matches %s", e.msg,
                  w->out, w->index);
        break;
    }
    return -1;
}

/* Embeds in's images under m and writes them; 0 or -1 after saying why. */
static int embed_and_write(const embed_opts *o, const model_t *m, const embed_input *in,
                           embed_feat f, const char *index, double t0, double t1)
{
    sm_err e;
    const size_t n = in->n, H = embed_feat_floats(m->shape, f);
    float *emb = NULL; /* [n, H] */
    if (n > SIZE_MAX / sizeof *emb / H || !(emb = malloc(n * H * sizeof *emb + 1))) {
        cli_error(cmd, "out of memory for %zu embeddings of %zu floats", n, H);
        return -1;
    }
    int rc = embed_features(emb, m->params, m->shape, in->images, n, NULL, f, (int)o->threads,
                            model_kernels(m), &e);
    if (rc != 0)
        cli_error(cmd, "%s: %s", o->model, e.msg);
    double t2 = sm_now();
    embed_out w = {o->out, index, embed_out_format(o->out), emb, n, H, in->paths, in->labels,
                   in->ds.classes.names};
    if (rc == 0)
        rc = write_files(&w);
    free(emb);
    if (rc != 0)
        return -1;
    double t3 = sm_now();
    if (o->verbose)
        cli_error(cmd, "read %zu images in %.3f s; embedded them in %.3f s on %ld thread%s "
                  "(%.0f images/s); wrote the files in %.3f s", n, t1 - t0, t2 - t1, o->threads,
                  o->threads == 1 ? "" : "s", t2 > t1 ? (double)n / (t2 - t1) : 0.0, t3 - t2);
    char what[96] = "";
    if (strcmp(o->features, "embedding") != 0) /* the default's line stays as it was */
        embed_feat_name(m->shape, f, what, sizeof what);
    printf("wrote %s: %zu %s of %zu floats%s%s%s (index: %s)\n", o->out, n,
           *what ? (n == 1 ? "feature vector" : "feature vectors")
                 : (n == 1 ? "embedding" : "embeddings"),
           H, *what ? " (" : "", what, *what ? ")" : "",
           index);
    return 0;
}

static int run(void *opts, int argc, char **argv)
{
    const embed_opts *o = opts;
    if (check_args(o, argc, argv) != 0)
        return CLI_USAGE_ERROR;
    char index[4200];
    embed_out_index_path(o->out, index, sizeof index);
    int rc = check_outputs(o, index, argc, argv);
    if (rc != 0)
        return rc;
    model_t m;
    if (cli_load_model(cmd, o->model, &m) != 0)
        return 1;
    embed_feat f;
    sm_err e;
    if (embed_feat_resolve(o->features, m.shape, 0, &f, &e) != 0) {
        cli_error(cmd, "%s", e.msg);
        model_free(&m);
        return CLI_USAGE_ERROR;
    }
    double t0 = sm_now();
    embed_input in = {0};
    rc = 1;
    if (read_input(o, &m, argc, argv, &in) == 0 &&
        embed_and_write(o, &m, &in, f, index, t0, sm_now()) == 0) {
        rc = 0;
        if (fflush(stdout) != 0) {
            cli_error(cmd, "write error on standard output: %s", strerror(errno));
            rc = 1;
        }
    }
    input_free(&in);
    model_free(&m);
    return rc;
}

static const opt_spec options[] = {
    {"out", 'o', "FILE", OPT_STR, OPT_AT(embed_opts, out), 0, 0, 0, 0, NULL, NULL,
     "embeddings to write, .npy or .csv (required)"},
    OPT_MODEL(embed_opts, model, "model file (default {model})"),
    OPT_DATA(embed_opts, data, "DIR",
             "embed a data set instead of PATHs: IDX files (path\ncolumn: the image's index in "
             "the split) or image folders"),
    OPT_SPLIT(embed_opts, split, "train or test: the split of --data to embed"),
    OPT_THREADS(embed_opts, threads,
                "threads for decoding and embedding, 1.." CLI_STR(MODEL_MAX_THREADS)
                " (default: all\n{cores} cores)"),
    {"features", 0, "F", OPT_PARSE, OPT_AT(embed_opts, features), 0, 0, 0, 0, NULL,
     opt_features,
     "what each row holds: embedding (default), layer:K (the\noutput of --layers item K, "
     "averaged over positions\nwhen it has them) or auto (the last conv layer's,\npooled; "
     "the embedding for a dense model)"},
    OPT_VERBOSE(embed_opts, verbose, "also print timings to stderr"),
    OPT_HELP_ROW,
};

const command cmd_embed = {
    "embed",
    "write the embeddings of images or a data split (.npy or .csv)",
    "usage: siamese embed --out FILE.npy|FILE.csv [options] PATH...\n"
    "       siamese embed --out FILE.npy|FILE.csv [options] --data DIR --split S\n\n"
    "Embeds images with a trained model: image files and folders (searched\n"
    "recursively, entries in bytewise order, through links, each file once;\n"
    "files that are not images by name are skipped and counted), or one split\n"
    "of a data set. Images are read the way\n"
    "the model reads them (resized when it was trained with --size). Writes one row\n"
    "per image: a NumPy .npy (float32, N x H) or a CSV (H numbers a line, exact\n"
    "to the float), chosen by the extension of --out; and beside it FILE.index.csv\n"
    "(emb.npy -> emb.index.csv) with the columns row,path,class: each row's file,\n"
    "and its class name with --data (empty for PATHs).\n",
    22,
    options,
    sizeof options / sizeof *options,
    sizeof(embed_opts),
    defaults,
    run,
};
