/* eval_print.h - the words of `siamese eval`: pure formatters over the
 * report the library built (eval_report.h), one file each (eval_text.c,
 * eval_json.c). A new output format (HTML, a CSV of the sweep) is one
 * more function of this kind in a file of its own. */
#ifndef SIAMESE_EVAL_PRINT_H
#define SIAMESE_EVAL_PRINT_H

#include <stdio.h>

#include "classes.h"
#include "eval_report.h"
#include "model.h"

/* The report and what it was built from, as the printers name it. */
typedef struct {
    const eval_report *r;
    const model_t *model;     /* epoch, step, seed, head, margin */
    const char *model_path;
    threshold_from from;      /* where r->threshold came from */
    const class_table *names; /* [r->n_classes] the data's class names */
} eval_view;

/* The report for a reader: header, confusion matrix, scores, thresholds,
 * the sweep (when built) and the errors by class. */
void eval_print_text(const eval_view *v, FILE *out);

/* The same as one JSON object. */
void eval_print_json(const eval_view *v, FILE *out);

#endif
