/* main.c - `siamese CMD [options]`: the subcommand table, --help,
 * --version, the OpenBLAS kernel fix that must happen before any work, and
 * the check that standard output really received what was printed. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "blas_kernels.h"
#include "cli.h"
#include "command.h"
#include "guard.h"

/* A row of the table: a command in command.h's form, or (until each is
 * moved to it) one that parses its own options. */
typedef struct {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *summary;
    const command *row;
} command_entry;

static const command_entry commands[] = {
    {"train", cmd_train, "train the Siamese network and write the model file", NULL},
    {"eval", cmd_eval, "evaluate a model on the test pairs: accuracy, ROC, threshold", NULL},
    {"show-pairs", cmd_show_pairs, "draw a PNG strip of same/different pairs", NULL},
    {"inspect", NULL, NULL, &cmd_inspect},
    {"embed", cmd_embed, "write the embeddings of images or a data split (.npy or .csv)", NULL},
    {"compare", NULL, NULL, &cmd_compare},
    {"export", cmd_export, "write a data set as image folders (train/<class>/<n>.png)", NULL},
    {"bench", cmd_bench, "measure data loading, the BLAS floor, training and evaluation", NULL},
};

static void usage(FILE *out)
{
    fprintf(out, "usage: siamese [--help | --version] COMMAND [options]\n\n"
                 "Trains and evaluates a Siamese network on Fashion-MNIST pairs.\n\n"
                 "commands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
        fprintf(out, "  %-12s %s\n", commands[i].name,
                commands[i].row ? commands[i].row->summary : commands[i].summary);
    fprintf(out, "\n'siamese COMMAND --help' shows a command's options and defaults.\n"
                 "Exit status: 0 success, 1 runtime failure, 2 usage error.\n");
}

/* Name of the marker variable telling the restarted process which kernels
 * OpenBLAS had picked before we set OPENBLAS_CORETYPE. */
#define REEXEC_MARK "SIAMESE_BLAS_REPLACED"

/* If OpenBLAS loaded generic kernels on a CPU that supports AVX2 or
 * AVX-512, set OPENBLAS_CORETYPE and start again (the library reads it only
 * when it loads). A value the user set is respected. Returns normally when
 * nothing needs doing or the restart failed. */
static void fix_blas_kernels(char **argv)
{
    if (getenv("OPENBLAS_CORETYPE") || getenv(REEXEC_MARK))
        return;
    /* Tests cannot make OpenBLAS misdetect this CPU: SIAMESE_TEST_BLAS_CORE
     * stands in for the name it reports, the rest is the real restart. */
    const char *pretend = getenv("SIAMESE_TEST_BLAS_CORE");
    const char *core = pretend && *pretend ? pretend : blas_core_name();
    const char *better = blas_better_core(core, cpu_detect());
    if (!better)
        return;
    setenv("OPENBLAS_CORETYPE", better, 1);
    setenv(REEXEC_MARK, core, 1);
    execv("/proc/self/exe", argv);
    /* Could not restart: carry on with the slow kernels; --verbose says so. */
    unsetenv("OPENBLAS_CORETYPE");
}

void cli_blas_report(FILE *out)
{
    const char *core = blas_core_name();
    const char *replaced = getenv(REEXEC_MARK);
    const char *user = getenv("OPENBLAS_CORETYPE");
    if (replaced)
        fprintf(out, "OpenBLAS picked its generic '%s' kernels for this CPU; restarted with "
                     "OPENBLAS_CORETYPE=%s, now using '%s' kernels\n", replaced, user ? user : "?",
                core);
    else if (user)
        fprintf(out, "OpenBLAS kernels: '%s' (OPENBLAS_CORETYPE=%s set by the user, respected)%s\n",
                core, user,
                blas_better_core(core, cpu_detect()) ? "; WARNING: these are generic kernels, "
                                                       "several times slower on this CPU" : "");
    else
        fprintf(out, "OpenBLAS kernels: '%s'%s\n", core,
                blas_better_core(core, cpu_detect()) ? " (generic, slow: restart failed)" : "");
}

/* A standard stream closed by the caller (`>&-`) leaves its descriptor
 * free, and the next open() would take it: a model file would then receive
 * the epoch lines. Fill the hole with /dev/null opened read-only, so that
 * writes to it still fail (EBADF) and are reported. */
static void fill_closed_std_fds(void)
{
    for (int fd = 0; fd <= 2; fd++) {
        if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
            continue;
        int got = open("/dev/null", O_RDONLY); /* the lowest free descriptor: fd */
        if (got >= 0 && got != fd) {
            dup2(got, fd);
            close(got);
        }
    }
}

/* The last word on the exit status: whatever went to standard output must
 * have arrived (a full disk, a file-size limit, a closed stdout), as
 * coreutils' close_stdout checks. A command that already failed has said
 * why; standard error is only checked for the status. */
static int finish(int rc)
{
    const char *why = guard_stdout_failure();
    if (fclose(stdout) != 0 && !why)
        why = strerror(errno);
    if (why && rc == 0) {
        fprintf(stderr, "siamese: write error on standard output: %s\n", why);
        rc = 1;
    }
    if (rc == 0 && (fflush(stderr) != 0 || ferror(stderr)))
        rc = 1;
    return rc;
}

static int run(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    const char *name = argv[1];
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 || strcmp(name, "help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(name, "--version") == 0 || strcmp(name, "-V") == 0) {
        printf("siamese %s\n", SIAMESE_VERSION);
        return 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++) {
        if (strcmp(name, commands[i].name) == 0) {
            fix_blas_kernels(argv);
            return commands[i].row ? cli_run(commands[i].row, argc - 1, argv + 1)
                                   : commands[i].fn(argc - 1, argv + 1);
        }
    }
    if (name[0] == '-')
        fprintf(stderr, "siamese: unknown option '%s'\n\n", name);
    else
        fprintf(stderr, "siamese: unknown command '%s'\n\n", name);
    usage(stderr);
    return EXIT_USAGE;
}

int main(int argc, char **argv)
{
    fill_closed_std_fds();
    /* A file-size limit (ulimit -f) must fail a write with EFBIG, which we
     * report, not kill the process halfway through a file. SIGPIPE keeps
     * its default: `siamese eval | head -1` ends quietly, as cat would. */
    signal(SIGXFSZ, SIG_IGN);
    /* One signal regime for every command, before anything is written. */
    guard_catch_signals();
    return finish(run(argc, argv));
}
