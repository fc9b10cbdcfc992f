/* path.h - a file name's folder, the folder's sync, and the temporary
 * names beside a target (TARGET.tmp-XXXXXX) that writers create and dead
 * writers leave: one spelling for atomic_file.c's files and export's
 * folders. */
#ifndef SIAMESE_PATH_H
#define SIAMESE_PATH_H

#include <stddef.h>

/* What follows the target's name in a temporary name, and how many
 * letters or digits follow that (mkdtemp's and create_tmp's six). */
#define PATH_TMP_TAG ".tmp-"
#define PATH_TMP_RANDOM 6

/* Writes the folder holding path into dir[n] ("." for a bare name, "/"
 * for "/name") and returns path's last component (a pointer into path). */
const char *path_split(const char *path, char *dir, size_t n);

/* fsyncs the folder holding path, so that a rename there reaches the
 * disk; errors are ignored (the data itself was synced before). */
void path_sync_dir(const char *path);

/* Calls fn(full, ctx) for each entry of target's folder named exactly
 * target's name + PATH_TMP_TAG + PATH_TMP_RANDOM letters or digits; full
 * is the entry's name spelled with target's folder as given. Returns the
 * sum of fn's returns (fn returns 1 for each entry it removed). */
int path_each_tmp(const char *target, int (*fn)(const char *full, void *ctx), void *ctx);

#endif
