/* patch.h - the patch score (PatchCore: Roth et al., "Towards Total Recall
 * in Industrial Anomaly Detection", CVPR 2022): every position of a conv
 * layer's output is a feature vector (embed.h, EMBED_POSITIONS); the
 * references' positions form a memory bank, thinned to --bank entries by
 * greedy coreset selection; a position's score is its euclidean distance
 * to the nearest bank entry, an image's score its highest position score,
 * and its position scores, upsampled, are its anomaly map.
 *
 * N = images, M = references, P = positions per image (gh x gw), C =
 * features per position, T = M * P positions of the references, B = bank
 * entries. Distances: a product (gemm.h, on the configured path) of a tile
 * of 256 positions by 2,048 bank entries ranks the entries by
 * |b|^2 - 2 x.b on rows centred on the bank's mean (one rounding: the
 * product by 2 is exact), keeping the 4 smallest (the best and 3 spares
 * against the ranking's rounding), whose exact euclidean distances
 * (head_distance, HEAD_EUCLIDEAN: sqrt of the sum of squares, at least
 * sqrt(1e-7)) decide, ties by entry index. Work is split between threads
 * by tiles of positions (the outputs): the same bits for any thread count
 * and, on gemm's own paths, any path. No N*P x B matrix is ever held.
 */
#ifndef SIAMESE_PATCH_H
#define SIAMESE_PATCH_H

#include <stddef.h>
#include <stdint.h>

#include "coreset.h"
#include "err.h"
#include "gemm.h"

/* --near any: every position is compared with every bank entry. */
#define PATCH_ANYWHERE (-1)
/* The largest R of --near (a search unit holds 2 R + 1 ranges of entries). */
#define PATCH_MAX_NEAR 64

typedef struct {
    size_t bank;          /* entries kept by the coreset; 0 or >= T: every position */
    int threads;          /* worker threads */
    kernels_path kernels; /* the products' path (auto: the best own) */
    /* With gw > 0 (the positions are a grid gw wide, P = gh * gw) and
     * near = R >= 0, a position is compared only with the bank entries of
     * the grid positions within R rows and R columns of its own, and the
     * bank keeps its entries position by position (patch_bank_build).
     * gw = 0 or near = PATCH_ANYWHERE: every entry (PatchCore). */
    int near;
    int gw;
} patch_cfg;

/* The memory bank. */
typedef struct {
    float *x;        /* [B, C] entries, in the order of the positions they are */
    uint32_t *owner; /* [B] the reference each came from (0 .. M-1) */
    size_t B;
    int C;
    int near, gw;    /* as patch_cfg's; near = PATCH_ANYWHERE when gw was 0 */
    size_t *start;   /* [P + 1] with near >= 0: position p's entries are
                        start[p] .. start[p + 1] - 1 (NULL: anywhere) */
} patch_bank;

/* The greedy coreset of coreset.h (coreset_pick) on cfg's threads and
 * kernel path: sel [n] = n of the T points pts [T, C], in the order
 * picked. Returns 0 or -1 with e set. */
int patch_coreset(uint32_t *sel, size_t n, const float *pts, size_t T, int C,
                  const patch_cfg *cfg, sm_err *e);

/* The most reference positions a bank is built from. */
#define PATCH_MAX_POSITIONS ((size_t)1 << 24)

/* 0 when M references of P positions of C features fit the limits
 * (PATCH_MAX_POSITIONS, and 8 GiB of features), else -1 with e saying
 * which, and what to do (fewer references, a smaller --size, a later
 * layer). Checked before anything is embedded. */
int patch_check_size(size_t M, int P, int C, sm_err *e);

/* The bytes the patch score holds at most for M references and N images
 * of P positions of C features with a bank of `bank` entries (0: all):
 * the features of both sets, the coreset's projection and blocks, the
 * bank and its transposed copy, the search's centred queries and the
 * scores (the calibration's queries: PATCH_CALIBRATE references at
 * most). *feat, *coreset and *search (unless NULL) get the three parts. */
double patch_memory(size_t M, size_t N, int P, int C, size_t bank, double *feat,
                    double *coreset, double *search);

/* 0 when patch_memory fits in `avail` bytes (mem_available, memory.h;
 * `limit` names it), else -1 with e giving both sizes, the parts, and
 * what to change: fewer references, a later layer with fewer positions
 * or features (--features layer:K), a smaller --size, or (when the bank
 * is the larger part) a smaller --bank. Checked before anything is
 * embedded, so that a job too large for the machine ends with this
 * message instead of the OOM killer. */
int patch_check_memory(size_t M, size_t N, int P, int C, size_t bank, size_t avail,
                       const char *limit, sm_err *e);

/* b from the references' positions ref [M, P, C]: all T of them, or
 * cfg->bank picked by patch_coreset (kept in position order). With
 * cfg->near >= 0 (and cfg->gw > 0) the bank is built position by position:
 * each position keeps its M entries, or max(2, ceil(bank / P)) of them
 * picked by patch_coreset among its M (at most M), ordered by position,
 * then by reference. Returns 0 or -1 with e set; patch_bank_free in both
 * cases. */
int patch_bank_build(patch_bank *b, const float *ref, size_t M, int P, int C,
                     const patch_cfg *cfg, sm_err *e);

void patch_bank_free(patch_bank *b);

/* pos [N, P] = each position's distance to its nearest bank entry, score
 * [N] = the largest of an image's, nearest [N] = the reference owning the
 * entry nearest to that position, for images x [N, P, C]. With
 * leave_one_out x is the references themselves (N = M) and image i skips
 * the entries it owns (the threshold's calibration). Returns 0 or -1 with
 * e set (no memory; with leave_one_out, a bank of one reference's
 * entries). */
int patch_scores(const patch_bank *b, const float *x, size_t N, int P, const patch_cfg *cfg,
                 int leave_one_out, float *pos, float *score, uint32_t *nearest, sm_err *e);

/* PatchCore's locally aware features: feat [n, gh, gw, C] in place, each
 * position's C features replaced by their mean over the side x side
 * positions around it (side odd, 1 = unchanged), the neighbourhood cut
 * at the grid's edges (the mean of the positions inside): first along
 * each row (the sum in column order over the neighbours inside, divided
 * by their count), then the same along each column of that. One fixed
 * order of float operations: the same bits on any CPU. Returns 0 or -1
 * with e set (no memory for one image's scratch). */
int patch_local(float *feat, size_t n, int gh, int gw, int C, int side, sm_err *e);

/* The references the threshold is calibrated on, at most (patch_calibrate):
 * a 0.95 quantile of 1,000 scores is within about 0.7 % of the
 * distribution of the whole, and the search then costs 1,000 references'
 * positions however many there are. */
#define PATCH_CALIBRATE 1000

/* score [n] = the leave-one-out scores (patch_scores with leave_one_out)
 * of n = min(M, cap) of the references ref [M, P, C] (cap 0: all), spread
 * evenly: reference floor(i M / n) for i = 0 .. n-1, each against the
 * bank's entries of the other references. Returns 0 or -1 with e set (as
 * patch_scores). */
int patch_calibrate(const patch_bank *b, const float *ref, size_t M, int P, size_t cap,
                    const patch_cfg *cfg, float *score, size_t *n, sm_err *e);

/* out [H, W] = map [gh, gw] upsampled bilinearly, each pixel's centre
 * mapped to the grid at (y + 0.5) gh / H - 0.5 and clamped to its edges
 * (PyTorch's interpolate(mode="bilinear", align_corners=False)). */
void patch_upsample(float *out, int H, int W, const float *map, int gh, int gw);

#endif
