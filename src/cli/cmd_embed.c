/* cmd_embed.c - `siamese embed`: the embeddings of image files, folders or
 * a data set's split under a trained model, as a NumPy .npy or a CSV, with
 * an index CSV naming the image of each row.
 *
 * N = images, H = embedding width. Images are read the way the model
 * reads them (input.h, or cli_load_model_data for --data) and embedded by
 * the one embedding call (embed_images, threaded). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "atomic_file.h"
#include "cli.h"
#include "csv.h"
#include "guard.h"
#include "embed.h"
#include "file_lock.h"
#include "folders.h"
#include "input.h"
#include "model_file.h"
#include "npy.h"

static const char *const cmd = "embed";

static void usage(FILE *out)
{
    fprintf(out,
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
            "and its class name with --data (empty for PATHs).\n\n"
            "options:\n"
            "  -o, --out FILE      embeddings to write, .npy or .csv (required)\n"
            "  -m, --model FILE    model file (default %s)\n"
            "      --data DIR      embed a data set instead of PATHs: IDX files (path\n"
            "                      column: the image's index in the split) or image folders\n"
            "      --split S       train or test: the split of --data to embed\n"
            "  -j, --threads N     threads for decoding and embedding, 1..%d (default: all\n"
            "                      %d cores)\n"
            "  -v, --verbose       also print timings to stderr\n"
            "  -h, --help          show this help\n",
            CLI_DEFAULT_MODEL, MODEL_MAX_THREADS, cli_cpu_count());
}

typedef struct {
    const char *out, *model, *data;
    int split;      /* -1 none, 0 train, 1 test */
    int csv;        /* 1: --out is .csv, 0: .npy */
    long threads;
    int verbose;
    char *const *paths; /* [n_paths] the PATH arguments */
    int n_paths;
} embed_opts;

/* 1 when s ends in ext, any case. */
static int ends_with(const char *s, const char *ext)
{
    size_t n = strlen(s), k = strlen(ext);
    return n > k && strcasecmp(s + n - k, ext) == 0;
}

static int parse(int argc, char **argv, embed_opts *o)
{
    static const char *const splits[] = {"train", "test", NULL};
    static const struct option longopts[] = {
        {"out", required_argument, 0, 'o'},     {"model", required_argument, 0, 'm'},
        {"data", required_argument, 0, 'd'},    {"split", required_argument, 0, 's'},
        {"threads", required_argument, 0, 'j'}, {"verbose", no_argument, 0, 'v'},
        {"help", no_argument, 0, 'h'},          {0, 0, 0, 0},
    };
    memset(o, 0, sizeof *o);
    o->model = CLI_DEFAULT_MODEL;
    o->split = -1;
    o->threads = cli_cpu_count();
    opterr = 0;
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, ":o:m:j:vh", longopts, NULL)) != -1) {
        int bad = 0;
        switch (c) {
        case 'o': o->out = optarg; break;
        case 'm': o->model = optarg; break;
        case 'd': o->data = optarg; break;
        case 's': bad = opt_choice(cmd, "split", optarg, splits, &o->split); break;
        case 'j': bad = opt_long(cmd, "threads", optarg, 1, MODEL_MAX_THREADS, &o->threads); break;
        case 'v': o->verbose = 1; break;
        case 'h': usage(stdout); return 1;
        default: opt_report(cmd, c, optopt, argv); bad = 1; break;
        }
        if (bad)
            return -1;
    }
    o->paths = argv + optind;
    o->n_paths = argc - optind;
    if (!o->out) {
        cli_error(cmd, "--out FILE.npy or FILE.csv is required");
        return -1;
    }
    if (ends_with(o->out, ".csv")) {
        o->csv = 1;
    } else if (!ends_with(o->out, ".npy")) {
        cli_error(cmd, "--out: expected a file name ending in .npy or .csv (the format), "
                  "found '%s'", o->out);
        return -1;
    }
    if (o->split >= 0 && !o->data) {
        cli_error(cmd, "--split needs --data DIR (the data set whose split to embed)");
        return -1;
    }
    if (o->data && o->split < 0) {
        cli_error(cmd, "--data needs --split train or --split test");
        return -1;
    }
    if (o->data && o->n_paths > 0) {
        cli_error(cmd, "unexpected argument '%s': embed either PATHs or --data DIR --split S",
                  o->paths[0]);
        return -1;
    }
    if (!o->data && o->n_paths == 0) {
        cli_error(cmd, "nothing to embed: give image files or folders, or --data DIR --split S");
        return -1;
    }
    return 0;
}

/* The index's name: --out with its extension replaced by .index.csv. */
static void index_path(const char *out, char *buf, size_t n)
{
    snprintf(buf, n, "%.*s.index.csv", (int)(strlen(out) - 4), out);
}

/* emb [n, H] as CSV: H numbers a line, %.9g (every float32 reads back to
 * the same bits). */
static void put_csv(atomic_file *a, const float *emb, size_t n, int H)
{
    char num[32];
    for (size_t i = 0; i < n && !a->failed; i++)
        for (int j = 0; j < H; j++) {
            int len = snprintf(num, sizeof num, "%.9g%c", emb[i * (size_t)H + (size_t)j],
                               j + 1 < H ? ',' : '\n');
            atomic_write(a, num, (size_t)len);
        }
}

/* The index: row,path,class for each of the n rows. paths may be NULL
 * (IDX: the path column holds the image's index in the split); labels
 * NULL leaves the class column empty. */
static void put_index(atomic_file *ap, size_t n, char *const *paths, const uint16_t *labels,
                      const class_table *ct)
{
    const char *head = "row,path,class\n";
    atomic_write(ap, head, strlen(head));
    char num[32];
    for (size_t i = 0; i < n && !ap->failed; i++) {
        int len = snprintf(num, sizeof num, "%zu,", i);
        atomic_write(ap, num, (size_t)len);
        if (paths) {
            csv_field(ap, paths[i]);
        } else {
            len = snprintf(num, sizeof num, "%zu", i);
            atomic_write(ap, num, (size_t)len);
        }
        atomic_write(ap, ",", 1);
        if (labels)
            csv_field(ap, ct->names[labels[i]]);
        atomic_write(ap, "\n", 1);
    }
}

/* The embeddings (o->out) and their index, as one: both written to
 * temporary files, and only when both are complete renamed into place,
 * under the lock of o->out (file_lock.h), so that of two runs writing the
 * same --out at once one's rows never end up beside the other's index.
 * Returns 0, or -1 with the error printed. */
static int write_both(const embed_opts *o, const char *index, const float *emb, size_t n,
                      size_t H, char *const *paths, const uint16_t *labels,
                      const class_table *ct)
{
    sm_err e;
    atomic_file out, idx;
    if (atomic_open(&out, o->out, &e) != 0) {
        cli_error(cmd, "%s", e.msg);
        return -1;
    }
    if (atomic_open(&idx, index, &e) != 0) {
        atomic_abort(&out);
        cli_error(cmd, "%s", e.msg);
        return -1;
    }
    int rc = 0;
    if (o->csv)
        put_csv(&out, emb, n, (int)H);
    else
        rc = npy_put_f32(&out, emb, n, H, &e);
    put_index(&idx, n, paths, labels, ct);
    if (rc != 0 || atomic_finish(&out, &e) != 0) {
        atomic_abort(&idx);
        cli_error(cmd, "%s; %s is unchanged too", e.msg, index);
        return -1;
    }
    if (atomic_finish(&idx, &e) != 0) {
        atomic_abort(&out);
        cli_error(cmd, "%s; %s is unchanged too", e.msg, o->out);
        return -1;
    }
    /* Both complete: rename them under the lock. Another run holds it
     * only for its two renames, so wait for it (up to a minute). */
    file_lock lock = FILE_LOCK_NONE;
    if (out.mode == ATOMIC_REPLACE) {
        long holder = 0;
        int lr = 1;
        for (int tries = 0; tries < 60000 && lr > 0; tries++) {
            lr = file_lock_try(&lock, out.target, &holder, &e);
            if (lr > 0) {
                struct timespec ts = {0, 1000000}; /* 1 ms */
                nanosleep(&ts, NULL);
            }
        }
        if (lr != 0) {
            if (lr > 0)
                sm_fail(&e, "%s is being written by process %ld (lock %s)", o->out, holder,
                        lock.path);
            cli_error(cmd, "%s; neither %s nor %s was changed", e.msg, o->out, index);
            atomic_abort(&out);
            atomic_abort(&idx);
            return -1;
        }
    }
    rc = atomic_publish(&out, &e);
    if (rc != 0) {
        atomic_abort(&idx);
        cli_error(cmd, "%s; %s is unchanged too", e.msg, index);
    } else if ((rc = atomic_publish(&idx, &e)) != 0) {
        cli_error(cmd, "%s; but %s was already replaced: it no longer matches %s", e.msg,
                  o->out, index);
    }
    file_lock_release(&lock);
    return rc;
}

/* Lists the image files of the PATH arguments (bytewise order within each
 * folder, arguments in the order given) into *paths / *n; notes skipped
 * files on stderr. */
static int list_paths(const embed_opts *o, char ***paths, size_t *n)
{
    sm_err e;
    size_t skipped = 0;
    for (int i = 0; i < o->n_paths; i++)
        if (folders_list_images(o->paths[i], paths, n, &skipped, &e) != 0) {
            cli_error(cmd, "%s", e.msg);
            return -1;
        }
    if (*n == 0) {
        cli_error(cmd, "%s%s: no image files found (%zu other file%s skipped; images: .png .jpg "
                  ".jpeg .bmp .pgm .ppm .pnm .tga .gif)", o->paths[0], o->n_paths > 1 ? " ..." : "",
                  skipped, skipped == 1 ? "" : "s");
        return -1;
    }
    if (skipped)
        cli_error(cmd, "note: skipped %zu file%s that %s not images by name (images: .png .jpg "
                  ".jpeg .bmp .pgm .ppm .pnm .tga .gif)", skipped, skipped == 1 ? "" : "s",
                  skipped == 1 ? "is" : "are");
    return 0;
}

int cmd_embed(int argc, char **argv)
{
    embed_opts o;
    int pr = parse(argc, argv, &o);
    if (pr > 0)
        return 0;
    if (pr < 0) {
        fputc('\n', stderr);
        usage(stderr);
        return EXIT_USAGE;
    }
    char index[4200];
    index_path(o.out, index, sizeof index);
    sm_err e;
    /* Both files are written at the end: check now that they can be, and
     * that neither is the model or a data file. */
    output_spec outs[] = {{"--out", o.out, 0, 0}, {"--out (its index)", index, 0, 0}};
    input_file *read = malloc(((size_t)o.n_paths + 1) * sizeof *read);
    if (!read) {
        cli_error(cmd, "out of memory");
        return 1;
    }
    for (int i = 0; i < o.n_paths; i++)
        read[i] = (input_file){"PATH", o.paths[i]};
    int gr = guard_outputs(cmd, outs, 2, o.model, o.data ? o.data : GUARD_NO_DATA, read,
                           (size_t)o.n_paths);
    free(read);
    if (gr != 0)
        return gr;
    model_t m;
    if (model_load(&m, o.model, &e) != 0) {
        cli_error(cmd, "%s", e.msg);
        return 1;
    }
    double t0 = cli_now();
    int rc = 1;
    dataset_t ds;
    memset(&ds, 0, sizeof ds);
    char **listed = NULL;  /* [n] the files found under the PATHs */
    uint8_t *decoded = NULL; /* [n, P] their pixels */
    float *emb = NULL;       /* [n, H] */
    size_t n = 0;
    const uint8_t *images;   /* [n, P] */
    char *const *paths;      /* [n] or NULL (IDX) */
    const uint16_t *labels = NULL;
    if (o.data) {
        char dir[4096];
        if (cli_load_model_data(cmd, o.model, &m, o.data, (int)o.threads, 0, dir, sizeof dir,
                                &ds) != 0)
            goto done;
        const split_t *s = o.split ? &ds.test : &ds.train;
        n = s->n;
        images = s->images;
        paths = s->paths;
        labels = s->labels;
    } else {
        if (list_paths(&o, &listed, &n) != 0)
            goto done;
        if (input_load_files(&m.input, listed, n, (int)o.threads, &decoded, &e) != 0) {
            cli_error(cmd, "%s", e.msg);
            goto done;
        }
        images = decoded;
        paths = listed;
    }
    double t1 = cli_now();
    const size_t H = (size_t)net_out(m.shape);
    if (n > SIZE_MAX / sizeof *emb / H || !(emb = malloc(n * H * sizeof *emb + 1))) {
        cli_error(cmd, "out of memory for %zu embeddings of %zu floats", n, H);
        goto done;
    }
    if (embed_images(emb, m.params, m.shape, images, n, NULL, (int)o.threads, model_kernels(&m), &e) != 0) {
        cli_error(cmd, "%s: %s", o.model, e.msg);
        goto done;
    }
    double t2 = cli_now();
    if (write_both(&o, index, emb, n, H, paths, labels, &ds.classes) != 0)
        goto done;
    double t3 = cli_now();
    if (o.verbose)
        cli_error(cmd, "read %zu images in %.3f s; embedded them in %.3f s on %ld thread%s "
                  "(%.0f images/s); wrote the files in %.3f s", n, t1 - t0, t2 - t1, o.threads,
                  o.threads == 1 ? "" : "s", t2 > t1 ? (double)n / (t2 - t1) : 0.0, t3 - t2);
    printf("wrote %s: %zu embeddings of %zu floats (index: %s)\n", o.out, n, H, index);
    rc = 0;
    if (fflush(stdout) != 0) {
        cli_error(cmd, "write error on standard output: %s", strerror(errno));
        rc = 1;
    }
done:
    for (size_t i = 0; listed && i < n; i++)
        free(listed[i]);
    free(listed);
    free(decoded);
    free(emb);
    dataset_free(&ds);
    model_free(&m);
    return rc;
}
