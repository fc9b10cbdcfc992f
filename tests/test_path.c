/* test_path.c - the small recipes export, embed and show-pairs share with
 * the rest: a path's folder and name (path_split), the temporary names
 * beside a target (path_each_tmp, folder_remove_stale), what is at a name
 * (folder_probe) and the choice of pairs show-pairs draws (pick_pairs). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "folder_out.h"
#include "path.h"
#include "pick.h"

static void test_split(void)
{
    static const char *const cases[][3] = {
        {"a", ".", "a"},       {"/a", "/", "a"},   {"d/e/f", "d/e", "f"},
        {"d/", "d", ""},       {"./x", ".", "x"},  {"/d/e", "/d", "e"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char dir[64];
        const char *base = path_split(cases[i][0], dir, sizeof dir);
        CHECK(strcmp(dir, cases[i][1]) == 0, "%s: folder '%s'", cases[i][0], dir);
        CHECK(strcmp(base, cases[i][2]) == 0, "%s: name '%s'", cases[i][0], base);
    }
}

/* path_each_tmp's visitor for the test: counts, and records the names. */
static int seen(const char *full, void *ctx)
{
    char *names = ctx;
    strcat(names, full);
    strcat(names, ";");
    return 1;
}

static void touch(const char *path)
{
    FILE *f = fopen(path, "w");
    if (f)
        fclose(f);
}

static void test_tmp_names(const char *root)
{
    char t[512], p[600], names[4096] = "";
    snprintf(t, sizeof t, "%s/out", root);
    const char *make[] = {"out.tmp-abcDE9", "out.tmp-abc", "out.tmp-abcDE_", "out.tmp-abcDEFG",
                          "outx.tmp-abcdef", "xout.tmp-abcdef"};
    for (size_t i = 0; i < sizeof make / sizeof *make; i++) {
        snprintf(p, sizeof p, "%s/%s", root, make[i]);
        touch(p);
    }
    snprintf(p, sizeof p, "%s/out.tmp-ZZZZZZ", root);
    mkdir(p, 0777);
    int n = path_each_tmp(t, seen, names);
    CHECK(n == 2, "%d names matched: %s", n, names);
    CHECK(strstr(names, "/out.tmp-abcDE9;") && strstr(names, "/out.tmp-ZZZZZZ;"), "%s", names);
    /* folder_remove_stale removes the folder only, not the file. */
    snprintf(p, sizeof p, "%s/out.tmp-ZZZZZZ/inner", root);
    touch(p);
    CHECK(folder_remove_stale(t) == 1, "one stale folder");
    snprintf(p, sizeof p, "%s/out.tmp-ZZZZZZ", root);
    CHECK(access(p, F_OK) != 0, "%s still there", p);
    snprintf(p, sizeof p, "%s/out.tmp-abcDE9", root);
    CHECK(access(p, F_OK) == 0, "%s (a file) removed", p);
}

static void test_probe(const char *root)
{
    char p[600];
    int err = 0;
    snprintf(p, sizeof p, "%s/none", root);
    CHECK(folder_probe(p, &err) == FOLDER_ABSENT, "absent");
    snprintf(p, sizeof p, "%s/empty", root);
    mkdir(p, 0777);
    CHECK(folder_probe(p, &err) == FOLDER_EMPTY, "empty");
    CHECK(folder_probe(root, &err) == FOLDER_NOT_EMPTY, "not empty");
    snprintf(p, sizeof p, "%s/out.tmp-abc", root);
    CHECK(folder_probe(p, &err) == FOLDER_NOT_FOLDER, "a file");
}

static void test_pick(void)
{
    enum { N = 50 };
    uint32_t left[N], right[N];
    uint8_t same[N];
    float dist[N];
    for (int i = 0; i < N; i++) {
        left[i] = right[i] = (uint32_t)i;
        same[i] = i % 2;
        dist[i] = i % 5 == 0 ? 0.0f : 1.0f; /* wrong: same with d >= 0.5, or different with d < 0.5 */
    }
    pairs_t p = {N, left, right, same};
    sm_err e;
    pair_pick a, b;
    CHECK(pick_pairs(&a, &p, NULL, 0.5f, 0, 10, 7, &e) == 0, "%s", e.msg);
    CHECK(a.count == 10 && a.pool == N && !a.dist, "count %zu pool %zu", a.count, a.pool);
    for (size_t i = 0; i < a.count; i++)
        for (size_t j = 0; j < i; j++)
            CHECK(a.which[i] != a.which[j], "pair %zu drawn twice", a.which[i]);
    CHECK(pick_pairs(&b, &p, NULL, 0.5f, 0, 10, 7, &e) == 0, "%s", e.msg);
    CHECK(memcmp(a.which, b.which, 10 * sizeof *a.which) == 0, "the same seed, another choice");
    pick_free(&b);
    CHECK(pick_pairs(&b, &p, NULL, 0.5f, 0, 10, 8, &e) == 0, "%s", e.msg);
    CHECK(memcmp(a.which, b.which, 10 * sizeof *a.which) != 0, "another seed, the same choice");
    pick_free(&a);
    pick_free(&b);
    size_t wrong = 0;
    for (int i = 0; i < N; i++)
        wrong += (dist[i] < 0.5f) != (same[i] != 0);
    CHECK(pick_pairs(&a, &p, dist, 0.5f, 1, 200, 7, &e) == 0, "%s", e.msg);
    CHECK(a.pool == wrong && a.count == wrong, "pool %zu count %zu, want %zu", a.pool, a.count,
          wrong);
    for (size_t i = 0; i < a.count; i++) {
        size_t q = a.which[i];
        CHECK((dist[q] < 0.5f) != (same[q] != 0), "pair %zu is predicted right", q);
        CHECK(a.dist[i] == dist[q], "distance of pair %zu", q);
    }
    pick_free(&a);
    CHECK(pick_pairs(&a, &p, dist, 100.0f, 1, 5, 7, &e) == 0 && a.pool == N / 2 && a.count == 5,
          "threshold 100: pool %zu", a.pool);
    pick_free(&a);
}

int main(void)
{
    char root[] = "/tmp/siamese-test-path-XXXXXX";
    if (!mkdtemp(root)) {
        perror("mkdtemp");
        return 1;
    }
    test_split();
    test_tmp_names(root);
    test_probe(root);
    test_pick();
    folder_remove_tree(root);
    CHECK(access(root, F_OK) != 0, "%s not removed", root);
    return check_done("test_path");
}
