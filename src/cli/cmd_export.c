/* cmd_export.c - `siamese export`: a data set written as image folders
 * (the layout and file names: export.h), appearing complete or not at all
 * (folder_out.h): everything goes into a fresh DIR.tmp-XXXXXX beside DIR,
 * which is synced and then renamed to DIR; on a failure or a signal (INT,
 * TERM, HUP; guard.h) the temporary folder is removed. DIR.lock keeps a
 * second export off DIR; its holder removes the temporary folders that
 * killed exports left. DIR must not be inside the data set read. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atomic_file.h"
#include "cli.h"
#include "command.h"
#include "export.h"
#include "file_lock.h"
#include "folder_out.h"
#include "guard.h"

static const char *const cmd = "export";

typedef struct {
    const char *out, *data;
    long threads;
    int rgb; /* --rgb: colour PNGs of the images' three channels */
} export_opts;

static void defaults(void *o)
{
    long threads = cli_cpu_count();
    ((export_opts *)o)->threads = threads > MODEL_MAX_THREADS ? MODEL_MAX_THREADS : threads;
}

/* out[n] = --out without trailing slashes (DIR.tmp-XXXXXX must be beside
 * it, not in it), short enough for the longest file below it. Returns 0,
 * or the exit status after saying why. */
static int out_name(const char *arg, char *out, size_t n)
{
    if (!arg || !*arg) {
        cli_error(cmd, "%s", arg ? "--out: empty folder name" : "--out DIR is required");
        return CLI_USAGE_ERROR;
    }
    size_t len = strlen(arg);
    if (len >= n) {
        cli_error(cmd, "--out: a path of %zu bytes: expected at most %zu", len, n - 1);
        return EXIT_USAGE;
    }
    memcpy(out, arg, len + 1);
    while (len > 1 && out[len - 1] == '/')
        out[--len] = 0;
    const char *base = strrchr(out, '/') ? strrchr(out, '/') + 1 : out;
    if (strcmp(base, ".") == 0 || strcmp(base, "..") == 0 || strcmp(out, "/") == 0) {
        cli_error(cmd, "--out: expected a new folder's name, found '%s'", arg);
        return EXIT_USAGE;
    }
    return 0;
}

/* Refuses before any work an existing non-empty DIR or an unwritable
 * parent folder. Returns 0 or 1 after saying why. */
static int check_out(const char *out)
{
    int err = 0;
    switch (folder_probe(out, &err)) {
    case FOLDER_ABSENT:
    case FOLDER_EMPTY: break;
    case FOLDER_UNKNOWN: cli_error(cmd, "%s: %s", out, strerror(err)); return 1;
    case FOLDER_NOT_FOLDER:
        cli_error(cmd, "%s: exists and is not a folder: give a new folder name", out);
        return 1;
    case FOLDER_UNREADABLE:
        cli_error(cmd, "%s: cannot open the folder: %s", out, strerror(err));
        return 1;
    case FOLDER_NOT_EMPTY:
        cli_error(cmd, "%s: exists and is not empty: give a new folder name, or an empty "
                  "folder, so that nothing is overwritten", out);
        return 1;
    }
    /* The folder is written beside DIR and renamed: probe that place with
     * a file name next to it (DIR itself may be an empty folder). */
    sm_err e;
    char probe[4200];
    snprintf(probe, sizeof probe, "%s.export-probe", out);
    if (atomic_check_writable(probe, &e) != 0) {
        cli_error(cmd, "--out %s: cannot create a folder there (%s)", out, e.msg);
        return 1;
    }
    return 0;
}

/* One export per folder; its holder removes the temporary folders of
 * exports that were killed (SIGKILL, a crash), as train does for its model
 * file. The kernel drops the lock however we exit. Returns 0 or 1. */
static int lock_out(file_lock *lock, const char *out)
{
    sm_err e;
    long holder = 0;
    int lr = file_lock_try(lock, out, &holder, &e);
    if (lr > 0)
        cli_error(cmd, "%s is being written by %s %ld (lock %s); wait for it or give "
                  "another --out", out, holder ? "process" : "another process", holder,
                  lock->path);
    else if (lr < 0)
        cli_error(cmd, "%s", e.msg);
    if (lr != 0)
        return 1;
    int stale = folder_remove_stale(out);
    if (stale)
        cli_error(cmd, "note: removed %d unfinished folder%s %s.tmp-* left by an earlier export",
                  stale, stale == 1 ? "" : "s", out);
    return 0;
}

/* The data and its class folder names; 0 or 1 after saying why. */
static int load(const export_opts *o, dataset_t *ds, export_folder **folders)
{
    char src[4096];
    data_options dopt = {.threads = (int)o->threads, .rgb = o->rgb};
    if (cli_load_data(cmd, o->data, &dopt, src, sizeof src, ds) != 0)
        return 1;
    *folders = calloc((size_t)ds->classes.n, sizeof **folders);
    int a, b;
    if (!*folders)
        cli_error(cmd, "out of memory");
    else if (export_folder_names(&ds->classes, *folders, &a, &b) == 0)
        return 0;
    else if (b < 0)
        cli_error(cmd, "%s: class '%s' would be the folder '%s', which the folder loader "
                  "ignores as hidden: rename the class", src, ds->classes.names[a],
                  (*folders)[a]);
    else
        cli_error(cmd, "%s: classes '%s' and '%s' both map to the folder name '%s' "
                  "('/' becomes '-'): rename one of them", src, ds->classes.names[a],
                  ds->classes.names[b], (*folders)[b]);
    dataset_free(ds);
    return 1;
}

/* The progress line, on a terminal only. */
static void progress(size_t done, size_t total)
{
    fprintf(stderr, "\rexporting: %zu/%zu images", done, total);
}

/* Writes into a temporary folder and renames it to out. Signals only set
 * a flag from here on, and every way out removes the temporary folder.
 * Returns the exit status after saying what happened. */
static int write_out(const export_opts *o, const char *out, const dataset_t *ds,
                     const export_folder *folders)
{
    guard_defer_signals(NULL);
    sm_err e;
    char tmp[3072 + 16];
    int live = isatty(STDERR_FILENO);
    export_hooks h = {guard_stop_signal, live ? progress : NULL};
    int rc = folder_make_tmp(tmp, sizeof tmp, out, &e);
    if (rc == 0 && !guard_stop_signal()) {
        rc = export_dataset(ds, folders, tmp, (int)o->threads, &h, &e);
        if (live)
            fprintf(stderr, "\r\033[K");
    }
    if (rc == 0 && guard_stop_signal())
        rc = 1;
    if (rc == 0)
        rc = folder_publish(tmp, out, &e);
    if (rc == 0) {
        printf("wrote %s: %zu train and %zu test images, %d classes\n", out, ds->train.n,
               ds->test.n, ds->classes.n);
        return 0;
    }
    if (tmp[0])
        folder_remove_tree(tmp);
    if (rc < 0) {
        cli_error(cmd, "%s", e.msg);
        return 1;
    }
    int sig = guard_stop_signal();
    cli_error(cmd, "interrupted (%s): removed the unfinished %s; %s was not written",
              sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "SIGHUP", tmp, out);
    return 130;
}

static int run(void *opts, int argc, char **argv)
{
    const export_opts *o = opts;
    if (argc > 0) {
        cli_error(cmd, "unexpected argument '%s'", argv[0]);
        return CLI_USAGE_ERROR;
    }
    char out[3072];
    int rc = out_name(o->out, out, sizeof out);
    if (rc != 0)
        return rc;
    data_options dopt = {.threads = 1, .rgb = o->rgb};
    if ((rc = cli_check_data_options(cmd, o->data, &dopt)) != 0)
        return rc;
    /* Not inside the data set it reads (it would gain a class there). */
    const output_spec outs[] = {{"--out", out, 0, OUTPUT_NEW_FOLDER}};
    rc = guard_outputs(cmd, outs, 1, NULL, o->data, NULL, 0);
    if (rc != 0 || (rc = check_out(out)) != 0)
        return rc;
    file_lock lock = FILE_LOCK_NONE;
    dataset_t ds;
    export_folder *folders = NULL;
    rc = lock_out(&lock, out);
    if (rc == 0 && (rc = load(o, &ds, &folders)) == 0) {
        rc = write_out(o, out, &ds, folders);
        dataset_free(&ds);
    }
    free(folders);
    file_lock_release(&lock);
    return rc;
}

static const opt_spec options[] = {
    {"out", 'o', "DIR", OPT_STR, OPT_AT(export_opts, out), 0, 0, 0, 0, NULL, NULL,
     "the folder to write (required)"},
    OPT_DATA(export_opts, data, "PATH", OPT_DATA_HELP),
    OPT_THREADS(export_opts, threads,
                "threads decoding and encoding images, 1.." CLI_STR(MODEL_MAX_THREADS)
                " (default: all\n{cores} cores); the files are the same for any N"),
    {"rgb", 0, NULL, OPT_FLAG, OPT_AT(export_opts, rgb), 0, 0, 0, 0, NULL, NULL,
     "read colour images' red, green and blue channels and\nwrite RGB PNGs (default: grey)"},
    OPT_HELP_ROW,
};

const command cmd_export = {
    "export",
    "write a data set as image folders (train/<class>/<n>.png)",
    "usage: siamese export --out DIR [options]\n\n"
    "Writes a data set as image folders: DIR/train/<class>/<index>.png,\n"
    "DIR/test/<class>/<index>.png (grey PNG; '/' in a class name becomes '-') and\n"
    "DIR/classes.txt (the class order). Training from DIR gives the same model as\n"
    "training from the source. DIR must not exist or be an empty folder; it appears\n"
    "complete or not at all.\n",
    22,
    options,
    sizeof options / sizeof *options,
    sizeof(export_opts),
    defaults,
    run,
};
