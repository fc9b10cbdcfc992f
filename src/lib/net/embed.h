/* embed.h - from image bytes to network inputs and embeddings.
 *
 * P = values per image (channels * rows * cols), H = embedding width.
 */
#ifndef SIAMESE_EMBED_H
#define SIAMESE_EMBED_H

#include <stddef.h>
#include <stdint.h>

#include "dataset.h"
#include "err.h"
#include "gemm.h"
#include "model.h"
#include "net.h"
#include "pairs.h"

/* x [n, P] = images[idx[i]] / 255 as float32 (the notebook's input). */
void gather_images(float *x, const uint8_t *images, size_t P, const uint32_t *idx, size_t n);

/* emb [s->n, H]: embeds, in evaluation mode (no dropout), every image i of
 * s with lo <= i < hi and used[i] != 0 (all when used is NULL),
 * c->max_rows at a time; other rows of emb are left untouched, so threads
 * can embed disjoint ranges. */
void embed_range(float *emb, const float *params, net_cache *c, const split_t *s,
                 const uint8_t *used, size_t lo, size_t hi);

/* used [n_images] = 1 for every image that appears in a pair of p. */
void pairs_mark_used(uint8_t *used, size_t n_images, const pairs_t *p);

/* d [p->n] = the head's dissimilarity (head.h; hp its parameters) between
 * the embeddings emb [*, H] of each pair's two images. */
void pair_distances(float *d, const float *emb, uint32_t head, const float *hp, int H,
                    const pairs_t *p);

/* emb [n, H] = embeddings, in evaluation mode, of the images [n, P]
 * (bytes, P = shape.in) whose used[i] is non-zero (all when used is NULL;
 * other rows are left as they are), on kernel path k (gemm.h; auto = the
 * best own path). Images [1024 k, 1024 (k+1)) form one batch, the blocks
 * shared out between `threads` worker threads: a row never depends on the
 * thread count on any path (nor, on the exact paths, on anything but the
 * image and the parameters). Returns 0 or -1 with e set (no memory, a
 * path this CPU cannot run, or an embedding with inf or nan in it). */
int embed_images(float *emb, const float *params, net_shape shape, const uint8_t *images,
                 size_t n, const uint8_t *used, int threads, kernels_path k, sm_err *e);

/* Which activations describe an image (embed's and inspect's --features):
 * layer `layer` (0-based) of the network, taken as
 *   EMBED_FLAT       its output as it is, C*H*W floats in C, H, W order (a
 *                    dense layer, the embedding, a 1 x 1 spatial output);
 *   EMBED_POOLED     each channel's mean over the H*W positions, C floats,
 *                    summed as the gap layer sums (gap.h: float additions in
 *                    row-major order, one division), so a conv layer's
 *                    pooled features are the bits a gap row after it gives;
 *   EMBED_POSITIONS  one vector of C per position, [H*W, C], positions in
 *                    row-major order (the patch score's memory bank). */
typedef enum { EMBED_FLAT = 0, EMBED_POOLED, EMBED_POSITIONS } embed_mode;

typedef struct {
    int layer;
    embed_mode mode;
} embed_feat;

/* Floats of one image's features under f. */
size_t embed_feat_floats(net_shape s, embed_feat f);

/* The features --features names for a model of shape s: spec "embedding"
 * (the last layer, flat), "auto" (the pooled output of the last conv layer
 * for a network with one, else the embedding) or "layer:K" (K = 1 .. L as
 * --layers counts its items; pooled when its output has positions, else
 * flat). With `positions` (the patch score) the layer must have 2 or more
 * positions and the mode is EMBED_POSITIONS; "auto" then takes the last
 * pool layer with at least 2 x 2 positions, else the last spatial layer
 * with that many (PatchCore's mid-level features). Returns 0, or -1 with e
 * naming the item and the layer count. */
int embed_feat_resolve(const char *spec, net_shape s, int positions, embed_feat *f, sm_err *e);

/* The syntax alone (no model yet): *K = 0 for auto, -1 for embedding, K
 * for layer:K (1..NET_MAX_LAYERS). Returns 0 or -1 with e set. */
int embed_feat_parse(const char *spec, int *K, sm_err *e);

/* "layer 3 (conv64) pooled": what f takes, for messages and reports. */
void embed_feat_name(net_shape s, embed_feat f, char *buf, size_t n);

/* out [n, F] (F = embed_feat_floats) = the features f of the images
 * [n, P] (bytes, P = shape.in), in evaluation mode, of the images whose
 * used[i] is non-zero (all when used is NULL; other rows are left as they
 * are). The network runs up to layer f.layer only, in the fixed blocks
 * embed_images uses (blocks of fewer images when a row's activations are
 * large), shared out between `threads` threads: the same bits for any
 * thread count and, on the exact paths, any path. Returns 0 or -1 with e
 * set (as embed_images). embed_images is this call with the embedding. */
int embed_features(float *out, const float *params, net_shape shape, const uint8_t *images,
                   size_t n, const uint8_t *used, embed_feat f, int threads, kernels_path k,
                   sm_err *e);

/* d [p->n] = distance of every pair of p (pairs of split s) under model
 * m (its network and head), in evaluation mode, each distinct image
 * embedded once (embed_images on `threads` threads and path k). *dead
 * (unless NULL) = 1 when every embedding was all zero (a dead network).
 * Allocates its scratch; returns 0 or -1 with e set (as embed_images, or
 * a distance that is not finite). */
int distances_for_pairs(float *d, const model_t *m, const split_t *s, const pairs_t *p,
                        int threads, kernels_path k, int *dead, sm_err *e);

/* *loss = the mean head loss (head_loss_sum, summed in pair order) of
 * pairs p of split s under m in evaluation mode: distances_for_pairs,
 * then the losses. *dead as there. 0, or -1 with e set. */
int mean_loss_for_pairs(double *loss, const model_t *m, const split_t *s, const pairs_t *p,
                        int threads, kernels_path k, int *dead, sm_err *e);

#endif
