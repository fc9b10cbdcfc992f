/* masks.c - the defect masks of inspected images in MVTec AD's layout
 * (masks.h). n = images, W x H = the model's image size. */
#include "masks.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "image.h"
#include "names.h"
#include "pool.h"

static int is_folder(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int masks_find(const char *root, const char *given, char **dir, sm_err *e)
{
    *dir = NULL;
    if (given) {
        if (!is_folder(given))
            return sm_fail(e, "%s: not a folder: expected the masks' folder, "
                           "DIR/<type>/<name>_mask.png for each defect image", given);
        if (!(*dir = strdup(given)))
            return sm_fail(e, "out of memory");
        return 0;
    }
    /* root without its trailing slashes, then without its last component */
    size_t len = strlen(root);
    while (len > 1 && root[len - 1] == '/')
        len--;
    size_t cut = len;
    while (cut > 0 && root[cut - 1] != '/')
        cut--;
    const char *last = root + cut;
    size_t last_len = len - cut;
    char *gt;
    int dots = (last_len == 1 && last[0] == '.') || (last_len == 2 && !strncmp(last, "..", 2));
    if (dots) /* "x/.." has no name to replace: go up from it */
        gt = malloc(len + sizeof "/../ground_truth");
    else
        gt = malloc(cut + sizeof "ground_truth");
    if (!gt)
        return sm_fail(e, "out of memory");
    if (dots)
        sprintf(gt, "%.*s/../ground_truth", (int)len, root);
    else
        sprintf(gt, "%.*sground_truth", (int)cut, root);
    if (is_folder(gt))
        *dir = gt;
    else
        free(gt);
    return 0;
}

char *masks_path(const char *dir, const char *root, const char *path)
{
    const char *rel = names_under(root, path);
    const char *slash = strrchr(rel, '/'), *dot = strrchr(rel, '.');
    size_t stem = dot && (!slash || dot > slash) ? (size_t)(dot - rel) : strlen(rel);
    size_t size = stem + sizeof "_mask.png";
    char *name = malloc(size);
    if (!name)
        return NULL;
    snprintf(name, size, "%.*s_mask.png", (int)stem, rel);
    size += strlen(dir) + 1;
    char *m = malloc(size);
    if (m)
        names_join(m, size, dir, name);
    free(name);
    return m;
}

/* One defect image's mask into out [H, W]. */
static int load_one(const char *dir, const char *root, const char *path, int W, int H,
                    uint8_t *out, sm_err *e)
{
    char *mp = masks_path(dir, root, path);
    if (!mp)
        return sm_fail(e, "out of memory");
    struct stat st;
    int rc = 0, iw, ih;
    grey_image m;
    memset(&m, 0, sizeof m);
    if (stat(mp, &st) != 0)
        rc = sm_fail(e, "%s: a defect image without its mask: %s: %s", path, mp, strerror(errno));
    else if (image_load_grey(mp, &m, e) != 0 || image_size(path, &iw, &ih, e) != 0)
        rc = -1;
    else if (m.w != iw || m.h != ih)
        rc = sm_fail(e, "%s: mask of %d x %d pixels for an image of %d x %d (%s): a mask has "
                     "its image's size", mp, m.w, m.h, iw, ih, path);
    if (rc == 0) {
        size_t defect = 0, np = (size_t)m.w * (size_t)m.h;
        for (size_t i = 0; i < np; i++)
            defect += m.px[i] > 127;
        if (defect == 0)
            rc = sm_fail(e, "%s: no pixel above 127 in the mask of the defect image %s: a mask "
                         "marks defects white (255) on black (0) in grey", mp, path);
    }
    for (int y = 0; rc == 0 && y < H; y++) {
        size_t sy = (size_t)(2 * (long long)y + 1) * (size_t)m.h / (2 * (size_t)H);
        for (int x = 0; x < W; x++) {
            size_t sx = (size_t)(2 * (long long)x + 1) * (size_t)m.w / (2 * (size_t)W);
            out[(size_t)y * (size_t)W + (size_t)x] = m.px[sy * (size_t)m.w + sx] > 127;
        }
    }
    image_free(&m);
    free(mp);
    return rc;
}

typedef struct {
    const char *dir, *root;
    char *const *paths;
    const int *type;
    size_t n;
    int W, H, threads;
    uint8_t *truth;          /* [n, H, W] */
    atomic_size_t first_bad; /* lowest failing index so far, n if none */
    sm_err *errs;            /* [threads] each worker's first error */
    size_t *bad_at;          /* [threads] its index */
} mask_job;

static void mask_worker(void *ctx, int t)
{
    mask_job *j = ctx;
    size_t P = (size_t)j->W * (size_t)j->H;
    j->bad_at[t] = j->n;
    for (size_t i = (size_t)t; i < j->n; i += (size_t)j->threads) {
        if (i > atomic_load(&j->first_bad))
            return;
        int rc = 0;
        if (j->type[i] == 0)
            memset(j->truth + i * P, 0, P);
        else if (j->type[i] < 0)
            rc = sm_fail(&j->errs[t], "%s: pixel truth needs the MVTec layout: every image in "
                         "good/ or in a folder named for its defect type", j->paths[i]);
        else
            rc = load_one(j->dir, j->root, j->paths[i], j->W, j->H, j->truth + i * P, &j->errs[t]);
        if (rc != 0) {
            j->bad_at[t] = i;
            size_t cur = atomic_load(&j->first_bad);
            while (i < cur && !atomic_compare_exchange_weak(&j->first_bad, &cur, i))
                ;
            return;
        }
    }
}

int masks_load(const char *dir, const char *root, char *const *paths, const int *type,
               size_t n, int W, int H, int threads, uint8_t **truth, sm_err *e)
{
    *truth = NULL;
    if (n == 0 || W < 1 || H < 1)
        return sm_fail(e, "masks of %zu images of %d x %d pixels: nothing to load", n, W, H);
    for (size_t i = 0; !dir && i < n; i++)
        if (type[i] > 0)
            return sm_fail(e, "%s: a defect image, but no masks' folder: give one, or put "
                           "ground_truth/<type>/<name>_mask.png beside %s", paths[i], root);
    size_t P = (size_t)W * (size_t)H;
    if (n > SIZE_MAX / P)
        return sm_fail(e, "masks of %zu images of %d x %d pixels: too large", n, W, H);
    if (threads < 1)
        threads = 1;
    if ((size_t)threads > n)
        threads = (int)n;
    mask_job j = {dir, root, paths, type, n, W, H, threads, malloc(n * P), n,
                  calloc((size_t)threads, sizeof(sm_err)), calloc((size_t)threads, sizeof(size_t))};
    atomic_init(&j.first_bad, n);
    pool_t *pool = NULL;
    int rc = 0;
    if (!j.truth || !j.errs || !j.bad_at)
        rc = sm_fail(e, "out of memory for the masks of %zu images of %d x %d", n, W, H);
    else if (!(pool = pool_create(threads, e)))
        rc = -1;
    if (rc == 0) {
        pool_run(pool, mask_worker, &j);
        pool_destroy(pool);
        size_t first = atomic_load(&j.first_bad);
        for (int t = 0; first < n && t < threads; t++)
            if (j.bad_at[t] == first)
                *e = j.errs[t];
        rc = first < n ? -1 : 0;
    }
    free(j.errs);
    free(j.bad_at);
    if (rc != 0)
        free(j.truth);
    else
        *truth = j.truth;
    return rc;
}
