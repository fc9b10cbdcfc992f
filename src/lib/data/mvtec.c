/* mvtec.c - the MVTec AD layout of a folder of images (mvtec.h). */
#include "mvtec.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "masks.h"
#include "names.h"

void mvtec_types_free(char **names, int ntypes)
{
    for (int k = 0; k < ntypes; k++)
        free(names[k]);
    free(names);
}

/* The index of the type named rel [0, len) in *names [*nt], added when it
 * is new; -1 when out of memory. */
static int type_index(char ***names, int *nt, const char *rel, size_t len)
{
    int k = 0;
    while (k < *nt && (strlen((*names)[k]) != len || strncmp((*names)[k], rel, len) != 0))
        k++;
    if (k < *nt)
        return k;
    char **grown = realloc(*names, ((size_t)*nt + 1) * sizeof **names);
    if (!grown)
        return -1;
    *names = grown;
    if (!(grown[*nt] = strndup(rel, len)))
        return -1;
    return (*nt)++;
}

int mvtec_types(const char *root, char *const *paths, size_t n, int *type, char ***names,
                int *ntypes, sm_err *e)
{
    *names = NULL;
    *ntypes = 0;
    for (size_t i = 0; i < n; i++)
        type[i] = -1;
    char good[4200];
    struct stat st;
    names_join(good, sizeof good, root, "good");
    if (stat(good, &st) != 0 || !S_ISDIR(st.st_mode))
        return 0;
    char **t = malloc(sizeof *t);
    if (!t || !(t[0] = strdup("good"))) {
        free(t);
        return sm_fail(e, "out of memory");
    }
    int nt = 1;
    for (size_t i = 0; i < n; i++) {
        const char *rel = names_under(root, paths[i]), *slash = strchr(rel, '/');
        if (!slash) {
            mvtec_types_free(t, nt);
            return sm_fail(e, "%s: with a good/ folder beside it, every image must be in "
                           "good/ or in a folder named for its defect type", paths[i]);
        }
        if ((type[i] = type_index(&t, &nt, rel, (size_t)(slash - rel))) < 0) {
            mvtec_types_free(t, nt);
            return sm_fail(e, "out of memory");
        }
    }
    *names = t;
    *ntypes = nt;
    return 0;
}

static int is_folder(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int mvtec_category(const char *dir)
{
    size_t len = strlen(dir);
    while (len > 1 && dir[len - 1] == '/')
        len--;
    if (len + sizeof "/test/good" > PATH_MAX)
        return 0;
    char test[PATH_MAX], good[PATH_MAX + sizeof "/good"], train[PATH_MAX];
    snprintf(test, sizeof test, "%.*s/test", (int)len, dir);
    snprintf(good, sizeof good, "%s/good", test);
    snprintf(train, sizeof train, "%.*s/train", (int)len, dir);
    if (!is_folder(good))
        return 0;
    char *masks = NULL; /* ground_truth/ beside test/, found as inspect finds it */
    sm_err e;
    int gt = masks_find(test, NULL, &masks, &e) == 0 && masks != NULL;
    free(masks);
    return gt || is_folder(train);
}
