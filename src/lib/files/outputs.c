/* outputs.c - outputs checked against each other, the inputs and the file
 * system before any work; see outputs.h. */
#define _DEFAULT_SOURCE /* realpath */
#include "outputs.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic_file.h"

/* What a name leads to: an existing file's device and inode, or, for a file
 * still to be created, its folder's device and inode and its name. */
typedef struct {
    int known, exists, regular, dir;
    dev_t dev;
    ino_t ino;
    char base[256];
} file_id;

static void output_id(const char *path, file_id *id)
{
    memset(id, 0, sizeof *id);
    char target[ATOMIC_PATH_MAX];
    if (atomic_resolve(path, target, sizeof target, NULL) != 0)
        return; /* atomic_check_writable reports it */
    struct stat st;
    if (stat(target, &st) == 0) {
        *id = (file_id){1, 1, S_ISREG(st.st_mode), S_ISDIR(st.st_mode), st.st_dev, st.st_ino, ""};
        return;
    }
    if (errno != ENOENT)
        return;
    char *slash = strrchr(target, '/');
    const char *base = slash ? slash + 1 : target;
    if (strlen(base) >= sizeof id->base)
        return;
    if (slash)
        slash[slash == target] = 0; /* "/name" -> "/" */
    if (stat(slash ? target : ".", &st) != 0)
        return;
    *id = (file_id){1, 0, 1, 0, st.st_dev, st.st_ino, ""};
    memcpy(id->base, base, strlen(base) + 1);
}

static int same_file(const file_id *a, const file_id *b)
{
    return a->known && b->known && a->exists == b->exists && a->dev == b->dev &&
           a->ino == b->ino && (a->exists || strcmp(a->base, b->base) == 0);
}

/* The input folder (iid[0..n_in), dir set) that path would be written
 * in, at any depth, or -1. The folders on the way are those of the file
 * written (path with its links followed), each itself followed (realpath),
 * and compared by device and inode. */
static long folder_holding(const char *path, const file_id *iid, size_t n_in)
{
    char target[ATOMIC_PATH_MAX], real[PATH_MAX];
    if (atomic_resolve(path, target, sizeof target, NULL) != 0)
        return -1;
    struct stat st;
    if (stat(target, &st) != 0 || !S_ISDIR(st.st_mode)) { /* its folder */
        char *slash = strrchr(target, '/');
        if (!slash)
            snprintf(target, sizeof target, ".");
        else
            slash[slash == target] = 0;
    }
    if (!realpath(target, real))
        return -1; /* atomic_check_writable reports it */
    for (;;) {
        if (stat(real, &st) == 0)
            for (size_t j = 0; j < n_in; j++)
                if (iid[j].known && iid[j].dir && iid[j].dev == st.st_dev &&
                    iid[j].ino == st.st_ino)
                    return (long)j;
        char *slash = strrchr(real, '/');
        if (!slash || (slash == real && real[1] == 0))
            return -1;
        slash[slash == real] = 0; /* "/a" -> "/" */
    }
}

/* Wraps sm_fail (which returns -1) for a usage error. */
static int usage_error(int sm_fail_result)
{
    (void)sm_fail_result;
    return OUTPUTS_USAGE;
}

static int is_stdout(const char *path)
{
    return strcmp(path, "-") == 0;
}

/* The image format a picture's name claims when it is not PNG ("JPEG"
 * for r.jpg), else NULL: the bytes are PNG whatever the name says, and a
 * viewer or a pipeline trusting the ending would misread them. */
static const char *other_image_format(const char *path)
{
    static const struct {
        const char *ext, *name;
    } formats[] = {{".jpg", "JPEG"}, {".jpeg", "JPEG"}, {".bmp", "BMP"}, {".gif", "GIF"},
                   {".tif", "TIFF"}, {".tiff", "TIFF"}, {".webp", "WebP"}, {".pgm", "PGM"},
                   {".ppm", "PPM"}, {".pnm", "PNM"}, {".tga", "TGA"}};
    size_t n = strlen(path);
    for (size_t f = 0; f < sizeof formats / sizeof *formats; f++) {
        size_t k = strlen(formats[f].ext);
        if (n > k && strcasecmp(path + n - k, formats[f].ext) == 0)
            return formats[f].name;
    }
    return NULL;
}

static int check(const output_spec *out, size_t n_out, const input_file *in, size_t n_in,
                 file_id *oid, file_id *iid, sm_err *e);

int outputs_check(const output_spec *out, size_t n_out, const input_file *in, size_t n_in,
                  sm_err *e)
{
    enum { MAX_OUT = 8 };
    file_id oid[MAX_OUT];
    if (n_out > MAX_OUT)
        return sm_fail(e, "outputs_check: at most %d outputs", MAX_OUT);
    /* Inputs may be many (inspect's images): identified on the heap. */
    file_id *iid = malloc((n_in + 1) * sizeof *iid);
    if (!iid)
        return sm_fail(e, "out of memory checking %zu inputs", n_in);
    int rc = check(out, n_out, in, n_in, oid, iid, e);
    free(iid);
    return rc;
}

static int check(const output_spec *out, size_t n_out, const input_file *in, size_t n_in,
                 file_id *oid, file_id *iid, sm_err *e)
{
    for (size_t i = 0; i < n_in; i++) {
        struct stat st;
        memset(&iid[i], 0, sizeof iid[i]);
        if (in[i].path && *in[i].path && stat(in[i].path, &st) == 0)
            iid[i] = (file_id){1, 1, S_ISREG(st.st_mode), S_ISDIR(st.st_mode), st.st_dev,
                               st.st_ino, ""};
    }
    /* Standard output redirected to a regular file: the text printed there
     * goes to that file, so no output may be it too. */
    struct stat so;
    file_id sid = {0};
    if (fstat(STDOUT_FILENO, &so) == 0 && S_ISREG(so.st_mode))
        sid = (file_id){1, 1, 1, 0, so.st_dev, so.st_ino, ""};
    /* Usage errors first, for every output: they exit 2 whatever else. */
    for (size_t i = 0; i < n_out; i++) {
        const char *opt = out[i].option, *p = out[i].path;
        memset(&oid[i], 0, sizeof oid[i]);
        if (!p)
            continue;
        if (!*p)
            return usage_error(sm_fail(e, "%s: empty file name", opt));
        if (is_stdout(p)) {
            if (!out[i].stdout_ok)
                return usage_error(sm_fail(e, "%s -: standard output is for pictures only; for "
                                           "a file named '-' write ./-", opt));
            if (isatty(STDOUT_FILENO))
                return usage_error(sm_fail(e, "%s -: standard output is a terminal, not the "
                                           "place for a PNG; redirect it to a file or a "
                                           "program", opt));
            for (size_t j = 0; j < i; j++)
                if (out[j].path && is_stdout(out[j].path))
                    return usage_error(sm_fail(e, "%s - and %s -: only one output can go to "
                                               "standard output", out[j].option, opt));
            continue;
        }
        const char *other = out[i].stdout_ok ? other_image_format(p) : NULL;
        if (other)
            return usage_error(sm_fail(e, "%s %s: the picture is written as PNG, not %s; name "
                                       "it .png", opt, p, other));
        output_id(p, &oid[i]);
        for (size_t j = 0; j < n_in; j++)
            if (same_file(&oid[i], &iid[j]))
                return usage_error(sm_fail(e, "%s %s is the same file as %s %s: it would be "
                                           "overwritten; choose another name", opt, p,
                                           in[j].what, in[j].path));
        long held = folder_holding(p, iid, n_in);
        if (held >= 0)
            return usage_error(sm_fail(e, "%s %s is inside %s %s, which is read: it would be "
                                       "written into the input; choose a place outside it",
                                       opt, p, in[held].what, in[held].path));
        if (same_file(&oid[i], &sid))
            return usage_error(sm_fail(e, "%s %s is the file standard output goes to, which "
                                       "receives the text report too: two outputs, one file; "
                                       "write it to another file", opt, p));
        for (size_t j = 0; j < i; j++)
            if (same_file(&oid[i], &oid[j]) && (oid[i].regular || !oid[i].exists))
                return usage_error(sm_fail(e, "%s %s and %s %s are the same file: one would "
                                           "overwrite the other; choose different names",
                                           out[j].option, out[j].path, opt, p));
    }
    /* A file output inside a folder output (at any depth) would be
     * overwritten or mixed with what the folder's writer puts there
     * (inspect --report inside --maps DIR). */
    for (size_t j = 0; j < n_out; j++) {
        if (!out[j].path || !out[j].folder || !oid[j].exists || !oid[j].dir)
            continue;
        for (size_t i = 0; i < n_out; i++)
            if (i != j && out[i].path && !out[i].folder && !is_stdout(out[i].path) &&
                folder_holding(out[i].path, &oid[j], 1) == 0)
                return usage_error(sm_fail(e, "%s %s is inside %s %s, which this run writes: "
                                           "one would overwrite the other; choose a place "
                                           "outside it", out[i].option, out[i].path,
                                           out[j].option, out[j].path));
    }
    /* Then what the file system says. */
    for (size_t i = 0; i < n_out; i++) {
        if (!out[i].path || out[i].folder == OUTPUT_NEW_FOLDER)
            continue;
        sm_err why;
        if ((out[i].folder == OUTPUT_FILES_FOLDER ? atomic_check_folder(out[i].path, &why)
                                                  : atomic_check_writable(out[i].path, &why)) != 0)
            return sm_fail(e, "%s %s", out[i].option, why.msg);
    }
    return 0;
}
