/* folder_out.h - a folder that appears complete or not at all, the way
 * atomic_file.h writes one file: everything goes into a fresh
 * OUT.tmp-XXXXXX beside OUT (folder_make_tmp), whose files are synced
 * (folder_sync_files) before it is renamed to OUT (folder_publish); a
 * failure removes the temporary folder (folder_remove_tree). The caller
 * holds OUT's lock (file_lock.h) and, as its one writer, removes what
 * killed writers left (folder_remove_stale). */
#ifndef SIAMESE_FOLDER_OUT_H
#define SIAMESE_FOLDER_OUT_H

#include <stddef.h>

#include "err.h"

/* What is at a name, for a caller about to create a folder there. */
typedef enum {
    FOLDER_ABSENT,     /* nothing: may be written */
    FOLDER_EMPTY,      /* an empty folder: may be replaced */
    FOLDER_NOT_EMPTY,  /* a folder with entries */
    FOLDER_NOT_FOLDER, /* something else (a file, a link, a device) */
    FOLDER_UNKNOWN,    /* lstat failed other than ENOENT (*err_no) */
    FOLDER_UNREADABLE, /* a folder that cannot be opened (*err_no) */
} folder_state;

/* What is at path now; *err_no is set for the last two answers. */
folder_state folder_probe(const char *path, int *err_no);

/* rm -rf path: children first, symbolic links not followed, as much as
 * can be removed. */
void folder_remove_tree(const char *path);

/* Removes the folders OUT.tmp-XXXXXX (path.h's temporary names) that
 * writers killed before their rename left beside out. Only for the holder
 * of out's lock. Returns how many were removed. */
int folder_remove_stale(const char *out);

/* Creates tmp[n] = OUT.tmp-XXXXXX with a new folder's mode (the umask's,
 * not mkdtemp's private 0700). Returns 0, or -1 with e set and tmp ""
 * when nothing was created, else tmp naming the folder to remove. */
int folder_make_tmp(char *tmp, size_t n, const char *out, sm_err *e);

/* Syncs the file system holding root: one syncfs for all the files written
 * under it, not one fsync each. Returns 0 or -1 with e set. */
int folder_sync_files(const char *root, sm_err *e);

/* Renames tmp to out (an absent name or an empty folder) and syncs out's
 * folder. Returns 0 or -1 with e set. */
int folder_publish(const char *tmp, const char *out, sm_err *e);

#endif
