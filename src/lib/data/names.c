/* names.c - lists of names, a folder's entries, files by device and
 * inode; see names.h. */
#include "names.h"

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

void names_free(name_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    memset(l, 0, sizeof *l);
}

int names_add(name_list *l, const char *s)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        char **v = realloc(l->v, cap * sizeof *v);
        if (!v)
            return -1;
        l->v = v;
        l->cap = cap;
    }
    if (!(l->v[l->n] = strdup(s)))
        return -1;
    l->n++;
    return 0;
}

int names_has(const name_list *l, const char *s)
{
    for (size_t k = 0; k < l->n; k++)
        if (strcmp(l->v[k], s) == 0)
            return 1;
    return 0;
}

/* 1 when dir ends in '/': names_join adds none. */
static int ends_in_slash(const char *dir)
{
    size_t len = strlen(dir);
    return len > 0 && dir[len - 1] == '/';
}

int names_join(char *out, size_t n, const char *dir, const char *name)
{
    return snprintf(out, n, "%s%s%s", dir, ends_in_slash(dir) ? "" : "/", name);
}

const char *names_under(const char *dir, const char *path)
{
    return path + strlen(dir) + !ends_in_slash(dir);
}

static int by_bytes(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int names_in_dir(const char *dir, name_list *files, name_list *dirs, sm_err *e)
{
    name_list none, *out[2] = {files ? files : &none, dirs ? dirs : &none}; /* [is a folder] */
    memset(&none, 0, sizeof none);
    memset(out[0], 0, sizeof *out[0]);
    memset(out[1], 0, sizeof *out[1]);
    DIR *d = opendir(dir);
    if (!d)
        return sm_fail(e, "%s: cannot open the folder: %s", dir, strerror(errno));
    struct dirent *de;
    int rc = 0;
    char p[8192];
    while (rc == 0 && (errno = 0, de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        names_join(p, sizeof p, dir, de->d_name);
        struct stat st;
        int is_dir = stat(p, &st) == 0 && S_ISDIR(st.st_mode);
        if (out[is_dir] != &none && names_add(out[is_dir], de->d_name) != 0)
            rc = sm_fail(e, "%s: out of memory listing the folder", dir);
    }
    if (rc == 0 && errno)
        rc = sm_fail(e, "%s: cannot read the folder: %s", dir, strerror(errno));
    closedir(d);
    for (int k = 0; k < 2; k++) {
        if (rc != 0)
            names_free(out[k]);
        else if (out[k]->n)
            qsort(out[k]->v, out[k]->n, sizeof *out[k]->v, by_bytes);
    }
    return rc;
}

static size_t node_hash(dev_t dev, ino_t ino, size_t cap)
{
    uint64_t h = ((uint64_t)dev * 0x9e3779b97f4a7c15u) ^ (uint64_t)ino;
    h ^= h >> 31;
    h *= 0xbf58476d1ce4e5b9u;
    h ^= h >> 29;
    return (size_t)h & (cap - 1);
}

int node_add(node_set *s, dev_t dev, ino_t ino, node_key **hit)
{
    if (2 * (s->n + 1) > s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 256;
        node_key *v = calloc(cap, sizeof *v);
        if (!v)
            return -1;
        for (size_t i = 0; i < s->cap; i++)
            if (s->v[i].used) {
                size_t k = node_hash(s->v[i].dev, s->v[i].ino, cap);
                while (v[k].used)
                    k = (k + 1) & (cap - 1);
                v[k] = s->v[i];
            }
        free(s->v);
        s->v = v;
        s->cap = cap;
    }
    size_t k = node_hash(dev, ino, s->cap);
    for (; s->v[k].used; k = (k + 1) & (s->cap - 1))
        if (s->v[k].dev == dev && s->v[k].ino == ino) {
            if (hit)
                *hit = &s->v[k];
            return 0;
        }
    s->v[k] = (node_key){dev, ino, 1, NULL, 0, 0};
    s->n++;
    if (hit)
        *hit = &s->v[k];
    return 1;
}
