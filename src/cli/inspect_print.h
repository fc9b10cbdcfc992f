/* inspect_print.h - the words of `siamese inspect`: pure formatters over
 * the report the library built (inspect_report.h), one file each: the text
 * (inspect_text.c) and JSON (inspect_json.c) printed, the CSV file
 * (inspect_csv.c, --csv), the PNG contact sheet (inspect_sheet.c,
 * --report), the anomaly maps (inspect_maps.c, --maps), and all of them in
 * their order (inspect_output.c). A new format (an HTML report) is one
 * more file of this kind and its option in cmd_inspect.c. */
#ifndef SIAMESE_INSPECT_PRINT_H
#define SIAMESE_INSPECT_PRINT_H

#include <stdio.h>

#include "err.h"
#include "outputs.h"
#include "inspect_report.h"

/* The summary, the per-type table (MVTec layout) and the ranking as text. */
void inspect_print_text(const inspect_report *r, FILE *out);

/* Everything as one JSON object. */
void inspect_print_json(const inspect_report *r, FILE *out);

/* rank,path,score,flagged,nearest,type, one image a row in rank order,
 * written atomically to path. Returns 0 or -1 with e set. */
int inspect_write_csv(const inspect_report *r, const char *path, sm_err *e);

/* A PNG contact sheet of the `top` most anomalous images, each beside its
 * nearest reference, with the patch score its anomaly map between them
 * (path "-": standard output). Returns 0 or -1. */
int inspect_write_sheet(const inspect_report *r, long top, const char *path, sm_err *e);

/* --maps: each image's anomaly map as a PNG in r->cfg.maps (made when
 * absent), named by inspect_map_path, written atomically, after checking
 * that no map file is one of the inputs read[0..n_read) or inside one
 * (outputs.h). Returns 0 or -1 with e naming the file. */
int inspect_write_maps(const inspect_report *r, const input_file *read, size_t n_read,
                       sm_err *e);

/* PNG files in r->cfg.maps that are not this run's maps (an earlier run's
 * with more images or other names: a run never deletes them, so
 * inspect_print_all says they are there). 0 when the folder is unreadable. */
size_t inspect_other_maps(const inspect_report *r);

/* The notes on standard error, one line each: the files of the sets
 * skipped as not images by name, the images that are also references. */
void inspect_print_notes(const inspect_report *r);

/* The text (json 0) or JSON on standard output, on standard error when
 * the sheet goes to standard output (sheet "-"); then the CSV (csv, or
 * NULL), the sheet of the `top` most anomalous (sheet, or NULL) and the
 * maps (r->cfg.maps). Returns 0, or 1 after one line on standard error. */
int inspect_print_all(const inspect_report *r, int json, const char *csv, const char *sheet,
                      long top);

#endif
