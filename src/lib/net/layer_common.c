/* layer_common.c - what several layer kinds share (layer_common.h). */
#include "layer_common.h"

#include <string.h>

int layer_parse_word(const char *word, const char *s, size_t n, int *arg)
{
    if (n != strlen(word) || strncmp(s, word, n) != 0)
        return -1;
    *arg = 0;
    return 0;
}

layer_size layer_no_params(layer_dims in, layer_dims out)
{
    (void)in;
    (void)out;
    return (layer_size){0, 0, 0};
}

double layer_no_macs(layer_dims in, layer_dims out)
{
    (void)in;
    (void)out;
    return 0;
}

size_t layer_no_scratch(layer_dims in, layer_dims out)
{
    (void)in;
    (void)out;
    return 0;
}
