/* cmd_export.c - `siamese export`: a data set (any source dataset_open
 * reads) written as image folders, the layout the folder loader reads:
 *   DIR/classes.txt                    class order and real names
 *   DIR/train/<class>/<index>.png      grey 8-bit PNG, one per image
 *   DIR/test/<class>/<index>.png
 * <class> is classes_folder_name (T-shirt/top -> T-shirt-top); <index> is
 * the image's index in its split, zero-padded to the digits of n - 1, so
 * the loader's bytewise order keeps each class's images in split order and
 * training from the export builds the same pairs as from the source.
 *
 * Nothing half-written: everything goes into a fresh DIR.tmp-XXXXXX beside
 * DIR, which is synced and then renamed to DIR; on a failure or a signal
 * (INT, TERM, HUP; guard.h) the temporary folder is removed. DIR.lock
 * keeps a second export off DIR; its holder removes the temporary folders
 * that killed exports left. DIR must not be inside the data set read. */
#define _GNU_SOURCE /* syncfs, nftw */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic_file.h"
#include "classes.h"
#include "cli.h"
#include "dataset.h"
#include "file_lock.h"
#include "guard.h"
#include "image.h"
#include "pool.h"

static const char *const cmd = "export";

static void usage(FILE *out)
{
    fprintf(out,
            "usage: siamese export --out DIR [options]\n\n"
            "Writes a data set as image folders: DIR/train/<class>/<index>.png,\n"
            "DIR/test/<class>/<index>.png (grey PNG; '/' in a class name becomes '-') and\n"
            "DIR/classes.txt (the class order). Training from DIR gives the same model as\n"
            "training from the source. DIR must not exist or be an empty folder; it appears\n"
            "complete or not at all.\n\n"
            "options:\n"
            "  -o, --out DIR       the folder to write (required)\n"
            "      --data PATH     the data set: IDX files or image folders (default:\n"
            "                      $SIAMESE_DATA, ./data/fashion-mnist,\n"
            "                      /usr/share/datasets/fashion-mnist)\n"
            "  -j, --threads N     threads decoding and encoding images, 1..%d (default: all\n"
            "                      %d cores); the files are the same for any N\n"
            "  -h, --help          show this help\n",
            MODEL_MAX_THREADS, cli_cpu_count());
}

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *f)
{
    (void)st;
    (void)type;
    (void)f;
    remove(path);
    return 0; /* keep going: remove as much as we can */
}

/* rm -rf path (children first, symbolic links not followed). */
static void remove_tree(const char *path)
{
    nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Removes the temporary folders OUT.tmp-XXXXXX (mkdtemp's six letters or
 * digits) that exports killed before their rename left beside out. Only
 * for the holder of out's lock. Returns how many were removed. */
static int remove_stale(const char *out)
{
    char dir[4096];
    const char *slash = strrchr(out, '/');
    const char *base = slash ? slash + 1 : out;
    if (slash)
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - out + (slash == out)), out);
    else
        snprintf(dir, sizeof dir, ".");
    size_t plen = strlen(base) + 5;
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    int removed = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        const char *name = de->d_name;
        if (strlen(name) != plen + 6 || strncmp(name, base, plen - 5) != 0 ||
            strncmp(name + plen - 5, ".tmp-", 5) != 0)
            continue;
        int tail_ok = 1;
        for (size_t i = plen; i < plen + 6; i++)
            tail_ok &= (name[i] >= 'A' && name[i] <= 'Z') || (name[i] >= 'a' && name[i] <= 'z') ||
                       (name[i] >= '0' && name[i] <= '9');
        char full[8400];
        snprintf(full, sizeof full, "%.*s%s", (int)(slash ? slash - out + 1 : 0), out, name);
        struct stat st;
        if (!tail_ok || lstat(full, &st) != 0 || !S_ISDIR(st.st_mode))
            continue;
        remove_tree(full);
        removed++;
    }
    closedir(d);
    return removed;
}

/* 0 when out may be written: absent, or an empty folder (it is replaced).
 * Otherwise prints why and returns -1. */
static int check_out(const char *out)
{
    struct stat st;
    if (lstat(out, &st) != 0) {
        if (errno == ENOENT)
            return 0;
        cli_error(cmd, "%s: %s", out, strerror(errno));
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) {
        cli_error(cmd, "%s: exists and is not a folder: give a new folder name", out);
        return -1;
    }
    int fd = open(out, O_RDONLY | O_DIRECTORY);
    DIR *d = fd < 0 ? NULL : fdopendir(fd);
    if (!d) {
        cli_error(cmd, "%s: cannot open the folder: %s", out, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    int empty = 1;
    struct dirent *de;
    while (empty && (de = readdir(d)))
        empty = strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0;
    closedir(d);
    if (!empty) {
        cli_error(cmd, "%s: exists and is not empty: give a new folder name, or an empty "
                  "folder, so that nothing is overwritten", out);
        return -1;
    }
    return 0;
}

/* The class folder names: every class its own, none hidden (the loader
 * skips names starting with '.'). folders [C][CLASS_NAME_MAX + 1]. */
static int folder_names(const class_table *ct, char (*folders)[CLASS_NAME_MAX + 1],
                        const char *src)
{
    for (int c = 0; c < ct->n; c++) {
        classes_folder_name(ct->names[c], folders[c], CLASS_NAME_MAX + 1);
        if (folders[c][0] == '.') {
            cli_error(cmd, "%s: class '%s' would be the folder '%s', which the folder loader "
                      "ignores as hidden: rename the class", src, ct->names[c], folders[c]);
            return -1;
        }
        for (int k = 0; k < c; k++)
            if (strcmp(folders[k], folders[c]) == 0) {
                cli_error(cmd, "%s: classes '%s' and '%s' both map to the folder name '%s' "
                          "('/' becomes '-'): rename one of them", src, ct->names[k],
                          ct->names[c], folders[c]);
                return -1;
            }
    }
    return 0;
}

/* Digits of n - 1 (at least 1): the width of the file names of a split of
 * n images. */
static int index_digits(size_t n)
{
    int d = 1;
    for (size_t v = n > 0 ? n - 1 : 0; v >= 10; v /= 10)
        d++;
    return d;
}

/* One split's PNGs, encoded on the pool's threads: thread t writes images
 * t, t + T, t + 2T, ... Each file depends only on its image, so the result
 * is the same for any thread count. */
typedef struct {
    const char *root;     /* the temporary folder */
    const char *name;     /* "train" or "test" */
    const split_t *s;
    char (*folders)[CLASS_NAME_MAX + 1];
    int digits, threads;
    atomic_int failed;    /* set by the first failing worker */
    sm_err *errs;         /* [threads] each worker's first error */
    size_t *bad_at;       /* [threads] its index, s->n if none */
    atomic_size_t *done;  /* images written, both splits */
    size_t total;         /* images in both splits, for the progress line */
    int live;             /* draw a progress line (stderr is a terminal) */
} export_job;

static void export_worker(void *ctx, int t)
{
    export_job *j = ctx;
    j->bad_at[t] = j->s->n;
    size_t P = j->s->rows * j->s->cols, mine = 0;
    for (size_t i = (size_t)t; i < j->s->n; i += (size_t)j->threads) {
        if (guard_stop_signal() || atomic_load(&j->failed))
            return;
        char path[8192];
        int len = snprintf(path, sizeof path, "%s/%s/%s/%0*zu.png", j->root, j->name,
                           j->folders[j->s->labels[i]], j->digits, i);
        int rc = len > 0 && (size_t)len < sizeof path
                     ? image_write_png(path, j->s->images + i * P, (int)j->s->cols,
                                       (int)j->s->rows, &j->errs[t])
                     : sm_fail(&j->errs[t], "%s/%s: path too long", j->root, j->name);
        if (rc != 0) {
            j->bad_at[t] = i;
            atomic_store(&j->failed, 1);
            return;
        }
        size_t done = atomic_fetch_add(j->done, 1) + 1;
        if (t == 0 && j->live && ++mine % 256 == 0)
            fprintf(stderr, "\rexporting: %zu/%zu images", done, j->total);
    }
}

/* Writes every image of split s under root/name/<class>/. Returns 0, 1
 * when a signal stopped it, or -1 with e naming the first failing file. */
static int export_split(pool_t *pool, int threads, export_job *j, sm_err *e)
{
    sm_err *errs = calloc((size_t)threads, sizeof *errs);
    size_t *bad_at = calloc((size_t)threads, sizeof *bad_at);
    if (!errs || !bad_at) {
        free(errs);
        free(bad_at);
        return sm_fail(e, "out of memory for %d threads", threads);
    }
    j->threads = threads;
    j->errs = errs;
    j->bad_at = bad_at;
    j->digits = index_digits(j->s->n);
    atomic_init(&j->failed, 0);
    pool_run(pool, export_worker, j);
    int rc = guard_stop_signal() ? 1 : 0;
    if (atomic_load(&j->failed)) {
        size_t first = j->s->n;
        for (int t = 0; t < threads; t++)
            if (bad_at[t] < first) {
                first = bad_at[t];
                *e = errs[t];
            }
        rc = -1;
    }
    free(errs);
    free(bad_at);
    return rc;
}

/* mkdir that reports. */
static int make_dir(const char *path, sm_err *e)
{
    if (mkdir(path, 0777) != 0)
        return sm_fail(e, "%s: cannot create the folder: %s", path, strerror(errno));
    return 0;
}

/* The folder tree, classes.txt and every image, into root. Returns 0, 1
 * when stopped by a signal, or -1 with e set. */
static int export_all(const dataset_t *ds, char (*folders)[CLASS_NAME_MAX + 1], const char *root,
                      int threads, sm_err *e)
{
    static const char *const names[2] = {"train", "test"};
    const split_t *splits[2] = {&ds->train, &ds->test};
    char path[8192];
    for (int k = 0; k < 2; k++) {
        snprintf(path, sizeof path, "%s/%s", root, names[k]);
        if (make_dir(path, e) != 0)
            return -1;
        for (int c = 0; c < ds->classes.n; c++) {
            snprintf(path, sizeof path, "%s/%s/%s", root, names[k], folders[c]);
            if (make_dir(path, e) != 0)
                return -1;
        }
    }
    snprintf(path, sizeof path, "%s/classes.txt", root);
    if (classes_write(&ds->classes, path, e) != 0)
        return -1;

    int T = threads;
    size_t most = ds->train.n > ds->test.n ? ds->train.n : ds->test.n;
    if ((size_t)T > most)
        T = (int)most;
    pool_t *pool = pool_create(T, e);
    if (!pool)
        return -1;
    atomic_size_t done;
    atomic_init(&done, 0);
    int rc = 0;
    for (int k = 0; k < 2 && rc == 0; k++) {
        export_job j = {.root = root, .name = names[k], .s = splits[k], .folders = folders,
                        .done = &done, .total = ds->train.n + ds->test.n,
                        .live = isatty(STDERR_FILENO)};
        rc = export_split(pool, T, &j, e);
    }
    pool_destroy(pool);
    if (isatty(STDERR_FILENO))
        fprintf(stderr, "\r\033[K");
    if (rc != 0)
        return rc;

    /* The files' data reaches the disk before the rename makes DIR appear:
     * one syncfs for the 70,000 files, not one fsync each. */
    int fd = open(root, O_RDONLY | O_DIRECTORY);
    if (fd < 0 || syncfs(fd) != 0) {
        rc = sm_fail(e, "%s: cannot sync the written files: %s", root, strerror(errno));
    }
    if (fd >= 0)
        close(fd);
    return rc;
}

/* Syncs the folder holding path, so that the rename is on the disk too. */
static void sync_parent(const char *path)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (!slash)
        snprintf(dir, sizeof dir, ".");
    else if (slash == dir)
        dir[1] = 0;
    else
        *slash = 0;
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

int cmd_export(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"out", required_argument, 0, 'o'},     {"data", required_argument, 0, 'd'},
        {"threads", required_argument, 0, 'j'}, {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    const char *out_arg = NULL, *data = NULL;
    long threads = cli_cpu_count();
    if (threads > MODEL_MAX_THREADS)
        threads = MODEL_MAX_THREADS;

    opterr = 0;
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, ":o:j:h", longopts, NULL)) != -1) {
        int bad = 0;
        switch (c) {
        case 'o': out_arg = optarg; break;
        case 'd': data = optarg; break;
        case 'j': bad = opt_long(cmd, "threads", optarg, 1, MODEL_MAX_THREADS, &threads); break;
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
        fputc('\n', stderr);
        usage(stderr);
        return EXIT_USAGE;
    }
    if (!out_arg || !*out_arg) {
        cli_error(cmd, "%s", out_arg ? "--out: empty folder name" : "--out DIR is required");
        fputc('\n', stderr);
        usage(stderr);
        return EXIT_USAGE;
    }

    /* DIR without trailing slashes: DIR.tmp-XXXXXX must be beside it, not
     * in it. The longest file below it must still fit a path. */
    char out[3072];
    size_t len = strlen(out_arg);
    if (len >= sizeof out) {
        cli_error(cmd, "--out: a path of %zu bytes: expected at most %zu", len, sizeof out - 1);
        return EXIT_USAGE;
    }
    memcpy(out, out_arg, len + 1);
    while (len > 1 && out[len - 1] == '/')
        out[--len] = 0;
    const char *base = strrchr(out, '/') ? strrchr(out, '/') + 1 : out;
    if (strcmp(base, ".") == 0 || strcmp(base, "..") == 0 || strcmp(out, "/") == 0) {
        cli_error(cmd, "--out: expected a new folder's name, found '%s'", out_arg);
        return EXIT_USAGE;
    }

    /* Refuse before any work: an existing non-empty DIR, an unwritable
     * parent folder. */
    sm_err e;
    /* Not inside the data set it reads (it would gain a class there). */
    const output_spec outs[] = {{"--out", out, 0, 1}};
    int gr = guard_outputs(cmd, outs, 1, NULL, data, NULL, 0);
    if (gr != 0)
        return gr;
    if (check_out(out) != 0)
        return 1;
    /* The folder is written beside DIR and renamed: probe that place with
     * a file name next to it (DIR itself may be an empty folder). */
    char probe[4200];
    snprintf(probe, sizeof probe, "%s.export-probe", out);
    if (atomic_check_writable(probe, &e) != 0) {
        cli_error(cmd, "--out %s: cannot create a folder there (%s)", out, e.msg);
        return 1;
    }

    /* One export per folder; its holder removes the temporary folders of
     * exports that were killed (SIGKILL, a crash), as train does for its
     * model file. The kernel drops the lock however we exit. */
    file_lock lock = FILE_LOCK_NONE;
    long holder = 0;
    int lr = file_lock_try(&lock, out, &holder, &e);
    if (lr != 0) {
        if (lr > 0)
            cli_error(cmd, "%s is being written by %s %ld (lock %s); wait for it or give "
                      "another --out", out, holder ? "process" : "another process", holder,
                      lock.path);
        else
            cli_error(cmd, "%s", e.msg);
        return 1;
    }
    int stale = remove_stale(out);
    if (stale)
        cli_error(cmd, "note: removed %d unfinished folder%s %s.tmp-* left by an earlier export",
                  stale, stale == 1 ? "" : "s", out);

    char src[4096];
    dataset_t ds;
    data_options dopt = {0, 0, (int)threads};
    if (cli_load_data(cmd, data, &dopt, src, sizeof src, &ds) != 0) {
        file_lock_release(&lock);
        return 1;
    }
    char (*folders)[CLASS_NAME_MAX + 1] = calloc((size_t)ds.classes.n, sizeof *folders);
    if (!folders) {
        cli_error(cmd, "out of memory");
        dataset_free(&ds);
        file_lock_release(&lock);
        return 1;
    }
    if (folder_names(&ds.classes, folders, src) != 0) {
        free(folders);
        dataset_free(&ds);
        file_lock_release(&lock);
        return 1;
    }

    /* From here a temporary folder exists: signals only set a flag, and
     * every way out removes it. */
    guard_defer_signals(NULL);
    char tmp[3072 + 16];
    snprintf(tmp, sizeof tmp, "%s.tmp-XXXXXX", out);
    int rc;
    if (!mkdtemp(tmp)) {
        rc = sm_fail(&e, "%s: cannot create the temporary folder: %s", tmp, strerror(errno));
        tmp[0] = 0;
    } else {
        /* mkdtemp makes it private (0700); DIR gets a new folder's mode. */
        mode_t mask = umask(0);
        umask(mask);
        if (chmod(tmp, 0777 & ~mask) != 0)
            rc = sm_fail(&e, "%s: cannot set its permissions: %s", tmp, strerror(errno));
        else
            rc = guard_stop_signal() ? 1 : export_all(&ds, folders, tmp, (int)threads, &e);
    }
    if (rc == 0 && guard_stop_signal())
        rc = 1;
    if (rc == 0 && rename(tmp, out) != 0)
        rc = sm_fail(&e, "%s: cannot rename %s to it: %s", out, tmp,
                     errno == ENOTEMPTY || errno == EEXIST
                         ? "it appeared meanwhile and is not empty"
                         : strerror(errno));
    if (rc == 0) {
        sync_parent(out);
        printf("wrote %s: %zu train and %zu test images, %d classes\n", out, ds.train.n,
               ds.test.n, ds.classes.n);
    } else {
        if (tmp[0])
            remove_tree(tmp);
        if (rc == 1) {
            int sig = guard_stop_signal();
            cli_error(cmd, "interrupted (%s): removed the unfinished %s; %s was not written",
                      sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "SIGHUP", tmp, out);
            rc = 130;
        } else {
            cli_error(cmd, "%s", e.msg);
            rc = 1;
        }
    }
    free(folders);
    dataset_free(&ds);
    file_lock_release(&lock);
    return rc;
}
