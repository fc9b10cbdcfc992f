/* classes.h - a data set's class table: how many classes, and their names.
 *
 * Labels are indices into the table (0..C-1). Names come from a
 * classes.txt file (one name per line, in label order), from the class
 * folders of an image-folder data set, or are Fashion-MNIST's when the IDX
 * files are Fashion-MNIST's. The table travels with the data and is stored
 * in the model file, so a command never assumes 10 classes.
 */
#ifndef SIAMESE_CLASSES_H
#define SIAMESE_CLASSES_H

#include <stddef.h>

#include "err.h"

#define CLASSES_MIN 2
#define CLASSES_MAX 1000
/* Longest class name in bytes (a folder name on most file systems). */
#define CLASS_NAME_MAX 255

typedef struct {
    int n;        /* C */
    char **names; /* [C] NUL-terminated, non-empty, no control bytes */
} class_table;

/* The ten Fashion-MNIST names ("T-shirt/top", ..., "Ankle boot"). */
int classes_fashion(class_table *t, sm_err *e);

/* Names "0", "1", ..., "n-1" (IDX files without a classes.txt). */
int classes_numbered(class_table *t, int n, sm_err *e);

/* Reads path: one name per line (trailing '\r' and blank last line
 * ignored), CLASSES_MIN..CLASSES_MAX distinct names of 1..CLASS_NAME_MAX
 * bytes without control characters. Returns 0 or -1 with e naming the
 * file, the line and the fault. */
int classes_read(class_table *t, const char *path, sm_err *e);

/* Writes t as a classes.txt to path (atomically). */
int classes_write(const class_table *t, const char *path, sm_err *e);

/* Appends a copy of name (used while scanning folders). */
int classes_add(class_table *t, const char *name, sm_err *e);

/* Index of name in t, or -1. */
int classes_find(const class_table *t, const char *name);

/* 1 when a and b have the same names in the same order. */
int classes_equal(const class_table *a, const class_table *b);

/* Deep copy of src into dst. */
int classes_copy(class_table *dst, const class_table *src, sm_err *e);

/* name with '/' replaced by '-' (a folder name), into out [n]. */
void classes_folder_name(const char *name, char *out, size_t n);

void classes_free(class_table *t);

#endif
