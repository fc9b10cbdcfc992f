/* inspect_json.c - inspect's report as one JSON object (inspect_print.h).
 * Formatting only: every number is the report's. */
#include "inspect_print.h"

#include <math.h>

#include "anomaly_kind.h"
#include "json.h"

/* A number, or null where there is none (an AUROC needs both classes, a
 * precision a flagged image). */
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
    fprintf(out, ",\n  \"accuracy\": ");
    json_num(out, r->accuracy);
    fprintf(out, ",\n  \"precision\": ");
    json_num(out, r->precision);
    fprintf(out, ",\n  \"recall\": ");
    json_num(out, r->recall);
    fprintf(out, ",\n");
    if (r->masks) {
        fprintf(out, "  \"masks\": ");
        json_string(out, r->masks);
        fprintf(out, ",\n  \"pixel_auroc\": ");
        json_num(out, r->pixel.auroc);
        fprintf(out, ",\n  \"mask_pixels\": %llu,\n  \"defect_pixels\": %llu,\n",
                (unsigned long long)(r->pixel.pos + r->pixel.neg),
                (unsigned long long)r->pixel.pos);
    }
    fprintf(out, "  \"types\": [\n");
    for (int t = 0; t < r->ntypes; t++) {
        const inspect_type *y = &r->types[t];
        fprintf(out, "    {\"type\": ");
        json_string(out, y->name);
        fprintf(out, ", \"images\": %zu, \"flagged\": ", y->n);
        json_num(out, y->flagged);
        if (t) {
            fprintf(out, ", \"auroc\": ");
            json_num(out, y->auroc);
        }
        if (r->masks) {
            fprintf(out, ", \"pixel_auroc\": ");
            json_num(out, r->pixel.type_auroc ? r->pixel.type_auroc[t] : NAN);
        }
        fprintf(out, "}%s\n", t + 1 < r->ntypes ? "," : "");
    }
    fprintf(out, "  ],\n");
}

void inspect_print_json(const inspect_report *r, FILE *out)
{
    const inspect_cfg *c = &r->cfg;
    const anomaly_kind *score = &anomaly_kinds[c->score];
    fprintf(out, "{\n  \"model\": ");
    json_string(out, c->model_path);
    fprintf(out, ",\n  \"score\": \"%s\",\n", score->name);
    if (score->uses_k)
        fprintf(out, "  \"k\": %d,\n", c->k);
    if (c->model && !r->embedding) {
        char what[96];
        embed_feat_name(c->model->shape, r->feat, what, sizeof what);
        fprintf(out, "  \"features\": ");
        json_string(out, what);
        fprintf(out, ",\n  \"layer\": %d,\n", r->feat.layer + 1);
    }
    if (r->pos) {
        fprintf(out, "  \"positions\": [%d, %d],\n  \"local\": %d,\n  \"bank\": %zu,\n"
                "  \"bank_of\": %zu,\n", r->gh, r->gw, c->local > 1 ? c->local : 1, r->bank,
                r->positions);
        fprintf(out, "  \"pixels\": %.9g,\n  \"pixel_weight\": %.9g,\n", c->pixels,
                r->pixel_weight);
        if (c->near >= 0)
            fprintf(out, "  \"near\": %d,\n", c->near);
        else
            fprintf(out, "  \"near\": \"any\",\n");
        if (c->maps) {
            fprintf(out, "  \"maps\": ");
            json_string(out, c->maps);
            fprintf(out, ",\n  \"maps_scale\": [0, %.9g],\n", r->map_top);
        }
    }
    fprintf(out, "  \"references\": %zu,\n  \"threshold\": %.9g,\n  \"threshold_rule\": \"",
            r->ref.n, r->threshold);
    if (c->threshold_set)
        fprintf(out, "given\",\n");
    else
        fprintf(out, "reference_loo_quantile_%g\",\n", c->quantile);
    if (!c->threshold_set && r->calibrated)
        fprintf(out, "  \"calibrated_on\": %zu,\n", r->calibrated);
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
        if (r->pos && c->maps) {
            char map[4608];
            inspect_map_path(r, i, map, sizeof map);
            fprintf(out, ", \"map\": ");
            json_string(out, map);
        }
        fprintf(out, "}%s\n", k + 1 < r->img.n ? "," : "");
    }
    fprintf(out, "  ]\n}\n");
}

