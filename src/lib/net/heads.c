/* heads.c - the head table: one row per distance head, each row written
 * by the head's own file. A head's id is its place here, and model files
 * store that id: rows are only ever appended, never reordered. */
#include "head.h"
#include "head_kind.h"

extern const head_kind head_euclidean, head_manhattan, head_cosine, head_learned;

const head_kind *const head_rows[] = {
    &head_euclidean, /* HEAD_EUCLIDEAN = 0 */
    &head_manhattan, /* HEAD_MANHATTAN = 1 */
    &head_cosine,    /* HEAD_COSINE = 2 */
    &head_learned,   /* HEAD_LEARNED = 3 */
};

/* The rows' names, in the same order, as the list --distance parses. */
const char *const head_names[] = {
    head_euclidean.name, head_manhattan.name, head_cosine.name, head_learned.name, NULL,
};

_Static_assert(sizeof head_names / sizeof *head_names ==
                   sizeof head_rows / sizeof *head_rows + 1,
               "one name per row");

uint32_t head_count(void)
{
    return (uint32_t)(sizeof head_rows / sizeof *head_rows);
}
