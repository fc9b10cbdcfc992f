/* folder_out.c - see folder_out.h. */
#define _GNU_SOURCE /* syncfs, nftw */
#include "folder_out.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "path.h"

folder_state folder_probe(const char *path, int *err_no)
{
    struct stat st;
    if (lstat(path, &st) != 0) {
        *err_no = errno;
        return errno == ENOENT ? FOLDER_ABSENT : FOLDER_UNKNOWN;
    }
    if (!S_ISDIR(st.st_mode))
        return FOLDER_NOT_FOLDER;
    int fd = open(path, O_RDONLY | O_DIRECTORY);
    DIR *d = fd < 0 ? NULL : fdopendir(fd);
    if (!d) {
        *err_no = errno;
        if (fd >= 0)
            close(fd);
        return FOLDER_UNREADABLE;
    }
    int empty = 1;
    struct dirent *de;
    while (empty && (de = readdir(d)))
        empty = strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0;
    closedir(d);
    return empty ? FOLDER_EMPTY : FOLDER_NOT_EMPTY;
}

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *f)
{
    (void)st;
    (void)type;
    (void)f;
    remove(path);
    return 0; /* keep going: remove as much as we can */
}

void folder_remove_tree(const char *path)
{
    nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* path_each_tmp's visitor: removes full when it is a folder. */
static int remove_if_folder(const char *full, void *ctx)
{
    (void)ctx;
    struct stat st;
    if (lstat(full, &st) != 0 || !S_ISDIR(st.st_mode))
        return 0;
    folder_remove_tree(full);
    return 1;
}

int folder_remove_stale(const char *out)
{
    return path_each_tmp(out, remove_if_folder, NULL);
}

int folder_make_tmp(char *tmp, size_t n, const char *out, sm_err *e)
{
    snprintf(tmp, n, "%s" PATH_TMP_TAG "XXXXXX", out);
    if (!mkdtemp(tmp)) {
        int rc = sm_fail(e, "%s: cannot create the temporary folder: %s", tmp, strerror(errno));
        tmp[0] = 0;
        return rc;
    }
    mode_t mask = umask(0);
    umask(mask);
    if (chmod(tmp, 0777 & ~mask) != 0)
        return sm_fail(e, "%s: cannot set its permissions: %s", tmp, strerror(errno));
    return 0;
}

int folder_sync_files(const char *root, sm_err *e)
{
    int rc = 0;
    int fd = open(root, O_RDONLY | O_DIRECTORY);
    if (fd < 0 || syncfs(fd) != 0)
        rc = sm_fail(e, "%s: cannot sync the written files: %s", root, strerror(errno));
    if (fd >= 0)
        close(fd);
    return rc;
}

int folder_publish(const char *tmp, const char *out, sm_err *e)
{
    if (rename(tmp, out) != 0)
        return sm_fail(e, "%s: cannot rename %s to it: %s", out, tmp,
                       errno == ENOTEMPTY || errno == EEXIST
                           ? "it appeared meanwhile and is not empty"
                           : strerror(errno));
    path_sync_dir(out);
    return 0;
}
