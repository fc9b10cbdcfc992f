/* layers.c - the layer table: one row per kind of layer, each row written
 * by the kind's own file; and the --layers parser, which asks each row in
 * turn whether an item is its own. A kind's id is its place here (model
 * format 4 stores it): rows are only appended. */
#include <stdlib.h>
#include <string.h>

#include "layer_kind.h"
#include "net.h"

extern const layer_kind layer_dense, layer_conv, layer_pool, layer_gap;

static const layer_kind *const rows[] = {
    &layer_dense, /* LAYER_DENSE = 0 */
    &layer_conv,  /* LAYER_CONV = 1 */
    &layer_pool,  /* LAYER_POOL = 2 */
    &layer_gap,   /* LAYER_GAP = 3 */
};

int layer_kind_count(void)
{
    return (int)(sizeof rows / sizeof *rows);
}

const layer_kind *layer_kind_of(int kind)
{
    return rows[kind];
}

/* The kind whose parse takes the item s [n], its argument in *arg; -1
 * when none does. */
static int parse_item(const char *s, size_t n, int *arg)
{
    for (int k = 0; k < layer_kind_count(); k++)
        if (rows[k]->parse(s, n, arg) == 0)
            return k;
    return -1;
}

int net_parse_layers(const char *s, net_shape *out, sm_err *e)
{
    net_shape n;
    int flat = 0;
    memset(&n, 0, sizeof n);
    if (*s == 0)
        return sm_fail(e, "no layers");
    for (;;) {
        size_t len = strcspn(s, ",");
        int arg, kind = parse_item(s, len, &arg);
        if (n.layers == NET_MAX_LAYERS)
            return sm_fail(e, "more than %d items", NET_MAX_LAYERS);
        if (kind < 0)
            return sm_fail(e, "item %d '%.*s' is no layer", n.layers + 1,
                           (int)(len < 64 ? len : 64), s);
        /* a dense layer flattens: nothing spatial after it */
        if (rows[kind]->spatial && flat)
            return sm_fail(e, "item %d '%.*s' follows a dense layer", n.layers + 1, (int)len, s);
        flat |= !rows[kind]->spatial;
        n.kind[n.layers] = kind;
        n.width[n.layers++] = arg;
        if (s[len] == 0)
            break;
        s += len + 1; /* past the comma: an item must follow */
    }
    *out = n;
    return 0;
}
