/* inspect_text.c - inspect's report as text for a reader (inspect_print.h):
 * the summary, the per-type table of the MVTec layout, the ranking.
 * Formatting only: every number is the report's. */
#include "inspect_print.h"

#include <math.h>

#include "anomaly_kind.h"

/* v with four decimals, or "-" when there is no such figure. */
static void text_num(char *out, size_t n, double v)
{
    if (isfinite(v))
        snprintf(out, n, "%.4f", v);
    else
        snprintf(out, n, "-");
}

/* The overall metrics and one line per type (an AUROC needs good and
 * anomalous images, a pixel AUROC defect and normal pixels, a precision
 * a flagged image: "-" where there is none); the pixel column only with
 * masks. */
static void text_types(const inspect_report *r, FILE *out)
{
    char auc[32], pix[32], acc[32], pre[32], rec[32], fl[32];
    text_num(auc, sizeof auc, r->auroc);
    text_num(acc, sizeof acc, r->accuracy);
    text_num(pre, sizeof pre, r->precision);
    text_num(rec, sizeof rec, r->recall);
    fprintf(out, "\nAUROC %s   accuracy %s   precision %s   recall %s   (anomalous = "
            "not good/)\n", auc, acc, pre, rec);
    if (r->masks) {
        text_num(pix, sizeof pix, r->pixel.auroc);
        fprintf(out, "pixel AUROC %s (%llu pixels, of them %llu defect)\n", pix,
                (unsigned long long)(r->pixel.pos + r->pixel.neg),
                (unsigned long long)r->pixel.pos);
    }
    fprintf(out, "%-20s %7s %8s %9s%s\n", "type", "images", "AUROC", "flagged",
            r->masks ? "  pixel AUROC" : "");
    for (int t = 0; t < r->ntypes; t++) {
        const inspect_type *y = &r->types[t];
        if (t)
            text_num(auc, sizeof auc, y->auroc);
        text_num(fl, sizeof fl, y->flagged);
        fprintf(out, "%-20s %7zu %8s %9s", y->name, y->n, t ? auc : "-", fl);
        if (r->masks) {
            text_num(pix, sizeof pix, r->pixel.type_auroc ? r->pixel.type_auroc[t] : NAN);
            fprintf(out, " %12s", pix);
        }
        fprintf(out, "\n");
    }
}

void inspect_print_text(const inspect_report *r, FILE *out)
{
    const inspect_cfg *c = &r->cfg;
    const anomaly_kind *score = &anomaly_kinds[c->score];
    fprintf(out, "inspect: %zu images against %zu references; %s; score %s", r->img.n,
            r->ref.n, c->model ? c->model_path : "raw pixels (--model none)", score->name);
    if (score->uses_k)
        fprintf(out, " (k = %d)", c->k);
    if (c->model && !r->embedding) {
        char what[96];
        embed_feat_name(c->model->shape, r->feat, what, sizeof what);
        fprintf(out, " on %s", what);
    }
    if (r->pos)
        fprintf(out, " (%d x %d, each averaged over %d x %d), bank %zu of %zu positions", r->gh,
                r->gw, c->local > 1 ? c->local : 1, c->local > 1 ? c->local : 1, r->bank,
                r->positions);
    if (r->pos && c->pixels > 0)
        fprintf(out, ", with the pixels of its %d x %d cell (weight %.6g: %g x the features' "
                "mean norm)", r->cell_h, r->cell_w, r->pixel_weight, c->pixels);
    if (r->pos && c->near >= 0)
        fprintf(out, ", each position against the bank's within %d rows and columns", c->near);
    fprintf(out, "\nthreshold %.6g (", r->threshold);
    if (c->threshold_set)
        fprintf(out, "yours");
    else
        fprintf(out, "%g quantile of the references' leave-one-out scores", c->quantile);
    if (!c->threshold_set && r->calibrated && r->calibrated < r->ref.n)
        fprintf(out, ", %zu of the %zu spread evenly", r->calibrated, r->ref.n);
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

