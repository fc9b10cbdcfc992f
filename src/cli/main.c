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

#include "cli.h"
#include "command.h"
#include "guard.h"

/* The command table: one row per command (command.h), in the order
 * `siamese --help` lists them. */
static const command *const commands[] = {
    &cmd_train, &cmd_eval, &cmd_show_pairs, &cmd_inspect,
    &cmd_embed, &cmd_compare, &cmd_export, &cmd_bench,
};

static void usage(FILE *out)
{
    fprintf(out, "usage: siamese [--help | --version] COMMAND [options]\n\n"
                 "Trains and evaluates a Siamese network on Fashion-MNIST pairs.\n\n"
                 "commands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
        fprintf(out, "  %-12s %s\n", commands[i]->name, commands[i]->summary);
    fprintf(out, "\n'siamese COMMAND --help' shows a command's options and defaults.\n"
                 "Exit status: 0 success, 1 runtime failure, 2 usage error.\n");
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
        if (strcmp(name, commands[i]->name) == 0) {
            cli_fix_blas_kernels(argv);
            return cli_run(commands[i], argc - 1, argv + 1);
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
