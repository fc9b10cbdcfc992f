/* check.h - the few helpers the C tests share: CHECK that counts failures
 * and prints where, and the data folder lookup (a missing dataset fails in
 * CI and skips with 77 elsewhere). */
#ifndef SIAMESE_TEST_CHECK_H
#define SIAMESE_TEST_CHECK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int check_failures;

#define CHECK(cond, ...)                                                                     \
    do {                                                                                     \
        if (!(cond)) {                                                                       \
            check_failures++;                                                                \
            fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);                  \
            fprintf(stderr, __VA_ARGS__);                                                    \
            fputc('\n', stderr);                                                             \
        }                                                                                    \
    } while (0)

/* Ends a test: prints the count and returns the exit status. */
static inline int check_done(const char *name)
{
    if (check_failures) {
        fprintf(stderr, "%s: %d check(s) failed\n", name, check_failures);
        return 1;
    }
    printf("%s: all checks passed\n", name);
    return 0;
}

/* 1 under CI (CI set and not "false"): there every tool and the data set
 * the tests use are installed (scripts/setup.sh), so a missing one fails
 * the test instead of skipping it. */
static inline int check_in_ci(void)
{
    const char *ci = getenv("CI");
    return ci && *ci && strcmp(ci, "false") != 0;
}

/* A check that cannot run because `what` is missing: a failure under CI, a
 * printed SKIP elsewhere. (A CPU without an instruction set is not a
 * missing tool: those skips stay, printed, everywhere.) */
#define CHECK_TOOL_MISSING(...)                                                              \
    do {                                                                                     \
        if (check_in_ci()) {                                                                 \
            check_failures++;                                                                \
            fprintf(stderr, "FAIL %s:%d: missing under CI=true (scripts/setup.sh installs "   \
                            "it): ", __FILE__, __LINE__);                                    \
            fprintf(stderr, __VA_ARGS__);                                                    \
            fputc('\n', stderr);                                                             \
        } else {                                                                             \
            printf("SKIP (part): ");                                                         \
            printf(__VA_ARGS__);                                                             \
            putchar('\n');                                                                   \
        }                                                                                    \
    } while (0)

/* The Fashion-MNIST folder for tests, or exits: 77 (ctest SKIP) outside CI,
 * 1 in CI (CI=true), where a missing dataset must fail. */
static inline const char *check_data_dir(void)
{
    const char *env = getenv("SIAMESE_DATA");
    static const char *const cands[] = {"/usr/share/datasets/fashion-mnist"};
    static char buf[4096];
    const char *dir = env && *env ? env : cands[0];
    snprintf(buf, sizeof buf, "%s/train-images-idx3-ubyte.gz", dir);
    FILE *f = fopen(buf, "rb");
    if (f) {
        fclose(f);
        return dir;
    }
    if (check_in_ci()) {
        fprintf(stderr, "FAIL: Fashion-MNIST not found in %s (CI must have the dataset: "
                        "scripts/setup.sh installs dataset-fashion-mnist)\n", dir);
        exit(1);
    }
    fprintf(stderr, "SKIP: Fashion-MNIST not found in %s\n", dir);
    exit(77);
}

#endif
