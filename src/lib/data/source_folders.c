/* source_folders.c - the image-folder data source:
 *   PATH/train/<class>/<image>   PATH/test/<class>/<image>
 *   PATH/classes.txt             (optional: class order and real names)
 *
 * Classes: the names in classes.txt, in its order, each found in the folder
 * named like it with '/' replaced by '-'; without that file, the class
 * folders of train/ sorted bytewise, named as the folders are. test/ must
 * have the same class folders. Hidden entries (a leading '.') are ignored.
 * Images: the files of each class folder in bytewise order of their names;
 * files that are not images by extension (image_name_ok) and subfolders are
 * skipped and counted. Files are taken by device and inode: one reached
 * again through a link in the same class folder is listed once (under its
 * first path), one in two classes or both splits is an error. Decoding runs
 * on o->threads threads (folders_decode); every image must have the size of
 * the first one, unless o->width/height resize them; o->rgb keeps their
 * red, green and blue planes (image.h). A split lists its images class by
 * class: images [N, channels, rows, cols], labels [N], paths [N].
 */
#include "source.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "folders.h"
#include "image.h"
#include "names.h"

static int is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int folders_probe(const char *dir)
{
    char p[4200];
    names_join(p, sizeof p, dir, "train");
    if (!is_dir(p))
        return 0;
    names_join(p, sizeof p, dir, "test");
    return is_dir(p);
}

/* Classes from classes.txt (txt): its names in its order, each with its
 * folder (classes_folder_name) in both splits; tr/te, the class folders
 * found, must all be listed. */
static int classes_from_file(const char *txt, const char *train, const char *test,
                             const name_list *tr, const name_list *te, class_table *ct,
                             name_list *folders, sm_err *e)
{
    int rc = classes_read(ct, txt, e);
    for (int c = 0; rc == 0 && c < ct->n; c++) {
        char f[CLASS_NAME_MAX + 1];
        classes_folder_name(ct->names[c], f, sizeof f);
        for (int k = 0; k < c && rc == 0; k++) /* k: to name the other class */
            if (strcmp(folders->v[k], f) == 0)
                rc = sm_fail(e, "%s: classes '%s' and '%s' share the folder name '%s'", txt,
                             ct->names[k], ct->names[c], f);
        if (rc == 0 && names_add(folders, f) != 0)
            rc = sm_fail(e, "out of memory");
    }
    /* Every listed folder in both splits, and no folder unlisted. */
    for (size_t i = 0; rc == 0 && i < tr->n; i++) {
        if (!names_has(folders, tr->v[i]))
            rc = sm_fail(e, "%s/%s: a class folder that %s does not list", train, tr->v[i], txt);
    }
    for (size_t i = 0; rc == 0 && i < te->n; i++) {
        if (!names_has(folders, te->v[i]))
            rc = sm_fail(e, "%s/%s: a class folder that %s does not list", test, te->v[i], txt);
    }
    for (size_t k = 0; rc == 0 && k < folders->n; k++) {
        char p[8400];
        snprintf(p, sizeof p, "%s/%s", train, folders->v[k]);
        if (!is_dir(p))
            rc = sm_fail(e, "%s: missing: %s lists class '%s'", p, txt, ct->names[k]);
        snprintf(p, sizeof p, "%s/%s", test, folders->v[k]);
        if (rc == 0 && !is_dir(p))
            rc = sm_fail(e, "%s: missing: %s lists class '%s'", p, txt, ct->names[k]);
    }
    return rc;
}

/* Classes from the folders: train/'s class folders tr in bytewise order,
 * named as they are; test/ (te) must hold the same ones. */
static int classes_from_folders(const char *train, const char *test, const name_list *tr,
                                const name_list *te, class_table *ct, name_list *folders,
                                sm_err *e)
{
    int rc = 0;
    memset(ct, 0, sizeof *ct);
    for (size_t i = 0; rc == 0 && i < tr->n; i++) {
        sm_err why;
        if (classes_add(ct, tr->v[i], &why) != 0)
            rc = ct->n >= CLASSES_MAX
                     ? sm_fail(e, "%s: more than %d class folders", train, CLASSES_MAX)
                     : sm_fail(e, "%s/%s: %s", train, tr->v[i], why.msg);
        else if (names_add(folders, tr->v[i]) != 0)
            rc = sm_fail(e, "%s: out of memory", train);
    }
    for (size_t i = 0; rc == 0 && i < tr->n; i++)
        if (!names_has(te, tr->v[i]))
            rc = sm_fail(e, "%s/%s: missing: train/ has this class folder but test/ does not",
                         test, tr->v[i]);
    for (size_t i = 0; rc == 0 && i < te->n; i++) {
        if (!names_has(tr, te->v[i]))
            rc = sm_fail(e, "%s/%s: a class folder that train/ does not have", test, te->v[i]);
    }
    return rc;
}

/* The class table and the folder of each class ([C] names). */
static int find_classes(const char *root, class_table *ct, name_list *folders, sm_err *e)
{
    char train[4200], test[4200], txt[4200];
    names_join(train, sizeof train, root, "train");
    names_join(test, sizeof test, root, "test");
    names_join(txt, sizeof txt, root, "classes.txt");
    name_list tr, te;
    memset(folders, 0, sizeof *folders);
    if (names_in_dir(train, NULL, &tr, e) != 0)
        return -1;
    if (names_in_dir(test, NULL, &te, e) != 0) {
        names_free(&tr);
        return -1;
    }
    int rc = 0;
    if (tr.n == 0)
        rc = sm_fail(e, "%s: no class folders: expected %s/<class>/<images>", train, train);
    if (rc == 0 && access(txt, F_OK) == 0)
        rc = classes_from_file(txt, train, test, &tr, &te, ct, folders, e);
    else if (rc == 0)
        rc = classes_from_folders(train, test, &tr, &te, ct, folders, e);
    names_free(&tr);
    names_free(&te);
    if (rc != 0) {
        classes_free(ct);
        names_free(folders);
    }
    return rc;
}

/* Appends the image files of one class folder (class c of split `split`)
 * to paths, their label c to labels [*nlab]. A file met before through
 * another link (by device and inode, in seen) is taken once: skipped when
 * it was met in the same class of the same split, refused when elsewhere
 * (one file, two labels or both splits). */
static int list_class(const char *dir, name_list *paths, int split, int c, uint16_t **labels,
                      size_t *nlab, size_t *skipped, node_set *seen, sm_err *e)
{
    name_list files, subdirs;
    if (names_in_dir(dir, &files, &subdirs, e) != 0)
        return -1;
    *skipped += subdirs.n;
    names_free(&subdirs);
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < files.n; i++) {
        if (!image_name_ok(files.v[i])) {
            (*skipped)++;
            continue;
        }
        char p[8400 + 256];
        snprintf(p, sizeof p, "%s/%s", dir, files.v[i]);
        struct stat st;
        node_key *hit;
        int fresh;
        if (stat(p, &st) != 0) {
            rc = sm_fail(e, "%s: cannot open: %s", p, strerror(errno));
            break;
        }
        if ((fresh = node_add(seen, st.st_dev, st.st_ino, &hit)) < 0) {
            rc = sm_fail(e, "%s: out of memory listing images", dir);
            break;
        }
        if (!fresh && hit->split == split && hit->cls == c)
            continue; /* the same image again, through a link: once */
        if (!fresh) {
            rc = sm_fail(e, "%s: the same file as %s (through a link): a file can be in one "
                         "class of one split only", p, hit->first);
            break;
        }
        uint16_t *l = realloc(*labels, (*nlab + 1) * sizeof *l);
        if (!l || names_add(paths, p) != 0) {
            if (l)
                *labels = l;
            rc = sm_fail(e, "%s: out of memory listing images", dir);
            break;
        }
        *labels = l;
        (*labels)[(*nlab)++] = (uint16_t)c;
        hit->first = paths->v[paths->n - 1];
        hit->split = split;
        hit->cls = c;
    }
    names_free(&files);
    return rc;
}

/* One split (name "train" or "test", index split) of classes in folders. */
static int load_split(const char *root, const char *name, int split, const name_list *folders,
                      const data_options *o, split_t *s, size_t *skipped, node_set *seen,
                      sm_err *e)
{
    memset(s, 0, sizeof *s);
    names_join(s->where, sizeof s->where, root, name);
    name_list paths = {0};
    int rc = 0;
    for (size_t c = 0; rc == 0 && c < folders->n; c++) {
        char dir[8400];
        snprintf(dir, sizeof dir, "%s/%s", s->where, folders->v[c]);
        rc = list_class(dir, &paths, split, (int)c, &s->labels, &s->n, skipped, seen, e);
    }
    if (rc == 0 && paths.n == 0)
        rc = sm_fail(e, "%s: no images in the class folders (PNG, JPEG, BMP, PGM/PPM, TGA or "
                     "GIF files)", s->where);
    if (rc == 0)
        rc = folders_decode(paths.v, paths.n, o->width, o->height, o->rgb ? 3 : 1, o->threads,
                            &s->images, &s->rows, &s->cols,
                            "or pass --size WxH to resize them all", e);
    s->channels = o->rgb ? 3 : 1;
    s->paths = paths.v; /* the split owns the names now */
    s->n = paths.n;
    return rc;
}

static int folders_load(const char *root, const data_options *o, dataset_t *ds, sm_err *e)
{
    name_list folders;
    if (find_classes(root, &ds->classes, &folders, e) != 0)
        return -1;
    node_set seen = {0}; /* every image file of both splits */
    int rc = load_split(root, "train", 0, &folders, o, &ds->train, &ds->skipped, &seen, e);
    if (rc == 0)
        rc = load_split(root, "test", 1, &folders, o, &ds->test, &ds->skipped, &seen, e);
    free(seen.v);
    if (rc == 0 && (ds->train.rows != ds->test.rows || ds->train.cols != ds->test.cols))
        rc = sm_fail(e, "%s: test images are %zu x %zu but training images are %zu x %zu: sizes "
                     "must agree (or pass --size WxH)", ds->test.where, ds->test.cols,
                     ds->test.rows, ds->train.cols, ds->train.rows);
    names_free(&folders);
    return rc;
}

/* What it reads: the folder, its image files and the folders holding them
 * (folders_inputs walks train/ and test/ as embed walks a PATH). */
const data_source source_folders = {"folders", folders_probe, folders_load, folders_inputs,
                                    NULL, 1};
