/* names.h - listing files: a growing list of names, the entries of one
 * folder in bytewise order, and a set of files by device and inode (a data
 * set or a walk is a set of files, not of the paths that lead to them).
 * Shared by the folder walk of embed and inspect (folders.c) and the
 * data sources (source_*.c). */
#ifndef SIAMESE_NAMES_H
#define SIAMESE_NAMES_H

#include <stddef.h>
#include <sys/types.h>

#include "err.h"

/* v[0..n) malloc'd names; cap the room in v. {paths, n, n} adopts a
 * caller's array (the next add grows it). */
typedef struct {
    char **v;
    size_t n, cap;
} name_list;

/* Appends a copy of s. Returns 0, or -1 out of memory (l unchanged). */
int names_add(name_list *l, const char *s);

/* 1 when s is one of l's names. */
int names_has(const name_list *l, const char *s);

/* Writes dir, then a '/' unless dir ends in one, then name into out [n]:
 * "good" and "good/" both give "good/x.png", "/" gives "/x.png". Every
 * path a walk or a data source builds from a folder the user named is
 * spelled this way. Returns snprintf's count (>= n: cut short). */
int names_join(char *out, size_t n, const char *dir, const char *name);

/* The part of path, names_join(dir, ...) or a join of that with more
 * names, after dir and the '/' the join put between them. */
const char *names_under(const char *dir, const char *path);

/* Frees every name and the array; l is then empty. */
void names_free(name_list *l);

/* The names in dir (no hidden ones: a leading '.'), sorted bytewise, in
 * one reading of it: folders (links followed) into *dirs, everything else
 * into *files; either may be NULL when not wanted. Returns 0, or -1 with e
 * naming dir (both lists then empty). */
int names_in_dir(const char *dir, name_list *files, name_list *dirs, sm_err *e);

/* One file or folder met, by device and inode. first/split/cls are for a
 * data set's loader (where it met the file first); 0 and NULL otherwise. */
typedef struct {
    dev_t dev;
    ino_t ino;
    int used;
    const char *first; /* the path it was met by first (owned by the caller) */
    int split, cls;
} node_key;

/* Open addressing, grown at half full; {0} is empty; free(v) releases. */
typedef struct {
    node_key *v;
    size_t n, cap;
} node_set;

/* Adds (dev, ino). Returns 1 when it was new, 0 when already there, -1
 * out of memory; *hit (when hit is not NULL) is its entry in both cases,
 * valid until the next node_add. */
int node_add(node_set *s, dev_t dev, ino_t ino, node_key **hit);

#endif
