/* guard.c - outputs checked before the work, signals that clean up,
 * standard output's errors; see guard.h. */
#include "guard.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic_file.h"
#include "cli.h"
#include "dataset.h"

int guard_outputs(const char *cmd, const output_spec *out, size_t n, const char *model_in,
                  const char *data_opt)
{
    /* The four files of dataset.h, gzipped or not: whichever exist. */
    static const char *const names[] = {"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                                        "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"};
    static const char *const ext[] = {".gz", ""};
    char files[8][ATOMIC_PATH_MAX + 64], dir[ATOMIC_PATH_MAX];
    input_file in[9];
    size_t n_in = 0;
    if (model_in)
        in[n_in++] = (input_file){"--model", model_in};
    sm_err e;
    if (dataset_find_dir(data_opt, dir, sizeof dir, &e) == 0) { /* else the loader says why */
        for (int i = 0; i < 8; i++) {
            snprintf(files[i], sizeof files[i], "%s/%s%s", dir, names[i / 2], ext[i % 2]);
            if (access(files[i], F_OK) == 0)
                in[n_in++] = (input_file){"the data file", files[i]};
        }
    }
    int rc = outputs_check(out, n, in, n_in, &e);
    if (rc == 0)
        return 0;
    cli_error(cmd, "%s", e.msg);
    return rc == OUTPUTS_USAGE ? EXIT_USAGE : 1;
}

static void on_signal(int sig)
{
    atomic_remove_pending();
    signal(sig, SIG_DFL); /* async-signal-safe; the signal is blocked until we return */
    raise(sig);
}

void guard_catch_signals(void)
{
    static const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++) {
        if (sigs[i] == SIGHUP && sigaction(SIGHUP, NULL, &old) == 0 && old.sa_handler == SIG_IGN)
            continue; /* nohup */
        sigaction(sigs[i], &sa, NULL);
    }
}

const char *guard_stdout_failure(void)
{
    int failed_before = ferror(stdout);
    errno = 0;
    if (fflush(stdout) != 0)
        return strerror(errno ? errno : EIO);
    if (!failed_before)
        return NULL;
    /* An earlier flush failed, and stdio dropped its errno with the data.
     * An empty write repeats most failures (closed, device full); a file
     * at the size limit (ulimit -f) is recognised by its size. */
    if (write(STDOUT_FILENO, "", 0) < 0)
        return strerror(errno);
    struct stat st;
    struct rlimit rl;
    if (fstat(STDOUT_FILENO, &st) == 0 && S_ISREG(st.st_mode) &&
        getrlimit(RLIMIT_FSIZE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
        (rlim_t)st.st_size >= rl.rlim_cur)
        return strerror(EFBIG);
    return "an earlier write failed";
}

int guard_text_to_stderr(void)
{
    fflush(stdout);
    int saved = dup(STDOUT_FILENO);
    if (saved >= 0 && dup2(STDERR_FILENO, STDOUT_FILENO) < 0) {
        close(saved);
        return -1;
    }
    return saved;
}

void guard_text_back(int saved)
{
    if (saved < 0)
        return;
    fflush(stdout);
    dup2(saved, STDOUT_FILENO);
    close(saved);
}
