/* inspect_csv.c - inspect's --csv: one row an image, in rank order
 * (inspect_print.h). */
#include "inspect_print.h"

#include <string.h>

#include "atomic_file.h"
#include "csv.h"

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
