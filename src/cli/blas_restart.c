/* blas_restart.c - the OpenBLAS kernel fix that must happen before any
 * work (main calls cli_fix_blas_kernels first), and what --verbose and
 * bench say about it (cli_blas_report). */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "blas_kernels.h"
#include "cli.h"

/* Name of the marker variable telling the restarted process which kernels
 * OpenBLAS had picked before we set OPENBLAS_CORETYPE. */
#define REEXEC_MARK "SIAMESE_BLAS_REPLACED"

/* If OpenBLAS loaded generic kernels on a CPU that supports AVX2 or
 * AVX-512, set OPENBLAS_CORETYPE and start again (the library reads it only
 * when it loads). A value the user set is respected. Returns normally when
 * nothing needs doing or the restart failed. */
void cli_fix_blas_kernels(char **argv)
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
