/* path.c - see path.h. */
#include "path.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

const char *path_split(const char *path, char *dir, size_t n)
{
    const char *slash = strrchr(path, '/');
    if (slash)
        snprintf(dir, n, "%.*s", (int)(slash - path + (slash == path)), path);
    else
        snprintf(dir, n, ".");
    return slash ? slash + 1 : path;
}

void path_sync_dir(const char *path)
{
    char dir[4096];
    path_split(path, dir, sizeof dir);
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

/* 1 when name is base + PATH_TMP_TAG + PATH_TMP_RANDOM letters or digits. */
static int is_tmp_of(const char *name, const char *base)
{
    size_t plen = strlen(base) + strlen(PATH_TMP_TAG);
    if (strlen(name) != plen + PATH_TMP_RANDOM || strncmp(name, base, strlen(base)) != 0 ||
        strncmp(name + strlen(base), PATH_TMP_TAG, strlen(PATH_TMP_TAG)) != 0)
        return 0;
    for (size_t i = plen; i < plen + PATH_TMP_RANDOM; i++) {
        char c = name[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')))
            return 0;
    }
    return 1;
}

int path_each_tmp(const char *target, int (*fn)(const char *full, void *ctx), void *ctx)
{
    char dir[4096], full[8400];
    const char *base = path_split(target, dir, sizeof dir);
    int folder = (int)(base - target); /* target's folder with its '/', as given */
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    int removed = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (!is_tmp_of(de->d_name, base))
            continue;
        snprintf(full, sizeof full, "%.*s%s", folder, target, de->d_name);
        removed += fn(full, ctx);
    }
    closedir(d);
    return removed;
}
