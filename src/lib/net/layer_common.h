/* layer_common.h - pieces several rows of the layer table (layer_kind.h)
 * share, so that each kind's file holds only what is its own: the word
 * item of a kind with no argument, and the answers of a kind with no
 * parameters and no scratch (pool, gap; dense has no scratch). */
#ifndef SIAMESE_LAYER_COMMON_H
#define SIAMESE_LAYER_COMMON_H

#include <stddef.h>

#include "layer_kind.h"

/* parse for a kind whose item is exactly `word` ("pool"): 0 with *arg = 0
 * when s [n] is that word, else -1. */
int layer_parse_word(const char *word, const char *s, size_t n, int *arg);

/* No parameters: rows = row = tail = 0. */
layer_size layer_no_params(layer_dims in, layer_dims out);

/* No multiply-adds worth counting (pooling compares and adds). */
double layer_no_macs(layer_dims in, layer_dims out);

/* No scratch floats. */
size_t layer_no_scratch(layer_dims in, layer_dims out);

#endif
