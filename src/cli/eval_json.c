/* eval_json.c - `siamese eval --json`: the report as one JSON object
 * (eval_print.h): formatting only, every number comes from the
 * eval_report; strings through the one JSON string writer. */
#include "eval_print.h"

#include "head.h"
#include "json.h"

static void json_scores(FILE *out, const char *name, const scores_t *s, int last)
{
    fprintf(out,
            "  \"%s\": {\"accuracy\": %.6f, \"precision\": %.6f, \"recall\": %.6f, \"f1\": %.6f}%s\n",
            name, s->accuracy, s->precision, s->recall, s->f1, last ? "" : ",");
}

/* A model trained without labels: what it saw and its validation loss
 * (these keys appear for such a model only). */
static void json_no_labels(const eval_view *v, FILE *out)
{
    char list[128];
    augment_format(&v->model->cfg.augment, list, sizeof list);
    fprintf(out, ",\n  \"labels_seen\": false,\n  \"pairs\": \"augment\",\n  \"augment\": ");
    json_string(out, list);
    fprintf(out, ",\n  \"val_loss\": %.6f,\n  \"val_pairs\": %zu,\n  \"pair_metrics\": %s",
            v->r->val_loss, v->r->n_val, v->r->has_pairs ? "\"on the data's classes\"" : "null");
}

/* Everything before the sweep. */
static void json_head(const eval_view *v, FILE *out)
{
    const eval_report *r = v->r;
    const confusion_t *m = &r->cm;
    fprintf(out, "{\n  \"model\": ");
    json_string(out, v->model_path);
    if (r->no_labels)
        json_no_labels(v, out);
    if (!r->has_pairs) {
        fprintf(out, ",\n  \"distance\": \"%s\",\n  \"epoch\": %u,\n  \"seed\": %llu\n}\n",
                head_names[v->model->head], v->model->epoch,
                (unsigned long long)v->model->cfg.seed);
        return;
    }
    fprintf(out,
            ",\n  \"distance\": \"%s\",\n  \"epoch\": %u,\n  \"seed\": %llu,\n  \"test_pairs\": "
            "%zu,\n  \"train_pairs\": %zu,\n",
            head_names[v->model->head], v->model->epoch,
            (unsigned long long)v->model->cfg.seed, r->n_test, r->n_train);
    fprintf(out, "  \"threshold\": %.6f,\n  \"threshold_from\": \"%s\",\n", r->threshold,
            threshold_from_names[v->from]);
    fprintf(out, "  \"confusion_matrix\": {\"layout\": \"rows true [different, same], columns "
                 "predicted [different, same]\", \"cells\": [[%llu, %llu], [%llu, %llu]]},\n",
            (unsigned long long)m->cell[0][0], (unsigned long long)m->cell[0][1],
            (unsigned long long)m->cell[1][0], (unsigned long long)m->cell[1][1]);
    json_scores(out, "test", &r->at, 0);
    fprintf(out, "  \"train_accuracy\": %.6f,\n", r->train_acc_at);
    fprintf(out, "  \"roc_auc\": %.6f,\n  \"eer\": %.6f,\n  \"eer_threshold\": %.6f,\n",
            r->roc.auc, r->roc.eer, r->roc.eer_threshold);
    fprintf(out, "  \"suggested\": {\"threshold\": %.6f, \"chosen_on\": \"train pairs\", "
                 "\"train_accuracy\": %.6f, \"test_accuracy\": %.6f},\n",
            r->suggested, r->suggested_train_acc, r->suggested_test.accuracy);
}

static void json_classes(const eval_view *v, FILE *out)
{
    const eval_report *r = v->r;
    const class_table *ct = v->names;
    fprintf(out, "  \"classes\": [\n");
    for (int k = 0; k < r->n_classes; k++) {
        const class_errors_t *c = &r->classes[k];
        int top = class_errors_top_partner(c, r->n_classes);
        fprintf(out, "    {\"class\": ");
        json_string(out, ct->names[k]);
        fprintf(out,
                ", \"same_pairs\": %llu, \"split\": %llu, \"different_pairs\": %llu, "
                "\"joined\": %llu, \"joined_most_with\": ",
                (unsigned long long)c->same_pairs, (unsigned long long)c->split,
                (unsigned long long)c->diff_pairs, (unsigned long long)c->joined);
        if (top >= 0) {
            json_string(out, ct->names[top]);
            fprintf(out, ", \"joined_most_with_count\": %llu}",
                    (unsigned long long)c->partner[top]);
        } else {
            fprintf(out, "null, \"joined_most_with_count\": 0}");
        }
        fprintf(out, "%s\n", k + 1 < r->n_classes ? "," : "");
    }
    fprintf(out, "  ]\n}\n");
}

void eval_print_json(const eval_view *v, FILE *out)
{
    const eval_report *r = v->r;
    json_head(v, out);
    if (!r->has_pairs)
        return;
    if (r->n_sweep) {
        fprintf(out, "  \"sweep\": [\n");
        for (int i = 0; i < r->n_sweep; i++) {
            const scores_t *s = &r->sweep[i].at;
            fprintf(out,
                    "    {\"threshold\": %.2f, \"accuracy\": %.6f, \"precision\": %.6f, "
                    "\"recall\": %.6f, \"f1\": %.6f}%s\n",
                    r->sweep[i].threshold, s->accuracy, s->precision, s->recall, s->f1,
                    i + 1 < r->n_sweep ? "," : "");
        }
        fprintf(out, "  ],\n");
    }
    json_classes(v, out);
}
