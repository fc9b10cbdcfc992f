/* export.h - a data set (any source dataset_open reads) written as image
 * folders, the layout the folder loader reads:
 *   ROOT/classes.txt                    class order and real names
 *   ROOT/train/<class>/<index>.png      grey 8-bit PNG, one per image
 *                                       (RGB 8-bit for 3-channel data)
 *   ROOT/test/<class>/<index>.png
 * <class> is classes_folder_name (T-shirt/top -> T-shirt-top); <index> is
 * the image's index in its split, zero-padded to the digits of n - 1, so
 * the loader's bytewise order keeps each class's images in split order and
 * training from the export builds the same pairs as from the source.
 * ROOT is normally a temporary folder that folder_out.h then publishes. */
#ifndef SIAMESE_EXPORT_H
#define SIAMESE_EXPORT_H

#include <stddef.h>

#include "classes.h"
#include "dataset.h"
#include "err.h"

/* One class folder name, [CLASS_NAME_MAX + 1]. */
typedef char export_folder[CLASS_NAME_MAX + 1];

/* folders [ct->n]: every class's folder name. Returns 0, or -1 with *a the
 * class whose folder would be hidden (the loader skips names starting with
 * '.'; *b = -1), or *a < *b two classes mapped to the same folder. */
int export_folder_names(const class_table *ct, export_folder *folders, int *a, int *b);

/* What export_dataset asks of its caller while it writes. */
typedef struct {
    /* Non-zero: stop before the next image (a signal was noted). */
    int (*stop)(void);
    /* Images written so far of total, every 256 of the first thread's;
     * NULL: none. */
    void (*progress)(size_t done, size_t total);
} export_hooks;

/* The folder tree under root (an existing empty folder), classes.txt and
 * every image of both splits, encoded on `threads` threads (each file
 * depends only on its image: the same files for any thread count), then
 * synced (folder_sync_files). Returns 0, 1 when h->stop stopped it, or -1
 * with e set (naming the first failing file in split order). */
int export_dataset(const dataset_t *ds, const export_folder *folders, const char *root,
                   int threads, const export_hooks *h, sm_err *e);

#endif
