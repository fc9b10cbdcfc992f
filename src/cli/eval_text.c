/* eval_text.c - `siamese eval`'s report as text for a reader
 * (eval_print.h): formatting only, every number comes from the
 * eval_report. */
#include "eval_print.h"

#include "head.h"

/* Model, epoch, seed, head and pair count: the first line. */
static void text_header(const eval_view *v, FILE *out)
{
    const model_t *m = v->model;
    fprintf(out, "model %s: epoch %u", v->model_path, m->epoch);
    if (m->step) /* saved by Ctrl-C inside the next epoch */
        fprintf(out, " and %u steps of epoch %u", m->step, m->epoch + 1);
    fprintf(out, ", seed %llu, distance %s", (unsigned long long)m->cfg.seed,
            head_names[m->head]);
    if (head_has_margin(m->head))
        fprintf(out, " (margin %g)", m->cfg.margin);
    if (v->r->has_pairs)
        fprintf(out, "; %zu test pairs\n\n", v->r->n_test);
    else
        fprintf(out, "; %zu validation pairs\n\n", v->r->n_val);
}

/* A model trained without labels says so, with its validation loss. */
static void text_no_labels(const eval_view *v, FILE *out)
{
    const eval_report *r = v->r;
    char list[128];
    augment_format(&v->model->cfg.augment, list, sizeof list);
    fprintf(out, "This model saw no labels: it was trained on pairs of augmented images\n"
                 "(train --pairs augment, augmentations %s).\n", list);
    fprintf(out, "validation loss %.4f (%zu pairs of held-out images, augmented)\n", r->val_loss,
            r->n_val);
    if (r->has_pairs)
        fprintf(out, "The pair metrics below use this data's classes, which training did not "
                     "see.\n\n");
    else
        fprintf(out, "This data has no classes (one folder of images): no pair metrics.\n");
}

/* The confusion matrix, the scores and the two thresholds' accuracies. */
static void text_scores(const eval_view *v, FILE *out)
{
    const eval_report *r = v->r;
    const confusion_t *m = &r->cm;
    fprintf(out, "Confusion matrix at threshold %g (rows: truth, columns: prediction;\n"
                 "a pair is predicted \"same\" when its distance < %g)\n",
            r->threshold, r->threshold);
    fprintf(out, "%-16s %16s %16s\n", "", "predicted diff.", "predicted same");
    fprintf(out, "%-16s %16llu %16llu\n", "true different", (unsigned long long)m->cell[0][0],
            (unsigned long long)m->cell[0][1]);
    fprintf(out, "%-16s %16llu %16llu\n\n", "true same", (unsigned long long)m->cell[1][0],
            (unsigned long long)m->cell[1][1]);
    fprintf(out, "accuracy   %.4f\n", r->at.accuracy);
    fprintf(out, "precision  %.4f   recall %.4f   F1 %.4f   (of \"same\")\n", r->at.precision,
            r->at.recall, r->at.f1);
    fprintf(out, "ROC AUC    %.4f   equal-error rate %.4f (at threshold %.3f)\n\n", r->roc.auc,
            r->roc.eer, r->roc.eer_threshold);
    fprintf(out, "%-10s %-38s %9s %9s\n", "threshold", "chosen by", "train acc", "test acc");
    fprintf(out, "%-10.3f %-38s %9.4f %9.4f\n", r->threshold,
            v->from == THRESHOLD_OPTION  ? "you (--threshold)"
            : v->from == THRESHOLD_MODEL ? "the model's (stored by train)"
                                         : "default (no threshold stored)",
            r->train_acc_at, r->at.accuracy);
    fprintf(out, "%-10.3f %-38s %9.4f %9.4f\n\n", r->suggested,
            "suggested: best accuracy on train pairs", r->suggested_train_acc,
            r->suggested_test.accuracy);
}

static void text_classes(const eval_view *v, FILE *out)
{
    const eval_report *r = v->r;
    fprintf(out, "Errors by class (test pairs at threshold %g)\n", r->threshold);
    fprintf(out, "%-12s %13s %15s   %s\n", "class", "same, split", "diff., joined",
            "joined most often with");
    const class_table *ct = v->names;
    for (int k = 0; k < r->n_classes; k++) {
        const class_errors_t *c = &r->classes[k];
        int top = class_errors_top_partner(c, r->n_classes);
        char partner[CLASS_NAME_MAX + 32] = "-";
        if (top >= 0)
            snprintf(partner, sizeof partner, "%s (%llu)", ct->names[top],
                     (unsigned long long)c->partner[top]);
        fprintf(out, "%-12s %5llu of %-5llu %6llu of %-6llu   %s\n", ct->names[k],
                (unsigned long long)c->split, (unsigned long long)c->same_pairs,
                (unsigned long long)c->joined, (unsigned long long)c->diff_pairs, partner);
    }
}

void eval_print_text(const eval_view *v, FILE *out)
{
    const eval_report *r = v->r;
    text_header(v, out);
    if (r->no_labels)
        text_no_labels(v, out);
    if (!r->has_pairs)
        return;
    text_scores(v, out);
    if (r->n_sweep) {
        fprintf(out, "Sweep over thresholds (test pairs)\n%-10s %9s %9s %9s %9s\n", "threshold",
                "accuracy", "precision", "recall", "F1");
        for (int i = 0; i < r->n_sweep; i++) {
            const scores_t *s = &r->sweep[i].at;
            fprintf(out, "%-10.2f %9.4f %9.4f %9.4f %9.4f\n", r->sweep[i].threshold,
                    s->accuracy, s->precision, s->recall, s->f1);
        }
        fprintf(out, "\n");
    }
    text_classes(v, out);
}
