/* inspect_formats.c - inspect's report as text, JSON, CSV and a PNG sheet
 * (inspect_formats.h). Only words here: every number is the report's. */
#include "inspect_formats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "anomaly_kind.h"
#include "atomic_file.h"
#include "csv.h"
#include "json.h"
#include "sheet.h"

static const char *score_name(const inspect_report *r)
{
    return anomaly_kinds[r->cfg.score].name;
}

/* v with four decimals, or "-" when there is no such figure. */
static void text_num(char *out, size_t n, double v)
{
    if (isfinite(v))
        snprintf(out, n, "%.4f", v);
    else
        snprintf(out, n, "-");
}

/* The overall metrics and one line per type (an AUROC needs good and
 * anomalous images: "-" where there is none). */
static void text_types(const inspect_report *r, FILE *out)
{
    char auc[32];
    text_num(auc, sizeof auc, r->auroc);
    fprintf(out, "\nAUROC %s   accuracy %.4f   precision %.4f   recall %.4f   (anomalous = "
            "not good/)\n", auc, r->accuracy, r->precision, r->recall);
    fprintf(out, "%-20s %7s %8s %9s\n", "type", "images", "AUROC", "flagged");
    for (int t = 0; t < r->ntypes; t++) {
        const inspect_type *y = &r->types[t];
        if (t)
            text_num(auc, sizeof auc, y->auroc);
        fprintf(out, "%-20s %7zu %8s %9.4f\n", y->name, y->n, t ? auc : "-", y->flagged);
    }
}

void inspect_print_text(const inspect_report *r, FILE *out)
{
    const inspect_cfg *c = &r->cfg;
    fprintf(out, "inspect: %zu images against %zu references; %s; score %s", r->img.n,
            r->ref.n, c->model ? c->model_path : "raw pixels (--model none)", score_name(r));
    if (anomaly_kinds[c->score].uses_k)
        fprintf(out, " (k = %d)", c->k);
    fprintf(out, "\nthreshold %.6g (", r->threshold);
    if (c->threshold_set)
        fprintf(out, "yours");
    else
        fprintf(out, "%g quantile of the references' leave-one-out scores", c->quantile);
    fprintf(out, "); %zu flagged\n", r->n_flagged);
    if (r->ntypes)
        text_types(r, out);
    fprintf(out, "\nrank\tscore\tflagged\t%spath\tnearest\n", r->ntypes ? "type\t" : "");
    for (size_t k = 0; k < r->img.n; k++) {
        size_t i = r->rank[k];
        fprintf(out, "%zu\t%.6f\t%s\t", k + 1, r->score[i], r->flagged[i] ? "yes" : "no");
        if (r->ntypes)
            fprintf(out, "%s\t", inspect_type_name(r, i));
        fprintf(out, "%s\t%s\n", r->img.paths[i], r->ref.paths[r->nearest[i]]);
    }
}

/* A number, or null where there is none (an AUROC needs both classes). */
static void json_num(FILE *out, double v)
{
    if (isfinite(v))
        fprintf(out, "%.6f", v);
    else
        fprintf(out, "null");
}

static void json_types(const inspect_report *r, FILE *out)
{
    fprintf(out, "  \"auroc\": ");
    json_num(out, r->auroc);
    fprintf(out, ",\n  \"accuracy\": %.6f,\n  \"precision\": %.6f,\n  \"recall\": %.6f,\n"
            "  \"types\": [\n", r->accuracy, r->precision, r->recall);
    for (int t = 0; t < r->ntypes; t++) {
        const inspect_type *y = &r->types[t];
        fprintf(out, "    {\"type\": ");
        json_string(out, y->name);
        fprintf(out, ", \"images\": %zu, \"flagged\": %.6f", y->n, y->flagged);
        if (t) {
            fprintf(out, ", \"auroc\": ");
            json_num(out, y->auroc);
        }
        fprintf(out, "}%s\n", t + 1 < r->ntypes ? "," : "");
    }
    fprintf(out, "  ],\n");
}

void inspect_print_json(const inspect_report *r, FILE *out)
{
    const inspect_cfg *c = &r->cfg;
    fprintf(out, "{\n  \"model\": ");
    json_string(out, c->model_path);
    fprintf(out, ",\n  \"score\": \"%s\",\n", score_name(r));
    if (anomaly_kinds[c->score].uses_k)
        fprintf(out, "  \"k\": %d,\n", c->k);
    fprintf(out, "  \"references\": %zu,\n  \"threshold\": %.9g,\n  \"threshold_rule\": \"",
            r->ref.n, r->threshold);
    if (c->threshold_set)
        fprintf(out, "given\",\n");
    else
        fprintf(out, "reference_loo_quantile_%g\",\n", c->quantile);
    if (r->ntypes)
        json_types(r, out);
    fprintf(out, "  \"images\": [\n");
    for (size_t k = 0; k < r->img.n; k++) {
        size_t i = r->rank[k];
        fprintf(out, "    {\"rank\": %zu, \"path\": ", k + 1);
        json_string(out, r->img.paths[i]);
        fprintf(out, ", \"score\": %.9g, \"flagged\": %s, \"nearest\": ", r->score[i],
                r->flagged[i] ? "true" : "false");
        json_string(out, r->ref.paths[r->nearest[i]]);
        if (r->ntypes) {
            fprintf(out, ", \"type\": ");
            json_string(out, inspect_type_name(r, i));
        }
        fprintf(out, "}%s\n", k + 1 < r->img.n ? "," : "");
    }
    fprintf(out, "  ]\n}\n");
}

int inspect_write_csv(const inspect_report *r, const char *path, sm_err *e)
{
    atomic_file a;
    if (atomic_open(&a, path, e) != 0)
        return -1;
    const char *head = "rank,path,score,flagged,nearest,type\n";
    atomic_write(&a, head, strlen(head));
    for (size_t k = 0; k < r->img.n; k++) {
        size_t i = r->rank[k];
        char num[64];
        snprintf(num, sizeof num, "%zu,", k + 1);
        atomic_write(&a, num, strlen(num));
        csv_field(&a, r->img.paths[i]);
        snprintf(num, sizeof num, ",%.9g,%d,", r->score[i], r->flagged[i]);
        atomic_write(&a, num, strlen(num));
        csv_field(&a, r->ref.paths[r->nearest[i]]);
        atomic_write(&a, ",", 1);
        csv_field(&a, inspect_type_name(r, i));
        atomic_write(&a, "\n", 1);
    }
    return atomic_commit(&a, e);
}

int inspect_write_sheet(const inspect_report *r, long top, const char *path, sm_err *e)
{
    size_t n = r->img.n < (size_t)top ? r->img.n : (size_t)top;
    size_t P = (size_t)r->in.width * r->in.height;
    sheet_cell *cells = calloc(n + 1, sizeof *cells);
    if (!cells)
        return sm_fail(e, "out of memory for the report");
    for (size_t k = 0; k < n; k++) {
        size_t i = r->rank[k];
        cells[k] = (sheet_cell){r->img.px + i * P, r->ref.px + (size_t)r->nearest[i] * P,
                                r->score[i], r->flagged[i],
                                r->ntypes ? inspect_type_name(r, i) : NULL};
    }
    char title[256];
    snprintf(title, sizeof title, "the %zu most anomalous of %zu images (score %s, threshold "
             "%.4g)", n, r->img.n, score_name(r), r->threshold);
    canvas_t c;
    int w = (int)r->in.width, h = (int)r->in.height;
    int rc = sheet_render(&c, cells, n, w, h, 4, sheet_scale_for(w, h, 96), title, e);
    free(cells);
    if (rc == 0) {
        rc = canvas_save_png(&c, path, e);
        canvas_free(&c);
    }
    return rc;
}
