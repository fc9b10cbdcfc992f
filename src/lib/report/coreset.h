/* coreset.h - the greedy coreset that thins the patch score's memory bank
 * (patch.h): PatchCore's farthest-point selection (Roth et al., CVPR
 * 2022, section 3.2) on a fixed random projection of the points.
 *
 * T = points, C = features a point, n = points picked.
 */
#ifndef SIAMESE_CORESET_H
#define SIAMESE_CORESET_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "gemm.h"

/* Greedy coreset (PatchCore's farthest-point selection): sel [n] = the
 * indices of n of the T points pts [T, C] (n <= T), in the order picked:
 * first the point farthest from the points' mean, then each round the
 * point whose squared distance to the nearest point picked so far is the
 * largest (ties: the lowest index). Points of more than 16 features are
 * compared on 16: their product (gemm) with a fixed sparse random
 * projection (Achlioptas: +1, 0, -1 with probabilities 1/6, 2/3, 1/6,
 * from splitmix64 of the entry's index), as PatchCore's own coreset
 * projects. Each round updates every point's distance to the new pick as
 * the sum of the 16 squared differences in float, in feature order, an
 * element-wise loop over blocks of 16 points (the same bits on any CPU),
 * the blocks split between `threads` threads (the projection runs on
 * `kernels`): 68 bytes streamed a point a round. The points' spatial
 * order (k-d) and their blocks are made on the same threads; neither the
 * order nor the thread count changes a pick.
 * A point is never picked twice. Returns 0 or -1 with e set (no memory, a
 * path this CPU cannot run). */
int coreset_pick(uint32_t *sel, size_t n, const float *pts, size_t T, int C, int threads,
                 kernels_path kernels, sm_err *e);

/* The bytes the coreset keeps for each reference position, on top of the
 * features themselves: its projection twice (rows, blocks), its distance,
 * its place in the order both ways, its block's centre and radius. */
#define PATCH_CORESET_BYTES 152

#endif
